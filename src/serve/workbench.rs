//! The workbench behind the server, with no HTTP in it: the place's scenarios, each one's
//! assumptions as controls, a what-if ([`Variant`]) evaluated through the one engine
//! ([`scenario::evaluate`]), saved as a new scenario file, compared, simulated and rendered as the
//! board pack and workbook `report` writes.
//!
//! Nothing here is stateful per user: a request carries its whole variant (scenario and
//! overrides), so browser tabs cannot disturb each other. The only shared state is a cache of
//! validated scenario files (keyed by file, refreshed when a file changes), Monte Carlo jobs, and
//! a lock that serialises saves.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{json, Value};
use toml_edit::DocumentMut;

use super::{charts, edit};
use crate::charts::{Palette, Size};
use crate::error::display_path;
use crate::model::Place;
use crate::money::{parse_amount, round_half_up};
use crate::output::OutputSet;
use crate::report::{self, PlaceRun, ScenarioRun};
use crate::scenario::{self, Bound, Params, Results, ValidatedScenario};
use crate::uncertainty;

/// A failure answered to the client; never a panic or a dead server.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Malformed request (400).
    #[error("{0}")]
    BadRequest(String),
    /// No such scenario, job or page (404).
    #[error("{0}")]
    NotFound(String),
    /// The file exists and overwriting was not asked for (409).
    #[error("{0}")]
    Conflict(String),
    /// Values the validator refused, by path (422): shown next to each control.
    #[error("{}", .0.values().cloned().collect::<Vec<_>>().join("; "))]
    Invalid(BTreeMap<String, String>),
    /// Anything else (500), e.g. a disk error while saving.
    #[error("{0}")]
    Internal(String),
}

impl ServeError {
    fn invalid(path: &str, message: impl Into<String>) -> Self {
        ServeError::Invalid(BTreeMap::from([(path.to_string(), message.into())]))
    }
}

pub type Result<T, E = ServeError> = std::result::Result<T, E>;

/// A what-if: a scenario of the place (by file stem) with values changed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    /// The scenario file's stem, as listed by [`Workbench::list`].
    pub scenario: String,
    /// Path → value, as `--set PATH=VALUE` takes them (numbers or their text).
    #[serde(default)]
    pub set: BTreeMap<String, Value>,
    #[serde(default)]
    pub negotiate: Option<NegotiationRaw>,
}

/// The negotiation panel as sent: amounts and shares as numbers or text.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NegotiationRaw {
    pub investor: String,
    #[serde(default)]
    pub contributions: BTreeMap<String, Value>,
    #[serde(default)]
    pub gain_shares: BTreeMap<String, Value>,
}

/// Who pays what to the investor: each partner's contribution in year 0 (pounds, price base;
/// negative: the investor pays the partner) and the share of each partner's net gain passed to
/// the investor each year. Both become `[[transfer]]`s of the scenario (see [`edit`]).
#[derive(Debug, Clone, Default)]
pub struct Negotiation {
    pub investor: String,
    pub contributions: Vec<(String, Decimal)>,
    pub gain_shares: Vec<(String, Decimal)>,
}

/// A scenario file, read and validated.
struct Loaded {
    path: PathBuf,
    text: String,
    modified: Option<SystemTime>,
    sc: Result<Arc<ValidatedScenario>, String>,
}

/// A variant, evaluated.
pub struct Evaluation {
    pub path: PathBuf,
    /// The original file's text.
    pub text: String,
    pub base: Arc<ValidatedScenario>,
    pub sc: Arc<ValidatedScenario>,
    pub params: Params,
    pub results: Results,
    /// Parameter paths set (not drawn by the Monte Carlo).
    pub fixed: Vec<String>,
    /// (path, text) in the order given, values normalised.
    pub sets: Vec<(String, String)>,
    pub negotiation: Option<Negotiation>,
}

/// A Monte Carlo run in the background, polled for progress.
pub struct Job {
    pub total: usize,
    pub done: AtomicUsize,
    pub result: Mutex<Option<Result<Value, String>>>,
}

/// The largest simulation a request may ask for.
pub const MAX_ITERATIONS: usize = 200_000;

