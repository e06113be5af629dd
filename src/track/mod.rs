//! Benefits realisation (`totalplace track`): did the savings appear, and in whose budget?
//!
//! A place declares later financial years' budget or outturn sources and the actual outcome
//! counts per scenario outcome and intake year in `track.toml` (see `docs/track.md`). Tracking
//! ingests and maps each year exactly as `map` does, then per scenario shows
//! - predicted vs actual participants, engaged and successes per outcome and intake year;
//! - predicted vs actual-outcome-based savings per agency: [`crate::scenario::evaluate`] run
//!   again with the observed intakes in place of the assumptions (as parameters, see
//!   [`crate::scenario::ObservedIntake`]), never a second copy of the arithmetic;
//! - the change in each agency's mapped spend on the cohort between the baseline year and each
//!   later year. A change in spend is observed, but it is not proof that the scenario caused it
//!   (there is no counterfactual); the outputs say which figures are observed and which
//!   modelled.

pub mod actuals;
pub mod chart;
pub mod pack;
pub mod report;

use std::path::{Path, PathBuf};

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::error::{display_path, Error, Result};
use crate::ingest;
use crate::mapping::{self, Mapping};
use crate::model::raw::read_toml;
use crate::model::Place;
use crate::scenario::library::{fy_label, parse_fy};
use crate::scenario::{self, Count, ObservedIntake, ParamSpec, Params, Results, ValidatedScenario};

pub use actuals::Actual;

/// `track.toml` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TrackFile {
    /// The actual-outcomes CSV, relative to the place directory.
    actuals: String,
    #[serde(default)]
    year: Vec<YearRaw>,
    #[serde(default)]
    notes: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct YearRaw {
    year: String,
    /// A sources file in the format of `sources.toml`, relative to the place directory.
    sources: String,
}

/// One later year: its place (same agencies, cohorts; that year's sources) and spend map.
pub struct TrackedYear {
    pub year: i32,
    pub sources_file: String,
    pub lines: usize,
    pub count: Count,
}

/// One scenario, predicted and re-run on the actuals.
pub struct ScenarioTrack {
    pub path: PathBuf,
    /// As written (the prediction).
    pub scenario: ValidatedScenario,
    pub predicted: Results,
    /// The scenario with observed intakes, its parameters and results.
    pub tracked: ValidatedScenario,
    pub tracked_params: Params,
    pub actual: Results,
    /// The actual rows for this scenario, in file order.
    pub actuals: Vec<Actual>,
    /// Cohort index in the place (for the spend change), when the scenario has one.
    pub cohort: Option<usize>,
}

/// Everything `track` shows.
pub struct Track {
    pub place: Place,
    pub track_file: String,
    pub actuals_file: String,
    pub notes: Option<String>,
    /// The baseline: the place's own `sources.toml` year.
    pub baseline: Count,
    pub years: Vec<TrackedYear>,
    pub scenarios: Vec<ScenarioTrack>,
}

impl Track {
    /// Mapped spend of place agency `a` on cohort `c`: baseline, then each tracked year.
    pub fn spend_by_year(&self, a: usize, c: usize) -> Vec<Decimal> {
        std::iter::once(&self.baseline)
            .chain(self.years.iter().map(|y| &y.count))
            .map(|k| k.spend(a, c, None).0)
            .collect()
    }
}

