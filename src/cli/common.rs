//! Options and helpers shared by subcommands.

use std::path::PathBuf;

use crate::error::Error;

/// Options every place-level command takes.
#[derive(clap::Args, Debug, Clone)]
pub struct Common {
    /// Where outputs go; each place writes under `<out>/<place-id>/`.
    #[arg(long, default_value = "output")]
    pub out: PathBuf,
}

/// Print an error for a person and return the exit code (2 for bad input, 1 otherwise).
pub fn report_error(e: &anyhow::Error) -> i32 {
    if let Some(err) = e.downcast_ref::<Error>() {
        let n = err.count();
        eprintln!("error: {err}");
        if n > 1 {
            eprintln!("({n} problems; nothing was written)");
        } else {
            eprintln!("(nothing was written)");
        }
        match err {
            Error::Io { .. } => 1,
            _ => 2,
        }
    } else {
        eprintln!("error: {e:#}");
        1
    }
}
