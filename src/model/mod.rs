//! The place model: `models/<place>/place.toml` (place, agencies, cohorts, transition points)
//! and `models/<place>/sources.toml` (every agency's budget files and how to read them).
//!
//! Files are parsed into raw serde structs ([`raw`]) and validated once into the types the
//! engine uses ([`Place`], [`Source`]); the engine never re-checks. Validation reports every
//! problem it finds, each naming the file and the key at fault.

pub mod raw;
mod validate;

use std::path::{Path, PathBuf};

use regex::Regex;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::error::{display_path, Error, Result};

pub use validate::parse_cell_ref;

/// Whether a saving to an agency can be cashed by the place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BudgetControl {
    /// Set and held locally (a council): savings can be cashed in the place.
    Local,
    /// Set nationally or force-wide (DWP benefits, police under a force-wide budget):
    /// savings are real but not in the place's hands.
    Central,
    /// Held in a pooled budget agreed by partners.
    Pooled,
}

impl BudgetControl {
    pub fn as_str(self) -> &'static str {
        match self {
            BudgetControl::Local => "local",
            BudgetControl::Central => "central",
            BudgetControl::Pooled => "pooled",
        }
    }
}

/// The kind of public body an agency is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Sector {
    LocalAuthority,
    NhsCommissioner,
    NhsAcute,
    NhsMentalHealth,
    NhsCommunity,
    Police,
    Probation,
    Prisons,
    Dwp,
    Housing,
    Fire,
    CommunitySafety,
    Voluntary,
    CentralGovernment,
    Other,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlaceInfo {
    pub id: String,
    pub name: String,
    /// e.g. "2024-25".
    pub financial_year: String,
    /// Year whose prices all figures are expressed in.
    pub price_base: u16,
    pub population: u64,
    /// True when the figures are synthetic (the sample place); outputs say so.
    pub synthetic: bool,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Agency {
    pub id: String,
    pub name: String,
    pub sector: Sector,
    pub budget_control: BudgetControl,
}

#[derive(Debug, Clone, Serialize)]
pub struct Cohort {
    pub id: String,
    pub name: String,
    /// Number of people in the cohort in the financial year.
    pub size: u64,
    /// Where the size comes from (a published statistic, a local count, or "synthetic").
    pub size_source: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Transition {
    pub id: String,
    pub name: String,
    /// Index into [`Place::cohorts`].
    pub cohort: usize,
    /// Agencies on the "before" side (indices into [`Place::agencies`]).
    pub from: Vec<usize>,
    /// Agencies on the "after" side.
    pub to: Vec<usize>,
    pub description: Option<String>,
}

/// File format of a budget source, from its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Xlsx,
    Xlsm,
    Xls,
    Xlsb,
    Ods,
    Csv,
}

impl Format {
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "xlsx" => Format::Xlsx,
            "xlsm" => Format::Xlsm,
            "xls" => Format::Xls,
            "xlsb" => Format::Xlsb,
            "ods" => Format::Ods,
            "csv" | "txt" | "tsv" => Format::Csv,
            _ => return None,
        })
    }
    /// The format's name as users write it: `xlsx`, `csv`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Xlsm => "xlsm",
            Format::Xls => "xls",
            Format::Xlsb => "xlsb",
            Format::Ods => "ods",
            Format::Csv => "csv",
        }
    }

    pub fn is_spreadsheet(self) -> bool {
        self != Format::Csv
    }
}

/// Units the amounts in a source are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Units {
    #[default]
    Pounds,
    Thousands,
    Millions,
}

impl Units {
    pub fn multiplier(self) -> Decimal {
        match self {
            Units::Pounds => Decimal::ONE,
            Units::Thousands => Decimal::from(1_000),
            Units::Millions => Decimal::from(1_000_000),
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Units::Pounds => "£",
            Units::Thousands => "£000",
            Units::Millions => "£m",
        }
    }
}

/// How spend is signed in a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SpendSign {
    /// Spend is positive, income negative (the ledger's convention).
    #[default]
    Positive,
    /// Spend is negative (some ledger exports): amounts are negated on ingest.
    Negative,
}

/// The normalised fields a source's columns map to.
#[derive(Debug, Clone, Serialize)]
pub struct Columns {
    pub amount: String,
    pub cost_centre: Option<String>,
    pub account: Option<String>,
    pub service: Option<String>,
    pub description: Option<String>,
}

