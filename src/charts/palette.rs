//! One colour per agency, the same in every chart.

use plotters::style::RGBColor;

/// Colour for the whole system (all agencies together): near-black.
pub const SYSTEM_COLOUR: RGBColor = RGBColor(0x1a, 0x1a, 0x1a);

/// Colour for an agency the palette was not told about: mid grey.
const UNKNOWN_COLOUR: RGBColor = RGBColor(0x9e, 0x9e, 0x9e);

/// Colour-blind-safe colours (Okabe-Ito and Paul Tol), ordered so that neighbours differ
/// strongly in lightness: greyscale luminance (Rec. 601) is given for each. The first seven
/// are at least 19 luminance steps apart from each other (most 24 or more); beyond seven, hue separates them
/// and greyscale relies on the direct labels and legend order.
const COLOURS: [(RGBColor, u8); 10] = [
    (RGBColor(0x00, 0x72, 0xb2), 87),  // blue
    (RGBColor(0xe6, 0x9f, 0x00), 162), // orange
    (RGBColor(0x33, 0x22, 0x88), 51),  // indigo
    (RGBColor(0x88, 0xcc, 0xee), 187), // light blue
    (RGBColor(0xd5, 0x5e, 0x00), 119), // vermillion
    (RGBColor(0xf0, 0xe4, 0x42), 213), // yellow
    (RGBColor(0x44, 0xaa, 0x99), 138), // teal
    (RGBColor(0x88, 0x22, 0x55), 70),  // wine
    (RGBColor(0xcc, 0x79, 0xa7), 151), // reddish purple
    (RGBColor(0x11, 0x77, 0x33), 81),  // green
];

/// Maps agency ids, in the stable order the caller gives, to colours.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Palette {
    agencies: Vec<String>,
}

impl Palette {
    /// A palette for these agencies, in this order (duplicates keep their first place).
    pub fn new<I, S>(agencies: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut list: Vec<String> = Vec::new();
        for a in agencies {
            let a = a.into();
            if !list.contains(&a) {
                list.push(a);
            }
        }
        Palette { agencies: list }
    }

    /// The agencies, in palette order.
    pub fn agencies(&self) -> &[String] {
        &self.agencies
    }

    /// Position of an agency in the palette.
    pub fn index(&self, agency: &str) -> Option<usize> {
        self.agencies.iter().position(|a| a == agency)
    }

    /// The agency's colour; mid grey for an agency the palette does not know.
    pub fn colour(&self, agency: &str) -> RGBColor {
        match self.index(agency) {
            Some(i) => COLOURS[i % COLOURS.len()].0,
            None => UNKNOWN_COLOUR,
        }
    }

    /// The agency's colour as `#rrggbb`, for HTML and spreadsheets.
    pub fn hex(&self, agency: &str) -> String {
        let RGBColor(r, g, b) = self.colour(agency);
        format!("#{r:02x}{g:02x}{b:02x}")
    }

    /// Sort agency ids into palette order; unknown ids go last, in the order given.
    pub fn order<'a>(&self, ids: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
        let mut out: Vec<&str> = Vec::new();
        for id in ids {
            if !out.contains(&id) {
                out.push(id);
            }
        }
        out.sort_by_key(|id| self.index(id).unwrap_or(usize::MAX));
        out
    }
}

/// Greyscale luminance (Rec. 601), 0..=255.
pub(crate) fn luminance(c: RGBColor) -> f64 {
    0.299 * c.0 as f64 + 0.587 * c.1 as f64 + 0.114 * c.2 as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_seven_differ_in_greyscale() {
        for (i, (c, y)) in COLOURS.iter().enumerate() {
            assert!((luminance(*c) - *y as f64).abs() < 1.0, "colour {i}");
        }
        let first: Vec<i32> = COLOURS[..7].iter().map(|c| c.1 as i32).collect();
        for (i, a) in first.iter().enumerate() {
            for (j, b) in first[..i].iter().enumerate() {
                let d = (a - b).abs();
                assert!(d >= 19, "colours {i} and {j} are {d} apart in greyscale");
            }
        }
    }

    #[test]
    fn stable_order_and_unknowns() {
        let p = Palette::new(["council", "police", "council", "nhs"]);
        assert_eq!(p.agencies(), ["council", "police", "nhs"]);
        assert_eq!(p.hex("council"), "#0072b2");
        assert_eq!(p.colour("nobody"), UNKNOWN_COLOUR);
        assert_eq!(p.order(["x", "nhs", "council"]), ["council", "nhs", "x"]);
    }
}
