//! `totalplace track <place-dir>`: benefits realisation. Ingests and maps the baseline year and
//! every later year declared in `track.toml`, reads the actual outcomes, re-runs each scenario
//! on them, prints predicted vs actual per outcome and per agency with the change in mapped
//! spend, and writes `track.csv`, `track-outcomes.csv`, `track.json` and a chart under
//! `<out>/<place>/track/`. Nothing is written if any input is bad.

use std::path::PathBuf;

use anyhow::Result;

use super::common::outln;
use super::Common;
use crate::error::display_path;
use crate::output::OutputSet;
use crate::scenario::library::fy_label;
use crate::track::{self, report};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The place model directory, e.g. models/kirkbridge (reads its track.toml).
    pub place: PathBuf,
    #[command(flatten)]
    pub common: Common,
}

pub fn run(args: Args) -> Result<()> {
    let t = track::track_place(&args.place)?;
    outln!(
        "Tracking {}: baseline {} ({}), later years: {}",
        t.place.info.name,
        fy_label(t.baseline.year),
        t.baseline.mapping_file,
        t.years
            .iter()
            .map(|y| format!(
                "{} ({} lines from {})",
                fy_label(y.year),
                y.lines,
                y.sources_file
            ))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for st in &t.scenarios {
        outln!("{}", report::render(&t, st).trim_end());
    }
    outln!("\n{}", report::CAVEAT);
    let mut out = OutputSet::new();
    let dir = args.common.out.join(&t.place.info.id).join("track");
    out.add(dir.join("track.csv"), report::agencies_csv(&t));
    out.add(dir.join("track-outcomes.csv"), report::outcomes_csv(&t));
    out.add(dir.join("track-pv.csv"), report::pv_csv(&t));
    out.add(dir.join("track.json"), report::json(&t));
    for (name, bytes) in track::chart::render_all(&t, crate::charts::Size::PRINT)? {
        out.add(dir.join(name), bytes);
    }
    for p in out.commit()? {
        outln!("wrote {}", display_path(&p));
    }
    Ok(())
}
