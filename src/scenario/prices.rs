//! Cash (nominal) prices: lines given in each year's own prices are brought to the scenario's
//! price base with the GDP-deflator index, carried past the index file's last year by an
//! assumed yearly inflation (a parameter, `prices.inflation`, so `--set`, switching values and
//! Monte Carlo reach it).
//!
//! The factor of year t (financial year Y = start year + t) is
//! `index[price base] ÷ index[Y]` when Y is in the file, and
//! `index[price base] ÷ (index[last] × (1 + inflation)^(Y − last))` past it; a cash amount
//! times its year's factor is the amount in the price base. A tariff fixed in cash is worth
//! less in real terms each year prices rise.

use rust_decimal::Decimal;

use super::params::Params;
use super::P;

/// The deflator terms of each modelled year, for a scenario with any cash line.
#[derive(Debug, Clone, PartialEq)]
pub struct CashPrices {
    /// Per year t: index[price base] ÷ index[min(Y, last)].
    pub known: Vec<Decimal>,
    /// index[price base], and per year t index[min(Y, last)], as in the deflator file (the
    /// live workbook shows the division).
    pub base: Decimal,
    pub index: Vec<Decimal>,
    /// Per year t: years Y lies past the file's last year (0 within the file).
    pub past: Vec<u32>,
    /// The file's last financial year.
    pub last_year: i32,
    /// `prices.inflation`, when the scenario gives it.
    pub inflation: Option<P>,
    /// `[prices] inflation_source`, as written.
    pub inflation_source: Option<String>,
}

impl CashPrices {
    /// Cash → price-base factor of every modelled year under parameters `p`.
    pub fn factors(&self, p: &Params) -> Vec<Decimal> {
        let g = self
            .inflation
            .map_or(Decimal::ONE, |i| Decimal::ONE + p.get(i));
        self.known
            .iter()
            .zip(&self.past)
            .map(|(&k, &n)| {
                if n == 0 {
                    k
                } else {
                    let mut d = Decimal::ONE;
                    for _ in 0..n {
                        d *= g;
                    }
                    k / d
                }
            })
            .collect()
    }

    /// The same in f64 for the Monte Carlo kernel (`known` and the inflation read as f64).
    pub fn factors_f64(known: &[f64], past: &[u32], inflation: f64, out: &mut [f64]) {
        let g = 1.0 + inflation;
        for ((o, &k), &n) in out.iter_mut().zip(known).zip(past) {
            *o = if n == 0 { k } else { k / g.powi(n as i32) };
        }
    }

    /// Whether some modelled year lies past the deflator file.
    pub fn needs_inflation(&self) -> bool {
        self.past.iter().any(|&n| n > 0)
    }
}

/// Whether a line's `prices` key says cash terms: `"real"` (or none) or `"cash"`; anything
/// else is an error message for the key.
pub fn parse(v: Option<&str>) -> Result<bool, String> {
    match v {
        None | Some("real") => Ok(false),
        Some("cash") => Ok(true),
        Some(other) => Err(format!(
            "\"{other}\" is not a price basis (real: in the scenario's price base; cash: in each year's own prices)"
        )),
    }
}
