//! Presenting a simulation: terminal tables, CSV and JSON. Figures are converted from `f64`
//! to `rust_decimal` here, at the boundary, and rounded half away from zero (money to the
//! penny, ratios and probabilities to 4 decimal places). Outputs carry the seed, the iteration
//! count, the generator and crate versions, and never the thread count, so the same seed gives
//! byte-identical files on any machine size.

use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, Table};
use rust_decimal::Decimal;
use serde_json::{json, Value};

use super::sensitivity::BreakEven;
use super::simulate::{Stats, CASHABLE, FROI, METRIC_NAMES, NPV, PERCENTILES};
use super::{Analysis, CRATE_VERSIONS, GENERATOR};
use crate::money::{self, format_gbp0, from_sheet_number, plain, round_half_up, to_pennies};
use crate::scenario::Bound;

fn dec(x: f64) -> Decimal {
    from_sheet_number(x).unwrap_or_default()
}

/// Money from f64: pennies, half away from zero, as plain text.
pub fn money_text(x: f64) -> String {
    plain(to_pennies(dec(x)))
}

fn ratio_text(x: f64) -> String {
    round_half_up(dec(x), 4).to_string()
}

fn gbp(x: f64) -> String {
    format_gbp0(dec(x))
}

fn right(s: String) -> Cell {
    Cell::new(s).set_alignment(CellAlignment::Right)
}

/// Significant figures for inputs shown (half away from zero).
pub fn input_text(d: Decimal) -> String {
    if d.is_zero() {
        return "0".into();
    }
    let digits = d.abs().trunc().to_string().trim_start_matches('0').len() as i64;
    let dp = (6 - digits).clamp(0, 12) as u32;
    round_half_up(d, dp).normalize().to_string()
}

/// What the break-even cell says.
pub fn break_even_text(b: &BreakEven) -> String {
    match b {
        BreakEven::At {
            value,
            positive_above,
            crossings,
        } => {
            let mut s = format!(
                "{} ({} above)",
                input_text(*value),
                if *positive_above { "gains" } else { "loses" }
            );
            if *crossings > 1 {
                s.push_str(&format!("; first of {crossings} crossings"));
            }
            s
        }
        BreakEven::Never { positive: true } => "never within the range (gains throughout)".into(),
        BreakEven::Never { positive: false } => "never within the range (loses throughout)".into(),
    }
}

fn group_label(a: &Analysis, g: usize) -> String {
    let grp = &a.stats[g].group;
    match grp.party {
        Some(p) if a.model.sc.parties[p].external => format!("{} (external)", grp.id),
        _ => grp.id.clone(),
    }
}

/// NPV distribution by party and for the system.
pub fn npv_table(a: &Analysis) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(vec![
        "NPV by party",
        "mean",
        "P5",
        "P10",
        "P50",
        "P90",
        "P95",
        "P(NPV > 0)",
        "MC std error",
    ]);
    for (g, gs) in a.stats.iter().enumerate() {
        let Some(s) = &gs.metrics[NPV] else { continue };
        let mut row = vec![Cell::new(group_label(a, g)), right(gbp(s.mean))];
        row.extend(s.pct.iter().map(|x| right(gbp(*x))));
        row.push(right(format!("{:.1}%", s.prob_positive * 100.0)));
        row.push(right(gbp(s.se)));
        t.add_row(row);
    }
    t
}

/// Cashable savings and FROI by party.
pub fn cashable_froi_table(a: &Analysis) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(vec![
        "cashable savings, FROI",
        "PV cashable mean",
        "P5",
        "P50",
        "P95",
        "FROI mean",
        "FROI P5",
        "FROI P50",
        "FROI P95",
    ]);
    for (g, gs) in a.stats.iter().enumerate() {
        let mut row = vec![Cell::new(group_label(a, g))];
        match &gs.metrics[CASHABLE] {
            Some(s) => {
                row.push(right(gbp(s.mean)));
                for k in [0, 2, 4] {
                    row.push(right(gbp(s.pct[k])));
                }
            }
            None => row.extend((0..4).map(|_| right("-".into()))),
        }
        match &gs.metrics[FROI] {
            Some(s) => {
                row.push(right(ratio_text(s.mean)));
                for k in [0, 2, 4] {
                    row.push(right(ratio_text(s.pct[k])));
                }
            }
            None => row.extend((0..4).map(|_| right("none".into()))),
        }
        t.add_row(row);
    }
    t
}

