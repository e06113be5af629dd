//! The Model sheet: the engine's arithmetic ([`crate::scenario::evaluate`]) as formulas on
//! the Inputs sheet, one row per term, years across. Every cached result is the engine's own
//! value for that term ([`Trace`]), so the sheet is a second reading of the same model, tested
//! equal to it after recalculation (test `workbook_live`).
//!
//! Sections, each a local block so that a new engine term (issue 11: ramp-up, attribution) is
//! one more row in its block: discounting; per outcome (engaged, additionality, achieving,
//! persistence by intake, people, and per flow its value in the price base, units, benefit,
//! cashable and non-cashable split); cost lines with optimism bias; transfers of every kind; per party the
//! yearly totals, net, discounted net and cumulative; the system; and a results table (PV
//! costs, benefits, transfers, NPV, FROI per party).
//!
//! Floating point: the workbook computes in binary doubles, the engine in exact decimals;
//! nothing is rounded in either (rounding half away from zero happens only in what is shown).
//! One guard: a stepped flow's whole steps are `FLOOR(ROUND(units ÷ step, 9), 1)`, so a
//! quotient a double puts a hair under a whole number still counts that step.

use rust_decimal::Decimal;
use rust_xlsxwriter::{Format, Worksheet};

use super::inputs::InputRefs;
use super::{cell, f, formula, formula_text, headers, involved, print_setup, Fmt, MODEL, X};
use crate::error::col_letter;
use crate::scenario::discount::green_book_bands;
use crate::scenario::engine::{Results, Trace, YearRow};
use crate::scenario::{DiscountSchedule, TransferKind, ValidatedScenario};

const TERM: u16 = 0;
const PARTY: u16 = 1;
const VALUE: u16 = 2;
const PV: u16 = 3;
const Y0: u16 = 4;

/// Rows of one party's (or the system's) yearly block on the Model sheet.
#[derive(Debug, Clone, Copy)]
pub struct PartyRows {
    pub kinds: [u32; 3],
    pub costs: u32,
    pub cashable: u32,
    pub non_cashable: u32,
    pub transfers: u32,
    pub net: u32,
    pub pv_net: u32,
    pub cum: u32,
}

pub struct ModelRefs {
    pub discount: u32,
    /// Per party index (None: not involved).
    pub parties: Vec<Option<PartyRows>>,
    pub system: PartyRows,
}

impl ModelRefs {
    /// `Model!E12` for row `r`, year `t`.
    pub fn at(&self, r: u32, t: usize) -> String {
        format!("{MODEL}!{}", cell(r, Y0 + t as u16))
    }
}

/// A yearly row's formula for year t (given the year's column letter).
type YearFormula<'a> = Box<dyn Fn(usize, &str) -> String + 'a>;

/// A cost-kind row of a party block, its label and the engine's value.
type Pick = (fn(&PartyRows) -> u32, &'static str, fn(&YearRow) -> Decimal);

fn yc(t: usize) -> String {
    col_letter((Y0 as usize + t) as u32)
}

struct W<'a> {
    ws: &'a mut Worksheet,
    fm: &'a Fmt,
    h: usize,
}

impl W<'_> {
    fn label(&mut self, r: u32, term: &str, party: &str) -> X<()> {
        self.ws.write_string(r, TERM, term)?;
        if !party.is_empty() {
            self.ws.write_string(r, PARTY, party)?;
        }
        Ok(())
    }
    /// A scalar term in the Value column; returns its absolute reference.
    fn scalar(&mut self, r: u32, term: &str, text: &str, v: Decimal, fmt: &Format) -> X<String> {
        self.label(r, term, "")?;
        formula(self.ws, r, VALUE, text, f(v), fmt)?;
        Ok(format!("$C${}", r + 1))
    }
    /// A yearly term: `text(t, col)` is the formula of year t.
    fn yearly(
        &mut self,
        r: u32,
        term: &str,
        party: &str,
        text: impl Fn(usize, &str) -> String,
        v: &[Decimal],
        fmt: &Format,
    ) -> X<()> {
        self.label(r, term, party)?;
        for (t, x) in v.iter().enumerate().take(self.h) {
            formula(self.ws, r, Y0 + t as u16, &text(t, &yc(t)), f(*x), fmt)?;
        }
        Ok(())
    }
    /// The PV column of a yearly row: Σ value × D.
    fn pv(&mut self, r: u32, disc: u32, v: Decimal) -> X<()> {
        let last = yc(self.h - 1);
        let y0 = yc(0);
        formula(
            self.ws,
            r,
            PV,
            &format!(
                "=SUMPRODUCT({y0}{r1}:{last}{r1},${y0}${d}:${last}${d})",
                r1 = r + 1,
                d = disc + 1
            ),
            f(v),
            &self.fm.pennies,
        )
    }
    fn heading(&mut self, r: u32, text: &str) -> X<()> {
        self.ws
            .write_string_with_format(r, TERM, text, &self.fm.bold)?;
        Ok(())
    }
}

