//! The Monte Carlo runner: draws every uncertain parameter, evaluates the f64 kernel and keeps
//! NPV, PV cashable savings and FROI per party and for the system for every iteration.
//!
//! Reproducible whatever the thread count: iteration `i` draws from its own pair of generators,
//! `rand_pcg::Pcg64` (Lcg128Xsl64) whose 128-bit states are SplitMix64 hashes of (seed, 2i)
//! and (seed, 2i + 1) (two independent streams let the processor overlap their updates), and
//! writes its own row of the result matrix; statistics are computed from the matrix in
//! iteration order afterwards. Work is split into fixed chunks over rayon; each worker reuses
//! one set of buffers (`for_each_init`), so a draw allocates nothing.

use std::sync::atomic::{AtomicUsize, Ordering};

use rand_pcg::Pcg64;
use rayon::prelude::*;
use rust_decimal::prelude::ToPrimitive;

use super::copula::Copula;
use super::dist::Sampler;
use super::kernel::{
    Kernel, Scratch, PV_CASHABLE, PV_COSTS, PV_NON_CASHABLE, PV_TRANSFERS, PV_WIDTH,
};
use super::spec::UncertaintySpec;
use crate::scenario::{Params, ValidatedScenario};

/// Metrics kept per group and iteration.
pub const NPV: usize = 0;
pub const CASHABLE: usize = 1;
pub const FROI: usize = 2;
pub const METRICS: usize = 3;
pub const METRIC_NAMES: [&str; METRICS] = ["npv", "pv_cashable_savings", "froi"];

/// Iterations per unit of parallel work.
const CHUNK: usize = 512;

/// A party (or the system) reported on.
#[derive(Debug, Clone)]
pub struct Group {
    /// Party id, or "system".
    pub id: String,
    pub name: String,
    /// Index into the scenario's parties; `None` for the system.
    pub party: Option<usize>,
}

/// A scenario ready to simulate.
#[derive(Debug, Clone)]
pub struct Model<'a> {
    pub sc: &'a ValidatedScenario,
    pub spec: UncertaintySpec,
    pub kernel: Kernel,
    /// Base parameter values (the files, after `--set`).
    pub base: Vec<f64>,
    /// Active parties, then the system.
    pub groups: Vec<Group>,
    /// (parameter index, sampler) of every parameter drawn independently, in file order.
    independent: Vec<(usize, Sampler)>,
    copula: Option<Copula>,
}

/// Per-worker buffers.
#[derive(Debug, Clone)]
pub struct Work {
    pub values: Vec<f64>,
    scratch: Scratch,
    pv: Vec<f64>,
    z: Vec<f64>,
    u: Vec<f64>,
}

fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Generator number `i` under `seed` (iteration i uses 2i and 2i + 1).
pub fn rng_for(seed: u64, i: u64) -> Pcg64 {
    let a = splitmix64(seed);
    let b = splitmix64(a ^ splitmix64(i));
    let c = splitmix64(b ^ i);
    Pcg64::new(
        (u128::from(b) << 64) | u128::from(c),
        0x0a02_bdbf_7bb3_c0a7_ac28_fa16_a64a_bf96,
    )
}

