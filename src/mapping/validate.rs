//! Raw → validated mapping. Reports every problem found, each naming the file and the rule.

use std::collections::HashSet;

use regex::Regex;
use rust_decimal::Decimal;

use super::raw::{MappingFile, TargetRaw};
use super::*;
use crate::error::Error;
use crate::model::raw::NumberRaw;
use crate::money;

struct Problems<'a> {
    file: &'a str,
    errors: Vec<Error>,
}

impl Problems<'_> {
    fn push(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.errors.push(Error::model(self.file, key, message));
    }
}

fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// A number written as TOML text (exact; `£`, `,` and a trailing `%` allowed), integer or float
/// (read at 15 significant digits).
fn number(n: &NumberRaw) -> Option<Decimal> {
    match n {
        NumberRaw::Text(t) => money::parse_amount(t.trim().trim_end_matches('%')).ok(),
        NumberRaw::Int(i) => Some(Decimal::from(*i)),
        NumberRaw::Float(f) => money::from_sheet_number(*f),
    }
}

fn show(n: &NumberRaw) -> String {
    match n {
        NumberRaw::Text(t) => format!("\"{t}\""),
        NumberRaw::Int(i) => i.to_string(),
        NumberRaw::Float(f) => f.to_string(),
    }
}

fn known<'a>(it: impl Iterator<Item = &'a String>) -> String {
    it.map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
}

fn parse_field(name: &str) -> Option<Field> {
    Some(match name {
        "agency" => Field::Agency,
        "cost_centre" => Field::CostCentre,
        "account" => Field::Account,
        "service" => Field::Service,
        "description" => Field::Description,
        _ => return None,
    })
}

/// A string or a list of strings.
fn strings(v: &toml::Value) -> Option<Vec<String>> {
    match v {
        toml::Value::String(s) => Some(vec![s.clone()]),
        toml::Value::Array(a) if !a.is_empty() => {
            a.iter().map(|x| x.as_str().map(str::to_string)).collect()
        }
        _ => None,
    }
}

fn parse_test(v: &toml::Value) -> Result<Test, String> {
    const HELP: &str =
        "write a string (exact), a list of strings (any of), or a table with one of \
                        `exact`, `prefix` (string or list) or `regex` (string)";
    match v {
        toml::Value::String(_) | toml::Value::Array(_) => {
            strings(v).map(Test::Exact).ok_or_else(|| HELP.to_string())
        }
        toml::Value::Table(t) => {
            if t.len() != 1 {
                return Err(HELP.to_string());
            }
            let (k, v) = t.iter().next().expect("one entry");
            match k.as_str() {
                "exact" => strings(v).map(Test::Exact).ok_or_else(|| HELP.to_string()),
                "prefix" => match strings(v) {
                    Some(p) if p.iter().all(|s| !s.is_empty()) => Ok(Test::Prefix(p)),
                    Some(_) => Err("a prefix must not be empty".into()),
                    None => Err(HELP.to_string()),
                },
                "regex" => match v.as_str() {
                    Some(pat) => Regex::new(pat)
                        .map(Test::Regex)
                        .map_err(|e| format!("invalid regular expression: {e}")),
                    None => Err(HELP.to_string()),
                },
                other => Err(format!("unknown matcher `{other}`; {HELP}")),
            }
        }
        _ => Err(HELP.to_string()),
    }
}

