//! Plain-English findings generated from the numbers: every sentence is computed from
//! [`Results`] (and the simulation, when one was run), never written by hand.

use rust_decimal::Decimal;

use super::simulation::Simulation;
use super::{money_short, party_is_plural, pct0, the_party, Text};
use crate::money::round_half_up;
use crate::scenario::engine::PartyResult;
use crate::scenario::{Payback, Results, ValidatedScenario};

fn active(r: &Results) -> impl Iterator<Item = &PartyResult> {
    r.parties
        .iter()
        .filter(|p| !matches!(p.summary.payback, Some(Payback::NoFlows)))
}

fn join_and(items: &[String]) -> String {
    match items.len() {
        0 => String::new(),
        1 => items[0].clone(),
        n => format!("{} and {}", items[..n - 1].join(", "), items[n - 1]),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The value-for-money sentence.
fn value(sc: &ValidatedScenario, r: &Results) -> Option<String> {
    let s = &r.system;
    if s.pv_costs.is_zero() && s.pv_benefits.is_zero() {
        return None;
    }
    let span = format!(
        "Over {} years from {} ({} prices, present values)",
        sc.horizon,
        sc.year_label(0),
        crate::scenario::library::fy_label(sc.price_base)
    );
    let froi = s.froi.map(|f| {
        format!(
            "{} of benefit for every £1 spent",
            crate::format::per_pound(Some(f))
        )
    });
    Some(if s.npv >= Decimal::ZERO {
        format!(
            "{span} the scenario costs {} and avoids {} of public spending: a net present value of {} for the partners together{}.",
            money_short(s.pv_costs),
            money_short(s.pv_benefits),
            money_short(s.npv),
            froi.map(|f| format!(", or {f}")).unwrap_or_default()
        )
    } else {
        format!(
            "{span} the scenario costs {} and avoids only {} of public spending: a net cost of {} to the partners together{}.",
            money_short(s.pv_costs),
            money_short(s.pv_benefits),
            money_short(-s.npv),
            froi.map(|f| format!(" ({f})")).unwrap_or_default()
        )
    })
}

fn payback(sc: &ValidatedScenario, r: &Results) -> Option<String> {
    match r.system.payback? {
        Payback::Within(y) if y.is_zero() => {
            Some("The partners together are never out of pocket: benefits cover costs from the first year.".into())
        }
        Payback::Within(y) => Some(format!(
            "Taken together the partners recover their outlay after {} (discounted; interpolated within the year).",
            crate::format::years(y)
        )),
        Payback::NotWithinHorizon => Some(format!(
            "The partners together do not recover their outlay within the {}-year horizon.",
            sc.horizon
        )),
        Payback::NoFlows => None,
    }
}

/// "The council bears 72% of the cost and receives 18% of the benefit; police and DWP receive
/// 61%, most of it not cashable locally."
pub fn asymmetry(r: &Results) -> Option<String> {
    let payer = active(r)
        .filter(|p| p.summary.pv_costs > Decimal::ZERO)
        .max_by(|a, b| a.summary.pv_costs.cmp(&b.summary.pv_costs))?;
    let c = payer.cost_share?;
    let b = payer.benefit_share?;
    let mut s = format!(
        "{} {} {} of the cost and {} {} of the benefit",
        capitalise(&the_party(&payer.id)),
        if party_is_plural(&payer.id) {
            "bear"
        } else {
            "bears"
        },
        pct0(c),
        if party_is_plural(&payer.id) {
            "receive"
        } else {
            "receives"
        },
        pct0(b)
    );
    let mut others: Vec<&PartyResult> = active(r)
        .filter(|p| p.id != payer.id && p.benefit_share.is_some_and(|x| x > Decimal::ZERO))
        .collect();
    others.sort_by_key(|x| std::cmp::Reverse(x.benefit_share));
    let mut taken = Vec::new();
    let mut share = Decimal::ZERO;
    for p in others {
        if taken.len() == 3 || share >= Decimal::new(5, 1) {
            break;
        }
        share += p.benefit_share.unwrap_or_default();
        taken.push(p);
    }
    if !taken.is_empty() {
        let names: Vec<String> = taken.iter().map(|p| the_party(&p.id)).collect();
        let benefit: Decimal = taken.iter().map(|p| p.summary.pv_benefits).sum();
        let local: Decimal = taken
            .iter()
            .filter(|p| !p.not_locally_cashable)
            .map(|p| p.summary.pv_cashable)
            .sum();
        let how = if benefit.is_zero() {
            String::new()
        } else {
            let f = local / benefit;
            if f.is_zero() {
                ", none of it cashable locally".into()
            } else if f < Decimal::new(5, 1) {
                ", most of it not cashable locally".into()
            } else if f < Decimal::ONE {
                ", most of it cashable locally".into()
            } else {
                ", all of it cashable locally".into()
            }
        };
        s += &format!(
            "; {} receive{} {}{how}",
            join_and(&names),
            if names.len() == 1 && !party_is_plural(&taken[0].id) {
                "s"
            } else {
                ""
            },
            pct0(share)
        );
    }
    s.push('.');
    Some(s)
}

/// W = ½ Σ |b − c| is how far the benefit shares sit from the cost shares: the share of the
/// benefit that would have to move between partners for each to receive in proportion to
/// what it pays. (It is not "the share received by partners that pay nothing": a payer can
/// receive more than its share, as the council does in bradford-mh-discharge.)
fn wrong_pocket(r: &Results) -> Option<String> {
    let w = r.wrong_pocket?;
    let mut s = format!(
        "Wrong-pocket index {}: for each partner to receive the same share of the benefit as it bears of the cost, {} of the benefit would have to move between partners",
        crate::format::index(Some(w)),
        pct0(w)
    );
    if let Some(wc) = r.wrong_pocket_cashable {
        s += &format!(
            " ({} on cashable savings alone)",
            crate::format::index(Some(wc))
        );
    }
    s.push('.');
    Some(s)
}

/// A warning when the return rests mostly on non-cashable cost avoidance: the return per £1
/// is above 1 but on cashable savings alone it is below 1 and cashable savings are under half
/// the benefit, so the scenario releases no budget to pay for itself.
pub fn non_cashable_warning(r: &Results) -> Option<String> {
    let s = &r.system;
    let froi = s.froi?;
    let cash = s.froi_cashable.unwrap_or_default();
    if froi <= Decimal::ONE
        || cash >= Decimal::ONE
        || s.pv_benefits <= Decimal::ZERO
        || s.pv_cashable * Decimal::TWO >= s.pv_benefits
    {
        return None;
    }
    Some(format!(
        "Caution: the return of {} per £1 rests mostly on non-cashable cost avoidance ({} of the benefit); on cashable savings alone it is {} per £1, so the scenario does not release the budget to pay for itself.",
        crate::format::per_pound(Some(froi)),
        pct0(s.pv_non_cashable / s.pv_benefits),
        crate::format::per_pound(Some(cash))
    ))
}

/// How far the base case may sit from the simulated median before the findings warn: more
/// than a tenth of the P5–P95 width and more than a tenth of the median itself.
pub const FAR_FROM_MEDIAN: f64 = 0.1;

/// A warning when the single central estimate sits far from the simulated median (see
/// [`FAR_FROM_MEDIAN`]): the inputs' distributions are not centred on their base values.
pub fn median_warning(base_npv: f64, sim: &Simulation) -> Option<String> {
    let g = sim.system()?;
    let gap = (base_npv - g.p50).abs();
    let width = (g.p95 - g.p5).abs();
    if !(gap > FAR_FROM_MEDIAN * width && gap > FAR_FROM_MEDIAN * g.p50.abs()) {
        return None;
    }
    Some(format!(
        "Caution: the central estimate of the system NPV ({}) sits {} the simulated median ({}): the uncertain inputs are not centred on their base values, so read the simulated range rather than the single figure.",
        money_short_f(base_npv),
        if base_npv > g.p50 { "well above" } else { "well below" },
        money_short_f(g.p50)
    ))
}

fn cashable(r: &Results) -> Option<String> {
    let s = &r.system;
    if s.pv_benefits <= Decimal::ZERO {
        return None;
    }
    if s.pv_cashable.is_zero() {
        return Some(format!(
            "None of the {} benefit is cashable: it is all cost avoidance, capacity released rather than budgets that can be cut.",
            money_short(s.pv_benefits)
        ));
    }
    Some(format!(
        "{} of the benefit ({}) is cashable savings, and {} of that falls to budgets held in the place; the rest ({}) is cost avoidance: capacity released rather than budgets that can be cut.",
        pct0(s.pv_cashable / s.pv_benefits),
        money_short(s.pv_cashable),
        money_short(r.pv_locally_cashable),
        money_short(s.pv_non_cashable)
    ))
}

fn winners(r: &Results) -> Option<String> {
    let mut losers: Vec<&PartyResult> = active(r)
        .filter(|p| p.summary.npv < Decimal::ZERO)
        .collect();
    let mut gainers: Vec<&PartyResult> = active(r)
        .filter(|p| p.summary.npv > Decimal::ZERO)
        .collect();
    if losers.is_empty() && gainers.is_empty() {
        return None;
    }
    losers.sort_by_key(|a| a.summary.npv);
    gainers.sort_by_key(|a| std::cmp::Reverse(a.summary.npv));
    let list = |v: &[&PartyResult]| {
        join_and(
            &v.iter()
                .map(|p| format!("{} {}", the_party(&p.id), money_short(p.summary.npv)))
                .collect::<Vec<_>>(),
        )
    };
    let mut parts = Vec::new();
    if !losers.is_empty() {
        parts.push(format!(
            "{} {} worse off after transfers ({})",
            losers.len(),
            if losers.len() == 1 {
                "partner ends up"
            } else {
                "partners end up"
            },
            list(&losers)
        ));
    }
    if !gainers.is_empty() {
        parts.push(format!(
            "{} {} better off ({})",
            gainers.len(),
            if gainers.len() == 1 {
                "ends up"
            } else {
                "end up"
            },
            list(&gainers)
        ));
    }
    Some(capitalise(&format!("{}.", parts.join("; "))))
}

fn fair_share(r: &Results) -> Option<String> {
    let froi = r.system.froi?;
    let mut pay: Vec<&PartyResult> = active(r)
        .filter(|p| p.fair_share.is_some_and(|f| f >= Decimal::ONE))
        .collect();
    let mut get: Vec<&PartyResult> = active(r)
        .filter(|p| p.fair_share.is_some_and(|f| f <= -Decimal::ONE))
        .collect();
    if pay.is_empty() || get.is_empty() {
        return None;
    }
    pay.sort_by_key(|a| std::cmp::Reverse(a.fair_share));
    get.sort_by_key(|a| a.fair_share);
    let fmt = |v: &[&PartyResult], sign: Decimal| {
        join_and(
            &v.iter()
                .take(3)
                .map(|p| {
                    format!(
                        "{} {}",
                        the_party(&p.id),
                        money_short(p.fair_share.unwrap_or_default() * sign)
                    )
                })
                .collect::<Vec<_>>(),
        )
    };
    Some(format!(
        "For every partner to earn the same return (£{} per £1), {} would pay in and {} would receive back (fair shares on all fiscal benefits, before the scenario's own transfers).",
        round_half_up(froi, 2),
        fmt(&pay, Decimal::ONE),
        fmt(&get, -Decimal::ONE)
    ))
}

fn transfers(sc: &ValidatedScenario, r: &Results) -> Option<String> {
    if sc.transfers.is_empty() {
        return None;
    }
    let moved: Decimal = r
        .parties
        .iter()
        .map(|p| p.summary.pv_transfers)
        .filter(|t| *t > Decimal::ZERO)
        .sum();
    let mut kinds: Vec<&str> = Vec::new();
    for t in &sc.transfers {
        let k = match t.kind.label() {
            "pooled" => "pooled-budget contributions",
            "fixed" => "fixed payments",
            "pbr" => "payment by results",
            "per-unit" => "per-unit payments",
            _ => "gain-shares",
        };
        if !kinds.contains(&k) {
            kinds.push(k);
        }
    }
    let kinds: Vec<String> = kinds.into_iter().map(String::from).collect();
    Some(format!(
        "The scenario's own transfers ({}) move {} between partners in present value; they change who gains but not the system total.",
        join_and(&kinds),
        money_short(moved)
    ))
}

/// The economic case, when the scenario counts economic or social value: public value against
/// costs for the public sector as a whole, kept apart from who pays and who gains.
fn economic_case(r: &Results) -> Option<String> {
    let e = r.economic.as_ref()?;
    let wider: Decimal = e.pv_values.iter().map(|(_, x)| *x).sum();
    let replaced = if e.pv_fiscal_replaced.is_zero() {
        String::new()
    } else {
        format!(
            " (combined values hold {} of fiscal benefits, taken out of the fiscal figure so it counts once)",
            money_short(e.pv_fiscal_replaced)
        )
    };
    Some(format!(
        "In the economic case, for the public sector as a whole, the outcomes' economic and social value adds {} to {} of fiscal benefits{}: public value of {} against {} of costs, a benefit-cost ratio of {} (economic NPV {}). This value is real to the place but lands in no agency's budget, so it is not in who pays and who gains.",
        money_short(wider),
        money_short(e.pv_fiscal),
        replaced,
        money_short(e.pv_public_value),
        money_short(e.pv_costs),
        e.bcr
            .map(|b| round_half_up(b, 2).to_string())
            .unwrap_or_else(|| "none (no costs)".to_string()),
        money_short(e.npv),
    ))
}

fn uncertainty(sim: &Simulation) -> Option<String> {
    let s = sim.system()?;
    let loss = 1.0 - s.prob_positive;
    Some(format!(
        "In 90% of {} simulated runs (seed {}) the system NPV lies between {} and {} (median {}); {}.",
        group(sim.iterations),
        sim.seed,
        money_short_f(s.p5),
        money_short_f(s.p95),
        money_short_f(s.p50),
        if loss <= 0.0 {
            "no run showed a net loss".to_string()
        } else if loss < 0.005 {
            "fewer than 1% of runs showed a net loss".to_string()
        } else {
            format!("the chance of a net loss is {}", crate::format::percent_f64(loss))
        }
    ))
}

fn group(n: usize) -> String {
    crate::format::count(n as u64)
}

fn money_short_f(x: f64) -> String {
    crate::format::money_short_f64(x)
}

/// Every finding for one scenario, in reading order.
pub fn findings(sc: &ValidatedScenario, r: &Results, sim: Option<&Simulation>) -> Vec<Text> {
    let mut v: Vec<Option<String>> = vec![
        value(sc, r),
        economic_case(r),
        payback(sc, r),
        asymmetry(r),
        cashable(r),
        wrong_pocket(r),
        winners(r),
        fair_share(r),
        transfers(sc, r),
    ];
    v.push(non_cashable_warning(r));
    if let Some(sim) = sim {
        v.push(uncertainty(sim));
        v.push(median_warning(crate::report::figures::f(r.system.npv), sim));
    }
    v.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::engine::Summary;
    use rust_decimal_macros::dec;

    fn party(id: &str, central: bool, c: Decimal, cash: Decimal, non: Decimal) -> PartyResult {
        PartyResult {
            id: id.into(),
            name: id.into(),
            budget_control: if central { "central" } else { "local" },
            external: false,
            not_locally_cashable: central,
            summary: Summary {
                pv_costs: c,
                pv_cashable: cash,
                pv_non_cashable: non,
                pv_benefits: cash + non,
                npv: cash + non - c,
                npv_cashable: cash - c,
                payback: Some(Payback::NotWithinHorizon),
                ..Summary::default()
            },
            yearly: vec![],
            cost_share: None,
            benefit_share: None,
            cashable_share: None,
            fair_share: None,
            fair_share_cashable: None,
        }
    }

    /// Shares worked by hand: costs council 72, police 28 (ΣC 100); benefits council 18,
    /// police 41, dwp 20, icb 21 (ΣB 100). Payer is the council: 72% of cost, 18% of benefit.
    /// Others by benefit: police 41% (< 50%, go on), icb 21% → 62% ≥ 50%, stop. Their benefit
    /// 62, of which locally cashable: icb 10 (police central) → 10/62 < ½: "most of it not
    /// cashable locally".
    #[test]
    fn asymmetry_sentence_from_hand_worked_shares() {
        let mut parties = vec![
            party("council", false, dec!(72), dec!(18), dec!(0)),
            party("police", true, dec!(28), dec!(30), dec!(11)),
            party("dwp", true, dec!(0), dec!(20), dec!(0)),
            party("icb", false, dec!(0), dec!(10), dec!(11)),
        ];
        for p in &mut parties {
            p.cost_share = Some(p.summary.pv_costs / dec!(100));
            p.benefit_share = Some(p.summary.pv_benefits / dec!(100));
        }
        let r = Results {
            horizon: 1,
            discount_factors: vec![Decimal::ONE],
            parties,
            system: Summary::default(),
            system_yearly: vec![],
            wrong_pocket: None,
            wrong_pocket_cashable: None,
            pv_locally_cashable: Decimal::ZERO,
            outcomes: vec![],
            additional_outcomes: Decimal::ZERO,
            cost_per_outcome: None,
            economic: None,
        };
        assert_eq!(
            asymmetry(&r).unwrap(),
            "The council bears 72% of the cost and receives 18% of the benefit; the police and the ICB receive 62%, most of it not cashable locally."
        );
    }

    fn results(parties: Vec<PartyResult>, w: Option<Decimal>) -> Results {
        let mut system = Summary::default();
        for p in &parties {
            system.pv_costs += p.summary.pv_costs;
            system.pv_cashable += p.summary.pv_cashable;
            system.pv_non_cashable += p.summary.pv_non_cashable;
            system.pv_benefits += p.summary.pv_benefits;
        }
        system.npv = system.pv_benefits - system.pv_costs;
        system.froi = Some(system.pv_benefits / system.pv_costs);
        system.froi_cashable = Some(system.pv_cashable / system.pv_costs);
        Results {
            horizon: 1,
            discount_factors: vec![Decimal::ONE],
            parties,
            system,
            system_yearly: vec![],
            wrong_pocket: w,
            wrong_pocket_cashable: None,
            pv_locally_cashable: Decimal::ZERO,
            outcomes: vec![],
            additional_outcomes: Decimal::ZERO,
            cost_per_outcome: None,
            economic: None,
        }
    }

    /// Issue 12 §3.6, bradford-mh-discharge's shape: MH trust pays 68 and receives 0, council
    /// pays 32 and receives 47, acute trust receives 53 (ΣC = ΣB = 100).
    /// W = ½ (|0 − 68| + |47 − 32| + |53 − 0|) = ½ (68 + 15 + 53) = 0.68. The sentence must not
    /// say 68% lands with partners that did not pay (the council paid and got 47%): it says
    /// 68% would have to move for shares of benefit to match shares of cost, which is true
    /// (53 from the acute trust and 15 from the council to the MH trust).
    #[test]
    fn wrong_pocket_sentence_matches_its_table() {
        let r = results(
            vec![
                party("mh-trust", false, dec!(68), dec!(0), dec!(0)),
                party("council", false, dec!(32), dec!(47), dec!(0)),
                party("acute-trust", false, dec!(0), dec!(53), dec!(0)),
            ],
            Some(dec!(0.68)),
        );
        let s = wrong_pocket(&r).unwrap();
        assert_eq!(
            s,
            "Wrong-pocket index 0.68: for each partner to receive the same share of the benefit as it bears of the cost, 68% of the benefit would have to move between partners."
        );
        assert!(!s.contains("different partner from the one that pays"));
    }

    /// "the prisons receives" → "the prison service receives"; "the police receive".
    #[test]
    fn names_agree_with_their_verbs() {
        let mut parties = vec![
            party("community-safety", false, dec!(82), dec!(0), dec!(0)),
            party("prisons", true, dec!(18), dec!(0), dec!(77)),
            party("police", true, dec!(0), dec!(0), dec!(23)),
        ];
        for p in &mut parties {
            p.cost_share = Some(p.summary.pv_costs / dec!(100));
            p.benefit_share = Some(p.summary.pv_benefits / dec!(100));
        }
        let a = asymmetry(&results(parties.clone(), None)).unwrap();
        assert!(a.contains("; the prison service receives 77%"), "{a}");
        parties[1].benefit_share = Some(dec!(0.2));
        parties[2].benefit_share = Some(dec!(0.8));
        let a = asymmetry(&results(parties, None)).unwrap();
        assert!(a.contains("; the police receive 80%"), "{a}");
    }

    /// Issue 12 §3.10, prison leavers' shape: cost 702, cashable 65, non-cashable 2,982
    /// (thousands). FROI = 3,047 / 702 = 4.34; cashable FROI = 65 / 702 = 0.09 < 1;
    /// non-cashable share = 2,982 / 3,047 = 97.9% → "98%". So a caution.
    #[test]
    fn caution_when_the_return_rests_on_non_cashable_avoidance() {
        let r = results(
            vec![party(
                "community-safety",
                false,
                dec!(702),
                dec!(65),
                dec!(2982),
            )],
            None,
        );
        assert_eq!(
            non_cashable_warning(&r).unwrap(),
            "Caution: the return of £4.34 per £1 rests mostly on non-cashable cost avoidance (98% of the benefit); on cashable savings alone it is £0.09 per £1, so the scenario does not release the budget to pay for itself."
        );
        // Mostly cashable (cashable FROI 1.5 ≥ 1): no caution.
        let r = results(
            vec![party("council", false, dec!(100), dec!(150), dec!(50))],
            None,
        );
        assert_eq!(non_cashable_warning(&r), None);
    }

    /// Base £14.7m, median £12.9m, P5–P95 £7.08m–£20.0m: the gap of 1.8 exceeds both
    /// 0.1 × 12.92 = 1.29 and 0.1 × 12.9 = 1.29, so a caution. Base £2.35m against median
    /// £2.19m, range 1.00–3.84: the gap of 0.16 is under 0.284, so none.
    #[test]
    fn caution_when_the_base_sits_far_from_the_median() {
        let sim = |p5: f64, p50: f64, p95: f64| Simulation {
            iterations: 10,
            seed: 1,
            generator: String::new(),
            inputs: vec![],
            ranges: vec![super::super::simulation::NpvRange {
                id: "system".into(),
                name: "All partners".into(),
                agency: None,
                mean: p50,
                p5,
                p50,
                p95,
                prob_positive: 1.0,
                samples: vec![],
            }],
            tornado: vec![],
            base_npv: 0.0,
        };
        let w = median_warning(14.7e6, &sim(7.08e6, 12.9e6, 20.0e6)).unwrap();
        assert!(
            w.contains("(£14.7m) sits well above the simulated median (£12.9m)"),
            "{w}"
        );
        assert_eq!(median_warning(2.35e6, &sim(1.0e6, 2.19e6, 3.84e6)), None);
    }

    #[test]
    fn thousands() {
        assert_eq!(group(10000), "10,000");
        assert_eq!(group(999), "999");
        assert_eq!(group(1234567), "1,234,567");
    }
}
