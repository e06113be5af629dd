//! Atomic output: everything a command writes is staged in temporary files beside its target
//! and renamed into place only when all of it has been produced, so a failed run leaves no
//! partial output.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{display_path, Error, Result};

/// A set of files to write together.
#[derive(Default)]
pub struct OutputSet {
    files: Vec<(PathBuf, Vec<u8>)>,
}

impl OutputSet {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, path: impl Into<PathBuf>, bytes: Vec<u8>) {
        self.files.push((path.into(), bytes));
    }

    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.files.iter().map(|(p, _)| p.as_path())
    }

    /// Write every file: stage all to temporary files first, then rename each into place.
    /// Returns the paths written, in order.
    pub fn commit(self) -> Result<Vec<PathBuf>> {
        let mut staged = Vec::new();
        for (path, bytes) in &self.files {
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
            let mut tmp = tempfile::Builder::new()
                .prefix(".totalplace-")
                .tempfile_in(dir)
                .map_err(|e| Error::io(dir, e))?;
            tmp.write_all(bytes).map_err(|e| Error::io(path, e))?;
            tmp.as_file().sync_all().map_err(|e| Error::io(path, e))?;
            staged.push((tmp, path.clone()));
        }
        let mut written = Vec::new();
        for (tmp, path) in staged {
            tmp.persist(&path).map_err(|e| Error::Io {
                path: display_path(&path),
                message: e.error.to_string(),
            })?;
            written.push(path);
        }
        Ok(written)
    }
}
