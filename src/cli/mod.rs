//! Command-line interface: one file per subcommand, each with a clap `Args` struct and `run`.
//!
//! Exit codes: 0 success, 2 bad input (model, budget file, reconciliation), 1 anything else.

mod check;
pub mod common;
mod compare;
mod costs;
mod generate;
mod ingest;
mod init;
mod map;
mod report;
mod run;
mod serve;
mod simulate;
mod track;

use clap::{Parser, Subcommand};

pub use common::Common;

#[derive(Parser, Debug)]
#[command(
    name = "totalplace",
    version,
    about = "Place-based public finance: see every partner's spend on a cohort, model what-if \
             interventions, and show who pays and who gains.",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Read every agency's budget files, reconcile them and write the normalised ledger.
    Ingest(ingest::Args),
    /// Rebuild the synthetic sample place's budget files (or a large benchmark variant).
    GenerateSample(generate::Args),
    /// Map every ledger line to a cohort and transition point (models/<place>/mapping.toml).
    Map(map::Args),
    /// Run a scenario: who pays and who gains, by agency and year (CSV + JSON written).
    Run(run::Args),
    /// Compare scenarios side by side: NPV, FROI, payback, wrong-pocket index, each agency's NPV.
    Compare(compare::Args),
    /// Monte Carlo, tornado and break-even per agency over a scenario's [[uncertain]] inputs.
    Simulate(simulate::Args),
    /// The board papers: charts, a results workbook and a board pack for every scenario of a
    /// place and for the place, under <out>/<place>/.
    Report(report::Args),
    /// Scaffold a new place: place, sources with an example budget file, mapping, a scenario.
    Init(init::Args),
    /// Validate a place without writing anything: files, sheets, headers, mapping, scenarios.
    Check(check::Args),
    /// Benefits realisation: predicted vs actual outcomes and savings per agency, and the change
    /// in mapped spend on each cohort since the baseline year (models/<place>/track.toml).
    Track(track::Args),
    /// Search the unit-cost library: code, value, price year, bearing role, cashability, source.
    Costs(costs::Args),
    /// The what-if workbench: a local web app to change assumptions and see who pays and who gains.
    Serve(serve::Args),
}

/// Run the CLI; returns the process exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    // Output goes through `common::print_out`, which treats a closed pipe as the end of
    // printing. A `println!` somewhere else would panic on it instead: that panic is quiet and
    // exits 0 too (the style guide: broken pipe exits 0), any other panic prints as usual.
    let prev = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !is_broken_pipe(&panic_text(info.payload())) {
            prev(info);
        }
    }));
    let code = match std::panic::catch_unwind(|| run(cli)) {
        Ok(code) => code,
        Err(p) if is_broken_pipe(&panic_text(p.as_ref())) => 0,
        Err(p) => std::panic::resume_unwind(p),
    };
    if std::env::var_os("TOTALPLACE_REPORT_PEAK_MEMORY").is_some() {
        if let Some(kb) = peak_memory_kb() {
            eprintln!("peak memory: {} MB", kb / 1024);
        }
    }
    code
}

/// This process's peak resident memory (VmHWM, Linux), for `TOTALPLACE_REPORT_PEAK_MEMORY=1`:
/// the robustness tests bound the bombs' memory with it (docs/robustness.md).
fn peak_memory_kb() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

fn is_broken_pipe(msg: &str) -> bool {
    msg.contains("failed printing to stdout") && msg.contains("Broken pipe")
}

fn run(cli: Cli) -> i32 {
    let result = match cli.command {
        Command::Ingest(a) => ingest::run(a),
        Command::GenerateSample(a) => generate::run(a),
        Command::Map(a) => map::run(a),
        Command::Run(a) => run::run(a),
        Command::Compare(a) => compare::run(a),
        Command::Simulate(a) => simulate::run(a),
        Command::Report(a) => report::run(a),
        Command::Init(a) => init::run(a),
        Command::Check(a) => check::run(a),
        Command::Track(a) => track::run(a),
        Command::Costs(a) => costs::run(a),
        Command::Serve(a) => serve::run(a),
    };
    match result {
        Ok(()) => 0,
        Err(e) => common::report_error(&e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }
}
