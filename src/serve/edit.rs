//! A what-if written back into scenario TOML with `toml_edit`, so that a saved variant keeps the
//! original file's layout and comments and differs only in the values that were changed.
//!
//! Paths follow `--set` (see [`crate::scenario::overrides`]): tables by key, `[[array]]` entries
//! by their `id`, plain arrays by index. Parameter paths name the file's keys, except
//! `optimism_bias.grade.<n>` (the file's `[optimism_bias] grades."<n>"`).

use toml_edit::{value, Array, ArrayOfTables, DocumentMut, Item, Table, Value};

use super::workbench::Negotiation;

/// The TOML location of a parameter or `--set` path.
fn file_path(path: &str) -> Vec<String> {
    let parts: Vec<String> = path.split('.').map(str::to_string).collect();
    if parts.len() == 3 && parts[0] == "optimism_bias" && parts[1] == "grade" {
        return vec!["optimism_bias".into(), "grades".into(), parts[2].clone()];
    }
    parts
}

/// The TOML value for a number's text: integers stay integers; other numbers are written as
/// exact decimal text (as the sample files write rates: `success = "0.4"`). A value that was a
/// string in the file stays a string.
fn number(text: &str, was_string: bool) -> Value {
    match text.parse::<i64>() {
        Ok(i) if !was_string => Value::from(i),
        _ => Value::from(text),
    }
}

/// Set `path` to the number `text` in `doc`.
pub fn set(doc: &mut DocumentMut, path: &str, text: &str) -> Result<(), String> {
    let parts = file_path(path);
    if parts.iter().any(|p| p.is_empty()) {
        return Err(format!("\"{path}\" is not a path like outcome.neet.lag"));
    }
    let mut cur: &mut Table = doc.as_table_mut();
    let mut i = 0;
    loop {
        let key = parts[i].as_str();
        if i + 1 == parts.len() {
            let was_string = cur
                .get(key)
                .and_then(Item::as_value)
                .is_some_and(Value::is_str);
            let decor = cur
                .get(key)
                .and_then(Item::as_value)
                .map(|v| v.decor().clone());
            let mut v = number(text, was_string);
            if let Some(d) = decor {
                *v.decor_mut() = d;
            }
            cur.insert(key, Item::Value(v));
            return Ok(());
        }
        if !cur.contains_key(key) {
            let mut t = Table::new();
            t.set_implicit(true);
            cur.insert(key, Item::Table(t));
        }
        let next = parts[i + 1].as_str();
        let last_but_one = i + 2 == parts.len();
        match cur.get_mut(key) {
            Some(Item::Table(t)) => {
                cur = t;
                i += 1;
            }
            Some(Item::Value(Value::InlineTable(_))) => {
                return Err(format!(
                    "\"{path}\": {key} is an inline table; write it as a [table] to change it here"
                ));
            }
            Some(Item::ArrayOfTables(items)) => {
                let Some(t) = items
                    .iter_mut()
                    .find(|t| t.get("id").and_then(Item::as_str) == Some(next))
                else {
                    return Err(format!("\"{path}\": no {key} with id \"{next}\""));
                };
                if last_but_one {
                    return Err(format!("\"{path}\": name a key inside {key} \"{next}\""));
                }
                cur = t;
                i += 2;
            }
            Some(Item::Value(Value::Array(a))) if last_but_one => {
                let ix: usize = next
                    .parse()
                    .map_err(|_| format!("\"{path}\": {key} is a list; name an index"))?;
                let Some(old) = a.get(ix) else {
                    return Err(format!("\"{path}\": {key} has {} entries", a.len()));
                };
                let mut v = number(text, old.is_str());
                *v.decor_mut() = old.decor().clone();
                a.replace(ix, v);
                return Ok(());
            }
            _ => return Err(format!("\"{path}\": {key} is a value, not a table")),
        }
    }
}

