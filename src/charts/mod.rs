//! Charts for board papers: PNG (the canonical, print-quality output) and SVG.
//!
//! Each chart is a plain data struct ([`SpendMap`], [`WhoPaysWhoGains`], [`Cashflow`],
//! [`MonteCarlo`], [`Tornado`], [`ScenarioComparison`]) implementing [`Chart`]. Render one with
//! [`render_png`] / [`render_svg`], or stage both files in an [`OutputSet`] with [`add_chart`].
//!
//! Conventions:
//! - Amounts are in pounds as `f64` (charts only draw, so floats are fine here). Axes are
//!   labelled in £, £k or £m, chosen from the data range.
//! - Every agency keeps one colour in every chart, from a [`Palette`] built once from the
//!   agency ids in a stable order. The colours differ in lightness as well as hue, so a chart
//!   stays readable printed in greyscale; bars carry direct value labels where they are few.
//! - Edge data never panics: empty series, zeros, negatives and one agency render; NaN and
//!   infinite values are skipped; long labels are cut with an ellipsis.
//! - Text uses DejaVu Sans embedded in the binary ([`fonts`]), so PNGs render the same on a
//!   machine with no system fonts. SVG text is drawn by the viewer's own font.
//! - Same data, same size → byte-identical PNG.

mod cashflow;
pub(crate) mod draw;
pub mod fonts;
mod grouped;
mod monte_carlo;
mod palette;
mod realisation;
mod scenarios;
mod spend_map;
mod tornado;
mod who_pays;

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::error::{display_path, Error, Result};
use crate::output::OutputSet;

pub use cashflow::{AgencyCashflow, Cashflow, Payback};
pub use monte_carlo::{MonteCarlo, NpvDistribution, Percentiles};
pub use palette::{Palette, SYSTEM_COLOUR};
pub use realisation::{AgencyRealisation, Realisation};
pub use scenarios::{ScenarioComparison, ScenarioResult};
pub use spend_map::{CohortSpend, SpendMap};
pub use tornado::{Tornado, TornadoBar};
pub use who_pays::{AgencyFlows, WhoPaysWhoGains};

/// Title block of a chart. The title should say place and scenario; the subtitle price base
/// and units (e.g. "£, 2024-25 prices, discounted at 3.5%") or a caller's headline line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChartTitle {
    pub title: String,
    pub subtitle: String,
    /// Small print under the chart, e.g. the source or a method note. Empty for none.
    pub footnote: String,
}

impl ChartTitle {
    pub fn new(title: impl Into<String>, subtitle: impl Into<String>) -> Self {
        ChartTitle {
            title: title.into(),
            subtitle: subtitle.into(),
            footnote: String::new(),
        }
    }

    pub fn with_footnote(mut self, footnote: impl Into<String>) -> Self {
        self.footnote = footnote.into();
        self
    }
}

/// One agency's value in a chart.
#[derive(Debug, Clone, PartialEq)]
pub struct AgencyValue {
    /// Agency id, as given to the [`Palette`]; also the label drawn.
    pub agency: String,
    pub value: f64,
}

impl AgencyValue {
    pub fn new(agency: impl Into<String>, value: f64) -> Self {
        AgencyValue {
            agency: agency.into(),
            value,
        }
    }
}

/// Image size in pixels. Text and line widths scale with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    pub width: u32,
    pub height: u32,
}

impl Size {
    /// 1600 × 1000: 6.4 × 4 inches at 250 dpi, the PNG's recorded resolution.
    pub const PRINT: Size = Size {
        width: 1600,
        height: 1000,
    };
    pub const MIN: u32 = 200;
    pub const MAX: u32 = 10_000;

    pub fn new(width: u32, height: u32) -> Self {
        Size { width, height }
    }

    fn check(self) -> std::result::Result<(), String> {
        let ok = |v: u32| (Size::MIN..=Size::MAX).contains(&v);
        if ok(self.width) && ok(self.height) {
            Ok(())
        } else {
            Err(format!(
                "chart size {}×{} is outside {}..={} pixels a side",
                self.width,
                self.height,
                Size::MIN,
                Size::MAX
            ))
        }
    }
}

impl Default for Size {
    fn default() -> Self {
        Size::PRINT
    }
}

