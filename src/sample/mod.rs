//! Generator for the synthetic sample place **Kirkbridge** and for benchmark-size ledgers.
//!
//! Every figure written here is SYNTHETIC: invented, at a plausible scale for a metropolitan
//! district of ~505,000 people, so the tool has a realistic place to run on. Each agency's
//! budget file uses a different real-world layout (a council budget book in £000 with formula
//! subtotals, NHS ledger exports, a Windows-1252 CSV, a police CSV with `£1,234.56` amounts, an
//! ODS, a DWP table in £m ...), see `sample-data/README.md`.
//!
//! Determinism: all randomness comes from one named generator (`rand_pcg::Pcg64`) seeded with
//! a fixed value per file, and every container format is written with fixed timestamps, so
//! `totalplace generate-sample` rebuilds byte-identical files. Amounts are generated as exact
//! integers at the file's stated precision (pence, £100, £1,000) and control totals are summed
//! from the same [`Decimal`] values that are written, so every file reconciles exactly.

mod council;
mod justice;
mod large;
mod later;
mod nhs;
mod tables;

use std::path::{Path, PathBuf};

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;
use rust_decimal::Decimal;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Workbook, XlsxError};

use crate::error::{Error, Result};

pub use large::{large_ledger_source_toml, write_large_ledger};
pub use later::{outturn_file, write_later_year};

/// The sample place's agencies.
pub const SAMPLE_AGENCIES: [&str; 9] = [
    "council",
    "icb",
    "acute-trust",
    "mh-trust",
    "police",
    "probation",
    "prisons",
    "dwp",
    "community-safety",
];

/// The later year the sample place tracks (2025-26) and its seed.
pub const LATER_YEAR: i32 = 2025;

/// Write the sample place's later year (outturn CSVs) into `dir`, from the baseline budget
/// files in `dir` read through the place model at `place_dir` (models/kirkbridge).
pub fn build_later_year(place_dir: &Path, dir: &Path) -> Result<Vec<SampleFile>> {
    let mut place = crate::model::Place::load(place_dir)?;
    for s in &mut place.sources {
        if let Some(name) = s.path.file_name() {
            s.path = dir.join(name);
        }
    }
    let ing = crate::ingest::ingest_place(&place)?;
    write_later_year(&place, &ing.ledger, dir, LATER_YEAR, seed(10))
}

/// Base seed of the sample place; each file derives its own seed from it.
pub const SAMPLE_SEED: u64 = 0x4B49_524B_4252_4944; // "KIRKBRID"

/// One generated budget file.
#[derive(Debug, Clone)]
pub struct SampleFile {
    pub agency: &'static str,
    pub path: PathBuf,
    /// Ledger lines written (rows that ingest should turn into lines).
    pub lines: usize,
    /// Exact sum of those lines in the file's own units and sign convention.
    pub total: Decimal,
    /// Units label ("£", "£000", "£m").
    pub units: &'static str,
}

/// Write the sample place's budget files into `dir` (created if missing).
pub fn write_sample_place(dir: &Path) -> Result<Vec<PathBuf>> {
    Ok(build_sample_place(dir)?
        .into_iter()
        .map(|f| f.path)
        .collect())
}

/// Write the sample place's budget files into `dir` and say what each holds.
pub fn build_sample_place(dir: &Path) -> Result<Vec<SampleFile>> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    Ok(vec![
        council::write(dir, seed(1))?,
        nhs::write_icb(dir, seed(2))?,
        nhs::write_acute(dir, seed(3))?,
        nhs::write_mh(dir, seed(4))?,
        justice::write_police(dir, seed(5))?,
        justice::write_probation(dir, seed(6))?,
        justice::write_prisons(dir, seed(7))?,
        tables::write_dwp(dir, seed(8))?,
        tables::write_community_safety(dir, seed(9))?,
    ])
}

