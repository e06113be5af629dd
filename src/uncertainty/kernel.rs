//! The scenario engine compiled to `f64` for Monte Carlo: the same arithmetic as
//! [`crate::scenario::evaluate`] (deadweight, attribution, displacement, leakage, lag, drop-off, duration, optimism bias, stepped
//! cashability, fixed/pooled, PbR, per-unit and gain-share transfers, discount factors), reduced
//! to what a draw needs: each party's PV costs, cashable and non-cashable benefits and net
//! transfers. Structure is resolved once; an evaluation reads a flat parameter slice and writes
//! into caller-owned scratch, so a draw allocates nothing.
//!
//! Present values are accumulated directly where a flow is linear in its yearly units (most
//! flows: PV = PV of persisting people × quantity × unit cost). Yearly figures are kept only
//! where the arithmetic needs them: stepped flows (whole steps each year) and the parties that
//! pay a gain-share (their yearly net gain decides each year's payment).
//!
//! Whole steps are counted in exact decimals with the engine's own functions (each draw read
//! back as the shortest decimal for its f64), so the kernel and the engine agree on every
//! step boundary with no tolerance: binary noise cannot add or lose a step.

use rust_decimal::Decimal;

use crate::scenario::engine::{achievers, additionality, persisting_people_by, whole_steps};
use crate::scenario::{Outcome, TransferKind, ValidatedScenario, P};

/// The four present values of one party.
pub const PV_COSTS: usize = 0;
pub const PV_CASHABLE: usize = 1;
pub const PV_NON_CASHABLE: usize = 2;
pub const PV_TRANSFERS: usize = 3;
/// Width of one party's slot in [`Kernel::eval`]'s output.
pub const PV_WIDTH: usize = 4;

#[derive(Debug, Clone)]
struct KCost {
    party: usize,
    /// (year, amount parameter), years within the horizon only.
    years: Vec<(usize, P)>,
    optimism_bias: P,
    /// Amounts in cash prices (× the year's cash factor).
    cash: bool,
}

#[derive(Debug, Clone)]
struct KPerUnit {
    from: usize,
    to: usize,
    amount: P,
    /// Paid in cash prices (× the year's cash factor; the flow is then evaluated yearly).
    cash: bool,
}

#[derive(Debug, Clone)]
struct KFlow {
    party: usize,
    quantity: P,
    cashability: P,
    step: Option<P>,
    /// Cash released per whole step (price base), instead of step × unit cost.
    step_value: Option<P>,
    value: P,
    /// index[price base] ÷ index[price year].
    rebase: f64,
    /// Evaluate year by year (stepped, or the bearer or a per-unit payer/payee is tracked).
    yearly: bool,
    per_unit: Vec<KPerUnit>,
}

#[derive(Debug, Clone)]
struct KOutcome {
    participants: P,
    /// Participants per intake year from `intake_start` (empty: `participants` for each).
    participants_by: Vec<P>,
    /// Ramp-up shares by year from an intake's first benefit year (empty: full at once).
    ramp: Vec<P>,
    engagement: P,
    success: P,
    deadweight: P,
    attribution: P,
    displacement: P,
    leakage: P,
    drop_off: P,
    optimism_bias: P,
    intake_start: usize,
    intake_end: usize,
    lag: usize,
    duration: Option<usize>,
    flows: Vec<KFlow>,
    /// PV of people per achiever as a polynomial in keep = 1 − drop_off:
    /// Σ_j keep^j · w_j, w_j = Σ over intakes s of D[first_s + j] while first_s + j is within
    /// the outcome's duration and the horizon (first_s = s + lag).
    w: Vec<f64>,
    /// With participants per intake: each intake's own polynomial (D[first_s + j] alone), in
    /// intake order, so that PV people = Σ_s achieving_s · Σ_j keep^j · w_s,j.
    w_by_intake: Vec<Vec<f64>>,
    /// Some flow needs people year by year.
    needs_people: bool,
    /// The outcome itself when a flow is stepped: whole steps are counted in exact decimals
    /// by the engine's own functions, so the kernel and the engine agree on every boundary.
    exact: Option<Box<Outcome>>,
}

