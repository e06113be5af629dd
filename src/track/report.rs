//! Presenting a [`Track`]: predicted vs actual outcomes, predicted vs actual-outcome-based
//! savings and the change in mapped spend per agency, as terminal tables, CSV and JSON. Every
//! output says which figures are observed and which modelled, and that a change in spend is
//! not proof of cause.

use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, Table};
use rust_decimal::Decimal;
use serde_json::{json, Value};

use super::{predicted_counts, ScenarioTrack, Track};
use crate::money::{self, format_gbp0, round_half_up};
use crate::scenario::library::fy_label;

/// The statement every output of `track` carries.
pub const CAVEAT: &str = "Observed: actual participants, engaged and successes (actuals file) and mapped spend by year (each year's budgets through the same mapping.toml). Modelled: predicted counts and savings (the scenario as written) and actual-outcome-based savings (the same engine re-run with the observed intakes in place of the assumptions; deadweight, drop-off, unit costs and optimism bias stay as assumed). A change in mapped spend is not proof that the scenario caused it: there is no counterfactual.";

/// One outcome and intake year, predicted vs actual.
#[derive(Debug, Clone, PartialEq)]
pub struct OutcomeRow {
    pub outcome: String,
    pub year: i32,
    pub predicted: (Decimal, Decimal, Decimal),
    pub actual: (Decimal, Decimal, Decimal),
    pub source: String,
}

/// One agency in one tracked year.
#[derive(Debug, Clone, PartialEq)]
pub struct AgencyRow {
    pub agency: String,
    pub year: i32,
    /// Cashable + non-cashable benefits in the year, as predicted and on the actuals
    /// (undiscounted, price base); `None` when the year is outside the scenario's horizon.
    pub predicted_saving: Option<Decimal>,
    pub actual_saving: Option<Decimal>,
    /// Mapped spend on the cohort in the baseline year and in this year (place agencies only).
    pub baseline_spend: Option<Decimal>,
    pub spend: Option<Decimal>,
}

impl AgencyRow {
    pub fn spend_change(&self) -> Option<Decimal> {
        Some(self.spend? - self.baseline_spend?)
    }
}

/// Per party with any benefit: PV savings (cashable + non-cashable) over the horizon,
/// predicted and on the actuals; and NPV both ways.
#[derive(Debug, Clone, PartialEq)]
pub struct PvRow {
    pub agency: String,
    pub pv_predicted: Decimal,
    pub pv_actual: Decimal,
    pub npv_predicted: Decimal,
    pub npv_actual: Decimal,
}

pub fn pv_rows(st: &ScenarioTrack) -> Vec<PvRow> {
    st.predicted
        .parties
        .iter()
        .zip(&st.actual.parties)
        .filter(|(p, a)| !p.summary.pv_benefits.is_zero() || !a.summary.pv_benefits.is_zero())
        .map(|(p, a)| PvRow {
            agency: p.id.clone(),
            pv_predicted: p.summary.pv_benefits,
            pv_actual: a.summary.pv_benefits,
            npv_predicted: p.summary.npv,
            npv_actual: a.summary.npv,
        })
        .collect()
}

pub fn outcome_rows(st: &ScenarioTrack) -> Vec<OutcomeRow> {
    st.actuals
        .iter()
        .filter_map(|a| {
            let oi = st
                .scenario
                .outcomes
                .iter()
                .position(|o| o.id == a.outcome)?;
            Some(OutcomeRow {
                outcome: a.outcome.clone(),
                year: a.year,
                predicted: predicted_counts(&st.scenario, oi, a.intake),
                actual: (a.participants, a.engaged, a.successes),
                source: a.source.clone(),
            })
        })
        .collect()
}

/// Rows per party with any saving (predicted or actual) or mapped spend on the cohort, per
/// tracked year, in party then year order.
pub fn agency_rows(track: &Track, st: &ScenarioTrack) -> Vec<AgencyRow> {
    let sc = &st.scenario;
    let mut out = Vec::new();
    for (i, p) in st.predicted.parties.iter().enumerate() {
        let a = st.actual.parties.get(i);
        let place_agency = (!p.external)
            .then(|| track.place.agency_index(&p.id))
            .flatten();
        let spends = match (place_agency, st.cohort) {
            (Some(ai), Some(c)) => Some(track.spend_by_year(ai, c)),
            _ => None,
        };
        let mut rows = Vec::new();
        for (k, y) in track.years.iter().enumerate() {
            let t = i64::from(y.year) - i64::from(sc.start_year);
            let in_h = t >= 0 && (t as usize) < sc.horizon;
            let saving = |r: &crate::scenario::engine::PartyResult| {
                in_h.then(|| {
                    let row = &r.yearly[t as usize];
                    row.cashable + row.non_cashable
                })
            };
            rows.push(AgencyRow {
                agency: p.id.clone(),
                year: y.year,
                predicted_saving: saving(p),
                actual_saving: a.and_then(saving),
                baseline_spend: spends.as_ref().map(|s| s[0]),
                spend: spends.as_ref().map(|s| s[k + 1]),
            });
        }
        let any = rows.iter().any(|r| {
            r.predicted_saving.is_some_and(|x| !x.is_zero())
                || r.actual_saving.is_some_and(|x| !x.is_zero())
                || r.baseline_spend.is_some_and(|x| !x.is_zero())
                || r.spend.is_some_and(|x| !x.is_zero())
        });
        if any {
            out.extend(rows);
        }
    }
    out
}

