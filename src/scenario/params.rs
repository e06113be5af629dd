//! Scenario parameters: every numeric assumption as one flat vector, each addressable by a
//! path such as `outcome.neet.success` or `cost.staff.amounts.0`, so that `--set` and a Monte
//! Carlo layer can change them without touching the files or re-validating the structure.

use rust_decimal::Decimal;
use serde::Serialize;

/// The range a parameter must lie in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Bound {
    /// A fraction, 0..1 inclusive.
    Rate,
    /// Zero or more.
    NonNegative,
    /// More than zero.
    Positive,
}

impl Bound {
    pub fn check(self, v: Decimal) -> Result<(), String> {
        let ok = match self {
            Bound::Rate => v >= Decimal::ZERO && v <= Decimal::ONE,
            Bound::NonNegative => v >= Decimal::ZERO,
            Bound::Positive => v > Decimal::ZERO,
        };
        if ok {
            Ok(())
        } else {
            Err(match self {
                Bound::Rate => format!("{v} is outside 0..1 (write a fraction: 0.25 for 25%)"),
                Bound::NonNegative => format!("{v} must not be negative"),
                Bound::Positive => format!("{v} must be more than zero"),
            })
        }
    }
}

/// What a parameter is and the range it must lie in.
#[derive(Debug, Clone, Serialize)]
pub struct ParamSpec {
    pub path: String,
    pub bound: Bound,
}

/// Values of every parameter, indexed like [`super::ValidatedScenario::param_specs`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Params {
    pub values: Vec<Decimal>,
}

impl Params {
    #[inline]
    pub fn get(&self, p: super::P) -> Decimal {
        self.values[p]
    }
}
