//! Money: exact parsing of amounts as finance teams write them, and formatting.
//!
//! All money is [`rust_decimal::Decimal`] pounds. Text amounts such as `£1,234.56`,
//! `-£1,234.56`, `(1,234.56)`, `1,234` and `£ 12.5m`-free plain numbers parse exactly.
//! Spreadsheet numbers are binary floats; they are read at Excel's own precision of 15
//! significant digits, so a cached formula result such as `1234.5000000000002` reads as the
//! `1234.5` Excel shows (see [`from_sheet_number`]).
//!
//! Rounding, where it happens (presentation, allocation to pennies), is **half away from
//! zero** ("half-up" as finance users mean it), never banker's rounding.

use rust_decimal::prelude::*;
use rust_decimal::RoundingStrategy;

/// The rounding rule used everywhere money is rounded, stated in every output.
pub const ROUNDING_RULE: &str = "half away from zero (0.005 -> 0.01), to the penny";

/// Round to `dp` decimal places, half away from zero.
pub fn round_half_up(d: Decimal, dp: u32) -> Decimal {
    d.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
}

/// Round to the penny, half away from zero.
pub fn to_pennies(d: Decimal) -> Decimal {
    round_half_up(d, 2)
}

/// The largest amount, in pounds, one budget line or control total may hold: £1e18, a
/// million times UK public spending, so no real budget meets it, and sums of billions of such
/// lines stay far inside `Decimal`'s range (about 7.9e28).
pub const MAX_AMOUNT: Decimal = Decimal::from_parts(2_808_348_672, 232_830_643, 0, false, 0); // 1e18

/// An error message if `d` is beyond ±[`MAX_AMOUNT`].
pub fn check_magnitude(d: Decimal) -> Result<(), String> {
    if d.abs() > MAX_AMOUNT {
        Err(format!(
            "{} is beyond the largest amount accepted (£1,000,000,000,000,000,000); check the units and the cell",
            quote(&d.normalize().to_string())
        ))
    } else {
        Ok(())
    }
}

/// Checked sum of amounts: `None` on overflow.
pub fn checked_sum(it: impl IntoIterator<Item = Decimal>) -> Option<Decimal> {
    it.into_iter()
        .try_fold(Decimal::ZERO, |acc, d| acc.checked_add(d))
}

/// Text quoted in a message, cut to 40 characters (a 1M-digit cell must not flood the terminal).
pub fn quote(text: &str) -> String {
    let t = text.trim();
    let n = t.chars().count();
    if n <= 40 {
        t.to_string()
    } else {
        let head: String = t.chars().take(32).collect();
        format!("{head}… ({n} characters)")
    }
}

/// Why a text amount did not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmountError(pub String);

