//! The embedded font: DejaVu Sans regular and bold (Bitstream Vera licence, see
//! `assets/fonts/LICENSE-DejaVu.txt`), registered with plotters' `ab_glyph` font table as
//! `sans-serif`, so text renders without system fonts or fontconfig.

use std::sync::OnceLock;

use plotters::style::{register_font, FontStyle};

/// Font family name the charts draw with.
pub const FAMILY: &str = "sans-serif";

static REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// Register the embedded fonts once per process. Safe to call from any thread, any number of
/// times; the render functions call it before drawing.
pub fn register() -> Result<(), String> {
    static DONE: OnceLock<Result<(), String>> = OnceLock::new();
    DONE.get_or_init(|| {
        register_font(FAMILY, FontStyle::Normal, REGULAR)
            .map_err(|_| "embedded font DejaVuSans.ttf is not a valid font".to_string())?;
        register_font(FAMILY, FontStyle::Bold, BOLD)
            .map_err(|_| "embedded font DejaVuSans-Bold.ttf is not a valid font".to_string())?;
        Ok(())
    })
    .clone()
}

/// The embedded face, parsed once, for drawing glyphs directly on bitmaps.
pub(crate) fn face(bold: bool) -> Option<&'static ab_glyph::FontRef<'static>> {
    static FACES: OnceLock<[Option<ab_glyph::FontRef<'static>>; 2]> = OnceLock::new();
    let faces = FACES.get_or_init(|| {
        [
            ab_glyph::FontRef::try_from_slice(REGULAR).ok(),
            ab_glyph::FontRef::try_from_slice(BOLD).ok(),
        ]
    });
    faces[usize::from(bold)].as_ref()
}
