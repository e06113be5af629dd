//! The built binary on the sample scenarios: `totalplace run` prints the who-pays-who-gains
//! table and writes CSV + JSON; `totalplace compare` shows them side by side; bad input exits
//! with code 2 naming file and key.
//!
//! Uses the sample place `models/kirkbridge` when its place.toml is there; otherwise a
//! temporary place with the same agency, cohort and transition ids, holding copies of the
//! sample scenarios and the repository's unit-cost library and deflator index.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_totalplace");

const KIRKBRIDGE_LIKE: &str = r#"
[place]
id = "kirkbridge"
name = "Kirkbridge stand-in"
financial_year = "2024-25"
price_base = 2024
population = 505000
synthetic = true

[[agency]]
id = "council"
name = "Council"
sector = "local-authority"
budget_control = "local"
[[agency]]
id = "icb"
name = "ICB"
sector = "nhs-commissioner"
budget_control = "local"
[[agency]]
id = "acute-trust"
name = "Acute trust"
sector = "nhs-acute"
budget_control = "local"
[[agency]]
id = "mh-trust"
name = "Mental health trust"
sector = "nhs-mental-health"
budget_control = "local"
[[agency]]
id = "police"
name = "Police"
sector = "police"
budget_control = "central"
[[agency]]
id = "probation"
name = "Probation"
sector = "probation"
budget_control = "central"
[[agency]]
id = "prisons"
name = "Prisons"
sector = "prisons"
budget_control = "central"
[[agency]]
id = "dwp"
name = "DWP"
sector = "dwp"
budget_control = "central"
[[agency]]
id = "community-safety"
name = "Community safety"
sector = "community-safety"
budget_control = "local"

[[cohort]]
id = "care-leavers"
name = "Care leavers"
size = 480
size_source = "synthetic"
[[cohort]]
id = "prison-leavers"
name = "Prison leavers"
size = 950
size_source = "synthetic"
[[cohort]]
id = "older-mh-discharge"
name = "Older MH discharge"
size = 1150
size_source = "synthetic"
[[cohort]]
id = "families-multiple-needs"
name = "Families"
size = 1300
size_source = "synthetic"

[[transition]]
id = "leaving-care"
name = "Leaving care"
cohort = "care-leavers"
from = ["council"]
to = ["dwp"]
[[transition]]
id = "prison-release"
name = "Prison release"
cohort = "prison-leavers"
from = ["prisons"]
to = ["probation"]
[[transition]]
id = "hospital-discharge"
name = "Hospital discharge"
cohort = "older-mh-discharge"
from = ["acute-trust"]
to = ["council"]
"#;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn sample_names() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(repo().join("models/kirkbridge/scenarios"))
        .expect("sample scenarios")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    v.sort();
    v
}

/// The scenario directory to run from, and a guard keeping any temporary place alive.
fn scenario_dir() -> (PathBuf, Option<tempfile::TempDir>) {
    let real = repo().join("models/kirkbridge");
    if real.join("place.toml").is_file() {
        return (real.join("scenarios"), None);
    }
    let tmp = tempfile::tempdir().unwrap();
    let place = tmp.path().join("kirkbridge");
    std::fs::create_dir_all(place.join("scenarios")).unwrap();
    std::fs::write(place.join("place.toml"), KIRKBRIDGE_LIKE).unwrap();
    std::fs::write(
        place.join("sources.toml"),
        "[[source]]\nid = \"c\"\nagency = \"council\"\nfile = \"c.csv\"\ncolumns = { amount = \"Amount\", service = \"Service\" }\n",
    )
    .unwrap();
    std::fs::write(place.join("c.csv"), "Service,Amount\nA,1\n").unwrap();
    for f in ["unit-costs.csv", "gdp-deflators.csv"] {
        std::fs::copy(repo().join("models").join(f), tmp.path().join(f)).unwrap();
    }
    for n in sample_names() {
        std::fs::copy(
            repo().join("models/kirkbridge/scenarios").join(&n),
            place.join("scenarios").join(&n),
        )
        .unwrap();
    }
    (place.join("scenarios"), Some(tmp))
}

