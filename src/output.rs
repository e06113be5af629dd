//! Atomic output: a command's files are committed as one set, so a reader sees all the old
//! files or all the new ones, never a mix, and a failed or killed run changes nothing.
//!
//! How [`OutputSet::commit`] does it (docs/robustness.md has the whole story):
//! 1. The set's **root** is the deepest directory holding all its files (for `report`,
//!    `<out>/<place>`; for `run`, `<out>/<place>/<scenario>`).
//! 2. A fresh **staging** directory beside the root (`.<root>.totalplace-staging-<pid>-<n>`)
//!    receives hard links to everything already in the root that the set does not replace
//!    (so `ingest`'s `ledger.csv` or another scenario's folder survive a `report`), then the
//!    new files, each written and synced.
//! 3. One `renameat2(RENAME_EXCHANGE)` swaps staging and root atomically (where the file system
//!    cannot, two renames with the old tree kept until the new one is in place); the old tree
//!    is then removed.
//! 4. Staging and old trees left by a killed run (their process gone) are removed by the next
//!    commit beside the same root.
//!
//! Files are created with mode 0666 less the umask (0644 typically), like any Unix tool.
//! When the root is the working directory or above it, or holds more than
//! [`MAX_MIRRORED`] entries, the set falls back to per-file atomic renames (each file whole,
//! the set not), and says so in any error.

use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::{display_path, Error, Result};

/// Files written by commits in this process so far (an error message says whether anything
/// was written before it).
static WRITTEN: AtomicUsize = AtomicUsize::new(0);
static STAGING_SEQ: AtomicUsize = AtomicUsize::new(0);

/// How many files and directories a root may hold for the set-level swap; beyond it the
/// commit is per file (mirroring a huge tree to change a few files is not worth it).
pub const MAX_MIRRORED: usize = 20_000;

/// How many files this process has written through [`OutputSet::commit`].
pub fn files_written() -> usize {
    WRITTEN.load(Ordering::SeqCst)
}

/// A set of files to write together.
#[derive(Default)]
pub struct OutputSet<'a> {
    files: Vec<(PathBuf, Content<'a>)>,
}

/// Hands a file's bytes, piece by piece in order, to the sink it is given.
pub type Producer<'a> =
    Box<dyn FnOnce(&mut dyn FnMut(Vec<u8>) -> std::io::Result<()>) -> std::io::Result<()> + 'a>;

/// A file's bytes: whole, or produced piece by piece while the file is written.
enum Content<'a> {
    Bytes(Vec<u8>),
    Stream(Producer<'a>),
}

impl<'a> OutputSet<'a> {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, path: impl Into<PathBuf>, bytes: Vec<u8>) {
        self.files.push((path.into(), Content::Bytes(bytes)));
    }

    /// Add a file whose bytes `produce` hands over in pieces when the set is committed: each
    /// piece is written as it comes (for a file too large to want whole in memory before it
    /// is written). An error from `produce` fails the commit as a write error would.
    pub fn add_stream(&mut self, path: impl Into<PathBuf>, produce: Producer<'a>) {
        self.files.push((path.into(), Content::Stream(produce)));
    }

    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.files.iter().map(|(p, _)| p.as_path())
    }

    /// Write every file as one set (see the module docs). Returns the paths written, in order.
    pub fn commit(self) -> Result<Vec<PathBuf>> {
        if self.files.is_empty() {
            return Ok(Vec::new());
        }
        let files: Vec<(PathBuf, Content<'a>)> = self
            .files
            .into_iter()
            .map(|(p, b)| (crate::error::normalize_path(&p), b))
            .collect();
        let root = common_dir(files.iter().map(|(p, _)| p.as_path()));
        let written: Vec<PathBuf> = files.iter().map(|(p, _)| p.clone()).collect();
        let n = written.len();
        match swappable(&root) {
            Some(parent) => commit_swap(&root, &parent, files)?,
            None => commit_per_file(files)?,
        }
        WRITTEN.fetch_add(n, Ordering::SeqCst);
        Ok(written)
    }
}

/// The deepest directory holding every path.
fn common_dir<'a>(paths: impl Iterator<Item = &'a Path>) -> PathBuf {
    let mut common: Option<Vec<Component<'a>>> = None;
    for p in paths {
        let parent: Vec<Component> = p
            .parent()
            .map(|d| d.components().collect())
            .unwrap_or_default();
        common = Some(match common {
            None => parent,
            Some(c) => c
                .into_iter()
                .zip(parent)
                .take_while(|(a, b)| a == b)
                .map(|(a, _)| a)
                .collect(),
        });
    }
    common.unwrap_or_default().iter().collect()
}

/// The root's parent when the set may be swapped in as a directory: the root is a named
/// directory (not the working directory or above it), and if it exists it is a small tree.
fn swappable(root: &Path) -> Option<PathBuf> {
    let name = root.file_name()?;
    if name.is_empty() || root.components().any(|c| matches!(c, Component::ParentDir)) {
        return None;
    }
    let parent = root.parent().map(Path::to_path_buf).unwrap_or_default();
    let parent = if parent.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        parent
    };
    if let (Ok(cwd), Ok(abs)) = (std::env::current_dir(), std::fs::canonicalize(root)) {
        if cwd.starts_with(&abs) {
            return None;
        }
    }
    if root.is_dir() {
        let mut count = 0usize;
        if !count_entries(root, &mut count) {
            return None;
        }
    } else if root.exists() {
        return None; // a file where the directory should be: the per-file path reports it
    }
    Some(parent)
}

