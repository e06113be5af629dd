//! The scenario engine: one pure function from a validated scenario and its parameters to
//! results, in exact decimal arithmetic (no floating point), with no rounding (rounding to the
//! penny, half away from zero, happens only when results are presented).

use rust_decimal::Decimal;
use serde::Serialize;

use super::params::Params;
use super::{CostKind, Outcome, TransferKind, ValidatedScenario};

/// One party's (or the system's) figures for one year, undiscounted unless named `pv_`.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct YearRow {
    /// Costs by kind (revenue, capital, in-kind), after the optimism-bias uplift.
    pub costs_by_kind: [Decimal; 3],
    pub costs: Decimal,
    pub cashable: Decimal,
    pub non_cashable: Decimal,
    /// Net transfers received (negative: paid out).
    pub transfers: Decimal,
    /// cashable + non_cashable − costs + transfers.
    pub net: Decimal,
    pub discount_factor: Decimal,
    pub pv_net: Decimal,
    pub cumulative_pv_net: Decimal,
}

/// When the cumulative discounted net turns non-negative for good.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "years")]
pub enum Payback {
    /// Years from the start of year 0 to the last crossing into permanent surplus, interpolated
    /// within the year of crossing (each year's net treated as accruing evenly through the
    /// year). 0 when never in deficit.
    Within(Decimal),
    NotWithinHorizon,
    /// No costs, benefits or transfers at all.
    NoFlows,
}

/// Present values and ratios for one party or the system.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Summary {
    pub pv_costs: Decimal,
    pub pv_cashable: Decimal,
    pub pv_non_cashable: Decimal,
    /// Cashable + non-cashable.
    pub pv_benefits: Decimal,
    pub pv_transfers: Decimal,
    /// B − C + T.
    pub npv: Decimal,
    /// Cashable B − C + T.
    pub npv_cashable: Decimal,
    /// B ÷ C; none when C = 0.
    pub froi: Option<Decimal>,
    pub froi_cashable: Option<Decimal>,
    pub payback: Option<Payback>,
    /// Years in which the party, in surplus, fell back into deficit ([`deficit_again`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub deficit_again: Vec<usize>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PartyResult {
    pub id: String,
    pub name: String,
    pub budget_control: &'static str,
    pub external: bool,
    /// Budget control is central: savings are real but not cashable in the place.
    pub not_locally_cashable: bool,
    pub summary: Summary,
    pub yearly: Vec<YearRow>,
    /// c_a = C_a ÷ ΣC.
    pub cost_share: Option<Decimal>,
    /// b_a = B_a ÷ ΣB (all fiscal benefits).
    pub benefit_share: Option<Decimal>,
    /// Cashable B_a ÷ Σ cashable B.
    pub cashable_share: Option<Decimal>,
    /// ΣC × b_a − C_a: positive means this party should pay in (all fiscal benefits basis).
    pub fair_share: Option<Decimal>,
    /// The same on cashable benefits only.
    pub fair_share_cashable: Option<Decimal>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Results {
    pub horizon: usize,
    pub discount_factors: Vec<Decimal>,
    pub parties: Vec<PartyResult>,
    pub system: Summary,
    pub system_yearly: Vec<YearRow>,
    /// W = ½ Σ |b_a − c_a| on all fiscal benefits; none when ΣC or ΣB is 0.
    pub wrong_pocket: Option<Decimal>,
    /// The same on cashable benefits.
    pub wrong_pocket_cashable: Option<Decimal>,
    /// PV of cashable savings to parties whose budget is not centrally controlled.
    pub pv_locally_cashable: Decimal,
    /// Each outcome's additional outcomes and the scenario's PV cost per outcome, in the
    /// scenario's order of outcomes.
    pub outcomes: Vec<OutcomeResult>,
    /// Additional outcomes summed over all outcomes.
    pub additional_outcomes: Decimal,
    /// System PV costs ÷ all additional outcomes; none when there are none.
    pub cost_per_outcome: Option<Decimal>,
    /// The economic case (public value, benefit-cost ratio), when any outcome carries an
    /// economic or social `[[outcome.value]]`; the financial case above never includes it.
    pub economic: Option<EconomicCase>,
}

