//! One-way sensitivity (tornado) and break-even, on the exact decimal engine.
//!
//! Tornado: each uncertain parameter in turn at its P10 and its P90 (the quantiles of its
//! distribution as drawn), every other parameter at its base value; ranked by the swing in
//! system NPV, with each party's NPV at both ends.
//!
//! Break-even: for each uncertain parameter, the value at which the system's and each party's
//! NPV is zero, others at base. The search range is the distribution's support (P1..P99 where
//! a normal or lognormal is unbounded). NPV is evaluated on a grid of 33 points to find the
//! first sign change from the low end, which is then closed by bisection on the exact engine
//! (NPV is linear in most parameters and piecewise linear or smooth in the rest, so the
//! bracket holds one root); "never within the range" when NPV keeps one sign.

use rust_decimal::Decimal;

use super::spec::UncertaintySpec;
use crate::money::from_sheet_number;
use crate::scenario::{evaluate, Bound, Params, Results, ValidatedScenario};

/// NPVs of the system (index 0) and of each party (1 + party index).
fn npvs(r: &Results) -> Vec<Decimal> {
    std::iter::once(r.system.npv)
        .chain(r.parties.iter().map(|p| p.summary.npv))
        .collect()
}

fn dec(x: f64) -> Decimal {
    from_sheet_number(x).unwrap_or_default()
}

/// One parameter's tornado bar.
#[derive(Debug, Clone)]
pub struct TornadoRow {
    pub path: String,
    pub base_input: Decimal,
    pub low_input: Decimal,
    pub high_input: Decimal,
    /// NPV at base, at the low input and at the high input: [0] system, [1 + a] party a.
    pub base: Vec<Decimal>,
    pub low: Vec<Decimal>,
    pub high: Vec<Decimal>,
}

impl TornadoRow {
    /// |NPV(high) − NPV(low)| for result `k` (0: system).
    pub fn swing(&self, k: usize) -> Decimal {
        (self.high[k] - self.low[k]).abs()
    }
}

fn with(sc: &ValidatedScenario, params: &Params, param: usize, v: Decimal) -> Vec<Decimal> {
    let mut p = params.clone();
    p.values[param] = v;
    npvs(&evaluate(sc, &p))
}

/// The tornado, widest system swing first (ties keep the file's order).
pub fn tornado(sc: &ValidatedScenario, params: &Params, spec: &UncertaintySpec) -> Vec<TornadoRow> {
    let base = npvs(&evaluate(sc, params));
    let mut rows: Vec<TornadoRow> = spec
        .params
        .iter()
        .filter(|u| !matches!(u.dist, super::dist::Dist::Fixed { .. }))
        .map(|u| {
            let lo = dec(u.dist.quantile(0.10));
            let hi = dec(u.dist.quantile(0.90));
            TornadoRow {
                path: u.path.clone(),
                base_input: params.values[u.param],
                low_input: lo,
                high_input: hi,
                base: base.clone(),
                low: with(sc, params, u.param, lo),
                high: with(sc, params, u.param, hi),
            }
        })
        .collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.swing(0)));
    rows
}

/// Where one result breaks even as one parameter moves across its range.
#[derive(Debug, Clone, PartialEq)]
pub enum BreakEven {
    /// NPV is zero at this value; `positive_above`: NPV is positive just above it.
    /// `crossings`: sign changes seen on the grid (more than 1: the first from the low end).
    At {
        value: Decimal,
        positive_above: bool,
        crossings: usize,
    },
    /// NPV keeps one sign over the whole range.
    Never { positive: bool },
}

/// Break-even of every result for one parameter.
#[derive(Debug, Clone)]
pub struct BreakEvenRow {
    pub path: String,
    pub base_input: Decimal,
    pub range: (Decimal, Decimal),
    /// [0] system, [1 + a] party a.
    pub results: Vec<BreakEven>,
}

const GRID: usize = 33;
const BISECTIONS: usize = 64;

fn sign(d: Decimal) -> i8 {
    if d > Decimal::ZERO {
        1
    } else if d < Decimal::ZERO {
        -1
    } else {
        0
    }
}

/// Break-even values for each uncertain parameter (fixed ones are skipped).
pub fn break_even(
    sc: &ValidatedScenario,
    params: &Params,
    spec: &UncertaintySpec,
) -> Vec<BreakEvenRow> {
    let mut out = Vec::new();
    for u in &spec.params {
        if matches!(u.dist, super::dist::Dist::Fixed { .. }) {
            continue;
        }
        let (lo, hi) = u.dist.search_range();
        let mut lo = dec(lo);
        let hi = dec(hi);
        if sc.param_specs[u.param].bound == Bound::Positive && lo <= Decimal::ZERO {
            lo = hi / Decimal::from(1_000_000);
        }
        let xs: Vec<Decimal> = (0..GRID)
            .map(|k| lo + (hi - lo) * Decimal::from(k) / Decimal::from(GRID - 1))
            .collect();
        let ys: Vec<Vec<Decimal>> = xs.iter().map(|x| with(sc, params, u.param, *x)).collect();
        let nres = ys[0].len();
        let mut results = Vec::with_capacity(nres);
        for k in 0..nres {
            let signs: Vec<i8> = ys.iter().map(|y| sign(y[k])).collect();
            // Sign changes between non-zero grid values.
            let nz: Vec<(usize, i8)> = signs
                .iter()
                .copied()
                .enumerate()
                .filter(|(_, s)| *s != 0)
                .collect();
            if nz.is_empty() {
                // No flows at all for this result (or zero throughout).
                results.push(BreakEven::Never { positive: false });
                continue;
            }
            let crossings = nz.windows(2).filter(|w| w[0].1 != w[1].1).count();
            let exact = signs.iter().position(|s| *s == 0);
            let first_change = nz.windows(2).find(|w| w[0].1 != w[1].1);
            let be = match (first_change, exact) {
                (None, None) => BreakEven::Never {
                    positive: signs[0] > 0,
                },
                (None, Some(i)) => {
                    // Zero at a grid point and one sign elsewhere (or zero throughout).
                    let positive_above = nz.iter().any(|(j, s)| *j > i && *s > 0);
                    BreakEven::At {
                        value: xs[i],
                        positive_above,
                        crossings: 1,
                    }
                }
                (Some(w), ex) if ex.is_some_and(|i| i < w[1].0) => {
                    let i = ex.expect("some");
                    BreakEven::At {
                        value: xs[i],
                        positive_above: w[1].1 > 0,
                        crossings,
                    }
                }
                (Some(w), _) => {
                    let (mut a, mut b) = (xs[w[0].0], xs[w[1].0]);
                    let sa = w[0].1;
                    let tol = (hi - lo).abs() * Decimal::new(1, 12);
                    for _ in 0..BISECTIONS {
                        if b - a <= tol {
                            break;
                        }
                        let m = (a + b) / Decimal::TWO;
                        let s = sign(with(sc, params, u.param, m)[k]);
                        if s == 0 {
                            a = m;
                            b = m;
                            break;
                        }
                        if s == sa {
                            a = m;
                        } else {
                            b = m;
                        }
                    }
                    BreakEven::At {
                        value: (a + b) / Decimal::TWO,
                        positive_above: w[1].1 > 0,
                        crossings,
                    }
                }
            };
            results.push(be);
        }
        out.push(BreakEvenRow {
            path: u.path.clone(),
            base_input: params.values[u.param],
            range: (lo, hi),
            results,
        });
    }
    out
}
