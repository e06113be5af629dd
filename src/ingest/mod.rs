//! Ingest: read every agency's budget files into one normalised [`Ledger`], reconciled to each
//! source's control total.
//!
//! xlsx/xlsm and xlsb are streamed cell by cell (flat memory); xls and ods are loaded whole (the
//! formats allow nothing else); CSV is read record by record. All feed the same
//! [`rows::RowProcessor`], so every format gets the same header search, skip rules, amount
//! parsing and error locations.

mod csv_file;
pub mod limits;
pub mod rows;
pub mod xlsx_fast;

use std::fs::File;
use std::io::BufReader;

use calamine::{open_workbook, Data, DataRef, Ods, Reader, Xls, Xlsb, Xlsx};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::error::{Error, Location, Result};
use crate::ledger::Ledger;
use crate::model::{ControlTotal, Format, Place, Source};
use rows::{CellIn, RowProcessor};

/// Whether a source reconciled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum Status {
    Reconciled,
    NoControlTotal,
    Mismatch { difference: Decimal },
}

impl Status {
    pub fn label(&self) -> String {
        match self {
            Status::Reconciled => "reconciled".into(),
            Status::NoControlTotal => "no control total".into(),
            Status::Mismatch { difference } => {
                format!("MISMATCH {}", crate::money::format_gbp(*difference))
            }
        }
    }
}

/// What happened to one source.
#[derive(Debug, Clone, Serialize)]
pub struct SourceReport {
    pub source: String,
    pub agency: String,
    pub file: String,
    pub sheet: Option<String>,
    pub header_row: u32,
    pub lines: u64,
    /// Rows that are not lines, by reason (blank row, above header, and each skip rule's reason).
    pub skipped: Vec<(String, u64)>,
    /// Sum of ingested lines, in pounds.
    pub total: Decimal,
    /// Control total in pounds, if declared.
    pub control_total: Option<Decimal>,
    /// Where the control total came from ("declared" or a cell reference).
    pub control_from: Option<String>,
    pub status: Status,
    /// Things a person should check although the source read (e.g. a declared encoding that
    /// looks wrong, which sheet was chosen when none was declared).
    pub warnings: Vec<String>,
}

/// The result of ingesting a place.
#[derive(Debug)]
pub struct Ingest {
    pub ledger: Ledger,
    pub reports: Vec<SourceReport>,
}

impl Ingest {
    /// Every source's warnings, in source order.
    pub fn warnings(&self) -> impl Iterator<Item = &str> {
        self.reports
            .iter()
            .flat_map(|r| r.warnings.iter().map(String::as_str))
    }

    /// Reconciliation failures as errors.
    pub fn mismatches(&self, place: &Place) -> Vec<Error> {
        self.reports
            .iter()
            .zip(&place.sources)
            .filter_map(|(r, s)| match &r.status {
                Status::Mismatch { difference } => {
                    Some(Error::Reconciliation(Box::new(crate::error::Mismatch {
                        loc: {
                            let mut l = Location::file(&s.display);
                            if let Some(ControlTotal::Cell { sheet, row, col }) = &s.control_total {
                                l.sheet = sheet.clone().or_else(|| r.sheet.clone());
                                l.row = Some(*row);
                                l.col = Some(*col);
                            }
                            l
                        },
                        source_id: s.id.clone(),
                        computed: r.total,
                        control: r.control_total.unwrap_or_default(),
                        difference: *difference,
                    })))
                }
                _ => None,
            })
            .collect()
    }
}

/// How ingest reads (the defaults suit every use; tests vary them to check that the results do
/// not depend on them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Options {
    /// How CSV files are split for parallel reading.
    pub csv_chunking: csv_file::Chunking,
    /// Read a place's sources one after another rather than in parallel.
    pub sequential_sources: bool,
    /// Read .xlsx/.xlsm files by calamine's reader alone, never the fast one
    /// ([`xlsx_fast`]); tests compare the two.
    pub xlsx_calamine_only: bool,
}

pub use csv_file::Chunking;

/// Ingest every source of a place. Errors if any file is unreadable or has a bad cell (all
/// such problems are reported together), or if any source fails to reconcile.
pub fn ingest_place(place: &Place) -> Result<Ingest> {
    ingest_place_with(place, Options::default())
}

/// [`ingest_place`] with explicit [`Options`].
pub fn ingest_place_with(place: &Place, opts: Options) -> Result<Ingest> {
    let ingest = ingest_place_unreconciled_with(place, opts)?;
    Error::from_list(ingest.mismatches(place))?;
    Ok(ingest)
}

