//! Issue 11 item 6, worked by hand (the working in the comments, asserted to the penny): an
//! outcome's economic and social value beside its fiscal flows. The financial case (who pays,
//! who gains) is untouched; the economic case counts every cost, every fiscal benefit and the
//! wider values for the public sector as a whole, and a combined value that includes fiscal
//! value replaces the flow it names.

mod scenario_support;

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use scenario_support::{cli_ok, error_of, TestPlace};
use totalplace::money::to_pennies;
use totalplace::scenario::report::conventions;
use totalplace::scenario::{evaluate, load};

/// Year 0 is 2024-25 (the price base); a flat 25% rate: D = 1, 0.8, 0.64.
///
/// Outcome: 10 participants × engagement 1 × success 0.5 × (1 − deadweight 0.2) = 4 achieving
/// from year 1 (lag 1), halving each year (drop-off 0.5): people 0, 4, 2. Grade 1: no bias.
///
/// Fiscal flows (the financial case):
/// - jsa: 1 JSA year (£2,000) to DWP: 0, 8,000, 4,000; PV 8,000 × 0.8 + 4,000 × 0.64 = 8,960.
/// - callouts: 2 police incidents (£100) to the police: 0, 800, 400; PV 640 + 256 = 896.
///
/// Wider values (the economic case only):
/// - wellbeing: 1 social unit of £500 in 2019-20 prices, re-based 500 × 100 / 80 = 625:
///   0, 2,500, 1,250; PV 2,000 + 800 = 2,800.
/// - crime-harm: 2 incidents at a combined fiscal+economic+social £300, replacing the callouts
///   flow (their fiscal £100 is inside the £300): 0, 2,400, 1,200; PV 1,920 + 768 = 2,688.
///
/// Costs: £1,000 in year 0, no uplift: PV 1,000.
///
/// Financial case: PV benefits 8,960 + 896 = 9,856; NPV 8,856; FROI 9.856.
/// Economic case: PV fiscal 9,856 − 896 (replaced) = 8,960; public value 8,960 + 2,688 + 2,800
/// = 14,448; economic NPV 13,448; BCR 14.448. By year: year 1 fiscal 8,000 + 800 − 800 =
/// 8,000, values 2,400 and 2,500, public value 12,900; year 2 fiscal 4,000, values 1,200 and
/// 1,250, public value 6,450 (PV 12,900 × 0.8 + 6,450 × 0.64 = 10,320 + 4,128 = 14,448).
const ECON: &str = r#"
[scenario]
id = "econ"
name = "Economic and social value (hand-worked)"
start_year = 2024
horizon = 3

[discount]
schedule = "flat"
rate = "0.25"

[optimism_bias]
costs_reason = "hand-worked"

[[unit_cost]]
id = "police-incident"
name = "Police incident"
value = 100
unit = "incident"
price_year = "2024-25"
role = "police"
cashability = 0
source = "test"

[[unit_cost]]
id = "wellbeing-year"
name = "Wellbeing gain a year"
value = 500
unit = "person-year"
price_year = "2019-20"
role = "council"
cashability = 0
source = "test"
value_type = "social"

[[unit_cost]]
id = "crime-cost"
name = "Crime, average cost per incident (fiscal, economic and social)"
value = 300
unit = "incident"
price_year = "2024-25"
role = "police"
cashability = 0
source = "test"
value_type = "fiscal+economic+social"

[[cost]]
id = "service"
agency = "council"
kind = "revenue"
amounts = [1000]

[[outcome]]
id = "work"
name = "Into work"
participants = 10
engagement = 1
success = "0.5"
deadweight = "0.2"
lag = 1
drop_off = "0.5"
evidence_grade = 1

[[outcome.flow]]
id = "jsa"
unit_cost = "jsa-year"
quantity = 1
agency = "dwp"

[[outcome.flow]]
id = "callouts"
unit_cost = "police-incident"
quantity = 2

[[outcome.value]]
id = "wellbeing"
unit_cost = "wellbeing-year"
quantity = 1

[[outcome.value]]
id = "crime-harm"
unit_cost = "crime-cost"
quantity = 2
replaces = ["callouts"]
"#;

