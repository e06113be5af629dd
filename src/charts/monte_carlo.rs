//! Monte Carlo distribution of NPV: one histogram panel per agency plus the system (small
//! multiples, each on its own scale), with P5, P50 and P95 marked and the chance of a loss.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::draw::{
    finite, frame, money_label, x_money_axis, Axis, Canvas, LegendItem, Rect, Swatch, INK, MUTED,
};
use super::{Chart, ChartTitle, Palette, SYSTEM_COLOUR};

/// The three marked percentiles (pounds).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Percentiles {
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
}

impl Percentiles {
    /// Nearest-rank percentiles of the finite samples; `None` when there are none.
    pub fn of(samples: &[f64]) -> Option<Percentiles> {
        let mut v = finite(samples.iter().copied());
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let rank = |p: f64| {
            let k = (p / 100.0 * v.len() as f64).ceil() as usize;
            v[k.clamp(1, v.len()) - 1]
        };
        Some(Percentiles {
            p5: rank(5.0),
            p50: rank(50.0),
            p95: rank(95.0),
        })
    }
}

/// One panel: the NPV samples for an agency or the system.
#[derive(Debug, Clone, PartialEq)]
pub struct NpvDistribution {
    /// Panel heading, e.g. "System" or "Police".
    pub label: String,
    /// Agency id for the colour; `None` for the system.
    pub agency: Option<String>,
    pub samples: Vec<f64>,
    /// The simulation's own percentiles; `None` computes nearest-rank ones from `samples`.
    pub percentiles: Option<Percentiles>,
}

/// NPV distributions as small multiples. Panels keep the order given (put the system first).
#[derive(Debug, Clone, PartialEq)]
pub struct MonteCarlo {
    pub title: ChartTitle,
    pub panels: Vec<NpvDistribution>,
}

const BINS: usize = 30;

impl Chart for MonteCarlo {
    fn file_stem(&self) -> &'static str {
        "monte-carlo-npv"
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
            LegendItem::new("P50 (median)", Swatch::Line(INK, false, None)),
            LegendItem::new(
                "P5 and P95: 90% of runs fall between",
                Swatch::Line(INK, true, None),
            ),
        ];
        let plot = frame(&c, &self.title, &legend)?;
        let n = self.panels.len();
        if n == 0 {
            c.empty_note(plot, "No simulation results to show")?;
            return Ok(());
        }
        let (rows, cols) = match n {
            1 => (1, 1),
            2 => (1, 2),
            3 => (1, 3),
            4 => (2, 2),
            5 | 6 => (2, 3),
            7 | 8 => (2, 4),
            9 => (3, 3),
            10..=12 => (3, 4),
            _ => {
                let cols = (n as f64).sqrt().ceil() as usize + 1;
                (n.div_ceil(cols), cols)
            }
        };
        let cell_w = plot.w() / cols as i32;
        let cell_h = plot.h() / rows as i32;
        // Text shrinks a little with many panels.
        let t = if rows * cols > 4 { 0.85 } else { 1.0 };
        for (i, p) in self.panels.iter().enumerate() {
            let (r, col) = ((i / cols) as i32, (i % cols) as i32);
            let cell = Rect::new(
                plot.x0 + col * cell_w,
                plot.y0 + r * cell_h,
                plot.x0 + (col + 1) * cell_w,
                plot.y0 + (r + 1) * cell_h,
            );
            let colour = match &p.agency {
                Some(a) => palette.colour(a),
                None => SYSTEM_COLOUR,
            };
            panel(&c, p, cell, colour, t)?;
        }
        Ok(())
    }
}

