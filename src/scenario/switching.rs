//! Switching values: for any numeric assumption, the value at which the system's and each
//! party's NPV reaches zero, everything else as set (HM Treasury: "how far would this
//! assumption have to move for the decision to change?").
//!
//! Unlike the break-even of `simulate` (which searches an `[[uncertain]]` parameter's
//! distribution), this searches the parameter's whole allowed range outward from the value in
//! use, and reports the **nearest** crossing on either side:
//!
//! - the range is 0..1 for a rate, 0..10^12 for a count or an amount (from a millionth of the
//!   value in use for a parameter that must be more than zero);
//! - below the value in use, 16 evenly spaced points down to the bottom of the range; above it,
//!   16 evenly spaced points up to 1 for a rate, else the value in use plus 1/8, 1/4, 1/2, 1, 2,
//!   4 ... times itself (times £1 / 1 person when it is 0) up to 10^12;
//! - the first sign change of NPV walking out from the value in use brackets the switching
//!   value, which is then closed on the exact engine by alternating false-position and
//!   bisection steps until NPV is within a thousandth of a penny of zero or the bracket is
//!   narrower than 10^-12 of the value's scale. NPV is linear in most parameters (one
//!   false-position step lands on the root); where it jumps (whole cashable steps) the
//!   bracket closes on the jump, which is where the decision switches.

use rust_decimal::Decimal;

use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, Table};

use super::params::PARAM_MAX;
use super::{evaluate, Bound, Params, Results, ValidatedScenario, P};
use crate::error::Error;
use crate::money::{self, round_half_up};
use crate::uncertainty::report::input_text;

/// Where one result's NPV reaches zero as one parameter moves.
#[derive(Debug, Clone, PartialEq)]
pub enum SwitchValue {
    /// NPV is zero (or changes sign) at `value`; `positive_above`: NPV is positive just above.
    At {
        value: Decimal,
        positive_above: bool,
    },
    /// NPV keeps one sign over the whole range (`unchanged`: it does not move at all).
    None { positive: bool, unchanged: bool },
    /// The party has no costs, benefits or transfers.
    NoFlows,
}

/// One parameter's switching values.
#[derive(Debug, Clone)]
pub struct SwitchingRow {
    pub path: String,
    pub param: P,
    /// The value in use.
    pub base: Decimal,
    /// The range searched.
    pub range: (Decimal, Decimal),
    /// [0] the system, [1 + a] party a (like `Results::parties`).
    pub npv_at_base: Vec<Decimal>,
    pub values: Vec<SwitchValue>,
}

/// The parameters `patterns` name: exact paths, or a prefix ending in `*`
/// (`outcome.neet.*`), in the scenario's own parameter order, each once.
pub fn resolve(sc: &ValidatedScenario, patterns: &[String]) -> Result<Vec<P>, Error> {
    let mut out: Vec<P> = Vec::new();
    for pat in patterns {
        let pat = pat.trim();
        let hits: Vec<P> = match pat.strip_suffix('*') {
            Some(prefix) => (0..sc.param_specs.len())
                .filter(|&i| sc.param_specs[i].path.starts_with(prefix))
                .collect(),
            None => sc.param_index(pat).into_iter().collect(),
        };
        if hits.is_empty() {
            return Err(Error::model(
                &sc.file,
                format!("--switching {pat}"),
                "no such parameter (see `totalplace run --list-params`)",
            ));
        }
        for i in hits {
            if !out.contains(&i) {
                out.push(i);
            }
        }
    }
    Ok(out)
}

fn npvs(r: &Results) -> Vec<Decimal> {
    std::iter::once(r.system.npv)
        .chain(r.parties.iter().map(|p| p.summary.npv))
        .collect()
}

fn sign(d: Decimal) -> i8 {
    if d > Decimal::ZERO {
        1
    } else if d < Decimal::ZERO {
        -1
    } else {
        0
    }
}

const SIDE_POINTS: u32 = 16;
const MAX_REFINE: usize = 200;