/// Ingest every source; reconciliation mismatches are left in the reports' status for the
/// caller to show before failing (see [`Ingest::mismatches`]).
pub fn ingest_place_unreconciled(place: &Place) -> Result<Ingest> {
    ingest_place_unreconciled_with(place, Options::default())
}

/// [`ingest_place_unreconciled`] with explicit [`Options`]. Sources are read in parallel, each
/// into its own ledger, and joined in source order: the ledger (lines and string numbering),
/// reports and errors are the same whatever the thread count.
pub fn ingest_place_unreconciled_with(place: &Place, opts: Options) -> Result<Ingest> {
    use rayon::prelude::*;
    let mut ledger = Ledger::new();
    ledger.intern("");
    let n = place.sources.len();
    let one = |i: usize| {
        let mut local = Ledger::new();
        local.intern("");
        let r = ingest_source_with(place, i, &mut local, opts);
        (r, local)
    };
    let results: Vec<(Result<SourceReport>, Ledger)> = if opts.sequential_sources || n < 2 {
        (0..n).map(one).collect()
    } else {
        (0..n).into_par_iter().map(one).collect()
    };
    let mut reports = Vec::new();
    let mut errors = Vec::new();
    for (r, local) in results {
        match r {
            Ok(r) => {
                reports.push(r);
                if errors.is_empty() {
                    if ledger.lines.is_empty() && ledger.strings.len() == 1 {
                        ledger = local;
                    } else {
                        ledger.append(local);
                    }
                }
            }
            Err(e) => errors.push(e),
        }
    }
    Error::from_list(errors)?;
    Ok(Ingest { ledger, reports })
}

/// Ingest one source into the ledger.
pub fn ingest_source(place: &Place, idx: usize, ledger: &mut Ledger) -> Result<SourceReport> {
    ingest_source_with(place, idx, ledger, Options::default())
}

/// [`ingest_source`] with explicit [`Options`].
pub fn ingest_source_with(
    place: &Place,
    idx: usize,
    ledger: &mut Ledger,
    opts: Options,
) -> Result<SourceReport> {
    let source = &place.sources[idx];
    // The fast xlsx reader checks the limits as it reads, and steps aside (leaving the ledger
    // as it was) for anything it does not know: the calamine path then reads the file.
    let fast = match source.format {
        Format::Xlsx | Format::Xlsm if !opts.xlsx_calamine_only => {
            guard_reader(source, || xlsx_fast::read(source, idx, ledger))?
        }
        _ => None,
    };
    let (sheet, proc_out) = match fast {
        Some(r) => r,
        None => {
            limits::inspect(source)?;
            guard_reader(source, || {
                read_source(source, idx, ledger, opts.csv_chunking)
            })?
        }
    };
    finish_report(place, source, sheet, proc_out)
}

type Read = (Option<String>, Processed);

fn read_source(
    source: &Source,
    idx: usize,
    ledger: &mut Ledger,
    chunking: Chunking,
) -> Result<Read> {
    Ok(match source.format {
        Format::Xlsx | Format::Xlsm => read_xlsx(source, idx, ledger)?,
        Format::Xlsb => read_xlsb(source, idx, ledger)?,
        Format::Xls => {
            let wb: Xls<_> = open_workbook(&source.path).map_err(|e| unreadable(source, e))?;
            read_range_workbook(wb, source, idx, ledger)?
        }
        Format::Ods => {
            let wb: Ods<_> = open_workbook(&source.path).map_err(|e| unreadable(source, e))?;
            read_range_workbook(wb, source, idx, ledger)?
        }
        Format::Csv => (None, csv_file::read_csv(source, idx, ledger, chunking)?),
    })
}

thread_local! {
    static IN_READER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Run `f` with panics kept out of the terminal, as inside [`guard_reader`]: for a reader's
/// helper threads, whose panics reach the guard through rayon.
fn quiet_panics<T>(f: impl FnOnce() -> T) -> T {
    let was = IN_READER.with(|c| c.replace(true));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    IN_READER.with(|c| c.set(was));
    match r {
        Ok(v) => v,
        Err(p) => std::panic::resume_unwind(p),
    }
}

/// Run a format reader, turning a panic inside it (a reader bug met by an unusual file) into
/// "cannot read FILE: ..." rather than a crash. The panic message is kept out of the terminal
/// while a reader runs; panics elsewhere print as usual.
fn guard_reader<T>(source: &Source, f: impl FnOnce() -> Result<T>) -> Result<T> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !IN_READER.with(|c| c.get()) {
                prev(info);
            }
        }));
    });
    let was = IN_READER.with(|c| c.replace(true));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    IN_READER.with(|c| c.set(was));
    match r {
        Ok(r) => r,
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown error".into());
            Err(Error::input(
                Location::file(&source.display),
                format!(
                    "cannot read this file: the {} reader failed on it ({msg}); re-save it from Excel or LibreOffice, or report the file to the totalplace maintainers",
                    source.format.name()
                ),
            ))
        }
    }
}

