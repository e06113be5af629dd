//! The place pack's and workbook's views of issue 10:
//! - **From the count to change**: per scenario on a cohort, each agency's mapped spend on it
//!   today and the scenario's change in the year of its largest avoided cost (its costs that
//!   year less its avoided cost), as a table and a chart;
//! - **Did the savings appear?** (when the place has a `track.toml`): predicted vs actual
//!   outcomes and PV savings per agency, with the change in mapped spend, from [`Track`].
//!
//! Built from the same typed results as the rest of the pack; no arithmetic of the engine is
//! repeated here (avoided cost and costs are read from [`crate::scenario::Results`]).

use std::path::Path;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use rust_xlsxwriter::{Format, Formula, Workbook, XlsxError};

use super::report::{agency_rows, outcome_rows, pv_rows, CAVEAT};
use super::Track;
use crate::charts::{self, AgencyRealisation, ChartTitle, Realisation, Size};
use crate::error::Result;
use crate::money::{format_gbp0, round_half_up};
use crate::report::doc::{Block, Doc, Table};
use crate::report::{Files, PlaceRun, ScenarioRun};
use crate::scenario::library::fy_label;

/// One agency's row of the count-to-change view.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeRow {
    pub agency: String,
    /// Mapped spend on the cohort today.
    pub spend: Decimal,
    /// In the scenario's peak year: the agency's costs, its avoided cost, and costs − avoided.
    pub costs: Decimal,
    pub avoided: Decimal,
    pub change: Decimal,
}

/// The year with the largest system avoided cost (cashable + non-cashable), and each place
/// agency's figures in it. `None` when the scenario has no baseline.
pub fn count_to_change(sr: &ScenarioRun) -> Option<(usize, Vec<ChangeRow>)> {
    let sc = &sr.scenario;
    let b = sc.baseline.as_ref()?;
    let r = &sr.results;
    let peak = r
        .system_yearly
        .iter()
        .enumerate()
        .fold((0, Decimal::ZERO), |acc, (t, y)| {
            let v = y.cashable + y.non_cashable;
            if v > acc.1 {
                (t, v)
            } else {
                acc
            }
        })
        .0;
    let rows = r
        .parties
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let spend = b.spend.get(i).copied().flatten()?;
            let y = &p.yearly[peak];
            let avoided = y.cashable + y.non_cashable;
            let row = ChangeRow {
                agency: p.id.clone(),
                spend,
                costs: y.costs,
                avoided,
                change: y.costs - avoided,
            };
            (!(spend.is_zero() && row.change.is_zero() && avoided.is_zero())).then_some(row)
        })
        .collect();
    Some((peak, rows))
}

fn f(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(f64::NAN)
}

fn pct(part: Decimal, whole: Decimal) -> String {
    if whole.is_zero() {
        "-".into()
    } else {
        format!("{}%", round_half_up(part / whole * Decimal::ONE_HUNDRED, 1))
    }
}

fn png(
    chart: &Realisation,
    run: &PlaceRun,
    dir: &Path,
    name: String,
    size: Size,
    out: &mut Files,
) -> Result<(Vec<u8>, String)> {
    let bytes = charts::render_png(chart, &run.palette, size)?;
    let svg = charts::render_svg(chart, &run.palette, size)?;
    out.push((dir.join(&name), bytes.clone()));
    // Every chart of the pack has its SVG beside the PNG, like the others.
    out.push((dir.join(&name).with_extension("svg"), svg.into_bytes()));
    Ok((bytes, name))
}

