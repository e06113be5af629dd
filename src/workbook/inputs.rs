//! The Inputs sheet: every numeric assumption of the scenario, one row each, under the path
//! `totalplace run --set` uses, with its unit, allowed range, the value in the files and its
//! source. The Value column is what the Model sheet reads: type over a yellow cell and the
//! workbook recomputes. A few inputs follow another by default (a flow's cashability follows
//! its agency's `agency_cashability` or its unit cost's; a PbR result lag follows the
//! outcome's lag), exactly as the scenario loader defaults them: those cells hold a formula
//! until a value is typed in.

use rust_decimal::Decimal;
use rust_xlsxwriter::Worksheet;

use super::{formula, headers, print_setup, sheet_cell, Fmt, INPUTS, X};
use crate::scenario::discount::green_book_bands;
use crate::scenario::library::fy_label;
use crate::scenario::{
    Bound, CashabilityFrom, DiscountSchedule, Params, TransferKind, ValidatedScenario, P,
};

/// Where the Model sheet finds each input (absolute references on the Inputs sheet).
pub struct InputRefs {
    /// Per parameter ([`P`]).
    pub param: Vec<String>,
    /// Per outcome: lag and duration (duration blank: the outcome lasts to the horizon).
    pub lag: Vec<String>,
    pub duration: Vec<String>,
    /// Per transfer: the PbR result lag.
    pub result_lag: Vec<Option<String>>,
    /// Blank: the Green Book schedule; a number: one flat rate.
    pub discount_rate: String,
    /// Per outcome, per flow: deflator index of the price base and of the unit cost's price
    /// year, when they differ.
    pub deflators: Vec<Vec<Option<(String, String)>>>,
}

const VALUE: u16 = 1;

