//! Issue 10: scenarios that stand on the count (local unit costs, baseline per agency, the
//! double-counting guard) and benefits realisation (`totalplace track`), on a small place
//! whose figures can be worked by hand, and end to end on the sample place.

mod common;

use std::path::Path;

use common::Workdir;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::Value;

/// Testville: council and acute trust, one cohort of 40 care leavers with one transition.
/// 2024-25: council CC1 (leaving care) £100,000.00, CC2 (other) £50,000.00; acute trust
/// discharge £30,000.00. 2025-26: council CC1 £90,000.00, CC2 £50,000.00; acute £33,000.00.
fn testville(scenario: &str, actuals: &str) -> Workdir {
    let w = Workdir::new();
    let src = |year: &str| {
        format!(
            "[[source]]\nid = \"council-{year}\"\nagency = \"council\"\nfile = \"council-{year}.csv\"\n\
             columns = {{ amount = \"Amount\", cost_centre = \"CC\", service = \"Service\" }}\n\n\
             [[source]]\nid = \"acute-{year}\"\nagency = \"acute\"\nfile = \"acute-{year}.csv\"\n\
             columns = {{ amount = \"Amount\", cost_centre = \"CC\", service = \"Service\" }}\n"
        )
    };
    let place = w.place(&["council", "acute"], &src("2024"));
    let mut p = std::fs::read_to_string(place.join("place.toml")).unwrap();
    p.push_str(
        "\n[[cohort]]\nid = \"leavers\"\nname = \"Care leavers\"\nsize = 40\nsize_source = \"test: leaving-care caseload\"\n\
         \n[[transition]]\nid = \"leaving\"\nname = \"Leaving care\"\ncohort = \"leavers\"\nfrom = [\"council\"]\nto = [\"acute\"]\n",
    );
    w.write("place/place.toml", p);
    w.write("place/sources-2025.toml", src("2025"));
    w.write(
        "data/council-2024.csv",
        "CC,Service,Amount\nCC1,Leaving care,100000.00\nCC2,Other,50000.00\n",
    );
    w.write(
        "data/acute-2024.csv",
        "CC,Service,Amount\nA1,Discharge,30000.00\n",
    );
    w.write(
        "data/council-2025.csv",
        "CC,Service,Amount\nCC1,Leaving care,90000.00\nCC2,Other,50000.00\n",
    );
    w.write(
        "data/acute-2025.csv",
        "CC,Service,Amount\nA1,Discharge,33000.00\n",
    );
    w.write(
        "place/mapping.toml",
        "[[rule]]\nid = \"leaving-care\"\nmatch = { agency = \"council\", cost_centre = \"CC1\" }\n\
         [[rule.target]]\ntransition = \"leaving\"\n\n\
         [[rule]]\nid = \"discharge\"\nmatch = { agency = \"acute\", cost_centre = \"A1\" }\n\
         [[rule.target]]\ncohort = \"leavers\"\n\n\
         [[rule]]\nid = \"other\"\nout_of_scope = true\nmatch = { cost_centre = \"CC2\" }\n",
    );
    w.write(
        "place/track.toml",
        "actuals = \"actuals.csv\"\n[[year]]\nyear = \"2025-26\"\nsources = \"sources-2025.toml\"\n",
    );
    w.write("place/actuals.csv", actuals);
    w.write("place/scenarios/s.toml", scenario);
    w
}

/// Flat 0% discount, horizon 2 from 2025-26; 10 participants, engagement and success 0.5, no
/// deadweight, grade 1 (no optimism bias); each achiever saves the acute trust one £3,000 stay
/// a year. Predicted achieving 10 × 0.5 × 0.5 = 2.5 → £7,500 in each year.
const SCENARIO: &str = r#"
[scenario]
id = "s"
name = "Test"
cohort = "leavers"
transition = "leaving"
start_year = "2025-26"
horizon = 2
[discount]
schedule = "flat"
rate = "0"
[[unit_cost]]
id = "acute-stay"
name = "Acute stay"
value = 3000
unit = "stay"
price_year = "2024-25"
role = "acute"
cashability = 1
source = "test"
[[cost]]
id = "team"
agency = "council"
kind = "revenue"
amounts = [10000]
optimism_bias_reason = "a test figure, not an estimate"
[[outcome]]
id = "o"
name = "Outcome"
participants = 10
engagement = "0.5"
success = "0.5"
deadweight = 0
evidence_grade = 1
[[outcome.flow]]
id = "stays"
unit_cost = "acute-stay"
quantity = 1
"#;