/// Index into the tornado/break-even result vectors for group `g`: 0 system, 1 + party.
fn result_index(a: &Analysis, g: usize) -> usize {
    a.stats[g].group.party.map_or(0, |p| p + 1)
}

/// The tornado: the widest `top` swings in system NPV, with the party that moves most.
pub fn tornado_table(a: &Analysis, top: usize) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(vec![
        "tornado: parameter (P10 .. P90)",
        "system NPV at P10",
        "at P90",
        "swing",
        "party moving most (NPV at P10 .. P90)",
    ]);
    for r in a.tornado.iter().take(top) {
        let most = a
            .stats
            .iter()
            .enumerate()
            .filter(|(g, gs)| gs.group.party.is_some() && !r.swing(result_index(a, *g)).is_zero())
            .max_by_key(|(g, _)| r.swing(result_index(a, *g)));
        let most = most
            .map(|(g, _)| {
                let k = result_index(a, g);
                format!(
                    "{}: {} .. {}",
                    group_label(a, g),
                    format_gbp0(r.low[k]),
                    format_gbp0(r.high[k])
                )
            })
            .unwrap_or_else(|| "none: no party's NPV moves".to_string());
        t.add_row(vec![
            Cell::new(format!(
                "{}\n{} .. {} (base {})",
                r.path,
                input_text(r.low_input),
                input_text(r.high_input),
                input_text(r.base_input)
            )),
            right(format_gbp0(r.low[0])),
            right(format_gbp0(r.high[0])),
            right(format_gbp0(r.swing(0))),
            Cell::new(most),
        ]);
    }
    t
}

/// Break-even per parameter: the system, then every party that breaks even in the range.
pub fn break_even_table(a: &Analysis) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(vec![
        "break-even: parameter (range searched)",
        "system",
        "parties",
    ]);
    for r in &a.break_even {
        let parties: Vec<String> = a
            .stats
            .iter()
            .enumerate()
            .filter(|(_, gs)| gs.group.party.is_some())
            .map(|(g, _)| {
                format!(
                    "{}: {}",
                    group_label(a, g),
                    break_even_text(&r.results[result_index(a, g)])
                )
            })
            .collect();
        t.add_row(vec![
            Cell::new(format!(
                "{}\n{} .. {} (base {})",
                r.path,
                input_text(r.range.0),
                input_text(r.range.1),
                input_text(r.base_input)
            )),
            Cell::new(break_even_text(&r.results[0])),
            Cell::new(parties.join("\n")),
        ]);
    }
    t
}

/// One-paragraph headline.
pub fn headline(a: &Analysis) -> String {
    let sys = a.stats.last().and_then(|g| g.metrics[NPV].as_ref());
    let mut s = format!(
        "{} iterations, seed {}: ",
        a.options.iterations, a.options.seed
    );
    if let Some(st) = sys {
        s.push_str(&format!(
            "system NPV {} (90% of runs between {} and {}), positive in {:.1}% of runs; deterministic base {}.",
            gbp(st.mean),
            gbp(st.pct[0]),
            gbp(st.pct[4]),
            st.prob_positive * 100.0,
            format_gbp0(a.base.system.npv)
        ));
    }
    if a.model.spec.params.is_empty() {
        s.push_str(" No [[uncertain]] parameters: every draw is the base case.");
    }
    s
}

fn csv_bytes(rows: Vec<Vec<String>>) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.write_record(&r).expect("write to memory");
    }
    w.into_inner().expect("flush to memory")
}

