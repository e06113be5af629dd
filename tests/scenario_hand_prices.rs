//! Issue 11 item 8, worked by hand (the working in the comments, asserted to the penny): costs
//! and transfers given in cash (nominal) prices, brought to the price base with the GDP
//! deflators and, past the deflator file, an assumed inflation; a PbR tariff and cap fixed in
//! cash erode in real terms. The f64 kernel is checked against the same figures.

mod scenario_support;

use rust_decimal_macros::dec;
use scenario_support::{check_kernel, error_of, p, party, TestPlace};
use totalplace::scenario::report::conventions;
use totalplace::scenario::{evaluate, load};

/// The test place's deflators: 2019-20 = 80, 2024-25 = 100 (its last year); price base
/// 2024-25. Year 0 is 2024-25 (factor 100 / 100 = 1); years 1 and 2 lie one and two years past
/// the file, so at 25% inflation their factors are 1 / 1.25 = 0.8 and 1 / 1.25² = 0.64. A flat
/// 25% discount rate: D = 1, 0.8, 0.64.
const CASH: &str = r#"
[scenario]
id = "cash"
name = "Cash prices (hand-worked)"
start_year = 2024
horizon = 3

[discount]
schedule = "flat"
rate = "0.25"

[prices]
inflation = "0.25"
inflation_source = "a round figure for the test"

[optimism_bias]
costs_reason = "hand-worked"

[[cost]]
id = "staff"
agency = "council"
kind = "revenue"
prices = "cash"
amounts = [1000, 1000, 1000]
optimism_bias = "0.1"

[[cost]]
id = "kit"
agency = "council"
kind = "capital"
amounts = [500]

[[outcome]]
id = "work"
name = "Into work"
participants = 10
engagement = 1
success = "0.5"
deadweight = 0
lag = 1
drop_off = "0.5"
evidence_grade = 1

[[outcome.flow]]
id = "jsa"
unit_cost = "jsa-year"
quantity = 1
agency = "dwp"

[[transfer]]
id = "grant"
kind = "fixed"
from = "dwp"
to = "council"
prices = "cash"
from_year = 1
amounts = [1000, 1000]

[[transfer]]
id = "tariff"
kind = "pbr"
from = "dwp"
to = "council"
prices = "cash"
outcome = "work"
amount = 1000
attachment_share = "0.2"
cap = 5000
clawback = true

[[transfer]]
id = "per-claimant"
kind = "per-unit"
from = "dwp"
to = "council"
prices = "cash"
outcome = "work"
flow = "jsa"
amount = 100
"#;

