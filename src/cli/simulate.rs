//! `totalplace simulate <scenario.toml> --iterations N --seed S [--threads T] [--draws]
//! [--set PATH=VALUE]...`: Monte Carlo over the scenario's `[[uncertain]]` parameters, the
//! tornado and break-even, per agency and for the system. Writes `simulation-summary.csv`,
//! `simulation-histogram.csv`, `sensitivity-tornado.csv`, `break-even.csv`,
//! `simulation.json` (and `simulation-draws.csv` with `--draws`) to
//! `<out>/<place>/<scenario>/`.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Result;

use super::common::outln;
use super::Common;
use crate::error::display_path;
use crate::output::OutputSet;
use crate::scenario::overrides;
use crate::uncertainty::{self, report, Options};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The scenario file, with its `[[uncertain]]` distributions (see docs/uncertainty.md).
    pub scenario: PathBuf,
    /// Monte Carlo iterations.
    #[arg(long, short = 'n', default_value_t = 10_000)]
    pub iterations: usize,
    /// Seed: the same seed gives the same results whatever the thread count.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Worker threads (default: every core).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Also write every draw (inputs and each party's NPV) to simulation-draws.csv.
    #[arg(long)]
    pub draws: bool,
    /// Histogram bins in the outputs.
    #[arg(long, default_value_t = 40)]
    pub bins: usize,
    /// Fix a parameter (or change a setting) without editing the file, e.g.
    /// `--set outcome.neet.success=0.3`; a parameter set here is not drawn.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    #[command(flatten)]
    pub common: Common,
}

pub fn run(args: Args) -> Result<()> {
    let (sc, params) = overrides::load_with_sets(&args.scenario, &args.set)?;
    let fixed: Vec<String> = args
        .set
        .iter()
        .filter_map(|s| s.split_once('=').map(|(k, _)| k.trim().to_string()))
        .collect();
    let spec = uncertainty::spec::load(&args.scenario, &sc, &fixed)?;
    if let Err((key, message)) =
        uncertainty::simulate::check_run(args.iterations, args.threads, args.bins, sc.parties.len())
    {
        return Err(crate::error::Error::model(display_path(&args.scenario), key, message).into());
    }
    let options = Options {
        iterations: args.iterations,
        seed: args.seed,
        threads: args.threads,
        bins: args.bins.max(1),
    };
    let bar = std::io::stderr().is_terminal().then(|| {
        let b = indicatif::ProgressBar::new(args.iterations as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} iterations ({per_sec}, {eta} left)",
            )
            .expect("template"),
        );
        b
    });
    let tick = |n: usize| {
        if let Some(b) = &bar {
            b.set_position(n as u64);
        }
    };
    let started = std::time::Instant::now();
    let a = uncertainty::analyse(&sc, &params, spec, options, Some(&tick));
    let secs = started.elapsed().as_secs_f64();
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    outln!("{}", report::npv_table(&a));
    outln!("{}", report::cashable_froi_table(&a));
    if !a.tornado.is_empty() {
        outln!("{}", report::tornado_table(&a, 10));
        outln!("{}", report::break_even_table(&a));
    }
    outln!("{}", report::headline(&a));
    outln!(
        "({} uncertain parameters; {:.2} s including the tornado and break-even)",
        a.model.spec.params.len(),
        secs
    );
    let mut out = OutputSet::new();
    let dir = args.common.out.join(&sc.place_id).join(&sc.id);
    out.add(dir.join("simulation-summary.csv"), report::summary_csv(&a));
    out.add(
        dir.join("simulation-histogram.csv"),
        report::histogram_csv(&a),
    );
    out.add(dir.join("sensitivity-tornado.csv"), report::tornado_csv(&a));
    out.add(dir.join("break-even.csv"), report::break_even_csv(&a));
    out.add(dir.join("simulation.json"), report::json(&a));
    if args.draws {
        out.add(dir.join("simulation-draws.csv"), report::draws_csv(&a));
    }
    for p in out.commit()? {
        outln!("wrote {}", display_path(&p));
    }
    Ok(())
}
