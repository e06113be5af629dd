//! Drawing helpers shared by the charts: a pixel canvas over a plotters area, text with
//! measured truncation, money axes with nice ticks, the title block and legends.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::fonts::FAMILY;
use super::palette::luminance;
use super::ChartTitle;

pub(crate) type DResult = std::result::Result<(), String>;

pub(crate) const INK: RGBColor = RGBColor(0x1a, 0x1a, 0x1a);
pub(crate) const MUTED: RGBColor = RGBColor(0x55, 0x55, 0x55);
pub(crate) const GRID: RGBColor = RGBColor(0xdd, 0xdd, 0xdd);
pub(crate) const AXIS: RGBColor = RGBColor(0x44, 0x44, 0x44);
/// The £0 line across a horizontal money axis: darker than the grid, lighter than marks.
pub(crate) const ZERO: RGBColor = RGBColor(0x99, 0x99, 0x99);

fn derr<E: std::fmt::Display>(e: E) -> String {
    format!("drawing failed: {e}")
}

/// Text is drawn this much larger than the nominal sizes in the chart code, so the smallest
/// labels are about 7 pt when a 1600-pixel-wide PNG fills a 6.4-inch column.
pub(crate) const TEXT_SCALE: f64 = 1.25;

/// A rectangle in pixels.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rect {
    pub x0: i32,
    pub y0: i32,
    pub x1: i32,
    pub y1: i32,
}

impl Rect {
    pub fn new(x0: i32, y0: i32, x1: i32, y1: i32) -> Self {
        Rect { x0, y0, x1, y1 }
    }
    pub fn w(&self) -> i32 {
        self.x1 - self.x0
    }
    pub fn h(&self) -> i32 {
        self.y1 - self.y0
    }
}

/// Text size and weight.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Font {
    pub px: f64,
    pub bold: bool,
}

/// Pixel-coordinate drawing on a plotters area, with sizes scaled to the image.
pub(crate) struct Canvas<'a, DB: DrawingBackend> {
    area: &'a DrawingArea<DB, Shift>,
    pub w: i32,
    pub h: i32,
    /// Scale relative to a 1600 × 1000 image.
    pub k: f64,
    /// Drawing on a bitmap: glyphs are placed here rather than by plotters (see `text`).
    raster: bool,
}

impl<'a, DB: DrawingBackend> Canvas<'a, DB> {
    pub fn new(area: &'a DrawingArea<DB, Shift>) -> Self {
        let (w, h) = area.dim_in_pixel();
        let k = (w as f64 / 1600.0).min(h as f64 / 1000.0).max(0.2);
        Canvas {
            area,
            w: w as i32,
            h: h as i32,
            k,
            raster: std::any::type_name::<DB>().contains("BitMapBackend"),
        }
    }

    /// A length scaled to the image (`n` pixels at 1600 × 1000).
    pub fn s(&self, n: f64) -> i32 {
        (n * self.k).round().max(1.0) as i32
    }

    /// A length tied to text size: scaled like [`Canvas::s`] and by [`TEXT_SCALE`].
    pub fn t(&self, n: f64) -> i32 {
        self.s(n * TEXT_SCALE)
    }

    pub fn font(&self, px: f64) -> Font {
        Font {
            px: px * self.k * TEXT_SCALE,
            bold: false,
        }
    }

    pub fn bold(&self, px: f64) -> Font {
        Font {
            px: px * self.k * TEXT_SCALE,
            bold: true,
        }
    }

    pub fn fill_rect(&self, r: Rect, c: RGBColor) -> DResult {
        if r.w() == 0 || r.h() == 0 {
            return Ok(());
        }
        self.area
            .draw(&Rectangle::new([(r.x0, r.y0), (r.x1, r.y1)], c.filled()))
            .map_err(derr)
    }

    pub fn outline_rect(&self, r: Rect, c: RGBColor, width: i32) -> DResult {
        self.area
            .draw(&Rectangle::new(
                [(r.x0, r.y0), (r.x1, r.y1)],
                c.stroke_width(width.max(1) as u32),
            ))
            .map_err(derr)
    }

