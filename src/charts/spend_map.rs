//! Spend map: one horizontal bar per cohort, stacked by agency; spend that is not
//! cohort-specific in its own panel on its own scale, so it does not flatten the cohorts.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::draw::{
    finite, frame, money_label, text_on, x_money_axis, Axis, Canvas, DResult, LegendItem, Rect,
    Swatch, INK, MUTED,
};
use super::{AgencyValue, Chart, ChartTitle, Palette};

/// Spend on one cohort (or transition), by agency.
#[derive(Debug, Clone, PartialEq)]
pub struct CohortSpend {
    pub cohort: String,
    pub by_agency: Vec<AgencyValue>,
}

/// The spend map: agency × cohort.
#[derive(Debug, Clone, PartialEq)]
pub struct SpendMap {
    pub title: ChartTitle,
    pub cohorts: Vec<CohortSpend>,
    /// Spend mapped to no cohort, by agency: drawn as a separate bar on its own scale.
    pub not_cohort_specific: Option<Vec<AgencyValue>>,
}

impl Chart for SpendMap {
    fn file_stem(&self) -> &'static str {
        "spend-map"
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
        let mut ids: Vec<&str> = Vec::new();
        let rows = self
            .cohorts
            .iter()
            .map(|r| (r.cohort.as_str(), r.by_agency.as_slice()));
        let other = self.not_cohort_specific.as_deref();
        for (_, vals) in rows.clone().chain(other.map(|o| ("", o))) {
            for v in vals {
                if v.value.is_finite() && v.value != 0.0 {
                    ids.push(&v.agency);
                }
            }
        }
        let ids = palette.order(ids);
        let legend: Vec<LegendItem> = ids
            .iter()
            .map(|a| LegendItem::new(*a, Swatch::Fill(palette.colour(a))))
            .collect();
        let plot = frame(&c, &self.title, &legend)?;

        let cohort_rows: Vec<(&str, &[AgencyValue])> = rows.collect();
        let label_f = c.font(23.0);
        let mut labels: Vec<&str> = cohort_rows.iter().map(|r| r.0).collect();
        if other.is_some() {
            labels.push("Not cohort-specific");
        }
        let widest = labels
            .iter()
            .map(|l| c.text_width(l, label_f))
            .max()
            .unwrap_or(0);
        let label_w = widest.min(plot.w() * 32 / 100).max(c.s(80.0));
        let x0 = plot.x0 + label_w + c.s(16.0);
        let x1 = plot.x1 - c.t(110.0);

        let axis_h = c.t(44.0);
        let (main, lower) = match other {
            Some(_) => {
                let lower_h = c.t(150.0).min(plot.h() / 3);
                (
                    Rect::new(x0, plot.y0, x1, plot.y1 - lower_h - axis_h),
                    Some(Rect::new(
                        x0,
                        plot.y1 - lower_h + c.t(34.0),
                        x1,
                        plot.y1 - axis_h,
                    )),
                )
            }
            None => (Rect::new(x0, plot.y0, x1, plot.y1 - axis_h), None),
        };
        if cohort_rows.is_empty() {
            c.empty_note(main, "No cohort spend to show")?;
        } else {
            stacked_panel(&c, palette, &cohort_rows, main, label_w)?;
        }
        if let (Some(vals), Some(r)) = (other, lower) {
            c.text(
                "Spend not specific to a cohort (own scale)",
                (plot.x0, r.y0 - c.t(14.0)),
                c.bold(22.0),
                MUTED,
                HPos::Left,
                VPos::Bottom,
            )?;
            stacked_panel(&c, palette, &[("Not cohort-specific", vals)], r, label_w)?;
        }
        Ok(())
    }
}

/// Bars for `rows` inside `r` (bars only; labels to the left, axis below).
fn stacked_panel<DB: DrawingBackend>(
    c: &Canvas<DB>,
    palette: &Palette,
    rows: &[(&str, &[AgencyValue])],
    r: Rect,
    label_w: i32,
) -> DResult {
    // Positive parts stack right from zero, negative parts left.
    let mut extents = vec![0.0];
    for (_, vals) in rows {
        let pos: f64 = finite(vals.iter().map(|v| v.value))
            .iter()
            .filter(|v| **v > 0.0)
            .sum();
        let neg: f64 = finite(vals.iter().map(|v| v.value))
            .iter()
            .filter(|v| **v < 0.0)
            .sum();
        extents.push(pos);
        extents.push(neg);
    }
    let axis = Axis::covering(&extents, true, r.x0, r.x1, 6);
    x_money_axis(c, &axis, r, c.s(40.0))?;
    let band = r.h() as f64 / rows.len().max(1) as f64;
    let bar_h = (band * 0.66).min(c.s(90.0) as f64).max(2.0) as i32;
    let label_f = c.font(23.0);
    let seg_f = c.font(19.0);
    for (i, (label, vals)) in rows.iter().enumerate() {
        let mid = r.y0 + (band * (i as f64 + 0.5)).round() as i32;
        let (top, bot) = (mid - bar_h / 2, mid + bar_h / 2);
        let text = c.fit(label, label_f, label_w);
        c.text(
            &text,
            (r.x0 - c.s(16.0), mid),
            label_f,
            INK,
            HPos::Right,
            VPos::Center,
        )?;
        let mut ordered: Vec<&AgencyValue> = vals.iter().filter(|v| v.value.is_finite()).collect();
        ordered.sort_by_key(|v| palette.index(&v.agency).unwrap_or(usize::MAX));
        let (mut pos, mut neg) = (0.0f64, 0.0f64);
        let mut total = 0.0;
        for v in ordered {
            if v.value == 0.0 {
                continue;
            }
            total += v.value;
            let (a, b) = if v.value > 0.0 {
                pos += v.value;
                (pos - v.value, pos)
            } else {
                neg += v.value;
                (neg - v.value, neg)
            };
            let (xa, xb) = (axis.px(a), axis.px(b));
            let col = palette.colour(&v.agency);
            c.bar(Rect::new(xa, top, xb, bot), col)?;
            let lab = money_label(v.value);
            if (xb - xa).abs() > c.text_width(&lab, seg_f) + c.s(12.0) && bar_h > c.s(24.0) {
                c.text(
                    &lab,
                    ((xa + xb) / 2, mid),
                    seg_f,
                    text_on(col),
                    HPos::Center,
                    VPos::Center,
                )?;
            }
        }
        let end = if pos > 0.0 || neg == 0.0 {
            axis.px(pos)
        } else {
            axis.px(neg)
        };
        let (x, h) = if pos > 0.0 || neg == 0.0 {
            (end + c.s(10.0), HPos::Left)
        } else {
            (end - c.s(10.0), HPos::Right)
        };
        c.text(
            &money_label(total),
            (x, mid),
            c.bold(21.0),
            INK,
            h,
            VPos::Center,
        )?;
    }
    Ok(())
}