fn panel<DB: DrawingBackend>(
    c: &Canvas<DB>,
    p: &NpvDistribution,
    cell: Rect,
    colour: RGBColor,
    t: f64,
) -> Result<(), String> {
    let samples = finite(p.samples.iter().copied());
    let head_f = c.bold(23.0 * t);
    let note_f = c.font(19.0 * t);
    let gap = c.s(22.0);
    let inner = Rect::new(
        cell.x0 + gap,
        cell.y0 + c.s(8.0),
        cell.x1 - gap,
        cell.y1 - c.s(14.0),
    );
    let loss = if samples.is_empty() {
        String::new()
    } else {
        let below = samples.iter().filter(|v| **v < 0.0).count();
        format!(
            "{}% of runs below £0",
            (100.0 * below as f64 / samples.len() as f64).round()
        )
    };
    let head = c.fit(&p.label, head_f, inner.w() * 55 / 100);
    c.text(
        &head,
        (inner.x0, inner.y0),
        head_f,
        INK,
        HPos::Left,
        VPos::Top,
    )?;
    let loss = c.fit(
        &loss,
        note_f,
        inner.w() - c.text_width(&head, head_f) - c.s(12.0),
    );
    c.text(
        &loss,
        (inner.x1, inner.y0 + c.s(2.0)),
        note_f,
        MUTED,
        HPos::Right,
        VPos::Top,
    )?;
    let plot = Rect::new(
        inner.x0,
        inner.y0 + c.t(76.0 * t),
        inner.x1,
        inner.y1 - c.t(40.0 * t),
    );
    if samples.is_empty() || plot.h() < c.s(20.0) {
        c.text(
            "No finite samples",
            ((plot.x0 + plot.x1) / 2, (plot.y0 + plot.y1) / 2),
            note_f,
            MUTED,
            HPos::Center,
            VPos::Center,
        )?;
        return Ok(());
    }
    let pct = p.percentiles.or_else(|| Percentiles::of(&samples));
    let lo = samples.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = samples.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut extent = vec![lo, hi];
    if let Some(q) = pct {
        extent.extend(finite([q.p5, q.p50, q.p95]));
    }
    let axis = Axis::covering(
        &extent,
        false,
        plot.x0,
        plot.x1,
        if t < 1.0 { 4 } else { 5 },
    );
    x_money_axis(c, &axis, plot, c.s(4.0))?;

    // Histogram over the axis range.
    let (a0, a1) = (axis.v0, axis.v1);
    let width = (a1 - a0) / BINS as f64;
    let mut counts = [0usize; BINS];
    for v in &samples {
        let k = (((v - a0) / width).floor() as i64).clamp(0, BINS as i64 - 1) as usize;
        counts[k] += 1;
    }
    let max = counts.iter().copied().max().unwrap_or(1).max(1) as f64;
    for (k, n) in counts.iter().enumerate() {
        if *n == 0 {
            continue;
        }
        let xa = axis.px(a0 + k as f64 * width);
        let xb = axis.px(a0 + (k + 1) as f64 * width);
        let h = ((plot.h() as f64) * 0.92 * *n as f64 / max)
            .round()
            .max(1.0) as i32;
        c.bar(Rect::new(xa, plot.y1 - h, xb, plot.y1), colour)?;
    }
    c.line(&[(plot.x0, plot.y1), (plot.x1, plot.y1)], INK, c.s(2.0))?;

    // Percentile marks: a white-edged line so it shows over dark bars, labels above the plot.
    if let Some(q) = pct {
        let lf = c.font(18.0 * t);
        let row1 = plot.y0 - c.t(44.0 * t);
        let row2 = plot.y0 - c.t(18.0 * t);
        let marks = [
            ("P5", q.p5, true, row2, HPos::Right),
            ("P50", q.p50, false, row1, HPos::Center),
            ("P95", q.p95, true, row2, HPos::Left),
        ];
        for (name, v, dashed, row, h) in marks {
            if !v.is_finite() {
                continue;
            }
            let x = axis.px(v);
            let pts = [(x, row + c.s(8.0)), (x, plot.y1)];
            c.line(&pts, WHITE, c.s(7.0))?;
            if dashed {
                c.dashed(&pts, INK, c.s(3.0))?;
            } else {
                c.line(&pts, INK, c.s(4.0))?;
            }
            let label = format!("{name} {}", money_label(v));
            // Keep labels inside the panel: flip sides near an edge.
            let w = c.text_width(&label, lf);
            let h = match h {
                HPos::Right if x - c.s(4.0) - w < cell.x0 => HPos::Left,
                HPos::Left if x + c.s(4.0) + w > cell.x1 => HPos::Right,
                HPos::Center if x - w / 2 < cell.x0 => HPos::Left,
                HPos::Center if x + w / 2 > cell.x1 => HPos::Right,
                other => other,
            };
            let lx = match h {
                HPos::Right => x - c.s(4.0),
                HPos::Left => x + c.s(4.0),
                HPos::Center => x,
            };
            c.text_on_white(&label, (lx, row), lf, INK, h, VPos::Center)?;
        }
    }
    Ok(())
}