fn stat_fields(s: &Option<Stats>, money: bool) -> Vec<String> {
    let f = |x: f64| if money { money_text(x) } else { ratio_text(x) };
    match s {
        None => vec![String::new(); 13],
        Some(s) => {
            let mut v = vec![
                s.n.to_string(),
                f(s.mean),
                f(s.sd),
                f(s.se),
                f(s.min),
                f(s.max),
            ];
            v.extend(s.pct.iter().map(|x| f(*x)));
            v.push(ratio_text(s.prob_positive));
            v.push(ratio_text(
                (s.prob_positive * (1.0 - s.prob_positive) / s.n as f64).sqrt(),
            ));
            v
        }
    }
}

/// `simulation-summary.csv`: one row per party (and the system) and metric.
pub fn summary_csv(a: &Analysis) -> Vec<u8> {
    let mut rows = vec![vec![
        "party",
        "metric",
        "n",
        "mean",
        "sd",
        "mc_std_error",
        "min",
        "max",
        "p5",
        "p10",
        "p50",
        "p90",
        "p95",
        "prob_positive",
        "prob_positive_std_error",
    ]
    .into_iter()
    .map(String::from)
    .collect()];
    for gs in &a.stats {
        for (m, name) in METRIC_NAMES.iter().enumerate() {
            let mut r = vec![gs.group.id.clone(), name.to_string()];
            r.extend(stat_fields(&gs.metrics[m], m != FROI));
            rows.push(r);
        }
    }
    csv_bytes(rows)
}

/// `simulation-histogram.csv`: NPV histogram per party and for the system.
pub fn histogram_csv(a: &Analysis) -> Vec<u8> {
    let mut rows = vec![vec!["party", "bin", "lower", "upper", "count"]
        .into_iter()
        .map(String::from)
        .collect()];
    for gs in &a.stats {
        let h = &gs.histogram;
        for (k, c) in h.counts.iter().enumerate() {
            rows.push(vec![
                gs.group.id.clone(),
                k.to_string(),
                money_text(h.edges[k]),
                money_text(h.edges[k + 1]),
                c.to_string(),
            ]);
        }
    }
    csv_bytes(rows)
}

/// `sensitivity-tornado.csv`: rank, parameter, inputs, and each result's NPV at P10 and P90.
pub fn tornado_csv(a: &Analysis) -> Vec<u8> {
    let mut rows = vec![vec![
        "rank",
        "parameter",
        "base_input",
        "p10_input",
        "p90_input",
        "party",
        "npv_base",
        "npv_at_p10",
        "npv_at_p90",
        "swing",
    ]
    .into_iter()
    .map(String::from)
    .collect()];
    for (i, r) in a.tornado.iter().enumerate() {
        for gs in a.stats.iter().rev() {
            let k = gs.group.party.map_or(0, |p| p + 1);
            rows.push(vec![
                (i + 1).to_string(),
                r.path.clone(),
                r.base_input.normalize().to_string(),
                r.low_input.normalize().to_string(),
                r.high_input.normalize().to_string(),
                gs.group.id.clone(),
                plain(to_pennies(r.base[k])),
                plain(to_pennies(r.low[k])),
                plain(to_pennies(r.high[k])),
                plain(to_pennies(r.swing(k))),
            ]);
        }
    }
    csv_bytes(rows)
}

fn break_even_fields(b: &BreakEven) -> [String; 4] {
    match b {
        BreakEven::At {
            value,
            positive_above,
            crossings,
        } => [
            round_half_up(*value, 10).normalize().to_string(),
            if *positive_above {
                "gains above"
            } else {
                "gains below"
            }
            .into(),
            crossings.to_string(),
            break_even_text(b),
        ],
        BreakEven::Never { .. } => [String::new(), String::new(), "0".into(), break_even_text(b)],
    }
}

/// `break-even.csv`: for each parameter and result, the break-even value or "never".
pub fn break_even_csv(a: &Analysis) -> Vec<u8> {
    let mut rows = vec![vec![
        "parameter",
        "base_input",
        "range_low",
        "range_high",
        "party",
        "break_even",
        "direction",
        "crossings",
        "text",
    ]
    .into_iter()
    .map(String::from)
    .collect()];
    for r in &a.break_even {
        for gs in a.stats.iter().rev() {
            let k = gs.group.party.map_or(0, |p| p + 1);
            let mut row = vec![
                r.path.clone(),
                r.base_input.normalize().to_string(),
                r.range.0.normalize().to_string(),
                r.range.1.normalize().to_string(),
                gs.group.id.clone(),
            ];
            row.extend(break_even_fields(&r.results[k]));
            rows.push(row);
        }
    }
    csv_bytes(rows)
}

