//! Raw → validated place model. Collects every problem rather than stopping at the first.

use std::collections::HashSet;
use std::path::Path;

use regex::Regex;
use rust_decimal::Decimal;

use super::raw::{self, NumberRaw};
use super::*;
use crate::error::{display_path, normalize_path, Error, Result};
use crate::money;

struct Problems {
    file: String,
    errors: Vec<Error>,
}

impl Problems {
    fn push(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.errors
            .push(Error::model(self.file.clone(), key, message));
    }
}

fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// Check ids are well formed and unique; returns the list of ids.
fn check_ids<'a>(p: &mut Problems, table: &str, ids: impl Iterator<Item = &'a str>) {
    let mut seen = HashSet::new();
    for (i, id) in ids.enumerate() {
        if !is_id(id) {
            p.push(
                format!("{table}[{i}].id"),
                format!("id \"{id}\" must be lower-case letters, digits, '-' or '_'"),
            );
        }
        if !seen.insert(id) {
            p.push(
                format!("{table}[{i}].id"),
                format!("duplicate {table} id \"{id}\""),
            );
        }
    }
}

/// Parse `H130`, `Summary!B4` or `'Revenue 2024-25'!H130` into (sheet, 1-based row, 0-based col).
pub fn parse_cell_ref(s: &str) -> Option<(Option<String>, u32, u32)> {
    let s = s.trim();
    let (sheet, cell) = match s.rfind('!') {
        Some(i) => {
            let sh = &s[..i];
            let sh = if let Some(inner) = sh.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')) {
                inner.replace("''", "'")
            } else {
                sh.to_string()
            };
            if sh.is_empty() {
                return None;
            }
            (Some(sh), &s[i + 1..])
        }
        None => (None, s),
    };
    let cell = cell.replace('$', "");
    let letters: String = cell
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    let digits = &cell[letters.len()..];
    if letters.is_empty()
        || letters.len() > 3
        || digits.is_empty()
        || !digits.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let mut col: u32 = 0;
    for c in letters.to_ascii_uppercase().bytes() {
        col = col * 26 + u32::from(c - b'A' + 1);
    }
    let row: u32 = digits.parse().ok()?;
    if row == 0 {
        return None;
    }
    Some((sheet, row, col - 1))
}

fn number(n: &NumberRaw) -> Option<Decimal> {
    match n {
        NumberRaw::Text(t) => money::parse_amount(t).ok(),
        NumberRaw::Int(i) => Some(Decimal::from(*i)),
        NumberRaw::Float(f) => money::from_sheet_number(*f),
    }
}

