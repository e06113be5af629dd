//! `[[uncertain]]` and `[[correlation]]` tables in a scenario file: raw TOML → validated
//! distributions on the scenario's parameters. Problems are collected and reported with the
//! file and the key (`uncertain.<path>.<field>`).

use std::path::Path;

use serde::Deserialize;

use super::dist::Dist;
use crate::error::{display_path, Error, Result};
use crate::model::raw::{parse_toml, NumberRaw};
use crate::scenario::raw::NumberRawExt;
use crate::scenario::{ValidatedScenario, P};

#[derive(Debug, Deserialize)]
struct FileRaw {
    #[serde(default)]
    uncertain: Vec<UncertainRaw>,
    #[serde(default)]
    correlation: Vec<CorrelationRaw>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UncertainRaw {
    /// A parameter path as listed by `totalplace run --list-params`.
    path: String,
    /// fixed, uniform, triangular, pert, normal, lognormal or beta.
    dist: String,
    value: Option<NumberRaw>,
    min: Option<NumberRaw>,
    mode: Option<NumberRaw>,
    max: Option<NumberRaw>,
    lambda: Option<NumberRaw>,
    mean: Option<NumberRaw>,
    sd: Option<NumberRaw>,
    lower: Option<NumberRaw>,
    upper: Option<NumberRaw>,
    p5: Option<NumberRaw>,
    p95: Option<NumberRaw>,
    alpha: Option<NumberRaw>,
    beta: Option<NumberRaw>,
    source: Option<String>,
    note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CorrelationRaw {
    /// Two parameter paths, each declared in `[[uncertain]]`.
    params: Vec<String>,
    /// Spearman rank correlation, −1..1.
    rank: NumberRaw,
    note: Option<String>,
}

/// One parameter's distribution.
#[derive(Debug, Clone)]
pub struct Uncertain {
    pub path: String,
    pub param: P,
    pub dist: Dist,
    pub source: Option<String>,
    pub note: Option<String>,
}

/// A rank correlation between two entries of [`UncertaintySpec::params`].
#[derive(Debug, Clone)]
pub struct Correlation {
    pub a: usize,
    pub b: usize,
    /// Spearman's ρ_s as written.
    pub rank: f64,
    pub note: Option<String>,
}

/// The validated uncertainty of one scenario.
#[derive(Debug, Clone, Default)]
pub struct UncertaintySpec {
    pub file: String,
    pub params: Vec<Uncertain>,
    pub correlations: Vec<Correlation>,
}

const DISTS: &str = "fixed, uniform, triangular, pert, normal, lognormal, beta";

/// Read the `[[uncertain]]` and `[[correlation]]` tables of the scenario file at `path`,
/// validated against the scenario's parameters. Parameters named in `fixed_paths` (set with
/// `--set`) are dropped from the uncertainty: the value set wins.
pub fn load(
    path: &Path,
    sc: &ValidatedScenario,
    fixed_paths: &[String],
) -> Result<UncertaintySpec> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let raw: FileRaw = parse_toml(path, &text)?;
    validate(&display_path(path), raw, sc, fixed_paths)
}

/// Validate from TOML text (for tests and generated scenarios).
pub fn from_str(
    file: &str,
    text: &str,
    sc: &ValidatedScenario,
    fixed_paths: &[String],
) -> Result<UncertaintySpec> {
    let raw: FileRaw = parse_toml(Path::new(file), text)?;
    validate(file, raw, sc, fixed_paths)
}

fn validate(
    file: &str,
    raw: FileRaw,
    sc: &ValidatedScenario,
    fixed_paths: &[String],
) -> Result<UncertaintySpec> {
    let mut errors = Vec::new();
    let mut params: Vec<Uncertain> = Vec::new();
    let mut all_paths: Vec<String> = Vec::new();
    for u in &raw.uncertain {
        let key = |f: &str| format!("uncertain.{}.{f}", u.path);
        let Some(param) = sc.param_index(&u.path) else {
            let near: Vec<&str> = sc
                .param_specs
                .iter()
                .map(|s| s.path.as_str())
                .filter(|p| {
                    let stem = u.path.rsplit_once('.').map(|x| x.0).unwrap_or(&u.path);
                    p.starts_with(stem)
                })
                .take(8)
                .collect();
            let hint = if near.is_empty() {
                "see `totalplace run <scenario> --list-params`".to_string()
            } else {
                format!("near: {}", near.join(", "))
            };
            errors.push(Error::model(
                file,
                key("path"),
                format!("no parameter \"{}\" in this scenario ({hint})", u.path),
            ));
            continue;
        };
        if all_paths.contains(&u.path) {
            errors.push(Error::model(
                file,
                key("path"),
                "declared twice in [[uncertain]]",
            ));
            continue;
        }
        all_paths.push(u.path.clone());
        let bound = sc.param_specs[param].bound;
        let base =
            rust_decimal::prelude::ToPrimitive::to_f64(&sc.defaults.values[param]).unwrap_or(0.0);
        let mut num = |name: &str, v: &Option<NumberRaw>| -> Option<Option<f64>> {
            match v {
                None => Some(None),
                Some(n) => match n.to_decimal() {
                    Some(d) => Some(rust_decimal::prelude::ToPrimitive::to_f64(&d)),
                    None => {
                        errors.push(Error::model(
                            file,
                            key(name),
                            format!("{} is not a number", n.show()),
                        ));
                        None
                    }
                },
            }
        };
        let fields = [
            ("value", &u.value),
            ("min", &u.min),
            ("mode", &u.mode),
            ("max", &u.max),
            ("lambda", &u.lambda),
            ("mean", &u.mean),
            ("sd", &u.sd),
            ("lower", &u.lower),
            ("upper", &u.upper),
            ("p5", &u.p5),
            ("p95", &u.p95),
            ("alpha", &u.alpha),
            ("beta", &u.beta),
        ];
        let mut vals = [None; 13];
        let mut bad = false;
        for (i, (name, v)) in fields.iter().enumerate() {
            match num(name, v) {
                Some(x) => vals[i] = x,
                None => bad = true,
            }
        }
        if bad {
            continue;
        }
        let [value, min, mode, max, lambda, mean, sd, lower, upper, p5, p95, alpha, beta] = vals;
        let (needed, allowed): (&[&str], &[&str]) = match u.dist.as_str() {
            "fixed" => (&[], &["value"]),
            "uniform" => (&["min", "max"], &[]),
            "triangular" => (&["min", "mode", "max"], &[]),
            "pert" => (&["min", "mode", "max"], &["lambda"]),
            "normal" => (&["mean", "sd"], &["lower", "upper"]),
            "lognormal" => (&["p5", "p95"], &["lower", "upper"]),
            "beta" => (&["alpha", "beta"], &["min", "max"]),
            other => {
                errors.push(Error::model(
                    file,
                    key("dist"),
                    format!("\"{other}\" is not a distribution ({DISTS})"),
                ));
                continue;
            }
        };
        let mut missing = false;
        for (i, (name, _)) in fields.iter().enumerate() {
            let present = vals[i].is_some();
            if needed.contains(name) && !present {
                errors.push(Error::model(
                    file,
                    key(name),
                    format!("a {} distribution needs `{name}`", u.dist),
                ));
                missing = true;
            } else if present && !needed.contains(name) && !allowed.contains(name) {
                errors.push(Error::model(
                    file,
                    key(name),
                    format!(
                        "a {} distribution takes {}",
                        u.dist,
                        needed
                            .iter()
                            .chain(allowed.iter())
                            .map(|s| format!("`{s}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
                missing = true;
            }
        }
        if missing {
            continue;
        }
        let g = |x: Option<f64>| x.unwrap_or(f64::NAN);
        let dist = match u.dist.as_str() {
            "fixed" => Dist::fixed(value.unwrap_or(base), bound),
            "uniform" => Dist::uniform(g(min), g(max), bound),
            "triangular" => Dist::triangular(g(min), g(mode), g(max), bound),
            "pert" => Dist::pert(g(min), g(mode), g(max), lambda.unwrap_or(4.0), bound),
            "normal" => Dist::normal(g(mean), g(sd), lower, upper, bound),
            "lognormal" => Dist::lognormal(g(p5), g(p95), lower, upper, bound),
            "beta" => Dist::beta(
                g(alpha),
                g(beta),
                min.unwrap_or(0.0),
                max.unwrap_or(1.0),
                bound,
            ),
            _ => unreachable!("checked above"),
        };
        match dist {
            Ok(dist) => {
                if fixed_paths.iter().any(|p| p == &u.path) {
                    continue;
                }
                params.push(Uncertain {
                    path: u.path.clone(),
                    param,
                    dist,
                    source: u.source.clone(),
                    note: u.note.clone(),
                })
            }
            Err(m) => errors.push(Error::model(file, key("dist"), m)),
        }
    }
    let mut correlations = Vec::new();
    for (i, c) in raw.correlation.iter().enumerate() {
        let key = format!(
            "correlation.{}",
            if c.params.len() == 2 {
                c.params.join(",")
            } else {
                i.to_string()
            }
        );
        if c.params.len() != 2 || c.params[0] == c.params[1] {
            errors.push(Error::model(
                file,
                format!("{key}.params"),
                "name two different [[uncertain]] paths: params = [\"a\", \"b\"]",
            ));
            continue;
        }
        let rank = match c.rank.to_decimal() {
            Some(d) => rust_decimal::prelude::ToPrimitive::to_f64(&d).unwrap_or(f64::NAN),
            None => f64::NAN,
        };
        if rank.is_nan() || rank.abs() >= 1.0 {
            errors.push(Error::model(
                file,
                format!("{key}.rank"),
                format!(
                    "{} must be a rank correlation strictly between -1 and 1",
                    c.rank.show()
                ),
            ));
            continue;
        }
        let mut ix = [0usize; 2];
        let mut ok = true;
        for (j, p) in c.params.iter().enumerate() {
            match params.iter().position(|u| &u.path == p) {
                Some(k) if !matches!(params[k].dist, Dist::Fixed { .. }) => ix[j] = k,
                Some(_) => ok = false,
                None => {
                    if fixed_paths.contains(p) {
                        ok = false;
                    } else {
                        errors.push(Error::model(
                            file,
                            format!("{key}.params"),
                            format!("\"{p}\" has no distribution in [[uncertain]]"),
                        ));
                        ok = false;
                    }
                }
            }
        }
        if ok {
            if correlations
                .iter()
                .any(|x: &Correlation| (x.a, x.b) == (ix[0], ix[1]) || (x.a, x.b) == (ix[1], ix[0]))
            {
                errors.push(Error::model(file, key, "this pair is correlated twice"));
                continue;
            }
            correlations.push(Correlation {
                a: ix[0],
                b: ix[1],
                rank,
                note: c.note.clone(),
            });
        }
    }
    Error::from_list(errors)?;
    let spec = UncertaintySpec {
        file: file.to_string(),
        params,
        correlations,
    };
    if let Err(m) = super::copula::Copula::new(&spec) {
        return Err(Error::model(file, "correlation", m));
    }
    Ok(spec)
}