fn run(args: &[&str], cwd: &Path) -> (i32, String, String) {
    let out = Command::new(BIN)
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run totalplace");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn run_prints_who_pays_who_gains_and_writes_files_for_every_sample() {
    let (dir, _guard) = scenario_dir();
    let out = tempfile::tempdir().unwrap();
    let names = sample_names();
    assert!(names.len() >= 5, "{names:?}");
    for n in &names {
        let path = dir.join(n);
        let (code, stdout, stderr) = run(
            &[
                "run",
                path.to_str().unwrap(),
                "--out",
                out.path().to_str().unwrap(),
            ],
            &repo(),
        );
        assert_eq!(code, 0, "{n}: {stderr}");
        for want in [
            "who pays / who gains",
            "asymmetry",
            "PV costs",
            "NPV cashable",
            "fair-share transfer",
            "system",
            "wrong-pocket index W",
            "wrote",
        ] {
            assert!(stdout.contains(want), "{n}: missing {want:?} in\n{stdout}");
        }
        let id = n.trim_end_matches(".toml");
        let base = out.path().join("kirkbridge").join(id);
        for f in [
            "summary.csv",
            "yearly.csv",
            "results.json",
            "conventions.csv",
        ] {
            assert!(base.join(f).is_file(), "{n}: {f} not written");
        }
        // Each sample shows its case's asymmetry: most of the benefit lands in another pocket.
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(base.join("results.json")).unwrap()).unwrap();
        let w: f64 = json["wrong_pocket_index"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(w >= 0.5, "{n}: wrong-pocket index {w}");
        assert!(json["conventions"]["discounting"]
            .as_str()
            .unwrap()
            .contains("D_30/1.03^(t-30)"));
        assert!(json["conventions"]["rounding"]
            .as_str()
            .unwrap()
            .contains("half away from zero"));
    }
}

#[test]
fn compare_shows_samples_side_by_side() {
    let (dir, _guard) = scenario_dir();
    let out = tempfile::tempdir().unwrap();
    let mut args = vec!["compare".to_string()];
    args.extend(
        sample_names()
            .iter()
            .map(|n| dir.join(n).to_string_lossy().into_owned()),
    );
    args.extend([
        "--out".to_string(),
        out.path().to_string_lossy().into_owned(),
    ]);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, stdout, stderr) = run(&argv, &repo());
    assert_eq!(code, 0, "{stderr}");
    for want in [
        "system NPV",
        "FROI",
        "payback",
        "wrong-pocket W",
        "NPV council",
        "barnet-families",
        "nwl-integrated-care",
    ] {
        assert!(stdout.contains(want), "missing {want:?}");
    }
    assert!(out.path().join("compare.csv").is_file());
}

#[test]
fn bad_set_exits_2_naming_file_and_key_and_writes_nothing() {
    let (dir, _guard) = scenario_dir();
    let out = tempfile::tempdir().unwrap();
    let path = dir.join("barnet-families.toml");
    let (code, _, stderr) = run(
        &[
            "run",
            path.to_str().unwrap(),
            "--set",
            "outcome.family-turned-around.success=1.4",
            "--out",
            out.path().to_str().unwrap(),
        ],
        &repo(),
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(
            "barnet-families.toml: --set outcome.family-turned-around.success: 1.4 is outside 0..1"
        ),
        "{stderr}"
    );
    assert!(
        std::fs::read_dir(out.path()).unwrap().next().is_none(),
        "nothing written"
    );
}

#[test]
fn set_changes_the_result() {
    let (dir, _guard) = scenario_dir();
    let out = tempfile::tempdir().unwrap();
    let path = dir.join("nwl-integrated-care.toml");
    let o = out.path().to_str().unwrap();
    let (_, base, _) = run(&["run", path.to_str().unwrap(), "--out", o], &repo());
    let (code, changed, stderr) = run(
        &[
            "run",
            path.to_str().unwrap(),
            "--set",
            "transfer.gain-share-acute.share=0.8",
            "--out",
            o,
        ],
        &repo(),
    );
    assert_eq!(code, 0, "{stderr}");
    assert_ne!(base, changed);
    let (code, list, _) = run(&["run", path.to_str().unwrap(), "--list-params"], &repo());
    assert_eq!(code, 0);
    assert!(
        list.contains("outcome.admissions-avoided.success = 0.55"),
        "{list}"
    );
}

