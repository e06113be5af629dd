//! The mapping loader: the fuzz input is a mapping file for the sample place (Kirkbridge).
//! Parsing and validation never panic.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use totalplace::mapping::Mapping;
use totalplace::model::Place;

fn place() -> &'static Place {
    static P: OnceLock<Place> = OnceLock::new();
    P.get_or_init(|| {
        let repo = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        Place::load(&repo.join("models/kirkbridge")).unwrap()
    })
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Mapping::parse(place(), "mapping.toml", text);
    }
});
