//! Builds the shipped reference data from the published tables in `models/reference/`:
//!
//! * `models/unit-costs.csv` from the GMCA / New Economy Unit Cost Database v1.4
//!   (`gmca-unit-cost-database-v1.4.csv`) plus the hand-kept rows of other publishers
//!   (`unit-costs-extra.csv`), with a bearing-agency role, a default cashability chosen by a
//!   stated rule, and whether the value is fiscal, economic or social;
//! * `models/gdp-deflators.csv` (financial years) from HM Treasury's calendar-year GDP deflator
//!   (`gdp-deflator-calendar-years.csv`).
//!
//! The rules are documented in `docs/scenarios.md` ("The unit-cost library", "GDP deflators").
//! `tests/reference_data.rs` checks that the shipped files are exactly what this produces;
//! regenerate them with
//! `TOTALPLACE_WRITE_REFERENCE=1 cargo test --test reference_data`.

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use rust_decimal::Decimal;

/// Columns of the shipped library, in order.
pub const LIBRARY_COLUMNS: [&str; 15] = [
    "id",
    "code",
    "name",
    "value",
    "unit",
    "price_year",
    "role",
    "cashability",
    "cashability_rule",
    "value_type",
    "verified",
    "provenance",
    "source",
    "notes",
    "composite_of",
];

/// The citation every UCD row carries (the parse kept no per-row publication title).
pub const UCD_SOURCE: &str = "GMCA Research / New Economy Unit Cost Database v1.4";

/// The HM Treasury release the deflators come from.
pub const DEFLATOR_RELEASE: &str = "HM Treasury GDP deflators at market prices, December 2025 release (calendar years, 2024 = 100), as packaged by charlescoverdale/greenbook (MIT), inst/extdata/gdp_deflator.csv";

/// Composite unit costs: (library id, its parts). A composite is the sum of costs that are
/// also listed on their own; a flow counting both for the same people counts twice. Each
/// line is read off the UCD descriptions (the parts name the composite's bearers).
pub const COMPOSITES: &[(&str, &[&str])] = &[
    // NEET (labelled 18-24) £4,257 = fiscal cost to DWP £3,218 + to HMRC £1,039 (labelled 16-17).
    ("ucd-ee10-0", &["ucd-ee10-0-1", "ucd-ee10-0-2"]),
    // NEET future annual cost, males £2,912 = HMRC £2,425.69 + DWP £486.60.
    ("ucd-ee10-2", &["ucd-ee10-2-1", "ucd-ee10-2-2"]),
    // NEET future annual cost, females £2,269 = HMRC £1,529.50 + DWP £739.77.
    ("ucd-ee10-3", &["ucd-ee10-3-1", "ucd-ee10-3-2"]),
    // LA foster care overall week £700 = allowances and support £468 + social services £233.
    ("ucd-ss2-0", &["ucd-ss2-0-1", "ucd-ss2-0-2"]),
];

fn err(file: &str, row: usize, msg: impl std::fmt::Display) -> String {
    format!("{file} row {row}: {msg}")
}

/// `E&E1.0.1` → `ucd-ee1-0-1` (ids must not contain dots: parameter paths are dotted).
pub fn ucd_id(code: &str) -> String {
    let mut s = String::from("ucd-");
    for ch in code.chars() {
        match ch {
            '&' => {}
            '.' => s.push('-'),
            c => s.push(c.to_ascii_lowercase()),
        }
    }
    s
}

/// `2010/11` → `2010-11`.
pub fn ucd_price_year(py: &str) -> Option<String> {
    let (a, b) = py.trim().split_once('/')?;
    let y: i32 = a.parse().ok()?;
    let n: i32 = b.parse().ok()?;
    (b.len() == 2 && (y + 1).rem_euclid(100) == n).then(|| format!("{y}-{b}"))
}

/// The bearing agency's role, from the UCD's agency and agency detail. Roles are the ids a
/// place gives its agencies (`models/kirkbridge/place.toml`): NHS costs go to the commissioner
/// (`icb`, successor of the CCGs the UCD names) unless the detail names the hospital trust.
pub fn ucd_role(agency: &str, detail: &str) -> &'static str {
    let a = agency.trim().to_ascii_lowercase();
    let d = detail.trim().to_ascii_lowercase();
    match a.as_str() {
        "nhs" if d.starts_with("acute trust") => "acute-trust",
        "nhs" => "icb",
        "local authority" => "council",
        "dwp" => "dwp",
        "police" => "police",
        "probation" => "probation",
        "prison / young offenders institute" => "prisons",
        "court" => "courts",
        "criminal justice system" => match d.as_str() {
            "court" | "courts" | "legal aid" => "courts",
            "prison" | "young offenders institute" => "prisons",
            "probation" => "probation",
            "police" => "police",
            _ => "cjs",
        },
        "hm revenue and customs" => "hmrc",
        "hm treasury" => "hmt",
        "ministry of justice" => "moj",
        "department for education" | "schools" => "dfe",
        "fire service" => "fire",
        _ => "multiple",
    }
}