fn count_entries(dir: &Path, count: &mut usize) -> bool {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return false;
    };
    for e in rd.flatten() {
        *count += 1;
        if *count > MAX_MIRRORED {
            return false;
        }
        if e.file_type().is_ok_and(|t| t.is_dir()) && !count_entries(&e.path(), count) {
            return false;
        }
    }
    true
}

fn staging_prefix(root: &Path) -> String {
    format!(
        ".{}.totalplace-",
        root.file_name().unwrap_or_default().to_string_lossy()
    )
}

/// Remove staging and old trees beside `root` left by runs that were killed.
fn clean_stale(root: &Path, parent: &Path) {
    let prefix = staging_prefix(root);
    let Ok(rd) = std::fs::read_dir(parent) else {
        return;
    };
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(&prefix) else {
            continue;
        };
        // rest = "staging-<pid>-<n>" or "old-<pid>-<n>"
        let pid = rest.split('-').nth(1).and_then(|p| p.parse::<u32>().ok());
        let alive = pid.is_some_and(|p| p == std::process::id() || process_alive(p));
        if !alive {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

fn process_alive(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        Path::new(&format!("/proc/{pid}")).exists()
    } else {
        true // unknown: leave it
    }
}

fn io(path: &Path, e: impl std::fmt::Display, nothing: bool) -> Error {
    Error::Io {
        path: display_path(path),
        message: if nothing {
            format!("{e} (no output was changed)")
        } else {
            e.to_string()
        },
    }
}

fn commit_swap(root: &Path, parent: &Path, files: Vec<(PathBuf, Content<'_>)>) -> Result<()> {
    std::fs::create_dir_all(parent).map_err(|e| io(parent, e, true))?;
    clean_stale(root, parent);
    let tag = format!(
        "{}-{}",
        std::process::id(),
        STAGING_SEQ.fetch_add(1, Ordering::SeqCst)
    );
    let staging = parent.join(format!("{}staging-{tag}", staging_prefix(root)));
    std::fs::create_dir(&staging).map_err(|e| io(&staging, e, true))?;
    let result = (|| -> Result<()> {
        let news: std::collections::HashSet<PathBuf> = files
            .iter()
            .map(|(p, _)| p.strip_prefix(root).expect("under root").to_path_buf())
            .collect();
        if root.is_dir() {
            if let Ok(meta) = std::fs::metadata(root) {
                let _ = std::fs::set_permissions(&staging, meta.permissions());
            }
            mirror(root, &staging, Path::new(""), &news)?;
        }
        for (path, bytes) in files {
            let path = &path;
            let rel = path.strip_prefix(root).expect("under root");
            let dest = staging.join(rel);
            if let Some(d) = dest.parent() {
                std::fs::create_dir_all(d).map_err(|e| io(path, e, true))?;
            }
            if dest.is_dir() {
                return Err(io(path, "is a directory", true));
            }
            let _ = std::fs::remove_file(&dest);
            let f = std::fs::File::create(&dest).map_err(|e| io(path, e, true))?;
            write_synced(&f, bytes).map_err(|e| io(path, e, true))?;
        }
        swap_in(&staging, root, parent, &tag)
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    result
}

/// Hard-link (or copy, where links fail) everything under `src` into `dst`, except the set's
/// own files.
fn mirror(
    src: &Path,
    dst: &Path,
    rel: &Path,
    skip: &std::collections::HashSet<PathBuf>,
) -> Result<()> {
    let rd = std::fs::read_dir(src.join(rel)).map_err(|e| io(&src.join(rel), e, true))?;
    for e in rd {
        let e = e.map_err(|e| io(&src.join(rel), e, true))?;
        let r = rel.join(e.file_name());
        if skip.contains(&r) {
            continue;
        }
        let from = src.join(&r);
        let to = dst.join(&r);
        let t = e.file_type().map_err(|e| io(&from, e, true))?;
        if t.is_dir() {
            std::fs::create_dir(&to).map_err(|e| io(&to, e, true))?;
            if let Ok(meta) = std::fs::metadata(&from) {
                let _ = std::fs::set_permissions(&to, meta.permissions());
            }
            mirror(src, dst, &r, skip)?;
        } else if t.is_symlink() {
            #[cfg(unix)]
            {
                let target = std::fs::read_link(&from).map_err(|e| io(&from, e, true))?;
                std::os::unix::fs::symlink(target, &to).map_err(|e| io(&to, e, true))?;
            }
        } else if std::fs::hard_link(&from, &to).is_err() {
            std::fs::copy(&from, &to).map_err(|e| io(&from, e, true))?;
        }
    }
    Ok(())
}

/// Put `staging` at `root`, atomically where the system allows.
fn swap_in(staging: &Path, root: &Path, parent: &Path, tag: &str) -> Result<()> {
    if !root.exists() {
        return std::fs::rename(staging, root).map_err(|e| io(root, e, true));
    }
    if exchange(staging, root).is_ok() {
        // `staging` now holds the old tree.
        let _ = std::fs::remove_dir_all(staging);
        return Ok(());
    }
    // Two renames: the old tree is kept until the new one is in place.
    let old = parent.join(format!("{}old-{tag}", staging_prefix(root)));
    std::fs::rename(root, &old).map_err(|e| io(root, e, true))?;
    if let Err(e) = std::fs::rename(staging, root) {
        let _ = std::fs::rename(&old, root);
        return Err(io(root, e, true));
    }
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let ca = CString::new(a.as_os_str().as_bytes())?;
    let cb = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: two valid NUL-terminated paths; renameat2 reads them and nothing else.
    let r = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::other("no atomic exchange"))
}

/// Write a file's content to `f` in order and sync it. On Linux, each large piece's
/// write-back to the disk is started as soon as it is written (`sync_file_range`,
/// asynchronous), so with a streamed file the disk works while later pieces are still being
/// made and the closing `fsync` waits only for the rest.
fn write_synced(f: &std::fs::File, content: Content<'_>) -> std::io::Result<()> {
    let mut at = 0u64;
    let mut put = |p: &[u8]| -> std::io::Result<()> {
        let mut w = f;
        w.write_all(p)?;
        #[cfg(target_os = "linux")]
        if p.len() >= 1 << 20 {
            use std::os::fd::AsRawFd;
            // SAFETY: a valid open descriptor and a range of it just written; the call only
            // starts write-back (errors surface at the fsync below, which durability rests
            // on).
            unsafe {
                libc::sync_file_range(
                    f.as_raw_fd(),
                    at as libc::off64_t,
                    p.len() as libc::off64_t,
                    libc::SYNC_FILE_RANGE_WRITE,
                );
            }
        }
        at += p.len() as u64;
        Ok(())
    };
    match content {
        Content::Bytes(bytes) => put(&bytes)?,
        Content::Stream(produce) => produce(&mut |p| put(&p))?,
    }
    f.sync_all()
}

/// The fallback: each file staged beside its target, then renamed into place one by one.
fn commit_per_file(files: Vec<(PathBuf, Content<'_>)>) -> Result<()> {
    #[cfg(unix)]
    use std::os::unix::fs::PermissionsExt;
    let mut staged = Vec::new();
    for (path, bytes) in files {
        let path = &path;
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e, true))?;
        let mut b = tempfile::Builder::new();
        b.prefix(".totalplace-");
        // 0666 as asked for, less the umask, as File::create would.
        #[cfg(unix)]
        b.permissions(std::fs::Permissions::from_mode(0o666));
        let tmp = b.tempfile_in(dir).map_err(|e| io(dir, e, true))?;
        write_synced(tmp.as_file(), bytes).map_err(|e| io(path, e, true))?;
        staged.push((tmp, path.clone()));
    }
    let total = staged.len();
    for (i, (tmp, path)) in staged.into_iter().enumerate() {
        tmp.persist(&path).map_err(|e| {
            WRITTEN.fetch_add(i, Ordering::SeqCst);
            Error::Io {
            path: display_path(&path),
            message: if i == 0 {
                format!("{} (no output was changed)", e.error)
            } else {
                format!(
                    "{} ({i} of {total} files had already been replaced; the rest keep their old contents)",
                    e.error
                )
            },
        }
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_is_written_as_produced_and_its_error_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out/ledger.csv");
        let mut set = OutputSet::new();
        set.add_stream(
            &path,
            Box::new(|sink| {
                sink(b"header\n".to_vec())?;
                sink(vec![b'y'; 2 << 20])
            }),
        );
        set.commit().unwrap();
        let first = std::fs::read(&path).unwrap();
        assert_eq!(first, [&b"header\n"[..], &vec![b'y'; 2 << 20]].concat());
        let mut set = OutputSet::new();
        set.add(dir.path().join("out/other.txt"), b"new".to_vec());
        set.add_stream(
            &path,
            Box::new(|sink| {
                sink(b"half a file".to_vec())?;
                Err(std::io::Error::other("formatting failed"))
            }),
        );
        let err = set.commit().unwrap_err().to_string();
        assert!(err.contains("formatting failed"), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), first);
        assert!(!dir.path().join("out/other.txt").exists());
    }

    #[test]
    fn common_dir_is_the_deepest_shared_parent() {
        let ps = [
            PathBuf::from("out/p/a.csv"),
            PathBuf::from("out/p/s1/b.csv"),
            PathBuf::from("out/p/s2/c/d.png"),
        ];
        assert_eq!(
            common_dir(ps.iter().map(|p| p.as_path())),
            PathBuf::from("out/p")
        );
        let one = [PathBuf::from("out/p/s1/b.csv")];
        assert_eq!(
            common_dir(one.iter().map(|p| p.as_path())),
            PathBuf::from("out/p/s1")
        );
    }
}
