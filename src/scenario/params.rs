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

/// The largest value a counted or money parameter may take (£1e12 or 1e12 people): far above
/// any intervention, and small enough that the engine's products (participants × unit cost ×
/// years, summed over parties) stay inside `Decimal`'s range, so evaluation cannot overflow
/// (issue 13: a 28-digit unit cost set with `--set` panicked the engine).
pub const PARAM_MAX: Decimal = Decimal::from_parts(3_567_587_328, 232, 0, false, 0); // 1e12

impl Bound {
    pub fn check(self, v: Decimal) -> Result<(), String> {
        if !matches!(self, Bound::Rate) && v > PARAM_MAX {
            return Err(format!(
                "{v} is beyond the largest value a parameter may take (1,000,000,000,000)"
            ));
        }
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

#[cfg(test)]
mod bound_tests {
    use super::*;

    #[test]
    fn counted_and_money_parameters_stop_at_a_trillion() {
        assert_eq!(PARAM_MAX, Decimal::from(1_000_000_000_000i64));
        assert!(Bound::NonNegative.check(PARAM_MAX).is_ok());
        let e = Bound::Positive
            .check(Decimal::from_str_exact("9999999999999999999999999999").unwrap())
            .unwrap_err();
        assert!(e.contains("beyond the largest value"), "{e}");
    }
}
