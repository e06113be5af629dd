//! The uncertainty section's input: a small, plain summary of a Monte Carlo run that the
//! workbook, the pack and the charts read. [`Simulation`] is filled from the simulation module's
//! results when a simulation was run; with no simulation the outputs say so plainly (no figure
//! is ever made up).

/// Percentiles and moments of one result (an agency's or the system's NPV), in pounds.
#[derive(Debug, Clone, PartialEq)]
pub struct NpvRange {
    /// Party id, or "system".
    pub id: String,
    pub name: String,
    /// `None` for the system.
    pub agency: Option<String>,
    pub mean: f64,
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
    /// Share of runs with NPV above zero (0..1).
    pub prob_positive: f64,
    /// NPV of every run, in iteration order (for the histogram).
    pub samples: Vec<f64>,
}

/// One input's one-way sensitivity of the system NPV (the input at its P10 and P90, every
/// other at base).
#[derive(Debug, Clone, PartialEq)]
pub struct Sensitivity {
    /// Parameter path, e.g. `outcome.neet.success`.
    pub path: String,
    pub low_input: String,
    pub high_input: String,
    /// System NPV with the input at its low and high values (pounds).
    pub low: f64,
    pub high: f64,
}

/// A Monte Carlo run, as reported.
#[derive(Debug, Clone, PartialEq)]
pub struct Simulation {
    pub iterations: usize,
    pub seed: u64,
    /// The random generator and how it is seeded, as stated in outputs.
    pub generator: String,
    /// Uncertain inputs and their distributions, one line each.
    pub inputs: Vec<String>,
    /// The system first, then each party with a flow.
    pub ranges: Vec<NpvRange>,
    /// Widest system swing first.
    pub tornado: Vec<Sensitivity>,
    /// Base-case system NPV the tornado swings around (pounds).
    pub base_npv: f64,
}

impl Simulation {
    pub fn system(&self) -> Option<&NpvRange> {
        self.ranges.iter().find(|r| r.agency.is_none())
    }
}

/// Why there is no uncertainty section's figures: said plainly in every output.
pub const NOT_RUN: &str = "No Monte Carlo simulation was run for this scenario (--iterations 0, or no [[uncertain]] inputs declared in its file), so no uncertainty range is shown. The figures are single central estimates.";

/// Summarise an analysis from the uncertainty module for the report: NPV percentiles of the
/// system and each party (system first), the tornado on system NPV, and the inputs drawn.
pub fn from_analysis(a: &crate::uncertainty::Analysis) -> Simulation {
    use crate::uncertainty::simulate::NPV;
    let mut ranges = Vec::new();
    for (g, gs) in a.stats.iter().enumerate() {
        let Some(st) = &gs.metrics[NPV] else {
            continue;
        };
        let name = match gs.group.party {
            Some(p) => a.model.sc.parties[p].name.clone(),
            None => "All partners".into(),
        };
        ranges.push(NpvRange {
            id: gs.group.id.clone(),
            name,
            agency: gs.group.party.map(|_| gs.group.id.clone()),
            mean: st.mean,
            p5: st.pct[0],
            p50: st.pct[2],
            p95: st.pct[4],
            prob_positive: st.prob_positive,
            samples: a.draws.column(g, NPV),
        });
    }
    // System first, then parties in their order.
    ranges.sort_by_key(|r| r.agency.is_some());
    let sc = &a.model.sc;
    let tornado = a
        .tornado
        .iter()
        .map(|t| Sensitivity {
            path: t.path.clone(),
            low_input: input_value(sc, &t.path, t.low_input),
            high_input: input_value(sc, &t.path, t.high_input),
            low: decimal_f64(t.low[0]),
            high: decimal_f64(t.high[0]),
        })
        .collect();
    let inputs = a
        .model
        .spec
        .params
        .iter()
        .map(|u| {
            let mut s = format!(
                "{}: {}",
                input_label(sc, &u.path),
                in_words(sc, &u.path, &u.dist)
            );
            if let Some(src) = &u.source {
                s += &format!(" (source: {src})");
            }
            s
        })
        .collect();
    Simulation {
        iterations: a.draws.iterations,
        seed: a.draws.seed,
        generator: crate::uncertainty::GENERATOR.to_string(),
        inputs,
        ranges,
        tornado,
        base_npv: decimal_f64(a.base.system.npv),
    }
}