fn finish_report(
    place: &Place,
    source: &Source,
    sheet: Option<String>,
    proc_out: Processed,
) -> Result<SourceReport> {
    let Processed {
        header_row,
        lines,
        skipped,
        total,
        control,
        warnings,
    } = proc_out;
    let (control_total, control_from) = match (&source.control_total, control) {
        (None, _) => (None, None),
        (Some(ControlTotal::Value(_)), Some(v)) => (Some(v), Some("declared".to_string())),
        (Some(ControlTotal::Cell { sheet: s, row, col }), Some(v)) => {
            let prefix = s
                .as_deref()
                .map(|s| format!("{}!", crate::error::quote_sheet(s)))
                .unwrap_or_default();
            (
                Some(v),
                Some(format!("{prefix}{}{row}", crate::error::col_letter(*col))),
            )
        }
        (Some(_), None) => unreachable!("control total resolved by the reader"),
    };
    let status = match control_total {
        None => Status::NoControlTotal,
        Some(c) if c == total => Status::Reconciled,
        Some(c) => Status::Mismatch {
            difference: total.checked_sub(c).ok_or_else(|| {
                Error::input(
                    Location::file(&source.display),
                    format!(
                        "the control total {c} and the lines' total {total} differ by more than a decimal can hold"
                    ),
                )
            })?,
        },
    };
    Ok(SourceReport {
        source: source.id.clone(),
        agency: place.agencies[source.agency].id.clone(),
        file: source.display.clone(),
        sheet,
        header_row,
        lines,
        skipped: skipped.into_iter().collect(),
        total,
        control_total,
        control_from,
        status,
        warnings,
    })
}

struct Processed {
    header_row: u32,
    lines: u64,
    skipped: std::collections::BTreeMap<String, u64>,
    total: Decimal,
    control: Option<Decimal>,
    warnings: Vec<String>,
}

fn unreadable(source: &Source, e: impl std::fmt::Display) -> Error {
    Error::input(
        Location::file(&source.display),
        format!("cannot be read as {}: {e}", source.format.name()),
    )
}

/// Sheet names as a message lists them: `"Revenue 2024-25", "Summary"`.
fn quoted_list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The largest row and column a spreadsheet can have (Excel: 1,048,576 rows, XFD columns);
/// cells beyond them are damage, not data.
pub const MAX_SHEET_ROWS: u32 = 1_048_576;
pub const MAX_SHEET_COLS: u32 = 16_384;

/// Choose the sheet: the declared one (exact name), or the first visible worksheet, with a
/// warning naming it when the workbook has several. A wrong name lists the sheets.
fn pick_sheet(source: &Source, sheets: &[calamine::Sheet]) -> Result<(String, Option<String>)> {
    let names: Vec<String> = sheets.iter().map(|s| s.name.clone()).collect();
    match &source.sheet {
        Some(s) => {
            if names.iter().any(|n| n == s) {
                Ok((s.clone(), None))
            } else {
                let hint = names
                    .iter()
                    .find(|n| n.trim().eq_ignore_ascii_case(s.trim()))
                    .map(|n| format!(" (did you mean \"{n}\"?)"))
                    .unwrap_or_default();
                Err(Error::input(
                    Location::file(&source.display),
                    format!(
                        "no sheet named \"{s}\"{hint}; the workbook has: {}",
                        quoted_list(&names)
                    ),
                ))
            }
        }
        None => {
            let visible = sheets.iter().find(|s| {
                s.visible == calamine::SheetVisible::Visible
                    && s.typ == calamine::SheetType::WorkSheet
            });
            let chosen = visible.or(sheets.first()).ok_or_else(|| {
                Error::input(
                    Location::file(&source.display),
                    "the workbook has no sheets",
                )
            })?;
            let warning = (sheets.len() > 1).then(|| {
                let hidden: Vec<String> = sheets
                    .iter()
                    .filter(|s| s.visible != calamine::SheetVisible::Visible)
                    .map(|s| s.name.clone())
                    .collect();
                format!(
                    "{}: no sheet declared, so read \"{}\", the first visible sheet of {} ({}{}); set sheet = \"...\" in sources.toml to choose",
                    source.display,
                    chosen.name,
                    sheets.len(),
                    quoted_list(&names),
                    if hidden.is_empty() {
                        String::new()
                    } else {
                        format!("; hidden: {}", quoted_list(&hidden))
                    }
                )
            });
            Ok((chosen.name.clone(), warning))
        }
    }
}

