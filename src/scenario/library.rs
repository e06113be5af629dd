//! The unit-cost library (`models/unit-costs.csv`) and the GDP-deflator index
//! (`models/gdp-deflators.csv`) used to re-base unit costs to a scenario's price base.
//!
//! Years are financial years named by the calendar year they start in and written
//! `"2023-24"` (a bare `2023` is accepted and means the same).

use std::collections::BTreeMap;
use std::path::Path;

use rust_decimal::Decimal;

use crate::error::{display_path, Error, Location, Result};
use crate::money;

/// One published unit cost.
#[derive(Debug, Clone, serde::Serialize)]
pub struct UnitCost {
    pub id: String,
    /// The publisher's own code (GMCA Unit Cost Database: `E&E1.0.1`); empty when none.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub code: String,
    pub name: String,
    /// Value in `price_year` prices, pounds per `unit`.
    pub value: Decimal,
    pub unit: String,
    /// Financial year of the prices (start year: 2023 = 2023-24).
    pub price_year: i32,
    /// The kind of agency that bears the cost (`dwp`, `police`, `acute-trust`, ...).
    pub role: String,
    /// Default share of a saving that can be cashed (0..1).
    pub cashability: Decimal,
    pub source: String,
    /// False when the value could not be checked against its source.
    pub verified: bool,
    /// `fiscal`, or which of `fiscal`, `economic`, `social` the value contains
    /// (`fiscal+economic`), as its source says.
    pub value_type: String,
    /// Where it was defined: the library file or the scenario file.
    pub defined_in: String,
    /// The unit costs this one is made of (`composite_of` in the library: a NEET year =
    /// benefits + lost tax): counting it and one of its parts for the same people counts twice.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub composite_of: Vec<String>,
    /// Set when the value was derived from the place's spend map (a local unit cost).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local: Option<crate::scenario::local::LocalOrigin>,
    /// Why the library itself says not to rely on this row yet: its `provenance` is
    /// `recalled` or its `notes` open with `FROM MEMORY` or `CHECK:` (see [`caution_of`]).
    /// `totalplace check` warns when a scenario uses such a row.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caution: Option<String>,
}

/// The library's own warning on a row, from its `provenance` and `notes` cells: the notes'
/// first sentence when they open with `FROM MEMORY` or `CHECK:` (the library's markers for a
/// value entered from memory, or one to check against its publisher), else a fixed sentence
/// when the provenance is `recalled`; none otherwise.
pub fn caution_of(provenance: &str, notes: &str) -> Option<String> {
    let notes = notes.trim();
    if notes.starts_with("FROM MEMORY") || notes.starts_with("CHECK:") {
        let first = match notes.find(". ") {
            Some(i) => &notes[..i],
            None => notes.trim_end_matches('.'),
        };
        return Some(first.to_string());
    }
    provenance
        .trim()
        .eq_ignore_ascii_case("recalled")
        .then(|| "FROM MEMORY: provenance \"recalled\": the value was entered from memory of its source, never checked against it".to_string())
}

/// Parse a `composite_of` cell: unit-cost ids separated by `;` (spaces ignored).
pub fn parse_parts(s: &str) -> Vec<String> {
    s.split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

/// A financial-year label: 2023 → "2023-24".
pub fn fy_label(y: i32) -> String {
    format!("{}-{:02}", y, (y + 1).rem_euclid(100))
}

/// Parse "2023-24" or "2023" into 2023.
pub fn parse_fy(s: &str) -> Option<i32> {
    let s = s.trim();
    if let Some((a, b)) = s.split_once('-') {
        let y: i32 = a.parse().ok()?;
        let n: i32 = b.parse().ok()?;
        if b.len() == 2 && (y + 1).rem_euclid(100) == n && (1900..=2200).contains(&y) {
            return Some(y);
        }
        return None;
    }
    let y: i32 = s.parse().ok()?;
    (1900..=2200).contains(&y).then_some(y)
}

fn read_csv(path: &Path) -> Result<(csv::StringRecord, Vec<(u32, csv::StringRecord)>)> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(false)
        .from_path(path)
        .map_err(|e| Error::io(path, e))?;
    let headers = rdr.headers().map_err(|e| Error::io(path, e))?.clone();
    let mut rows = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| {
            Error::input(
                Location::file(display_path(path)),
                format!("row {}: {e}", i + 2),
            )
        })?;
        rows.push((i as u32 + 2, rec));
    }
    Ok((headers, rows))
}

fn col(headers: &csv::StringRecord, file: &str, name: &str) -> Result<usize> {
    headers
        .iter()
        .position(|h| h.trim() == name)
        .ok_or_else(|| {
            Error::input(
                Location::file(file),
                format!(
                    "missing column \"{name}\" (columns: {})",
                    headers.iter().collect::<Vec<_>>().join(", ")
                ),
            )
        })
}