impl Columns {
    /// The declared (field, header) pairs, amount first.
    pub fn declared(&self) -> Vec<(&'static str, &str)> {
        let mut v = vec![("amount", self.amount.as_str())];
        for (k, c) in [
            ("cost_centre", &self.cost_centre),
            ("account", &self.account),
            ("service", &self.service),
            ("description", &self.description),
        ] {
            if let Some(c) = c {
                v.push((k, c.as_str()));
            }
        }
        v
    }
}

/// A test that marks a row as "not a line".
#[derive(Debug, Clone)]
pub enum SkipTest {
    /// The column's text matches a regular expression.
    Matches(Regex),
    /// The column is empty.
    Blank,
}

#[derive(Debug, Clone)]
pub struct SkipRule {
    /// Counted under this reason in the ingest report.
    pub reason: String,
    /// Header text of the column tested.
    pub column: String,
    pub test: SkipTest,
}

/// Where a source's control total comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum ControlTotal {
    /// A figure declared in the model, in the source's units and sign convention.
    Value(Decimal),
    /// A cell in the workbook (or CSV): 1-based row, 0-based column.
    Cell {
        sheet: Option<String>,
        row: u32,
        col: u32,
    },
}

/// Text encoding of a CSV source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Encoding {
    #[default]
    #[serde(rename = "utf-8")]
    Utf8,
    /// Windows-1252 ("ANSI"), as many finance systems export; `£` is byte 0xA3.
    #[serde(rename = "windows-1252")]
    Windows1252,
}

/// One budget file supplied by an agency, with how to read it.
#[derive(Debug, Clone)]
pub struct Source {
    pub id: String,
    /// Index into [`Place::agencies`].
    pub agency: usize,
    /// Resolved path on disk.
    pub path: PathBuf,
    /// Path as shown in messages and provenance.
    pub display: String,
    pub format: Format,
    /// Sheet name (spreadsheets); `None` means the first sheet.
    pub sheet: Option<String>,
    /// 1-based header row; `None` means "find the row holding the declared column names".
    pub header_row: Option<u32>,
    pub columns: Columns,
    pub units: Units,
    pub spend_sign: SpendSign,
    pub skip: Vec<SkipRule>,
    pub control_total: Option<ControlTotal>,
    pub encoding: Encoding,
    pub delimiter: u8,
}

/// A validated place model.
#[derive(Debug, Clone)]
pub struct Place {
    /// The model directory (`models/<place>`).
    pub dir: PathBuf,
    pub info: PlaceInfo,
    pub agencies: Vec<Agency>,
    pub cohorts: Vec<Cohort>,
    pub transitions: Vec<Transition>,
    pub sources: Vec<Source>,
}

impl Place {
    /// Agencies (indices) with no budget file in `sources.toml`: their spend is not in the
    /// count, and every output says so rather than counting them as partners that supplied one.
    pub fn agencies_without_source(&self) -> Vec<usize> {
        (0..self.agencies.len())
            .filter(|a| !self.sources.iter().any(|s| s.agency == *a))
            .collect()
    }

    /// Load and validate `dir/place.toml` and `dir/sources.toml`.
    pub fn load(dir: &Path) -> Result<Place> {
        Self::load_with_sources(dir, &dir.join("sources.toml"))
    }

    /// Load `dir/place.toml` with another year's budget sources (same format as
    /// `sources.toml`; `totalplace track` reads later years this way).
    pub fn load_with_sources(dir: &Path, sources_file: &Path) -> Result<Place> {
        if !dir.is_dir() {
            return Err(Error::Io {
                path: display_path(dir),
                message:
                    "is not a place model directory (expected place.toml and sources.toml inside)"
                        .into(),
            });
        }
        let place_file = dir.join("place.toml");
        let raw_place: raw::PlaceFile = raw::read_toml(&place_file)?;
        let raw_sources: raw::SourcesFile = raw::read_toml(sources_file)?;
        validate::validate(dir, &place_file, raw_place, sources_file, raw_sources)
    }

    pub fn agency_index(&self, id: &str) -> Option<usize> {
        self.agencies.iter().position(|a| a.id == id)
    }
    pub fn cohort_index(&self, id: &str) -> Option<usize> {
        self.cohorts.iter().position(|c| c.id == id)
    }
    pub fn transition_index(&self, id: &str) -> Option<usize> {
        self.transitions.iter().position(|t| t.id == id)
    }
}

/// Normalise header text for matching: trim, fold runs of white space, lower-case.
pub fn header_key(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}