use rust_decimal::prelude::ToPrimitive as _;
use rust_decimal::Decimal;

fn decimal_f64(d: rust_decimal::Decimal) -> f64 {
    use rust_decimal::prelude::ToPrimitive;
    d.to_f64().unwrap_or(0.0)
}

/// What kind of figure a parameter is, from its path and its declared range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A fraction shown as a percentage (success, deadweight, optimism bias, cashability...).
    Rate,
    /// Pounds (a unit cost, a cost amount).
    Money,
    /// A number of people.
    People,
    /// Years (a lag).
    Years,
    /// Any other number (a quantity per person per year).
    Number,
}

/// The unit of the parameter at `path`.
pub fn unit_of(sc: &crate::scenario::ValidatedScenario, path: &str) -> Unit {
    let p: Vec<&str> = path.split('.').collect();
    match p.as_slice() {
        ["unit_cost", _, "value"] | ["cost", ..] => Unit::Money,
        ["outcome", _, "participants"] => Unit::People,
        ["outcome", _, "lag"] => Unit::Years,
        _ => {
            let rate = sc
                .param_specs
                .iter()
                .find(|s| s.path == path)
                .is_some_and(|s| s.bound == crate::scenario::params::Bound::Rate);
            if rate {
                Unit::Rate
            } else {
                Unit::Number
            }
        }
    }
}

/// A parameter's value with its unit, by the one formatting rule: 0.327528 → "33%",
/// 4963.44 → "£4,963", 120 → "120 people".
pub fn input_value(sc: &crate::scenario::ValidatedScenario, path: &str, d: Decimal) -> String {
    use crate::format;
    match unit_of(sc, path) {
        Unit::Rate => format::percent(d),
        Unit::Money => format::money_short(d),
        Unit::People => format!(
            "{} people",
            format::count(
                crate::money::round_half_up(d, 0)
                    .trunc()
                    .to_u64()
                    .unwrap_or(0)
            )
        ),
        Unit::Years => format::years(d),
        Unit::Number => crate::money::round_half_up(d, 2).normalize().to_string(),
    }
}

fn input_value_f(sc: &crate::scenario::ValidatedScenario, path: &str, x: f64) -> String {
    crate::money::from_sheet_number(x)
        .map(|d| input_value(sc, path, d))
        .unwrap_or_else(|| "n/a".into())
}

fn words(field: &str) -> String {
    match field {
        "success" => "success rate".into(),
        "engagement" => "engagement rate".into(),
        "deadweight" => "deadweight".into(),
        "drop_off" => "yearly drop-off".into(),
        "optimism_bias" => "optimism bias".into(),
        "participants" => "people per intake".into(),
        "lag" => "lag before benefits".into(),
        "quantity" => "quantity per person per year".into(),
        "cashability" => "cashable share".into(),
        "step" => "step size".into(),
        other => other.replace('_', " "),
    }
}

/// A parameter in words, with the outcome's, unit cost's or cost's name, not its id:
/// `outcome.reoffending-reduced.success` → "Success rate: Fewer re-offences".
pub fn input_label(sc: &crate::scenario::ValidatedScenario, path: &str) -> String {
    let p: Vec<&str> = path.split('.').collect();
    let outcome = |id: &str| {
        sc.outcomes
            .iter()
            .find(|o| o.id == id)
            .map(|o| o.name.clone())
            .unwrap_or_else(|| id.replace(['-', '_'], " "))
    };
    let s = match p.as_slice() {
        ["outcome", o, field] => format!("{} ({})", words(field), outcome(o)),
        ["outcome", o, "flow", f, field] => {
            format!(
                "{} of {} ({})",
                words(field),
                f.replace(['-', '_'], " "),
                outcome(o)
            )
        }
        ["unit_cost", u, "value"] => {
            let name = sc
                .unit_costs
                .iter()
                .find(|x| x.id == *u)
                .map(|x| x.name.clone())
                .unwrap_or_else(|| u.replace(['-', '_'], " "));
            format!("unit cost: {name}")
        }
        ["cost", c, "amounts", y] => format!(
            "cost {}, year {}",
            c.replace(['-', '_'], " "),
            y.parse::<usize>()
                .map(|y| sc.year_label(y))
                .unwrap_or_else(|_| y.to_string())
        ),
        ["cost", c, field] => format!("{} of cost {}", words(field), c.replace(['-', '_'], " ")),
        _ => path.to_string(),
    };
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => s,
    }
}

