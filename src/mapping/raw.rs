//! `mapping.toml` as written by users, before validation.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::model::raw::NumberRaw;

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct MappingFile {
    #[serde(default)]
    pub mapping: Option<MappingSection>,
    #[serde(default)]
    pub driver: Vec<DriverRaw>,
    #[serde(default)]
    pub rule: Vec<RuleRaw>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct MappingSection {
    #[serde(default)]
    pub notes: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DriverRaw {
    pub id: String,
    pub name: String,
    pub numerator: NumberRaw,
    pub denominator: NumberRaw,
    pub source: String,
    #[serde(default)]
    pub synthetic: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleRaw {
    pub id: String,
    #[serde(default)]
    pub priority: i64,
    #[serde(default)]
    pub note: Option<String>,
    /// Field name → matcher (a string, a list of strings, or a table with `exact`, `prefix` or
    /// `regex`). Checked by hand for clear messages.
    #[serde(rename = "match", default)]
    pub matches: BTreeMap<String, toml::Value>,
    #[serde(default)]
    pub out_of_scope: bool,
    #[serde(default)]
    pub target: Vec<TargetRaw>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetRaw {
    #[serde(default)]
    pub cohort: Option<String>,
    #[serde(default)]
    pub transition: Option<String>,
    /// Percent of the line, 0..=100 (number, or text such as "12.5%").
    #[serde(default)]
    pub share: Option<NumberRaw>,
    /// Id of a `[[driver]]`: the line is allocated by numerator ÷ denominator.
    #[serde(default)]
    pub driver: Option<String>,
    /// Bottom-up: pounds per unit of activity.
    #[serde(default)]
    pub unit_cost: Option<NumberRaw>,
    /// Bottom-up: number of units of activity.
    #[serde(default)]
    pub count: Option<NumberRaw>,
    /// Bottom-up: where the unit cost and count come from.
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub synthetic: bool,
}
