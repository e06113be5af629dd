//! Charts filled from real results: who pays and who gains, cashflow and payback, the Monte
//! Carlo distribution and tornado (when simulated), the spend map and the scenario comparison.
//! Each is rendered to PNG (embedded in the HTML pack) and SVG, both written beside the pack.

use std::path::Path;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::{Files, PlaceRun, ScenarioRun};
use crate::charts::{
    render_png, render_svg, AgencyCashflow, AgencyFlows, AgencyValue, Cashflow, Chart, ChartTitle,
    CohortSpend, MonteCarlo, NpvDistribution, Payback, Percentiles, ScenarioComparison,
    ScenarioResult, Size, SpendMap, Tornado, TornadoBar, WhoPaysWhoGains,
};
use crate::error::{display_path, Error, Result};
use crate::money::round_half_up;
use crate::scenario::{self, library::fy_label, ValidatedScenario};

/// A rendered chart: its file stem, PNG bytes, alt text and caption.
#[derive(Debug, Clone)]
pub struct Figure {
    pub stem: &'static str,
    pub png: Vec<u8>,
    pub alt: String,
    pub caption: String,
}

impl Figure {
    pub fn file(&self) -> String {
        format!("{}.png", self.stem)
    }
}

/// Decimal pounds to an `f64` for drawing (charts only draw).
pub fn f(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

fn render<C: Chart>(
    chart: &C,
    run: &PlaceRun,
    dir: &Path,
    size: Size,
    caption: String,
    out: &mut Files,
) -> Result<Figure> {
    let stem = chart.file_stem();
    let png_path = dir.join(format!("{stem}.png"));
    let svg_path = dir.join(format!("{stem}.svg"));
    let name = |p: &Path, e: Error| match e {
        Error::Io { message, .. } => Error::Io {
            path: display_path(p),
            message,
        },
        other => other,
    };
    let png = render_png(chart, &run.palette, size).map_err(|e| name(&png_path, e))?;
    let svg = render_svg(chart, &run.palette, size).map_err(|e| name(&svg_path, e))?;
    out.push((png_path, png.clone()));
    out.push((svg_path, svg.into_bytes()));
    Ok(Figure {
        stem,
        png,
        alt: chart.title().title.clone(),
        caption,
    })
}

fn synthetic_footnote(synthetic: bool) -> String {
    if synthetic {
        "SYNTHETIC data: illustrative figures for a made-up place.".into()
    } else {
        String::new()
    }
}

/// "£, 2024-25 prices, present values over 6 years, Green Book discounting".
pub fn units_line(sc: &ValidatedScenario) -> String {
    format!(
        "£, {} prices, present values over {} years from {}, {}",
        fy_label(sc.price_base),
        sc.horizon,
        sc.year_label(0),
        match &sc.discount {
            scenario::DiscountSchedule::GreenBook => "Green Book discounting (3.5%)".to_string(),
            scenario::DiscountSchedule::Flat(r) =>
                format!("discounted at {}%", (r * Decimal::ONE_HUNDRED).normalize()),
        }
    )
}

fn payback_at(p: Option<scenario::Payback>) -> Option<Payback> {
    match p? {
        // Points sit at the end of each year (index t); a payback of y years from the start
        // of year 0 falls between the points t − 1 and t where t = ⌈y⌉, so at y − 1.
        scenario::Payback::Within(y) => Some(Payback {
            at: (f(y) - 1.0).max(0.0),
            label: if y.is_zero() {
                "Never in deficit".into()
            } else {
                format!("Payback {} years", round_half_up(y, 1))
            },
        }),
        _ => None,
    }
}

/// Every chart of one scenario.
pub fn scenario_charts(
    run: &PlaceRun,
    sr: &ScenarioRun,
    dir: &Path,
    size: Size,
    out: &mut Files,
) -> Result<Vec<Figure>> {
    let sc = &sr.scenario;
    let r = &sr.results;
    let place = &run.place.info.name;
    let foot = synthetic_footnote(sc.place_synthetic);
    let active: Vec<_> = r
        .parties
        .iter()
        .filter(|p| !matches!(p.summary.payback, Some(scenario::Payback::NoFlows)))
        .collect();
    let mut figs = Vec::new();

    let w = |x: Option<Decimal>| {
        x.map(|v| round_half_up(v, 2).to_string())
            .unwrap_or_else(|| "n/a".into())
    };
    let chart = WhoPaysWhoGains {
        title: ChartTitle::new(
            format!("Who pays and who gains: {}", sc.name),
            format!(
                "{place}. {}. Wrong-pocket index {} (cashable {})",
                units_line(sc),
                w(r.wrong_pocket),
                w(r.wrong_pocket_cashable)
            ),
        )
        .with_footnote(foot.clone()),
        agencies: active
            .iter()
            .filter(|p| !(p.summary.pv_costs.is_zero() && p.summary.pv_benefits.is_zero()))
            .map(|p| AgencyFlows {
                agency: super::short_name(&p.id),
                cost: f(p.summary.pv_costs),
                cashable: f(p.summary.pv_cashable),
                non_cashable: f(p.summary.pv_non_cashable),
            })
            .collect(),
    };
    figs.push(render(
        &chart,
        run,
        dir,
        size,
        "Who pays and who gains: each partner's present-value cost, cashable savings and non-cashable cost avoidance (before transfers).".into(),
        out,
    )?);

    let years: Vec<String> = (0..sc.horizon).map(|t| sc.year_label(t)).collect();
    let chart = Cashflow {
        title: ChartTitle::new(
            format!("Cumulative net cashflow: {}", sc.name),
            format!(
                "{place}. Cumulative discounted net (benefits − costs + transfers), {}",
                units_line(sc)
            ),
        )
        .with_footnote(foot.clone()),
        years,
        system: r
            .system_yearly
            .iter()
            .map(|y| f(y.cumulative_pv_net))
            .collect(),
        system_payback: payback_at(r.system.payback),
        agencies: active
            .iter()
            .map(|p| AgencyCashflow {
                agency: super::short_name(&p.id),
                cumulative: p.yearly.iter().map(|y| f(y.cumulative_pv_net)).collect(),
                payback: payback_at(p.summary.payback),
            })
            .collect(),
    };
    figs.push(render(
        &chart,
        run,
        dir,
        size,
        "Cumulative discounted net position by year, system and each partner after transfers; payback interpolated within the year.".into(),
        out,
    )?);

    if let Some(sim) = &sr.simulation {
        let chart = MonteCarlo {
            title: ChartTitle::new(
                format!("NPV uncertainty: {}", sc.name),
                format!(
                    "{place}. {} Monte Carlo runs (seed {}), {}",
                    crate::format::count(sim.iterations as u64),
                    sim.seed,
                    units_line(sc)
                ),
            )
            .with_footnote(foot.clone()),
            panels: sim
                .ranges
                .iter()
                .map(|g| NpvDistribution {
                    label: if g.agency.is_none() {
                        "System".into()
                    } else {
                        super::short_name(&g.id)
                    },
                    agency: g.agency.as_deref().map(super::short_name),
                    samples: g.samples.clone(),
                    percentiles: Some(Percentiles {
                        p5: g.p5,
                        p50: g.p50,
                        p95: g.p95,
                    }),
                })
                .collect(),
        };
        figs.push(render(
            &chart,
            run,
            dir,
            size,
            format!(
                "Distribution of NPV over {} simulated runs (seed {}): P5, P50 and P95 marked.",
                crate::format::count(sim.iterations as u64),
                sim.seed
            ),
            out,
        )?);
        if !sim.tornado.is_empty() {
            let chart = Tornado {
                title: ChartTitle::new(
                    format!("What moves the system NPV: {}", sc.name),
                    format!(
                        "{place}. Each uncertain input at its P10 and P90, the others at base, {}",
                        units_line(sc)
                    ),
                )
                .with_footnote(foot.clone()),
                measure: "System NPV".into(),
                base: sim.base_npv,
                bars: sim
                    .tornado
                    .iter()
                    .map(|t| TornadoBar {
                        label: super::simulation::input_label(sc, &t.path),
                        low: t.low,
                        high: t.high,
                        low_input: t.low_input.clone(),
                        high_input: t.high_input.clone(),
                    })
                    .collect(),
            };
            figs.push(render(
                &chart,
                run,
                dir,
                size,
                "One-way sensitivity: the system NPV with each uncertain input at its P10 and P90, every other at base, widest swing first.".into(),
                out,
            )?);
        }
    }
    Ok(figs)
}

/// The place-level charts: the spend map and the scenario comparison.
pub fn place_charts(
    run: &PlaceRun,
    dir: &Path,
    size: Size,
    out: &mut Files,
) -> Result<Vec<Figure>> {
    let place = &run.place;
    let map = &run.spend_map;
    let foot = synthetic_footnote(place.info.synthetic);
    let mut figs = Vec::new();
    let chart = SpendMap {
        title: ChartTitle::new(
            format!("{}: what partners spend on each cohort", place.info.name),
            format!(
                "£, {} budgets, mapped by {}",
                place.info.financial_year, run.mapping.file
            ),
        )
        .with_footnote(foot.clone()),
        cohorts: place
            .cohorts
            .iter()
            .enumerate()
            .map(|(c, co)| CohortSpend {
                cohort: co.id.clone(),
                by_agency: place
                    .agencies
                    .iter()
                    .enumerate()
                    .map(|(a, ag)| {
                        AgencyValue::new(super::short_name(&ag.id), f(map.agency_cohort(a, c)))
                    })
                    .filter(|v| v.value != 0.0)
                    .collect(),
            })
            .collect(),
        not_cohort_specific: Some(
            place
                .agencies
                .iter()
                .enumerate()
                .map(|(a, ag)| {
                    AgencyValue::new(
                        super::short_name(&ag.id),
                        f(map.agencies[a].not_cohort_specific()),
                    )
                })
                .filter(|v| v.value != 0.0)
                .collect(),
        ),
    };
    figs.push(render(
        &chart,
        run,
        dir,
        size,
        "The count: each partner's budgeted spend on each cohort, and (on its own scale) the spend not specific to any cohort.".into(),
        out,
    )?);
    if !run.scenarios.is_empty() {
        let pb = run
            .scenarios
            .iter()
            .map(|s| fy_label(s.scenario.price_base))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect::<Vec<_>>()
            .join(", ");
        let chart = ScenarioComparison {
            title: ChartTitle::new(
                format!("{}: scenarios compared", place.info.name),
                format!(
                    "System net present value, and per year of each scenario's horizon to compare scenarios of different lengths; £, {pb} prices"
                ),
            )
            .with_footnote(foot),
            scenarios: run
                .scenarios
                .iter()
                .map(|s| ScenarioResult {
                    name: s.scenario.name.clone(),
                    npv: f(s.results.system.npv),
                    npv_per_year: f(super::npv_per_year(&s.scenario, &s.results)),
                    froi: s.results.system.froi.map(f),
                    basis: super::basis(&s.scenario),
                })
                .collect(),
        };
        figs.push(render(
            &chart,
            run,
            dir,
            size,
            "Each scenario's system NPV over its own horizon and per year of that horizon (the like basis), with its horizon, start year and return per £1 under its name. Partners' NPVs are in the table below.".into(),
            out,
        )?);
    }
    Ok(figs)
}
