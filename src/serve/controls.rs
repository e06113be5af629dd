//! A scenario's assumptions as the page's controls, grouped as the scenario file groups them:
//! costs by line and year, each outcome with its flows and the unit costs they price, transfers,
//! optimism bias, and the horizon and discounting. Each control carries its path (the `--set`
//! path), unit, base value, the validator's range and, for unit costs, the source.

use serde_json::{json, Value};

use crate::scenario::{Bound, DiscountSchedule, TransferKind, ValidatedScenario};

/// Base value of a setting that is not a parameter (applied to the TOML before validation).
pub fn structural_base(sc: &ValidatedScenario, path: &str) -> Option<String> {
    let parts: Vec<&str> = path.split('.').collect();
    match parts.as_slice() {
        ["scenario", "horizon"] => Some(sc.horizon.to_string()),
        ["discount", "rate"] => Some(match &sc.discount {
            DiscountSchedule::Flat(r) => r.normalize().to_string(),
            DiscountSchedule::GreenBook => "0.035".into(),
        }),
        ["outcome", o, "lag"] => sc
            .outcomes
            .iter()
            .find(|x| x.id == *o)
            .map(|x| x.lag.to_string()),
        _ => None,
    }
}

fn bound_json(b: Bound) -> (Value, Value) {
    match b {
        Bound::Rate => (json!("0"), json!("1")),
        Bound::NonNegative => (json!("0"), Value::Null),
        Bound::Positive => (json!("0"), Value::Null),
    }
}

struct Group {
    key: String,
    title: String,
    note: Option<String>,
    controls: Vec<Value>,
}

