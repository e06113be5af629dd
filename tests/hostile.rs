//! Issue 13: hostile and broken inputs, as users meet them. The corpus (tests/common/hostile.rs
//! generates every file) runs through `totalplace ingest`; each file must give its value or a
//! located error with exit 2 and nothing written, and the bombs must stay under their peak
//! memory bound (measured on the child process with wait4's rusage, not timed).
//! The other tests cover the outputs: set-level commit, broken pipes, file modes, the
//! simulation bounds and `run` validating `[[uncertain]]`.

mod common;
#[path = "common/hostile.rs"]
mod hostile;

use std::process::{Command, Stdio};

use common::{repo, Workdir};
use hostile::{corpus, Expect};

/// Run the binary and return (exit code, stdout, stderr, peak resident memory in MB). The
/// peak is the child's own VmHWM, which it prints when TOTALPLACE_REPORT_PEAK_MEMORY is set
/// (wait4's ru_maxrss would include this test process's image, inherited across exec).
fn run_measured(w: &Workdir, args: &[&str]) -> (i32, String, String, u64) {
    let out = Command::new(env!("CARGO_BIN_EXE_totalplace"))
        .args(args)
        .current_dir(w.dir.path())
        .env("TOTALPLACE_REPORT_PEAK_MEMORY", "1")
        .output()
        .expect("run totalplace");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let peak = err
        .lines()
        .find_map(|l| l.strip_prefix("peak memory: "))
        .and_then(|v| v.trim_end_matches(" MB").parse().ok())
        .expect("the child reports its peak memory");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        err,
        peak,
    )
}

/// The peak-memory report measures what it claims: a run whose limit is raised so that a
/// 64 MiB shared string reaches the reader peaks well above one that stops at the guard.
#[test]
fn peak_memory_measurement_sees_a_large_allocation() {
    let w = Workdir::new();
    let run: u64 = 64 << 20;
    let bytes = hostile::rezip(&hostile::xlsx(&[("A", 1.0)]), |n, b| {
        if n == "xl/sharedStrings.xml" {
            let s = String::from_utf8(b).unwrap();
            let i = s.find("<t>").unwrap() + 3;
            let (pre, post) = s.split_at(i);
            hostile::Entry::Deflated {
                data: hostile::deflate_run(pre.as_bytes(), b'x', run, post.as_bytes()),
                size: (pre.len() as u64 + run + post.len() as u64) as u32,
                crc: 0,
            }
        } else {
            hostile::Entry::Stored(b)
        }
    });
    w.write("data/b.xlsx", &bytes);
    w.place(
        &["council"],
        "[[source]]\nid = \"s\"\nagency = \"council\"\nfile = \"b.xlsx\"\n[source.columns]\nservice = \"Service\"\namount = \"Amount\"\n",
    );
    let (_, _, _, guarded) = run_measured(&w, &["ingest", "place"]);
    let out = Command::new(env!("CARGO_BIN_EXE_totalplace"))
        .args(["ingest", "place"])
        .current_dir(w.dir.path())
        .env("TOTALPLACE_REPORT_PEAK_MEMORY", "1")
        .env("TOTALPLACE_MAX_TEXT_BYTES", "1000000000")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    let unguarded: u64 = err
        .lines()
        .find_map(|l| l.strip_prefix("peak memory: "))
        .and_then(|v| v.trim_end_matches(" MB").parse().ok())
        .expect("peak reported");
    assert!(guarded < 64, "guarded run peaked at {guarded} MB");
    assert!(
        unguarded >= 64,
        "the reader holding a 64 MiB string peaked at {unguarded} MB: {err}"
    );
}

#[test]
fn deflate_run_encoder_round_trips() {
    hostile::deflate_roundtrip();
}