/// Fiscal, economic and/or social, as the description says (fiscal when it says neither).
pub fn value_type(description: &str) -> String {
    let d = description.to_ascii_lowercase();
    let economic = d.contains("economic");
    let social = d.contains("social value") || d.contains("social cost");
    let fiscal = d.contains("fiscal") || !(economic || social);
    let mut parts = Vec::new();
    if fiscal {
        parts.push("fiscal");
    }
    if economic {
        parts.push("economic");
    }
    if social {
        parts.push("social");
    }
    parts.join("+")
}

/// Words that mark staff time, claim handling or case processing rather than a payment or a
/// purchased unit.
const ADMIN_WORDS: &[&str] = &[
    "processing",
    "maintaining",
    "signing on",
    "advice",
    "interview",
    "per fte",
    "staffing",
    "adviser",
    "application",
    "administ",
    "case management",
    "assessment",
    "social worker",
    "per hour",
    "cost per hour",
];

/// Words that mark a placement, package or bed the council buys unit by unit.
const PURCHASED_WORDS: &[&str] = &[
    "residential",
    "foster",
    "care home",
    "home care",
    "care package",
    "temporary accommodation",
    "bed and breakfast",
    "nursing care",
    "meals on wheels",
];

/// Default cashability and the rule that chose it (documented in docs/scenarios.md):
///
/// | rule | cashability | when |
/// | `not-fiscal` | 0 | the value includes economic or social value: no budget holds it |
/// | `benefit-payment` | 1 | DWP benefit and programme payments, HMRC tax and NI |
/// | `admin-time` | 0 | claim handling, advice, assessment and staff time (any agency) |
/// | `purchased-care` | 1 | council-bought placements, packages and temporary accommodation |
/// | `capacity` | 0 | police, courts, prisons, probation, fire, NHS activity and clinician time, other council and multi-agency costs: cost avoidance until capacity is taken out (model that with a stepped flow) |
pub fn cashability(
    role: &str,
    value_type: &str,
    description: &str,
    unit: &str,
) -> (u8, &'static str) {
    let d = format!("{} {}", description, unit).to_ascii_lowercase();
    if value_type != "fiscal" {
        return (0, "not-fiscal");
    }
    let admin = ADMIN_WORDS.iter().any(|w| d.contains(w));
    match role {
        "dwp" | "hmrc" if !admin => (1, "benefit-payment"),
        "council" if !admin && PURCHASED_WORDS.iter().any(|w| d.contains(w)) => {
            (1, "purchased-care")
        }
        _ if admin => (0, "admin-time"),
        _ => (0, "capacity"),
    }
}

/// A note for values that look like artefacts of the parse (digits run together): more than
/// £3,000 a week, £100,000 per person per year or £1,000,000 in any unit. Kept as published in
/// the parse, but flagged so no one uses them unread.
fn suspect_note(value: Decimal, unit: &str) -> Option<&'static str> {
    let u = unit.to_ascii_lowercase();
    let week = u.contains("week") && value > Decimal::from(3000);
    let person_year = u.contains("per person per year") && value > Decimal::from(100_000);
    if week || person_year || value > Decimal::from(1_000_000) {
        Some("CHECK: value as parsed, implausibly large for its unit (a parse artefact?); check the UCD v1.4 before use")
    } else {
        None
    }
}

fn csv_reader(text: &str) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes())
}

fn header_index(h: &csv::StringRecord, file: &str, name: &str) -> Result<usize, String> {
    h.iter()
        .position(|x| x.trim() == name)
        .ok_or_else(|| format!("{file}: missing column \"{name}\""))
}

