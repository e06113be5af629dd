//! Scenarios that stand on the count: local unit costs derived from the place's spend map, and
//! each agency's mapped spend on the scenario's cohort today (its baseline).
//!
//! The pipeline runs ingest → map → scenario, so a scenario may read the [`SpendMap`] (never
//! the other way). A **local unit cost** (`[[local_cost]]` in a scenario file) is an agency's
//! mapped spend on a cohort (or at one transition point) divided by the cohort's size from
//! `place.toml` or by a declared activity count, in the place's financial-year prices; the
//! mapping rules and budget files it came from become its source, and a national library cost
//! may be named beside it. See `docs/scenarios.md`.

use std::path::Path;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::error::{display_path, Result};
use crate::ingest;
use crate::mapping::{self, Mapping, SpendMap};
use crate::model::Place;
use crate::money::format_gbp;

/// The place's spend map, with what a scenario needs to cite it.
#[derive(Debug, Clone)]
pub struct Count {
    /// The mapping file as shown in messages.
    pub mapping_file: String,
    /// Financial year of the budgets (start year: 2024 = 2024-25).
    pub year: i32,
    pub map: SpendMap,
    /// Rule ids, by index into `map.rules`.
    pub rule_ids: Vec<String>,
    /// Per agency of the place: its budget files, as shown in messages.
    pub agency_sources: Vec<Vec<String>>,
}

impl Count {
    /// Build from a place already mapped.
    pub fn new(place: &Place, mapping: &Mapping, map: &SpendMap) -> Count {
        Count {
            mapping_file: mapping.file.clone(),
            year: place_year(place),
            map: map.clone(),
            rule_ids: mapping.rules.iter().map(|r| r.id.clone()).collect(),
            agency_sources: (0..place.agencies.len())
                .map(|a| {
                    place
                        .sources
                        .iter()
                        .filter(|s| s.agency == a)
                        .map(|s| s.display.clone())
                        .collect()
                })
                .collect(),
        }
    }

    /// Ingest and map the place: `None` when it has no `mapping.toml`.
    pub fn of_place(place: &Place) -> Result<Option<Count>> {
        if !place.dir.join("mapping.toml").is_file() {
            return Ok(None);
        }
        let mapping = Mapping::load(place)?;
        let ing = ingest::ingest_place(place)?;
        let map = mapping::map_ledger(place, &mapping, &ing.ledger)?;
        Ok(Some(Count::new(place, &mapping, &map)))
    }

    /// Mapped spend of `agency` on `cohort`, at `transition` when given, and the rules that
    /// put it there (rule id, amount), in file order, non-zero only.
    pub fn spend(
        &self,
        agency: usize,
        cohort: usize,
        transition: Option<usize>,
    ) -> (Decimal, Vec<(String, Decimal)>) {
        let mut total = Decimal::ZERO;
        let mut by_rule: Vec<(String, Decimal)> = Vec::new();
        for (t, tr) in self.map.targets.iter().enumerate() {
            if tr.cohort != cohort || (transition.is_some() && tr.transition != transition) {
                continue;
            }
            let v = self.map.amount(agency, t);
            if v.is_zero() {
                continue;
            }
            total += v;
            let id = &self.rule_ids[tr.rule];
            match by_rule.iter_mut().find(|(r, _)| r == id) {
                Some((_, x)) => *x += v,
                None => by_rule.push((id.clone(), v)),
            }
        }
        (total, by_rule)
    }
}

/// The place's financial year as a start year (validated as `YYYY-YY` by the model).
pub fn place_year(place: &Place) -> i32 {
    super::library::parse_fy(&place.info.financial_year).unwrap_or(i32::from(place.info.price_base))
}

/// Where a local unit cost came from: shown beside its value in every output.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LocalOrigin {
    pub agency: String,
    pub cohort: String,
    /// Set when the spend is that at one transition point of the cohort.
    pub transition: Option<String>,
    /// The mapped spend divided (pounds, exact).
    pub mapped_spend: Decimal,
    /// What it is divided by.
    pub denominator: Decimal,
    /// `cohort size (place.toml: <its source>)` or `count (<source>)`.
    pub denominator_source: String,
    /// The mapping rules that put the spend there, with their amounts.
    pub rules: Vec<(String, Decimal)>,
    pub mapping_file: String,
    /// The agency's budget files the ledger lines came from.
    pub sources: Vec<String>,
    /// A national (library) unit cost shown beside the local one: id and value in the
    /// scenario's price base.
    pub national: Option<(String, Decimal)>,
}

impl LocalOrigin {
    /// One line of provenance: `spend map 2024-25: council × care-leavers £28,760,590.32
    /// (rules ...; models/.../mapping.toml; files ...) ÷ 480 (cohort size ...)`.
    pub fn describe(&self, year: i32) -> String {
        let at = match &self.transition {
            Some(t) => format!(" at {t}"),
            None => String::new(),
        };
        let rules = self
            .rules
            .iter()
            .map(|(r, v)| format!("{r} {}", format_gbp(*v)))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "spend map {}: {} × {}{at} {} (rules {rules}; {}; ledger lines from {}) ÷ {} ({})",
            super::library::fy_label(year),
            self.agency,
            self.cohort,
            format_gbp(self.mapped_spend),
            self.mapping_file,
            self.sources.join(", "),
            self.denominator.normalize(),
            self.denominator_source
        )
    }
}

/// The mapping file a place would use, as shown in messages.
pub fn mapping_path(place: &Place) -> String {
    display_path(&place.dir.join(Path::new("mapping.toml")))
}
