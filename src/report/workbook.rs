//! The results workbook (`results.xlsx`) a finance officer opens to check the sums.
//!
//! Per scenario: Summary, By agency, Cashflows, Asymmetry, Spend map, Monte Carlo (when a
//! simulation was run) and Assumptions. Money cells are numbers formatted `£#,##0` (pennies in
//! the Cashflows sheet), converted from the exact decimal model at the cell boundary only;
//! totals and derived figures are formulas (`=SUM(...)`, `=F5+G5`) whose cached results are
//! set from the model, so a reader that does not recalculate sees the same values. Document
//! properties are fixed (no timestamps), so the same inputs give a byte-identical file.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Formula, Workbook, Worksheet,
    XlsxError,
};

use super::simulation::NOT_RUN;
use super::{PlaceRun, ScenarioRun};
use crate::error::{col_letter, quote_sheet, Error, Result};
use crate::money::ROUNDING_RULE;
use crate::scenario::engine::{PartyResult, YearRow};
use crate::scenario::library::fy_label;
use crate::scenario::report::payback_text;
use crate::scenario::{Payback, Results, ValidatedScenario};

type X<T> = std::result::Result<T, XlsxError>;

/// Cell reference: (0-based row, col) → "B7".
fn cell(r: u32, c: u16) -> String {
    format!("{}{}", col_letter(c as u32), r + 1)
}

