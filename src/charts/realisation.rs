//! Benefits realisation: per agency, the saving predicted for the tracked years beside the
//! saving on the actual outcomes (both modelled by the same engine; `totalplace track`).
//!
//! Told apart by treatment, not hue: predicted is hatched in the agency's colour, on actuals
//! is solid in it, always in that order within an agency's group.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::draw::{frame, Canvas, LegendItem, Swatch};
use super::grouped::{draw_groups, Group, Treatment};
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
        let groups: Vec<Group> = self
            .agencies
            .iter()
            .map(|a| Group {
                agency: &a.agency,
                bars: vec![
                    (a.predicted, Treatment::Hatched),
                    (a.actual, Treatment::Solid),
                ],
            })
            .collect();
        draw_groups(&c, plot, palette, &groups, 0.8)
    }
}
