//! Raw scenario → [`ValidatedScenario`], checked against its place, the unit-cost library and
//! the GDP-deflator index. Every problem is collected and reported with the file and the key
//! (in the same path syntax as `--set`).

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use rust_decimal::Decimal;
use serde::Deserialize;

use super::library::{self, fy_label, parse_fy, Deflators, UnitCost};
use super::params::{Bound, ParamSpec, Params};
use super::raw::{self, NumberRawExt, OneOrPerIntake, ScenarioFile, YearRaw};
use super::*;
use crate::error::{display_path, normalize_path, Error, Result};
use crate::model::raw::{parse_toml, NumberRaw};
use crate::model::Place;

/// Default optimism-bias reduction of benefits by evidence grade 1 (strongest) .. 6 (weakest),
/// after the confidence-grade corrections of the New Economy (GMCA) cost-benefit analysis
/// model. A scenario may set its own under `[optimism_bias.grades]`.
pub const DEFAULT_GRADE_BIAS: [(u8, i64); 6] = [(1, 0), (2, 5), (3, 10), (4, 15), (5, 25), (6, 40)];

/// Load and validate a scenario file.
pub fn load(path: &Path) -> Result<ValidatedScenario> {
    load_with_overrides(path, &[])
}

/// Load a scenario, applying `(path, value)` overrides to its TOML before validation
/// (see [`super::overrides`]). When the scenario names a cohort or transition, or takes local
/// unit costs, and its place has a `mapping.toml`, the place is ingested and mapped for the
/// count it stands on (see [`load_with_count`] to pass one already made).
pub fn load_with_overrides(
    path: &Path,
    overrides: &[(String, String)],
) -> Result<ValidatedScenario> {
    load_with_count(path, overrides, None)
}

/// [`load_with_overrides`] with the place's spend map already computed (`report`, `track`).
pub fn load_with_count(
    path: &Path,
    overrides: &[(String, String)],
    count: Option<&Count>,
) -> Result<ValidatedScenario> {
    load_inner(path, overrides, count, true)
}

/// Load a scenario without its place's spend map (`check` when the budgets or mapping did
/// not load): no baseline, and a local unit cost is an error.
pub fn load_without_count(path: &Path) -> Result<ValidatedScenario> {
    load_inner(path, &[], None, false)
}

fn load_inner(
    path: &Path,
    overrides: &[(String, String)],
    count: Option<&Count>,
    auto_count: bool,
) -> Result<ValidatedScenario> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    load_text_inner(path, &text, overrides, count, auto_count)
}

/// Validate scenario TOML `text` as if it were the file at `path` (whose directory locates the
/// place and libraries, and which messages name), applying `overrides` first. The what-if
/// server uses it to check a variant before it writes the variant's file.
pub fn load_text(
    path: &Path,
    text: &str,
    overrides: &[(String, String)],
    count: Option<&Count>,
) -> Result<ValidatedScenario> {
    load_text_inner(path, text, overrides, count, true)
}

fn load_text_inner(
    path: &Path,
    text: &str,
    overrides: &[(String, String)],
    count: Option<&Count>,
    auto_count: bool,
) -> Result<ValidatedScenario> {
    let text = text.to_string();
    let file = display_path(path);
    let raw: ScenarioFile = if overrides.is_empty() {
        parse_toml(path, &text)?
    } else {
        let mut doc: toml::Table = parse_toml(path, &text)?;
        for (k, v) in overrides {
            super::overrides::apply(&mut doc, k, super::overrides::parse_value(v))
                .map_err(|m| Error::model(&file, format!("--set {k}"), m))?;
        }
        ScenarioFile::deserialize(toml::Value::Table(doc)).map_err(|e| {
            Error::model(
                &file,
                "--set",
                format!("after applying --set: {}", e.message().trim()),
            )
        })?
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let place_dir = match &raw.scenario.place {
        Some(p) => normalize_path(&dir.join(p)),
        None => find_up(dir, "place.toml").ok_or_else(|| {
            Error::model(
                &file,
                "scenario.place",
                "no place.toml found in this directory or above it; set `place = \"<place dir>\"`",
            )
        })?,
    };
    let place = Place::load(&place_dir)?;
    let lib_path = locate(
        dir,
        &place_dir,
        raw.scenario.unit_costs.as_deref(),
        "unit-costs.csv",
        &file,
        "scenario.unit_costs",
    )?;
    let library = match &lib_path {
        Some(p) => library::load_unit_costs(p)?,
        None => Vec::new(),
    };
    let defl_path = locate(
        dir,
        &place_dir,
        raw.scenario.deflators.as_deref(),
        "gdp-deflators.csv",
        &file,
        "scenario.deflators",
    )?;
    let deflators = match &defl_path {
        Some(p) => Deflators::load(p)?,
        None => Deflators::default(),
    };
    let lib_file = lib_path.as_deref().map(display_path).unwrap_or_default();
    let needs_count = !raw.local_cost.is_empty()
        || raw.scenario.cohort.is_some()
        || raw.scenario.transition.is_some();
    let own_count;
    let count = match count {
        Some(c) => Some(c),
        None if needs_count && auto_count => {
            own_count = Count::of_place(&place)?;
            own_count.as_ref()
        }
        None => None,
    };
    validate(file, raw, &place, &library, &lib_file, &deflators, count)
}

/// The directory at or above `dir` holding `name`.
fn find_up(dir: &Path, name: &str) -> Option<PathBuf> {
    let start = std::fs::canonicalize(dir).ok()?;
    let mut cur = Some(start.as_path());
    while let Some(d) = cur {
        if d.join(name).is_file() {
            // Prefer the relative spelling when it is under the working directory.
            return Some(
                std::env::current_dir()
                    .ok()
                    .and_then(|cwd| d.strip_prefix(&cwd).ok().map(Path::to_path_buf))
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or_else(|| d.to_path_buf()),
            );
        }
        cur = d.parent();
    }
    None
}

/// An explicit library path (relative to the scenario), or `name` in the place directory or
/// the directory above it.
fn locate(
    dir: &Path,
    place_dir: &Path,
    explicit: Option<&str>,
    name: &str,
    file: &str,
    key: &str,
) -> Result<Option<PathBuf>> {
    if let Some(p) = explicit {
        let path = normalize_path(&dir.join(p));
        if !path.is_file() {
            return Err(Error::model(
                file,
                key,
                format!("file not found: {}", display_path(&path)),
            ));
        }
        return Ok(Some(path));
    }
    for cand in [place_dir.join(name), place_dir.join("..").join(name)] {
        if cand.is_file() {
            return Ok(Some(normalize_path(&cand)));
        }
    }
    Ok(None)
}

struct Builder {
    file: String,
    errors: Vec<Error>,
    specs: Vec<ParamSpec>,
    values: Vec<Decimal>,
}

impl Builder {
    fn err(&mut self, key: impl Into<String>, msg: impl Into<String>) {
        self.errors.push(Error::model(self.file.clone(), key, msg));
    }
    fn num(&mut self, key: &str, n: &NumberRaw) -> Option<Decimal> {
        let v = n.to_decimal();
        if v.is_none() {
            self.err(key, format!("{} is not a number", n.show()));
        }
        v
    }
    /// Register parameter `path` with a value from the file (or `default`), range-checked.
    fn param(
        &mut self,
        path: String,
        raw: Option<&NumberRaw>,
        default: Decimal,
        bound: Bound,
    ) -> P {
        let v = match raw {
            None => default,
            Some(n) => self.num(&path, n).unwrap_or(default),
        };
        if let Err(m) = bound.check(v) {
            self.err(path.clone(), m);
        }
        self.specs.push(ParamSpec { path, bound });
        self.values.push(v);
        self.values.len() - 1
    }
    fn ids<'a>(&mut self, table: &str, ids: impl Iterator<Item = &'a str>) {
        let mut seen = HashSet::new();
        for id in ids {
            if id.is_empty()
                || !id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                || id.contains('.')
            {
                self.err(
                    format!("{table}.{id}"),
                    format!("id \"{id}\" must be letters, digits, '-' or '_'"),
                );
            }
            if !seen.insert(id.to_string()) {
                self.err(
                    format!("{table}.{id}"),
                    format!("duplicate {table} id \"{id}\""),
                );
            }
        }
    }
}

