//! `totalplace run <scenario.toml> [--set PATH=VALUE]...`: evaluate one scenario, print who
//! pays and who gains and the cost per outcome, and write `summary.csv`, `yearly.csv`,
//! `results.json`, `conventions.csv` and `cost_per_outcome.csv` to `<out>/<place>/<scenario>/`.

use std::path::PathBuf;

use anyhow::Result;

use super::common::outln;
use super::Common;
use crate::error::display_path;
use crate::output::OutputSet;
use crate::scenario::{baseline, evaluate, overrides, report, switching};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The scenario file, e.g. models/kirkbridge/scenarios/bradford-care-leavers.toml.
    pub scenario: PathBuf,
    /// Override a setting without editing the file, e.g. `--set outcome.neet.success=0.3`
    /// or `--set scenario.horizon=15` (repeatable; see --list-params).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// List every parameter path with its value and allowed range, then stop.
    #[arg(long)]
    pub list_params: bool,
    /// Switching values: for each parameter named (a path from --list-params, or a prefix
    /// ending in `*` such as `outcome.neet.*`), the value at which the system's and each
    /// party's NPV reaches zero, nearest the value in use; printed and written to
    /// `switching.csv` (repeatable; several paths may follow one flag).
    #[arg(long = "switching", value_name = "PATH", num_args = 1..)]
    pub switching: Vec<String>,
    #[command(flatten)]
    pub common: Common,
}

pub fn run(args: Args) -> Result<()> {
    let (sc, params) = overrides::load_with_sets(&args.scenario, &args.set)?;
    // The file's [[uncertain]] block is checked here too, so a scenario `run` accepts is one
    // `simulate` accepts (issue 13).
    let fixed: Vec<String> = args
        .set
        .iter()
        .filter_map(|s| s.split_once('=').map(|(k, _)| k.trim().to_string()))
        .collect();
    crate::uncertainty::spec::load(&args.scenario, &sc, &fixed)?;
    if args.list_params {
        for (s, v) in sc.param_specs.iter().zip(&params.values) {
            outln!("{} = {}   ({:?})", s.path, v.normalize(), s.bound);
        }
        return Ok(());
    }
    // Unknown --switching paths stop the run before anything is written.
    let switch_params = if args.switching.is_empty() {
        Vec::new()
    } else {
        switching::resolve(&sc, &args.switching)?
    };
    let results = evaluate(&sc, &params);
    outln!("{}", report::who_pays_table(&results));
    outln!("{}", report::fair_share_table(&results));
    outln!("{}", report::headline(&sc, &results));
    outln!(
        "{}\n{}",
        report::cost_per_outcome_table(&results),
        report::COST_PER_OUTCOME_NOTE
    );
    if let Some(t) = report::economic_case_table(&results) {
        outln!("{t}");
    }
    if let Some(t) = report::local_costs_table(&sc) {
        outln!("{t}");
    }
    if let Some(t) = baseline::table(&sc, &results) {
        outln!("{t}\n{}", baseline::NOTE);
    }
    let switching_rows = switching::switching_values(&sc, &params, &switch_params);
    if !switching_rows.is_empty() {
        outln!(
            "{}\n{}",
            switching::table(&results, &switching_rows),
            switching::NOTE
        );
    }
    for w in report::all_warnings(&sc, &results) {
        outln!("warning: {w}");
    }
    let mut out = OutputSet::new();
    let dir = args.common.out.join(&sc.place_id).join(&sc.id);
    for (name, bytes) in report::scenario_files(&sc, &params, &results) {
        out.add(dir.join(name), bytes);
    }
    if !switching_rows.is_empty() {
        out.add(
            dir.join("switching.csv"),
            switching::csv(&sc, &results, &switching_rows),
        );
    }
    for p in out.commit()? {
        outln!("wrote {}", display_path(&p));
    }
    Ok(())
}
