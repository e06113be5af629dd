//! Validation: every problem named by file and key (in `--set` path syntax), all reported
//! together; and `--set` overrides.

mod scenario_support;

use rust_decimal_macros::dec;
use scenario_support::TestPlace;
use totalplace::scenario::{evaluate, load, overrides::load_with_sets};

const GOOD: &str = r#"
[scenario]
id = "good"
name = "Good"
start_year = 2025
horizon = 5

[[cost]]
id = "team"
agency = "council"
kind = "revenue"
amounts = [1000]

[[outcome]]
id = "o"
name = "O"
participants = 10
engagement = "0.5"
success = "0.5"
deadweight = 0
lag = 1
evidence_grade = 1

[[outcome.flow]]
id = "jsa"
unit_cost = "jsa-year"
quantity = 1
"#;

fn err(place: &TestPlace, toml: &str) -> String {
    let path = place.scenario("bad", toml);
    load(&path).unwrap_err().to_string()
}

#[test]
fn good_scenario_loads() {
    let place = TestPlace::new();
    let sc = load(&place.scenario("good", GOOD)).unwrap();
    let r = evaluate(&sc, &sc.params());
    // 10 × 0.5 × 0.5 = 2.5 people × £2,000 in years 1-4.
    assert_eq!(
        r.parties.iter().find(|p| p.id == "dwp").unwrap().yearly[1].cashable,
        dec!(5000)
    );
}

#[test]
fn rates_outside_0_1_are_named_by_file_and_key() {
    let place = TestPlace::new();
    let e = err(
        &place,
        &GOOD
            .replace("success = \"0.5\"", "success = \"1.5\"")
            .replace("deadweight = 0", "deadweight = -0.1"),
    );
    assert!(
        e.contains("bad.toml: outcome.o.success: 1.5 is outside 0..1"),
        "{e}"
    );
    assert!(
        e.contains("outcome.o.deadweight: -0.1 is outside 0..1"),
        "{e}"
    );
}

#[test]
fn unknown_agency_and_unit_cost() {
    let place = TestPlace::new();
    let e = err(
        &place,
        &GOOD
            .replace("agency = \"council\"", "agency = \"fire\"")
            .replace("unit_cost = \"jsa-year\"", "unit_cost = \"jsa-yr\""),
    );
    assert!(e.contains("cost.team.agency: unknown agency \"fire\" (known: council, police, dwp, acute-trust, icb)"), "{e}");
    assert!(
        e.contains("outcome.o.flow.jsa.unit_cost: unknown unit cost \"jsa-yr\""),
        "{e}"
    );
}

#[test]
fn role_without_an_agency_says_how_to_map_it() {
    let place = TestPlace::new();
    let toml = format!(
        "{GOOD}\n[[unit_cost]]\nid = \"court\"\nname = \"Court case\"\nvalue = 1000\nunit = \"case\"\nprice_year = \"2024-25\"\nrole = \"courts\"\ncashability = 0\nsource = \"test\"\n"
    )
    .replace("unit_cost = \"jsa-year\"", "unit_cost = \"court\"");
    let e = err(&place, &toml);
    assert!(
        e.contains("outcome.o.flow.jsa.agency: unit cost \"court\" is borne by role \"courts\""),
        "{e}"
    );
    assert!(e.contains("map it under [roles]"), "{e}");
    // Mapped to an external party, it loads.
    let ok = toml.replace("[scenario]", "[roles]\ncourts = \"hmcts\"\n\n[[external]]\nid = \"hmcts\"\nname = \"Courts\"\nbudget_control = \"central\"\n\n[scenario]");
    let sc = load(&place.scenario("ok", &ok)).unwrap();
    assert!(sc.parties.iter().any(|p| p.id == "hmcts" && p.external));
}

#[test]
fn price_year_missing_from_the_deflator_index() {
    let place = TestPlace::new();
    let toml = format!(
        "{GOOD}\n[[unit_cost]]\nid = \"old\"\nname = \"Old cost\"\nvalue = 100\nunit = \"x\"\nprice_year = \"2001-02\"\nrole = \"dwp\"\ncashability = 1\nsource = \"test\"\n"
    )
    .replace("unit_cost = \"jsa-year\"", "unit_cost = \"old\"");
    let e = err(&place, &toml);
    assert!(
        e.contains("outcome.o.flow.jsa.unit_cost: unit cost \"old\" is in 2001-02 prices and the price base is 2024-25, but 2001-02 is missing from the GDP-deflator index"),
        "{e}"
    );
    assert!(e.contains("gdp-deflators.csv"), "{e}");
}

