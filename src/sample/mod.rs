//! Generator for the synthetic sample place (placeholder until the generator lands).

use std::path::{Path, PathBuf};

use crate::error::Result;

/// Write the sample place's budget files into `dir`.
pub fn write_sample_place(_dir: &Path) -> Result<Vec<PathBuf>> {
    Ok(Vec::new())
}