fn year(y: &YearRaw) -> Option<i32> {
    match y {
        YearRaw::Int(i) => i32::try_from(*i).ok().filter(|y| (1900..=2200).contains(y)),
        YearRaw::Text(s) => parse_fy(s),
    }
}

fn known(ids: impl Iterator<Item = String>) -> String {
    ids.collect::<Vec<_>>().join(", ")
}

/// A unit cost by id: the scenario's own first, then the library (an error at `key` if none).
fn find_unit_cost(
    b: &mut Builder,
    key: String,
    id: &str,
    own: &[UnitCost],
    library: &[UnitCost],
    lib_file: &str,
) -> Option<UnitCost> {
    let uc = own
        .iter()
        .find(|u| u.id == id)
        .or_else(|| library.iter().find(|u| u.id == id));
    if uc.is_none() {
        let whence = if lib_file.is_empty() {
            "no unit-costs.csv found".to_string()
        } else {
            format!("see {lib_file}")
        };
        b.err(
            key,
            format!("unknown unit cost \"{id}\" (not in this file's [[unit_cost]]; {whence})"),
        );
    }
    uc.cloned()
}

/// The index of `uc` among the unit costs the scenario uses, adding it (and its
/// `unit_cost.<id>.value` parameter) the first time.
fn use_unit_cost(
    b: &mut Builder,
    used: &mut Vec<UnitCost>,
    used_param: &mut Vec<P>,
    uc: &UnitCost,
) -> usize {
    if let Some(i) = used.iter().position(|u| u.id == uc.id) {
        return i;
    }
    // The value as loaded (exact; a local cost may carry 28 digits).
    let path = format!("unit_cost.{}.value", uc.id);
    if let Err(m) = Bound::NonNegative.check(uc.value) {
        b.err(path.clone(), m);
    }
    b.specs.push(ParamSpec {
        path,
        bound: Bound::NonNegative,
    });
    b.values.push(uc.value);
    used.push(uc.clone());
    used_param.push(b.values.len() - 1);
    used.len() - 1
}

/// Deflator indices (price base, unit cost's price year) re-basing `uc` (an error at `key`
/// when the index lacks either year).
fn rebase_of(
    b: &mut Builder,
    key: String,
    uc: &UnitCost,
    price_base: i32,
    deflators: &Deflators,
) -> (Decimal, Decimal) {
    if uc.price_year == price_base {
        return (Decimal::ONE, Decimal::ONE);
    }
    match (
        deflators.index.get(&price_base),
        deflators.index.get(&uc.price_year),
    ) {
        (Some(a), Some(c)) => (*a, *c),
        (pa, _) => {
            let missing = if pa.is_none() {
                price_base
            } else {
                uc.price_year
            };
            let idx = if deflators.file.is_empty() {
                "no gdp-deflators.csv found".to_string()
            } else {
                deflators.file.clone()
            };
            b.err(
                key,
                format!(
                    "unit cost \"{}\" is in {} prices and the price base is {}, but {} is missing from the GDP-deflator index ({idx})",
                    uc.id,
                    fy_label(uc.price_year),
                    fy_label(price_base),
                    fy_label(missing)
                ),
            );
            (Decimal::ONE, Decimal::ONE)
        }
    }
}