/// `=A+B-C` from refs added and subtracted; `=0` when empty.
fn sum_refs(plus: &[String], minus: &[String]) -> String {
    if plus.is_empty() && minus.is_empty() {
        return "=0".into();
    }
    let mut s = String::from("=");
    for (i, p) in plus.iter().enumerate() {
        if i > 0 {
            s.push('+');
        }
        s.push_str(p);
    }
    if plus.is_empty() {
        s.push('0');
    }
    for m in minus {
        s.push('-');
        s.push_str(m);
    }
    s
}

/// A party block: a heading and 11 terms, then a blank row.
const PARTY_ROWS: u32 = 12;

pub fn model(
    ws: &mut Worksheet,
    sc: &ValidatedScenario,
    r: &Results,
    tr: &Trace,
    inp: &InputRefs,
    fm: &Fmt,
) -> X<ModelRefs> {
    ws.set_name(MODEL)?;
    let h = sc.horizon;
    ws.write_string_with_format(
        0,
        0,
        "Model: the engine's arithmetic, term by term, from the Inputs sheet",
        &fm.title,
    )?;
    super::note(ws, 1, (Y0 + h as u16 - 1).min(12), 120.0, "Years across (year 0 undiscounted); money in price-base pounds; cached results are the engine's exact values. Doubles here, exact decimals in the engine: they agree to far under a penny.", fm)?;
    let head = 3u32;
    let mut names = vec![
        "Term".to_string(),
        "Party".into(),
        "Value".into(),
        "PV (Σ × D)".into(),
    ];
    names.extend((0..h).map(|t| sc.year_label(t)));
    let refs: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
    headers(ws, head, &refs, fm)?;
    ws.set_freeze_panes(head + 1, Y0)?;
    let mut w = W { ws, fm, h };
    let p = |i: usize| inp.param[i].clone();

    // Discounting.
    let year_row = head + 1;
    let rate_row = head + 2;
    let disc = head + 3;
    w.label(year_row, "Year t", "")?;
    for t in 0..h {
        w.ws.write_number(year_row, Y0 + t as u16, t as f64)?;
    }
    let bands = green_book_bands();
    let band = |t: usize| {
        let b = bands.iter().rposition(|(s, _)| *s <= t).unwrap_or(0);
        bands[b].1
    };
    let rates: Vec<Decimal> = (0..h)
        .map(|t| match &sc.discount {
            DiscountSchedule::Flat(x) => *x,
            DiscountSchedule::GreenBook => band(t),
        })
        .collect();
    let rate = &inp.discount_rate;
    w.yearly(
        rate_row,
        "Discount rate r_t (Inputs discount.rate, else Green Book band)",
        "",
        |t, _| format!("=IF(ISNUMBER({rate}),{rate},{})", band(t)),
        &rates,
        &fm.pct,
    )?;
    w.yearly(
        disc,
        "Discount factor D_t = D_(t-1) ÷ (1 + r_t), D_0 = 1",
        "",
        |t, c| {
            if t == 0 {
                "=1".into()
            } else {
                format!("={}{}/(1+{c}{})", yc(t - 1), disc + 1, rate_row + 1)
            }
        },
        &sc.discount_factors,
        &fm.factor,
    )?;
    let trow = |c: &str| format!("{c}${}", year_row + 1);

    // Cash prices: each year's factor from cash to price-base pounds (issue 11 item 8).
    let mut row = disc + 2;
    let cash_row = match &sc.prices {
        None => None,
        Some(cp) => {
            let infl = cp.inflation.map(p);
            w.yearly(
                row,
                &format!(
                    "Cash → price-base factor = index[{}] ÷ index[year]; past {}: ÷ (1 + inflation)^(years past)",
                    crate::scenario::library::fy_label(sc.price_base),
                    crate::scenario::library::fy_label(cp.last_year)
                ),
                "",
                |t, _| {
                    let (base, ix, n) = (cp.base.normalize(), cp.index[t].normalize(), cp.past[t]);
                    match (&infl, n) {
                        (Some(infl), 1..) => format!("={base}/{ix}/(1+{infl})^{n}"),
                        _ => format!("={base}/{ix}"),
                    }
                },
                &tr.cash_factors,
                &fm.factor,
            )?;
            row += 2;
            Some(row - 2)
        }
    };
    // The factor of the year in column `c`, for a line in cash prices.
    let cash_at = move |cash: bool, c: &str| match (cash, cash_row) {
        (true, Some(r)) => format!("*{c}${}", r + 1),
        _ => String::new(),
    };

    // Outcomes and flows.
    // (party, cashable row, non-cashable row) per flow; units row per (outcome, flow).
    let mut flow_rows: Vec<(usize, u32, u32)> = Vec::new();
    let mut units_rows: Vec<Vec<u32>> = Vec::new();
    let mut engaged_refs = Vec::new();
    let mut keep_refs = Vec::new();
    for (oi, o) in sc.outcomes.iter().enumerate() {
        let ot = &tr.outcomes[oi];
        w.heading(row, &format!("Outcome {}: {}", o.id, o.name))?;
        row += 1;
        let engaged = w.scalar(
            row,
            if o.participants_by_intake.is_empty() {
                "Engaged per intake = participants × engagement"
            } else {
                "Engaged in the first intake = its participants × engagement (each intake's row below uses its own)"
            },
            &format!("={}*{}", p(o.participants), p(o.engagement)),
            ot.engaged,
            &fm.count,
        )?;
        row += 1;
        let additionality = w.scalar(
            row,
            "Additionality = (1 − displacement) × (1 − leakage) × attribution",
            &format!(
                "=(1-{})*(1-{})*{}",
                p(o.displacement),
                p(o.leakage),
                p(o.attribution)
            ),
            ot.additionality,
            &fm.factor,
        )?;
        row += 1;
        let achieving = w.scalar(
            row,
            "Achieving per intake = engaged × success × (1 − deadweight) × additionality",
            &format!(
                "={engaged}*{}*(1-{})*{additionality}",
                p(o.success),
                p(o.deadweight)
            ),
            ot.achieving,
            &fm.count,
        )?;
        row += 1;
        let keep = w.scalar(
            row,
            "Kept each year = 1 − drop-off",
            &format!("=1-{}", p(o.drop_off)),
            ot.keep,
            &fm.factor,
        )?;
        row += 1;
        let realism = w.scalar(
            row,
            "Benefits kept after optimism bias = 1 − bias",
            &format!("=1-{}", p(o.optimism_bias)),
            ot.realism,
            &fm.factor,
        )?;
        row += 1;
        engaged_refs.push(engaged.clone());
        keep_refs.push(keep.clone());
        let (lag, dur) = (&inp.lag[oi], &inp.duration[oi]);
        let first_intake = row;
        // Ramp-up: the share of the full effect k years from an intake's first benefit year
        // (k + 1 picks it from the profile; 1 after the profile).
        let ramp: Vec<String> = o.ramp_up.iter().map(|&r| p(r)).collect();
        for (s, v) in &ot.by_intake {
            // This intake's achievers: the outcome's, or from its own participants.
            let achieving_s = if o.participants_by_intake.is_empty() {
                achieving.clone()
            } else {
                format!(
                    "{}*{}*{}*(1-{})*{additionality}",
                    p(o.participants_in(*s)),
                    p(o.engagement),
                    p(o.success),
                    p(o.deadweight)
                )
            };
            let ramp = ramp.clone();
            w.yearly(
                row,
                &format!("People from the year-{s} intake whose outcome persists"),
                "",
                |_, c| {
                    let t = trow(c);
                    let k = format!("({t}-{s}-{lag})");
                    let ramp_k = if ramp.is_empty() {
                        String::new()
                    } else {
                        format!("*IF({k}<{},CHOOSE({k}+1,{}),1)", ramp.len(), ramp.join(","))
                    };
                    format!(
                        "=IF(AND({t}>={s}+{lag},OR(NOT(ISNUMBER({dur})),{t}<{s}+{lag}+{dur})),IF({k}=0,{achieving_s},{achieving_s}*{keep}^{k}){ramp_k},0)"
                    )
                },
                v,
                &fm.count,
            )?;
            row += 1;
        }
        let people = row;
        w.yearly(
            row,
            "People whose outcome persists (all intakes)",
            "",
            |_, c| {
                if ot.by_intake.is_empty() {
                    "=0".into()
                } else {
                    format!("=SUM({c}{}:{c}{})", first_intake + 1, people)
                }
            },
            &ot.people,
            &fm.count,
        )?;
        row += 1;
        let mut units_o = Vec::new();
        for (fi, fl) in o.flows.iter().enumerate() {
            let ft = &ot.flows[fi];
            let u = &sc.unit_costs[fl.unit_cost];
            let party = &sc.parties[fl.party].id;
            let value_text = match &inp.deflators[oi][fi] {
                Some((base, year)) => format!("={}*{base}/{year}", p(fl.value)),
                None => format!("={}", p(fl.value)),
            };
            let value = w.scalar(
                row,
                &format!(
                    "Flow {}: £ per {} in the price base = value × index(base) ÷ index({})",
                    fl.id,
                    u.unit,
                    crate::scenario::library::fy_label(u.price_year)
                ),
                &value_text,
                ft.value,
                &fm.pennies,
            )?;
            w.ws.write_string(row, PARTY, party)?;
            row += 1;
            let qty = w.scalar(
                row,
                &format!(
                    "Flow {}: {} per person a year after optimism bias = quantity × kept",
                    fl.id, u.unit
                ),
                &format!("={}*{realism}", p(fl.quantity)),
                ft.quantity,
                &fm.count,
            )?;
            w.ws.write_string(row, PARTY, party)?;
            row += 1;
            let units = row;
            w.yearly(
                row,
                &format!("Flow {}: units = people × quantity", fl.id),
                party,
                |_, c| format!("={c}{}*{qty}", people + 1),
                &ft.units,
                &fm.count,
            )?;
            row += 1;
            let benefit = row;
            w.yearly(
                row,
                &format!("Flow {}: benefit = units × £ per unit", fl.id),
                party,
                |_, c| format!("={c}{}*{value}", units + 1),
                &ft.benefit,
                &fm.pennies,
            )?;
            row += 1;
            let cash = p(fl.cashability);
            let cashable = row;
            match (fl.step, fl.step_value) {
                (None, _) => w.yearly(
                    row,
                    &format!("Flow {}: cashable = benefit × cashability", fl.id),
                    party,
                    |_, c| format!("={c}{}*{cash}", benefit + 1),
                    &ft.cashable,
                    &fm.pennies,
                )?,
                (Some(step), Some(sv)) => {
                    let (step, sv) = (p(step), p(sv));
                    w.yearly(
                        row,
                        &format!("Flow {}: cashable in whole steps = MIN(FLOOR(units ÷ step) × step value × cashability, benefit)", fl.id),
                        party,
                        |_, c| format!("=MIN(FLOOR(ROUND({c}{}/{step},9),1)*{sv}*{cash},{c}{})", units + 1, benefit + 1),
                        &ft.cashable,
                        &fm.pennies,
                    )?
                }
                (Some(step), None) => {
                    let step = p(step);
                    w.yearly(
                        row,
                        &format!("Flow {}: cashable in whole steps = FLOOR(units ÷ step) × step × £ × cashability", fl.id),
                        party,
                        |_, c| format!("=FLOOR(ROUND({c}{}/{step},9),1)*{step}*{value}*{cash}", units + 1),
                        &ft.cashable,
                        &fm.pennies,
                    )?
                }
            }
            row += 1;
            w.yearly(
                row,
                &format!("Flow {}: non-cashable = benefit − cashable", fl.id),
                party,
                |_, c| format!("={c}{}-{c}{}", benefit + 1, cashable + 1),
                &ft.non_cashable,
                &fm.pennies,
            )?;
            flow_rows.push((fl.party, cashable, row));
            units_o.push(units);
            row += 1;
        }
        units_rows.push(units_o);
        row += 1;
    }

    // Costs.
    w.heading(row, "Costs after optimism bias = amount × (1 + bias)")?;
    row += 1;
    let mut cost_rows = Vec::new();
    for (ci, c) in sc.costs.iter().enumerate() {
        let ob = p(c.optimism_bias);
        w.yearly(
            row,
            &format!(
                "Cost {} ({}{})",
                c.id,
                c.kind.as_str(),
                if c.cash { ", cash prices" } else { "" }
            ),
            &sc.parties[c.party].id,
            |t, col| {
                if t >= c.from_year && t - c.from_year < c.amounts.len() {
                    format!(
                        "={}*(1+{ob}){}",
                        p(c.amounts[t - c.from_year]),
                        cash_at(c.cash, col)
                    )
                } else {
                    "=0".into()
                }
            },
            &tr.costs[ci],
            &fm.pennies,
        )?;
        cost_rows.push(row);
        row += 1;
    }
    row += 1;

    // Where the party blocks will be (transfers' gain-shares refer forward to them).
    let parties = involved(sc);
    let transfers_head = row;
    // A transfer in cash prices takes two rows: its payments in cash, then in the price base.
    let transfer_lines = sc.transfers.len() + sc.transfers.iter().filter(|t| t.cash).count();
    let parties_start = transfers_head + 1 + transfer_lines as u32 + 1;
    let mut party_rows: Vec<Option<PartyRows>> = vec![None; sc.parties.len()];
    let block = |start: u32| PartyRows {
        kinds: [start + 1, start + 2, start + 3],
        costs: start + 4,
        cashable: start + 5,
        non_cashable: start + 6,
        // start + 7: transfers before gain-share
        transfers: start + 8,
        net: start + 9,
        pv_net: start + 10,
        cum: start + 11,
    };
    for (k, &a) in parties.iter().enumerate() {
        party_rows[a] = Some(block(parties_start + k as u32 * (PARTY_ROWS + 1)));
    }
    let before_row = |pr: &PartyRows| pr.transfers - 1;

    // Transfers.
    w.heading(row, "Transfers: amount the payer pays the payee each year")?;
    row += 1;
    let mut transfer_rows = Vec::new();
    for (ti, t) in sc.transfers.iter().enumerate() {
        let label = format!(
            "Transfer {} ({}): {} → {}",
            t.id,
            t.kind.label(),
            sc.parties[t.from].id,
            sc.parties[t.to].id
        );
        let text: YearFormula = match &t.kind {
            TransferKind::Fixed {
                from_year, amounts, ..
            } => {
                let (fy, am) = (*from_year, amounts.clone());
                Box::new(move |t, _| {
                    if t >= fy && t - fy < am.len() {
                        format!("={}", p(am[t - fy]))
                    } else {
                        "=0".into()
                    }
                })
            }
            TransferKind::Pbr {
                outcome,
                amount,
                attachment_share,
                attachment_by_intake,
                additional,
                cap,
                clawback,
                ..
            } => {
                let o = &sc.outcomes[*outcome];
                let engaged = engaged_refs[*outcome].clone();
                let keep = keep_refs[*outcome].clone();
                let (amount, attach) = (p(*amount), p(*attachment_share));
                let (success, ob) = (p(o.success), p(o.optimism_bias));
                // Results per engaged participant: observed, or additional (net of deadweight).
                let per_engaged = if *additional {
                    format!("{success}*(1-{ob})*(1-{})", p(o.deadweight))
                } else {
                    format!("{success}*(1-{ob})")
                };
                let rl = inp.result_lag[ti].clone().unwrap_or_else(|| "0".into());
                let (start, end) = (o.intake_start, (o.intake_start + o.intakes).min(h));
                // Each intake's engaged participants and attachment share (one cell for all
                // when they are not given per intake).
                let uniform =
                    o.participants_by_intake.is_empty() && attachment_by_intake.is_empty();
                let eng = p(o.engagement);
                let engaged_in: Vec<String> = (start..end)
                    .map(|s| {
                        if o.participants_by_intake.is_empty() {
                            engaged.clone()
                        } else {
                            format!("{}*{eng}", p(o.participants_in(s)))
                        }
                    })
                    .collect();
                let attach_in: Vec<String> = (start..end)
                    .map(|s| {
                        p(crate::scenario::attachment_in(
                            *attachment_share,
                            attachment_by_intake,
                            start,
                            s,
                        ))
                    })
                    .collect();
                let cap = cap.map(p);
                let clawback = *clawback;
                let this_row = row + 1;
                Box::new(move |t, c| {
                    let tt = trow(c);
                    let fee = if (start..end).contains(&t) {
                        format!(
                            "{}*{amount}*{}+",
                            engaged_in[t - start],
                            attach_in[t - start]
                        )
                    } else {
                        String::new()
                    };
                    let results = if uniform {
                        format!(
                            "IF(AND({tt}-{rl}>={start},{tt}-{rl}<{end}),{engaged}*{per_engaged}*{amount}*(1-{attach}),0)"
                        )
                    } else {
                        // The intake `result lag` years back (CHOOSE over intakes).
                        let k = format!("{tt}-{rl}-{start}+1");
                        format!(
                            "IF(AND({tt}-{rl}>={start},{tt}-{rl}<{end}),CHOOSE({k},{})*{per_engaged}*{amount}*(1-CHOOSE({k},{})),0)",
                            engaged_in.join(","),
                            attach_in.join(",")
                        )
                    };
                    // Claw-back: results of intake s paid in s + rl lapse at (1 − keep) a year.
                    let mut claw = String::new();
                    if clawback {
                        for (i, s) in (start..end).enumerate() {
                            claw.push_str(&format!(
                                "-IF({tt}>{s}+{rl},{}*{per_engaged}*{amount}*(1-{})*{keep}^({tt}-{s}-{rl}-1)*(1-{keep}),0)",
                                engaged_in[i], attach_in[i]
                            ));
                        }
                    }
                    let raw = format!("{fee}{results}{claw}");
                    match &cap {
                        None => format!("={raw}"),
                        Some(cap) => {
                            // Paid up to the cap on the total (a claw-back always applies).
                            let before = if t == 0 {
                                "0".to_string()
                            } else {
                                format!("SUM({}{this_row}:{}{this_row})", yc(0), yc(t - 1))
                            };
                            format!("=IF(({raw})>0,MIN({raw},MAX(0,{cap}-{before})),{raw})")
                        }
                    }
                })
            }
            TransferKind::PerUnit {
                outcome,
                flow,
                amount,
            } => {
                let u = units_rows[*outcome][*flow];
                let amount = p(*amount);
                Box::new(move |_, c| format!("={c}{}*{amount}", u + 1))
            }
            TransferKind::GainShare {
                share,
                cashable_basis,
            } => {
                let pr = party_rows[t.from].expect("a payer is involved");
                let share = p(*share);
                let basis = *cashable_basis;
                let before = before_row(&pr);
                Box::new(move |_, c| {
                    let benefits = if basis {
                        format!("{c}{}", pr.cashable + 1)
                    } else {
                        format!("{c}{}+{c}{}", pr.cashable + 1, pr.non_cashable + 1)
                    };
                    format!(
                        "=MAX(0,{benefits}+{c}{}-{c}{})*{share}",
                        before + 1,
                        pr.costs + 1
                    )
                })
            }
        };
        if t.cash {
            w.yearly(
                row,
                &format!("{label}, in cash"),
                &sc.parties[t.from].id,
                text,
                &tr.transfers_cash[ti],
                &fm.pennies,
            )?;
            let cash_line = row + 1;
            row += 1;
            w.yearly(
                row,
                &format!("{label}, in the price base = cash × factor"),
                &sc.parties[t.from].id,
                |_, c| format!("={c}{cash_line}{}", cash_at(true, c)),
                &tr.transfers[ti],
                &fm.pennies,
            )?;
        } else {
            w.yearly(
                row,
                &label,
                &sc.parties[t.from].id,
                text,
                &tr.transfers[ti],
                &fm.pennies,
            )?;
        }
        transfer_rows.push(row);
        row += 1;
    }
    debug_assert_eq!(row + 1, parties_start);

    // Party blocks.
    for &a in &parties {
        let pr = party_rows[a].expect("placed");
        let id = &sc.parties[a].id;
        let res = &r.parties[a];
        let y = &res.yearly;
        let col = |g: fn(&YearRow) -> Decimal| y.iter().map(g).collect::<Vec<_>>();
        w.heading(
            pr.kinds[0] - 1,
            &format!("Party {id}: {}", sc.parties[a].name),
        )?;
        for (k, kind) in crate::scenario::CostKind::ALL.iter().enumerate() {
            let lines: Vec<u32> = sc
                .costs
                .iter()
                .zip(&cost_rows)
                .filter(|(c, _)| c.party == a && c.kind == *kind)
                .map(|(_, r)| *r)
                .collect();
            let v: Vec<Decimal> = y.iter().map(|x| x.costs_by_kind[k]).collect();
            w.yearly(
                pr.kinds[k],
                &format!("Costs: {}", kind.as_str()),
                id,
                |_, c| {
                    sum_refs(
                        &lines
                            .iter()
                            .map(|r| format!("{c}{}", r + 1))
                            .collect::<Vec<_>>(),
                        &[],
                    )
                },
                &v,
                &fm.pennies,
            )?;
        }
        w.yearly(
            pr.costs,
            "Costs",
            id,
            |_, c| format!("=SUM({c}{}:{c}{})", pr.kinds[0] + 1, pr.kinds[2] + 1),
            &col(|x| x.costs),
            &fm.pennies,
        )?;
        w.pv(pr.costs, disc, res.summary.pv_costs)?;
        let mine = |pick: fn(&(usize, u32, u32)) -> u32| -> Vec<u32> {
            flow_rows.iter().filter(|x| x.0 == a).map(pick).collect()
        };
        let cash_rows = mine(|x| x.1);
        let non_rows = mine(|x| x.2);
        w.yearly(
            pr.cashable,
            "Cashable savings",
            id,
            |_, c| {
                sum_refs(
                    &cash_rows
                        .iter()
                        .map(|r| format!("{c}{}", r + 1))
                        .collect::<Vec<_>>(),
                    &[],
                )
            },
            &col(|x| x.cashable),
            &fm.pennies,
        )?;
        w.pv(pr.cashable, disc, res.summary.pv_cashable)?;
        w.yearly(
            pr.non_cashable,
            "Non-cashable cost avoidance",
            id,
            |_, c| {
                sum_refs(
                    &non_rows
                        .iter()
                        .map(|r| format!("{c}{}", r + 1))
                        .collect::<Vec<_>>(),
                    &[],
                )
            },
            &col(|x| x.non_cashable),
            &fm.pennies,
        )?;
        w.pv(pr.non_cashable, disc, res.summary.pv_non_cashable)?;
        let side = |gain: bool| -> (Vec<u32>, Vec<u32>) {
            let pick = |to: bool| {
                sc.transfers
                    .iter()
                    .zip(&transfer_rows)
                    .filter(|(t, _)| matches!(t.kind, TransferKind::GainShare { .. }) == gain)
                    .filter(|(t, _)| if to { t.to == a } else { t.from == a })
                    .map(|(_, r)| *r)
                    .collect::<Vec<_>>()
            };
            (pick(true), pick(false))
        };
        let (inn, out) = side(false);
        let refs = |rows: &[u32], c: &str| {
            rows.iter()
                .map(|r| format!("{c}{}", r + 1))
                .collect::<Vec<_>>()
        };
        w.yearly(
            before_row(&pr),
            "Net transfers received before gain-shares",
            id,
            |_, c| sum_refs(&refs(&inn, c), &refs(&out, c)),
            &tr.before_gain_share[a],
            &fm.pennies,
        )?;
        let (gin, gout) = side(true);
        w.yearly(
            pr.transfers,
            "Net transfers received (after gain-shares)",
            id,
            |_, c| {
                let mut plus = vec![format!("{c}{}", before_row(&pr) + 1)];
                plus.extend(refs(&gin, c));
                sum_refs(&plus, &refs(&gout, c))
            },
            &col(|x| x.transfers),
            &fm.pennies,
        )?;
        w.pv(pr.transfers, disc, res.summary.pv_transfers)?;
        net_rows(&mut w, pr, id, y, disc, res.summary.npv)?;
    }
    // System.
    let sys_start = parties_start + parties.len() as u32 * (PARTY_ROWS + 1);
    let sys = block(sys_start);
    w.heading(sys_start, "System: all parties")?;
    let all = |pick: fn(&PartyRows) -> u32, c: &str| -> String {
        let v: Vec<String> = parties
            .iter()
            .map(|&a| format!("{c}{}", pick(&party_rows[a].expect("placed")) + 1))
            .collect();
        sum_refs(&v, &[])
    };
    let y = &r.system_yearly;
    let col = |g: fn(&YearRow) -> Decimal| y.iter().map(g).collect::<Vec<_>>();
    let picks: [Pick; 3] = [
        (|p| p.kinds[0], "Costs: revenue", |x| x.costs_by_kind[0]),
        (|p| p.kinds[1], "Costs: capital", |x| x.costs_by_kind[1]),
        (|p| p.kinds[2], "Costs: in-kind", |x| x.costs_by_kind[2]),
    ];
    for (pick, label, g) in picks {
        w.yearly(
            pick(&sys),
            label,
            "system",
            |_, c| all(pick, c),
            &col(g),
            &fm.pennies,
        )?;
    }
    let s = &r.system;
    w.yearly(
        sys.costs,
        "Costs",
        "system",
        |_, c| all(|p| p.costs, c),
        &col(|x| x.costs),
        &fm.pennies,
    )?;
    w.pv(sys.costs, disc, s.pv_costs)?;
    w.yearly(
        sys.cashable,
        "Cashable savings",
        "system",
        |_, c| all(|p| p.cashable, c),
        &col(|x| x.cashable),
        &fm.pennies,
    )?;
    w.pv(sys.cashable, disc, s.pv_cashable)?;
    w.yearly(
        sys.non_cashable,
        "Non-cashable cost avoidance",
        "system",
        |_, c| all(|p| p.non_cashable, c),
        &col(|x| x.non_cashable),
        &fm.pennies,
    )?;
    w.pv(sys.non_cashable, disc, s.pv_non_cashable)?;
    w.yearly(
        sys.transfers,
        "Net transfers received (sum to zero)",
        "system",
        |_, c| all(|p| p.transfers, c),
        &col(|x| x.transfers),
        &fm.pennies,
    )?;
    w.pv(sys.transfers, disc, s.pv_transfers)?;
    net_rows(&mut w, sys, "system", y, disc, s.npv)?;

    // Results per party.
    let mut row = sys.cum + 2;
    w.heading(row, "Results per party (present values)")?;
    row += 1;
    headers(
        w.ws,
        row,
        &[
            "Party",
            "PV costs C",
            "PV cashable",
            "PV non-cashable",
            "PV benefits B",
            "PV net transfers T",
            "NPV = B − C + T",
            "NPV cashable",
            "FROI = B ÷ C",
        ],
        fm,
    )?;
    row += 1;
    let pvc = |r: u32| format!("$D${}", r + 1);
    let mut rows_out: Vec<(String, PartyRows, &crate::scenario::engine::Summary)> = parties
        .iter()
        .map(|&a| {
            (
                sc.parties[a].id.clone(),
                party_rows[a].expect("placed"),
                &r.parties[a].summary,
            )
        })
        .collect();
    rows_out.push(("system".into(), sys, &r.system));
    for (id, pr, s) in rows_out {
        w.ws.write_string(row, 0, &id)?;
        let rr = row + 1;
        formula(
            w.ws,
            row,
            1,
            &format!("={}", pvc(pr.costs)),
            f(s.pv_costs),
            &fm.money,
        )?;
        formula(
            w.ws,
            row,
            2,
            &format!("={}", pvc(pr.cashable)),
            f(s.pv_cashable),
            &fm.money,
        )?;
        formula(
            w.ws,
            row,
            3,
            &format!("={}", pvc(pr.non_cashable)),
            f(s.pv_non_cashable),
            &fm.money,
        )?;
        formula(
            w.ws,
            row,
            4,
            &format!("=C{rr}+D{rr}"),
            f(s.pv_benefits),
            &fm.money,
        )?;
        formula(
            w.ws,
            row,
            5,
            &format!("={}", pvc(pr.transfers)),
            f(s.pv_transfers),
            &fm.money,
        )?;
        formula(
            w.ws,
            row,
            6,
            &format!("=E{rr}-B{rr}+F{rr}"),
            f(s.npv),
            &fm.money,
        )?;
        formula(
            w.ws,
            row,
            7,
            &format!("=C{rr}-B{rr}+F{rr}"),
            f(s.npv_cashable),
            &fm.money,
        )?;
        let text = format!("=IF(B{rr}=0,\"none (no costs)\",E{rr}/B{rr})");
        match s.froi {
            Some(v) => formula(w.ws, row, 8, &text, f(v), &fm.ratio)?,
            None => formula_text(w.ws, row, 8, &text, "none (no costs)", &fm.ratio)?,
        }
        row += 1;
    }
    let ws = w.ws;
    ws.set_column_width(TERM, 62)?;
    ws.set_column_width(PARTY, 16)?;
    ws.set_column_width(VALUE, 14)?;
    ws.set_column_width(PV, 15)?;
    for t in 0..h {
        ws.set_column_width(Y0 + t as u16, 14)?;
    }
    print_setup(ws, Some((head, head)))?;
    Ok(ModelRefs {
        discount: disc,
        parties: party_rows,
        system: sys,
    })
}

