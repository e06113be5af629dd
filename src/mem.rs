//! Large buffers: a hint that the kernel back them with 2 MB pages.
//!
//! The big buffers of an ingest (the file's bytes, the ledger, the formatted ledger) and of a
//! simulation (the result matrix) are each tens of megabytes written once from start to end.
//! With 4 KB pages, each page's first write is a fault (about 25,000 for 100 MB, some 10% of
//! a CSV ingest); where transparent huge pages are enabled only on request (`madvise`, the
//! usual default), asking for them cuts those faults 512-fold. The hint changes no byte: the
//! memory reads as zero (or as what was written) either way, and where the kernel declines,
//! nothing happens.

/// Below this a buffer is not worth a system call.
const MIN_HINT_BYTES: usize = 4 << 20;
const HUGE: usize = 2 << 20;

/// Hint that the not-yet-touched capacity of `v` be backed by huge pages (Linux; elsewhere,
/// and for buffers under 4 MB, nothing). Call it right after allocating, before writing.
pub fn hint_huge<T>(v: &mut Vec<T>) {
    let bytes = v.capacity().saturating_mul(std::mem::size_of::<T>());
    if bytes < MIN_HINT_BYTES {
        return;
    }
    #[cfg(target_os = "linux")]
    {
        let start = v.as_mut_ptr() as usize;
        let lo = start.div_ceil(HUGE) * HUGE;
        let hi = (start + bytes) / HUGE * HUGE;
        if hi > lo {
            // SAFETY: [lo, hi) lies inside `v`'s own allocation; MADV_HUGEPAGE is advice
            // about how to back it and changes neither its contents nor its mapping.
            unsafe {
                libc::madvise(lo as *mut libc::c_void, hi - lo, libc::MADV_HUGEPAGE);
            }
        }
    }
}

/// `n` copies of `x` in a vector hinted as in [`hint_huge`] before it is filled.
pub fn filled<T: Copy>(n: usize, x: T) -> Vec<T> {
    let mut v = Vec::with_capacity(n);
    hint_huge(&mut v);
    v.resize(n, x);
    v
}

/// A whole file's bytes, read into a buffer hinted as in [`hint_huge`] (as `std::fs::read`).
pub fn read_file(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    let mut f = std::fs::File::open(path)?;
    let len = f.metadata().map_or(0, |m| m.len());
    let mut v = Vec::with_capacity(usize::try_from(len).unwrap_or(0).saturating_add(1));
    hint_huge(&mut v);
    f.read_to_end(&mut v)?;
    Ok(v)
}

#[cfg(test)]
mod tests {
    #[test]
    fn hinted_buffers_hold_what_is_written() {
        let v = super::filled(3 << 20, 7u32);
        assert!(v.iter().all(|&x| x == 7));
        let mut w: Vec<u8> = Vec::with_capacity(9 << 20);
        super::hint_huge(&mut w);
        w.extend((0..9 << 20).map(|i| i as u8));
        assert!(w.iter().enumerate().all(|(i, &b)| b == i as u8));
        let mut small: Vec<u8> = Vec::new();
        super::hint_huge(&mut small);
    }
}