fn seed(n: u64) -> u64 {
    SAMPLE_SEED ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// The named, portable generator used for every file.
pub(crate) struct Gen(Pcg64);

impl Gen {
    pub(crate) fn new(seed: u64) -> Self {
        Gen(Pcg64::seed_from_u64(seed))
    }
    /// Uniform integer in `lo..=hi`.
    pub(crate) fn int(&mut self, lo: i64, hi: i64) -> i64 {
        self.0.random_range(lo..=hi)
    }
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.0.random_bool(p)
    }
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.0.random_range(0..items.len())]
    }

    /// Split `total` (integer units) into parts proportional to `weights`, each weight jittered
    /// by ±`jitter_pct`%. Parts are whole multiples of `round_to` except the last, which takes
    /// the remainder, so the parts always sum to `total` exactly.
    pub(crate) fn split(
        &mut self,
        total: i64,
        weights: &[u32],
        jitter_pct: i64,
        round_to: i64,
    ) -> Vec<i64> {
        assert!(!weights.is_empty());
        let w: Vec<i64> = weights
            .iter()
            .map(|&w| (i64::from(w) * (100 + self.int(-jitter_pct, jitter_pct))).max(1))
            .collect();
        let sum: i64 = w.iter().sum();
        let mut parts = Vec::with_capacity(w.len());
        let mut used = 0i64;
        for (i, wi) in w.iter().enumerate() {
            if i + 1 == w.len() {
                parts.push(total - used);
            } else {
                let raw = (i128::from(total) * i128::from(*wi) / i128::from(sum)) as i64;
                let p = if round_to > 1 {
                    raw / round_to * round_to
                } else {
                    raw
                };
                used += p;
                parts.push(p);
            }
        }
        parts
    }
}

/// An exact amount from integer units at `dp` decimal places.
pub(crate) fn dec(units: i64, dp: u32) -> Decimal {
    Decimal::new(units, dp)
}

/// The binary number a spreadsheet stores for an exact decimal: the nearest double, which
/// reads back (at Excel's 15 significant digits) as the same decimal.
pub(crate) fn num(d: Decimal) -> f64 {
    d.to_string()
        .parse()
        .expect("a Decimal always formats as a number")
}

/// `1234567.8` at 2 dp -> `1,234,567.80` (no sign).
pub(crate) fn grouped(d: Decimal, dp: usize) -> String {
    let s = format!("{:.dp$}", d.abs());
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i.to_string(), Some(f.to_string())),
        None => (s.clone(), None),
    };
    let mut out = String::with_capacity(int.len() + int.len() / 3 + 4);
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(&f);
    }
    out
}

/// A workbook with fixed document properties, so saving it twice gives identical bytes.
pub(crate) fn workbook(title: &str) -> Workbook {
    let mut wb = Workbook::new();
    let created = ExcelDateTime::from_ymd(2024, 3, 1).expect("valid date");
    wb.set_properties(
        &DocProperties::new()
            .set_title(title)
            .set_author("totalplace generate-sample")
            .set_comment(
                "SYNTHETIC figures for the totalplace sample place Kirkbridge; not real budgets.",
            )
            .set_creation_datetime(&created),
    );
    wb
}

pub(crate) fn xlsx_err(path: &Path) -> impl Fn(XlsxError) -> Error {
    let path = path.to_path_buf();
    move |e| Error::io(&path, e)
}

pub(crate) fn write_bytes(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|e| Error::io(path, e))
}