const ACTUALS: &str = "scenario,outcome,year,participants,engaged,successes,source\n\
                       s,o,2025-26,8,6,3,test caseload return\n";

fn json(w: &Workdir, rel: &str) -> Value {
    serde_json::from_slice(&std::fs::read(w.path(rel)).unwrap()).unwrap()
}

fn d(v: &Value) -> Decimal {
    v.as_str().unwrap().parse().unwrap()
}

#[test]
fn local_unit_cost_is_mapped_spend_over_the_denominator_to_the_penny() {
    // council × leavers = £100,000.00 (rule leaving-care); ÷ cohort size 40 = £2,500.00;
    // ÷ a declared count of 30 = £3,333.333… → £3,333.33 to the penny. The acute trust's
    // £30,000.00 at the transition "leaving" is nothing (its rule maps to the cohort only).
    let scen = SCENARIO.replace(
        "[[cost]]",
        "[[local_cost]]\nid = \"council-per-leaver\"\nname = \"Council spend per care leaver\"\nagency = \"council\"\n\
         cohort = \"leavers\"\nunit = \"leaver-year\"\ncashability = \"0.5\"\nnational = \"acute-stay\"\n\n\
         [[local_cost]]\nid = \"council-per-visit\"\nname = \"Council spend per visit\"\nagency = \"council\"\n\
         transition = \"leaving\"\ncount = 30\ncount_source = \"test: visits logged\"\nunit = \"visit\"\ncashability = 0\n\n\
         [[cost]]",
    ) + "\n[[outcome.flow]]\nid = \"support\"\nunit_cost = \"council-per-leaver\"\nquantity = 1\n\
         [[outcome.flow]]\nid = \"visits\"\nunit_cost = \"council-per-visit\"\nquantity = 2\n";
    let w = testville(&scen, ACTUALS);
    let r = w.run(&["run", "place/scenarios/s.toml"]);
    assert_eq!(r.code(), 0, "{}", r.stderr());
    let out = r.stdout();
    assert!(
        out.contains("council-per-leaver") && out.contains("£2,500.00"),
        "{out}"
    );
    assert!(out.contains("£3,333.33"), "{out}");
    let j = json(&w, "output/testville/s/results.json");
    let ucs = j["unit_costs"].as_array().unwrap();
    let find = |id: &str| ucs.iter().find(|u| u["id"] == id).unwrap().clone();
    let per_leaver = find("council-per-leaver");
    assert_eq!(d(&per_leaver["value"]), dec!(2500));
    assert_eq!(d(&per_leaver["local"]["mapped_spend"]), dec!(100000.00));
    assert_eq!(per_leaver["local"]["denominator"], "40");
    assert_eq!(per_leaver["local"]["rules"][0]["rule"], "leaving-care");
    assert!(per_leaver["source"]
        .as_str()
        .unwrap()
        .contains("data/council-2024.csv"));
    // National beside local: acute-stay at £3,000 (same price year as the base).
    assert_eq!(per_leaver["local"]["national"]["id"], "acute-stay");
    let per_visit = find("council-per-visit");
    let v = d(&per_visit["value"]);
    assert_eq!(totalplace::money::to_pennies(v), dec!(3333.33));
    assert_eq!(v, dec!(100000) / dec!(30));
    assert!(per_visit["source"]
        .as_str()
        .unwrap()
        .contains("test: visits logged"));
}