    /// A filled bar with a thin dark edge, so light colours stay visible in print.
    pub fn bar(&self, r: Rect, c: RGBColor) -> DResult {
        let r = Rect::new(
            r.x0.min(r.x1),
            r.y0.min(r.y1),
            r.x0.max(r.x1),
            r.y0.max(r.y1),
        );
        self.fill_rect(r, c)?;
        if r.w() >= 2 && r.h() >= 2 {
            self.outline_rect(r, RGBColor(0x33, 0x33, 0x33), 1)?;
        }
        Ok(())
    }

    /// A white bar hatched with diagonal lines in `c`, edged in `c`; `cross` hatches both
    /// ways.
    pub fn hatched_bar(&self, r: Rect, c: RGBColor, cross: bool) -> DResult {
        let r = Rect::new(
            r.x0.min(r.x1),
            r.y0.min(r.y1),
            r.x0.max(r.x1),
            r.y0.max(r.y1),
        );
        if r.w() == 0 || r.h() == 0 {
            return Ok(());
        }
        self.fill_rect(r, WHITE)?;
        let step = self.s(11.0).max(4);
        let lw = self.s(3.0);
        // Lines x - y = k (down to the right) or x + y = k (up to the right), clipped.
        let mut k = r.x0 - r.y1;
        while k < r.x1 - r.y0 {
            let ya = r.y0.max(r.x0 - k);
            let yb = r.y1.min(r.x1 - k);
            if cross && ya < yb {
                self.line(&[(ya + k, ya), (yb + k, yb)], c, lw)?;
            }
            k += step;
        }
        let mut k = r.x0 + r.y0;
        while k < r.x1 + r.y1 {
            let ya = r.y0.max(k - r.x1);
            let yb = r.y1.min(k - r.x0);
            if ya < yb {
                self.line(&[(k - ya, ya), (k - yb, yb)], c, lw)?;
            }
            k += step;
        }
        self.outline_rect(r, c, self.s(2.0))
    }

    pub fn line(&self, pts: &[(i32, i32)], c: RGBColor, width: i32) -> DResult {
        if pts.len() < 2 {
            return Ok(());
        }
        self.area
            .draw(&PathElement::new(
                pts.to_vec(),
                c.stroke_width(width.max(1) as u32),
            ))
            .map_err(derr)
    }

    pub fn dashed(&self, pts: &[(i32, i32)], c: RGBColor, width: i32) -> DResult {
        if pts.len() < 2 {
            return Ok(());
        }
        let (dash, gap) = (self.s(12.0), self.s(7.0));
        self.area
            .draw(&DashedPathElement::new(
                pts.iter().copied(),
                dash,
                gap,
                c.stroke_width(width.max(1) as u32),
            ))
            .map_err(derr)
    }

    pub fn circle(&self, (x, y): (i32, i32), r: i32, fill: RGBColor, edge: RGBColor) -> DResult {
        self.area
            .draw(&Circle::new((x, y), r.max(1), fill.filled()))
            .map_err(derr)?;
        self.area
            .draw(&Circle::new(
                (x, y),
                r.max(1),
                edge.stroke_width(self.s(2.0) as u32),
            ))
            .map_err(derr)
    }

    /// A point marker: 0 circle, 1 square, 2 triangle up, 3 diamond, 4 triangle down (then
    /// repeating), filled in `fill` with a thin dark edge, so lines differ in greyscale too.
    pub fn marker(&self, shape: usize, (x, y): (i32, i32), r: i32, fill: RGBColor) -> DResult {
        let r = r.max(2);
        let pts: Vec<(i32, i32)> = match shape % 5 {
            0 => return self.circle((x, y), r, fill, INK),
            1 => vec![
                (x - r, y - r),
                (x + r, y - r),
                (x + r, y + r),
                (x - r, y + r),
            ],
            2 => vec![
                (x, y - r - r / 3),
                (x + r + r / 4, y + r),
                (x - r - r / 4, y + r),
            ],
            3 => {
                let r = r + r / 3;
                vec![(x, y - r), (x + r, y), (x, y + r), (x - r, y)]
            }
            _ => vec![
                (x - r - r / 4, y - r),
                (x + r + r / 4, y - r),
                (x, y + r + r / 3),
            ],
        };
        self.polygon(&pts, fill)?;
        let mut closed = pts.clone();
        closed.push(pts[0]);
        self.line(&closed, INK, self.s(1.5))
    }

    pub fn polygon(&self, pts: &[(i32, i32)], fill: RGBColor) -> DResult {
        self.area
            .draw(&Polygon::new(pts.to_vec(), fill.filled()))
            .map_err(derr)
    }

