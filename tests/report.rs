//! `totalplace report`, `init` and `check` as users meet them: the binary run on the sample
//! place and on a scaffold, outputs re-read (the workbook with calamine, the pack as text, the
//! charts as PNG headers) and compared with the library's own figures.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use base64::Engine as _;
use calamine::{open_workbook, Data, Reader, Xlsx};
use common::{repo, Workdir};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use totalplace::report::{self, doc::escape, findings::findings, Options, PlaceRun};

struct Sample {
    _wd: Workdir,
    out: PathBuf,
    stdout: String,
}

/// The date every pack and paper of the shared run carries (never the clock).
const DATE: &str = "2026-03-31";

fn run_report(out: &Path, verbose: bool) -> String {
    let mut args = vec!["report", "--date", DATE];
    if verbose {
        args.push("--verbose");
    }
    let o = Command::new(env!("CARGO_BIN_EXE_totalplace"))
        .args(args)
        .arg(repo().join("models/kirkbridge"))
        .arg("--out")
        .arg(out)
        .current_dir(repo())
        .output()
        .expect("run totalplace");
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        o.status.success(),
        "report failed\n{stdout}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    stdout
}

/// One report run on the sample place, shared by the tests here.
fn sample() -> &'static Sample {
    static S: OnceLock<Sample> = OnceLock::new();
    S.get_or_init(|| {
        let wd = Workdir::new();
        let out = wd.path("out");
        let stdout = run_report(&out, true);
        Sample {
            _wd: wd,
            out,
            stdout,
        }
    })
}

/// The library's own figures for the sample place.
fn model() -> &'static PlaceRun {
    static M: OnceLock<PlaceRun> = OnceLock::new();
    M.get_or_init(|| {
        report::run_place(&repo().join("models/kirkbridge"), &Options::default()).expect("model")
    })
}

fn files_under(dir: &Path) -> BTreeSet<PathBuf> {
    let mut v = BTreeSet::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            v.extend(files_under(&p));
        } else {
            v.insert(p);
        }
    }
    v
}

#[test]
fn report_writes_every_file_and_with_verbose_prints_each_path() {
    let s = sample();
    let m = model();
    let place = s.out.join("kirkbridge");
    let mut expected: Vec<PathBuf> = [
        "board-pack.html",
        "board-pack.md",
        "results.xlsx",
        "spend-map.png",
        "spend-map.svg",
        "scenario-comparison.png",
        "scenario-comparison.svg",
        "spend-map.csv",
        "spend-map.json",
        "board-paper.docx",
    ]
    .iter()
    .map(|f| place.join(f))
    .collect();
    assert_eq!(
        m.scenarios.len(),
        5,
        "the sample place ships five scenarios"
    );
    for sr in &m.scenarios {
        // Issue 10: the place pack's count-to-change and tracking charts, one per scenario.
        for f in ["count-to-change", "predicted-vs-actual"] {
            for ext in ["png", "svg"] {
                expected.push(place.join(format!("{}-{f}.{ext}", sr.scenario.id)));
            }
        }
        for f in [
            "board-pack.html",
            "board-pack.md",
            "results.xlsx",
            "who-pays-who-gains.png",
            "who-pays-who-gains.svg",
            "cashflow.png",
            "cashflow.svg",
            "monte-carlo-npv.png",
            "monte-carlo-npv.svg",
            "tornado.png",
            "tornado.svg",
            "summary.csv",
            "yearly.csv",
            "results.json",
            "conventions.csv",
            "cost_per_outcome.csv",
            "board-paper.docx",
            "baseline.csv",
        ] {
            expected.push(place.join(&sr.scenario.id).join(f));
        }
    }
    let written = files_under(&s.out);
    for p in &expected {
        assert!(written.contains(p), "missing {}", p.display());
        assert!(
            std::fs::metadata(p).unwrap().len() > 0,
            "empty {}",
            p.display()
        );
    }
    for p in &written {
        assert!(
            s.stdout.contains(&format!("wrote {}", p.display())),
            "{} written but not printed:\n{}",
            p.display(),
            s.stdout
        );
        let name = p.file_name().unwrap().to_string_lossy();
        assert!(
            !name.starts_with(".totalplace-"),
            "staging file left: {name}"
        );
    }
    assert_eq!(written.len(), expected.len(), "unexpected extra files");
}

