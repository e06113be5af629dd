//! Distributions a parameter may follow, checked against the parameter's range, with a fast
//! sampler (rand_distr) and exact quantiles (statrs) for tornado ends, break-even ranges and
//! correlated draws.

use rand::{Rng, RngExt};
use rand_distr::{Distribution, StandardNormal};
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Normal as SNormal};

use crate::scenario::Bound;

/// z such that Φ(z) = 0.95: a 90% interval is mean ± 1.6449 sd.
pub const Z95: f64 = 1.644_853_626_951_472_2;

/// A validated distribution (all shapes in the parameter's own units).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "dist", rename_all = "kebab-case")]
pub enum Dist {
    Fixed {
        value: f64,
    },
    Uniform {
        min: f64,
        max: f64,
    },
    Triangular {
        min: f64,
        mode: f64,
        max: f64,
    },
    /// Beta-PERT: Beta(α, β) on [min, max] with α = 1 + λ(mode−min)/(max−min),
    /// β = 1 + λ(max−mode)/(max−min); λ = 4 is the classic PERT.
    Pert {
        min: f64,
        mode: f64,
        max: f64,
        lambda: f64,
    },
    /// Normal, truncated to [lower, upper] (the parameter's range and any bounds given).
    Normal {
        mean: f64,
        sd: f64,
        lower: f64,
        upper: f64,
    },
    /// Lognormal with P5 = `p5` and P95 = `p95`: ln X ~ N(μ, σ), μ = (ln p5 + ln p95)/2,
    /// σ = (ln p95 − ln p5)/(2 × 1.6449); truncated to [lower, upper].
    Lognormal {
        p5: f64,
        p95: f64,
        mu: f64,
        sigma: f64,
        lower: f64,
        upper: f64,
    },
    /// Beta(α, β) scaled to [min, max] (default 0..1).
    Beta {
        alpha: f64,
        beta: f64,
        min: f64,
        max: f64,
    },
}

fn std_normal() -> SNormal {
    SNormal::new(0.0, 1.0).expect("standard normal")
}

fn range_of(bound: Bound) -> (f64, f64) {
    match bound {
        Bound::Rate => (0.0, 1.0),
        Bound::NonNegative | Bound::Positive => (0.0, f64::INFINITY),
    }
}

/// Check that a bounded support `[lo, hi]` lies within the parameter's range.
fn within(bound: Bound, lo: f64, hi: f64) -> Result<(), String> {
    let (a, b) = range_of(bound);
    let what = match bound {
        Bound::Rate => "a rate, 0..1",
        Bound::NonNegative => "zero or more",
        Bound::Positive => "more than zero",
    };
    if lo < a || hi > b || (bound == Bound::Positive && lo <= 0.0) {
        return Err(format!(
            "the distribution runs from {lo} to {hi}, outside the parameter's range ({what}); narrow it, or use a normal or lognormal, which are truncated to the range"
        ));
    }
    Ok(())
}

