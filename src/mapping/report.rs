//! The spend map in long form for spreadsheets (`spend-map.csv`) and tools (`spend-map.json`).
//!
//! One row per (agency, cohort, transition, rule) with a `category`: `mapped` (allocated to a
//! cohort), `remainder` (the part of a taken line its rules did not allocate), `out-of-scope`
//! (lines taken by an `out_of_scope` rule) or `unmatched` (lines no rule took). The last three
//! carry the cohort `not-cohort-specific`, so a pivot of all rows by agency gives the ingested
//! total and a pivot of `mapped` rows by cohort gives the spend map.

use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::json;

use super::{Basis, Mapping, SpendMap};
use crate::error::{Error, Result};
use crate::ledger::Ledger;
use crate::model::Place;
use crate::money::{self, plain};

/// The cohort label of spend not allocated to a cohort.
pub const NOT_COHORT_SPECIFIC: &str = "not-cohort-specific";

/// One long-form row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    pub agency: String,
    pub cohort: String,
    pub transition: String,
    /// Rule id (rules applying together are joined with `+`); empty for unmatched lines.
    pub rule: String,
    pub category: &'static str,
    pub amount: Decimal,
}

/// All rows, agencies in place order, then rules in file order; zero amounts left out.
pub fn rows(place: &Place, mapping: &Mapping, map: &SpendMap) -> Vec<Row> {
    let mut out = Vec::new();
    for (a, agency) in place.agencies.iter().enumerate() {
        for (t, tr) in map.targets.iter().enumerate() {
            let v = map.amount(a, t);
            if v.is_zero() {
                continue;
            }
            out.push(Row {
                agency: agency.id.clone(),
                cohort: place.cohorts[tr.cohort].id.clone(),
                transition: tr
                    .transition
                    .map(|x| place.transitions[x].id.clone())
                    .unwrap_or_default(),
                rule: mapping.rules[tr.rule].id.clone(),
                category: "mapped",
                amount: v,
            });
        }
        for (ra, rules, oos, v) in &map.remainders {
            if *ra != a {
                continue;
            }
            out.push(Row {
                agency: agency.id.clone(),
                cohort: NOT_COHORT_SPECIFIC.into(),
                transition: String::new(),
                rule: rules
                    .iter()
                    .map(|&r| mapping.rules[r].id.as_str())
                    .collect::<Vec<_>>()
                    .join("+"),
                category: if *oos { "out-of-scope" } else { "remainder" },
                amount: *v,
            });
        }
        let s = &map.agencies[a];
        if s.unmatched_lines > 0 && !s.unmatched.is_zero() {
            out.push(Row {
                agency: agency.id.clone(),
                cohort: NOT_COHORT_SPECIFIC.into(),
                transition: String::new(),
                rule: String::new(),
                category: "unmatched",
                amount: s.unmatched,
            });
        }
    }
    out
}

/// `spend-map.csv`: agency, cohort, transition, rule, category, amount (plain pounds, exact).
pub fn csv_bytes(place: &Place, mapping: &Mapping, map: &SpendMap) -> Result<Vec<u8>> {
    let io = |e: csv::Error| Error::Io {
        path: "spend-map.csv".into(),
        message: e.to_string(),
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "agency",
        "cohort",
        "transition",
        "rule",
        "category",
        "amount",
    ])
    .map_err(io)?;
    for r in rows(place, mapping, map) {
        w.write_record([
            r.agency.as_str(),
            &r.cohort,
            &r.transition,
            &r.rule,
            r.category,
            &plain(r.amount),
        ])
        .map_err(io)?;
    }
    w.into_inner().map_err(|e| Error::Io {
        path: "spend-map.csv".into(),
        message: e.to_string(),
    })
}

/// Spend per cohort member, rounded to the penny (half away from zero).
pub fn per_member(total: Decimal, size: u64) -> Option<Decimal> {
    (size > 0).then(|| money::to_pennies(total / Decimal::from(size)))
}

fn pct(d: Option<Decimal>) -> serde_json::Value {
    d.map(|v| json!(plain(money::round_half_up(v, 2))))
        .unwrap_or(serde_json::Value::Null)
}

