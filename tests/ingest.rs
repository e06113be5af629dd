//! Ingest as users meet it: the `totalplace ingest` binary on purpose-made spreadsheets and
//! CSV files, checking exact totals, skip counts and the exact location of every error.

mod common;

use common::Workdir;
use rust_xlsxwriter::{Formula, Workbook};

/// A £000 budget book in the layout councils publish: title rows, header on row 5, a directorate
/// heading, lines, a subtotal written as a formula with its cached result, a grand total row.
///
/// Lines (£000): 1,200.5 + 300 + 45.25 = 1,545.75 → £1,545,750.00; grand total cell F12.
fn budget_book(amount_override: Option<(u32, &str)>) -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Revenue 2024-25").unwrap();
    ws.write(
        0,
        0,
        "Testville Council: Revenue Budget 2024-25 (SYNTHETIC)",
    )
    .unwrap();
    ws.write(1, 0, "All figures £000").unwrap();
    // Row 5 (index 4): header.
    for (c, h) in [
        "Cost Centre",
        "Service",
        "Subjective",
        "Description",
        "Budget 2023-24 £000",
        "Budget 2024-25 £000",
    ]
    .iter()
    .enumerate()
    {
        ws.write(4, c as u16, *h).unwrap();
    }
    ws.write(5, 0, "Children's Services").unwrap(); // heading row 6, no amount
    let lines: [(&str, &str, &str, &str, f64, f64); 3] = [
        (
            "CS100",
            "Leaving Care",
            "Employees",
            "Personal advisers",
            1100.0,
            1200.5,
        ),
        (
            "CS110",
            "Leaving Care",
            "Third party payments",
            "Staying Put",
            280.0,
            300.0,
        ),
        (
            "CS200",
            "Youth Justice",
            "Supplies",
            "Court costs",
            40.0,
            45.25,
        ),
    ];
    for (i, l) in lines.iter().enumerate() {
        let r = 6 + i as u32; // rows 7..9
        ws.write(r, 0, l.0).unwrap();
        ws.write(r, 1, l.1).unwrap();
        ws.write(r, 2, l.2).unwrap();
        ws.write(r, 3, l.3).unwrap();
        ws.write(r, 4, l.4).unwrap();
        match amount_override {
            Some((row, text)) if row == r + 1 => {
                ws.write(r, 5, text).unwrap();
            }
            _ => {
                ws.write(r, 5, l.5).unwrap();
            }
        }
    }
    // Row 10: subtotal formula with cached value; row 11 blank; row 12 grand total.
    ws.write(9, 3, "Total Children's Services").unwrap();
    ws.write_formula(9, 5, Formula::new("=SUM(F7:F9)").set_result("1545.75"))
        .unwrap();
    ws.write(11, 3, "Grand Total").unwrap();
    ws.write_formula(11, 5, Formula::new("=F10").set_result("1545.75"))
        .unwrap();
    wb.save_to_buffer().unwrap()
}

const BOOK_SOURCES: &str = r#"
[[source]]
id = "book"
agency = "council"
file = "council.xlsx"
sheet = "Revenue 2024-25"
units = "thousands"
control_total = { cell = "F12" }
[source.columns]
cost_centre = "Cost Centre"
service = "Service"
account = "Subjective"
description = "Description"
amount = "Budget 2024-25 £000"
[[source.skip]]
reason = "subtotal"
column = "Description"
matches = "(?i)^(grand )?total"
[[source.skip]]
reason = "heading"
column = "Budget 2024-25 £000"
blank = true
"#;