#[test]
fn cash_costs_and_transfers_are_converted_to_the_price_base() {
    let place = TestPlace::new();
    let sc = load(&place.scenario("cash", CASH)).unwrap();
    let params = sc.params();
    let r = evaluate(&sc, &params);
    let council = party(&r, "council");
    let dwp = party(&r, "dwp");

    // Cost "staff": 1,000 cash a year × (1 + 0.1) = 1,100 cash, × factors 1, 0.8, 0.64 =
    // 1,100, 880, 704 in 2024-25 prices. "kit" is real: 500 in year 0.
    assert_eq!(council.yearly[0].costs, dec!(1600));
    assert_eq!(council.yearly[1].costs, dec!(880));
    assert_eq!(council.yearly[2].costs, dec!(704));
    // PV costs = 1,600 + 880 × 0.8 + 704 × 0.64 = 1,600 + 704 + 450.56 = 2,754.56.
    assert_eq!(p(council.summary.pv_costs), dec!(2754.56));

    // Achievers: 10 × 1 × 0.5 × (1 − 0) = 5 from year 1 (lag 1), keep 1 − 0.5: people 0, 5,
    // 2.5. The JSA flow (real, £2,000, price year 2024-25): DWP benefits 0, 10,000, 5,000;
    // PV 8,000 + 3,200 = 11,200 (flows are never in cash prices).
    assert_eq!(p(dwp.summary.pv_cashable), dec!(11200.00));

    // Transfers, each worked out in cash then × the year's factor:
    // grant (fixed): cash 0, 1,000, 1,000 → 0, 800, 640; PV 640 + 409.60 = 1,049.60.
    // tariff (PbR, cap and claw-back in cash, as the contract states them):
    //   year 0 attachment fee 10 engaged × 1,000 × 0.2 = 2,000;
    //   year 1 results 5 × 1,000 × (1 − 0.2) = 4,000;
    //   year 2 claw-back: 5 × 0.5 lapse × 800 = −2,000;
    //   cap 5,000 cash: 2,000, then min(4,000, 3,000) = 3,000, then −2,000 (always applies);
    //   in the price base 2,000, 3,000 × 0.8 = 2,400, −2,000 × 0.64 = −1,280;
    //   PV 2,000 + 1,920 − 819.20 = 3,100.80.
    //   (Capped in real terms instead it would pay 3,000 real in year 1: the cap is cash.)
    // per-claimant (per-unit): units 0, 5, 2.5 × £100 cash = 0, 500, 250 → 0, 400, 160;
    //   PV 320 + 102.40 = 422.40.
    // Council receives 1,049.60 + 3,100.80 + 422.40 = 4,572.80.
    assert_eq!(council.yearly[0].transfers, dec!(2000));
    assert_eq!(
        council.yearly[1].transfers,
        dec!(800) + dec!(2400) + dec!(400)
    );
    assert_eq!(
        council.yearly[2].transfers,
        dec!(640) - dec!(1280) + dec!(160)
    );
    assert_eq!(p(council.summary.pv_transfers), dec!(4572.80));
    assert_eq!(p(dwp.summary.pv_transfers), dec!(-4572.80));
    // Council NPV = 4,572.80 − 2,754.56 = 1,818.24; DWP 11,200 − 4,572.80 = 6,627.20.
    assert_eq!(p(council.summary.npv), dec!(1818.24));
    assert_eq!(p(dwp.summary.npv), dec!(6627.20));
    check_kernel(&sc, &params, "prices");

    // The inflation is a parameter. At 0 every factor is 1 and cash = real:
    // costs 1,600 + 1,100 × 0.8 + 1,100 × 0.64 = 3,184;
    // transfers: grant 800 + 640 = 1,440; tariff 2,000 + 2,400 − 1,280 = 3,120;
    // per-claimant 400 + 160 = 560; council receives 5,120.
    let mut q = sc.params();
    sc.set(&mut q, "prices.inflation", dec!(0)).unwrap();
    let r0 = evaluate(&sc, &q);
    assert_eq!(p(party(&r0, "council").summary.pv_costs), dec!(3184.00));
    assert_eq!(p(party(&r0, "council").summary.pv_transfers), dec!(5120.00));
    check_kernel(&sc, &q, "prices");

    // The same file with every line in real prices gives exactly those figures: cash at 0%
    // inflation within a base-year index is the real case.
    let real = load(&place.scenario(
        "real",
        &CASH.replace("prices = \"cash\"\n", "").replace(
            "[prices]\ninflation = \"0.25\"\ninflation_source = \"a round figure for the test\"\n",
            "",
        ),
    ))
    .unwrap();
    assert!(real.prices.is_none());
    let rr = evaluate(&real, &real.params());
    for (a, b) in rr.parties.iter().zip(&r0.parties) {
        assert_eq!(a.summary, b.summary, "{}", a.id);
    }

    // The conventions say which lines are in cash and what inflation is assumed.
    let conv = conventions(&sc);
    let (_, text) = conv
        .iter()
        .find(|(k, _)| k == "cash prices")
        .expect("cash prices convention");
    for want in [
        "cost.staff",
        "transfer.grant (fixed)",
        "transfer.tariff (pbr)",
        "transfer.per-claimant (per-unit)",
        "prices.inflation = 0.25 a year (a round figure for the test)",
        "past 2024-25",
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }
    // A scenario with no cash line has no such convention.
    assert!(!conventions(&real).iter().any(|(k, _)| k == "cash prices"));
}

