//! Helpers for the scenario tests: a small place model written into a temporary directory.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use totalplace::money::{from_sheet_number, to_pennies};
use totalplace::scenario::{evaluate, load, Params, Results, ValidatedScenario};
use totalplace::uncertainty::kernel::{
    Kernel, PV_CASHABLE, PV_COSTS, PV_NON_CASHABLE, PV_TRANSFERS, PV_WIDTH,
};

/// One party's results by id.
pub fn party<'a>(r: &'a Results, id: &str) -> &'a totalplace::scenario::engine::PartyResult {
    r.parties.iter().find(|p| p.id == id).expect("party")
}

/// To the penny, as the outputs round.
pub fn p(d: Decimal) -> Decimal {
    to_pennies(d)
}

/// A decimal as the f64 the kernel and Monte Carlo work in.
pub fn f(d: Decimal) -> f64 {
    d.to_f64().unwrap()
}

/// An f64 amount to the penny, as the outputs round it.
pub fn pennies(x: f64) -> Decimal {
    to_pennies(from_sheet_number(x).unwrap())
}

/// The f64 kernel's PV costs, cashable, non-cashable, transfers and NPV of each party, to the
/// penny as the exact engine's (`what` names the case in a failure).
pub fn check_kernel(sc: &ValidatedScenario, params: &Params, what: &str) {
    let k = Kernel::compile(sc);
    let vals: Vec<f64> = params.values.iter().map(|d| f(*d)).collect();
    let mut out = vec![0.0; sc.parties.len() * PV_WIDTH];
    k.eval(&vals, &mut k.scratch(), &mut out);
    let r = evaluate(sc, params);
    for (a, pr) in r.parties.iter().enumerate() {
        let o = &out[a * PV_WIDTH..(a + 1) * PV_WIDTH];
        let s = &pr.summary;
        let npv = o[PV_CASHABLE] + o[PV_NON_CASHABLE] - o[PV_COSTS] + o[PV_TRANSFERS];
        for (name, got, want) in [
            ("pv_costs", o[PV_COSTS], s.pv_costs),
            ("pv_cashable", o[PV_CASHABLE], s.pv_cashable),
            ("pv_non_cashable", o[PV_NON_CASHABLE], s.pv_non_cashable),
            ("pv_transfers", o[PV_TRANSFERS], s.pv_transfers),
            ("npv", npv, s.npv),
        ] {
            assert_eq!(pennies(got), to_pennies(want), "{what}: {} {name}", pr.id);
        }
    }
}

/// The load error of scenario `toml` written as `scenarios/<name>.toml` in `place`.
pub fn error_of(place: &TestPlace, name: &str, toml: &str) -> String {
    load(&place.scenario(name, toml)).unwrap_err().to_string()
}

/// `totalplace ARGS...`, asserted to succeed; its stdout.
pub fn cli_ok(args: &[&std::ffi::OsStr]) -> String {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_totalplace"))
        .args(args)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub const PLACE_TOML: &str = r#"
[place]
id = "testville"
name = "Testville"
financial_year = "2024-25"
price_base = 2024
population = 100000
synthetic = true

[[agency]]
id = "council"
name = "Testville Council"
sector = "local-authority"
budget_control = "local"

[[agency]]
id = "police"
name = "Test Police"
sector = "police"
budget_control = "central"

[[agency]]
id = "dwp"
name = "DWP"
sector = "dwp"
budget_control = "central"

[[agency]]
id = "acute-trust"
name = "Test Hospitals NHS Trust"
sector = "nhs-acute"
budget_control = "local"

[[agency]]
id = "icb"
name = "Test ICB"
sector = "nhs-commissioner"
budget_control = "local"

[[cohort]]
id = "care-leavers"
name = "Care leavers"
size = 100
size_source = "synthetic"

[[transition]]
id = "leaving-care"
name = "Leaving care"
cohort = "care-leavers"
from = ["council"]
to = ["dwp"]
"#;

pub const SOURCES_TOML: &str = r#"
[[source]]
id = "council-budget"
agency = "council"
file = "council.csv"
columns = { amount = "Amount", service = "Service" }
"#;

/// Deflator index with easy ratios: 2019-20 = 80, 2024-25 = 100.
pub const DEFLATORS: &str =
    "financial_year,index,verified,source\n2019-20,80,no,test\n2024-25,100,no,test\n";

pub const UNIT_COSTS: &str =
    "id,name,value,unit,price_year,role,cashability,verified,source,notes\n\
bed-day,Acute bed day,200,bed day,2019-20,acute-trust,0.1,no,test,\n\
jsa-year,JSA claimant year,2000,claimant-year,2024-25,dwp,1,no,test,\n";

/// A temporary place directory holding place.toml, sources.toml, a one-line budget CSV,
/// the test unit-cost library and deflator index, and a `scenarios/` folder.
pub struct TestPlace {
    pub dir: tempfile::TempDir,
}

impl TestPlace {
    pub fn new() -> TestPlace {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path();
        std::fs::write(p.join("place.toml"), PLACE_TOML).unwrap();
        std::fs::write(p.join("sources.toml"), SOURCES_TOML).unwrap();
        std::fs::write(p.join("council.csv"), "Service,Amount\nChildren,100\n").unwrap();
        std::fs::write(p.join("unit-costs.csv"), UNIT_COSTS).unwrap();
        std::fs::write(p.join("gdp-deflators.csv"), DEFLATORS).unwrap();
        std::fs::create_dir_all(p.join("scenarios")).unwrap();
        TestPlace { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Write `scenarios/<name>.toml` and return its path.
    pub fn scenario(&self, name: &str, toml: &str) -> PathBuf {
        let path = self
            .dir
            .path()
            .join("scenarios")
            .join(format!("{name}.toml"));
        std::fs::write(&path, toml).unwrap();
        path
    }
}

/// Case 1 of `tests/scenario_hand.rs` (also the switching values' case in `tests/switching.rs`): deadweight, lag, drop-off, optimism bias (costs and benefits), fair shares on both
/// bases, payback interpolation, and a centrally controlled beneficiary.
///
/// A flat 25% rate keeps the factors exact: D = 1, 0.8, 0.64, 0.512, 0.4096.
pub const CASE1: &str = r#"
[scenario]
id = "case1"
name = "Care leavers into work (hand-worked)"
cohort = "care-leavers"
transition = "leaving-care"
start_year = 2025
horizon = 5

[discount]
schedule = "flat"
rate = "0.25"

[optimism_bias]
costs = "0.2"

[[unit_cost]]
id = "pa-session"
name = "Personal adviser session"
value = 200
unit = "session"
price_year = "2024-25"
role = "council"
cashability = "0.5"
source = "test"

[[cost]]
id = "advisers"
agency = "council"
kind = "revenue"
amounts = [10000, 5000]

[[outcome]]
id = "into-work"
name = "Care leavers in work rather than NEET"
participants = 100
engagement = "0.8"
success = "0.5"
deadweight = "0.25"
lag = 1
drop_off = "0.1"
evidence_grade = 3

[[outcome.flow]]
id = "jsa"
unit_cost = "jsa-year"
quantity = "0.5"

[[outcome.flow]]
id = "sessions"
unit_cost = "pa-session"
quantity = 2
"#;