#[derive(Debug, Clone)]
enum KTransfer {
    Fixed {
        from: usize,
        to: usize,
        years: Vec<(usize, P)>,
        cash: bool,
    },
    Pbr {
        from: usize,
        to: usize,
        outcome: usize,
        amount: P,
        attachment_share: P,
        attachment_by_intake: Vec<P>,
        result_lag: usize,
        additional: bool,
        cap: Option<P>,
        clawback: bool,
        cash: bool,
    },
}

#[derive(Debug, Clone)]
struct KGainShare {
    from: usize,
    to: usize,
    share: P,
    cashable_basis: bool,
}

/// A compiled scenario.
#[derive(Debug, Clone)]
pub struct Kernel {
    pub horizon: usize,
    pub parties: usize,
    discount: Vec<f64>,
    costs: Vec<KCost>,
    outcomes: Vec<KOutcome>,
    transfers: Vec<KTransfer>,
    gain_shares: Vec<KGainShare>,
    /// Parties that pay a gain-share: their yearly position is kept.
    tracked: Vec<bool>,
    /// Parties with any cost, flow or transfer.
    pub active: Vec<bool>,
    /// Cash prices: per year index[base] ÷ index[min(year, last)], years past the deflator
    /// file, and the inflation parameter (see [`crate::scenario::CashPrices`]).
    prices: Option<(Vec<f64>, Vec<u32>, Option<P>)>,
}

/// Per-thread working memory for [`Kernel::eval`].
#[derive(Debug, Clone)]
pub struct Scratch {
    /// Per outcome: PV of persisting people per achiever (see `KOutcome::w`).
    pv_per: Vec<f64>,
    people: Vec<f64>,
    /// People year by year in exact decimals, for stepped flows.
    people_exact: Vec<Decimal>,
    /// Yearly cashable, non-cashable, costs and transfers of tracked parties: [party][t].
    cash: Vec<f64>,
    non_cash: Vec<f64>,
    costs: Vec<f64>,
    transfers: Vec<f64>,
    /// One PbR transfer's payments by year (capped or clawed-back contracts).
    pbr: Vec<f64>,
    /// Cash → price-base factor by year (scenarios with cash prices).
    cash_f: Vec<f64>,
}

fn to_f64(d: rust_decimal::Decimal) -> f64 {
    use rust_decimal::prelude::ToPrimitive;
    d.to_f64().unwrap_or(f64::NAN)
}

/// A draw as the decimal it stands for: the shortest decimal that reads back as the same f64
/// (0.1 for 0.1_f64), so a scenario's own values convert back exactly. Written on the stack:
/// a draw allocates nothing.
fn exact(x: f64) -> Decimal {
    use std::fmt::Write;
    struct Buf {
        b: [u8; 40],
        n: usize,
    }
    impl Write for Buf {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            let end = self.n + s.len();
            if end > self.b.len() {
                return Err(std::fmt::Error);
            }
            self.b[self.n..end].copy_from_slice(s.as_bytes());
            self.n = end;
            Ok(())
        }
    }
    let mut buf = Buf { b: [0; 40], n: 0 };
    if write!(buf, "{x:e}").is_ok() {
        if let Some(d) = std::str::from_utf8(&buf.b[..buf.n])
            .ok()
            .and_then(|t| Decimal::from_scientific(t).ok())
        {
            return d;
        }
    }
    use rust_decimal::prelude::FromPrimitive;
    Decimal::from_f64(x).unwrap_or_default()
}

/// Σ_j ka^j · wa[j] and Σ_j kb^j · wb[j] by Horner's rule (from the highest power down, from
/// zero), the common powers in step: each sum's steps, and so its bits, are those of its own
/// loop.
#[inline]
fn horner2(wa: &[f64], ka: f64, wb: &[f64], kb: f64) -> (f64, f64) {
    let m = wa.len().min(wb.len());
    let (mut a, mut b) = (0.0, 0.0);
    for &w in wa[m..].iter().rev() {
        a = a * ka + w;
    }
    for &w in wb[m..].iter().rev() {
        b = b * kb + w;
    }
    for j in (0..m).rev() {
        a = a * ka + wa[j];
        b = b * kb + wb[j];
    }
    (a, b)
}

