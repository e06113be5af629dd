//! Property tests of the scenario arithmetic, over random parameter values (every parameter
//! drawn within its allowed range, zeros included) for a scenario that uses every kind of
//! flow and transfer:
//! - transfers net to zero over all parties, every year (within 1e-20 pounds: each party's
//!   yearly total is a sum of products that rust_decimal rounds at 28 significant digits when
//!   random rates make them that long; with figures of ordinary length it is exact, as the
//!   hand-worked cases assert);
//! - system NPV equals the sum of the parties' NPVs, and B − C (tolerance 1e-12 pounds: each
//!   party's PV is a sum of products rounded at 28 significant digits);
//! - with the fair-share transfers, every party with benefits earns the system FROI
//!   (relative tolerance 1e-18, because of the divisions in b_a and the FROI itself), on all
//!   fiscal benefits and on cashable benefits.

mod scenario_support;

use proptest::prelude::*;
use rust_decimal::Decimal;
use scenario_support::TestPlace;
use totalplace::scenario::{evaluate, load, Bound, ValidatedScenario};

const ALL_KINDS: &str = r#"
[scenario]
id = "all-kinds"
name = "Every flow and transfer kind"
start_year = 2025
horizon = 35

[optimism_bias]
costs = "0.15"

[[external]]
id = "centre"
name = "Central payer"
budget_control = "central"

[[unit_cost]]
id = "callout"
name = "Call-out"
value = 500
unit = "call-out"
price_year = "2024-25"
role = "police"
cashability = "0.2"
source = "test"

[[cost]]
id = "team"
agency = "council"
kind = "revenue"
amounts = [100000, 80000, 60000]

[[cost]]
id = "kit"
agency = "icb"
kind = "capital"
amounts = [50000]

[[cost]]
id = "time"
agency = "police"
kind = "in-kind"
from_year = 1
amounts = [10000, 10000]
optimism_bias = "0.4"

[[outcome]]
id = "a"
name = "Outcome A"
participants = 120
intakes = 3
engagement = "0.8"
success = "0.4"
deadweight = "0.2"
lag = 1
drop_off = "0.1"
evidence_grade = 3

[[outcome.flow]]
id = "police"
unit_cost = "callout"
quantity = 4

[[outcome.flow]]
id = "benefits"
unit_cost = "jsa-year"
quantity = "0.5"

[[outcome.flow]]
id = "beds"
unit_cost = "bed-day"
quantity = 30
step = 500
cashability = 1

[[outcome]]
id = "b"
name = "Outcome B"
participants = 40
engagement = "0.9"
success = "0.5"
deadweight = "0.1"
lag = 2
duration = 3
evidence_grade = 5

[[outcome.flow]]
id = "beds"
unit_cost = "bed-day"
quantity = 5

[[transfer]]
id = "pool"
kind = "pooled"
from = "police"
to = "council"
amounts = [20000, 20000]

[[transfer]]
id = "pbr"
kind = "pbr"
from = "centre"
to = "council"
outcome = "a"
amount = 4000
attachment_share = "0.4"

[[transfer]]
id = "tariff"
kind = "per-unit"
from = "acute-trust"
to = "icb"
outcome = "b"
flow = "beds"
amount = 150

[[transfer]]
id = "share"
kind = "gain-share"
from = "icb"
to = "acute-trust"
share = "0.5"
basis = "all"

[[transfer]]
id = "share-cash"
kind = "gain-share"
from = "dwp"
to = "council"
share = "0.25"
"#;

fn scenario() -> (TestPlace, ValidatedScenario) {
    let place = TestPlace::new();
    let sc = load(&place.scenario("all-kinds", ALL_KINDS)).unwrap();
    (place, sc)
}

/// A value for a parameter within its bound, from a raw draw in 0..=10_000.
fn draw(bound: Bound, raw: u32, default: Decimal) -> Decimal {
    let frac = Decimal::new(i64::from(raw), 4); // 0.0000 ..= 1.0000
    match bound {
        Bound::Rate => frac,
        // Scale money and quantities around their defaults: 0 .. 3 × default.
        Bound::NonNegative => default * frac * Decimal::from(3),
        Bound::Positive => (default * frac * Decimal::from(3)).max(Decimal::new(1, 2)),
    }
}