impl<'a> Model<'a> {
    pub fn new(sc: &'a ValidatedScenario, spec: UncertaintySpec, params: &Params) -> Model<'a> {
        let kernel = Kernel::compile(sc);
        let base = params
            .values
            .iter()
            .map(|d| d.to_f64().unwrap_or(f64::NAN))
            .collect();
        let mut groups: Vec<Group> = sc
            .parties
            .iter()
            .enumerate()
            .filter(|(i, _)| kernel.active[*i])
            .map(|(i, p)| Group {
                id: p.id.clone(),
                name: p.name.clone(),
                party: Some(i),
            })
            .collect();
        groups.push(Group {
            id: "system".into(),
            name: "System (all parties)".into(),
            party: None,
        });
        let copula = Copula::new(&spec).expect("checked when the spec was validated");
        let independent = spec
            .params
            .iter()
            .enumerate()
            .filter(|(k, _)| copula.as_ref().is_none_or(|c| !c.members.contains(k)))
            .map(|(_, u)| (u.param, Sampler::new(&u.dist)))
            .collect();
        Model {
            sc,
            spec,
            kernel,
            base,
            groups,
            independent,
            copula,
        }
    }

    /// Values per iteration row: groups × metrics.
    pub fn width(&self) -> usize {
        self.groups.len() * METRICS
    }

    pub fn work(&self) -> Work {
        let m = self.copula.as_ref().map_or(0, |c| c.members.len());
        Work {
            values: self.base.clone(),
            scratch: self.kernel.scratch(),
            pv: vec![0.0; self.kernel.parties * PV_WIDTH],
            z: vec![0.0; m],
            u: vec![0.0; m],
        }
    }

    /// Draw iteration `i`'s parameter values into `w.values` (only the uncertain ones change).
    #[inline]
    pub fn draw(&self, seed: u64, i: u64, w: &mut Work) {
        // Two generators per iteration, taking parameters alternately: their state updates
        // are independent, so the processor overlaps them.
        let mut rng = rng_for(seed, 2 * i);
        let mut rng2 = rng_for(seed, 2 * i + 1);
        let mut pairs = self.independent.chunks_exact(2);
        for pair in &mut pairs {
            w.values[pair[0].0] = pair[0].1.sample(&mut rng);
            w.values[pair[1].0] = pair[1].1.sample(&mut rng2);
        }
        for (param, sampler) in pairs.remainder() {
            w.values[*param] = sampler.sample(&mut rng);
        }
        if let Some(c) = &self.copula {
            c.draw(&mut rng, &mut w.z, &mut w.u);
            for (j, &k) in c.members.iter().enumerate() {
                let u = &self.spec.params[k];
                w.values[u.param] = u.dist.quantile(w.u[j]);
            }
        }
    }

    /// Evaluate the kernel on `w.values` and write one result row (groups × metrics).
    #[inline]
    pub fn evaluate_row(&self, w: &mut Work, row: &mut [f64]) {
        self.kernel.eval(&w.values, &mut w.scratch, &mut w.pv);
        let pv = &w.pv;
        let (mut sc_, mut sb, mut scash, mut st) = (0.0, 0.0, 0.0, 0.0);
        for a in 0..self.kernel.parties {
            let s = &pv[a * PV_WIDTH..(a + 1) * PV_WIDTH];
            sc_ += s[PV_COSTS];
            sb += s[PV_CASHABLE] + s[PV_NON_CASHABLE];
            scash += s[PV_CASHABLE];
            st += s[PV_TRANSFERS];
        }
        for (g, grp) in self.groups.iter().enumerate() {
            let (c, b, cash, t) = match grp.party {
                Some(a) => {
                    let s = &pv[a * PV_WIDTH..(a + 1) * PV_WIDTH];
                    (
                        s[PV_COSTS],
                        s[PV_CASHABLE] + s[PV_NON_CASHABLE],
                        s[PV_CASHABLE],
                        s[PV_TRANSFERS],
                    )
                }
                None => (sc_, sb, scash, st),
            };
            let r = &mut row[g * METRICS..(g + 1) * METRICS];
            r[NPV] = b - c + t;
            r[CASHABLE] = cash;
            r[FROI] = if c == 0.0 { f64::NAN } else { b / c };
        }
    }

    /// Run `iterations` draws. `threads`: a pool of that many workers (default: rayon's global
    /// pool). `progress` is called with the number of iterations finished so far.
    pub fn run(
        &self,
        iterations: usize,
        seed: u64,
        threads: Option<usize>,
        progress: Option<&(dyn Fn(usize) + Sync)>,
    ) -> Draws {
        let width = self.width();
        let mut data = crate::mem::filled(iterations * width, 0.0);
        let done = AtomicUsize::new(0);
        let body = |data: &mut [f64]| {
            data.par_chunks_mut(CHUNK * width)
                .enumerate()
                .for_each_init(
                    || self.work(),
                    |w, (ci, chunk)| {
                        for (j, row) in chunk.chunks_mut(width).enumerate() {
                            let i = (ci * CHUNK + j) as u64;
                            self.draw(seed, i, w);
                            self.evaluate_row(w, row);
                        }
                        let n = done.fetch_add(chunk.len() / width, Ordering::Relaxed)
                            + chunk.len() / width;
                        if let Some(p) = progress {
                            p(n);
                        }
                    },
                );
        };
        match threads {
            Some(t) => {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(t.max(1))
                    .build()
                    .expect("thread pool");
                pool.install(|| body(&mut data));
            }
            None => body(&mut data),
        }
        Draws {
            iterations,
            seed,
            width,
            data,
        }
    }
}

/// Most worker threads a run may ask for (more only queue on the cores; 100,000 hung the
/// machine spawning them).
pub const MAX_THREADS: usize = 1024;
/// Most histogram bins (a chart or CSV of more shows nothing more).
pub const MAX_BINS: usize = 10_000;
/// Default bound on the draws matrix, which holds every iteration's result row
/// (8 bytes × groups × metrics per iteration); env `TOTALPLACE_MAX_SIM_BYTES` raises it.
pub const MAX_DRAW_BYTES: u64 = 2 << 30;

/// Check a run's size before it starts: iterations (against the memory its draws take for a
/// scenario of `parties` parties), threads and bins. The message names the option and the limit.
pub fn check_run(
    iterations: usize,
    threads: Option<usize>,
    bins: usize,
    parties: usize,
) -> Result<(), (&'static str, String)> {
    if iterations == 0 {
        return Err(("--iterations", "run at least one iteration".into()));
    }
    if let Some(t) = threads {
        if t == 0 || t > MAX_THREADS {
            return Err((
                "--threads",
                format!("{t} threads: give 1 to {MAX_THREADS} (or leave it out for every core)"),
            ));
        }
    }
    if bins == 0 || bins > MAX_BINS {
        return Err(("--bins", format!("{bins} bins: give 1 to {MAX_BINS}")));
    }
    let limit = std::env::var("TOTALPLACE_MAX_SIM_BYTES")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .unwrap_or(MAX_DRAW_BYTES);
    let per = 8 * METRICS as u64 * (parties as u64 + 1);
    let need = (iterations as u64).saturating_mul(per);
    if need > limit {
        return Err((
            "--iterations",
            format!(
                "{iterations} iterations need {} MB for the draws ({per} bytes each), over the limit of {} MB; use fewer (100,000 iterations give percentiles to well under 1%), or raise the limit with TOTALPLACE_MAX_SIM_BYTES=N",
                need / 1_000_000,
                limit / 1_000_000
            ),
        ));
    }
    Ok(())
}

/// The result matrix: `iterations` rows of groups × metrics.
#[derive(Debug, Clone)]
pub struct Draws {
    pub iterations: usize,
    pub seed: u64,
    pub width: usize,
    pub data: Vec<f64>,
}

impl Draws {
    pub fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.width..(i + 1) * self.width]
    }
    /// One metric of one group over every iteration, in iteration order.
    pub fn column(&self, group: usize, metric: usize) -> Vec<f64> {
        self.column_iter(group, metric).collect()
    }
    /// [`Draws::column`] without the copy.
    pub fn column_iter(&self, group: usize, metric: usize) -> impl Iterator<Item = f64> + '_ {
        let k = group * METRICS + metric;
        self.data.chunks_exact(self.width).map(move |r| r[k])
    }
}

