//! Issue 11 items 7 and 5, worked by hand (the working in the comments, asserted to the penny):
//! optimism bias on costs by confidence grade, the warning for costs with no uplift and no
//! reason, and stepped cashability with its own value per step. The f64 kernel is checked
//! against the same figures.

mod scenario_support;

use rust_decimal_macros::dec;
use scenario_support::{check_kernel, p, party, TestPlace};
use totalplace::scenario::report::{conventions, no_uplift_warning};
use totalplace::scenario::{evaluate, load};

/// Four cost lines, each taking its uplift a different way. A flat 25% rate: D = 1, 0.8.
const GRADED: &str = r#"
[scenario]
id = "graded"
name = "Costs by confidence grade (hand-worked)"
start_year = 2025
horizon = 2

[discount]
schedule = "flat"
rate = "0.25"

[optimism_bias]
costs_grade = 4

[optimism_bias.cost_grades]
2 = "0.1"
4 = "0.3"

[[cost]]
id = "build"
agency = "council"
kind = "capital"
amounts = [10000]
confidence_grade = 2

[[cost]]
id = "staff"
agency = "council"
kind = "revenue"
amounts = [5000, 5000]

[[cost]]
id = "volunteers"
agency = "council"
kind = "in-kind"
amounts = [1000]
optimism_bias = 0
optimism_bias_reason = "hours logged by the volunteer centre: an outturn, not an estimate"

[[cost]]
id = "licence"
agency = "police"
kind = "revenue"
amounts = [2000]
optimism_bias = "0.05"
"#;

#[test]
fn cost_uplift_by_confidence_grade_line_scenario_and_reason() {
    let place = TestPlace::new();
    let sc = load(&place.scenario("graded", GRADED)).unwrap();
    let params = sc.params();
    let r = evaluate(&sc, &params);
    let council = party(&r, "council");

    // build: its own confidence grade 2 → 10% of the scenario's table: 10,000 × 1.1 = 11,000.
    // staff: no grade or uplift of its own → the scenario's costs_grade 4 → 30%:
    //        5,000 × 1.3 = 6,500 in years 0 and 1.
    // volunteers: its own uplift 0 (with a reason): 1,000.
    // Council year 0: 11,000 + 6,500 + 1,000 = 18,500; year 1: 6,500.
    assert_eq!(
        council.yearly[0].costs_by_kind,
        [dec!(6500), dec!(11000), dec!(1000)]
    );
    assert_eq!(council.yearly[0].costs, dec!(18500));
    assert_eq!(council.yearly[1].costs, dec!(6500));
    // PV = 18,500 + 6,500 × 0.8 = 18,500 + 5,200 = 23,700.
    assert_eq!(p(council.summary.pv_costs), dec!(23700.00));
    // licence: its own 5% → police 2,000 × 1.05 = 2,100.
    assert_eq!(p(party(&r, "police").summary.pv_costs), dec!(2100.00));
    // System PV costs 23,700 + 2,100 = 25,800.
    assert_eq!(p(r.system.pv_costs), dec!(25800.00));

    // Each line is uplifted and the one with none says why: no warning.
    assert_eq!(no_uplift_warning(&sc), None);
    assert!(sc.warnings.is_empty(), "{:?}", sc.warnings);

    // The conventions say which uplift applied to each line, and why.
    let conv = conventions(&sc);
    let text = &conv
        .iter()
        .find(|(k, _)| k == "optimism bias on costs")
        .expect("optimism bias on costs convention")
        .1;
    for want in [
        "cost.build x (1 + 10%): its confidence grade 2, optimism_bias.cost_grade.2",
        "cost.staff x (1 + 30%): the scenario's costs_grade 4, optimism_bias.cost_grade.4",
        "cost.volunteers x (1 + 0%): its own optimism_bias (cost.volunteers.optimism_bias); reason: hours logged",
        "cost.licence x (1 + 5%): its own optimism_bias (cost.licence.optimism_bias)",
    ] {
        assert!(text.contains(want), "missing {want:?} in {text}");
    }

    // Graded costs: no `optimism_bias.costs` parameter that would change nothing.
    assert!(sc.param_index("optimism_bias.costs").is_none());

    // The grade's uplift is a parameter: at 50%, staff costs 5,000 × 1.5 = 7,500 a year;
    // council PV = 11,000 + 7,500 + 1,000 + 7,500 × 0.8 = 25,500.
    let mut q = sc.params();
    sc.set(&mut q, "optimism_bias.cost_grade.4", dec!(0.5))
        .unwrap();
    let r = evaluate(&sc, &q);
    assert_eq!(p(party(&r, "council").summary.pv_costs), dec!(25500.00));
    check_kernel(&sc, &params, "costs");
    check_kernel(&sc, &q, "costs");
}

