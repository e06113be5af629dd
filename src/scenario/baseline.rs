//! Baseline per agency: what each agency spends on the scenario's cohort today (the count),
//! the scenario's avoided cost per year as a share of it, and a warning when an agency's
//! avoided cost in a year exceeds its mapped spend on that cohort ("the acute trust cannot save
//! £3.1m a year on a cohort it spends £2.0m on").
//!
//! Avoided cost in a year = that party's benefits in the year (cashable + non-cashable,
//! undiscounted, price-base pounds). The baseline is the spend map's figure for the place's
//! financial year, in that year's prices: no re-basing is applied (the outputs say so).

use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, Table};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{json, Value};

use super::engine::Results;
use super::library::fy_label;
use super::ValidatedScenario;
use crate::money::{self, format_gbp0, round_half_up};

/// Each party's mapped spend on the scenario's cohort, from the place's spend map.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Baseline {
    pub cohort: String,
    pub cohort_name: String,
    pub cohort_size: u64,
    /// The scenario's transition point, when it names one.
    pub transition: Option<String>,
    /// Financial year of the mapped budgets (start year).
    pub year: i32,
    pub mapping_file: String,
    /// Per party, as in `ValidatedScenario::parties`: mapped spend on the cohort (all its
    /// transition points and none); `None` for parties outside the place.
    pub spend: Vec<Option<Decimal>>,
    /// The same at the scenario's transition point only (empty without one).
    pub transition_spend: Vec<Option<Decimal>>,
}

/// One agency's baseline against the scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub party: usize,
    pub id: String,
    pub spend: Decimal,
    pub transition_spend: Option<Decimal>,
    /// Avoided cost by year (cashable + non-cashable benefits, undiscounted).
    pub avoided: Vec<Decimal>,
    /// The largest yearly avoided cost and its year.
    pub peak: Decimal,
    pub peak_year: usize,
    /// peak ÷ spend; none when spend is 0.
    pub peak_share: Option<Decimal>,
    /// Years in which the avoided cost exceeds the baseline.
    pub exceeded: Vec<usize>,
}

/// Rows for every agency of the place that spends on the cohort or avoids cost in the
/// scenario, in party order. Empty when the scenario has no baseline.
pub fn rows(sc: &ValidatedScenario, r: &Results) -> Vec<Row> {
    let Some(b) = &sc.baseline else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, p) in r.parties.iter().enumerate() {
        let Some(spend) = b.spend.get(i).copied().flatten() else {
            continue;
        };
        let avoided: Vec<Decimal> = p
            .yearly
            .iter()
            .map(|y| y.cashable + y.non_cashable)
            .collect();
        let (peak_year, peak) =
            avoided
                .iter()
                .copied()
                .enumerate()
                .fold(
                    (0, Decimal::ZERO),
                    |acc, (t, v)| if v > acc.1 { (t, v) } else { acc },
                );
        if spend.is_zero() && peak.is_zero() {
            continue;
        }
        let exceeded = avoided
            .iter()
            .enumerate()
            .filter(|(_, v)| **v > spend)
            .map(|(t, _)| t)
            .collect();
        out.push(Row {
            party: i,
            id: p.id.clone(),
            spend,
            transition_spend: b.transition_spend.get(i).copied().flatten(),
            avoided,
            peak,
            peak_year,
            peak_share: (!spend.is_zero()).then(|| peak / spend),
            exceeded,
        });
    }
    out
}

/// One warning per agency whose avoided cost exceeds its baseline in some year.
pub fn warnings(sc: &ValidatedScenario, r: &Results) -> Vec<String> {
    let Some(b) = &sc.baseline else {
        return Vec::new();
    };
    rows(sc, r)
        .iter()
        .filter(|row| !row.exceeded.is_empty())
        .map(|row| {
            let years = row
                .exceeded
                .iter()
                .map(|&t| sc.year_label(t))
                .collect::<Vec<_>>()
                .join(", ");
            format!(
                "{}: {}: avoided cost exceeds the mapped baseline: {} avoids up to {} a year ({}) on cohort \"{}\", on which it spends {} ({} spend map); years over: {years}",
                sc.file,
                row.id,
                row.id,
                format_gbp0(row.peak),
                sc.year_label(row.peak_year),
                b.cohort,
                format_gbp0(row.spend),
                fy_label(b.year)
            )
        })
        .collect()
}