/// The points searched below and above `base`, nearest first.
fn grid(bound: Bound, base: Decimal) -> (Decimal, Decimal, Vec<Decimal>, Vec<Decimal>) {
    let lo = match bound {
        Bound::Positive => base / Decimal::from(1_000_000),
        _ => Decimal::ZERO,
    };
    let hi = match bound {
        Bound::Rate => Decimal::ONE,
        _ => PARAM_MAX,
    };
    let n = Decimal::from(SIDE_POINTS);
    let down: Vec<Decimal> = if base > lo {
        (1..=SIDE_POINTS)
            .map(|j| base - (base - lo) * Decimal::from(j) / n)
            .collect()
    } else {
        Vec::new()
    };
    let mut up = Vec::new();
    if base < hi {
        match bound {
            Bound::Rate => {
                up.extend((1..=SIDE_POINTS).map(|j| base + (hi - base) * Decimal::from(j) / n))
            }
            _ => {
                let scale = if base > Decimal::ZERO {
                    base
                } else {
                    Decimal::ONE
                };
                let mut d = scale / Decimal::from(8);
                loop {
                    let x = base + d;
                    if x >= hi {
                        up.push(hi);
                        break;
                    }
                    up.push(x);
                    d *= Decimal::TWO;
                }
            }
        }
    }
    (lo, hi, down, up)
}

/// Switching values of every result for each parameter in `params_to_search`, everything else
/// at `params`.
pub fn switching_values(
    sc: &ValidatedScenario,
    params: &Params,
    params_to_search: &[P],
) -> Vec<SwitchingRow> {
    let base_results = evaluate(sc, params);
    let base_npv = npvs(&base_results);
    let no_flows: Vec<bool> = std::iter::once(false)
        .chain(
            base_results
                .parties
                .iter()
                .map(|p| matches!(p.summary.payback, Some(super::Payback::NoFlows))),
        )
        .collect();
    params_to_search
        .iter()
        .map(|&param| {
            let base = params.values[param];
            let (lo, hi, down, up) = grid(sc.param_specs[param].bound, base);
            let at = |x: Decimal| {
                let mut p = params.clone();
                p.values[param] = x;
                npvs(&evaluate(sc, &p))
            };
            let down_y: Vec<Vec<Decimal>> = down.iter().map(|&x| at(x)).collect();
            let up_y: Vec<Vec<Decimal>> = up.iter().map(|&x| at(x)).collect();
            let scale = base.abs().max(Decimal::ONE);
            let values = (0..base_npv.len())
                .map(|k| {
                    if no_flows[k] {
                        return SwitchValue::NoFlows;
                    }
                    let y0 = base_npv[k];
                    if y0.is_zero() {
                        let positive_above = up_y.iter().any(|y| y[k] > Decimal::ZERO);
                        return SwitchValue::At {
                            value: base,
                            positive_above,
                        };
                    }
                    // The first sign change walking out from the base on each side.
                    let first = |xs: &[Decimal], ys: &[Vec<Decimal>]| {
                        let mut prev = (base, y0);
                        for (x, y) in xs.iter().zip(ys) {
                            if sign(y[k]) != sign(y0) {
                                return Some((prev, (*x, y[k])));
                            }
                            prev = (*x, y[k]);
                        }
                        None
                    };
                    let below = first(&down, &down_y);
                    let above = first(&up, &up_y);
                    let close = |(a, fa): (Decimal, Decimal), (b, fb): (Decimal, Decimal)| {
                        refine(|x| at(x)[k], (a, fa), (b, fb), scale)
                    };
                    let found = match (below, above) {
                        (Some(b), Some(a)) => {
                            let vb = close(b.0, b.1);
                            let va = close(a.0, a.1);
                            // Nearest to the value in use; below on a tie.
                            Some(if (va - base).abs() < (base - vb).abs() {
                                va
                            } else {
                                vb
                            })
                        }
                        (Some(b), None) => Some(close(b.0, b.1)),
                        (None, Some(a)) => Some(close(a.0, a.1)),
                        (None, None) => None,
                    };
                    match found {
                        Some(value) => SwitchValue::At {
                            value,
                            // Above the value in use NPV has the base's sign when the switch
                            // lies below it, the other sign when it lies above.
                            positive_above: if value < base {
                                y0 > Decimal::ZERO
                            } else {
                                y0 < Decimal::ZERO
                            },
                        },
                        None => SwitchValue::None {
                            positive: y0 > Decimal::ZERO,
                            unchanged: down_y.iter().chain(&up_y).all(|y| y[k] == y0),
                        },
                    }
                })
                .collect();
            SwitchingRow {
                path: sc.param_specs[param].path.clone(),
                param,
                base,
                range: (lo, hi),
                npv_at_base: base_npv.clone(),
                values,
            }
        })
        .collect()
}

