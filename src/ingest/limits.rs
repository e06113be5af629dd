//! Bounds on what a budget file may make the reader allocate, checked before the file reaches
//! the spreadsheet reader (calamine sizes some allocations from numbers written in the file).
//!
//! The container is inspected first, streaming, in constant memory:
//! - **xlsx / xlsm / xlsb / ods** (zip): every entry's decompressed bytes are counted against
//!   [`Limits::decompressed_bytes`], and the longest run of bytes between two `<` (one text node
//!   or one tag) against [`Limits::text_bytes`]; the shared-strings table's declared
//!   `uniqueCount`/`count` against [`Limits::cells`]; for ods, the cells a sheet expands to
//!   (`number-columns-repeated` × `number-rows-repeated`, as the reader materialises them) and
//!   cells in a currency other than pounds.
//! - **xls** (OLE compound file): each sheet's `DIMENSIONS` record against [`Limits::cells`],
//!   and formula records of the old BIFF4 kind (0x0406) that the reader skips, as a located
//!   error rather than a vanished row.
//! - **csv**: the file size against [`Limits::decompressed_bytes`].
//!
//! Defaults are far above real budget files (the largest ledgers the project has met are a
//! few million cells); each can be raised with an environment variable, named in the error.

use std::io::{BufReader, Read};

use crate::error::{Error, Location, Result};
use crate::model::{Format, Source};

/// Limits on one budget file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Cells a sheet may expand to when a reader materialises it (ods, xls), and strings a
    /// shared-strings table may declare. Env `TOTALPLACE_MAX_CELLS`.
    pub cells: u64,
    /// Bytes of one text node, tag or string (Excel's own cell limit is 32,767 characters).
    /// Env `TOTALPLACE_MAX_TEXT_BYTES`.
    pub text_bytes: u64,
    /// Decompressed bytes of the whole file (all zip entries together), or a CSV's size.
    /// Env `TOTALPLACE_MAX_FILE_BYTES`.
    pub decompressed_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            cells: 20_000_000,
            text_bytes: 1 << 20,
            decompressed_bytes: 4 << 30,
        }
    }
}

const ENV_CELLS: &str = "TOTALPLACE_MAX_CELLS";
const ENV_TEXT: &str = "TOTALPLACE_MAX_TEXT_BYTES";
const ENV_BYTES: &str = "TOTALPLACE_MAX_FILE_BYTES";

impl Limits {
    /// The defaults, each overridden by its environment variable when set to a number.
    pub fn from_env() -> Limits {
        let d = Limits::default();
        let get = |k: &str, v: u64| {
            std::env::var(k)
                .ok()
                .and_then(|s| s.trim().replace('_', "").parse().ok())
                .unwrap_or(v)
        };
        Limits {
            cells: get(ENV_CELLS, d.cells),
            text_bytes: get(ENV_TEXT, d.text_bytes),
            decompressed_bytes: get(ENV_BYTES, d.decompressed_bytes),
        }
    }
}

fn over(source: &Source, what: String, limit: u64, env: &str) -> Error {
    Error::input(
        Location::file(&source.display),
        format!(
            "{what}, over the limit of {limit} (a guard against files that would exhaust memory; if the file is genuine, raise it with the environment variable {env}=N)"
        ),
    )
}

fn unreadable(source: &Source, e: impl std::fmt::Display) -> Error {
    super::unreadable(source, e)
}

/// Inspect a budget file's container before its reader sees it.
pub fn inspect(source: &Source) -> Result<()> {
    let limits = Limits::from_env();
    match source.format {
        Format::Xlsx | Format::Xlsm | Format::Xlsb | Format::Ods => inspect_zip(source, &limits),
        Format::Xls => inspect_xls(source, &limits),
        Format::Csv => Ok(()),
    }
}

pub(super) fn check_csv(source: &Source, data: &[u8]) -> Result<()> {
    let limits = Limits::from_env();
    if data.len() as u64 > limits.decompressed_bytes {
        return Err(over(
            source,
            format!("the file is {} bytes", data.len()),
            limits.decompressed_bytes,
            ENV_BYTES,
        ));
    }
    Ok(())
}

