//! Shared by the `serve` tests: a copy of the sample place in a temporary directory (so saved
//! variants never touch the repository), the `totalplace serve` binary running on it on a free
//! loopback port, and `totalplace run --set` on the same files for the figures to compare with.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// The sample place copied to `<tmp>/models/kirkbridge` with its libraries and budget files.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&repo().join("models"), &dir.path().join("models"));
        copy_dir(
            &repo().join("sample-data/kirkbridge"),
            &dir.path().join("sample-data/kirkbridge"),
        );
        Sandbox { dir }
    }

    pub fn place(&self) -> PathBuf {
        self.dir.path().join("models/kirkbridge")
    }

    pub fn scenario(&self, stem: &str) -> PathBuf {
        self.place().join("scenarios").join(format!("{stem}.toml"))
    }

    /// `totalplace run <scenario> --set ...`: its `results.json`.
    pub fn run_cli(&self, stem: &str, sets: &[(&str, &str)]) -> serde_json::Value {
        let out = self.dir.path().join("cli-out");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_totalplace"));
        cmd.arg("run")
            .arg(self.scenario(stem))
            .arg("--out")
            .arg(&out);
        for (k, v) in sets {
            cmd.arg("--set").arg(format!("{k}={v}"));
        }
        let o = cmd.output().unwrap();
        assert!(
            o.status.success(),
            "totalplace run failed: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let id =
            toml::from_str::<toml::Table>(&std::fs::read_to_string(self.scenario(stem)).unwrap())
                .unwrap()["scenario"]["id"]
                .as_str()
                .unwrap()
                .to_string();
        let p = out.join("kirkbridge").join(id).join("results.json");
        serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
    }
}

/// `totalplace serve` on a sandbox, stopped when dropped.
pub struct Server {
    child: Child,
    pub url: String,
}

impl Server {
    pub fn start(sb: &Sandbox) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_totalplace"))
            .arg("serve")
            .arg(sb.place())
            .args(["--port", "0", "--out"])
            .arg(sb.dir.path().join("output"))
            .current_dir(sb.dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start totalplace serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("serve printed no address: {line:?}"))
            .trim_end_matches('/')
            .to_string();
        Server { child, url }
    }

    /// Still running (not exited)?
    pub fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