/// A cell position from a reader (0-based) as the row processor takes it (1-based row), or a
/// located error when it is beyond any spreadsheet's size.
fn sheet_pos(source: &Source, sheet: &str, r: u32, c: u32) -> Result<u32> {
    if r >= MAX_SHEET_ROWS || c >= MAX_SHEET_COLS {
        let mut loc = Location::file(&source.display);
        loc.sheet = Some(sheet.to_string());
        return Err(Error::input(
            loc,
            format!(
                "a cell is at row {}, column {}, beyond the largest sheet ({MAX_SHEET_ROWS} rows, {MAX_SHEET_COLS} columns): the file is damaged",
                u64::from(r) + 1,
                u64::from(c) + 1
            ),
        ));
    }
    Ok(r + 1)
}

/// Split a declared control total into what the row processor should watch for.
fn control_in_sheet(source: &Source, sheet: Option<&str>) -> Option<(u32, u32)> {
    match &source.control_total {
        Some(ControlTotal::Cell { sheet: s, row, col }) if s.is_none() || s.as_deref() == sheet => {
            Some((*row, *col))
        }
        _ => None,
    }
}

fn finish_control(
    source: &Source,
    proc: &mut RowProcessor<'_>,
    sheet: Option<&str>,
    other_sheet: impl FnOnce(&str, u32, u32) -> Result<Data>,
) -> Result<Option<Decimal>> {
    match &source.control_total {
        None => Ok(None),
        Some(ControlTotal::Value(v)) => proc.to_pounds(*v).map(Some).map_err(|m| {
            Error::input(
                Location::file(&source.display),
                format!("control_total value: {m}"),
            )
        }),
        Some(ControlTotal::Cell { sheet: s, row, col }) => {
            if s.is_none() || s.as_deref() == sheet {
                match proc.control_found.take() {
                    Some(r) => r.map(Some),
                    None => Err(Error::input(
                        Location::cell(&source.display, sheet, *row, *col),
                        rows::EMPTY_CONTROL,
                    )),
                }
            } else {
                let other = s.as_deref().expect("checked");
                let cell = other_sheet(other, *row, *col)?;
                proc.cell_amount(data_to_cell(&cell), *row, *col, "control total")
                    .map_err(|e| match e {
                        Error::Input { mut loc, message } => {
                            loc.sheet = Some(other.to_string());
                            Error::Input { loc, message }
                        }
                        e => e,
                    })
                    .map(Some)
            }
        }
    }
}

fn data_to_cell(d: &Data) -> CellIn<'_> {
    match d {
        Data::Empty => CellIn::Empty,
        Data::Int(i) => CellIn::Int(*i),
        Data::Float(f) => CellIn::Float(*f),
        Data::String(s) => CellIn::Text(s),
        Data::Bool(b) => CellIn::Bool(*b),
        Data::DateTime(dt) => CellIn::Date(dt.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => CellIn::Text(s),
        Data::Error(e) => CellIn::Error(error_text(e)),
    }
}

fn error_text(e: &calamine::CellErrorType) -> &'static str {
    use calamine::CellErrorType as E;
    match e {
        E::Div0 => "#DIV/0!",
        E::NA => "#N/A",
        E::Name => "#NAME?",
        E::Null => "#NULL!",
        E::Num => "#NUM!",
        E::Ref => "#REF!",
        E::Value => "#VALUE!",
        E::GettingData => "#GETTING_DATA",
    }
}

fn dataref_to_cell<'a>(d: &'a DataRef<'_>) -> CellIn<'a> {
    match d {
        DataRef::Empty => CellIn::Empty,
        DataRef::Int(i) => CellIn::Int(*i),
        DataRef::Float(f) => CellIn::Float(*f),
        DataRef::String(s) => CellIn::Text(s),
        DataRef::SharedString(s) => CellIn::Text(s),
        DataRef::Bool(b) => CellIn::Bool(*b),
        DataRef::DateTime(dt) => CellIn::Date(dt.as_f64()),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => CellIn::Text(s),
        DataRef::Error(e) => CellIn::Error(error_text(e)),
    }
}