pub(super) fn validate(
    file: String,
    raw: ScenarioFile,
    place: &Place,
    library: &[UnitCost],
    lib_file: &str,
    deflators: &Deflators,
    count: Option<&Count>,
) -> Result<ValidatedScenario> {
    let mut b = Builder {
        file: file.clone(),
        errors: vec![],
        specs: vec![],
        values: vec![],
    };
    let h = &raw.scenario;
    if !h
        .id
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        || h.id.is_empty()
    {
        b.err(
            "scenario.id",
            format!(
                "id \"{}\" must be lower-case letters, digits, '-' or '_'",
                h.id
            ),
        );
    }
    let start_year = year(&h.start_year).unwrap_or_else(|| {
        b.err(
            "scenario.start_year",
            "not a financial year like 2025 or \"2025-26\"",
        );
        2025
    });
    let horizon = if (1..=500).contains(&h.horizon) {
        h.horizon as usize
    } else {
        b.err(
            "scenario.horizon",
            format!("{} must be a number of years, 1 to 500", h.horizon),
        );
        1
    };
    let price_base = match &h.price_base {
        None => i32::from(place.info.price_base),
        Some(y) => year(y).unwrap_or_else(|| {
            b.err(
                "scenario.price_base",
                "not a financial year like 2024 or \"2024-25\"",
            );
            i32::from(place.info.price_base)
        }),
    };
    if let Some(c) = &h.cohort {
        if place.cohort_index(c).is_none() {
            b.err(
                "scenario.cohort",
                format!(
                    "unknown cohort \"{c}\" (known: {})",
                    known(place.cohorts.iter().map(|c| c.id.clone()))
                ),
            );
        }
    }
    if let Some(t) = &h.transition {
        if place.transition_index(t).is_none() {
            b.err(
                "scenario.transition",
                format!(
                    "unknown transition \"{t}\" (known: {})",
                    known(place.transitions.iter().map(|c| c.id.clone()))
                ),
            );
        }
    }

    // Discount schedule.
    let discount = match &raw.discount {
        None => DiscountSchedule::GreenBook,
        Some(d) => match (d.schedule.as_deref(), &d.rate) {
            (None | Some("green-book"), None) => DiscountSchedule::GreenBook,
            (None | Some("flat"), Some(r)) => match b.num("discount.rate", r) {
                Some(r) => {
                    if let Err(m) = Bound::Rate.check(r) {
                        b.err("discount.rate", m);
                    }
                    DiscountSchedule::Flat(r)
                }
                None => DiscountSchedule::GreenBook,
            },
            (Some("flat"), None) => {
                b.err("discount.rate", "a flat schedule needs `rate`");
                DiscountSchedule::GreenBook
            }
            (Some("green-book"), Some(_)) => {
                b.err("discount.rate", "the Green Book schedule sets its own rates; remove `rate` or set `schedule = \"flat\"`");
                DiscountSchedule::GreenBook
            }
            (Some(other), _) => {
                b.err(
                    "discount.schedule",
                    format!("\"{other}\" is not a schedule (green-book or flat)"),
                );
                DiscountSchedule::GreenBook
            }
        },
    };

    // Parties: the place's agencies, then the scenario's external parties.
    let mut parties: Vec<Party> = place
        .agencies
        .iter()
        .map(|a| Party {
            id: a.id.clone(),
            name: a.name.clone(),
            budget_control: a.budget_control,
            external: false,
        })
        .collect();
    b.ids("external", raw.external.iter().map(|e| e.id.as_str()));
    for e in &raw.external {
        if place.agency_index(&e.id).is_some() {
            b.err(
                format!("external.{}", e.id),
                format!(
                    "\"{}\" is already an agency of place \"{}\"",
                    e.id, place.info.id
                ),
            );
            continue;
        }
        parties.push(Party {
            id: e.id.clone(),
            name: e.name.clone(),
            budget_control: e.budget_control,
            external: true,
        });
    }
    let party_list = known(parties.iter().map(|p| p.id.clone()));
    let party = |id: &str| parties.iter().position(|p| p.id == id);
    for (role, a) in &raw.roles {
        if party(a).is_none() {
            b.err(
                format!("roles.{role}"),
                format!("unknown agency \"{a}\" (known: {party_list})"),
            );
        }
    }
    let mut agency_cash: BTreeMap<usize, (String, Decimal)> = BTreeMap::new();
    for (a, v) in &raw.agency_cashability {
        let key = format!("agency_cashability.{a}");
        let Some(i) = party(a) else {
            b.err(
                &key,
                format!("unknown agency \"{a}\" (known: {party_list})"),
            );
            continue;
        };
        if let Some(v) = b.num(&key, v) {
            match Bound::Rate.check(v) {
                Ok(()) => {
                    agency_cash.insert(i, (a.clone(), v));
                }
                Err(m) => b.err(&key, m),
            }
        }
    }

    // Optimism bias.
    let ob = raw.optimism_bias.clone().unwrap_or(raw::OptimismBiasRaw {
        costs: None,
        grades: BTreeMap::new(),
        cost_grades: BTreeMap::new(),
        costs_grade: None,
        costs_reason: None,
    });
    // `optimism_bias.costs` is a parameter unless the scenario grades its costs instead (a
    // `--set` on it would then change nothing).
    let ob_costs = |b: &mut Builder| {
        b.param(
            "optimism_bias.costs".into(),
            ob.costs.as_ref(),
            Decimal::ZERO,
            Bound::NonNegative,
        )
    };
    let cost_grades = cost_grade_table(&mut b, &ob);
    let costs_reason = reason(
        &mut b,
        "optimism_bias.costs_reason",
        ob.costs_reason.as_ref(),
    );
    // The uplift of every line without its own: the scenario's `costs`, or its `costs_grade`.
    let scenario_uplift = match (ob.costs.is_some(), ob.costs_grade) {
        (true, Some(_)) => {
            b.err(
                "optimism_bias.costs_grade",
                "give `costs` (an uplift) or `costs_grade` (a confidence grade), not both",
            );
            (ob_costs(&mut b), UpliftFrom::Scenario)
        }
        (true, None) => (ob_costs(&mut b), UpliftFrom::Scenario),
        (false, Some(g)) => match graded(&mut b, "optimism_bias.costs_grade", g, &cost_grades) {
            Some((g, p)) => (p, UpliftFrom::ScenarioGrade(g)),
            None => (ob_costs(&mut b), UpliftFrom::Scenario),
        },
        (false, None) => (ob_costs(&mut b), UpliftFrom::Unset),
    };
    for g in ob.grades.keys() {
        if !matches!(g.as_str(), "1" | "2" | "3" | "4" | "5" | "6") {
            b.err(
                format!("optimism_bias.grades.{g}"),
                "evidence grades are 1 (strongest) to 6 (weakest)",
            );
        }
    }
    let grade_params: Vec<P> = DEFAULT_GRADE_BIAS
        .iter()
        .map(|(g, pct)| {
            let raw = ob.grades.get(&g.to_string());
            b.param(
                format!("optimism_bias.grade.{g}"),
                raw,
                Decimal::new(*pct, 2),
                Bound::Rate,
            )
        })
        .collect();

    // Cash prices: the assumed inflation past the deflator file (a parameter when given).
    let inflation = raw
        .prices
        .as_ref()
        .and_then(|pr| pr.inflation.as_ref())
        .map(|v| {
            b.param(
                "prices.inflation".into(),
                Some(v),
                Decimal::ZERO,
                Bound::Rate,
            )
        });
    // Keys of the lines given in cash prices (`cost.<id>.prices`, `transfer.<id>.prices`).
    let mut cash_lines: Vec<String> = Vec::new();
    let mut cash_of = |b: &mut Builder, key: String, v: Option<&str>| -> bool {
        match super::prices::parse(v) {
            Ok(cash) => {
                if cash {
                    cash_lines.push(key);
                }
                cash
            }
            Err(m) => {
                b.err(key, m);
                false
            }
        }
    };

    // Costs.
    b.ids("cost", raw.cost.iter().map(|c| c.id.as_str()));
    let mut costs = Vec::new();
    for c in &raw.cost {
        let k = |s: &str| format!("cost.{}.{s}", c.id);
        let cash = cash_of(&mut b, k("prices"), c.prices.as_deref());
        let p = party(&c.agency).unwrap_or_else(|| {
            b.err(
                k("agency"),
                format!("unknown agency \"{}\" (known: {party_list})", c.agency),
            );
            0
        });
        let kind = match c.kind.as_str() {
            "revenue" => CostKind::Revenue,
            "capital" => CostKind::Capital,
            "in-kind" => CostKind::InKind,
            other => {
                b.err(
                    k("kind"),
                    format!("\"{other}\" is not a cost kind (revenue, capital or in-kind)"),
                );
                CostKind::Revenue
            }
        };
        let from_year = nonneg(&mut b, &k("from_year"), c.from_year.unwrap_or(0));
        if c.amounts.is_empty() {
            b.err(k("amounts"), "give at least one yearly amount");
        }
        let last = from_year + c.amounts.len().saturating_sub(1);
        if last >= horizon {
            b.err(k("amounts"), format!("horizon too short: amounts run to year {last} but the horizon is {horizon} years (0..{})", horizon - 1));
        }
        let amounts = c
            .amounts
            .iter()
            .enumerate()
            .map(|(i, a)| {
                b.param(
                    format!("cost.{}.amounts.{i}", c.id),
                    Some(a),
                    Decimal::ZERO,
                    Bound::NonNegative,
                )
            })
            .collect();
        let (optimism_bias, optimism_bias_from) = match (&c.optimism_bias, c.confidence_grade) {
            (Some(v), grade) => {
                if grade.is_some() {
                    b.err(
                        k("confidence_grade"),
                        "give `optimism_bias` (an uplift) or `confidence_grade`, not both",
                    );
                }
                let p = b.param(
                    k("optimism_bias"),
                    Some(v),
                    Decimal::ZERO,
                    Bound::NonNegative,
                );
                (p, UpliftFrom::Line)
            }
            (None, Some(g)) => match graded(&mut b, &k("confidence_grade"), g, &cost_grades) {
                Some((g, p)) => (p, UpliftFrom::LineGrade(g)),
                None => scenario_uplift,
            },
            (None, None) => scenario_uplift,
        };
        let optimism_bias_reason = reason(
            &mut b,
            &k("optimism_bias_reason"),
            c.optimism_bias_reason.as_ref(),
        )
        .or_else(|| costs_reason.clone());
        costs.push(Cost {
            id: c.id.clone(),
            party: p,
            kind,
            from_year,
            amounts,
            cash,
            optimism_bias,
            optimism_bias_from,
            optimism_bias_reason,
            note: c.note.clone(),
        });
    }

    // Unit costs: the scenario's own, then the library.
    b.ids("unit_cost", raw.unit_cost.iter().map(|u| u.id.as_str()));
    let mut own: Vec<UnitCost> = Vec::new();
    for u in &raw.unit_cost {
        let k = |s: &str| format!("unit_cost.{}.{s}", u.id);
        let value = b.num(&k("value"), &u.value).unwrap_or_default();
        if value < Decimal::ZERO {
            b.err(k("value"), format!("{value} must not be negative"));
        }
        let cash = b.num(&k("cashability"), &u.cashability).unwrap_or_default();
        if let Err(m) = Bound::Rate.check(cash) {
            b.err(k("cashability"), m);
        }
        let py = year(&u.price_year).unwrap_or_else(|| {
            b.err(k("price_year"), "not a financial year like \"2023-24\"");
            price_base
        });
        let value_type = match u.value_type.as_deref().map(str::trim) {
            None => "fiscal".to_string(),
            Some(t) => library::check_value_type(t).unwrap_or_else(|m| {
                b.err(k("value_type"), m);
                "fiscal".to_string()
            }),
        };
        own.push(UnitCost {
            id: u.id.clone(),
            name: u.name.clone(),
            value,
            unit: u.unit.clone(),
            price_year: py,
            role: u.role.clone(),
            cashability: cash,
            source: u.source.clone(),
            verified: u.verified.unwrap_or(false),
            defined_in: file.clone(),
            composite_of: u.composite_of.clone(),
            local: None,
            code: String::new(),
            value_type,
            caution: None,
        });
    }
    let locals = local_costs(
        &mut b, &raw, place, library, &own, count, price_base, deflators,
    );
    own.extend(locals);
    let mut used: Vec<UnitCost> = Vec::new();
    let mut used_param: Vec<P> = Vec::new();
    let mut step_warnings: Vec<String> = Vec::new();

    // Outcomes and their flows.
    b.ids("outcome", raw.outcome.iter().map(|o| o.id.as_str()));
    let mut outcomes = Vec::new();
    for o in &raw.outcome {
        let k = |s: &str| format!("outcome.{}.{s}", o.id);
        // One figure for every intake, or one per intake year (which sets `intakes`).
        let (participants, participants_by_intake) = match &o.participants {
            OneOrPerIntake::One(n) => (
                b.param(
                    k("participants"),
                    Some(n),
                    Decimal::ZERO,
                    Bound::NonNegative,
                ),
                Vec::new(),
            ),
            OneOrPerIntake::ByIntake(list) => {
                if list.is_empty() {
                    b.err(
                        k("participants"),
                        "give one figure, or one per intake year (`[120, 100, 100]`)",
                    );
                }
                if let Some(n) = o.intakes {
                    if n != list.len() as i64 {
                        b.err(
                            k("intakes"),
                            format!(
                                "{n} intakes but participants gives {} (one per intake year): drop `intakes` or make them agree",
                                list.len()
                            ),
                        );
                    }
                }
                let by: Vec<P> = list
                    .iter()
                    .enumerate()
                    .map(|(i, n)| {
                        b.param(
                            k(&format!("participants.{i}")),
                            Some(n),
                            Decimal::ZERO,
                            Bound::NonNegative,
                        )
                    })
                    .collect();
                match by.first() {
                    Some(&first) => (first, by),
                    None => (
                        b.param(k("participants"), None, Decimal::ZERO, Bound::NonNegative),
                        Vec::new(),
                    ),
                }
            }
        };
        let engagement = b.param(
            k("engagement"),
            Some(&o.engagement),
            Decimal::ZERO,
            Bound::Rate,
        );
        let success = b.param(k("success"), Some(&o.success), Decimal::ZERO, Bound::Rate);
        let deadweight = b.param(
            k("deadweight"),
            Some(&o.deadweight),
            Decimal::ZERO,
            Bound::Rate,
        );
        let drop_off = b.param(
            k("drop_off"),
            o.drop_off.as_ref(),
            Decimal::ZERO,
            Bound::Rate,
        );
        // Additionality beyond deadweight (neutral when absent: every scenario written before
        // these keys gives the same figures).
        let attribution = b.param(
            k("attribution"),
            o.attribution.as_ref(),
            Decimal::ONE,
            Bound::Rate,
        );
        let displacement = b.param(
            k("displacement"),
            o.displacement.as_ref(),
            Decimal::ZERO,
            Bound::Rate,
        );
        let leakage = b.param(k("leakage"), o.leakage.as_ref(), Decimal::ZERO, Bound::Rate);
        let intakes = match (&o.participants, o.intakes) {
            (OneOrPerIntake::ByIntake(list), None) if !list.is_empty() => list.len() as i64,
            (_, n) => n.unwrap_or(1),
        };
        let intakes = if intakes >= 1 {
            intakes as usize
        } else {
            b.err(k("intakes"), format!("{intakes} must be at least 1"));
            1
        };
        let intake_start = nonneg(&mut b, &k("intake_start"), o.intake_start.unwrap_or(0));
        if intake_start + intakes > horizon {
            b.err(k("intakes"), format!("horizon too short: intakes run to year {} but the horizon is {horizon} years (0..{})", intake_start + intakes - 1, horizon - 1));
        }
        let lag = nonneg(&mut b, &k("lag"), o.lag.unwrap_or(0));
        if intake_start + lag >= horizon {
            b.err(k("lag"), format!("horizon too short for the lag: the first benefit falls in year {} but the horizon is {horizon} years (0..{})", intake_start + lag, horizon - 1));
        }
        let duration = match o.duration {
            None => None,
            Some(d) if d >= 1 => Some(d as usize),
            Some(d) => {
                b.err(k("duration"), format!("{d} must be at least 1 year"));
                None
            }
        };
        // Ramp-up: a share of the full effect for each year from an intake's first benefit
        // year; full effect after the profile.
        let ramp_up: Vec<P> = o
            .ramp_up
            .iter()
            .flatten()
            .enumerate()
            .map(|(i, n)| {
                b.param(
                    k(&format!("ramp_up.{i}")),
                    Some(n),
                    Decimal::ONE,
                    Bound::Rate,
                )
            })
            .collect();
        if o.ramp_up.as_ref().is_some_and(|r| r.is_empty()) {
            b.err(
                k("ramp_up"),
                "give the share of the full effect in each year from the first benefit year (`[0.25, 0.5]`), or leave ramp_up out",
            );
        }
        let grade = if (1..=6).contains(&o.evidence_grade) {
            o.evidence_grade as u8
        } else {
            b.err(
                k("evidence_grade"),
                format!(
                    "{} is not an evidence grade (1 strongest .. 6 weakest)",
                    o.evidence_grade
                ),
            );
            3
        };
        let optimism_bias = match &o.optimism_bias {
            Some(v) => b.param(k("optimism_bias"), Some(v), Decimal::ZERO, Bound::Rate),
            None => grade_params[usize::from(grade) - 1],
        };
        b.ids(
            &format!("outcome.{}.flow", o.id),
            o.flow.iter().map(|f| f.id.as_str()),
        );
        if o.flow.is_empty() {
            b.err(
                k("flow"),
                "an outcome needs at least one [[outcome.flow]] to price it",
            );
        }
        let mut flows = Vec::new();
        for f in &o.flow {
            let fk = |s: &str| format!("outcome.{}.flow.{}.{s}", o.id, f.id);
            let Some(uc) = find_unit_cost(
                &mut b,
                fk("unit_cost"),
                &f.unit_cost,
                &own,
                library,
                lib_file,
            ) else {
                continue;
            };
            if uc.value_type != "fiscal" {
                b.err(
                    fk("unit_cost"),
                    format!(
                        "unit cost \"{}\" is a {} value, not a fiscal one: a flow prices what an agency spends, so pick a fiscal unit cost (`totalplace costs` shows each one's value type), or count it as an [[outcome.value]] in the economic case",
                        uc.id, uc.value_type
                    ),
                );
                continue;
            }
            let ui = use_unit_cost(&mut b, &mut used, &mut used_param, &uc);
            let rebase = rebase_of(&mut b, fk("unit_cost"), &uc, price_base, deflators);
            let bearer = match &f.agency {
                Some(a) => party(a).or_else(|| {
                    b.err(
                        fk("agency"),
                        format!("unknown agency \"{a}\" (known: {party_list})"),
                    );
                    None
                }),
                None => {
                    let a = raw
                        .roles
                        .get(&uc.role)
                        .cloned()
                        .unwrap_or_else(|| uc.role.clone());
                    party(&a).or_else(|| {
                        b.err(
                            fk("agency"),
                            format!("unit cost \"{}\" is borne by role \"{}\", which is no agency here (known: {party_list}); map it under [roles] or set the flow's agency", uc.id, uc.role),
                        );
                        None
                    })
                }
            };
            let Some(bearer) = bearer else { continue };
            let quantity = b.param(
                fk("quantity"),
                Some(&f.quantity),
                Decimal::ZERO,
                Bound::NonNegative,
            );
            let default_cash = agency_cash
                .get(&bearer)
                .map(|(_, v)| *v)
                .unwrap_or(uc.cashability);
            let cashability_from = if f.cashability.is_some() {
                CashabilityFrom::Flow
            } else if agency_cash.contains_key(&bearer) {
                CashabilityFrom::Agency
            } else {
                CashabilityFrom::UnitCost
            };
            let cashability = b.param(
                fk("cashability"),
                f.cashability.as_ref(),
                default_cash,
                Bound::Rate,
            );
            let step = f
                .step
                .as_ref()
                .map(|s| b.param(fk("step"), Some(s), Decimal::ONE, Bound::Positive));
            let step_value = f.step_value.as_ref().map(|v| {
                if step.is_none() {
                    b.err(
                        fk("step_value"),
                        "a step value is the cash released per whole step: give the flow its `step` (units of capacity per step) too",
                    );
                }
                b.param(fk("step_value"), Some(v), Decimal::ZERO, Bound::NonNegative)
            });
            if let (Some(s), Some(sv)) = (step, step_value) {
                // As written: a step that releases more cash than its units' benefit.
                let per_step = b.values[s] * b.values[used_param[ui]] * rebase.0 / rebase.1;
                if b.values[sv] > per_step {
                    step_warnings.push(format!(
                        "{file}: {}: step_value {} is more than the benefit of a whole step ({} units × {} a unit in the price base = {}): the cashable part is capped at the benefit, so check the step value or the unit cost",
                        fk("step_value"),
                        crate::money::format_gbp(b.values[sv]),
                        b.values[s].normalize(),
                        crate::money::format_gbp(crate::money::round_half_up(b.values[used_param[ui]] * rebase.0 / rebase.1, 2)),
                        crate::money::format_gbp(crate::money::round_half_up(per_step, 2)),
                    ));
                }
            }
            flows.push(Flow {
                id: f.id.clone(),
                unit_cost: ui,
                party: bearer,
                quantity,
                cashability,
                step,
                step_value,
                value: used_param[ui],
                rebase,
                cashability_from,
                note: f.note.clone(),
            });
        }
        // Economic and social value: priced like a flow, borne by no agency.
        let mut values = Vec::new();
        let mut replaced_by: Vec<Option<&str>> = vec![None; o.flow.len()];
        b.ids(
            &format!("outcome.{}.value", o.id),
            o.value.iter().map(|v| v.id.as_str()),
        );
        for v in &o.value {
            let vk = |s: &str| format!("outcome.{}.value.{}.{s}", o.id, v.id);
            let Some(uc) = find_unit_cost(
                &mut b,
                vk("unit_cost"),
                &v.unit_cost,
                &own,
                library,
                lib_file,
            ) else {
                continue;
            };
            if uc.value_type == "fiscal" {
                b.err(
                    vk("unit_cost"),
                    format!(
                        "unit cost \"{}\" is a fiscal value: what an agency spends is priced by an [[outcome.flow]] (it then counts in both cases); a value carries economic or social value (`totalplace costs` shows each one's value type)",
                        uc.id
                    ),
                );
                continue;
            }
            let includes_fiscal = uc.value_type.split('+').any(|t| t == "fiscal");
            let mut replaces = Vec::new();
            match (&v.replaces, includes_fiscal) {
                (None, true) => b.err(
                    vk("replaces"),
                    format!(
                        "unit cost \"{}\" is a {} value, so it already contains fiscal value: list the flows of outcome \"{}\" that price the same fiscal value (`replaces = [\"flow-id\"]`: the economic case counts this value instead of theirs), or `replaces = []` if none does",
                        uc.id, uc.value_type, o.id
                    ),
                ),
                (Some(list), false) if !list.is_empty() => b.err(
                    vk("replaces"),
                    format!(
                        "unit cost \"{}\" is a {} value with no fiscal part, so it replaces no flow: remove `replaces`",
                        uc.id, uc.value_type
                    ),
                ),
                (Some(list), _) => {
                    for fid in list {
                        match o.flow.iter().position(|f| &f.id == fid) {
                            None => b.err(
                                vk("replaces"),
                                format!(
                                    "\"{fid}\" is no flow of outcome \"{}\" (its flows: {})",
                                    o.id,
                                    o.flow.iter().map(|f| f.id.as_str()).collect::<Vec<_>>().join(", ")
                                ),
                            ),
                            Some(i) => {
                                if let Some(other) = replaced_by[i] {
                                    b.err(
                                        vk("replaces"),
                                        format!("flow \"{fid}\" is already replaced by value \"{other}\": a flow's fiscal value is inside one combined value at most"),
                                    );
                                } else {
                                    replaced_by[i] = Some(v.id.as_str());
                                    // Flows that failed validation are not in `flows`.
                                    if let Some(fi) = flows.iter().position(|f: &Flow| &f.id == fid) {
                                        replaces.push(fi);
                                    }
                                }
                            }
                        }
                    }
                }
                _ => {}
            }
            let ui = use_unit_cost(&mut b, &mut used, &mut used_param, &uc);
            let rebase = rebase_of(&mut b, vk("unit_cost"), &uc, price_base, deflators);
            let quantity = b.param(
                vk("quantity"),
                Some(&v.quantity),
                Decimal::ZERO,
                Bound::NonNegative,
            );
            values.push(WiderValue {
                id: v.id.clone(),
                unit_cost: ui,
                value_type: uc.value_type.clone(),
                quantity,
                value: used_param[ui],
                rebase,
                replaces,
                note: v.note.clone(),
            });
        }
        outcomes.push(Outcome {
            id: o.id.clone(),
            name: o.name.clone(),
            participants,
            participants_by_intake,
            intakes,
            intake_start,
            engagement,
            success,
            deadweight,
            attribution,
            displacement,
            leakage,
            lag,
            drop_off,
            duration,
            ramp_up,
            evidence_grade: grade,
            optimism_bias,
            flows,
            values,
            note: o.note.clone(),
            observed: Vec::new(),
        });
    }

    // Transfers.
    b.ids("transfer", raw.transfer.iter().map(|t| t.id.as_str()));
    let mut transfers = Vec::new();
    for t in &raw.transfer {
        let k = |s: &str| format!("transfer.{}.{s}", t.id);
        let from = party(&t.from);
        if from.is_none() {
            b.err(k("from"), format!("unknown agency \"{}\" (known: {party_list}; declare a payer outside the place under [[external]])", t.from));
        }
        let to = party(&t.to);
        if to.is_none() {
            b.err(
                k("to"),
                format!("unknown agency \"{}\" (known: {party_list})", t.to),
            );
        }
        if from.is_some() && from == to {
            b.err(k("to"), "a transfer needs two different parties");
        }
        let need = |b: &mut Builder, name: &str, present: bool| {
            if !present {
                b.err(k(name), format!("a {} transfer needs `{name}`", t.kind));
            }
        };
        let outcome_ix = |b: &mut Builder| -> Option<usize> {
            let o = t.outcome.as_deref()?;
            let i = outcomes.iter().position(|x| x.id == o);
            if i.is_none() {
                b.err(
                    k("outcome"),
                    format!(
                        "unknown outcome \"{o}\" (known: {})",
                        known(outcomes.iter().map(|o| o.id.clone()))
                    ),
                );
            }
            i
        };
        let cash = if t.kind == "gain-share" {
            if t.prices.is_some() {
                b.err(
                    k("prices"),
                    "a gain-share passes on a share of a gain in the price base: it takes no `prices`",
                );
            }
            false
        } else {
            cash_of(&mut b, k("prices"), t.prices.as_deref())
        };
        if t.kind != "pbr" {
            for (name, present) in [("cap", t.cap.is_some()), ("clawback", t.clawback.is_some())] {
                if present {
                    b.err(k(name), format!("only a pbr transfer takes `{name}`"));
                }
            }
        }
        let kind = match t.kind.as_str() {
            "fixed" | "pooled" => {
                need(&mut b, "amounts", t.amounts.is_some());
                let from_year = nonneg(&mut b, &k("from_year"), t.from_year.unwrap_or(0));
                let amounts_raw = t.amounts.clone().unwrap_or_default();
                let last = from_year + amounts_raw.len().saturating_sub(1);
                if last >= horizon {
                    b.err(k("amounts"), format!("horizon too short: amounts run to year {last} but the horizon is {horizon} years (0..{})", horizon - 1));
                }
                let amounts = amounts_raw
                    .iter()
                    .enumerate()
                    .map(|(i, a)| {
                        b.param(
                            format!("transfer.{}.amounts.{i}", t.id),
                            Some(a),
                            Decimal::ZERO,
                            Bound::NonNegative,
                        )
                    })
                    .collect();
                Some(TransferKind::Fixed {
                    from_year,
                    amounts,
                    pooled: t.kind == "pooled",
                })
            }
            "pbr" => {
                need(&mut b, "outcome", t.outcome.is_some());
                need(&mut b, "amount", t.amount.is_some());
                let o = outcome_ix(&mut b);
                let amount = b.param(
                    k("amount"),
                    t.amount.as_ref(),
                    Decimal::ZERO,
                    Bound::NonNegative,
                );
                // One attachment share, or one per intake year of the outcome (Troubled
                // Families phase 1: 80/60/40% by the year a family joined).
                let (attachment_share, attachment_by_intake) = match &t.attachment_share {
                    None => (
                        b.param(k("attachment_share"), None, Decimal::ZERO, Bound::Rate),
                        Vec::new(),
                    ),
                    Some(OneOrPerIntake::One(n)) => (
                        b.param(k("attachment_share"), Some(n), Decimal::ZERO, Bound::Rate),
                        Vec::new(),
                    ),
                    Some(OneOrPerIntake::ByIntake(list)) => {
                        if let Some(o) = o {
                            if list.len() != outcomes[o].intakes {
                                b.err(
                                    k("attachment_share"),
                                    format!(
                                        "{} shares but outcome \"{}\" has {} intakes: give one share per intake year",
                                        list.len(),
                                        outcomes[o].id,
                                        outcomes[o].intakes
                                    ),
                                );
                            }
                        }
                        let by: Vec<P> = list
                            .iter()
                            .enumerate()
                            .map(|(i, n)| {
                                b.param(
                                    k(&format!("attachment_share.{i}")),
                                    Some(n),
                                    Decimal::ZERO,
                                    Bound::Rate,
                                )
                            })
                            .collect();
                        match by.first() {
                            Some(&first) => (first, by),
                            None => {
                                b.err(
                                    k("attachment_share"),
                                    "give one share, or one per intake year",
                                );
                                (
                                    b.param(
                                        k("attachment_share"),
                                        None,
                                        Decimal::ZERO,
                                        Bound::Rate,
                                    ),
                                    Vec::new(),
                                )
                            }
                        }
                    }
                };
                let result_lag = match (t.result_lag, o) {
                    (Some(l), _) => nonneg(&mut b, &k("result_lag"), l),
                    (None, Some(o)) => outcomes[o].lag,
                    (None, None) => 0,
                };
                let additional = match t.basis.as_deref() {
                    None | Some("observed") => false,
                    Some("additional") => true,
                    Some(other) => {
                        b.err(
                            k("basis"),
                            format!("\"{other}\" is not a PbR basis (observed or additional)"),
                        );
                        false
                    }
                };
                let cap = t
                    .cap
                    .as_ref()
                    .map(|c| b.param(k("cap"), Some(c), Decimal::ZERO, Bound::NonNegative));
                o.map(|outcome| TransferKind::Pbr {
                    outcome,
                    amount,
                    attachment_share,
                    attachment_by_intake,
                    result_lag,
                    additional,
                    cap,
                    clawback: t.clawback.unwrap_or(false),
                })
            }
            "per-unit" => {
                need(&mut b, "outcome", t.outcome.is_some());
                need(&mut b, "flow", t.flow.is_some());
                need(&mut b, "amount", t.amount.is_some());
                let o = outcome_ix(&mut b);
                let amount = b.param(
                    k("amount"),
                    t.amount.as_ref(),
                    Decimal::ZERO,
                    Bound::NonNegative,
                );
                match (o, t.flow.as_deref()) {
                    (Some(o), Some(f)) => match outcomes[o].flows.iter().position(|x| x.id == f) {
                        Some(flow) => Some(TransferKind::PerUnit {
                            outcome: o,
                            flow,
                            amount,
                        }),
                        None => {
                            b.err(
                                k("flow"),
                                format!("outcome \"{}\" has no flow \"{f}\"", outcomes[o].id),
                            );
                            None
                        }
                    },
                    _ => None,
                }
            }
            "gain-share" => {
                need(&mut b, "share", t.share.is_some());
                let share = b.param(k("share"), t.share.as_ref(), Decimal::ZERO, Bound::Rate);
                let cashable_basis = match t.basis.as_deref() {
                    None | Some("cashable") => true,
                    Some("all") => false,
                    Some(other) => {
                        b.err(
                            k("basis"),
                            format!("\"{other}\" is not a basis (cashable or all)"),
                        );
                        true
                    }
                };
                Some(TransferKind::GainShare {
                    share,
                    cashable_basis,
                })
            }
            other => {
                b.err(k("kind"), format!("\"{other}\" is not a transfer kind (fixed, pooled, pbr, per-unit, gain-share)"));
                None
            }
        };
        if let (Some(kind), Some(from), Some(to)) = (kind, from, to) {
            transfers.push(Transfer {
                id: t.id.clone(),
                from,
                to,
                kind,
                cash,
                result_lag_follows_outcome: t.kind == "pbr" && t.result_lag.is_none(),
                note: t.note.clone(),
            });
        }
    }

    let prices = cash_prices(
        &mut b,
        deflators,
        price_base,
        start_year,
        horizon,
        &cash_lines,
        inflation,
        raw.prices.as_ref().and_then(|p| p.inflation_source.clone()),
    );
    Error::from_list(b.errors)?;
    let mut warnings = double_counting(
        &file,
        &raw,
        &outcomes,
        &used,
        h.cohort.is_some() || h.transition.is_some(),
    );
    warnings.extend(step_warnings);
    let baseline = count.and_then(|c| {
        baseline(
            place,
            c,
            &parties,
            h.cohort.as_deref(),
            h.transition.as_deref(),
        )
    });
    let discount_factors = discount::factors(&discount, horizon);
    Ok(ValidatedScenario {
        file,
        id: h.id.clone(),
        name: h.name.clone(),
        description: h.description.clone(),
        case_study: h.case_study.clone(),
        notes: h.notes.clone(),
        place_id: place.info.id.clone(),
        place_name: place.info.name.clone(),
        place_synthetic: place.info.synthetic,
        cohort: h.cohort.clone(),
        transition: h.transition.clone(),
        start_year,
        horizon,
        price_base,
        discount,
        discount_factors,
        parties,
        costs,
        outcomes,
        transfers,
        unit_costs: used,
        deflator_file: deflators.file.clone(),
        param_specs: b.specs,
        agency_cashability: agency_cash.iter().map(|(i, (_, v))| (*i, *v)).collect(),
        price_base_index: deflators.index.get(&price_base).copied(),
        prices,
        defaults: Params { values: b.values },
        baseline,
        warnings,
    })
}