/// Make an uncompressed (stored) ODS archive from `spreadsheet-ods` byte-reproducible.
///
/// The writer emits namespace declarations and manifest entries in hash-map order, which
/// changes from run to run, and its zip writer stamps the current time. Sorting the root
/// element's attributes and the manifest's entries keeps every entry the same length, so the
/// archive is fixed in place: the entry data is rewritten, its CRC-32 recomputed, and every
/// DOS time/date set to 2024-03-01 00:00.
pub(crate) fn canonical_stored_zip(zip: &mut [u8]) -> std::result::Result<(), String> {
    const DOS_TIME: u16 = 0; // 00:00:00
    const DOS_DATE: u16 = ((2024 - 1980) << 9) | (3 << 5) | 1; // 2024-03-01
    let rd16 = |b: &[u8], at: usize| u16::from_le_bytes([b[at], b[at + 1]]);
    let rd32 = |b: &[u8], at: usize| u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
    // End of central directory: the last "PK\x05\x06" record.
    let eocd = (0..zip.len().saturating_sub(21))
        .rev()
        .find(|&i| zip[i..i + 4] == [0x50, 0x4B, 0x05, 0x06])
        .ok_or("no end-of-central-directory record")?;
    let entries = rd16(zip, eocd + 10) as usize;
    let mut at = rd32(zip, eocd + 16) as usize;
    for _ in 0..entries {
        if at + 46 > zip.len() || rd32(zip, at) != 0x0201_4B50 {
            return Err("bad central directory entry".into());
        }
        let method = rd16(zip, at + 10);
        let size = rd32(zip, at + 20) as usize;
        let (n, x, c) = (
            rd16(zip, at + 28) as usize,
            rd16(zip, at + 30) as usize,
            rd16(zip, at + 32) as usize,
        );
        let name = String::from_utf8_lossy(&zip[at + 46..at + 46 + n]).into_owned();
        let local = rd32(zip, at + 42) as usize;
        if local + 30 > zip.len() || rd32(zip, local) != 0x0403_4B50 {
            return Err("bad local file header".into());
        }
        let data_at = local + 30 + rd16(zip, local + 26) as usize + rd16(zip, local + 28) as usize;
        if name.ends_with(".xml") && size > 0 {
            if method != 0 {
                return Err(format!("{name} is compressed; write the ODS uncompressed"));
            }
            let data = &mut zip[data_at..data_at + size];
            canonical_xml(data).map_err(|e| format!("{name}: {e}"))?;
            let crc = crc32(data).to_le_bytes();
            zip[local + 14..local + 18].copy_from_slice(&crc);
            zip[at + 16..at + 20].copy_from_slice(&crc);
        }
        for (t, d) in [(at + 12, at + 14), (local + 10, local + 12)] {
            zip[t..t + 2].copy_from_slice(&DOS_TIME.to_le_bytes());
            zip[d..d + 2].copy_from_slice(&DOS_DATE.to_le_bytes());
        }
        at += 46 + n + x + c;
    }
    Ok(())
}

/// Sort the root element's attributes and any run of `<manifest:file-entry .../>` elements,
/// in place (lengths are unchanged).
fn canonical_xml(data: &mut [u8]) -> std::result::Result<(), String> {
    let text = std::str::from_utf8(data)
        .map_err(|e| e.to_string())?
        .to_string();
    let mut out = text.clone();
    // Root start tag: the first '<' that opens neither a declaration nor a comment.
    let open = text
        .match_indices('<')
        .map(|(i, _)| i)
        .find(|&i| !text[i + 1..].starts_with('?') && !text[i + 1..].starts_with('!'))
        .ok_or("no root element")?;
    let close = open + text[open..].find('>').ok_or("unclosed root tag")?;
    let tag = &text[open..=close];
    let attr = regex::Regex::new(r#"\s+([^\s=/>]+="[^"]*")"#).expect("valid regex");
    let name_end = tag.find(char::is_whitespace).unwrap_or(tag.len() - 1);
    let mut attrs: Vec<&str> = attr
        .captures_iter(tag)
        .map(|c| c.get(1).expect("group").as_str())
        .collect();
    attrs.sort_unstable();
    let tail = if tag.ends_with("/>") { "/>" } else { ">" };
    let rebuilt = format!(
        "{}{}{}",
        &tag[..name_end],
        attrs.iter().map(|a| format!(" {a}")).collect::<String>(),
        tail
    );
    if rebuilt.len() != tag.len() {
        return Err("root tag is not in the expected single-spaced form".into());
    }
    out.replace_range(open..=close, &rebuilt);
    // Manifest entries.
    let entry = regex::Regex::new(r"(?:<manifest:file-entry [^>]*/>)+").expect("valid regex");
    if let Some(m) = entry.find(&out.clone()) {
        let one = regex::Regex::new(r"<manifest:file-entry [^>]*/>").expect("valid regex");
        let mut items: Vec<&str> = one.find_iter(m.as_str()).map(|x| x.as_str()).collect();
        items.sort_unstable();
        out.replace_range(m.range(), &items.concat());
    }
    debug_assert_eq!(out.len(), data.len());
    data.copy_from_slice(out.as_bytes());
    Ok(())
}

/// CRC-32 (IEEE 802.3, as zip uses).
fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A subjective/account line template: code, name, relative weight.
pub(crate) type Sub = (&'static str, &'static str, u32);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_is_exact() {
        let mut g = Gen::new(7);
        for total in [0i64, 1, 999, 123_456_789, -5_000] {
            let parts = g.split(total, &[5, 3, 2, 9], 30, 10);
            assert_eq!(parts.iter().sum::<i64>(), total);
        }
    }

    #[test]
    fn crc32_matches_reference() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn grouping() {
        assert_eq!(grouped(dec(123456789, 2), 2), "1,234,567.89");
        assert_eq!(grouped(dec(-100, 2), 2), "1.00");
        assert_eq!(grouped(dec(1234, 0), 0), "1,234");
        assert_eq!(grouped(dec(12345, 1), 1), "1,234.5");
    }

    #[test]
    fn numbers_round_trip() {
        for d in [
            dec(123456789012, 2),
            dec(12345, 1),
            dec(-4567891, 3),
            dec(1, 2),
        ] {
            assert_eq!(crate::money::from_sheet_number(num(d)), Some(d.normalize()));
        }
    }
}