/// The place pack's blocks for issue 10, with their chart files staged into `out` under
/// `dir`. Inserted before the pack's "Sources" section by [`extend_place_pack`].
pub fn place_blocks(run: &PlaceRun, dir: &Path, size: Size, out: &mut Files) -> Result<Vec<Block>> {
    let mut b = Vec::new();
    let on_cohort: Vec<_> = run
        .scenarios
        .iter()
        .filter_map(|sr| count_to_change(sr).map(|c| (sr, c)))
        .collect();
    if !on_cohort.is_empty() {
        b.push(Block::Section {
            title: "From the count to change".into(),
            page_break: true,
        });
        b.push(Block::Para(format!(
            "For each scenario, what every partner spends on its cohort today ({} spend map) and what the scenario changes in the year of its largest avoided cost: the partner's costs that year less its avoided cost (negative: spend falls).",
            run.place.info.financial_year
        )));
        for (sr, (peak, rows)) in &on_cohort {
            let sc = &sr.scenario;
            let cohort = sc
                .baseline
                .as_ref()
                .map(|b| b.cohort.clone())
                .unwrap_or_default();
            b.push(Block::Heading(format!(
                "{}: cohort {cohort}, {}",
                sc.id,
                sc.year_label(*peak)
            )));
            let mut t = Table::new(vec![
                "Partner".into(),
                "Spend on cohort today".into(),
                "Scenario costs".into(),
                "Avoided cost".into(),
                "Change".into(),
                "Change as share of spend".into(),
            ]);
            for r in rows {
                t.rows.push(vec![
                    r.agency.clone(),
                    format_gbp0(r.spend),
                    format_gbp0(r.costs),
                    format_gbp0(r.avoided),
                    format_gbp0(r.change),
                    pct(r.change, r.spend),
                ]);
            }
            b.push(Block::Table(t));
            let chart = Realisation {
                title: ChartTitle::new(
                    format!("{}: from the count to change", sc.id),
                    format!(
                        "Each partner's spend on {cohort}: today ({}) and after the scenario's change in {}, £",
                        run.place.info.financial_year,
                        sc.year_label(*peak)
                    ),
                )
                .with_footnote("Undiscounted; today's spend in its own year's prices, the change in the scenario's price base."),
                agencies: rows
                    .iter()
                    .map(|r| AgencyRealisation {
                        agency: r.agency.clone(),
                        predicted: f(r.spend),
                        actual: f(r.spend + r.change),
                    })
                    .collect(),
                series: ["Spend today (hatched)".into(), "After the scenario's change".into()],
                stem: "count-to-change",
            };
            let (bytes, file) = png(
                &chart,
                run,
                dir,
                format!("{}-count-to-change.png", sc.id),
                size,
                out,
            )?;
            b.push(Block::Figure {
                png: bytes,
                file,
                alt: chart.title.title.clone(),
                caption: "Spend today beside spend after the scenario's change, by partner.".into(),
            });
        }
    }
    if let Some(track) = &run_track(run)? {
        b.extend(track_blocks(run, track, dir, size, out)?);
    }
    Ok(b)
}

/// `track` for the report, when the place declares a `track.toml`.
fn run_track(run: &PlaceRun) -> Result<Option<Track>> {
    if run.place.dir.join("track.toml").is_file() {
        super::track_place(&run.place.dir).map(Some)
    } else {
        Ok(None)
    }
}

fn track_blocks(
    run: &PlaceRun,
    track: &Track,
    dir: &Path,
    size: Size,
    out: &mut Files,
) -> Result<Vec<Block>> {
    let mut b = vec![
        Block::Section {
            title: "Did the savings appear?".into(),
            page_break: true,
        },
        Block::Para(format!(
            "Actual outcomes from {} and mapped spend in {} against the baseline {}.",
            crate::report::place_relative(&run.place.dir, &track.actuals_file),
            track
                .years
                .iter()
                .map(|y| fy_label(y.year))
                .collect::<Vec<_>>()
                .join(", "),
            fy_label(track.baseline.year)
        )),
        Block::Note(CAVEAT.into()),
    ];
    for st in &track.scenarios {
        if st.actuals.is_empty() {
            continue;
        }
        b.push(Block::Heading(st.scenario.id.clone()));
        let mut t = Table::new(vec![
            "Outcome, intake year".into(),
            "Participants predicted".into(),
            "actual".into(),
            "Successes predicted".into(),
            "actual".into(),
        ]);
        for r in outcome_rows(st) {
            t.rows.push(vec![
                format!("{}, {}", r.outcome, fy_label(r.year)),
                round_half_up(r.predicted.0, 1).normalize().to_string(),
                round_half_up(r.actual.0, 1).normalize().to_string(),
                round_half_up(r.predicted.2, 1).normalize().to_string(),
                round_half_up(r.actual.2, 1).normalize().to_string(),
            ]);
        }
        b.push(Block::Table(t));
        let mut t = Table::new(vec![
            "Partner".into(),
            "PV savings predicted".into(),
            "PV savings on actuals".into(),
            "Mapped spend change".into(),
        ]);
        let changes = agency_rows(track, st);
        for r in pv_rows(st) {
            let change = changes
                .iter()
                .filter(|c| c.agency == r.agency)
                .filter_map(|c| {
                    c.spend_change()
                        .map(|x| format!("{} ({})", format_gbp0(x), fy_label(c.year)))
                })
                .collect::<Vec<_>>()
                .join(", ");
            t.rows.push(vec![
                r.agency.clone(),
                format_gbp0(r.pv_predicted),
                format_gbp0(r.pv_actual),
                if change.is_empty() {
                    "-".into()
                } else {
                    change
                },
            ]);
        }
        b.push(Block::Table(t));
        let chart = super::chart::realisation(track, st);
        let (bytes, file) = png(
            &chart,
            run,
            dir,
            format!("{}-predicted-vs-actual.png", st.scenario.id),
            size,
            out,
        )?;
        b.push(Block::Figure {
            png: bytes,
            file,
            alt: chart.title.title.clone(),
            caption: "PV savings by partner: as predicted, and re-run on the counted outcomes."
                .into(),
        });
    }
    Ok(b)
}