#[test]
fn budget_book_in_thousands_reconciles_to_its_control_cell() {
    let w = Workdir::new();
    w.write("data/council.xlsx", budget_book(None));
    w.place(&["council"], BOOK_SOURCES);
    let out = w.run(&["ingest", "place"]).ok();
    assert!(out.contains("£1,545,750.00"), "{out}");
    assert!(out.contains("reconciled"), "{out}");
    // Rows 1-4 above the header, row 6 heading, rows 10 and 12 totals, row 11 blank; 2 preamble
    // rows plus 2 empty rows (3, 4) above the header make 4 "above header".
    assert!(out.contains("4 above header"), "{out}");
    assert!(out.contains("1 heading"), "{out}");
    assert!(out.contains("2 subtotal"), "{out}");
    assert!(out.contains("1 blank row"), "{out}");
    assert!(out.contains("wrote output/testville/ledger.csv"), "{out}");
    let ledger = w.read("output/testville/ledger.csv");
    let lines: Vec<&str> = ledger.lines().collect();
    assert_eq!(
        lines[0],
        "agency,source,cost_centre,account,service,description,amount,file,sheet,row"
    );
    assert_eq!(lines[1], "council,book,CS100,Employees,Leaving Care,Personal advisers,1200500.00,data/council.xlsx,Revenue 2024-25,7");
    assert_eq!(lines[3], "council,book,CS200,Supplies,Youth Justice,Court costs,45250.00,data/council.xlsx,Revenue 2024-25,9");
    assert_eq!(lines.len(), 4);
}

#[test]
fn header_row_is_found_by_column_names_or_taken_as_declared() {
    let w = Workdir::new();
    w.write("data/council.xlsx", budget_book(None));
    w.place(
        &["council"],
        &BOOK_SOURCES.replace(
            "units = \"thousands\"",
            "units = \"thousands\"\nheader_row = 5",
        ),
    );
    assert!(w.run(&["ingest", "place"]).ok().contains("£1,545,750.00"));
    // A wrong explicit header row names the row and the headers it does have.
    w.place(
        &["council"],
        &BOOK_SOURCES.replace(
            "units = \"thousands\"",
            "units = \"thousands\"\nheader_row = 2",
        ),
    );
    let err = w.run(&["ingest", "place"]).user_error();
    assert!(
        err.contains("data/council.xlsx: 'Revenue 2024-25' row 2: header row lacks columns \"Budget 2024-25 £000\", \"Cost Centre\""),
        "{err}"
    );
    assert!(err.contains("it has \"All figures £000\""), "{err}");
}

#[test]
fn text_amount_is_an_error_naming_file_sheet_and_cell() {
    let w = Workdir::new();
    w.write("data/council.xlsx", budget_book(Some((8, "TBC"))));
    w.place(&["council"], BOOK_SOURCES);
    let err = w.run(&["ingest", "place"]).user_error();
    assert!(
        err.contains("data/council.xlsx: 'Revenue 2024-25'!F8: amount \"TBC\" is not a number"),
        "{err}"
    );
    assert!(
        !w.exists("output/testville/ledger.csv"),
        "no partial output"
    );
}

#[test]
fn error_cells_are_errors() {
    let w = Workdir::new();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write(0, 0, "Service").unwrap();
    ws.write(0, 1, "Amount").unwrap();
    ws.write(1, 0, "A").unwrap();
    ws.write(1, 1, 10).unwrap();
    ws.write(2, 0, "B").unwrap();
    ws.write_formula(2, 1, Formula::new("=#REF!+1").set_result("#REF!"))
        .unwrap();
    w.write("data/ledger.xlsx", wb.save_to_buffer().unwrap());
    w.place(
        &["icb"],
        "[[source]]\nid = \"l\"\nagency = \"icb\"\nfile = \"ledger.xlsx\"\n[source.columns]\nservice = \"Service\"\namount = \"Amount\"\n",
    );
    let err = w.run(&["ingest", "place"]).user_error();
    assert!(
        err.contains("data/ledger.xlsx: Sheet1!B3: amount is the error value #REF!"),
        "{err}"
    );
}

#[test]
fn reconciliation_mismatch_shows_both_figures_and_the_difference() {
    let w = Workdir::new();
    w.write("data/council.xlsx", budget_book(None));
    w.place(
        &["council"],
        &BOOK_SOURCES.replace(
            "control_total = { cell = \"F12\" }",
            "control_total = { value = \"1545.7\" }",
        ),
    );
    let run = w.run(&["ingest", "place"]);
    let err = run.user_error();
    assert!(
        err.contains(
            "source \"book\" does not reconcile: its lines total £1,545,750.00 but the control total is £1,545,700.00 (difference £50.00)"
        ),
        "{err}"
    );
    assert!(run.stdout().contains("MISMATCH £50.00"), "{}", run.stdout());
    assert!(!w.exists("output/testville/ledger.csv"));
}