    fn style(&self, f: Font, c: RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
        let style = if f.bold {
            FontStyle::Bold
        } else {
            FontStyle::Normal
        };
        FontDesc::new(FontFamily::Name(FAMILY), f.px, style)
            .color(&c)
            .pos(Pos::new(h, v))
    }

    /// Width of `s` in pixels (0 when the font cannot measure it).
    pub fn text_width(&self, s: &str, f: Font) -> i32 {
        if s.is_empty() {
            return 0;
        }
        self.area
            .estimate_text_size(s, &self.style(f, INK, HPos::Left, VPos::Top))
            .map(|(w, _)| w as i32)
            .unwrap_or(0)
    }

    /// `s` cut with an ellipsis to fit `max_w` pixels.
    pub fn fit(&self, s: &str, f: Font, max_w: i32) -> String {
        let s = s.trim();
        if self.text_width(s, f) <= max_w {
            return s.to_string();
        }
        let chars: Vec<char> = s.chars().collect();
        // Binary search the longest prefix that fits with the ellipsis.
        let (mut lo, mut hi) = (0usize, chars.len());
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            let t: String = chars[..mid]
                .iter()
                .collect::<String>()
                .trim_end()
                .to_string()
                + "…";
            if self.text_width(&t, f) <= max_w {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        if lo == 0 {
            return String::new();
        }
        chars[..lo]
            .iter()
            .collect::<String>()
            .trim_end()
            .to_string()
            + "…"
    }

    /// Split `s` into at most `lines` lines of at most `max_w` pixels, breaking at spaces; the
    /// last line is cut with an ellipsis if the text still does not fit.
    pub fn wrap(&self, s: &str, f: Font, max_w: i32, lines: usize) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let words: Vec<&str> = s.split_whitespace().collect();
        let mut i = 0;
        while i < words.len() && out.len() < lines {
            let last = out.len() + 1 == lines;
            let mut cur = words[i].to_string();
            i += 1;
            while i < words.len() {
                let next = format!("{cur} {}", words[i]);
                if self.text_width(&next, f) <= max_w {
                    cur = next;
                    i += 1;
                } else {
                    break;
                }
            }
            if last && i < words.len() {
                cur = format!("{cur} {}", words[i..].join(" "));
                i = words.len();
            }
            out.push(self.fit(&cur, f, max_w));
        }
        out
    }

    /// The note a chart shows, centred in `r`, when it has nothing to draw.
    pub fn empty_note(&self, r: Rect, msg: &str) -> DResult {
        let centre = ((r.x0 + r.x1) / 2, (r.y0 + r.y1) / 2);
        self.text(
            msg,
            centre,
            self.font(26.0),
            MUTED,
            HPos::Center,
            VPos::Center,
        )
    }

    /// Draw text. `v` is where `y` sits: the top of capitals, their middle, or the baseline.
    pub fn text(
        &self,
        s: &str,
        (x, y): (i32, i32),
        f: Font,
        c: RGBColor,
        h: HPos,
        v: VPos,
    ) -> DResult {
        if s.is_empty() {
            return Ok(());
        }
        // Place the glyphs from the baseline: plotters' bitmap text sits its baseline half the
        // font size below the anchor's top, its SVG text at 0.76 em below; both are close to a
        // cap height of ~0.73 em, so anchor at the top and shift by the cap height we want.
        let cap = (f.px * 0.62).round() as i32;
        let top = match v {
            VPos::Top => y,
            VPos::Center => y - cap / 2,
            VPos::Bottom => y - cap,
        };
        let top = top - (f.px * 0.12).round() as i32;
        if self.raster {
            if let Some(face) = super::fonts::face(f.bold) {
                let w = self.text_width(s, f);
                let left = match h {
                    HPos::Left => x,
                    HPos::Center => x - w / 2,
                    HPos::Right => x - w,
                };
                // plotters puts the baseline half the font size below the top of the box.
                return self.raster_text(
                    face,
                    s,
                    left as f32,
                    top as f32 + f.px as f32 / 2.0,
                    f,
                    c,
                );
            }
        }
        self.area
            .draw(&Text::new(
                s.to_string(),
                (x, top),
                self.style(f, c, h, VPos::Top),
            ))
            .map_err(derr)
    }

