//! Rank correlation by a Gaussian copula: correlated standard normals z = L·n (L the Cholesky
//! factor of the normal-scale correlation matrix), u = Φ(z), x = F⁻¹(u) for each parameter's
//! own distribution. A Spearman rank correlation ρ_s is met exactly by the normal-scale
//! correlation ρ = 2·sin(π·ρ_s/6); the marginals are untouched.

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};
use statrs::distribution::{ContinuousCDF, Normal};

use super::spec::UncertaintySpec;

#[derive(Debug, Clone)]
pub struct Copula {
    /// Entries of the spec's `params` drawn through the copula, in order.
    pub members: Vec<usize>,
    /// Lower-triangular Cholesky factor, row-major, members × members.
    l: Vec<f64>,
    normal: Normal,
}

impl Copula {
    /// `Ok(None)` when nothing is correlated; an error when the correlations cannot hold
    /// together (the matrix is not positive definite).
    pub fn new(spec: &UncertaintySpec) -> Result<Option<Copula>, String> {
        if spec.correlations.is_empty() {
            return Ok(None);
        }
        let mut members: Vec<usize> = spec.correlations.iter().flat_map(|c| [c.a, c.b]).collect();
        members.sort_unstable();
        members.dedup();
        let m = members.len();
        let pos = |k: usize| members.iter().position(|&x| x == k).expect("member");
        let mut c = vec![0.0; m * m];
        for i in 0..m {
            c[i * m + i] = 1.0;
        }
        for cr in &spec.correlations {
            let (i, j) = (pos(cr.a), pos(cr.b));
            let rho = 2.0 * (std::f64::consts::PI * cr.rank / 6.0).sin();
            c[i * m + j] = rho;
            c[j * m + i] = rho;
        }
        let mut l = vec![0.0; m * m];
        for i in 0..m {
            for j in 0..=i {
                let mut s = c[i * m + j];
                for k in 0..j {
                    s -= l[i * m + k] * l[j * m + k];
                }
                if i == j {
                    if s <= 1e-10 {
                        return Err(
                            "these rank correlations cannot hold together (the correlation matrix is not positive definite); weaken some of them"
                                .to_string(),
                        );
                    }
                    l[i * m + i] = s.sqrt();
                } else {
                    l[i * m + j] = s / l[j * m + j];
                }
            }
        }
        Ok(Some(Copula {
            members,
            l,
            normal: Normal::new(0.0, 1.0).expect("standard normal"),
        }))
    }

    /// Draw correlated uniforms into `u` (len = members), using `z` as scratch.
    #[inline]
    pub fn draw<R: Rng + ?Sized>(&self, rng: &mut R, z: &mut [f64], u: &mut [f64]) {
        let m = self.members.len();
        for x in z.iter_mut().take(m) {
            *x = StandardNormal.sample(rng);
        }
        for (i, ui) in u.iter_mut().enumerate().take(m) {
            let y: f64 = self.l[i * m..=i * m + i]
                .iter()
                .zip(z.iter())
                .map(|(l, z)| l * z)
                .sum();
            *ui = self.normal.cdf(y);
        }
    }
}