#[test]
fn local_unit_cost_errors_name_the_key() {
    let scen = SCENARIO.replace(
        "[[cost]]",
        "[[local_cost]]\nid = \"x\"\nname = \"x\"\nagency = \"acute\"\ntransition = \"leaving\"\nunit = \"u\"\ncashability = 1\n\n[[cost]]",
    );
    let w = testville(&scen, ACTUALS);
    let r = w.run(&["run", "place/scenarios/s.toml"]);
    assert_eq!(r.code(), 2);
    assert!(r.stderr().contains("local_cost.x"), "{}", r.stderr());
    assert!(
        r.stderr()
            .contains("£0.00 mapped to cohort \"leavers\" at \"leaving\""),
        "{}",
        r.stderr()
    );
    assert!(!w.exists("output"));
}

#[test]
fn baseline_warning_fires_exactly_when_avoided_cost_exceeds_mapped_spend() {
    // The acute trust spends £30,000.00 on the cohort. 10 × 0.5 × 0.5 = 2.5 achieving × £3,000
    // = £7,500 a year: 25% of it, no warning. With success 1 and engagement 1: 10 × £3,000 =
    // £30,000, equal, not over: no warning. With 11 participants: £33,000 > £30,000: warning.
    let w = testville(SCENARIO, ACTUALS);
    let r = w.run(&["run", "place/scenarios/s.toml"]);
    assert_eq!(r.code(), 0, "{}", r.stderr());
    assert!(r.stdout().contains("25.0%"), "{}", r.stdout());
    assert!(!r.stdout().contains("exceeds"), "{}", r.stdout());
    let csv = std::fs::read_to_string(w.path("output/testville/s/baseline.csv")).unwrap();
    assert!(
        csv.contains("s,leavers,2024-25,acute,30000.00,0.00,0,2025-26,7500.00,0.25,false"),
        "{csv}"
    );
    let equal = [
        "--set",
        "outcome.o.engagement=1",
        "--set",
        "outcome.o.success=1",
    ];
    let r = w.run(&[&["run", "place/scenarios/s.toml"][..], &equal[..]].concat());
    assert_eq!(r.code(), 0);
    assert!(!r.stdout().contains("warning"), "{}", r.stdout());
    let over = [&equal[..], &["--set", "outcome.o.participants=11"][..]].concat();
    let r = w.run(&[&["run", "place/scenarios/s.toml"][..], &over[..]].concat());
    assert_eq!(r.code(), 0);
    let out = r.stdout();
    assert!(
        out.contains("warning: place/scenarios/s.toml: acute: avoided cost exceeds the mapped baseline: acute avoids up to £33,000 a year (2025-26) on cohort \"leavers\", on which it spends £30,000"),
        "{out}"
    );
    assert!(out.contains("years over: 2025-26, 2026-27"), "{out}");
    let j = json(&w, "output/testville/s/results.json");
    assert_eq!(j["warnings"].as_array().unwrap().len(), 1);
    // check shows the file's own warnings (none here: the file has 10 participants).
    let c = w.run(&["check", "place"]);
    assert_eq!(c.code(), 0, "{}", c.stdout());
    assert!(
        !c.stdout().contains("warning: place/scenarios"),
        "{}",
        c.stdout()
    );
    // ...and this one when the file says 11 with success and engagement 1.
    let s11 = SCENARIO
        .replace("participants = 10", "participants = 11")
        .replace("engagement = \"0.5\"", "engagement = 1")
        .replace("success = \"0.5\"", "success = 1");
    w.write("place/scenarios/s.toml", s11);
    let c = w.run(&["check", "place"]);
    assert_eq!(c.code(), 0, "{}", c.stdout());
    assert!(
        c.stdout()
            .contains("avoided cost exceeds the mapped baseline"),
        "{}",
        c.stdout()
    );
}