pub(super) fn validate(place: &Place, file: &str, raw: MappingFile) -> Result<Mapping> {
    let mut p = Problems {
        file,
        errors: Vec::new(),
    };

    // Drivers.
    let mut seen = HashSet::new();
    let mut drivers = Vec::new();
    for (i, d) in raw.driver.iter().enumerate() {
        let key = |k: &str| format!("driver[{i}] \"{}\".{k}", d.id);
        if !is_id(&d.id) {
            p.push(
                key("id"),
                format!(
                    "id \"{}\" must be lower-case letters, digits, '-' or '_'",
                    d.id
                ),
            );
        }
        if !seen.insert(d.id.as_str()) {
            p.push(key("id"), format!("duplicate driver id \"{}\"", d.id));
        }
        if d.source.trim().is_empty() {
            p.push(
                key("source"),
                "say where the figures come from (or that they are synthetic)",
            );
        }
        let num = number(&d.numerator);
        let den = number(&d.denominator);
        if num.is_none() {
            p.push(
                key("numerator"),
                format!("{} is not a number", show(&d.numerator)),
            );
        }
        if den.is_none() {
            p.push(
                key("denominator"),
                format!("{} is not a number", show(&d.denominator)),
            );
        }
        let (num, den) = (num.unwrap_or_default(), den.unwrap_or(Decimal::ONE));
        if den <= Decimal::ZERO {
            p.push(key("denominator"), format!("{den} must be positive"));
        } else if num < Decimal::ZERO || num > den {
            p.push(
                key("numerator"),
                format!("ratio {num} ÷ {den} is outside 0..100% (the numerator must be between 0 and the denominator)"),
            );
        }
        drivers.push(Driver {
            id: d.id.clone(),
            name: d.name.clone(),
            numerator: num,
            denominator: if den > Decimal::ZERO {
                den
            } else {
                Decimal::ONE
            },
            source: d.source.clone(),
            synthetic: d.synthetic,
        });
    }

    // Rules.
    let mut seen = HashSet::new();
    let mut rules = Vec::new();
    for (i, r) in raw.rule.iter().enumerate() {
        let rk = format!("rule[{i}] \"{}\"", r.id);
        let key = |k: &str| format!("{rk}.{k}");
        if !is_id(&r.id) {
            p.push(
                key("id"),
                format!(
                    "id \"{}\" must be lower-case letters, digits, '-' or '_'",
                    r.id
                ),
            );
        }
        if !seen.insert(r.id.as_str()) {
            p.push(key("id"), format!("duplicate rule id \"{}\"", r.id));
        }
        let mut conditions = Vec::new();
        if r.matches.is_empty() {
            p.push(
                key("match"),
                "a rule must match on at least one field (agency, cost_centre, account, service, description)",
            );
        }
        for (name, v) in &r.matches {
            let Some(field) = parse_field(name) else {
                p.push(
                    key(&format!("match.{name}")),
                    format!("unknown field `{name}`; match on agency, cost_centre, account, service or description"),
                );
                continue;
            };
            match parse_test(v) {
                Ok(test) => {
                    if let (Field::Agency, Test::Exact(ids)) = (field, &test) {
                        for a in ids {
                            if place.agency_index(a).is_none() {
                                p.push(
                                    key("match.agency"),
                                    format!(
                                        "unknown agency \"{a}\" (known: {})",
                                        known(place.agencies.iter().map(|a| &a.id))
                                    ),
                                );
                            }
                        }
                    }
                    conditions.push(Condition { field, test });
                }
                Err(msg) => p.push(key(&format!("match.{name}")), msg),
            }
        }
        // Cheapest tests first: exact, then cached prefix/regex.
        conditions.sort_by_key(|c| !matches!(c.test, Test::Exact(_)));
        if r.out_of_scope && !r.target.is_empty() {
            p.push(
                key("out_of_scope"),
                "an out-of-scope rule has no targets; remove `out_of_scope` or the targets",
            );
        }
        if !r.out_of_scope && r.target.is_empty() {
            p.push(
                key("target"),
                "give at least one [[rule.target]] (cohort, optional transition, basis), or `out_of_scope = true`",
            );
        }
        let mut targets = Vec::new();
        let mut static_share = Decimal::ZERO;
        let mut seen_targets = HashSet::new();
        for (j, t) in r.target.iter().enumerate() {
            let tk = |k: &str| format!("{rk}.target[{j}].{k}");
            if let Some(target) = validate_target(place, &drivers, &raw, t, &mut p, &tk) {
                if !seen_targets.insert((target.cohort, target.transition)) {
                    p.push(
                        tk("cohort"),
                        "the same cohort and transition appear twice in this rule; combine them into one target",
                    );
                }
                static_share += match &target.basis {
                    Basis::Whole => Decimal::ONE_HUNDRED,
                    Basis::Share(s) => *s,
                    Basis::Driver(d) => drivers[*d].ratio() * Decimal::ONE_HUNDRED,
                    Basis::BottomUp { .. } => Decimal::ZERO,
                };
                targets.push(target);
            }
        }
        if static_share > Decimal::ONE_HUNDRED {
            p.push(
                key("target"),
                format!(
                    "the targets' shares add up to {}% of each line, more than 100%",
                    money::round_half_up(static_share, 6).normalize()
                ),
            );
        }
        rules.push(Rule {
            id: r.id.clone(),
            priority: r.priority,
            note: r.note.clone(),
            conditions,
            out_of_scope: r.out_of_scope,
            targets,
        });
    }
    Error::from_list(p.errors)?;
    Ok(Mapping {
        file: file.to_string(),
        notes: raw.mapping.and_then(|m| m.notes),
        drivers,
        rules,
    })
}