/// The control groups of a scenario, in file order.
pub fn groups(sc: &ValidatedScenario) -> Value {
    let mut groups: Vec<Group> = Vec::new();
    let mut current_outcome: Option<String> = None;
    let find = |groups: &mut Vec<Group>, key: &str, title: String, note: Option<String>| {
        if let Some(i) = groups.iter().position(|g| g.key == key) {
            i
        } else {
            groups.push(Group {
                key: key.to_string(),
                title,
                note,
                controls: Vec::new(),
            });
            groups.len() - 1
        }
    };
    for (i, spec) in sc.param_specs.iter().enumerate() {
        let path = spec.path.as_str();
        let parts: Vec<&str> = path.split('.').collect();
        let base = sc.defaults.values[i];
        let (min, max) = bound_json(spec.bound);
        let rate_unit = if spec.bound == Bound::Rate { "%" } else { "" };
        let (gi, label, unit, source): (usize, String, String, Option<String>) =
            match parts.as_slice() {
                ["optimism_bias", "costs"] => (
                    find(&mut groups, "optimism", "Optimism bias".into(), None),
                    "cost uplift (all lines)".into(),
                    "%".into(),
                    None,
                ),
                ["optimism_bias", "grade", g] => (
                    find(&mut groups, "optimism", "Optimism bias".into(), None),
                    format!("benefit reduction, evidence grade {g}"),
                    "%".into(),
                    None,
                ),
                ["cost", id, rest @ ..] => {
                    let c = sc.costs.iter().find(|c| c.id == *id);
                    let title = match c {
                        Some(c) => format!(
                            "Cost: {id} ({}, {})",
                            sc.parties[c.party].id,
                            c.kind.as_str()
                        ),
                        None => format!("Cost: {id}"),
                    };
                    let gi = find(
                        &mut groups,
                        &format!("cost.{id}"),
                        title,
                        c.and_then(|c| c.note.clone()),
                    );
                    match rest {
                        ["amounts", k] => {
                            let year = k
                                .parse::<usize>()
                                .ok()
                                .and_then(|k| c.map(|c| sc.year_label(c.from_year + k)));
                            (
                                gi,
                                format!("amount {}", year.unwrap_or_else(|| k.to_string())),
                                "£".into(),
                                None,
                            )
                        }
                        _ => (gi, rest.join(" "), "%".into(), None),
                    }
                }
                ["outcome", o, rest @ ..] => {
                    current_outcome = Some(o.to_string());
                    let oc = sc.outcomes.iter().find(|x| x.id == *o);
                    let gi = find(
                        &mut groups,
                        &format!("outcome.{o}"),
                        format!("Outcome: {}", oc.map(|x| x.name.as_str()).unwrap_or(o)),
                        oc.and_then(|x| x.note.clone()),
                    );
                    match rest {
                        ["participants"] => {
                            (gi, "participants per intake".into(), "people".into(), None)
                        }
                        ["flow", fl, field] => {
                            let flow = oc.and_then(|x| x.flows.iter().find(|f| f.id == *fl));
                            let uc = flow.map(|f| &sc.unit_costs[f.unit_cost]);
                            let unit = match *field {
                                "quantity" | "step" => format!(
                                    "{}s a person a year",
                                    uc.map(|u| u.unit.as_str()).unwrap_or("unit")
                                ),
                                _ => rate_unit.to_string(),
                            };
                            (
                                gi,
                                format!("flow {fl}: {}", field.replace('_', " ")),
                                unit,
                                uc.map(|u| format!("{} ({}): {}", u.name, u.id, u.source)),
                            )
                        }
                        [field] => (gi, field.replace('_', " "), rate_unit.into(), None),
                        _ => (gi, rest.join(" "), rate_unit.into(), None),
                    }
                }
                ["unit_cost", id, "value"] => {
                    let uc = sc.unit_costs.iter().find(|u| u.id == *id);
                    let key = current_outcome
                        .as_ref()
                        .map(|o| format!("outcome.{o}"))
                        .unwrap_or_else(|| "unit_costs".into());
                    let gi = find(&mut groups, &key, "Unit costs".into(), None);
                    (
                        gi,
                        format!("unit cost: {}", uc.map(|u| u.name.as_str()).unwrap_or(id)),
                        format!(
                            "£ per {} ({} prices)",
                            uc.map(|u| u.unit.as_str()).unwrap_or("unit"),
                            uc.map(|u| crate::scenario::library::fy_label(u.price_year))
                                .unwrap_or_default()
                        ),
                        uc.map(|u| {
                            format!(
                                "{}{}",
                                u.source,
                                if u.verified { "" } else { " (not verified)" }
                            )
                        }),
                    )
                }
                ["transfer", t, rest @ ..] => {
                    let tr = sc.transfers.iter().find(|x| x.id == *t);
                    let title = match tr {
                        Some(x) => format!(
                            "Transfer: {t} ({}, {} → {})",
                            x.kind.label(),
                            sc.parties[x.from].id,
                            sc.parties[x.to].id
                        ),
                        None => format!("Transfer: {t}"),
                    };
                    let gi = find(
                        &mut groups,
                        &format!("transfer.{t}"),
                        title,
                        tr.and_then(|x| x.note.clone()),
                    );
                    let from_year = match tr.map(|x| &x.kind) {
                        Some(TransferKind::Fixed { from_year, .. }) => *from_year,
                        _ => 0,
                    };
                    match rest {
                        ["amounts", k] => (
                            gi,
                            format!(
                                "amount {}",
                                k.parse::<usize>()
                                    .map(|k| sc.year_label(from_year + k))
                                    .unwrap_or_else(|_| k.to_string())
                            ),
                            "£".into(),
                            None,
                        ),
                        ["amount"] => (gi, "amount".into(), "£".into(), None),
                        _ => (gi, rest.join(" ").replace('_', " "), rate_unit.into(), None),
                    }
                }
                _ => (
                    find(&mut groups, "other", "Other".into(), None),
                    path.to_string(),
                    rate_unit.into(),
                    None,
                ),
            };
        groups[gi].controls.push(json!({
            "path": path, "label": label, "unit": unit,
            "base": base.normalize().to_string(), "min": min, "max": max,
            "bound": spec.bound, "integer": false, "source": source, "kind": "parameter",
        }));
        // An outcome's lag follows its drop-off.
        if let ["outcome", o, "drop_off"] = parts.as_slice() {
            if let Some(oc) = sc.outcomes.iter().find(|x| x.id == *o) {
                groups[gi].controls.push(json!({
                    "path": format!("outcome.{o}.lag"), "label": "lag", "unit": "years",
                    "base": oc.lag.to_string(), "min": "0", "max": (sc.horizon.saturating_sub(1)).to_string(),
                    "bound": "non-negative", "integer": true, "source": null, "kind": "setting",
                }));
            }
        }
    }
    let rate = structural_base(sc, "discount.rate").unwrap_or_default();
    groups.push(Group {
        key: "discounting".into(),
        title: "Horizon and discounting".into(),
        note: Some(match sc.discount {
            DiscountSchedule::GreenBook => {
                "Green Book schedule (3.5% to year 30); setting a rate uses that one rate for every year".into()
            }
            DiscountSchedule::Flat(_) => "One rate for every year".into(),
        }),
        controls: vec![
            json!({
                "path": "scenario.horizon", "label": "horizon", "unit": "years",
                "base": sc.horizon.to_string(), "min": "1", "max": "60", "bound": "positive",
                "integer": true, "source": null, "kind": "setting",
            }),
            json!({
                "path": "discount.rate", "label": "discount rate", "unit": "%",
                "base": rate, "min": "0", "max": "1", "bound": "rate",
                "integer": false, "source": null, "kind": "setting",
            }),
        ],
    });
    Value::Array(
        groups
            .into_iter()
            .map(
                |g| json!({"key": g.key, "title": g.title, "note": g.note, "controls": g.controls}),
            )
            .collect(),
    )
}