/// Insert `blocks` before the pack's "Sources" section (at the end when it has none).
pub fn extend_place_pack(doc: &mut Doc, blocks: Vec<Block>) {
    let at = doc
        .blocks
        .iter()
        .position(|b| matches!(b, Block::Section { title, .. } if title == "Sources"))
        .unwrap_or(doc.blocks.len());
    doc.blocks.splice(at..at, blocks);
}

/// Sheets for the place workbook: "Count to change" and, with a `track.toml`, "Tracking".
pub fn workbook_sheets(wb: &mut Workbook, run: &PlaceRun) -> std::result::Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("£#,##0.00;-£#,##0.00");
    let ws = wb.add_worksheet();
    ws.set_name("Count to change")?;
    ws.write_string_with_format(0, 0, "From the count to change: spend on the cohort today and each scenario's change in its peak year (costs - avoided cost)", &bold)?;
    let head = [
        "Scenario",
        "Cohort",
        "Peak year",
        "Partner",
        "Spend on cohort today",
        "Scenario costs",
        "Avoided cost",
        "Change",
    ];
    for (c, h) in head.iter().enumerate() {
        ws.write_string_with_format(2, c as u16, *h, &bold)?;
    }
    let mut r = 3u32;
    for sr in &run.scenarios {
        let Some((peak, rows)) = count_to_change(sr) else {
            continue;
        };
        let cohort = sr
            .scenario
            .baseline
            .as_ref()
            .map(|b| b.cohort.clone())
            .unwrap_or_default();
        for row in rows {
            ws.write_string(r, 0, &sr.scenario.id)?;
            ws.write_string(r, 1, &cohort)?;
            ws.write_string(r, 2, sr.scenario.year_label(peak))?;
            ws.write_string(r, 3, &row.agency)?;
            ws.write_number_with_format(r, 4, f(row.spend), &money)?;
            ws.write_number_with_format(r, 5, f(row.costs), &money)?;
            ws.write_number_with_format(r, 6, f(row.avoided), &money)?;
            // Change = costs - avoided, as a formula with its result cached.
            let fm = Formula::new(format!("=F{}-G{}", r + 1, r + 1))
                .set_result(f(row.change).to_string());
            ws.write_formula_with_format(r, 7, fm, &money)?;
            r += 1;
        }
    }
    ws.set_column_width(0, 26)?;
    for c in 1..8 {
        ws.set_column_width(c, 18)?;
    }
    // A bad track.toml or actuals file has already failed the pack (report stops there).
    let track = match run_track(run) {
        Ok(Some(t)) => t,
        _ => return Ok(()),
    };
    let ws = wb.add_worksheet();
    ws.set_name("Tracking")?;
    ws.write_string_with_format(0, 0, CAVEAT, &bold)?;
    let head = [
        "Scenario",
        "Partner",
        "Year",
        "Saving predicted",
        "Saving on actuals",
        "Mapped spend baseline",
        "Mapped spend year",
        "Change",
    ];
    for (c, h) in head.iter().enumerate() {
        ws.write_string_with_format(2, c as u16, *h, &bold)?;
    }
    let mut r = 3u32;
    for st in &track.scenarios {
        for row in agency_rows(&track, st) {
            ws.write_string(r, 0, &st.scenario.id)?;
            ws.write_string(r, 1, &row.agency)?;
            ws.write_string(r, 2, fy_label(row.year))?;
            for (c, v) in [
                (3u16, row.predicted_saving),
                (4, row.actual_saving),
                (5, row.baseline_spend),
                (6, row.spend),
            ] {
                if let Some(v) = v {
                    ws.write_number_with_format(r, c, f(v), &money)?;
                }
            }
            if let Some(ch) = row.spend_change() {
                let fm =
                    Formula::new(format!("=G{}-F{}", r + 1, r + 1)).set_result(f(ch).to_string());
                ws.write_formula_with_format(r, 7, fm, &money)?;
            }
            r += 1;
        }
    }
    ws.set_column_width(0, 26)?;
    for c in 1..8 {
        ws.set_column_width(c, 18)?;
    }
    Ok(())
}
