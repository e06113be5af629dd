//! The README's main job on the bundled sample place: every source reconciles, with the exact
//! line counts and totals the generator wrote (sample-data/README.md).

mod common;

use std::process::Command;

#[test]
fn sample_place_ingests_and_reconciles_to_the_penny() {
    let out_dir = tempfile::tempdir().unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_totalplace"))
        .args(["ingest", "models/kirkbridge", "--out"])
        .arg(out_dir.path())
        .current_dir(common::repo())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    // (agency, lines, total) per source, as the generator wrote them.
    let expected = [
        ("council", 229, "£970,520,000.00"),
        ("icb", 1508, "£954,101,182.64"),
        ("acute-trust", 1993, "£583,646,010.83"),
        ("mh-trust", 447, "£124,562,005.86"),
        ("police", 230, "£126,959,448.00"),
        ("probation", 34, "£12,638,247.50"),
        ("prisons", 21, "£42,357,000.00"),
        ("dwp", 18, "£2,237,568,000.00"),
        ("community-safety", 20, "£2,958,650.00"),
    ];
    for (agency, lines, total) in expected {
        let row = stdout
            .lines()
            .find(|l| {
                l.split('┆')
                    .next()
                    .is_some_and(|c| c.trim_start_matches('│').trim() == agency)
            })
            .unwrap_or_else(|| panic!("no row for {agency}:\n{stdout}"));
        let cells: Vec<&str> = row.split('┆').map(str::trim).collect();
        assert_eq!(cells[2], lines.to_string(), "{agency} lines");
        assert_eq!(cells[4], total, "{agency} total");
        assert_eq!(cells[5], total, "{agency} control total");
        assert!(cells[6].starts_with("reconciled"), "{agency}: {row}");
    }
    assert!(stdout.contains("£5,055,310,544.83"), "{stdout}");

    // The ledger has every line with its provenance and sums to the place total.
    let ledger = std::fs::read_to_string(out_dir.path().join("kirkbridge/ledger.csv")).unwrap();
    let mut rdr = csv::Reader::from_reader(ledger.as_bytes());
    let mut n = 0;
    let mut sum = rust_decimal::Decimal::ZERO;
    for rec in rdr.records() {
        let rec = rec.unwrap();
        sum += rec[6].parse::<rust_decimal::Decimal>().unwrap();
        assert!(rec[7].starts_with("sample-data/kirkbridge/"), "{rec:?}");
        assert!(rec[9].parse::<u32>().unwrap() > 0);
        n += 1;
    }
    assert_eq!(n, 4500);
    assert_eq!(sum.to_string(), "5055310544.83");
}

#[test]
fn ingest_is_deterministic() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    for d in [&a, &b] {
        let st = Command::new(env!("CARGO_BIN_EXE_totalplace"))
            .args(["ingest", "models/kirkbridge", "--out"])
            .arg(d.path())
            .current_dir(common::repo())
            .output()
            .unwrap();
        assert!(st.status.success());
    }
    let read =
        |d: &tempfile::TempDir| std::fs::read(d.path().join("kirkbridge/ledger.csv")).unwrap();
    assert_eq!(read(&a), read(&b));
}