impl Kernel {
    pub fn compile(sc: &ValidatedScenario) -> Kernel {
        let h = sc.horizon;
        let n = sc.parties.len();
        let mut tracked = vec![false; n];
        let mut active = vec![false; n];
        let mut gain_shares = Vec::new();
        for tr in &sc.transfers {
            if let TransferKind::GainShare {
                share,
                cashable_basis,
            } = &tr.kind
            {
                tracked[tr.from] = true;
                gain_shares.push(KGainShare {
                    from: tr.from,
                    to: tr.to,
                    share: *share,
                    cashable_basis: *cashable_basis,
                });
            }
            active[tr.from] = true;
            active[tr.to] = true;
        }
        let years = |from: usize, amounts: &[P]| -> Vec<(usize, P)> {
            amounts
                .iter()
                .enumerate()
                .map(|(i, &a)| (from + i, a))
                .filter(|(t, _)| *t < h)
                .collect()
        };
        let costs = sc
            .costs
            .iter()
            .map(|c| {
                active[c.party] = true;
                KCost {
                    party: c.party,
                    years: years(c.from_year, &c.amounts),
                    optimism_bias: c.optimism_bias,
                    cash: c.cash,
                }
            })
            .collect();
        let mut outcomes: Vec<KOutcome> = sc
            .outcomes
            .iter()
            .map(|o| KOutcome {
                // Observed intakes (`totalplace track`) are evaluated by the exact engine only;
                // scenario files never carry them, so the kernel sees one set per outcome.
                participants: o.participants,
                participants_by: o.participants_by_intake.clone(),
                ramp: o.ramp_up.clone(),
                engagement: o.engagement,
                success: o.success,
                deadweight: o.deadweight,
                attribution: o.attribution,
                displacement: o.displacement,
                leakage: o.leakage,
                drop_off: o.drop_off,
                optimism_bias: o.optimism_bias,
                intake_start: o.intake_start,
                intake_end: (o.intake_start + o.intakes).min(h),
                lag: o.lag,
                duration: o.duration,
                w: {
                    let d: Vec<f64> = sc.discount_factors.iter().copied().map(to_f64).collect();
                    let mut w = vec![0.0; h];
                    for st in o.intake_start..(o.intake_start + o.intakes).min(h) {
                        let first = st + o.lag;
                        let last = o.duration.map_or(h, |du| (first + du).min(h));
                        for t in first..last {
                            w[t - first] += d[t];
                        }
                    }
                    while w.last() == Some(&0.0) {
                        w.pop();
                    }
                    w
                },
                w_by_intake: if o.participants_by_intake.is_empty() {
                    Vec::new()
                } else {
                    let d: Vec<f64> = sc.discount_factors.iter().copied().map(to_f64).collect();
                    (o.intake_start..(o.intake_start + o.intakes).min(h))
                        .map(|st| {
                            let first = st + o.lag;
                            let last = o.duration.map_or(h, |du| (first + du).min(h));
                            (first..last.max(first)).map(|t| d[t]).collect()
                        })
                        .collect()
                },
                needs_people: false,
                exact: o
                    .flows
                    .iter()
                    .any(|f| f.step.is_some())
                    .then(|| Box::new(o.clone())),
                flows: o
                    .flows
                    .iter()
                    .map(|f| {
                        active[f.party] = true;
                        KFlow {
                            party: f.party,
                            quantity: f.quantity,
                            cashability: f.cashability,
                            step: f.step,
                            step_value: f.step_value,
                            value: f.value,
                            rebase: to_f64(f.rebase.0) / to_f64(f.rebase.1),
                            yearly: f.step.is_some() || tracked[f.party],
                            per_unit: Vec::new(),
                        }
                    })
                    .collect(),
            })
            .collect();
        let mut transfers = Vec::new();
        for tr in &sc.transfers {
            match &tr.kind {
                TransferKind::Fixed {
                    from_year, amounts, ..
                } => transfers.push(KTransfer::Fixed {
                    from: tr.from,
                    to: tr.to,
                    years: years(*from_year, amounts),
                    cash: tr.cash,
                }),
                TransferKind::Pbr {
                    outcome,
                    amount,
                    attachment_share,
                    attachment_by_intake,
                    result_lag,
                    additional,
                    cap,
                    clawback,
                } => transfers.push(KTransfer::Pbr {
                    from: tr.from,
                    to: tr.to,
                    outcome: *outcome,
                    amount: *amount,
                    attachment_share: *attachment_share,
                    attachment_by_intake: attachment_by_intake.clone(),
                    result_lag: *result_lag,
                    additional: *additional,
                    cap: *cap,
                    clawback: *clawback,
                    cash: tr.cash,
                }),
                TransferKind::PerUnit {
                    outcome,
                    flow,
                    amount,
                } => {
                    let f = &mut outcomes[*outcome].flows[*flow];
                    if tracked[tr.from] || tracked[tr.to] || tr.cash {
                        f.yearly = true;
                    }
                    f.per_unit.push(KPerUnit {
                        from: tr.from,
                        to: tr.to,
                        amount: *amount,
                        cash: tr.cash,
                    });
                }
                TransferKind::GainShare { .. } => {}
            }
        }
        for o in &mut outcomes {
            o.needs_people = o.flows.iter().any(|f| f.yearly);
        }
        Kernel {
            horizon: h,
            parties: n,
            discount: sc.discount_factors.iter().copied().map(to_f64).collect(),
            costs,
            outcomes,
            transfers,
            gain_shares,
            tracked,
            active,
            prices: sc.prices.as_ref().map(|c| {
                (
                    c.known.iter().copied().map(to_f64).collect(),
                    c.past.clone(),
                    c.inflation,
                )
            }),
        }
    }