/// Load the unit-cost library. Columns: `id, name, value, unit, price_year, role,
/// cashability, verified, source`, optionally `code` (the publisher's code), `value_type`
/// (`fiscal` when absent), `composite_of` (the ids of the costs this one is made of,
/// separated by `;`), and `provenance` and `notes`, read only for the row's
/// [`UnitCost::caution`]; others are ignored.
pub fn load_unit_costs(path: &Path) -> Result<Vec<UnitCost>> {
    let file = display_path(path);
    let (h, rows) = read_csv(path)?;
    let c: Vec<usize> = [
        "id",
        "name",
        "value",
        "unit",
        "price_year",
        "role",
        "cashability",
        "verified",
        "source",
    ]
    .iter()
    .map(|n| col(&h, &file, n))
    .collect::<Result<_>>()?;
    let c_parts = h.iter().position(|x| x.trim() == "composite_of");
    let c_code = h.iter().position(|x| x.trim() == "code");
    let c_type = h.iter().position(|x| x.trim() == "value_type");
    let c_prov = h.iter().position(|x| x.trim() == "provenance");
    let c_notes = h.iter().position(|x| x.trim() == "notes");
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut parts_at: Vec<(u32, u32)> = Vec::new();
    for (row, r) in rows {
        let get = |i: usize| r.get(c[i]).unwrap_or("").trim();
        let loc = |i: usize| Location {
            file: file.clone(),
            sheet: None,
            row: Some(row),
            col: Some(c[i] as u32),
        };
        let id = get(0).to_string();
        if id.is_empty() {
            errors.push(Error::input(loc(0), "unit cost id is empty"));
            continue;
        }
        if !seen.insert(id.clone()) {
            errors.push(Error::input(
                loc(0),
                format!("duplicate unit cost id \"{id}\""),
            ));
        }
        let value = match money::parse_amount(get(2)) {
            Ok(v) if v >= Decimal::ZERO => v,
            Ok(v) => {
                errors.push(Error::input(
                    loc(2),
                    format!("unit cost \"{id}\": value {v} must not be negative"),
                ));
                continue;
            }
            Err(e) => {
                errors.push(Error::input(loc(2), format!("unit cost \"{id}\": {}", e.0)));
                continue;
            }
        };
        let Some(price_year) = parse_fy(get(4)) else {
            errors.push(Error::input(
                loc(4),
                format!(
                    "unit cost \"{id}\": \"{}\" is not a financial year like 2023-24",
                    get(4)
                ),
            ));
            continue;
        };
        let cashability = match money::parse_amount(get(6)) {
            Ok(v) if (Decimal::ZERO..=Decimal::ONE).contains(&v) => v,
            _ => {
                errors.push(Error::input(
                    loc(6),
                    format!(
                        "unit cost \"{id}\": cashability \"{}\" must be a fraction between 0 and 1",
                        get(6)
                    ),
                ));
                continue;
            }
        };
        let verified = match get(7).to_ascii_lowercase().as_str() {
            "yes" | "true" | "y" => true,
            "no" | "false" | "n" | "unverified" => false,
            other => {
                errors.push(Error::input(
                    loc(7),
                    format!("unit cost \"{id}\": verified \"{other}\" must be yes or no"),
                ));
                continue;
            }
        };
        if get(5).is_empty() {
            errors.push(Error::input(
                loc(5),
                format!("unit cost \"{id}\": name the bearing agency role"),
            ));
        }
        if get(8).is_empty() {
            errors.push(Error::input(
                loc(8),
                format!("unit cost \"{id}\": give its source"),
            ));
        }
        let opt = |c: Option<usize>| c.and_then(|c| r.get(c)).unwrap_or("").trim();
        let value_type = match opt(c_type) {
            "" => "fiscal".to_string(),
            t => match check_value_type(t) {
                Ok(t) => t,
                Err(m) => {
                    errors.push(Error::input(
                        Location {
                            col: c_type.map(|c| c as u32),
                            ..loc(0)
                        },
                        format!("unit cost \"{id}\": {m}"),
                    ));
                    continue;
                }
            },
        };
        out.push(UnitCost {
            code: opt(c_code).to_string(),
            value_type,
            id,
            name: get(1).to_string(),
            value,
            unit: get(3).to_string(),
            price_year,
            role: get(5).to_string(),
            cashability,
            source: get(8).to_string(),
            verified,
            defined_in: file.clone(),
            composite_of: c_parts
                .map(|c| parse_parts(r.get(c).unwrap_or("")))
                .unwrap_or_default(),
            local: None,
            caution: caution_of(opt(c_prov), opt(c_notes)),
        });
        if let Some(c) = c_parts {
            parts_at.push((row, c as u32));
        }
    }
    // Parts must be other costs of the library.
    for (u, (row, c)) in out.iter().zip(&parts_at) {
        for part in &u.composite_of {
            let msg = if part == &u.id {
                Some(format!("unit cost \"{}\" cannot be a part of itself", u.id))
            } else if !out.iter().any(|x| &x.id == part) {
                Some(format!(
                    "unit cost \"{}\": composite_of names \"{part}\", which is no unit cost in this file",
                    u.id
                ))
            } else {
                None
            };
            if let Some(m) = msg {
                errors.push(Error::input(
                    Location {
                        file: file.clone(),
                        sheet: None,
                        row: Some(*row),
                        col: Some(*c),
                    },
                    m,
                ));
            }
        }
    }
    Error::from_list(errors)?;
    Ok(out)
}

