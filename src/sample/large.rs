//! Benchmark-size ledgers (≥ 1,000,000 lines): generated on demand, never committed.

use std::io::{BufWriter, Write};
use std::path::Path;

use rust_decimal::Decimal;

use super::{dec, grouped, num, workbook, xlsx_err, Gen};
use crate::error::{Error, Result};

const HEADER: [&str; 5] = ["Cost Centre", "Account", "Service", "Description", "Amount"];

const SERVICES: [&str; 30] = [
    "Children's Social Care",
    "Looked After Children",
    "Leaving Care",
    "Early Help",
    "Youth Justice",
    "Education",
    "SEND Transport",
    "Schools",
    "Adult Social Care",
    "Older People",
    "Learning Disabilities",
    "Mental Health",
    "Reablement",
    "Homelessness",
    "Housing Benefit",
    "Supported Housing",
    "Waste",
    "Highways",
    "Parks",
    "Planning",
    "Libraries",
    "Public Health",
    "Substance Misuse",
    "Community Safety",
    "Finance",
    "HR",
    "ICT",
    "Legal",
    "Property",
    "Capital Financing",
];

const DESCRIPTIONS: [&str; 24] = [
    "Salaries",
    "Employer NI",
    "Employer pension",
    "Agency staff",
    "Overtime",
    "Mileage",
    "Training",
    "Stationery",
    "IT equipment",
    "Software licences",
    "Telephones",
    "Postage",
    "Electricity",
    "Gas",
    "Water",
    "Business rates",
    "Cleaning",
    "Repairs and maintenance",
    "Commissioned placement",
    "Home care package",
    "Direct payment",
    "Contract payment",
    "Grant payment",
    "Recharge",
];

/// Write a benchmark ledger of `lines` lines to `path`: `.xlsx` (constant-memory writer) or
/// `.csv` (anything else), header row 1 `Cost Centre, Account, Service, Description, Amount`.
/// About 200 cost centres, 60 accounts, 30 services; descriptions mostly repeat, about 1 in 20
/// is unique (an invoice reference). Amounts are pounds and pence; in CSV some are written as
/// `£1,234.56` and negatives (about 1 in 25, credits) sometimes as `(1,234.56)`.
/// Returns the exact total of the Amount column. The same `seed` gives the same lines in
/// both formats.
pub fn write_large_ledger(path: &Path, lines: usize, seed: u64) -> Result<Decimal> {
    let mut g = Gen::new(seed);
    let cost_centres: Vec<String> = (0..200).map(|i| format!("CC{:04}", 1000 + i * 7)).collect();
    let accounts: Vec<String> = (0..60).map(|i| format!("{}", 40_000 + i * 110)).collect();
    let xlsx = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    let mut total = Decimal::ZERO;
    let next = |g: &mut Gen| {
        let cc = g.int(0, 199) as usize;
        let acc = g.int(0, 59) as usize;
        let svc = (cc * 30 / 200 + g.int(0, 1) as usize) % 30;
        let unique = g.chance(0.05);
        let desc = g.int(0, DESCRIPTIONS.len() as i64 - 1) as usize;
        // Mostly small amounts, a long tail of large ones.
        let magnitude = match g.int(0, 99) {
            0..=59 => g.int(1, 99_999),
            60..=94 => g.int(100_000, 9_999_999),
            _ => g.int(10_000_000, 999_999_999),
        };
        let pence = if g.chance(0.04) {
            -magnitude
        } else {
            magnitude
        };
        (cc, acc, svc, unique, desc, pence)
    };
    if xlsx {
        let mut wb = workbook("totalplace benchmark ledger (SYNTHETIC)");
        let e = xlsx_err(path);
        let ws = wb.add_worksheet_with_constant_memory().map_err(&e)?;
        for (c, h) in HEADER.iter().enumerate() {
            ws.write_string(0, c as u16, *h).map_err(&e)?;
        }
        for i in 0..lines {
            let (cc, acc, svc, unique, desc, pence) = next(&mut g);
            let row = i as u32 + 1;
            ws.write_string(row, 0, &cost_centres[cc]).map_err(&e)?;
            ws.write_string(row, 1, &accounts[acc]).map_err(&e)?;
            ws.write_string(row, 2, SERVICES[svc]).map_err(&e)?;
            if unique {
                ws.write_string(row, 3, format!("Invoice INV{:08}", i))
                    .map_err(&e)?;
            } else {
                ws.write_string(row, 3, DESCRIPTIONS[desc]).map_err(&e)?;
            }
            let amount = dec(pence, 2);
            ws.write_number(row, 4, num(amount)).map_err(&e)?;
            total += amount;
        }
        wb.save(path).map_err(&e)?;
    } else {
        let file = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
        let mut w = csv::WriterBuilder::new().from_writer(BufWriter::with_capacity(1 << 20, file));
        let io = |e: csv::Error| Error::io(path, e);
        w.write_record(HEADER).map_err(io)?;
        let mut invoice = String::new();
        // A second generator picks how each amount is written, so the CSV and the xlsx
        // written with the same seed hold the same lines.
        let mut style = Gen::new(seed ^ 0x0053_5459_4C45);
        for i in 0..lines {
            let (cc, acc, svc, unique, desc, pence) = next(&mut g);
            let amount = dec(pence, 2);
            let text = match style.int(0, 9) {
                0..=5 => format!("{amount:.2}"),
                6..=7 => {
                    let sign = if pence < 0 { "-" } else { "" };
                    format!("{sign}£{}", grouped(amount, 2))
                }
                _ if pence < 0 => format!("({})", grouped(amount, 2)),
                _ => grouped(amount, 2),
            };
            let d = if unique {
                invoice.clear();
                use std::fmt::Write as _;
                let _ = write!(invoice, "Invoice INV{i:08}");
                invoice.as_str()
            } else {
                DESCRIPTIONS[desc]
            };
            w.write_record([
                cost_centres[cc].as_str(),
                accounts[acc].as_str(),
                SERVICES[svc],
                d,
                text.as_str(),
            ])
            .map_err(io)?;
            total += amount;
        }
        let mut inner = w.into_inner().map_err(|e| Error::io(path, e))?;
        inner.flush().map_err(|e| Error::io(path, e))?;
    }
    Ok(total)
}

/// A `sources.toml` `[[source]]` entry (agency "council") that reads a ledger written by
/// [`write_large_ledger`] from the place's data folder. It declares no control total; append
/// `control_total = { value = "<total>" }` with the total `write_large_ledger` returned to have
/// ingest reconcile it.
pub fn large_ledger_source_toml(file_name: &str) -> String {
    let quoted = toml::Value::String(file_name.to_string()).to_string();
    format!(
        "[[source]]\n\
         id = \"large-ledger\"\n\
         agency = \"council\"\n\
         file = {quoted}\n\
         header_row = 1\n\
         columns = {{ amount = \"Amount\", cost_centre = \"Cost Centre\", account = \"Account\", service = \"Service\", description = \"Description\" }}\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_entry_parses() {
        let text = large_ledger_source_toml("big \"ledger\".csv");
        let parsed: crate::model::raw::SourcesFile =
            crate::model::raw::parse_toml(Path::new("sources.toml"), &text).expect("valid TOML");
        assert_eq!(parsed.source[0].file, "big \"ledger\".csv");
        assert_eq!(parsed.source[0].header_row, Some(1));
    }
}
