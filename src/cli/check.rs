//! `totalplace check <dir>`: validate a place without writing anything: place.toml and
//! sources.toml, every budget file (read and reconciled exactly as `ingest` does, nothing
//! written), mapping.toml (applied to the ledger), and every scenario. Prints what it checked;
//! exits 2 naming each file at fault.

use super::common::outln;
use std::path::PathBuf;

use anyhow::Result;

use crate::error::{display_path, Error, Location};
use crate::ingest;
use crate::mapping::{self, Mapping};
use crate::model::Place;
use crate::money::format_gbp0;
use crate::report::scenario_files;
use crate::scenario;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The place model directory, e.g. models/kirkbridge.
    pub place: PathBuf,
}

fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A file that cannot be read is bad input here (exit 2), named by its path.
fn as_input(e: Error) -> Error {
    match e {
        Error::Io { path, message } => Error::input(Location::file(path), message),
        Error::Many(v) => Error::Many(v.into_iter().map(as_input).collect()),
        other => other,
    }
}

pub fn run(args: Args) -> Result<()> {
    let dir = &args.place;
    let mut problems: Vec<Error> = Vec::new();
    let place = match Place::load(dir) {
        Ok(p) => p,
        Err(e) => {
            outln!("FAIL place: {}", display_path(&dir.join("place.toml")));
            return Err(as_input(e).into());
        }
    };
    outln!(
        "ok   place.toml: {} ({}, {}, {})",
        place.info.name,
        counted(place.agencies.len(), "agency", "agencies"),
        counted(place.cohorts.len(), "cohort", "cohorts"),
        counted(
            place.transitions.len(),
            "transition point",
            "transition points"
        )
    );
    outln!(
        "ok   sources.toml: {}",
        counted(place.sources.len(), "source", "sources")
    );
    for a in place.agencies_without_source() {
        let ag = &place.agencies[a];
        outln!(
            "     warning: agency {} ({}) has no budget file in sources.toml: its spend is not in the count, and the packs name it as a partner that supplied none",
            ag.id, ag.name
        );
    }
    let ledger = match ingest::ingest_place_unreconciled(&place) {
        Ok(ing) => {
            for w in ing.warnings() {
                eprintln!("warning: {w}");
            }
            for (r, s) in ing.reports.iter().zip(&place.sources) {
                outln!(
                    "{} {}: {} lines, {} ({})",
                    if matches!(r.status, ingest::Status::Mismatch { .. }) {
                        "FAIL"
                    } else {
                        "ok  "
                    },
                    s.display,
                    r.lines,
                    format_gbp0(r.total),
                    r.status.label()
                );
            }
            problems.extend(ing.mismatches(&place));
            Some(ing.ledger)
        }
        Err(e) => {
            outln!("FAIL budget files: see below");
            problems.push(as_input(e));
            None
        }
    };
    let map_file = place.dir.join("mapping.toml");
    let mut count: Option<scenario::Count> = None;
    match Mapping::load(&place) {
        Ok(m) => match &ledger {
            Some(l) => match mapping::map_ledger(&place, &m, l) {
                Ok(map) => {
                    let ing = map.total_ingested();
                    outln!(
                        "ok   {}: {}, {}; {} of {} mapped to cohorts",
                        display_path(&map_file),
                        counted(m.rules.len(), "rule", "rules"),
                        counted(m.drivers.len(), "driver", "drivers"),
                        format_gbp0(map.total_mapped()),
                        format_gbp0(ing)
                    );
                    for w in &map.warnings {
                        outln!("     warning: {w}");
                    }
                    count = Some(scenario::Count::new(&place, &m, &map));
                }
                Err(e) => {
                    outln!("FAIL {}", display_path(&map_file));
                    problems.push(as_input(e));
                }
            },
            None => outln!(
                "ok   {}: {} rules (not applied: the budget files did not load)",
                display_path(&map_file),
                m.rules.len()
            ),
        },
        Err(e) => {
            outln!("FAIL {}", display_path(&map_file));
            problems.push(as_input(e));
        }
    }
    let files = scenario_files(dir).map_err(as_input)?;
    if files.is_empty() {
        outln!(
            "     no scenarios in {}",
            display_path(&dir.join("scenarios"))
        );
    }
    for f in files {
        // Scenarios stand on the count checked above (not re-ingested per scenario).
        let loaded = match &count {
            Some(c) => scenario::load_with_count(&f, &[], Some(c)),
            None => scenario::load_without_count(&f),
        };
        match loaded {
            Ok(sc) => {
                outln!(
                    "ok   {}: \"{}\", {}, {}, {}",
                    display_path(&f),
                    sc.name,
                    counted(sc.parties.len(), "party", "parties"),
                    counted(sc.outcomes.len(), "outcome", "outcomes"),
                    counted(sc.unit_costs.len(), "unit cost", "unit costs")
                );
                for w in scenario::report::no_uplift_warning(&sc)
                    .into_iter()
                    .chain(cautions(&sc))
                {
                    outln!("     warning: {w}");
                }
                let r = scenario::evaluate(&sc, &sc.params());
                for w in scenario::report::all_warnings(&sc, &r) {
                    outln!("     warning: {w}");
                }
            }
            Err(e) => {
                outln!("FAIL {}", display_path(&f));
                problems.push(as_input(e));
            }
        }
    }
    if problems.is_empty() {
        outln!(
            "all checks passed: `totalplace report {}` will run",
            display_path(dir)
        );
        Ok(())
    } else {
        Err(Error::from_list(problems).expect_err("problems").into())
    }
}

/// One warning per flow that prices its benefit with a library row the library itself flags
/// (recalled from memory, or marked CHECK: see [`scenario::library::caution_of`]), naming the
/// scenario file, the flow and the unit-cost id.
fn cautions(sc: &scenario::ValidatedScenario) -> Vec<String> {
    let mut out = Vec::new();
    for o in &sc.outcomes {
        for f in &o.flows {
            let u = &sc.unit_costs[f.unit_cost];
            if let Some(why) = &u.caution {
                out.push(format!(
                    "{}: outcome.{}.flow.{} uses unit cost \"{}\" ({}), which the library flags ({why}): check the value against its source before relying on the result",
                    sc.file, o.id, f.id, u.id, u.defined_in
                ));
            }
        }
    }
    out
}