/// The cash → price-base terms of every modelled year, when some line is in cash prices:
/// each year's financial year must be in the deflator file or, past its last year, carried
/// on by `[prices] inflation`.
#[allow(clippy::too_many_arguments)]
fn cash_prices(
    b: &mut Builder,
    deflators: &Deflators,
    price_base: i32,
    start_year: i32,
    horizon: usize,
    cash_lines: &[String],
    inflation: Option<P>,
    inflation_source: Option<String>,
) -> Option<CashPrices> {
    if cash_lines.is_empty() {
        if inflation.is_some() {
            b.err(
                "prices.inflation",
                "no cost or transfer is in cash prices (`prices = \"cash\"`), so nothing uses it",
            );
        }
        return None;
    }
    let lines = cash_lines.join(", ");
    let file = if deflators.file.is_empty() {
        "no gdp-deflators.csv found".to_string()
    } else {
        deflators.file.clone()
    };
    let (Some(&base), Some((&last, &last_ix))) = (
        deflators.index.get(&price_base),
        deflators.index.last_key_value(),
    ) else {
        b.err(
            cash_lines[0].clone(),
            format!(
                "cash prices ({lines}) are converted with the GDP-deflator index, which has no {} ({file})",
                fy_label(price_base)
            ),
        );
        return None;
    };
    let mut known = Vec::with_capacity(horizon);
    let mut index = Vec::with_capacity(horizon);
    let mut past = Vec::with_capacity(horizon);
    for t in 0..horizon {
        let y = start_year + t as i32;
        if y > last {
            known.push(base / last_ix);
            index.push(last_ix);
            past.push((y - last) as u32);
        } else {
            match deflators.index.get(&y) {
                Some(&ix) => {
                    known.push(base / ix);
                    index.push(ix);
                    past.push(0);
                }
                None => {
                    b.err(
                        cash_lines[0].clone(),
                        format!(
                            "cash prices ({lines}) need the GDP-deflator index of {} ({file} has none)",
                            fy_label(y)
                        ),
                    );
                    return None;
                }
            }
        }
    }
    let cp = CashPrices {
        base,
        index,
        known,
        past,
        last_year: last,
        inflation,
        inflation_source,
    };
    if cp.needs_inflation() && inflation.is_none() {
        b.err(
            cash_lines[0].clone(),
            format!(
                "cash prices ({lines}) run past the GDP-deflator index's last year, {} ({file}): set `[prices] inflation`, the yearly GDP-deflator growth assumed after it (e.g. the OBR's latest forecast), with `inflation_source` saying where it comes from",
                fy_label(last)
            ),
        );
        return None;
    }
    Some(cp)
}

