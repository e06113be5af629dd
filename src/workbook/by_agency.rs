//! The By agency sheet: who pays and who gains, each present value a formula on the
//! Cashflows sheet (Σ yearly amount × discount factor), NPV, FROI and payback from those.

use rust_xlsxwriter::Worksheet;

use super::cashflows::{self, Block, Blocks};
use super::{
    cell, f, formula, formula_text, headers, print_setup, sheet_range, Fmt, BY_AGENCY, CASHFLOWS, X,
};
use crate::scenario::engine::Summary;
use crate::scenario::library::fy_label;
use crate::scenario::report::payback_text;
use crate::scenario::{Payback, Results, ValidatedScenario};

/// Rows of the By agency sheet: the parties (index, row) and the totals.
pub struct AgencyRows {
    pub parties: Vec<(usize, u32)>,
    pub total: u32,
}

/// Columns.
pub const PV_COSTS: u16 = 3;
pub const PV_CASHABLE: u16 = 4;
pub const PV_BENEFITS: u16 = 6;
pub const PV_TRANSFERS: u16 = 7;
pub const NPV: u16 = 8;
pub const PAYBACK: u16 = 11;

fn pv(b: Block, c: u16) -> String {
    format!(
        "SUMPRODUCT({},{})",
        sheet_range(CASHFLOWS, b.first, b.last, c),
        sheet_range(CASHFLOWS, b.first, b.last, cashflows::DISCOUNT)
    )
}

/// Payback from a Cashflows block, as the engine defines it: "n/a" with no flows at all; "not
/// within horizon" when the cumulative ends in deficit; else the last crossing into surplus
/// (the crossings column holds every year's crossing, in increasing order; 0 for year 0 when
/// it starts in surplus).
fn payback_formula(b: Block) -> String {
    let rng = |c: u16| sheet_range(CASHFLOWS, b.first, b.last, c);
    let any = [
        cashflows::COSTS,
        cashflows::CASHABLE,
        cashflows::NON_CASHABLE,
        cashflows::TRANSFERS,
    ]
    .iter()
    .map(|c| format!("COUNTIF({},\"<>0\")", rng(*c)))
    .collect::<Vec<_>>()
    .join("+");
    let p = rng(cashflows::PAYBACK);
    let last = format!(
        "{}!{}",
        crate::error::quote_sheet(CASHFLOWS),
        cell(b.last, cashflows::CUMULATIVE)
    );
    format!("=IF({any}=0,\"n/a\",IF({last}<0,\"not within horizon\",MAX({p})))")
}

fn write_payback(
    ws: &mut Worksheet,
    r: u32,
    b: Block,
    pb: Option<Payback>,
    fmt: &rust_xlsxwriter::Format,
) -> X<()> {
    let text = payback_formula(b);
    match pb {
        Some(Payback::Within(y)) => formula(ws, r, PAYBACK, &text, f(y), fmt),
        other => formula_text(ws, r, PAYBACK, &text, &payback_text(other), fmt),
    }
}

fn figures(
    ws: &mut Worksheet,
    row: u32,
    b: Block,
    s: &Summary,
    money: &rust_xlsxwriter::Format,
    ratio: &rust_xlsxwriter::Format,
) -> X<()> {
    formula(
        ws,
        row,
        PV_COSTS,
        &format!("={}", pv(b, cashflows::COSTS)),
        f(s.pv_costs),
        money,
    )?;
    formula(
        ws,
        row,
        PV_CASHABLE,
        &format!("={}", pv(b, cashflows::CASHABLE)),
        f(s.pv_cashable),
        money,
    )?;
    formula(
        ws,
        row,
        5,
        &format!("={}", pv(b, cashflows::NON_CASHABLE)),
        f(s.pv_non_cashable),
        money,
    )?;
    formula(
        ws,
        row,
        PV_BENEFITS,
        &format!("={}+{}", cell(row, 4), cell(row, 5)),
        f(s.pv_benefits),
        money,
    )?;
    formula(
        ws,
        row,
        PV_TRANSFERS,
        &format!("={}", pv(b, cashflows::TRANSFERS)),
        f(s.pv_transfers),
        money,
    )?;
    formula(
        ws,
        row,
        NPV,
        &format!("={}-{}+{}", cell(row, 6), cell(row, 3), cell(row, 7)),
        f(s.npv),
        money,
    )?;
    formula(
        ws,
        row,
        9,
        &format!("={}-{}+{}", cell(row, 4), cell(row, 3), cell(row, 7)),
        f(s.npv_cashable),
        money,
    )?;
    let text = format!(
        "=IF({c}=0,\"none (no costs)\",{b}/{c})",
        c = cell(row, 3),
        b = cell(row, 6)
    );
    match s.froi {
        Some(v) => formula(ws, row, 10, &text, f(v), ratio),
        None => formula_text(ws, row, 10, &text, "none (no costs)", ratio),
    }
}

pub fn by_agency(
    ws: &mut Worksheet,
    sc: &ValidatedScenario,
    r: &Results,
    blocks: &Blocks,
    fm: &Fmt,
) -> X<AgencyRows> {
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
    let first = h + 1;
    let mut parties = Vec::new();
    for (i, (a, b)) in blocks.parties.iter().enumerate() {
        let row = first + i as u32;
        let p = &r.parties[*a];
        let s = &p.summary;
        let mut id = p.id.clone();
        if p.external {
            id.push_str(" (external)");
        }
        ws.write_string(row, 0, &id)?;
        super::wrap_row(ws, row, &[(1, &p.name, 40.0)], fm)?;
        let bc = if p.not_locally_cashable {
            format!("{} (not locally cashable)", p.budget_control)
        } else {
            p.budget_control.to_string()
        };
        ws.write_string(row, 2, &bc)?;
        figures(ws, row, *b, s, &fm.money, &fm.ratio)?;
        write_payback(ws, row, *b, s.payback, &fm.years)?;
        parties.push((*a, row));
    }
    let total = first + blocks.parties.len() as u32;
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
    let text = format!(
        "=IF({c}=0,\"none\",{b}/{c})",
        c = cell(total, 3),
        b = cell(total, 6)
    );
    match s.froi {
        Some(v) => formula(ws, total, 10, &text, f(v), &fm.total_ratio)?,
        None => formula_text(ws, total, 10, &text, "none", &fm.total_ratio)?,
    }
    write_payback(ws, total, blocks.system, s.payback, &fm.total_years)?;
    super::note(ws, total + 2, 11, 200.0, &format!(
            "Present values in {} prices: Σ yearly amount × discount factor on the Cashflows sheet; NPV = PV benefits − PV costs + PV net transfers; FROI = PV benefits ÷ PV costs; payback in years from the start of {}, interpolated within the year. Net transfers sum to zero over all parties (external payers included).",
            fy_label(sc.price_base),
            sc.year_label(0)
        ), fm)?;
    ws.set_column_width(0, 22)?;
    ws.set_column_width(1, 40)?;
    ws.set_column_width(2, 16)?;
    for c in 3..=9 {
        ws.set_column_width(c, 15)?;
    }
    ws.set_column_width(10, 15)?;
    ws.set_column_width(11, 18)?;
    print_setup(ws, Some((0, 0)))?;
    Ok(AgencyRows { parties, total })
}
