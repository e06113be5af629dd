//! Options and helpers shared by subcommands.

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

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
        let written = crate::output::files_written();
        let wrote = if written == 0 {
            "nothing was written".to_string()
        } else {
            format!("{written} file(s) had been written before this error")
        };
        if n > 1 {
            eprintln!("({n} problems; {wrote})");
        } else {
            eprintln!("({wrote})");
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

static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// Write to standard output like `print!`, but a closed pipe (`totalplace report … | head -1`,
/// quitting `less`) is not an error: printing stops and the command carries on, so its files
/// are still written and it exits 0, as Unix tools do. (`println!` would panic.)
pub fn print_out(args: std::fmt::Arguments<'_>) {
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|_| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            STDOUT_CLOSED.store(true, Ordering::Relaxed);
        }
    }
}

/// `println!` through [`print_out`].
macro_rules! outln {
    () => { $crate::cli::common::print_out(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::cli::common::print_out(format_args!("{}\n", format_args!($($arg)*))) };
}

/// `print!` through [`print_out`].
macro_rules! out {
    ($($arg:tt)*) => { $crate::cli::common::print_out(format_args!($($arg)*)) };
}

pub(crate) use {out, outln};
