//! Monte Carlo, sensitivity and break-even (issue 5): sampling against known moments and
//! quantiles, determinism whatever the thread count, the f64 kernel against the exact engine on
//! every sample scenario, break-even cases worked by hand, and validation errors by file and key.

mod scenario_support;

use std::path::{Path, PathBuf};

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use scenario_support::{check_kernel, f, pennies, TestPlace};
use totalplace::money::{from_sheet_number, round_half_up, to_pennies};
use totalplace::scenario::{evaluate, load, Bound};
use totalplace::uncertainty::dist::{Dist, Sampler};
use totalplace::uncertainty::kernel::{Kernel, PV_CASHABLE, PV_WIDTH};
use totalplace::uncertainty::simulate::{rng_for, NPV};
use totalplace::uncertainty::{self, report, spec, BreakEven, Model, Options, UncertaintySpec};

fn samples() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir("models/kirkbridge/scenarios")
        .expect("sample scenarios")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    v.sort();
    assert!(v.len() >= 5);
    v
}

// ---------------------------------------------------------------- sampling

fn draws(d: &Dist, n: usize, seed: u64) -> Vec<f64> {
    let s = Sampler::new(d);
    let mut v: Vec<f64> = (0..n as u64)
        .map(|i| s.sample(&mut rng_for(seed, i)))
        .collect();
    v.sort_by(f64::total_cmp);
    v
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn pct(v: &[f64], p: f64) -> f64 {
    uncertainty::simulate::percentile_sorted(v, p)
}

/// Each distribution's sample mean and P10/P90 against the closed forms (seed 42, 200,000
/// draws; tolerances are several standard errors).
#[test]
fn sampling_matches_known_means_and_quantiles() {
    let n = 200_000;
    let cases: Vec<(Dist, f64)> = vec![
        // uniform(2, 6): mean 4, sd 1.155
        (Dist::uniform(2.0, 6.0, Bound::NonNegative).unwrap(), 4.0),
        // triangular(0, 1, 4): mean 5/3
        (
            Dist::triangular(0.0, 1.0, 4.0, Bound::NonNegative).unwrap(),
            5.0 / 3.0,
        ),
        // PERT(0.1, 0.2, 0.6), λ 4: mean (0.1 + 0.8 + 0.6)/6 = 0.25
        (Dist::pert(0.1, 0.2, 0.6, 4.0, Bound::Rate).unwrap(), 0.25),
        // beta(2, 5): mean 2/7
        (
            Dist::beta(2.0, 5.0, 0.0, 1.0, Bound::Rate).unwrap(),
            2.0 / 7.0,
        ),
        // normal(100, 15), far from the bound at 0: mean 100
        (
            Dist::normal(100.0, 15.0, None, None, Bound::NonNegative).unwrap(),
            100.0,
        ),
        // normal(0.5, 0.3) truncated to 0..1: symmetric, mean 0.5
        (
            Dist::normal(0.5, 0.3, None, None, Bound::Rate).unwrap(),
            0.5,
        ),
        // lognormal with P5 = 10, P95 = 40: μ = ln 20, σ = ln 2 / 1.6449; mean e^(μ+σ²/2)
        (
            Dist::lognormal(10.0, 40.0, None, None, Bound::NonNegative).unwrap(),
            {
                let s = 2f64.ln() / uncertainty::dist::Z95;
                20.0 * (s * s / 2.0).exp()
            },
        ),
    ];
    for (d, want) in cases {
        let v = draws(&d, n, 42);
        let sd = {
            let m = mean(&v);
            (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n as f64).sqrt()
        };
        let se = sd / (n as f64).sqrt();
        assert!(
            (mean(&v) - want).abs() < 5.0 * se,
            "{d:?}: mean {} vs {want} (se {se})",
            mean(&v)
        );
        for p in [0.1, 0.9] {
            let q = d.quantile(p);
            let got = pct(&v, p * 100.0);
            assert!(
                (got - q).abs() < 0.01 * sd.max(1e-9) * 3.0 + 1e-9,
                "{d:?}: P{} sample {got} vs quantile {q}",
                p * 100.0
            );
        }
        assert!(v.first().unwrap() >= &0.0, "{d:?} drew below its bound");
    }
    // The lognormal's 90% interval is the one written.
    let d = Dist::lognormal(10.0, 40.0, None, None, Bound::NonNegative).unwrap();
    assert!((d.quantile(0.05) - 10.0).abs() < 1e-6);
    assert!((d.quantile(0.95) - 40.0).abs() < 1e-6);
    let v = draws(&d, n, 3);
    assert!((pct(&v, 5.0) - 10.0).abs() < 0.2 && (pct(&v, 95.0) - 40.0).abs() < 0.8);
    // Truncation holds: a rate never leaves 0..1.
    let v = draws(
        &Dist::normal(0.9, 0.2, None, None, Bound::Rate).unwrap(),
        50_000,
        5,
    );
    assert!(v[0] >= 0.0 && *v.last().unwrap() <= 1.0);
    // Triangular argument order (statrs takes min, max, mode): P50 of (0, 1, 4) is
    // 4 - sqrt(0.5 × 4 × 3) = 1.5505.
    let t = Dist::triangular(0.0, 1.0, 4.0, Bound::NonNegative).unwrap();
    assert!((t.quantile(0.5) - (4.0 - 6f64.sqrt())).abs() < 1e-9);
}

#[test]
fn distributions_outside_the_parameter_range_are_refused() {
    assert!(Dist::uniform(-0.1, 0.5, Bound::Rate)
        .unwrap_err()
        .contains("outside"));
    assert!(Dist::uniform(0.5, 0.2, Bound::Rate)
        .unwrap_err()
        .contains("less than max"));
    assert!(Dist::triangular(0.1, 0.9, 0.5, Bound::Rate)
        .unwrap_err()
        .contains("mode"));
    assert!(Dist::beta(2.0, 2.0, 0.0, 2.0, Bound::Rate)
        .unwrap_err()
        .contains("outside"));
    assert!(Dist::uniform(0.0, 2.0, Bound::Positive).is_err());
    assert!(Dist::normal(1.0, 0.0, None, None, Bound::Rate).is_err());
    assert!(Dist::lognormal(5.0, 2.0, None, None, Bound::NonNegative).is_err());
    assert!(Dist::normal(-50.0, 1.0, None, None, Bound::NonNegative)
        .unwrap_err()
        .contains("no probability"));
}

// ------------------------------------------------- kernel equals the exact engine

/// With every parameter at its base value the f64 kernel gives each party's PV costs,
/// cashable and non-cashable benefits, transfers and NPV to the penny.
#[test]
fn kernel_equals_exact_engine_on_every_sample_scenario() {
    for path in samples() {
        let sc = load(&path).unwrap();
        check_kernel(&sc, &sc.params(), &path.display().to_string());
    }
}

/// Attribution, displacement and leakage (issue 11 item 3) are applied alike: every sample
/// scenario (stepped flows, per-unit, PbR and gain-share transfers among them) with each
/// outcome's additionality moved off its neutral default, to the penny.
#[test]
fn kernel_equals_exact_engine_with_additionality() {
    for path in samples() {
        let sc = load(&path).unwrap();
        for (attribution, displacement, leakage) in [
            (dec!(0.7), dec!(0.15), dec!(0.05)),
            (dec!(0.35), dec!(0), dec!(0.6)),
        ] {
            let mut p = sc.params();
            for o in &sc.outcomes {
                for (k, v) in [
                    ("attribution", attribution),
                    ("displacement", displacement),
                    ("leakage", leakage),
                ] {
                    sc.set(&mut p, &format!("outcome.{}.{k}", o.id), v).unwrap();
                }
            }
            assert_ne!(evaluate(&sc, &p), evaluate(&sc, &sc.params()));
            check_kernel(
                &sc,
                &p,
                &format!(
                    "{} additionality {attribution}/{displacement}/{leakage}",
                    path.display()
                ),
            );
        }
    }
}

/// `[[uncertain]]` reaches the additionality parameters, also when the file leaves them out:
/// attribution fixed at 0.5 halves the benefit (BREAK_EVEN: 16,000 × 0.5 × 0.5 − 10,000 =
/// −£6,000 in every draw).
#[test]
fn uncertain_attribution_is_drawn() {
    let place = TestPlace::new();
    let base = BREAK_EVEN.split("[[uncertain]]").next().unwrap();
    let path = place.scenario(
        "attribution",
        &format!(
            "{base}[[uncertain]]\npath = \"outcome.work.attribution\"\ndist = \"fixed\"\nvalue = \"0.5\"\n"
        ),
    );
    let sc = load(&path).unwrap();
    let spec = spec::load(&path, &sc, &[]).unwrap();
    let a = uncertainty::analyse(
        &sc,
        &sc.params(),
        spec,
        Options {
            iterations: 50,
            ..Options::default()
        },
        None,
    );
    let s = a.stats.last().unwrap().metrics[NPV].as_ref().unwrap();
    assert_eq!(pennies(s.min), dec!(-6000));
    assert_eq!(pennies(s.max), dec!(-6000));
}

/// The same at 200 random points of each sample scenario's distributions (values rounded to
/// 15 significant digits so both engines see the same numbers): gain-shares, stepped flows,
/// per-unit transfers and PbR included.
#[test]
fn kernel_equals_exact_engine_at_drawn_values() {
    for path in samples() {
        let sc = load(&path).unwrap();
        let spec = spec::load(&path, &sc, &[]).unwrap();
        let model = Model::new(&sc, spec, &sc.params());
        let mut w = model.work();
        for i in 0..200 {
            model.draw(11, i, &mut w);
            let mut p = sc.params();
            for u in &model.spec.params {
                p.values[u.param] = from_sheet_number(w.values[u.param]).unwrap();
            }
            check_kernel(&sc, &p, &format!("{} draw {i}", path.display()));
        }
    }
}

/// With every parameter fixed, the simulated mean NPV of each party and the system is the
/// deterministic NPV to the penny, and every draw is the same.
#[test]
fn fixed_parameters_simulate_to_the_deterministic_npv() {
    for path in samples() {
        let sc = load(&path).unwrap();
        let params = sc.params();
        let a = uncertainty::analyse(
            &sc,
            &params,
            UncertaintySpec::default(),
            Options {
                iterations: 1000,
                seed: 1,
                threads: None,
                bins: 10,
            },
            None,
        );
        let r = evaluate(&sc, &params);
        for gs in &a.stats {
            let want = match gs.group.party {
                Some(p) => r.parties[p].summary.npv,
                None => r.system.npv,
            };
            let s = gs.metrics[NPV].as_ref().unwrap();
            assert_eq!(
                pennies(s.mean),
                to_pennies(want),
                "{}: {}",
                path.display(),
                gs.group.id
            );
            assert_eq!(pennies(s.pct[0]), pennies(s.pct[4]));
            assert_eq!(
                s.prob_positive,
                if want > Decimal::ZERO { 1.0 } else { 0.0 }
            );
        }
    }
}

// ------------------------------------------------------------ determinism

fn outputs(path: &Path, threads: usize) -> Vec<Vec<u8>> {
    let sc = load(path).unwrap();
    let spec = spec::load(path, &sc, &[]).unwrap();
    let a = uncertainty::analyse(
        &sc,
        &sc.params(),
        spec,
        Options {
            iterations: 5000,
            seed: 2026,
            threads: Some(threads),
            bins: 20,
        },
        None,
    );
    vec![
        report::json(&a),
        report::summary_csv(&a),
        report::histogram_csv(&a),
        report::draws_csv(&a),
        report::tornado_csv(&a),
        report::break_even_csv(&a),
    ]
}

/// The same seed gives byte-identical outputs on 1, 2 and 4 threads (the care-leavers sample
/// has a correlation, so the copula path is covered), and another seed differs.
#[test]
fn same_seed_same_bytes_whatever_the_thread_count() {
    let path = Path::new("models/kirkbridge/scenarios/bradford-care-leavers.toml");
    let one = outputs(path, 1);
    assert_eq!(one, outputs(path, 2));
    assert_eq!(one, outputs(path, 4));
    let nwl = Path::new("models/kirkbridge/scenarios/nwl-integrated-care.toml");
    assert_eq!(outputs(nwl, 1), outputs(nwl, 3));
}

/// A Spearman rank correlation of -0.5 between two parameters is what the draws show.
#[test]
fn rank_correlation_is_met() {
    let path = Path::new("models/kirkbridge/scenarios/bradford-care-leavers.toml");
    let sc = load(path).unwrap();
    let spec = spec::load(path, &sc, &[]).unwrap();
    let c = &spec.correlations[0];
    assert_eq!(c.rank, -0.5);
    let (pa, pb) = (spec.params[c.a].param, spec.params[c.b].param);
    let model = Model::new(&sc, spec, &sc.params());
    let mut w = model.work();
    let n = 20_000;
    let mut xs = Vec::with_capacity(n);
    for i in 0..n as u64 {
        model.draw(9, i, &mut w);
        xs.push((w.values[pa], w.values[pb]));
    }
    let rank = |v: Vec<f64>| -> Vec<f64> {
        let mut ix: Vec<usize> = (0..v.len()).collect();
        ix.sort_by(|&i, &j| v[i].total_cmp(&v[j]));
        let mut r = vec![0.0; v.len()];
        for (k, i) in ix.into_iter().enumerate() {
            r[i] = k as f64;
        }
        r
    };
    let ra = rank(xs.iter().map(|x| x.0).collect());
    let rb = rank(xs.iter().map(|x| x.1).collect());
    let m = (n as f64 - 1.0) / 2.0;
    let cov: f64 = ra.iter().zip(&rb).map(|(a, b)| (a - m) * (b - m)).sum();
    let var: f64 = ra.iter().map(|a| (a - m) * (a - m)).sum();
    let rho = cov / var;
    assert!((rho + 0.5).abs() < 0.02, "spearman {rho}");
}

// ------------------------------------------------------------ break-even by hand

/// Break-even worked by hand. A flat 25% rate: D0 = 1, D1 = 0.8. No optimism bias (grade 1,
/// costs 0). Council spends C = £10,000 in year 0. 10 participants, engagement 1, success s,
/// deadweight 0, lag 1, one year's benefit: 10·s achieving people in year 1, each avoiding one
/// JSA claimant-year worth V = £2,000 (2024-25 prices = price base) to DWP, cashability 1.
/// DWP passes half its yearly gain to the council (gain-share, all basis).
///
///   PV benefit to DWP = 10 · s · V · 0.8 = 8·s·V       (16,000·s at V = 2,000)
///   gain-share to council = ½ · 10·s·V in year 1 → PV 4·s·V
///   system NPV  = 8·s·V − C      council NPV = 4·s·V − C      DWP NPV = 4·s·V
///
/// success s over 0.2..0.9 (V = 2,000, C = 10,000):
///   system:  16,000·s = 10,000 → s = 0.625 (gains above)
///   council:  8,000·s = 10,000 → s = 1.25: never within the range (loses throughout)
///   DWP:      8,000·s > 0 throughout: never (gains throughout)
/// unit cost V over 1,000..3,000 (s = 0.5): system 4·V = 10,000 → V = 2,500; council
///   2·V = 10,000 → V = 5,000: never
/// cost C over 5,000..20,000 (s = 0.5, V = 2,000): system 8,000 − C = 0 → C = 8,000 (loses
///   above); council 4,000 − C < 0 throughout: never
const BREAK_EVEN: &str = r#"
[scenario]
id = "break-even"
name = "Break-even worked by hand"
start_year = 2025
horizon = 2

[discount]
schedule = "flat"
rate = "0.25"

[[cost]]
id = "advisers"
agency = "council"
kind = "revenue"
amounts = [10000]

[[outcome]]
id = "work"
name = "Into work"
participants = 10
engagement = 1
success = "0.5"
deadweight = 0
lag = 1
duration = 1
evidence_grade = 1

[[outcome.flow]]
id = "jsa"
unit_cost = "jsa-year"
quantity = 1

[[transfer]]
id = "share"
kind = "gain-share"
from = "dwp"
to = "council"
share = "0.5"
basis = "all"

[[uncertain]]
path = "outcome.work.success"
dist = "uniform"
min = "0.2"
max = "0.9"

[[uncertain]]
path = "unit_cost.jsa-year.value"
dist = "triangular"
min = 1000
mode = 2000
max = 3000

[[uncertain]]
path = "cost.advisers.amounts.0"
dist = "pert"
min = 5000
mode = 10000
max = 20000
"#;

#[test]
fn break_even_matches_hand_worked_values() {
    let place = TestPlace::new();
    let path = place.scenario("break-even", BREAK_EVEN);
    let sc = load(&path).unwrap();
    let spec = spec::load(&path, &sc, &[]).unwrap();
    let rows = uncertainty::break_even(&sc, &sc.params(), &spec);
    let council = 1 + sc.party_index("council").unwrap();
    let dwp = 1 + sc.party_index("dwp").unwrap();
    let at = |b: &BreakEven| match b {
        BreakEven::At {
            value,
            positive_above,
            ..
        } => (round_half_up(*value, 6), *positive_above),
        other => panic!("expected a break-even, got {other:?}"),
    };
    assert_eq!(rows[0].path, "outcome.work.success");
    assert_eq!(at(&rows[0].results[0]), (dec!(0.625), true));
    assert_eq!(
        rows[0].results[council],
        BreakEven::Never { positive: false }
    );
    assert_eq!(rows[0].results[dwp], BreakEven::Never { positive: true });
    assert_eq!(at(&rows[1].results[0]), (dec!(2500), true));
    assert_eq!(
        rows[1].results[council],
        BreakEven::Never { positive: false }
    );
    assert_eq!(at(&rows[2].results[0]), (dec!(8000), false));
    assert_eq!(
        rows[2].results[council],
        BreakEven::Never { positive: false }
    );
    // Base: system NPV 16,000 × 0.5 − 10,000 = −2,000.
    assert_eq!(
        to_pennies(evaluate(&sc, &sc.params()).system.npv),
        dec!(-2000)
    );

    // Tornado: success P10/P90 = 0.27/0.83 → system NPV −5,680 / 3,280, swing 8,960.
    let t = uncertainty::tornado(&sc, &sc.params(), &spec);
    let s = t.iter().find(|r| r.path == "outcome.work.success").unwrap();
    assert_eq!(s.low_input, dec!(0.27));
    assert_eq!(s.high_input, dec!(0.83));
    assert_eq!(to_pennies(s.low[0]), dec!(-5680));
    assert_eq!(to_pennies(s.high[0]), dec!(3280));
    assert!(t.windows(2).all(|w| w[0].swing(0) >= w[1].swing(0)));
}

/// A `fixed` distribution pins the draw: success fixed at 0.75 → system NPV
/// 16,000 × 0.75 − 10,000 = £2,000 in every draw (see BREAK_EVEN); without `value` it keeps
/// the base 0.5 → −£2,000.
#[test]
fn fixed_distribution_pins_the_draws() {
    let place = TestPlace::new();
    let base = BREAK_EVEN.split("[[uncertain]]").next().unwrap();
    for (extra, want) in [("value = \"0.75\"\n", dec!(2000)), ("", dec!(-2000))] {
        let path = place.scenario(
            "fixed",
            &format!(
                "{base}[[uncertain]]\npath = \"outcome.work.success\"\ndist = \"fixed\"\n{extra}"
            ),
        );
        let sc = load(&path).unwrap();
        let spec = spec::load(&path, &sc, &[]).unwrap();
        let a = uncertainty::analyse(
            &sc,
            &sc.params(),
            spec,
            Options {
                iterations: 100,
                ..Options::default()
            },
            None,
        );
        let s = a.stats.last().unwrap().metrics[NPV].as_ref().unwrap();
        assert_eq!(pennies(s.min), want);
        assert_eq!(pennies(s.max), want);
        assert!(a.tornado.is_empty() && a.break_even.is_empty());
    }
}

// ------------------------------------------------------------ errors by file and key

#[test]
fn bad_declarations_name_file_and_key() {
    let place = TestPlace::new();
    let base = BREAK_EVEN.split("[[uncertain]]").next().unwrap();
    let cases = [
        (
            "[[uncertain]]\npath = \"outcome.work.sucess\"\ndist = \"uniform\"\nmin = 0\nmax = 1\n",
            "uncertain.outcome.work.sucess.path",
            "near: outcome.work.",
        ),
        (
            "[[uncertain]]\npath = \"outcome.work.success\"\ndist = \"uniform\"\nmin = \"0.8\"\nmax = \"0.2\"\n",
            "uncertain.outcome.work.success.dist",
            "less than max",
        ),
        (
            "[[uncertain]]\npath = \"outcome.work.success\"\ndist = \"triangular\"\nmin = 0\nmax = \"1.5\"\nmode = \"0.5\"\n",
            "uncertain.outcome.work.success.dist",
            "outside the parameter's range",
        ),
        (
            "[[uncertain]]\npath = \"outcome.work.success\"\ndist = \"gamma\"\n",
            "uncertain.outcome.work.success.dist",
            "not a distribution",
        ),
        (
            "[[uncertain]]\npath = \"outcome.work.success\"\ndist = \"normal\"\nmean = \"0.5\"\n",
            "uncertain.outcome.work.success.sd",
            "needs `sd`",
        ),
        (
            "[[uncertain]]\npath = \"outcome.work.success\"\ndist = \"pert\"\nmin = 0\nmode = \"0.1\"\nmax = 1\nsd = 2\n",
            "uncertain.outcome.work.success.sd",
            "takes",
        ),
        (
            "[[uncertain]]\npath = \"cost.advisers.amounts.0\"\ndist = \"lognormal\"\np5 = 0\np95 = 100\n",
            "uncertain.cost.advisers.amounts.0.dist",
            "more than zero",
        ),
        (
            "[[uncertain]]\npath = \"outcome.work.success\"\ndist = \"uniform\"\nmin = 0\nmax = 1\n[[correlation]]\nparams = [\"outcome.work.success\", \"outcome.work.deadweight\"]\nrank = \"0.5\"\n",
            "correlation.outcome.work.success,outcome.work.deadweight.params",
            "no distribution",
        ),
        (
            "[[uncertain]]\npath = \"outcome.work.success\"\ndist = \"uniform\"\nmin = 0\nmax = 1\n[[uncertain]]\npath = \"outcome.work.deadweight\"\ndist = \"uniform\"\nmin = 0\nmax = 1\n[[correlation]]\nparams = [\"outcome.work.success\", \"outcome.work.deadweight\"]\nrank = \"1.5\"\n",
            "rank",
            "strictly between -1 and 1",
        ),
    ];
    for (extra, key, msg) in cases {
        let path = place.scenario("bad", &format!("{base}{extra}"));
        let sc = load(&path).unwrap();
        let err = spec::load(&path, &sc, &[]).unwrap_err().to_string();
        assert!(err.contains("bad.toml"), "{err}");
        assert!(err.contains(key), "want key {key}: {err}");
        assert!(err.contains(msg), "want {msg}: {err}");
    }
    // Three correlations that cannot hold together.
    let extra = "[[uncertain]]\npath = \"outcome.work.success\"\ndist = \"uniform\"\nmin = 0\nmax = 1\n\
[[uncertain]]\npath = \"outcome.work.deadweight\"\ndist = \"uniform\"\nmin = 0\nmax = 1\n\
[[uncertain]]\npath = \"outcome.work.engagement\"\ndist = \"uniform\"\nmin = 0\nmax = 1\n\
[[correlation]]\nparams = [\"outcome.work.success\", \"outcome.work.deadweight\"]\nrank = \"0.9\"\n\
[[correlation]]\nparams = [\"outcome.work.success\", \"outcome.work.engagement\"]\nrank = \"0.9\"\n\
[[correlation]]\nparams = [\"outcome.work.deadweight\", \"outcome.work.engagement\"]\nrank = \"-0.9\"\n";
    let path = place.scenario("bad", &format!("{base}{extra}"));
    let sc = load(&path).unwrap();
    let err = spec::load(&path, &sc, &[]).unwrap_err().to_string();
    assert!(err.contains("positive definite"), "{err}");
    // A parameter fixed with --set is not drawn.
    let path = place.scenario("ok", BREAK_EVEN);
    let sc = load(&path).unwrap();
    let sp = spec::load(&path, &sc, &["outcome.work.success".to_string()]).unwrap();
    assert_eq!(sp.params.len(), 2);
}

/// The crate versions written into outputs are the ones in Cargo.lock.
#[test]
fn recorded_crate_versions_match_the_lock_file() {
    let lock = std::fs::read_to_string("Cargo.lock").unwrap();
    for (name, version) in uncertainty::CRATE_VERSIONS {
        let entry = format!("name = \"{name}\"\nversion = \"{version}");
        assert!(lock.contains(&entry), "{name} {version} not in Cargo.lock");
    }
}

// ------------------------------------------------- whole steps on the boundary

/// One stepped flow in year 0, no discounting, £1 a unit, all of a step cashable: the PV
/// cashable is the number of whole steps × the step, so it shows the step count itself.
fn stepped(
    participants: &str,
    engagement: &str,
    success: &str,
    quantity: &str,
    step: &str,
) -> String {
    format!(
        r#"
[scenario]
id = "steps"
name = "Whole steps on the boundary"
cohort = "care-leavers"
transition = "leaving-care"
start_year = 2025
horizon = 1

[discount]
schedule = "flat"
rate = "0"

[[unit_cost]]
id = "unit"
name = "A unit of capacity"
value = 1
unit = "unit"
price_year = "2024-25"
role = "council"
cashability = "1"
source = "test"

[[cost]]
id = "c"
agency = "council"
kind = "revenue"
amounts = [1]

[[outcome]]
id = "o"
name = "Capacity released"
participants = {participants}
engagement = "{engagement}"
success = "{success}"
deadweight = "0"
lag = 0
evidence_grade = 1
optimism_bias = "0"

[[outcome.flow]]
id = "beds"
unit_cost = "unit"
quantity = "{quantity}"
cashability = "1"
step = "{step}"
"#
    )
}

/// Kernel and engine count the same whole steps, with no tolerance: 9.99999999999 units of a
/// step of 10 is no step (the kernel used to forgive the shortfall and count one), and
/// 100 × 0.9 × 0.7 = 63 units of a step of 1 is 63 steps although f64 makes it
/// 62.99999999999999.
#[test]
fn kernel_and_engine_agree_on_whole_steps_at_the_boundary() {
    let place = TestPlace::new();
    for (name, (pa, en, su, q, st), steps_times_step) in [
        // 1 × 1 × 1 × 9.99999999999 = 9.99999999999; ⌊0.999999999999⌋ = 0 steps → £0.
        ("short", ("1", "1", "1", "9.99999999999", "10"), 0.0),
        // Exactly 10 units: 1 step of 10 → £10.
        ("exact", ("1", "1", "1", "10", "10"), 10.0),
        // 100 × 0.9 × 0.7 × 1 = 63 units exactly: 63 steps of 1 → £63.
        ("binary-noise", ("100", "0.9", "0.7", "1", "1"), 63.0),
        // 63 units in steps of 7: 9 steps → £63; in steps of 6.3: 10 steps → £63.
        ("sevens", ("100", "0.9", "0.7", "1", "7"), 63.0),
        ("six-point-three", ("100", "0.9", "0.7", "1", "6.3"), 63.0),
    ] {
        let path = place.scenario(name, &stepped(pa, en, su, q, st));
        let sc = load(&path).unwrap();
        let params = sc.params();
        let r = evaluate(&sc, &params);
        let council = sc.party_index("council").unwrap();
        let exact = r.parties[council].summary.pv_cashable;
        assert_eq!(f(exact), steps_times_step, "{name}: engine");
        let k = Kernel::compile(&sc);
        let vals: Vec<f64> = params.values.iter().map(|d| f(*d)).collect();
        let mut out = vec![0.0; sc.parties.len() * PV_WIDTH];
        k.eval(&vals, &mut k.scratch(), &mut out);
        // Whole steps × step × £1 × 1 is exact in f64: equality, no tolerance.
        assert_eq!(
            out[council * PV_WIDTH + PV_CASHABLE],
            steps_times_step,
            "{name}: kernel"
        );
    }
}

/// Participants per intake and a ramp-up (issue 11 items 1 and 2) in the kernel: one scenario
/// with a linear flow, a stepped flow (the kernel's exact path) and a PbR on each intake's
/// own participants, at its base values and at 50 other points.
#[test]
fn kernel_equals_exact_engine_with_intakes_and_ramp_up() {
    let toml = r#"
[scenario]
id = "intakes-ramp"
name = "Intakes of different sizes with a ramp-up"
cohort = "care-leavers"
transition = "leaving-care"
start_year = 2025
horizon = 8

[[unit_cost]]
id = "bed-day"
name = "Bed day"
value = 300
unit = "bed day"
price_year = "2024-25"
role = "council"
cashability = "0.6"
source = "test"

[[cost]]
id = "advisers"
agency = "council"
kind = "revenue"
amounts = [40000, 30000, 30000]

[[outcome]]
id = "o"
name = "Into work"
participants = [120, 100, 80]
engagement = "0.9"
success = "0.45"
deadweight = "0.2"
lag = 1
drop_off = "0.15"
duration = 5
ramp_up = ["0.25", "0.5", "0.75"]
evidence_grade = 3

[[outcome.flow]]
id = "jsa"
unit_cost = "jsa-year"
quantity = "0.7"

[[outcome.flow]]
id = "beds"
unit_cost = "bed-day"
quantity = 14
step = 90

[[transfer]]
id = "pbr"
kind = "pbr"
from = "dwp"
to = "council"
outcome = "o"
amount = 1500
attachment_share = "0.3"

[[transfer]]
id = "pbr-contract"
kind = "pbr"
from = "dwp"
to = "council"
outcome = "o"
amount = 1000
attachment_share = ["0.8", "0.6", "0.4"]
basis = "additional"
clawback = true
cap = 60000
"#;
    let place = TestPlace::new();
    let sc = load(&place.scenario("intakes-ramp", toml)).unwrap();
    check_kernel(&sc, &sc.params(), "intakes-ramp at base");
    let mut rng = rng_for(7, 0);
    use rand::RngExt;
    for i in 0..50 {
        let mut p = sc.params();
        for (k, spec) in sc.param_specs.iter().enumerate() {
            let v = f(p.values[k]);
            let x: f64 = match spec.bound {
                Bound::Rate => rng.random_range(0.0..1.0),
                _ => v * rng.random_range(0.5..1.5),
            };
            p.values[k] = from_sheet_number(round15(x)).unwrap();
        }
        check_kernel(&sc, &p, &format!("intakes-ramp draw {i}"));
    }
}

fn round15(x: f64) -> f64 {
    format!("{x:.15e}").parse().unwrap()
}