/// The economic case of the GMCA / HM Treasury local-partnership model: every cost, every
/// fiscal benefit (cashable or not, whoever bears it) and the outcomes' economic and social
/// value, for the place's public sector as a whole. Transfers cancel out (one party's payment
/// is another's receipt), so no party appears here.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct EconomicCase {
    /// System PV costs (as the financial case).
    pub pv_costs: Decimal,
    /// PV fiscal benefits counted here: the financial case's PV benefits less those inside a
    /// combined value (`replaces`).
    pub pv_fiscal: Decimal,
    /// PV of the fiscal benefits of replaced flows (counted within a combined value instead).
    pub pv_fiscal_replaced: Decimal,
    /// PV of the outcomes' wider values by the unit costs' value type (`economic`, `social`,
    /// `fiscal+economic+social`, ...), in that label's order.
    pub pv_values: Vec<(String, Decimal)>,
    /// PV public value = PV fiscal + Σ PV values.
    pub pv_public_value: Decimal,
    /// PV public value − PV costs.
    pub npv: Decimal,
    /// PV public value ÷ PV costs; none when there are no costs.
    pub bcr: Option<Decimal>,
    /// By year, undiscounted: costs, fiscal (less replaced), each value type (as `pv_values`),
    /// public value and net.
    pub yearly: Vec<EconomicYear>,
}

/// One year of the economic case, undiscounted.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct EconomicYear {
    pub costs: Decimal,
    pub fiscal: Decimal,
    pub values: Vec<Decimal>,
    pub public_value: Decimal,
    pub net: Decimal,
}

/// One outcome's count of additional outcomes and the cost of each.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OutcomeResult {
    pub id: String,
    pub name: String,
    /// People achieving the additional outcome: Σ over intakes whose first benefit year
    /// (intake + lag) falls within the horizon of engaged × success × (1 − deadweight) ×
    /// additionality × (1 − the outcome's optimism bias). A count of people, each counted
    /// once (not once a year the outcome persists) and not discounted.
    pub additional_outcomes: Decimal,
    /// The scenario's whole PV costs (system, after optimism bias) ÷ this outcome's additional
    /// outcomes: costs are not split between outcomes; none when there are none.
    pub cost_per_outcome: Option<Decimal>,
}

