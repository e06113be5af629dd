//! Ingest throughput on a generated million-line ledger, next to a bare read of the same file.
//!
//! `cargo bench --bench ingest` generates (once) `benches/data/large.xlsx` and `large.csv`
//! with `TOTALPLACE_BENCH_LINES` lines (default 1,000,000) and compares:
//! - xlsx: calamine's streaming cell reader touching every cell vs `totalplace` ingest
//!   (streaming read + header search + amount parsing + interning + reconciliation);
//! - csv: the csv crate reading every record vs `totalplace` ingest (parallel chunks, the
//!   default), the same read by one reader (`Chunking::Sequential`), and writing the
//!   normalised ledger CSV from the ingested ledger.
//!
//! Targets (issue 2): xlsx ingest ≤ 1.5× calamine's streaming read; CSV ≥ 2,000,000 lines/s.
//! Issue 14: CSV ingest within 2× of the csv crate's bare read. The whole-process comparison
//! with polars/pandas/fastexcel (`benches/ingest_peers.py`) and peak memory are measured on
//! the CLI with hyperfine and `/usr/bin/time -v`: docs/performance.md, section Ingest.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::time::Duration;

use calamine::{open_workbook, Reader, Xlsx};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use totalplace::ingest::{ingest_place, ingest_place_with, ledger_csv, Chunking, Options};
use totalplace::model::Place;
use totalplace::sample::{large_ledger_source_toml, write_large_ledger};

fn lines() -> usize {
    std::env::var("TOTALPLACE_BENCH_LINES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

/// Build (once) a place directory around a large ledger file of the given extension.
pub fn large_place(ext: &str) -> (PathBuf, PathBuf) {
    let n = lines();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/data");
    let dir = root.join(format!("place-{ext}-{n}"));
    let file = format!("large-{n}.{ext}");
    let data = dir.join(&file);
    if !data.exists() {
        std::fs::create_dir_all(&dir).unwrap();
        eprintln!("generating {} ({n} lines)...", data.display());
        let tmp = dir.join(format!("tmp-{file}"));
        write_large_ledger(&tmp, n, 42).expect("generate large ledger");
        std::fs::rename(&tmp, &data).unwrap();
    }
    std::fs::write(
        dir.join("place.toml"),
        "[place]\nid = \"bench\"\nname = \"Benchmark place (synthetic)\"\nfinancial_year = \"2024-25\"\n\
         price_base = 2024\npopulation = 500000\nsynthetic = true\n\n[[agency]]\nid = \"council\"\n\
         name = \"Council\"\nsector = \"local-authority\"\nbudget_control = \"local\"\n",
    )
    .unwrap();
    std::fs::write(dir.join("sources.toml"), large_ledger_source_toml(&file)).unwrap();
    (dir, data)
}

fn bench_xlsx(c: &mut Criterion) {
    let (dir, data) = large_place("xlsx");
    let place = Place::load(&dir).expect("bench place");
    let mut g = c.benchmark_group("ingest-xlsx");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(40))
        .warm_up_time(Duration::from_secs(3));
    g.throughput(Throughput::Elements(lines() as u64));
    g.bench_function("calamine-streaming-read", |b| {
        b.iter(|| {
            let mut wb: Xlsx<BufReader<File>> = open_workbook(&data).unwrap();
            let sheet = wb.sheet_names()[0].clone();
            let mut cells = wb.worksheet_cells_reader(&sheet).unwrap();
            let mut n = 0u64;
            while let Some(cell) = cells.next_cell().unwrap() {
                if !matches!(cell.get_value(), calamine::DataRef::Empty) {
                    n += 1;
                }
            }
            n
        })
    });
    g.bench_function("totalplace-ingest", |b| {
        b.iter(|| {
            let ing = ingest_place(&place).expect("ingest");
            ing.ledger.lines.len()
        })
    });
    g.finish();
}

fn bench_csv(c: &mut Criterion) {
    let (dir, data) = large_place("csv");
    let place = Place::load(&dir).expect("bench place");
    let mut g = c.benchmark_group("ingest-csv");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(15))
        .warm_up_time(Duration::from_secs(2));
    g.throughput(Throughput::Elements(lines() as u64));
    g.bench_function("csv-crate-read", |b| {
        b.iter(|| {
            let mut rdr = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_path(&data)
                .unwrap();
            let mut rec = csv::ByteRecord::new();
            let mut n = 0u64;
            while rdr.read_byte_record(&mut rec).unwrap() {
                n += rec.len() as u64;
            }
            n
        })
    });
    g.bench_function("totalplace-ingest", |b| {
        b.iter(|| {
            let ing = ingest_place(&place).expect("ingest");
            ing.ledger.lines.len()
        })
    });
    g.bench_function("totalplace-ingest-sequential", |b| {
        let opts = Options {
            csv_chunking: Chunking::Sequential,
            ..Options::default()
        };
        b.iter(|| {
            let ing = ingest_place_with(&place, opts).expect("ingest");
            ing.ledger.lines.len()
        })
    });
    let ing = ingest_place(&place).expect("ingest");
    g.bench_function("ledger-csv-write", |b| {
        b.iter(|| ledger_csv(&place, &ing).expect("ledger csv").len())
    });
    g.finish();
}

criterion_group!(benches, bench_xlsx, bench_csv);
criterion_main!(benches);