    pub fn scratch(&self) -> Scratch {
        let h = self.horizon;
        let n = self.parties;
        Scratch {
            pv_per: vec![0.0; self.outcomes.len()],
            people: vec![0.0; h],
            people_exact: vec![Decimal::ZERO; h],
            cash: vec![0.0; n * h],
            non_cash: vec![0.0; n * h],
            costs: vec![0.0; n * h],
            transfers: vec![0.0; n * h],
            pbr: vec![0.0; h],
            cash_f: vec![1.0; h],
        }
    }

    /// Evaluate with parameter values `p` (indexed like the scenario's `param_specs`), writing
    /// each party's [`PV_COSTS`], [`PV_CASHABLE`], [`PV_NON_CASHABLE`] and [`PV_TRANSFERS`]
    /// into `out[party * PV_WIDTH + k]`.
    pub fn eval(&self, p: &[f64], s: &mut Scratch, out: &mut [f64]) {
        let h = self.horizon;
        let d = &self.discount;
        let tracked = &self.tracked;
        let any_tracked = !self.gain_shares.is_empty();
        out[..self.parties * PV_WIDTH].fill(0.0);
        if let Some((known, past, inflation)) = &self.prices {
            let g = inflation.map_or(0.0, |i| p[i]);
            crate::scenario::CashPrices::factors_f64(known, past, g, &mut s.cash_f);
        }
        let cf = &s.cash_f;
        if any_tracked {
            s.cash.fill(0.0);
            s.non_cash.fill(0.0);
            s.costs.fill(0.0);
            s.transfers.fill(0.0);
        }

        for c in &self.costs {
            let uplift = 1.0 + p[c.optimism_bias];
            let mut pv = 0.0;
            for &(t, a) in &c.years {
                let mut x = p[a] * uplift;
                if c.cash {
                    x *= cf[t];
                }
                pv += x * d[t];
                if tracked[c.party] {
                    s.costs[c.party * h + t] += x;
                }
            }
            out[c.party * PV_WIDTH + PV_COSTS] += pv;
        }

        // PV of the people whose outcome persists, per achiever, by Horner's rule in keep:
        // two outcomes in step, so the processor overlaps their chains of dependent steps.
        let keep_of = |o: &KOutcome| 1.0 - p[o.drop_off];
        let mut pairs = self.outcomes.chunks_exact(2);
        for (k, pair) in (&mut pairs).enumerate() {
            let (a, b) = horner2(&pair[0].w, keep_of(&pair[0]), &pair[1].w, keep_of(&pair[1]));
            s.pv_per[2 * k] = a;
            s.pv_per[2 * k + 1] = b;
        }
        if let [o] = pairs.remainder() {
            s.pv_per[self.outcomes.len() - 1] = horner2(&o.w, keep_of(o), &[], 0.0).0;
        }

        for (oi, o) in self.outcomes.iter().enumerate() {
            let engaged = p[o.participants] * p[o.engagement];
            // Additionality beyond deadweight, multiplied in last as in the engine.
            let add = (1.0 - p[o.displacement]) * (1.0 - p[o.leakage]) * p[o.attribution];
            let achieving = engaged * p[o.success] * (1.0 - p[o.deadweight]) * add;
            let keep = 1.0 - p[o.drop_off];
            let realism = 1.0 - p[o.optimism_bias];
            // Share of the full effect j years from an intake's first benefit year.
            let ramp = |j: usize| o.ramp.get(j).map_or(1.0, |&r| p[r]);
            // PV of people per achiever for polynomial `w`, by Horner's rule in keep.
            let horner = |w: &[f64]| {
                let mut pv = 0.0;
                if o.ramp.is_empty() {
                    for &wj in w.iter().rev() {
                        pv = pv * keep + wj;
                    }
                } else {
                    for (j, &wj) in w.iter().enumerate().rev() {
                        pv = pv * keep + wj * ramp(j);
                    }
                }
                pv
            };
            // Achievers of intake year st.
            let per_participant = p[o.engagement] * p[o.success] * (1.0 - p[o.deadweight]) * add;
            let achieving_in = |st: usize| match o.participants_by.get(st - o.intake_start) {
                Some(&pp) => p[pp] * per_participant,
                None => achieving,
            };
            let pv_people = if o.w_by_intake.is_empty() && o.ramp.is_empty() {
                // The plain case, computed two outcomes at a time above.
                achieving * s.pv_per[oi]
            } else if o.w_by_intake.is_empty() {
                achieving * horner(&o.w)
            } else {
                o.w_by_intake
                    .iter()
                    .enumerate()
                    .map(|(i, w)| achieving_in(o.intake_start + i) * horner(w))
                    .sum()
            };
            // Year by year only where a flow needs it (the engine's own loop).
            let people = &mut s.people;
            if o.needs_people {
                people.fill(0.0);
                for st in o.intake_start..o.intake_end {
                    let first = st + o.lag;
                    let last = match o.duration {
                        Some(du) => (first + du).min(h),
                        None => h,
                    };
                    let mut persist = achieving_in(st);
                    for (j, slot) in people.iter_mut().take(last).skip(first).enumerate() {
                        *slot += persist * ramp(j);
                        persist *= keep;
                    }
                }
            }
            // Exact people for stepped flows, as the engine computes them.
            let realism_exact = if let Some(oe) = &o.exact {
                let (pe, ps, pd) = (
                    exact(p[o.engagement]),
                    exact(p[o.success]),
                    exact(p[o.deadweight]),
                );
                let add = additionality(
                    exact(p[o.attribution]),
                    exact(p[o.displacement]),
                    exact(p[o.leakage]),
                );
                let keep = Decimal::ONE - exact(p[o.drop_off]);
                let ramp: Vec<Decimal> = o.ramp.iter().map(|&r| exact(p[r])).collect();
                persisting_people_by(
                    oe,
                    |st| achievers(exact(p[oe.participants_in(st)]) * pe, ps, pd, add),
                    keep,
                    &ramp,
                    &mut s.people_exact,
                    None,
                );
                Decimal::ONE - exact(p[o.optimism_bias])
            } else {
                Decimal::ZERO
            };
            for f in &o.flows {
                let qty = p[f.quantity] * realism;
                let value = p[f.value] * f.rebase;
                let cash = p[f.cashability];
                if !f.yearly {
                    let benefit = pv_people * qty * value;
                    let c = benefit * cash;
                    out[f.party * PV_WIDTH + PV_CASHABLE] += c;
                    out[f.party * PV_WIDTH + PV_NON_CASHABLE] += benefit - c;
                    for pu in &f.per_unit {
                        let x = pv_people * qty * p[pu.amount];
                        out[pu.from * PV_WIDTH + PV_TRANSFERS] -= x;
                        out[pu.to * PV_WIDTH + PV_TRANSFERS] += x;
                    }
                    continue;
                }
                let step = f.step.map(|i| (p[i], exact(p[i])));
                let qty_exact = if step.is_some() {
                    exact(p[f.quantity]) * realism_exact
                } else {
                    Decimal::ZERO
                };
                let (mut pv_c, mut pv_n) = (0.0, 0.0);
                for t in 0..h {
                    if people[t] == 0.0 {
                        continue;
                    }
                    let u = people[t] * qty;
                    let benefit = u * value;
                    let c = match step {
                        None => benefit * cash,
                        Some((step, step_exact)) => {
                            let units = s.people_exact[t] * qty_exact;
                            let n = to_f64(whole_steps(units, step_exact));
                            match f.step_value {
                                None => n * step * value * cash,
                                // As the engine's `stepped_value_cash`: at most the benefit.
                                Some(sv) => (n * p[sv] * cash).min(benefit),
                            }
                        }
                    };
                    pv_c += c * d[t];
                    pv_n += (benefit - c) * d[t];
                    if tracked[f.party] {
                        s.cash[f.party * h + t] += c;
                        s.non_cash[f.party * h + t] += benefit - c;
                    }
                    for pu in &f.per_unit {
                        let mut x = u * p[pu.amount];
                        if pu.cash {
                            x *= cf[t];
                        }
                        out[pu.from * PV_WIDTH + PV_TRANSFERS] -= x * d[t];
                        out[pu.to * PV_WIDTH + PV_TRANSFERS] += x * d[t];
                        if tracked[pu.from] {
                            s.transfers[pu.from * h + t] -= x;
                        }
                        if tracked[pu.to] {
                            s.transfers[pu.to * h + t] += x;
                        }
                    }
                }
                out[f.party * PV_WIDTH + PV_CASHABLE] += pv_c;
                out[f.party * PV_WIDTH + PV_NON_CASHABLE] += pv_n;
            }
        }

        let mut pay = |from: usize, to: usize, t: usize, x: f64, out: &mut [f64]| {
            out[from * PV_WIDTH + PV_TRANSFERS] -= x * d[t];
            out[to * PV_WIDTH + PV_TRANSFERS] += x * d[t];
            if tracked[from] {
                s.transfers[from * h + t] -= x;
            }
            if tracked[to] {
                s.transfers[to * h + t] += x;
            }
        };
        for tr in &self.transfers {
            match tr {
                KTransfer::Fixed {
                    from,
                    to,
                    years,
                    cash,
                } => {
                    for &(t, a) in years {
                        let x = if *cash { p[a] * cf[t] } else { p[a] };
                        pay(*from, *to, t, x, out);
                    }
                }
                KTransfer::Pbr {
                    from,
                    to,
                    outcome,
                    amount,
                    attachment_share,
                    attachment_by_intake,
                    result_lag,
                    additional,
                    cap,
                    clawback,
                    cash,
                } => {
                    // Year by year (a cap follows the cumulative payments), as the engine.
                    let o = &self.outcomes[*outcome];
                    let amount = p[*amount];
                    let keep = 1.0 - p[o.drop_off];
                    let mut per_engaged = p[o.success] * (1.0 - p[o.optimism_bias]);
                    if *additional {
                        per_engaged *= 1.0 - p[o.deadweight];
                    }
                    let paid = &mut s.pbr;
                    paid.fill(0.0);
                    for st in o.intake_start..o.intake_end {
                        let i = st - o.intake_start;
                        let attach = p[*attachment_by_intake.get(i).unwrap_or(attachment_share)];
                        let pp = o.participants_by.get(i).copied().unwrap_or(o.participants);
                        let engaged = p[pp] * p[o.engagement];
                        let results = engaged * per_engaged;
                        paid[st] += engaged * amount * attach;
                        let t = st + result_lag;
                        if t < h {
                            let per_result = amount * (1.0 - attach);
                            paid[t] += results * per_result;
                            if *clawback {
                                let mut persist = 1.0;
                                for x in paid.iter_mut().take(h).skip(t + 1) {
                                    *x -= results * persist * (1.0 - keep) * per_result;
                                    persist *= keep;
                                }
                            }
                        }
                    }
                    if let Some(cap) = cap {
                        let cap = p[*cap];
                        let mut cum = 0.0;
                        for x in paid.iter_mut() {
                            if *x > 0.0 {
                                *x = x.min((cap - cum).max(0.0));
                            }
                            cum += *x;
                        }
                    }
                    for (t, &x) in paid.iter().enumerate() {
                        if x != 0.0 {
                            // Worked out in cash (tariff and cap), then in the price base.
                            let x = if *cash { x * cf[t] } else { x };
                            pay(*from, *to, t, x, out);
                        }
                    }
                }
            }
        }
        // Gain-shares on each payer's position before any gain-share (`s.transfers` is not
        // updated below, so it stays the "before" position).
        for g in &self.gain_shares {
            let share = p[g.share];
            let a = g.from;
            let mut pv = 0.0;
            for (t, dt) in d.iter().enumerate().take(h) {
                let benefits = if g.cashable_basis {
                    s.cash[a * h + t]
                } else {
                    s.cash[a * h + t] + s.non_cash[a * h + t]
                };
                let gain = benefits + s.transfers[a * h + t] - s.costs[a * h + t];
                if gain > 0.0 {
                    pv += gain * share * dt;
                }
            }
            out[g.from * PV_WIDTH + PV_TRANSFERS] -= pv;
            out[g.to * PV_WIDTH + PV_TRANSFERS] += pv;
        }
    }
}