/// The control total each sample file carries, as `sources.toml` declares it: a cell reference
/// (with its sheet where the model names one) or, for the ICB export, which has no total row,
/// the exact value. Used by the tests to keep `models/kirkbridge/sources.toml` in step with the
/// generator.
pub fn expected_controls(files: &[SampleFile]) -> Vec<(&'static str, String)> {
    files
        .iter()
        .map(|f| {
            let c = match f.agency {
                "council" => format!("'{}'!F{}", council::SHEET, council::control_row()),
                "icb" => format!("value {}", crate::money::plain(f.total)),
                "acute-trust" => "Summary!C4".to_string(),
                "mh-trust" => format!("F{}", nhs::mh_total_row(f.lines)),
                "police" => format!("E{}", justice::police_total_row(f.lines)),
                "probation" => format!("E{}", justice::probation_total_row(f.lines)),
                "prisons" => format!("D{}", justice::prisons_total_row()),
                "dwp" => format!("E{}", tables::dwp_total_row()),
                "community-safety" => format!("E{}", tables::csp_total_row()),
                other => unreachable!("unknown sample agency {other}"),
            };
            (f.agency, c)
        })
        .collect()
}

#[cfg(test)]
mod place_tests {
    use super::*;
    use crate::ingest::{ingest_place, Status};
    use crate::model::{ControlTotal, Place, SpendSign};

