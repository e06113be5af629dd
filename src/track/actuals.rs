//! The actual-outcomes CSV: `scenario, outcome, year, participants, engaged, successes,
//! source`, one row per scenario outcome and intake year. Every problem names the file, row
//! and column; nothing is written when there is one.

use std::collections::HashSet;
use std::path::Path;

use rust_decimal::Decimal;

use crate::error::{display_path, Error, Location, Result};
use crate::money;
use crate::scenario::library::{fy_label, parse_fy};
use crate::scenario::ValidatedScenario;

/// One observed intake.
#[derive(Debug, Clone, PartialEq)]
pub struct Actual {
    pub scenario: String,
    pub outcome: String,
    /// Financial year of the intake (start year).
    pub year: i32,
    /// Year index from the scenario's start.
    pub intake: usize,
    pub participants: Decimal,
    pub engaged: Decimal,
    pub successes: Decimal,
    pub source: String,
    /// 1-based row in the file.
    pub row: u32,
}

pub const COLUMNS: [&str; 7] = [
    "scenario",
    "outcome",
    "year",
    "participants",
    "engaged",
    "successes",
    "source",
];

/// Read and check the actuals against the place's scenarios and tracked years.
pub fn load(path: &Path, scenarios: &[&ValidatedScenario], years: &[i32]) -> Result<Vec<Actual>> {
    let file = display_path(path);
    if !path.is_file() {
        return Err(Error::input(
            Location::file(&file),
            "actual-outcomes file not found (named by `actuals` in track.toml)",
        ));
    }
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(|e| Error::io(path, e))?;
    let headers = rdr.headers().map_err(|e| Error::io(path, e))?.clone();
    let mut cols = [0usize; 7];
    let mut missing = Vec::new();
    for (i, name) in COLUMNS.iter().enumerate() {
        match headers.iter().position(|h| h.trim() == *name) {
            Some(c) => cols[i] = c,
            None => missing.push(*name),
        }
    }
    if !missing.is_empty() {
        return Err(Error::input(
            Location {
                file,
                sheet: None,
                row: Some(1),
                col: None,
            },
            format!(
                "missing column(s) {} (the header must name {})",
                missing.join(", "),
                COLUMNS.join(", ")
            ),
        ));
    }
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    for (i, rec) in rdr.records().enumerate() {
        let row = i as u32 + 2;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                errors.push(Error::input(
                    Location {
                        file: file.clone(),
                        sheet: None,
                        row: Some(row),
                        col: None,
                    },
                    e.to_string(),
                ));
                continue;
            }
        };
        let get = |k: usize| rec.get(cols[k]).unwrap_or("").trim();
        let mut err = |k: usize, msg: String| {
            errors.push(Error::input(
                Location {
                    file: file.clone(),
                    sheet: None,
                    row: Some(row),
                    col: Some(cols[k] as u32),
                },
                format!("{} (column \"{}\")", msg, COLUMNS[k]),
            ));
        };
        let sid = get(0);
        let Some(sc) = scenarios.iter().find(|s| s.id == sid) else {
            err(
                0,
                format!(
                    "unknown scenario \"{sid}\" (known: {})",
                    scenarios
                        .iter()
                        .map(|s| s.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            continue;
        };
        let oid = get(1);
        let Some(o) = sc.outcomes.iter().find(|o| o.id == oid) else {
            err(
                1,
                format!(
                    "scenario \"{sid}\" has no outcome \"{oid}\" (known: {})",
                    sc.outcomes
                        .iter()
                        .map(|o| o.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            continue;
        };
        let Some(year) = parse_fy(get(2)) else {
            err(
                2,
                format!("\"{}\" is not a financial year like 2025-26", get(2)),
            );
            continue;
        };
        if !years.contains(&year) {
            err(
                2,
                format!(
                    "year {} has no budget sources: declare it under [[year]] in track.toml (tracked: {})",
                    fy_label(year),
                    if years.is_empty() {
                        "none".to_string()
                    } else {
                        years.iter().map(|&y| fy_label(y)).collect::<Vec<_>>().join(", ")
                    }
                ),
            );
            continue;
        }
        let t = i64::from(year) - i64::from(sc.start_year);
        let first = o.intake_start as i64;
        let last = first + o.intakes as i64 - 1;
        if t < first || t > last {
            err(
                2,
                format!(
                    "{} is not an intake year of outcome \"{oid}\" (intakes {} to {})",
                    fy_label(year),
                    sc.year_label(o.intake_start),
                    sc.year_label(o.intake_start + o.intakes - 1)
                ),
            );
            continue;
        }
        let mut nums = [Decimal::ZERO; 3];
        let mut bad = false;
        for (j, k) in [3usize, 4, 5].into_iter().enumerate() {
            match money::parse_amount(get(k)) {
                Ok(v) if v < Decimal::ZERO => {
                    err(k, format!("{v} is negative: a count cannot be"));
                    bad = true;
                }
                Ok(v) => nums[j] = v,
                Err(_) => {
                    err(k, format!("\"{}\" is not a count", get(k)));
                    bad = true;
                }
            }
        }
        if bad {
            continue;
        }
        let [participants, engaged, successes] = nums;
        if engaged > participants {
            err(
                4,
                format!("engaged {engaged} is more than the {participants} participants"),
            );
            continue;
        }
        if successes > engaged {
            err(
                5,
                format!("successes {successes} are more than the {engaged} engaged"),
            );
            continue;
        }
        if get(6).is_empty() {
            err(6, "say where the counts come from".to_string());
            continue;
        }
        if !seen.insert((sid.to_string(), oid.to_string(), year)) {
            err(
                2,
                format!("a second row for {sid} / {oid} / {}", fy_label(year)),
            );
            continue;
        }
        out.push(Actual {
            scenario: sid.to_string(),
            outcome: oid.to_string(),
            year,
            intake: t as usize,
            participants,
            engaged,
            successes,
            source: get(6).to_string(),
            row,
        });
    }
    Error::from_list(errors)?;
    Ok(out)
}
