//! `totalplace report <place-dir> [--out output] [--iterations N --seed S]`: ingest, map,
//! evaluate every scenario in `<place>/scenarios/`, then write charts (PNG and SVG), a results
//! workbook and a board pack (HTML and Markdown) for each scenario and for the place, under
//! `<out>/<place-id>/`. Everything is staged first and written together, or nothing is.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;

use super::common::outln;
use super::Common;
use crate::error::display_path;
use crate::output::OutputSet;
use crate::report::{self, Options};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The place model directory, e.g. models/kirkbridge.
    pub place: PathBuf,
    /// Monte Carlo iterations per scenario over its [[uncertain]] inputs (0: no simulation).
    #[arg(long, default_value_t = report::DEFAULT_ITERATIONS)]
    pub iterations: usize,
    /// Seed for the simulation: the same seed gives the same figures.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[command(flatten)]
    pub common: Common,
}

pub fn run(args: Args) -> Result<()> {
    let start = Instant::now();
    let options = Options {
        iterations: args.iterations,
        seed: args.seed,
        ..Options::default()
    };
    if args.iterations > 0 {
        // The smallest scenario's draws (one party and the system): a larger one is checked
        // again when it is simulated.
        if let Err((key, message)) =
            crate::uncertainty::simulate::check_run(args.iterations, None, 40, 1)
        {
            return Err(crate::error::Error::model(
                crate::error::display_path(&args.place),
                key,
                message,
            )
            .into());
        }
    }
    let run = report::run_place(&args.place, &options)?;
    for w in run.ingest.warnings() {
        eprintln!("warning: {w}");
    }
    outln!(
        "{}: {} lines from {} sources (all reconciled), {} scenarios",
        run.place.info.name,
        run.ingest.ledger.lines.len(),
        run.ingest.reports.len(),
        run.scenarios.len()
    );
    for s in &run.scenarios {
        outln!(
            "  {}: system NPV {}, FROI {}, payback {}{}",
            s.scenario.id,
            crate::money::format_gbp0(s.results.system.npv),
            s.results
                .system
                .froi
                .map(|f| crate::money::round_half_up(f, 2).to_string())
                .unwrap_or_else(|| "n/a".into()),
            crate::scenario::report::payback_text(s.results.system.payback),
            match &s.simulation {
                Some(sim) => format!(" ({} runs, seed {})", sim.iterations, sim.seed),
                None => String::new(),
            }
        );
    }
    let mut out = OutputSet::new();
    report::stage(&run, &args.common.out, &options, &mut out)?;
    let written = out.commit()?;
    for p in &written {
        outln!("wrote {}", display_path(p));
    }
    let pack = args
        .common
        .out
        .join(&run.place.info.id)
        .join("board-pack.html");
    outln!(
        "{} files in {:.1} s; open {} first",
        written.len(),
        start.elapsed().as_secs_f64(),
        display_path(&pack)
    );
    Ok(())
}