fn right(s: String) -> Cell {
    Cell::new(s).set_alignment(CellAlignment::Right)
}

fn pct(d: Option<Decimal>) -> String {
    d.map(|x| format!("{}%", round_half_up(x * Decimal::ONE_HUNDRED, 1)))
        .unwrap_or_else(|| "-".to_string())
}

/// The terminal table: agency, mapped spend today, peak avoided a year, share, flag.
pub fn table(sc: &ValidatedScenario, r: &Results) -> Option<Table> {
    let b = sc.baseline.as_ref()?;
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    let mut header = vec![format!(
        "baseline: cohort {} ({} spend map)",
        b.cohort,
        fy_label(b.year)
    )];
    header.push("mapped spend on cohort".into());
    if let Some(tr) = &b.transition {
        header.push(format!("at {tr}"));
    }
    header.extend([
        "peak avoided a year".to_string(),
        "year".into(),
        "share of spend".into(),
        "".into(),
    ]);
    t.set_header(header);
    for row in rows(sc, r) {
        let mut cells = vec![Cell::new(&row.id), right(format_gbp0(row.spend))];
        if b.transition.is_some() {
            cells.push(right(
                row.transition_spend
                    .map(format_gbp0)
                    .unwrap_or_else(|| "-".into()),
            ));
        }
        cells.extend([
            right(format_gbp0(row.peak)),
            Cell::new(if row.peak.is_zero() {
                "-".to_string()
            } else {
                sc.year_label(row.peak_year)
            }),
            right(pct(row.peak_share)),
            Cell::new(if row.exceeded.is_empty() {
                ""
            } else {
                "exceeds baseline"
            }),
        ]);
        t.add_row(cells);
    }
    Some(t)
}

/// The statement printed under the table and carried in the files.
pub const NOTE: &str = "avoided cost a year = the agency's cashable + non-cashable benefits in the year (undiscounted, price base); mapped spend = the spend map for the place's financial year, in that year's prices (not re-based)";

fn pennies(d: Decimal) -> String {
    money::plain(money::to_pennies(d))
}

/// `baseline.csv`: per agency and year, mapped spend, avoided cost and share.
pub fn csv(sc: &ValidatedScenario, r: &Results) -> Option<Vec<u8>> {
    let b = sc.baseline.as_ref()?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "scenario",
        "cohort",
        "baseline_year",
        "agency",
        "mapped_spend_on_cohort",
        "mapped_spend_at_transition",
        "year",
        "financial_year",
        "avoided_cost",
        "share_of_mapped_spend",
        "exceeds_baseline",
    ]);
    for row in rows(sc, r) {
        for (t, v) in row.avoided.iter().enumerate() {
            let _ = w.write_record([
                sc.id.clone(),
                b.cohort.clone(),
                fy_label(b.year),
                row.id.clone(),
                pennies(row.spend),
                row.transition_spend.map(pennies).unwrap_or_default(),
                t.to_string(),
                sc.year_label(t),
                pennies(*v),
                if row.spend.is_zero() {
                    String::new()
                } else {
                    round_half_up(*v / row.spend, 6).to_string()
                },
                (*v > row.spend).to_string(),
            ]);
        }
    }
    Some(w.into_inner().unwrap_or_default())
}

/// The `baseline` object of `results.json`.
pub fn json(sc: &ValidatedScenario, r: &Results) -> Value {
    let Some(b) = &sc.baseline else {
        return Value::Null;
    };
    json!({
        "cohort": b.cohort,
        "cohort_size": b.cohort_size,
        "transition": b.transition,
        "baseline_year": fy_label(b.year),
        "mapping_file": b.mapping_file,
        "note": NOTE,
        "agencies": rows(sc, r).iter().map(|row| json!({
            "agency": row.id,
            "mapped_spend_on_cohort": pennies(row.spend),
            "mapped_spend_at_transition": row.transition_spend.map(pennies),
            "peak_avoided_cost": pennies(row.peak),
            "peak_year": sc.year_label(row.peak_year),
            "peak_share_of_mapped_spend": row.peak_share.map(|x| round_half_up(x, 6).to_string()),
            "years_exceeding_baseline": row.exceeded.iter().map(|&t| sc.year_label(t)).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "warnings": warnings(sc, r),
    })
}