/// `spend-map.json`: totals, per-agency reconciliation, cohorts, transitions, rules, drivers,
/// largest unmatched lines, warnings and the long-form rows. Amounts are exact decimal strings.
pub fn json_bytes(
    place: &Place,
    mapping: &Mapping,
    map: &SpendMap,
    ledger: &Ledger,
) -> Result<Vec<u8>> {
    let agencies: Vec<_> = place
        .agencies
        .iter()
        .zip(&map.agencies)
        .map(|(a, s)| {
            json!({
                "id": a.id,
                "budget_control": a.budget_control.as_str(),
                "lines": s.lines,
                "ingested": plain(s.ingested),
                "mapped": plain(s.mapped),
                "remainder": plain(s.remainder),
                "out_of_scope": plain(s.out_of_scope),
                "unmatched": plain(s.unmatched),
                "not_cohort_specific": plain(s.not_cohort_specific()),
                "coverage_pct": pct(s.coverage_pct()),
            })
        })
        .collect();
    let cohorts: Vec<_> = place
        .cohorts
        .iter()
        .enumerate()
        .map(|(c, co)| {
            let total = map.cohort_total(c);
            json!({
                "id": co.id,
                "name": co.name,
                "size": co.size,
                "size_source": co.size_source,
                "total": plain(total),
                "per_member": per_member(total, co.size).map(plain),
                "by_agency": place.agencies.iter().enumerate()
                    .map(|(a, ag)| (ag.id.clone(), json!(plain(map.agency_cohort(a, c)))))
                    .collect::<serde_json::Map<_, _>>(),
            })
        })
        .collect();
    let transitions: Vec<_> = place
        .transitions
        .iter()
        .enumerate()
        .map(|(t, tr)| {
            json!({
                "id": tr.id,
                "cohort": place.cohorts[tr.cohort].id,
                "total": plain(map.transition_total(tr.cohort, Some(t))),
                "by_agency": place.agencies.iter().enumerate()
                    .map(|(a, ag)| (ag.id.clone(), json!(plain(map.agency_transition(a, tr.cohort, Some(t))))))
                    .collect::<serde_json::Map<_, _>>(),
            })
        })
        .collect();
    let rules: Vec<_> = mapping
        .rules
        .iter()
        .zip(&map.rules)
        .map(|(r, s)| {
            json!({
                "id": r.id,
                "priority": r.priority,
                "out_of_scope": r.out_of_scope,
                "lines": s.lines,
                "amount": plain(s.amount),
                "mapped": plain(s.mapped),
                "targets": r.targets.iter().enumerate().map(|(j, t)| json!({
                    "cohort": place.cohorts[t.cohort].id,
                    "transition": t.transition.map(|x| place.transitions[x].id.clone()),
                    "basis": t.basis.label(&mapping.drivers),
                    "ratio": s.ratios[j].to_string(),
                    "allocated": plain(s.by_target[j]),
                    "source": match &t.basis { Basis::BottomUp { source, .. } => source.clone(), _ => None },
                    "synthetic": matches!(t.basis, Basis::BottomUp { synthetic: true, .. }),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let drivers: Vec<_> = mapping
        .drivers
        .iter()
        .map(|d| {
            json!({
                "id": d.id, "name": d.name,
                "numerator": d.numerator.normalize().to_string(),
                "denominator": d.denominator.normalize().to_string(),
                "ratio": money::round_half_up(d.ratio(), 18).normalize().to_string(),
                "source": d.source, "synthetic": d.synthetic,
            })
        })
        .collect();
    let largest: Vec<_> = map
        .largest_unmatched
        .iter()
        .map(|&i| {
            let l = &ledger.lines[i];
            let s = &place.sources[l.source as usize];
            json!({
                "agency": place.agencies[l.agency as usize].id,
                "source": s.id, "file": s.display, "sheet": s.sheet, "row": l.row,
                "cost_centre": ledger.text(l.cost_centre), "account": ledger.text(l.account),
                "service": ledger.text(l.service), "description": ledger.text(l.description),
                "amount": plain(l.amount),
            })
        })
        .collect();
    let doc = json!({
        "place": place.info.id,
        "name": place.info.name,
        "financial_year": place.info.financial_year,
        "synthetic": place.info.synthetic,
        "mapping_file": mapping.file,
        "method": format!(
            "lines split among their rules' targets by largest remainder on the line's smallest unit \
             (pennies, or finer for sub-penny lines); parts sum exactly to the line; per-member figures \
             rounded {}", money::ROUNDING_RULE),
        "totals": {
            "ingested": plain(map.total_ingested()),
            "mapped": plain(map.total_mapped()),
            "not_cohort_specific": plain(map.agencies.iter().map(|a| a.not_cohort_specific()).sum()),
        },
        "agencies": agencies,
        "cohorts": cohorts,
        "transitions": transitions,
        "rules": rules,
        "drivers": drivers,
        "largest_unmatched": largest,
        "warnings": map.warnings,
        "rows": rows(place, mapping, map).iter().map(|r| json!({
            "agency": r.agency, "cohort": r.cohort, "transition": r.transition,
            "rule": r.rule, "category": r.category, "amount": plain(r.amount),
        })).collect::<Vec<_>>(),
    });
    let mut bytes = serde_json::to_vec_pretty(&doc).map_err(|e| Error::Io {
        path: "spend-map.json".into(),
        message: e.to_string(),
    })?;
    bytes.push(b'\n');
    Ok(bytes)
}
