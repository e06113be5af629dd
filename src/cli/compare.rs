//! `totalplace compare <scenario>...`: scenarios side by side (NPV, FROI, payback,
//! wrong-pocket index, each agency's NPV), printed and written to `<out>/compare.csv`.

use std::path::PathBuf;

use anyhow::Result;

use super::common::outln;
use super::Common;
use crate::error::display_path;
use crate::output::OutputSet;
use crate::scenario::{evaluate, overrides, report};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Two or more scenario files.
    #[arg(required = true, num_args = 1..)]
    pub scenarios: Vec<PathBuf>,
    /// Apply the same override to every scenario (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    #[command(flatten)]
    pub common: Common,
}

pub fn run(args: Args) -> Result<()> {
    let mut loaded = Vec::new();
    for path in &args.scenarios {
        let (sc, params) = overrides::load_with_sets(path, &args.set)?;
        let r = evaluate(&sc, &params);
        loaded.push((sc, r));
    }
    let runs: Vec<_> = loaded.iter().map(|(s, r)| (s, r)).collect();
    let table = report::compare_table(&runs);
    outln!("{table}");
    outln!("money is PV in each scenario's price base, rounded half away from zero; payback interpolated within the year");
    let mut csv = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["measure".to_string()];
    header.extend(runs.iter().map(|(s, _)| s.id.clone()));
    csv.write_record(&header)?;
    for (label, cells) in report::compare_rows(&runs, false) {
        let mut rec = vec![label];
        rec.extend(cells);
        csv.write_record(&rec)?;
    }
    let mut out = OutputSet::new();
    out.add(args.common.out.join("compare.csv"), csv.into_inner()?);
    for p in out.commit()? {
        outln!("wrote {}", display_path(&p));
    }
    Ok(())
}