#[test]
fn double_count_warning_fires_on_a_composite_and_its_part_only() {
    let parts = "\n[[unit_cost]]\nid = \"benefit\"\nname = \"Benefit year\"\nvalue = 100\nunit = \"year\"\nprice_year = \"2024-25\"\nrole = \"council\"\ncashability = 1\nsource = \"test\"\n\
         \n[[unit_cost]]\nid = \"neet\"\nname = \"NEET year\"\nvalue = 300\nunit = \"year\"\nprice_year = \"2024-25\"\nrole = \"council\"\ncashability = 1\nsource = \"test\"\ncomposite_of = [\"benefit\"]\n\
         \n[[unit_cost]]\nid = \"other\"\nname = \"Other\"\nvalue = 50\nunit = \"x\"\nprice_year = \"2024-25\"\nrole = \"council\"\ncashability = 1\nsource = \"test\"\n";
    let with = |flows: &str| SCENARIO.replace("[[cost]]", &format!("{parts}\n[[cost]]")) + flows;
    let flow = |id: &str, uc: &str| {
        format!("\n[[outcome.flow]]\nid = \"{id}\"\nunit_cost = \"{uc}\"\nquantity = 1\n")
    };
    // Composite + part for the same people: warned, naming both flows.
    let w = testville(&with(&(flow("a", "neet") + &flow("b", "benefit"))), ACTUALS);
    let r = w.run(&["run", "place/scenarios/s.toml"]);
    assert_eq!(r.code(), 0, "{}", r.stderr());
    assert!(
        r.stdout().contains("warning: place/scenarios/s.toml: outcome.o.flow.a and outcome.o.flow.b: unit cost \"neet\" is a composite that includes \"benefit\""),
        "{}",
        r.stdout()
    );
    // Composite + an unrelated cost: no warning.
    let w = testville(&with(&(flow("a", "neet") + &flow("b", "other"))), ACTUALS);
    let r = w.run(&["run", "place/scenarios/s.toml"]);
    assert_eq!(r.code(), 0);
    assert!(!r.stdout().contains("double counting"), "{}", r.stdout());
    // Two outcomes on the same cohort avoiding the same unit: warned.
    let second = "\n[[outcome]]\nid = \"o2\"\nname = \"Second\"\nparticipants = 5\nengagement = 1\nsuccess = 1\ndeadweight = 0\nevidence_grade = 1\n\
                  [[outcome.flow]]\nid = \"stays\"\nunit_cost = \"acute-stay\"\nquantity = 1\n";
    let w = testville(&(SCENARIO.to_string() + second), ACTUALS);
    let r = w.run(&["run", "place/scenarios/s.toml"]);
    assert!(
        r.stdout().contains("outcome.o.flow.stays and outcome.o2.flow.stays: both avoid unit cost \"acute-stay\" for people of the same cohort"),
        "{}",
        r.stdout()
    );
}

#[test]
fn shipped_library_declares_its_composites() {
    let lib =
        totalplace::scenario::library::load_unit_costs(Path::new("models/unit-costs.csv")).unwrap();
    // GMCA UCD v1.4 E&E10.0 (NEET 18-24) = its DWP part E&E10.0.1 + its HMRC part E&E10.0.2.
    let neet = lib.iter().find(|u| u.id == "ucd-ee10-0").unwrap();
    assert_eq!(neet.composite_of, vec!["ucd-ee10-0-1", "ucd-ee10-0-2"]);
    // A part that is no cost of the library is an error naming file, row and column.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("u.csv");
    std::fs::write(&p, "id,name,value,unit,price_year,role,cashability,verified,source,composite_of\n\
                        a,A,1,u,2024-25,council,1,no,test,\nb,B,2,u,2024-25,council,1,no,test,a;zzz\n").unwrap();
    let e = totalplace::scenario::library::load_unit_costs(&p)
        .unwrap_err()
        .to_string();
    assert!(e.contains("u.csv: row 3, column J"), "{e}");
    assert!(e.contains("\"zzz\""), "{e}");
}