/// What a parameter is: unit and source, from the scenario's structure.
fn describe(sc: &ValidatedScenario) -> Vec<(String, String)> {
    let n = sc.param_specs.len();
    let mut d: Vec<(String, String)> = vec![(String::new(), sc.file.clone()); n];
    let file = &sc.file;
    let mut set = |p: P, unit: String, source: String| d[p] = (unit, source);
    for g in 1..=6 {
        if let Some(p) = sc.param_index(&format!("optimism_bias.grade.{g}")) {
            set(
                p,
                format!("fraction of benefits removed, evidence grade {g}"),
                format!("{file} (default: New Economy / GMCA CBA confidence grades)"),
            );
        }
    }
    for g in 1..=6 {
        if let Some(p) = sc.param_index(&format!("optimism_bias.cost_grade.{g}")) {
            set(
                p,
                format!("fraction added to costs of confidence grade {g}"),
                format!("{file} ([optimism_bias.cost_grades])"),
            );
        }
    }
    if let Some(cp) = &sc.prices {
        if let Some(i) = cp.inflation {
            set(
                i,
                format!(
                    "yearly GDP-deflator growth assumed after {} (cash prices)",
                    fy_label(cp.last_year)
                ),
                cp.inflation_source
                    .clone()
                    .map_or(file.clone(), |s| format!("{file}: {s}")),
            );
        }
    }
    if let Some(p) = sc.param_index("optimism_bias.costs") {
        set(p, "fraction added to every cost".into(), file.clone());
    }
    for c in &sc.costs {
        for (i, &p) in c.amounts.iter().enumerate() {
            let t = c.from_year + i;
            set(
                p,
                format!(
                    "{} in year {t} ({}), {} cost to {}, before optimism bias",
                    if c.cash {
                        "cash £ (that year's prices)"
                    } else {
                        "£"
                    },
                    sc.year_label(t),
                    c.kind.as_str(),
                    sc.parties[c.party].id
                ),
                c.note
                    .clone()
                    .map_or(file.clone(), |n| format!("{file}: {n}")),
            );
        }
        if sc.param_specs[c.optimism_bias].path.starts_with("cost.") {
            set(
                c.optimism_bias,
                "fraction added to this cost".into(),
                file.clone(),
            );
        }
    }
    for o in &sc.outcomes {
        let src = o
            .note
            .clone()
            .map_or(file.clone(), |n| format!("{file}: {n}"));
        if o.participants_by_intake.is_empty() {
            set(o.participants, "people per intake".into(), src.clone());
        }
        for (i, &pp) in o.participants_by_intake.iter().enumerate() {
            let y = o.intake_start + i;
            set(
                pp,
                format!("people in the year-{y} intake ({})", sc.year_label(y)),
                src.clone(),
            );
        }
        for (j, &r) in o.ramp_up.iter().enumerate() {
            set(
                r,
                format!(
                    "fraction of the full effect in year {} of each intake's benefits (ramp-up)",
                    j + 1
                ),
                src.clone(),
            );
        }
        set(
            o.engagement,
            "fraction of participants engaged".into(),
            src.clone(),
        );
        set(
            o.success,
            "fraction of the engaged achieving the outcome".into(),
            src.clone(),
        );
        set(
            o.deadweight,
            "fraction that would have happened anyway".into(),
            src.clone(),
        );
        set(
            o.drop_off,
            "fraction lost each year after the first".into(),
            src.clone(),
        );
        set(
            o.attribution,
            "fraction of the additional outcome due to this intervention (default 1)".into(),
            src.clone(),
        );
        set(
            o.displacement,
            "fraction of the additional outcome cancelled by a loss elsewhere (default 0)".into(),
            src.clone(),
        );
        set(
            o.leakage,
            "fraction of the additional outcome benefiting people outside the place (default 0)"
                .into(),
            src.clone(),
        );
        if sc.param_specs[o.optimism_bias].path.starts_with("outcome.") {
            set(
                o.optimism_bias,
                "fraction of benefits removed".into(),
                src.clone(),
            );
        }
        for fl in &o.flows {
            let u = &sc.unit_costs[fl.unit_cost];
            let fsrc = fl
                .note
                .clone()
                .map_or(file.clone(), |n| format!("{file}: {n}"));
            set(
                fl.quantity,
                format!("{} per achieving person a year", u.unit),
                fsrc.clone(),
            );
            set(
                fl.cashability,
                "fraction of the benefit that is cashable".into(),
                match fl.cashability_from {
                    CashabilityFrom::Flow => fsrc.clone(),
                    CashabilityFrom::Agency | CashabilityFrom::UnitCost => format!(
                        "follows agency_cashability.{} if set, else unit_cost.{}.cashability (both below), unless a value is typed here",
                        sc.parties[fl.party].id, u.id
                    ),
                },
            );
            if let Some(s) = fl.step {
                set(
                    s,
                    format!("{} per whole cashable step", u.unit),
                    fsrc.clone(),
                );
            }
            if let Some(s) = fl.step_value {
                set(
                    s,
                    format!(
                        "£ a year released per whole step, {} prices (price base)",
                        fy_label(sc.price_base)
                    ),
                    fsrc.clone(),
                );
            }
            let verified = if u.verified { "" } else { " (NOT VERIFIED)" };
            set(
                fl.value,
                format!("£ per {}, {} prices", u.unit, fy_label(u.price_year)),
                format!("{}{verified}; {}", u.source, u.defined_in),
            );
        }
    }
    for t in &sc.transfers {
        let src = t
            .note
            .clone()
            .map_or(file.clone(), |n| format!("{file}: {n}"));
        let (from, to) = (&sc.parties[t.from].id, &sc.parties[t.to].id);
        // Cash prices: in each payment year's own pounds (converted on the Model sheet).
        let money = if t.cash { "cash £" } else { "£" };
        match &t.kind {
            TransferKind::Fixed {
                from_year, amounts, ..
            } => {
                for (i, &p) in amounts.iter().enumerate() {
                    let y = from_year + i;
                    set(
                        p,
                        format!(
                            "{money} {from} pays {to} in year {y} ({})",
                            sc.year_label(y)
                        ),
                        src.clone(),
                    );
                }
            }
            TransferKind::Pbr {
                amount,
                attachment_share,
                attachment_by_intake,
                cap,
                outcome,
                ..
            } => {
                set(
                    *amount,
                    format!("{money} {from} pays {to} per engaged participant at most"),
                    src.clone(),
                );
                set(
                    *attachment_share,
                    "fraction paid on engagement (the rest on results)".into(),
                    src.clone(),
                );
                let start = sc.outcomes[*outcome].intake_start;
                for (i, &a) in attachment_by_intake.iter().enumerate() {
                    let y = start + i;
                    set(
                        a,
                        format!(
                            "fraction paid on engagement for the year-{y} intake ({}; the rest on results)",
                            sc.year_label(y)
                        ),
                        src.clone(),
                    );
                }
                if let Some(c) = cap {
                    set(
                        *c,
                        format!(
                            "{money} {from} pays {to} in all at most (fees + results − claw-backs)"
                        ),
                        src.clone(),
                    );
                }
            }
            TransferKind::PerUnit {
                outcome,
                flow,
                amount,
            } => {
                let u = &sc.unit_costs[sc.outcomes[*outcome].flows[*flow].unit_cost];
                set(
                    *amount,
                    format!("{money} {from} pays {to} per {} of the flow", u.unit),
                    src.clone(),
                );
            }
            TransferKind::GainShare {
                share,
                cashable_basis,
            } => {
                set(
                    *share,
                    format!(
                        "fraction of {from}'s positive yearly net gain ({} basis) paid to {to}",
                        if *cashable_basis {
                            "cashable"
                        } else {
                            "all benefits"
                        }
                    ),
                    src.clone(),
                );
            }
        }
    }
    d
}