/// A distribution in words, values in the parameter's unit: "most likely 20%, between 10%
/// and 30% (PERT)"; "around £4,963, give or take £500 (normal)".
pub fn in_words(
    sc: &crate::scenario::ValidatedScenario,
    path: &str,
    d: &crate::uncertainty::Dist,
) -> String {
    use crate::uncertainty::Dist;
    let v = |x: f64| input_value_f(sc, path, x);
    match d {
        Dist::Fixed { value } => format!("fixed at {}", v(*value)),
        Dist::Uniform { min, max } => {
            format!(
                "equally likely anywhere between {} and {} (uniform)",
                v(*min),
                v(*max)
            )
        }
        Dist::Triangular { min, mode, max } => format!(
            "most likely {}, between {} and {} (triangular)",
            v(*mode),
            v(*min),
            v(*max)
        ),
        Dist::Pert { min, mode, max, .. } => format!(
            "most likely {}, between {} and {} (PERT)",
            v(*mode),
            v(*min),
            v(*max)
        ),
        Dist::Normal { mean, sd, .. } => {
            format!("around {}, give or take {} (normal)", v(*mean), v(*sd))
        }
        Dist::Lognormal { p5, p95, .. } => format!(
            "9 times in 10 between {} and {} (lognormal)",
            v(*p5),
            v(*p95)
        ),
        Dist::Beta { .. } => describe(d),
    }
}

/// "pert (min 0.3, mode 0.4, max 0.5, lambda 4)".
fn describe(d: &crate::uncertainty::Dist) -> String {
    let v = serde_json::to_value(d).unwrap_or_default();
    let Some(obj) = v.as_object() else {
        return d.name().to_string();
    };
    let order = [
        "value", "min", "mode", "max", "mean", "sd", "median", "lower", "upper", "alpha", "beta",
        "lambda",
    ];
    let mut parts: Vec<String> = order
        .iter()
        .filter_map(|k| {
            obj.get(*k)
                .filter(|x| !x.is_null())
                .map(|x| format!("{k} {}", num(x)))
        })
        .collect();
    for (k, x) in obj {
        if k != "dist" && !order.contains(&k.as_str()) && !x.is_null() {
            parts.push(format!("{k} {}", num(x)));
        }
    }
    format!("{} ({})", d.name(), parts.join(", "))
}

/// A distribution parameter to at most six decimal places, trailing zeros dropped.
fn num(v: &serde_json::Value) -> String {
    match v.as_f64() {
        Some(x) => {
            let s = format!("{x:.6}");
            let s = s.trim_end_matches('0').trim_end_matches('.');
            if s.is_empty() || s == "-" {
                "0".into()
            } else {
                s.to_string()
            }
        }
        None => v.to_string(),
    }
}

/// A parameter path as a short chart label: `outcome.neet.success` → "success" (with the
/// outcome when the scenario has several), `unit_cost.jsa.value` → "jsa unit cost",
/// `outcome.o.flow.f.cashability` → "f cashability".
pub fn short_label(path: &str, outcomes: usize) -> String {
    let p: Vec<&str> = path.split('.').collect();
    let s = match p.as_slice() {
        ["outcome", o, field] if outcomes > 1 => format!("{field} ({o})"),
        ["outcome", _, field] => field.to_string(),
        ["outcome", _, "flow", f, field] => format!("{f} {field}"),
        ["unit_cost", u, "value"] => format!("{u} unit cost"),
        ["cost", c, "amounts", y] => format!("{c} cost, year {y}"),
        _ => path.to_string(),
    };
    s.replace('_', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_numbers() {
        assert_eq!(short_label("outcome.neet.success", 1), "success");
        assert_eq!(short_label("outcome.neet.drop_off", 2), "drop off (neet)");
        assert_eq!(short_label("unit_cost.jsa.value", 1), "jsa unit cost");
        assert_eq!(
            short_label("outcome.o.flow.beds.cashability", 1),
            "beds cashability"
        );
        assert_eq!(num(&serde_json::json!(8.039677411320945)), "8.039677");
        assert_eq!(num(&serde_json::json!(0.3)), "0.3");
        assert_eq!(num(&serde_json::json!(4.0)), "4");
    }
}
