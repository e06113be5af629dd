//! The fast xlsx reader (`ingest::xlsx_fast`) gives exactly what calamine's streaming reader
//! gives: the same ledger bytes, string numbering, reports, warnings and first error, on
//! generated workbooks of every cell kind budget files hold (shared and inline strings,
//! entities, spaces, Excel's `_xHHHH_` escapes, dates, booleans, formulas with cached values,
//! gaps) and on the sample place's workbooks; and it reads those itself rather than stepping
//! aside to calamine.

mod common;

use common::ingest_outcome as outcome;
use proptest::prelude::*;
use rust_xlsxwriter::{Format, Formula, Workbook};
use totalplace::ingest::{xlsx_fast, Options};
use totalplace::model::Place;

const CALAMINE: Options = Options {
    csv_chunking: totalplace::ingest::Chunking::Sequential,
    sequential_sources: true,
    xlsx_calamine_only: true,
};

/// One cell of a generated sheet.
#[derive(Debug, Clone)]
enum Cell {
    Blank,
    Text(String),
    Number(f64),
    Dated(f64),
    Styled(f64),
    Bool(bool),
    FormulaNumber(f64),
    FormulaText(String),
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9 ]{0,12}",
        Just("Rent & rates".to_string()),
        Just("<b>not markup</b> \"quoted\" 'single'".to_string()),
        Just("  padded  ".to_string()),
        Just("café £ 💷 ünïcode".to_string()),
        Just("line one\nline two".to_string()),
        Just("tab\there".to_string()),
        Just("literal _x000D_ escape".to_string()),
        Just("£1,234.56".to_string()),
        Just("(12.50)".to_string()),
        Just(String::new()),
        Just("Total".to_string()),
    ]
}

fn number() -> impl Strategy<Value = f64> {
    prop_oneof![
        (-10_000_000i64..10_000_000).prop_map(|c| c as f64 / 100.0),
        (-1000i64..1000).prop_map(|i| i as f64),
        Just(0.1 + 0.2),
        Just(1e-7),
        Just(123456789012.34),
    ]
}

fn cell() -> impl Strategy<Value = Cell> {
    prop_oneof![
        1 => Just(Cell::Blank),
        4 => text().prop_map(Cell::Text),
        6 => number().prop_map(Cell::Number),
        1 => (40000u32..50000).prop_map(|d| Cell::Dated(f64::from(d))),
        1 => number().prop_map(Cell::Styled),
        1 => any::<bool>().prop_map(Cell::Bool),
        1 => number().prop_map(Cell::FormulaNumber),
        1 => text().prop_map(Cell::FormulaText),
    ]
}

/// A workbook of a header row (Service, Amount, Note) and the rows given, with `gap` empty
/// rows after each tenth; strings shared, or inline (rust_xlsxwriter's constant-memory mode).
fn workbook(rows: &[[Cell; 3]], inline: bool, gap: u32) -> Vec<u8> {
    let mut wb = Workbook::new();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let money = Format::new().set_num_format("£#,##0.00;[Red]-£#,##0.00");
    let ws = if inline {
        wb.add_worksheet_with_constant_memory().unwrap()
    } else {
        wb.add_worksheet()
    };
    ws.set_name("Budget").unwrap();
    for (c, h) in ["Service", "Amount", "Note"].iter().enumerate() {
        ws.write(0, c as u16, *h).unwrap();
    }
    let mut r = 1u32;
    for (i, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            let c = c as u16;
            match v {
                Cell::Blank => {}
                Cell::Text(s) => {
                    ws.write(r, c, s.as_str()).unwrap();
                }
                Cell::Number(f) => {
                    ws.write(r, c, *f).unwrap();
                }
                Cell::Dated(f) => {
                    ws.write_with_format(r, c, *f, &date).unwrap();
                }
                Cell::Styled(f) => {
                    ws.write_with_format(r, c, *f, &money).unwrap();
                }
                Cell::Bool(b) => {
                    ws.write(r, c, *b).unwrap();
                }
                Cell::FormulaNumber(f) => {
                    ws.write_formula(r, c, Formula::new("=1+1").set_result(f.to_string()))
                        .unwrap();
                }
                Cell::FormulaText(s) => {
                    ws.write_formula(r, c, Formula::new("=A1&\"\"").set_result(s.as_str()))
                        .unwrap();
                }
            }
        }
        r += 1;
        if i % 10 == 9 {
            r += gap;
        }
    }
    wb.save_to_buffer().unwrap()
}

const SOURCE: &str = "[[source]]\nid = \"x\"\nagency = \"council\"\nfile = \"x.xlsx\"\n\
    [source.columns]\nservice = \"Service\"\namount = \"Amount\"\ndescription = \"Note\"\n\
    [[source.skip]]\nreason = \"total\"\ncolumn = \"Service\"\nmatches = \"^Total\"\n";

