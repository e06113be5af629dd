//! Criminal-justice partners: the police district (CSV with `£1,234.56` amounts, two preamble
//! lines and a TOTAL line), the probation delivery unit (ODS, some amounts stored as text,
//! a Total row) and HMP Kirkbridge (xlsx in £m to 3 decimal places).

use std::path::Path;

use rust_decimal::Decimal;
use rust_xlsxwriter::Format;
use spreadsheet_ods::{Sheet, WorkBook};

use super::{
    canonical_stored_zip, dec, grouped, num, workbook, write_bytes, xlsx_err, Gen, SampleFile, Sub,
};
use crate::error::{Error, Result};

pub const POLICE_FILE: &str = "police-district-budget-2024-25.csv";
pub const PROBATION_FILE: &str = "probation-pdu-budget-2024-25.ods";
pub const PRISONS_FILE: &str = "hmp-kirkbridge-2024-25.xlsx";

// ---------------------------------------------------------------- police

const OPERATIONAL: &[Sub] = &[
    ("E1001", "Police officer pay", 62),
    ("E1002", "Police officer overtime", 6),
    ("E1003", "Police officer pension contributions", 14),
    ("E1010", "Police staff pay", 7),
    ("E1020", "PCSO pay", 2),
    ("T3001", "Vehicle running costs", 4),
    ("S4001", "Equipment and uniform", 2),
    ("S4002", "Communications and airwave", 2),
    ("S4003", "Forensic services", 1),
];
const STAFF_LED: &[Sub] = &[
    ("E1010", "Police staff pay", 58),
    ("E1011", "Police staff overtime", 4),
    ("E1012", "Police staff pension contributions", 10),
    ("E1001", "Police officer pay", 14),
    ("S4001", "Equipment and uniform", 2),
    ("S4010", "IT systems and licences", 6),
    ("S4011", "Contracted services", 6),
];
const CUSTODY: &[Sub] = &[
    ("E1001", "Police officer pay (custody sergeants)", 26),
    ("E1010", "Detention officers", 30),
    ("S4020", "Custody healthcare contract", 16),
    ("S4021", "Detainee meals and welfare", 3),
    ("S4022", "Appropriate adult and interpreter services", 4),
    ("P2001", "Custody suite premises and maintenance", 12),
    ("P2002", "Cleaning and biohazard", 3),
    ("S4010", "IT systems and licences", 6),
];
const PREMISES: &[Sub] = &[
    ("P2001", "Premises repairs and maintenance", 30),
    ("P2003", "Energy", 24),
    ("P2004", "Rates", 22),
    ("P2005", "Cleaning", 12),
    ("P2006", "Rent", 12),
];