/// Summary statistics of one metric.
#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    /// Iterations with a value (FROI has none when costs are zero).
    pub n: usize,
    pub mean: f64,
    pub sd: f64,
    /// Monte Carlo standard error of the mean: sd ÷ √n.
    pub se: f64,
    pub min: f64,
    pub max: f64,
    /// P5, P10, P50, P90, P95 (linear interpolation between order statistics).
    pub pct: [f64; 5],
    /// Share of iterations above zero.
    pub prob_positive: f64,
}

pub const PERCENTILES: [f64; 5] = [5.0, 10.0, 50.0, 90.0, 95.0];

/// Percentile `p` (0..100) of sorted values, interpolating linearly between order statistics
/// (NumPy's default).
pub fn percentile_sorted(v: &[f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let h = (v.len() - 1) as f64 * p / 100.0;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(v.len() - 1);
    v[lo] + (h - lo as f64) * (v[hi] - v[lo])
}

impl Stats {
    /// Statistics of the finite values of `col` (in iteration order; the mean sums in order).
    pub fn of(col: &[f64]) -> Option<Stats> {
        Stats::of_finite(
            &mut col
                .iter()
                .copied()
                .filter(|x| x.is_finite())
                .collect::<Vec<_>>(),
        )
    }

    /// Statistics of `v`, finite values in iteration order (the mean and the sum of squares
    /// add in that order); `v` is left permuted. Percentiles come from the order statistics
    /// they need, found by selection: the same values a full sort gives, in linear time.
    pub fn of_finite(v: &mut [f64]) -> Option<Stats> {
        let n = v.len();
        if n == 0 {
            return None;
        }
        let mean = v.iter().sum::<f64>() / n as f64;
        let var = if n > 1 {
            v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64
        } else {
            0.0
        };
        let positive = v.iter().filter(|x| **x > 0.0).count();
        let sd = var.sqrt();
        let mut min = v[0];
        let mut max = v[0];
        for &x in v.iter() {
            if x.total_cmp(&min).is_lt() {
                min = x;
            }
            if x.total_cmp(&max).is_gt() {
                max = x;
            }
        }
        let at = order_statistics(v);
        Some(Stats {
            n,
            mean,
            sd,
            se: sd / (n as f64).sqrt(),
            min,
            max,
            pct: PERCENTILES.map(|p| {
                let (lo, hi, h) = percentile_ranks(n, p);
                at(lo) + (h - lo as f64) * (at(hi) - at(lo))
            }),
            prob_positive: positive as f64 / n as f64,
        })
    }
}

/// The order statistics either side of percentile `p` of `n` values and the fractional rank:
/// [`percentile_sorted`]'s arithmetic.
fn percentile_ranks(n: usize, p: f64) -> (usize, usize, f64) {
    let h = (n - 1) as f64 * p / 100.0;
    let lo = h.floor() as usize;
    (lo, (lo + 1).min(n - 1), h)
}

/// Put every order statistic the [`PERCENTILES`] need in its sorted place (selection over
/// ever smaller tails) and return a lookup by rank. Values equal under `total_cmp` are the
/// same bits, so each rank holds exactly the value a full sort puts there.
fn order_statistics(v: &mut [f64]) -> impl Fn(usize) -> f64 + '_ {
    let n = v.len();
    let mut ranks: Vec<usize> = PERCENTILES
        .iter()
        .flat_map(|&p| {
            let (lo, hi, _) = percentile_ranks(n, p);
            [lo, hi]
        })
        .collect();
    ranks.sort_unstable();
    ranks.dedup();
    let mut start = 0;
    for &r in &ranks {
        if r >= start {
            v[start..].select_nth_unstable_by(r - start, f64::total_cmp);
            start = r + 1;
        }
    }
    move |r| v[r]
}