fn place_for(w: &common::Workdir, xlsx: &[u8]) -> Place {
    w.write("data/x.xlsx", xlsx);
    w.place(&["council"], SOURCE);
    Place::load(&w.path("place")).expect("valid place")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Both readers agree on any sheet of these cells: values, errors, warnings.
    #[test]
    fn fast_reader_agrees_with_calamine(
        rows in proptest::collection::vec([cell(), cell(), cell()], 0..40),
        inline in any::<bool>(),
        gap in 0u32..3,
    ) {
        let w = common::Workdir::new();
        let place = place_for(&w, &workbook(&rows, inline, gap));
        let calamine = outcome(&place, CALAMINE);
        let fast = outcome(&place, Options::default());
        prop_assert_eq!(fast, calamine);
    }
}

/// A sheet with every kind of cell above, in both string layouts, is read by the fast reader
/// itself (the agreement test would pass vacuously if it always stepped aside).
#[test]
fn fast_reader_reads_common_workbooks_itself() {
    let rows = vec![
        [
            Cell::Text("Rent & rates".into()),
            Cell::Number(12.5),
            Cell::Text("  padded  ".into()),
        ],
        [
            Cell::Text("café _x000D_".into()),
            Cell::FormulaNumber(3.25),
            Cell::Dated(45000.0),
        ],
        [
            Cell::Text("line\nbreak".into()),
            Cell::Styled(-4.0),
            Cell::Bool(true),
        ],
        [
            Cell::FormulaText("<x>".into()),
            Cell::Number(1e-7),
            Cell::Blank,
        ],
    ];
    for inline in [false, true] {
        let w = common::Workdir::new();
        let place = place_for(&w, &workbook(&rows, inline, 1));
        assert_eq!(
            xlsx_fast::aside_reason(&place.sources[0]),
            None,
            "inline strings: {inline}"
        );
        assert_eq!(
            outcome(&place, Options::default()),
            outcome(&place, CALAMINE)
        );
    }
}

/// The sample place's workbooks: read by the fast reader, with the same ledger as calamine's.
#[test]
fn sample_place_workbooks_agree_and_take_the_fast_path() {
    let models = tempfile::tempdir().unwrap();
    let dir = common::copy_sample_place(models.path(), &[]);
    let place = Place::load(&dir).expect("sample place");
    let mut xlsx = 0;
    for s in &place.sources {
        if s.path.extension().is_some_and(|e| e == "xlsx") {
            xlsx += 1;
            assert_eq!(xlsx_fast::aside_reason(s), None, "{}", s.display);
        }
    }
    assert!(xlsx >= 5, "the sample place has its xlsx budgets");
    let fast = outcome(&place, Options::default());
    assert!(!fast.starts_with("error"), "{fast}");
    assert_eq!(fast, outcome(&place, CALAMINE));
}

/// A sheet of many blocks (the reader cuts about every megabyte) whose first rows end the
/// read: a bad amount on row 3, and a control total at the top of another such sheet. The
/// reader stops early with calamine's outcome, its threads wound down (no hang).
#[test]
fn a_read_that_stops_early_in_a_long_sheet_agrees_and_ends() {
    let big = |wb: &mut Workbook, name: &str, bad: bool| {
        let ws = wb.add_worksheet();
        ws.set_name(name).unwrap();
        ws.write(0, 0, "Service").unwrap();
        ws.write(0, 1, "Amount").unwrap();
        for i in 1..120_000u32 {
            ws.write(i, 0, format!("service number {}", i % 977))
                .unwrap();
            if bad && i == 2 {
                ws.write(i, 1, "twelve pounds").unwrap();
            } else {
                ws.write(i, 1, f64::from(i) / 4.0).unwrap();
            }
        }
    };
    for (bad, control) in [(true, false), (false, true)] {
        let mut wb = Workbook::new();
        big(&mut wb, "Budget", bad);
        big(&mut wb, "Summary", false);
        let w = common::Workdir::new();
        w.write("data/x.xlsx", wb.save_to_buffer().unwrap());
        let control = if control {
            "control_total = { cell = \"Summary!B2\" }\n"
        } else {
            ""
        };
        w.place(
            &["council"],
            &format!(
                "[[source]]\nid = \"x\"\nagency = \"council\"\nfile = \"x.xlsx\"\nsheet = \"Budget\"\n{control}\
                 [source.columns]\nservice = \"Service\"\namount = \"Amount\"\n"
            ),
        );
        let place = Place::load(&w.path("place")).expect("valid place");
        assert_eq!(xlsx_fast::aside_reason(&place.sources[0]), None);
        let fast = outcome(&place, Options::default());
        assert_eq!(fast, outcome(&place, CALAMINE));
        assert_eq!(
            fast.starts_with("error"),
            bad,
            "{}",
            &fast[..200.min(fast.len())]
        );
    }
}
