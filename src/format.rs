//! One formatting rule for every figure a person reads, in every output: charts, the board
//! pack (HTML and Markdown), the Word board paper, terminal summaries and (for its text) the
//! workbook. A figure shown in two places is written by the same function, so a chart never
//! says "£21m" where the table beside it says "£20.96m".
//!
//! The rule:
//! - **Money in tables**: whole pounds with thousands separators, `£1,234,568`
//!   ([`money`]). Negatives with a minus (`-£1,234`) or, with [`Negatives::Brackets`], in
//!   brackets as finance teams write them (`(£1,234)`); zero is always `£0`.
//! - **Money in sentences, tiles and charts**: three significant figures in £, £k, £m or £bn
//!   chosen from the figure's own size, trailing zeros dropped: `£20.96m` → `£21m`,
//!   `£47,720` → `£47.7k`, `£8,200,000` → `£8.2m`; below £10,000 whole pounds (`£4,963`)
//!   ([`money_short`]). The same function serves `f64` chart values ([`money_short_f64`]).
//! - **Percentages**: whole percent (`72%`) ([`percent`]).
//! - **Years** (payback, horizons): one decimal place (`8.5 years`) ([`years`]).
//! - **Counts**: thousands separators (`10,000`) ([`count`]), with the noun agreeing
//!   ([`counted`]: `1 source`, `2 sources`).
//! - **Ratios** (return per £1): pounds and pence (`£4.34`) ([`per_pound`]); indices such as
//!   the wrong-pocket index to two decimals (`0.47`) ([`index`]).
//!
//! Every rounding is half away from zero ([`crate::money::round_half_up`]).

use rust_decimal::prelude::*;

use crate::money::{group_thousands, round_half_up};

/// How a negative amount is written in tables.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Negatives {
    /// `-£1,234`
    #[default]
    Minus,
    /// `(£1,234)`, the accounting convention.
    Brackets,
}

/// The presentation choices a user can make; everything else is fixed by the rule above.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Style {
    pub negatives: Negatives,
}

impl Style {
    pub const BRACKETS: Style = Style {
        negatives: Negatives::Brackets,
    };

    /// Whole pounds for a table cell, in this style.
    pub fn money(&self, d: Decimal) -> String {
        money_with(d, self.negatives)
    }

    /// What the style says about negatives, for a note under a table.
    pub fn negatives_note(&self) -> &'static str {
        match self.negatives {
            Negatives::Minus => "negative amounts carry a minus sign",
            Negatives::Brackets => "negative amounts are shown in brackets",
        }
    }
}

/// Whole pounds with separators and a minus: `£1,234,568`, `-£1,234`, `£0` (never `-£0`).
pub fn money(d: Decimal) -> String {
    money_with(d, Negatives::Minus)
}

/// Whole pounds with separators, negatives as chosen.
pub fn money_with(d: Decimal, neg: Negatives) -> String {
    let r = round_half_up(d, 0);
    let body = format!("£{}", group_thousands(&r.abs().trunc().to_string()));
    if r.is_sign_negative() && !r.is_zero() {
        match neg {
            Negatives::Minus => format!("-{body}"),
            Negatives::Brackets => format!("({body})"),
        }
    } else {
        body
    }
}

/// Three significant figures in £, £k, £m or £bn: `£21m`, `£47.7k`, `£4,963`, `-£2.05m`.
pub fn money_short(d: Decimal) -> String {
    let a = d.abs();
    let (div, unit) = if a >= Decimal::from(999_500_000) {
        (Decimal::from(1_000_000_000), "bn")
    } else if a >= Decimal::from(999_500) {
        (Decimal::from(1_000_000), "m")
    } else if a >= Decimal::from(10_000) {
        (Decimal::from(1_000), "k")
    } else {
        return money(d);
    };
    let v = a / div;
    let dp = if v >= Decimal::from(100) {
        0
    } else if v >= Decimal::TEN {
        1
    } else {
        2
    };
    let mut r = round_half_up(v, dp);
    // 99.96 rounds to 100.0 at one decimal: show it as 100 (three figures).
    if r >= Decimal::from(100) {
        r = round_half_up(v, 0);
    }
    let s = r.normalize().to_string();
    let neg = d.is_sign_negative() && !r.is_zero();
    format!("{}£{s}{unit}", if neg { "-" } else { "" })
}

/// [`money_short`] for a chart's or a simulation's `f64` value (read at Excel's 15
/// significant digits, so the same figure formats the same way); empty for NaN.
pub fn money_short_f64(x: f64) -> String {
    crate::money::from_sheet_number(x)
        .map(money_short)
        .unwrap_or_default()
}

/// A fraction as a whole percentage: 0.715 → "72%"; never "-0%".
pub fn percent(x: Decimal) -> String {
    let r = round_half_up(x * Decimal::ONE_HUNDRED, 0);
    if r.is_zero() {
        "0%".into()
    } else {
        format!("{}%", r.trunc())
    }
}

