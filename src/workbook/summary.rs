//! The Summary sheet: the headline figures, every one a number with a format, linked to the
//! By agency and Asymmetry sheets (and the Monte Carlo sheet's values for the simulated range).

use rust_xlsxwriter::{Format, Worksheet};

use super::by_agency::AgencyRows;
use super::monte_carlo::McRefs;
use super::{cell, f, formula, formula_text, headers, print_setup, title_block, Fmt, BY_AGENCY, X};
use crate::error::quote_sheet;
use crate::report::simulation::NOT_RUN;
use crate::report::{PlaceRun, ScenarioRun};
use crate::scenario::library::fy_label;
use crate::scenario::report::payback_text;
use crate::scenario::Payback;

pub fn summary(
    ws: &mut Worksheet,
    run: &PlaceRun,
    sr: &ScenarioRun,
    rows: &AgencyRows,
    mc: McRefs,
    fm: &Fmt,
) -> X<()> {
    let sc = &sr.scenario;
    let r = &sr.results;
    ws.set_name("Summary")?;
    let top = title_block(
        ws,
        &[
            format!("{}: {}", run.place.info.name, sc.name),
            crate::report::figures::units_line(sc),
        ],
        sc.place_synthetic,
        fm,
    )?;
    headers(ws, top, &["Measure", "Value", "Where it comes from"], fm)?;
    ws.set_freeze_panes(top + 1, 0)?;
    let by = quote_sheet(BY_AGENCY);
    let t = rows.total;
    let s = &r.system;
    let mut row = top + 1;
    let mut line =
        |ws: &mut Worksheet, label: &str, text: &str, v: f64, fmt: &Format, note: &str| -> X<()> {
            ws.write_string(row, 0, label)?;
            formula(ws, row, 1, text, v, fmt)?;
            ws.write_string_with_format(row, 2, note, &fm.note)?;
            row += 1;
            Ok(())
        };
    let link = |c: u16| format!("={by}!{}", cell(t, c));
    line(
        ws,
        "PV costs",
        &link(3),
        f(s.pv_costs),
        &fm.money,
        "By agency, total row",
    )?;
    line(
        ws,
        "PV cashable savings",
        &link(4),
        f(s.pv_cashable),
        &fm.money,
        "By agency, total row",
    )?;
    line(
        ws,
        "PV non-cashable cost avoidance",
        &link(5),
        f(s.pv_non_cashable),
        &fm.money,
        "By agency, total row",
    )?;
    line(
        ws,
        "PV fiscal benefits",
        &link(6),
        f(s.pv_benefits),
        &fm.money,
        "cashable + non-cashable",
    )?;
    line(
        ws,
        "PV net transfers",
        &link(7),
        f(s.pv_transfers),
        &fm.money,
        "zero: transfers move money between parties",
    )?;
    line(
        ws,
        "System NPV",
        &link(8),
        f(s.npv),
        &fm.money,
        "benefits − costs + transfers",
    )?;
    line(
        ws,
        "System NPV, cashable savings only",
        &link(9),
        f(s.npv_cashable),
        &fm.money,
        "cashable − costs + transfers",
    )?;
    let froi = |ws: &mut Worksheet,
                row: u32,
                label: &str,
                num: u16,
                v: Option<rust_decimal::Decimal>,
                note: &str|
     -> X<()> {
        ws.write_string(row, 0, label)?;
        let text = format!(
            "=IF({by}!{c}=0,\"none (no costs)\",{by}!{n}/{by}!{c})",
            c = cell(t, 3),
            n = cell(t, num)
        );
        match v {
            Some(v) => formula(ws, row, 1, &text, f(v), &fm.ratio)?,
            None => formula_text(ws, row, 1, &text, "none (no costs)", &fm.ratio)?,
        }
        ws.write_string_with_format(row, 2, note, &fm.note)?;
        Ok(())
    };
    froi(
        ws,
        row,
        "FROI (benefit per £1 of cost)",
        6,
        s.froi,
        "PV benefits ÷ PV costs",
    )?;
    row += 1;
    froi(
        ws,
        row,
        "FROI on cashable savings",
        4,
        s.froi_cashable,
        "PV cashable ÷ PV costs",
    )?;
    row += 1;
    let asym = quote_sheet("Asymmetry");
    let wrow = super::asymmetry::w_row(rows);
    for (k, v, label, note) in [
        (
            0,
            r.wrong_pocket,
            "Wrong-pocket index W",
            "½ Σ |benefit share − cost share|, Asymmetry sheet",
        ),
        (
            1,
            r.wrong_pocket_cashable,
            "Wrong-pocket index, cashable",
            "on cashable savings",
        ),
    ] {
        ws.write_string(row, 0, label)?;
        match v {
            Some(v) => formula(
                ws,
                row,
                1,
                &format!("={asym}!{}", cell(wrow + k, 1)),
                f(v),
                &fm.ratio,
            )?,
            None => {
                ws.write_string(row, 1, "n/a")?;
            }
        }
        ws.write_string_with_format(row, 2, note, &fm.note)?;
        row += 1;
    }
    // Payback: the By agency total's formula (a number of years, or the engine's words).
    ws.write_string(row, 0, "Payback (system)")?;
    let pb = format!("={by}!{}", cell(t, super::by_agency::PAYBACK));
    match s.payback {
        Some(Payback::Within(y)) => formula(ws, row, 1, &pb, f(y), &fm.years)?,
        other => formula_text(ws, row, 1, &pb, &payback_text(other), &fm.years)?,
    }
    ws.write_string_with_format(
        row,
        2,
        "years from the start of year 0, interpolated within the year",
        &fm.note,
    )?;
    row += 1;
    // Locally cashable: PV cashable of the parties whose budget is not centrally controlled.
    let local: Vec<String> = rows
        .parties
        .iter()
        .filter(|(a, _)| !r.parties[*a].not_locally_cashable)
        .map(|(_, br)| format!("{by}!{}", cell(*br, super::by_agency::PV_CASHABLE)))
        .collect();
    let text = if local.is_empty() {
        "=0".to_string()
    } else {
        format!("={}", local.join("+"))
    };
    ws.write_string(row, 0, "PV cashable in budgets held locally")?;
    formula(ws, row, 1, &text, f(r.pv_locally_cashable), &fm.money)?;
    ws.write_string_with_format(
        row,
        2,
        "cashable savings to agencies whose budget control is not central",
        &fm.note,
    )?;
    row += 1;
    // The simulated range: values from the Monte Carlo sheet (not recalculated).
    match (
        &sr.simulation,
        mc,
        sr.simulation.as_ref().and_then(|s| s.system()),
    ) {
        (Some(sim), Some((mr, c5, c95)), Some(g)) => {
            let mcs = quote_sheet("Monte Carlo");
            let note = format!("Monte Carlo sheet: 90% of {} runs (seed {}) lie between these; values, not recalculated when an input changes", sim.iterations, sim.seed);
            ws.write_string(row, 0, "Simulated system NPV, 5th percentile")?;
            formula(
                ws,
                row,
                1,
                &format!("={mcs}!{}", cell(mr, c5)),
                g.p5,
                &fm.money,
            )?;
            ws.write_string_with_format(row, 2, &note, &fm.note)?;
            row += 1;
            ws.write_string(row, 0, "Simulated system NPV, 95th percentile")?;
            formula(
                ws,
                row,
                1,
                &format!("={mcs}!{}", cell(mr, c95)),
                g.p95,
                &fm.money,
            )?;
            ws.write_string_with_format(row, 2, &note, &fm.note)?;
            row += 1;
        }
        _ => {
            ws.write_string(row, 0, "Uncertainty")?;
            ws.write_string(row, 1, "not simulated")?;
            ws.write_string_with_format(row, 2, NOT_RUN, &fm.note)?;
            row += 1;
        }
    }
    ws.write_string(row, 0, "Horizon")?;
    ws.write_number_with_format(row, 1, sc.horizon as f64, &fm.horizon)?;
    ws.write_string_with_format(row, 2, "years appraised", &fm.note)?;
    row += 1;
    let texts = [
        (
            "Start year",
            sc.year_label(0),
            "year 0 (undiscounted)".to_string(),
        ),
        (
            "Price base",
            fy_label(sc.price_base),
            "all money in these prices".into(),
        ),
        ("Scenario file", sc.file.clone(), String::new()),
        (
            "Case study",
            sc.case_study.clone().unwrap_or_default(),
            String::new(),
        ),
    ];
    for (k, v, n) in texts {
        ws.write_string(row, 0, k)?;
        ws.write_string(row, 1, &v)?;
        ws.write_string_with_format(row, 2, &n, &fm.note)?;
        row += 1;
    }
    row += 1;
    super::note(ws, row, 2, 120.0, "Change an assumption on the Inputs sheet: Model, Cashflows, By agency, Asymmetry and this sheet recompute (the Monte Carlo sheet holds values). Cached results are the engine's exact decimal values.", fm)?;
    ws.set_column_width(0, 38)?;
    ws.set_column_width(1, 22)?;
    ws.set_column_width(2, 60)?;
    print_setup(ws, Some((top, top)))?;
    Ok(())
}