    /// Draw glyphs at their exact sub-pixel positions with their side bearings. plotters'
    /// `ab_glyph` path drops each glyph's left bearing and rounds every advance, which
    /// spaces digits unevenly ("£1 4.7m"); the layout (advances and kerning) is the same, so
    /// widths measured by [`Canvas::text_width`] still hold.
    fn raster_text(
        &self,
        face: &ab_glyph::FontRef<'static>,
        s: &str,
        left: f32,
        baseline: f32,
        f: Font,
        c: RGBColor,
    ) -> DResult {
        use ab_glyph::{Font as _, ScaleFont as _};
        let scaled = face.as_scaled(f.px as f32);
        let mut caret = left;
        let mut prev = None;
        for ch in s.chars() {
            let id = scaled.glyph_id(ch);
            if let Some(p) = prev {
                caret += scaled.kern(p, id);
            }
            let glyph = id.with_scale_and_position(f.px as f32, ab_glyph::point(caret, baseline));
            if let Some(outline) = face.outline_glyph(glyph) {
                let b = outline.px_bounds();
                let mut result = Ok(());
                outline.draw(|gx, gy, cover| {
                    if result.is_ok() && cover > 0.0 {
                        let p = (b.min.x as i32 + gx as i32, b.min.y as i32 + gy as i32);
                        result = self
                            .area
                            .draw_pixel(p, &c.mix(cover.min(1.0) as f64))
                            .map_err(derr);
                    }
                });
                result?;
            }
            caret += scaled.h_advance(id);
            prev = Some(id);
        }
        Ok(())
    }

    /// Text with a white halo behind it, for labels over lines or bars.
    pub fn text_on_white(
        &self,
        s: &str,
        (x, y): (i32, i32),
        f: Font,
        c: RGBColor,
        h: HPos,
        v: VPos,
    ) -> DResult {
        if s.is_empty() {
            return Ok(());
        }
        let w = self.text_width(s, f);
        let cap = (f.px * 0.62).round() as i32;
        let pad = self.s(4.0);
        let x0 = match h {
            HPos::Left => x,
            HPos::Center => x - w / 2,
            HPos::Right => x - w,
        };
        let top = match v {
            VPos::Top => y,
            VPos::Center => y - cap / 2,
            VPos::Bottom => y - cap,
        };
        let descent = (f.px * 0.2).round() as i32;
        self.fill_rect(
            Rect::new(
                x0 - pad,
                top - pad,
                x0 + w + pad,
                top + cap + descent + pad / 2,
            ),
            WHITE,
        )?;
        self.text(s, (x, y), f, c, h, v)
    }
}

/// Text colour readable on a fill.
pub(crate) fn text_on(fill: RGBColor) -> RGBColor {
    if luminance(fill) < 128.0 {
        WHITE
    } else {
        INK
    }
}

/// The finite values among `vals`.
pub(crate) fn finite(vals: impl IntoIterator<Item = f64>) -> Vec<f64> {
    vals.into_iter().filter(|v| v.is_finite()).collect()
}

/// Unit for a money axis: pounds, thousands or millions, chosen from the largest magnitude.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct MoneyUnit {
    pub div: f64,
    pub suffix: &'static str,
}

impl MoneyUnit {
    pub fn for_max(max_abs: f64) -> Self {
        if max_abs >= 1.0e9 {
            MoneyUnit {
                div: 1.0e9,
                suffix: "bn",
            }
        } else if max_abs >= 1.0e6 {
            MoneyUnit {
                div: 1.0e6,
                suffix: "m",
            }
        } else if max_abs >= 1.0e4 {
            MoneyUnit {
                div: 1.0e3,
                suffix: "k",
            }
        } else {
            MoneyUnit {
                div: 1.0,
                suffix: "",
            }
        }
    }

    /// A tick label with as many decimals as `step` needs: "£1.5m", "-£250k", "£0".
    pub fn tick(&self, v: f64, step: f64) -> String {
        if v == 0.0 {
            return "£0".to_string();
        }
        let x = v / self.div;
        let s = step / self.div;
        let dp = if s >= 1.0 || s <= 0.0 {
            0
        } else {
            (-(s.log10()).floor() as i32).clamp(0, 3) as usize + usize::from(frac_needs_more(s))
        };
        let dp = dp.min(3);
        money_text(x, dp, self.suffix)
    }
}