/// [`percent`] for an `f64` fraction.
pub fn percent_f64(x: f64) -> String {
    crate::money::from_sheet_number(x)
        .map(percent)
        .unwrap_or_default()
}

/// Years to one decimal: 8.46 → "8.5 years", 1 → "1.0 year".
pub fn years(y: Decimal) -> String {
    let r = round_half_up(y, 1);
    format!(
        "{:.1} {}",
        r,
        if r == Decimal::ONE { "year" } else { "years" }
    )
}

/// A count with separators: 10000 → "10,000".
pub fn count(n: impl Into<u64>) -> String {
    group_thousands(&n.into().to_string())
}

/// A count and its noun agreeing: `counted(1, "source", "sources")` → "1 source".
pub fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", count(n as u64), if n == 1 { one } else { many })
}

/// Return per £1 in pounds and pence: 4.3449 → "£4.34"; "n/a" when there is none.
pub fn per_pound(d: Option<Decimal>) -> String {
    d.map(|x| format!("£{:.2}", round_half_up(x, 2)))
        .unwrap_or_else(|| "n/a".into())
}

/// An index or ratio to two decimals: 0.4712 → "0.47"; "n/a" when there is none.
pub fn index(d: Option<Decimal>) -> String {
    d.map(|x| format!("{:.2}", round_half_up(x, 2)))
        .unwrap_or_else(|| "n/a".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    /// The figures issue 12 found disagreeing, each now written one way.
    #[test]
    fn one_rule_for_the_figures_that_disagreed() {
        // £20.96m: 3 significant figures → 21.0 → "£21m" (trailing zero dropped).
        assert_eq!(money_short(dec!(20_960_000)), "£21m");
        assert_eq!(money_short_f64(20_960_000.0), "£21m");
        // P50 £47,720: 47.72k → 3 figures → "£47.7k", the same from f64 and Decimal.
        assert_eq!(money_short(dec!(47_720)), "£47.7k");
        assert_eq!(money_short_f64(47_720.0), "£47.7k");
        // Payback 8.46 years → one decimal, half away from zero → "8.5 years".
        assert_eq!(years(dec!(8.46)), "8.5 years");
        assert_eq!(years(dec!(8.45)), "8.5 years");
        assert_eq!(years(dec!(1)), "1.0 year");
        // Runs: "10,000", never "10000".
        assert_eq!(count(10_000u64), "10,000");
    }

    #[test]
    fn short_money_bands() {
        assert_eq!(money_short(dec!(1_234_567)), "£1.23m");
        assert_eq!(money_short(dec!(-12_345_678)), "-£12.3m");
        assert_eq!(money_short(dec!(450_000)), "£450k");
        assert_eq!(money_short(dec!(8_200_000)), "£8.2m");
        assert_eq!(money_short(dec!(3_000_000)), "£3m");
        assert_eq!(money_short(dec!(1_234)), "£1,234");
        assert_eq!(money_short(dec!(2_500_000_000)), "£2.5bn");
        // 999,700 is £1.00m at three figures, not "£1,000k".
        assert_eq!(money_short(dec!(999_700)), "£1m");
        // 99,960 → 99.96k → one decimal 100.0 → shown "£100k".
        assert_eq!(money_short(dec!(99_960)), "£100k");
        assert_eq!(money_short(dec!(0.4)), "£0");
        assert_eq!(money_short(dec!(-0.4)), "£0");
        assert_eq!(money_short_f64(f64::NAN), "");
    }

    #[test]
    fn table_money_and_brackets() {
        assert_eq!(money(dec!(-1_234_567.5)), "-£1,234,568");
        assert_eq!(money(dec!(-0.4)), "£0");
        assert_eq!(Style::BRACKETS.money(dec!(-1_234)), "(£1,234)");
        assert_eq!(Style::BRACKETS.money(dec!(1_234)), "£1,234");
        assert_eq!(Style::BRACKETS.money(dec!(-0.2)), "£0");
        assert_eq!(Style::default().money(dec!(-5)), "-£5");
    }

    #[test]
    fn percent_counts_ratios() {
        assert_eq!(percent(dec!(0.715)), "72%");
        assert_eq!(percent(dec!(-0.001)), "0%");
        assert_eq!(percent_f64(0.327528), "33%");
        assert_eq!(counted(1, "source", "sources"), "1 source");
        assert_eq!(counted(3, "source", "sources"), "3 sources");
        assert_eq!(per_pound(Some(dec!(4.3449))), "£4.34");
        assert_eq!(per_pound(None), "n/a");
        assert_eq!(index(Some(dec!(0.4712))), "0.47");
        assert_eq!(index(Some(dec!(0.5))), "0.50");
    }
}