fn right(s: String) -> Cell {
    Cell::new(s).set_alignment(CellAlignment::Right)
}

fn n(d: Decimal) -> String {
    round_half_up(d, 1).normalize().to_string()
}

fn opt_gbp(d: Option<Decimal>) -> String {
    d.map(format_gbp0).unwrap_or_else(|| "-".into())
}

fn table(header: Vec<String>) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(header);
    t
}

/// Everything printed for one scenario.
pub fn render(track: &Track, st: &ScenarioTrack) -> String {
    let sc = &st.scenario;
    let mut s = format!("\n{}: {}\n", sc.id, sc.name);
    let rows = outcome_rows(st);
    if rows.is_empty() {
        s += "no actual outcomes recorded for this scenario: only the change in mapped spend is shown\n";
    } else {
        let mut t = table(
            [
                "outcome",
                "intake year",
                "participants predicted",
                "actual",
                "engaged predicted",
                "actual",
                "successes predicted",
                "actual",
                "source",
            ]
            .map(String::from)
            .to_vec(),
        );
        for r in &rows {
            t.add_row(vec![
                Cell::new(&r.outcome),
                Cell::new(fy_label(r.year)),
                right(n(r.predicted.0)),
                right(n(r.actual.0)),
                right(n(r.predicted.1)),
                right(n(r.actual.1)),
                right(n(r.predicted.2)),
                right(n(r.actual.2)),
                Cell::new(&r.source),
            ]);
        }
        s += &format!("{t}\n");
    }
    let cohort = sc
        .baseline
        .as_ref()
        .map(|b| b.cohort.clone())
        .unwrap_or_else(|| "-".into());
    let mut t = table(vec![
        "agency".into(),
        "year".into(),
        "saving predicted (modelled)".into(),
        "saving on actuals (modelled)".into(),
        format!(
            "mapped spend on {cohort} {} (observed)",
            fy_label(track.baseline.year)
        ),
        "mapped spend this year (observed)".into(),
        "change".into(),
    ]);
    for r in agency_rows(track, st) {
        t.add_row(vec![
            Cell::new(&r.agency),
            Cell::new(fy_label(r.year)),
            right(opt_gbp(r.predicted_saving)),
            right(opt_gbp(r.actual_saving)),
            right(opt_gbp(r.baseline_spend)),
            right(opt_gbp(r.spend)),
            right(opt_gbp(r.spend_change())),
        ]);
    }
    s += &format!("{t}\n");
    let mut t = table(
        [
            "agency",
            "PV savings predicted",
            "PV savings on actuals",
            "difference",
            "NPV predicted",
            "NPV on actuals",
        ]
        .map(String::from)
        .to_vec(),
    );
    for r in pv_rows(st) {
        t.add_row(vec![
            Cell::new(&r.agency),
            right(format_gbp0(r.pv_predicted)),
            right(format_gbp0(r.pv_actual)),
            right(format_gbp0(r.pv_actual - r.pv_predicted)),
            right(format_gbp0(r.npv_predicted)),
            right(format_gbp0(r.npv_actual)),
        ]);
    }
    s += &format!("over the horizon (modelled, discounted):\n{t}\n");
    s += &format!(
        "system NPV over the horizon: predicted {}, on actuals {} (modelled)\n",
        format_gbp0(st.predicted.system.npv),
        format_gbp0(st.actual.system.npv)
    );
    s
}

fn pennies(d: Decimal) -> String {
    money::plain(money::to_pennies(d))
}

fn opt_p(d: Option<Decimal>) -> String {
    d.map(pennies).unwrap_or_default()
}

fn exact(d: Decimal) -> String {
    round_half_up(d, 6).normalize().to_string()
}

/// `track.csv`: per scenario, agency and tracked year.
pub fn agencies_csv(track: &Track) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "scenario",
        "agency",
        "year",
        "saving_predicted",
        "saving_on_actuals",
        "baseline_year",
        "mapped_spend_baseline",
        "mapped_spend_year",
        "mapped_spend_change",
    ]);
    for st in &track.scenarios {
        for r in agency_rows(track, st) {
            let _ = w.write_record([
                st.scenario.id.clone(),
                r.agency.clone(),
                fy_label(r.year),
                opt_p(r.predicted_saving),
                opt_p(r.actual_saving),
                fy_label(track.baseline.year),
                opt_p(r.baseline_spend),
                opt_p(r.spend),
                opt_p(r.spend_change()),
            ]);
        }
    }
    w.into_inner().unwrap_or_default()
}