    fn root() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }

    /// The committed model, with its sources pointed at `dir`.
    fn kirkbridge_reading(dir: &Path) -> Place {
        let mut place =
            Place::load(&root().join("models/kirkbridge")).expect("models/kirkbridge loads");
        for s in &mut place.sources {
            s.path = dir.join(s.path.file_name().expect("a file"));
        }
        place
    }

    #[test]
    fn sources_toml_matches_the_generator() {
        let dir = tempfile::tempdir().unwrap();
        let files = build_sample_place(dir.path()).unwrap();
        let place = kirkbridge_reading(dir.path());
        for (agency, want) in expected_controls(&files) {
            let s = place
                .sources
                .iter()
                .find(|s| place.agencies[s.agency].id == agency)
                .unwrap_or_else(|| panic!("no source for {agency}"));
            let got = match s
                .control_total
                .as_ref()
                .expect("every sample source has a control total")
            {
                ControlTotal::Value(v) => format!("value {}", crate::money::plain(*v)),
                ControlTotal::Cell { sheet, row, col } => {
                    let cell = format!("{}{row}", crate::error::col_letter(*col));
                    match sheet {
                        Some(sh) if sh.contains(' ') => format!("'{sh}'!{cell}"),
                        Some(sh) => format!("{sh}!{cell}"),
                        None => cell,
                    }
                }
            };
            assert_eq!(
                got, want,
                "models/kirkbridge/sources.toml: control total of {agency}"
            );
        }
    }

    #[test]
    fn every_sample_source_reconciles_to_the_generated_total() {
        let dir = tempfile::tempdir().unwrap();
        let files = build_sample_place(dir.path()).unwrap();
        let place = kirkbridge_reading(dir.path());
        let ingest = ingest_place(&place).expect("the sample place ingests and reconciles");
        assert_eq!(ingest.reports.len(), files.len());
        for f in &files {
            let (i, r) = ingest
                .reports
                .iter()
                .enumerate()
                .find(|(_, r)| r.agency == f.agency)
                .expect("a report");
            let s = &place.sources[i];
            assert_eq!(r.status, Status::Reconciled, "{}", f.agency);
            assert_eq!(r.lines as usize, f.lines, "{} lines", f.agency);
            let mut want = f.total * s.units.multiplier();
            if s.spend_sign == SpendSign::Negative {
                want = -want;
            }
            assert_eq!(r.total, want, "{} total", f.agency);
        }
    }

    #[test]
    fn committed_sample_data_is_what_the_generator_writes() {
        let dir = tempfile::tempdir().unwrap();
        let files = build_sample_place(dir.path()).unwrap();
        for f in files {
            let name = f.path.file_name().unwrap();
            let committed = root().join("sample-data/kirkbridge").join(name);
            let fresh = std::fs::read(&f.path).unwrap();
            let old = std::fs::read(&committed).unwrap_or_default();
            assert!(
                fresh == old,
                "{} differs from a fresh build: run `cargo run -- generate-sample` and commit the result",
                committed.display()
            );
        }
    }

    #[test]
    fn generator_is_deterministic() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let fa = build_sample_place(a.path()).unwrap();
        build_sample_place(b.path()).unwrap();
        for f in fa {
            let name = f.path.file_name().unwrap();
            assert_eq!(
                std::fs::read(&f.path).unwrap(),
                std::fs::read(b.path().join(name)).unwrap(),
                "{name:?}"
            );
        }
    }

    /// A one-source place around a data folder.
    fn one_source_place(dir: &Path, source_toml: &str) -> Place {
        std::fs::write(
            dir.join("place.toml"),
            "[place]\nid = \"bench\"\nname = \"Bench\"\nfinancial_year = \"2024-25\"\nprice_base = 2024\n\
             population = 1000\nsynthetic = true\n\n[[agency]]\nid = \"council\"\nname = \"Council\"\n\
             sector = \"local-authority\"\nbudget_control = \"local\"\n",
        )
        .unwrap();
        std::fs::write(dir.join("sources.toml"), source_toml).unwrap();
        Place::load(dir).expect("the place loads")
    }

    #[test]
    fn large_ledger_csv_and_xlsx_ingest_to_the_returned_total() {
        let mut totals = Vec::new();
        for name in ["large-ledger.csv", "large-ledger.xlsx"] {
            let dir = tempfile::tempdir().unwrap();
            let total = write_large_ledger(&dir.path().join(name), 5_000, 42).unwrap();
            let toml = format!(
                "{}control_total = {{ value = \"{}\" }}\n",
                large_ledger_source_toml(name),
                crate::money::plain(total)
            );
            let place = one_source_place(dir.path(), &toml);
            let ingest = ingest_place(&place).expect("reconciles");
            assert_eq!(ingest.reports[0].lines, 5_000, "{name}");
            assert_eq!(ingest.reports[0].total, total, "{name}");
            totals.push(total);
        }
        assert_eq!(
            totals[0], totals[1],
            "the same seed gives the same lines in both formats"
        );
    }

    #[test]
    fn xls_fixtures_read_as_documented() {
        let fixtures = root().join("tests/fixtures");
        let dir = tempfile::tempdir().unwrap();
        let src = |file: &str| {
            format!(
                "[[source]]\nid = \"xls\"\nagency = \"council\"\nfile = {}\nheader_row = 1\n\
                 columns = {{ amount = \"Amount\", cost_centre = \"Cost Centre\", service = \"Service\", description = \"Description\" }}\n\
                 control_total = {{ value = \"10361.00\" }}\n",
                toml::Value::String(fixtures.join(file).display().to_string())
            )
        };
        let place = one_source_place(dir.path(), &src("ledger.xls"));
        let ingest = ingest_place(&place).expect("ledger.xls reads and reconciles");
        assert_eq!(ingest.reports[0].lines, 5);
        let place = one_source_place(dir.path(), &src("error-cell.xls"));
        let err = ingest_place(&place)
            .expect_err("error-cell.xls has #DIV/0! in D4")
            .to_string();
        assert!(err.contains("#DIV/0!") && err.contains("D4"), "{err}");
    }
}
