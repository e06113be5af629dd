//! Benefits realisation: per agency, the saving predicted for the tracked years beside the
//! saving on the actual outcomes (both modelled by the same engine; `totalplace track`).
//!
//! Told apart by treatment, not hue: predicted is hatched in the agency's colour, on actuals
//! is solid in it, always in that order within an agency's group.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::draw::{
    frame, headroom, money_label, y_money_axis, Axis, Canvas, LegendItem, Rect, Swatch, INK, MUTED,
};
use super::{Chart, ChartTitle, Palette};

/// One agency's savings over the tracked years (pounds).
#[derive(Debug, Clone, PartialEq)]
pub struct AgencyRealisation {
    pub agency: String,
    pub predicted: f64,
    pub actual: f64,
}

/// Two figures per agency: predicted vs actual-outcome-based savings (`totalplace track`), or
/// spend today vs spend after a scenario's change (the pack's "count to change" view).
#[derive(Debug, Clone, PartialEq)]
pub struct Realisation {
    pub title: ChartTitle,
    pub agencies: Vec<AgencyRealisation>,
    /// Legend labels of the hatched (first) and solid (second) bar.
    pub series: [String; 2],
    pub stem: &'static str,
}

impl Realisation {
    pub const SERIES: [&'static str; 2] =
        ["Saving predicted (hatched)", "Saving on actual outcomes"];
}

impl Chart for Realisation {
    fn file_stem(&self) -> &'static str {
        self.stem
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
        let legend = [
            LegendItem::new(
                self.series[0].clone(),
                Swatch::Hatch(RGBColor(0x60, 0x60, 0x60)),
            ),
            LegendItem::new(
                self.series[1].clone(),
                Swatch::Fill(RGBColor(0x80, 0x80, 0x80)),
            ),
        ];
        let plot = frame(&c, &self.title, &legend)?;
        let mut rows: Vec<&AgencyRealisation> = self.agencies.iter().collect();
        rows.sort_by_key(|a| palette.index(&a.agency).unwrap_or(usize::MAX));

        let mut vals = vec![0.0];
        for a in &rows {
            for v in [a.predicted, a.actual] {
                if v.is_finite() {
                    vals.push(v);
                }
            }
        }
        let label_f = c.font(22.0);
        let plot = Rect::new(
            plot.x0 + c.t(100.0),
            plot.y0 + c.s(16.0),
            plot.x1,
            plot.y1 - c.t(84.0),
        );
        headroom(&mut vals, 0.06);
        let axis = Axis::covering(&vals, true, plot.y1, plot.y0 + c.s(10.0), 6);
        y_money_axis(&c, &axis, plot)?;
        if rows.is_empty() {
            c.text(
                "No agencies to show",
                ((plot.x0 + plot.x1) / 2, (plot.y0 + plot.y1) / 2),
                c.font(26.0),
                MUTED,
                HPos::Center,
                VPos::Center,
            )?;
            return Ok(());
        }
        let n = rows.len();
        let group = plot.w() as f64 / n as f64;
        let bar_w = ((group * 0.8) / 2.0).min(c.s(110.0) as f64).max(1.0) as i32;
        let zero = axis.px(0.0);
        // Value labels only when every one fits over its bar with a gap, at the first size
        // that works: all or none, never a jumble.
        let values: Vec<f64> = rows
            .iter()
            .flat_map(|a| [a.predicted, a.actual])
            .filter(|v| v.is_finite())
            .collect();
        let value_f = [20.0, 17.0, 15.5]
            .into_iter()
            .map(|px| c.font(px))
            .find(|f| {
                values
                    .iter()
                    .all(|v| c.text_width(&money_label(*v), *f) <= bar_w - c.s(6.0))
            });
        let labels = value_f.is_some();
        let value_f = value_f.unwrap_or(c.font(15.5));
        for (i, a) in rows.iter().enumerate() {
            let centre = plot.x0 + (group * (i as f64 + 0.5)).round() as i32;
            let col = palette.colour(&a.agency);
            let left = centre - bar_w;
            let bars = [(a.predicted, 0), (a.actual, 1)];
            for (v, k) in bars {
                let xa = left + k * bar_w;
                let r = Rect::new(
                    xa + 1,
                    zero,
                    xa + bar_w - 1,
                    if v.is_finite() { axis.px(v) } else { zero },
                );
                match k {
                    0 => c.hatched_bar(r, col, false)?,
                    _ => c.bar(r, col)?,
                }
                let lab = money_label(v);
                if labels && v.is_finite() {
                    let y = axis.px(v);
                    let (y, vp) = if v >= 0.0 {
                        (y - c.s(8.0), VPos::Bottom)
                    } else {
                        (y + c.s(8.0), VPos::Top)
                    };
                    c.text(&lab, (xa + bar_w / 2, y), value_f, INK, HPos::Center, vp)?;
                }
            }
            // Agency key under the group: colour strip and name.
            let strip = Rect::new(
                left,
                plot.y1 + c.s(10.0),
                left + 2 * bar_w,
                plot.y1 + c.s(20.0),
            );
            c.bar(strip, col)?;
            let lines = c.wrap(
                &a.agency,
                label_f,
                (group as i32 - c.s(12.0)).max(c.s(40.0)),
                2,
            );
            for (j, line) in lines.iter().enumerate() {
                c.text(
                    line,
                    (centre, plot.y1 + c.t(34.0) + j as i32 * c.t(28.0)),
                    label_f,
                    INK,
                    HPos::Center,
                    VPos::Top,
                )?;
            }
        }
        Ok(())
    }
}
