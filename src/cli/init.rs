//! `totalplace init <dir>`: scaffold a new place (place, sources with a tiny example CSV
//! budget, mapping, one scenario, the unit-cost library and deflators), every field commented,
//! which `check` and `report` accept as written. Refuses to overwrite an existing place.

use super::common::outln;
use std::path::PathBuf;

use anyhow::Result;

use crate::error::{display_path, Error};
use crate::output::OutputSet;

const PLACE: &str = include_str!("../report/templates/place.toml");
const SOURCES: &str = include_str!("../report/templates/sources.toml");
const BUDGET: &str = include_str!("../report/templates/council-budget-2024-25.csv");
const MAPPING: &str = include_str!("../report/templates/mapping.toml");
const SCENARIO: &str = include_str!("../report/templates/scenario.toml");
const README: &str = include_str!("../report/templates/README.md");
const TRACK: &str = include_str!("../report/templates/track.toml");
const SOURCES_LATER: &str = include_str!("../report/templates/sources-2025-26.toml");
const OUTTURN: &str = include_str!("../report/templates/council-outturn-2025-26.csv");
const ACTUALS: &str = include_str!("../report/templates/actuals.csv");
const UNIT_COSTS: &str = include_str!("../../models/unit-costs.csv");
const DEFLATORS: &str = include_str!("../../models/gdp-deflators.csv");

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The new place directory, e.g. models/my-district (created if missing).
    pub dir: PathBuf,
    /// Place id (default: from the directory name).
    #[arg(long)]
    pub id: Option<String>,
    /// Place name (default: from the id).
    #[arg(long)]
    pub name: Option<String>,
}

/// A place id from a directory name: lower-case letters and digits, runs of anything else
/// as one '-'.
pub fn id_from(name: &str) -> String {
    let mut s = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.ends_with('-') {
            s.push('-');
        }
    }
    let s = s.trim_matches('-').to_string();
    if s.is_empty() {
        "my-place".into()
    } else {
        s
    }
}

/// The files of a new place, relative to its directory.
pub fn scaffold(id: &str, name: &str, dir_shown: &str) -> Vec<(&'static str, String)> {
    let fill = |t: &str| {
        t.replace("{{ID}}", id)
            .replace("{{NAME}}", name)
            .replace("{{DIR}}", dir_shown)
    };
    vec![
        ("place.toml", fill(PLACE)),
        ("sources.toml", fill(SOURCES)),
        ("data/council-budget-2024-25.csv", BUDGET.to_string()),
        ("mapping.toml", fill(MAPPING)),
        ("scenarios/example-mentoring.toml", fill(SCENARIO)),
        ("unit-costs.csv", UNIT_COSTS.to_string()),
        ("gdp-deflators.csv", DEFLATORS.to_string()),
        ("README.md", fill(README)),
        ("track.toml", fill(TRACK)),
        ("sources-2025-26.toml", SOURCES_LATER.to_string()),
        ("data/council-outturn-2025-26.csv", OUTTURN.to_string()),
        ("actuals.csv", ACTUALS.to_string()),
    ]
}

pub fn run(args: Args) -> Result<()> {
    let dir = &args.dir;
    let existing = dir.join("place.toml");
    if existing.exists() {
        return Err(Error::model(
            display_path(&existing),
            "file",
            "a place already exists here; init never overwrites: choose a new directory",
        )
        .into());
    }
    let base = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let id = args.id.clone().unwrap_or_else(|| id_from(&base));
    let name = args.name.clone().unwrap_or_else(|| {
        let words: Vec<String> = id
            .split('-')
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_uppercase().chain(c).collect())
                    .unwrap_or_default()
            })
            .collect();
        format!("{} (example)", words.join(" "))
    });
    let shown = display_path(dir);
    let mut out = OutputSet::new();
    for (rel, text) in scaffold(&id, &name, &shown) {
        let p = dir.join(rel);
        if p.exists() {
            return Err(Error::model(
                display_path(&p),
                "file",
                "already exists; init never overwrites: choose a new directory",
            )
            .into());
        }
        out.add(p, text.into_bytes());
    }
    for p in out.commit()? {
        outln!("wrote {}", display_path(&p));
    }
    outln!("next: totalplace check {shown}   then   totalplace report {shown}");
    Ok(())
}
