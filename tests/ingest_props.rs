//! Property: for any generated set of lines, in any units and any of the text forms finance
//! teams use, the ingested total equals the sum of the inputs to the penny.

mod common;

use proptest::prelude::*;
use rust_decimal::Decimal;
use totalplace::ingest::ingest_place;
use totalplace::model::Place;

/// Render an amount (in source units) the way a finance export might.
fn render(d: Decimal, style: u8) -> String {
    let neg = d.is_sign_negative() && !d.is_zero();
    let abs = d.abs();
    let s = abs.to_string();
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i.to_string(), format!(".{f}")),
        None => (s.clone(), String::new()),
    };
    let grouped = {
        let mut out = String::new();
        for (i, ch) in int.chars().enumerate() {
            if i > 0 && (int.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(ch);
        }
        out
    };
    match (style % 4, neg) {
        (0, _) => d.to_string(),
        (1, false) => format!("\"£{grouped}{frac}\""),
        (1, true) => format!("\"-£{grouped}{frac}\""),
        (2, false) => format!("\"{grouped}{frac}\""),
        (2, true) => format!("\"({grouped}{frac})\""),
        (_, false) => format!("£{int}{frac}"),
        (_, true) => format!("\"(£{grouped}{frac})\""),
    }
}

fn place_with(w: &common::Workdir, units: &str, file: &str) -> Place {
    w.place(
        &["council"],
        &format!(
            "[[source]]\nid = \"s\"\nagency = \"council\"\nfile = \"{file}\"\nunits = \"{units}\"\n\
             [source.columns]\nservice = \"Service\"\namount = \"Amount\"\n"
        ),
    );
    Place::load(&w.path("place")).expect("valid place")
}

fn amounts() -> impl Strategy<Value = Vec<(i64, u32, u8)>> {
    // (mantissa, scale 0..=3, text style)
    prop::collection::vec(
        (-10_000_000_000i64..10_000_000_000, 0u32..=3, any::<u8>()),
        1..60,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn csv_total_equals_sum_of_inputs(lines in amounts(), unit in 0usize..3) {
        let (units, mult) = [("pounds", 1), ("thousands", 1_000), ("millions", 1_000_000)][unit];
        let w = common::Workdir::new();
        let mut csv = String::from("Service,Amount\n");
        let mut want = Decimal::ZERO;
        for (i, (m, scale, style)) in lines.iter().enumerate() {
            let d = Decimal::new(*m, *scale);
            want += d * Decimal::from(mult);
            csv.push_str(&format!("svc{i},{}\n", render(d, *style)));
        }
        w.write("data/s.csv", csv);
        let place = place_with(&w, units, "s.csv");
        let ing = ingest_place(&place).expect("ingests");
        prop_assert_eq!(ing.ledger.total(), want);
        prop_assert_eq!(ing.reports[0].lines as usize, lines.len());
        let line_sum: Decimal = ing.ledger.lines.iter().map(|l| l.amount).sum();
        prop_assert_eq!(line_sum, want);
    }

    #[test]
    fn xlsx_number_total_equals_sum_of_inputs(lines in prop::collection::vec((-1_000_000_000i64..1_000_000_000, 0u32..=2), 1..60), unit in 0usize..3) {
        // Numbers typed into Excel with up to 2 decimals (at most 12 significant digits here, well
        // inside Excel's 15) read back exactly.
        let (units, mult) = [("pounds", 1), ("thousands", 1_000), ("millions", 1_000_000)][unit];
        let w = common::Workdir::new();
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.write(0, 0, "Service").unwrap();
        ws.write(0, 1, "Amount").unwrap();
        let mut want = Decimal::ZERO;
        for (i, (m, scale)) in lines.iter().enumerate() {
            let d = Decimal::new(*m, *scale);
            want += d * Decimal::from(mult);
            let f: f64 = d.to_string().parse().unwrap();
            ws.write(i as u32 + 1, 0, format!("svc{i}")).unwrap();
            ws.write(i as u32 + 1, 1, f).unwrap();
        }
        w.write("data/s.xlsx", wb.save_to_buffer().unwrap());
        let place = place_with(&w, units, "s.xlsx");
        let ing = ingest_place(&place).expect("ingests");
        prop_assert_eq!(ing.ledger.total(), want);
    }
}