#[test]
fn horizon_too_short_for_the_lag_and_for_costs() {
    let place = TestPlace::new();
    let e = err(
        &place,
        &GOOD
            .replace("lag = 1", "lag = 5")
            .replace("amounts = [1000]", "amounts = [1, 2, 3, 4, 5, 6]"),
    );
    assert!(e.contains("outcome.o.lag: horizon too short for the lag: the first benefit falls in year 5 but the horizon is 5 years (0..4)"), "{e}");
    assert!(
        e.contains("cost.team.amounts: horizon too short: amounts run to year 5"),
        "{e}"
    );
}

#[test]
fn unknown_transfer_party_suggests_external() {
    let place = TestPlace::new();
    let toml = format!("{GOOD}\n[[transfer]]\nid = \"pbr\"\nkind = \"pbr\"\nfrom = \"dclg\"\nto = \"council\"\noutcome = \"o\"\namount = 100\n");
    let e = err(&place, &toml);
    assert!(
        e.contains("transfer.pbr.from: unknown agency \"dclg\""),
        "{e}"
    );
    assert!(e.contains("[[external]]"), "{e}");
}

#[test]
fn toml_syntax_errors_give_line_and_column() {
    let place = TestPlace::new();
    let e = err(&place, "[scenario]\nid = \"x\"\nhorizon = \n");
    assert!(e.contains("bad.toml: line 3"), "{e}");
}

#[test]
fn set_overrides_parameters_and_structure() {
    let place = TestPlace::new();
    let path = place.scenario("good", GOOD);
    // A parameter, through Params (no re-validation) ...
    let (sc, params) = load_with_sets(&path, &["outcome.o.success=0.25".into()]).unwrap();
    let r = evaluate(&sc, &params);
    let dwp = |r: &totalplace::scenario::Results| {
        r.parties
            .iter()
            .find(|p| p.id == "dwp")
            .unwrap()
            .yearly
            .clone()
    };
    assert_eq!(dwp(&r)[1].cashable, dec!(2500));
    // ... gives the same as setting it in the library API.
    let base = load(&path).unwrap();
    let mut p2 = base.params();
    base.set(&mut p2, "outcome.o.success", dec!(0.25)).unwrap();
    assert_eq!(evaluate(&base, &p2), r);
    // Structure (lag, horizon), through the file's TOML before validation.
    let (sc, params) = load_with_sets(
        &path,
        &["outcome.o.lag=2".into(), "scenario.horizon=8".into()],
    )
    .unwrap();
    assert_eq!(sc.horizon, 8);
    let r = evaluate(&sc, &params);
    assert_eq!(dwp(&r)[1].cashable, dec!(0));
    assert_eq!(dwp(&r)[2].cashable, dec!(5000));
    // Range errors name the --set.
    let e = load_with_sets(&path, &["outcome.o.engagement=2".into()])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("--set outcome.o.engagement: 2 is outside 0..1"),
        "{e}"
    );
    // A discount rate the file did not have.
    let (sc, _) = load_with_sets(&path, &["discount.rate=0.05".into()]).unwrap();
    assert_eq!(sc.discount_factors[1], dec!(1) / dec!(1.05));
    // Unknown keys are refused.
    let e = load_with_sets(&path, &["outcome.o.sucess=0.3".into()])
        .unwrap_err()
        .to_string();
    assert!(e.contains("sucess"), "{e}");
}

#[test]
fn a_flow_refuses_a_unit_cost_that_is_not_purely_fiscal() {
    let place = TestPlace::new();
    std::fs::create_dir_all(place.dir.path().join("scenarios")).unwrap();
    std::fs::write(
        place.dir.path().join("scenarios/econ.csv"),
        "id,name,value,unit,price_year,role,cashability,verified,source,value_type\n\
         jsa-year,JSA fiscal and economic benefit,9800,claimant-year,2024-25,dwp,0,yes,test,fiscal+economic\n",
    )
    .unwrap();
    let toml = GOOD.replace("horizon = 5\n", "horizon = 5\nunit_costs = \"econ.csv\"\n");
    let e = err(&place, &toml);
    assert!(e.contains("outcome.o.flow.jsa.unit_cost"), "{e}");
    assert!(
        e.contains("unit cost \"jsa-year\" is a fiscal+economic value, not a fiscal one"),
        "{e}"
    );
}
