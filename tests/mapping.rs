//! `totalplace map` as users meet it: the sample place's spend map checked against figures
//! worked by hand from the ledger lines, and every mapping error on purpose-made bad files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use rust_decimal::Decimal;
use rust_decimal_macros::dec;

const BIN: &str = env!("CARGO_BIN_EXE_totalplace");

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str]) -> Run {
    let out = Command::new(BIN)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run totalplace");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The long-form rows of spend-map.csv.
struct Rows(Vec<BTreeMap<String, String>>);

impl Rows {
    fn read(path: &Path) -> Rows {
        let mut r = csv::Reader::from_path(path).expect("spend-map.csv");
        let headers = r.headers().unwrap().clone();
        assert_eq!(
            headers.iter().collect::<Vec<_>>(),
            [
                "agency",
                "cohort",
                "transition",
                "rule",
                "category",
                "amount"
            ]
        );
        Rows(
            r.records()
                .map(|rec| {
                    let rec = rec.unwrap();
                    headers
                        .iter()
                        .zip(rec.iter())
                        .map(|(h, v)| (h.to_string(), v.to_string()))
                        .collect()
                })
                .collect(),
        )
    }
    /// Sum of rows whose columns equal every (column, value) given.
    fn sum(&self, filter: &[(&str, &str)]) -> Decimal {
        self.0
            .iter()
            .filter(|r| filter.iter().all(|(k, v)| r[*k] == *v))
            .map(|r| r["amount"].parse::<Decimal>().unwrap())
            .sum()
    }
}

/// The sample place's ledger, as `ingest` writes it: (agency, cost centre, amount) per line.
fn ledger_lines(out: &Path) -> Vec<(String, String, Decimal)> {
    let mut r = csv::Reader::from_path(out.join("kirkbridge/ledger.csv")).unwrap();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            (
                rec[0].to_string(),
                rec[2].to_string(),
                rec[6].parse().unwrap(),
            )
        })
        .collect()
}

fn sample_map() -> (tempfile::TempDir, Rows, serde_json::Value, Run) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let ingest = run(&["ingest", "models/kirkbridge", "--out", out]);
    assert_eq!(ingest.code, 0, "{}", ingest.stderr);
    let r = run(&["map", "models/kirkbridge", "--out", out]);
    assert_eq!(r.code, 0, "stderr:\n{}", r.stderr);
    let rows = Rows::read(&dir.path().join("kirkbridge/spend-map.csv"));
    let json: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("kirkbridge/spend-map.json")).unwrap(),
    )
    .unwrap();
    (dir, rows, json, r)
}

fn d(v: &serde_json::Value) -> Decimal {
    v.as_str().expect("amounts are strings").parse().unwrap()
}

