//! The scenario loader: the fuzz input is a scenario file of the sample place (Kirkbridge).
//! Loading never panics; a scenario that validates evaluates without a panic (no overflow), and
//! its `[[uncertain]]` block validates or fails with an error, never a panic.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

fn dir() -> &'static (tempfile::TempDir, PathBuf) {
    static P: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    P.get_or_init(|| {
        let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let dir = tempfile::tempdir().unwrap();
        let place = std::fs::read_to_string(repo.join("models/kirkbridge/place.toml")).unwrap();
        let data = repo.join("sample-data/kirkbridge").canonicalize().unwrap();
        let place = place.replace(
            "data_dir = \"../../sample-data/kirkbridge\"",
            &format!("data_dir = {:?}", data.display().to_string()),
        );
        std::fs::write(dir.path().join("place.toml"), place).unwrap();
        std::fs::create_dir_all(dir.path().join("scenarios")).unwrap();
        let f = dir.path().join("scenarios/fuzz.toml");
        (dir, f)
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (_d, f) = dir();
    std::fs::write(f, text).unwrap();
    if let Ok(sc) = totalplace::scenario::load(f) {
        let params = sc.params();
        let _ = totalplace::scenario::evaluate(&sc, &params);
        let _ = totalplace::uncertainty::spec::from_str("fuzz.toml", text, &sc, &[]);
    }
});