impl Kernel {
    /// The compiled structure as JSON (parameter indices, discount factors), for the NumPy
    /// reference implementation in `benches/montecarlo_numpy.py`. `None` when the scenario
    /// uses a feature the reference does not implement (stepped flows, per-unit, PbR or
    /// gain-share transfers, cash prices).
    pub fn reference_json(&self) -> Option<serde_json::Value> {
        use serde_json::json;
        let plain_flows = self.outcomes.iter().all(|o| {
            o.participants_by.is_empty()
                && o.ramp.is_empty()
                && o.flows
                    .iter()
                    .all(|f| f.step.is_none() && f.per_unit.is_empty())
        });
        let plain_transfers = self
            .transfers
            .iter()
            .all(|t| matches!(t, KTransfer::Fixed { .. }));
        // Cash prices are not in the reference either.
        if !plain_flows || !plain_transfers || !self.gain_shares.is_empty() || self.prices.is_some()
        {
            return None;
        }
        Some(json!({
            "horizon": self.horizon,
            "parties": self.parties,
            "discount": self.discount,
            "costs": self.costs.iter().map(|c| json!({
                "party": c.party, "years": c.years, "optimism_bias": c.optimism_bias,
            })).collect::<Vec<_>>(),
            "outcomes": self.outcomes.iter().map(|o| json!({
                "participants": o.participants, "engagement": o.engagement,
                "success": o.success, "deadweight": o.deadweight, "drop_off": o.drop_off,
                "attribution": o.attribution, "displacement": o.displacement, "leakage": o.leakage,
                "optimism_bias": o.optimism_bias, "intake_start": o.intake_start,
                "intake_end": o.intake_end, "lag": o.lag, "duration": o.duration,
                "w": o.w,
                "flows": o.flows.iter().map(|f| json!({
                    "party": f.party, "quantity": f.quantity, "cashability": f.cashability,
                    "value": f.value, "rebase": f.rebase,
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "transfers": self.transfers.iter().map(|t| match t {
                KTransfer::Fixed { from, to, years, .. } => json!({"from": from, "to": to, "years": years}),
                KTransfer::Pbr { .. } => unreachable!("checked above"),
            }).collect::<Vec<_>>(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::{exact, horner2};
    use rust_decimal::Decimal;
    use std::str::FromStr;

    #[test]
    fn draws_read_back_as_the_decimals_they_stand_for() {
        for s in [
            "0.1",
            "0.7",
            "9.99999999999",
            "62.99999999999999",
            "1500",
            "1e-7",
            "0",
        ] {
            let d = Decimal::from_str(s)
                .or_else(|_| Decimal::from_scientific(s))
                .unwrap();
            let x: f64 = s.parse().unwrap();
            assert_eq!(exact(x), d, "{s}");
        }
        // 0.1 + 0.2 is not 0.3 in f64: its shortest decimal is 0.30000000000000004.
        assert_eq!(
            exact(0.1 + 0.2),
            Decimal::from_str("0.30000000000000004").unwrap()
        );
    }

    /// The paired Horner sums are bit for bit those of one loop each, whatever the lengths.
    #[test]
    fn paired_horner_equals_one_loop_each() {
        let one = |w: &[f64], k: f64| w.iter().rev().fold(0.0, |acc, &x| acc * k + x);
        let w: Vec<f64> = (0..13)
            .map(|j| 0.9_f64.powi(j) / 3.0 + j as f64 * 1e-3)
            .collect();
        for la in 0..w.len() {
            for lb in 0..w.len() {
                let (ka, kb) = (0.85 + la as f64 * 0.007, 0.6 + lb as f64 * 0.013);
                let (a, b) = horner2(&w[..la], ka, &w[lb..], kb);
                assert_eq!(a.to_bits(), one(&w[..la], ka).to_bits(), "{la} {lb}");
                assert_eq!(b.to_bits(), one(&w[lb..], kb).to_bits(), "{la} {lb}");
            }
        }
    }
}