fn validate_target(
    place: &Place,
    drivers: &[Driver],
    raw: &MappingFile,
    t: &TargetRaw,
    p: &mut Problems,
    tk: &dyn Fn(&str) -> String,
) -> Option<Target> {
    let mut ok = true;
    let transition = match &t.transition {
        None => None,
        Some(id) => match place.transition_index(id) {
            Some(i) => Some(i),
            None => {
                p.push(
                    tk("transition"),
                    format!(
                        "unknown transition \"{id}\" (known: {})",
                        known(place.transitions.iter().map(|t| &t.id))
                    ),
                );
                ok = false;
                None
            }
        },
    };
    let cohort = match (&t.cohort, transition) {
        (Some(id), tr) => match place.cohort_index(id) {
            Some(c) => {
                if let Some(tr) = tr {
                    let tc = place.transitions[tr].cohort;
                    if tc != c {
                        p.push(
                            tk("transition"),
                            format!(
                                "transition \"{}\" belongs to cohort \"{}\", not \"{id}\"",
                                place.transitions[tr].id, place.cohorts[tc].id
                            ),
                        );
                        ok = false;
                    }
                }
                Some(c)
            }
            None => {
                p.push(
                    tk("cohort"),
                    format!(
                        "unknown cohort \"{id}\" (known: {})",
                        known(place.cohorts.iter().map(|c| &c.id))
                    ),
                );
                None
            }
        },
        (None, Some(tr)) => Some(place.transitions[tr].cohort),
        (None, None) => {
            if t.transition.is_none() {
                p.push(
                    tk("cohort"),
                    "name a cohort (or a transition, which implies its cohort)",
                );
            }
            None
        }
    };
    let given = [
        t.share.is_some(),
        t.driver.is_some(),
        t.unit_cost.is_some() || t.count.is_some(),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if given > 1 {
        p.push(
            tk("share"),
            "give at most one basis: `share` (percent), `driver`, or `unit_cost` with `count` (none means the whole line)",
        );
        ok = false;
    }
    let bottom_up = t.unit_cost.is_some() || t.count.is_some();
    if (t.source.is_some() || t.synthetic) && !bottom_up {
        p.push(tk("source"), "`source` and `synthetic` belong to a bottom-up target (unit_cost × count); a driver carries its own");
        ok = false;
    }
    let basis = if let Some(s) = &t.share {
        match number(s) {
            Some(v) if v >= Decimal::ZERO && v <= Decimal::ONE_HUNDRED => Basis::Share(v),
            Some(v) => {
                p.push(
                    tk("share"),
                    format!("share {}% is outside 0..100%", v.normalize()),
                );
                ok = false;
                Basis::Whole
            }
            None => {
                p.push(tk("share"), format!("{} is not a percentage", show(s)));
                ok = false;
                Basis::Whole
            }
        }
    } else if let Some(id) = &t.driver {
        match drivers.iter().position(|d| &d.id == id) {
            Some(d) => Basis::Driver(d),
            None => {
                p.push(
                    tk("driver"),
                    format!(
                        "unknown driver \"{id}\" (known: {})",
                        known(raw.driver.iter().map(|d| &d.id))
                    ),
                );
                ok = false;
                Basis::Whole
            }
        }
    } else if bottom_up {
        let uc = t.unit_cost.as_ref().and_then(number);
        let n = t.count.as_ref().and_then(number);
        match (&t.unit_cost, uc) {
            (None, _) => p.push(
                tk("unit_cost"),
                "a bottom-up target needs `unit_cost` (pounds) and `count`",
            ),
            (Some(r), None) => p.push(tk("unit_cost"), format!("{} is not an amount", show(r))),
            (Some(_), Some(v)) if v <= Decimal::ZERO => {
                p.push(tk("unit_cost"), format!("unit cost {v} must be positive"))
            }
            _ => {}
        }
        match (&t.count, n) {
            (None, _) => p.push(
                tk("count"),
                "a bottom-up target needs `unit_cost` (pounds) and `count`",
            ),
            (Some(r), None) => p.push(tk("count"), format!("{} is not a number", show(r))),
            (Some(_), Some(v)) if v < Decimal::ZERO => {
                p.push(tk("count"), format!("count {v} must not be negative"))
            }
            _ => {}
        }
        if t.source.as_deref().is_none_or(|s| s.trim().is_empty()) {
            p.push(
                tk("source"),
                "say where the unit cost and count come from (or that they are synthetic)",
            );
        }
        match (uc, n) {
            (Some(u), Some(c)) if u > Decimal::ZERO && c >= Decimal::ZERO => Basis::BottomUp {
                unit_cost: u,
                count: c,
                source: t.source.clone(),
                synthetic: t.synthetic,
            },
            _ => {
                ok = false;
                Basis::Whole
            }
        }
    } else {
        Basis::Whole
    };
    match (ok, cohort) {
        (true, Some(cohort)) => Some(Target {
            cohort,
            transition,
            basis,
        }),
        _ => None,
    }
}
