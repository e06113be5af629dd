//! The what-if workbench end to end in a real browser (Debian's `chromium`, driven by
//! `playwright-core` from `tests/browser/workbench.mjs`): controls moved and typed, the
//! who-pays table checked against `totalplace run --set` for the same changes (a rate, a cost,
//! a slider, a transfer), a bad value's message, fair shares, the uncertainty, a variant saved
//! and re-opened. Prints the input-to-redraw times measured in the page (no timed assertion).
//! Screenshots: `target/serve-browser/workbench.png` and `workbench-barnet.png`.

mod serve_support;

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use serve_support::{repo, Sandbox, Server};
use totalplace::money::format_gbp0;

fn need(ok: bool, what: &str) {
    assert!(ok, "{what}");
}

#[test]
fn workbench_in_chromium_matches_the_cli() {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    need(
        Path::new(&chromium).exists(),
        &format!("no Chromium at {chromium}: install it with `sudo apt-get install -y chromium` (or set CHROMIUM)"),
    );
    need(
        Command::new("node").arg("--version").output().is_ok(),
        "no node: install it with `sudo apt-get install -y nodejs npm`",
    );
    need(
        repo().join("node_modules/playwright-core").is_dir(),
        "playwright-core is not installed: run `npm ci` in the repository",
    );
    let sb = Sandbox::new();
    let s = Server::start(&sb);
    let out = repo().join("target/serve-browser");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    let o = Command::new("node")
        .arg(repo().join("tests/browser/workbench.mjs"))
        .env("WORKBENCH_URL", &s.url)
        .env("OUT", &out)
        .env("CHROMIUM", &chromium)
        .current_dir(repo())
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "the browser script failed:\n{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let d: Value = serde_json::from_slice(&std::fs::read(out.join("cases.json")).unwrap()).unwrap();
    assert_eq!(d["problems"], Value::Array(vec![]), "errors in the page");

    // Every table the page drew equals the CLI's results for the same changes, figure by figure.
    let cases = d["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 6);
    for c in cases {
        let stem = c["scenario"].as_str().unwrap();
        let sets: Vec<(String, String)> = c["sets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p[0].as_str().unwrap().to_string(),
                    p[1].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let refs: Vec<(&str, &str)> = sets.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let cli = sb.run_cli(stem, &refs);
        let mut want = vec![("system".to_string(), cli["system"].clone())];
        for p in cli["parties"].as_array().unwrap() {
            want.push((p["id"].as_str().unwrap().to_string(), p["summary"].clone()));
        }
        let rows = c["rows"].as_object().unwrap();
        assert_eq!(
            rows.len(),
            want.len(),
            "{stem}: one row per party and the system"
        );
        for (id, summary) in &want {
            for k in [
                "pv_costs",
                "pv_cashable",
                "pv_non_cashable",
                "pv_transfers",
                "npv",
                "froi",
                "payback",
            ] {
                let shown = &rows[id][k];
                assert_eq!(shown["value"], summary[k], "{stem} {sets:?}: {id} {k}");
                if k.starts_with("pv") || k == "npv" {
                    let exact: rust_decimal::Decimal =
                        summary[k].as_str().unwrap().parse().unwrap();
                    assert_eq!(
                        shown["text"].as_str().unwrap(),
                        format_gbp0(exact),
                        "{stem}: {id} {k} as shown"
                    );
                }
            }
        }
    }
    // The re-opened variant shows the figures it was saved with.
    assert_eq!(cases[4]["rows"], cases[3]["rows"]);
    assert!(d["reopenedName"]
        .as_str()
        .unwrap()
        .contains("(what-if browser-variant)"));
    assert!(
        d["saveStatus"]
            .as_str()
            .unwrap()
            .contains("success 0.4 → 0.3"),
        "{}",
        d["saveStatus"]
    );
    assert!(d["changes"]
        .as_str()
        .unwrap()
        .contains("outcome.sustained-work-or-training.success 0.4 → 0.3"));
    assert!(
        d["badMessage"]
            .as_str()
            .unwrap()
            .contains("1.5 is outside 0..1"),
        "{}",
        d["badMessage"]
    );
    assert!(d["mc"].as_str().unwrap().contains("P(NPV > 0)"));
    assert!(d["compare"].as_str().unwrap().contains("browser-variant"));
    // Fair shares proposed: the partners that gain pay in, and the system NPV does not move.
    let neg = &d["negotiated"];
    assert!(
        !neg["dwp"]["contribution"].as_str().unwrap().is_empty(),
        "{neg}"
    );
    assert_eq!(
        d["negotiatedRows"]["system"]["npv"],
        cases[3]["rows"]["system"]["npv"]
    );

    let mut t: Vec<f64> = d["times"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    assert_eq!(t.len(), 20);
    t.sort_by(f64::total_cmp);
    let p95 = t[(0.95 * (t.len() - 1) as f64).round() as usize];
    println!(
        "input-to-redraw on the sample place ({} slider steps): median {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        t.len(),
        t[t.len() / 2],
        p95,
        t[t.len() - 1]
    );
    println!("screenshots: {}", out.join("workbench.png").display());
    assert!(out.join("workbench.png").is_file());
}