#[test]
fn wrong_sheet_name_lists_the_sheets_that_exist() {
    let w = Workdir::new();
    w.write("data/council.xlsx", budget_book(None));
    w.place(
        &["council"],
        &BOOK_SOURCES.replace(
            "sheet = \"Revenue 2024-25\"",
            "sheet = \"revenue 2024-25 \"",
        ),
    );
    let err = w.run(&["ingest", "place"]).user_error();
    assert!(
        err.contains(
            "data/council.xlsx: no sheet named \"revenue 2024-25 \" (did you mean \"Revenue 2024-25\"?); the workbook has: \"Revenue 2024-25\""
        ),
        "{err}"
    );
}

const POLICE_SOURCES: &str = r#"
[[source]]
id = "police-budget"
agency = "police"
file = "police.csv"
control_total = { cell = "D9" }
[source.columns]
cost_centre = "Cost Centre"
service = "Department"
description = "Line"
amount = "Budget"
[[source.skip]]
reason = "total row"
column = "Cost Centre"
matches = "^TOTAL$"
"#;

/// Police CSV: two preamble lines, £ signs, thousands separators, a credit in parentheses, a
/// negative with a leading minus, a blank line and a TOTAL line holding the control total.
const POLICE_CSV: &str = "Kirkbridge District Police Budget 2024-25 (SYNTHETIC)\n\
Produced by Finance,,,\n\
Cost Centre,Department,Line,Budget\n\
P100,Response,Officer pay,\"£1,234,567.89\"\n\
P200,Custody,Custody suite,\"£250,000\"\n\
P300,Response,Recharges,\"(£12,345.67)\"\n\
,,,\n\
P400,IOM,Integrated Offender Management,-£100.00\n\
TOTAL,,,\"£1,472,122.22\"\n";

#[test]
fn police_csv_with_pound_signs_separators_and_parentheses() {
    let w = Workdir::new();
    w.write("data/police.csv", POLICE_CSV);
    w.place(&["police"], POLICE_SOURCES);
    let out = w.run(&["ingest", "place"]).ok();
    // 1,234,567.89 + 250,000.00 − 12,345.67 − 100.00 = 1,472,122.22
    assert!(out.contains("£1,472,122.22"), "{out}");
    assert!(out.contains("reconciled (D9)"), "{out}");
    assert!(out.contains("2 above header"), "{out}");
    assert!(out.contains("1 blank row"), "{out}");
    assert!(out.contains("1 total row"), "{out}");
    let ledger = w.read("output/testville/ledger.csv");
    assert!(
        ledger
            .contains("police,police-budget,P300,,Response,Recharges,-12345.67,data/police.csv,,6"),
        "{ledger}"
    );
}

#[test]
fn csv_bad_amount_names_row_and_column() {
    let w = Workdir::new();
    w.write(
        "data/police.csv",
        POLICE_CSV.replace("\"£250,000\"", "\"£250,00\""),
    );
    w.place(&["police"], POLICE_SOURCES);
    let err = w.run(&["ingest", "place"]).user_error();
    assert!(
        err.contains("data/police.csv: row 5, column D: amount \"£250,00\" is not a number"),
        "{err}"
    );
}

#[test]
fn windows_1252_csv_needs_its_encoding_declared() {
    let w = Workdir::new();
    // "£1234.00" and "(£34.50)" with £ as the single Windows-1252 byte 0xA3.
    w.write(
        "data/mh.csv",
        b"Service;Amount\nWards;\xA31234.00\nBeds;(\xA334.50)\n",
    );
    let src = "[[source]]\nid = \"mh\"\nagency = \"mh-trust\"\nfile = \"mh.csv\"\ndelimiter = \";\"\n\
               control_total = { value = 1199.5 }\n[source.columns]\nservice = \"Service\"\namount = \"Amount\"\n";
    w.place(&["mh-trust"], src);
    let err = w.run(&["ingest", "place"]).user_error();
    assert!(
        err.contains("data/mh.csv: row 2, column B: text is not valid UTF-8"),
        "{err}"
    );
    assert!(err.contains("encoding = \"windows-1252\""), "{err}");
    w.place(
        &["mh-trust"],
        &src.replace("delimiter", "encoding = \"windows-1252\"\ndelimiter"),
    );
    let out = w.run(&["ingest", "place"]).ok();
    assert!(out.contains("£1,199.50"), "{out}");
}