pub fn write_police(dir: &Path, seed: u64) -> Result<SampleFile> {
    let path = dir.join(POLICE_FILE);
    let mut g = Gen::new(seed);
    // (code, name, budget £000, subjectives)
    let mut ccs: Vec<(String, String, i64, &[Sub])> = Vec::new();
    let mut add = |name: String, b: i64, subs: &'static [Sub]| {
        ccs.push((format!("KD{}", 1000 + ccs.len() * 10), name, b, subs));
    };
    for team in ["A", "B", "C", "D", "E"] {
        add(format!("Response - Team {team}"), 6_900, OPERATIONAL);
    }
    for area in [
        "Kirkbridge Central",
        "Kirkbridge North",
        "Kirkbridge South",
        "Holme Valley",
        "Lowmoor and Eastgate",
    ] {
        add(
            format!("Neighbourhood Policing - {area}"),
            4_300,
            OPERATIONAL,
        );
    }
    for (name, b, subs) in [
        ("Integrated Offender Management", 2_250, OPERATIONAL),
        ("Custody - Kirkbridge Central custody suite", 8_100, CUSTODY),
        ("Criminal Investigation Department", 9_800, OPERATIONAL),
        (
            "Public Protection - Child abuse and exploitation",
            5_200,
            OPERATIONAL,
        ),
        ("Public Protection - Domestic abuse", 3_900, OPERATIONAL),
        (
            "Public Protection - MOSOVO (sex offender management)",
            1_400,
            OPERATIONAL,
        ),
        ("Serious and Organised Crime", 4_600, OPERATIONAL),
        ("Roads Policing", 3_700, OPERATIONAL),
        ("District Intelligence Unit", 4_400, STAFF_LED),
        ("Missing Persons Coordination", 900, OPERATIONAL),
        ("Youth Engagement and Diversion", 1_100, OPERATIONAL),
        ("Mental Health Street Triage", 650, OPERATIONAL),
        ("Force Control Room (district share)", 9_200, STAFF_LED),
        ("Criminal Justice and Case Preparation", 3_300, STAFF_LED),
        ("District Command and Support", 5_600, STAFF_LED),
        ("Vehicle Fleet (district share)", 2_900, STAFF_LED),
        ("Police Estate - District stations", 4_100, PREMISES),
    ] {
        add(name.to_string(), b, subs);
    }

    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    let io = |e: csv::Error| Error::io(&path, e);
    w.write_record(["Northshire Police: Kirkbridge District revenue budget 2024-25 (export from finance system)"]).map_err(io)?;
    w.write_record(["SYNTHETIC figures for the totalplace sample place - not real data"])
        .map_err(io)?;
    w.write_record([
        "Cost Centre",
        "Cost Centre Name",
        "Subjective",
        "Subjective Name",
        "Budget 2024-25",
    ])
    .map_err(io)?;
    let gbp = |d: Decimal| {
        let sign = if d.is_sign_negative() && !d.is_zero() {
            "-"
        } else {
            ""
        };
        format!("{sign}£{}", grouped(d, 2))
    };
    let mut total = Decimal::ZERO;
    let mut lines = 0usize;
    for (code, name, budget, subs) in &ccs {
        let weights: Vec<u32> = subs.iter().map(|s| s.2).collect();
        let pence = budget * 100_000 + g.int(-5_000, 5_000) * 100;
        let mut recs: Vec<(&str, &str, Decimal)> = subs
            .iter()
            .zip(g.split(pence, &weights, 25, 100))
            .map(|(s, p)| (s.0, s.1, dec(p, 2)))
            .collect();
        if name.starts_with("Custody") || name.starts_with("Roads") {
            recs.push((
                "I5001",
                "Special police services income",
                dec(-(g.int(40, 220) * 100_000), 2),
            ));
        }
        for (sub, sname, amount) in recs {
            w.write_record([
                code.as_str(),
                name.as_str(),
                sub,
                sname,
                gbp(amount).as_str(),
            ])
            .map_err(io)?;
            total += amount;
            lines += 1;
        }
    }
    w.write_record(["TOTAL", "", "", "", gbp(total).as_str()])
        .map_err(io)?;
    let bytes = w.into_inner().map_err(|e| Error::io(&path, e))?;
    write_bytes(&path, &bytes)?;
    Ok(SampleFile {
        agency: "police",
        path,
        lines,
        total,
        units: "£",
    })
}

/// 1-based row of the police TOTAL line.
pub fn police_total_row(lines: usize) -> u32 {
    3 + lines as u32 + 1
}

// ---------------------------------------------------------------- probation

