//! Cumulative net cashflow by year: the system as a heavy black line, each agency in its
//! colour with its name at the line's end, the payback point marked.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::draw::{
    frame, money_label, y_money_axis, Axis, Canvas, LegendItem, Rect, Swatch, INK, MUTED,
};
use super::{Chart, ChartTitle, Palette, SYSTEM_COLOUR};

/// Where cumulative net turns non-negative.
#[derive(Debug, Clone, PartialEq)]
pub struct Payback {
    /// Position in years on the chart's x axis: 0 is the first year label, 2.4 is 40% of the
    /// way from the third to the fourth.
    pub at: f64,
    /// Text drawn at the mark, e.g. "Payback in year 3 (2027-28), interpolated".
    pub label: String,
}

/// One agency's cumulative net, one value per year.
#[derive(Debug, Clone, PartialEq)]
pub struct AgencyCashflow {
    pub agency: String,
    pub cumulative: Vec<f64>,
    pub payback: Option<Payback>,
}

/// Cumulative net cashflow (pounds), system and per agency.
#[derive(Debug, Clone, PartialEq)]
pub struct Cashflow {
    pub title: ChartTitle,
    /// One label per year, e.g. "2025-26".
    pub years: Vec<String>,
    /// System cumulative net per year.
    pub system: Vec<f64>,
    /// `None` draws "No payback within the horizon".
    pub system_payback: Option<Payback>,
    pub agencies: Vec<AgencyCashflow>,
}

impl Chart for Cashflow {
    fn file_stem(&self) -> &'static str {
        "cashflow"
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
        let mut agencies: Vec<&AgencyCashflow> = self.agencies.iter().collect();
        agencies.sort_by_key(|a| palette.index(&a.agency).unwrap_or(usize::MAX));
        let mut legend = vec![LegendItem::new(
            "System (all agencies)",
            Swatch::Line(SYSTEM_COLOUR, false, Some(0)),
        )];
        for (i, a) in agencies.iter().enumerate() {
            legend.push(LegendItem::new(
                a.agency.clone(),
                Swatch::Line(palette.colour(&a.agency), false, Some(shape(i))),
            ));
        }
        // A legend entry for each kind of payback mark actually drawn, and none for a mark
        // that is not (issue 12: a "Payback" entry with no line, markers with no entry).
        if self
            .system_payback
            .as_ref()
            .is_some_and(|p| p.at.is_finite())
        {
            legend.push(LegendItem::new(
                "System payback (dashed line)",
                Swatch::Line(MUTED, true, None),
            ));
        }
        if let Some(i) = agencies
            .iter()
            .position(|a| a.payback.as_ref().is_some_and(|p| p.at.is_finite()))
        {
            legend.push(LegendItem::new(
                "Partner payback (marker on £0)",
                Swatch::Marker(palette.colour(&agencies[i].agency), shape(i)),
            ));
        }
        let plot = frame(&c, &self.title, &legend)?;

        let n = self.years.len().max(self.system.len()).max(
            agencies
                .iter()
                .map(|a| a.cumulative.len())
                .max()
                .unwrap_or(0),
        );
        let end_f = c.font(20.0);
        let names: Vec<&str> = agencies
            .iter()
            .map(|a| a.agency.as_str())
            .chain(["System"])
            .collect();
        let widest = names
            .iter()
            .map(|s| c.text_width(&format!("{s} -£00.0m"), end_f))
            .max()
            .unwrap_or(0);
        let end_w = widest.min(plot.w() / 5) + c.s(24.0);
        let plot = Rect::new(
            plot.x0 + c.t(100.0),
            plot.y0 + c.s(20.0),
            plot.x1 - end_w,
            plot.y1 - c.t(50.0),
        );

        let mut vals = vec![0.0];
        vals.extend(self.system.iter().copied().filter(|v| v.is_finite()));
        for a in &agencies {
            vals.extend(a.cumulative.iter().copied().filter(|v| v.is_finite()));
        }
        let axis = Axis::covering(&vals, true, plot.y1, plot.y0, 6);
        y_money_axis(&c, &axis, plot)?;
        if n == 0 {
            c.empty_note(plot, "No years to show")?;
            return Ok(());
        }
        let pad = c.s(20.0);
        let span = (n.max(2) - 1) as f64;
        let x_of = |t: f64| plot.x0 + pad + ((plot.w() - 2 * pad) as f64 * t / span).round() as i32;

        // Year labels, thinned to fit.
        let yf = c.font(20.0);
        let widest = self
            .years
            .iter()
            .map(|y| c.text_width(y, yf))
            .max()
            .unwrap_or(0)
            .min(c.s(200.0));
        let slot = if n > 1 {
            x_of(1.0) - x_of(0.0)
        } else {
            plot.w()
        };
        let every = ((widest + c.s(14.0)) / slot.max(1) + 1).max(1) as usize;
        for i in 0..n {
            let x = x_of(i as f64);
            c.line(&[(x, plot.y1), (x, plot.y1 + c.s(8.0))], MUTED, 1)?;
            if i % every == 0 {
                if let Some(y) = self.years.get(i) {
                    let room = (slot * every as i32 - c.s(6.0))
                        .min(2 * (x - c.s(10.0)))
                        .min(2 * (c.w - x - c.s(10.0)));
                    let y = c.fit(y, yf, room);
                    c.text(
                        &y,
                        (x, plot.y1 + c.s(14.0)),
                        yf,
                        MUTED,
                        HPos::Center,
                        VPos::Top,
                    )?;
                }
            }
        }