/// Load `<place>/track.toml`, ingest and map every year, read the actuals and re-run every
/// scenario on them. Any bad input is an error naming the file (and row and column).
pub fn track_place(dir: &Path) -> Result<Track> {
    let place = Place::load(dir)?;
    let track_path = dir.join("track.toml");
    let track_file = display_path(&track_path);
    if !track_path.is_file() {
        return Err(Error::model(
            &track_file,
            "file",
            "no track.toml here: declare later years' sources and the actual-outcomes file (see docs/track.md)",
        ));
    }
    let raw: TrackFile = read_toml(&track_path)?;
    let mapping = Mapping::load(&place)?;
    let ing = ingest::ingest_place(&place)?;
    let map = mapping::map_ledger(&place, &mapping, &ing.ledger)?;
    let baseline = Count::new(&place, &mapping, &map);

    let mut years = Vec::new();
    let mut errors = Vec::new();
    for (i, y) in raw.year.iter().enumerate() {
        let key = format!("year[{i}]");
        let Some(fy) = parse_fy(&y.year) else {
            errors.push(Error::model(
                &track_file,
                format!("{key}.year"),
                format!("\"{}\" is not a financial year like 2025-26", y.year),
            ));
            continue;
        };
        if fy <= baseline.year {
            errors.push(Error::model(
                &track_file,
                format!("{key}.year"),
                format!(
                    "{} is not after the baseline year {} (sources.toml)",
                    fy_label(fy),
                    fy_label(baseline.year)
                ),
            ));
            continue;
        }
        if years.iter().any(|t: &TrackedYear| t.year == fy) {
            errors.push(Error::model(
                &track_file,
                format!("{key}.year"),
                format!("{} is declared twice", fy_label(fy)),
            ));
            continue;
        }
        let sources = dir.join(&y.sources);
        if !sources.is_file() {
            errors.push(Error::model(
                &track_file,
                format!("{key}.sources"),
                format!("file not found: {}", display_path(&sources)),
            ));
            continue;
        }
        let yp = Place::load_with_sources(dir, &sources)?;
        if yp.sources.is_empty() {
            errors.push(Error::model(
                display_path(&sources),
                "source",
                format!(
                    "{} has no budget sources: add [[source]] tables",
                    fy_label(fy)
                ),
            ));
            continue;
        }
        let ying = ingest::ingest_place(&yp)?;
        let ymap = mapping::map_ledger(&yp, &mapping, &ying.ledger)?;
        let mut count = Count::new(&yp, &mapping, &ymap);
        count.year = fy;
        years.push(TrackedYear {
            year: fy,
            sources_file: display_path(&sources),
            lines: ying.ledger.lines.len(),
            count,
        });
    }
    Error::from_list(errors)?;
    years.sort_by_key(|y| y.year);

    let mut loaded = Vec::new();
    let mut errors = Vec::new();
    for path in crate::report::scenario_files(dir)? {
        match scenario::load_with_count(&path, &[], Some(&baseline)) {
            Ok(sc) => loaded.push((path, sc)),
            Err(e) => errors.push(e),
        }
    }
    Error::from_list(errors)?;

    let actuals_path = dir.join(&raw.actuals);
    let tracked_years: Vec<i32> = years.iter().map(|y| y.year).collect();
    let scs: Vec<&ValidatedScenario> = loaded.iter().map(|(_, s)| s).collect();
    let rows = actuals::load(&actuals_path, &scs, &tracked_years)?;

    let mut scenarios = Vec::new();
    for (path, sc) in loaded {
        let mine: Vec<Actual> = rows
            .iter()
            .filter(|a| a.scenario == sc.id)
            .cloned()
            .collect();
        let predicted = scenario::evaluate(&sc, &sc.params());
        let (tracked, tracked_params) = with_actuals(&sc, &mine);
        let actual = scenario::evaluate(&tracked, &tracked_params);
        let cohort = sc
            .baseline
            .as_ref()
            .and_then(|b| place.cohort_index(&b.cohort));
        scenarios.push(ScenarioTrack {
            path,
            scenario: sc,
            predicted,
            tracked,
            tracked_params,
            actual,
            actuals: mine,
            cohort,
        });
    }
    Ok(Track {
        place,
        track_file,
        actuals_file: display_path(&actuals_path),
        notes: raw.notes,
        baseline,
        years,
        scenarios,
    })
}

/// The scenario with each actual row as an observed intake: three new parameters
/// (`actual.<outcome>.<year>.participants`, `.engagement` = engaged ÷ participants,
/// `.success` = successes ÷ engaged), everything else as written.
pub fn with_actuals(sc: &ValidatedScenario, rows: &[Actual]) -> (ValidatedScenario, Params) {
    let mut t = sc.clone();
    let mut params = sc.params();
    let mut add = |t: &mut ValidatedScenario, path: String, v: Decimal, bound| {
        t.param_specs.push(ParamSpec { path, bound });
        params.values.push(v);
        t.defaults.values.push(v);
        params.values.len() - 1
    };
    for a in rows {
        let Some(oi) = t.outcomes.iter().position(|o| o.id == a.outcome) else {
            continue;
        };
        let intake = a.intake;
        let label = fy_label(a.year);
        let key = |s: &str| format!("actual.{}.{label}.{s}", a.outcome);
        let engagement = if a.participants.is_zero() {
            Decimal::ZERO
        } else {
            a.engaged / a.participants
        };
        let success = if a.engaged.is_zero() {
            Decimal::ZERO
        } else {
            a.successes / a.engaged
        };
        let pp = add(
            &mut t,
            key("participants"),
            a.participants,
            scenario::Bound::NonNegative,
        );
        let pe = add(&mut t, key("engagement"), engagement, scenario::Bound::Rate);
        let ps = add(&mut t, key("success"), success, scenario::Bound::Rate);
        t.outcomes[oi].observed.push(ObservedIntake {
            intake,
            participants: pp,
            engagement: pe,
            success: ps,
        });
    }
    (t, params)
}

/// Predicted (participants, engaged, successes) of an outcome's intake in year `intake`:
/// participants, × engagement, × success (before deadweight: what can be counted).
pub fn predicted_counts(
    sc: &ValidatedScenario,
    outcome: usize,
    intake: usize,
) -> (Decimal, Decimal, Decimal) {
    let o = &sc.outcomes[outcome];
    let p = &sc.defaults;
    let participants = p.get(o.participants_in(intake));
    let engaged = participants * p.get(o.engagement);
    (participants, engaged, engaged * p.get(o.success))
}