#[test]
fn sample_place_figures_worked_by_hand() {
    let (dir, rows, json, r) = sample_map();
    let lines = ledger_lines(dir.path());
    let cc_total = |agency: &str, ccs: &[&str]| -> Decimal {
        lines
            .iter()
            .filter(|(a, cc, _)| a == agency && ccs.contains(&cc.as_str()))
            .map(|(_, _, v)| *v)
            .sum()
    };

    // Whole lines. Council leaving-care cost centres CS1030-CS1034 (prefix "CS103"):
    // £2,650,000 + £1,720,000 + £3,350,000 + £940,000 + £410,000 = £9,070,000.
    let lc = &["CS1030", "CS1031", "CS1032", "CS1033", "CS1034"];
    assert_eq!(cc_total("council", lc), dec!(9070000));
    let leaving_care = rows.sum(&[("rule", "leaving-care-services"), ("category", "mapped")]);
    assert_eq!(leaving_care, dec!(9070000.00));
    assert_eq!(
        rows.sum(&[
            ("rule", "leaving-care-services"),
            ("transition", "leaving-care")
        ]),
        leaving_care
    );

    // Precedence: "prison-resettlement" (priority 0, prefix "R0") takes R01-R03, R05, R06 whole:
    // £689,000 + £143,000 + £209,000 + £33,000 + £96,000 = £1,170,000; R04 goes to the
    // priority-10 "discharge-grants" rule: bottom-up 950 releases × £106 = £100,700 out of the
    // £113,000 line, leaving £12,300 not cohort-specific.
    assert_eq!(
        cc_total("prisons", &["R01", "R02", "R03", "R05", "R06"]),
        dec!(1170000)
    );
    assert_eq!(
        rows.sum(&[("rule", "prison-resettlement")]),
        dec!(1170000.00)
    );
    assert_eq!(cc_total("prisons", &["R04"]), dec!(113000));
    assert_eq!(
        rows.sum(&[("rule", "discharge-grants"), ("category", "mapped")]),
        dec!(100700.00)
    );
    assert_eq!(
        rows.sum(&[("rule", "discharge-grants"), ("category", "remainder")]),
        dec!(12300.00)
    );
    // So prisons: mapped £1,170,000 + £100,700 = £1,270,700; everything else of the
    // £42,357,000 is unmatched: £42,357,000 − £1,283,000 = £41,074,000.
    assert_eq!(
        rows.sum(&[("agency", "prisons"), ("cohort", "prison-leavers")]),
        dec!(1270700.00)
    );
    assert_eq!(
        rows.sum(&[("agency", "prisons"), ("category", "unmatched")]),
        dec!(41074000.00)
    );

    // Two drivers on one line (DWP UC01, £612,379,000.00 = 61,237,900,000p):
    //   prison leavers 610/48,200: 61,237,900,000 × 610 / 48,200 = 775,002,468.880p
    //   families     1,100/48,200: 61,237,900,000 × 1,100 / 48,200 = 1,397,545,435.685p
    //   remainder: 61,237,900,000 − both = 59,065,352,095.436p
    // Floors leave 61,237,900,000 − (775,002,468 + 1,397,545,435 + 59,065,352,095) = 2p, which
    // go to the largest fractions (.880 and .685, not .436):
    //   £7,750,024.69, £13,975,454.36, remainder £590,653,520.95 (sum £612,379,000.00).
    assert_eq!(cc_total("dwp", &["UC01"]), dec!(612379000));
    let uc = [("rule", "universal-credit")];
    assert_eq!(
        rows.sum(&[
            uc[0],
            ("cohort", "prison-leavers"),
            ("transition", "prison-release")
        ]),
        dec!(7750024.69)
    );
    assert_eq!(
        rows.sum(&[uc[0], ("cohort", "families-multiple-needs")]),
        dec!(13975454.36)
    );
    assert_eq!(
        rows.sum(&[uc[0], ("category", "remainder")]),
        dec!(590653520.95)
    );

    // Per-line rounding, by hand. Council AS2061 (Hospital Social Work Team), driver
    // discharges-65mh = 1,150/9,800 = 23/196, five lines in pence:
    //   181,100,000 × 23/196 = 21,251,530.612 → 21,251,531 (.612 beats the remainder's .388)
    //    12,200,000 × 23/196 =  1,431,632.653 →  1,431,633
    //     6,900,000 × 23/196 =    809,693.878 →    809,694
    //    24,300,000 × 23/196 =  2,851,530.612 →  2,851,531
    //    20,500,000 × 23/196 =  2,405,612.245 →  2,405,612 (the remainder's .755 wins)
    // Sum 28,750,001p = £287,500.01: each line is conserved exactly, so the total may differ
    // by a penny from £2,450,000 × 23/196 = £287,500.00.
    assert_eq!(cc_total("council", &["AS2061"]), dec!(2450000));
    assert_eq!(
        rows.sum(&[("rule", "hospital-social-work"), ("category", "mapped")]),
        dec!(287500.01)
    );
    assert_eq!(
        rows.sum(&[("rule", "hospital-social-work"), ("category", "remainder")]),
        dec!(2162499.99)
    );

    // Equal priorities accumulate: HC3050 (Community Safety Team, £1,450,000 in five lines of
    // whole pounds) is 20% prison leavers + 30% families: £290,000 and £435,000, remainder
    // £725,000 under both rules' ids.
    assert_eq!(cc_total("council", &["HC3050"]), dec!(1450000));
    assert_eq!(
        rows.sum(&[("rule", "community-safety-team-prison")]),
        dec!(290000.00)
    );
    assert_eq!(
        rows.sum(&[("rule", "community-safety-team-families")]),
        dec!(435000.00)
    );
    assert_eq!(
        rows.sum(&[(
            "rule",
            "community-safety-team-prison+community-safety-team-families"
        )]),
        dec!(725000.00)
    );

    // A fixed share: police KD1100 (IOM) lines total £2,251,404 in whole pounds; 60% is
    // £1,350,842.40 exactly.
    assert_eq!(cc_total("police", &["KD1100"]), dec!(2251404));
    assert_eq!(
        rows.sum(&[("rule", "police-iom"), ("category", "mapped")]),
        dec!(1350842.40)
    );

    // Out of scope: the ICB's contracts with the two trusts and the Better Care Fund:
    // £402,049,129.47 + £96,390,225.51 + £31,182,819.68 = £529,622,174.66.
    assert_eq!(
        cc_total("icb", &["613100", "613200", "613520"]),
        dec!(529622174.66)
    );
    assert_eq!(
        rows.sum(&[("agency", "icb"), ("category", "out-of-scope")]),
        dec!(529622174.66)
    );

    // Bottom-up over several lines: 85 CHC packages × £48,000 = £4,080,000, spread over the
    // six 613410 lines (£7,646,278.90) pro rata; the per-line pennies are balanced so the total
    // is exactly £4,080,000.00, and each line still adds up.
    let chc = rows.sum(&[("rule", "icb-chc-mental-health"), ("category", "mapped")]);
    assert_eq!(chc, dec!(4080000.00));
    assert_eq!(
        chc + rows.sum(&[("rule", "icb-chc-mental-health"), ("category", "remainder")]),
        cc_total("icb", &["613410"])
    );

    // Every agency reconciles: ingested (the sample README's totals) = mapped + not
    // cohort-specific, in the CSV and in the JSON.
    let ingested = [
        ("council", dec!(970520000.00)),
        ("icb", dec!(954101182.64)),
        ("acute-trust", dec!(583646010.83)),
        ("mh-trust", dec!(124562005.86)),
        ("police", dec!(126959448.00)),
        ("probation", dec!(12638247.50)),
        ("prisons", dec!(42357000.00)),
        ("dwp", dec!(2237568000.00)),
        ("community-safety", dec!(2958650.00)),
    ];
    for (i, (agency, total)) in ingested.iter().enumerate() {
        assert_eq!(rows.sum(&[("agency", agency)]), *total, "{agency}");
        let a = &json["agencies"][i];
        assert_eq!(a["id"], *agency);
        assert_eq!(d(&a["ingested"]), *total);
        assert_eq!(
            d(&a["mapped"]) + d(&a["not_cohort_specific"]),
            *total,
            "{agency}"
        );
        assert_eq!(
            d(&a["not_cohort_specific"]),
            d(&a["remainder"]) + d(&a["out_of_scope"]) + d(&a["unmatched"])
        );
    }
    assert_eq!(d(&json["totals"]["ingested"]), dec!(5055310544.83));

    // Spend per cohort member = the cohort's mapped rows ÷ its size, to the penny.
    for (i, (cohort, size)) in [
        ("care-leavers", 480),
        ("prison-leavers", 950),
        ("older-mh-discharge", 1150),
        ("families-multiple-needs", 1300),
    ]
    .iter()
    .enumerate()
    {
        let total = rows.sum(&[("cohort", cohort), ("category", "mapped")]);
        let c = &json["cohorts"][i];
        assert_eq!(c["id"], *cohort);
        assert_eq!(d(&c["total"]), total);
        let per = (total / Decimal::from(*size))
            .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
        assert_eq!(d(&c["per_member"]), per, "{cohort}");
        assert!(total > Decimal::ZERO);
    }

    // The terminal shows every table and both files.
    for want in [
        "Spend by agency × cohort",
        "Spend by transition point",
        "Spend per cohort member",
        "Reconciliation: mapped + not cohort-specific",
        "Rules (file order",
        "Largest unmapped lines",
        "SYNTHETIC",
        "spend-map.csv",
        "spend-map.json",
    ] {
        assert!(r.stdout.contains(want), "missing {want:?}");
    }
    assert!(!r.stdout.contains("MISMATCH"));
    // The largest unmapped line is the State Pension (DWP SP01, £1,012,572,000).
    assert_eq!(json["largest_unmatched"][0]["cost_centre"], "SP01");
    assert_eq!(
        d(&json["largest_unmatched"][0]["amount"]),
        dec!(1012572000.00)
    );
    // Drivers are recorded with their source and synthetic flag.
    let drv = json["drivers"].as_array().unwrap();
    assert!(drv
        .iter()
        .all(|x| x["synthetic"] == true && x["source"].as_str().unwrap().starts_with("synthetic")));
}