/// `check` prints this warning (tests/scenario_cli.rs runs it through the CLI).
#[test]
fn costs_with_no_uplift_and_no_reason_are_warned_about() {
    let place = TestPlace::new();
    // No [optimism_bias] at all: both lines carry no uplift, and neither says why.
    let bare = r#"
[scenario]
id = "bare"
name = "No uplift"
start_year = 2025
horizon = 1

[[cost]]
id = "a"
agency = "council"
kind = "revenue"
amounts = [100]

[[cost]]
id = "b"
agency = "council"
kind = "revenue"
amounts = [100]
optimism_bias = 0
"#;
    let sc = load(&place.scenario("bare", bare)).unwrap();
    let w = no_uplift_warning(&sc).expect("a warning");
    assert!(
        w.contains("bare.toml: cost.a, cost.b have no optimism-bias uplift and no stated reason"),
        "{w}"
    );
    // The conventions say so line by line.
    let conv = conventions(&sc);
    let text = &conv
        .iter()
        .find(|(k, _)| k == "optimism bias on costs")
        .unwrap()
        .1;
    assert!(
        text.contains("cost.a x (1 + 0%): no uplift given; no reason stated"),
        "{text}"
    );

    // One reason for the whole scenario silences it.
    let reasoned = bare.replace(
        "[[cost]]\nid = \"a\"",
        "[optimism_bias]\ncosts_reason = \"fixed-price contract: the amounts are the contract's\"\n\n[[cost]]\nid = \"a\"",
    );
    let sc = load(&place.scenario("reasoned", &reasoned)).unwrap();
    assert_eq!(no_uplift_warning(&sc), None);
    assert!(conventions(&sc).iter().any(
        |(_, v)| v.contains("cost.a x (1 + 0%): no uplift given; reason: fixed-price contract")
    ));
}

#[test]
fn bad_cost_grades_are_errors_naming_file_and_key() {
    let place = TestPlace::new();
    for (name, edit, want) in [
        (
            "missing-grade",
            ("confidence_grade = 2", "confidence_grade = 3"),
            "missing-grade.toml: cost.build.confidence_grade: confidence grade 3 has no uplift in [optimism_bias.cost_grades] (given: 2, 4)",
        ),
        (
            "grade-and-uplift",
            ("confidence_grade = 2", "confidence_grade = 2\noptimism_bias = \"0.2\""),
            "grade-and-uplift.toml: cost.build.confidence_grade: give `optimism_bias` (an uplift) or `confidence_grade`, not both",
        ),
        (
            "not-a-grade",
            ("confidence_grade = 2", "confidence_grade = 7"),
            "not-a-grade.toml: cost.build.confidence_grade: 7 is not a confidence grade (1 strongest .. 6 weakest)",
        ),
        (
            "both-scenario",
            ("costs_grade = 4", "costs_grade = 4\ncosts = \"0.1\""),
            "both-scenario.toml: optimism_bias.costs_grade: give `costs` (an uplift) or `costs_grade` (a confidence grade), not both",
        ),
        (
            "bad-table",
            ("4 = \"0.3\"", "4 = \"0.3\"\n9 = \"0.5\""),
            "bad-table.toml: optimism_bias.cost_grades.9: confidence grades are 1 (strongest) to 6 (weakest)",
        ),
        (
            "blank-reason",
            ("optimism_bias_reason = \"hours", "optimism_bias_reason = \" \"\nnote = \"hours"),
            "blank-reason.toml: cost.volunteers.optimism_bias_reason: say why, or remove the key",
        ),
    ] {
        let text = GRADED.replacen(edit.0, edit.1, 1);
        assert_ne!(text, GRADED, "{name}: edit did not apply");
        let e = load(&place.scenario(name, &text)).unwrap_err().to_string();
        assert!(e.contains(want), "{name}: {e}");
    }
}

/// A stepped flow with its own value per step: a ward of 9,200 bed days a year that, closed,
/// releases £1,500,000 a year (price base). Bed day £200 in 2019-20 prices → £250 in 2024-25
/// (index 100 / 80). A flat 25% rate: D = 1, 0.8.
const WARD: &str = r#"
[scenario]
id = "ward"
name = "A ward's worth of bed days (hand-worked)"
start_year = 2025
horizon = 2

[discount]
schedule = "flat"
rate = "0.25"

[optimism_bias]
costs = "0.1"

[[cost]]
id = "discharge-team"
agency = "acute-trust"
kind = "revenue"
amounts = [1000000]

[[outcome]]
id = "shorter-stays"
name = "Shorter stays"
participants = 1000
engagement = 1
success = 1
deadweight = 0
evidence_grade = 2

[[outcome.flow]]
id = "beds"
unit_cost = "bed-day"
quantity = 19
cashability = "0.8"
step = 9200
step_value = 1500000
"#;

