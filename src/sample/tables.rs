//! Published-table layouts: the DWP benefit-expenditure table apportioned to the district
//! (£m, three year columns, section headings, subtotals and footnotes) and the community
//! safety partnership's grant schedule (pounds).

use std::path::Path;

use rust_decimal::Decimal;
use rust_xlsxwriter::Format;

use super::{dec, num, workbook, xlsx_err, Gen, SampleFile};
use crate::error::Result;

pub const DWP_FILE: &str = "dwp-benefit-expenditure-kirkbridge.xlsx";
pub const CSP_FILE: &str = "community-safety-grants-2024-25.xlsx";

/// (ref, benefit, 2024-25 forecast in £000 i.e. £m to 3 dp)
type Line = (&'static str, &'static str, i64);

const SECTIONS: &[(&str, &str, &[Line])] = &[
    (
        "Working age benefits",
        "Total working age",
        &[
            ("UC01", "Universal Credit (excluding care leavers)", 612_400),
            (
                "UC02",
                "Universal Credit: care leavers aged 18-24 (estimated)",
                4_860,
            ),
            ("JSA1", "Jobseeker's Allowance (new style)", 5_120),
            ("ESA1", "Employment and Support Allowance", 83_700),
            ("IS01", "Income Support", 1_940),
            ("HB01", "Housing Benefit (working age)", 58_300),
        ],
    ),
    (
        "Disability and carers benefits",
        "Total disability and carers",
        &[
            ("PIP1", "Personal Independence Payment", 196_800),
            ("DLA1", "Disability Living Allowance", 58_900),
            ("AA01", "Attendance Allowance", 46_200),
            ("CA01", "Carer's Allowance", 36_400),
        ],
    ),
    (
        "Pensioner benefits",
        "Total pensioner benefits",
        &[
            ("SP01", "State Pension", 1_012_600),
            ("PC01", "Pension Credit", 44_800),
            ("HB02", "Housing Benefit (pension age)", 36_700),
            ("WF01", "Winter Fuel Payment", 3_100),
        ],
    ),
    (
        "Administration",
        "Total administration",
        &[
            ("AD01", "Jobcentre Plus administration", 24_300),
            ("AD02", "Prison leavers Jobcentre work coaches", 420),
            ("AD03", "Restart and employment support programmes", 6_900),
            ("AD04", "Health assessment services (apportioned)", 4_100),
        ],
    ),
];