impl Dist {
    pub fn name(&self) -> &'static str {
        match self {
            Dist::Fixed { .. } => "fixed",
            Dist::Uniform { .. } => "uniform",
            Dist::Triangular { .. } => "triangular",
            Dist::Pert { .. } => "pert",
            Dist::Normal { .. } => "normal",
            Dist::Lognormal { .. } => "lognormal",
            Dist::Beta { .. } => "beta",
        }
    }

    pub fn fixed(value: f64, bound: Bound) -> Result<Dist, String> {
        within(bound, value, value)?;
        Ok(Dist::Fixed { value })
    }

    pub fn uniform(min: f64, max: f64, bound: Bound) -> Result<Dist, String> {
        if min >= max {
            return Err(format!("min ({min}) must be less than max ({max})"));
        }
        within(bound, min, max)?;
        Ok(Dist::Uniform { min, max })
    }

    pub fn triangular(min: f64, mode: f64, max: f64, bound: Bound) -> Result<Dist, String> {
        if min >= max {
            return Err(format!("min ({min}) must be less than max ({max})"));
        }
        if mode < min || mode > max {
            return Err(format!(
                "mode ({mode}) must lie between min ({min}) and max ({max})"
            ));
        }
        within(bound, min, max)?;
        Ok(Dist::Triangular { min, mode, max })
    }

    pub fn pert(min: f64, mode: f64, max: f64, lambda: f64, bound: Bound) -> Result<Dist, String> {
        Dist::triangular(min, mode, max, bound)?;
        if lambda.is_nan() || lambda <= 0.0 {
            return Err(format!(
                "lambda ({lambda}) must be more than zero (4 is the classic PERT)"
            ));
        }
        Ok(Dist::Pert {
            min,
            mode,
            max,
            lambda,
        })
    }

    pub fn normal(
        mean: f64,
        sd: f64,
        lower: Option<f64>,
        upper: Option<f64>,
        bound: Bound,
    ) -> Result<Dist, String> {
        if sd.is_nan() || sd <= 0.0 {
            return Err(format!("sd ({sd}) must be more than zero"));
        }
        let (a, b) = range_of(bound);
        let lower = lower.unwrap_or(a).max(a);
        let upper = upper.unwrap_or(b).min(b);
        let d = Dist::Normal {
            mean,
            sd,
            lower,
            upper,
        };
        d.check_mass()?;
        Ok(d)
    }

    pub fn lognormal(
        p5: f64,
        p95: f64,
        lower: Option<f64>,
        upper: Option<f64>,
        bound: Bound,
    ) -> Result<Dist, String> {
        if p5.is_nan() || p5 <= 0.0 {
            return Err(format!("p5 ({p5}) must be more than zero"));
        }
        if p5 >= p95 {
            return Err(format!("p5 ({p5}) must be less than p95 ({p95})"));
        }
        let (a, b) = range_of(bound);
        let lower = lower.unwrap_or(a).max(a);
        let upper = upper.unwrap_or(b).min(b);
        let d = Dist::Lognormal {
            p5,
            p95,
            mu: (p5.ln() + p95.ln()) / 2.0,
            sigma: (p95.ln() - p5.ln()) / (2.0 * Z95),
            lower,
            upper,
        };
        d.check_mass()?;
        Ok(d)
    }

    pub fn beta(alpha: f64, beta: f64, min: f64, max: f64, bound: Bound) -> Result<Dist, String> {
        if alpha.is_nan() || alpha <= 0.0 || beta.is_nan() || beta <= 0.0 {
            return Err(format!(
                "alpha ({alpha}) and beta ({beta}) must be more than zero"
            ));
        }
        if min >= max {
            return Err(format!("min ({min}) must be less than max ({max})"));
        }
        within(bound, min, max)?;
        Ok(Dist::Beta {
            alpha,
            beta,
            min,
            max,
        })
    }

    /// Normal-scale truncation points (z or ln-scale z) and the CDF mass between them.
    fn trunc_z(&self) -> Option<(f64, f64)> {
        match *self {
            Dist::Normal {
                mean,
                sd,
                lower,
                upper,
            } => Some(((lower - mean) / sd, (upper - mean) / sd)),
            Dist::Lognormal {
                mu,
                sigma,
                lower,
                upper,
                ..
            } => {
                let zl = if lower <= 0.0 {
                    f64::NEG_INFINITY
                } else {
                    (lower.ln() - mu) / sigma
                };
                Some((zl, (upper.ln() - mu) / sigma))
            }
            _ => None,
        }
    }

    fn check_mass(&self) -> Result<(), String> {
        if let Some((zl, zu)) = self.trunc_z() {
            let n = std_normal();
            let mass = n.cdf(zu) - n.cdf(zl);
            if mass.is_nan() || mass < 1e-6 {
                return Err(
                    "the distribution has almost no probability within the parameter's range and bounds"
                        .to_string(),
                );
            }
        }
        Ok(())
    }

    /// The value at cumulative probability `u` (0..1) of the distribution as drawn
    /// (truncated where it is truncated).
    pub fn quantile(&self, u: f64) -> f64 {
        let u = u.clamp(0.0, 1.0);
        match *self {
            Dist::Fixed { value } => value,
            Dist::Uniform { min, max } => min + (max - min) * u,
            Dist::Triangular { min, mode, max } => {
                // statrs::Triangular::new(min, max, mode): note the argument order.
                let t = statrs::distribution::Triangular::new(min, max, mode)
                    .expect("validated triangular");
                t.inverse_cdf(u)
            }
            Dist::Pert {
                min,
                mode,
                max,
                lambda,
            } => {
                let (a, b) = pert_shape(min, mode, max, lambda);
                min + (max - min) * beta_quantile(a, b, u)
            }
            Dist::Beta {
                alpha,
                beta,
                min,
                max,
            } => min + (max - min) * beta_quantile(alpha, beta, u),
            Dist::Normal { mean, sd, .. } => {
                let z = self.trunc_normal_quantile(u);
                (mean + sd * z).clamp(self.lo(), self.hi())
            }
            Dist::Lognormal { mu, sigma, .. } => {
                let z = self.trunc_normal_quantile(u);
                (mu + sigma * z).exp().clamp(self.lo(), self.hi())
            }
        }
    }

    fn lo(&self) -> f64 {
        match *self {
            Dist::Normal { lower, .. } | Dist::Lognormal { lower, .. } => lower,
            _ => f64::NEG_INFINITY,
        }
    }
    fn hi(&self) -> f64 {
        match *self {
            Dist::Normal { upper, .. } | Dist::Lognormal { upper, .. } => upper,
            _ => f64::INFINITY,
        }
    }

    fn trunc_normal_quantile(&self, u: f64) -> f64 {
        let n = std_normal();
        let (zl, zu) = self.trunc_z().expect("normal family");
        let (cl, cu) = (n.cdf(zl), n.cdf(zu));
        n.inverse_cdf(cl + u * (cu - cl))
    }

    /// The range searched for a break-even: the support of a bounded distribution; P1..P99
    /// (of the truncated distribution) for a normal or lognormal.
    pub fn search_range(&self) -> (f64, f64) {
        match *self {
            Dist::Fixed { value } => (value, value),
            Dist::Uniform { min, max }
            | Dist::Triangular { min, max, .. }
            | Dist::Pert { min, max, .. }
            | Dist::Beta { min, max, .. } => (min, max),
            Dist::Normal { .. } | Dist::Lognormal { .. } => {
                (self.quantile(0.01), self.quantile(0.99))
            }
        }
    }

    /// The mean of the distribution (untruncated shapes; used in tests and documentation).
    pub fn mean(&self) -> f64 {
        match *self {
            Dist::Fixed { value } => value,
            Dist::Uniform { min, max } => (min + max) / 2.0,
            Dist::Triangular { min, mode, max } => (min + mode + max) / 3.0,
            Dist::Pert {
                min,
                mode,
                max,
                lambda,
            } => (min + lambda * mode + max) / (lambda + 2.0),
            Dist::Normal { mean, .. } => mean,
            Dist::Lognormal { mu, sigma, .. } => (mu + sigma * sigma / 2.0).exp(),
            Dist::Beta {
                alpha,
                beta,
                min,
                max,
            } => min + (max - min) * alpha / (alpha + beta),
        }
    }
}

