//! Board-paper outputs for a place: ingest → map → every scenario → (simulation) → charts,
//! a results workbook and a board pack (HTML and Markdown) per scenario, plus a place-level
//! pack and workbook comparing the scenarios.
//!
//! [`run_place`] computes everything ([`PlaceRun`]); [`stage`] renders every file into an
//! [`OutputSet`] so the caller writes all of it or nothing. Findings are generated from the
//! numbers ([`findings`]); the workbook is built with `rust_xlsxwriter` ([`workbook`]); the
//! pack is one document model rendered as HTML and Markdown ([`doc`], [`pack`]); the
//! uncertainty section reads a plain [`simulation::Simulation`] summary, and says plainly
//! when no simulation was run.

pub mod doc;
pub mod figures;
pub mod findings;
pub mod pack;
pub mod simulation;
pub mod workbook;

use std::path::{Path, PathBuf};

use rust_decimal::Decimal;

use crate::charts::{Palette, Size};
use crate::error::{display_path, Error, Result};
use crate::ingest::{self, Ingest};
use crate::mapping::{self, Mapping, SpendMap};
use crate::model::Place;
use crate::money::round_half_up;
use crate::output::OutputSet;
use crate::scenario::{self, Params, Results, ValidatedScenario};

pub use simulation::Simulation;

/// Files rendered and not yet written: (path, bytes).
pub type Files = Vec<(PathBuf, Vec<u8>)>;

/// Generated text.
pub type Text = String;

/// One scenario, evaluated.
pub struct ScenarioRun {
    /// The scenario file.
    pub path: PathBuf,
    pub scenario: ValidatedScenario,
    pub params: Params,
    pub results: Results,
    /// `None`: no simulation was run (the outputs say so).
    pub simulation: Option<Simulation>,
}

/// A place with every output's inputs computed.
pub struct PlaceRun {
    pub place: Place,
    pub mapping: Mapping,
    pub ingest: Ingest,
    pub spend_map: SpendMap,
    pub scenarios: Vec<ScenarioRun>,
    pub palette: Palette,
}

/// Monte Carlo iterations per scenario unless told otherwise.
pub const DEFAULT_ITERATIONS: usize = 10_000;

/// How a report is made.
#[derive(Debug, Clone)]
pub struct Options {
    /// Monte Carlo iterations (0: none).
    pub iterations: usize,
    pub seed: u64,
    /// Chart size in pixels.
    pub chart_size: Size,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            iterations: DEFAULT_ITERATIONS,
            seed: 1,
            chart_size: Size::PRINT,
        }
    }
}

