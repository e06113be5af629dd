//! Who pays vs who gains: per agency, cost against cashable and non-cashable benefit.
//!
//! Bars are told apart by treatment, not hue, so they survive greyscale: cost is cross-hatched
//! in dark grey, cashable benefit is solid in the agency's colour, non-cashable is hatched in
//! it. The three always sit in that order within an agency's group.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::draw::{
    frame, headroom, money_label, y_money_axis, Axis, Canvas, LegendItem, Rect, Swatch, INK, MUTED,
};
use super::{Chart, ChartTitle, Palette};

/// Cost colour: dark grey, whatever the agency.
const COST: RGBColor = RGBColor(0x4d, 0x4d, 0x4d);

/// One agency's present values (pounds).
#[derive(Debug, Clone, PartialEq)]
pub struct AgencyFlows {
    pub agency: String,
    pub cost: f64,
    pub cashable: f64,
    pub non_cashable: f64,
}

/// Who pays vs who gains. Put the wrong-pocket index in `title.subtitle`.
#[derive(Debug, Clone, PartialEq)]
pub struct WhoPaysWhoGains {
    pub title: ChartTitle,
    pub agencies: Vec<AgencyFlows>,
}

impl Chart for WhoPaysWhoGains {
    fn file_stem(&self) -> &'static str {
        "who-pays-who-gains"
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
            LegendItem::new("Cost", Swatch::CrossHatch(COST)),
            LegendItem::new(
                "Cashable benefit (agency colour)",
                Swatch::Fill(RGBColor(0x80, 0x80, 0x80)),
            ),
            LegendItem::new(
                "Non-cashable benefit",
                Swatch::Hatch(RGBColor(0x60, 0x60, 0x60)),
            ),
        ];
        let plot = frame(&c, &self.title, &legend)?;
        let mut rows: Vec<&AgencyFlows> = self.agencies.iter().collect();
        rows.sort_by_key(|a| palette.index(&a.agency).unwrap_or(usize::MAX));

        let mut vals = vec![0.0];
        for a in &rows {
            for v in [a.cost, a.cashable, a.non_cashable] {
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
        let bar_w = ((group * 0.88) / 3.0).min(c.s(110.0) as f64).max(1.0) as i32;
        let zero = axis.px(0.0);
        // Value labels only when every one fits over its bar with a gap, at the first size
        // that works: all or none, never a jumble.
        let values: Vec<f64> = rows
            .iter()
            .flat_map(|a| [a.cost, a.cashable, a.non_cashable])
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
            let left = centre - bar_w * 3 / 2;
            let bars = [(a.cost, 0), (a.cashable, 1), (a.non_cashable, 2)];
            for (v, k) in bars {
                let xa = left + k * bar_w;
                let r = Rect::new(
                    xa + 1,
                    zero,
                    xa + bar_w - 1,
                    if v.is_finite() { axis.px(v) } else { zero },
                );
                match k {
                    0 => c.hatched_bar(r, COST, true)?,
                    1 => c.bar(r, col)?,
                    _ => c.hatched_bar(r, col, false)?,
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
                left + 3 * bar_w,
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