pub struct Workbench {
    /// The place directory (canonical): the only tree the server reads.
    dir: PathBuf,
    scenarios_dir: PathBuf,
    out: PathBuf,
    place: Place,
    /// The place's spend map, counted once at start: scenarios on a cohort take their baseline
    /// and local unit costs from it (re-validating a what-if must not re-ingest the budgets).
    count: Option<crate::scenario::Count>,
    palette: Palette,
    cache: Mutex<HashMap<String, Arc<Loaded>>>,
    place_run: Mutex<Option<Arc<PlaceRun>>>,
    jobs: Mutex<BTreeMap<u64, Arc<Job>>>,
    next_job: AtomicU64,
    save_lock: Mutex<()>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A scenario name a user may give: lower-case letters, digits and hyphens.
pub fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-');
    if ok {
        Ok(())
    } else {
        Err(ServeError::invalid(
            "name",
            format!(
                "\"{}\" is not a scenario name: use 1-64 lower-case letters, digits and hyphens, \
                 e.g. care-leavers-30pc",
                name.chars().take(80).collect::<String>()
            ),
        ))
    }
}

fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.trim().to_string()),
        _ => None,
    }
}

fn number(path: &str, v: &Value) -> Result<Decimal> {
    let text =
        value_text(v).ok_or_else(|| ServeError::invalid(path, format!("{v} is not a number")))?;
    parse_amount(&text).map_err(|e| ServeError::invalid(path, e.0))
}

impl Workbench {
    /// Open the place at `dir`; outputs (downloads) are also written under `out`.
    pub fn open(dir: &Path, out: &Path) -> crate::error::Result<Workbench> {
        let dir = dir
            .canonicalize()
            .map_err(|e| crate::error::Error::io(dir, e))?;
        let place = Place::load(&dir)?;
        let palette = Palette::new(place.agencies.iter().map(|a| a.id.clone()));
        let count = crate::scenario::Count::of_place(&place)?;
        Ok(Workbench {
            scenarios_dir: dir.join("scenarios"),
            dir,
            out: out.to_path_buf(),
            place,
            count,
            palette,
            cache: Mutex::new(HashMap::new()),
            place_run: Mutex::new(None),
            jobs: Mutex::new(BTreeMap::new()),
            next_job: AtomicU64::new(1),
            save_lock: Mutex::new(()),
        })
    }

    pub fn place_name(&self) -> &str {
        &self.place.info.name
    }

    /// The place's scenario files by stem: regular `.toml` files directly in `scenarios/`
    /// whose real path stays inside the place directory (a symlink out of it is not listed).
    fn files(&self) -> Result<BTreeMap<String, PathBuf>> {
        let files =
            report::scenario_files(&self.dir).map_err(|e| ServeError::Internal(e.to_string()))?;
        let mut m = BTreeMap::new();
        for p in files {
            let inside = p
                .canonicalize()
                .is_ok_and(|c| c.starts_with(&self.dir) && c.parent() == Some(&self.scenarios_dir));
            if let (true, Some(stem)) = (inside, p.file_stem().and_then(|s| s.to_str())) {
                m.insert(stem.to_string(), p);
            }
        }
        Ok(m)
    }

    fn load(&self, stem: &str) -> Result<Arc<Loaded>> {
        let files = self.files()?;
        let Some(path) = files.get(stem) else {
            return Err(ServeError::NotFound(format!(
                "no scenario \"{}\" in {} (known: {})",
                stem.chars().take(80).collect::<String>(),
                display_path(&self.scenarios_dir),
                files.keys().cloned().collect::<Vec<_>>().join(", ")
            )));
        };
        let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok();
        if let Some(l) = lock(&self.cache).get(stem) {
            if l.modified == modified && modified.is_some() {
                return Ok(l.clone());
            }
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| ServeError::Internal(format!("{}: {e}", display_path(path))))?;
        let sc = scenario::load_text(path, &text, &[], self.count.as_ref())
            .map(Arc::new)
            .map_err(|e| e.to_string());
        let l = Arc::new(Loaded {
            path: path.clone(),
            text,
            modified,
            sc,
        });
        lock(&self.cache).insert(stem.to_string(), l.clone());
        Ok(l)
    }