/// `track-pv.csv`: per scenario and party, PV savings and NPV over the horizon, predicted
/// and on the actuals.
pub fn pv_csv(track: &Track) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "scenario",
        "party",
        "pv_savings_predicted",
        "pv_savings_on_actuals",
        "npv_predicted",
        "npv_on_actuals",
    ]);
    for st in &track.scenarios {
        for r in pv_rows(st) {
            let _ = w.write_record([
                st.scenario.id.clone(),
                r.agency.clone(),
                pennies(r.pv_predicted),
                pennies(r.pv_actual),
                pennies(r.npv_predicted),
                pennies(r.npv_actual),
            ]);
        }
    }
    w.into_inner().unwrap_or_default()
}

/// `track-outcomes.csv`: per scenario outcome and intake year.
pub fn outcomes_csv(track: &Track) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "scenario",
        "outcome",
        "year",
        "participants_predicted",
        "participants_actual",
        "engaged_predicted",
        "engaged_actual",
        "successes_predicted",
        "successes_actual",
        "source",
    ]);
    for st in &track.scenarios {
        for r in outcome_rows(st) {
            let _ = w.write_record([
                st.scenario.id.clone(),
                r.outcome.clone(),
                fy_label(r.year),
                exact(r.predicted.0),
                exact(r.actual.0),
                exact(r.predicted.1),
                exact(r.actual.1),
                exact(r.predicted.2),
                exact(r.actual.2),
                r.source.clone(),
            ]);
        }
    }
    w.into_inner().unwrap_or_default()
}

/// `track.json`: everything, money as exact pennies in strings.
pub fn json(track: &Track) -> Vec<u8> {
    let scenarios: Vec<Value> = track
        .scenarios
        .iter()
        .map(|st| {
            json!({
                "id": st.scenario.id,
                "file": st.scenario.file,
                "cohort": st.scenario.baseline.as_ref().map(|b| b.cohort.clone()),
                "outcomes": outcome_rows(st).iter().map(|r| json!({
                    "outcome": r.outcome, "year": fy_label(r.year),
                    "participants": {"predicted": exact(r.predicted.0), "actual": exact(r.actual.0)},
                    "engaged": {"predicted": exact(r.predicted.1), "actual": exact(r.actual.1)},
                    "successes": {"predicted": exact(r.predicted.2), "actual": exact(r.actual.2)},
                    "source": r.source,
                })).collect::<Vec<_>>(),
                "agencies": agency_rows(track, st).iter().map(|r| json!({
                    "agency": r.agency, "year": fy_label(r.year),
                    "saving_predicted": r.predicted_saving.map(pennies),
                    "saving_on_actuals": r.actual_saving.map(pennies),
                    "mapped_spend_baseline": r.baseline_spend.map(pennies),
                    "mapped_spend_year": r.spend.map(pennies),
                    "mapped_spend_change": r.spend_change().map(pennies),
                })).collect::<Vec<_>>(),
                "pv_by_party": pv_rows(st).iter().map(|r| json!({
                    "party": r.agency,
                    "pv_savings_predicted": pennies(r.pv_predicted),
                    "pv_savings_on_actuals": pennies(r.pv_actual),
                    "npv_predicted": pennies(r.npv_predicted),
                    "npv_on_actuals": pennies(r.npv_actual),
                })).collect::<Vec<_>>(),
                "system_npv": {"predicted": pennies(st.predicted.system.npv), "on_actuals": pennies(st.actual.system.npv)},
                "parameters_on_actuals": st.tracked.param_specs.iter().zip(&st.tracked_params.values)
                    .filter(|(s, _)| s.path.starts_with("actual."))
                    .map(|(s, v)| json!({"path": s.path, "value": exact(*v)})).collect::<Vec<_>>(),
            })
        })
        .collect();
    let v = json!({
        "place": track.place.info.id,
        "track_file": track.track_file,
        "actuals_file": track.actuals_file,
        "baseline_year": fy_label(track.baseline.year),
        "years": track.years.iter().map(|y| json!({"year": fy_label(y.year), "sources": y.sources_file, "lines": y.lines})).collect::<Vec<_>>(),
        "caveat": CAVEAT,
        "rounding": money::ROUNDING_RULE,
        "scenarios": scenarios,
    });
    let mut s = serde_json::to_vec_pretty(&v).unwrap_or_default();
    s.push(b'\n');
    s
}