fn f(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

/// Formula result text as Excel stores it.
fn res(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

struct Fmt {
    title: Format,
    bold: Format,
    header: Format,
    note: Format,
    wrap: Format,
    money: Format,
    pennies: Format,
    pct: Format,
    ratio: Format,
    factor: Format,
    number: Format,
    total_label: Format,
    total_money: Format,
    total_pennies: Format,
    total_pct: Format,
    total_ratio: Format,
    warn: Format,
}

const MONEY: &str = "£#,##0;-£#,##0";
const PENNIES: &str = "£#,##0.00;-£#,##0.00";

impl Fmt {
    fn new() -> Fmt {
        let top = |f: Format| f.set_bold().set_border_top(FormatBorder::Thin);
        Fmt {
            title: Format::new().set_bold().set_font_size(14),
            bold: Format::new().set_bold(),
            header: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_border_bottom(FormatBorder::Thin)
                .set_align(FormatAlign::Top),
            note: Format::new().set_italic().set_font_color("#444444"),
            wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
            money: Format::new().set_num_format(MONEY),
            pennies: Format::new().set_num_format(PENNIES),
            pct: Format::new().set_num_format("0.0%"),
            ratio: Format::new().set_num_format("0.00"),
            factor: Format::new().set_num_format("0.000000"),
            number: Format::new().set_num_format("#,##0.######"),
            total_label: top(Format::new()),
            total_money: top(Format::new().set_num_format(MONEY)),
            total_pennies: top(Format::new().set_num_format(PENNIES)),
            total_pct: top(Format::new().set_num_format("0.0%")),
            total_ratio: top(Format::new().set_num_format("0.0000")),
            warn: Format::new().set_bold().set_font_color("#A0001C"),
        }
    }
}

fn new_workbook(title: &str, subject: &str) -> X<Workbook> {
    let mut wb = Workbook::new();
    let when = ExcelDateTime::from_ymd(2000, 1, 1)?;
    wb.set_properties(
        &DocProperties::new()
            .set_title(title)
            .set_subject(subject)
            .set_author("totalplace")
            .set_comment(format!(
                "Written by totalplace {}; money is exact decimal, rounded {ROUNDING_RULE} only when shown",
                env!("CARGO_PKG_VERSION")
            ))
            .set_creation_datetime(&when),
    );
    Ok(wb)
}

fn formula(ws: &mut Worksheet, r: u32, c: u16, text: &str, value: f64, fmt: &Format) -> X<()> {
    ws.write_formula_with_format(r, c, Formula::new(text).set_result(res(value)), fmt)?;
    Ok(())
}

fn headers(ws: &mut Worksheet, r: u32, names: &[&str], fm: &Fmt) -> X<()> {
    for (c, h) in names.iter().enumerate() {
        ws.write_string_with_format(r, c as u16, *h, &fm.header)?;
    }
    Ok(())
}

fn active(r: &Results) -> Vec<&PartyResult> {
    r.parties
        .iter()
        .filter(|p| !matches!(p.summary.payback, Some(Payback::NoFlows)))
        .collect()
}

fn title_block(ws: &mut Worksheet, lines: &[String], synthetic: bool, fm: &Fmt) -> X<u32> {
    let mut r = 0;
    for (i, l) in lines.iter().enumerate() {
        ws.write_string_with_format(r, 0, l, if i == 0 { &fm.title } else { &fm.note })?;
        r += 1;
    }
    if synthetic {
        ws.write_string_with_format(
            r,
            0,
            "SYNTHETIC: illustrative figures for a made-up place, not a real appraisal.",
            &fm.warn,
        )?;
        r += 1;
    }
    Ok(r + 1)
}

/// Row of each active party in the By agency sheet, and the totals row.
struct AgencyRows {
    first: u32,
    total: u32,
}

const BY_AGENCY: &str = "By agency";

fn by_agency(ws: &mut Worksheet, sc: &ValidatedScenario, r: &Results, fm: &Fmt) -> X<AgencyRows> {
    ws.set_name(BY_AGENCY)?;
    let h = 0;
    headers(
        ws,
        h,
        &[
            "Party",
            "Name",
            "Budget control",
            "PV costs",
            "PV cashable savings",
            "PV non-cashable avoidance",
            "PV benefits",
            "PV net transfers received",
            "NPV",
            "NPV (cashable)",
            "FROI",
            "Payback",
        ],
        fm,
    )?;
    ws.set_freeze_panes(1, 1)?;
    let parties = active(r);
    let first = h + 1;
    for (i, p) in parties.iter().enumerate() {
        let row = first + i as u32;
        let s = &p.summary;
        let mut id = p.id.clone();
        if p.external {
            id.push_str(" (external)");
        }
        ws.write_string(row, 0, &id)?;
        ws.write_string_with_format(row, 1, &p.name, &fm.wrap)?;
        let bc = if p.not_locally_cashable && !s.pv_benefits.is_zero() {
            format!("{} (not locally cashable)", p.budget_control)
        } else {
            p.budget_control.to_string()
        };
        ws.write_string(row, 2, &bc)?;
        ws.write_number_with_format(row, 3, f(s.pv_costs), &fm.money)?;
        ws.write_number_with_format(row, 4, f(s.pv_cashable), &fm.money)?;
        ws.write_number_with_format(row, 5, f(s.pv_non_cashable), &fm.money)?;
        formula(
            ws,
            row,
            6,
            &format!("={}+{}", cell(row, 4), cell(row, 5)),
            f(s.pv_benefits),
            &fm.money,
        )?;
        ws.write_number_with_format(row, 7, f(s.pv_transfers), &fm.money)?;
        formula(
            ws,
            row,
            8,
            &format!("={}-{}+{}", cell(row, 6), cell(row, 3), cell(row, 7)),
            f(s.npv),
            &fm.money,
        )?;
        formula(
            ws,
            row,
            9,
            &format!("={}-{}+{}", cell(row, 4), cell(row, 3), cell(row, 7)),
            f(s.npv_cashable),
            &fm.money,
        )?;
        match s.froi {
            Some(v) => formula(
                ws,
                row,
                10,
                &format!("={}/{}", cell(row, 6), cell(row, 3)),
                f(v),
                &fm.ratio,
            )?,
            None => {
                ws.write_string(row, 10, "none (no costs)")?;
            }
        }
        ws.write_string(row, 11, payback_text(s.payback))?;
    }
    let total = first + parties.len() as u32;
    let s = &r.system;
    ws.write_string_with_format(total, 0, "System (total)", &fm.total_label)?;
    ws.write_string_with_format(total, 1, "", &fm.total_label)?;
    ws.write_string_with_format(total, 2, "", &fm.total_label)?;
    let sums = [
        (3, s.pv_costs),
        (4, s.pv_cashable),
        (5, s.pv_non_cashable),
        (6, s.pv_benefits),
        (7, s.pv_transfers),
        (8, s.npv),
        (9, s.npv_cashable),
    ];
    for (c, v) in sums {
        formula(
            ws,
            total,
            c,
            &format!("=SUM({}:{})", cell(first, c), cell(total - 1, c)),
            f(v),
            &fm.total_money,
        )?;
    }
    match s.froi {
        Some(v) => formula(
            ws,
            total,
            10,
            &format!("={}/{}", cell(total, 6), cell(total, 3)),
            f(v),
            &fm.total_ratio,
        )?,
        None => {
            ws.write_string_with_format(total, 10, "none", &fm.total_label)?;
        }
    }
    ws.write_string_with_format(total, 11, payback_text(s.payback), &fm.total_label)?;
    ws.write_string_with_format(
        total + 2,
        0,
        format!(
            "Present values in {} prices; NPV = PV benefits − PV costs + PV net transfers; FROI = PV benefits ÷ PV costs; payback in years from the start of {}, interpolated within the year. Net transfers sum to zero over all parties (external payers included).",
            fy_label(sc.price_base),
            sc.year_label(0)
        ),
        &fm.note,
    )?;
    ws.set_column_width(0, 22)?;
    ws.set_column_width(1, 40)?;
    ws.set_column_width(2, 16)?;
    for c in 3..=9 {
        ws.set_column_width(c, 15)?;
    }
    ws.set_column_width(10, 8)?;
    ws.set_column_width(11, 18)?;
    Ok(AgencyRows { first, total })
}

fn cashflow_block(
    ws: &mut Worksheet,
    start: u32,
    label: &str,
    sc: &ValidatedScenario,
    rows: &[YearRow],
    fm: &Fmt,
) -> X<u32> {
    ws.write_string_with_format(start, 0, label, &fm.bold)?;
    let first = start + 1;
    let mut cum = Decimal::ZERO;
    for (t, y) in rows.iter().enumerate() {
        let r = first + t as u32;
        ws.write_string(r, 0, label)?;
        ws.write_number(r, 1, t as f64)?;
        ws.write_string(r, 2, sc.year_label(t))?;
        for k in 0..3 {
            ws.write_number_with_format(r, 3 + k as u16, f(y.costs_by_kind[k]), &fm.pennies)?;
        }
        formula(
            ws,
            r,
            6,
            &format!("=SUM({}:{})", cell(r, 3), cell(r, 5)),
            f(y.costs),
            &fm.pennies,
        )?;
        ws.write_number_with_format(r, 7, f(y.cashable), &fm.pennies)?;
        ws.write_number_with_format(r, 8, f(y.non_cashable), &fm.pennies)?;
        ws.write_number_with_format(r, 9, f(y.transfers), &fm.pennies)?;
        formula(
            ws,
            r,
            10,
            &format!(
                "={}+{}-{}+{}",
                cell(r, 7),
                cell(r, 8),
                cell(r, 6),
                cell(r, 9)
            ),
            f(y.net),
            &fm.pennies,
        )?;
        ws.write_number_with_format(r, 11, f(y.discount_factor), &fm.factor)?;
        formula(
            ws,
            r,
            12,
            &format!("={}*{}", cell(r, 10), cell(r, 11)),
            f(y.pv_net),
            &fm.pennies,
        )?;
        cum += y.pv_net;
        let c = if t == 0 {
            format!("={}", cell(r, 12))
        } else {
            format!("={}+{}", cell(r - 1, 13), cell(r, 12))
        };
        formula(ws, r, 13, &c, f(cum), &fm.pennies)?;
    }
    let total = first + rows.len() as u32;
    ws.write_string_with_format(total, 0, format!("{label} total"), &fm.total_label)?;
    for c in [1u16, 2, 11, 13] {
        ws.write_string_with_format(total, c, "", &fm.total_label)?;
    }
    let sum = |g: fn(&YearRow) -> Decimal| rows.iter().map(g).sum::<Decimal>();
    let cols: [(u16, Decimal); 9] = [
        (3, sum(|y| y.costs_by_kind[0])),
        (4, sum(|y| y.costs_by_kind[1])),
        (5, sum(|y| y.costs_by_kind[2])),
        (6, sum(|y| y.costs)),
        (7, sum(|y| y.cashable)),
        (8, sum(|y| y.non_cashable)),
        (9, sum(|y| y.transfers)),
        (10, sum(|y| y.net)),
        (12, sum(|y| y.pv_net)),
    ];
    for (c, v) in cols {
        formula(
            ws,
            total,
            c,
            &format!("=SUM({}:{})", cell(first, c), cell(total - 1, c)),
            f(v),
            &fm.total_pennies,
        )?;
    }
    Ok(total + 2)
}

fn cashflows(ws: &mut Worksheet, sc: &ValidatedScenario, r: &Results, fm: &Fmt) -> X<()> {
    ws.set_name("Cashflows")?;
    headers(
        ws,
        0,
        &[
            "Party",
            "Year",
            "Financial year",
            "Costs: revenue",
            "Costs: capital",
            "Costs: in-kind",
            "Costs",
            "Cashable savings",
            "Non-cashable avoidance",
            "Net transfers received",
            "Net",
            "Discount factor",
            "PV net",
            "Cumulative PV net",
        ],
        fm,
    )?;
    ws.set_freeze_panes(1, 0)?;
    let mut row = 2;
    row = cashflow_block(ws, row, "system", sc, &r.system_yearly, fm)?;
    for p in active(r) {
        row = cashflow_block(ws, row, &p.id, sc, &p.yearly, fm)?;
    }
    ws.write_string_with_format(
        row,
        0,
        "Undiscounted amounts by year (costs include the optimism-bias uplift; benefits the reduction); PV net = net × discount factor; each block's PV net total is that party's NPV on the By agency sheet.",
        &fm.note,
    )?;
    ws.set_column_width(0, 20)?;
    ws.set_column_width(1, 6)?;
    ws.set_column_width(2, 10)?;
    for c in 3..=13 {
        ws.set_column_width(c, 15)?;
    }
    ws.set_column_width(11, 11)?;
    Ok(())
}

fn asymmetry(ws: &mut Worksheet, r: &Results, fm: &Fmt) -> X<()> {
    ws.set_name("Asymmetry")?;
    headers(
        ws,
        0,
        &[
            "Party",
            "PV costs (C)",
            "PV benefits (B)",
            "PV cashable",
            "Cost share c",
            "Benefit share b",
            "Cashable share",
            "|b − c|",
            "|cashable share − c|",
            "Fair-share transfer, all fiscal benefits (ΣC × b − C)",
            "Fair-share transfer, cashable only",
            "Paid out under the scenario (PV)",
            "Budget control",
        ],
        fm,
    )?;
    ws.set_freeze_panes(1, 1)?;
    let parties = active(r);
    let first = 1u32;
    let total = first + parties.len() as u32;
    let s = &r.system;
    let tc = s.pv_costs;
    let (tb, tcb) = (s.pv_benefits, s.pv_cashable);
    let abs_sum = |g: &dyn Fn(&PartyResult) -> Option<Decimal>| -> Decimal {
        parties.iter().filter_map(|p| g(p)).sum()
    };
    for (i, p) in parties.iter().enumerate() {
        let row = first + i as u32;
        let ps = &p.summary;
        ws.write_string(row, 0, &p.id)?;
        ws.write_number_with_format(row, 1, f(ps.pv_costs), &fm.money)?;
        ws.write_number_with_format(row, 2, f(ps.pv_benefits), &fm.money)?;
        ws.write_number_with_format(row, 3, f(ps.pv_cashable), &fm.money)?;
        for (c, share, tot) in [
            (4u16, p.cost_share, 1u16),
            (5, p.benefit_share, 2),
            (6, p.cashable_share, 3),
        ] {
            match share {
                Some(v) => formula(
                    ws,
                    row,
                    c,
                    &format!(
                        "={}/{}${}",
                        cell(row, tot),
                        col_letter(tot as u32),
                        total + 1
                    ),
                    f(v),
                    &fm.pct,
                )?,
                None => {
                    ws.write_string(row, c, "n/a")?;
                }
            }
        }
        if let (Some(c), Some(b)) = (p.cost_share, p.benefit_share) {
            formula(
                ws,
                row,
                7,
                &format!("=ABS({}-{})", cell(row, 5), cell(row, 4)),
                f((b - c).abs()),
                &fm.pct,
            )?;
        }
        if let (Some(c), Some(b)) = (p.cost_share, p.cashable_share) {
            formula(
                ws,
                row,
                8,
                &format!("=ABS({}-{})", cell(row, 6), cell(row, 4)),
                f((b - c).abs()),
                &fm.pct,
            )?;
        }
        let abs_total = format!("{}${}", col_letter(1), total + 1);
        if let Some(v) = p.fair_share {
            formula(
                ws,
                row,
                9,
                &format!("={abs_total}*{}-{}", cell(row, 5), cell(row, 1)),
                f(v),
                &fm.money,
            )?;
        }
        if let Some(v) = p.fair_share_cashable {
            formula(
                ws,
                row,
                10,
                &format!("={abs_total}*{}-{}", cell(row, 6), cell(row, 1)),
                f(v),
                &fm.money,
            )?;
        }
        ws.write_number_with_format(row, 11, f(-ps.pv_transfers), &fm.money)?;
        ws.write_string(
            row,
            12,
            if p.not_locally_cashable {
                "central: not locally cashable"
            } else {
                p.budget_control
            },
        )?;
    }
    ws.write_string_with_format(total, 0, "Total", &fm.total_label)?;
    let sum = |c: u16| format!("=SUM({}:{})", cell(first, c), cell(total - 1, c));
    formula(ws, total, 1, &sum(1), f(tc), &fm.total_money)?;
    formula(ws, total, 2, &sum(2), f(tb), &fm.total_money)?;
    formula(ws, total, 3, &sum(3), f(tcb), &fm.total_money)?;
    let one = |x: Decimal| if x.is_zero() { 0.0 } else { 1.0 };
    formula(ws, total, 4, &sum(4), one(tc), &fm.total_pct)?;
    formula(ws, total, 5, &sum(5), one(tb), &fm.total_pct)?;
    formula(ws, total, 6, &sum(6), one(tcb), &fm.total_pct)?;
    let sbc = abs_sum(&|p| Some((p.benefit_share? - p.cost_share?).abs()));
    let scc = abs_sum(&|p| Some((p.cashable_share? - p.cost_share?).abs()));
    formula(ws, total, 7, &sum(7), f(sbc), &fm.total_pct)?;
    formula(ws, total, 8, &sum(8), f(scc), &fm.total_pct)?;
    formula(
        ws,
        total,
        9,
        &sum(9),
        f(abs_sum(&|p| p.fair_share)),
        &fm.total_money,
    )?;
    formula(
        ws,
        total,
        10,
        &sum(10),
        f(abs_sum(&|p| p.fair_share_cashable)),
        &fm.total_money,
    )?;
    formula(
        ws,
        total,
        11,
        &sum(11),
        f(abs_sum(&|p| Some(-p.summary.pv_transfers))),
        &fm.total_money,
    )?;
    ws.write_string_with_format(total, 12, "", &fm.total_label)?;
    let w = total + 2;
    ws.write_string_with_format(w, 0, "Wrong-pocket index W = ½ Σ |b − c|", &fm.bold)?;
    match r.wrong_pocket {
        Some(v) => formula(
            ws,
            w,
            1,
            &format!("=0.5*{}", cell(total, 7)),
            f(v),
            &fm.ratio,
        )?,
        None => {
            ws.write_string(w, 1, "n/a")?;
        }
    }
    ws.write_string_with_format(
        w + 1,
        0,
        "Wrong-pocket index on cashable benefits",
        &fm.bold,
    )?;
    match r.wrong_pocket_cashable {
        Some(v) => formula(
            ws,
            w + 1,
            1,
            &format!("=0.5*{}", cell(total, 8)),
            f(v),
            &fm.ratio,
        )?,
        None => {
            ws.write_string(w + 1, 1, "n/a")?;
        }
    }
    ws.write_string_with_format(
        w + 3,
        0,
        "Fair-share transfer: what each party would pay in (positive) or receive (negative) for every party to earn the system FROI, before the scenario's own transfers. Basis stated in each column: all fiscal benefits, or cashable savings only.",
        &fm.note,
    )?;
    ws.set_column_width(0, 38)?;
    for c in 1..=11 {
        ws.set_column_width(c, 15)?;
    }
    ws.set_column_width(9, 20)?;
    ws.set_column_width(10, 18)?;
    ws.set_column_width(12, 28)?;
    Ok(())
}

/// The spend map: agency × cohort with totals as formulas; cohorts with per-member spend.
fn spend_map(ws: &mut Worksheet, run: &PlaceRun, fm: &Fmt) -> X<()> {
    ws.set_name("Spend map")?;
    let place = &run.place;
    let map = &run.spend_map;
    let nc = place.cohorts.len() as u16;
    let mut names: Vec<String> = vec!["Agency".into()];
    names.extend(place.cohorts.iter().map(|c| c.id.clone()));
    names.extend([
        "Mapped to cohorts".to_string(),
        "Not cohort-specific".into(),
        "Ingested".into(),
        "Coverage".into(),
    ]);
    let refs: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
    headers(ws, 0, &refs, fm)?;
    ws.set_freeze_panes(1, 1)?;
    let first = 1u32;
    let total = first + place.agencies.len() as u32;
    let (cm, cn, ci, cc) = (1 + nc, 2 + nc, 3 + nc, 4 + nc);
    for (a, ag) in place.agencies.iter().enumerate() {
        let row = first + a as u32;
        let s = &map.agencies[a];
        ws.write_string(row, 0, &ag.id)?;
        for c in 0..place.cohorts.len() {
            ws.write_number_with_format(row, 1 + c as u16, f(map.agency_cohort(a, c)), &fm.money)?;
        }
        let sum = if nc > 0 {
            format!("=SUM({}:{})", cell(row, 1), cell(row, nc))
        } else {
            "=0".into()
        };
        formula(ws, row, cm, &sum, f(s.mapped), &fm.money)?;
        ws.write_number_with_format(row, cn, f(s.not_cohort_specific()), &fm.money)?;
        formula(
            ws,
            row,
            ci,
            &format!("={}+{}", cell(row, cm), cell(row, cn)),
            f(s.ingested),
            &fm.money,
        )?;
        match s.coverage_pct() {
            Some(v) => formula(
                ws,
                row,
                cc,
                &format!("={}/{}", cell(row, cm), cell(row, ci)),
                f(v / Decimal::ONE_HUNDRED),
                &fm.pct,
            )?,
            None => {
                ws.write_string(row, cc, "n/a")?;
            }
        }
    }
    ws.write_string_with_format(total, 0, "All agencies", &fm.total_label)?;
    for c in 1..=ci {
        let v = if c <= nc {
            map.cohort_total(c as usize - 1)
        } else if c == cm {
            map.total_mapped()
        } else if c == cn {
            map.agencies.iter().map(|a| a.not_cohort_specific()).sum()
        } else {
            map.total_ingested()
        };
        formula(
            ws,
            total,
            c,
            &format!("=SUM({}:{})", cell(first, c), cell(total - 1, c)),
            f(v),
            &fm.total_money,
        )?;
    }
    let ti = map.total_ingested();
    if ti.is_zero() {
        ws.write_string_with_format(total, cc, "n/a", &fm.total_label)?;
    } else {
        formula(
            ws,
            total,
            cc,
            &format!("={}/{}", cell(total, cm), cell(total, ci)),
            f(map.total_mapped() / ti),
            &fm.total_pct,
        )?;
    }
    // Cohorts.
    let h = total + 3;
    headers(
        ws,
        h,
        &[
            "Cohort",
            "Name",
            "Members",
            "Spend mapped",
            "Spend per member",
            "Size source",
        ],
        fm,
    )?;
    for (c, co) in place.cohorts.iter().enumerate() {
        let row = h + 1 + c as u32;
        ws.write_string(row, 0, &co.id)?;
        ws.write_string_with_format(row, 1, &co.name, &fm.wrap)?;
        ws.write_number(row, 2, co.size as f64)?;
        let t = map.cohort_total(c);
        formula(
            ws,
            row,
            3,
            &format!("={}", cell(total, 1 + c as u16)),
            f(t),
            &fm.money,
        )?;
        if co.size > 0 {
            formula(
                ws,
                row,
                4,
                &format!("={}/{}", cell(row, 3), cell(row, 2)),
                f(t / Decimal::from(co.size)),
                &fm.money,
            )?;
        }
        ws.write_string_with_format(row, 5, &co.size_source, &fm.wrap)?;
    }
    let n = h + 2 + place.cohorts.len() as u32;
    ws.write_string_with_format(
        n,
        0,
        format!(
            "£, {} budgets as ingested from each partner's files and mapped by {}; mapped + not cohort-specific = ingested for every agency.",
            place.info.financial_year, run.mapping.file
        ),
        &fm.note,
    )?;
    ws.set_column_width(0, 22)?;
    ws.set_column_width(1, 16)?;
    for c in 1..=cc {
        ws.set_column_width(c, 16)?;
    }
    ws.set_column_width(5.max(cc + 1), 16)?;
    Ok(())
}

fn monte_carlo(ws: &mut Worksheet, sr: &ScenarioRun, fm: &Fmt) -> X<()> {
    let Some(sim) = &sr.simulation else {
        return Ok(());
    };
    ws.set_name("Monte Carlo")?;
    ws.write_string_with_format(0, 0, "Monte Carlo simulation of NPV", &fm.title)?;
    let meta = [
        ("Iterations", sim.iterations.to_string()),
        ("Seed", sim.seed.to_string()),
        ("Generator", sim.generator.clone()),
    ];
    for (i, (k, v)) in meta.iter().enumerate() {
        ws.write_string_with_format(1 + i as u32, 0, *k, &fm.bold)?;
        ws.write_string(1 + i as u32, 1, v)?;
    }
    let h = 5;
    headers(
        ws,
        h,
        &["Party", "Mean NPV", "P5", "P50", "P95", "Chance NPV > 0"],
        fm,
    )?;
    for (i, g) in sim.ranges.iter().enumerate() {
        let r = h + 1 + i as u32;
        ws.write_string(r, 0, &g.id)?;
        for (c, v) in [g.mean, g.p5, g.p50, g.p95].iter().enumerate() {
            ws.write_number_with_format(r, 1 + c as u16, *v, &fm.money)?;
        }
        ws.write_number_with_format(r, 5, g.prob_positive, &fm.pct)?;
    }
    let mut r = h + 3 + sim.ranges.len() as u32;
    if !sim.tornado.is_empty() {
        headers(
            ws,
            r,
            &[
                "Input (one at a time)",
                "Low input",
                "High input",
                "System NPV at low",
                "System NPV at high",
                "Swing",
            ],
            fm,
        )?;
        for t in &sim.tornado {
            r += 1;
            ws.write_string(r, 0, &t.path)?;
            ws.write_string(r, 1, &t.low_input)?;
            ws.write_string(r, 2, &t.high_input)?;
            ws.write_number_with_format(r, 3, t.low, &fm.money)?;
            ws.write_number_with_format(r, 4, t.high, &fm.money)?;
            formula(
                ws,
                r,
                5,
                &format!("=ABS({}-{})", cell(r, 4), cell(r, 3)),
                (t.high - t.low).abs(),
                &fm.money,
            )?;
        }
        r += 2;
    }
    ws.write_string_with_format(r, 0, "Uncertain inputs and their distributions", &fm.bold)?;
    for i in &sim.inputs {
        r += 1;
        ws.write_string(r, 0, i)?;
    }
    ws.set_freeze_panes(h + 1, 1)?;
    ws.set_column_width(0, 34)?;
    for c in 1..=5 {
        ws.set_column_width(c, 16)?;
    }
    Ok(())
}

fn summary(
    ws: &mut Worksheet,
    run: &PlaceRun,
    sr: &ScenarioRun,
    rows: &AgencyRows,
    fm: &Fmt,
) -> X<()> {
    let sc = &sr.scenario;
    let r = &sr.results;
    ws.set_name("Summary")?;
    let top = title_block(
        ws,
        &[
            format!("{}: {}", run.place.info.name, sc.name),
            super::figures::units_line(sc),
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
    if let Some(v) = s.froi {
        line(
            ws,
            "FROI (benefit per £1 of cost)",
            &format!("={by}!{}/{by}!{}", cell(t, 6), cell(t, 3)),
            f(v),
            &fm.ratio,
            "PV benefits ÷ PV costs",
        )?;
    }
    if let Some(v) = s.froi_cashable {
        line(
            ws,
            "FROI on cashable savings",
            &format!("={by}!{}/{by}!{}", cell(t, 4), cell(t, 3)),
            f(v),
            &fm.ratio,
            "PV cashable ÷ PV costs",
        )?;
    }
    let asym = quote_sheet("Asymmetry");
    let wrow = 1 + active(r).len() as u32 + 2;
    if let Some(v) = r.wrong_pocket {
        line(
            ws,
            "Wrong-pocket index W",
            &format!("={asym}!{}", cell(wrow, 1)),
            f(v),
            &fm.ratio,
            "½ Σ |benefit share − cost share|, Asymmetry sheet",
        )?;
    }
    if let Some(v) = r.wrong_pocket_cashable {
        line(
            ws,
            "Wrong-pocket index, cashable",
            &format!("={asym}!{}", cell(wrow + 1, 1)),
            f(v),
            &fm.ratio,
            "on cashable savings",
        )?;
    }
    let _ = rows.first;
    let texts = [
        (
            "Payback (system)",
            payback_text(s.payback),
            "years from the start of year 0, interpolated within the year".to_string(),
        ),
        (
            "PV cashable in budgets held locally",
            crate::money::format_gbp0(r.pv_locally_cashable),
            "cashable savings to agencies whose budget control is not central".to_string(),
        ),
        (
            "Uncertainty",
            match &sr.simulation {
                Some(sim) => match sim.system() {
                    Some(g) => format!(
                        "90% of {} runs between {} and {} (seed {})",
                        sim.iterations,
                        crate::money::from_sheet_number(g.p5)
                            .map(crate::money::format_gbp0)
                            .unwrap_or_default(),
                        crate::money::from_sheet_number(g.p95)
                            .map(crate::money::format_gbp0)
                            .unwrap_or_default(),
                        sim.seed
                    ),
                    None => "simulated; no system range".into(),
                },
                None => "not simulated".into(),
            },
            if sr.simulation.is_some() {
                "Monte Carlo sheet".to_string()
            } else {
                NOT_RUN.to_string()
            },
        ),
        ("Scenario file", sc.file.clone(), String::new()),
        (
            "Case study",
            sc.case_study.clone().unwrap_or_default(),
            String::new(),
        ),
        (
            "Price base",
            fy_label(sc.price_base),
            "all money in these prices".into(),
        ),
        (
            "Years",
            format!("{} from {}", sc.horizon, sc.year_label(0)),
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
    ws.write_string_with_format(row, 0, "Sheets: By agency, Cashflows, Asymmetry, Spend map, Monte Carlo (when simulated), Assumptions. Totals are formulas; their cached values come from the exact decimal model.", &fm.note)?;
    ws.set_column_width(0, 38)?;
    ws.set_column_width(1, 22)?;
    ws.set_column_width(2, 60)?;
    Ok(())
}

fn assumptions(ws: &mut Worksheet, run: &PlaceRun, sr: Option<&ScenarioRun>, fm: &Fmt) -> X<()> {
    ws.set_name("Assumptions")?;
    ws.write_string_with_format(
        0,
        0,
        "Every input, with its source and price year",
        &fm.title,
    )?;
    ws.set_freeze_panes(1, 0)?;
    let mut r = 2u32;
    let section = |ws: &mut Worksheet, r: &mut u32, title: &str, cols: &[&str]| -> X<()> {
        ws.write_string_with_format(*r, 0, title, &fm.title)?;
        *r += 1;
        headers(ws, *r, cols, fm)?;
        *r += 1;
        Ok(())
    };
    if let Some(sr) = sr {
        let sc = &sr.scenario;
        section(
            ws,
            &mut r,
            "Unit costs used",
            &[
                "Id",
                "Name",
                "Value (£ per unit, price year)",
                "Unit",
                "Price year",
                "Deflator index, price base",
                "Deflator index, price year",
                "Value in price base",
                "Bearing role",
                "Default cashability",
                "Verified",
                "Source",
                "Defined in",
            ],
        )?;
        for (i, u) in sc.unit_costs.iter().enumerate() {
            let rebase = sc
                .outcomes
                .iter()
                .flat_map(|o| &o.flows)
                .find(|fl| fl.unit_cost == i)
                .map(|fl| fl.rebase)
                .unwrap_or((Decimal::ONE, Decimal::ONE));
            ws.write_string(r, 0, &u.id)?;
            ws.write_string_with_format(r, 1, &u.name, &fm.wrap)?;
            ws.write_number_with_format(r, 2, f(u.value), &fm.pennies)?;
            ws.write_string(r, 3, &u.unit)?;
            ws.write_string(r, 4, fy_label(u.price_year))?;
            ws.write_number_with_format(r, 5, f(rebase.0), &fm.number)?;
            ws.write_number_with_format(r, 6, f(rebase.1), &fm.number)?;
            formula(
                ws,
                r,
                7,
                &format!("={}*{}/{}", cell(r, 2), cell(r, 5), cell(r, 6)),
                f(u.value * rebase.0 / rebase.1),
                &fm.pennies,
            )?;
            ws.write_string(r, 8, &u.role)?;
            ws.write_number_with_format(r, 9, f(u.cashability), &fm.pct)?;
            ws.write_string(
                r,
                10,
                if u.verified {
                    "yes"
                } else {
                    "NO: check against the source"
                },
            )?;
            ws.write_string_with_format(r, 11, &u.source, &fm.wrap)?;
            ws.write_string(r, 12, &u.defined_in)?;
            r += 1;
        }
        r += 1;
        section(
            ws,
            &mut r,
            "Scenario parameters (every numeric assumption, as used)",
            &["Parameter", "Value", "Allowed range"],
        )?;
        for (spec, v) in sc.param_specs.iter().zip(&sr.params.values) {
            ws.write_string(r, 0, &spec.path)?;
            ws.write_number_with_format(r, 1, f(*v), &fm.number)?;
            ws.write_string(
                r,
                2,
                match spec.bound {
                    crate::scenario::Bound::Rate => "fraction 0..1",
                    crate::scenario::Bound::NonNegative => "zero or more",
                    crate::scenario::Bound::Positive => "more than zero",
                },
            )?;
            r += 1;
        }
        r += 1;
        section(
            ws,
            &mut r,
            "Discount factors",
            &["Year", "Financial year", "Discount factor"],
        )?;
        for (t, d) in sc.discount_factors.iter().enumerate() {
            ws.write_number(r, 0, t as f64)?;
            ws.write_string(r, 1, sc.year_label(t))?;
            ws.write_number_with_format(r, 2, f(*d), &fm.factor)?;
            r += 1;
        }
        r += 1;
    }
    let place = &run.place;
    section(
        ws,
        &mut r,
        "Cohort sizes (drivers of per-member spend)",
        &["Cohort", "Name", "Members", "Source"],
    )?;
    for c in &place.cohorts {
        ws.write_string(r, 0, &c.id)?;
        ws.write_string_with_format(r, 1, &c.name, &fm.wrap)?;
        ws.write_number(r, 2, c.size as f64)?;
        ws.write_string_with_format(r, 3, &c.size_source, &fm.wrap)?;
        r += 1;
    }
    r += 1;
    section(
        ws,
        &mut r,
        "Mapping drivers",
        &[
            "Driver",
            "Name",
            "Numerator",
            "Denominator",
            "Ratio",
            "Source",
        ],
    )?;
    for d in &run.mapping.drivers {
        ws.write_string(r, 0, &d.id)?;
        ws.write_string_with_format(r, 1, &d.name, &fm.wrap)?;
        ws.write_number_with_format(r, 2, f(d.numerator), &fm.number)?;
        ws.write_number_with_format(r, 3, f(d.denominator), &fm.number)?;
        formula(
            ws,
            r,
            4,
            &format!("={}/{}", cell(r, 2), cell(r, 3)),
            f(d.ratio()),
            &fm.factor,
        )?;
        let src = if d.synthetic {
            format!("SYNTHETIC: {}", d.source)
        } else {
            d.source.clone()
        };
        ws.write_string_with_format(r, 5, &src, &fm.wrap)?;
        r += 1;
    }
    r += 1;
    section(
        ws,
        &mut r,
        "Budget sources (as ingested)",
        &[
            "Source",
            "Agency",
            "File",
            "Sheet",
            "Lines",
            "Total ingested",
            "Control total",
            "Status",
        ],
    )?;
    for s in &run.ingest.reports {
        ws.write_string(r, 0, &s.source)?;
        ws.write_string(r, 1, &s.agency)?;
        ws.write_string(r, 2, &s.file)?;
        ws.write_string(r, 3, s.sheet.as_deref().unwrap_or(""))?;
        ws.write_number(r, 4, s.lines as f64)?;
        ws.write_number_with_format(r, 5, f(s.total), &fm.pennies)?;
        if let Some(c) = s.control_total {
            ws.write_number_with_format(r, 6, f(c), &fm.pennies)?;
        }
        ws.write_string(r, 7, s.status.label())?;
        r += 1;
    }
    r += 1;
    if let Some(sr) = sr {
        section(ws, &mut r, "Conventions", &["Convention", "Statement"])?;
        for (k, v) in crate::scenario::report::conventions(&sr.scenario) {
            ws.write_string(r, 0, &k)?;
            ws.write_string_with_format(r, 1, &v, &fm.wrap)?;
            r += 1;
        }
    }
    ws.set_column_width(0, 30)?;
    ws.set_column_width(1, 34)?;
    for c in 2..=10 {
        ws.set_column_width(c, 14)?;
    }
    ws.set_column_width(11, 50)?;
    ws.set_column_width(12, 24)?;
    Ok(())
}

fn xerr(e: XlsxError) -> Error {
    Error::Io {
        path: "results.xlsx".into(),
        message: e.to_string(),
    }
}

/// One scenario's workbook, as bytes.
pub fn scenario_workbook(run: &PlaceRun, sr: &ScenarioRun) -> Result<Vec<u8>> {
    let build = || -> X<Vec<u8>> {
        let fm = Fmt::new();
        let sc = &sr.scenario;
        let mut wb = new_workbook(
            &format!("{}: {}", run.place.info.name, sc.name),
            "totalplace results workbook",
        )?;
        let summary_ix = 0;
        wb.add_worksheet();
        let rows = by_agency(wb.add_worksheet(), sc, &sr.results, &fm)?;
        cashflows(wb.add_worksheet(), sc, &sr.results, &fm)?;
        asymmetry(wb.add_worksheet(), &sr.results, &fm)?;
        spend_map(wb.add_worksheet(), run, &fm)?;
        if sr.simulation.is_some() {
            monte_carlo(wb.add_worksheet(), sr, &fm)?;
        }
        assumptions(wb.add_worksheet(), run, Some(sr), &fm)?;
        summary(wb.worksheet_from_index(summary_ix)?, run, sr, &rows, &fm)?;
        wb.save_to_buffer()
    };
    build().map_err(xerr)
}

/// The place workbook: scenarios compared, the spend map, and the place's inputs.
pub fn place_workbook(run: &PlaceRun) -> Result<Vec<u8>> {
    let build = || -> X<Vec<u8>> {
        let fm = Fmt::new();
        let mut wb = new_workbook(
            &format!("{}: scenarios compared", run.place.info.name),
            "totalplace results workbook",
        )?;
        let ws = wb.add_worksheet();
        ws.set_name("Summary")?;
        let top = title_block(
            ws,
            &[
                format!("{}: scenarios compared", run.place.info.name),
                "Present values in each scenario's price base; money rounded half away from zero only when shown".into(),
            ],
            run.place.info.synthetic,
            &fm,
        )?;
        let pairs: Vec<_> = run
            .scenarios
            .iter()
            .map(|s| (&s.scenario, &s.results))
            .collect();
        let rows = crate::scenario::report::compare_rows(&pairs, false);
        let mut names = vec!["Measure".to_string()];
        names.extend(run.scenarios.iter().map(|s| s.scenario.id.clone()));
        let refs: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
        headers(ws, top, &refs, &fm)?;
        ws.set_freeze_panes(top + 1, 1)?;
        for (i, (label, cells)) in rows.iter().enumerate() {
            let r = top + 1 + i as u32;
            ws.write_string(r, 0, label)?;
            let money = label.contains("NPV") || label.starts_with("PV");
            for (j, v) in cells.iter().enumerate() {
                let c = 1 + j as u16;
                match v.parse::<f64>() {
                    Ok(x) if money => ws.write_number_with_format(r, c, x, &fm.money)?,
                    Ok(x) => ws.write_number_with_format(r, c, x, &fm.ratio)?,
                    Err(_) => ws.write_string(r, c, v)?,
                };
            }
        }
        ws.set_column_width(0, 30)?;
        for c in 1..=run.scenarios.len() as u16 {
            ws.set_column_width(c, 22)?;
        }
        spend_map(wb.add_worksheet(), run, &fm)?;
        assumptions(wb.add_worksheet(), run, None, &fm)?;
        crate::track::pack::workbook_sheets(&mut wb, run)?;
        wb.save_to_buffer()
    };
    build().map_err(xerr)
}