fn net_rows(w: &mut W, pr: PartyRows, id: &str, y: &[YearRow], disc: u32, npv: Decimal) -> X<()> {
    let fm = w.fm;
    let col = |g: fn(&YearRow) -> Decimal| y.iter().map(g).collect::<Vec<_>>();
    w.yearly(
        pr.net,
        "Net = cashable + non-cashable − costs + transfers",
        id,
        |_, c| {
            format!(
                "={c}{}+{c}{}-{c}{}+{c}{}",
                pr.cashable + 1,
                pr.non_cashable + 1,
                pr.costs + 1,
                pr.transfers + 1
            )
        },
        &col(|x| x.net),
        &fm.pennies,
    )?;
    w.pv(pr.net, disc, npv)?;
    w.yearly(
        pr.pv_net,
        "PV net = net × D_t",
        id,
        |_, c| format!("={c}{}*{c}${}", pr.net + 1, disc + 1),
        &col(|x| x.pv_net),
        &fm.pennies,
    )?;
    w.yearly(
        pr.cum,
        "Cumulative PV net",
        id,
        |t, c| {
            if t == 0 {
                format!("={c}{}", pr.pv_net + 1)
            } else {
                format!("={}{}+{c}{}", yc(t - 1), pr.cum + 1, pr.pv_net + 1)
            }
        },
        &col(|x| x.cumulative_pv_net),
        &fm.pennies,
    )
}