/// A chart that can draw itself on any plotters drawing area.
pub trait Chart {
    /// The default file stem, e.g. `"spend-map"`.
    fn file_stem(&self) -> &'static str;
    fn title(&self) -> &ChartTitle;
    /// Draw the whole chart (background, title, plot, legend) on `area`, in pixel coordinates.
    /// The embedded font must be registered first ([`fonts::register`]); the render functions
    /// here do that.
    fn draw_on<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        palette: &Palette,
    ) -> std::result::Result<(), String>;
}

/// Pixels per metre recorded in the PNG: 250 dpi.
const PNG_PIXELS_PER_METRE: u32 = 9843;

/// Render a chart to PNG bytes (8-bit RGB, 250 dpi recorded). Errors name `<stem>.png`.
pub fn render_png<C: Chart>(chart: &C, palette: &Palette, size: Size) -> Result<Vec<u8>> {
    let name = format!("{}.png", chart.file_stem());
    render_png_inner(chart, palette, size).map_err(|m| Error::Io {
        path: name,
        message: m,
    })
}

/// Render a chart to an SVG document. Errors name `<stem>.svg`.
pub fn render_svg<C: Chart>(chart: &C, palette: &Palette, size: Size) -> Result<String> {
    let name = format!("{}.svg", chart.file_stem());
    render_svg_inner(chart, palette, size).map_err(|m| Error::Io {
        path: name,
        message: m,
    })
}

/// Render `chart` as `<dir>/<stem>.png` and `<dir>/<stem>.svg` and stage both in `out`
/// (written when the caller commits the set). Returns the two paths, PNG first.
pub fn add_chart<C: Chart>(
    out: &mut OutputSet,
    dir: &Path,
    stem: &str,
    chart: &C,
    palette: &Palette,
    size: Size,
) -> Result<[PathBuf; 2]> {
    let png_path = dir.join(format!("{stem}.png"));
    let svg_path = dir.join(format!("{stem}.svg"));
    let png = render_png_inner(chart, palette, size).map_err(|m| Error::Io {
        path: display_path(&png_path),
        message: m,
    })?;
    let svg = render_svg_inner(chart, palette, size).map_err(|m| Error::Io {
        path: display_path(&svg_path),
        message: m,
    })?;
    out.add(png_path.clone(), png);
    out.add(svg_path.clone(), svg.into_bytes());
    Ok([png_path, svg_path])
}

/// Render and write `<dir>/<stem>.png` and `.svg` at once (atomically, via [`OutputSet`]).
pub fn write_chart<C: Chart>(
    dir: &Path,
    stem: &str,
    chart: &C,
    palette: &Palette,
    size: Size,
) -> Result<Vec<PathBuf>> {
    let mut out = OutputSet::new();
    add_chart(&mut out, dir, stem, chart, palette, size)?;
    out.commit()
}

fn render_png_inner<C: Chart>(
    chart: &C,
    palette: &Palette,
    size: Size,
) -> std::result::Result<Vec<u8>, String> {
    size.check()?;
    fonts::register()?;
    let (w, h) = (size.width, size.height);
    let mut rgb = vec![255u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        root.fill(&WHITE)
            .map_err(|e| format!("drawing failed: {e}"))?;
        chart.draw_on(&root, palette)?;
        root.present().map_err(|e| format!("drawing failed: {e}"))?;
    }
    encode_png(&rgb, w, h).map_err(|e| format!("PNG encoding failed: {e}"))
}

fn render_svg_inner<C: Chart>(
    chart: &C,
    palette: &Palette,
    size: Size,
) -> std::result::Result<String, String> {
    size.check()?;
    fonts::register()?;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (size.width, size.height)).into_drawing_area();
        root.fill(&WHITE)
            .map_err(|e| format!("drawing failed: {e}"))?;
        chart.draw_on(&root, palette)?;
        root.present().map_err(|e| format!("drawing failed: {e}"))?;
    }
    Ok(svg)
}

fn encode_png(rgb: &[u8], w: u32, h: u32) -> std::result::Result<Vec<u8>, png::EncodingError> {
    let mut bytes = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut bytes, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_pixel_dims(Some(png::PixelDimensions {
            xppu: PNG_PIXELS_PER_METRE,
            yppu: PNG_PIXELS_PER_METRE,
            unit: png::Unit::Meter,
        }));
        let mut writer = enc.write_header()?;
        writer.write_image_data(rgb)?;
        writer.finish()?;
    }
    Ok(bytes)
}
