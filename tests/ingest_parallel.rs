//! The parallel CSV reader and parallel sources give exactly what one sequential reader gives:
//! the same lines (rows, strings and their numbering, amounts), counts, totals, the same
//! normalised ledger bytes, and on a bad file the same first error, wherever the chunk
//! boundaries fall (inside quoted fields spanning lines, between CR and LF, next to a stray
//! quote) and whatever the thread count.

mod common;

use common::{describe_ingest as describe, ingest_outcome as outcome};
use proptest::prelude::*;
use totalplace::ingest::{ingest_place_unreconciled_with, Chunking, Options};
use totalplace::model::Place;

const SOURCE: &str = "[[source]]\nid = \"s\"\nagency = \"council\"\nfile = \"s.csv\"\n\
    control_total = { cell = \"B9\" }\n\
    [source.columns]\nservice = \"Service\"\namount = \"Amount\"\ndescription = \"Note\"\n\
    [[source.skip]]\nreason = \"total\"\ncolumn = \"Service\"\nmatches = \"^Total\"\n";

fn place_for(w: &common::Workdir, csv: &[u8]) -> Place {
    w.write("data/s.csv", csv);
    w.place(&["council"], SOURCE);
    Place::load(&w.path("place")).expect("valid place")
}

fn chunked(n: usize) -> Options {
    Options {
        csv_chunking: Chunking::Bytes(n),
        ..Options::default()
    }
}

const SEQUENTIAL: Options = Options {
    csv_chunking: Chunking::Sequential,
    sequential_sources: true,
    // and .xlsx by calamine's reader alone, so the fast xlsx reader is checked against it.
    xlsx_calamine_only: true,
};

/// A bad amount 15,000 rows into a file is reported at its row by the parallel reader, as by
/// the sequential one, and not some later bad row that a chunk after it meets first.
#[test]
fn an_error_deep_in_the_file_is_reported_where_a_single_reader_finds_it() {
    // Row 1 header, rows 2..=20001 lines; line i (0-based) is at row i + 2. Line 14,998 is at
    // row 15,000 and has a text amount; line 19,000 (row 19,002) has another, later one.
    let mut csv = String::from("Service,Amount,Note\n");
    for i in 0..20_000 {
        match i {
            14_998 => csv.push_str("svc,twelve,n\n"),
            19_000 => csv.push_str("svc,later,n\n"),
            _ => csv.push_str(&format!("svc{},{}.50,n\n", i % 7, i % 100)),
        }
    }
    let w = common::Workdir::new();
    let place = place_for(&w, csv.as_bytes());
    let seq = outcome(&place, SEQUENTIAL);
    assert!(
        seq.contains("data/s.csv: row 15000, column B: amount \"twelve\" is not a number"),
        "{seq}"
    );
    for n in [1, 100, 4096, 65_536] {
        assert_eq!(outcome(&place, chunked(n)), seq, "chunks of {n} bytes");
    }
}

/// Quoted fields spanning lines, with chunk boundaries falling inside them: every line keeps
/// the row it starts on, and the control cell (B9) is found on its line.
#[test]
fn quoted_newlines_across_chunk_boundaries_keep_rows_and_lines() {
    // Row 1 header; then 3 lines, each a quoted note over 2 lines (rows 2-3, 4-5, 6-7), a
    // 1-line total at row 8, and the control figure's line at row 9:
    // 10 + 20 + 30 = 60, which the control cell B9 states.
    let text = "Service,Amount,Note\r\n\
                a,10,\"first\r\nsecond\"\r\n\
                b,20,\"x, \"\"quoted\"\"\nand more\"\r\n\
                c,30,\"one\rtwo\"\r\n\
                Total,60,\r\n\
                Control,60,\r\n";
    let w = common::Workdir::new();
    let place = place_for(&w, text.as_bytes());
    let ing = ingest_place_unreconciled_with(&place, SEQUENTIAL).expect("reads");
    let lines: Vec<(&str, &str, String, u32)> = ing
        .ledger
        .lines
        .iter()
        .map(|l| {
            (
                ing.ledger.text(l.service),
                ing.ledger.text(l.description),
                l.amount.to_string(),
                l.row,
            )
        })
        .collect();
    // The lines and rows as worked out above (Control at row 9 is itself a line of 60, so the
    // lines total 120 against the control figure of 60).
    assert_eq!(
        lines,
        [
            ("a", "first\r\nsecond", "10".to_string(), 2),
            ("b", "x, \"quoted\"\nand more", "20".to_string(), 4),
            ("c", "one\rtwo", "30".to_string(), 6),
            ("Control", "", "60".to_string(), 9),
        ]
    );
    assert_eq!(ing.reports[0].total.to_string(), "120");
    assert_eq!(
        ing.reports[0]
            .control_total
            .map(|c| c.to_string())
            .as_deref(),
        Some("60")
    );
    assert!(ing.reports[0].skipped.contains(&("total".to_string(), 1)));
    let seq = describe(&place, &ing);
    for n in 1..text.len() + 2 {
        assert_eq!(outcome(&place, chunked(n)), seq, "chunks of {n} bytes");
    }
}

