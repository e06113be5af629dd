//! Scenario comparison: NPV per scenario, the system bar first and (when given) one bar per
//! agency beside it; FROI under each scenario's name.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::draw::{
    frame, headroom, money_label, y_money_axis, Axis, Canvas, Font, LegendItem, Rect, Swatch, INK,
    MUTED,
};
use super::{AgencyValue, Chart, ChartTitle, Palette, SYSTEM_COLOUR};

/// One scenario's results (pounds).
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioResult {
    pub name: String,
    /// System NPV.
    pub npv: f64,
    /// System FROI (PV fiscal benefits ÷ PV costs); `None` when costs are zero.
    pub froi: Option<f64>,
    /// NPV by agency; empty draws the system bar only.
    pub by_agency: Vec<AgencyValue>,
}

/// NPV by scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioComparison {
    pub title: ChartTitle,
    pub scenarios: Vec<ScenarioResult>,
}

impl Chart for ScenarioComparison {
    fn file_stem(&self) -> &'static str {
        "scenario-comparison"
    }
    fn title(&self) -> &ChartTitle {
        &self.title
    }
    fn draw_on<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        palette: &Palette,
    ) -> Result<(), String> {
        let c = Canvas::new(area);
        let ids = palette.order(
            self.scenarios
                .iter()
                .flat_map(|s| s.by_agency.iter())
                .filter(|v| v.value.is_finite())
                .map(|v| v.agency.as_str()),
        );
        let mut legend = vec![LegendItem::new("System NPV", Swatch::Fill(SYSTEM_COLOUR))];
        for a in &ids {
            legend.push(LegendItem::new(*a, Swatch::Fill(palette.colour(a))));
        }
        let plot = frame(&c, &self.title, &legend)?;
        let any_froi = self
            .scenarios
            .iter()
            .any(|s| s.froi.is_some_and(f64::is_finite));
        let bottom = c.t(if any_froi { 100.0 } else { 74.0 });
        let plot = Rect::new(
            plot.x0 + c.t(100.0),
            plot.y0 + c.s(24.0),
            plot.x1,
            plot.y1 - bottom,
        );
        let mut vals = vec![0.0];
        for s in &self.scenarios {
            vals.extend([s.npv].into_iter().filter(|v| v.is_finite()));
            vals.extend(
                s.by_agency
                    .iter()
                    .map(|v| v.value)
                    .filter(|v| v.is_finite()),
            );
        }
        headroom(&mut vals, 0.06);
        let axis = Axis::covering(&vals, true, plot.y1, plot.y0 + c.s(10.0), 6);
        y_money_axis(&c, &axis, plot)?;
        let n = self.scenarios.len();
        if n == 0 {
            c.text(
                "No scenarios to show",
                ((plot.x0 + plot.x1) / 2, (plot.y0 + plot.y1) / 2),
                c.font(26.0),
                MUTED,
                HPos::Center,
                VPos::Center,
            )?;
            return Ok(());
        }
        let per = 1 + ids.len();
        let group = plot.w() as f64 / n as f64;
        let bar_w = ((group * 0.8) / per as f64).min(c.s(120.0) as f64).max(1.0) as i32;
        let zero = axis.px(0.0);
        let label_f = c.font(22.0);
        let value_f = c.font(if n * per <= 8 { 20.0 } else { 17.0 });
        // Agency bars get value labels only when every one fits over its bar with a gap; the
        // system bar is labelled whenever its label fits.
        let label_all = self
            .scenarios
            .iter()
            .flat_map(|s| s.by_agency.iter().map(|v| v.value))
            .filter(|v| v.is_finite())
            .all(|v| c.text_width(&money_label(v), value_f) <= bar_w - c.s(6.0));
        for (i, s) in self.scenarios.iter().enumerate() {
            let centre = plot.x0 + (group * (i as f64 + 0.5)).round() as i32;
            let left = centre - bar_w * per as i32 / 2;
            let mut bars: Vec<(f64, RGBColor, bool)> = vec![(s.npv, SYSTEM_COLOUR, true)];
            for a in &ids {
                let v = s
                    .by_agency
                    .iter()
                    .filter(|v| v.agency == *a)
                    .map(|v| v.value)
                    .find(|v| v.is_finite());
                bars.push((v.unwrap_or(f64::NAN), palette.colour(a), false));
            }
            for (k, (v, col, system)) in bars.into_iter().enumerate() {
                if !v.is_finite() {
                    continue;
                }
                let xa = left + k as i32 * bar_w;
                c.bar(Rect::new(xa + 1, zero, xa + bar_w - 1, axis.px(v)), col)?;
                let lab = money_label(v);
                let f = Font {
                    bold: system,
                    ..value_f
                };
                // With no agency labels beside it the system label may overhang its bar.
                let room = if label_all {
                    bar_w - c.s(6.0)
                } else {
                    bar_w + c.s(40.0)
                };
                let fits = c.text_width(&lab, f) <= room;
                if (system && fits) || (!system && label_all) {
                    let y = axis.px(v);
                    let (y, vp) = if v >= 0.0 {
                        (y - c.s(8.0), VPos::Bottom)
                    } else {
                        (y + c.s(8.0), VPos::Top)
                    };
                    c.text(&lab, (xa + bar_w / 2, y), f, INK, HPos::Center, vp)?;
                }
            }
            let lines = c.wrap(
                &s.name,
                c.bold(22.0),
                (group as i32 - c.s(12.0)).max(c.s(40.0)),
                2,
            );
            let mut y = plot.y1 + c.t(16.0);
            for line in &lines {
                c.text(
                    line,
                    (centre, y),
                    c.bold(22.0),
                    INK,
                    HPos::Center,
                    VPos::Top,
                )?;
                y += c.t(28.0);
            }
            if let Some(f) = s.froi.filter(|f| f.is_finite()) {
                c.text(
                    &format!("FROI {f:.2}"),
                    (centre, y),
                    label_f,
                    MUTED,
                    HPos::Center,
                    VPos::Top,
                )?;
            }
        }
        Ok(())
    }
}