/// The engine's intermediate terms, recorded by [`evaluate_traced`] for outputs that show the
/// working (the live workbook's Model sheet caches them as its formulas' results). Indexed like
/// the scenario's outcomes, flows, costs, transfers and parties; years 0..horizon.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Trace {
    pub outcomes: Vec<OutcomeTrace>,
    /// Per cost line: amount by year after the optimism-bias uplift.
    pub costs: Vec<Vec<Decimal>>,
    /// Per transfer: the amount paid by `from` to `to` each year (in the price base).
    pub transfers: Vec<Vec<Decimal>>,
    /// Per transfer in cash prices: its payments each year in cash, before conversion (empty
    /// for the others).
    pub transfers_cash: Vec<Vec<Decimal>>,
    /// Cash → price-base factor of each year (empty: no line in cash prices).
    pub cash_factors: Vec<Decimal>,
    /// Per party: net transfers received each year before any gain-share (a gain-share's basis).
    pub before_gain_share: Vec<Vec<Decimal>>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct OutcomeTrace {
    /// participants × engagement (per intake).
    pub engaged: Decimal,
    /// (1 − displacement) × (1 − leakage) × attribution.
    pub additionality: Decimal,
    /// engaged × success × (1 − deadweight) × additionality.
    pub achieving: Decimal,
    /// 1 − drop-off.
    pub keep: Decimal,
    /// 1 − optimism bias.
    pub realism: Decimal,
    /// (intake year, people from that intake whose outcome persists in each year).
    pub by_intake: Vec<(usize, Vec<Decimal>)>,
    /// Summed over intakes.
    pub people: Vec<Decimal>,
    pub flows: Vec<FlowTrace>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct FlowTrace {
    /// Units per person a year after optimism bias: quantity × (1 − optimism bias).
    pub quantity: Decimal,
    /// The unit cost in the price base: value × index(price base) ÷ index(price year).
    pub value: Decimal,
    pub units: Vec<Decimal>,
    pub benefit: Vec<Decimal>,
    pub cashable: Vec<Decimal>,
    pub non_cashable: Vec<Decimal>,
}

/// Additional achievers of one intake: engaged × success × (1 − deadweight) × additionality,
/// where `additionality` is [`additionality`]'s factor (1 when the outcome sets none, and then
/// the product is exactly engaged × success × (1 − deadweight), as before issue 11).
#[inline]
pub fn achievers(
    engaged: Decimal,
    success: Decimal,
    deadweight: Decimal,
    additionality: Decimal,
) -> Decimal {
    engaged * success * (Decimal::ONE - deadweight) * additionality
}

/// Additionality beyond deadweight (HM Treasury Additionality Guide, as in the GMCA / New
/// Economy CBA model): (1 − displacement) × (1 − leakage) × attribution.
#[inline]
pub fn additionality(attribution: Decimal, displacement: Decimal, leakage: Decimal) -> Decimal {
    (Decimal::ONE - displacement) * (Decimal::ONE - leakage) * attribution
}

/// The additionality factor of outcome `o` under parameters `p`.
#[inline]
pub fn outcome_additionality(o: &Outcome, p: &Params) -> Decimal {
    additionality(
        p.get(o.attribution),
        p.get(o.displacement),
        p.get(o.leakage),
    )
}

/// People whose outcome persists in each year (`people[t]`, before optimism bias), summed
/// over intakes: `achieving` from each intake's first benefit year (intake + lag), kept at
/// `keep` = 1 − drop-off a year, for the outcome's duration or to the horizon.
///
/// With `by_intake`, also records each intake's own row (the live workbook shows them).
pub fn persisting_people(
    o: &Outcome,
    achieving: Decimal,
    keep: Decimal,
    people: &mut [Decimal],
    by_intake: Option<&mut Vec<(usize, Vec<Decimal>)>>,
) {
    persisting_people_by(o, |_| achieving, keep, &[], people, by_intake)
}

/// [`persisting_people`] with each intake's own achievers (participants given per intake
/// year; `totalplace track`'s observed intakes take their counts) and the outcome's ramp-up:
/// in the j-th year from an intake's first benefit year its people count at `ramp[j]` of
/// their full effect (1 after the profile).
pub fn persisting_people_by(
    o: &Outcome,
    achieving_in: impl Fn(usize) -> Decimal,
    keep: Decimal,
    ramp: &[Decimal],
    people: &mut [Decimal],
    mut by_intake: Option<&mut Vec<(usize, Vec<Decimal>)>>,
) {
    let h = people.len();
    people.fill(Decimal::ZERO);
    for s in o.intake_start..(o.intake_start + o.intakes).min(h) {
        let achieving = achieving_in(s);
        let first = s + o.lag;
        let last = match o.duration {
            Some(d) => (first + d).min(h),
            None => h,
        };
        let mut persist = Decimal::ONE;
        let mut intake = by_intake.as_ref().map(|_| vec![Decimal::ZERO; h]);
        for (t, slot) in people.iter_mut().enumerate().take(last).skip(first) {
            let x = match ramp.get(t - first) {
                Some(r) => achieving * persist * r,
                None => achieving * persist,
            };
            *slot += x;
            if let Some(v) = intake.as_mut() {
                v[t] = x;
            }
            persist *= keep;
        }
        if let (Some(rows), Some(v)) = (by_intake.as_mut(), intake) {
            rows.push((s, v));
        }
    }
}

/// Whole steps of released capacity in `units`: ⌊units ÷ step⌋, exactly (the f64 Monte Carlo
/// kernel counts its steps with this too, so the two agree on every boundary).
#[inline]
pub fn whole_steps(units: Decimal, step: Decimal) -> Decimal {
    (units / step).floor()
}

/// Cashable part of a stepped flow with its own step value: whole steps × step value ×
/// cashability, at most the benefit (so the non-cashable rest is never negative).
#[inline]
pub fn stepped_value_cash(
    units: Decimal,
    step: Decimal,
    step_value: Decimal,
    cash: Decimal,
    benefit: Decimal,
) -> Decimal {
    (whole_steps(units, step) * step_value * cash).min(benefit)
}

/// Evaluate a scenario: a pure function of its structure and parameters.
pub fn evaluate(sc: &ValidatedScenario, p: &Params) -> Results {
    evaluate_with(sc, p, None)
}

/// [`evaluate`], also returning its intermediate terms.
pub fn evaluate_traced(sc: &ValidatedScenario, p: &Params) -> (Results, Trace) {
    let mut t = Trace::default();
    let r = evaluate_with(sc, p, Some(&mut t));
    (r, t)
}

fn evaluate_with(sc: &ValidatedScenario, p: &Params, mut trace: Option<&mut Trace>) -> Results {
    let h = sc.horizon;
    let n = sc.parties.len();
    let zero = Decimal::ZERO;
    let one = Decimal::ONE;
    let mut costs = vec![vec![[zero; 3]; h]; n];
    let mut cashable = vec![vec![zero; h]; n];
    let mut non_cashable = vec![vec![zero; h]; n];
    let mut transfers = vec![vec![zero; h]; n];
    // Cash → price-base factor of each year (lines in cash prices only).
    let cash_f = sc.prices.as_ref().map(|c| c.factors(p));
    let to_real = |cash: bool, t: usize, x: Decimal| match (&cash_f, cash) {
        (Some(f), true) => x * f[t],
        _ => x,
    };

    for c in &sc.costs {
        let uplift = one + p.get(c.optimism_bias);
        let mut line = vec![zero; h];
        for (i, &a) in c.amounts.iter().enumerate() {
            let t = c.from_year + i;
            if t < h {
                let x = to_real(c.cash, t, p.get(a) * uplift);
                costs[c.party][t][c.kind.index()] += x;
                line[t] = x;
            }
        }
        if let Some(tr) = trace.as_deref_mut() {
            tr.costs.push(line);
        }
    }

    // Units of each flow by year (kept for per-unit transfers).
    let mut flow_units: Vec<Vec<Vec<Decimal>>> = Vec::with_capacity(sc.outcomes.len());
    // Additional outcomes of each outcome (for the cost per outcome).
    let mut counted = Vec::with_capacity(sc.outcomes.len());
    // The economic case's wider values by value type, and replaced flows' fiscal benefit.
    let mut wider: std::collections::BTreeMap<&str, Vec<Decimal>> = Default::default();
    let mut replaced = vec![zero; h];
    for o in &sc.outcomes {
        // The outcome's own terms (the trace shows these: the first intake's where
        // participants are given per intake; other intakes, and observed ones, which only
        // `track` sets, take theirs in `persisting_people_by`).
        let engaged = p.get(o.participants) * p.get(o.engagement);
        let add = outcome_additionality(o, p);
        let achieving = achievers(engaged, p.get(o.success), p.get(o.deadweight), add);
        let keep = one - p.get(o.drop_off);
        let realism = one - p.get(o.optimism_bias);
        let mut people = vec![zero; h];
        let mut ot = trace.is_some().then(|| OutcomeTrace {
            engaged,
            additionality: add,
            achieving,
            keep,
            realism,
            ..Default::default()
        });
        let ramp: Vec<Decimal> = o.ramp_up.iter().map(|&r| p.get(r)).collect();
        persisting_people_by(
            o,
            |s| {
                let (pp, pe, ps) = o.intake_params(s);
                achievers(p.get(pp) * p.get(pe), p.get(ps), p.get(o.deadweight), add)
            },
            keep,
            &ramp,
            &mut people,
            ot.as_mut().map(|t| &mut t.by_intake),
        );
        counted.push(additional_outcomes(o, p, add, realism, h));
        for v in &o.values {
            let qty = p.get(v.quantity) * realism;
            let value = p.get(v.value) * v.rebase.0 / v.rebase.1;
            let row = wider
                .entry(v.value_type.as_str())
                .or_insert_with(|| vec![zero; h]);
            for t in 0..h {
                if !people[t].is_zero() {
                    row[t] += people[t] * qty * value;
                }
            }
        }
        let mut units_o = Vec::with_capacity(o.flows.len());
        for (fi, f) in o.flows.iter().enumerate() {
            let is_replaced = o.values.iter().any(|v| v.replaces.contains(&fi));
            let qty = p.get(f.quantity) * realism;
            let value = p.get(f.value) * f.rebase.0 / f.rebase.1;
            let cash = p.get(f.cashability);
            let step = f.step.map(|s| p.get(s));
            let step_value = f.step_value.map(|s| p.get(s));
            let mut units = vec![zero; h];
            let mut ft = ot.as_ref().map(|_| FlowTrace {
                quantity: qty,
                value,
                benefit: vec![zero; h],
                cashable: vec![zero; h],
                non_cashable: vec![zero; h],
                ..Default::default()
            });
            for t in 0..h {
                if people[t].is_zero() {
                    continue;
                }
                let u = people[t] * qty;
                units[t] = u;
                let benefit = u * value;
                let c = match (step, step_value) {
                    (None, _) => benefit * cash,
                    (Some(step), None) => whole_steps(u, step) * step * value * cash,
                    (Some(step), Some(sv)) => stepped_value_cash(u, step, sv, cash, benefit),
                };
                cashable[f.party][t] += c;
                non_cashable[f.party][t] += benefit - c;
                if is_replaced {
                    replaced[t] += benefit;
                }
                if let Some(ft) = ft.as_mut() {
                    ft.benefit[t] = benefit;
                    ft.cashable[t] = c;
                    ft.non_cashable[t] = benefit - c;
                }
            }
            if let (Some(ot), Some(mut ft)) = (ot.as_mut(), ft) {
                ft.units = units.clone();
                ot.flows.push(ft);
            }
            units_o.push(units);
        }
        flow_units.push(units_o);
        if let (Some(tr), Some(mut ot)) = (trace.as_deref_mut(), ot) {
            ot.people = people;
            tr.outcomes.push(ot);
        }
    }

    // Each transfer's payments by year, from its payer to its payee.
    let mut paid = vec![vec![zero; h]; sc.transfers.len()];
    // Per transfer in cash prices: its payments in cash, before conversion (the trace's).
    let mut cash_paid = trace
        .is_some()
        .then(|| vec![Vec::new(); sc.transfers.len()]);
    for (i, tr) in sc.transfers.iter().enumerate() {
        let paid = &mut paid[i];
        match &tr.kind {
            TransferKind::Fixed {
                from_year, amounts, ..
            } => {
                for (i, &a) in amounts.iter().enumerate() {
                    let t = from_year + i;
                    if t < h {
                        paid[t] += p.get(a);
                    }
                }
            }
            TransferKind::Pbr {
                outcome,
                amount,
                attachment_share,
                attachment_by_intake,
                result_lag,
                additional,
                cap,
                clawback,
            } => {
                let o = &sc.outcomes[*outcome];
                let amount = p.get(*amount);
                let keep = one - p.get(o.drop_off);
                for s in o.intake_start..(o.intake_start + o.intakes).min(h) {
                    let attach = p.get(super::attachment_in(
                        *attachment_share,
                        attachment_by_intake,
                        o.intake_start,
                        s,
                    ));
                    let (pp, pe, ps) = o.intake_params(s);
                    let engaged = p.get(pp) * p.get(pe);
                    // Results are paid on observed results: deadweight included (the payer
                    // cannot tell them apart) unless the contract pays on additional outcomes
                    // only; optimism bias applied like the outcome's benefits.
                    let mut results = engaged * p.get(ps) * (one - p.get(o.optimism_bias));
                    if *additional {
                        results *= one - p.get(o.deadweight);
                    }
                    paid[s] += engaged * amount * attach;
                    let t = s + result_lag;
                    if t < h {
                        let per_result = amount * (one - attach);
                        paid[t] += results * per_result;
                        // Claw-back: each result that lapses in a later year (drop-off) repays
                        // its results payment: results × keep^(j−1) × (1 − keep) in year t + j.
                        if *clawback {
                            let mut persist = one;
                            for x in paid.iter_mut().take(h).skip(t + 1) {
                                *x -= results * persist * (one - keep) * per_result;
                                persist *= keep;
                            }
                        }
                    }
                }
                // A cap on the total paid: payments in year order until it is reached (a
                // claw-back, a repayment, always applies and makes room again).
                if let Some(cap) = cap {
                    let cap = p.get(*cap);
                    let mut cum = zero;
                    for x in paid.iter_mut() {
                        if *x > zero {
                            *x = (*x).min((cap - cum).max(zero));
                        }
                        cum += *x;
                    }
                }
            }
            TransferKind::PerUnit {
                outcome,
                flow,
                amount,
            } => {
                let amount = p.get(*amount);
                for (t, u) in flow_units[*outcome][*flow].iter().enumerate() {
                    if !u.is_zero() {
                        paid[t] += *u * amount;
                    }
                }
            }
            TransferKind::GainShare { .. } => {}
        }
        // Worked out in cash (a PbR's tariff and cap are the contract's), then in the price
        // base year by year.
        if tr.cash {
            if let Some(tc) = cash_paid.as_mut() {
                tc[i] = paid.clone();
            }
            for (t, x) in paid.iter_mut().enumerate() {
                *x = to_real(true, t, *x);
            }
        }
        for t in 0..h {
            transfers[tr.from][t] -= paid[t];
            transfers[tr.to][t] += paid[t];
        }
    }
    // Gain-shares, on each payer's position before any gain-share.
    let before = transfers.clone();
    for (i, tr) in sc.transfers.iter().enumerate() {
        if let TransferKind::GainShare {
            share,
            cashable_basis,
        } = &tr.kind
        {
            let share = p.get(*share);
            for t in 0..h {
                let a = tr.from;
                let benefits = if *cashable_basis {
                    cashable[a][t]
                } else {
                    cashable[a][t] + non_cashable[a][t]
                };
                let c: Decimal = costs[a][t].iter().copied().sum();
                let gain = benefits + before[a][t] - c;
                if gain > zero {
                    let x = gain * share;
                    paid[i][t] = x;
                    transfers[tr.from][t] -= x;
                    transfers[tr.to][t] += x;
                }
            }
        }
    }
    if let Some(tr) = trace {
        tr.transfers = paid;
        tr.transfers_cash = cash_paid.unwrap_or_default();
        tr.cash_factors = cash_f.clone().unwrap_or_default();
        tr.before_gain_share = before;
    }

    let d = &sc.discount_factors;
    let mut parties = Vec::with_capacity(n);
    let mut system_yearly = vec![YearRow::default(); h];
    for (a, party) in sc.parties.iter().enumerate() {
        let mut yearly = Vec::with_capacity(h);
        let mut cum = zero;
        for t in 0..h {
            let ck = costs[a][t];
            let c: Decimal = ck.iter().copied().sum();
            let net = cashable[a][t] + non_cashable[a][t] - c + transfers[a][t];
            let pv_net = net * d[t];
            cum += pv_net;
            let row = YearRow {
                costs_by_kind: ck,
                costs: c,
                cashable: cashable[a][t],
                non_cashable: non_cashable[a][t],
                transfers: transfers[a][t],
                net,
                discount_factor: d[t],
                pv_net,
                cumulative_pv_net: cum,
            };
            let s = &mut system_yearly[t];
            for k in CostKind::ALL {
                s.costs_by_kind[k.index()] += ck[k.index()];
            }
            s.costs += c;
            s.cashable += row.cashable;
            s.non_cashable += row.non_cashable;
            s.transfers += row.transfers;
            yearly.push(row);
        }
        let summary = summarise(&yearly, d);
        parties.push(PartyResult {
            id: party.id.clone(),
            name: party.name.clone(),
            budget_control: party.budget_control.as_str(),
            external: party.external,
            not_locally_cashable: party.not_locally_cashable(),
            summary,
            yearly,
            cost_share: None,
            benefit_share: None,
            cashable_share: None,
            fair_share: None,
            fair_share_cashable: None,
        });
    }
    let mut cum = zero;
    for (t, s) in system_yearly.iter_mut().enumerate() {
        s.net = s.cashable + s.non_cashable - s.costs + s.transfers;
        s.discount_factor = d[t];
        s.pv_net = s.net * d[t];
        cum += s.pv_net;
        s.cumulative_pv_net = cum;
    }
    // System totals are the sums of the parties' present values (so system NPV = Σ agency NPV
    // exactly); the payback uses the system's yearly cumulative.
    let mut system = Summary::default();
    for pr in &parties {
        let s = &pr.summary;
        system.pv_costs += s.pv_costs;
        system.pv_cashable += s.pv_cashable;
        system.pv_non_cashable += s.pv_non_cashable;
        system.pv_benefits += s.pv_benefits;
        system.pv_transfers += s.pv_transfers;
        system.npv += s.npv;
        system.npv_cashable += s.npv_cashable;
    }
    system.froi = ratio(system.pv_benefits, system.pv_costs);
    system.froi_cashable = ratio(system.pv_cashable, system.pv_costs);
    system.payback = Some(payback(&system_yearly));
    system.deficit_again = deficit_again(&system_yearly);

    let total_c = system.pv_costs;
    let total_b = system.pv_benefits;
    let total_cb = system.pv_cashable;
    let mut w = zero;
    let mut wc = zero;
    let mut local = zero;
    for pr in &mut parties {
        let s = &pr.summary;
        pr.cost_share = ratio(s.pv_costs, total_c);
        pr.benefit_share = ratio(s.pv_benefits, total_b);
        pr.cashable_share = ratio(s.pv_cashable, total_cb);
        pr.fair_share = pr.benefit_share.map(|b| total_c * b - s.pv_costs);
        pr.fair_share_cashable = pr.cashable_share.map(|b| total_c * b - s.pv_costs);
        if let (Some(c), Some(b)) = (pr.cost_share, pr.benefit_share) {
            w += (b - c).abs();
        }
        if let (Some(c), Some(b)) = (pr.cost_share, pr.cashable_share) {
            wc += (b - c).abs();
        }
        if !pr.not_locally_cashable {
            local += s.pv_cashable;
        }
    }
    let half = Decimal::new(5, 1);
    let wrong_pocket = (!total_c.is_zero() && !total_b.is_zero()).then_some(w * half);
    let wrong_pocket_cashable = (!total_c.is_zero() && !total_cb.is_zero()).then_some(wc * half);

    let economic = (sc.outcomes.iter().any(|o| !o.values.is_empty()))
        .then(|| economic_case(&system, &system_yearly, &wider, &replaced, d));

    let additional_total: Decimal = counted.iter().copied().sum();
    let outcomes = sc
        .outcomes
        .iter()
        .zip(counted)
        .map(|(o, n)| OutcomeResult {
            id: o.id.clone(),
            name: o.name.clone(),
            additional_outcomes: n,
            cost_per_outcome: ratio(total_c, n),
        })
        .collect();

    Results {
        horizon: h,
        discount_factors: d.clone(),
        parties,
        system,
        system_yearly,
        wrong_pocket,
        wrong_pocket_cashable,
        pv_locally_cashable: local,
        outcomes,
        additional_outcomes: additional_total,
        cost_per_outcome: ratio(total_c, additional_total),
        economic,
    }
}

/// The economic case from the system's financial figures, the wider values by type and the
/// replaced flows' benefits (all by year).
fn economic_case(
    system: &Summary,
    system_yearly: &[YearRow],
    wider: &std::collections::BTreeMap<&str, Vec<Decimal>>,
    replaced: &[Decimal],
    d: &[Decimal],
) -> EconomicCase {
    let pv = |xs: &[Decimal]| -> Decimal { xs.iter().zip(d).map(|(x, f)| *x * *f).sum() };
    let pv_fiscal_replaced = pv(replaced);
    let pv_fiscal = system.pv_benefits - pv_fiscal_replaced;
    let pv_values: Vec<(String, Decimal)> =
        wider.iter().map(|(k, v)| (k.to_string(), pv(v))).collect();
    let pv_public_value = pv_fiscal + pv_values.iter().map(|(_, x)| *x).sum::<Decimal>();
    let yearly = system_yearly
        .iter()
        .enumerate()
        .map(|(t, y)| {
            let fiscal = y.cashable + y.non_cashable - replaced[t];
            let values: Vec<Decimal> = wider.values().map(|v| v[t]).collect();
            let public_value = fiscal + values.iter().copied().sum::<Decimal>();
            EconomicYear {
                costs: y.costs,
                fiscal,
                values,
                public_value,
                net: public_value - y.costs,
            }
        })
        .collect();
    EconomicCase {
        pv_costs: system.pv_costs,
        pv_fiscal,
        pv_fiscal_replaced,
        pv_values,
        pv_public_value,
        npv: pv_public_value - system.pv_costs,
        bcr: ratio(pv_public_value, system.pv_costs),
        yearly,
    }
}

/// Additional outcomes of `o` ([`OutcomeResult::additional_outcomes`]): each intake whose
/// first benefit year is within the horizon adds its achievers (observed intakes their own,
/// as in the engine) × `realism` = 1 − optimism bias.
fn additional_outcomes(
    o: &Outcome,
    p: &Params,
    additionality: Decimal,
    realism: Decimal,
    h: usize,
) -> Decimal {
    let mut n = Decimal::ZERO;
    for s in o.intake_start..(o.intake_start + o.intakes).min(h) {
        if s + o.lag >= h {
            continue;
        }
        let (pp, pe, ps) = o.intake_params(s);
        n += achievers(
            p.get(pp) * p.get(pe),
            p.get(ps),
            p.get(o.deadweight),
            additionality,
        );
    }
    n * realism
}

fn ratio(a: Decimal, b: Decimal) -> Option<Decimal> {
    (!b.is_zero()).then(|| a / b)
}

fn summarise(yearly: &[YearRow], d: &[Decimal]) -> Summary {
    let mut s = Summary::default();
    for (t, r) in yearly.iter().enumerate() {
        s.pv_costs += r.costs * d[t];
        s.pv_cashable += r.cashable * d[t];
        s.pv_non_cashable += r.non_cashable * d[t];
        s.pv_transfers += r.transfers * d[t];
    }
    s.pv_benefits = s.pv_cashable + s.pv_non_cashable;
    s.npv = s.pv_benefits - s.pv_costs + s.pv_transfers;
    s.npv_cashable = s.pv_cashable - s.pv_costs + s.pv_transfers;
    s.froi = ratio(s.pv_benefits, s.pv_costs);
    s.froi_cashable = ratio(s.pv_cashable, s.pv_costs);
    s.payback = Some(payback(yearly));
    s.deficit_again = deficit_again(yearly);
    s
}

/// The last crossing of the cumulative discounted net into permanent surplus (non-negative to
/// the end of the horizon), interpolated linearly within the year of crossing. 0 when the
/// cumulative is never negative; not within the horizon when it ends negative, however long it
/// was in surplus before. [`deficit_again`] says when a party in surplus dips back.
pub fn payback(yearly: &[YearRow]) -> Payback {
    if yearly.iter().all(|r| {
        r.pv_net.is_zero()
            && r.costs.is_zero()
            && r.cashable.is_zero()
            && r.non_cashable.is_zero()
            && r.transfers.is_zero()
    }) {
        return Payback::NoFlows;
    }
    match yearly.last() {
        Some(r) if r.cumulative_pv_net < Decimal::ZERO => return Payback::NotWithinHorizon,
        _ => {}
    }
    // The last year still in deficit; the crossing is in the year after it.
    match yearly
        .iter()
        .rposition(|r| r.cumulative_pv_net < Decimal::ZERO)
    {
        None => Payback::Within(Decimal::ZERO),
        Some(j) => {
            let prev = yearly[j].cumulative_pv_net;
            let t = j + 1;
            Payback::Within(Decimal::from(t as u64) + (-prev) / yearly[t].pv_net)
        }
    }
}

/// Years (from 0) in which the cumulative discounted net falls back into deficit after being in
/// surplus at the end of the year before (a cumulative of exactly 0, such as before any flow,
/// is not a surplus).
pub fn deficit_again(yearly: &[YearRow]) -> Vec<usize> {
    yearly
        .windows(2)
        .enumerate()
        .filter(|(_, w)| {
            w[0].cumulative_pv_net > Decimal::ZERO && w[1].cumulative_pv_net < Decimal::ZERO
        })
        .map(|(t, _)| t + 1)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The traced run is the same run, and its terms add up to the results: each party's
    /// cashable and non-cashable savings are the sums of its flows', its costs the sums of its
    /// cost lines', and each transfer leaves its payer and reaches its payee.
    #[test]
    fn trace_is_the_engines_own_terms() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models/kirkbridge/scenarios");
        let mut seen = 0;
        for e in std::fs::read_dir(dir).unwrap() {
            let sc = crate::scenario::load(&e.unwrap().path()).unwrap();
            let p = sc.params();
            let (r, tr) = evaluate_traced(&sc, &p);
            assert_eq!(r, evaluate(&sc, &p), "{}", sc.id);
            for (a, pr) in r.parties.iter().enumerate() {
                for t in 0..sc.horizon {
                    let mut cash = Decimal::ZERO;
                    let mut non = Decimal::ZERO;
                    for (o, ot) in sc.outcomes.iter().zip(&tr.outcomes) {
                        for (f, ft) in o.flows.iter().zip(&ot.flows) {
                            if f.party == a {
                                cash += ft.cashable[t];
                                non += ft.non_cashable[t];
                            }
                        }
                    }
                    assert_eq!(pr.yearly[t].cashable, cash, "{} {} cashable", sc.id, pr.id);
                    assert_eq!(
                        pr.yearly[t].non_cashable, non,
                        "{} {} non-cashable",
                        sc.id, pr.id
                    );
                    let costs: Decimal = sc
                        .costs
                        .iter()
                        .zip(&tr.costs)
                        .filter(|(c, _)| c.party == a)
                        .map(|(_, v)| v[t])
                        .sum();
                    assert_eq!(pr.yearly[t].costs, costs, "{} {} costs", sc.id, pr.id);
                    let net: Decimal = sc
                        .transfers
                        .iter()
                        .zip(&tr.transfers)
                        .map(|(x, v)| {
                            let mut d = Decimal::ZERO;
                            if x.to == a {
                                d += v[t];
                            }
                            if x.from == a {
                                d -= v[t];
                            }
                            d
                        })
                        .sum();
                    assert_eq!(pr.yearly[t].transfers, net, "{} {} transfers", sc.id, pr.id);
                }
            }
            seen += 1;
        }
        assert_eq!(seen, 5);
    }
}