#[test]
fn track_reproduces_a_hand_worked_predicted_vs_actual_table() {
    // Predicted intake 2025-26: 10 participants, 10 × 0.5 = 5 engaged, 5 × 0.5 = 2.5 successes.
    // Actual: 8, 6, 3. Re-run with engagement 6/8 = 0.75 and success 3/6 = 0.5: 8 × 0.75 × 0.5
    // = 3 achieving × £3,000 = £9,000 a year (predicted 2.5 × £3,000 = £7,500). Over the 2
    // years at 0%: PV savings £15,000 predicted, £18,000 on actuals; system NPV £15,000 −
    // £10,000 = £5,000 predicted, £8,000 on actuals. Mapped spend on the cohort 2024-25 →
    // 2025-26: council £100,000.00 → £90,000.00 (−£10,000.00), acute £30,000.00 → £33,000.00
    // (+£3,000.00).
    let w = testville(SCENARIO, ACTUALS);
    let r = w.run(&["track", "place"]);
    assert_eq!(r.code(), 0, "{}", r.stderr());
    let out = r.stdout();
    assert!(out.contains("not proof"), "{out}");
    assert!(
        out.contains("Observed:") && out.contains("Modelled:"),
        "{out}"
    );
    let csv = std::fs::read_to_string(w.path("output/testville/track/track-outcomes.csv")).unwrap();
    assert_eq!(
        csv.lines().nth(1).unwrap(),
        "s,o,2025-26,10,8,5,6,2.5,3,test caseload return"
    );
    let agencies = std::fs::read_to_string(w.path("output/testville/track/track.csv")).unwrap();
    let lines: Vec<&str> = agencies.lines().collect();
    assert_eq!(
        lines,
        vec![
            "scenario,agency,year,saving_predicted,saving_on_actuals,baseline_year,mapped_spend_baseline,mapped_spend_year,mapped_spend_change",
            "s,council,2025-26,0.00,0.00,2024-25,100000.00,90000.00,-10000.00",
            "s,acute,2025-26,7500.00,9000.00,2024-25,30000.00,33000.00,3000.00",
        ]
    );
    let pv = std::fs::read_to_string(w.path("output/testville/track/track-pv.csv")).unwrap();
    assert!(
        pv.contains("s,acute,15000.00,18000.00,15000.00,18000.00"),
        "{pv}"
    );
    let j = json(&w, "output/testville/track/track.json");
    let s = &j["scenarios"][0];
    assert_eq!(d(&s["system_npv"]["predicted"]), dec!(5000.00));
    assert_eq!(d(&s["system_npv"]["on_actuals"]), dec!(8000.00));
    assert_eq!(
        s["parameters_on_actuals"][1]["path"],
        "actual.o.2025-26.engagement"
    );
    assert_eq!(s["parameters_on_actuals"][1]["value"], "0.75");
    assert!(w.exists("output/testville/track/s-predicted-vs-actual.png"));
}

fn bad_actuals(row: &str, want: &[&str]) {
    let w = testville(
        SCENARIO,
        &format!("scenario,outcome,year,participants,engaged,successes,source\n{row}\n"),
    );
    let r = w.run(&["track", "place"]);
    assert_eq!(r.code(), 2, "{row}: {}", r.stdout());
    for s in want {
        assert!(
            r.stderr().contains(s),
            "{row}: want {s:?} in {}",
            r.stderr()
        );
    }
    assert!(!w.exists("output"), "{row}: something was written");
}

#[test]
fn bad_actuals_name_file_row_and_column_and_write_nothing() {
    bad_actuals(
        "s,nope,2025-26,8,6,3,x",
        &[
            "place/actuals.csv: row 2, column B",
            "no outcome \"nope\"",
            "(column \"outcome\")",
        ],
    );
    bad_actuals(
        "t,o,2025-26,8,6,3,x",
        &[
            "place/actuals.csv: row 2, column A",
            "unknown scenario \"t\"",
        ],
    );
    bad_actuals(
        "s,o,2025-27,8,6,3,x",
        &["row 2, column C", "not a financial year"],
    );
    bad_actuals(
        "s,o,2026-27,8,6,3,x",
        &[
            "row 2, column C",
            "year 2026-27 has no budget sources",
            "track.toml",
        ],
    );
    bad_actuals(
        "s,o,2025-26,8,-6,3,x",
        &["row 2, column E", "-6 is negative", "(column \"engaged\")"],
    );
    bad_actuals(
        "s,o,2025-26,8,9,3,x",
        &["row 2, column E", "more than the 8 participants"],
    );
    bad_actuals(
        "s,o,2025-26,8,6,3,",
        &["row 2, column G", "say where the counts come from"],
    );
}