pub fn write_dwp(dir: &Path, seed: u64) -> Result<SampleFile> {
    let path = dir.join(DWP_FILE);
    let mut g = Gen::new(seed);
    let mut wb = workbook("Benefit expenditure apportioned to Kirkbridge (SYNTHETIC)");
    let e = xlsx_err(&path);
    let bold = Format::new().set_bold();
    let italic = Format::new().set_italic();
    let m3 = Format::new().set_num_format("#,##0.000");
    let m3b = Format::new().set_bold().set_num_format("#,##0.000");
    let ws = wb.add_worksheet();
    ws.set_name("Table 1").map_err(&e)?;
    ws.set_column_width(0, 8).map_err(&e)?;
    ws.set_column_width(1, 58).map_err(&e)?;
    for c in 2..=4 {
        ws.set_column_width(c, 16).map_err(&e)?;
    }
    ws.write_string_with_format(
        0,
        0,
        "Table 1: Benefit expenditure apportioned to Kirkbridge Metropolitan District, 2022-23 to 2024-25 (£ million, nominal)",
        &bold,
    )
    .map_err(&e)?;
    ws.write_string(1, 0, "SYNTHETIC: an illustrative apportionment for the totalplace sample place; not DWP statistics.").map_err(&e)?;
    let header = [
        "Ref",
        "Benefit",
        "2022-23 outturn £m",
        "2023-24 outturn £m",
        "2024-25 forecast £m",
    ];
    for (c, h) in header.iter().enumerate() {
        ws.write_string_with_format(3, c as u16, *h, &bold)
            .map_err(&e)?;
    }
    let mut row = 4u32;
    let mut grand = [Decimal::ZERO; 3];
    let mut lines = 0;
    for (heading, total_label, items) in SECTIONS {
        ws.write_string_with_format(row, 1, *heading, &bold)
            .map_err(&e)?;
        row += 1;
        let mut sub = [Decimal::ZERO; 3];
        for (r, name, fc) in *items {
            let y3 = *fc + g.int(-30, 30);
            // Earlier years: 4%-9% lower a year (benefit upratings and caseload growth).
            let y2 = y3 * 1000 / (1000 + g.int(40, 90));
            let y1 = y2 * 1000 / (1000 + g.int(40, 90));
            ws.write_string(row, 0, *r).map_err(&e)?;
            ws.write_string(row, 1, *name).map_err(&e)?;
            for (k, v) in [y1, y2, y3].into_iter().enumerate() {
                let d = dec(v, 3);
                ws.write_number_with_format(row, 2 + k as u16, num(d), &m3)
                    .map_err(&e)?;
                sub[k] += d;
            }
            row += 1;
            lines += 1;
        }
        ws.write_string_with_format(row, 1, *total_label, &bold)
            .map_err(&e)?;
        for k in 0..3 {
            ws.write_number_with_format(row, 2 + k as u16, num(sub[k]), &m3b)
                .map_err(&e)?;
            grand[k] += sub[k];
        }
        row += 2;
    }
    ws.write_string_with_format(row, 1, "Total", &bold)
        .map_err(&e)?;
    for (k, v) in grand.iter().enumerate() {
        ws.write_number_with_format(row, 2 + k as u16, num(*v), &m3b)
            .map_err(&e)?;
    }
    debug_assert_eq!(row + 1, dwp_total_row());
    let notes = [
        "Notes:",
        "1. Apportioned from national outturn by the district's share of caseload (synthetic method, synthetic figures).",
        "2. Universal Credit for care leavers is an estimate from a synthetic caseload of 410 claimants.",
        "3. Housing Benefit is paid by the council and reimbursed by DWP subsidy; the council budget book shows both.",
        "Source: totalplace generate-sample (SYNTHETIC). Not DWP statistics.",
    ];
    for (i, n) in notes.iter().enumerate() {
        ws.write_string_with_format(row + 2 + i as u32, 0, *n, &italic)
            .map_err(&e)?;
    }
    wb.save(&path).map_err(&e)?;
    Ok(SampleFile {
        agency: "dwp",
        path,
        lines,
        total: grand[2],
        units: "£m",
    })
}

/// 1-based row of the DWP grand Total row.
pub fn dwp_total_row() -> u32 {
    let mut row = 5u32; // first section heading, 1-based
    for (_, _, items) in SECTIONS {
        row += 1 + items.len() as u32 + 2;
    }
    row
}