        // Lines: agencies first, system on top.
        let mut ends: Vec<(i32, String, RGBColor)> = Vec::new();
        for (i, a) in agencies.iter().enumerate() {
            let col = palette.colour(&a.agency);
            if let Some((y, v)) =
                draw_series(&c, &a.cumulative, &x_of, &axis, col, c.s(4.0), shape(i))?
            {
                ends.push((y, format!("{} {}", a.agency, money_label(v)), col));
            }
        }
        if let Some((y, v)) =
            draw_series(&c, &self.system, &x_of, &axis, SYSTEM_COLOUR, c.s(7.0), 0)?
        {
            ends.push((y, format!("System {}", money_label(v)), SYSTEM_COLOUR));
        }
        end_labels(&c, &mut ends, plot.x1 + c.s(12.0), plot, end_w - c.s(16.0))?;

        // Payback marks.
        let zero = axis.px(0.0);
        for (i, a) in agencies.iter().enumerate() {
            if let Some(p) = a.payback.as_ref().filter(|p| p.at.is_finite()) {
                let x = x_of(p.at.clamp(0.0, span));
                let col = palette.colour(&a.agency);
                c.marker(shape(i), (x, zero), c.s(10.0), col)?;
            }
        }
        match self.system_payback.as_ref().filter(|p| p.at.is_finite()) {
            Some(p) => {
                let x = x_of(p.at.clamp(0.0, span));
                c.dashed(&[(x, plot.y0), (x, plot.y1)], MUTED, c.s(3.0))?;
                let r = c.s(12.0);
                c.polygon(
                    &[(x, zero - r), (x + r, zero), (x, zero + r), (x - r, zero)],
                    SYSTEM_COLOUR,
                )?;
                let label = if p.label.trim().is_empty() {
                    "Payback"
                } else {
                    p.label.as_str()
                };
                let f = c.bold(21.0);
                let label = c.fit(label, f, plot.w() / 2);
                let w = c.text_width(&label, f);
                let (lx, h) = if x + c.s(12.0) + w < plot.x1 {
                    (x + c.s(12.0), HPos::Left)
                } else {
                    (x - c.s(12.0), HPos::Right)
                };
                c.text_on_white(&label, (lx, plot.y0 + c.t(18.0)), f, INK, h, VPos::Center)?;
            }
            None => {
                c.text_on_white(
                    "No system payback within the horizon",
                    (plot.x0 + c.t(16.0), plot.y0 + c.t(18.0)),
                    c.bold(21.0),
                    INK,
                    HPos::Left,
                    VPos::Center,
                )?;
            }
        }
        Ok(())
    }
}

/// Draw one series, breaking the line at non-finite values; returns the y of its last point.
fn draw_series<DB: DrawingBackend>(
    c: &Canvas<DB>,
    vals: &[f64],
    x_of: &dyn Fn(f64) -> i32,
    axis: &Axis,
    col: RGBColor,
    width: i32,
    shape: usize,
) -> Result<Option<(i32, f64)>, String> {
    let mut run: Vec<(i32, i32)> = Vec::new();
    let mut last = None;
    for (i, v) in vals.iter().enumerate() {
        if v.is_finite() {
            let p = (x_of(i as f64), axis.px(*v));
            run.push(p);
            last = Some((p.1, *v));
        } else {
            flush(c, &mut run, col, width, shape)?;
        }
    }
    flush(c, &mut run, col, width, shape)?;
    Ok(last)
}

fn flush<DB: DrawingBackend>(
    c: &Canvas<DB>,
    run: &mut Vec<(i32, i32)>,
    col: RGBColor,
    width: i32,
    shape: usize,
) -> Result<(), String> {
    c.line(run, col, width)?;
    for p in run.iter() {
        c.marker(shape, *p, c.s(7.0), col)?;
    }
    run.clear();
    Ok(())
}

/// Marker shape for the chart's i-th agency: the system has the circle, agencies cycle
/// through square, triangle, diamond and inverted triangle.
fn shape(i: usize) -> usize {
    1 + i % 4
}

/// Names at the right-hand end of each line, spread so they do not overlap.
fn end_labels<DB: DrawingBackend>(
    c: &Canvas<DB>,
    ends: &mut [(i32, String, RGBColor)],
    x: i32,
    plot: Rect,
    max_w: i32,
) -> Result<(), String> {
    let f = c.font(20.0);
    let gap = c.t(26.0);
    ends.sort_by_key(|e| e.0);
    let mut ys: Vec<i32> = ends.iter().map(|e| e.0).collect();
    for i in 1..ys.len() {
        if ys[i] < ys[i - 1] + gap {
            ys[i] = ys[i - 1] + gap;
        }
    }
    // Pull back up if pushed past the bottom.
    let bottom = plot.y1 + c.t(40.0);
    if let Some(last) = ys.last().copied() {
        if last > bottom {
            let shift = last - bottom;
            for y in ys.iter_mut() {
                *y -= shift;
            }
            for i in (0..ys.len().saturating_sub(1)).rev() {
                if ys[i] > ys[i + 1] - gap {
                    ys[i] = ys[i + 1] - gap;
                }
            }
        }
    }
    for (e, y) in ends.iter().zip(ys) {
        let label = c.fit(&e.1, f, max_w);
        c.line(&[(x - c.s(10.0), e.0), (x - c.s(2.0), y)], e.2, c.s(2.0))?;
        c.text(
            &label,
            (x, y),
            if e.2 == SYSTEM_COLOUR {
                c.bold(20.0)
            } else {
                f
            },
            INK,
            HPos::Left,
            VPos::Center,
        )?;
    }
    Ok(())
}