fn bound_text(b: Bound) -> &'static str {
    match b {
        Bound::Rate => "fraction 0..1",
        Bound::NonNegative => "zero or more",
        Bound::Positive => "more than zero",
    }
}

pub fn inputs(
    ws: &mut Worksheet,
    sc: &ValidatedScenario,
    params: &Params,
    fm: &Fmt,
) -> X<InputRefs> {
    ws.set_name(INPUTS)?;
    ws.write_string_with_format(0, 0, "Inputs: every numeric assumption", &fm.title)?;
    super::note(ws, 1, 5, 190.0, "Type over a yellow Value cell and the Model, Cashflows, By agency and Summary sheets recompute. Paths are those of `totalplace run --set PATH=VALUE`; fractions as decimals (0.25 for 25%).", fm)?;
    let head = 3;
    headers(
        ws,
        head,
        &[
            "Path (--set)",
            "Value",
            "Unit",
            "Allowed range",
            "Value in the files",
            "Source",
        ],
        fm,
    )?;
    ws.set_freeze_panes(head + 1, 1)?;
    let desc = describe(sc);
    let mut r = head + 1;
    let at = |r: u32| sheet_cell(INPUTS, r, VALUE);
    let is_rate = |b: Bound| b == Bound::Rate;

    // Where the default-following inputs will be, so their formulas can point there: the
    // parameters first, then the structural inputs in a fixed order.
    let n = sc.param_specs.len() as u32;
    let section2 = r + n + 1; // a heading row between the two sections
    let mut next = section2 + 1;
    let place = |k: &mut u32| {
        let x = *k;
        *k += 1;
        x
    };
    let lag_rows: Vec<u32> = sc.outcomes.iter().map(|_| place(&mut next)).collect();
    let dur_rows: Vec<u32> = sc.outcomes.iter().map(|_| place(&mut next)).collect();
    let rl_rows: Vec<Option<u32>> = sc
        .transfers
        .iter()
        .map(|t| matches!(t.kind, TransferKind::Pbr { .. }).then(|| place(&mut next)))
        .collect();
    let rate_row = place(&mut next);
    // agency_cashability for every party the scenario involves: blank where the file sets none.
    let agency_rows: Vec<(usize, u32)> = super::involved(sc)
        .into_iter()
        .map(|a| (a, place(&mut next)))
        .collect();
    let uc_cash_rows: Vec<u32> = sc.unit_costs.iter().map(|_| place(&mut next)).collect();
    // Deflator indices: the price base, then each price year a unit cost needs.
    let mut years: Vec<i32> = Vec::new();
    for o in &sc.outcomes {
        for fl in &o.flows {
            let py = sc.unit_costs[fl.unit_cost].price_year;
            if py != sc.price_base && !years.contains(&py) {
                years.push(py);
            }
        }
    }
    years.sort();
    let base_row = (!years.is_empty()).then(|| place(&mut next));
    let year_rows: Vec<(i32, u32)> = years.iter().map(|y| (*y, place(&mut next))).collect();

    // Parameters.
    for (i, spec) in sc.param_specs.iter().enumerate() {
        let v = params.values[i];
        ws.write_string(r, 0, &spec.path)?;
        let fmt = if is_rate(spec.bound) {
            &fm.input_pct
        } else {
            &fm.input
        };
        // A flow cashability that follows a default is a formula until typed over.
        let follows = sc
            .outcomes
            .iter()
            .flat_map(|o| &o.flows)
            .find(|fl| fl.cashability == i);
        match follows.filter(|fl| fl.cashability_from != CashabilityFrom::Flow) {
            Some(fl) => {
                let agency = agency_rows
                    .iter()
                    .find(|(a, _)| *a == fl.party)
                    .map(|x| at(x.1));
                let unit = at(uc_cash_rows[fl.unit_cost]);
                let text = match agency {
                    Some(ag) => format!("=IF(ISNUMBER({ag}),{ag},{unit})"),
                    None => format!("={unit}"),
                };
                formula(ws, r, VALUE, &text, super::f(v), fmt)?;
            }
            None => {
                ws.write_number_with_format(r, VALUE, super::f(v), fmt)?;
            }
        }
        ws.write_string(r, 3, bound_text(spec.bound))?;
        let base = sc.defaults.values[i];
        ws.write_number_with_format(
            r,
            4,
            super::f(base),
            if is_rate(spec.bound) {
                &fm.pct
            } else {
                &fm.number
            },
        )?;
        super::wrap_row(ws, r, &[(2, &desc[i].0, 40.0), (5, &desc[i].1, 60.0)], fm)?;
        r += 1;
    }

    // Structural inputs that the Model also reads live.
    ws.write_string_with_format(
        section2,
        0,
        "Timing, discounting, default cashability and price indices (also live)",
        &fm.bold,
    )?;
    let row_text =
        |ws: &mut Worksheet, r: u32, path: &str, unit: &str, range: &str, src: &str| -> X<()> {
            ws.write_string(r, 0, path)?;
            ws.write_string(r, 3, range)?;
            super::wrap_row(ws, r, &[(2, unit, 40.0), (5, src, 60.0)], fm)?;
            Ok(())
        };
    let int = |ws: &mut Worksheet, r: u32, v: usize| -> X<()> {
        ws.write_number_with_format(r, VALUE, v as f64, &fm.input)?;
        ws.write_number_with_format(r, 4, v as f64, &fm.number)?;
        Ok(())
    };
    let mut lag = Vec::new();
    let mut duration = Vec::new();
    for (i, o) in sc.outcomes.iter().enumerate() {
        let rr = lag_rows[i];
        row_text(
            ws,
            rr,
            &format!("outcome.{}.lag", o.id),
            "whole years from intake to first benefit",
            "0 or more, whole years",
            &sc.file,
        )?;
        int(ws, rr, o.lag)?;
        lag.push(at(rr));
        let rr = dur_rows[i];
        row_text(
            ws,
            rr,
            &format!("outcome.{}.duration", o.id),
            "whole years a benefit lasts (blank: to the horizon)",
            "1 or more, whole years, or blank",
            &sc.file,
        )?;
        match o.duration {
            Some(d) => int(ws, rr, d)?,
            None => {
                ws.write_blank(rr, VALUE, &fm.input)?;
                ws.write_string(rr, 4, "none")?;
            }
        }
        duration.push(at(rr));
    }
    let mut result_lag = Vec::new();
    for (i, t) in sc.transfers.iter().enumerate() {
        let (
            Some(rr),
            TransferKind::Pbr {
                outcome,
                result_lag: rl,
                ..
            },
        ) = (rl_rows[i], &t.kind)
        else {
            result_lag.push(None);
            continue;
        };
        let src = if t.result_lag_follows_outcome {
            format!(
                "follows outcome.{}.lag unless a value is typed here",
                sc.outcomes[*outcome].id
            )
        } else {
            sc.file.clone()
        };
        row_text(
            ws,
            rr,
            &format!("transfer.{}.result_lag", t.id),
            "whole years from intake to the results payment",
            "0 or more, whole years",
            &src,
        )?;
        if t.result_lag_follows_outcome {
            formula(
                ws,
                rr,
                VALUE,
                &format!("={}", lag[*outcome]),
                *rl as f64,
                &fm.input,
            )?;
            ws.write_number_with_format(rr, 4, *rl as f64, &fm.number)?;
        } else {
            int(ws, rr, *rl)?;
        }
        result_lag.push(Some(at(rr)));
    }
    let bands = green_book_bands()
        .iter()
        .map(|(y, r)| format!("{}% from year {y}", r * Decimal::ONE_HUNDRED))
        .collect::<Vec<_>>()
        .join(", ");
    row_text(
        ws,
        rate_row,
        "discount.rate",
        "a flat rate for every year; blank: the HM Treasury Green Book schedule",
        "fraction 0..1, or blank",
        &format!("{} (Green Book: {bands})", sc.file),
    )?;
    match &sc.discount {
        DiscountSchedule::Flat(rate) => {
            ws.write_number_with_format(rate_row, VALUE, super::f(*rate), &fm.input_pct)?;
            ws.write_number_with_format(rate_row, 4, super::f(*rate), &fm.pct)?;
        }
        DiscountSchedule::GreenBook => {
            ws.write_blank(rate_row, VALUE, &fm.input_pct)?;
            ws.write_string(rate_row, 4, "Green Book")?;
        }
    }
    for (a, rr) in &agency_rows {
        row_text(
            ws,
            *rr,
            &format!("agency_cashability.{}", sc.parties[*a].id),
            "default cashable fraction of this party's flows (blank: each unit cost's own)",
            "fraction 0..1, or blank",
            &sc.file,
        )?;
        match sc.agency_cashability.iter().find(|(x, _)| x == a) {
            Some((_, v)) => {
                ws.write_number_with_format(*rr, VALUE, super::f(*v), &fm.input_pct)?;
                ws.write_number_with_format(*rr, 4, super::f(*v), &fm.pct)?;
            }
            None => {
                ws.write_blank(*rr, VALUE, &fm.input_pct)?;
                ws.write_string(*rr, 4, "none")?;
            }
        }
    }
    for (u, rr) in sc.unit_costs.iter().zip(&uc_cash_rows) {
        row_text(
            ws,
            *rr,
            &format!("unit_cost.{}.cashability", u.id),
            "default cashable fraction of flows priced by this unit cost",
            "fraction 0..1",
            &format!("{}; {}", u.source, u.defined_in),
        )?;
        ws.write_number_with_format(*rr, VALUE, super::f(u.cashability), &fm.input_pct)?;
        ws.write_number_with_format(*rr, 4, super::f(u.cashability), &fm.pct)?;
    }
    let mut index_of: Vec<(i32, String)> = Vec::new();
    if let Some(rr) = base_row {
        let v = sc
            .outcomes
            .iter()
            .flat_map(|o| &o.flows)
            .find(|fl| sc.unit_costs[fl.unit_cost].price_year != sc.price_base)
            .map(|fl| fl.rebase.0)
            .unwrap_or(Decimal::ONE);
        let src = if sc.deflator_file.is_empty() {
            "GDP deflators".to_string()
        } else {
            sc.deflator_file.clone()
        };
        row_text(
            ws,
            rr,
            &format!("deflator.{}", fy_label(sc.price_base)),
            "GDP deflator index of the price base",
            "more than zero",
            &src,
        )?;
        ws.write_number_with_format(rr, VALUE, super::f(v), &fm.input)?;
        ws.write_number_with_format(rr, 4, super::f(v), &fm.number)?;
        index_of.push((sc.price_base, at(rr)));
        for (y, rr) in &year_rows {
            let v = sc
                .outcomes
                .iter()
                .flat_map(|o| &o.flows)
                .find(|fl| sc.unit_costs[fl.unit_cost].price_year == *y)
                .map(|fl| fl.rebase.1)
                .unwrap_or(Decimal::ONE);
            row_text(
                ws,
                *rr,
                &format!("deflator.{}", fy_label(*y)),
                "GDP deflator index of a unit cost's price year",
                "more than zero",
                &src,
            )?;
            ws.write_number_with_format(*rr, VALUE, super::f(v), &fm.input)?;
            ws.write_number_with_format(*rr, 4, super::f(v), &fm.number)?;
            index_of.push((*y, at(*rr)));
        }
    }
    let find = |y: i32| index_of.iter().find(|(x, _)| *x == y).map(|x| x.1.clone());
    let deflators = sc
        .outcomes
        .iter()
        .map(|o| {
            o.flows
                .iter()
                .map(|fl| {
                    let py = sc.unit_costs[fl.unit_cost].price_year;
                    if py == sc.price_base {
                        None
                    } else {
                        Some((find(sc.price_base)?, find(py)?))
                    }
                })
                .collect()
        })
        .collect();

    // Structure fixed in this workbook.
    let mut r = next + 1;
    ws.write_string_with_format(r, 0, "Fixed in this workbook (change with `totalplace run --set` or in the scenario file, then run `totalplace report` again)", &fm.bold)?;
    r += 1;
    let mut fixed = vec![
        (
            "scenario.horizon".to_string(),
            format!("{} years", sc.horizon),
        ),
        ("scenario.start_year".to_string(), sc.year_label(0)),
        ("scenario.price_base".to_string(), fy_label(sc.price_base)),
    ];
    for o in &sc.outcomes {
        fixed.push((format!("outcome.{}.intakes", o.id), o.intakes.to_string()));
        fixed.push((
            format!("outcome.{}.intake_start", o.id),
            format!("year {}", o.intake_start),
        ));
    }
    for c in &sc.costs {
        fixed.push((
            format!("cost.{}.from_year", c.id),
            format!("year {}", c.from_year),
        ));
    }
    for (k, v) in fixed {
        ws.write_string(r, 0, &k)?;
        ws.write_string(r, 1, &v)?;
        r += 1;
    }
    ws.set_column_width(0, 52)?;
    ws.set_column_width(1, 14)?;
    ws.set_column_width(2, 40)?;
    ws.set_column_width(3, 16)?;
    ws.set_column_width(4, 14)?;
    ws.set_column_width(5, 60)?;
    print_setup(ws, Some((head, head)))?;
    Ok(InputRefs {
        param: (0..n).map(|i| at(head + 1 + i)).collect(),
        lag,
        duration,
        result_lag,
        discount_rate: at(rate_row),
        deflators,
    })
}