    fn scenario(&self, stem: &str) -> Result<(Arc<Loaded>, Arc<ValidatedScenario>)> {
        let l = self.load(stem)?;
        match &l.sc {
            Ok(sc) => Ok((l.clone(), sc.clone())),
            Err(m) => Err(ServeError::invalid("scenario", m.clone())),
        }
    }

    /// Every scenario: cohort, transition, horizon, start year and system NPV (or why it does
    /// not load).
    pub fn list(&self) -> Result<Value> {
        let mut v = Vec::new();
        for stem in self.files()?.keys() {
            let l = self.load(stem)?;
            v.push(match &l.sc {
                Ok(sc) => {
                    let r = scenario::evaluate(sc, &sc.params());
                    json!({
                        "file": stem, "id": sc.id, "name": sc.name,
                        "cohort": sc.cohort, "transition": sc.transition,
                        "horizon": sc.horizon, "start_year": sc.year_label(0),
                        "system_npv": round_half_up(r.system.npv, 2).to_string(),
                        "case_study": sc.case_study,
                    })
                }
                Err(m) => json!({ "file": stem, "error": m }),
            });
        }
        Ok(json!({ "place": self.place.info.name, "scenarios": v }))
    }

    /// Every assumption of a scenario as a control, grouped as the file groups them.
    pub fn controls(&self, stem: &str) -> Result<Value> {
        let (_, sc) = self.scenario(stem)?;
        Ok(json!({
            "file": stem, "id": sc.id, "name": sc.name,
            "groups": super::controls::groups(&sc),
            "parties": sc.parties.iter().map(|p| json!({"id": p.id, "name": p.name, "external": p.external})).collect::<Vec<_>>(),
            "has_uncertainty": has_uncertain(&self.load(stem)?.text),
        }))
    }

    /// Evaluate a variant through the engine the CLI uses: parameter paths are set on the
    /// validated scenario (range-checked); any other path, and the negotiation's transfers,
    /// go into the file's TOML before validation, as `run --set` does.
    pub fn evaluate(&self, v: &Variant) -> Result<Evaluation> {
        let (l, base) = self.scenario(&v.scenario)?;
        let mut errors = BTreeMap::new();
        let mut sets = Vec::new();
        for (path, value) in &v.set {
            match value_text(value) {
                Some(t) if !t.is_empty() => sets.push((path.clone(), t)),
                _ => {
                    errors.insert(path.clone(), format!("{value} is not a number"));
                }
            }
        }
        let negotiation = v
            .negotiate
            .as_ref()
            .map(|n| self.negotiation(&base, n, &mut errors));
        if !errors.is_empty() {
            return Err(ServeError::Invalid(errors));
        }
        let structural: Vec<(String, String)> = sets
            .iter()
            .filter(|(k, _)| base.param_index(k).is_none())
            .cloned()
            .collect();
        let has_transfers = negotiation
            .as_ref()
            .is_some_and(|n| !n.contributions.is_empty() || !n.gain_shares.is_empty());
        let sc = if structural.is_empty() && !has_transfers {
            base.clone()
        } else {
            let mut text = l.text.clone();
            if let Some(n) = &negotiation {
                let mut doc: DocumentMut = text
                    .parse()
                    .map_err(|e| ServeError::Internal(format!("{e}")))?;
                edit::add_negotiation(&mut doc, n)
                    .map_err(|m| ServeError::invalid("negotiate", m))?;
                text = doc.to_string();
            }
            match scenario::load_text(&l.path, &text, &structural, self.count.as_ref()) {
                Ok(sc) => Arc::new(sc),
                Err(e) => {
                    let m = e.to_string();
                    let keys: Vec<String> = if structural.is_empty() {
                        vec!["negotiate".into()]
                    } else {
                        structural.iter().map(|(k, _)| k.clone()).collect()
                    };
                    return Err(ServeError::Invalid(
                        keys.into_iter().map(|k| (k, m.clone())).collect(),
                    ));
                }
            }
        };
        let mut params = sc.params();
        let mut fixed = Vec::new();
        for (k, t) in &sets {
            if sc.param_index(k).is_none() {
                continue;
            }
            match parse_amount(t) {
                Ok(d) => match sc.set(&mut params, k, d) {
                    Ok(()) => fixed.push(k.clone()),
                    Err(m) => {
                        errors.insert(k.clone(), m);
                    }
                },
                Err(e) => {
                    errors.insert(k.clone(), e.0);
                }
            }
        }
        if !errors.is_empty() {
            return Err(ServeError::Invalid(errors));
        }
        let results = scenario::evaluate(&sc, &params);
        Ok(Evaluation {
            path: l.path.clone(),
            text: l.text.clone(),
            base,
            sc,
            params,
            results,
            fixed,
            sets,
            negotiation,
        })
    }