/// Each party's mapped spend on the scenario's cohort (the transition's cohort when only a
/// transition is named).
fn baseline(
    place: &Place,
    count: &Count,
    parties: &[Party],
    cohort: Option<&str>,
    transition: Option<&str>,
) -> Option<Baseline> {
    let tr = transition.and_then(|t| place.transition_index(t));
    let c = match cohort {
        Some(c) => place.cohort_index(c)?,
        None => place.transitions[tr?].cohort,
    };
    let spend_at = |p: &Party, t: Option<usize>| {
        place
            .agency_index(&p.id)
            .filter(|_| !p.external)
            .map(|a| count.spend(a, c, t).0)
    };
    Some(Baseline {
        cohort: place.cohorts[c].id.clone(),
        cohort_name: place.cohorts[c].name.clone(),
        cohort_size: place.cohorts[c].size,
        transition: tr.map(|t| place.transitions[t].id.clone()),
        year: count.year,
        mapping_file: count.mapping_file.clone(),
        spend: parties.iter().map(|p| spend_at(p, None)).collect(),
        transition_spend: match tr {
            Some(t) => parties.iter().map(|p| spend_at(p, Some(t))).collect(),
            None => Vec::new(),
        },
    })
}

/// The double-counting guard: a composite unit cost and one of its parts counted for the same
/// people, or the same unit cost avoided twice for the same people. The same people: flows of
/// one outcome, or of any two outcomes when the scenario is on one cohort (or transition).
fn double_counting(
    file: &str,
    raw: &ScenarioFile,
    outcomes: &[Outcome],
    used: &[UnitCost],
    one_cohort: bool,
) -> Vec<String> {
    let _ = raw;
    let flows: Vec<(usize, String, &UnitCost)> = outcomes
        .iter()
        .enumerate()
        .flat_map(|(oi, o)| {
            o.flows.iter().map(move |f| {
                (
                    oi,
                    format!("outcome.{}.flow.{}", o.id, f.id),
                    &used[f.unit_cost],
                )
            })
        })
        .collect();
    // Every part of a composite, through nested composites.
    let parts_of = |u: &UnitCost| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut todo: Vec<String> = u.composite_of.clone();
        while let Some(p) = todo.pop() {
            if out.contains(&p) || p == u.id {
                continue;
            }
            if let Some(x) = used.iter().find(|x| x.id == p) {
                todo.extend(x.composite_of.iter().cloned());
            }
            out.push(p);
        }
        out
    };
    let mut w = Vec::new();
    for (i, (oi, ki, ui)) in flows.iter().enumerate() {
        for (oj, kj, uj) in flows.iter().skip(i + 1) {
            let same_people = oi == oj || one_cohort;
            if !same_people {
                continue;
            }
            let who = if oi == oj {
                "the same outcome's people".to_string()
            } else {
                "people of the same cohort".to_string()
            };
            if ui.id == uj.id {
                w.push(format!(
                    "{file}: {ki} and {kj}: both avoid unit cost \"{}\" for {who}: counted twice unless they are different units (double counting)",
                    ui.id
                ));
            } else if parts_of(ui).contains(&uj.id) {
                w.push(format!(
                    "{file}: {ki} and {kj}: unit cost \"{}\" is a composite that includes \"{}\"; counting both for {who} counts \"{}\" twice (double counting)",
                    ui.id, uj.id, uj.id
                ));
            } else if parts_of(uj).contains(&ui.id) {
                w.push(format!(
                    "{file}: {ki} and {kj}: unit cost \"{}\" is a composite that includes \"{}\"; counting both for {who} counts \"{}\" twice (double counting)",
                    uj.id, ui.id, ui.id
                ));
            }
        }
    }
    w
}

