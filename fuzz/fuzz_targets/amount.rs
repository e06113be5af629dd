//! The text-amount parser and the spreadsheet-number conversion: never panic, and any amount
//! the ledger can hold (within ±MAX_AMOUNT) survives a round trip through the plain CSV form.
#![no_main]

use libfuzzer_sys::fuzz_target;
use totalplace::money::{format_gbp, from_sheet_number, parse_amount, plain};

fuzz_target!(|data: &[u8]| {
    if data.len() >= 8 {
        let f = f64::from_le_bytes(data[..8].try_into().unwrap());
        if let Some(d) = from_sheet_number(f) {
            let _ = format_gbp(d);
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(d) = parse_amount(text) {
            let _ = format_gbp(d);
            if totalplace::money::check_magnitude(d).is_err() {
                return;
            }
            let back = parse_amount(&plain(d)).expect("plain form parses");
            assert_eq!(back, d, "round trip of {text:?}");
        }
    }
});