/// `check` warns when a scenario prices a flow with a library row the library itself flags
/// (provenance `recalled`, or notes opening `FROM MEMORY` or `CHECK:`), naming the scenario
/// file, the flow and the unit-cost id; a clean row draws no warning. Its cost line, with no
/// optimism-bias uplift and no reason, is warned about too. Runs on a copy of the sample place
/// with a four-row library and one scenario.
#[test]
fn check_warns_about_flagged_library_rows_a_scenario_uses() {
    let tmp = tempfile::tempdir().unwrap();
    let models = tmp.path().join("models");
    let place = common::copy_sample_place(&models, &[]);
    std::fs::copy(
        repo().join("models/gdp-deflators.csv"),
        models.join("gdp-deflators.csv"),
    )
    .unwrap();
    std::fs::write(
        models.join("unit-costs.csv"),
        "id,name,value,unit,price_year,role,cashability,verified,provenance,source,notes\n\
         mem-row,A recalled row,100,visit,2024-25,council,0,no,recalled,A source,Recalled from the rates table\n\
         check-row,A row to check,200,visit,2024-25,council,0,no,ucd-v1.4,GMCA UCD v1.4 code X1,\"CHECK: value as parsed, implausibly large; check the UCD v1.4 before use. UCD extra\"\n\
         memo-row,A row marked in its notes,250,visit,2024-25,council,0,no,secondary,A report,\"FROM MEMORY: value entered from memory of the source, never checked against it; check before use\"\n\
         clean-row,A clean row,300,visit,2024-25,council,0,yes,ucd-v1.4,GMCA UCD v1.4 code Y1,Checked against the publisher's text\n",
    )
    .unwrap();
    let mut scenario = String::from(
        "[scenario]\nid = \"flags\"\nname = \"Flagged rows\"\nstart_year = 2025\nhorizon = 2\n\n\
         [[cost]]\nid = \"team\"\nagency = \"council\"\nkind = \"revenue\"\namounts = [1000]\n\n\
         [[outcome]]\nid = \"visits-avoided\"\nname = \"Visits avoided\"\nparticipants = 10\n\
         engagement = 1\nsuccess = 1\ndeadweight = 0\nevidence_grade = 1\n",
    );
    for (flow, uc) in [
        ("recalled", "mem-row"),
        ("to-check", "check-row"),
        ("marked", "memo-row"),
        ("clean", "clean-row"),
    ] {
        scenario.push_str(&format!(
            "\n[[outcome.flow]]\nid = \"{flow}\"\nunit_cost = \"{uc}\"\nquantity = 1\n"
        ));
    }
    std::fs::write(place.join("scenarios/flags.toml"), scenario).unwrap();

    let (code, stdout, stderr) = run(&["check", "models/kirkbridge"], tmp.path());
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("all checks passed"), "{stdout}");
    let file = "models/kirkbridge/scenarios/flags.toml";
    for (flow, uc, why) in [
        (
            "recalled",
            "mem-row",
            "FROM MEMORY: provenance \"recalled\": the value was entered from memory of its source, never checked against it): check the value",
        ),
        (
            "to-check",
            "check-row",
            "CHECK: value as parsed, implausibly large; check the UCD v1.4 before use)",
        ),
        (
            "marked",
            "memo-row",
            "FROM MEMORY: value entered from memory of the source, never checked against it; check before use)",
        ),
    ] {
        let want = format!(
            "warning: {file}: outcome.visits-avoided.flow.{flow} uses unit cost \"{uc}\" (models/unit-costs.csv), which the library flags ({why}"
        );
        assert!(stdout.contains(&want), "missing {want:?} in\n{stdout}");
    }
    // Its cost line has no optimism-bias uplift and says not why: warned too (issue 11 item 7).
    assert!(
        stdout.contains(&format!(
            "warning: {file}: cost.team has no optimism-bias uplift and no stated reason"
        )),
        "{stdout}"
    );
    // The warnings follow the scenario's ok line, and the clean row has none.
    let ok = stdout
        .find("flags.toml: \"Flagged rows\"")
        .expect("ok line");
    let first = stdout.find("which the library flags").unwrap();
    assert!(ok < first, "{stdout}");
    assert!(!stdout.contains("\"clean-row\""), "{stdout}");
    assert_eq!(
        stdout.matches("which the library flags").count(),
        3,
        "{stdout}"
    );
}