/// `simulation-draws.csv`: every iteration's drawn inputs and each result's NPV (audit trail).
/// Inputs are re-drawn from (seed, iteration), exactly as in the run.
pub fn draws_csv(a: &Analysis) -> Vec<u8> {
    let m = &a.model;
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut head = vec!["iteration".to_string()];
    head.extend(m.spec.params.iter().map(|u| u.path.clone()));
    head.extend(m.groups.iter().map(|g| format!("npv:{}", g.id)));
    w.write_record(&head).expect("memory");
    let mut work = m.work();
    let mut rec: Vec<String> = Vec::with_capacity(head.len());
    for i in 0..a.draws.iterations {
        m.draw(a.options.seed, i as u64, &mut work);
        rec.clear();
        rec.push(i.to_string());
        rec.extend(
            m.spec
                .params
                .iter()
                .map(|u| format!("{}", work.values[u.param])),
        );
        let row = a.draws.row(i);
        rec.extend((0..m.groups.len()).map(|g| money_text(row[g * 3 + NPV])));
        w.write_record(&rec).expect("memory");
    }
    w.into_inner().expect("memory")
}

fn stats_json(s: &Option<Stats>, money: bool) -> Value {
    let f = |x: f64| {
        if money {
            Value::String(money_text(x))
        } else {
            Value::String(ratio_text(x))
        }
    };
    match s {
        None => Value::Null,
        Some(s) => {
            let mut pct = serde_json::Map::new();
            for (p, x) in PERCENTILES.iter().zip(s.pct) {
                pct.insert(format!("p{p}"), f(x));
            }
            json!({
                "n": s.n, "mean": f(s.mean), "sd": f(s.sd), "mc_std_error": f(s.se),
                "min": f(s.min), "max": f(s.max), "percentiles": pct,
                "prob_positive": ratio_text(s.prob_positive),
            })
        }
    }
}

