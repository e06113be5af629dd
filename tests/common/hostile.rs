//! The hostile corpus (issue 13): every broken or malicious budget file the robustness run
//! met, generated here from scratch, each with the outcome `totalplace ingest` must give.
//! `tests/hostile.rs` runs them all; `cargo test --test hostile -- --nocapture` prints each
//! outcome and, for the bombs, the peak memory.
//!
//! Bombs are built without materialising them: a tiny zip writer and a deflate encoder for
//! long runs of one byte (fixed-Huffman blocks: one literal, then length-258/distance-1
//! matches), so a 4 GiB text node costs ~27 MB of file and well under a second to write.
#![allow(dead_code)]

use std::io::Read;

/// What ingesting a case must give.
pub enum Expect {
    /// Success with this many lines and this total (as the table prints it).
    Ok { lines: u64, total: &'static str },
    /// Success, and stderr carries a warning containing this text.
    Warn {
        total: &'static str,
        warning: &'static str,
    },
    /// Exit 2 with an error containing this text (file, sheet, cell as shown).
    Err(&'static str),
}

pub struct Case {
    pub name: &'static str,
    /// The budget file's name under data/ and its bytes.
    pub file: String,
    pub bytes: Vec<u8>,
    /// Extra lines for the [[source]] table (sheet, header_row, units, control_total...).
    pub source_extra: &'static str,
    /// Column names: amount, service.
    pub amount: &'static str,
    pub expect: Expect,
    /// Peak memory bound in MB for the bombs (`None`: not measured).
    pub rss_mb: Option<u64>,
}

impl Case {
    pub fn sources_toml(&self) -> String {
        format!(
            "[[source]]\nid = \"s\"\nagency = \"council\"\nfile = \"{}\"\n{}\n[source.columns]\nservice = \"Service\"\namount = \"{}\"\n",
            self.file, self.source_extra, self.amount
        )
    }
}

// ------------------------------------------------------------------ zip, deflate, crc

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

struct Bits {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl Bits {
    fn put(&mut self, v: u32, n: u32) {
        self.acc |= u64::from(v) << self.n;
        self.n += n;
        while self.n >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }
    /// A Huffman code, most significant bit first.
    fn huff(&mut self, code: u32, len: u32) {
        let mut r = 0;
        for i in 0..len {
            r |= ((code >> i) & 1) << (len - 1 - i);
        }
        self.put(r, len);
    }
    fn literal(&mut self, b: u8) {
        let b = u32::from(b);
        if b < 144 {
            self.huff(0x30 + b, 8)
        } else {
            self.huff(0x190 + b - 144, 9)
        }
    }
    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

/// Deflate `prefix`, then `run` copies of `byte`, then `suffix`, in one fixed-Huffman block.
pub fn deflate_run(prefix: &[u8], byte: u8, run: u64, suffix: &[u8]) -> Vec<u8> {
    let mut w = Bits {
        out: Vec::new(),
        acc: 0,
        n: 0,
    };
    w.put(1, 1); // BFINAL
    w.put(1, 2); // BTYPE = fixed Huffman
    for &b in prefix {
        w.literal(b);
    }
    if run > 0 {
        w.literal(byte);
        let rest = run - 1;
        for _ in 0..rest / 258 {
            w.huff(0xC0 + 5, 8); // length code 285 = 258
            w.huff(0, 5); // distance code 0 = 1
        }
        for _ in 0..rest % 258 {
            w.literal(byte);
        }
    }
    for &b in suffix {
        w.literal(b);
    }
    w.huff(0, 7); // end of block (256)
    w.finish()
}

/// One zip entry: stored bytes, or pre-deflated data with its uncompressed size.
pub enum Entry {
    Stored(Vec<u8>),
    Deflated { data: Vec<u8>, size: u32, crc: u32 },
}

/// A zip archive of `(name, entry)` in order.
pub fn zip(entries: Vec<(String, Entry)>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    let n = entries.len() as u16;
    for (name, e) in entries {
        let (method, crc, csize, usize_, data) = match e {
            Entry::Stored(d) => (0u16, crc32(&d), d.len() as u32, d.len() as u32, d),
            Entry::Deflated { data, size, crc } => (8, crc, data.len() as u32, size, data),
        };
        let off = out.len() as u32;
        let hdr = |sig: u32, central: bool| {
            let mut h = Vec::new();
            h.extend(sig.to_le_bytes());
            if central {
                h.extend(20u16.to_le_bytes());
            }
            h.extend(20u16.to_le_bytes());
            h.extend(0u16.to_le_bytes()); // flags
            h.extend(method.to_le_bytes());
            h.extend(0u16.to_le_bytes()); // time
            h.extend(0x21u16.to_le_bytes()); // date 1980-01-01
            h.extend(crc.to_le_bytes());
            h.extend(csize.to_le_bytes());
            h.extend(usize_.to_le_bytes());
            h.extend((name.len() as u16).to_le_bytes());
            h.extend(0u16.to_le_bytes()); // extra
            if central {
                h.extend([0u8; 6]); // comment len, disk, internal attrs
                h.extend(0u32.to_le_bytes()); // external attrs
                h.extend(off.to_le_bytes());
            }
            h.extend(name.as_bytes());
            h
        };
        out.extend(hdr(0x0403_4b50, false));
        out.extend(&data);
        central.extend(hdr(0x0201_4b50, true));
    }
    let cd_off = out.len() as u32;
    let cd_len = central.len() as u32;
    out.extend(central);
    out.extend(0x0605_4b50u32.to_le_bytes());
    out.extend([0u8; 4]);
    out.extend(n.to_le_bytes());
    out.extend(n.to_le_bytes());
    out.extend(cd_len.to_le_bytes());
    out.extend(cd_off.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

/// The entries of a zip (as written by rust_xlsxwriter or spreadsheet-ods), in order.
pub fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut v = Vec::new();
            f.read_to_end(&mut v).unwrap();
            (f.name().unwrap().into_owned(), v)
        })
        .collect()
}

/// A workbook's entries with some replaced: `patch(name, bytes)` returns the new entry.
pub fn rezip(bytes: &[u8], mut patch: impl FnMut(&str, Vec<u8>) -> Entry) -> Vec<u8> {
    zip(unzip(bytes)
        .into_iter()
        .map(|(n, b)| {
            let e = patch(&n, b);
            (n, e)
        })
        .collect())
}

fn text_patch(b: Vec<u8>, f: impl FnOnce(String) -> String) -> Entry {
    Entry::Stored(f(String::from_utf8(b).unwrap()).into_bytes())
}

// ------------------------------------------------------------------ base files

/// A one-sheet xlsx: Service / Amount header on row 1, then the rows given (amount as number).
pub fn xlsx(rows: &[(&str, f64)]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Budget").unwrap();
    ws.write(0, 0, "Service").unwrap();
    ws.write(0, 1, "Amount").unwrap();
    for (i, (s, a)) in rows.iter().enumerate() {
        ws.write(i as u32 + 1, 0, *s).unwrap();
        ws.write(i as u32 + 1, 1, *a).unwrap();
    }
    wb.save_to_buffer().unwrap()
}

/// A one-sheet ods: Service / Amount, rows with float amounts.
pub fn ods(rows: &[(&str, f64)]) -> Vec<u8> {
    use spreadsheet_ods::{Sheet, WorkBook};
    let mut wb = WorkBook::new_empty();
    let mut sh = Sheet::new("Budget");
    sh.set_value(0, 0, "Service");
    sh.set_value(0, 1, "Amount");
    for (i, (s, a)) in rows.iter().enumerate() {
        sh.set_value(i as u32 + 1, 0, *s);
        sh.set_value(i as u32 + 1, 1, *a);
    }
    wb.push_sheet(sh);
    spreadsheet_ods::write_ods_buf(&mut wb, Vec::new()).unwrap()
}

fn sheet_xml(b: Vec<u8>, f: impl FnOnce(String) -> String) -> Entry {
    text_patch(b, f)
}

/// The legacy fixture (tests/fixtures/ledger.xls, sum 10361.00) with its workbook stream
/// patched in place: the stream is contiguous in this small file, so its records can be found
/// by walking from the first BOF.
fn xls_patched(patch: impl Fn(u16, &[u8]) -> Option<Vec<u8>>) -> Vec<u8> {
    let mut d = std::fs::read(crate::common::repo().join("tests/fixtures/ledger.xls")).unwrap();
    let bof = d
        .windows(4)
        .position(|w| w == [0x09, 0x08, 0x10, 0x00])
        .expect("BOF");
    let mut pos = bof;
    while pos + 4 <= d.len() {
        let typ = u16::from_le_bytes([d[pos], d[pos + 1]]);
        let len = u16::from_le_bytes([d[pos + 2], d[pos + 3]]) as usize;
        if pos + 4 + len > d.len() || (typ == 0 && len == 0) {
            break;
        }
        if let Some(new) = patch(typ, &d[pos..pos + 4 + len]) {
            d[pos..pos + new.len()].copy_from_slice(&new);
        }
        pos += 4 + len;
    }
    d
}

// ------------------------------------------------------------------ the corpus

const XLSX_ROWS: &[(&str, f64)] = &[("Care", 100.0), ("Housing", 250.5)];

pub fn corpus() -> Vec<Case> {
    let case = |name, file: &str, bytes, expect| Case {
        name,
        file: file.to_string(),
        bytes,
        source_extra: "",
        amount: "Amount",
        expect,
        rss_mb: None,
    };
    let mut v = vec![
        // 1. Old Mac CSV: CR-only line ends are lines (3 lines: 10 + 20 + 30).
        case(
            "csv-cr-only",
            "b.csv",
            b"Service,Amount\rA,10\rB,20\rC,30\r".to_vec(),
            Expect::Ok { lines: 3, total: "£60.00" },
        ),
        // 2. A lone CR inside a CRLF file splits row 3 in two: an error naming the row.
        case(
            "csv-lone-cr",
            "b.csv",
            b"Service,Amount,Note\r\nA,10,x\r\nB\r,20,y\r\nC,30,z\r\n".to_vec(),
            Expect::Err("data/b.csv: row 3: the line ends in a lone carriage return (CR)"),
        ),
        // 3. An unterminated quote in the last column.
        case(
            "csv-unterminated-quote",
            "b.csv",
            b"Service,Amount\nA,10\nB,\"20\nC,30\nD,40\n".to_vec(),
            Expect::Err("data/b.csv: row 3, column B: a quoted field opens here and is never closed"),
        ),
        // 4. An unquoted thousands comma: the row has a value with no header above it.
        case(
            "csv-ragged-thousands",
            "b.csv",
            b"Service,Amount\nA,10\nCC1,1,234\n".to_vec(),
            Expect::Err("data/b.csv: row 3, column C: row has a value in column C but the header (row 1) names only 2 columns"),
        ),
        // Smaller: a row of spaces is blank in CSV...
        case(
            "csv-spaces-row",
            "b.csv",
            b"Service,Amount\nA,10\n  ,   \nB,5\n".to_vec(),
            Expect::Ok { lines: 2, total: "£15.00" },
        ),
        // ...and in xlsx (the same file as a workbook).
        case(
            "xlsx-spaces-row",
            "b.xlsx",
            {
                let mut wb = rust_xlsxwriter::Workbook::new();
                let ws = wb.add_worksheet();
                ws.write(0, 0, "Service").unwrap();
                ws.write(0, 1, "Amount").unwrap();
                ws.write(1, 0, "A").unwrap();
                ws.write(1, 1, 10).unwrap();
                ws.write(2, 0, "  ").unwrap();
                ws.write(2, 1, "   ").unwrap();
                ws.write(3, 0, "B").unwrap();
                ws.write(3, 1, 5).unwrap();
                wb.save_to_buffer().unwrap()
            },
            Expect::Ok { lines: 2, total: "£15.00" },
        ),
        // Smaller: =0.1+0.2-0.3 cached as 5.55e-17 is zero.
        case(
            "xlsx-float-residue",
            "b.xlsx",
            xlsx(&[("A", 10.0), ("Residue", 0.1 + 0.2 - 0.3)]),
            Expect::Ok { lines: 2, total: "£10.00" },
        ),
        // Smaller: a 1M-digit amount's error quotes 32 characters and the length.
        case(
            "csv-million-digits",
            "b.csv",
            format!("Service,Amount\nA,{}\n", "7".repeat(1_000_000)).into_bytes(),
            Expect::Err("data/b.csv: row 2, column B: amount \"77777777777777777777777777777777… (1000000 characters)\" has too many digits"),
        ),
        // 9. Declared Windows-1252 on a UTF-8 file with a £.
        Case {
            source_extra: "encoding = \"windows-1252\"",
            amount: "Amount £",
            ..case(
                "csv-utf8-declared-1252",
                "b.csv",
                "Service,Amount £\nA,10\n".as_bytes().to_vec(),
                Expect::Err("the closest is row 1, which lacks \"Amount £\""),
            )
        },
        Case {
            source_extra: "encoding = \"windows-1252\"",
            ..case(
                "csv-utf8-declared-1252-readable",
                "b.csv",
                "Service,Amount\nCafé,10\n".as_bytes().to_vec(),
                Expect::Warn {
                    total: "£10.00",
                    warning: "declared encoding = \"windows-1252\" but the file is valid UTF-8",
                },
            )
        },
        // 13. Money overflow: an amount past £1e15, units scaling, a large control total.
        case(
            "csv-amount-too-large",
            "b.csv",
            b"Service,Amount\nA,9999999999999999999999999999\nB,9999999999999999999999999999\n".to_vec(),
            Expect::Err("data/b.csv: row 2, column B: amount: 9999999999999999999999999999 is beyond the largest amount accepted"),
        ),
        Case {
            source_extra: "units = \"millions\"",
            ..case(
                "csv-units-overflow",
                "b.csv",
                b"Service,Amount\nA,99999999999999999999999999\n".to_vec(),
                Expect::Err("data/b.csv: row 2, column B: amount: 99999999999999999999999999 in £m is too large"),
            )
        },
        Case {
            source_extra: "control_total = { value = \"99999999999999999999999999\" }",
            ..case(
                "csv-control-total-too-large",
                "b.csv",
                b"Service,Amount\nA,1\n".to_vec(),
                Expect::Err("data/b.csv: control_total value: 99999999999999999999999999 is beyond the largest amount"),
            )
        },
        // 6. A row numbered 4294967295 and a repeated row number.
        case(
            "xlsx-row-4294967295",
            "b.xlsx",
            rezip(&xlsx(XLSX_ROWS), |n, b| {
                if n == "xl/worksheets/sheet1.xml" {
                    sheet_xml(b, |s| {
                        s.replace("<row r=\"3\"", "<row r=\"4294967295\"")
                            .replace("r=\"A3\"", "r=\"A4294967295\"")
                            .replace("r=\"B3\"", "r=\"B4294967295\"")
                    })
                } else {
                    Entry::Stored(b)
                }
            }),
            Expect::Err("data/b.xlsx: sheet Budget: a cell is at row 4294967295, column 1, beyond the largest sheet"),
        ),
        case(
            "xlsx-duplicate-row",
            "b.xlsx",
            rezip(&xlsx(XLSX_ROWS), |n, b| {
                if n == "xl/worksheets/sheet1.xml" {
                    sheet_xml(b, |s| {
                        s.replace("<row r=\"3\"", "<row r=\"2\"")
                            .replace("r=\"A3\"", "r=\"A2\"")
                            .replace("r=\"B3\"", "r=\"B2\"")
                    })
                } else {
                    Entry::Stored(b)
                }
            }),
            Expect::Err("data/b.xlsx: Budget row 2: cell A2 appears twice"),
        ),
        // 7. A hidden first sheet: the first visible one is read, and the warning says which.
        case(
            "xlsx-hidden-first-sheet",
            "b.xlsx",
            {
                let mut wb = rust_xlsxwriter::Workbook::new();
                let h = wb.add_worksheet();
                h.set_name("Old").unwrap();
                h.write(0, 0, "Service").unwrap();
                h.write(0, 1, "Amount").unwrap();
                h.write(1, 0, "Stale").unwrap();
                h.write(1, 1, 999).unwrap();
                h.set_hidden(true);
                let ws = wb.add_worksheet();
                ws.set_name("Budget").unwrap();
                ws.write(0, 0, "Service").unwrap();
                ws.write(0, 1, "Amount").unwrap();
                ws.write(1, 0, "A").unwrap();
                ws.write(1, 1, 42).unwrap();
                ws.set_active(true);
                wb.save_to_buffer().unwrap()
            },
            Expect::Warn {
                total: "£42.00",
                warning: "no sheet declared, so read \"Budget\", the first visible sheet of 2 (\"Old\", \"Budget\"; hidden: \"Old\")",
            },
        ),
        // Smaller: a numeric header cell 2024 matches the declared column "2024".
        Case {
            amount: "2024",
            ..case(
                "xlsx-numeric-header",
                "b.xlsx",
                {
                    let mut wb = rust_xlsxwriter::Workbook::new();
                    let ws = wb.add_worksheet();
                    ws.write(0, 0, "Service").unwrap();
                    ws.write(0, 1, 2024).unwrap();
                    ws.write(1, 0, "A").unwrap();
                    ws.write(1, 1, 7).unwrap();
                    wb.save_to_buffer().unwrap()
                },
                Expect::Ok { lines: 1, total: "£7.00" },
            )
        },
        // Smaller: the header found automatically names the missing column.
        Case {
            amount: "Budget",
            ..case(
                "csv-header-missing-column",
                "b.csv",
                b"Title\nService,Amount\nA,1\n".to_vec(),
                Expect::Err("the closest is row 2, which lacks \"Budget\""),
            )
        },
        // 8. An ods currency cell in EUR.
        case(
            "ods-eur-cell",
            "b.ods",
            rezip(&ods(XLSX_ROWS), |n, b| {
                if n == "content.xml" {
                    text_patch(b, |s| {
                        let i = s.find("office:value=\"250.5\"").expect("250.5 cell");
                        let j = s[..i].rfind("<table:table-cell").unwrap();
                        let k = i + s[i..].find('>').unwrap();
                        format!(
                            "{}<table:table-cell office:value-type=\"currency\" office:currency=\"EUR\" office:value=\"250.5\"{}",
                            &s[..j],
                            &s[k..]
                        )
                    })
                } else {
                    Entry::Stored(b)
                }
            }),
            Expect::Err("data/b.ods: Budget!B3: cell is a currency amount in EUR"),
        ),
        // 5. An xls formula record of the BIFF4 kind (0x0406), which the reader skips: D3.
        Case {
            amount: "Amount",
            ..case(
                "xls-formula-0406",
                "b.xls",
                xls_patched(|typ, rec| {
                    ((typ == 0x0203 || typ == 0x027E) && rec[4..8] == [2, 0, 3, 0]).then(|| vec![0x06, 0x04])
                }),
                Expect::Err("data/b.xls: Ledger!D3: cell holds a formula record of the old BIFF4 kind (record 0x0406"),
            )
        },
    ];
    // Smaller: a control-total formula saved without its cached value says so.
    v.push(Case {
        source_extra: "control_total = { cell = \"D2\" }",
        ..case(
            "xlsx-control-formula-no-value",
            "b.xlsx",
            rezip(
                &{
                    let mut wb = rust_xlsxwriter::Workbook::new();
                    let ws = wb.add_worksheet();
                    ws.set_name("Budget").unwrap();
                    ws.write(0, 0, "Service").unwrap();
                    ws.write(0, 1, "Amount").unwrap();
                    ws.write(1, 0, "A").unwrap();
                    ws.write(1, 1, 5).unwrap();
                    ws.write_formula(1, 3, "=SUM(B2:B2)").unwrap();
                    wb.save_to_buffer().unwrap()
                },
                |n, b| {
                    if n == "xl/worksheets/sheet1.xml" {
                        // Drop the cached result, as a non-calculating writer would.
                        text_patch(b, |s| {
                            let i = s.find("<f>SUM(B2:B2)</f>").unwrap() + "<f>SUM(B2:B2)</f>".len();
                            let j = i + s[i..].find("</c>").unwrap();
                            format!("{}{}", &s[..i], &s[j..])
                        })
                    } else {
                        Entry::Stored(b)
                    }
                },
            ),
            Expect::Err("data/b.xlsx: Budget!D2: control total cell holds the formula =SUM(B2:B2) but no cached value"),
        )
    });
    // 15. An xlsb whose workbook names a sheet by a relationship id the workbook's
    // relationships lack (as Apache POI's Simple.xlsb does): calamine 0.38 panics ("no entry
    // found for key", xlsb/mod.rs `relationships[&*relid]`); the panic is caught at the format
    // boundary.
    v.push(case(
        "xlsb-missing-relationship",
        "b.xlsb",
        {
            // BrtBundleSh (0x009C): hsState 0, iTabID 1, relId "rId9", name "Budget".
            let utf16 = |t: &str| t.encode_utf16().flat_map(u16::to_le_bytes).collect::<Vec<u8>>();
            let mut body = Vec::new();
            body.extend(0u32.to_le_bytes());
            body.extend(1u32.to_le_bytes());
            body.extend(4u32.to_le_bytes());
            body.extend(utf16("rId9"));
            body.extend(6u32.to_le_bytes());
            body.extend(utf16("Budget"));
            let mut wb = vec![0x9C, 0x01, body.len() as u8];
            wb.extend(body);
            wb.extend([0x90, 0x01, 0x00]); // BrtEndBundleShs
            zip(vec![
                (
                    "[Content_Types].xml".to_string(),
                    Entry::Stored(b"<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>".to_vec()),
                ),
                ("xl/workbook.bin".to_string(), Entry::Stored(wb)),
            ])
        },
        Expect::Err("data/b.xlsb: cannot read this file: the xlsb reader failed on it (no entry found for key)"),
    ));
    // ---------------------------------------------------------------- bombs (14, 17)
    let bomb = |name, file: &str, bytes, expect| Case {
        rss_mb: Some(500),
        ..case(name, file, bytes, expect)
    };
    // 14. Shared strings claiming 1e12 and u64::MAX strings.
    for (name, n) in [
        ("xlsx-sst-1e12", "1000000000000"),
        ("xlsx-sst-u64max", "18446744073709551615"),
    ] {
        v.push(bomb(
            name,
            "b.xlsx",
            rezip(&xlsx(&[("A", 1.0)]), |f, b| {
                if f == "xl/sharedStrings.xml" {
                    text_patch(b, |s| {
                        let s = s.replacen("uniqueCount=\"", &format!("uniqueCount=\"{n}"), 1);
                        // keep the rest of the old count digits out: rewrite the attribute whole
                        let i = s.find(&format!("uniqueCount=\"{n}")).unwrap();
                        let j = i + s[i + 13..].find('"').unwrap() + 13;
                        format!("{}uniqueCount=\"{n}\"{}", &s[..i], &s[j + 1..])
                    })
                } else {
                    Entry::Stored(b)
                }
            }),
            Expect::Err("declares uniqueCount = "),
        ));
    }
    // 14. xls DIMENSIONS claiming 4294967295 rows.
    v.push(bomb(
        "xls-dimensions-4294967295",
        "b.xls",
        xls_patched(|typ, rec| {
            (typ == 0x0200).then(|| {
                let mut r = rec.to_vec();
                r[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
                r
            })
        }),
        Expect::Err("declares (DIMENSIONS record) 4294967295 rows"),
    ));
    // 14. A control total on another sheet that also holds a cell at XFD1048576.
    v.push(Case {
        source_extra: "sheet = \"Budget\"\ncontrol_total = { cell = \"Summary!B1\" }",
        ..bomb(
            "xlsx-control-sheet-xfd1048576",
            "b.xlsx",
            {
                let mut wb = rust_xlsxwriter::Workbook::new();
                let ws = wb.add_worksheet();
                ws.set_name("Budget").unwrap();
                ws.write(0, 0, "Service").unwrap();
                ws.write(0, 1, "Amount").unwrap();
                ws.write(1, 0, "A").unwrap();
                ws.write(1, 1, 12).unwrap();
                let s = wb.add_worksheet();
                s.set_name("Summary").unwrap();
                s.write(0, 0, "Total").unwrap();
                s.write(0, 1, 12).unwrap();
                s.write(1_048_575, 16_383, "far corner").unwrap();
                wb.save_to_buffer().unwrap()
            },
            Expect::Ok {
                lines: 1,
                total: "£12.00",
            },
        )
    });
    // 17. An ods of one cell repeated 16,384 columns × 5,000 rows.
    v.push(bomb(
        "ods-repeated-cells",
        "b.ods",
        rezip(&ods(XLSX_ROWS), |n, b| {
            if n == "content.xml" {
                text_patch(b, |s| {
                    let i = s.find("<table:table-row").unwrap();
                    let j = s.rfind("</table:table>").unwrap();
                    format!(
                        "{}<table:table-row table:number-rows-repeated=\"5000\"><table:table-cell table:number-columns-repeated=\"16384\" office:value-type=\"float\" office:value=\"1\"><text:p>1</text:p></table:table-cell></table:table-row>{}",
                        &s[..i],
                        &s[j..]
                    )
                })
            } else {
                Entry::Stored(b)
            }
        }),
        Expect::Err("sheet \"Budget\" expands to"),
    ));
    // 17. A 4 GiB whitespace text node in the sheet (about 27 MB of file).
    let ws_run: u64 = (4u64 << 30) - 4096;
    v.push(bomb(
        "xlsx-4gib-whitespace",
        "b.xlsx",
        rezip(&xlsx(XLSX_ROWS), |n, b| {
            if n == "xl/worksheets/sheet1.xml" {
                let s = String::from_utf8(b).unwrap();
                let i = s.find("<sheetData>").unwrap() + "<sheetData>".len();
                let (pre, post) = s.split_at(i);
                Entry::Deflated {
                    data: deflate_run(pre.as_bytes(), b' ', ws_run, post.as_bytes()),
                    size: (pre.len() as u64 + ws_run + post.len() as u64) as u32,
                    crc: 0, // never reached: the guard stops reading long before the end
                }
            } else {
                Entry::Stored(b)
            }
        }),
        Expect::Err("holds a text or tag longer than 1048576 bytes"),
    ));
    // 17. A 1 GiB shared string (about 7 MB of file).
    let ss_run: u64 = 1 << 30;
    v.push(bomb(
        "xlsx-1gib-shared-string",
        "b.xlsx",
        rezip(&xlsx(XLSX_ROWS), |n, b| {
            if n == "xl/sharedStrings.xml" {
                let s = String::from_utf8(b).unwrap();
                let i = s.find("<t>").unwrap() + 3;
                let (pre, post) = s.split_at(i);
                Entry::Deflated {
                    data: deflate_run(pre.as_bytes(), b'x', ss_run, post.as_bytes()),
                    size: (pre.len() as u64 + ss_run + post.len() as u64) as u32,
                    crc: 0,
                }
            } else {
                Entry::Stored(b)
            }
        }),
        Expect::Err("part xl/sharedStrings.xml holds a text or tag longer than 1048576 bytes"),
    ));
    v
}

/// Self-check of the deflate encoder (run from tests/hostile.rs).
pub fn deflate_roundtrip() {
    let d = deflate_run(b"<a>", b' ', 1000, b"</a>");
    let mut out = Vec::new();
    flate_decode(&d, &mut out);
    assert_eq!(out.len(), 3 + 1000 + 4);
    assert!(out.starts_with(b"<a>") && out.ends_with(b"</a>"));
    assert!(out[3..1003].iter().all(|&b| b == b' '));
}

fn flate_decode(data: &[u8], out: &mut Vec<u8>) {
    // Decode through the zip reader: wrap in a one-entry archive.
    let z = zip(vec![(
        "x".to_string(),
        Entry::Deflated {
            data: data.to_vec(),
            size: 1007,
            crc: 0,
        },
    )]);
    let mut a = zip::ZipArchive::new(std::io::Cursor::new(z)).unwrap();
    let mut f = a.by_index(0).unwrap();
    let _ = f.read_to_end(out); // the CRC is not set: the bytes are what count
}