#[test]
fn ods_source_with_text_amounts_and_negative_spend_sign() {
    use spreadsheet_ods::{Sheet, WorkBook};
    let w = Workdir::new();
    let mut wb = WorkBook::new_empty();
    let mut sh = Sheet::new("Probation");
    sh.set_value(0, 0, "Team");
    sh.set_value(0, 1, "Net");
    sh.set_value(1, 0, "Resettlement");
    sh.set_value(1, 1, -1500.25);
    sh.set_value(2, 0, "Approved Premises");
    sh.set_value(2, 1, "(2,000.00)");
    sh.set_value(3, 0, "Fees income");
    sh.set_value(3, 1, 100);
    wb.push_sheet(sh);
    let path = w.path("data/probation.ods");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    spreadsheet_ods::write_ods(&mut wb, &path).unwrap();
    w.place(
        &["probation"],
        "[[source]]\nid = \"p\"\nagency = \"probation\"\nfile = \"probation.ods\"\nsheet = \"Probation\"\n\
         spend_sign = \"negative\"\ncontrol_total = { value = \"-3400.25\" }\n\
         [source.columns]\nservice = \"Team\"\namount = \"Net\"\n",
    );
    let out = w.run(&["ingest", "place"]).ok();
    // Negated: 1,500.25 + 2,000.00 − 100.00 = 3,400.25; the control total is negated too.
    assert!(out.contains("£3,400.25"), "{out}");
    assert!(out.contains("reconciled (declared)"), "{out}");
}

#[test]
fn truncated_and_non_spreadsheet_files_are_errors_not_panics() {
    let w = Workdir::new();
    let book = budget_book(None);
    w.write("data/council.xlsx", &book[..book.len() / 2]);
    w.place(&["council"], BOOK_SOURCES);
    let err = w.run(&["ingest", "place"]).user_error();
    assert!(
        err.starts_with("error: data/council.xlsx: cannot be read as xlsx"),
        "{err}"
    );

    w.write("data/council.xlsx", "this is not a spreadsheet\n");
    let err = w.run(&["ingest", "place"]).user_error();
    assert!(
        err.starts_with("error: data/council.xlsx: cannot be read as xlsx"),
        "{err}"
    );

    w.write("data/empty.ods", "");
    w.place(
        &["council"],
        &BOOK_SOURCES.replace("council.xlsx", "empty.ods"),
    );
    let err = w.run(&["ingest", "place"]).user_error();
    assert!(
        err.starts_with("error: data/empty.ods: cannot be read as ods"),
        "{err}"
    );
}

#[test]
fn model_errors_name_file_and_key_and_are_all_reported() {
    let w = Workdir::new();
    w.write("data/police.csv", POLICE_CSV);
    let bad = POLICE_SOURCES
        .replace("agency = \"police\"", "agency = \"polise\"")
        .replace("matches = \"^TOTAL$\"", "matches = \"^(TOTAL\"")
        + "\n[[source]]\nid = \"gone\"\nagency = \"police\"\nfile = \"missing.xlsx\"\n[source.columns]\namount = \"A\"\nservice = \"S\"\n";
    w.place(&["police"], &bad);
    let err = w.run(&["ingest", "place"]).user_error();
    assert!(
        err.contains("place/sources.toml: source[0] \"police-budget\".agency: unknown agency \"polise\" (known: police)"),
        "{err}"
    );
    assert!(err.contains("place/sources.toml: source[0] \"police-budget\".skip[0].matches: invalid regular expression"), "{err}");
    assert!(
        err.contains(
            "place/sources.toml: source[1] \"gone\".file: file not found: data/missing.xlsx"
        ),
        "{err}"
    );
    assert!(err.contains("(3 problems; nothing was written)"), "{err}");
}