/// Parse an amount written as text.
///
/// Accepted: optional sign (`-`, `+`, or Unicode minus) before or after a `£`, parentheses for
/// negatives, thousands separators (`,`, between digit groups), spaces, a decimal point,
/// a trailing `-` (some ledgers), and a lone `-` meaning nil (accounting format). Rejected: anything else, e.g.
/// `TBC`, `12.3.4`, `£`, `1,23`, `--5`.
pub fn parse_amount(text: &str) -> Result<Decimal, AmountError> {
    let err = || AmountError(format!("amount \"{}\" is not a number", quote(text)));
    let s = text.trim();
    if s.is_empty() {
        return Err(AmountError("amount is empty".into()));
    }
    if s == "-" || s == "–" || s == "—" {
        return Ok(Decimal::ZERO);
    }
    let mut negative = false;
    let mut body = s;
    if let Some(inner) = body.strip_prefix('(').and_then(|b| b.strip_suffix(')')) {
        negative = true;
        body = inner.trim();
    }
    // Leading sign and currency symbol, in either order, possibly with spaces.
    let mut seen_sign = false;
    let mut seen_pound = false;
    loop {
        body = body.trim_start();
        if let Some(rest) = body.strip_prefix('£') {
            if seen_pound {
                return Err(err());
            }
            seen_pound = true;
            body = rest;
        } else if let Some(rest) = body
            .strip_prefix('-')
            .or_else(|| body.strip_prefix('\u{2212}'))
        {
            if seen_sign || negative {
                return Err(err());
            }
            seen_sign = true;
            negative = true;
            body = rest;
        } else if let Some(rest) = body.strip_prefix('+') {
            if seen_sign {
                return Err(err());
            }
            seen_sign = true;
            body = rest;
        } else {
            break;
        }
    }
    let mut body = body.trim_end();
    if let Some(rest) = body.strip_suffix('-') {
        if seen_sign || negative {
            return Err(err());
        }
        negative = true;
        body = rest.trim_end();
    }
    // Digits with optional thousands separators and one decimal point.
    let bytes = body.as_bytes();
    if bytes.is_empty() {
        return Err(err());
    }
    let mut mantissa: i128 = 0;
    let mut scale: u32 = 0;
    let mut digits = 0usize;
    let mut any_digit = false;
    let mut in_fraction = false;
    let mut group_len: Option<usize> = None; // digits since last comma (None = no comma yet)
    let mut int_digits = 0usize;
    for &b in bytes {
        match b {
            b'0'..=b'9' => {
                any_digit = true;
                // Leading zeros of the whole part are not precision (fuzzing found
                // "0123…" with 28 digits rejected while its value fits).
                if mantissa != 0 || in_fraction || b != b'0' {
                    digits += 1;
                }
                if digits > 28 {
                    return Err(AmountError(format!(
                        "amount \"{}\" has too many digits",
                        quote(text)
                    )));
                }
                mantissa = mantissa * 10 + i128::from(b - b'0');
                if in_fraction {
                    scale += 1;
                } else {
                    int_digits += 1;
                    if let Some(g) = group_len.as_mut() {
                        *g += 1;
                    }
                }
            }
            b',' if !in_fraction => {
                // A separator must follow 1-3 digits (first group) or exactly 3 (later groups).
                match group_len {
                    None if (1..=3).contains(&int_digits) => {}
                    Some(3) => {}
                    _ => return Err(err()),
                }
                group_len = Some(0);
            }
            b'.' if !in_fraction => {
                if let Some(g) = group_len {
                    if g != 3 {
                        return Err(err());
                    }
                }
                in_fraction = true;
            }
            _ => return Err(err()),
        }
    }
    if !any_digit {
        return Err(err());
    }
    if let (Some(g), false) = (group_len, in_fraction) {
        if g != 3 {
            return Err(err());
        }
    }
    let mut d = Decimal::from_i128_with_scale(mantissa, scale);
    if negative {
        d.set_sign_negative(true);
    }
    Ok(d)
}

/// Convert a spreadsheet number to an exact decimal at Excel's 15 significant digits.
///
/// Excel stores IEEE doubles but shows and compares at 15 significant digits; reading at that
/// precision recovers the figure the finance officer typed or sees, and keeps float noise from
/// formulas (`0.1 + 0.2`) out of the ledger. Returns `None` for NaN, infinities and values
/// beyond `Decimal`'s range.
pub fn from_sheet_number(f: f64) -> Option<Decimal> {
    if !f.is_finite() {
        return None;
    }
    // Fast path: whole numbers that fit exactly.
    if f == f.trunc() && f.abs() < 1e15 {
        return Some(Decimal::from(f as i64));
    }
    if f.abs() >= 7.9e28 {
        return None;
    }
    // Float residues of a formula (=0.1+0.2-0.3 caches 5.55e-17) are zero, not figures.
    if f.abs() < SHEET_ZERO {
        return Some(Decimal::ZERO);
    }
    let s = format!("{:.14e}", f);
    let d = Decimal::from_scientific(&s)
        .ok()
        .or_else(|| Decimal::from_f64_retain(f).map(|d| d.round_dp(28)))?;
    Some(d.normalize())
}

/// Spreadsheet numbers smaller than this in magnitude read as zero: float residues such as
/// `0.1 + 0.2 - 0.3` = 5.55e-17 (a ten-billionth of a penny is no budget figure).
pub const SHEET_ZERO: f64 = 1e-12;

/// Format pounds with thousands separators and 2 decimal places (half-up): `£1,234,567.89`,
/// negatives as `-£1,234.00`.
pub fn format_gbp(d: Decimal) -> String {
    let r = to_pennies(d);
    let neg = r.is_sign_negative() && !r.is_zero();
    let s = format!("{:.2}", r.abs());
    let (int, frac) = s.split_once('.').unwrap_or((&s, "00"));
    format!(
        "{}£{}.{}",
        if neg { "-" } else { "" },
        group_thousands(int),
        frac
    )
}

/// Format whole pounds with separators: `£1,234,568`.
pub fn format_gbp0(d: Decimal) -> String {
    let r = round_half_up(d, 0);
    let neg = r.is_sign_negative() && !r.is_zero();
    format!(
        "{}£{}",
        if neg { "-" } else { "" },
        group_thousands(&r.abs().trunc().to_string())
    )
}

