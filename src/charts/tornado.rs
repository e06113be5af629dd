//! Tornado: for each input, the result with the input at its low and at its high value, as
//! bars swinging from the base result, ranked by swing (widest at the top).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::draw::{
    frame, money_label, x_money_axis, Axis, Canvas, LegendItem, Rect, Swatch, INK, MUTED,
};
use super::{Chart, ChartTitle, Palette};

/// Input at its low value: dark blue. At its high value: light orange. Far apart in greyscale.
const LOW: RGBColor = RGBColor(0x1f, 0x4e, 0x79);
const HIGH: RGBColor = RGBColor(0xf4, 0xb1, 0x83);

/// Most bars drawn; the rest are counted in a note.
const MAX_BARS: usize = 15;

/// One input's swing (results in pounds).
#[derive(Debug, Clone, PartialEq)]
pub struct TornadoBar {
    /// The input, e.g. "Deadweight".
    pub label: String,
    /// Result with the input at its low value.
    pub low: f64,
    /// Result with the input at its high value.
    pub high: f64,
    /// The input's low and high values as text, e.g. "10%" and "30%"; empty to omit.
    pub low_input: String,
    pub high_input: String,
}

/// Tornado chart around a base result.
#[derive(Debug, Clone, PartialEq)]
pub struct Tornado {
    pub title: ChartTitle,
    /// What the bars measure, e.g. "System NPV".
    pub measure: String,
    pub base: f64,
    pub bars: Vec<TornadoBar>,
}

impl Chart for Tornado {
    fn file_stem(&self) -> &'static str {
        "tornado"
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
        let legend = [
            LegendItem::new("Input at its low value", Swatch::Fill(LOW)),
            LegendItem::new("Input at its high value", Swatch::Fill(HIGH)),
        ];
        let plot = frame(&c, &self.title, &legend)?;
        let base = if self.base.is_finite() {
            self.base
        } else {
            0.0
        };
        let mut bars: Vec<&TornadoBar> = self
            .bars
            .iter()
            .filter(|b| b.low.is_finite() || b.high.is_finite())
            .collect();
        let swing = |b: &TornadoBar| {
            let lo = if b.low.is_finite() { b.low } else { base };
            let hi = if b.high.is_finite() { b.high } else { base };
            (hi - lo)
                .abs()
                .max((hi - base).abs())
                .max((lo - base).abs())
        };
        // Stable sort: equal swings keep the caller's order.
        bars.sort_by(|a, b| swing(b).total_cmp(&swing(a)));
        let hidden = bars.len().saturating_sub(MAX_BARS);
        bars.truncate(MAX_BARS);

        let label_f = c.font(22.0);
        let widest = bars
            .iter()
            .map(|b| c.text_width(&b.label, label_f))
            .max()
            .unwrap_or(0);
        let label_w = widest.min(plot.w() * 28 / 100).max(c.s(80.0));
        let value_f = c.font(19.0);
        let end_w = c.t(170.0);
        let top_pad = c.t(50.0);
        let plot = Rect::new(
            plot.x0 + label_w + c.s(16.0) + end_w,
            plot.y0 + top_pad,
            plot.x1 - end_w,
            plot.y1 - c.t(44.0) - if hidden > 0 { c.t(30.0) } else { 0 },
        );
        let mut vals = vec![base];
        for b in &bars {
            vals.extend([b.low, b.high].into_iter().filter(|v| v.is_finite()));
        }
        let axis = Axis::covering(&vals, false, plot.x0, plot.x1, 6);
        x_money_axis(&c, &axis, plot, c.s(40.0))?;
        let bx = axis.px(base);
        if bars.is_empty() {
            c.empty_note(plot, "No sensitivities to show")?;
        }
        let band = plot.h() as f64 / bars.len().max(1) as f64;
        let bar_h = (band * 0.62).min(c.s(64.0) as f64).max(2.0) as i32;
        for (i, b) in bars.iter().enumerate() {
            let mid = plot.y0 + (band * (i as f64 + 0.5)).round() as i32;
            // The label wraps onto as many lines (up to three) as the row has room for, so
            // an outcome's name is read, not cut off.
            let line_h = c.t(27.0);
            let room = ((band as i32) / line_h.max(1)).clamp(1, 3) as usize;
            let lines = c.wrap(&b.label, label_f, label_w, room);
            let first = mid - line_h * (lines.len() as i32 - 1) / 2;
            for (k, line) in lines.iter().enumerate() {
                c.text(
                    line,
                    (plot.x0 - end_w - c.s(16.0), first + line_h * k as i32),
                    label_f,
                    INK,
                    HPos::Right,
                    VPos::Center,
                )?;
            }
            // Low bar on its own half height above, high bar below, so overlapping swings
            // (both on one side of the base) both stay visible.
            let parts = [
                (b.low, &b.low_input, LOW, mid - bar_h / 2, mid),
                (b.high, &b.high_input, HIGH, mid, mid + bar_h / 2),
            ];
            for (v, input, col, y0, y1) in parts {
                if !v.is_finite() {
                    continue;
                }
                let x = axis.px(v);
                c.bar(Rect::new(bx, y0, x, y1), col)?;
                let mut text = money_label(v);
                if !input.trim().is_empty() {
                    text = format!("{text} ({})", input.trim());
                }
                let text = c.fit(&text, value_f, end_w - c.s(8.0));
                let (tx, h) = if v >= base {
                    (x.max(bx) + c.s(8.0), HPos::Left)
                } else {
                    (x.min(bx) - c.s(8.0), HPos::Right)
                };
                c.text(&text, (tx, (y0 + y1) / 2), value_f, INK, h, VPos::Center)?;
            }
        }
        // Base line over the bars, labelled at the top.
        c.line(&[(bx, plot.y0 - c.s(10.0)), (bx, plot.y1)], INK, c.s(3.0))?;
        let measure = if self.measure.trim().is_empty() {
            "Base"
        } else {
            self.measure.trim()
        };
        let base_text = format!("Base {measure}: {}", money_label(base));
        let room = 2 * (bx - c.s(10.0)).min(c.w - bx - c.s(10.0));
        let base_text = c.fit(&base_text, c.bold(21.0), room.max(c.s(40.0)));
        c.text_on_white(
            &base_text,
            (bx, plot.y0 - c.t(28.0)),
            c.bold(21.0),
            INK,
            HPos::Center,
            VPos::Center,
        )?;
        if hidden > 0 {
            c.text(
                &format!("{hidden} smaller swings not shown"),
                (plot.x0, plot.y1 + c.t(64.0)),
                c.font(19.0),
                MUTED,
                HPos::Left,
                VPos::Top,
            )?;
        }
        Ok(())
    }
}
