//! The Cashflows sheet: each party's (and the system's) yearly figures, years down the page,
//! every cell a link to the Model sheet; a payback column marks each year in which the
//! cumulative discounted net crosses into surplus, interpolated within the year as the engine
//! does (payback is the last of them when the horizon ends in surplus).

use rust_decimal::Decimal;
use rust_xlsxwriter::Worksheet;

use super::model::{ModelRefs, PartyRows};
use super::{cell, f, formula, formula_text, headers, involved, print_setup, Fmt, CASHFLOWS, X};
use crate::scenario::engine::{Results, YearRow};
use crate::scenario::ValidatedScenario;

/// Rows of a block: first and last year rows.
#[derive(Debug, Clone, Copy)]
pub struct Block {
    pub first: u32,
    pub last: u32,
}

pub struct Blocks {
    pub system: Block,
    /// (party index, block), in the order of the By agency sheet.
    pub parties: Vec<(usize, Block)>,
}

/// Columns.
pub const COSTS: u16 = 6;
pub const CASHABLE: u16 = 7;
pub const NON_CASHABLE: u16 = 8;
pub const TRANSFERS: u16 = 9;
pub const DISCOUNT: u16 = 11;
pub const CUMULATIVE: u16 = 13;
pub const PAYBACK: u16 = 14;

/// The crossing value for a row: t + (−cum_(t−1)) ÷ pv_net_t where the cumulative turns
/// non-negative from a deficit (0 when year 0 already is), as in the engine's payback.
fn crossing(rows: &[YearRow], t: usize) -> Option<Decimal> {
    let cum = rows[t].cumulative_pv_net;
    if cum < Decimal::ZERO {
        return None;
    }
    if t == 0 {
        return Some(Decimal::ZERO);
    }
    let prev = rows[t - 1].cumulative_pv_net;
    (prev < Decimal::ZERO).then(|| Decimal::from(t as u64) + (-prev) / rows[t].pv_net)
}

fn block(
    ws: &mut Worksheet,
    start: u32,
    label: &str,
    sc: &ValidatedScenario,
    rows: &[YearRow],
    (m, pr): (&ModelRefs, PartyRows),
    fm: &Fmt,
) -> X<(Block, u32)> {
    ws.write_string_with_format(start, 0, label, &fm.bold)?;
    let first = start + 1;
    for (t, y) in rows.iter().enumerate() {
        let r = first + t as u32;
        ws.write_string(r, 0, label)?;
        ws.write_number(r, 1, t as f64)?;
        ws.write_string(r, 2, sc.year_label(t))?;
        let links: [(u16, u32, Decimal); 11] = [
            (3, pr.kinds[0], y.costs_by_kind[0]),
            (4, pr.kinds[1], y.costs_by_kind[1]),
            (5, pr.kinds[2], y.costs_by_kind[2]),
            (COSTS, pr.costs, y.costs),
            (CASHABLE, pr.cashable, y.cashable),
            (NON_CASHABLE, pr.non_cashable, y.non_cashable),
            (TRANSFERS, pr.transfers, y.transfers),
            (10, pr.net, y.net),
            (DISCOUNT, m.discount, y.discount_factor),
            (12, pr.pv_net, y.pv_net),
            (13, pr.cum, y.cumulative_pv_net),
        ];
        for (c, mr, v) in links {
            let fmt = if c == DISCOUNT {
                &fm.factor
            } else {
                &fm.pennies
            };
            formula(ws, r, c, &format!("={}", m.at(mr, t)), f(v), fmt)?;
        }
        let text = if t == 0 {
            format!("=IF({}>=0,0,\"-\")", cell(r, 13))
        } else {
            format!(
                "=IF(AND({n}>=0,{p}<0),{t}+(-{p})/{pv},\"-\")",
                n = cell(r, 13),
                p = cell(r - 1, 13),
                pv = cell(r, 12)
            )
        };
        match crossing(rows, t) {
            Some(v) => formula(ws, r, PAYBACK, &text, f(v), &fm.ratio)?,
            None => formula_text(ws, r, PAYBACK, &text, "-", &fm.ratio)?,
        }
    }
    let total = first + rows.len() as u32;
    ws.write_string_with_format(total, 0, format!("{label} total"), &fm.total_label)?;
    for c in [1u16, 2, 11, 13, 14] {
        ws.write_string_with_format(total, c, "", &fm.total_label)?;
    }
    let sum = |g: fn(&YearRow) -> Decimal| rows.iter().map(g).sum::<Decimal>();
    let cols: [(u16, Decimal); 9] = [
        (3, sum(|y| y.costs_by_kind[0])),
        (4, sum(|y| y.costs_by_kind[1])),
        (5, sum(|y| y.costs_by_kind[2])),
        (COSTS, sum(|y| y.costs)),
        (CASHABLE, sum(|y| y.cashable)),
        (NON_CASHABLE, sum(|y| y.non_cashable)),
        (TRANSFERS, sum(|y| y.transfers)),
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
    Ok((
        Block {
            first,
            last: total - 1,
        },
        total + 2,
    ))
}

pub fn cashflows(
    ws: &mut Worksheet,
    sc: &ValidatedScenario,
    r: &Results,
    m: &ModelRefs,
    fm: &Fmt,
) -> X<Blocks> {
    ws.set_name(CASHFLOWS)?;
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
            "Crossing into surplus this year (years)",
        ],
        fm,
    )?;
    ws.set_freeze_panes(1, 0)?;
    let (system, mut row) = block(ws, 2, "system", sc, &r.system_yearly, (m, m.system), fm)?;
    let mut parties = Vec::new();
    for a in involved(sc) {
        let pr = m.parties[a].expect("involved parties have Model rows");
        let (b, next) = block(
            ws,
            row,
            &r.parties[a].id,
            sc,
            &r.parties[a].yearly,
            (m, pr),
            fm,
        )?;
        parties.push((a, b));
        row = next;
    }
    super::note(ws, row, 14, 200.0, "Links to the Model sheet. Undiscounted amounts by year (costs include the optimism-bias uplift; benefits the reduction); PV net = net × discount factor; each block's PV net total is that party's NPV on the By agency sheet.", fm)?;
    ws.set_column_width(0, 20)?;
    ws.set_column_width(1, 6)?;
    ws.set_column_width(2, 10)?;
    for c in 3..=13 {
        ws.set_column_width(c, 15)?;
    }
    ws.set_column_width(11, 11)?;
    ws.set_column_width(PAYBACK, 14)?;
    print_setup(ws, Some((0, 0)))?;
    Ok(Blocks { system, parties })
}