/// Digits of a whole number with thousands separators: "1234567" → "1,234,567".
pub(crate) fn group_thousands(int: &str) -> String {
    let mut out = String::with_capacity(int.len() + int.len() / 3);
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A canonical plain-text amount for CSV/JSON: at least 2 decimal places, no separators,
/// exact (sub-penny digits are kept, trailing zeros beyond the pennies dropped).
pub fn plain(d: Decimal) -> String {
    let mut n = d.normalize();
    if n.scale() < 2 {
        n.rescale(2);
    }
    n.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn parses_finance_text() {
        let ok = [
            ("£1,234.56", dec!(1234.56)),
            ("-£1,234.56", dec!(-1234.56)),
            ("£-1,234.56", dec!(-1234.56)),
            ("(1,234.56)", dec!(-1234.56)),
            ("(£1,234.56)", dec!(-1234.56)),
            ("1,234", dec!(1234)),
            (" 1234 ", dec!(1234)),
            ("0.5", dec!(0.5)),
            (".5", dec!(0.5)),
            ("1,234,567.891", dec!(1234567.891)),
            ("+12", dec!(12)),
            ("12-", dec!(-12)),
            ("\u{2212}7.10", dec!(-7.10)),
            ("£ 1,000", dec!(1000)),
            ("-", dec!(0)),
        ];
        for (text, want) in ok {
            assert_eq!(parse_amount(text), Ok(want), "{text}");
        }
    }

    #[test]
    fn rejects_non_numbers() {
        for text in [
            "TBC", "", "£", "12.3.4", "1,23", "12,34.5", "1,2345", "--5", "(-5)", "5 5", "£5£",
            "1e5", "-5-", "N/A",
        ] {
            assert!(parse_amount(text).is_err(), "{text:?} should not parse");
        }
        assert_eq!(
            parse_amount("TBC").unwrap_err().0,
            "amount \"TBC\" is not a number"
        );
    }

    /// Issue 13: leading zeros are not digits of precision (found by the amount fuzzer:
    /// "0123" followed by 24 zeros, 28 characters, value 1.23e26).
    #[test]
    fn leading_zeros_do_not_count_towards_the_digit_limit() {
        let t = format!("0123{}", "0".repeat(24));
        assert_eq!(parse_amount(&t), Ok(Decimal::from_str("123e24").unwrap()));
        assert_eq!(
            parse_amount("0000000000000000000000000000000012"),
            Ok(dec!(12))
        );
    }

    #[test]
    fn the_largest_amount_is_a_quintillion_and_quotes_are_cut() {
        assert_eq!(MAX_AMOUNT, Decimal::from(1_000_000_000_000_000_000i64));
        assert!(check_magnitude(dec!(1000000000000000000)).is_ok());
        assert!(check_magnitude(dec!(-1000000000000000000.01)).is_err());
        // A million-digit amount is quoted as its first 32 characters and its length.
        let long = "9".repeat(1_000_000);
        let e = parse_amount(&long).unwrap_err().0;
        assert!(e.len() < 120, "{e}");
        assert!(e.contains("(1000000 characters)"), "{e}");
        assert_eq!(
            checked_sum([MAX_AMOUNT, MAX_AMOUNT]),
            Some(dec!(2000000000000000000))
        );
        assert_eq!(checked_sum([Decimal::MAX, Decimal::ONE]), None);
    }

    /// Issue 13: =0.1+0.2-0.3 caches 5.551115123125783e-17, which is zero, not an error.
    #[test]
    fn float_residues_are_zero() {
        assert_eq!(from_sheet_number(0.1 + 0.2 - 0.3), Some(Decimal::ZERO));
        assert_eq!(from_sheet_number(-1e-13), Some(Decimal::ZERO));
        assert_eq!(from_sheet_number(1e-9), Some(dec!(0.000000001)));
    }

    #[test]
    fn sheet_numbers_at_excel_precision() {
        assert_eq!(from_sheet_number(1234.0), Some(dec!(1234)));
        assert_eq!(from_sheet_number(0.1 + 0.2), Some(dec!(0.3)));
        assert_eq!(from_sheet_number(1234.5000000000002), Some(dec!(1234.5)));
        assert_eq!(from_sheet_number(-17.35), Some(dec!(-17.35)));
        assert_eq!(from_sheet_number(123456789.123), Some(dec!(123456789.123)));
        assert_eq!(from_sheet_number(f64::NAN), None);
    }

    #[test]
    fn formatting() {
        assert_eq!(format_gbp(dec!(1234567.891)), "£1,234,567.89");
        assert_eq!(format_gbp(dec!(-0.005)), "-£0.01");
        assert_eq!(format_gbp(dec!(0.125)), "£0.13");
        assert_eq!(format_gbp(dec!(12)), "£12.00");
        assert_eq!(format_gbp0(dec!(-1234567.5)), "-£1,234,568");
        assert_eq!(plain(dec!(12)), "12.00");
        assert_eq!(plain(dec!(12.3450)), "12.345");
    }
}