/// A stray quote inside an unquoted field makes the quote count lie about where fields end: a
/// chunk boundary chosen by it can fall inside a quoted field. The reader notices the record
/// crossing the boundary and reads on, so the result is still the sequential one.
#[test]
fn a_stray_quote_misleading_the_chunker_still_reads_the_same() {
    let mut csv = String::from("Service,Amount,Note\n");
    csv.push_str("disk,5,5\" floppy\n");
    for i in 0..200 {
        if i % 10 == 3 {
            csv.push_str(&format!("m{i},{i},\"spans\nlines, {i}\"\n"));
        } else {
            csv.push_str(&format!("s{i},{i}.25,plain\n"));
        }
    }
    let w = common::Workdir::new();
    let place = place_for(&w, csv.as_bytes());
    let seq = outcome(&place, SEQUENTIAL);
    assert!(!seq.starts_with("error"), "{seq}");
    for n in [1, 2, 5, 13, 40, 333, 1000] {
        assert_eq!(outcome(&place, chunked(n)), seq, "chunks of {n} bytes");
    }
}

/// A place of several sources (CSV and xlsx) ingested on 1 and on 4 threads, and with sources
/// in parallel or one after another, writes byte-identical ledgers with the same string
/// numbering.
#[test]
fn sources_in_parallel_give_the_same_ledger_whatever_the_thread_count() {
    let w = common::Workdir::new();
    let mut sources = String::new();
    for k in 0..5 {
        let mut csv = String::from("Service,Amount,Note\n");
        for i in 0..3000 {
            csv.push_str(&format!(
                "svc{},{}.{:02},note {}\n",
                (i * k) % 13,
                i,
                k,
                i % 17
            ));
        }
        w.write(&format!("data/s{k}.csv"), csv);
        sources.push_str(&format!(
            "[[source]]\nid = \"s{k}\"\nagency = \"a{}\"\nfile = \"s{k}.csv\"\n\
             [source.columns]\nservice = \"Service\"\namount = \"Amount\"\ndescription = \"Note\"\n",
            k % 2
        ));
    }
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write(0, 0, "Service").unwrap();
    ws.write(0, 1, "Amount").unwrap();
    for i in 0..500u32 {
        ws.write(i + 1, 0, format!("svc{}", i % 19)).unwrap();
        ws.write(i + 1, 1, f64::from(i) * 1.5).unwrap();
    }
    w.write("data/x.xlsx", wb.save_to_buffer().unwrap());
    sources.push_str(
        "[[source]]\nid = \"x\"\nagency = \"a1\"\nfile = \"x.xlsx\"\n\
         [source.columns]\nservice = \"Service\"\namount = \"Amount\"\n",
    );
    w.place(&["a0", "a1"], &sources);
    let place = Place::load(&w.path("place")).expect("valid place");
    let seq = outcome(&place, SEQUENTIAL);
    assert!(!seq.starts_with("error"), "{seq}");
    for threads in [1, 4] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        for opts in [Options::default(), chunked(1000)] {
            let got = pool.install(|| outcome(&place, opts));
            assert_eq!(got, seq, "{threads} threads, {opts:?}");
        }
    }
}

/// One generated CSV record (or line) of the kinds budget exports hold, good and bad.
fn record(kind: u8, i: usize, eol: &str) -> String {
    match kind % 16 {
        0 => String::new(),
        1 => "  ,  , ".to_string(),
        2 => format!("Total,{i},"),
        3 => format!("q{i},\"£1,{i:03}.50\",\"note, with comma\""),
        4 => format!("m{i},{i},\"two{eol}lines\""),
        5 => format!("d{i},-{i}.1,\"he said \"\"hi\"\"\""),
        6 => format!("x{i},({i}),\"a\rb\""),
        7 if i.is_multiple_of(3) => format!("bad{i},abc,"),
        8 if i.is_multiple_of(4) => format!("wide{i},1,n,extra"),
        9 if i.is_multiple_of(5) => format!("short{i},1"),
        10 if i.is_multiple_of(3) => format!("stray{i},2,5\" disk"),
        11 if i.is_multiple_of(7) => format!("cr{i},3,n\rmore,4,n"),
        _ => format!("s{},{}.{:02},n{}", i % 5, i, i % 100, i % 3),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Any mix of those records, LF or CRLF, with or without a final line end or an open quote
    /// at the end: chunked at any size, the outcome is the sequential one.
    #[test]
    fn chunked_reading_equals_sequential(
        kinds in prop::collection::vec(any::<u8>(), 0..80),
        crlf in any::<bool>(),
        title_lines in 0usize..3,
        final_eol in any::<bool>(),
        open_quote in any::<bool>(),
        chunk in 1usize..200,
    ) {
        let eol = if crlf { "\r\n" } else { "\n" };
        let mut csv = String::new();
        for t in 0..title_lines {
            csv.push_str(&format!("Budget book {t}{eol}"));
        }
        csv.push_str(&format!("Service,Amount,Note{eol}"));
        for (i, k) in kinds.iter().enumerate() {
            csv.push_str(&record(*k, i, eol));
            csv.push_str(eol);
        }
        if open_quote {
            csv.push_str("end,1,\"never closed");
        }
        if !final_eol && csv.ends_with(eol) {
            csv.truncate(csv.len() - eol.len());
        }
        let w = common::Workdir::new();
        let place = place_for(&w, csv.as_bytes());
        let seq = outcome(&place, SEQUENTIAL);
        prop_assert_eq!(outcome(&place, chunked(chunk)), seq.clone(), "chunk {}", chunk);
        prop_assert_eq!(outcome(&place, chunked(1)), seq, "chunk 1");
    }
}
