//! `totalplace simulate` as users meet it: the built binary on a sample scenario writes the
//! summary, histogram, tornado, break-even and draws files with the seed, iteration count and
//! crate versions in them; the same seed on 1 and 2 threads writes identical bytes; a bad
//! distribution exits with code 2 naming the file and key.

mod scenario_support;

use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_totalplace");
const SAMPLE: &str = "models/kirkbridge/scenarios/barnet-families.toml";
const FILES: [&str; 6] = [
    "simulation-summary.csv",
    "simulation-histogram.csv",
    "sensitivity-tornado.csv",
    "break-even.csv",
    "simulation.json",
    "simulation-draws.csv",
];

fn simulate(out: &Path, threads: &str) -> std::process::Output {
    Command::new(BIN)
        .args([
            "simulate",
            SAMPLE,
            "--iterations",
            "3000",
            "--seed",
            "42",
            "--threads",
            threads,
            "--draws",
            "--out",
        ])
        .arg(out)
        .output()
        .expect("run totalplace")
}

#[test]
fn simulate_writes_outputs_identically_on_any_thread_count() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let run = simulate(a.path(), "1");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    for want in [
        "NPV by party",
        "P(NPV > 0)",
        "tornado",
        "break-even",
        "system",
        "council",
    ] {
        assert!(stdout.contains(want), "missing {want}:\n{stdout}");
    }
    // Not a terminal: no progress bar on stderr.
    assert!(
        run.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(simulate(b.path(), "2").status.success());
    let dir = |p: &Path| p.join("kirkbridge").join("barnet-families");
    for f in FILES {
        let x = std::fs::read(dir(a.path()).join(f)).unwrap();
        let y = std::fs::read(dir(b.path()).join(f)).unwrap();
        assert!(x == y, "{f} differs between 1 and 2 threads");
        assert!(stdout.contains(f), "path of {f} not printed");
    }
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir(a.path()).join("simulation.json")).unwrap())
            .unwrap();
    assert_eq!(json["run"]["seed"], 42);
    assert_eq!(json["run"]["iterations"], 3000);
    assert_eq!(json["run"]["crate_versions"]["rand"], "0.10.4");
    assert!(json["run"]["generator"].as_str().unwrap().contains("Pcg64"));
    let draws = std::fs::read_to_string(dir(a.path()).join("simulation-draws.csv")).unwrap();
    assert_eq!(draws.lines().count(), 3001);
    assert!(draws.starts_with("iteration,outcome.family-turned-around.success,"));
    let summary = std::fs::read_to_string(dir(a.path()).join("simulation-summary.csv")).unwrap();
    assert!(summary.lines().any(|l| l.starts_with("system,npv,3000,")));
}

#[test]
fn set_fixes_a_parameter_and_bad_distributions_exit_2() {
    let place = scenario_support::TestPlace::new();
    let out = tempfile::tempdir().unwrap();
    let good = "[scenario]\nid = \"s\"\nname = \"S\"\nstart_year = 2025\nhorizon = 3\n\
[[cost]]\nid = \"c\"\nagency = \"council\"\nkind = \"revenue\"\namounts = [1000]\n\
[[outcome]]\nid = \"o\"\nname = \"O\"\nparticipants = 10\nengagement = 1\nsuccess = \"0.5\"\ndeadweight = 0\nduration = 1\nevidence_grade = 1\n\
[[outcome.flow]]\nid = \"f\"\nunit_cost = \"jsa-year\"\nquantity = 1\n";
    let bad = format!(
        "{good}[[uncertain]]\npath = \"outcome.o.success\"\ndist = \"uniform\"\nmin = \"0.9\"\nmax = \"0.1\"\n"
    );
    let path = place.scenario("bad", &bad);
    let run = Command::new(BIN)
        .args(["simulate", "--iterations", "10", "--out"])
        .arg(out.path())
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("bad.toml") && err.contains("uncertain.outcome.o.success.dist"),
        "{err}"
    );
    assert!(
        !out.path().join("testville").exists(),
        "nothing written on error"
    );

    // --set fixes a declared parameter: every draw is then the same.
    let ok = format!(
        "{good}[[uncertain]]\npath = \"outcome.o.success\"\ndist = \"uniform\"\nmin = \"0.1\"\nmax = \"0.9\"\n"
    );
    let path = place.scenario("ok", &ok);
    let run = Command::new(BIN)
        .args([
            "simulate",
            "--iterations",
            "50",
            "--set",
            "outcome.o.success=0.5",
            "--out",
        ])
        .arg(out.path())
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let summary =
        std::fs::read_to_string(out.path().join("testville/s/simulation-summary.csv")).unwrap();
    // 10 × 0.5 × £2,000 in year 0 only (duration 1; undiscounted) − £1,000 = £9,000 in every
    // draw.
    let sys = summary
        .lines()
        .find(|l| l.starts_with("system,npv,"))
        .unwrap();
    assert!(
        sys.starts_with("system,npv,50,9000.00,0.00,0.00,9000.00,9000.00"),
        "{sys}"
    );
}
