//! Raw model files as written by users, before validation.

use std::path::Path;

use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::{BudgetControl, Encoding, Sector, SpendSign, Units};
use crate::error::{display_path, Error, Result};

/// Read and parse a TOML file, turning parse errors into "file: line L, column C: message".
pub fn read_toml<T: DeserializeOwned>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    parse_toml(path, &text)
}

pub fn parse_toml<T: DeserializeOwned>(path: &Path, text: &str) -> Result<T> {
    toml::from_str(text).map_err(|e| {
        let key = match e.span() {
            Some(span) => {
                let before = &text[..span.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let col = before.len() - before.rfind('\n').map(|i| i + 1).unwrap_or(0) + 1;
                format!("line {line}, column {col}")
            }
            None => "file".to_string(),
        };
        Error::model(display_path(path), key, e.message().trim().to_string())
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaceFile {
    pub place: PlaceSection,
    #[serde(default)]
    pub agency: Vec<AgencyRaw>,
    #[serde(default)]
    pub cohort: Vec<CohortRaw>,
    #[serde(default)]
    pub transition: Vec<TransitionRaw>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaceSection {
    pub id: String,
    pub name: String,
    pub financial_year: String,
    pub price_base: i64,
    pub population: i64,
    /// Folder holding the budget files, relative to the model directory.
    #[serde(default)]
    pub data_dir: Option<String>,
    #[serde(default)]
    pub synthetic: bool,
    #[serde(default)]
    pub notes: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgencyRaw {
    pub id: String,
    pub name: String,
    pub sector: Sector,
    pub budget_control: BudgetControl,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CohortRaw {
    pub id: String,
    pub name: String,
    pub size: i64,
    pub size_source: String,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitionRaw {
    pub id: String,
    pub name: String,
    pub cohort: String,
    pub from: Vec<String>,
    pub to: Vec<String>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourcesFile {
    #[serde(default)]
    pub source: Vec<SourceRaw>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceRaw {
    pub id: String,
    pub agency: String,
    pub file: String,
    #[serde(default)]
    pub sheet: Option<String>,
    #[serde(default)]
    pub header_row: Option<i64>,
    pub columns: ColumnsRaw,
    #[serde(default)]
    pub units: Units,
    #[serde(default)]
    pub spend_sign: SpendSign,
    #[serde(default)]
    pub skip: Vec<SkipRaw>,
    #[serde(default)]
    pub control_total: Option<ControlTotalRaw>,
    #[serde(default)]
    pub encoding: Option<Encoding>,
    #[serde(default)]
    pub delimiter: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnsRaw {
    pub amount: String,
    #[serde(default)]
    pub cost_centre: Option<String>,
    #[serde(default)]
    pub account: Option<String>,
    #[serde(default)]
    pub service: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkipRaw {
    pub reason: String,
    pub column: String,
    #[serde(default)]
    pub matches: Option<String>,
    #[serde(default)]
    pub blank: Option<bool>,
}

/// A number written in TOML as a string (exact) or as a number.
#[derive(Debug, Deserialize, Clone)]
#[serde(untagged)]
pub enum NumberRaw {
    Text(String),
    Int(i64),
    Float(f64),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlTotalRaw {
    /// A figure, in the source's units and sign convention.
    #[serde(default)]
    pub value: Option<NumberRaw>,
    /// A cell reference: `H130`, `Summary!B4`, `'Revenue 2024-25'!H130`.
    #[serde(default)]
    pub cell: Option<String>,
}