/// The results shown: the system, then each party with any flow ([0] and 1 + a).
fn shown(r: &Results) -> Vec<(usize, String)> {
    std::iter::once((0, "system".to_string()))
        .chain(
            r.parties
                .iter()
                .enumerate()
                .filter(|(_, p)| !matches!(p.summary.payback, Some(super::Payback::NoFlows)))
                .map(|(a, p)| {
                    let mut id = p.id.clone();
                    if p.external {
                        id.push_str(" (external)");
                    }
                    (a + 1, id)
                }),
        )
        .collect()
}

/// Change from the value in use as a percentage of it (none when it is 0).
fn change_pct(value: Decimal, base: Decimal) -> Option<Decimal> {
    (!base.is_zero()).then(|| (value - base) / base * Decimal::ONE_HUNDRED)
}

/// What a cell of the switching table says.
pub fn text(v: &SwitchValue, base: Decimal) -> String {
    match v {
        SwitchValue::At { value, .. } => {
            let x = input_text(*value);
            match change_pct(*value, base) {
                Some(c) => {
                    let c = round_half_up(c, 1);
                    let plus = if c.is_sign_negative() { "" } else { "+" };
                    format!("{x} ({plus}{c}%)")
                }
                None => x,
            }
        }
        SwitchValue::None {
            positive,
            unchanged: true,
        } => format!("no effect ({})", if *positive { "gains" } else { "loses" }),
        SwitchValue::None { positive, .. } => {
            format!(
                "none ({} throughout)",
                if *positive { "gains" } else { "loses" }
            )
        }
        SwitchValue::NoFlows => "-".into(),
    }
}

/// Switching values: one row per parameter, the value in use, then the system and each party.
pub fn table(r: &Results, rows: &[SwitchingRow]) -> Table {
    let cols = shown(r);
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    let mut header = vec![
        "switching value: parameter".to_string(),
        "in use".to_string(),
    ];
    header.extend(cols.iter().map(|(_, id)| id.clone()));
    t.set_header(header);
    for row in rows {
        let mut cells = vec![Cell::new(&row.path), right(input_text(row.base))];
        cells.extend(
            cols.iter()
                .map(|(k, _)| right(text(&row.values[*k], row.base))),
        );
        t.add_row(cells);
    }
    t
}

/// What the table's cells mean (printed under it).
pub const NOTE: &str = "Switching value: the value at which NPV reaches zero, nearest the value \
in use, everything else as set (change from the value in use in brackets); none: NPV keeps its \
sign over the parameter's whole range; no effect: NPV does not depend on it.";

/// `switching.csv`: one row per parameter and result.
pub fn csv(sc: &ValidatedScenario, r: &Results, rows: &[SwitchingRow]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "scenario",
        "parameter",
        "value_in_use",
        "range_low",
        "range_high",
        "party",
        "npv_at_value_in_use",
        "finding",
        "switching_value",
        "change",
        "change_pct",
        "npv_positive_above",
    ]);
    let cols = shown(r);
    for row in rows {
        for (k, _) in &cols {
            let party = if *k == 0 {
                "system".to_string()
            } else {
                r.parties[*k - 1].id.clone()
            };
            let (finding, value, change, pct, above) = match &row.values[*k] {
                SwitchValue::At {
                    value,
                    positive_above,
                } => (
                    "at",
                    round_half_up(*value, 12).normalize().to_string(),
                    round_half_up(*value - row.base, 12).normalize().to_string(),
                    change_pct(*value, row.base)
                        .map(|c| round_half_up(c, 4).normalize().to_string())
                        .unwrap_or_default(),
                    positive_above.to_string(),
                ),
                SwitchValue::None {
                    unchanged: true, ..
                } => (
                    "no-effect",
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                ),
                SwitchValue::None { positive, .. } => (
                    if *positive {
                        "none-positive-throughout"
                    } else {
                        "none-negative-throughout"
                    },
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                ),
                SwitchValue::NoFlows => continue,
            };
            let _ = w.write_record([
                sc.id.clone(),
                row.path.clone(),
                row.base.normalize().to_string(),
                row.range.0.normalize().to_string(),
                row.range.1.normalize().to_string(),
                party,
                money::plain(money::to_pennies(row.npv_at_base[*k])),
                finding.to_string(),
                value,
                change,
                pct,
                above,
            ]);
        }
    }
    w.into_inner().unwrap_or_default()
}

