//! The tracking chart: predicted vs actual-outcome-based savings by agency, per scenario,
//! summed over the tracked years.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::report::pv_rows;
use super::{ScenarioTrack, Track};
use crate::charts::{self, AgencyRealisation, ChartTitle, Palette, Realisation, Size};
use crate::error::Result;
use crate::scenario::library::fy_label;

fn f(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(f64::NAN)
}

/// The chart data for one scenario: each party with a saving, PV savings (cashable +
/// non-cashable) over the horizon, predicted and on the actual outcomes.
pub fn realisation(track: &Track, st: &ScenarioTrack) -> Realisation {
    let agencies = pv_rows(st)
        .into_iter()
        .map(|r| AgencyRealisation {
            agency: r.agency,
            predicted: f(r.pv_predicted),
            actual: f(r.pv_actual),
        })
        .collect();
    let years = track
        .years
        .iter()
        .map(|y| fy_label(y.year))
        .collect::<Vec<_>>()
        .join(", ");
    Realisation {
        title: ChartTitle::new(
            format!("{}: predicted vs actual savings by agency", st.scenario.id),
            format!(
                "PV savings over {} years, £ in {} prices; actual outcomes counted in {years}; both modelled",
                st.scenario.horizon,
                fy_label(st.scenario.price_base)
            ),
        )
        .with_footnote("The second bar re-runs the model on the counted outcomes. Not proof of cause: no counterfactual."),
        agencies,
        series: Realisation::SERIES.map(String::from),
        stem: "predicted-vs-actual",
    }
}

/// `<scenario>-predicted-vs-actual.png` for every scenario with actual outcomes.
pub fn render_all(track: &Track, size: Size) -> Result<Vec<(String, Vec<u8>)>> {
    let palette = Palette::new(track.place.agencies.iter().map(|a| a.id.clone()));
    let mut out = Vec::new();
    for st in &track.scenarios {
        if st.actuals.is_empty() {
            continue;
        }
        let chart = realisation(track, st);
        out.push((
            format!("{}-predicted-vs-actual.png", st.scenario.id),
            charts::render_png(&chart, &palette, size)?,
        ));
    }
    Ok(out)
}
