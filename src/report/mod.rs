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
    /// How figures are written (negatives with a minus or in brackets).
    pub style: crate::format::Style,
    /// The line every pack and paper carries: its date and the tool's version.
    pub stamp: String,
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
    /// Negatives with a minus or in brackets, in every table.
    pub style: crate::format::Style,
    /// The date printed on each pack and paper (`YYYY-MM-DD`), from `--date`. Never read
    /// from the clock, so the same inputs give byte-identical outputs; `None` says "undated".
    pub date: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            iterations: DEFAULT_ITERATIONS,
            seed: 1,
            chart_size: Size::PRINT,
            style: crate::format::Style::default(),
            date: None,
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
    let mut place = Place::load(dir)?;
    let mut mapping = Mapping::load(&place)?;
    let mut ingest = ingest::ingest_place(&place)?;
    let spend_map = mapping::map_ledger(&place, &mapping, &ingest.ledger)?;
    // From here on every path an output shows is relative to the place directory: no
    // absolute path of this machine reaches a chart, table, note or file (issue 12).
    let place_dir = place.dir.clone();
    let rel = |shown: &str| place_relative(&place_dir, shown);
    mapping.file = rel(&mapping.file);
    for r in &mut ingest.reports {
        r.file = rel(&r.file);
    }
    for s in &mut place.sources {
        s.display = rel(&s.display);
    }
    let mut scenarios = Vec::new();
    let mut errors = Vec::new();
    let count = scenario::Count::new(&place, &mapping, &spend_map);
    for path in scenario_files(dir)? {
        match scenario::load_with_count(&path, &[], Some(&count)) {
            Ok(mut sc) => {
                sc.file = place_relative(&place.dir, &sc.file);
                sc.deflator_file = place_relative(&place.dir, &sc.deflator_file);
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
    // Charts label parties by their short names ("Acute trust", "DWP"), so the palette is
    // keyed by those names, in `place.toml` order.
    let palette = Palette::new(place.agencies.iter().map(|a| short_name(&a.id)));
    Ok(PlaceRun {
        place,
        mapping,
        ingest,
        spend_map,
        scenarios,
        palette,
        style: options.style,
        stamp: stamp(options.date.as_deref()),
    })
}

/// The tool's version, as printed on every pack and paper.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// "Prepared 2026-12-02 with totalplace 0.1.0", or "Undated" when no date was given: the
/// date comes from `--date`, never the clock (see `docs/report.md`).
pub fn stamp(date: Option<&str>) -> String {
    match date {
        Some(d) => format!("Prepared {d} with totalplace {VERSION}"),
        None => format!("Undated (give --date YYYY-MM-DD) · totalplace {VERSION}"),
    }
}

/// Check a `--date` value: a real calendar date written `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> std::result::Result<String, String> {
    let ok = s.len() == 10
        && s.as_bytes()[4] == b'-'
        && s.as_bytes()[7] == b'-'
        && chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok();
    if ok {
        Ok(s.to_string())
    } else {
        Err(format!(
            "\"{s}\" is not a date written YYYY-MM-DD, e.g. 2026-03-31"
        ))
    }
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
/// Returns the charts rendered (the place's, then each scenario's in order), so another
/// surface (the Word paper) can place the same PNGs without drawing them twice.
pub fn stage(
    run: &PlaceRun,
    out_root: &Path,
    options: &Options,
    out: &mut OutputSet,
) -> Result<Charts> {
    let dir = out_root.join(&run.place.info.id);
    // Scenario folders, rendered in parallel (each is independent), staged in order.
    let staged: Vec<Result<(Files, Vec<figures::Figure>)>> = std::thread::scope(|s| {
        let handles: Vec<_> = run
            .scenarios
            .iter()
            .map(|sr| {
                let dir = dir.join(&sr.scenario.id);
                s.spawn(move || {
                    let mut o = Files::new();
                    stage_scenario(run, sr, &dir, options, &mut o).map(|f| (o, f))
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
    let place = stage_place(run, &dir, options, &mut files)?;
    let mut scenarios = Vec::new();
    for o in staged {
        let (f, figs) = o?;
        files.extend(f);
        scenarios.push(figs);
    }
    for (p, b) in files {
        out.add(p, b);
    }
    Ok(Charts { place, scenarios })
}

/// The charts of a report: the place's, and each scenario's in `PlaceRun::scenarios` order.
#[derive(Debug, Clone, Default)]
pub struct Charts {
    pub place: Vec<figures::Figure>,
    pub scenarios: Vec<Vec<figures::Figure>>,
}

fn stage_scenario(
    run: &PlaceRun,
    sr: &ScenarioRun,
    dir: &Path,
    options: &Options,
    out: &mut Files,
) -> Result<Vec<figures::Figure>> {
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
    for (name, bytes) in scenario::report::scenario_files(&sr.scenario, &sr.params, &sr.results) {
        push(out, dir.join(name), bytes);
    }
    Ok(charts)
}

fn stage_place(
    run: &PlaceRun,
    dir: &Path,
    options: &Options,
    out: &mut Files,
) -> Result<Vec<figures::Figure>> {
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
    Ok(charts)
}

/// A path as the outputs show it: relative to the place directory (`mapping.toml`,
/// `scenarios/x.toml`, `../../sample-data/kirkbridge/police.csv`), never an absolute path of
/// the machine that ran the report. `shown` is a path as the model keeps it for messages
/// (relative to the working directory, or absolute).
pub fn place_relative(place_dir: &Path, shown: &str) -> String {
    if shown.is_empty() {
        return String::new();
    }
    let cwd = std::env::current_dir().unwrap_or_default();
    let abs = |p: &Path| {
        crate::error::normalize_path(&if p.is_absolute() {
            p.to_path_buf()
        } else {
            cwd.join(p)
        })
    };
    let target = abs(Path::new(shown));
    let base = abs(place_dir);
    let t: Vec<_> = target.components().collect();
    let b: Vec<_> = base.components().collect();
    let common = t.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if common == 0 {
        return shown.to_string();
    }
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &t[common..] {
        out.push(c);
    }
    out.display().to_string()
}

/// System NPV per year of the scenario's horizon: the like basis on which scenarios of
/// different lengths are compared (stated wherever it is shown). Zero for a zero horizon.
pub fn npv_per_year(sc: &ValidatedScenario, r: &Results) -> Decimal {
    if sc.horizon == 0 {
        Decimal::ZERO
    } else {
        r.system.npv / Decimal::from(sc.horizon)
    }
}

/// "5 years from 2025-26": the span a scenario's figures cover.
pub fn basis(sc: &ValidatedScenario) -> String {
    format!(
        "{} from {}",
        crate::format::counted(sc.horizon, "year", "years"),
        sc.year_label(0)
    )
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
        "probation" => return "probation service".into(),
        "prisons" => return "prison service".into(),
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

/// A party's short name for a table cell or a chart label: `acute-trust` → "Acute trust",
/// `dwp` → "DWP", `prisons` → "Prison service".
pub fn short_name(id: &str) -> String {
    let w = party_words(id);
    let mut c = w.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Whether a party's name takes a plural verb ("the police receive").
pub fn party_is_plural(id: &str) -> bool {
    id == "police"
}

/// Short money for sentences and tiles: the one rule of [`crate::format::money_short`].
pub fn money_short(d: Decimal) -> String {
    crate::format::money_short(d)
}

/// A fraction as a percentage: the one rule of [`crate::format::percent`] (whole percent).
pub fn pct0(x: Decimal) -> String {
    crate::format::percent(x)
}

/// Kept for callers that asked for one decimal: percentages follow the one rule (whole
/// percent) everywhere, so a share reads the same in a table and a sentence.
pub fn pct1(x: Decimal) -> String {
    crate::format::percent(x)
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
        assert_eq!(money_short(dec!(2500000000)), "£2.5bn");
        assert_eq!(money_short(dec!(0.5)), "£1");
    }

    #[test]
    fn words() {
        assert_eq!(the_party("acute-trust"), "the acute trust");
        assert_eq!(the_party("dwp"), "DWP");
        assert_eq!(the_party("icb"), "the ICB");
        assert_eq!(the_party("prisons"), "the prison service");
        assert_eq!(the_party("probation"), "the probation service");
        assert_eq!(short_name("acute-trust"), "Acute trust");
        assert_eq!(short_name("dluhc"), "DLUHC");
        assert_eq!(pct0(dec!(0.715)), "72%");
        let place = Path::new("/srv/models/kirkbridge");
        assert_eq!(
            place_relative(place, "/srv/models/kirkbridge/mapping.toml"),
            "mapping.toml"
        );
        assert_eq!(
            place_relative(place, "/srv/sample-data/kirkbridge/police.csv"),
            "../../sample-data/kirkbridge/police.csv"
        );
        assert_eq!(pct1(dec!(0.71549)), "72%");
    }
}