/// Equal-width histogram of NPV.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    /// bins + 1 edges; bin k is [edges[k], edges[k+1]) (the last bin includes its top).
    pub edges: Vec<f64>,
    pub counts: Vec<u64>,
}

impl Histogram {
    pub fn of(col: &[f64], bins: usize) -> Histogram {
        let v: Vec<f64> = col.iter().copied().filter(|x| x.is_finite()).collect();
        Histogram::of_finite(&v, bins)
    }

    /// The histogram of finite values `v`, in any order (counts and extremes do not depend
    /// on it).
    pub fn of_finite(v: &[f64], bins: usize) -> Histogram {
        let bins = bins.max(1);
        if v.is_empty() {
            return Histogram {
                edges: vec![],
                counts: vec![],
            };
        }
        let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
        let mut hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if hi <= lo {
            hi = lo + 1.0;
        }
        let w = (hi - lo) / bins as f64;
        let edges: Vec<f64> = (0..=bins).map(|k| lo + w * k as f64).collect();
        let mut counts = vec![0u64; bins];
        for &x in v {
            let k = (((x - lo) / w) as usize).min(bins - 1);
            counts[k] += 1;
        }
        Histogram { edges, counts }
    }
}

/// Statistics of every group.
#[derive(Debug, Clone)]
pub struct GroupStats {
    pub group: Group,
    /// Indexed by [`NPV`], [`CASHABLE`], [`FROI`].
    pub metrics: [Option<Stats>; METRICS],
    pub histogram: Histogram,
}