#[test]
fn stepped_cashability_with_its_own_value_per_step() {
    let place = TestPlace::new();
    let sc = load(&place.scenario("ward", WARD)).unwrap();
    assert!(sc.warnings.is_empty(), "{:?}", sc.warnings);
    let params = sc.params();
    let r = evaluate(&sc, &params);
    let acute = party(&r, "acute-trust");

    // 1,000 people × 19 bed days = 19,000 bed days: two whole wards of 9,200 (18,400) before
    // optimism bias. Evidence grade 2 takes 5% off: 19,000 × 0.95 = 18,050 bed days, and steps
    // are counted on that: ⌊18,050 / 9,200⌋ = ⌊1.96...⌋ = 1 ward.
    // Benefit = 18,050 × £250 = £4,512,500 a year (years 0 and 1: no lag, no duration).
    // Cashable = 1 ward × £1,500,000 × cashability 0.8 = £1,200,000 (≤ the benefit);
    // non-cashable = 4,512,500 − 1,200,000 = £3,312,500.
    // (Step × unit cost would give 9,200 × £250 × 0.8 = £1,840,000.)
    for t in 0..2 {
        assert_eq!(acute.yearly[t].cashable, dec!(1200000), "year {t}");
        assert_eq!(acute.yearly[t].non_cashable, dec!(3312500), "year {t}");
    }
    // PV cashable = 1,200,000 × (1 + 0.8) = 2,160,000; non-cashable 3,312,500 × 1.8 = 5,962,500.
    assert_eq!(p(acute.summary.pv_cashable), dec!(2160000.00));
    assert_eq!(p(acute.summary.pv_non_cashable), dec!(5962500.00));
    // Costs 1,000,000 × 1.1 = 1,100,000. NPV = 8,122,500 − 1,100,000 = 7,022,500;
    // cashable NPV = 2,160,000 − 1,100,000 = 1,060,000.
    assert_eq!(p(acute.summary.npv), dec!(7022500.00));
    assert_eq!(p(acute.summary.npv_cashable), dec!(1060000.00));
    check_kernel(&sc, &params, "costs");

    // The step value is a parameter: at £2,000,000 a ward, cashable = 1 × 2,000,000 × 0.8 =
    // 1,600,000 a year; PV 1,600,000 × 1.8 = 2,880,000.
    let mut q = sc.params();
    sc.set(
        &mut q,
        "outcome.shorter-stays.flow.beds.step_value",
        dec!(2000000),
    )
    .unwrap();
    let r = evaluate(&sc, &q);
    assert_eq!(
        p(party(&r, "acute-trust").summary.pv_cashable),
        dec!(2880000.00)
    );
    check_kernel(&sc, &q, "costs");
    // Without the 5% bias (evidence grade 2's reduction set to 0) the 19,000 bed days make two
    // wards: 2 × 1,500,000 × 0.8 = 2,400,000 a year cashable.
    let mut q = sc.params();
    sc.set(&mut q, "optimism_bias.grade.2", dec!(0)).unwrap();
    let r = evaluate(&sc, &q);
    assert_eq!(party(&r, "acute-trust").yearly[0].cashable, dec!(2400000));
    check_kernel(&sc, &q, "costs");
}

#[test]
fn a_step_value_above_its_steps_benefit_is_capped_at_the_benefit_and_warned_about() {
    let place = TestPlace::new();
    // 500 people × 20 bed days × 0.95 = 9,500 bed days: 1 ward of 9,200.
    // Benefit = 9,500 × £250 = £2,375,000. A ward at £3,000,000 × cashability 1 would be more
    // than the benefit, so the cashable part is capped: cashable £2,375,000, non-cashable £0.
    let text = WARD
        .replace("participants = 1000", "participants = 500")
        .replace("quantity = 19", "quantity = 20")
        .replace("cashability = \"0.8\"", "cashability = 1")
        .replace("step_value = 1500000", "step_value = 3000000");
    let sc = load(&place.scenario("capped", &text)).unwrap();
    let r = evaluate(&sc, &sc.params());
    let acute = party(&r, "acute-trust");
    assert_eq!(acute.yearly[0].cashable, dec!(2375000));
    assert_eq!(acute.yearly[0].non_cashable, dec!(0));
    check_kernel(&sc, &sc.params(), "costs");
    // One ward's own benefit is 9,200 × £250 = £2,300,000 < £3,000,000: warned at load.
    assert_eq!(sc.warnings.len(), 1, "{:?}", sc.warnings);
    assert!(
        sc.warnings[0].contains("capped.toml: outcome.shorter-stays.flow.beds.step_value: step_value £3,000,000.00 is more than the benefit of a whole step (9200 units × £250.00 a unit in the price base = £2,300,000.00)"),
        "{}",
        sc.warnings[0]
    );

    // A step value needs a step.
    let e = load(&place.scenario("no-step", &WARD.replace("step = 9200\n", "")))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("no-step.toml: outcome.shorter-stays.flow.beds.step_value: a step value is the cash released per whole step: give the flow its `step`"),
        "{e}"
    );
    // And it is money: not negative.
    let e = load(&place.scenario(
        "negative",
        &WARD.replace("step_value = 1500000", "step_value = -1"),
    ))
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("negative.toml: outcome.shorter-stays.flow.beds.step_value"),
        "{e}"
    );
}
