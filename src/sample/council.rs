//! Kirkbridge Metropolitan District Council: a budget book in £000 (xlsx), with title rows,
//! directorate heading rows, service lines by subjective, directorate subtotals written as
//! formulas with cached results, a grand-total formula (the control total) and a footnote.

use std::path::Path;

use rust_decimal::Decimal;
use rust_xlsxwriter::{Format, FormatAlign};

use super::{dec, num, workbook, xlsx_err, Gen, SampleFile};
use crate::error::Result;

pub const FILE: &str = "council-budget-book-2024-25.xlsx";
pub const SHEET: &str = "Revenue 2024-25";
/// 1-based header row.
pub const HEADER_ROW: u32 = 5;

#[derive(Clone, Copy)]
enum Kind {
    Staff,
    Placements,
    Care,
    Transfer,
    Contract,
    Premises,
    Financing,
    /// A single line with this subjective description.
    Single(&'static str, &'static str),
}

/// (subjective, description, weight)
fn lines_for(kind: Kind) -> Vec<(&'static str, &'static str, u32)> {
    match kind {
        Kind::Staff => vec![
            ("Employees", "Salaries, NI and pension", 70),
            ("Employees", "Agency and interim staff", 6),
            ("Transport", "Staff travel and mileage", 4),
            (
                "Supplies and Services",
                "Equipment, IT and communications",
                10,
            ),
            ("Premises", "Accommodation recharge", 10),
        ],
        Kind::Placements => vec![
            (
                "Third Party Payments",
                "Placements - independent sector",
                58,
            ),
            (
                "Third Party Payments",
                "Placements - in-house and other local authorities",
                26,
            ),
            ("Employees", "Placement support staff", 10),
            ("Supplies and Services", "Client-related expenses", 6),
        ],
        Kind::Care => vec![
            ("Third Party Payments", "Commissioned care packages", 64),
            ("Transfer Payments", "Direct payments", 16),
            ("Third Party Payments", "Block contracts", 12),
            ("Employees", "Care management staff", 8),
        ],
        Kind::Transfer => vec![
            ("Transfer Payments", "Payments to individuals", 90),
            ("Supplies and Services", "Administration", 10),
        ],
        Kind::Contract => vec![
            ("Third Party Payments", "Contracted services", 84),
            ("Employees", "Contract management and commissioning", 10),
            ("Supplies and Services", "Other supplies and services", 6),
        ],
        Kind::Premises => vec![
            ("Employees", "Salaries, NI and pension", 68),
            ("Premises", "Buildings, energy and rates", 17),
            ("Supplies and Services", "Equipment and materials", 15),
        ],
        Kind::Financing => vec![
            ("Capital Financing", "Minimum revenue provision", 55),
            ("Capital Financing", "Interest payable", 45),
        ],
        Kind::Single(sub, desc) => vec![(sub, desc, 1)],
    }
}

struct Svc {
    code: &'static str,
    service: &'static str,
    /// 2024-25 budget, £000.
    budget: i64,
    kind: Kind,
}

const fn s(code: &'static str, service: &'static str, budget: i64, kind: Kind) -> Svc {
    Svc {
        code,
        service,
        budget,
        kind,
    }
}

struct Directorate {
    heading: &'static str,
    total_label: &'static str,
    services: &'static [Svc],
}

use Kind::*;

const INCOME: &str = "Income";