fn pert_shape(min: f64, mode: f64, max: f64, lambda: f64) -> (f64, f64) {
    let r = max - min;
    (
        1.0 + lambda * (mode - min) / r,
        1.0 + lambda * (max - mode) / r,
    )
}

fn beta_quantile(a: f64, b: f64, u: f64) -> f64 {
    if u <= 0.0 {
        return 0.0;
    }
    if u >= 1.0 {
        return 1.0;
    }
    statrs::distribution::Beta::new(a, b)
        .expect("validated beta")
        .inverse_cdf(u)
}

/// A distribution prepared for fast repeated draws.
#[derive(Debug, Clone)]
pub enum Sampler {
    Fixed(f64),
    Uniform {
        min: f64,
        width: f64,
    },
    Triangular {
        min: f64,
        max: f64,
        /// (mode − min) ÷ (max − min).
        fc: f64,
        width: f64,
    },
    /// Beta draws as X ÷ (X + Y) with X, Y Gamma(α), Gamma(β) by Marsaglia and Tsang's method
    /// (shapes ≥ 1, so every PERT): two standard normals and two uniforms, rarely a log.
    BetaGamma {
        a: GammaMT,
        b: GammaMT,
        min: f64,
        width: f64,
    },
    /// Beta draws scaled to [min, min + width] (beta with a shape below 1).
    Beta {
        beta: rand_distr::Beta<f64>,
        min: f64,
        width: f64,
    },
    /// Normal (`log` false) or lognormal, truncated: rejection when most of the mass is kept,
    /// inverse CDF otherwise.
    Normal {
        mean: f64,
        sd: f64,
        /// Truncation on the normal scale.
        zl: f64,
        zu: f64,
        log: bool,
        rejection: bool,
        dist: Box<Dist>,
    },
}

