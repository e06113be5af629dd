//! Conserving money when a line is split: largest remainder on the line's smallest unit.
//!
//! Shares are fixed-point fractions of [`ONE`] (10^18, so percentages with up to 16 decimal
//! places are exact and driver ratios are applied at 18 decimal places). A line of `units`
//! (its amount in its smallest unit: pennies, or finer when the line carries sub-penny digits)
//! is split into one part per share plus the remainder (`ONE − Σ shares`). Every part is first
//! rounded towards zero; the units left over (fewer than the number of parts) go one each to the
//! parts with the largest fractional remainders, earlier parts first on ties and the remainder
//! last. The parts therefore always sum exactly to the line, each part is within one unit of its
//! exact value, and a negative line splits as the mirror image of the positive one.

/// 100% as a fixed-point share.
pub const ONE: u64 = 1_000_000_000_000_000_000;

/// Set in `rem[i]` by [`split`] when part `i` received one of the leftover units; the rest of
/// the value is the part's fractional remainder (in 1/[`ONE`] of a unit).
pub const TAKEN: u64 = 1 << 63;

/// Split `units` among `shares` (each ≤ [`ONE`], summing to ≤ [`ONE`]). `out` receives one part
/// per share followed by the remainder, so `out.len() == shares.len() + 1`. `rem` (same
/// length) receives each part's fractional remainder, with [`TAKEN`] set on the parts that were
/// rounded away from zero. Allocation-free.
///
/// # Panics
/// If the lengths disagree or the shares add up to more than [`ONE`].
pub fn split(units: i128, shares: &[u64], out: &mut [i128], rem: &mut [u64]) {
    let n = shares.len();
    assert!(
        out.len() == n + 1 && rem.len() == n + 1,
        "split: buffer lengths"
    );
    let neg = units < 0;
    let a = units.unsigned_abs();
    let one = u128::from(ONE);
    let (hi, lo) = (a / one, a % one);
    let mut floor_sum: u128 = 0;
    let mut rem_sum: u128 = 0;
    let mut share_sum: u128 = 0;
    for i in 0..n {
        let m = u128::from(shares[i]);
        share_sum += m;
        // a·m/ONE = hi·m + lo·m/ONE, with lo·m < 10^36 so nothing overflows.
        let (q, r) = if m == one {
            (a, 0)
        } else if m == 0 {
            (0, 0)
        } else {
            let p = lo * m;
            (hi * m + p / one, p % one)
        };
        out[i] = q as i128;
        rem[i] = r as u64;
        floor_sum += q;
        rem_sum += r;
    }
    assert!(share_sum <= one, "split: shares exceed 100%");
    // Units handed out after flooring: ceil(Σ remainders / ONE).
    let k = rem_sum.div_ceil(one);
    let rest_frac = (k * one - rem_sum) as u64;
    out[n] = (a - floor_sum - k) as i128;
    rem[n] = rest_frac;
    for _ in 0..k {
        let mut best = usize::MAX;
        for i in 0..=n {
            if rem[i] > 0 && rem[i] & TAKEN == 0 && (best == usize::MAX || rem[i] > rem[best]) {
                best = i;
            }
        }
        out[best] += 1;
        rem[best] |= TAKEN;
    }
    if neg {
        for o in out.iter_mut() {
            *o = -*o;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn run(units: i128, shares: &[u64]) -> Vec<i128> {
        let mut out = vec![0; shares.len() + 1];
        let mut rem = vec![0; shares.len() + 1];
        split(units, shares, &mut out, &mut rem);
        out
    }

    const THIRD: u64 = ONE / 3;

    #[test]
    fn worked_examples() {
        // £100.00 = 10000p in thirds: 3333.33.. each; floors 3333 ×3 = 9999, remainder share
        // 1 − 3×333333333333333333e-18 = 1e-18 of 10000p ≈ 0. One penny left over goes to the
        // first third (largest remainder, earliest on ties).
        assert_eq!(
            run(10_000, &[THIRD, THIRD, THIRD]),
            vec![3334, 3333, 3333, 0]
        );
        // 25% and 50% of £0.03: 0.75p and 1.5p; remainder 0.75p. Floors 0,1,0 leave 2 units:
        // fractions .75, .5, .75 → first and remainder get one each: 1, 1, 1.
        assert_eq!(run(3, &[ONE / 4, ONE / 2]), vec![1, 1, 1]);
        // Negative lines mirror positive ones.
        assert_eq!(run(-3, &[ONE / 4, ONE / 2]), vec![-1, -1, -1]);
        // Whole line.
        assert_eq!(run(12_345, &[ONE]), vec![12_345, 0]);
        // Nothing.
        assert_eq!(run(12_345, &[]), vec![12_345]);
        // Big amounts (> ONE units) do not overflow.
        let big = 79_000_000_000_000_000_000_000_000_000i128;
        let parts = run(big, &[THIRD, ONE / 2]);
        assert_eq!(parts.iter().sum::<i128>(), big);
    }

    fn shares_strategy() -> impl Strategy<Value = Vec<u64>> {
        prop::collection::vec(0..=ONE, 0..6).prop_map(|v| {
            // Scale so the sum is at most ONE.
            let sum: u128 = v.iter().map(|&x| u128::from(x)).sum();
            if sum <= u128::from(ONE) {
                v
            } else {
                v.iter()
                    .map(|&x| (u128::from(x) * u128::from(ONE) / sum) as u64)
                    .collect()
            }
        })
    }

    proptest! {
        #[test]
        fn parts_sum_exactly_and_stay_within_one_unit(
            units in -1_000_000_000_000_000i128..=1_000_000_000_000_000i128,
            shares in shares_strategy(),
        ) {
            let parts = run(units, &shares);
            prop_assert_eq!(parts.iter().sum::<i128>(), units);
            let one = ONE as f64;
            for (i, &m) in shares.iter().enumerate() {
                let exact = units as f64 * (m as f64 / one);
                prop_assert!((parts[i] as f64 - exact).abs() <= 1.0 + exact.abs() * 1e-12,
                    "part {} = {} vs exact {}", i, parts[i], exact);
                // Never the wrong sign.
                prop_assert!(parts[i] == 0 || (parts[i] > 0) == (units > 0));
            }
            let rest = *parts.last().unwrap();
            prop_assert!(rest == 0 || (rest > 0) == (units > 0));
            // Mirror image for the negated line.
            let neg = run(-units, &shares);
            prop_assert_eq!(neg, parts.iter().map(|p| -p).collect::<Vec<_>>());
        }
    }
}
