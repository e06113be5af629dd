//! `totalplace costs [WORDS]`: the built binary searching the shipped library and a small
//! hand-made one.

use std::path::PathBuf;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_totalplace");

fn shipped() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/unit-costs.csv")
}

fn costs(args: &[&str], library: &std::path::Path) -> (i32, String, String) {
    let out = Command::new(BIN)
        .arg("costs")
        .args(args)
        .arg("--library")
        .arg(library)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn finds_the_guidance_example_by_words_with_code_value_price_year_and_source() {
    let (code, out, err) = costs(&["workless", "BENEFITS", "payments", "seekers"], &shipped());
    assert_eq!(code, 0, "{err}");
    // Exactly one row: E&E1.0.1, £9,234 in 2012-13 prices, borne by DWP, cashable.
    assert!(out.contains("E&E1.0.1"), "{out}");
    assert!(out.contains("ucd-ee1-0-1"));
    assert!(out.contains("£9,234.00"));
    assert!(out.contains("2012-13"));
    assert!(out.contains("dwp"));
    assert!(
        out.contains("GMCA") && out.contains("v1.4"),
        "source shown: {out}"
    );
    assert!(out.contains("1 of 701 costs"), "{out}");
}

#[test]
fn nothing_matching_is_not_an_error() {
    let (code, out, _) = costs(&["no-such-cost-anywhere"], &shipped());
    assert_eq!(code, 0);
    assert!(
        out.starts_with("no costs match \"no-such-cost-anywhere\""),
        "{out}"
    );
}

#[test]
fn json_lists_every_match_and_words_search_id_code_unit_role_and_source() {
    let dir = tempfile::tempdir().unwrap();
    let lib = dir.path().join("unit-costs.csv");
    std::fs::write(
        &lib,
        "id,code,name,value,unit,price_year,role,cashability,verified,source,value_type\n\
         a,X1.0,Alpha,10,Per week,2020-21,council,1,yes,Publisher P,fiscal\n\
         b,,Beta,20.5,Per hour,2021-22,police,0,no,Publisher Q,fiscal\n\
         c,X2.0,Gamma,30,Per incident,2019-20,dwp,0.5,yes,Publisher Q,fiscal+economic\n",
    )
    .unwrap();
    let ids = |words: &[&str]| {
        let mut args = words.to_vec();
        args.push("--json");
        let (code, out, err) = costs(&args, &lib);
        assert_eq!(code, 0, "{err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&[]), ["a", "b", "c"], "no words: everything");
    assert_eq!(ids(&["x2.0"]), ["c"], "code");
    assert_eq!(ids(&["publisher q"]), ["b", "c"], "source, words split");
    assert_eq!(ids(&["HOUR"]), ["b"], "unit, any case");
    assert_eq!(ids(&["police"]), ["b"], "role");
    assert_eq!(ids(&["q", "gamma"]), ["c"], "every word must match");
    assert!(ids(&["delta"]).is_empty(), "json: an empty list");
    let (_, out, _) = costs(&["gamma", "--json"], &lib);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v[0]["value"], "30");
    assert_eq!(v[0]["price_year"], "2019-20");
    assert_eq!(v[0]["cashability"], "0.5");
    assert_eq!(v[0]["value_type"], "fiscal+economic");
}

#[test]
fn a_bad_library_row_exits_2_naming_file_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let lib = dir.path().join("unit-costs.csv");
    std::fs::write(
        &lib,
        "id,name,value,unit,price_year,role,cashability,verified,source,value_type\n\
         a,Alpha,10,Per week,2020-21,council,1,yes,P,cash\n",
    )
    .unwrap();
    let (code, _, err) = costs(&[], &lib);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unit-costs.csv: row 2, column J"), "{err}");
    assert!(err.contains("value_type \"cash\""), "{err}");
}