static DIRECTORATES: &[Directorate] = &[
    Directorate {
        heading: "CHILDREN'S SERVICES",
        total_label: "Total Children's Services",
        services: &[
            s(
                "CS1010",
                "Children's Social Work and Safeguarding",
                16_500,
                Staff,
            ),
            s(
                "CS1020",
                "Looked After Children placements - residential",
                36_800,
                Placements,
            ),
            s(
                "CS1021",
                "Looked After Children placements - in-house fostering",
                19_400,
                Placements,
            ),
            s(
                "CS1022",
                "Looked After Children placements - independent fostering agencies",
                14_200,
                Placements,
            ),
            s("CS1030", "Leaving Care Team", 2_650, Staff),
            s("CS1031", "Personal Advisers", 1_720, Staff),
            s("CS1032", "Care Leavers Accommodation", 3_350, Contract),
            s("CS1033", "Staying Put", 940, Transfer),
            s(
                "CS1034",
                "Care Leavers Setting Up Home Allowances and Bursaries",
                410,
                Transfer,
            ),
            s(
                "CS1040",
                "Supporting Families (Troubled Families)",
                3_600,
                Staff,
            ),
            s("CS1041", "Early Help and Family Hubs", 6_200, Staff),
            s("CS1050", "Youth Justice Service", 2_900, Staff),
            s("CS1060", "Children with Disabilities", 9_800, Placements),
            s(
                "CS1070",
                "Adoption and Special Guardianship",
                5_400,
                Transfer,
            ),
            s("CS1080", "Education and Inclusion", 8_700, Staff),
            s(
                "CS1081",
                "Home to School Transport (SEND)",
                14_600,
                Contract,
            ),
            s(
                "CS1090",
                "Schools Delegated Budgets (DSG)",
                204_000,
                Premises,
            ),
            s("CS1091", "High Needs Block (DSG)", 58_500, Contract),
        ],
    },
    Directorate {
        heading: "ADULT SOCIAL CARE AND HEALTH",
        total_label: "Total Adult Social Care and Health",
        services: &[
            s("AS2010", "Assessment and Care Management", 14_200, Staff),
            s(
                "AS2020",
                "Adult Social Care Older People - residential and nursing",
                88_600,
                Care,
            ),
            s(
                "AS2021",
                "Adult Social Care Older People - home care",
                41_800,
                Care,
            ),
            s(
                "AS2022",
                "Adult Social Care Older People Mental Health",
                17_900,
                Care,
            ),
            s("AS2030", "Learning Disabilities", 76_400, Care),
            s("AS2040", "Physical Disabilities", 24_700, Care),
            s("AS2050", "Mental Health (working age adults)", 15_200, Care),
            s("AS2060", "Reablement", 9_300, Staff),
            s("AS2061", "Hospital Social Work Team", 2_450, Staff),
            s("AS2062", "Discharge to Assess beds", 4_200, Contract),
            s("AS2070", "Safeguarding Adults", 2_100, Staff),
            s("AS2080", "Better Care Fund schemes", 26_800, Contract),
            s(
                "AS2090",
                "Client contributions",
                -46_300,
                Single(INCOME, "Client contributions to care costs"),
            ),
        ],
    },
    Directorate {
        heading: "HOUSING AND COMMUNITIES",
        total_label: "Total Housing and Communities",
        services: &[
            s("HC3010", "Homelessness", 12_400, Contract),
            s(
                "HC3011",
                "Homelessness - Temporary Accommodation",
                10_800,
                Contract,
            ),
            s(
                "HC3012",
                "Homelessness Prevention Grant schemes",
                3_100,
                Transfer,
            ),
            s(
                "HC3020",
                "Housing Benefit payments",
                94_600,
                Single("Transfer Payments", "Rent allowances and rent rebates"),
            ),
            s(
                "HC3021",
                "Housing Benefit subsidy",
                -92_800,
                Single(INCOME, "DWP Housing Benefit subsidy"),
            ),
            s("HC3030", "Supported Housing", 6_300, Contract),
            s("HC3040", "Housing Strategy and Standards", 2_250, Staff),
            s("HC3050", "Community Safety Team", 1_450, Staff),
            s("HC3060", "Libraries and Community Hubs", 6_100, Premises),
            s(
                "HC3070",
                "Revenues and Benefits Administration",
                7_800,
                Staff,
            ),
        ],
    },
    Directorate {
        heading: "PLACE",
        total_label: "Total Place",
        services: &[
            s("PL4010", "Waste Collection", 18_300, Contract),
            s("PL4011", "Waste Disposal", 28_700, Contract),
            s("PL4020", "Highways Maintenance", 19_600, Contract),
            s("PL4021", "Street Lighting", 6_100, Contract),
            s("PL4030", "Parks and Green Spaces", 7_400, Staff),
            s("PL4040", "Planning and Building Control", 4_300, Staff),
            s(
                "PL4041",
                "Planning and Building Control fees",
                -3_600,
                Single(INCOME, "Fees and charges"),
            ),
            s(
                "PL4050",
                "Transport Levy",
                24_900,
                Single("Third Party Payments", "Combined authority transport levy"),
            ),
            s(
                "PL4060",
                "Regeneration and Economic Development",
                5_200,
                Staff,
            ),
            s("PL4070", "Parking Services", 3_200, Staff),
            s(
                "PL4071",
                "Parking income",
                -8_400,
                Single(INCOME, "Fees and charges"),
            ),
        ],
    },
    Directorate {
        heading: "PUBLIC HEALTH",
        total_label: "Total Public Health",
        services: &[
            s("PH5010", "Substance Misuse Services", 9_100, Contract),
            s("PH5020", "Sexual Health Services", 6_200, Contract),
            s("PH5030", "0-19 Public Health Nursing", 14_300, Contract),
            s("PH5040", "Health Improvement", 5_600, Contract),
            s("PH5050", "Public Health Team", 2_600, Staff),
        ],
    },
    Directorate {
        heading: "CORPORATE RESOURCES",
        total_label: "Total Corporate Resources",
        services: &[
            s("CR6010", "Finance and Procurement", 8_200, Staff),
            s("CR6020", "Human Resources", 4_100, Staff),
            s("CR6030", "ICT and Digital", 13_900, Staff),
            s("CR6040", "Legal and Democratic Services", 6_400, Staff),
            s(
                "CR6050",
                "Corporate Property and Facilities",
                11_800,
                Premises,
            ),
            s("CR6060", "Capital Financing", 38_600, Financing),
            s(
                "CR6070",
                "Corporate Contingency",
                5_000,
                Single("Supplies and Services", "Contingency"),
            ),
        ],
    },
];