/// The scenario files of a place: `<place>/scenarios/*.toml`, sorted by name.
pub fn scenario_files(place_dir: &Path) -> Result<Vec<PathBuf>> {
    let dir = place_dir.join("scenarios");
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| Error::io(&dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml") && p.is_file())
        .collect();
    v.sort();
    Ok(v)
}

/// Ingest, map and evaluate every scenario of the place at `dir`.
pub fn run_place(dir: &Path, options: &Options) -> Result<PlaceRun> {
    let place = Place::load(dir)?;
    let mapping = Mapping::load(&place)?;
    let ingest = ingest::ingest_place(&place)?;
    let spend_map = mapping::map_ledger(&place, &mapping, &ingest.ledger)?;
    let mut scenarios = Vec::new();
    let mut errors = Vec::new();
    let count = scenario::Count::new(&place, &mapping, &spend_map);
    for path in scenario_files(dir)? {
        match scenario::load_with_count(&path, &[], Some(&count)) {
            Ok(sc) => {
                let params = sc.params();
                let results = scenario::evaluate(&sc, &params);
                let simulation = simulate(&path, &sc, &params, options)?;
                scenarios.push(ScenarioRun {
                    path,
                    scenario: sc,
                    params,
                    results,
                    simulation,
                });
            }
            Err(e) => errors.push(e),
        }
    }
    Error::from_list(errors)?;
    // The place's agencies keep one colour each in every chart; parties outside the place
    // (a scenario's external payers) are drawn in the palette's neutral grey, so that no
    // external party ever shares an agency's colour.
    let palette = Palette::new(place.agencies.iter().map(|a| a.id.clone()));
    Ok(PlaceRun {
        place,
        mapping,
        ingest,
        spend_map,
        scenarios,
        palette,
    })
}

/// The simulation feed: Monte Carlo over the scenario's `[[uncertain]]` inputs, summarised
/// for the report; `None` when no iterations are asked or the scenario declares no uncertainty.
fn simulate(
    path: &Path,
    sc: &ValidatedScenario,
    params: &Params,
    options: &Options,
) -> Result<Option<Simulation>> {
    if options.iterations == 0 {
        return Ok(None);
    }
    let spec = crate::uncertainty::spec::load(path, sc, &[])?;
    if spec.params.is_empty() {
        return Ok(None);
    }
    let a = crate::uncertainty::analyse(
        sc,
        params,
        spec,
        crate::uncertainty::Options {
            iterations: options.iterations,
            seed: options.seed,
            threads: None,
            bins: 40,
        },
        None,
    );
    Ok(Some(simulation::from_analysis(&a)))
}

/// Render every output of a place under `<out>/<place-id>/` into `out`: per scenario a folder
/// with its charts (PNG and SVG), `results.xlsx`, `board-pack.html`, `board-pack.md` and the
/// CSV/JSON of `totalplace run`; at the place level the same comparing the scenarios.
pub fn stage(
    run: &PlaceRun,
    out_root: &Path,
    options: &Options,
    out: &mut OutputSet,
) -> Result<()> {
    let dir = out_root.join(&run.place.info.id);
    // Scenario folders, rendered in parallel (each is independent), staged in order.
    let staged: Vec<Result<Files>> = std::thread::scope(|s| {
        let handles: Vec<_> = run
            .scenarios
            .iter()
            .map(|sr| {
                let dir = dir.join(&sr.scenario.id);
                s.spawn(move || {
                    let mut o = Files::new();
                    stage_scenario(run, sr, &dir, options, &mut o).map(|_| o)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(Error::Io {
                        path: display_path(&dir),
                        message: "rendering failed".into(),
                    })
                })
            })
            .collect()
    });
    let mut files = Files::new();
    stage_place(run, &dir, options, &mut files)?;
    for o in staged {
        files.extend(o?);
    }
    for (p, b) in files {
        out.add(p, b);
    }
    Ok(())
}

fn stage_scenario(
    run: &PlaceRun,
    sr: &ScenarioRun,
    dir: &Path,
    options: &Options,
    out: &mut Files,
) -> Result<()> {
    let charts = figures::scenario_charts(run, sr, dir, options.chart_size, out)?;
    push(
        out,
        dir.join("results.xlsx"),
        workbook::scenario_workbook(run, sr)?,
    );
    let doc = pack::scenario_pack(run, sr, &charts);
    push(
        out,
        dir.join("board-pack.html"),
        doc::html(&doc).into_bytes(),
    );
    push(
        out,
        dir.join("board-pack.md"),
        doc::markdown(&doc).into_bytes(),
    );
    let sc = &sr.scenario;
    let r = &sr.results;
    push(
        out,
        dir.join("summary.csv"),
        scenario::report::summary_csv(sc, r),
    );
    push(
        out,
        dir.join("yearly.csv"),
        scenario::report::yearly_csv(sc, r),
    );
    push(
        out,
        dir.join("results.json"),
        scenario::report::results_json(sc, &sr.params, r),
    );
    push(
        out,
        dir.join("conventions.csv"),
        scenario::report::conventions_csv(sc),
    );
    if let Some(b) = scenario::baseline::csv(sc, r) {
        push(out, dir.join("baseline.csv"), b);
    }
    Ok(())
}

fn stage_place(run: &PlaceRun, dir: &Path, options: &Options, out: &mut Files) -> Result<()> {
    let charts = figures::place_charts(run, dir, options.chart_size, out)?;
    push(
        out,
        dir.join("results.xlsx"),
        workbook::place_workbook(run)?,
    );
    let mut doc = pack::place_pack(run, &charts);
    let extra = crate::track::pack::place_blocks(run, dir, options.chart_size, out)?;
    crate::track::pack::extend_place_pack(&mut doc, extra);
    push(
        out,
        dir.join("board-pack.html"),
        doc::html(&doc).into_bytes(),
    );
    push(
        out,
        dir.join("board-pack.md"),
        doc::markdown(&doc).into_bytes(),
    );
    push(
        out,
        dir.join("spend-map.csv"),
        mapping::report::csv_bytes(&run.place, &run.mapping, &run.spend_map)?,
    );
    push(
        out,
        dir.join("spend-map.json"),
        mapping::report::json_bytes(&run.place, &run.mapping, &run.spend_map, &run.ingest.ledger)?,
    );
    Ok(())
}

// ---------------------------------------------------------------- wording helpers

const ACRONYMS: [&str; 16] = [
    "dwp", "icb", "nhs", "mh", "hmpps", "dluhc", "mhclg", "ccg", "pct", "moj", "hmrc", "hmcts",
    "csp", "vcs", "gp", "ae",
];

/// A party id as words: `acute-trust` → "acute trust", `dwp` → "DWP", `mh-trust` → "MH trust".
pub fn party_words(id: &str) -> String {
    match id {
        "community-safety" => return "community safety partnership".into(),
        "mh-trust" => return "mental-health trust".into(),
        "voluntary" | "vcs" => return "voluntary sector".into(),
        _ => {}
    }
    id.split(['-', '_'])
        .map(|w| {
            if ACRONYMS.contains(&w) {
                w.to_uppercase()
            } else {
                w.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A party id with its article: "the council", "the ICB", "DWP".
pub fn the_party(id: &str) -> String {
    let w = party_words(id);
    if matches!(
        id,
        "dwp" | "hmpps" | "dluhc" | "mhclg" | "hmrc" | "hmcts" | "moj"
    ) {
        w
    } else {
        format!("the {w}")
    }
}

/// Short money for sentences and tiles: £1.23m, £450k, £1,234; negatives with a minus.
pub fn money_short(d: Decimal) -> String {
    let neg = d < Decimal::ZERO;
    let a = d.abs();
    let (v, unit, dp) = if a >= Decimal::from(1_000_000_000) {
        (a / Decimal::from(1_000_000_000), "bn", 2)
    } else if a >= Decimal::from(1_000_000) {
        let m = a / Decimal::from(1_000_000);
        (
            m,
            "m",
            if m >= Decimal::from(100) {
                0
            } else if m >= Decimal::TEN {
                1
            } else {
                2
            },
        )
    } else if a >= Decimal::from(10_000) {
        (a / Decimal::from(1_000), "k", 0)
    } else {
        return crate::money::format_gbp0(d);
    };
    let r = round_half_up(v, dp);
    let r = if dp > 0 {
        format!("{:.*}", dp as usize, r)
    } else {
        r.trunc().to_string()
    };
    format!("{}£{r}{unit}", if neg { "-" } else { "" })
}

/// A fraction as a whole percentage, half away from zero: 0.715 → "72%".
pub fn pct0(x: Decimal) -> String {
    format!("{}%", round_half_up(x * Decimal::ONE_HUNDRED, 0).trunc())
}

/// A fraction as a percentage with one decimal: 0.7153 → "71.5%".
pub fn pct1(x: Decimal) -> String {
    format!("{:.1}%", round_half_up(x * Decimal::ONE_HUNDRED, 1))
}

fn push(out: &mut Files, path: PathBuf, bytes: Vec<u8>) {
    out.push((path, bytes));
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn short_money() {
        assert_eq!(money_short(dec!(1234567)), "£1.23m");
        assert_eq!(money_short(dec!(-12345678)), "-£12.3m");
        assert_eq!(money_short(dec!(450000)), "£450k");
        assert_eq!(money_short(dec!(1234)), "£1,234");
        assert_eq!(money_short(dec!(2500000000)), "£2.50bn");
        assert_eq!(money_short(dec!(0.5)), "£1");
    }

    #[test]
    fn words() {
        assert_eq!(the_party("acute-trust"), "the acute trust");
        assert_eq!(the_party("dwp"), "DWP");
        assert_eq!(the_party("icb"), "the ICB");
        assert_eq!(pct0(dec!(0.715)), "72%");
        assert_eq!(pct1(dec!(0.71549)), "71.5%");
    }
}