fn processed(proc: RowProcessor<'_>, control: Option<Decimal>) -> Processed {
    Processed {
        header_row: proc.header_row().unwrap_or(0),
        lines: proc.lines,
        skipped: proc.skipped,
        total: proc.total,
        control,
        warnings: Vec::new(),
    }
}

fn range_cell<R: Reader<BufReader<File>>>(
    wb: &mut R,
    source: &Source,
    sheet: &str,
    row: u32,
    col: u32,
) -> Result<Data>
where
    R::Error: std::fmt::Display,
{
    let names = wb.sheet_names();
    let sheet = if names.iter().any(|n| n == sheet) {
        sheet.to_string()
    } else {
        return Err(Error::input(
            Location::file(&source.display),
            format!(
                "control total refers to sheet \"{sheet}\", which does not exist; the workbook has: {}",
                quoted_list(&names)
            ),
        ));
    };
    let range = wb
        .worksheet_range(&sheet)
        .map_err(|e| unreadable(source, e))?;
    let v = range
        .get_value((row - 1, col))
        .cloned()
        .unwrap_or(Data::Empty);
    Ok(v)
}

macro_rules! stream_workbook {
    ($ty:ty, $source:expr, $idx:expr, $ledger:expr) => {{
        let source = $source;
        let mut wb: $ty = open_workbook(&source.path).map_err(|e| unreadable(source, e))?;
        let (sheet, warning) = pick_sheet(source, wb.sheets_metadata())?;
        let mut proc = RowProcessor::new(
            source,
            $idx,
            Some(sheet.clone()),
            control_in_sheet(source, Some(&sheet)),
        );
        let damaged = |sheet: &str, e: &dyn std::fmt::Display| {
            Error::input(
                Location {
                    file: source.display.clone(),
                    sheet: Some(sheet.to_string()),
                    row: None,
                    col: None,
                },
                format!("the sheet is damaged and cannot be read: {e}"),
            )
        };
        {
            let mut cells = wb
                .worksheet_cells_reader(&sheet)
                .map_err(|e| unreadable(source, e))?;
            loop {
                let cell = cells.next_cell().map_err(|e| damaged(&sheet, &e))?;
                let Some(cell) = cell else { break };
                let (r, c) = cell.get_position();
                let row = sheet_pos(source, &sheet, r, c)?;
                proc.feed(row, c, dataref_to_cell(cell.get_value()), $ledger)?;
            }
        }
        proc.finish($ledger)?;
        // A control total on another sheet is found by streaming that sheet too (a range
        // would be sized by the sheet's extent, which a file can make enormous).
        let control = finish_control(source, &mut proc, Some(&sheet), |s, r, c| {
            let names = wb.sheet_names();
            if !names.iter().any(|n| n == s) {
                return Err(Error::input(
                    Location::file(&source.display),
                    format!(
                        "control total refers to sheet \"{s}\", which does not exist; the workbook has: {}",
                        quoted_list(&names)
                    ),
                ));
            }
            let mut cells = wb
                .worksheet_cells_reader(s)
                .map_err(|e| unreadable(source, e))?;
            let mut found = Data::Empty;
            while let Some(cell) = cells.next_cell().map_err(|e| damaged(s, &e))? {
                if cell.get_position() == (r - 1, c) {
                    found = cell.get_value().clone().into();
                    break;
                }
            }
            Ok(found)
        });
        // An empty control cell may be a formula saved without its cached value: say so.
        let control = match control {
            Err(Error::Input { loc, message }) if message.starts_with(rows::EMPTY_CONTROL) => {
                let s = loc.sheet.clone().unwrap_or_else(|| sheet.clone());
                let (r, c) = (loc.row.unwrap_or(1).saturating_sub(1), loc.col.unwrap_or(0));
                let mut formula = None;
                if let Ok(mut cells) = wb.worksheet_cells_reader(&s) {
                    while let Ok(Some(f)) = cells.next_formula() {
                        let (fr, fc) = f.get_position();
                        if fr > r {
                            break;
                        }
                        if (fr, fc) == (r, c) && !f.get_value().is_empty() {
                            formula = Some(f.get_value().clone());
                            break;
                        }
                    }
                }
                Err(match formula {
                    Some(f) => Error::input(
                        loc,
                        format!(
                            "control total cell holds the formula ={} but no cached value (the file was written by a tool that does not calculate): open it in Excel or LibreOffice and save it",
                            crate::money::quote(&f)
                        ),
                    ),
                    None => Error::Input { loc, message },
                })
            }
            other => other,
        }?;
        let mut p = processed(proc, control);
        p.warnings.extend(warning);
        Ok((Some(sheet), p))
    }};
}