/// The same scenario with no `[[outcome.value]]`.
fn without_values() -> String {
    let cut = ECON.find("[[outcome.value]]").unwrap();
    ECON[..cut].to_string()
}

#[test]
fn economic_case_counts_wider_value_once_and_leaves_who_pays_alone() {
    let place = TestPlace::new();
    let sc = load(&place.scenario("econ", ECON)).unwrap();
    let r = evaluate(&sc, &sc.params());
    let e = r.economic.as_ref().expect("an economic case");
    assert_eq!(to_pennies(e.pv_costs), dec!(1000.00));
    assert_eq!(to_pennies(e.pv_fiscal), dec!(8960.00));
    assert_eq!(to_pennies(e.pv_fiscal_replaced), dec!(896.00));
    let values: Vec<(&str, Decimal)> = e
        .pv_values
        .iter()
        .map(|(k, x)| (k.as_str(), to_pennies(*x)))
        .collect();
    assert_eq!(
        values,
        vec![
            ("fiscal+economic+social", dec!(2688.00)),
            ("social", dec!(2800.00))
        ]
    );
    assert_eq!(to_pennies(e.pv_public_value), dec!(14448.00));
    assert_eq!(to_pennies(e.npv), dec!(13448.00));
    assert_eq!(e.bcr.unwrap().normalize(), dec!(14.448));
    let y1 = &e.yearly[1];
    assert_eq!(
        (y1.fiscal, y1.values.clone(), y1.public_value),
        (dec!(8000), vec![dec!(2400), dec!(2500)], dec!(12900))
    );
    let y2 = &e.yearly[2];
    assert_eq!(
        (y2.fiscal, y2.values.clone(), y2.public_value, y2.net),
        (
            dec!(4000),
            vec![dec!(1200), dec!(1250)],
            dec!(6450),
            dec!(6450)
        )
    );
    assert_eq!(e.yearly[0].net, dec!(-1000));

    // The financial case: PV benefits 9,856, NPV 8,856, FROI 9.856, exactly as without the
    // values; every party's figures are the same.
    assert_eq!(to_pennies(r.system.pv_benefits), dec!(9856.00));
    assert_eq!(to_pennies(r.system.npv), dec!(8856.00));
    let plain = load(&place.scenario("plain", &without_values())).unwrap();
    let rp = evaluate(&plain, &plain.params());
    assert!(rp.economic.is_none(), "no values, no economic case");
    assert_eq!(r.parties, rp.parties);
    assert_eq!(r.system, rp.system);

    // Optimism bias reduces the wider values like the flows: at 50% for the outcome's grade every
    // benefit halves, so public value 7,224 and BCR 7.224.
    let mut params = sc.params();
    sc.set(&mut params, "optimism_bias.grade.1", dec!(0.5))
        .unwrap();
    let half = evaluate(&sc, &params);
    let e = half.economic.unwrap();
    assert_eq!(to_pennies(e.pv_public_value), dec!(7224.00));
    assert_eq!(e.bcr.unwrap().normalize(), dec!(7.224));

    // The board pack's findings say it, apart from who pays.
    let r = evaluate(&sc, &sc.params());
    let text = totalplace::report::findings::findings(&sc, &r, None).join("\n");
    assert!(
        text.contains("In the economic case")
            && text.contains("benefit-cost ratio of 14.45")
            && text.contains("not in who pays and who gains"),
        "{text}"
    );
    let plain_text = totalplace::report::findings::findings(&plain, &rp, None).join("\n");
    assert!(!plain_text.contains("economic case"), "{plain_text}");

    // The convention says how it is counted.
    let conv = conventions(&sc);
    let (_, text) = conv
        .iter()
        .find(|(k, _)| k == "economic case")
        .expect("economic case convention");
    assert!(text.contains("replaces") && text.contains("BCR"), "{text}");
}

