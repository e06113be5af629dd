//! The Asymmetry sheet: cost and benefit shares, the wrong-pocket index and fair-share
//! transfers, as formulas on the By agency sheet.

use rust_decimal::Decimal;
use rust_xlsxwriter::Worksheet;

use super::by_agency::{self, AgencyRows};
use super::{cell, f, formula, formula_text, headers, print_setup, sheet_cell, Fmt, BY_AGENCY, X};
use crate::error::col_letter;
use crate::scenario::engine::PartyResult;
use crate::scenario::{Results, ValidatedScenario};

/// Row of the wrong-pocket index W (its cashable twin is the next row), column B.
pub fn w_row(rows: &AgencyRows) -> u32 {
    1 + rows.parties.len() as u32 + 2
}

pub fn asymmetry(
    ws: &mut Worksheet,
    _sc: &ValidatedScenario,
    r: &Results,
    rows: &AgencyRows,
    fm: &Fmt,
) -> X<()> {
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
    let parties: Vec<&PartyResult> = rows.parties.iter().map(|(a, _)| &r.parties[*a]).collect();
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
        let br = rows.parties[i].1;
        let by = |c: u16| format!("={}", sheet_cell(BY_AGENCY, br, c));
        formula(
            ws,
            row,
            1,
            &by(by_agency::PV_COSTS),
            f(ps.pv_costs),
            &fm.money,
        )?;
        formula(
            ws,
            row,
            2,
            &by(by_agency::PV_BENEFITS),
            f(ps.pv_benefits),
            &fm.money,
        )?;
        formula(
            ws,
            row,
            3,
            &by(by_agency::PV_CASHABLE),
            f(ps.pv_cashable),
            &fm.money,
        )?;
        for (c, share, tot) in [
            (4u16, p.cost_share, 1u16),
            (5, p.benefit_share, 2),
            (6, p.cashable_share, 3),
        ] {
            // A formula even when the total is zero now, so that it moves when inputs do.
            let total_ref = format!("{}${}", col_letter(tot as u32), total + 1);
            let text = format!("=IF({total_ref}=0,\"n/a\",{}/{total_ref})", cell(row, tot));
            match share {
                Some(v) => formula(ws, row, c, &text, f(v), &fm.pct)?,
                None => formula_text(ws, row, c, &text, "n/a", &fm.pct)?,
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
        formula(
            ws,
            row,
            11,
            &format!("=-{}", sheet_cell(BY_AGENCY, br, by_agency::PV_TRANSFERS)),
            f(-ps.pv_transfers),
            &fm.money,
        )?;
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
    super::note(ws, w + 3, 12, 200.0, "Fair-share transfer: what each party would pay in (positive) or receive (negative) for every party to earn the system FROI, before the scenario's own transfers. Basis stated in each column: all fiscal benefits, or cashable savings only.", fm)?;
    ws.set_column_width(0, 38)?;
    for c in 1..=11 {
        ws.set_column_width(c, 15)?;
    }
    ws.set_column_width(9, 20)?;
    ws.set_column_width(10, 18)?;
    ws.set_column_width(12, 28)?;
    print_setup(ws, Some((0, 0)))?;
    Ok(())
}