fn near(got: f64, want: Decimal, what: &str) {
    let w = want.to_f64().unwrap();
    assert!(
        (got - w).abs() < 0.005,
        "{what}: workbook {got} but the model says {want}"
    );
}

fn num(d: &Data) -> f64 {
    match d {
        Data::Float(f) => *f,
        Data::Int(i) => *i as f64,
        other => panic!("expected a number, found {other:?}"),
    }
}

/// The row whose first cell is `label`.
fn row_of(r: &calamine::Range<Data>, label: &str) -> usize {
    r.rows()
        .position(|row| matches!(row.first(), Some(Data::String(s)) if s == label))
        .unwrap_or_else(|| panic!("no row \"{label}\""))
}

/// Issue 12 §3: every sheet prints landscape, one page wide, header rows repeated; zero money
/// shows £0, never "-£0" (the money formats' zero section catches anything under half a unit).
#[test]
fn workbook_prints_landscape_fitted_and_shows_no_negative_zero() {
    let s = sample();
    let path = s.out.join("kirkbridge/bradford-care-leavers/results.xlsx");
    let mut z = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
    let mut text = |name: &str| {
        let mut t = String::new();
        std::io::Read::read_to_string(&mut z.by_name(name).unwrap(), &mut t).unwrap();
        t
    };
    let wbx = text("xl/workbook.xml");
    let sheets = wbx.matches("<sheet ").count();
    assert_eq!(sheets, 9);
    for i in 1..=sheets {
        let x = text(&format!("xl/worksheets/sheet{i}.xml"));
        assert!(
            x.contains(r#"orientation="landscape""#),
            "sheet {i} not landscape"
        );
        assert!(
            x.contains(r#"fitToHeight="0""#),
            "sheet {i} not fitted to width"
        );
    }
    assert_eq!(
        wbx.matches("_xlnm.Print_Titles").count(),
        sheets,
        "every sheet repeats its header rows"
    );
    let styles = text("xl/styles.xml");
    assert!(
        styles.contains("[&gt;=0.5]£#,##0;[&lt;=-0.5]-£#,##0;£0"),
        "money format"
    );
    assert!(
        !styles.contains(r#"formatCode="£#,##0;-£#,##0""#),
        "a format that shows -£0"
    );
}

#[test]
fn workbook_reopens_and_its_sums_equal_the_model() {
    let s = sample();
    let m = model();
    for sr in &m.scenarios {
        let path = s
            .out
            .join("kirkbridge")
            .join(&sr.scenario.id)
            .join("results.xlsx");
        let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
        let names = wb.sheet_names();
        assert_eq!(
            names,
            [
                "Summary",
                "Inputs",
                "By agency",
                "Cashflows",
                "Model",
                "Asymmetry",
                "Spend map",
                "Monte Carlo",
                "Assumptions"
            ],
            "{}",
            path.display()
        );
        let r = &sr.results;
        let by = wb.worksheet_range("By agency").unwrap();
        let t = row_of(&by, "System (total)");
        let tot = |c: usize| num(by.get((t, c)).unwrap());
        near(tot(3), r.system.pv_costs, "PV costs");
        near(tot(4), r.system.pv_cashable, "PV cashable");
        near(tot(5), r.system.pv_non_cashable, "PV non-cashable");
        near(tot(6), r.system.pv_benefits, "PV benefits");
        near(tot(8), r.system.npv, "NPV");
        // The cached total is the sum of the rows above it, as Excel would recalculate.
        let rows_sum: f64 = (1..t).map(|i| num(by.get((i, 8)).unwrap())).sum();
        assert!(
            (rows_sum - tot(8)).abs() < 0.01,
            "NPV rows sum {rows_sum} vs total {}",
            tot(8)
        );
        let formulas = wb.worksheet_formula("By agency").unwrap();
        let f = formulas
            .get_value((t as u32, 8))
            .cloned()
            .unwrap_or_default();
        assert!(f.starts_with("SUM("), "NPV total is a formula, found {f:?}");
        // Each party's row equals its results.
        for p in r
            .parties
            .iter()
            .filter(|p| !p.summary.pv_costs.is_zero() || !p.summary.pv_benefits.is_zero())
        {
            let label = if p.external {
                format!("{} (external)", p.id)
            } else {
                p.id.clone()
            };
            let i = row_of(&by, &label);
            near(
                num(by.get((i, 8)).unwrap()),
                p.summary.npv,
                &format!("NPV {}", p.id),
            );
        }
        // Cashflows: the system block's discounted total is the system NPV.
        let cf = wb.worksheet_range("Cashflows").unwrap();
        let i = row_of(&cf, "system total");
        near(num(cf.get((i, 12)).unwrap()), r.system.npv, "system PV net");
        // Asymmetry: W.
        let asy = wb.worksheet_range("Asymmetry").unwrap();
        let i = row_of(&asy, "Wrong-pocket index W = ½ Σ |b − c|");
        near(num(asy.get((i, 1)).unwrap()), r.wrong_pocket.unwrap(), "W");
        // Summary links to the totals.
        let sum = wb.worksheet_range("Summary").unwrap();
        let i = row_of(&sum, "System NPV");
        near(num(sum.get((i, 1)).unwrap()), r.system.npv, "Summary NPV");
        // Issue 12 §3: Summary figures are numbers with formats, not text.
        let i = row_of(&sum, "PV cashable in budgets held locally");
        near(
            num(sum.get((i, 1)).unwrap()),
            r.pv_locally_cashable,
            "locally cashable",
        );
        let g = sr.simulation.as_ref().unwrap().system().unwrap();
        let i = row_of(&sum, "Simulated system NPV, 5th percentile");
        assert_eq!(num(sum.get((i, 1)).unwrap()), g.p5, "simulated P5");
        let i = row_of(&sum, "Simulated system NPV, 95th percentile");
        assert_eq!(num(sum.get((i, 1)).unwrap()), g.p95, "simulated P95");
        let i = row_of(&sum, "Payback (system)");
        match (r.system.payback, sum.get((i, 1)).unwrap()) {
            (Some(totalplace::scenario::Payback::Within(y)), d) => near(num(d), y, "payback"),
            (_, Data::String(s)) => assert!(s == "not within horizon" || s == "n/a", "{s}"),
            (p, d) => panic!("payback {p:?} shown as {d:?}"),
        }
        let i = row_of(&sum, "Horizon");
        assert_eq!(num(sum.get((i, 1)).unwrap()), sr.scenario.horizon as f64);
        // PV figures in By agency are formulas on Cashflows.
        let pvf = formulas.get_value((1, 3)).cloned().unwrap_or_default();
        assert!(
            pvf.starts_with("SUMPRODUCT(Cashflows!"),
            "PV costs formula {pvf:?}"
        );
        // Monte Carlo stays values and says so.
        let mc_note = wb.worksheet_range("Monte Carlo").unwrap();
        assert!(
            mc_note.used_cells().any(
                |(_, _, d)| matches!(d, Data::String(s) if s.starts_with("Values, not formulas"))
            ),
            "Monte Carlo sheet says its figures are values"
        );
        // Spend map: the place's ingested and mapped totals.
        let sm = wb.worksheet_range("Spend map").unwrap();
        let i = row_of(&sm, "All agencies");
        let nc = m.place.cohorts.len();
        near(
            num(sm.get((i, 1 + nc)).unwrap()),
            m.spend_map.total_mapped(),
            "mapped",
        );
        near(
            num(sm.get((i, 3 + nc)).unwrap()),
            m.spend_map.total_ingested(),
            "ingested",
        );
        for c in 0..nc {
            near(
                num(sm.get((i, 1 + c)).unwrap()),
                m.spend_map.cohort_total(c),
                "cohort",
            );
        }
        // Monte Carlo: the simulation's own percentiles, seed and iterations.
        let sim = sr.simulation.as_ref().unwrap();
        let mc = wb.worksheet_range("Monte Carlo").unwrap();
        assert_eq!(mc.get((2, 1)), Some(&Data::String("1".into())), "seed");
        assert_eq!(
            mc.get((1, 1)),
            Some(&Data::String("10000".into())),
            "iterations"
        );
        let i = row_of(&mc, "system");
        let g = sim.system().unwrap();
        assert_eq!(num(mc.get((i, 2)).unwrap()), g.p5);
        assert_eq!(num(mc.get((i, 4)).unwrap()), g.p95);
        // Assumptions list every unit cost used, with its source.
        let a = wb.worksheet_range("Assumptions").unwrap();
        for u in &sr.scenario.unit_costs {
            let i = row_of(&a, &u.id);
            assert_eq!(a.get((i, 11)), Some(&Data::String(u.source.clone())));
        }
    }
    // The place workbook.
    let mut wb: Xlsx<_> = open_workbook(s.out.join("kirkbridge/results.xlsx")).unwrap();
    // Scenarios compared show their horizon and start year.
    let cmp = wb.worksheet_range("Summary").unwrap();
    let pb = row_of(&cmp, "payback");
    for (j, sr) in m.scenarios.iter().enumerate() {
        if let Some(totalplace::scenario::Payback::Within(y)) = sr.results.system.payback {
            near(num(cmp.get((pb, 1 + j)).unwrap()), y, "compared payback");
        }
    }
    let i = row_of(&cmp, "horizon (years)");
    for (j, sr) in m.scenarios.iter().enumerate() {
        assert_eq!(
            num(cmp.get((i, 1 + j)).unwrap()),
            sr.scenario.horizon as f64
        );
        assert_eq!(
            cmp.get((i + 1, 1 + j)),
            Some(&Data::String(sr.scenario.year_label(0)))
        );
    }
    let sm = wb.worksheet_range("Spend map").unwrap();
    let i = row_of(&sm, "All agencies");
    near(
        num(sm.get((i, 3 + m.place.cohorts.len())).unwrap()),
        m.spend_map.total_ingested(),
        "place ingested",
    );
}

fn assert_self_contained(html: &str, what: &str) {
    for bad in [
        "http://", "https://", "<link", "<script", "@import", "url(", "file://",
    ] {
        assert!(
            !html.contains(bad),
            "{what} has an external reference: {bad}"
        );
    }
    for (i, _) in html.match_indices(" src=\"") {
        assert!(
            html[i..].starts_with(" src=\"data:image/png;base64,"),
            "{what}: an image that is not embedded"
        );
    }
}

#[test]
fn packs_hold_the_findings_every_chart_embedded_and_no_external_reference() {
    let s = sample();
    let m = model();
    for sr in &m.scenarios {
        let dir = s.out.join("kirkbridge").join(&sr.scenario.id);
        let html = std::fs::read_to_string(dir.join("board-pack.html")).unwrap();
        let md = std::fs::read_to_string(dir.join("board-pack.md")).unwrap();
        assert_self_contained(&html, &sr.scenario.id);
        let found = findings(&sr.scenario, &sr.results, sr.simulation.as_ref());
        assert!(found.len() >= 5, "{}: {found:?}", sr.scenario.id);
        for f in &found {
            assert!(
                html.contains(&escape(f)),
                "{}: finding missing from HTML: {f}",
                sr.scenario.id
            );
            assert!(
                md.contains(f.as_str()),
                "{}: finding missing from Markdown: {f}",
                sr.scenario.id
            );
        }
        let pngs: Vec<String> = files_under(&dir)
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "png"))
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            html.matches("<img ").count(),
            pngs.len(),
            "{}: one image per chart",
            sr.scenario.id
        );
        for p in &pngs {
            assert!(md.contains(&format!("]({p})")), "Markdown links {p}");
        }
        // Every embedded image decodes to a PNG of the chart's size: none is missing.
        for (i, _) in html.match_indices("base64,") {
            let rest = &html[i + 7..];
            let data = &rest[..rest.find('"').unwrap()];
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(data)
                .expect("valid base64");
            assert_eq!(png_size(&bytes), (1600, 1000), "{}", sr.scenario.id);
        }
        assert!(html.contains("SYNTHETIC DATA"), "synthetic banner");
        assert!(
            html.contains(&format!(
                "Prepared {DATE} with totalplace {}",
                env!("CARGO_PKG_VERSION")
            )),
            "date and version on the pack"
        );
        // Issue 12 §3.11: no forced page breaks in print; short tables are kept whole.
        assert!(!html.contains("break-before: page"));
        assert!(html.contains("<table class=\"keep\">"));
        // Issue 12 §3.6: no "1 sources"-style disagreement, no party ids in the tables.
        for bad in [
            "| acute-trust |",
            "| dluhc",
            "| community-safety |",
            " 1 sources",
        ] {
            assert!(!md.contains(bad), "{}: {bad:?} in the pack", sr.scenario.id);
        }
        // Issue 12 §3.4: tornado inputs in words with units, not distribution internals.
        assert!(
            !md.contains("lambda"),
            "{}: distribution internals",
            sr.scenario.id
        );
        let sim = sr
            .simulation
            .as_ref()
            .expect("every sample scenario declares its uncertainty");
        assert_eq!((sim.iterations, sim.seed), (10_000, 1));
        assert!(
            html.contains("10,000 Monte Carlo runs with seed 1"),
            "iterations and seed stated"
        );
        assert!(!html.contains("No Monte Carlo simulation was run"));
        for section in [
            "Headline",
            "Findings",
            "Who pays, who gains",
            "Cashflow and payback",
            "Uncertainty",
            "Fair-share contributions",
            "Assumptions and method",
        ] {
            assert!(
                html.contains(&format!(">{section}</h2>")),
                "section {section}"
            );
        }
        assert!(
            html.contains("half away from zero"),
            "rounding convention stated"
        );
        assert!(html.contains("interpolated"), "payback convention stated");
    }
    let html = std::fs::read_to_string(s.out.join("kirkbridge/board-pack.html")).unwrap();
    assert_self_contained(&html, "place pack");
    // The spend map and the comparison, then (issue 10) per scenario its count-to-change and
    // predicted-vs-actual charts.
    assert_eq!(html.matches("<img ").count(), 2 + 2 * 5);
    assert!(html.contains(">From the count to change</h2>"));
    assert!(html.contains(">Did the savings appear?</h2>"));
    assert!(html.contains("not proof that the scenario caused it"));
    for sr in &m.scenarios {
        assert!(html.contains(&format!("href=\"{}/board-pack.html\"", sr.scenario.id)));
    }
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR");
    let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    (w, h)
}

