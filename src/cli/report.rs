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
    /// The date printed on every pack and paper, YYYY-MM-DD (never taken from the clock, so
    /// the same inputs give byte-identical files; without it the packs say "Undated").
    #[arg(long, value_parser = report::parse_date)]
    pub date: Option<String>,
    /// How negative amounts are written in tables: minus (-£1,234) or brackets ((£1,234)).
    #[arg(long, value_enum, default_value_t = crate::format::Negatives::Minus)]
    pub negatives: crate::format::Negatives,
    /// List every file written (by default a short summary, board packs first).
    #[arg(long, short)]
    pub verbose: bool,
    #[command(flatten)]
    pub common: Common,
}

pub fn run(args: Args) -> Result<()> {
    let start = Instant::now();
    let options = Options {
        iterations: args.iterations,
        seed: args.seed,
        style: crate::format::Style {
            negatives: args.negatives,
        },
        date: args.date.clone(),
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
    let fmt = crate::format::counted;
    outln!(
        "{}: {} from {} (all reconciled), {}",
        run.place.info.name,
        fmt(run.ingest.ledger.lines.len(), "line", "lines"),
        fmt(run.ingest.reports.len(), "source", "sources"),
        fmt(run.scenarios.len(), "scenario", "scenarios")
    );
    for s in &run.scenarios {
        outln!(
            "  {}: system NPV {}, return per £1 {}, payback {}{}",
            s.scenario.id,
            crate::format::money_short(s.results.system.npv),
            crate::format::per_pound(s.results.system.froi),
            crate::scenario::report::payback_text(s.results.system.payback),
            match &s.simulation {
                Some(sim) => format!(
                    " ({} runs, seed {})",
                    crate::format::count(sim.iterations as u64),
                    sim.seed
                ),
                None => String::new(),
            }
        );
    }
    let mut out = OutputSet::new();
    let charts = report::stage(&run, &args.common.out, &options, &mut out)?;
    crate::paper::stage(&run, &charts, &args.common.out, &mut out)?;
    let written = out.commit()?;
    let place_dir = args.common.out.join(&run.place.info.id);
    outln!(
        "Board pack: {}",
        display_path(&place_dir.join("board-pack.html"))
    );
    outln!(
        "Board paper (Word): {}",
        display_path(&place_dir.join(crate::paper::FILE))
    );
    if !run.scenarios.is_empty() {
        outln!(
            "Each scenario's pack, paper and workbook: {}/<scenario>/",
            display_path(&place_dir)
        );
    }
    if args.verbose {
        for p in &written {
            outln!("wrote {}", display_path(p));
        }
    }
    outln!(
        "{} written under {} in {:.1} s{}",
        fmt(written.len(), "file", "files"),
        display_path(&place_dir),
        start.elapsed().as_secs_f64(),
        if args.verbose {
            ""
        } else {
            " (--verbose lists them)"
        }
    );
    Ok(())
}