#[test]
fn place_file_errors() {
    let w = Workdir::new();
    w.write("data/police.csv", POLICE_CSV);
    w.place(&["police", "police"], POLICE_SOURCES);
    let err = w.run(&["ingest", "place"]).user_error();
    assert!(
        err.contains("place/place.toml: agency[1].id: duplicate agency id \"police\""),
        "{err}"
    );

    // A TOML typo is reported with its line and column.
    w.write(
        "place/place.toml",
        "[place]\nid = \"t\"\nname = \"T\"\nfinancial_year = \"2024-25\"\nprice_base = 2024\npopulation = 10\n\
         data_dir = \"../data\"\n\n[[agency]]\nid = \"police\"\nname = \"P\"\nsector = \"polise\"\nbudget_control = \"local\"\n",
    );
    let err = w.run(&["ingest", "place"]).user_error();
    assert!(
        err.contains("place/place.toml: line 12, column 10: unknown variant `polise`"),
        "{err}"
    );

    // Impossible values.
    w.write(
        "place/place.toml",
        "[place]\nid = \"t\"\nname = \"T\"\nfinancial_year = \"2024-26\"\nprice_base = 2024\npopulation = 0\n\
         data_dir = \"../data\"\n\n[[agency]]\nid = \"police\"\nname = \"P\"\nsector = \"police\"\nbudget_control = \"central\"\n\
         [[cohort]]\nid = \"c\"\nname = \"C\"\nsize = -3\nsize_source = \"\"\n",
    );
    let err = w.run(&["ingest", "place"]).user_error();
    assert!(
        err.contains("place.financial_year: \"2024-26\" is not a financial year like \"2024-25\""),
        "{err}"
    );
    assert!(
        err.contains("place.population: 0 must be a positive number of people"),
        "{err}"
    );
    assert!(
        err.contains("cohort[0].size: cohort \"c\": size -3 must be positive"),
        "{err}"
    );
    assert!(err.contains("cohort[0].size_source"), "{err}");
}

#[test]
fn empty_amount_in_a_line_row_is_an_error_with_a_hint() {
    let w = Workdir::new();
    w.write("data/police.csv", POLICE_CSV.replace("\"£250,000\"", ""));
    w.place(&["police"], POLICE_SOURCES);
    let err = w.run(&["ingest", "place"]).user_error();
    assert!(
        err.contains("data/police.csv: row 5, column D: amount is empty"),
        "{err}"
    );
    assert!(err.contains("blank = true"), "{err}");
}

#[test]
fn control_total_on_another_sheet() {
    let w = Workdir::new();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Ledger").unwrap();
    ws.write(0, 0, "Service").unwrap();
    ws.write(0, 1, "Amount").unwrap();
    ws.write(1, 0, "A").unwrap();
    ws.write(1, 1, 0.1).unwrap();
    ws.write(2, 0, "B").unwrap();
    ws.write(2, 1, 0.2).unwrap();
    let s = wb.add_worksheet();
    s.set_name("Summary").unwrap();
    s.write(3, 2, 0.1 + 0.2).unwrap(); // 0.30000000000000004 in binary: read at 15 digits as 0.3
    w.write("data/ledger.xlsx", wb.save_to_buffer().unwrap());
    w.place(
        &["acute"],
        "[[source]]\nid = \"l\"\nagency = \"acute\"\nfile = \"ledger.xlsx\"\nsheet = \"Ledger\"\n\
         control_total = { cell = \"Summary!C4\" }\n[source.columns]\nservice = \"Service\"\namount = \"Amount\"\n",
    );
    let out = w.run(&["ingest", "place"]).ok();
    assert!(out.contains("reconciled (Summary!C4)"), "{out}");
    w.place(
        &["acute"],
        "[[source]]\nid = \"l\"\nagency = \"acute\"\nfile = \"ledger.xlsx\"\nsheet = \"Ledger\"\n\
         control_total = { cell = \"Summary!C5\" }\n[source.columns]\nservice = \"Service\"\namount = \"Amount\"\n",
    );
    let err = w.run(&["ingest", "place"]).user_error();
    assert!(
        err.contains("data/ledger.xlsx: Summary!C5: control total cell is empty"),
        "{err}"
    );
}