/// Summarise a run (groups in parallel; the result does not depend on the thread count).
pub fn summarise(model: &Model, draws: &Draws, bins: usize) -> Vec<GroupStats> {
    model
        .groups
        .par_iter()
        .enumerate()
        .map(|(g, grp)| {
            // One buffer per group: each metric's finite values, read straight from the rows.
            let mut v = Vec::with_capacity(draws.iterations);
            let stat = |m: usize, v: &mut Vec<f64>| {
                v.clear();
                v.extend(draws.column_iter(g, m).filter(|x| x.is_finite()));
                Stats::of_finite(v)
            };
            let npv = stat(NPV, &mut v);
            let histogram = Histogram::of_finite(&v, bins);
            GroupStats {
                group: grp.clone(),
                metrics: [npv, stat(CASHABLE, &mut v), stat(FROI, &mut v)],
                histogram,
            }
        })
        .collect()
}

impl Model<'_> {
    /// The model as the NumPy reference reads it: the kernel's structure, base parameter
    /// values and each uncertain parameter's distribution. `None` when the reference cannot
    /// run it (see [`Kernel::reference_json`]; correlations are not implemented there either).
    pub fn reference_json(&self) -> Option<serde_json::Value> {
        if self.copula.is_some() {
            return None;
        }
        let mut v = self.kernel.reference_json()?;
        v["base"] = serde_json::json!(self.base);
        v["uncertain"] = serde_json::Value::Array(
            self.spec
                .params
                .iter()
                .map(|u| serde_json::json!({"param": u.param, "path": u.path, "distribution": u.dist}))
                .collect(),
        );
        Some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Selection gives the statistics a full sort gives, bit for bit: ties, signed zeros,
    /// every length from 1 up (the ranks coincide for short columns).
    #[test]
    fn selected_percentiles_equal_sorted_ones() {
        let mut rng = rng_for(3, 0);
        for n in (1..40).chain([99, 100, 101, 1000, 4097]) {
            let col: Vec<f64> = (0..n)
                .map(|i| {
                    let u: f64 = rand::RngExt::random(&mut rng);
                    match i % 7 {
                        0 => 0.0,
                        1 => -0.0,
                        2 => (u * 10.0).round() - 5.0,
                        _ => (u - 0.4) * 1e6,
                    }
                })
                .collect();
            let s = Stats::of(&col).unwrap();
            let mut sorted = col.clone();
            sorted.sort_unstable_by(f64::total_cmp);
            for (k, p) in PERCENTILES.iter().enumerate() {
                assert_eq!(
                    s.pct[k].to_bits(),
                    percentile_sorted(&sorted, *p).to_bits(),
                    "n = {n}, P{p}"
                );
            }
            assert_eq!(s.min.to_bits(), sorted[0].to_bits(), "n = {n}");
            assert_eq!(s.max.to_bits(), sorted[n - 1].to_bits(), "n = {n}");
        }
    }
}