/// A place dir is not needed for bad mappings: `--mapping` points at the purpose-made file.
fn bad(name: &str, text: &str) -> (tempfile::TempDir, PathBuf, Run) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(name);
    std::fs::write(&file, text).unwrap();
    let out = dir.path().join("out");
    let r = run(&[
        "map",
        "models/kirkbridge",
        "--mapping",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    (dir, file, r)
}

fn assert_error(name: &str, text: &str, wants: &[&str]) {
    let (_dir, file, r) = bad(name, text);
    assert_eq!(r.code, 2, "exit code for {name}; stderr:\n{}", r.stderr);
    assert!(
        !_dir.path().join("out").exists(),
        "nothing may be written on error"
    );
    assert!(
        r.stderr
            .contains(file.file_name().unwrap().to_str().unwrap()),
        "{}",
        r.stderr
    );
    for w in wants {
        assert!(
            r.stderr.contains(w),
            "{name}: missing {w:?} in\n{}",
            r.stderr
        );
    }
}

const RULE_HEAD: &str =
    "[[rule]]\nid = \"r\"\nmatch = { agency = \"council\", cost_centre = \"CS1030\" }\n";

#[test]
fn unknown_cohort() {
    assert_error(
        "unknown-cohort.toml",
        &format!("{RULE_HEAD}[[rule.target]]\ncohort = \"pensioners\"\n"),
        &["rule[0] \"r\".target[0].cohort: unknown cohort \"pensioners\" (known: care-leavers, prison-leavers, older-mh-discharge, families-multiple-needs)"],
    );
}

#[test]
fn unknown_transition_and_wrong_cohort() {
    assert_error(
        "unknown-transition.toml",
        &format!(
            "{RULE_HEAD}[[rule.target]]\ntransition = \"school-exclusion\"\n[[rule.target]]\ncohort = \"care-leavers\"\ntransition = \"prison-release\"\n"
        ),
        &[
            "rule[0] \"r\".target[0].transition: unknown transition \"school-exclusion\"",
            "rule[0] \"r\".target[1].transition: transition \"prison-release\" belongs to cohort \"prison-leavers\", not \"care-leavers\"",
            "2 problems",
        ],
    );
}

#[test]
fn unknown_driver() {
    assert_error(
        "unknown-driver.toml",
        &format!("{RULE_HEAD}[[rule.target]]\ncohort = \"care-leavers\"\ndriver = \"nope\"\n"),
        &["rule[0] \"r\".target[0].driver: unknown driver \"nope\""],
    );
}

#[test]
fn unknown_agency() {
    assert_error(
        "unknown-agency.toml",
        "[[rule]]\nid = \"fire\"\nmatch = { agency = \"fire-service\" }\n[[rule.target]]\ncohort = \"care-leavers\"\n",
        &["rule[0] \"fire\".match.agency: unknown agency \"fire-service\""],
    );
}

#[test]
fn invalid_regex() {
    assert_error(
        "bad-regex.toml",
        "[[rule]]\nid = \"rx\"\nmatch = { service = { regex = \"^Leaving (Care\" } }\n[[rule.target]]\ncohort = \"care-leavers\"\n",
        &["rule[0] \"rx\".match.service: invalid regular expression"],
    );
}

#[test]
fn shares_outside_0_to_100() {
    assert_error(
        "bad-share.toml",
        &format!(
            "{RULE_HEAD}[[rule.target]]\ncohort = \"care-leavers\"\nshare = 150\n[[rule.target]]\ncohort = \"prison-leavers\"\nshare = -5\n"
        ),
        &[
            "rule[0] \"r\".target[0].share: share 150% is outside 0..100%",
            "rule[0] \"r\".target[1].share: share -5% is outside 0..100%",
        ],
    );
    assert_error(
        "bad-driver.toml",
        "[[driver]]\nid = \"d\"\nname = \"d\"\nnumerator = 12\ndenominator = 10\nsource = \"x\"\n",
        &["driver[0] \"d\".numerator: ratio 12 ÷ 10 is outside 0..100%"],
    );
    assert_error(
        "over-100.toml",
        &format!(
            "{RULE_HEAD}[[rule.target]]\ncohort = \"care-leavers\"\nshare = 70\n[[rule.target]]\ncohort = \"families-multiple-needs\"\nshare = 31\n"
        ),
        &["rule[0] \"r\".target: the targets' shares add up to 101% of each line, more than 100%"],
    );
}

#[test]
fn overlapping_rules_over_100_percent_name_the_rules() {
    assert_error(
        "overlap.toml",
        "[[rule]]\nid = \"lac-a\"\nmatch = { agency = \"council\", cost_centre = { prefix = \"CS102\" } }\n[[rule.target]]\ncohort = \"care-leavers\"\nshare = 80\n\
         [[rule]]\nid = \"lac-b\"\nmatch = { service = { regex = \"^Looked After Children placements\" } }\n[[rule.target]]\ncohort = \"families-multiple-needs\"\nshare = 30\n",
        &[
            "rule[0] \"lac-a\" + rule[1] \"lac-b\"",
            "rules \"lac-a\", \"lac-b\" all apply (priority 0) to 12 line(s)",
            "110%",
            "council-budget-book-2024-25.xlsx",
        ],
    );
}

#[test]
fn bottom_up_may_not_exceed_its_lines() {
    // R04 discharge grants are £113,000: 1,100 × £106 = £116,600 is too much.
    assert_error(
        "bottom-up.toml",
        "[[rule]]\nid = \"grants\"\nmatch = { agency = \"prisons\", cost_centre = \"R04\" }\n[[rule.target]]\ntransition = \"prison-release\"\nunit_cost = 106\ncount = 1100\nsource = \"test\"\n",
        &["rule[0] \"grants\".target[0]: bottom-up 1100 × £106.00 = £116,600.00 exceeds the £113,000.00 of lines this rule takes (1 lines)"],
    );
}

#[test]
fn rules_matching_nothing_warn() {
    let (_dir, _file, r) = bad(
        "warn.toml",
        "[[rule]]\nid = \"ghost\"\nmatch = { cost_centre = \"ZZ9999\" }\n[[rule.target]]\ncohort = \"care-leavers\"\n",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("warning:") && r.stdout.contains("rule \"ghost\" took no lines"),
        "{}",
        r.stdout
    );
}

#[test]
fn missing_mapping_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("none.toml");
    let r = run(&[
        "map",
        "models/kirkbridge",
        "--mapping",
        file.to_str().unwrap(),
        "--out",
        dir.path().join("out").to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("none.toml: file: no mapping file here"),
        "{}",
        r.stderr
    );
}