/// The unit costs matching every word (case-insensitive) somewhere in their id, code, name,
/// unit, role or source, in library order. No words: all of them.
pub fn search<'a>(lib: &'a [UnitCost], words: &[String]) -> Vec<&'a UnitCost> {
    let words: Vec<String> = words
        .iter()
        .flat_map(|w| w.split_whitespace())
        .map(str::to_lowercase)
        .collect();
    lib.iter()
        .filter(|u| {
            let hay = [&u.id, &u.code, &u.name, &u.unit, &u.role, &u.source]
                .iter()
                .map(|s| s.to_lowercase())
                .collect::<Vec<_>>()
                .join("\n");
            words.iter().all(|w| hay.contains(w.as_str()))
        })
        .collect()
}

/// `fiscal`, `economic`, `social` or several of them joined by `+`, each once, in that order.
pub fn is_value_type(t: &str) -> bool {
    let order = ["fiscal", "economic", "social"];
    let mut last = None;
    for part in t.split('+') {
        match order.iter().position(|o| *o == part) {
            Some(i) if last.is_none_or(|l| i > l) => last = Some(i),
            _ => return false,
        }
    }
    last.is_some()
}

/// A written value type, checked by [`is_value_type`]: the error text says what is allowed.
pub fn check_value_type(t: &str) -> Result<String, String> {
    if is_value_type(t) {
        Ok(t.to_string())
    } else {
        Err(format!(
            "value_type \"{t}\" must be fiscal, economic or social, or several joined by + in that order (fiscal+economic)"
        ))
    }
}

/// A GDP-deflator index by financial year.
#[derive(Debug, Clone, Default)]
pub struct Deflators {
    /// The file it came from ("" when none was found).
    pub file: String,
    pub index: BTreeMap<i32, Decimal>,
}

impl Deflators {
    /// Load `financial_year, index` (other columns ignored).
    pub fn load(path: &Path) -> Result<Deflators> {
        let file = display_path(path);
        let (h, rows) = read_csv(path)?;
        let cy = col(&h, &file, "financial_year")?;
        let ci = col(&h, &file, "index")?;
        let mut index = BTreeMap::new();
        let mut errors = Vec::new();
        for (row, r) in rows {
            let loc = |c: usize| Location {
                file: file.clone(),
                sheet: None,
                row: Some(row),
                col: Some(c as u32),
            };
            let ys = r.get(cy).unwrap_or("").trim();
            let Some(y) = parse_fy(ys) else {
                errors.push(Error::input(
                    loc(cy),
                    format!("\"{ys}\" is not a financial year like 2023-24"),
                ));
                continue;
            };
            match money::parse_amount(r.get(ci).unwrap_or("")) {
                Ok(v) if v > Decimal::ZERO => {
                    if index.insert(y, v).is_some() {
                        errors.push(Error::input(
                            loc(cy),
                            format!("{} appears twice", fy_label(y)),
                        ));
                    }
                }
                _ => errors.push(Error::input(loc(ci), "index must be a positive number")),
            }
        }
        Error::from_list(errors)?;
        Ok(Deflators { file, index })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn financial_years() {
        assert_eq!(parse_fy("2023-24"), Some(2023));
        assert_eq!(parse_fy("1999-00"), Some(1999));
        assert_eq!(parse_fy("2023"), Some(2023));
        assert_eq!(parse_fy("2023-25"), None);
        assert_eq!(fy_label(1999), "1999-00");
        assert_eq!(fy_label(2024), "2024-25");
    }

    #[test]
    fn value_types() {
        assert!(is_value_type("fiscal"));
        assert!(is_value_type("fiscal+economic+social"));
        assert!(is_value_type("economic+social"));
        assert!(!is_value_type("economic+fiscal"));
        assert!(!is_value_type("fiscal+fiscal"));
        assert!(!is_value_type(""));
        assert!(!is_value_type("cash"));
    }
}
