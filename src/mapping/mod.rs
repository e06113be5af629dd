//! Spend mapping: every ledger line to a cohort and transition point, or explicitly not
//! cohort-specific (issue 3, the Total Place "count").
//!
//! `models/<place>/mapping.toml` declares **drivers** (ratios with their source) and **rules**
//! (a match on the normalised fields plus targets with an allocation basis). The file is parsed
//! into raw structs ([`raw`]) and validated once against the place ([`Mapping::load`]); the
//! engine ([`map_ledger`]) compiles the rules against the ledger's string table (exact and list
//! matches become interned-symbol comparisons; prefix and regular-expression matches are
//! evaluated once per distinct string and cached) and splits each line among its targets with
//! a largest-remainder method ([`alloc::split`]) so that money is conserved to the smallest unit
//! of the line. The result is a [`SpendMap`]; [`report`] turns it into long-form CSV and JSON.
//!
//! Precedence: for each line, the matching rules with the **highest priority** apply; rules of
//! equal priority that all match **accumulate** (their shares add up, and more than 100% is an
//! error naming the rules); lower-priority matches are shadowed. See `docs/mapping.md`.

pub mod alloc;
mod engine;
pub mod raw;
pub mod report;
mod validate;

use std::path::Path;

use regex::Regex;
use rust_decimal::Decimal;

use crate::error::{display_path, Result};
use crate::ledger::Field;
use crate::model::Place;

pub use engine::{map_ledger, AgencySummary, RuleSummary, SpendMap, TargetRef, UNMATCHED};

/// A declared ratio: numerator ÷ denominator, with where the figures come from.
#[derive(Debug, Clone)]
pub struct Driver {
    pub id: String,
    pub name: String,
    pub numerator: Decimal,
    pub denominator: Decimal,
    pub source: String,
    /// True when the figures are made up (the sample place); outputs say so.
    pub synthetic: bool,
}

impl Driver {
    /// numerator ÷ denominator, at `Decimal` precision (28 significant digits).
    pub fn ratio(&self) -> Decimal {
        self.numerator / self.denominator
    }
}

/// How one field is tested.
#[derive(Debug, Clone)]
pub enum Test {
    /// Equal to one of the values (a single value is an exact match; case-sensitive).
    Exact(Vec<String>),
    /// Starts with one of the prefixes (case-sensitive).
    Prefix(Vec<String>),
    /// Unanchored regular-expression search; anchor with `^…$`, ignore case with `(?i)`.
    Regex(Regex),
}

impl Test {
    pub fn kind(&self) -> &'static str {
        match self {
            Test::Exact(v) if v.len() == 1 => "exact",
            Test::Exact(_) => "list",
            Test::Prefix(_) => "prefix",
            Test::Regex(_) => "regex",
        }
    }
    /// Whether a string passes (used for agency ids and for the engine's caches).
    pub fn is_match(&self, s: &str) -> bool {
        match self {
            Test::Exact(v) => v.iter().any(|x| x == s),
            Test::Prefix(v) => v.iter().any(|p| s.starts_with(p.as_str())),
            Test::Regex(re) => re.is_match(s),
        }
    }
}

/// One condition of a rule: a field and its test. All of a rule's conditions must hold.
#[derive(Debug, Clone)]
pub struct Condition {
    pub field: Field,
    pub test: Test,
}

/// How a target's part of a line is worked out.
#[derive(Debug, Clone)]
pub enum Basis {
    /// The whole line.
    Whole,
    /// A fixed percentage of the line, 0..=100.
    Share(Decimal),
    /// A driver's ratio of the line (index into [`Mapping::drivers`]).
    Driver(usize),
    /// Unit cost × count, spread over the lines the rule takes in proportion to their amounts;
    /// may not exceed their total.
    BottomUp {
        unit_cost: Decimal,
        count: Decimal,
        source: Option<String>,
        synthetic: bool,
    },
}

impl Basis {
    pub fn label(&self, drivers: &[Driver]) -> String {
        match self {
            Basis::Whole => "whole line".into(),
            Basis::Share(p) => format!("{}%", p.normalize()),
            Basis::Driver(d) => format!("driver {}", drivers[*d].id),
            Basis::BottomUp {
                unit_cost, count, ..
            } => format!(
                "bottom-up {} × {} = {}",
                count.normalize(),
                crate::money::format_gbp(*unit_cost),
                crate::money::format_gbp(*unit_cost * *count)
            ),
        }
    }
}

/// Where a share of a line goes.
#[derive(Debug, Clone)]
pub struct Target {
    /// Index into [`Place::cohorts`].
    pub cohort: usize,
    /// Index into [`Place::transitions`]; the transition belongs to `cohort`.
    pub transition: Option<usize>,
    pub basis: Basis,
}

/// A validated mapping rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    /// Higher applies first; equal priorities accumulate.
    pub priority: i64,
    pub note: Option<String>,
    pub conditions: Vec<Condition>,
    /// Lines this rule takes are declared not cohort-specific (and shadow lower rules).
    pub out_of_scope: bool,
    pub targets: Vec<Target>,
}

impl Rule {
    /// The agency condition, if any.
    pub fn agency_test(&self) -> Option<&Test> {
        self.conditions
            .iter()
            .find(|c| c.field == Field::Agency)
            .map(|c| &c.test)
    }
}

/// A validated `mapping.toml`.
#[derive(Debug, Clone)]
pub struct Mapping {
    /// The file as shown in messages.
    pub file: String,
    pub notes: Option<String>,
    pub drivers: Vec<Driver>,
    /// In file order.
    pub rules: Vec<Rule>,
}

impl Mapping {
    /// Load and validate `<place dir>/mapping.toml`.
    pub fn load(place: &Place) -> Result<Mapping> {
        Self::load_file(place, &place.dir.join("mapping.toml"))
    }

    /// Load and validate a mapping file against a place.
    pub fn load_file(place: &Place, path: &Path) -> Result<Mapping> {
        if !path.is_file() {
            return Err(crate::error::Error::model(
                display_path(path),
                "file",
                "no mapping file here: write one with [[rule]] and [[driver]] tables (see docs/mapping.md)",
            ));
        }
        let raw: raw::MappingFile = crate::model::raw::read_toml(path)?;
        validate::validate(place, &display_path(path), raw)
    }

    /// Validate mapping text (tests, tools).
    pub fn parse(place: &Place, file: &str, text: &str) -> Result<Mapping> {
        let raw: raw::MappingFile = crate::model::raw::parse_toml(Path::new(file), text)?;
        validate::validate(place, file, raw)
    }

    /// The `key` part of an error about rule `i`: `rule[i] "id"`.
    pub fn rule_key(&self, i: usize) -> String {
        format!("rule[{i}] \"{}\"", self.rules[i].id)
    }
}

/// Field names as written in `mapping.toml`.
pub fn field_name(f: Field) -> &'static str {
    match f {
        Field::Agency => "agency",
        Field::CostCentre => "cost_centre",
        Field::Account => "account",
        Field::Service => "service",
        Field::Description => "description",
    }
}

#[cfg(test)]
mod tests;
