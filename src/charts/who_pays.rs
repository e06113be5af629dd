//! Who pays vs who gains: per agency, cost against cashable and non-cashable benefit.
//!
//! Bars are told apart by treatment, not hue, so they survive greyscale: cost is cross-hatched
//! in dark grey, cashable benefit is solid in the agency's colour, non-cashable is hatched in
//! it. The three always sit in that order within an agency's group.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::draw::{frame, Canvas, LegendItem, Swatch};
use super::grouped::{draw_groups, Group, Treatment};
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
        let groups: Vec<Group> = self
            .agencies
            .iter()
            .map(|a| Group {
                agency: &a.agency,
                bars: vec![
                    (a.cost, Treatment::CrossHatched(COST)),
                    (a.cashable, Treatment::Solid),
                    (a.non_cashable, Treatment::Hatched),
                ],
            })
            .collect();
        draw_groups(&c, plot, palette, &groups, 0.88)
    }
}
