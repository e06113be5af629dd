//! Uncertainty: Monte Carlo simulation, one-way sensitivity (tornado) and break-even, per
//! agency and for the system.
//!
//! Distributions are declared in the scenario file itself (`[[uncertain]]`, `[[correlation]]`;
//! see `docs/uncertainty.md`) on any parameter path of the scenario ([`spec`]). The Monte
//! Carlo runs in `f64` on a compiled copy of the scenario engine ([`kernel`]), in parallel and
//! reproducibly ([`simulate`]); results are converted to `rust_decimal` only when presented
//! ([`report`]). Sensitivity and break-even use the exact decimal engine ([`sensitivity`]).

pub mod copula;
pub mod dist;
pub mod kernel;
pub mod report;
pub mod sensitivity;
pub mod simulate;
pub mod spec;

pub use dist::Dist;
pub use sensitivity::{break_even, tornado, BreakEven, BreakEvenRow, TornadoRow};
pub use simulate::{summarise, Draws, GroupStats, Model, Stats};
pub use spec::{Uncertain, UncertaintySpec};

use crate::scenario::{Params, ValidatedScenario};

/// Versions of the crates that shape the draws, recorded in every output (checked against
/// Cargo.lock by a test).
pub const CRATE_VERSIONS: [(&str, &str); 6] = [
    ("totalplace", env!("CARGO_PKG_VERSION")),
    ("rand", "0.10.4"),
    ("rand_distr", "0.6.0"),
    ("rand_pcg", "0.10.3"),
    ("statrs", "0.19.1"),
    ("rust_decimal", "1.43"),
];

/// The generator, named in outputs.
pub const GENERATOR: &str = "rand_pcg::Pcg64 (Lcg128Xsl64); iteration i draws from two generators seeded with SplitMix64 hashes of (seed, 2i) and (seed, 2i+1), independent parameters taking them alternately in file order (correlated ones from the first), so results do not depend on the thread count";

/// How a simulation is run.
#[derive(Debug, Clone)]
pub struct Options {
    pub iterations: usize,
    pub seed: u64,
    /// Worker threads; `None`: all cores.
    pub threads: Option<usize>,
    /// Histogram bins.
    pub bins: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            iterations: 10_000,
            seed: 1,
            threads: None,
            bins: 40,
        }
    }
}

/// Everything `totalplace simulate` reports.
#[derive(Debug, Clone)]
pub struct Analysis<'a> {
    pub model: Model<'a>,
    pub params: Params,
    pub options: Options,
    pub draws: Draws,
    pub stats: Vec<GroupStats>,
    pub tornado: Vec<TornadoRow>,
    pub break_even: Vec<BreakEvenRow>,
    /// The deterministic results at base values.
    pub base: crate::scenario::Results,
}

/// Simulate, then run the tornado and break-even.
pub fn analyse<'a>(
    sc: &'a ValidatedScenario,
    params: &Params,
    spec: UncertaintySpec,
    options: Options,
    progress: Option<&(dyn Fn(usize) + Sync)>,
) -> Analysis<'a> {
    let model = Model::new(sc, spec, params);
    let draws = model.run(options.iterations, options.seed, options.threads, progress);
    let stats = summarise(&model, &draws, options.bins);
    let tornado = tornado(sc, params, &model.spec);
    let break_even = break_even(sc, params, &model.spec);
    let base = crate::scenario::evaluate(sc, params);
    Analysis {
        model,
        params: params.clone(),
        options,
        draws,
        stats,
        tornado,
        break_even,
        base,
    }
}
