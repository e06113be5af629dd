//! The Spend map sheet: agency × cohort with totals as formulas; cohorts with per-member spend.

use rust_decimal::Decimal;
use rust_xlsxwriter::Worksheet;

use super::{cell, f, formula, headers, print_setup, Fmt, X};
use crate::report::PlaceRun;

/// The spend map: agency × cohort with totals as formulas; cohorts with per-member spend.
pub fn spend_map(ws: &mut Worksheet, run: &PlaceRun, fm: &Fmt) -> X<()> {
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
        super::wrap_row(
            ws,
            row,
            &[(1, &co.name, 16.0), (5, &co.size_source, 16.0)],
            fm,
        )?;
    }
    let n = h + 2 + place.cohorts.len() as u32;
    super::note(ws, n, cc, 16.0 * f64::from(cc) + 22.0, &format!(
            "£, {} budgets as ingested from each partner's files and mapped by {}; mapped + not cohort-specific = ingested for every agency.",
            place.info.financial_year, run.mapping.file
        ), fm)?;
    ws.set_column_width(0, 22)?;
    ws.set_column_width(1, 16)?;
    for c in 1..=cc {
        ws.set_column_width(c, 16)?;
    }
    ws.set_column_width(5.max(cc + 1), 16)?;
    print_setup(ws, Some((0, 0)))?;
    Ok(())
}