/// `run` writes economic_case.csv and results.json's economic_case, and prints the case.
#[test]
fn run_writes_the_economic_case() {
    let place = TestPlace::new();
    let path = place.scenario("econ", ECON);
    let out = tempfile::tempdir().unwrap();
    let stdout = cli_ok(&[
        "run".as_ref(),
        path.as_os_str(),
        "--out".as_ref(),
        out.path().as_os_str(),
    ]);
    assert!(
        stdout.contains("benefit-cost ratio") && stdout.contains("14.448"),
        "{stdout}"
    );
    let dir = out.path().join("testville/econ");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("results.json")).unwrap()).unwrap();
    let e = &json["economic_case"];
    assert_eq!(e["pv_public_value"], "14448.00");
    assert_eq!(e["npv"], "13448.00");
    let bcr: Decimal = e["bcr"].as_str().unwrap().parse().unwrap();
    assert_eq!(bcr.normalize(), dec!(14.448));
    assert_eq!(e["pv_values"][1]["value_type"], "social");
    assert_eq!(e["pv_values"][1]["pv"], "2800.00");
    let csv = std::fs::read_to_string(dir.join("economic_case.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines,
        vec![
            "scenario,year,financial_year,costs,fiscal,fiscal+economic+social,social,public_value,net",
            "econ,0,2024-25,1000.00,0.00,0.00,0.00,0.00,-1000.00",
            "econ,1,2025-26,0.00,8000.00,2400.00,2500.00,12900.00,12900.00",
            "econ,2,2026-27,0.00,4000.00,1200.00,1250.00,6450.00,6450.00",
            "econ,pv,,1000.00,8960.00,2688.00,2800.00,14448.00,13448.00",
        ]
    );
    // A scenario with no values writes no economic case.
    let plain = place.scenario(
        "plain",
        &without_values().replace("id = \"econ\"", "id = \"plain\""),
    );
    let plain_out = cli_ok(&[
        "run".as_ref(),
        plain.as_os_str(),
        "--out".as_ref(),
        out.path().as_os_str(),
    ]);
    let dir = out.path().join("testville/plain");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("results.json")).unwrap()).unwrap();
    assert!(json["economic_case"].is_null());
    assert!(!dir.join("economic_case.csv").exists());
    assert!(!plain_out.contains("benefit-cost ratio"));
}

#[test]
fn bad_values_are_errors_naming_file_and_key() {
    let place = TestPlace::new();
    // A combined value must say which flows it contains.
    let e = error_of(
        &place,
        "a",
        &ECON.replace("replaces = [\"callouts\"]\n", ""),
    );
    assert!(
        e.contains("a.toml")
            && e.contains("outcome.work.value.crime-harm.replaces")
            && e.contains("already contains fiscal value"),
        "{e}"
    );
    // A flow it names must be one of the outcome's.
    let e = error_of(
        &place,
        "b",
        &ECON.replace("replaces = [\"callouts\"]", "replaces = [\"nope\"]"),
    );
    assert!(
        e.contains("\"nope\" is no flow of outcome \"work\"") && e.contains("jsa, callouts"),
        "{e}"
    );
    // A purely social value replaces nothing.
    let e = error_of(
        &place,
        "c",
        &ECON.replace(
            "unit_cost = \"wellbeing-year\"\nquantity = 1\n",
            "unit_cost = \"wellbeing-year\"\nquantity = 1\nreplaces = [\"jsa\"]\n",
        ),
    );
    assert!(
        e.contains("outcome.work.value.wellbeing.replaces") && e.contains("no fiscal part"),
        "{e}"
    );
    // A fiscal unit cost is a flow, not a value.
    let e = error_of(
        &place,
        "d",
        &ECON.replace("unit_cost = \"wellbeing-year\"", "unit_cost = \"jsa-year\""),
    );
    assert!(
        e.contains("outcome.work.value.wellbeing.unit_cost") && e.contains("is a fiscal value"),
        "{e}"
    );
    // A flow cannot carry social value (it would enter who pays and who gains).
    let e = error_of(
        &place,
        "e",
        &ECON.replace(
            "unit_cost = \"police-incident\"",
            "unit_cost = \"wellbeing-year\"",
        ),
    );
    assert!(
        e.contains("outcome.work.flow.callouts.unit_cost") && e.contains("[[outcome.value]]"),
        "{e}"
    );
    // A value type the library would refuse.
    let e = error_of(
        &place,
        "f",
        &ECON.replace("value_type = \"social\"", "value_type = \"social+fiscal\""),
    );
    assert!(
        e.contains("unit_cost.wellbeing-year.value_type") && e.contains("in that order"),
        "{e}"
    );
}