pub fn write_probation(dir: &Path, seed: u64) -> Result<SampleFile> {
    let path = dir.join(PROBATION_FILE);
    let mut g = Gen::new(seed);
    // (team / service, [(cost type, narrative, whole £ before jitter)])
    type Item = (&'static str, &'static str, i64);
    let teams: &[(&str, &[Item])] = &[
        (
            "Sentence Management",
            &[
                ("Pay", "Probation officers (PQiP and qualified)", 3_150_000),
                ("Pay", "Probation services officers", 1_480_000),
                ("Pay", "Senior probation officers", 520_000),
                ("Non-pay", "Travel and subsistence", 64_000),
            ],
        ),
        (
            "Resettlement",
            &[
                (
                    "Pay",
                    "Resettlement team - probation services officers",
                    410_000,
                ),
                (
                    "Pay",
                    "Resettlement team - senior probation officer",
                    62_000,
                ),
                (
                    "Commissioned",
                    "Commissioned Rehabilitative Services - accommodation",
                    318_000,
                ),
                (
                    "Commissioned",
                    "Commissioned Rehabilitative Services - ETE",
                    164_000,
                ),
                (
                    "Non-pay",
                    "Emergency accommodation on release (CAS2 top-up)",
                    96_000,
                ),
            ],
        ),
        (
            "Through the Gate",
            &[
                (
                    "Pay",
                    "Through the Gate pre-release workers (HMP Kirkbridge)",
                    286_000,
                ),
                (
                    "Commissioned",
                    "Through the Gate mentoring - voluntary sector",
                    118_000,
                ),
                ("Non-pay", "Day-of-release transport and ID", 21_500),
            ],
        ),
        (
            "Approved Premises",
            &[
                (
                    "Pay",
                    "Approved Premises staff (Kirkbridge AP, 24 beds)",
                    1_040_000,
                ),
                ("Premises", "Approved Premises building costs", 212_000),
                ("Non-pay", "Residents' meals and welfare", 88_000),
                ("Premises", "Approved Premises night cover contract", 96_000),
            ],
        ),
        (
            "Community Payback",
            &[
                ("Pay", "Unpaid work supervisors", 690_000),
                ("Non-pay", "Vehicles and tools", 134_000),
                ("Commissioned", "Placement partners", 48_000),
            ],
        ),
        (
            "Accredited Programmes",
            &[
                ("Pay", "Programme facilitators", 560_000),
                ("Non-pay", "Programme materials and licences", 23_000),
            ],
        ),
        (
            "Court Team",
            &[
                (
                    "Pay",
                    "Court duty officers and pre-sentence reports",
                    640_000,
                ),
                ("Non-pay", "Court accommodation recharge", 41_000),
            ],
        ),
        (
            "Victim Liaison",
            &[("Pay", "Victim liaison officers", 162_000)],
        ),
        (
            "Commissioned Rehabilitative Services",
            &[
                ("Commissioned", "Personal wellbeing", 226_000),
                ("Commissioned", "Dependency and recovery", 194_000),
                ("Commissioned", "Women's services", 142_000),
            ],
        ),
        (
            "PDU Management and Business Support",
            &[
                ("Pay", "Head of PDU and deputy", 198_000),
                ("Pay", "Business support and case administration", 720_000),
                ("Non-pay", "IT, printing and postage", 58_000),
                ("Non-pay", "Staff training", 47_000),
            ],
        ),
        (
            "Estates",
            &[
                (
                    "Premises",
                    "Kirkbridge probation office - rent and service charge",
                    386_000,
                ),
                ("Premises", "Reporting centre - Holme Valley", 94_000),
                (
                    "Premises",
                    "Facilities management (shared service)",
                    152_000,
                ),
            ],
        ),
    ];

    let mut book = WorkBook::new_empty();
    let mut sheet = Sheet::new("PDU Budget");
    sheet.set_value(
        0,
        0,
        "Probation Service - Kirkbridge Probation Delivery Unit (PDU) - budget 2024-25",
    );
    sheet.set_value(
        1,
        0,
        "SYNTHETIC figures for the totalplace sample place - not real data",
    );
    let header = [
        "Budget Code",
        "Cost Type",
        "Team / Service",
        "Narrative",
        "2024-25 Budget (£)",
    ];
    for (c, h) in header.iter().enumerate() {
        sheet.set_value(3, c as u32, *h);
    }
    let mut row = 4u32;
    let mut total = Decimal::ZERO;
    let mut n = 0usize;
    for (t, (team, items)) in teams.iter().enumerate() {
        for (i, (cost_type, narrative, pounds)) in items.iter().enumerate() {
            let amount = dec(
                pounds * 100 + g.int(-2_000, 2_000) * 100 + g.int(0, 1) * 50,
                2,
            );
            let code = format!("PDU-{:02}-{:02}", t + 1, i + 1);
            sheet.set_value(row, 0, code.as_str());
            sheet.set_value(row, 1, *cost_type);
            sheet.set_value(row, 2, *team);
            sheet.set_value(row, 3, *narrative);
            // Roughly one amount in four was pasted in as text, as happens in hand-kept ODS files.
            if g.chance(0.25) {
                let text = if g.chance(0.5) {
                    grouped(amount, 2)
                } else {
                    format!("£{}", grouped(amount, 2))
                };
                sheet.set_value(row, 4, text.as_str());
            } else {
                sheet.set_value(row, 4, num(amount));
            }
            total += amount;
            row += 1;
            n += 1;
        }
    }
    sheet.set_value(row, 0, "Total");
    sheet.set_value(row, 4, num(total));
    book.push_sheet(sheet);
    let mut bytes = spreadsheet_ods::write_ods_buf_uncompressed(&mut book, Vec::new())
        .map_err(|e| Error::io(&path, e))?;
    canonical_stored_zip(&mut bytes).map_err(|e| Error::io(&path, e))?;
    write_bytes(&path, &bytes)?;
    Ok(SampleFile {
        agency: "probation",
        path,
        lines: n,
        total,
        units: "£",
    })
}

/// 1-based row of the probation Total row (header at row 4).
pub fn probation_total_row(lines: usize) -> u32 {
    4 + lines as u32 + 1
}

// ---------------------------------------------------------------- prisons

