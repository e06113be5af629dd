//! `--set path=value` applied to a scenario file's TOML before validation, for the settings
//! that shape the model rather than feed it numbers (horizon, lags, intakes, discount rate).
//! Paths name tables by key and entries of `[[arrays]]` by their `id`:
//! `scenario.horizon`, `discount.rate`, `outcome.neet.lag`, `outcome.neet.flow.jsa.step`.

use toml::{Table, Value};

/// Turn the text of a `--set` value into a TOML value: integers stay integers, other numbers
/// become exact decimal text, `true`/`false` booleans, anything else a string.
pub fn parse_value(text: &str) -> Value {
    let t = text.trim();
    if let Ok(i) = t.parse::<i64>() {
        return Value::Integer(i);
    }
    match t {
        "true" => return Value::Boolean(true),
        "false" => return Value::Boolean(false),
        _ => {}
    }
    Value::String(t.to_string())
}

/// Set `path` in `doc`. Intermediate plain tables are created when missing; entries of
/// arrays of tables are found by `id`, entries of plain arrays by index.
pub fn apply(doc: &mut Table, path: &str, value: Value) -> Result<(), String> {
    let parts: Vec<&str> = path.split('.').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(format!("\"{path}\" is not a path like outcome.neet.lag"));
    }
    let mut cur: &mut Table = doc;
    let mut i = 0;
    while i < parts.len() {
        let key = parts[i];
        let last = i + 1 == parts.len();
        if last {
            cur.insert(key.to_string(), value);
            return Ok(());
        }
        let entry = cur
            .entry(key.to_string())
            .or_insert_with(|| Value::Table(Table::new()));
        match entry {
            Value::Table(t) => {
                cur = t;
                i += 1;
            }
            Value::Array(items) => {
                let sel = parts[i + 1];
                let is_last = i + 2 == parts.len();
                let pos = items.iter().position(|v| {
                    v.as_table()
                        .and_then(|t| t.get("id"))
                        .and_then(Value::as_str)
                        == Some(sel)
                });
                match pos {
                    Some(p) => {
                        if is_last {
                            return Err(format!("\"{path}\": name a key inside {key} \"{sel}\""));
                        }
                        match &mut items[p] {
                            Value::Table(t) => cur = t,
                            _ => unreachable!("found by table id"),
                        }
                        i += 2;
                    }
                    None => {
                        if let (Ok(ix), true) = (sel.parse::<usize>(), is_last) {
                            if ix < items.len() {
                                items[ix] = value;
                                return Ok(());
                            }
                            return Err(format!("\"{path}\": {key} has {} entries", items.len()));
                        }
                        let ids: Vec<&str> = items
                            .iter()
                            .filter_map(|v| {
                                v.as_table()
                                    .and_then(|t| t.get("id"))
                                    .and_then(Value::as_str)
                            })
                            .collect();
                        return Err(format!(
                            "\"{path}\": no {key} with id \"{sel}\" (known: {})",
                            ids.join(", ")
                        ));
                    }
                }
            }
            _ => return Err(format!("\"{path}\": {key} is a value, not a table")),
        }
    }
    Ok(())
}

/// Load a scenario and apply `--set PATH=VALUE` settings: a path naming a parameter
/// (see [`super::ValidatedScenario::param_specs`]) changes that number, range-checked; any
/// other path is applied to the file's TOML before validation (horizon, lags, discount rate).
pub fn load_with_sets(
    path: &std::path::Path,
    sets: &[String],
) -> crate::error::Result<(super::ValidatedScenario, super::Params)> {
    use crate::error::{display_path, Error};
    let file = display_path(path);
    let mut pairs = Vec::new();
    for s in sets {
        let Some((k, v)) = s.split_once('=') else {
            return Err(Error::model(
                &file,
                format!("--set {s}"),
                "write PATH=VALUE, e.g. outcome.neet.success=0.3",
            ));
        };
        pairs.push((k.trim().to_string(), v.trim().to_string()));
    }
    let first = super::load(path)?;
    let structural: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| first.param_index(k).is_none())
        .cloned()
        .collect();
    let sc = if structural.is_empty() {
        first
    } else {
        super::load_with_overrides(path, &structural)?
    };
    let mut params = sc.params();
    let mut errors = Vec::new();
    for (k, v) in &pairs {
        if sc.param_index(k).is_none() {
            continue;
        }
        match crate::money::parse_amount(v) {
            Ok(d) => {
                if let Err(m) = sc.set(&mut params, k, d) {
                    errors.push(Error::model(&file, format!("--set {k}"), m));
                }
            }
            Err(e) => errors.push(Error::model(&file, format!("--set {k}"), e.0)),
        }
    }
    Error::from_list(errors)?;
    Ok((sc, params))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_by_id_and_creates_tables() {
        let mut doc: Table = toml::from_str(
            "[scenario]\nhorizon = 5\n[[outcome]]\nid = \"a\"\nlag = 1\n[[outcome.flow]]\nid = \"f\"\nstep = 2\n",
        )
        .unwrap();
        apply(&mut doc, "scenario.horizon", parse_value("10")).unwrap();
        apply(&mut doc, "outcome.a.lag", parse_value("3")).unwrap();
        apply(&mut doc, "outcome.a.flow.f.step", parse_value("2.5")).unwrap();
        apply(&mut doc, "discount.rate", parse_value("0.05")).unwrap();
        assert_eq!(doc["scenario"]["horizon"].as_integer(), Some(10));
        assert_eq!(doc["outcome"][0]["lag"].as_integer(), Some(3));
        assert_eq!(doc["outcome"][0]["flow"][0]["step"].as_str(), Some("2.5"));
        assert_eq!(doc["discount"]["rate"].as_str(), Some("0.05"));
        assert!(apply(&mut doc, "outcome.b.lag", parse_value("1"))
            .unwrap_err()
            .contains("known: a"));
    }
}