pub fn write(dir: &Path, seed: u64) -> Result<SampleFile> {
    let path = dir.join(FILE);
    let mut g = Gen::new(seed);
    let mut wb = workbook("Kirkbridge MDC Revenue Budget Book 2024-25 (SYNTHETIC)");
    let bold = Format::new().set_bold();
    let head = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center);
    let money = Format::new().set_num_format("#,##0.0;[Red]-#,##0.0");
    let money_bold = Format::new()
        .set_bold()
        .set_num_format("#,##0.0;[Red]-#,##0.0");
    let ws = wb.add_worksheet();
    let e = xlsx_err(&path);
    ws.set_name(SHEET).map_err(&e)?;
    ws.set_column_width(0, 14).map_err(&e)?;
    ws.set_column_width(1, 52).map_err(&e)?;
    ws.set_column_width(2, 22).map_err(&e)?;
    ws.set_column_width(3, 46).map_err(&e)?;
    ws.set_column_width(4, 14).map_err(&e)?;
    ws.set_column_width(5, 14).map_err(&e)?;

    ws.write_string_with_format(0, 0, "Kirkbridge Metropolitan District Council", &bold)
        .map_err(&e)?;
    ws.write_string(
        1,
        0,
        "Revenue Budget Book 2024-25: budget by directorate, service and subjective",
    )
    .map_err(&e)?;
    ws.write_string(2, 0, "SYNTHETIC DATA: every figure is invented for the totalplace sample place; this is not the budget of any real council.")
        .map_err(&e)?;
    ws.write_string(3, 0, "All figures £000").map_err(&e)?;
    let header = [
        "Cost Centre",
        "Service",
        "Subjective",
        "Description",
        "Budget 2023-24 £000",
        "Budget 2024-25 £000",
    ];
    let hr = HEADER_ROW - 1;
    for (c, h) in header.iter().enumerate() {
        ws.write_string_with_format(hr, c as u16, *h, &head)
            .map_err(&e)?;
    }

    let mut row = hr + 1;
    let mut lines = 0usize;
    let mut grand = (Decimal::ZERO, Decimal::ZERO);
    let mut subtotal_rows = Vec::new();
    for d in DIRECTORATES {
        ws.write_string_with_format(row, 0, d.heading, &bold)
            .map_err(&e)?;
        row += 1;
        let first = row;
        let mut sub = (Decimal::ZERO, Decimal::ZERO);
        for svc in d.services {
            let tmpl = lines_for(svc.kind);
            let weights: Vec<u32> = tmpl.iter().map(|t| t.2).collect();
            // Split in £100 units; most lines are whole £000, a few keep one decimal place.
            let round_to = if g.chance(0.25) { 1 } else { 10 };
            let parts = g.split(svc.budget * 10, &weights, 25, round_to);
            for ((sub_name, desc, _), units) in tmpl.iter().zip(parts) {
                let now = dec(units, 1);
                // Last year's budget: this year's less a growth of -4%..+11%, to £100.
                let growth = g.int(-40, 110);
                let prev_units = units * 1000 / (1000 + growth);
                let prev = dec(prev_units, 1);
                ws.write_string(row, 0, svc.code).map_err(&e)?;
                ws.write_string(row, 1, svc.service).map_err(&e)?;
                ws.write_string(row, 2, *sub_name).map_err(&e)?;
                ws.write_string(row, 3, *desc).map_err(&e)?;
                ws.write_number_with_format(row, 4, num(prev), &money)
                    .map_err(&e)?;
                ws.write_number_with_format(row, 5, num(now), &money)
                    .map_err(&e)?;
                sub.0 += prev;
                sub.1 += now;
                row += 1;
                lines += 1;
            }
        }
        let last = row - 1;
        ws.write_string_with_format(row, 1, d.total_label, &bold)
            .map_err(&e)?;
        for (col, letter, v) in [(4u16, "E", sub.0), (5u16, "F", sub.1)] {
            ws.write_formula_with_format(
                row,
                col,
                format!("=SUM({letter}{}:{letter}{})", first + 1, last + 1).as_str(),
                &money_bold,
            )
            .map_err(&e)?;
            ws.set_formula_result(row, col, v.normalize().to_string());
        }
        subtotal_rows.push(row + 1);
        grand.0 += sub.0;
        grand.1 += sub.1;
        row += 2; // subtotal, then a blank row
    }
    ws.write_string_with_format(row, 1, "TOTAL NET REVENUE BUDGET", &bold)
        .map_err(&e)?;
    for (col, letter, v) in [(4u16, "E", grand.0), (5u16, "F", grand.1)] {
        let f = subtotal_rows
            .iter()
            .map(|r| format!("{letter}{r}"))
            .collect::<Vec<_>>()
            .join("+");
        ws.write_formula_with_format(row, col, format!("={f}").as_str(), &money_bold)
            .map_err(&e)?;
        ws.set_formula_result(row, col, v.normalize().to_string());
    }
    let total_row = row + 1;
    ws.write_string(
        row + 2,
        0,
        "Note: subtotals and the total are formulas. Income is shown as negative budget.",
    )
    .map_err(&e)?;
    ws.write_string(
        row + 3,
        0,
        "Source: SYNTHETIC figures generated by `totalplace generate-sample` (seeded, reproducible). Not real data.",
    )
    .map_err(&e)?;
    debug_assert_eq!(total_row, control_row());
    wb.save(&path).map_err(&e)?;
    Ok(SampleFile {
        agency: "council",
        path,
        lines,
        total: grand.1,
        units: "£000",
    })
}

/// 1-based row of the grand total (the control-total cell is column F of this row).
pub fn control_row() -> u32 {
    let mut row = HEADER_ROW; // 1-based row of the header
    for d in DIRECTORATES {
        row += 1; // heading
        for svc in d.services {
            row += lines_for(svc.kind).len() as u32;
        }
        row += 2; // subtotal + blank
    }
    row + 1
}
