//! The Assumptions sheet: unit costs used with their sources, cohort sizes, mapping drivers,
//! budget sources as ingested, and the conventions. The numbers a user may change are on the
//! Inputs sheet.

use rust_decimal::Decimal;
use rust_xlsxwriter::Worksheet;

use super::{cell, f, formula, headers, print_setup, Fmt, X};
use crate::report::{PlaceRun, ScenarioRun};
use crate::scenario::library::fy_label;

pub fn assumptions(
    ws: &mut Worksheet,
    run: &PlaceRun,
    sr: Option<&ScenarioRun>,
    fm: &Fmt,
) -> X<()> {
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
            super::wrap_row(ws, r, &[(1, &u.name, 34.0), (11, &u.source, 50.0)], fm)?;
            ws.write_string(r, 12, &u.defined_in)?;
            r += 1;
        }
        r += 1;
        ws.write_string_with_format(r, 0, "Every numeric assumption, as used, is on the Inputs sheet; the discount factors are on the Model sheet.", &fm.note)?;
        r += 2;
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

        ws.write_number(r, 2, c.size as f64)?;
        super::wrap_row(ws, r, &[(1, &c.name, 34.0), (3, &c.size_source, 14.0)], fm)?;
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
        super::wrap_row(ws, r, &[(1, &d.name, 34.0), (5, &src, 14.0)], fm)?;
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
            super::wrap_row(ws, r, &[(1, &v, 34.0)], fm)?;
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
    print_setup(ws, Some((0, 0)))?;
    Ok(())
}