#[test]
fn charts_are_pngs_of_the_stated_size() {
    let s = sample();
    let pngs: Vec<PathBuf> = files_under(&s.out)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    assert_eq!(pngs.len(), 2 + 4 * 5 + 2 * 5);
    for p in pngs {
        let bytes = std::fs::read(&p).unwrap();
        assert_eq!(png_size(&bytes), (1600, 1000), "{}", p.display());
        assert!(bytes.len() > 20_000, "{} looks blank", p.display());
        let svg = std::fs::read_to_string(p.with_extension("svg")).unwrap();
        assert!(svg.contains("<svg") && svg.contains("width=\"1600\""));
    }
}

#[test]
fn two_runs_give_byte_identical_outputs() {
    let s = sample();
    let wd = Workdir::new();
    let again = wd.path("again");
    let stdout = run_report(&again, false);
    // Issue 12 §3.12: without --verbose, a short summary, the board pack first, no file list.
    assert!(!stdout.contains("wrote "), "{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines.len() <= 12, "{} lines:\n{stdout}", lines.len());
    let pack = lines
        .iter()
        .position(|l| l.starts_with("Board pack: ") && l.ends_with("kirkbridge/board-pack.html"))
        .expect("board pack line");
    let paper = lines
        .iter()
        .position(|l| l.starts_with("Board paper (Word): "))
        .expect("board paper line");
    assert!(pack < paper, "{stdout}");
    assert!(
        lines.last().unwrap().contains(" files written under ")
            && lines.last().unwrap().contains("--verbose"),
        "{stdout}"
    );
    let a = files_under(&s.out);
    for p in a {
        let rel = p.strip_prefix(&s.out).unwrap();
        let q = again.join(rel);
        assert!(
            std::fs::read(&p).unwrap() == std::fs::read(&q).unwrap(),
            "{} differs between runs",
            rel.display()
        );
    }
}

#[test]
fn init_then_check_then_report_on_the_scaffold() {
    let wd = Workdir::new();
    let out = wd.run(&["init", "places/new-district"]).ok();
    assert!(
        out.contains("wrote places/new-district/place.toml"),
        "{out}"
    );
    assert!(wd.exists("places/new-district/data/council-budget-2024-25.csv"));
    let text = wd.read("places/new-district/place.toml");
    assert!(text.contains("id = \"new-district\""));
    // Every field of the templates carries a comment or sits under one.
    assert!(text.matches('#').count() > 20);
    let out = wd.run(&["check", "places/new-district"]).ok();
    assert!(out.contains("all checks passed"), "{out}");
    assert!(
        out.contains("council-budget-2024-25.csv: 7 lines, £12,230,000 (reconciled)"),
        "{out}"
    );
    assert!(out.contains("example-mentoring.toml"), "{out}");
    let out = wd
        .run(&["report", "places/new-district", "--out", "out", "--verbose"])
        .ok();
    for f in [
        "out/new-district/board-pack.html",
        "out/new-district/results.xlsx",
        "out/new-district/example-mentoring/board-pack.html",
        "out/new-district/example-mentoring/board-pack.md",
        "out/new-district/example-mentoring/results.xlsx",
        "out/new-district/example-mentoring/cashflow.png",
    ] {
        assert!(wd.exists(f), "{f} missing:\n{out}");
        assert!(out.contains(&format!("wrote {f}")), "{f} not printed");
    }
    // The scaffold's scenario declares two uncertain inputs: the pack shows the range.
    let html = wd.read("out/new-district/example-mentoring/board-pack.html");
    assert!(
        html.contains("simulated runs (seed 1)"),
        "uncertainty finding"
    );
    // With --iterations 0 the pack says plainly that no simulation was run.
    wd.run(&[
        "report",
        "places/new-district",
        "--out",
        "out0",
        "--iterations",
        "0",
        "--negatives",
        "brackets",
        "--date",
        "2026-01-15",
    ])
    .ok();
    // Issue 12 §3.9: negatives in brackets when asked, and the date given (never the clock)
    // with the tool's version on each pack.
    let md0 = wd.read("out0/new-district/example-mentoring/board-pack.md");
    assert!(
        md0.contains(&format!(
            "Prepared 2026-01-15 with totalplace {}",
            env!("CARGO_PKG_VERSION")
        )),
        "{md0}"
    );
    let table_rows: Vec<&str> = md0.lines().filter(|l| l.starts_with("| ")).collect();
    assert!(table_rows.iter().any(|l| l.contains("(£")), "{md0}");
    assert!(!table_rows.iter().any(|l| l.contains("| -£")), "{md0}");
    let md = wd.read("out/new-district/example-mentoring/board-pack.md");
    assert!(md.contains("Undated (give --date YYYY-MM-DD)"), "{md}");
    assert!(md.contains("| -£"), "minus by default");
    let err = wd
        .run(&["report", "places/new-district", "--date", "2026-02-30"])
        .user_error();
    assert!(err.contains("not a date written YYYY-MM-DD"), "{err}");
    let html = wd.read("out0/new-district/example-mentoring/board-pack.html");
    assert!(html.contains("No Monte Carlo simulation was run"));
    assert!(!wd.exists("out0/new-district/example-mentoring/monte-carlo-npv.png"));
    let mut wb: Xlsx<_> =
        open_workbook(wd.path("out0/new-district/example-mentoring/results.xlsx")).unwrap();
    assert!(!wb.sheet_names().contains(&"Monte Carlo".to_string()));
    let sum = wb.worksheet_range("Summary").unwrap();
    assert!(sum
        .rows()
        .any(|r| r.iter().any(|c| c == &Data::String("not simulated".into()))));
    // Issue 12 §3.2: the scaffold's police and DWP have no budget file: check warns, and the
    // place pack counts and names them apart from the partner that supplied one.
    let out = wd.run(&["check", "places/new-district"]).ok();
    assert!(
        out.contains("warning: agency police") && out.contains("warning: agency dwp"),
        "{out}"
    );
    let md = wd.read("out/new-district/board-pack.md");
    assert!(
        md.contains("2024-25 budgets from 1 partner; no budget from"),
        "{md}"
    );
    assert!(
        md.contains("2 of the 3 partners supplied no budget"),
        "{md}"
    );
    // Issue 12 §3.3: a report on a place given by absolute path, run from elsewhere, shows
    // no absolute path of this machine in any chart, table, note or text output.
    let abs = wd.path("places/new-district");
    let elsewhere = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_totalplace"))
        .arg("report")
        .arg(&abs)
        .arg("--out")
        .arg(wd.path("outabs"))
        .current_dir(elsewhere.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let root = wd.dir.path().display().to_string();
    let mut seen = 0;
    for p in files_under(&wd.path("outabs")) {
        let ext = p.extension().unwrap().to_string_lossy().into_owned();
        if !["md", "html", "svg", "csv", "json"].contains(&ext.as_str()) {
            continue;
        }
        seen += 1;
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(
            !text.contains(&root),
            "{} shows an absolute path ({root})",
            p.display()
        );
    }
    assert!(seen >= 10, "{seen} text outputs checked");
    let md = wd.read("outabs/new-district/board-pack.md");
    assert!(md.contains("mapped by mapping.toml"), "{md}");
    // init never overwrites.
    let err = wd.run(&["init", "places/new-district"]).user_error();
    assert!(err.contains("places/new-district/place.toml"), "{err}");
}

#[test]
fn check_on_a_broken_place_exits_2_naming_the_file() {
    let wd = Workdir::new();
    wd.run(&["init", "p"]).ok();
    // A missing budget file: named, nothing else can run.
    let budget = wd.read("p/data/council-budget-2024-25.csv");
    std::fs::remove_file(wd.path("p/data/council-budget-2024-25.csv")).unwrap();
    let err = wd.run(&["check", "p"]).user_error();
    assert!(err.contains("p/data/council-budget-2024-25.csv"), "{err}");
    // A budget that no longer reconciles, a mapping rule naming an unknown cohort and a bad
    // scenario: all reported together, each naming its file.
    wd.write(
        "p/data/council-budget-2024-25.csv",
        budget.replace("\"£420,000.00\"", "\"£420,001.00\""),
    );
    let m = wd
        .read("p/mapping.toml")
        .replace("cohort = \"care-leavers\"", "cohort = \"no-such\"");
    wd.write("p/mapping.toml", m);
    let s = wd
        .read("p/scenarios/example-mentoring.toml")
        .replace("success = \"0.4\"", "success = \"1.4\"");
    wd.write("p/scenarios/example-mentoring.toml", s);
    let run = wd.run(&["check", "p"]);
    let err = run.user_error();
    let out = run.stdout();
    assert!(
        err.contains("council-budget-2024-25.csv") && err.contains("does not reconcile"),
        "{err}"
    );
    assert!(
        err.contains("p/mapping.toml") && err.contains("no-such"),
        "{err}"
    );
    assert!(
        err.contains("p/scenarios/example-mentoring.toml")
            && err.contains("outcome.into-work.success"),
        "{err}"
    );
    assert!(err.contains("3 problems"), "{err}");
    assert!(out.contains("FAIL"), "{out}");
    assert!(!wd.exists("output"), "check writes nothing");
    // A broken place.toml stops at once, naming it.
    wd.write("p/place.toml", "[place]\nid = \"p\"\n");
    let err = wd.run(&["check", "p"]).user_error();
    assert!(err.contains("p/place.toml"), "{err}");
    // report refuses the same place and writes nothing.
    wd.run(&["report", "p", "--out", "out"]).user_error();
    assert!(!wd.exists("out"));
}

/// LibreOffice, or a failure that says how to install it.
fn soffice() -> &'static str {
    let ok = Command::new("soffice")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "soffice (LibreOffice) is needed to check the Word papers: apt-get install -y libreoffice-writer-nogui poppler-utils"
    );
    "soffice"
}