#[test]
fn a_tracked_year_with_no_sources_is_an_error() {
    let w = testville(SCENARIO, ACTUALS);
    w.write("place/sources-2025.toml", "# no sources yet\n");
    let r = w.run(&["track", "place"]);
    assert_eq!(r.code(), 2, "{}", r.stdout());
    assert!(
        r.stderr().contains("place/sources-2025.toml"),
        "{}",
        r.stderr()
    );
    assert!(
        r.stderr().contains("declare at least one [[source]]"),
        "{}",
        r.stderr()
    );
    assert!(!w.exists("output"));
}

#[test]
fn observed_intakes_equal_to_the_assumptions_change_nothing() {
    // Every sample scenario (stepped flows, PbR, per-unit and gain-share transfers included):
    // the engine with each intake "observed" at exactly the assumed counts gives the same
    // results as without, to the last digit.
    for entry in std::fs::read_dir("models/kirkbridge/scenarios").unwrap() {
        let path = entry.unwrap().path();
        let sc = totalplace::scenario::load(&path).unwrap();
        let p = sc.params();
        let base = totalplace::scenario::evaluate(&sc, &p);
        let rows: Vec<totalplace::track::Actual> = sc
            .outcomes
            .iter()
            .enumerate()
            .flat_map(|(oi, o)| {
                let sc = &sc;
                (o.intake_start..o.intake_start + o.intakes).map(move |t| {
                    let (pp, e, s) = totalplace::track::predicted_counts(sc, oi, t);
                    totalplace::track::Actual {
                        scenario: sc.id.clone(),
                        outcome: o.id.clone(),
                        year: sc.start_year + t as i32,
                        intake: t,
                        participants: pp,
                        engaged: e,
                        successes: s,
                        source: "same".into(),
                        row: 0,
                    }
                })
            })
            .collect();
        let (t, tp) = totalplace::track::with_actuals(&sc, &rows);
        let again = totalplace::scenario::evaluate(&t, &tp);
        for (a, b) in base.parties.iter().zip(&again.parties) {
            for (x, y) in a.yearly.iter().zip(&b.yearly) {
                let close = |u: Decimal, v: Decimal| (u - v).abs() < dec!(0.000001);
                assert!(
                    close(x.cashable, y.cashable)
                        && close(x.non_cashable, y.non_cashable)
                        && close(x.transfers, y.transfers),
                    "{}: {} differs",
                    sc.id,
                    a.id
                );
            }
        }
    }
}

#[test]
fn sample_place_tracks_end_to_end_and_deterministically() {
    let out1 = tempfile::tempdir().unwrap();
    let out2 = tempfile::tempdir().unwrap();
    let run = |o: &Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_totalplace"))
            .args(["track", "models/kirkbridge", "--out"])
            .arg(o)
            .output()
            .unwrap()
    };
    let a = run(out1.path());
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    run(out2.path());
    for f in [
        "track.csv",
        "track-outcomes.csv",
        "track-pv.csv",
        "track.json",
        "bradford-care-leavers-predicted-vs-actual.png",
    ] {
        let p1 = out1.path().join("kirkbridge/track").join(f);
        let p2 = out2.path().join("kirkbridge/track").join(f);
        assert_eq!(
            std::fs::read(&p1).unwrap(),
            std::fs::read(&p2).unwrap(),
            "{f}"
        );
    }
    let stdout = String::from_utf8_lossy(&a.stdout);
    assert!(stdout.contains("2025-26 (4500 lines"), "{stdout}");
}

#[test]
fn later_year_is_rebuilt_byte_for_byte_by_the_generator() {
    let dir = tempfile::tempdir().unwrap();
    totalplace::sample::build_sample_place(dir.path()).unwrap();
    let files =
        totalplace::sample::build_later_year(Path::new("models/kirkbridge"), dir.path()).unwrap();
    assert_eq!(files.len(), 9);
    for f in files {
        let name = f.path.file_name().unwrap();
        let committed = Path::new("sample-data/kirkbridge").join(name);
        assert_eq!(
            std::fs::read(&f.path).unwrap(),
            std::fs::read(&committed).unwrap(),
            "{} differs from the generator's output",
            committed.display()
        );
    }
}
