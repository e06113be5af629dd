//! xlsx ingest end to end (seeded with the test and sample workbooks): the fuzz input is the
//! budget workbook of a one-source place. Never a panic; a success adds up.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use totalplace::ingest::ingest_place_unreconciled;
use totalplace::model::Place;

const SOURCES: &str = r#"
[[source]]
id = "csv"
agency = "police"
file = "budget.xlsx"
units = "thousands"
control_total = { cell = "C9" }
[source.columns]
cost_centre = "Cost Centre"
service = "Service"
amount = "Budget"
[[source.skip]]
reason = "total"
column = "Service"
matches = "(?i)^total"
"#;

fn place() -> &'static (tempfile::TempDir, Place) {
    static P: OnceLock<(tempfile::TempDir, Place)> = OnceLock::new();
    P.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("place");
        std::fs::create_dir_all(&p).unwrap();
        std::fs::create_dir_all(dir.path().join("data")).unwrap();
        std::fs::write(
            p.join("place.toml"),
            "[place]\nid = \"fz\"\nname = \"Fuzz\"\nfinancial_year = \"2024-25\"\nprice_base = 2024\n\
             population = 1000\ndata_dir = \"../data\"\nsynthetic = true\n\n[[agency]]\nid = \"police\"\n\
             name = \"Police\"\nsector = \"other\"\nbudget_control = \"local\"\n",
        )
        .unwrap();
        std::fs::write(p.join("sources.toml"), SOURCES).unwrap();
        // The loader checks the budget file exists; each input overwrites it.
        std::fs::write(dir.path().join("data/budget.xlsx"), b"").unwrap();
        let place = Place::load(&p).expect("fuzz place loads");
        (dir, place)
    })
}

fuzz_target!(|data: &[u8]| {
    let (dir, place) = place();
    std::fs::write(dir.path().join("data/budget.xlsx"), data).unwrap();
    if let Ok(ingest) = ingest_place_unreconciled(place) {
        let sum: rust_decimal::Decimal =
            ingest.ledger.lines.iter().map(|l| l.amount).sum();
        assert_eq!(sum, ingest.reports[0].total);
        assert_eq!(ingest.ledger.lines.len() as u64, ingest.reports[0].lines);
    }
});
