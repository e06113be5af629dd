//! `totalplace serve`'s JSON API, over real HTTP on a loopback port: the figures equal
//! `totalplace run --set` for the same change; malicious and malformed requests get a 4xx with
//! a message and the server stays up; several clients at once neither disturb each other's
//! figures nor corrupt a saved file.

mod serve_support;

use serde_json::{json, Value};
use serve_support::{Sandbox, Server};

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

fn get(s: &Server, path: &str) -> (u16, Value) {
    let mut r = agent().get(format!("{}{path}", s.url)).call().unwrap();
    let status = r.status().as_u16();
    let text = r.body_mut().read_to_string().unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn post(s: &Server, path: &str, body: &str) -> (u16, Value) {
    let mut r = agent()
        .post(format!("{}{path}", s.url))
        .header("content-type", "application/json")
        .send(body)
        .unwrap();
    let status = r.status().as_u16();
    let text = r
        .body_mut()
        .with_config()
        .limit(50_000_000)
        .read_to_string()
        .unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// The figures a user sees: every party's and the system's present values, ratios, payback,
/// shares and fair-share transfers, and the wrong-pocket indices.
fn figures(results: &Value) -> Value {
    json!({
        "system": results["system"],
        "parties": results["parties"],
        "w": results["wrong_pocket_index"],
        "wc": results["wrong_pocket_index_cashable"],
    })
}

fn evaluate(s: &Server, stem: &str, sets: &[(&str, &str)]) -> (u16, Value) {
    let set: serde_json::Map<String, Value> = sets
        .iter()
        .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
        .collect();
    post(
        s,
        "/api/evaluate",
        &json!({"scenario": stem, "set": set}).to_string(),
    )
}

#[test]
fn figures_equal_the_cli_for_the_same_change() {
    let sb = Sandbox::new();
    let s = Server::start(&sb);
    let cases: [(&str, &[(&str, &str)]); 6] = [
        ("bradford-care-leavers", &[]),
        (
            "bradford-care-leavers",
            &[("outcome.sustained-work-or-training.success", "0.3")],
        ),
        (
            "bradford-care-leavers",
            &[("cost.personal-advisers.amounts.0", "180000")],
        ),
        (
            "barnet-families",
            &[("transfer.police-pool.amounts.0", "150000")],
        ),
        (
            "nwl-integrated-care",
            &[("transfer.gain-share-acute.share", "0.25")],
        ),
        // A setting applied to the file before validation, with a parameter.
        (
            "bradford-care-leavers",
            &[
                ("outcome.sustained-work-or-training.lag", "2"),
                ("unit_cost.youth-claimant-year-18-24.value", "6000"),
            ],
        ),
    ];
    for (stem, sets) in cases {
        let (status, d) = evaluate(&s, stem, sets);
        assert_eq!(status, 200, "{stem} {sets:?}: {d}");
        let cli = sb.run_cli(stem, sets);
        assert_eq!(figures(&d["results"]), figures(&cli), "{stem} {sets:?}");
        assert!(d["charts"]["who_pays"]
            .as_str()
            .unwrap()
            .starts_with("<svg"));
        assert!(d["charts"]["cashflow"]
            .as_str()
            .unwrap()
            .starts_with("<svg"));
        assert_eq!(d["changes"].as_array().unwrap().len(), sets.len(), "{d}");
    }
    let (_, d) = evaluate(
        &s,
        "bradford-care-leavers",
        &[("outcome.sustained-work-or-training.success", "0.3")],
    );
    assert_eq!(
        d["changes"][0],
        "outcome.sustained-work-or-training.success 0.4 → 0.3"
    );

    // The list's system NPV is the CLI's.
    let (status, list) = get(&s, "/api/scenarios");
    assert_eq!(status, 200);
    let rows = list["scenarios"].as_array().unwrap();
    assert_eq!(rows.len(), 5);
    for r in rows {
        let cli = sb.run_cli(r["file"].as_str().unwrap(), &[]);
        assert_eq!(r["system_npv"], cli["system"]["npv"]);
    }
}

#[test]
fn controls_carry_unit_base_range_and_source() {
    let sb = Sandbox::new();
    let s = Server::start(&sb);
    let (status, d) = get(&s, "/api/scenarios/bradford-care-leavers/controls");
    assert_eq!(status, 200);
    let controls: Vec<&Value> = d["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["controls"].as_array().unwrap())
        .collect();
    let find = |p: &str| {
        *controls
            .iter()
            .find(|c| c["path"] == p)
            .unwrap_or_else(|| panic!("{p}"))
    };
    let success = find("outcome.sustained-work-or-training.success");
    assert_eq!(
        (success["unit"].as_str(), success["base"].as_str()),
        (Some("%"), Some("0.4"))
    );
    assert_eq!(
        (success["min"].as_str(), success["max"].as_str()),
        (Some("0"), Some("1"))
    );
    let cost = find("cost.personal-advisers.amounts.0");
    assert_eq!(
        (cost["unit"].as_str(), cost["base"].as_str()),
        (Some("£"), Some("240000"))
    );
    assert_eq!(cost["label"], "amount 2025-26");
    let uc = find("unit_cost.youth-claimant-year-18-24.value");
    assert!(!uc["source"].as_str().unwrap().is_empty());
    assert_eq!(
        find("outcome.sustained-work-or-training.lag")["unit"],
        "years"
    );
    find("scenario.horizon");
    find("discount.rate");
    // Every parameter of the scenario is a control.
    let cli = sb.run_cli("bradford-care-leavers", &[]);
    for p in cli["parameters"].as_array().unwrap() {
        find(p["path"].as_str().unwrap());
    }
}

#[test]
fn bad_requests_get_4xx_with_a_message_and_the_server_stays_up() {
    let sb = Sandbox::new();
    // A valid scenario outside the place, linked into its scenarios folder.
    let outside = sb.dir.path().join("outside.toml");
    std::fs::copy(sb.scenario("bradford-care-leavers"), &outside).unwrap();
    std::os::unix::fs::symlink(&outside, sb.place().join("scenarios/linked.toml")).unwrap();
    std::os::unix::fs::symlink(&outside, sb.place().join("scenarios/taken.toml")).unwrap();
    let mut s = Server::start(&sb);
    // A unit cost from the place's library (not the scenario file).
    let uc = sb.run_cli("bradford-care-leavers", &[])["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap().to_string())
        .find(|p| p.starts_with("unit_cost."))
        .unwrap();
    let cases: Vec<(&str, &str, String, u16, &str)> = vec![
        ("GET", "/api/scenarios/..%2F..%2Fplace/controls", String::new(), 404, "no scenario"),
        ("GET", "/api/scenarios/%2e%2e/controls", String::new(), 404, "no scenario"),
        ("GET", "/api/scenarios/%2Fetc%2Fpasswd/controls", String::new(), 404, "no scenario"),
        ("GET", "/api/scenarios/linked/controls", String::new(), 404, "no scenario"),
        ("GET", "/../../etc/passwd", String::new(), 404, "no such page"),
        ("GET", "/static/..%2F..%2FCargo.toml", String::new(), 404, "no such page"),
        ("GET", "/api/jobs/abc", String::new(), 404, "no simulation job"),
        ("GET", "/api/compare?files=..%2Fplace", String::new(), 404, "no scenario"),
        ("POST", "/api/evaluate", json!({"scenario": "../../place"}).to_string(), 404, "no scenario"),
        ("POST", "/api/evaluate", json!({"scenario": "/etc/passwd"}).to_string(), 404, "no scenario"),
        ("POST", "/api/evaluate", "{not json".into(), 400, "not valid"),
        ("POST", "/api/evaluate", json!({"scenario": 3}).to_string(), 400, "not valid"),
        ("POST", "/api/evaluate", json!({"scenario": "bradford-care-leavers", "set": {"outcome.sustained-work-or-training.success": "abc"}}).to_string(), 422, "is not a number"),
        ("POST", "/api/evaluate", json!({"scenario": "bradford-care-leavers", "set": {"outcome.sustained-work-or-training.success": [1]}}).to_string(), 422, "is not a number"),
        ("POST", "/api/evaluate", json!({"scenario": "bradford-care-leavers", "set": {"outcome.sustained-work-or-training.success": "NaN"}}).to_string(), 422, "not a number"),
        ("POST", "/api/evaluate", json!({"scenario": "bradford-care-leavers", "set": {"outcome.sustained-work-or-training.success": 1.5}}).to_string(), 422, "1.5 is outside 0..1"),
        ("POST", "/api/evaluate", json!({"scenario": "bradford-care-leavers", "set": {"cost.personal-advisers.amounts.0": "-5"}}).to_string(), 422, "must not be negative"),
        ("POST", "/api/evaluate", json!({"scenario": "bradford-care-leavers", "set": {"outcome.nobody.success": "0.3"}}).to_string(), 422, "no outcome with id \"nobody\""),
        ("POST", "/api/evaluate", json!({"scenario": "bradford-care-leavers", "set": {"scenario.horizon": "0"}}).to_string(), 422, "horizon"),
        ("POST", "/api/evaluate", json!({"scenario": "bradford-care-leavers", "negotiate": {"investor": "nobody"}}).to_string(), 422, "no party \"nobody\""),
        ("POST", "/api/evaluate", json!({"scenario": "bradford-care-leavers", "negotiate": {"investor": "council", "gain_shares": {"dwp": "2"}}}).to_string(), 422, "outside 0..1"),
        ("POST", "/api/save", json!({"variant": {"scenario": "bradford-care-leavers"}, "name": "../evil"}).to_string(), 422, "not a scenario name"),
        ("POST", "/api/save", json!({"variant": {"scenario": "bradford-care-leavers"}, "name": "/tmp/evil"}).to_string(), 422, "not a scenario name"),
        ("POST", "/api/save", json!({"variant": {"scenario": "bradford-care-leavers"}, "name": "a%2F..%2Fb"}).to_string(), 422, "not a scenario name"),
        ("POST", "/api/save", json!({"variant": {"scenario": "bradford-care-leavers"}, "name": "taken", "overwrite": true}).to_string(), 409, "not a scenario file the server may replace"),
        ("POST", "/api/save", json!({"variant": {"scenario": "bradford-care-leavers"}, "name": "bradford-care-leavers"}).to_string(), 409, "already exists"),
        ("POST", "/api/save", json!({"variant": {"scenario": "bradford-care-leavers", "set": {uc.as_str(): "800"}}, "name": "uc"}).to_string(), 422, "unit-cost library"),
        ("POST", "/api/uncertainty", json!({"variant": {"scenario": "bradford-care-leavers"}, "iterations": 100000000}).to_string(), 422, "choose 1 to"),
        ("POST", "/api/download/..%2F..%2Fetc%2Fpasswd", json!({"scenario": "bradford-care-leavers"}).to_string(), 404, "no download"),
        ("POST", "/api/evaluate", format!("{{\"scenario\": \"{}\"}}", "x".repeat(100_000)), 413, ""),
    ];
    for (method, path, body, want, message) in &cases {
        let (status, d) = if *method == "GET" {
            get(&s, path)
        } else {
            post(&s, path, body)
        };
        assert_eq!(status, *want, "{method} {path}: {d}");
        if !message.is_empty() {
            let text =
                d["error"].as_str().unwrap_or_default().to_string() + &d["errors"].to_string();
            assert!(text.contains(message), "{method} {path}: {d}");
        }
        assert!(s.alive(), "server died on {method} {path}");
    }
    // Nothing was written outside the place, the linked file is untouched, and the server answers.
    assert!(!std::path::Path::new("/tmp/evil.toml").exists());
    assert_eq!(
        std::fs::read(&outside).unwrap(),
        std::fs::read(
            serve_support::repo().join("models/kirkbridge/scenarios/bradford-care-leavers.toml")
        )
        .unwrap()
    );
    assert_eq!(get(&s, "/api/scenarios").0, 200);
}

#[test]
fn a_saved_variant_keeps_the_file_and_reproduces_the_figures() {
    let sb = Sandbox::new();
    let s = Server::start(&sb);
    let variant = json!({
        "scenario": "bradford-care-leavers",
        "set": {"outcome.sustained-work-or-training.success": "0.3", "cost.personal-advisers.amounts.1": 200000},
        "negotiate": {"investor": "council", "contributions": {"dwp": "50000"}, "gain_shares": {"hmrc": "0.1"}},
    });
    let (status, ev) = post(&s, "/api/evaluate", &variant.to_string());
    assert_eq!(status, 200, "{ev}");
    let (status, saved) = post(
        &s,
        "/api/save",
        &json!({"variant": variant, "name": "care-leavers-30pc"}).to_string(),
    );
    assert_eq!(status, 200, "{saved}");
    let changes: Vec<&str> = saved["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(
        changes,
        [
            "cost.personal-advisers.amounts.1 240000 → 200000",
            "outcome.sustained-work-or-training.success 0.4 → 0.3",
            "dwp pays council £50000 in 2025-26",
            "hmrc passes 10% of its net gain to council each year",
        ]
    );
    let original = std::fs::read_to_string(sb.scenario("bradford-care-leavers")).unwrap();
    let text = std::fs::read_to_string(sb.scenario("care-leavers-30pc")).unwrap();
    // The original's comments and layout are kept; only the changed values differ.
    assert!(text.starts_with("# Bradford Total Place pilot (2009-10), transition point 1"));
    assert!(text.contains("amounts = [240000, 200000, 240000]\n"));
    assert!(text.contains("success = \"0.3\"\n"));
    assert!(text.contains("id = \"care-leavers-30pc\"\n"));
    let changed: Vec<_> = original
        .lines()
        .zip(text.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(changed.len(), 4, "{changed:?}"); // id, name, amounts, success
                                                 // Re-opened: listed, and the CLI's figures on the saved file are the variant's.
    let (_, list) = get(&s, "/api/scenarios");
    assert!(list["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["file"] == "care-leavers-30pc"));
    let (status, again) = evaluate(&s, "care-leavers-30pc", &[]);
    assert_eq!(status, 200);
    assert_eq!(figures(&again["results"]), figures(&ev["results"]));
    assert_eq!(
        figures(&sb.run_cli("care-leavers-30pc", &[])),
        figures(&ev["results"])
    );
    // Never overwritten without asking; replaced when asked.
    let v2 = json!({"scenario": "bradford-care-leavers", "set": {"outcome.sustained-work-or-training.success": "0.35"}});
    let (status, _) = post(
        &s,
        "/api/save",
        &json!({"variant": v2, "name": "care-leavers-30pc"}).to_string(),
    );
    assert_eq!(status, 409);
    assert_eq!(
        std::fs::read_to_string(sb.scenario("care-leavers-30pc")).unwrap(),
        text
    );
    let (status, _) = post(
        &s,
        "/api/save",
        &json!({"variant": v2, "name": "care-leavers-30pc", "overwrite": true}).to_string(),
    );
    assert_eq!(status, 200);
    assert!(std::fs::read_to_string(sb.scenario("care-leavers-30pc"))
        .unwrap()
        .contains("success = \"0.35\""));
    // Compared side by side with the original.
    let (status, cmp) = get(
        &s,
        "/api/compare?files=bradford-care-leavers,care-leavers-30pc",
    );
    assert_eq!(status, 200);
    let npv = cmp["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["measure"] == "system NPV")
        .unwrap();
    let base: rust_decimal::Decimal = sb.run_cli("bradford-care-leavers", &[])["system"]["npv"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        npv["cells"][0],
        totalplace::money::format_gbp0(base).as_str()
    );
}

#[test]
fn fair_share_contributions_give_every_partner_the_system_return() {
    // With each party's fair-share transfer ΣC × b_a − C_a paid to (or by) the investor in
    // year 0 (D_0 = 1), party a's NPV is B_a − C_a − (ΣC b_a − C_a) = b_a (ΣB − ΣC): its
    // benefit share of the system NPV. Checked to the penny's rounding of each transfer, on the
    // sample scenarios with no transfers of their own (a gain share would move with the
    // contributions).
    let sb = Sandbox::new();
    let s = Server::start(&sb);
    for stem in [
        "bradford-care-leavers",
        "bradford-mh-discharge",
        "bradford-prison-leavers",
    ] {
        let (status, fs) = post(
            &s,
            "/api/fair-shares",
            &json!({"variant": {"scenario": stem}}).to_string(),
        );
        assert_eq!(status, 200, "{fs}");
        let (status, ev) = post(
            &s,
            "/api/evaluate",
            &json!({"scenario": stem, "negotiate": fs}).to_string(),
        );
        assert_eq!(status, 200, "{ev}");
        let r = &ev["results"];
        let system: f64 = r["system"]["npv"].as_str().unwrap().parse().unwrap();
        let base = sb.run_cli(stem, &[]);
        assert_eq!(
            r["system"]["npv"], base["system"]["npv"],
            "contributions net to zero"
        );
        for p in r["parties"].as_array().unwrap() {
            let npv: f64 = p["summary"]["npv"].as_str().unwrap().parse().unwrap();
            let b: f64 = p["benefit_share"]
                .as_str()
                .map(|x| x.parse().unwrap())
                .unwrap_or(0.0);
            assert!(
                (npv - b * system).abs() < 1.0,
                "{stem} {}: {npv} vs {}",
                p["id"],
                b * system
            );
        }
    }
}

#[test]
fn several_clients_at_once() {
    let sb = Sandbox::new();
    let s = Server::start(&sb);
    let path = "outcome.sustained-work-or-training.success";
    let values = ["0.1", "0.2", "0.3", "0.35", "0.45", "0.5"];
    let expected: Vec<Value> = values
        .iter()
        .map(|v| figures(&sb.run_cli("bradford-care-leavers", &[(path, v)])))
        .collect();
    std::thread::scope(|scope| {
        for (v, want) in values.iter().zip(&expected) {
            let s = &s;
            scope.spawn(move || {
                for _ in 0..15 {
                    let (status, d) = evaluate(s, "bradford-care-leavers", &[(path, v)]);
                    assert_eq!(status, 200);
                    assert_eq!(
                        &figures(&d["results"]),
                        want,
                        "a client saw another's figures"
                    );
                }
            });
        }
    });
    // Eight tabs save the same name at once: one file, one winner, the rest told it exists.
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let hs: Vec<_> = values
            .iter()
            .map(|v| {
                let s = &s;
                scope.spawn(move || {
                    let body = json!({"variant": {"scenario": "bradford-care-leavers", "set": {path: v}}, "name": "race"});
                    post(s, "/api/save", &body.to_string()).0
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(
        statuses.iter().filter(|&&c| c == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|&c| c == 200 || c == 409),
        "{statuses:?}"
    );
    let saved = figures(&sb.run_cli("race", &[]));
    assert!(
        expected.contains(&saved),
        "the saved file is one client's whole variant"
    );
    let leftovers: Vec<_> = std::fs::read_dir(sb.place().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| !n.ends_with(".toml"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn uncertainty_runs_with_progress_and_downloads_are_the_reports_files() {
    let sb = Sandbox::new();
    let s = Server::start(&sb);
    let variant = json!({"scenario": "bradford-care-leavers", "set": {"cost.personal-advisers.amounts.0": "200000"}});
    let (status, job) = post(
        &s,
        "/api/uncertainty",
        &json!({"variant": variant, "iterations": 3000, "seed": 7}).to_string(),
    );
    assert_eq!(status, 200, "{job}");
    let id = job["job"].as_u64().unwrap();
    let result = loop {
        let (status, j) = get(&s, &format!("/api/jobs/{id}"));
        assert_eq!(status, 200);
        assert!(j["done"].as_u64().unwrap() <= 3000);
        if !j["result"].is_null() {
            break j["result"].clone();
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(result["iterations"], 3000);
    let system = &result["ranges"][0];
    assert_eq!(system["id"], "system");
    let p = system["prob_positive"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&p));
    assert!(system["p5"].as_f64().unwrap() <= system["p95"].as_f64().unwrap());
    // The same run through the library, with the set path held fixed, gives the same figures.
    let path = sb.scenario("bradford-care-leavers");
    let sc = totalplace::scenario::load(&path).unwrap();
    let mut params = sc.params();
    sc.set(
        &mut params,
        "cost.personal-advisers.amounts.0",
        200000.into(),
    )
    .unwrap();
    let spec = totalplace::uncertainty::spec::load(
        &path,
        &sc,
        &["cost.personal-advisers.amounts.0".into()],
    )
    .unwrap();
    let a = totalplace::uncertainty::analyse(
        &sc,
        &params,
        spec,
        totalplace::uncertainty::Options {
            iterations: 3000,
            seed: 7,
            threads: None,
            bins: 40,
        },
        None,
    );
    let sim = totalplace::report::simulation::from_analysis(&a);
    let lib = sim.system().unwrap();
    assert_eq!(
        (system["p5"].as_f64().unwrap(), p),
        (lib.p5, lib.prob_positive)
    );

    let (status, pack) = post(&s, "/api/download/board-pack.html", &variant.to_string());
    assert_eq!(status, 200);
    let pack = pack.as_str().unwrap();
    assert!(
        pack.starts_with("<!DOCTYPE html") || pack.starts_with("<!doctype html"),
        "{}",
        &pack[..60]
    );
    assert!(pack.contains("Leaving care into work"));
    assert!(sb
        .dir
        .path()
        .join("output/kirkbridge/serve/bradford-care-leavers/board-pack.html")
        .is_file());
    let mut r = agent()
        .post(format!("{}/api/download/results.xlsx", s.url))
        .send(variant.to_string())
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let bytes = r
        .body_mut()
        .with_config()
        .limit(50_000_000)
        .read_to_vec()
        .unwrap();
    assert_eq!(&bytes[..2], b"PK");
}
