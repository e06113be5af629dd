//! Discount factors. D_t = 1 ÷ (1 + r)^t, t = 0 undiscounted. The Green Book schedule uses
//! 3.5% for years 0–30; beyond, the factor compounds from the last year of the previous band:
//! D_t = D_30 ÷ 1.03^(t−30) for 31–75, then 2.5% from D_75 (76–125), 2.0% from D_125
//! (126–200), 1.5% from D_200 (201–300) and 1.0% from D_300 (301 on).

use super::DiscountSchedule;
use rust_decimal::Decimal;

/// Green Book bands: (first year of band, rate).
pub fn green_book_bands() -> [(usize, Decimal); 6] {
    [
        (0, Decimal::new(35, 3)),
        (31, Decimal::new(30, 3)),
        (76, Decimal::new(25, 3)),
        (126, Decimal::new(20, 3)),
        (201, Decimal::new(15, 3)),
        (301, Decimal::new(10, 3)),
    ]
}

fn pow(base: Decimal, n: usize) -> Decimal {
    let mut x = Decimal::ONE;
    for _ in 0..n {
        x *= base;
    }
    x
}

/// D_t for t in 0..horizon.
pub fn factors(schedule: &DiscountSchedule, horizon: usize) -> Vec<Decimal> {
    let mut out = Vec::with_capacity(horizon);
    match schedule {
        DiscountSchedule::Flat(r) => {
            for t in 0..horizon {
                out.push(Decimal::ONE / pow(Decimal::ONE + r, t));
            }
        }
        DiscountSchedule::GreenBook => {
            let bands = green_book_bands();
            for t in 0..horizon {
                // The band holding t, and the year its compounding starts from.
                let b = bands
                    .iter()
                    .rposition(|(start, _)| *start <= t)
                    .unwrap_or(0);
                let (start, rate) = bands[b];
                let anchor = if b == 0 { 0 } else { start - 1 };
                let base = if b == 0 { Decimal::ONE } else { out[anchor] };
                out.push(base / pow(Decimal::ONE + rate, t - anchor));
            }
        }
    }
    out
}

/// The schedule described for outputs.
pub fn describe(schedule: &DiscountSchedule) -> String {
    match schedule {
        DiscountSchedule::GreenBook => "HM Treasury Green Book: D_t = 1/(1+r)^t with t = 0 undiscounted; r = 3.5% for years 0-30; \
             beyond year 30 the factor compounds from the previous band: D_t = D_30/1.03^(t-30) for 31-75, \
             D_75/1.025^(t-75) for 76-125, D_125/1.02^(t-125) for 126-200, D_200/1.015^(t-200) for 201-300, \
             D_300/1.01^(t-300) from 301"
            .to_string(),
        DiscountSchedule::Flat(r) => {
            format!("flat rate r = {r}: D_t = 1/(1+r)^t with t = 0 undiscounted")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_changes_after_year_30() {
        let d = factors(&DiscountSchedule::GreenBook, 80);
        assert_eq!(d[0], Decimal::ONE);
        // D_31 = D_30 / 1.03, not 1/1.035^31.
        assert_eq!(d[31], d[30] / Decimal::new(103, 2));
        assert!(d[31] > Decimal::ONE / pow(Decimal::new(1035, 3), 31));
        assert_eq!(d[76], d[75] / Decimal::new(1025, 3));
    }
}