/// `simulation.json`: run settings, distributions, statistics, histograms, tornado and
/// break-even, with the conventions.
pub fn json(a: &Analysis) -> Vec<u8> {
    let sc = a.model.sc;
    let dists: Vec<Value> = a
        .model
        .spec
        .params
        .iter()
        .map(|u| {
            json!({
                "path": u.path,
                "base": a.params.values[u.param].normalize().to_string(),
                "range": bound_text(sc.param_specs[u.param].bound),
                "distribution": u.dist,
                "p10": input_text(dec(u.dist.quantile(0.1))),
                "p90": input_text(dec(u.dist.quantile(0.9))),
                "source": u.source, "note": u.note,
            })
        })
        .collect();
    let correlations: Vec<Value> = a
        .model
        .spec
        .correlations
        .iter()
        .map(|c| {
            json!({"params": [a.model.spec.params[c.a].path, a.model.spec.params[c.b].path], "rank": c.rank, "note": c.note})
        })
        .collect();
    let parties: Vec<Value> = a
        .stats
        .iter()
        .map(|gs| {
            json!({
                "party": gs.group.id, "name": gs.group.name,
                "npv": stats_json(&gs.metrics[NPV], true),
                "pv_cashable_savings": stats_json(&gs.metrics[CASHABLE], true),
                "froi": stats_json(&gs.metrics[FROI], false),
                "histogram": {
                    "edges": gs.histogram.edges.iter().map(|x| money_text(*x)).collect::<Vec<_>>(),
                    "counts": gs.histogram.counts,
                },
            })
        })
        .collect();
    let name_of = |k: usize| -> String {
        if k == 0 {
            "system".into()
        } else {
            sc.parties[k - 1].id.clone()
        }
    };
    let active: Vec<usize> = a
        .stats
        .iter()
        .rev()
        .map(|gs| gs.group.party.map_or(0, |p| p + 1))
        .collect();
    let tornado: Vec<Value> = a
        .tornado
        .iter()
        .map(|r| {
            let by: serde_json::Map<String, Value> = active
                .iter()
                .map(|&k| {
                    (
                        name_of(k),
                        json!({"base": plain(to_pennies(r.base[k])), "at_p10": plain(to_pennies(r.low[k])),
                               "at_p90": plain(to_pennies(r.high[k])), "swing": plain(to_pennies(r.swing(k)))}),
                    )
                })
                .collect();
            json!({"parameter": r.path, "base_input": r.base_input.normalize().to_string(),
                   "p10_input": r.low_input.normalize().to_string(), "p90_input": r.high_input.normalize().to_string(),
                   "npv": by})
        })
        .collect();
    let break_even: Vec<Value> = a
        .break_even
        .iter()
        .map(|r| {
            let by: serde_json::Map<String, Value> = active
                .iter()
                .map(|&k| {
                    let [v, dir, n, text] = break_even_fields(&r.results[k]);
                    (
                        name_of(k),
                        json!({"value": if v.is_empty() { Value::Null } else { Value::String(v) },
                               "direction": dir, "crossings": n, "text": text}),
                    )
                })
                .collect();
            json!({"parameter": r.path, "base_input": r.base_input.normalize().to_string(),
                   "range": [r.range.0.normalize().to_string(), r.range.1.normalize().to_string()],
                   "npv_zero_at": by})
        })
        .collect();
    let versions: serde_json::Map<String, Value> = CRATE_VERSIONS
        .iter()
        .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
        .collect();
    let conv: serde_json::Map<String, Value> = conventions()
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    let v = json!({
        "scenario": {"id": sc.id, "name": sc.name, "file": sc.file, "place": sc.place_id},
        "run": {
            "iterations": a.options.iterations,
            "seed": a.options.seed,
            "generator": GENERATOR,
            "crate_versions": versions,
            "histogram_bins": a.options.bins,
        },
        "conventions": conv,
        "distributions": dists,
        "correlations": correlations,
        "deterministic_npv": {"system": plain(to_pennies(a.base.system.npv))},
        "results": parties,
        "tornado": tornado,
        "break_even": break_even,
    });
    let mut out = serde_json::to_vec_pretty(&v).expect("json");
    out.push(b'\n');
    out
}

/// The conventions of a simulation, stated in its outputs.
pub fn conventions() -> Vec<(String, String)> {
    vec![
        ("arithmetic".into(), "draws are evaluated in f64 by a compiled copy of the scenario engine (same formulas as `run`); figures convert to decimal only when written".into()),
        ("rounding".into(), format!("money {}; ratios and probabilities to 4 decimal places, same rule", money::ROUNDING_RULE)),
        ("percentiles".into(), "linear interpolation between order statistics (NumPy's default); FROI statistics only over draws with costs".into()),
        ("standard error".into(), "Monte Carlo standard error of the mean = sd / sqrt(n); of a probability p: sqrt(p(1-p)/n)".into()),
        ("base case".into(), "the values written in the scenario (after --set) are the base case of `run`, the tornado and the break-even; distributions are used only for draws and P10/P90".into()),
        ("bounds".into(), "bounded distributions must lie within the parameter's range (rates 0..1, amounts >= 0, steps > 0); normal and lognormal are truncated to it and to any lower/upper given".into()),
        ("correlation".into(), "Spearman rank correlations by a Gaussian copula with normal-scale correlation 2 sin(pi rho_s / 6)".into()),
        ("tornado".into(), "each uncertain parameter at its P10 and P90 with every other at base, ranked by the swing in system NPV, on the exact decimal engine".into()),
        ("break-even".into(), "value at which NPV is zero with others at base, searched over the distribution's support (P1..P99 where unbounded) on a 33-point grid, then bisection on the exact engine; the first crossing from the low end".into()),
        ("generator".into(), GENERATOR.into()),
    ]
}

/// A parameter's allowed range, as written in `simulation.json`.
pub fn bound_text(b: Bound) -> &'static str {
    match b {
        Bound::Rate => "0..1",
        Bound::NonNegative => ">= 0",
        Bound::Positive => "> 0",
    }
}
