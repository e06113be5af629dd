//! The shipped reference data is exactly what `scripts/reference_data.rs` makes from the
//! published tables in `models/reference/`, and every published figure survives the conversion
//! unchanged (checked here through the loader users meet, independently of the converter).
//!
//! Regenerate after changing a rule or a table:
//! `TOTALPLACE_WRITE_REFERENCE=1 cargo test --test reference_data`.

#[path = "../scripts/reference_data.rs"]
mod convert;

use std::path::PathBuf;
use std::str::FromStr;

use rust_decimal::Decimal;
use totalplace::scenario::library::{load_unit_costs, parse_fy, Deflators};

fn models() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models")
}

fn read(p: &str) -> String {
    std::fs::read_to_string(models().join(p)).unwrap_or_else(|e| panic!("{p}: {e}"))
}

/// Compare (or, with TOTALPLACE_WRITE_REFERENCE=1, write) a generated file.
fn check_generated(path: &str, generated: &str) {
    if std::env::var_os("TOTALPLACE_WRITE_REFERENCE").is_some() {
        std::fs::write(models().join(path), generated).unwrap();
        return;
    }
    let shipped = read(path);
    if shipped != generated {
        let line = shipped
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .map(|i| i + 1)
            .unwrap_or(shipped.lines().count().min(generated.lines().count()) + 1);
        panic!(
            "models/{path} differs from what scripts/reference_data.rs makes (first at line \
             {line}); regenerate with TOTALPLACE_WRITE_REFERENCE=1 cargo test --test reference_data"
        );
    }
}

#[test]
fn shipped_library_is_what_the_converter_makes() {
    let ucd = read("reference/gmca-unit-cost-database-v1.4.csv");
    let extra = read("reference/unit-costs-extra.csv");
    let out = convert::unit_costs(&ucd, &extra).unwrap();
    check_generated("unit-costs.csv", &out);
}

#[test]
fn shipped_deflators_are_what_the_converter_makes() {
    let cy = read("reference/gdp-deflator-calendar-years.csv");
    check_generated("gdp-deflators.csv", &convert::deflators(&cy).unwrap());
}

#[test]
fn every_ucd_row_is_in_the_library_with_code_value_and_price_year_unchanged() {
    let lib = load_unit_costs(&models().join("unit-costs.csv")).unwrap();
    let ucd = read("reference/gmca-unit-cost-database-v1.4.csv");
    let mut rdr = csv::Reader::from_reader(ucd.as_bytes());
    let mut n = 0;
    for rec in rdr.records() {
        let rec = rec.unwrap();
        let (code, desc, unit, cost, py) = (&rec[1], &rec[2], &rec[3], &rec[4], &rec[5]);
        let u = lib
            .iter()
            .find(|u| u.code == code)
            .unwrap_or_else(|| panic!("UCD code {code} is not in the library"));
        assert_eq!(u.value, Decimal::from_str(cost).unwrap(), "{code} value");
        // "2010/11" is the financial year starting in 2010.
        let start: i32 = py[..4].parse().unwrap();
        assert_eq!(u.price_year, start, "{code} price year {py}");
        assert_eq!(u.name, desc, "{code} description");
        assert_eq!(u.unit, unit, "{code} unit");
        assert!(u.verified, "{code}: a value from the table is verified");
        assert!(u.source.contains("Unit Cost Database v1.4") && u.source.ends_with(code));
        n += 1;
    }
    assert_eq!(n, 674);
    assert!(lib.iter().filter(|u| !u.code.is_empty()).count() >= 600);
    // Only the table's values are verified.
    for u in lib.iter().filter(|u| u.code.is_empty()) {
        assert!(!u.verified, "{} is not from the UCD table", u.id);
    }
}

#[test]
fn the_guidance_example_keeps_its_value_role_and_cashability() {
    // HM Treasury's 2014 guidance: a JSA claimant entering work saves DWP £9,234 (2012/13).
    let lib = load_unit_costs(&models().join("unit-costs.csv")).unwrap();
    let u = lib.iter().find(|u| u.code == "E&E1.0.1").unwrap();
    assert_eq!(u.id, "ucd-ee1-0-1");
    assert_eq!(u.value, Decimal::from(9234));
    assert_eq!(u.price_year, 2012);
    assert_eq!(u.role, "dwp");
    assert_eq!(
        u.cashability,
        Decimal::ONE,
        "benefit payments are cash to DWP"
    );
    assert_eq!(u.value_type, "fiscal");
    // Police officer time is not cash; a fiscal-and-economic value is not cashable at all.
    let officer = lib.iter().find(|u| u.code == "CR9.0").unwrap();
    assert_eq!(
        (officer.role.as_str(), officer.cashability),
        ("police", Decimal::ZERO)
    );
    let jsa_econ = lib.iter().find(|u| u.code == "E&E1.0").unwrap();
    assert_eq!(jsa_econ.value_type, "fiscal+economic");
    assert_eq!(jsa_econ.cashability, Decimal::ZERO);
}