/// The shipped library (`models/unit-costs.csv`) from the UCD table and the extra rows.
pub fn unit_costs(ucd_csv: &str, extra_csv: &str) -> Result<String, String> {
    let ucd_file = "gmca-unit-cost-database-v1.4.csv";
    let extra_file = "unit-costs-extra.csv";
    let mut rows: Vec<BTreeMap<&'static str, String>> = Vec::new();
    let mut ids = BTreeSet::new();

    let mut rdr = csv_reader(ucd_csv);
    let h = rdr
        .headers()
        .map_err(|e| format!("{ucd_file}: {e}"))?
        .clone();
    let ix = |n: &str| header_index(&h, ucd_file, n);
    let (c_cat, c_code, c_desc, c_unit, c_cost, c_py, c_ag, c_det) = (
        ix("category")?,
        ix("code")?,
        ix("description")?,
        ix("unit")?,
        ix("cost_gbp")?,
        ix("price_year")?,
        ix("agency")?,
        ix("agency_detail")?,
    );
    for (i, rec) in rdr.records().enumerate() {
        let row = i + 2;
        let rec = rec.map_err(|e| err(ucd_file, row, e))?;
        let get = |c: usize| rec.get(c).unwrap_or("").trim().to_string();
        let code = get(c_code);
        let id = ucd_id(&code);
        if !ids.insert(id.clone()) {
            return Err(err(ucd_file, row, format!("id {id} (code {code}) twice")));
        }
        let value = Decimal::from_str(&get(c_cost))
            .map_err(|e| err(ucd_file, row, format!("cost_gbp: {e}")))?
            .normalize();
        let price_year = ucd_price_year(&get(c_py))
            .ok_or_else(|| err(ucd_file, row, format!("price year {:?}", get(c_py))))?;
        let desc = get(c_desc);
        let unit = get(c_unit);
        let role = ucd_role(&get(c_ag), &get(c_det));
        let vt = value_type(&desc);
        let (cash, rule) = cashability(role, &vt, &desc, &unit);
        let mut notes = format!(
            "UCD {}; agency: {} / {}",
            get(c_cat).replace('_', " "),
            get(c_ag),
            get(c_det)
        );
        if let Some(n) = suspect_note(value, &unit) {
            notes = format!("{n}. {notes}");
        }
        let mut r = BTreeMap::new();
        r.insert("id", id);
        r.insert("code", code.clone());
        r.insert("name", desc);
        r.insert("value", value.to_string());
        r.insert("unit", unit);
        r.insert("price_year", price_year);
        r.insert("role", role.to_string());
        r.insert("cashability", cash.to_string());
        r.insert("cashability_rule", rule.to_string());
        r.insert("value_type", vt);
        r.insert("verified", "yes".to_string());
        r.insert("provenance", "ucd-v1.4".to_string());
        r.insert("source", format!("{UCD_SOURCE}; code {code}"));
        r.insert("notes", notes);
        rows.push(r);
    }

    let mut rdr = csv_reader(extra_csv);
    let h = rdr
        .headers()
        .map_err(|e| format!("{extra_file}: {e}"))?
        .clone();
    let names = [
        "id",
        "name",
        "value",
        "unit",
        "price_year",
        "role",
        "cashability",
        "value_type",
        "provenance",
        "source",
        "notes",
    ];
    let cols: Vec<usize> = names
        .iter()
        .map(|n| header_index(&h, extra_file, n))
        .collect::<Result<_, _>>()?;
    for (i, rec) in rdr.records().enumerate() {
        let row = i + 2;
        let rec = rec.map_err(|e| err(extra_file, row, e))?;
        let get = |k: usize| rec.get(cols[k]).unwrap_or("").trim().to_string();
        let id = get(0);
        if id.starts_with("ucd-") || !ids.insert(id.clone()) {
            return Err(err(extra_file, row, format!("id {id} clashes")));
        }
        let provenance = get(8);
        let caveat = match provenance.as_str() {
            "recalled" => "FROM MEMORY: value entered from memory of the source, never checked against it; check before use",
            "secondary" => "Quoted by a secondary report; the primary table was not read",
            "checked-earlier" => "Checked against the publisher's text in an earlier session; not a UCD value",
            "derived" => "Derived by the project from published rates; see the source",
            other => return Err(err(extra_file, row, format!("unknown provenance {other:?}"))),
        };
        let notes = if get(10).is_empty() {
            caveat.to_string()
        } else {
            format!("{caveat}. {}", get(10))
        };
        let mut r = BTreeMap::new();
        r.insert("id", id);
        r.insert("code", String::new());
        r.insert("name", get(1));
        r.insert("value", get(2));
        r.insert("unit", get(3));
        r.insert("price_year", get(4));
        r.insert("role", get(5));
        r.insert("cashability", get(6));
        r.insert("cashability_rule", "stated".to_string());
        r.insert("value_type", get(7));
        r.insert("verified", "no".to_string());
        r.insert("provenance", provenance);
        r.insert("source", get(9));
        r.insert("notes", notes);
        rows.push(r);
    }

    for (id, parts) in COMPOSITES {
        for p in parts.iter().chain(std::iter::once(id)) {
            if !ids.contains(*p) {
                return Err(format!("composite {id}: no unit cost {p}"));
            }
        }
    }
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    w.write_record(LIBRARY_COLUMNS).map_err(|e| e.to_string())?;
    for mut r in rows {
        let parts = COMPOSITES
            .iter()
            .find(|(id, _)| *id == r["id"])
            .map(|(_, p)| p.join(";"))
            .unwrap_or_default();
        r.insert("composite_of", parts);
        w.write_record(LIBRARY_COLUMNS.iter().map(|c| r[c].as_str()))
            .map_err(|e| e.to_string())?;
    }
    String::from_utf8(w.into_inner().map_err(|e| e.to_string())?).map_err(|e| e.to_string())
}