impl Sampler {
    pub fn new(d: &Dist) -> Sampler {
        match *d {
            Dist::Fixed { value } => Sampler::Fixed(value),
            Dist::Uniform { min, max } => Sampler::Uniform {
                min,
                width: max - min,
            },
            Dist::Triangular { min, mode, max } => Sampler::Triangular {
                min,
                max,
                fc: (mode - min) / (max - min),
                width: max - min,
            },
            Dist::Pert {
                min,
                mode,
                max,
                lambda,
            } => {
                let (a, b) = pert_shape(min, mode, max, lambda);
                Sampler::beta(a, b, min, max - min)
            }
            Dist::Beta {
                alpha,
                beta,
                min,
                max,
            } => Sampler::beta(alpha, beta, min, max - min),
            Dist::Normal { mean, sd, .. }
            | Dist::Lognormal {
                mu: mean,
                sigma: sd,
                ..
            } => {
                let (zl, zu) = d.trunc_z().expect("normal family");
                let n = std_normal();
                let mass = n.cdf(zu) - n.cdf(zl);
                Sampler::Normal {
                    mean,
                    sd,
                    zl,
                    zu,
                    log: matches!(d, Dist::Lognormal { .. }),
                    rejection: mass >= 0.5,
                    dist: Box::new(d.clone()),
                }
            }
        }
    }

    fn beta(a: f64, b: f64, min: f64, width: f64) -> Sampler {
        if a >= 1.0 && b >= 1.0 {
            Sampler::BetaGamma {
                a: GammaMT::new(a),
                b: GammaMT::new(b),
                min,
                width,
            }
        } else {
            Sampler::Beta {
                beta: rand_distr::Beta::new(a, b).expect("validated beta"),
                min,
                width,
            }
        }
    }

    #[inline(always)]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Sampler::BetaGamma { a, b, min, width } => {
                let x = a.sample(rng);
                let y = b.sample(rng);
                min + width * (x / (x + y))
            }
            Sampler::Fixed(v) => *v,
            Sampler::Uniform { min, width } => min + width * rng.random::<f64>(),
            Sampler::Triangular {
                min,
                max,
                fc,
                width,
            } => {
                // min + √(u·w²·fc) below the mode, max − √((1−u)·w²·(1−fc)) above it, chosen
                // without a branch (u is a coin toss the processor cannot predict): adding
                // −√ is exactly subtracting √, so the bits are those of the two-way form.
                let u: f64 = rng.random();
                let below = u < *fc;
                let lo = u * width * width * fc;
                let hi = (1.0 - u) * width * width * (1.0 - fc);
                let (base, k, sign) = if below {
                    (*min, lo, 1.0)
                } else {
                    (*max, hi, -1.0)
                };
                base + sign * k.sqrt()
            }
            Sampler::Beta { beta, min, width } => min + width * beta.sample(rng),
            Sampler::Normal {
                mean,
                sd,
                zl,
                zu,
                log,
                rejection,
                dist,
            } => {
                if *rejection {
                    // Expected draws ≤ 2; the cap keeps a pathological case finite.
                    for _ in 0..64 {
                        let z: f64 = StandardNormal.sample(rng);
                        if z >= *zl && z <= *zu {
                            let x = mean + sd * z;
                            return if *log { x.exp() } else { x };
                        }
                    }
                }
                dist.quantile(rng.random::<f64>())
            }
        }
    }
}

/// Gamma(shape ≥ 1, scale 1) by Marsaglia and Tsang (2000), "A simple method for generating
/// gamma variables": d = shape − 1/3, c = 1/√(9d); accept d·v, v = (1 + c·z)³, on the squeeze
/// u < 1 − 0.0331 z⁴ or else ln u < z²/2 + d(1 − v + ln v).
#[derive(Debug, Clone, Copy)]
pub struct GammaMT {
    d: f64,
    c: f64,
}

impl GammaMT {
    pub fn new(shape: f64) -> GammaMT {
        debug_assert!(shape >= 1.0);
        let d = shape - 1.0 / 3.0;
        GammaMT {
            d,
            c: 1.0 / (9.0 * d).sqrt(),
        }
    }

    // Always inlined: a PERT draw makes two of these, and a call each costs more than the
    // squeeze test it wraps.
    #[inline(always)]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        loop {
            let z: f64 = StandardNormal.sample(rng);
            let v = 1.0 + self.c * z;
            if v <= 0.0 {
                continue;
            }
            let v = v * v * v;
            // rand's open01 avoids ln(0).
            let u: f64 = rng.sample(rand::distr::Open01);
            let z2 = z * z;
            if u < 1.0 - 0.0331 * z2 * z2 || u.ln() < 0.5 * z2 + self.d * (1.0 - v + v.ln()) {
                return self.d * v;
            }
        }
    }
}
