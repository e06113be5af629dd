//! Bars grouped by agency on a money axis: the body shared by who pays vs who gains and the
//! benefits-realisation chart. Groups sit in palette order; within a group each bar has its own
//! treatment (solid or hatched in the agency's colour, or cross-hatched in a fixed colour), so
//! the bars survive greyscale; value labels are drawn over every bar or over none.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::draw::{headroom, money_label, y_money_axis, Axis, Canvas, Rect, INK};
use super::Palette;

/// How one bar of a group is drawn.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Treatment {
    /// Solid in the agency's colour.
    Solid,
    /// Hatched in the agency's colour.
    Hatched,
    /// Cross-hatched in this colour, whatever the agency.
    CrossHatched(RGBColor),
}

/// One agency's bars, left to right.
pub(crate) struct Group<'a> {
    pub agency: &'a str,
    pub bars: Vec<(f64, Treatment)>,
}

/// Draw `groups` inside `plot` (the area [`super::draw::frame`] leaves), the bars of a group
/// filling `fill` of its width (capped per bar). Every group has the same number of bars.
pub(crate) fn draw_groups<DB: DrawingBackend>(
    c: &Canvas<'_, DB>,
    plot: Rect,
    palette: &Palette,
    groups: &[Group<'_>],
    fill: f64,
) -> Result<(), String> {
    let mut rows: Vec<&Group<'_>> = groups.iter().collect();
    rows.sort_by_key(|g| palette.index(g.agency).unwrap_or(usize::MAX));
    let per_group = rows.first().map_or(1, |g| g.bars.len().max(1)) as i32;

    let mut vals = vec![0.0];
    vals.extend(
        rows.iter()
            .flat_map(|g| g.bars.iter().map(|b| b.0))
            .filter(|v| v.is_finite()),
    );
    let label_f = c.font(22.0);
    let plot = Rect::new(
        plot.x0 + c.t(100.0),
        plot.y0 + c.s(16.0),
        plot.x1,
        plot.y1 - c.t(84.0),
    );
    headroom(&mut vals, 0.06);
    let axis = Axis::covering(&vals, true, plot.y1, plot.y0 + c.s(10.0), 6);
    y_money_axis(c, &axis, plot)?;
    if rows.is_empty() {
        c.empty_note(plot, "No agencies to show")?;
        return Ok(());
    }
    let n = rows.len();
    let group = plot.w() as f64 / n as f64;
    let bar_w = ((group * fill) / per_group as f64)
        .min(c.s(110.0) as f64)
        .max(1.0) as i32;
    let zero = axis.px(0.0);
    // Value labels only when every one fits over its bar with a gap, at the first size that
    // works: all or none, never a jumble.
    let values: Vec<f64> = rows
        .iter()
        .flat_map(|g| g.bars.iter().map(|b| b.0))
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
    for (i, g) in rows.iter().enumerate() {
        let centre = plot.x0 + (group * (i as f64 + 0.5)).round() as i32;
        let col = palette.colour(g.agency);
        let left = centre - bar_w * per_group / 2;
        for (k, &(v, treatment)) in g.bars.iter().enumerate() {
            let xa = left + k as i32 * bar_w;
            let r = Rect::new(
                xa + 1,
                zero,
                xa + bar_w - 1,
                if v.is_finite() { axis.px(v) } else { zero },
            );
            match treatment {
                Treatment::Solid => c.bar(r, col)?,
                Treatment::Hatched => c.hatched_bar(r, col, false)?,
                Treatment::CrossHatched(fixed) => c.hatched_bar(r, fixed, true)?,
            }
            if labels && v.is_finite() {
                let y = axis.px(v);
                let (y, vp) = if v >= 0.0 {
                    (y - c.s(8.0), VPos::Bottom)
                } else {
                    (y + c.s(8.0), VPos::Top)
                };
                let lab = money_label(v);
                c.text(&lab, (xa + bar_w / 2, y), value_f, INK, HPos::Center, vp)?;
            }
        }
        // Agency key under the group: colour strip and name.
        let strip = Rect::new(
            left,
            plot.y1 + c.s(10.0),
            left + per_group * bar_w,
            plot.y1 + c.s(20.0),
        );
        c.bar(strip, col)?;
        let lines = c.wrap(
            g.agency,
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