fn right(s: String) -> Cell {
    Cell::new(s).set_alignment(CellAlignment::Right)
}

/// Close a bracket [a, b] (f(a), f(b) of opposite signs, or one zero) on the root or jump.
fn refine(
    f: impl Fn(Decimal) -> Decimal,
    (mut a, mut fa): (Decimal, Decimal),
    (mut b, mut fb): (Decimal, Decimal),
    scale: Decimal,
) -> Decimal {
    let tol_x = scale * Decimal::new(1, 12);
    let tol_y = Decimal::new(1, 5); // a thousandth of a penny
    if fb.is_zero() {
        return b;
    }
    for i in 0..MAX_REFINE {
        if (b - a).abs() <= tol_x {
            break;
        }
        let secant = fa != fb && i % 2 == 0;
        let mut m = if secant {
            a - fa * (b - a) / (fb - fa)
        } else {
            (a + b) / Decimal::TWO
        };
        // Keep strictly inside the bracket (rounding can land on an end).
        if (m - a).abs() < tol_x || (b - m).abs() < tol_x {
            m = (a + b) / Decimal::TWO;
        }
        let fm = f(m);
        if fm.abs() <= tol_y {
            return m;
        }
        if sign(fm) == sign(fa) {
            a = m;
            fa = fm;
        } else {
            b = m;
            fb = fm;
        }
    }
    (a + b) / Decimal::TWO
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_linear_function_closes_in_one_false_position_step() {
        // f(x) = 3x − 1.2: root 0.4. One secant step from [0, 1] lands on it exactly.
        let calls = std::cell::Cell::new(0);
        let f = |x: Decimal| {
            calls.set(calls.get() + 1);
            Decimal::from(3) * x - Decimal::new(12, 1)
        };
        let r = refine(
            f,
            (Decimal::ZERO, Decimal::new(-12, 1)),
            (Decimal::ONE, Decimal::new(18, 1)),
            Decimal::ONE,
        );
        assert_eq!(r, Decimal::new(4, 1));
        assert_eq!(calls.get(), 1);
    }

    #[test]
    fn a_jump_closes_on_the_jump() {
        // f jumps from −1 to +1 at x = 0.3 (like a whole cashable step): the bracket closes
        // on 0.3 to within 1e-12.
        let f = |x: Decimal| {
            if x < Decimal::new(3, 1) {
                -Decimal::ONE
            } else {
                Decimal::ONE
            }
        };
        let r = refine(
            f,
            (Decimal::ZERO, -Decimal::ONE),
            (Decimal::ONE, Decimal::ONE),
            Decimal::ONE,
        );
        assert!((r - Decimal::new(3, 1)).abs() <= Decimal::new(1, 12), "{r}");
    }

    #[test]
    fn grids_cover_the_range_nearest_first() {
        let (lo, hi, down, up) = grid(Bound::Rate, Decimal::new(25, 2));
        assert_eq!((lo, hi), (Decimal::ZERO, Decimal::ONE));
        assert_eq!(down.len(), 16);
        assert_eq!(*down.last().unwrap(), Decimal::ZERO);
        assert!(down.windows(2).all(|w| w[0] > w[1]));
        assert_eq!(*up.last().unwrap(), Decimal::ONE);
        assert!(up.windows(2).all(|w| w[0] < w[1]));
        // An amount of £1,000: up by £125, £250, £500, £1,000 ... to the largest value.
        let (_, hi, _, up) = grid(Bound::NonNegative, Decimal::from(1000));
        assert_eq!(hi, PARAM_MAX);
        assert_eq!(
            &up[..3],
            &[
                Decimal::from(1125),
                Decimal::from(1250),
                Decimal::from(1500)
            ]
        );
        assert_eq!(*up.last().unwrap(), PARAM_MAX);
        // Zero: nothing below, steps of £1 above.
        let (_, _, down, up) = grid(Bound::NonNegative, Decimal::ZERO);
        assert!(down.is_empty());
        assert_eq!(up[0], Decimal::new(125, 3));
    }
}
