//! The shipped unit-cost library and deflator index, and library-file errors.

use std::path::PathBuf;

use totalplace::scenario::library::{fy_label, load_unit_costs, Deflators};

fn models() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models")
}

#[test]
fn shipped_library_has_at_least_600_sourced_costs_rebasable_to_2024_25() {
    let lib = load_unit_costs(&models().join("unit-costs.csv")).unwrap();
    assert!(lib.len() >= 600, "{} unit costs", lib.len());
    let defl = Deflators::load(&models().join("gdp-deflators.csv")).unwrap();
    assert!(
        defl.index.contains_key(&2024),
        "price base 2024-25 in the index"
    );
    for u in &lib {
        assert!(
            !u.source.is_empty() && !u.role.is_empty() && !u.unit.is_empty(),
            "{}",
            u.id
        );
        assert!(
            defl.index.contains_key(&u.price_year),
            "{}: price year {} missing from the deflator index",
            u.id,
            fy_label(u.price_year)
        );
    }
    // The roles the sample place's agencies answer to are all represented (the community
    // safety partnership bears no UCD row: scenarios set a flow's agency for it).
    for role in [
        "dwp",
        "police",
        "prisons",
        "probation",
        "acute-trust",
        "mh-trust",
        "council",
        "icb",
    ] {
        assert!(
            lib.iter().any(|u| u.role == role),
            "no unit cost borne by {role}"
        );
    }
}

#[test]
fn library_errors_name_file_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("unit-costs.csv");
    std::fs::write(
        &path,
        "id,name,value,unit,price_year,role,cashability,verified,source\n\
         a,A,TBC,x,2024-25,dwp,1,no,s\n\
         b,B,10,x,2024/25,dwp,1,no,s\n\
         c,C,10,x,2024-25,dwp,1.5,no,s\n\
         d,D,10,x,2024-25,dwp,1,maybe,s\n",
    )
    .unwrap();
    let e = load_unit_costs(&path).unwrap_err().to_string();
    assert!(
        e.contains(
            "unit-costs.csv: row 2, column C: unit cost \"a\": amount \"TBC\" is not a number"
        ),
        "{e}"
    );
    assert!(
        e.contains("row 3, column E: unit cost \"b\": \"2024/25\" is not a financial year"),
        "{e}"
    );
    assert!(e.contains("row 4, column G: unit cost \"c\": cashability \"1.5\" must be a fraction between 0 and 1"), "{e}");
    assert!(
        e.contains("row 5, column H: unit cost \"d\": verified \"maybe\" must be yes or no"),
        "{e}"
    );
}