fn read_xlsx(
    source: &Source,
    idx: usize,
    ledger: &mut Ledger,
) -> Result<(Option<String>, Processed)> {
    stream_workbook!(Xlsx<_>, source, idx, ledger)
}

fn read_xlsb(
    source: &Source,
    idx: usize,
    ledger: &mut Ledger,
) -> Result<(Option<String>, Processed)> {
    stream_workbook!(Xlsb<_>, source, idx, ledger)
}

fn read_range_workbook<R: Reader<BufReader<File>>>(
    mut wb: R,
    source: &Source,
    idx: usize,
    ledger: &mut Ledger,
) -> Result<(Option<String>, Processed)>
where
    R::Error: std::fmt::Display,
{
    let (sheet, warning) = pick_sheet(source, wb.sheets_metadata())?;
    let range = wb
        .worksheet_range(&sheet)
        .map_err(|e| unreadable(source, e))?;
    let mut proc = RowProcessor::new(
        source,
        idx,
        Some(sheet.clone()),
        control_in_sheet(source, Some(&sheet)),
    );
    if let Some((r0, c0)) = range.start() {
        for (r, c, v) in range.used_cells() {
            let (r, c) = (r0 + r as u32, c0 + c as u32);
            let row = sheet_pos(source, &sheet, r, c)?;
            proc.feed(row, c, data_to_cell(v), ledger)?;
        }
    }
    proc.finish(ledger)?;
    let control = finish_control(source, &mut proc, Some(&sheet), |s, r, c| {
        range_cell(&mut wb, source, s, r, c)
    })?;
    let mut p = processed(proc, control);
    p.warnings.extend(warning);
    Ok((Some(sheet), p))
}

/// The normalised ledger's columns, in order.
const LEDGER_HEADER: [&str; 10] = [
    "agency",
    "source",
    "cost_centre",
    "account",
    "service",
    "description",
    "amount",
    "file",
    "sheet",
    "row",
];

/// The normalised ledger as CSV: one row per line with its provenance. Amounts are exact pounds
/// (at least 2 decimal places; sub-penny digits kept).
///
/// The bytes are those of the csv crate's writer (fields quoted only when they hold a comma,
/// quote, CR or LF; quotes doubled; LF line ends), written faster: every distinct string is
/// quoted once per symbol rather than once per line, each source's provenance columns are
/// prepared once, and stretches of lines are formatted in parallel and joined in order.
pub fn ledger_csv(place: &Place, ingest: &Ingest) -> Result<Vec<u8>> {
    let mut parts = Vec::new();
    write_ledger_csv(place, ingest, &mut |p| {
        parts.push(p);
        Ok(())
    })
    .map_err(|e| Error::io(std::path::Path::new("ledger.csv"), e))?;
    // One allocation of the exact size, then one copy of each piece.
    Ok(parts.concat())
}