/// `[[local_cost]]`: unit costs from the spend map. Each becomes a [`UnitCost`] in the place's
/// financial-year prices with its [`super::local::LocalOrigin`].
#[allow(clippy::too_many_arguments)]
fn local_costs(
    b: &mut Builder,
    raw: &ScenarioFile,
    place: &Place,
    library: &[UnitCost],
    own: &[UnitCost],
    count: Option<&Count>,
    price_base: i32,
    deflators: &Deflators,
) -> Vec<UnitCost> {
    b.ids("local_cost", raw.local_cost.iter().map(|u| u.id.as_str()));
    let mut out = Vec::new();
    for l in &raw.local_cost {
        let k = |s: &str| format!("local_cost.{}.{s}", l.id);
        if own.iter().chain(library).any(|u| u.id == l.id) {
            b.err(
                format!("local_cost.{}", l.id),
                format!("id \"{}\" is already a unit cost (in this file or the library); give the local cost its own id", l.id),
            );
            continue;
        }
        let Some(count) = count else {
            b.err(
                format!("local_cost.{}", l.id),
                format!(
                    "a local unit cost needs the place's spend map, but {} does not exist (see docs/mapping.md)",
                    super::local::mapping_path(place)
                ),
            );
            continue;
        };
        let Some(agency) = place.agency_index(&l.agency) else {
            b.err(
                k("agency"),
                format!(
                    "unknown agency \"{}\" (known: {})",
                    l.agency,
                    known(place.agencies.iter().map(|a| a.id.clone()))
                ),
            );
            continue;
        };
        let transition = match &l.transition {
            None => None,
            Some(t) => match place.transition_index(t) {
                Some(i) => Some(i),
                None => {
                    b.err(
                        k("transition"),
                        format!(
                            "unknown transition \"{t}\" (known: {})",
                            known(place.transitions.iter().map(|c| c.id.clone()))
                        ),
                    );
                    continue;
                }
            },
        };
        let cohort_id = l
            .cohort
            .clone()
            .or_else(|| transition.map(|t| place.cohorts[place.transitions[t].cohort].id.clone()))
            .or_else(|| raw.scenario.cohort.clone());
        let Some(cohort_id) = cohort_id else {
            b.err(
                k("cohort"),
                "name the cohort (or transition) whose mapped spend is divided",
            );
            continue;
        };
        let Some(cohort) = place.cohort_index(&cohort_id) else {
            b.err(
                k("cohort"),
                format!(
                    "unknown cohort \"{cohort_id}\" (known: {})",
                    known(place.cohorts.iter().map(|c| c.id.clone()))
                ),
            );
            continue;
        };
        if let Some(t) = transition {
            if place.transitions[t].cohort != cohort {
                b.err(
                    k("transition"),
                    format!(
                        "transition \"{}\" belongs to cohort \"{}\", not \"{cohort_id}\"",
                        place.transitions[t].id, place.cohorts[place.transitions[t].cohort].id
                    ),
                );
                continue;
            }
        }
        let c = &place.cohorts[cohort];
        let (denominator, denominator_source) = match (l.per.as_deref(), &l.count) {
            (Some(_), Some(_)) => {
                b.err(k("count"), "give `per = \"cohort\"` or `count`, not both");
                continue;
            }
            (None | Some("cohort"), None) => (
                Decimal::from(c.size),
                format!("cohort size of {} (place.toml: {})", c.id, c.size_source),
            ),
            (Some(other), None) => {
                b.err(
                    k("per"),
                    format!(
                        "\"{other}\" is not a denominator: write per = \"cohort\" or give `count`"
                    ),
                );
                continue;
            }
            (None, Some(n)) => {
                let Some(v) = b.num(&k("count"), n) else {
                    continue;
                };
                if v <= Decimal::ZERO {
                    b.err(k("count"), format!("{v} must be a positive activity count"));
                    continue;
                }
                match l.count_source.as_deref().map(str::trim) {
                    Some(src) if !src.is_empty() => (v, format!("count: {src}")),
                    _ => {
                        b.err(k("count_source"), "say where the activity count comes from");
                        continue;
                    }
                }
            }
        };
        let (spend, rules) = count.spend(agency, cohort, transition);
        if spend <= Decimal::ZERO {
            b.err(
                format!("local_cost.{}", l.id),
                format!(
                    "agency \"{}\" has {} mapped to cohort \"{}\"{} in {}: no local unit cost can come from it",
                    l.agency,
                    crate::money::format_gbp(spend),
                    c.id,
                    transition
                        .map(|t| format!(" at \"{}\"", place.transitions[t].id))
                        .unwrap_or_default(),
                    count.mapping_file
                ),
            );
            continue;
        }
        let cash = b.num(&k("cashability"), &l.cashability).unwrap_or_default();
        if let Err(m) = Bound::Rate.check(cash) {
            b.err(k("cashability"), m);
        }
        let national = match &l.national {
            None => None,
            Some(n) => match own.iter().chain(library).find(|u| &u.id == n) {
                None => {
                    b.err(
                        k("national"),
                        format!("unknown unit cost \"{n}\" (not in this file or the library)"),
                    );
                    None
                }
                Some(u) => {
                    let rebased = if u.price_year == price_base {
                        Some(u.value)
                    } else {
                        match (
                            deflators.index.get(&price_base),
                            deflators.index.get(&u.price_year),
                        ) {
                            (Some(a), Some(p)) => Some(u.value * *a / *p),
                            _ => None,
                        }
                    };
                    match rebased {
                        Some(v) => Some((u.id.clone(), v)),
                        None => {
                            b.err(
                                k("national"),
                                format!(
                                    "unit cost \"{}\" is in {} prices and the price base is {}, but the GDP-deflator index lacks one of them",
                                    u.id,
                                    fy_label(u.price_year),
                                    fy_label(price_base)
                                ),
                            );
                            None
                        }
                    }
                }
            },
        };
        let origin = super::local::LocalOrigin {
            agency: l.agency.clone(),
            cohort: c.id.clone(),
            transition: transition.map(|t| place.transitions[t].id.clone()),
            mapped_spend: spend,
            denominator,
            denominator_source,
            rules,
            mapping_file: count.mapping_file.clone(),
            sources: count.agency_sources[agency].clone(),
            national,
        };
        out.push(UnitCost {
            id: l.id.clone(),
            name: l.name.clone(),
            value: spend / denominator,
            unit: l.unit.clone(),
            price_year: count.year,
            role: l.agency.clone(),
            cashability: cash,
            source: origin.describe(count.year),
            verified: !place.info.synthetic,
            defined_in: b.file.clone(),
            composite_of: l.composite_of.clone(),
            local: Some(origin),
            code: String::new(),
            value_type: "fiscal".to_string(),
            caution: None,
        });
    }
    out
}