/// Counts bytes read through it and the longest run between `<` bytes; fails the read as soon
/// as either passes its limit, so a reader on top never buffers more than the limit.
pub(super) struct Guard<R> {
    inner: R,
    total: u64,
    total_limit: u64,
    run: u64,
    run_limit: u64,
    tripped: Option<Trip>,
}

#[derive(Debug, Clone, Copy)]
enum Trip {
    Total,
    Run,
}

impl<R> Guard<R> {
    /// A guard over `inner` whose total starts at `total` (the bytes of the parts read before).
    pub(super) fn new(inner: R, total: u64, limits: &Limits) -> Self {
        Guard {
            inner,
            total,
            total_limit: limits.decompressed_bytes,
            run: 0,
            run_limit: limits.text_bytes,
            tripped: None,
        }
    }

    /// Bytes read so far, the parts before included.
    pub(super) fn total(&self) -> u64 {
        self.total
    }

    /// Whether a read failed on a limit.
    pub(super) fn tripped(&self) -> bool {
        self.tripped.is_some()
    }
}

impl<R: Read> Read for Guard<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.total += n as u64;
        if self.total > self.total_limit {
            self.tripped = Some(Trip::Total);
            return Err(std::io::Error::other("decompressed size limit"));
        }
        let chunk = &buf[..n];
        match memchr::memrchr(b'<', chunk) {
            Some(last) => {
                // The run before the first '<' extends the current one; check it too.
                let first = memchr::memchr(b'<', chunk).expect("has one");
                let mut longest = self.run + first as u64;
                let mut prev = first;
                for i in memchr::memchr_iter(b'<', &chunk[first + 1..]) {
                    let at = first + 1 + i;
                    longest = longest.max((at - prev - 1) as u64);
                    prev = at;
                }
                self.run = (n - last - 1) as u64;
                longest = longest.max(self.run);
                if longest > self.run_limit {
                    self.tripped = Some(Trip::Run);
                    return Err(std::io::Error::other("text length limit"));
                }
            }
            None => {
                self.run += n as u64;
                if self.run > self.run_limit {
                    self.tripped = Some(Trip::Run);
                    return Err(std::io::Error::other("text length limit"));
                }
            }
        }
        Ok(n)
    }
}

fn inspect_zip(source: &Source, limits: &Limits) -> Result<()> {
    let file = std::fs::File::open(&source.path).map_err(|e| Error::io(&source.path, e))?;
    let mut zip = zip::ZipArchive::new(BufReader::new(file)).map_err(|e| unreadable(source, e))?;
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let entry = zip.by_index(i).map_err(|e| unreadable(source, e))?;
        if entry.is_dir() {
            continue;
        }
        let name = entry.name().map(|n| n.into_owned()).unwrap_or_default();
        let mut g = Guard {
            inner: entry,
            total,
            total_limit: limits.decompressed_bytes,
            run: 0,
            run_limit: if name.ends_with(".bin") {
                u64::MAX // xlsb parts are binary records, not XML
            } else {
                limits.text_bytes
            },
            tripped: None,
        };
        let result = if name.ends_with("sharedStrings.xml") {
            shared_strings(source, limits, &name, &mut g)
        } else if name == "content.xml" && source.format == Format::Ods {
            ods_content(source, limits, &mut g)
        } else {
            std::io::copy(&mut g, &mut std::io::sink())
                .map(|_| ())
                .map_err(|e| unreadable(source, format!("{name}: {e}")))
        };
        if let Some(t) = g.tripped {
            return Err(match t {
                Trip::Total => over(
                    source,
                    format!(
                        "the workbook decompresses to more than {} bytes (at part {name})",
                        limits.decompressed_bytes
                    ),
                    limits.decompressed_bytes,
                    ENV_BYTES,
                ),
                Trip::Run => over(
                    source,
                    format!(
                        "part {name} holds a text or tag longer than {} bytes",
                        limits.text_bytes
                    ),
                    limits.text_bytes,
                    ENV_TEXT,
                ),
            });
        }
        result?;
        total = g.total;
    }
    Ok(())
}

