//! Switching values (`totalplace run --switching PATH...`): the value of any assumption at
//! which the system and each party break even, worked by hand on the hand-worked case 1 of
//! tests/scenario_hand.rs (its working is repeated where used).

mod scenario_support;

use std::process::Command;

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use scenario_support::TestPlace;
use totalplace::money::round_half_up;
use totalplace::scenario::load;
use totalplace::scenario::switching::{resolve, switching_values, SwitchValue};

const BIN: &str = env!("CARGO_BIN_EXE_totalplace");

const CASE1: &str = r#"
[scenario]
id = "case1"
name = "Care leavers into work (hand-worked)"
cohort = "care-leavers"
transition = "leaving-care"
start_year = 2025
horizon = 5

[discount]
schedule = "flat"
rate = "0.25"

[optimism_bias]
costs = "0.2"

[[unit_cost]]
id = "pa-session"
name = "Personal adviser session"
value = 200
unit = "session"
price_year = "2024-25"
role = "council"
cashability = "0.5"
source = "test"

[[cost]]
id = "advisers"
agency = "council"
kind = "revenue"
amounts = [10000, 5000]

[[outcome]]
id = "into-work"
name = "Care leavers in work rather than NEET"
participants = 100
engagement = "0.8"
success = "0.5"
deadweight = "0.25"
lag = 1
drop_off = "0.1"
evidence_grade = 3

[[outcome.flow]]
id = "jsa"
unit_cost = "jsa-year"
quantity = "0.5"

[[outcome.flow]]
id = "sessions"
unit_cost = "pa-session"
quantity = 2
"#;

fn value(v: &SwitchValue) -> Decimal {
    match v {
        SwitchValue::At { value, .. } => *value,
        other => panic!("expected a switching value, got {other:?}"),
    }
}

fn party_k(sc: &totalplace::scenario::ValidatedScenario, id: &str) -> usize {
    1 + sc.party_index(id).expect("party")
}

#[test]
fn success_and_a_cost_line_worked_by_hand() {
    let place = TestPlace::new();
    let sc = load(&place.scenario("case1", CASE1)).unwrap();
    let params = sc.params();
    let paths = resolve(
        &sc,
        &[
            "outcome.into-work.success".to_string(),
            "cost.advisers.amounts.0".to_string(),
        ],
    )
    .unwrap();
    let rows = switching_values(&sc, &params, &paths);
    let (council, dwp) = (party_k(&sc, "council"), party_k(&sc, "dwp"));

    // Success s. Every benefit is proportional to the achievers, 100 × 0.8 × s × 0.75, so to s:
    // at s = 0.5 the council's PV benefits are 22,564.63872 and the system's 78,976.23552
    // (case 1), i.e. 45,129.27744 s and 157,952.47104 s. PV costs are 16,800 whatever s.
    // Council: 45,129.27744 s = 16,800 → s = 16,800 ÷ 45,129.27744 = 0.3722638817…
    // System: 157,952.47104 s = 16,800 → s = 0.1063611090…
    // DWP bears no cost: NPV 112,823.1936 s is zero only at s = 0 (−100% of 0.5).
    let s = &rows[0];
    assert_eq!(s.path, "outcome.into-work.success");
    assert_eq!(s.base, dec!(0.5));
    assert_eq!(
        round_half_up(value(&s.values[council]), 9),
        dec!(0.372263882)
    );
    assert_eq!(round_half_up(value(&s.values[0]), 9), dec!(0.106361109));
    assert_eq!(value(&s.values[dwp]), Decimal::ZERO);
    // Below the switching value the council loses, above it gains.
    assert!(matches!(
        s.values[council],
        SwitchValue::At {
            positive_above: true,
            ..
        }
    ));

    // Year-0 adviser cost a (uplifted 20%). Council NPV = 22,564.63872 − 1.2 a − 6,000 × 0.8
    // = 17,764.63872 − 1.2 a → a = 14,803.8656 (+48.04% of 10,000).
    // System NPV = 78,976.23552 − 4,800 − 1.2 a → a = 61,813.5296.
    // DWP's NPV does not depend on the council's cost: no effect (gains).
    let a = &rows[1];
    assert_eq!(
        round_half_up(value(&a.values[council]), 6),
        dec!(14803.8656)
    );
    assert_eq!(round_half_up(value(&a.values[0]), 6), dec!(61813.5296));
    assert_eq!(
        a.values[dwp],
        SwitchValue::None {
            positive: true,
            unchanged: true
        }
    );
}

#[test]
fn a_rate_that_never_switches_says_so() {
    // Drop-off moves the benefits but the system's NPV stays positive even at 100% drop-off:
    // the first benefit year alone is worth 27,000 × 0.8 + 10,800 × 0.8 = 30,240 > 16,800.
    let place = TestPlace::new();
    let sc = load(&place.scenario("case1", CASE1)).unwrap();
    let paths = resolve(&sc, &["outcome.into-work.drop_off".to_string()]).unwrap();
    let rows = switching_values(&sc, &sc.params(), &paths);
    assert_eq!(
        rows[0].values[0],
        SwitchValue::None {
            positive: true,
            unchanged: false
        }
    );
}

#[test]
fn prefixes_expand_in_file_order_and_unknown_paths_are_refused() {
    let place = TestPlace::new();
    let sc = load(&place.scenario("case1", CASE1)).unwrap();
    let p = resolve(&sc, &["cost.advisers.*".to_string()]).unwrap();
    let names: Vec<&str> = p.iter().map(|&i| sc.param_specs[i].path.as_str()).collect();
    assert_eq!(
        names,
        ["cost.advisers.amounts.0", "cost.advisers.amounts.1"]
    );
    let e = resolve(&sc, &["outcome.nope.success".to_string()]).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("case1.toml") && msg.contains("--switching outcome.nope.success"),
        "{msg}"
    );
}

#[test]
fn the_cli_prints_the_table_and_writes_switching_csv() {
    let place = TestPlace::new();
    let file = place.scenario("case1", CASE1);
    let out = place.path().join("out");
    let o = Command::new(BIN)
        .arg("run")
        .arg(&file)
        .args([
            "--switching",
            "outcome.into-work.success",
            "cost.advisers.amounts.0",
        ])
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // Six significant figures and the change from the value in use.
    assert!(stdout.contains("0.372264 (-25.5%)"), "{stdout}");
    assert!(stdout.contains("14803.9 (+48.0%)"), "{stdout}");
    let dir = std::fs::read_dir(&out)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let csv = std::fs::read_to_string(dir.join("case1").join("switching.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "scenario,parameter,value_in_use,range_low,range_high,party,npv_at_value_in_use,\
finding,switching_value,change,change_pct,npv_positive_above"
    );
    assert!(
        lines.iter().any(|l| l.starts_with(
            // Above £14,803.87 the council loses: NPV is not positive above.
            "case1,cost.advisers.amounts.0,10000,0,1000000000000,council,5764.64,at,14803.8656,4803.8656,48.0387,false"
        )),
        "{csv}"
    );
    assert!(
        lines.iter().any(|l| l
            .starts_with("case1,cost.advisers.amounts.0,10000,0,1000000000000,dwp,")
            && l.contains(",no-effect,")),
        "{csv}"
    );

    // An unknown path: exit 2 naming the file and the flag, nothing written.
    let out2 = place.path().join("out2");
    let o = Command::new(BIN)
        .arg("run")
        .arg(&file)
        .args(["--switching", "outcome.nope.success", "--out"])
        .arg(&out2)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--switching outcome.nope.success"), "{err}");
    assert!(!out2.exists());
}
