//! A later synthetic year of the sample place's budgets: one outturn CSV per agency, derived
//! line by line from the baseline year's ledger (same cost centres, services, accounts and
//! descriptions, so the same `mapping.toml` applies), each amount moved by a seeded agency
//! drift and line jitter, and leaving-care and hospital-discharge lines moved a little further
//! (SYNTHETIC: a made-up pattern for the tracking loop to show, not evidence of anything).
//!
//! Layout: header on row 1 (`Cost Centre, Service, Account, Description, Outturn <year> £`),
//! the agency's total on row 2 (`TOTAL`, the control total), then one row per line in
//! pounds and pence. Deterministic: same baseline ledger and seed, same bytes.

use std::path::Path;

use rust_decimal::Decimal;

use super::{Gen, SampleFile};
use crate::error::{Error, Result};
use crate::ledger::Ledger;
use crate::model::Place;
use crate::money::round_half_up;
use crate::scenario::library::fy_label;

/// The file name of an agency's outturn for `year`.
pub fn outturn_file(agency: &str, year: i32) -> String {
    format!("{agency}-outturn-{}.csv", fy_label(year))
}

/// Write every agency's outturn for `year` into `dir`.
pub fn write_later_year(
    place: &Place,
    ledger: &Ledger,
    dir: &Path,
    year: i32,
    seed: u64,
) -> Result<Vec<SampleFile>> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut out = Vec::new();
    for (a, agency) in place.agencies.iter().enumerate() {
        let mut g = Gen::new(seed ^ (a as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        // Agency drift -2% .. +5% in tenths of a percent.
        let drift = Decimal::new(g.int(-20, 50), 3);
        let mut rows: Vec<[String; 5]> = Vec::new();
        let mut total = Decimal::ZERO;
        for line in ledger.lines.iter().filter(|l| l.agency as usize == a) {
            let text = |s| ledger.text(s).to_string();
            let (cc, sv, ac, de) = (
                text(line.cost_centre),
                text(line.service),
                text(line.account),
                text(line.description),
            );
            let all = format!("{sv} {de} {cc}").to_lowercase();
            let theme = if all.contains("leaving care") || all.contains("care leaver") {
                Decimal::new(-60, 3)
            } else if all.contains("discharge") || all.contains("reablement") {
                Decimal::new(-40, 3)
            } else {
                Decimal::ZERO
            };
            let jitter = Decimal::new(g.int(-30, 30), 3);
            let amount = round_half_up(line.amount * (Decimal::ONE + drift + jitter + theme), 2);
            total += amount;
            rows.push([cc, sv, ac, de, format!("{:.2}", amount)]);
        }
        if rows.is_empty() {
            continue;
        }
        let path = dir.join(outturn_file(&agency.id, year));
        let mut w = csv::Writer::from_writer(Vec::new());
        let io = |e: csv::Error| Error::io(&path, e);
        w.write_record([
            "Cost Centre".to_string(),
            "Service".into(),
            "Account".into(),
            "Description".into(),
            format!("Outturn {} £", fy_label(year)),
        ])
        .map_err(io)?;
        w.write_record(["TOTAL", "", "", "", &format!("{:.2}", total)])
            .map_err(io)?;
        for r in &rows {
            w.write_record(r).map_err(io)?;
        }
        let bytes = w.into_inner().map_err(|e| Error::io(&path, e))?;
        super::write_bytes(&path, &bytes)?;
        out.push(SampleFile {
            agency: leak(&agency.id),
            path,
            lines: rows.len(),
            total,
            units: "£",
        });
    }
    Ok(out)
}

/// Agency ids of the sample place are few and fixed; `SampleFile` holds them as `'static`.
fn leak(s: &str) -> &'static str {
    match super::SAMPLE_AGENCIES.iter().find(|a| **a == s) {
        Some(a) => a,
        None => "other",
    }
}
