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
    let text = crate::uncertainty::report::input_text;
    let tornado = a
        .tornado
        .iter()
        .map(|t| Sensitivity {
            path: t.path.clone(),
            low_input: text(t.low_input),
            high_input: text(t.high_input),
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
            let mut s = format!("{}: {}", u.path, describe(&u.dist));
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

fn decimal_f64(d: rust_decimal::Decimal) -> f64 {
    use rust_decimal::prelude::ToPrimitive;
    d.to_f64().unwrap_or(0.0)
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