pub(super) fn validate(
    dir: &Path,
    place_file: &Path,
    pf: raw::PlaceFile,
    sources_file: &Path,
    sf: raw::SourcesFile,
) -> Result<Place> {
    let mut p = Problems {
        file: display_path(place_file),
        errors: vec![],
    };
    let ps = &pf.place;
    if !is_id(&ps.id) {
        p.push(
            "place.id",
            format!(
                "id \"{}\" must be lower-case letters, digits, '-' or '_'",
                ps.id
            ),
        );
    }
    if ps.name.trim().is_empty() {
        p.push("place.name", "must not be empty");
    }
    let fy_ok = {
        let b = ps.financial_year.as_bytes();
        b.len() == 7
            && b[4] == b'-'
            && ps.financial_year[..4]
                .parse::<u32>()
                .ok()
                .zip(ps.financial_year[5..].parse::<u32>().ok())
                .is_some_and(|(a, y)| (a + 1) % 100 == y)
    };
    if !fy_ok {
        p.push(
            "place.financial_year",
            format!(
                "\"{}\" is not a financial year like \"2024-25\"",
                ps.financial_year
            ),
        );
    }
    if !(1990..=2100).contains(&ps.price_base) {
        p.push(
            "place.price_base",
            format!(
                "{} is not a plausible price-base year (1990-2100)",
                ps.price_base
            ),
        );
    }
    if ps.population <= 0 {
        p.push(
            "place.population",
            format!("{} must be a positive number of people", ps.population),
        );
    }
    if pf.agency.is_empty() {
        p.push("agency", "a place needs at least one [[agency]]");
    }
    check_ids(&mut p, "agency", pf.agency.iter().map(|a| a.id.as_str()));
    check_ids(&mut p, "cohort", pf.cohort.iter().map(|a| a.id.as_str()));
    check_ids(
        &mut p,
        "transition",
        pf.transition.iter().map(|a| a.id.as_str()),
    );

    let agencies: Vec<Agency> = pf
        .agency
        .iter()
        .enumerate()
        .map(|(i, a)| {
            if a.name.trim().is_empty() {
                p.push(format!("agency[{i}].name"), "must not be empty");
            }
            Agency {
                id: a.id.clone(),
                name: a.name.clone(),
                sector: a.sector,
                budget_control: a.budget_control,
            }
        })
        .collect();
    let agency_idx = |id: &str| agencies.iter().position(|a| a.id == id);

    let population = ps.population.max(0) as u64;
    let cohorts: Vec<Cohort> = pf
        .cohort
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if c.size <= 0 {
                p.push(
                    format!("cohort[{i}].size"),
                    format!("cohort \"{}\": size {} must be positive", c.id, c.size),
                );
            } else if population > 0 && c.size as u64 > population {
                p.push(
                    format!("cohort[{i}].size"),
                    format!(
                        "cohort \"{}\": size {} exceeds the place's population {}",
                        c.id, c.size, population
                    ),
                );
            }
            if c.size_source.trim().is_empty() {
                p.push(
                    format!("cohort[{i}].size_source"),
                    format!("cohort \"{}\": say where the size comes from", c.id),
                );
            }
            Cohort {
                id: c.id.clone(),
                name: c.name.clone(),
                size: c.size.max(0) as u64,
                size_source: c.size_source.clone(),
                description: c.description.clone(),
            }
        })
        .collect();

    let transitions: Vec<Transition> = pf
        .transition
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let cohort = cohorts
                .iter()
                .position(|c| c.id == t.cohort)
                .unwrap_or_else(|| {
                    p.push(
                        format!("transition[{i}].cohort"),
                        format!(
                            "transition \"{}\": unknown cohort \"{}\" (known: {})",
                            t.id,
                            t.cohort,
                            ids(cohorts.iter().map(|c| &c.id))
                        ),
                    );
                    0
                });
            let mut side = |name: &str, list: &[String]| -> Vec<usize> {
                if list.is_empty() {
                    p.push(
                        format!("transition[{i}].{name}"),
                        format!("transition \"{}\": name at least one agency", t.id),
                    );
                }
                list.iter()
                    .filter_map(|a| {
                        let idx = agency_idx(a);
                        if idx.is_none() {
                            p.push(
                                format!("transition[{i}].{name}"),
                                format!(
                                    "transition \"{}\": unknown agency \"{a}\" (known: {})",
                                    t.id,
                                    ids(agencies.iter().map(|a| &a.id))
                                ),
                            );
                        }
                        idx
                    })
                    .collect()
            };
            let from = side("from", &t.from);
            let to = side("to", &t.to);
            Transition {
                id: t.id.clone(),
                name: t.name.clone(),
                cohort,
                from,
                to,
                description: t.description.clone(),
            }
        })
        .collect();

    // Sources.
    let data_dir = match &ps.data_dir {
        Some(d) => dir.join(d),
        None => dir.to_path_buf(),
    };
    let mut sp = Problems {
        file: display_path(sources_file),
        errors: vec![],
    };
    if sf.source.is_empty() {
        sp.push("source", "declare at least one [[source]] budget file");
    }
    check_ids(&mut sp, "source", sf.source.iter().map(|s| s.id.as_str()));
    let mut sources = Vec::new();
    for (i, s) in sf.source.iter().enumerate() {
        let key = |k: &str| format!("source[{i}] \"{}\".{k}", s.id);
        let agency = match agency_idx(&s.agency) {
            Some(a) => a,
            None => {
                sp.push(
                    key("agency"),
                    format!(
                        "unknown agency \"{}\" (known: {})",
                        s.agency,
                        ids(agencies.iter().map(|a| &a.id))
                    ),
                );
                0
            }
        };
        let path = normalize_path(&data_dir.join(&s.file));
        let display = display_path(&path);
        let format = Format::from_path(&path);
        if format.is_none() {
            sp.push(
                key("file"),
                format!(
                    "\"{}\": unknown file type (expected .xlsx, .xlsm, .xls, .xlsb, .ods or .csv)",
                    s.file
                ),
            );
        }
        if !path.is_file() {
            sp.push(key("file"), format!("file not found: {display}"));
        }
        let format = format.unwrap_or(Format::Csv);
        if format == Format::Csv && s.sheet.is_some() {
            sp.push(key("sheet"), "a CSV file has no sheets; remove `sheet`");
        }
        if format.is_spreadsheet() && (s.encoding.is_some() || s.delimiter.is_some()) {
            sp.push(
                key("encoding"),
                "`encoding` and `delimiter` apply to CSV files only",
            );
        }
        let delimiter = match s.delimiter.as_deref() {
            None => b',',
            Some("\\t") | Some("\t") => b'\t',
            Some(d) if d.len() == 1 && d.is_ascii() => d.as_bytes()[0],
            Some(d) => {
                sp.push(
                    key("delimiter"),
                    format!("\"{d}\" must be a single ASCII character"),
                );
                b','
            }
        };
        let header_row = match s.header_row {
            None => None,
            Some(r) if (1..=1_048_576).contains(&r) => Some(r as u32),
            Some(r) => {
                sp.push(
                    key("header_row"),
                    format!("{r} is not a row number (rows start at 1)"),
                );
                None
            }
        };
        let c = &s.columns;
        if c.amount.trim().is_empty() {
            sp.push(key("columns.amount"), "name the column holding the amount");
        }
        if c.cost_centre.is_none()
            && c.account.is_none()
            && c.service.is_none()
            && c.description.is_none()
        {
            sp.push(
                key("columns"),
                "map at least one of cost_centre, account, service, description",
            );
        }
        let columns = Columns {
            amount: c.amount.clone(),
            cost_centre: c.cost_centre.clone(),
            account: c.account.clone(),
            service: c.service.clone(),
            description: c.description.clone(),
        };
        let mut seen_cols = HashSet::new();
        for (field, col) in columns.declared() {
            if !seen_cols.insert(header_key(col)) {
                sp.push(
                    key(&format!("columns.{field}")),
                    format!("column \"{col}\" is mapped twice"),
                );
            }
        }
        let mut skip = Vec::new();
        for (j, r) in s.skip.iter().enumerate() {
            let k = key(&format!("skip[{j}]"));
            if r.reason.trim().is_empty() {
                sp.push(format!("{k}.reason"), "say why these rows are not lines");
            }
            let test = match (&r.matches, r.blank) {
                (Some(pat), None) | (Some(pat), Some(false)) => match Regex::new(pat) {
                    Ok(re) => Some(SkipTest::Matches(re)),
                    Err(e) => {
                        sp.push(
                            format!("{k}.matches"),
                            format!("invalid regular expression: {e}"),
                        );
                        None
                    }
                },
                (None, Some(true)) => Some(SkipTest::Blank),
                _ => {
                    sp.push(
                        k.clone(),
                        "give exactly one of `matches = \"regex\"` or `blank = true`",
                    );
                    None
                }
            };
            if let Some(test) = test {
                skip.push(SkipRule {
                    reason: r.reason.clone(),
                    column: r.column.clone(),
                    test,
                });
            }
        }
        let control_total = match &s.control_total {
            None => None,
            Some(ct) => match (&ct.value, &ct.cell) {
                (Some(v), None) => match number(v) {
                    Some(d) => Some(ControlTotal::Value(d)),
                    None => {
                        sp.push(key("control_total.value"), format!("{v:?} is not a number"));
                        None
                    }
                },
                (None, Some(cell)) => match parse_cell_ref(cell) {
                    Some((sheet, row, col)) => {
                        if sheet.is_some() && format == Format::Csv {
                            sp.push(key("control_total.cell"), "a CSV file has no sheets");
                        }
                        Some(ControlTotal::Cell { sheet, row, col })
                    }
                    None => {
                        sp.push(
                            key("control_total.cell"),
                            format!("\"{cell}\" is not a cell reference like H130 or 'Summary'!B4"),
                        );
                        None
                    }
                },
                _ => {
                    sp.push(
                        key("control_total"),
                        "give exactly one of `value` or `cell`",
                    );
                    None
                }
            },
        };
        sources.push(Source {
            id: s.id.clone(),
            agency,
            path,
            display,
            format,
            sheet: s.sheet.clone(),
            header_row,
            columns,
            units: s.units,
            spend_sign: s.spend_sign,
            skip,
            control_total,
            encoding: s.encoding.unwrap_or_default(),
            delimiter,
        });
    }
    let mut errors = p.errors;
    errors.extend(sp.errors);
    Error::from_list(errors)?;
    Ok(Place {
        dir: dir.to_path_buf(),
        info: PlaceInfo {
            id: ps.id.clone(),
            name: ps.name.clone(),
            financial_year: ps.financial_year.clone(),
            price_base: ps.price_base as u16,
            population,
            synthetic: ps.synthetic,
            notes: ps.notes.clone(),
        },
        agencies,
        cohorts,
        transitions,
        sources,
    })
}

fn ids<'a>(it: impl Iterator<Item = &'a String>) -> String {
    it.map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_refs() {
        assert_eq!(parse_cell_ref("H130"), Some((None, 130, 7)));
        assert_eq!(parse_cell_ref("$B$4"), Some((None, 4, 1)));
        assert_eq!(
            parse_cell_ref("Summary!B4"),
            Some((Some("Summary".into()), 4, 1))
        );
        assert_eq!(
            parse_cell_ref("'Revenue 2024-25'!AA10"),
            Some((Some("Revenue 2024-25".into()), 10, 26))
        );
        assert_eq!(parse_cell_ref("B0"), None);
        assert_eq!(parse_cell_ref("12"), None);
        assert_eq!(parse_cell_ref("!B2"), None);
    }
}