/// The shipped deflators (`models/gdp-deflators.csv`): financial year y-(y+1) =
/// 0.75 × CY y + 0.25 × CY (y+1), exact (no rounding), for every year whose CY y+1 is in the
/// release; then one projected year for the last CY, whose CY+1 is taken as the last CY grown
/// at the last year's rate (rounded to 4 places like the release), marked `projection`.
/// Years before the first or after the projected one are absent: a unit cost or price base
/// there is an error naming the missing year.
pub fn deflators(cy_csv: &str) -> Result<String, String> {
    let file = "gdp-deflator-calendar-years.csv";
    let mut rdr = csv_reader(cy_csv);
    let h = rdr.headers().map_err(|e| format!("{file}: {e}"))?.clone();
    let (cy, cv) = (
        header_index(&h, file, "year")?,
        header_index(&h, file, "value")?,
    );
    let mut series: BTreeMap<i32, Decimal> = BTreeMap::new();
    for (i, rec) in rdr.records().enumerate() {
        let row = i + 2;
        let rec = rec.map_err(|e| err(file, row, e))?;
        let y: i32 = rec
            .get(cy)
            .unwrap_or("")
            .trim()
            .parse()
            .map_err(|e| err(file, row, e))?;
        let v =
            Decimal::from_str(rec.get(cv).unwrap_or("").trim()).map_err(|e| err(file, row, e))?;
        if series.insert(y, v).is_some() {
            return Err(err(file, row, format!("{y} twice")));
        }
    }
    let (&first, _) = series.first_key_value().ok_or(format!("{file}: no rows"))?;
    let (&last, &last_v) = series.last_key_value().ok_or(format!("{file}: no rows"))?;
    for y in first..=last {
        if !series.contains_key(&y) {
            return Err(format!("{file}: {y} is missing"));
        }
    }
    let (q3, q1) = (Decimal::new(75, 2), Decimal::new(25, 2));
    let fy = |y: i32| format!("{}-{:02}", y, (y + 1).rem_euclid(100));
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    w.write_record([
        "financial_year",
        "index",
        "kind",
        "verified",
        "method",
        "source",
    ])
    .map_err(|e| e.to_string())?;
    for y in first..last {
        let v = (q3 * series[&y] + q1 * series[&(y + 1)]).normalize();
        w.write_record([
            fy(y).as_str(),
            &v.to_string(),
            "outturn",
            "yes",
            &format!("0.75 x CY {y} + 0.25 x CY {}", y + 1),
            DEFLATOR_RELEASE,
        ])
        .map_err(|e| e.to_string())?;
    }
    let prev = series[&(last - 1)];
    let next = (last_v * last_v / prev).round_dp(4);
    let v = (q3 * last_v + q1 * next).normalize();
    w.write_record([
        fy(last).as_str(),
        &v.to_string(),
        "projection",
        "no",
        &format!(
            "0.75 x CY {last} + 0.25 x CY {} where CY {} is not in the release and is taken as CY {last} x (CY {last} / CY {}) = {next}",
            last + 1,
            last + 1,
            last - 1
        ),
        DEFLATOR_RELEASE,
    ])
    .map_err(|e| e.to_string())?;
    String::from_utf8(w.into_inner().map_err(|e| e.to_string())?).map_err(|e| e.to_string())
}