fn close(a: Decimal, b: Decimal, tol: Decimal) -> bool {
    (a - b).abs() <= tol
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn transfers_net_to_zero_npv_adds_up_fair_shares_equalise_froi(raws in prop::collection::vec(0u32..=10_000, 64)) {
        let (_place, sc) = scenario();
        prop_assume!(raws.len() >= sc.param_specs.len());
        let mut params = sc.params();
        for (i, spec) in sc.param_specs.iter().enumerate() {
            let v = draw(spec.bound, raws[i], sc.defaults.values[i]);
            sc.set(&mut params, &spec.path, v).unwrap();
        }
        let r = evaluate(&sc, &params);

        // Transfers net to zero over all parties, each year.
        for t in 0..sc.horizon {
            let sum: Decimal = r.parties.iter().map(|p| p.yearly[t].transfers).sum();
            prop_assert!(close(sum, Decimal::ZERO, Decimal::new(1, 20)), "year {}: {}", t, sum);
        }
        // System NPV = Σ party NPV, and = ΣB − ΣC.
        let sum_npv: Decimal = r.parties.iter().map(|p| p.summary.npv).sum();
        prop_assert_eq!(r.system.npv, sum_npv);
        let tol = Decimal::new(1, 12);
        prop_assert!(close(r.system.npv, r.system.pv_benefits - r.system.pv_costs, tol),
            "NPV {} vs B - C {}", r.system.npv, r.system.pv_benefits - r.system.pv_costs);
        prop_assert!(close(r.system.pv_transfers, Decimal::ZERO, tol));

        // Fair shares equalise FROI, on both bases.
        let rel = Decimal::new(1, 18);
        for (froi, total_b, pick) in [
            (r.system.froi, r.system.pv_benefits, 0usize),
            (r.system.froi_cashable, r.system.pv_cashable, 1usize),
        ] {
            let Some(froi) = froi else { continue };
            if total_b.is_zero() { continue; }
            let mut fair_sum = Decimal::ZERO;
            for p in &r.parties {
                let (b, f) = if pick == 0 {
                    (p.summary.pv_benefits, p.fair_share.unwrap())
                } else {
                    (p.summary.pv_cashable, p.fair_share_cashable.unwrap())
                };
                fair_sum += f;
                let paid = p.summary.pv_costs + f;
                if b.is_zero() {
                    // No benefit: pays nothing once the fair share is applied.
                    prop_assert!(close(paid, Decimal::ZERO, tol));
                    continue;
                }
                let party_froi = b / paid;
                prop_assert!(close(party_froi, froi, rel * froi.max(Decimal::ONE)),
                    "{}: FROI {} vs system {}", p.id, party_froi, froi);
            }
            // The fair-share transfers themselves net to zero.
            prop_assert!(close(fair_sum, Decimal::ZERO, tol));
        }
        // The wrong-pocket index lies in 0..1.
        if let Some(w) = r.wrong_pocket {
            prop_assert!(w >= Decimal::ZERO && w <= Decimal::ONE);
        }
    }
}

#[test]
fn parameter_paths_cover_every_assumption() {
    let (_place, sc) = scenario();
    let paths: Vec<&str> = sc.param_specs.iter().map(|s| s.path.as_str()).collect();
    assert!(paths.len() <= 64, "the property test draws 64 values");
    for p in [
        "optimism_bias.costs",
        "optimism_bias.grade.3",
        "cost.team.amounts.2",
        "cost.time.optimism_bias",
        "outcome.a.success",
        "outcome.a.flow.beds.step",
        "outcome.a.flow.police.cashability",
        "unit_cost.bed-day.value",
        "transfer.pbr.attachment_share",
        "transfer.share.share",
        "transfer.pool.amounts.1",
    ] {
        assert!(paths.contains(&p), "missing {p} in {paths:?}");
    }
}

/// `evaluate` is meant to be called once per Monte Carlo draw: report its cost (a debug
/// build is far slower than release; this only guards against something pathological).
#[test]
fn evaluate_is_cheap_enough_to_call_repeatedly() {
    let (_place, sc) = scenario();
    let params = sc.params();
    let n = 200;
    let start = std::time::Instant::now();
    let mut npv = Decimal::ZERO;
    for _ in 0..n {
        npv += evaluate(&sc, &params).system.npv;
    }
    let per = start.elapsed() / n;
    eprintln!(
        "evaluate: {per:?} per call (35 years, 7 parties, 4 flows, 5 transfers), npv sum {npv}"
    );
    assert!(per < std::time::Duration::from_millis(50), "{per:?}");
}

proptest! {
    /// Payback on any path of yearly discounted nets: "never in deficit" exactly when no
    /// cumulative is negative; no payback exactly when the last cumulative is negative;
    /// otherwise the payback lies within the year after the last negative cumulative j
    /// (j + 1 < payback <= j + 2), and every
    /// cumulative from that year on is non-negative. A dip is reported exactly where a
    /// positive cumulative is followed by a negative one.
    #[test]
    fn payback_is_the_last_crossing_into_permanent_surplus(
        nets in proptest::collection::vec(-1000i64..1000, 1..12)
    ) {
        use totalplace::scenario::engine::{deficit_again, payback, Payback, YearRow};
        let mut cum = Decimal::ZERO;
        let rows: Vec<YearRow> = nets
            .iter()
            .map(|&n| {
                let net = Decimal::from(n);
                cum += net;
                YearRow {
                    costs: if n < 0 { -net } else { Decimal::ZERO },
                    cashable: if n > 0 { net } else { Decimal::ZERO },
                    net,
                    discount_factor: Decimal::ONE,
                    pv_net: net,
                    cumulative_pv_net: cum,
                    ..YearRow::default()
                }
            })
            .collect();
        let c: Vec<Decimal> = rows.iter().map(|r| r.cumulative_pv_net).collect();
        let last_neg = c.iter().rposition(|x| *x < Decimal::ZERO);
        match payback(&rows) {
            Payback::NoFlows => prop_assert!(nets.iter().all(|n| *n == 0)),
            Payback::NotWithinHorizon => prop_assert!(*c.last().unwrap() < Decimal::ZERO),
            Payback::Within(y) if y.is_zero() => prop_assert!(last_neg.is_none()),
            Payback::Within(y) => {
                let j = last_neg.expect("a deficit before the payback");
                prop_assert!(y > Decimal::from(j as u64 + 1));
                prop_assert!(y <= Decimal::from(j as u64 + 2));
                prop_assert!(c[j + 1..].iter().all(|x| *x >= Decimal::ZERO));
            }
        }
        let dips: Vec<usize> = (1..c.len())
            .filter(|&t| c[t - 1] > Decimal::ZERO && c[t] < Decimal::ZERO)
            .collect();
        prop_assert_eq!(deficit_again(&rows), dips);
    }
}