    fn negotiation(
        &self,
        sc: &ValidatedScenario,
        n: &NegotiationRaw,
        errors: &mut BTreeMap<String, String>,
    ) -> Negotiation {
        let known = || {
            sc.parties
                .iter()
                .map(|p| p.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        if sc.party_index(&n.investor).is_none() {
            errors.insert(
                "negotiate.investor".into(),
                format!("no party \"{}\" (known: {})", n.investor, known()),
            );
        }
        let mut out = Negotiation {
            investor: n.investor.clone(),
            ..Default::default()
        };
        for (list, raw, name, rate) in [
            (
                &mut out.contributions,
                &n.contributions,
                "contribution",
                false,
            ),
            (&mut out.gain_shares, &n.gain_shares, "gain_share", true),
        ] {
            for (party, v) in raw {
                let key = format!("negotiate.{name}.{party}");
                if sc.party_index(party).is_none() {
                    errors.insert(key, format!("no party \"{party}\" (known: {})", known()));
                    continue;
                }
                if party == &n.investor {
                    continue;
                }
                match number(&key, v) {
                    Ok(d) if d.is_zero() => {}
                    Ok(d) => {
                        if rate {
                            if let Err(m) = Bound::Rate.check(d) {
                                errors.insert(key, m);
                                continue;
                            }
                        }
                        list.push((party.clone(), d));
                    }
                    Err(ServeError::Invalid(m)) => errors.extend(m),
                    Err(e) => {
                        errors.insert(key, e.to_string());
                    }
                }
            }
        }
        out
    }

    /// The figures of an evaluation for the page: `results.json` as `run` writes it, the
    /// who-pays and cashflow charts as SVG, and the changes in words.
    pub fn evaluation_json(&self, ev: &Evaluation, with_charts: bool) -> Result<Value> {
        let bytes = scenario::report::results_json(&ev.sc, &ev.params, &ev.results);
        let results: Value =
            serde_json::from_slice(&bytes).map_err(|e| ServeError::Internal(e.to_string()))?;
        let charts = if with_charts {
            let size = Size::new(860, 460);
            let svg = |r: crate::error::Result<String>| {
                r.map_err(|e| ServeError::Internal(format!("chart: {e}")))
            };
            json!({
                "who_pays": svg(charts::who_pays(&self.palette, self.place_name(), &ev.sc, &ev.results, size))?,
                "cashflow": svg(charts::cashflow(&self.palette, self.place_name(), &ev.sc, &ev.results, size))?,
            })
        } else {
            Value::Null
        };
        Ok(json!({
            "results": results,
            "charts": charts,
            "changes": self.changes(ev),
        }))
    }

    /// The changes against the original, in words: "success 0.4 → 0.3".
    pub fn changes(&self, ev: &Evaluation) -> Vec<String> {
        let mut v = Vec::new();
        for (k, t) in &ev.sets {
            let before = match ev.base.param_index(k) {
                Some(i) => ev.base.defaults.values[i].normalize().to_string(),
                None => {
                    super::controls::structural_base(&ev.base, k).unwrap_or_else(|| "unset".into())
                }
            };
            let after = parse_amount(t)
                .map(|d| d.normalize().to_string())
                .unwrap_or_else(|_| t.clone());
            if before != after {
                v.push(format!("{k} {before} → {after}"));
            }
        }
        if let Some(n) = &ev.negotiation {
            for (p, a) in &n.contributions {
                if a.is_sign_negative() {
                    v.push(format!(
                        "{} pays {p} £{} in {}",
                        n.investor,
                        (-*a).normalize(),
                        ev.sc.year_label(0)
                    ));
                } else {
                    v.push(format!(
                        "{p} pays {} £{} in {}",
                        n.investor,
                        a.normalize(),
                        ev.sc.year_label(0)
                    ));
                }
            }
            for (p, s) in &n.gain_shares {
                v.push(format!(
                    "{p} passes {}% of its net gain to {} each year",
                    (*s * Decimal::ONE_HUNDRED).normalize(),
                    n.investor
                ));
            }
        }
        v
    }

    /// The contributions that make every partner whole: each party's fair-share transfer
    /// (ΣC × b_a − C_a, from the engine's results) as a contribution to the investor.
    pub fn fair_shares(&self, v: &Variant, cashable: bool) -> Result<Value> {
        let mut plain = v.clone();
        let investor = v
            .negotiate
            .as_ref()
            .map(|n| n.investor.clone())
            .unwrap_or_default();
        plain.negotiate = None;
        let ev = self.evaluate(&plain)?;
        let investor = if ev.sc.party_index(&investor).is_some() {
            investor
        } else {
            // The partner that pays most.
            ev.results
                .parties
                .iter()
                .max_by_key(|p| p.summary.pv_costs)
                .map(|p| p.id.clone())
                .unwrap_or_default()
        };
        let contributions: serde_json::Map<String, Value> = ev
            .results
            .parties
            .iter()
            .filter(|p| p.id != investor)
            .filter_map(|p| {
                let fs = if cashable {
                    p.fair_share_cashable
                } else {
                    p.fair_share
                }?;
                let fs = round_half_up(fs, 2);
                (!fs.is_zero()).then(|| (p.id.clone(), Value::String(fs.to_string())))
            })
            .collect();
        Ok(json!({ "investor": investor, "contributions": contributions, "gain_shares": {} }))
    }

    /// Write the variant as `scenarios/<name>.toml` next to the original: the original's text
    /// with the changed values (and negotiated transfers) edited in, checked to reproduce the
    /// variant's figures exactly, then written atomically. An existing file is replaced only
    /// when `overwrite` is set, and never one the server did not list as a scenario.
    pub fn save(&self, v: &Variant, name: &str, overwrite: bool) -> Result<Value> {
        check_name(name)?;
        let ev = self.evaluate(v)?;
        let mut doc: DocumentMut = ev
            .text
            .parse()
            .map_err(|e| ServeError::Internal(format!("{e}")))?;
        let mut errors = BTreeMap::new();
        for (k, t) in &ev.sets {
            if k.starts_with("unit_cost.")
                && !ev.base.unit_costs.iter().any(|u| {
                    Some(u.id.as_str()) == k.split('.').nth(1) && u.defined_in == ev.base.file
                })
            {
                errors.insert(
                    k.clone(),
                    "this unit cost comes from the place's unit-cost library, not the scenario \
                     file: a saved scenario cannot change it (reset it, or add the unit cost to \
                     the scenario's [[unit_cost]])"
                        .to_string(),
                );
                continue;
            }
            let t = parse_amount(t)
                .map(|d| d.normalize().to_string())
                .unwrap_or_else(|_| t.clone());
            if let Err(m) = edit::set(&mut doc, k, &t) {
                errors.insert(k.clone(), m);
            }
        }
        if let Some(n) = &ev.negotiation {
            if let Err(m) = edit::add_negotiation(&mut doc, n) {
                errors.insert("negotiate".into(), m);
            }
        }
        if !errors.is_empty() {
            return Err(ServeError::Invalid(errors));
        }
        let title = format!("{} (what-if {name})", ev.base.name);
        edit::rename(&mut doc, name, &title).map_err(|m| ServeError::invalid("name", m))?;
        let text = doc.to_string();
        let target = self.scenarios_dir.join(format!("{name}.toml"));
        // The variant, read back from the text to be written, must give the same figures.
        let saved = scenario::load_text(&target, &text, &[], self.count.as_ref())
            .map_err(|e| ServeError::invalid("name", e.to_string()))?;
        let again = scenario::evaluate(&saved, &saved.params());
        if again != ev.results {
            return Err(ServeError::invalid(
                "name",
                "the saved file would not reproduce these figures; nothing was written",
            ));
        }
        let _guard = lock(&self.save_lock);
        let listed = self.files()?.contains_key(name);
        match std::fs::symlink_metadata(&target) {
            Ok(m) if !m.file_type().is_file() || !listed => {
                return Err(ServeError::Conflict(format!(
                    "{} exists and is not a scenario file the server may replace",
                    display_path(&target)
                )))
            }
            Ok(_) if !overwrite => {
                return Err(ServeError::Conflict(format!(
                    "{} already exists: choose another name, or confirm to replace it",
                    display_path(&target)
                )))
            }
            _ => {}
        }
        let mut tmp = tempfile::NamedTempFile::new_in(&self.scenarios_dir)
            .map_err(|e| ServeError::Internal(format!("{}: {e}", display_path(&target))))?;
        std::io::Write::write_all(&mut tmp, text.as_bytes())
            .and_then(|_| tmp.as_file().sync_all())
            .map_err(|e| ServeError::Internal(format!("{}: {e}", display_path(&target))))?;
        let persisted = if overwrite {
            tmp.persist(&target).map(|_| ())
        } else {
            tmp.persist_noclobber(&target).map(|_| ())
        };
        persisted.map_err(|e| {
            if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                ServeError::Conflict(format!("{} already exists", display_path(&target)))
            } else {
                ServeError::Internal(format!("{}: {}", display_path(&target), e.error))
            }
        })?;
        Ok(json!({
            "file": name,
            "path": display_path(&target),
            "changes": self.changes(&ev),
        }))
    }

    /// Scenarios side by side (the rows of `totalplace compare`).
    pub fn compare(&self, stems: &[String]) -> Result<Value> {
        if stems.is_empty() || stems.len() > 12 {
            return Err(ServeError::BadRequest(
                "compare 1 to 12 scenarios: ?files=a,b".into(),
            ));
        }
        let mut runs = Vec::new();
        for s in stems {
            let (_, sc) = self.scenario(s)?;
            let r = scenario::evaluate(&sc, &sc.params());
            runs.push((sc, r));
        }
        let refs: Vec<(&ValidatedScenario, &Results)> =
            runs.iter().map(|(s, r)| (s.as_ref(), r)).collect();
        let rows = scenario::report::compare_rows(&refs, true);
        Ok(json!({
            "scenarios": stems,
            "rows": rows.into_iter().map(|(k, cells)| json!({"measure": k, "cells": cells})).collect::<Vec<_>>(),
        }))
    }

    /// Start the Monte Carlo over the scenario's `[[uncertain]]` inputs with the variant's
    /// overrides (set parameters are held fixed); poll it with [`Workbench::job`].
    pub fn start_uncertainty(
        self: &Arc<Self>,
        v: &Variant,
        iterations: usize,
        seed: u64,
    ) -> Result<u64> {
        if iterations == 0 || iterations > MAX_ITERATIONS {
            return Err(ServeError::invalid(
                "iterations",
                format!("{iterations} iterations: choose 1 to {MAX_ITERATIONS}"),
            ));
        }
        let ev = self.evaluate(v)?;
        let spec = uncertainty::spec::from_str(&ev.base.file, &ev.text, &ev.sc, &ev.fixed)
            .map_err(|e| ServeError::invalid("uncertainty", e.to_string()))?;
        if spec.params.is_empty() {
            return Err(ServeError::invalid(
                "uncertainty",
                "this scenario declares no [[uncertain]] inputs (or all of them are set here)",
            ));
        }
        let id = self.next_job.fetch_add(1, Ordering::Relaxed);
        let job = Arc::new(Job {
            total: iterations,
            done: AtomicUsize::new(0),
            result: Mutex::new(None),
        });
        {
            let mut jobs = lock(&self.jobs);
            while jobs.len() >= 16 {
                let first = *jobs.keys().next().unwrap_or(&0);
                jobs.remove(&first);
            }
            jobs.insert(id, job.clone());
        }
        std::thread::spawn(move || {
            let progress = |n: usize| {
                job.done.fetch_max(n.min(job.total), Ordering::Relaxed);
            };
            let a = uncertainty::analyse(
                &ev.sc,
                &ev.params,
                spec,
                uncertainty::Options {
                    iterations,
                    seed,
                    threads: None,
                    bins: 40,
                },
                Some(&progress),
            );
            let sim = report::simulation::from_analysis(&a);
            let value = json!({
                "iterations": sim.iterations, "seed": sim.seed,
                "inputs": sim.inputs,
                "ranges": sim.ranges.iter().map(|r| json!({
                    "id": r.id, "name": r.name, "mean": r.mean, "p5": r.p5, "p50": r.p50,
                    "p95": r.p95, "prob_positive": r.prob_positive,
                })).collect::<Vec<_>>(),
            });
            job.done.store(job.total, Ordering::Relaxed);
            *lock(&job.result) = Some(Ok(value));
        });
        Ok(id)
    }

    pub fn job(&self, id: u64) -> Result<Value> {
        let job = lock(&self.jobs)
            .get(&id)
            .cloned()
            .ok_or_else(|| ServeError::NotFound(format!("no simulation job {id}")))?;
        let result = lock(&job.result).clone();
        Ok(match result {
            None => json!({"done": job.done.load(Ordering::Relaxed), "total": job.total}),
            Some(Ok(v)) => json!({"done": job.total, "total": job.total, "result": v}),
            Some(Err(m)) => json!({"done": job.total, "total": job.total, "error": m}),
        })
    }

    fn place_run(&self) -> Result<Arc<PlaceRun>> {
        let mut g = lock(&self.place_run);
        if let Some(r) = &*g {
            return Ok(r.clone());
        }
        let options = report::Options {
            iterations: 0,
            ..Default::default()
        };
        let r = Arc::new(
            report::run_place(&self.dir, &options)
                .map_err(|e| ServeError::invalid("place", e.to_string()))?,
        );
        *g = Some(r.clone());
        Ok(r)
    }

    /// The board pack (`board-pack.html`) or results workbook (`results.xlsx`) of the
    /// variant, made by the report's own functions (with the report's default simulation);
    /// also written under `<out>/<place>/serve/<scenario>/`.
    pub fn download(&self, v: &Variant, file: &str) -> Result<(Vec<u8>, &'static str)> {
        if file != "board-pack.html" && file != "results.xlsx" {
            return Err(ServeError::NotFound(format!(
                "no download \"{}\": board-pack.html or results.xlsx",
                file.chars().take(80).collect::<String>()
            )));
        }
        let ev = self.evaluate(v)?;
        let run = self.place_run()?;
        let options = report::Options::default();
        let spec = uncertainty::spec::from_str(&ev.base.file, &ev.text, &ev.sc, &ev.fixed)
            .map_err(|e| ServeError::invalid("uncertainty", e.to_string()))?;
        let simulation = (!spec.params.is_empty()).then(|| {
            let a = uncertainty::analyse(
                &ev.sc,
                &ev.params,
                spec,
                uncertainty::Options {
                    iterations: options.iterations,
                    seed: options.seed,
                    threads: None,
                    bins: 40,
                },
                None,
            );
            report::simulation::from_analysis(&a)
        });
        let sr = ScenarioRun {
            path: ev.path.clone(),
            scenario: (*ev.sc).clone(),
            params: ev.params.clone(),
            results: ev.results.clone(),
            simulation,
        };
        let dir = self
            .out
            .join(&self.place.info.id)
            .join("serve")
            .join(&v.scenario);
        let internal = |e: crate::error::Error| ServeError::Internal(e.to_string());
        let (bytes, mime) = if file == "results.xlsx" {
            (
                report::workbook::scenario_workbook(&run, &sr).map_err(internal)?,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        } else {
            let mut files = report::Files::new();
            let figs =
                report::figures::scenario_charts(&run, &sr, &dir, options.chart_size, &mut files)
                    .map_err(internal)?;
            let doc = report::pack::scenario_pack(&run, &sr, &figs);
            (
                report::doc::html(&doc).into_bytes(),
                "text/html; charset=utf-8",
            )
        };
        let mut out = OutputSet::new();
        out.add(dir.join(file), bytes.clone());
        out.commit().map_err(internal)?;
        Ok((bytes, mime))
    }
}

fn has_uncertain(text: &str) -> bool {
    text.parse::<toml::Table>()
        .ok()
        .and_then(|t| {
            t.get("uncertain")
                .and_then(|u| u.as_array())
                .map(|a| !a.is_empty())
        })
        .unwrap_or(false)
}
