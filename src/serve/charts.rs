//! The workbench's two live charts, drawn as SVG by the chart code the board papers use
//! ([`crate::charts`]): who pays and who gains, and the cumulative cashflow. Only the mapping
//! of results to chart data is here (as `report::figures` maps them), no figures are computed.

use rust_decimal::Decimal;

use crate::charts::{
    render_svg, AgencyCashflow, AgencyFlows, Cashflow, ChartTitle, Palette, Payback, Size,
    WhoPaysWhoGains,
};
use crate::error::Result;
use crate::money::round_half_up;
use crate::report::figures::{f, units_line};
use crate::scenario::{self, Results, ValidatedScenario};

fn active(r: &Results) -> impl Iterator<Item = &scenario::engine::PartyResult> {
    r.parties
        .iter()
        .filter(|p| !matches!(p.summary.payback, Some(scenario::Payback::NoFlows)))
}

/// Who pays and who gains: each partner's PV cost, cashable and non-cashable benefit.
pub fn who_pays(
    palette: &Palette,
    place: &str,
    sc: &ValidatedScenario,
    r: &Results,
    size: Size,
) -> Result<String> {
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
        ),
        agencies: active(r)
            .filter(|p| !(p.summary.pv_costs.is_zero() && p.summary.pv_benefits.is_zero()))
            .map(|p| AgencyFlows {
                agency: p.id.clone(),
                cost: f(p.summary.pv_costs),
                cashable: f(p.summary.pv_cashable),
                non_cashable: f(p.summary.pv_non_cashable),
            })
            .collect(),
    };
    render_svg(&chart, palette, size)
}

fn payback_at(p: Option<scenario::Payback>) -> Option<Payback> {
    match p? {
        // Points sit at the end of each year; a payback of y years falls at y − 1 on the axis.
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

/// Cumulative discounted net by year, the system and each partner after transfers.
pub fn cashflow(
    palette: &Palette,
    place: &str,
    sc: &ValidatedScenario,
    r: &Results,
    size: Size,
) -> Result<String> {
    let chart = Cashflow {
        title: ChartTitle::new(
            format!("Cumulative net cashflow: {}", sc.name),
            format!(
                "{place}. Cumulative discounted net (benefits − costs + transfers), {}",
                units_line(sc)
            ),
        ),
        years: (0..sc.horizon).map(|t| sc.year_label(t)).collect(),
        system: r
            .system_yearly
            .iter()
            .map(|y| f(y.cumulative_pv_net))
            .collect(),
        system_payback: payback_at(r.system.payback),
        agencies: active(r)
            .map(|p| AgencyCashflow {
                agency: p.id.clone(),
                cumulative: p.yearly.iter().map(|y| f(y.cumulative_pv_net)).collect(),
                payback: payback_at(p.summary.payback),
            })
            .collect(),
    };
    render_svg(&chart, palette, size)
}