/// Each sample scenario as shipped, and the same file with `attribution = 1`,
/// `displacement = "0"` and `leakage = 0.0` written into every outcome (three spellings of the
/// neutral values), loaded once for the property test below.
fn samples_with_neutral_additionality() -> &'static [(String, ValidatedScenario, ValidatedScenario)]
{
    use std::sync::OnceLock;
    static SAMPLES: OnceLock<Vec<(String, ValidatedScenario, ValidatedScenario)>> = OnceLock::new();
    SAMPLES.get_or_init(|| {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models/kirkbridge/scenarios");
        let mut paths: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        assert!(paths.len() >= 5, "{paths:?}");
        paths
            .into_iter()
            .map(|path| {
                let text = std::fs::read_to_string(&path).unwrap();
                let mut doc: toml_edit::DocumentMut = text.parse().unwrap();
                let outcomes = doc["outcome"].as_array_of_tables_mut().unwrap();
                assert!(!outcomes.is_empty());
                for o in outcomes.iter_mut() {
                    assert!(!o.contains_key("attribution"), "{}", path.display());
                    o["attribution"] = toml_edit::value(1);
                    o["displacement"] = toml_edit::value("0");
                    o["leakage"] = toml_edit::value(0.0);
                }
                // PbR on the observed basis, written out, is the default (issue 11 item 4).
                if let Some(ts) = doc
                    .get_mut("transfer")
                    .and_then(|t| t.as_array_of_tables_mut())
                {
                    for t in ts.iter_mut() {
                        if t.get("kind").and_then(|k| k.as_str()) == Some("pbr") {
                            t["basis"] = toml_edit::value("observed");
                        }
                    }
                }
                let absent = load(&path).unwrap();
                let neutral =
                    totalplace::scenario::load_text(&path, &doc.to_string(), &[], None).unwrap();
                (path.display().to_string(), absent, neutral)
            })
            .collect()
    })
}

fn is_additionality(path: &str) -> bool {
    path.starts_with("outcome.")
        && (path.ends_with(".attribution")
            || path.ends_with(".displacement")
            || path.ends_with(".leakage"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Issue 11: with attribution 1, displacement 0 and leakage 0, written out or absent,
    /// every sample scenario gives exactly the same Results (every party's yearly rows, PVs,
    /// ratios, paybacks, shares, cost per outcome: the whole struct, compared exactly), at its
    /// own values and at random values of every other parameter; and the absent keys are
    /// parameters at those neutral values, so today's figures are what a scenario without
    /// them gives.
    #[test]
    fn neutral_additionality_gives_todays_figures(
        which in 0usize..5,
        at_defaults in any::<bool>(),
        raws in prop::collection::vec(0u32..=10_000, 256),
    ) {
        let samples = samples_with_neutral_additionality();
        let (name, absent, neutral) = &samples[which % samples.len()];
        prop_assert_eq!(absent.param_specs.len(), neutral.param_specs.len());
        prop_assume!(raws.len() >= absent.param_specs.len());
        let mut pa = absent.params();
        let mut pn = neutral.params();
        for (i, spec) in absent.param_specs.iter().enumerate() {
            prop_assert_eq!(&spec.path, &neutral.param_specs[i].path);
            if is_additionality(&spec.path) {
                let neutral_value = if spec.path.ends_with(".attribution") {
                    Decimal::ONE
                } else {
                    Decimal::ZERO
                };
                prop_assert_eq!(pa.values[i], neutral_value, "{} {}", name, spec.path);
                prop_assert_eq!(pn.values[i], neutral_value, "{} {}", name, spec.path);
                continue;
            }
            if !at_defaults {
                let v = draw(spec.bound, raws[i], absent.defaults.values[i]);
                absent.set(&mut pa, &spec.path, v).unwrap();
                neutral.set(&mut pn, &spec.path, v).unwrap();
            }
        }
        prop_assert!(absent.outcomes.len() == neutral.outcomes.len());
        let ra = evaluate(absent, &pa);
        let rn = evaluate(neutral, &pn);
        prop_assert_eq!(&ra, &rn, "{}", name);
    }
}