fn frac_needs_more(s: f64) -> bool {
    // 0.25 needs two decimals, 0.2 or 0.5 one.
    let scaled = s * 10f64.powi(-(s.log10().floor() as i32));
    (scaled - scaled.round()).abs() > 1e-6
}

fn money_text(x: f64, dp: usize, suffix: &str) -> String {
    let x = if x.abs() < 0.5 * 10f64.powi(-(dp as i32)) {
        0.0
    } else {
        x
    };
    let body = group_thousands(&format!("{:.*}", dp, x.abs()));
    if x < 0.0 {
        format!("-£{body}{suffix}")
    } else {
        format!("£{body}{suffix}")
    }
}

fn group_thousands(s: &str) -> String {
    let (int, frac) = match s.find('.') {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, ""),
    };
    let mut out = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out + frac
}

/// A value label: the one rule of [`crate::format::money_short_f64`] (three significant
/// figures in £, £k, £m or £bn), so a chart's label reads as the table's figure does.
pub(crate) fn money_label(v: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    crate::format::money_short_f64(v)
}

/// A linear axis: values `v0..v1` onto pixels `p0..p1` (p1 may be less than p0).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Axis {
    pub v0: f64,
    pub v1: f64,
    pub p0: i32,
    pub p1: i32,
    pub step: f64,
}

impl Axis {
    /// A money axis covering `vals` (and zero), widened to nice ticks.
    pub fn covering(
        vals: &[f64],
        include_zero: bool,
        p0: i32,
        p1: i32,
        target_ticks: usize,
    ) -> Axis {
        let mut lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
        let mut hi = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if !lo.is_finite() || !hi.is_finite() {
            lo = 0.0;
            hi = 1.0;
        }
        if include_zero {
            lo = lo.min(0.0);
            hi = hi.max(0.0);
        }
        if hi - lo <= f64::EPSILON * hi.abs().max(1.0) {
            let pad = if hi.abs() > 0.0 { hi.abs() * 0.1 } else { 1.0 };
            lo -= pad;
            hi += pad;
            if include_zero && lo < 0.0 && hi.abs() > 0.0 && hi > 0.0 && lo > -pad * 1.5 {
                lo = lo.min(0.0);
            }
        }
        let step = nice_step((hi - lo) / target_ticks.max(2) as f64);
        let v0 = (lo / step).floor() * step;
        let v1 = (hi / step).ceil() * step;
        Axis {
            v0,
            v1: if v1 > v0 { v1 } else { v0 + step },
            p0,
            p1,
            step,
        }
    }

    pub fn px(&self, v: f64) -> i32 {
        let t = (v - self.v0) / (self.v1 - self.v0);
        let t = if t.is_finite() {
            t.clamp(-0.05, 1.05)
        } else {
            0.0
        };
        (self.p0 as f64 + t * (self.p1 - self.p0) as f64).round() as i32
    }

    pub fn ticks(&self) -> Vec<f64> {
        let mut out = Vec::new();
        let n = ((self.v1 - self.v0) / self.step).round() as i64;
        for i in 0..=n.clamp(0, 100) {
            let v = self.v0 + i as f64 * self.step;
            out.push(if v.abs() < self.step * 1e-9 { 0.0 } else { v });
        }
        out
    }

    pub fn unit(&self) -> MoneyUnit {
        MoneyUnit::for_max(self.v0.abs().max(self.v1.abs()))
    }
}

/// Add room beyond the data's extremes (a share of its range) for value labels on bars.
pub(crate) fn headroom(vals: &mut Vec<f64>, frac: f64) {
    let lo = vals.iter().copied().fold(0.0, f64::min);
    let hi = vals.iter().copied().fold(0.0, f64::max);
    let room = (hi - lo) * frac;
    if hi > 0.0 {
        vals.push(hi + room);
    }
    if lo < 0.0 {
        vals.push(lo - room);
    }
}

/// A round step (1, 2, 2.5 or 5 × 10ⁿ) no smaller than `raw`.
pub(crate) fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let nice = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 2.5 {
        2.5
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

/// How a legend entry is drawn.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Swatch {
    Fill(RGBColor),
    Hatch(RGBColor),
    CrossHatch(RGBColor),
    /// A line, dashed or not, with an optional marker shape (see [`Canvas::marker`]).
    Line(RGBColor, bool, Option<usize>),
    /// A marker alone, sitting on a short thin zero line (a payback point).
    Marker(RGBColor, usize),
}