/// `[optimism_bias.cost_grades]`: (grade, parameter `optimism_bias.cost_grade.<g>`) for each
/// grade the scenario gives. No figures are built in: the table is the scenario's own.
fn cost_grade_table(b: &mut Builder, ob: &raw::OptimismBiasRaw) -> Vec<(u8, P)> {
    let mut out = Vec::new();
    for (g, v) in &ob.cost_grades {
        let key = format!("optimism_bias.cost_grades.{g}");
        match g.parse::<u8>() {
            Ok(n) if (1..=6).contains(&n) => {
                let p = b.param(
                    format!("optimism_bias.cost_grade.{n}"),
                    Some(v),
                    Decimal::ZERO,
                    Bound::NonNegative,
                );
                out.push((n, p));
            }
            _ => b.err(key, "confidence grades are 1 (strongest) to 6 (weakest)"),
        }
    }
    out
}

/// The uplift parameter of confidence grade `g` written at `key`, from the scenario's table.
fn graded(b: &mut Builder, key: &str, g: i64, table: &[(u8, P)]) -> Option<(u8, P)> {
    if !(1..=6).contains(&g) {
        b.err(
            key,
            format!("{g} is not a confidence grade (1 strongest .. 6 weakest)"),
        );
        return None;
    }
    let found = table.iter().find(|(n, _)| i64::from(*n) == g).copied();
    if found.is_none() {
        let given: Vec<String> = table.iter().map(|(n, _)| n.to_string()).collect();
        b.err(
            key,
            format!(
                "confidence grade {g} has no uplift in [optimism_bias.cost_grades] (given: {}); add `{g} = <uplift>` there, taking the figure from the guidance the appraisal follows (docs/scenarios.md, \"Optimism bias on costs\")",
                if given.is_empty() { "none".to_string() } else { given.join(", ") }
            ),
        );
    }
    found
}

/// A stated reason: trimmed, and not blank.
fn reason(b: &mut Builder, key: &str, r: Option<&String>) -> Option<String> {
    let r = r?.trim();
    if r.is_empty() {
        b.err(key, "say why, or remove the key");
        return None;
    }
    Some(r.to_string())
}

fn nonneg(b: &mut Builder, key: &str, v: i64) -> usize {
    if v < 0 {
        b.err(key, format!("{v} must not be negative"));
        0
    } else {
        v as usize
    }
}