pub fn write_community_safety(dir: &Path, seed: u64) -> Result<SampleFile> {
    let path = dir.join(CSP_FILE);
    let mut g = Gen::new(seed);
    let grants: &[(&str, &str, &str, &str, i64)] = &[
        (
            "CSP01",
            "Reducing Reoffending - golden 24 hours release support",
            "Kirkbridge Resettlement Trust",
            "PCC Community Safety Fund",
            182_000,
        ),
        (
            "CSP02",
            "Reducing Reoffending - housing first for prison leavers",
            "Northshire Housing Association",
            "PCC Community Safety Fund",
            96_000,
        ),
        (
            "CSP03",
            "Youth Offending Service contribution",
            "Kirkbridge MDC Youth Justice Service",
            "PCC Community Safety Fund",
            248_000,
        ),
        (
            "CSP04",
            "Youth Offending Service contribution - prevention",
            "Kirkbridge MDC Youth Justice Service",
            "Home Office Serious Violence Duty",
            64_000,
        ),
        (
            "CSP05",
            "Domestic abuse - IDVA service",
            "Kirkbridge Women's Aid",
            "PCC Community Safety Fund",
            214_000,
        ),
        (
            "CSP06",
            "Domestic abuse - safe accommodation",
            "Kirkbridge Women's Aid",
            "DLUHC Domestic Abuse Duty",
            388_000,
        ),
        (
            "CSP07",
            "Anti-social behaviour team",
            "Kirkbridge MDC",
            "Council",
            312_000,
        ),
        (
            "CSP08",
            "Town centre CCTV monitoring",
            "Kirkbridge MDC",
            "Council",
            276_000,
        ),
        (
            "CSP09",
            "Drug and alcohol - arrest referral",
            "Northshire Recovery Partnership",
            "PCC Community Safety Fund",
            142_000,
        ),
        (
            "CSP10",
            "Violence reduction - hospital navigators",
            "Kirkbridge Teaching Hospitals NHS FT",
            "Violence Reduction Unit",
            118_000,
        ),
        (
            "CSP11",
            "Violence reduction - detached youth work",
            "Kirkbridge Youth Partnership",
            "Violence Reduction Unit",
            157_000,
        ),
        (
            "CSP12",
            "Care leavers - mentoring to prevent criminalisation",
            "Kirkbridge Care Leavers' Network",
            "PCC Community Safety Fund",
            58_000,
        ),
        (
            "CSP13",
            "Prevent coordinator",
            "Kirkbridge MDC",
            "Home Office Prevent",
            71_000,
        ),
        (
            "CSP14",
            "Hate crime reporting centres",
            "Kirkbridge Community Voluntary Service",
            "Council",
            22_000,
        ),
        (
            "CSP15",
            "Restorative justice service",
            "Northshire Restorative Justice Hub",
            "PCC Victims' Fund",
            84_000,
        ),
        (
            "CSP16",
            "Victim support - district caseworkers",
            "Victim Support (Kirkbridge)",
            "PCC Victims' Fund",
            126_000,
        ),
        (
            "CSP17",
            "Safer streets - lighting and target hardening",
            "Kirkbridge MDC",
            "Home Office Safer Streets",
            195_000,
        ),
        (
            "CSP18",
            "Partnership analyst and coordinator",
            "Kirkbridge MDC",
            "Council",
            98_000,
        ),
        (
            "CSP19",
            "Integrated Offender Management - partnership contribution",
            "Northshire Police",
            "PCC Community Safety Fund",
            66_000,
        ),
        (
            "CSP20",
            "Small grants - community safety projects",
            "Various (12 community groups)",
            "PCC Community Safety Fund",
            45_000,
        ),
    ];
    let mut wb =
        workbook("Kirkbridge Community Safety Partnership grant schedule 2024-25 (SYNTHETIC)");
    let e = xlsx_err(&path);
    let bold = Format::new().set_bold();
    let gbp = Format::new().set_num_format("£#,##0.00");
    let gbpb = Format::new().set_bold().set_num_format("£#,##0.00");
    let ws = wb.add_worksheet();
    ws.set_name("Grants 2024-25").map_err(&e)?;
    for (c, w) in [8, 58, 40, 34, 16].iter().enumerate() {
        ws.set_column_width(c as u16, *w).map_err(&e)?;
    }
    ws.write_string_with_format(
        0,
        0,
        "Kirkbridge Community Safety Partnership - grant schedule 2024-25",
        &bold,
    )
    .map_err(&e)?;
    ws.write_string(
        1,
        0,
        "SYNTHETIC figures for the totalplace sample place - not real data",
    )
    .map_err(&e)?;
    for (c, h) in ["Ref", "Programme", "Provider", "Funding Source", "Amount £"]
        .iter()
        .enumerate()
    {
        ws.write_string_with_format(2, c as u16, *h, &bold)
            .map_err(&e)?;
    }
    let mut row = 3u32;
    let mut total = Decimal::ZERO;
    for (r, prog, prov, fund, pounds) in grants {
        let amount = dec(pounds * 100 + g.int(-40, 40) * 2_500, 2);
        ws.write_string(row, 0, *r).map_err(&e)?;
        ws.write_string(row, 1, *prog).map_err(&e)?;
        ws.write_string(row, 2, *prov).map_err(&e)?;
        ws.write_string(row, 3, *fund).map_err(&e)?;
        ws.write_number_with_format(row, 4, num(amount), &gbp)
            .map_err(&e)?;
        total += amount;
        row += 1;
    }
    ws.write_string_with_format(row, 1, "Total grants", &bold)
        .map_err(&e)?;
    ws.write_formula_with_format(row, 4, format!("=SUM(E4:E{row})").as_str(), &gbpb)
        .map_err(&e)?;
    ws.set_formula_result(row, 4, total.normalize().to_string());
    wb.save(&path).map_err(&e)?;
    Ok(SampleFile {
        agency: "community-safety",
        path,
        lines: grants.len(),
        total,
        units: "£",
    })
}

/// 1-based row of the community safety Total row.
pub fn csp_total_row() -> u32 {
    3 + 20 + 1
}