/// [`ledger_csv`]'s bytes handed to `sink` in order, piece by piece as they are formatted (in
/// parallel): a caller writing them to a file writes while later pieces are still being
/// formatted. A `sink` error stops the writing and is returned.
pub fn write_ledger_csv(
    place: &Place,
    ingest: &Ingest,
    sink: &mut dyn FnMut(Vec<u8>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let sources: Vec<(String, String)> = place
        .sources
        .iter()
        .enumerate()
        .map(|(i, s)| {
            (
                place.agencies[s.agency].id.clone(),
                s.id.clone(),
                s.display.clone(),
                ingest.reports.get(i).and_then(|r| r.sheet.clone()),
            )
        })
        .map(|(agency, id, file, sheet)| {
            let mut pre = Vec::new();
            csv_field(&mut pre, &agency);
            pre.push(b',');
            csv_field(&mut pre, &id);
            let mut mid = Vec::new();
            csv_field(&mut mid, &file);
            mid.push(b',');
            csv_field(&mut mid, sheet.as_deref().unwrap_or(""));
            // Provenance is ASCII-safe bytes from our own quoting: keep as strings of bytes.
            (
                String::from_utf8(pre).expect("quoted UTF-8"),
                String::from_utf8(mid).expect("quoted UTF-8"),
            )
        })
        .collect();
    write_ledger(&ingest.ledger, &sources, sink)
}

/// Lines per parallel piece of the ledger writer.
const WRITE_CHUNK: usize = 1 << 16;

/// The ledger CSV given each source's quoted `agency,source` and `file,sheet` columns, in
/// pieces handed to `sink` in order: the header, then stretches of lines. The stretches are
/// formatted on the thread pool (from a helper thread) while this thread hands the finished
/// ones on in order.
fn write_ledger(
    ledger: &Ledger,
    sources: &[(String, String)],
    sink: &mut dyn FnMut(Vec<u8>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    use rayon::prelude::*;
    let mut quoted: Vec<u8> = Vec::new();
    let mut offsets: Vec<usize> = Vec::with_capacity(ledger.strings.len() + 1);
    offsets.push(0);
    for s in ledger.strings.strings() {
        csv_field(&mut quoted, s);
        offsets.push(quoted.len());
    }
    let field = |sym: crate::ledger::Sym| {
        let i = lasso::Key::into_usize(sym);
        &quoted[offsets[i]..offsets[i + 1]]
    };
    let mut out = Vec::new();
    for (i, h) in LEDGER_HEADER.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(h.as_bytes());
    }
    out.push(b'\n');
    sink(out)?;
    let format = |lines: &[crate::ledger::LedgerLine]| {
        let mut buf = Vec::with_capacity(lines.len() * 112);
        crate::mem::hint_huge(&mut buf);
        for l in lines {
            let (pre, mid) = &sources[l.source as usize];
            buf.extend_from_slice(pre.as_bytes());
            for sym in [l.cost_centre, l.account, l.service, l.description] {
                buf.push(b',');
                buf.extend_from_slice(field(sym));
            }
            buf.push(b',');
            // A Decimal's digits, sign and point need no quoting.
            write_amount(&mut buf, l.amount);
            buf.push(b',');
            buf.extend_from_slice(mid.as_bytes());
            buf.push(b',');
            buf.extend_from_slice(itoa::Buffer::new().format(l.row).as_bytes());
            buf.push(b'\n');
        }
        buf
    };
    let (tx, rx) = std::sync::mpsc::channel::<(usize, Vec<u8>)>();
    std::thread::scope(|scope| {
        scope.spawn(move || {
            ledger
                .lines
                .par_chunks(WRITE_CHUNK)
                .enumerate()
                .for_each_with(tx, |tx, (i, lines)| {
                    // A send fails only once the receiver has stopped (a sink error).
                    let _ = tx.send((i, format(lines)));
                });
        });
        let mut waiting = std::collections::BTreeMap::new();
        let mut next = 0;
        for (i, piece) in rx {
            waiting.insert(i, piece);
            while let Some(piece) = waiting.remove(&next) {
                sink(piece)?;
                next += 1;
            }
        }
        Ok(())
    })
}

/// An amount as `Display` writes it normalised to at least 2 decimal places (`1234.5` →
/// `1234.50`, `-0.125`, `7.00`), from its mantissa and scale (Display and normalize cost more
/// than the rest of a ledger line).
fn write_amount(out: &mut Vec<u8>, d: rust_decimal::Decimal) {
    let mut m = d.mantissa();
    let mut scale = d.scale();
    // normalize(): strip trailing zeros of the fraction.
    while scale > 2 && m % 10 == 0 {
        m /= 10;
        scale -= 1;
    }
    // rescale(2): at least two decimals (beyond 96 bits, as Decimal itself does it: amounts
    // that large never pass the ingest's magnitude check).
    while scale < 2 {
        m *= 10;
        scale += 1;
    }
    if m.unsigned_abs() >= 1u128 << 96 {
        use std::io::Write as _;
        let mut n = d.normalize();
        n.rescale(2);
        let _ = write!(out, "{n}");
        return;
    }
    if m < 0 {
        out.push(b'-');
    }
    let mut digits = itoa::Buffer::new();
    let digits = digits.format(m.unsigned_abs()).as_bytes();
    let scale = scale as usize;
    if digits.len() <= scale {
        out.extend_from_slice(b"0.");
        out.extend(std::iter::repeat_n(b'0', scale - digits.len()));
        out.extend_from_slice(digits);
    } else {
        let (int, frac) = digits.split_at(digits.len() - scale);
        out.extend_from_slice(int);
        out.push(b'.');
        out.extend_from_slice(frac);
    }
}

/// One field as the csv crate's writer writes it by default: quoted when it holds the
/// delimiter, a quote, CR or LF, with quotes doubled.
fn csv_field(out: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    if !b.iter().any(|&c| matches!(c, b',' | b'"' | b'\r' | b'\n')) {
        out.extend_from_slice(b);
        return;
    }
    out.push(b'"');
    for &c in b {
        if c == b'"' {
            out.push(b'"');
        }
        out.push(c);
    }
    out.push(b'"');
}

#[cfg(test)]
mod ledger_csv_tests {
    use super::*;
    use crate::ledger::LedgerLine;
    use proptest::prelude::*;

    /// The old path: normalise, at least 2 decimals, Display.
    fn displayed(d: Decimal) -> String {
        let mut n = d.normalize();
        if n.scale() < 2 {
            n.rescale(2);
        }
        n.to_string()
    }

    fn written(d: Decimal) -> String {
        let mut b = Vec::new();
        write_amount(&mut b, d);
        String::from_utf8(b).unwrap()
    }

    proptest! {
        /// write_amount gives Display's text of the normalised amount, every mantissa and scale.
        #[test]
        fn write_amount_is_display(m in any::<i64>(), hi in any::<i32>(), scale in 0u32..=12) {
            let d = Decimal::from_i128_with_scale(i128::from(m) * i128::from(hi).abs().max(1), scale);
            prop_assert_eq!(written(d), displayed(d));
        }
    }

    #[test]
    fn write_amount_edge_cases() {
        for t in [
            "0",
            "-0",
            "0.000",
            "-0.00",
            "1",
            "-1.5",
            "0.001",
            "-0.001",
            "100",
            "12.30",
            "79228162514264337593543950335",
            "-79228162514264337593543950335",
            "0.0000000000000000000000000001",
        ] {
            let d: Decimal = t.parse().unwrap();
            assert_eq!(written(d), displayed(d), "{t}");
        }
    }

    /// The fast writer's bytes equal the csv crate writer's on awkward strings and amounts.
    #[test]
    fn ledger_writer_matches_the_csv_crate() {
        let texts = [
            "",
            "CC1000",
            "a,b",
            "say \"hi\"",
            "two\nlines",
            "cr\rhere",
            "\"",
            ",",
            " lead",
            "£5 – café",
            "x\r\ny",
        ];
        let amounts = [
            "0",
            "-0",
            "1",
            "-1.5",
            "1234.567",
            "0.001",
            "-999999999999999999.99",
            "12.30",
            "100",
            "0.10",
        ];
        let mut ledger = Ledger::new();
        let syms: Vec<_> = texts.iter().map(|t| ledger.intern(t)).collect();
        for i in 0..40usize {
            ledger.lines.push(LedgerLine {
                agency: 0,
                source: (i % 2) as u16,
                row: (i * 37 + 1) as u32,
                cost_centre: syms[i % syms.len()],
                account: syms[(i * 3) % syms.len()],
                service: syms[(i * 5) % syms.len()],
                description: syms[(i * 7) % syms.len()],
                amount: amounts[i % amounts.len()].parse().unwrap(),
            });
        }
        let meta = [
            ("police", "p,1", "data/p \"1\".csv", ""),
            ("council", "c", "data/c.xlsx", "Sheet, one"),
        ];
        let sources: Vec<(String, String)> = meta
            .iter()
            .map(|(a, s, f, sh)| {
                let mut pre = Vec::new();
                csv_field(&mut pre, a);
                pre.push(b',');
                csv_field(&mut pre, s);
                let mut mid = Vec::new();
                csv_field(&mut mid, f);
                mid.push(b',');
                csv_field(&mut mid, sh);
                (
                    String::from_utf8(pre).unwrap(),
                    String::from_utf8(mid).unwrap(),
                )
            })
            .collect();
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(LEDGER_HEADER).unwrap();
        for l in &ledger.lines {
            let (a, s, f, sh) = meta[l.source as usize];
            w.write_record([
                a,
                s,
                ledger.text(l.cost_centre),
                ledger.text(l.account),
                ledger.text(l.service),
                ledger.text(l.description),
                &crate::money::plain(l.amount),
                f,
                sh,
                &l.row.to_string(),
            ])
            .unwrap();
        }
        let want = w.into_inner().unwrap();
        let mut parts = Vec::new();
        write_ledger(&ledger, &sources, &mut |p| {
            parts.push(p);
            Ok(())
        })
        .unwrap();
        let got = parts.concat();
        assert_eq!(
            String::from_utf8(got).unwrap(),
            String::from_utf8(want).unwrap()
        );
    }
}