#[test]
fn conversion_rules_by_hand() {
    assert_eq!(convert::ucd_id("E&E1.0.1"), "ucd-ee1-0-1");
    assert_eq!(
        convert::ucd_price_year("2010/11").as_deref(),
        Some("2010-11")
    );
    assert_eq!(
        convert::ucd_price_year("1999/00").as_deref(),
        Some("1999-00")
    );
    assert_eq!(convert::ucd_price_year("2010/12"), None);
    assert_eq!(parse_fy("2010-11"), Some(2010));
    assert_eq!(
        convert::ucd_role("NHS", "Clinical Commissioning Group"),
        "icb"
    );
    assert_eq!(
        convert::ucd_role("NHS", "Acute Trust / Hospital"),
        "acute-trust"
    );
    assert_eq!(convert::ucd_role("Local authority", "RSL"), "council");
    assert_eq!(
        convert::ucd_role("Criminal Justice System", "Prison"),
        "prisons"
    );
    assert_eq!(convert::ucd_role("Court", "Legal aid"), "courts");
    assert_eq!(
        convert::value_type(
            "Crime - average cost per incident (fiscal, economic and social values)"
        ),
        "fiscal+economic+social"
    );
    assert_eq!(
        convert::value_type("Social worker - cost per hour"),
        "fiscal"
    );
    let c = |role, d, u| convert::cashability(role, "fiscal", d, u);
    assert_eq!(
        c("dwp", "Carer's Allowance Weekly payment", "Per week"),
        (1, "benefit-payment")
    );
    assert_eq!(
        c(
            "dwp",
            "Carer's Allowance Cost of processing each new claim",
            "Per claim"
        ),
        (0, "admin-time")
    );
    assert_eq!(
        c(
            "council",
            "Local authority residential care home for children - cost per week",
            "Per week"
        ),
        (1, "purchased-care")
    );
    assert_eq!(
        c(
            "council",
            "Intensive Case Management for Older People - cost per hour",
            "Per hour"
        ),
        (0, "admin-time")
    );
    assert_eq!(
        c(
            "acute-trust",
            "Hip fracture - health service costs",
            "Per incident"
        ),
        (0, "capacity")
    );
}

#[test]
fn deflators_cite_their_release_and_follow_the_stated_method() {
    let text = read("gdp-deflators.csv");
    let d = Deflators::load(&models().join("gdp-deflators.csv")).unwrap();
    // 2010-11 = 0.75 × CY2010 + 0.25 × CY2011 = 0.75 × 69.1217 + 0.25 × 70.834
    //         = 51.841275 + 17.7085 = 69.549775.
    assert_eq!(d.index[&2010], Decimal::from_str("69.549775").unwrap());
    // 2023-24 = 0.75 × 96.2507 + 0.25 × 100 = 72.188025 + 25 = 97.188025.
    assert_eq!(d.index[&2023], Decimal::from_str("97.188025").unwrap());
    // 2024-25: CY2025 is beyond the release: 100 × 100 / 96.2507 = 103.8953 (4 places), so
    // 0.75 × 100 + 0.25 × 103.8953 = 75 + 25.973825 = 100.973825; marked a projection.
    assert_eq!(d.index[&2024], Decimal::from_str("100.973825").unwrap());
    assert_eq!(d.index.keys().next(), Some(&1990));
    assert_eq!(
        d.index.keys().last(),
        Some(&2024),
        "nothing beyond the projection"
    );
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    for rec in rdr.records() {
        let rec = rec.unwrap();
        assert!(rec[5].contains("December 2025 release"), "{}", &rec[0]);
        let projected = &rec[0] == "2024-25";
        assert_eq!(&rec[2], if projected { "projection" } else { "outturn" });
        assert_eq!(&rec[3], if projected { "no" } else { "yes" });
    }
}