/// Set `[scenario] id` and `name` for a saved variant.
pub fn rename(doc: &mut DocumentMut, id: &str, name: &str) -> Result<(), String> {
    let Some(t) = doc.get_mut("scenario").and_then(Item::as_table_mut) else {
        return Err("the scenario file has no [scenario] table".into());
    };
    t["id"] = value(id);
    t["name"] = value(name);
    Ok(())
}

/// Append the negotiation's transfers: each partner's contribution to the investor in year 0
/// (a `fixed` transfer; a negative contribution is paid by the investor to the partner), and
/// each partner's gain share (a `gain-share` transfer on all fiscal benefits).
pub fn add_negotiation(doc: &mut DocumentMut, n: &Negotiation) -> Result<(), String> {
    if n.contributions.is_empty() && n.gain_shares.is_empty() {
        return Ok(());
    }
    if !doc.contains_key("transfer") {
        doc.insert("transfer", Item::ArrayOfTables(ArrayOfTables::new()));
    }
    let Some(arr) = doc
        .get_mut("transfer")
        .and_then(Item::as_array_of_tables_mut)
    else {
        return Err("the scenario file's `transfer` is not a list of [[transfer]] tables".into());
    };
    for (party, amount) in &n.contributions {
        let (from, to, amt) = if amount.is_sign_negative() {
            (n.investor.as_str(), party.as_str(), -*amount)
        } else {
            (party.as_str(), n.investor.as_str(), *amount)
        };
        let mut t = Table::new();
        t["id"] = value(format!("negotiated-contribution-{party}"));
        t["kind"] = value("fixed");
        t["from"] = value(from);
        t["to"] = value(to);
        let mut a = Array::new();
        a.push(amt.normalize().to_string());
        t["amounts"] = value(a);
        t["note"] = value(format!(
            "Contribution negotiated in totalplace serve: {party} to {} in year 0",
            n.investor
        ));
        arr.push(t);
    }
    for (party, share) in &n.gain_shares {
        let mut t = Table::new();
        t["id"] = value(format!("negotiated-gain-share-{party}"));
        t["kind"] = value("gain-share");
        t["from"] = value(party.as_str());
        t["to"] = value(n.investor.as_str());
        t["share"] = value(share.normalize().to_string());
        t["basis"] = value("all");
        t["note"] = value(format!(
            "Gain share negotiated in totalplace serve: {party} passes this share of its net gain to {}",
            n.investor
        ));
        arr.push(t);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "# a comment kept\n[scenario]\nid = \"s\" # trailing\n\n[optimism_bias]\ncosts = \"0.1\"\n\n[[cost]]\nid = \"staff\"\namounts = [100, 200]  # by year\n\n[[outcome]]\nid = \"o\"\nsuccess = \"0.4\"\nlag = 1\n\n[[outcome.flow]]\nid = \"f\"\nquantity = \"0.8\"\n";

    #[test]
    fn changes_only_the_values_and_keeps_comments() {
        let mut doc: DocumentMut = FILE.parse().unwrap();
        set(&mut doc, "outcome.o.success", "0.3").unwrap();
        set(&mut doc, "cost.staff.amounts.1", "250").unwrap();
        set(&mut doc, "outcome.o.lag", "2").unwrap();
        set(&mut doc, "outcome.o.flow.f.cashability", "0.5").unwrap();
        set(&mut doc, "optimism_bias.grade.4", "0.2").unwrap();
        let s = doc.to_string();
        assert!(s.starts_with("# a comment kept\n[scenario]\nid = \"s\" # trailing\n"));
        assert!(s.contains("success = \"0.3\"\n"), "{s}");
        assert!(s.contains("amounts = [100, 250]  # by year\n"), "{s}");
        assert!(s.contains("lag = 2\n"), "{s}");
        assert!(s.contains("cashability = \"0.5\""), "{s}");
        assert!(s.contains("4 = \"0.2\""), "{s}");
        assert!(set(&mut doc, "outcome.x.success", "0.1")
            .unwrap_err()
            .contains("no outcome with id \"x\""));
        assert!(set(&mut doc, "cost.staff.amounts.5", "1")
            .unwrap_err()
            .contains("has 2 entries"));
    }
}
