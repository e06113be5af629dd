//! Scenario comparison, redesigned for issue 12: one band per scenario, its full name (wrapped,
//! never cut) and its basis (horizon, start year, return per £1) on the left; two horizontal
//! bars, the system NPV and the NPV per year of the horizon (the like basis for scenarios of
//! different lengths), each with its value written at its end. Partners' NPVs are not drawn
//! here (each scenario's who-pays chart and the table beside this chart show them), so no
//! scenario reserves empty slots for parties it does not touch and no two parties share a
//! swatch.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::draw::{
    frame, money_label, x_money_axis, Axis, Canvas, LegendItem, Rect, Swatch, INK, MUTED,
};
use super::{Chart, ChartTitle, Palette, SYSTEM_COLOUR};

/// The colour of the NPV-per-year bar: a lighter slate, distinct from the system black in
/// greyscale too.
pub const PER_YEAR_COLOUR: RGBColor = RGBColor(118, 140, 166);

/// One scenario's results (pounds).
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioResult {
    /// The scenario's name, drawn in full (wrapped onto up to three lines).
    pub name: String,
    /// System NPV.
    pub npv: f64,
    /// System NPV ÷ horizon in years: the like basis for scenarios of different lengths.
    pub npv_per_year: f64,
    /// System FROI (PV fiscal benefits ÷ PV costs); `None` when costs are zero.
    pub froi: Option<f64>,
    /// The scenario's basis, e.g. "5 years from 2025-26".
    pub basis: String,
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
        _palette: &Palette,
    ) -> Result<(), String> {
        let c = Canvas::new(area);
        let legend = vec![
            LegendItem::new(
                "System NPV over the scenario's horizon",
                Swatch::Fill(SYSTEM_COLOUR),
            ),
            LegendItem::new(
                "NPV per year of horizon (like basis)",
                Swatch::Fill(PER_YEAR_COLOUR),
            ),
        ];
        let plot = frame(&c, &self.title, &legend)?;
        let n = self.scenarios.len();
        if n == 0 {
            c.empty_note(plot, "No scenarios to show")?;
            return Ok(());
        }
        let label_w = (plot.w() as f64 * 0.34) as i32;
        let value_room = c.s(150.0);
        let bars = Rect::new(
            plot.x0 + label_w + c.s(20.0),
            plot.y0 + c.s(6.0),
            plot.x1 - value_room,
            plot.y1 - c.t(44.0),
        );
        let mut vals = vec![0.0];
        for s in &self.scenarios {
            vals.extend(
                [s.npv, s.npv_per_year]
                    .into_iter()
                    .filter(|v| v.is_finite()),
            );
        }
        let axis = Axis::covering(&vals, true, bars.x0, bars.x1, 6);
        x_money_axis(&c, &axis, bars, 0)?;
        let band = bars.h() as f64 / n as f64;
        let zero = axis.px(0.0);
        let name_f = c.bold(21.0);
        let basis_f = c.font(18.0);
        let value_f = c.font(19.0);
        for (i, s) in self.scenarios.iter().enumerate() {
            let top = bars.y0 + (band * i as f64).round() as i32;
            let mid = top + (band / 2.0).round() as i32;
            // Left: the name in full (up to three lines), then its basis.
            let lines = c.wrap(&s.name, name_f, label_w, 3);
            let line_h = c.t(26.0);
            let block = line_h * lines.len() as i32 + c.t(24.0);
            let mut y = mid - block / 2;
            for line in &lines {
                c.text(line, (plot.x0, y), name_f, INK, HPos::Left, VPos::Top)?;
                y += line_h;
            }
            let mut basis = s.basis.clone();
            if let Some(f) = s.froi.filter(|f| f.is_finite()) {
                basis += &format!(" · £{f:.2} per £1");
            }
            c.text(
                &c.fit(&basis, basis_f, label_w),
                (plot.x0, y),
                basis_f,
                MUTED,
                HPos::Left,
                VPos::Top,
            )?;
            // Right: the two bars with their values.
            let bar_h = ((band * 0.30) as i32).clamp(c.s(8.0), c.s(44.0));
            let gap = c.s(4.0);
            for (k, (v, col, suffix)) in [
                (s.npv, SYSTEM_COLOUR, ""),
                (s.npv_per_year, PER_YEAR_COLOUR, " a year"),
            ]
            .into_iter()
            .enumerate()
            {
                if !v.is_finite() {
                    continue;
                }
                let y0 = mid - bar_h - gap / 2 + k as i32 * (bar_h + gap);
                let x = axis.px(v);
                c.bar(Rect::new(zero.min(x), y0, zero.max(x), y0 + bar_h), col)?;
                let lab = format!("{}{suffix}", money_label(v));
                let f = if k == 0 { c.bold(19.0) } else { value_f };
                let (tx, hp) = if v >= 0.0 {
                    (zero.max(x) + c.s(8.0), HPos::Left)
                } else {
                    (zero.min(x) - c.s(8.0), HPos::Right)
                };
                c.text(&lab, (tx, y0 + bar_h / 2), f, INK, hp, VPos::Center)?;
            }
            if i + 1 < n {
                let y = top + band.round() as i32;
                c.line(
                    &[(plot.x0, y), (plot.x1, y)],
                    RGBColor(215, 215, 215),
                    c.s(1.0),
                )?;
            }
        }
        Ok(())
    }
}