pub(crate) struct LegendItem {
    pub label: String,
    pub swatch: Swatch,
}

impl LegendItem {
    pub fn new(label: impl Into<String>, swatch: Swatch) -> Self {
        LegendItem {
            label: label.into(),
            swatch,
        }
    }
}

/// Title, subtitle and legend across the top; footnote at the bottom. Returns the rectangle
/// left for the plot.
pub(crate) fn frame<DB: DrawingBackend>(
    c: &Canvas<DB>,
    title: &ChartTitle,
    legend: &[LegendItem],
) -> std::result::Result<Rect, String> {
    let margin = c.s(40.0);
    let max_w = c.w - 2 * margin;
    let mut y = c.s(34.0);
    let tf = c.bold(32.0);
    for line in c.wrap(&title.title, tf, max_w, 2) {
        c.text(&line, (margin, y), tf, INK, HPos::Left, VPos::Top)?;
        y += c.t(44.0);
    }
    if !title.subtitle.trim().is_empty() {
        let sf = c.font(24.0);
        for line in c.wrap(&title.subtitle, sf, max_w, 2) {
            c.text(&line, (margin, y), sf, MUTED, HPos::Left, VPos::Top)?;
            y += c.t(32.0);
        }
    }
    y += c.s(10.0);
    if !legend.is_empty() {
        y = draw_legend(c, legend, margin, y, max_w)?;
        y += c.s(8.0);
    }
    let mut bottom = c.h - c.s(24.0);
    if !title.footnote.trim().is_empty() {
        let ff = c.font(18.0);
        let lines = c.wrap(&title.footnote, ff, max_w, 2);
        for (i, line) in lines.iter().enumerate().rev() {
            c.text(
                line,
                (margin, bottom - c.t(24.0) * (lines.len() - 1 - i) as i32),
                ff,
                MUTED,
                HPos::Left,
                VPos::Bottom,
            )?;
        }
        bottom -= c.t(24.0) * lines.len() as i32 + c.s(10.0);
    }
    Ok(Rect::new(margin, y, c.w - margin, bottom))
}

/// Legend entries left to right, wrapping; returns the y below the legend.
pub(crate) fn draw_legend<DB: DrawingBackend>(
    c: &Canvas<DB>,
    items: &[LegendItem],
    x0: i32,
    y0: i32,
    max_w: i32,
) -> std::result::Result<i32, String> {
    let f = c.font(23.0);
    let sw = c.t(30.0);
    let sh = c.t(22.0);
    let gap = c.s(12.0);
    let item_gap = c.t(34.0);
    let row_h = c.t(36.0);
    let max_label = (max_w / 3).max(c.s(80.0));
    let (mut x, mut y) = (x0, y0);
    for item in items {
        let label = c.fit(&item.label, f, max_label);
        let w = sw + gap + c.text_width(&label, f);
        if x > x0 && x + w > x0 + max_w {
            x = x0;
            y += row_h;
        }
        let mid = y + sh / 2;
        match item.swatch {
            Swatch::Fill(col) => c.bar(Rect::new(x, y, x + sw, y + sh), col)?,
            Swatch::Hatch(col) => c.hatched_bar(Rect::new(x, y, x + sw, y + sh), col, false)?,
            Swatch::CrossHatch(col) => c.hatched_bar(Rect::new(x, y, x + sw, y + sh), col, true)?,
            Swatch::Line(col, dashed, marker) => {
                let pts = [(x, mid), (x + sw, mid)];
                if dashed {
                    c.dashed(&pts, col, c.s(4.0))?
                } else {
                    c.line(&pts, col, c.s(5.0))?
                }
                if let Some(shape) = marker {
                    c.marker(shape, (x + sw / 2, mid), c.s(7.0), col)?;
                }
            }
            Swatch::Marker(col, shape) => {
                c.line(&[(x, mid), (x + sw, mid)], INK, c.s(2.0))?;
                c.marker(shape, (x + sw / 2, mid), c.s(10.0), col)?;
            }
        }
        c.text(
            &label,
            (x + sw + gap, mid),
            f,
            INK,
            HPos::Left,
            VPos::Center,
        )?;
        x += w + item_gap;
    }
    Ok(y + row_h)
}