fn attr_u64(e: &quick_xml::events::BytesStart<'_>, key: &str) -> Option<u64> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .and_then(|a| a.value.trim().parse().ok())
}

fn attr_string(e: &quick_xml::events::BytesStart<'_>, key: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .map(|a| a.value.into_owned())
}

fn shared_strings<R: Read>(
    source: &Source,
    limits: &Limits,
    name: &str,
    r: &mut Guard<R>,
) -> Result<()> {
    use quick_xml::events::Event;
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(r));
    let mut buf = Vec::new();
    loop {
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) if e.local_name().as_ref() == "sst" => {
                for key in ["uniqueCount", "count"] {
                    if let Some(n) = attr_u64(&e, key) {
                        if n > limits.cells {
                            return Err(over(
                                source,
                                format!("{name} declares {} = {n} strings", key),
                                limits.cells,
                                ENV_CELLS,
                            ));
                        }
                    }
                }
                break;
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            // A damaged part is the reader's to report, with its own message.
            Err(_) => return Ok(()),
        }
        buf.clear();
    }
    // The rest is counted by the guard.
    let mut rest = xml.into_inner();
    let _ = std::io::copy(&mut rest, &mut std::io::sink());
    Ok(())
}

/// Walk an ods `content.xml`: the cells each sheet expands to as the reader materialises it
/// (repeated cells in a row up to its last value; the rows from the first to the last with a
/// value, repeats included, times the widest such row), and cells in a currency other than GBP.
fn ods_content<R: Read>(source: &Source, limits: &Limits, r: &mut Guard<R>) -> Result<()> {
    use quick_xml::events::Event;
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(r));
    let mut buf = Vec::new();
    let mut sheet = String::new();
    let mut row: u64 = 0; // rows before the current one (1-based row = row + 1)
    let mut col: u64 = 0;
    let mut row_repeat: u64 = 1;
    let mut row_cells: u64 = 0; // cells the reader keeps for this row
    let mut pending_empty: u64 = 0; // empty cells kept only if a value follows
    let mut row_has_value = false;
    let mut first_row: Option<u64> = None;
    let mut width: u64 = 0;
    let mut read_cells: u64 = 0;
    let end_row = |row: &mut u64,
                   sheet: &str,
                   repeat: u64,
                   cells: u64,
                   has_value: bool,
                   first_row: &mut Option<u64>,
                   width: &mut u64,
                   read_cells: &mut u64|
     -> Result<()> {
        if has_value {
            let first = *first_row.get_or_insert(*row);
            *width = (*width).max(cells);
            *read_cells = read_cells.saturating_add(cells);
            let span = row.saturating_add(repeat).saturating_sub(first);
            let total = span.saturating_mul(*width).max(*read_cells);
            if total > limits.cells {
                return Err(over(
                    source,
                    format!(
                        "sheet \"{sheet}\" expands to {total} cells by row {} (repeated cells and rows count as the reader materialises them)",
                        row.saturating_add(repeat)
                    ),
                    limits.cells,
                    ENV_CELLS,
                ));
            }
        }
        *row = row.saturating_add(repeat);
        Ok(())
    };
    // A damaged part ends the walk: the reader reports it with its own message.
    while let Ok(ev) = xml.read_event_into(&mut buf) {
        let start = matches!(ev, Event::Start(_));
        match ev {
            Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                "table" => {
                    sheet = attr_string(&e, "table:name").unwrap_or_default();
                    row = 0;
                    first_row = None;
                    width = 0;
                    read_cells = 0;
                }
                "table-row" => {
                    row_repeat = attr_u64(&e, "table:number-rows-repeated")
                        .unwrap_or(1)
                        .max(1);
                    col = 0;
                    row_cells = 0;
                    pending_empty = 0;
                    row_has_value = false;
                    if !start {
                        end_row(
                            &mut row,
                            &sheet,
                            row_repeat,
                            0,
                            false,
                            &mut first_row,
                            &mut width,
                            &mut read_cells,
                        )?;
                    }
                }
                "table-cell" | "covered-table-cell" => {
                    let rep = attr_u64(&e, "table:number-columns-repeated")
                        .unwrap_or(1)
                        .max(1);
                    let value_type = attr_string(&e, "office:value-type");
                    if let Some(cur) = attr_string(&e, "office:currency") {
                        if !cur.trim().eq_ignore_ascii_case("GBP") {
                            return Err(Error::input(
                                Location::cell(
                                    &source.display,
                                    Some(&sheet),
                                    (row + 1).min(u32::MAX as u64) as u32,
                                    col.min(u32::MAX as u64) as u32,
                                ),
                                format!(
                                    "cell is a currency amount in {}: totalplace sums pounds only; convert it to GBP in the source (or store it as a plain number if it is pounds)",
                                    cur.trim()
                                ),
                            ));
                        }
                    }
                    let has_value =
                        start || value_type.is_some() || attr_string(&e, "table:formula").is_some();
                    if has_value {
                        row_cells = row_cells.saturating_add(pending_empty).saturating_add(rep);
                        pending_empty = 0;
                        row_has_value = true;
                    } else {
                        pending_empty = pending_empty.saturating_add(rep);
                    }
                    col = col.saturating_add(rep);
                }
                _ => {}
            },
            Event::End(e) if e.local_name().as_ref() == "table-row" => {
                end_row(
                    &mut row,
                    &sheet,
                    row_repeat,
                    row_cells,
                    row_has_value,
                    &mut first_row,
                    &mut width,
                    &mut read_cells,
                )?;
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    let mut rest = xml.into_inner();
    let _ = std::io::copy(&mut rest, &mut std::io::sink());
    Ok(())
}

// ------------------------------------------------------------------ xls (OLE compound file)

/// Read the `Workbook` (or BIFF5 `Book`) stream of a compound file, in memory (xls files are
/// loaded whole by the reader anyway). Chains are bounded by the file's sector count.
fn cfb_workbook(data: &[u8]) -> std::result::Result<Vec<u8>, String> {
    let u16_at = |o: usize| -> std::result::Result<u16, String> {
        data.get(o..o + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
            .ok_or_else(|| "truncated header".to_string())
    };
    let u32_at = |o: usize| -> std::result::Result<u32, String> {
        data.get(o..o + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .ok_or_else(|| "truncated".to_string())
    };
    if data.len() < 512 || data[..8] != [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] {
        return Err("not an OLE compound file".into());
    }
    let shift = u16_at(0x1E)?;
    if !(7..=12).contains(&shift) {
        return Err("bad sector size".into());
    }
    let ss = 1usize << shift;
    let nsec = data.len() / ss; // an upper bound on any chain's length
    let sector = |n: u32| -> std::result::Result<&[u8], String> {
        let o = (n as usize + 1)
            .checked_mul(ss)
            .ok_or("sector out of range")?;
        data.get(o..o + ss)
            .ok_or_else(|| "sector beyond the end of the file".to_string())
    };
    // DIFAT -> FAT sector list.
    let mut fat_secs: Vec<u32> = (0..109)
        .map(|i| u32_at(0x4C + 4 * i))
        .collect::<std::result::Result<_, _>>()?;
    let mut difat = u32_at(0x44)?;
    let mut guard = 0;
    while difat < 0xFFFF_FFFA && guard <= nsec {
        let s = sector(difat)?;
        for i in 0..ss / 4 - 1 {
            fat_secs.push(u32::from_le_bytes(
                s[4 * i..4 * i + 4].try_into().expect("4"),
            ));
        }
        difat = u32::from_le_bytes(s[ss - 4..].try_into().expect("4"));
        guard += 1;
    }
    let mut fat: Vec<u32> = Vec::new();
    for &s in fat_secs.iter().filter(|&&s| s < 0xFFFF_FFFA).take(nsec) {
        let b = sector(s)?;
        fat.extend(
            b.chunks_exact(4)
                .map(|c| u32::from_le_bytes(c.try_into().expect("4"))),
        );
    }
    let chain = |start: u32, fat: &[u32]| -> std::result::Result<Vec<u32>, String> {
        let mut v = Vec::new();
        let mut s = start;
        while s < 0xFFFF_FFFA {
            if v.len() > nsec {
                return Err("sector chain loops".into());
            }
            v.push(s);
            s = *fat.get(s as usize).ok_or("sector chain out of range")?;
        }
        Ok(v)
    };
    let read_chain = |start: u32, fat: &[u32]| -> std::result::Result<Vec<u8>, String> {
        let mut out = Vec::new();
        for s in chain(start, fat)? {
            out.extend_from_slice(sector(s)?);
        }
        Ok(out)
    };
    let dir = read_chain(u32_at(0x30)?, &fat)?;
    let cutoff = u32_at(0x38)? as u64;
    let mut root: Option<(u32, u64)> = None;
    let mut book: Option<(u32, u64)> = None;
    for e in dir.chunks_exact(128) {
        let nlen = (u16::from_le_bytes([e[0x40], e[0x41]]) as usize).min(64);
        let name: Vec<u16> = e[..nlen.saturating_sub(2)]
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        let name = String::from_utf16_lossy(&name);
        let start = u32::from_le_bytes(e[0x74..0x78].try_into().expect("4"));
        let size = u64::from(u32::from_le_bytes(e[0x78..0x7C].try_into().expect("4")));
        match e[0x42] {
            5 => root = Some((start, size)),
            2 if name == "Workbook" || (name == "Book" && book.is_none()) => {
                book = Some((start, size))
            }
            _ => {}
        }
    }
    let (start, size) = book.ok_or("no Workbook stream")?;
    let mut bytes = if size < cutoff {
        let (rs, _) = root.ok_or("no root entry")?;
        let mini = read_chain(rs, &fat)?;
        let mut minifat = Vec::new();
        let mf = u32_at(0x3C)?;
        if mf < 0xFFFF_FFFA {
            let b = read_chain(mf, &fat)?;
            minifat.extend(
                b.chunks_exact(4)
                    .map(|c| u32::from_le_bytes(c.try_into().expect("4"))),
            );
        }
        let mut out = Vec::new();
        let mut s = start;
        while s < 0xFFFF_FFFA {
            if out.len() > mini.len() {
                return Err("mini sector chain loops".into());
            }
            let o = s as usize * 64;
            out.extend_from_slice(mini.get(o..o + 64).ok_or("mini sector out of range")?);
            s = *minifat.get(s as usize).ok_or("mini chain out of range")?;
        }
        out
    } else {
        read_chain(start, &fat)?
    };
    bytes.truncate(size.min(bytes.len() as u64) as usize);
    Ok(bytes)
}

fn inspect_xls(source: &Source, limits: &Limits) -> Result<()> {
    let data = std::fs::read(&source.path).map_err(|e| Error::io(&source.path, e))?;
    // A file that is not a compound file is left to the reader, which says what it is not.
    let Ok(stream) = cfb_workbook(&data) else {
        return Ok(());
    };
    // Sheet names by their BOF offset (BOUNDSHEET records in the globals substream).
    let mut names: Vec<(usize, String)> = Vec::new();
    let mut pos = 0usize;
    let mut sheet: Option<String> = None;
    let mut depth = 0usize;
    while pos + 4 <= stream.len() {
        let typ = u16::from_le_bytes([stream[pos], stream[pos + 1]]);
        let len = u16::from_le_bytes([stream[pos + 2], stream[pos + 3]]) as usize;
        let start = pos;
        let body = stream.get(pos + 4..pos + 4 + len).unwrap_or(&[]);
        pos += 4 + len;
        match typ {
            0x0085 if body.len() >= 8 => {
                let off = u32::from_le_bytes(body[..4].try_into().expect("4")) as usize;
                let cch = body[6] as usize;
                let name = if body.get(7) == Some(&1) {
                    let u: Vec<u16> = body[8..]
                        .chunks_exact(2)
                        .take(cch)
                        .map(|c| u16::from_le_bytes([c[0], c[1]]))
                        .collect();
                    String::from_utf16_lossy(&u)
                } else {
                    String::from_utf8_lossy(body.get(8..8 + cch).unwrap_or(&[])).into_owned()
                };
                names.push((off, name));
            }
            0x0809 => {
                depth += 1;
                if depth == 1 {
                    sheet = names
                        .iter()
                        .find(|(o, _)| *o == start)
                        .map(|(_, n)| n.clone());
                }
            }
            0x000A => depth = depth.saturating_sub(1),
            // BIFF8: rwMic u32, rwMac u32 (one past the last), colMic u16, colMac u16.
            0x0200 if depth == 1 && sheet.is_some() && body.len() >= 12 => {
                let r0 = u32::from_le_bytes(body[..4].try_into().expect("4")) as u64;
                let r1 = u32::from_le_bytes(body[4..8].try_into().expect("4")) as u64;
                let c0 = u16::from_le_bytes([body[8], body[9]]) as u64;
                let c1 = u16::from_le_bytes([body[10], body[11]]) as u64;
                let cells = r1.saturating_sub(r0).saturating_mul(c1.saturating_sub(c0));
                if cells > limits.cells || r1 < r0 {
                    return Err(over(
                        source,
                        format!(
                            "sheet \"{}\" declares (DIMENSIONS record) {} rows × {} columns",
                            sheet.as_deref().unwrap_or(""),
                            r1.saturating_sub(r0),
                            c1.saturating_sub(c0)
                        ),
                        limits.cells,
                        ENV_CELLS,
                    ));
                }
            }
            0x0406 if depth == 1 && sheet.is_some() && body.len() >= 4 => {
                let row = u16::from_le_bytes([body[0], body[1]]) as u32 + 1;
                let col = u16::from_le_bytes([body[2], body[3]]) as u32;
                return Err(Error::input(
                    Location::cell(&source.display, sheet.as_deref(), row, col),
                    "cell holds a formula record of the old BIFF4 kind (record 0x0406, written by Apple Numbers and some exporters) that the xls reader cannot decode, so its row would vanish: re-save the file as .xlsx (or as .xls from Excel or LibreOffice)",
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard(data: &[u8], total: u64, run: u64) -> Option<Trip> {
        let mut g = Guard {
            inner: data,
            total: 0,
            total_limit: total,
            run: 0,
            run_limit: run,
            tripped: None,
        };
        let mut small = [0u8; 3]; // reads of 3 bytes: runs cross read boundaries
        while let Ok(n) = g.read(&mut small) {
            if n == 0 {
                break;
            }
        }
        g.tripped
    }

    #[test]
    fn guard_measures_runs_across_reads() {
        // Runs between '<': "ab", "cdefg", "h" -> longest 5 (plus the '<'-free tail).
        assert!(guard(b"ab<cdefg<h", 100, 5).is_none());
        assert!(matches!(guard(b"ab<cdefgh<i", 100, 5), Some(Trip::Run)));
        assert!(matches!(guard(b"abcdefgh", 100, 5), Some(Trip::Run)));
        assert!(matches!(guard(b"<a<b<c<d<e<f", 10, 5), Some(Trip::Total)));
    }

    #[test]
    fn limits_read_from_the_environment_or_default() {
        let d = Limits::default();
        assert_eq!(d.cells, 20_000_000);
        assert!(
            d.text_bytes >= 32_767 * 4,
            "room for Excel's longest cell in UTF-8"
        );
    }
}