fn tool_output(cmd: &str, args: &[&str]) -> String {
    let o = Command::new(cmd).args(args).output().unwrap_or_else(|e| {
        panic!("{cmd} not found ({e}): apt-get install -y libreoffice-writer-nogui poppler-utils")
    });
    assert!(
        o.status.success(),
        "{cmd} {args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Issue 12 §2: every board-paper.docx opens in LibreOffice Writer (converted headless to PDF
/// without complaint), has a sensible number of pages, and its text holds the headline
/// figures, the findings, the sections of a committee report and the date and version. Pages
/// were also rendered with `pdftoppm -png` and looked at (see docs/report.md).
#[test]
fn board_papers_open_in_libreoffice_and_hold_the_headline_figures() {
    let s = sample();
    let m = model();
    let soffice = soffice();
    let wd = Workdir::new();
    let pdf_dir = wd.path("pdf");
    let profile = format!("file://{}", wd.path("lo-profile").display());
    let mut docs: Vec<(String, PathBuf)> =
        vec![("place".into(), s.out.join("kirkbridge/board-paper.docx"))];
    for sr in &m.scenarios {
        docs.push((
            sr.scenario.id.clone(),
            s.out
                .join("kirkbridge")
                .join(&sr.scenario.id)
                .join("board-paper.docx"),
        ));
    }
    // Each converted to <name>.pdf: copy under distinct names first (they share a file name).
    let src = wd.path("docx");
    std::fs::create_dir_all(&src).unwrap();
    let mut args = vec![
        format!("-env:UserInstallation={profile}"),
        "--headless".into(),
        "--convert-to".into(),
        "pdf".into(),
        "--outdir".into(),
        pdf_dir.display().to_string(),
    ];
    for (name, p) in &docs {
        let bytes = std::fs::read(p).unwrap();
        assert_eq!(&bytes[..2], b"PK", "{name}: a .docx is a zip");
        let q = src.join(format!("{name}.docx"));
        std::fs::write(&q, bytes).unwrap();
        args.push(q.display().to_string());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    tool_output(soffice, &args);
    for (name, _) in &docs {
        let pdf = pdf_dir.join(format!("{name}.pdf"));
        assert!(
            pdf.exists(),
            "{name}: LibreOffice did not convert the paper"
        );
        let pdf = pdf.display().to_string();
        let info = tool_output("pdfinfo", &[&pdf]);
        let pages: usize = info
            .lines()
            .find_map(|l| l.strip_prefix("Pages:"))
            .and_then(|v| v.trim().parse().ok())
            .expect("page count");
        let text = tool_output("pdftotext", &["-layout", &pdf, "-"]);
        // The paper writes a minus before a figure as a non-breaking hyphen.
        let flat = text
            .replace('\u{2011}', "-")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        for h in [
            "1. Purpose of the report",
            "2. Recommendations",
            "SYNTHETIC DATA",
            "[Author to edit",
            &format!(
                "Prepared {DATE} with totalplace {}",
                env!("CARGO_PKG_VERSION")
            ),
        ] {
            assert!(flat.contains(h), "{name}: {h:?} missing from the paper");
        }
        // The last page is not a near-empty spill-over (issue 12 §3.11).
        let last = tool_output(
            "pdftotext",
            &[
                "-f",
                &pages.to_string(),
                "-l",
                &pages.to_string(),
                &pdf,
                "-",
            ],
        );
        let words = last.split_whitespace().count();
        assert!(
            words > 40,
            "{name}: last page {pages} has only {words} words"
        );
        if name == "place" {
            assert!((3..=10).contains(&pages), "place paper: {pages} pages");
            for sr in &m.scenarios {
                let npv = totalplace::format::money_short(sr.results.system.npv);
                assert!(
                    flat.contains(&npv),
                    "place paper: {} NPV {npv}",
                    sr.scenario.id
                );
            }
            assert!(flat.contains("Scenarios compared"));
            continue;
        }
        let sr = m.scenarios.iter().find(|x| &x.scenario.id == name).unwrap();
        assert!((6..=16).contains(&pages), "{name}: {pages} pages");
        let sys = &sr.results.system;
        for fig in [
            totalplace::format::money_short(sys.npv),
            totalplace::format::per_pound(sys.froi),
            totalplace::format::money_short(sys.pv_costs),
            totalplace::scenario::report::payback_text(sys.payback),
        ] {
            assert!(flat.contains(&fig), "{name}: headline figure {fig} missing");
        }
        for sec in [
            "3. Summary of the financial case",
            "4. Who pays, who gains",
            "5. Cashflow and payback",
            "6. Risks and uncertainty",
            "8. Assumptions and sources",
        ] {
            assert!(flat.contains(sec), "{name}: section {sec}");
        }
        // Word wraps lines, also after a hyphen ("mental-" / "health"): compare with no
        // whitespace at all.
        let bare: String = flat.chars().filter(|c| !c.is_whitespace()).collect();
        for f in findings(&sr.scenario, &sr.results, sr.simulation.as_ref()) {
            let want: String = f.chars().filter(|c| !c.is_whitespace()).collect();
            assert!(bare.contains(&want), "{name}: finding missing: {f}");
        }
    }
}