pub fn write_prisons(dir: &Path, seed: u64) -> Result<SampleFile> {
    let path = dir.join(PRISONS_FILE);
    let mut g = Gen::new(seed);
    // (line, category, description, £m to 3 dp as integer £000)
    let lines: &[(&str, &str, &str, i64)] = &[
        ("P01", "Staff costs", "Prison officers (bands 3-5)", 17_420),
        ("P02", "Staff costs", "Operational support grades", 2_860),
        (
            "P03",
            "Staff costs",
            "Custodial managers and governors",
            2_310,
        ),
        (
            "P04",
            "Staff costs",
            "Administration and business support",
            1_940,
        ),
        ("P05", "Staff costs", "Overtime and payment plus", 1_120),
        ("P06", "Running costs", "Catering and prisoner meals", 1_780),
        (
            "P07",
            "Running costs",
            "Prisoner wages and private cash",
            640,
        ),
        (
            "P08",
            "Running costs",
            "Facilities management contract",
            4_260,
        ),
        ("P09", "Running costs", "Utilities", 2_150),
        (
            "P10",
            "Running costs",
            "Security equipment and services",
            860,
        ),
        (
            "P11",
            "Regime",
            "Education and skills (Prison Education Framework)",
            1_530,
        ),
        ("P12", "Regime", "Workshops and industries", 420),
        (
            "P13",
            "Regime",
            "Interventions and offending behaviour programmes",
            510,
        ),
        (
            "P14",
            "Healthcare",
            "Substance misuse services (co-commissioned)",
            380,
        ),
        (
            "P15",
            "Overheads",
            "HMPPS area and national overhead apportioned",
            3_940,
        ),
        (
            "R01",
            "Resettlement",
            "Resettlement - pre-release team (OMU)",
            690,
        ),
        (
            "R02",
            "Resettlement",
            "Resettlement - accommodation advice (HMP Kirkbridge)",
            145,
        ),
        (
            "R03",
            "Resettlement",
            "Resettlement - employment hub and job coaches",
            212,
        ),
        ("R04", "Resettlement", "Discharge grants", 118),
        (
            "R05",
            "Resettlement",
            "Resettlement - travel warrants and ID documents",
            34,
        ),
        (
            "R06",
            "Resettlement",
            "Resettlement passport and day-one support",
            96,
        ),
    ];
    let mut wb = workbook("HMP Kirkbridge budget 2024-25 in £m (SYNTHETIC)");
    let e = xlsx_err(&path);
    let ws = wb.add_worksheet();
    ws.set_name("HMP Kirkbridge").map_err(&e)?;
    ws.set_column_width(0, 8).map_err(&e)?;
    ws.set_column_width(1, 16).map_err(&e)?;
    ws.set_column_width(2, 58).map_err(&e)?;
    ws.set_column_width(3, 14).map_err(&e)?;
    let bold = Format::new().set_bold();
    let m3 = Format::new().set_num_format("0.000");
    ws.write_string_with_format(
        0,
        0,
        "HMPPS - HMP Kirkbridge (Category C, 820 places): budget 2024-25, £ million",
        &bold,
    )
    .map_err(&e)?;
    ws.write_string(
        1,
        0,
        "SYNTHETIC figures for the totalplace sample place - not real data",
    )
    .map_err(&e)?;
    for (c, h) in ["Line", "Cost Category", "Description", "2024-25 £m"]
        .iter()
        .enumerate()
    {
        ws.write_string_with_format(3, c as u16, *h, &bold)
            .map_err(&e)?;
    }
    let mut row = 4u32;
    let mut total = Decimal::ZERO;
    for (line, cat, desc, thousands) in lines {
        let amount = dec(thousands + g.int(-thousands / 20, thousands / 20), 3);
        ws.write_string(row, 0, *line).map_err(&e)?;
        ws.write_string(row, 1, *cat).map_err(&e)?;
        ws.write_string(row, 2, *desc).map_err(&e)?;
        ws.write_number_with_format(row, 3, num(amount), &m3)
            .map_err(&e)?;
        total += amount;
        row += 1;
    }
    ws.write_string_with_format(row, 0, "Total", &bold)
        .map_err(&e)?;
    ws.write_formula_with_format(row, 3, format!("=SUM(D5:D{row})").as_str(), &m3)
        .map_err(&e)?;
    ws.set_formula_result(row, 3, total.normalize().to_string());
    wb.save(&path).map_err(&e)?;
    Ok(SampleFile {
        agency: "prisons",
        path,
        lines: lines.len(),
        total,
        units: "£m",
    })
}

/// 1-based row of the prisons Total row.
pub fn prisons_total_row() -> u32 {
    4 + 21 + 1
}