/// A year within the file other than the base: price base 2024-25, a cash line in 2019-20
/// (index 80) is worth 1,000 × 100 / 80 = 1,250 in 2024-25 prices. Two years, no inflation
/// needed when no year lies past the file.
#[test]
fn a_cash_amount_in_an_earlier_year_is_scaled_up_by_the_index() {
    let place = TestPlace::new();
    // The test index has 2019-20 and 2024-25 only: a two-year horizon from 2019 needs 2020-21.
    std::fs::write(
        place.path().join("gdp-deflators.csv"),
        "financial_year,index,verified,source\n2019-20,80,no,test\n2020-21,90,no,test\n2024-25,100,no,test\n",
    )
    .unwrap();
    let sc = load(&place.scenario(
        "early",
        r#"
[scenario]
id = "early"
name = "Cash in an earlier year"
start_year = 2019
horizon = 2

[discount]
schedule = "flat"
rate = "0.25"

[[cost]]
id = "staff"
agency = "council"
kind = "revenue"
prices = "cash"
amounts = [1000, 900]
optimism_bias_reason = "hand-worked"
"#,
    ))
    .unwrap();
    let r = evaluate(&sc, &sc.params());
    let council = party(&r, "council");
    // 1,000 × 100 / 80 = 1,250; 900 × 100 / 90 = 1,000. PV 1,250 + 1,000 × 0.8 = 2,050.
    assert_eq!(council.yearly[0].costs, dec!(1250));
    assert_eq!(council.yearly[1].costs, dec!(1000));
    assert_eq!(p(council.summary.pv_costs), dec!(2050.00));
    check_kernel(&sc, &sc.params(), "prices");
}

#[test]
fn bad_cash_prices_are_errors_naming_file_and_key() {
    let place = TestPlace::new();
    // No inflation for years past the file: the error names the line, the file's last year
    // and what to set.
    let no_inflation = CASH.replace(
        "[prices]\ninflation = \"0.25\"\ninflation_source = \"a round figure for the test\"\n",
        "",
    );
    let e = error_of(&place, "a", &no_inflation);
    for want in [
        "a.toml",
        "cost.staff.prices",
        "transfer.tariff.prices",
        "2024-25",
        "[prices] inflation",
    ] {
        assert!(e.contains(want), "{want}: {e}");
    }
    // Not a price basis.
    let e = error_of(
        &place,
        "b",
        &CASH.replacen("prices = \"cash\"", "prices = \"nominal\"", 1),
    );
    assert!(
        e.contains("cost.staff.prices") && e.contains("\"nominal\" is not a price basis"),
        "{e}"
    );
    // Inflation out of range.
    let e = error_of(
        &place,
        "c",
        &CASH.replace("inflation = \"0.25\"", "inflation = 2"),
    );
    assert!(
        e.contains("prices.inflation") && e.contains("outside 0..1"),
        "{e}"
    );
    // Inflation with nothing in cash.
    let e = error_of(&place, "d", &CASH.replace("prices = \"cash\"\n", ""));
    assert!(
        e.contains("prices.inflation") && e.contains("nothing uses it"),
        "{e}"
    );
    // A gain-share is a share of a real gain.
    let gs = format!(
        "{CASH}\n[[transfer]]\nid = \"share\"\nkind = \"gain-share\"\nfrom = \"dwp\"\nto = \"council\"\nshare = \"0.5\"\nprices = \"cash\"\n"
    );
    let e = error_of(&place, "e", &gs);
    assert!(
        e.contains("transfer.share.prices") && e.contains("gain-share"),
        "{e}"
    );
    // A year the index lacks (2020-21 is not in the test file).
    let e = error_of(
        &place,
        "f",
        &CASH.replace("start_year = 2024", "start_year = 2019"),
    );
    assert!(
        e.contains("cost.staff.prices") && e.contains("2020-21"),
        "{e}"
    );
}

/// The inflation has switching values and can be set from the command line like any other
/// assumption.
#[test]
fn inflation_is_an_ordinary_parameter() {
    let place = TestPlace::new();
    let path = place.scenario("cash", CASH);
    let out = tempfile::tempdir().unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_totalplace"))
        .arg("run")
        .arg(&path)
        .args(["--set", "prices.inflation=0", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: serde_json::Value = serde_json::from_slice(
        &std::fs::read(out.path().join("testville/cash/results.json")).unwrap(),
    )
    .unwrap();
    let council = json["parties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "council")
        .unwrap();
    // As worked above at 0%: PV costs 3,184, transfers 5,120.
    assert_eq!(council["summary"]["pv_costs"], "3184.00");
    assert_eq!(council["summary"]["pv_transfers"], "5120.00");
}