/// Legacy .xls (BIFF8), from the committed fixtures written by tests/fixtures/make_xls.py.
const XLS_SOURCES: &str =
    "[[source]]\nid = \"x\"\nagency = \"council\"\nfile = \"FILE\"\nsheet = \"Ledger\"\n\
    control_total = { value = \"10361.00\" }\n[source.columns]\ncost_centre = \"Cost Centre\"\n\
    service = \"Service\"\ndescription = \"Description\"\namount = \"Amount\"\n";

#[test]
fn legacy_xls_reads_and_reconciles() {
    let w = Workdir::new();
    w.write(
        "data/ledger.xls",
        std::fs::read(common::repo().join("tests/fixtures/ledger.xls")).unwrap(),
    );
    w.place(&["council"], &XLS_SOURCES.replace("FILE", "ledger.xls"));
    let out = w.run(&["ingest", "place"]).ok();
    // 1,234.56 + 250.00 + 9,876.50 − 1,000.25 + 0.19 = 10,361.00
    assert!(out.contains("£10,361.00"), "{out}");
    assert!(out.contains("reconciled (declared)"), "{out}");
    let ledger = w.read("output/testville/ledger.csv");
    assert!(
        ledger.contains(
            "council,x,CC300,,Homelessness,Bed and breakfast,-1000.25,data/ledger.xls,Ledger,5"
        ),
        "{ledger}"
    );
}

#[test]
fn legacy_xls_error_cell_is_reported_at_its_cell() {
    let w = Workdir::new();
    w.write(
        "data/error-cell.xls",
        std::fs::read(common::repo().join("tests/fixtures/error-cell.xls")).unwrap(),
    );
    w.place(&["council"], &XLS_SOURCES.replace("FILE", "error-cell.xls"));
    let err = w.run(&["ingest", "place"]).user_error();
    assert!(
        err.contains("data/error-cell.xls: Ledger!D4: amount is the error value #DIV/0!"),
        "{err}"
    );
}

/// Regression (found while building the sample place): CSV rows are the file's lines, so a
/// control cell and error locations match what a person sees even with blank lines and quoted
/// fields spanning lines.
#[test]
fn csv_rows_are_file_lines_even_with_blank_lines_and_multiline_fields() {
    let w = Workdir::new();
    w.write(
        "data/d.csv",
        "Title line\n\nCost Centre,Amount\nA,1.00\n\n\"B\nsecond line\",2.00\nTOTAL,3.00\nC,x\n",
    );
    let src = "[[source]]\nid = \"d\"\nagency = \"council\"\nfile = \"d.csv\"\ncontrol_total = { cell = \"B8\" }\n\
               [source.columns]\ncost_centre = \"Cost Centre\"\namount = \"Amount\"\n\
               [[source.skip]]\nreason = \"total\"\ncolumn = \"Cost Centre\"\nmatches = \"^TOTAL$\"\n";
    w.place(&["council"], src);
    let err = w.run(&["ingest", "place"]).user_error();
    assert!(
        err.contains("data/d.csv: row 9, column B: amount \"x\" is not a number"),
        "{err}"
    );
    w.write(
        "data/d.csv",
        "Title line\n\nCost Centre,Amount\nA,1.00\n\n\"B\nsecond line\",2.00\nTOTAL,3.00\n",
    );
    let out = w.run(&["ingest", "place"]).ok();
    assert!(out.contains("reconciled (B8)"), "{out}");
    // The same with Windows line endings.
    w.write(
        "data/d.csv",
        "Title line\r\n\r\nCost Centre,Amount\r\nA,1.00\r\n\r\n\"B\r\nsecond line\",2.00\r\nTOTAL,3.00\r\n",
    );
    let out = w.run(&["ingest", "place"]).ok();
    assert!(out.contains("reconciled (B8)"), "{out}");
}