/// Vertical money axis on the left of `plot`: gridlines, tick labels, unit caption on top.
pub(crate) fn y_money_axis<DB: DrawingBackend>(c: &Canvas<DB>, axis: &Axis, plot: Rect) -> DResult {
    let f = c.font(21.0);
    let unit = axis.unit();
    for v in axis.ticks() {
        let y = axis.px(v);
        let col = if v == 0.0 { AXIS } else { GRID };
        c.line(
            &[(plot.x0, y), (plot.x1, y)],
            col,
            if v == 0.0 { c.s(2.0) } else { 1 },
        )?;
        c.text(
            &unit.tick(v, axis.step),
            (plot.x0 - c.s(10.0), y),
            f,
            MUTED,
            HPos::Right,
            VPos::Center,
        )?;
    }
    Ok(())
}

/// Horizontal money axis under `plot` (gridlines span the plot). Tick labels that would reach
/// more than `overhang` pixels beyond the plot's sides are left out.
pub(crate) fn x_money_axis<DB: DrawingBackend>(
    c: &Canvas<DB>,
    axis: &Axis,
    plot: Rect,
    overhang: i32,
) -> DResult {
    let f = c.font(21.0);
    let unit = axis.unit();
    let ticks = axis.ticks();
    // Thin labels when they would collide.
    let widest = ticks
        .iter()
        .map(|v| c.text_width(&unit.tick(*v, axis.step), f))
        .max()
        .unwrap_or(0);
    let spacing = if ticks.len() > 1 {
        (axis.px(ticks[1]) - axis.px(ticks[0])).abs()
    } else {
        i32::MAX
    };
    let every = if spacing > 0 {
        ((widest + c.s(16.0)) / spacing.max(1) + 1).max(1) as usize
    } else {
        1
    };
    for (i, v) in ticks.iter().enumerate() {
        let x = axis.px(*v);
        let col = if *v == 0.0 { ZERO } else { GRID };
        c.line(
            &[(x, plot.y0), (x, plot.y1)],
            col,
            if *v == 0.0 { c.s(2.0) } else { 1 },
        )?;
        let label = unit.tick(*v, axis.step);
        let half = c.text_width(&label, f) / 2;
        let inside = x - half >= plot.x0 - overhang && x + half <= plot.x1 + overhang;
        if i % every == 0 && inside {
            c.text(
                &label,
                (x, plot.y1 + c.s(12.0)),
                f,
                MUTED,
                HPos::Center,
                VPos::Top,
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_labels() {
        assert_eq!(money_label(12_345_678.0), "£12.3m");
        assert_eq!(money_label(-2_050_000.0), "-£2.05m");
        assert_eq!(money_label(8_200_000.0), "£8.2m");
        assert_eq!(money_label(3_000_000.0), "£3m");
        assert_eq!(money_label(450_000.0), "£450k");
        assert_eq!(money_label(1_234.0), "£1,234");
        assert_eq!(money_label(0.0), "£0");
        assert_eq!(money_label(f64::NAN), "");
    }

    #[test]
    fn ticks() {
        let u = MoneyUnit::for_max(3.0e6);
        assert_eq!(u.tick(1.5e6, 5.0e5), "£1.5m");
        assert_eq!(u.tick(2.5e5, 2.5e5), "£0.25m");
        assert_eq!(u.tick(-2.0e6, 1.0e6), "-£2m");
        assert_eq!(MoneyUnit::for_max(50_000.0).tick(25_000.0, 5_000.0), "£25k");
        assert_eq!(MoneyUnit::for_max(900.0).tick(1_000.0, 200.0), "£1,000");
        assert_eq!(u.tick(0.0, 5.0e5), "£0");
        assert_eq!(MoneyUnit::for_max(3.4).tick(-3.2, 0.2), "-£3.2");
        assert_eq!(nice_step(0.0), 1.0);
        assert_eq!(nice_step(3.2), 5.0);
        let a = Axis::covering(&[-1.2e6, 3.4e6], true, 0, 100, 5);
        assert!(a.v0 <= -1.2e6 && a.v1 >= 3.4e6);
        let a = Axis::covering(&[], true, 0, 100, 5);
        assert!(a.v1 > a.v0);
        let a = Axis::covering(&[0.0, 0.0], true, 0, 100, 5);
        assert!(a.v1 > a.v0);
    }
}
