//! The built binary on the sample scenarios: `totalplace run` prints the who-pays-who-gains
//! table and writes CSV + JSON; `totalplace compare` shows them side by side; bad input exits
//! with code 2 naming file and key.
//!
//! Uses the sample place `models/kirkbridge` when its place.toml is there; otherwise a
//! temporary place with the same agency, cohort and transition ids, holding copies of the
//! sample scenarios and the repository's unit-cost library and deflator index.

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