/// Every file of the corpus gives its expected outcome; the bombs stay under 500 MB.
#[test]
fn hostile_corpus_gives_values_or_located_errors_in_bounded_memory() {
    let mut failures = Vec::new();
    for case in corpus() {
        let w = Workdir::new();
        w.write(&format!("data/{}", case.file), &case.bytes);
        w.place(&["council"], &case.sources_toml());
        let (code, out, err, rss) = run_measured(&w, &["ingest", "place"]);
        println!(
            "{:32} exit {code}  peak {rss:4} MB  {} bytes  {}",
            case.name,
            case.bytes.len(),
            err.lines()
                .next()
                .unwrap_or("")
                .chars()
                .take(150)
                .collect::<String>()
        );
        let mut fail = |m: String| {
            failures.push(format!(
                "{}: {m}\nstdout:\n{out}\nstderr:\n{err}",
                case.name
            ))
        };
        if err.contains("panicked") {
            fail("panicked".into());
            continue;
        }
        match &case.expect {
            Expect::Ok { lines, total } => {
                if code != 0 {
                    fail(format!("expected success, exit {code}"));
                } else if !out.contains(total) {
                    fail(format!("expected total {total}"));
                } else if !out.lines().any(|l| {
                    l.starts_with("│ council")
                        && l.split('┆')
                            .nth(2)
                            .is_some_and(|c| c.trim() == lines.to_string())
                }) {
                    fail(format!("expected {lines} lines"));
                }
            }
            Expect::Warn { total, warning } => {
                if code != 0 || !out.contains(total) {
                    fail(format!("expected success with {total}, exit {code}"));
                } else if !err.contains(warning) {
                    fail(format!("expected warning containing {warning:?}"));
                }
            }
            Expect::Err(msg) => {
                if code != 2 {
                    fail(format!("expected exit 2, got {code}"));
                } else if !err.contains(msg) {
                    fail(format!("expected error containing {msg:?}"));
                } else if w.exists("output/testville/ledger.csv") {
                    fail("an output was written".into());
                } else if !err.contains("(nothing was written)") {
                    fail("the error does not say nothing was written".into());
                }
            }
        }
        if let Some(bound) = case.rss_mb {
            if rss > bound {
                fail(format!("peak RSS {rss} MB over the {bound} MB bound"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Issue 13 item 10: a set replaces the old one whole, keeps files other commands wrote there
/// (ingest's ledger.csv, another scenario's folder), and removes staging left by a killed run.
#[test]
fn output_set_swaps_in_whole_and_keeps_other_commands_files() {
    let w = Workdir::new();
    let root = w.path("out/place");
    std::fs::create_dir_all(root.join("other-scenario")).unwrap();
    std::fs::write(root.join("ledger.csv"), "from ingest").unwrap();
    std::fs::write(root.join("other-scenario/summary.csv"), "kept").unwrap();
    std::fs::write(root.join("pack.html"), "old pack").unwrap();
    // A staging directory left by a killed run (its pid is gone: pid 0 is never a process here).
    let stale = w.path("out/.place.totalplace-staging-999999999-0");
    std::fs::create_dir_all(&stale).unwrap();
    std::fs::write(stale.join("pack.html"), "half-written").unwrap();
    let mut set = totalplace::output::OutputSet::new();
    set.add(root.join("pack.html"), b"new pack".to_vec());
    set.add(root.join("scenario/summary.csv"), b"new summary".to_vec());
    let written = set.commit().unwrap();
    assert_eq!(written.len(), 2);
    assert_eq!(w.read("out/place/pack.html"), "new pack");
    assert_eq!(w.read("out/place/scenario/summary.csv"), "new summary");
    assert_eq!(w.read("out/place/ledger.csv"), "from ingest");
    assert_eq!(w.read("out/place/other-scenario/summary.csv"), "kept");
    assert!(!stale.exists(), "stale staging removed");
    let left: Vec<String> = std::fs::read_dir(w.path("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        left,
        vec!["place".to_string()],
        "no staging or old tree left"
    );
}

/// Item 10: when the set cannot be written, nothing changes and the message says so.
#[test]
fn failed_set_changes_nothing_and_says_so() {
    let w = Workdir::new();
    let root = w.path("out/place");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("a.csv"), "old a").unwrap();
    // A file where the set needs a directory: the set fails while staging.
    std::fs::write(root.join("sub"), "a file").unwrap();
    let mut set = totalplace::output::OutputSet::new();
    set.add(root.join("a.csv"), b"new a".to_vec());
    set.add(root.join("sub/b.csv"), b"new b".to_vec());
    let err = set.commit().unwrap_err().to_string();
    assert!(err.contains("no output was changed"), "{err}");
    assert_eq!(w.read("out/place/a.csv"), "old a");
    let left: Vec<String> = std::fs::read_dir(w.path("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, vec!["place".to_string()], "staging cleaned up");
}

/// Item 12: outputs honour the umask (0644 under the usual 022), not 0600.
#[test]
fn outputs_honour_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let w = Workdir::new();
    // SAFETY: umask only sets this process's file-creation mask; restored below.
    let old = unsafe { libc::umask(0o022) };
    let mut set = totalplace::output::OutputSet::new();
    set.add(w.path("out/p/x.csv"), b"x".to_vec());
    set.commit().unwrap();
    unsafe { libc::umask(old) };
    let mode = std::fs::metadata(w.path("out/p/x.csv"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o644, "{mode:o}");
}

fn sample_scenario(w: &Workdir) -> String {
    // The sample place, copied so outputs land in the temporary directory.
    let status = Command::new("cp")
        .args(["-r"])
        .arg(repo().join("models"))
        .arg(repo().join("sample-data"))
        .arg(w.dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    "models/kirkbridge/scenarios/bradford-care-leavers.toml".to_string()
}

/// Item 11: `totalplace run … | head -1` exits 0 and still writes its files.
#[test]
fn broken_pipe_exits_zero_and_outputs_are_written() {
    let w = Workdir::new();
    let sc = sample_scenario(&w);
    let mut child = Command::new(env!("CARGO_BIN_EXE_totalplace"))
        .args(["run", &sc, "--out", "out"])
        .current_dir(w.dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader quits at once, like `head -0`
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(w.exists("out/kirkbridge/bradford-care-leavers/summary.csv"));
}

/// Item 16: simulation sizes are bounded with errors that name the option.
#[test]
fn simulate_bounds_iterations_bins_and_threads() {
    let w = Workdir::new();
    let sc = sample_scenario(&w);
    for (args, want) in [
        (
            vec!["-n", "1000000000"],
            "--iterations: 1000000000 iterations need",
        ),
        (
            vec!["--bins", "1000000000"],
            "--bins: 1000000000 bins: give 1 to 10000",
        ),
        (
            vec!["--threads", "100000"],
            "--threads: 100000 threads: give 1 to 1024",
        ),
        (vec!["-n", "0"], "--iterations: run at least one iteration"),
    ] {
        let mut a = vec!["simulate", sc.as_str(), "--out", "out"];
        a.extend(args);
        let err = w.run(&a).user_error();
        assert!(err.contains(want), "{err}");
        assert!(!w.exists("out/kirkbridge"), "nothing written");
    }
}

/// "Smaller": `run` rejects the `[[uncertain]]` block `simulate` rejects.
#[test]
fn run_validates_the_uncertain_block_too() {
    let w = Workdir::new();
    let sc = sample_scenario(&w);
    let path = w.path(&sc);
    let text = std::fs::read_to_string(&path).unwrap();
    let bad = text.replacen("dist = \"pert\"", "dist = \"pertt\"", 1);
    assert_ne!(bad, text);
    std::fs::write(&path, bad).unwrap();
    let run_err = w.run(&["run", &sc, "--out", "out"]).user_error();
    let sim_err = w.run(&["simulate", &sc, "--out", "out"]).user_error();
    assert!(run_err.contains("pertt"), "{run_err}");
    assert_eq!(
        run_err.lines().next(),
        sim_err.lines().next(),
        "the same error from both"
    );
    assert!(!w.exists("out/kirkbridge"));
}

/// Item 13: a 28-digit unit cost set with `--set` is an error naming the key, not an engine
/// overflow panic.
#[test]
fn huge_parameter_set_on_the_command_line_is_an_error() {
    let w = Workdir::new();
    let sc = sample_scenario(&w);
    let err = w
        .run(&[
            "run",
            &sc,
            "--out",
            "out",
            "--set",
            "unit_cost.youth-claimant-year-18-24.value=9999999999999999999999999999",
        ])
        .user_error();
    assert!(
        err.contains("unit_cost.youth-claimant-year-18-24.value"),
        "{err}"
    );
    assert!(
        err.contains("beyond the largest value a parameter may take"),
        "{err}"
    );
    assert!(!w.exists("out/kirkbridge"));
}
