//! Shared helpers for integration tests: a temporary place directory and a way to run the
//! built `totalplace` binary in it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A temporary working directory holding a place model and its budget files.
pub struct Workdir {
    pub dir: tempfile::TempDir,
}

impl Workdir {
    pub fn new() -> Self {
        Workdir {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, bytes).unwrap();
        p
    }

    /// Write `place/place.toml` with one agency per id given and the usual place header.
    pub fn place(&self, agencies: &[&str], sources_toml: &str) -> PathBuf {
        let mut t = String::from(
            "[place]\nid = \"testville\"\nname = \"Testville\"\nfinancial_year = \"2024-25\"\n\
             price_base = 2024\npopulation = 100000\ndata_dir = \"../data\"\nsynthetic = true\n",
        );
        for a in agencies {
            t.push_str(&format!(
                "\n[[agency]]\nid = \"{a}\"\nname = \"{a} agency\"\nsector = \"other\"\nbudget_control = \"local\"\n"
            ));
        }
        self.write("place/place.toml", t);
        self.write("place/sources.toml", sources_toml);
        self.path("place")
    }

    /// Run the binary with arguments, in this directory.
    pub fn run(&self, args: &[&str]) -> Run {
        let out = Command::new(env!("CARGO_BIN_EXE_totalplace"))
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .expect("run totalplace");
        Run(out)
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.path(rel).exists()
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }
}

/// The result of running the binary.
pub struct Run(pub Output);

impl Run {
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }
    pub fn code(&self) -> i32 {
        self.0.status.code().unwrap_or(-1)
    }
    /// Assert success and return stdout.
    pub fn ok(&self) -> String {
        assert_eq!(
            self.code(),
            0,
            "expected success\nstdout:\n{}\nstderr:\n{}",
            self.stdout(),
            self.stderr()
        );
        self.stdout()
    }
    /// Assert failure with exit code 2 (bad input) and return stderr.
    pub fn user_error(&self) -> String {
        assert_eq!(
            self.code(),
            2,
            "expected exit 2\nstdout:\n{}\nstderr:\n{}",
            self.stdout(),
            self.stderr()
        );
        assert!(
            !self.stderr().contains("panicked"),
            "panic: {}",
            self.stderr()
        );
        self.stderr()
    }
}

/// The repository root (for the sample place).
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A copy of the sample place's own files (`models/kirkbridge/*`, not its scenarios) in
/// `<models>/kirkbridge`, leaving out the files named in `skip`, with `data_dir` pointing at
/// the repository's sample budgets; returns the place directory (its `scenarios/` is made,
/// empty). The caller adds the libraries and scenarios its test needs.
pub fn copy_sample_place(models: &Path, skip: &[&str]) -> PathBuf {
    let place = models.join("kirkbridge");
    std::fs::create_dir_all(place.join("scenarios")).unwrap();
    for e in std::fs::read_dir(repo().join("models/kirkbridge")).unwrap() {
        let e = e.unwrap();
        let name = e.file_name();
        if e.path().is_file() && !skip.contains(&name.to_str().unwrap()) {
            std::fs::copy(e.path(), place.join(&name)).unwrap();
        }
    }
    let data = repo().join("sample-data/kirkbridge");
    let toml = std::fs::read_to_string(place.join("place.toml")).unwrap();
    let from = "data_dir = \"../../sample-data/kirkbridge\"";
    assert!(
        toml.contains(from),
        "sample place.toml no longer says {from}"
    );
    let toml = toml.replace(from, &format!("data_dir = {:?}", data.to_str().unwrap()));
    std::fs::write(place.join("place.toml"), toml).unwrap();
    place
}

/// Everything an ingest result says, as text: the error, or the ledger CSV (lines with their
/// rows and strings), the string table in symbol order and the reports. Two ways of reading
/// a place agree when these are equal.
pub fn ingest_outcome(
    place: &totalplace::model::Place,
    opts: totalplace::ingest::Options,
) -> String {
    match totalplace::ingest::ingest_place_unreconciled_with(place, opts) {
        Err(e) => format!("error: {e}"),
        Ok(ing) => describe_ingest(place, &ing),
    }
}

/// [`ingest_outcome`] of a successful ingest.
pub fn describe_ingest(
    place: &totalplace::model::Place,
    ing: &totalplace::ingest::Ingest,
) -> String {
    let csv =
        String::from_utf8(totalplace::ingest::ledger_csv(place, ing).expect("ledger csv")).unwrap();
    let strings: Vec<&str> = ing.ledger.strings.strings().collect();
    format!(
        "{csv}\nstrings {strings:?}\nreports {}",
        serde_json::to_string(&ing.reports).unwrap()
    )
}
