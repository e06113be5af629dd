//! NHS partners: the ICB place budget (flat ledger export, xlsx), the acute trust (ledger export
//! with spend negative, plus a Summary sheet holding the control total) and the mental-health
//! trust (a Windows-1252, semicolon-delimited CSV with credits in parentheses).

use std::path::Path;

use rust_decimal::Decimal;
use rust_xlsxwriter::Format;

use super::{dec, grouped, num, workbook, write_bytes, xlsx_err, Gen, SampleFile, Sub};
use crate::error::{Error, Result};

pub const ICB_FILE: &str = "icb-ledger-2024-25.xlsx";
pub const ACUTE_FILE: &str = "acute-trust-ledger-2024-25.xlsx";
pub const MH_FILE: &str = "mh-trust-budget-2024-25.csv";

// ---------------------------------------------------------------- ICB

const ACUTE_CONTRACT: &[Sub] = &[
    (
        "521101",
        "Healthcare Purchased - NHS Trusts - Elective inpatients",
        14,
    ),
    (
        "521102",
        "Healthcare Purchased - NHS Trusts - Day cases",
        10,
    ),
    (
        "521103",
        "Healthcare Purchased - NHS Trusts - Non-elective admissions",
        30,
    ),
    (
        "521104",
        "Healthcare Purchased - NHS Trusts - Excess bed days",
        4,
    ),
    (
        "521105",
        "Healthcare Purchased - NHS Trusts - Outpatients",
        14,
    ),
    (
        "521106",
        "Healthcare Purchased - NHS Trusts - A&E attendances",
        7,
    ),
    (
        "521107",
        "Healthcare Purchased - NHS Trusts - Critical care",
        5,
    ),
    (
        "521108",
        "Healthcare Purchased - NHS Trusts - Diagnostics",
        5,
    ),
    (
        "521109",
        "Healthcare Purchased - NHS Trusts - Block and fixed payments",
        8,
    ),
    ("521110", "Healthcare Purchased - NHS Trusts - CQUIN", 2),
    (
        "521111",
        "Healthcare Purchased - NHS Trusts - Drugs and devices excluded from tariff",
        3,
    ),
];
const MH_CONTRACT: &[Sub] = &[
    (
        "521201",
        "Healthcare Purchased - NHS Trusts - Mental health block contract",
        70,
    ),
    (
        "521202",
        "Healthcare Purchased - NHS Trusts - Older adults mental health",
        10,
    ),
    (
        "521203",
        "Healthcare Purchased - NHS Trusts - Liaison psychiatry",
        4,
    ),
    (
        "521204",
        "Healthcare Purchased - NHS Trusts - Crisis and home treatment",
        6,
    ),
    (
        "521205",
        "Healthcare Purchased - NHS Trusts - Mental Health Investment Standard",
        7,
    ),
    ("521206", "Healthcare Purchased - NHS Trusts - CQUIN", 3),
];
const CONTRACT: &[Sub] = &[
    ("521501", "Healthcare Purchased - Non-NHS - Contract", 62),
    (
        "521502",
        "Healthcare Purchased - Non-NHS - Spot purchases",
        18,
    ),
    ("521503", "Healthcare Purchased - Voluntary sector", 8),
    ("521504", "Healthcare Purchased - Local Authority", 7),
    ("541001", "Salaries - Agenda for Change", 3),
    ("541002", "Employer NI and pension", 1),
    ("561000", "Professional fees", 1),
];
const CHC: &[Sub] = &[
    (
        "522101",
        "Continuing Healthcare - Nursing home placements",
        48,
    ),
    (
        "522102",
        "Continuing Healthcare - Residential placements",
        14,
    ),
    ("522103", "Continuing Healthcare - Domiciliary care", 16),
    (
        "522104",
        "Continuing Healthcare - Personal health budgets",
        10,
    ),
    (
        "522105",
        "Continuing Healthcare - Fast track end of life",
        7,
    ),
    (
        "522106",
        "Continuing Healthcare - Joint packages with Local Authority",
        5,
    ),
];
const DISCHARGE: &[Sub] = &[
    ("523101", "Discharge - Pathway 1 home-based support", 34),
    ("523102", "Discharge - Pathway 2 bedded rehabilitation", 30),
    ("523103", "Discharge - Pathway 3 care home placements", 24),
    ("523104", "Discharge - Trusted assessors", 6),
    (
        "523105",
        "Discharge - Voluntary sector home from hospital",
        6,
    ),
];
const POOLED: &[Sub] = &[
    (
        "524001",
        "Better Care Fund - Local Authority pooled contribution",
        82,
    ),
    (
        "524002",
        "Better Care Fund - Disabled facilities grant passport",
        10,
    ),
    ("524003", "Better Care Fund - Carers support", 8),
];
const GP: &[Sub] = &[
    ("525101", "Primary Care - GMS global sum", 58),
    ("525102", "Primary Care - QOF achievement", 8),
    ("525103", "Primary Care - PCN DES", 6),
    ("525104", "Primary Care - ARRS roles reimbursement", 9),
    ("525105", "Primary Care - Enhanced services", 6),
    ("525106", "Primary Care - Premises rent reimbursement", 7),
    ("525107", "Primary Care - Business rates and water", 2),
    ("525108", "Primary Care - Locum reimbursement", 2),
    (
        "525109",
        "Primary Care - Dispensing and personal administration",
        2,
    ),
    (
        "525110",
        "Primary Care - Sickness and parental leave reimbursement",
        1,
    ),
    ("525111", "Primary Care - GP IT and digital services", 1),
];
const PRESCRIBING: &[Sub] = &[
    ("526101", "Prescribing - BNF 1 Gastro-intestinal", 7),
    ("526102", "Prescribing - BNF 2 Cardiovascular", 13),
    ("526103", "Prescribing - BNF 3 Respiratory", 15),
    ("526104", "Prescribing - BNF 4 Central nervous system", 18),
    ("526105", "Prescribing - BNF 5 Infections", 3),
    ("526106", "Prescribing - BNF 6 Endocrine", 21),
    (
        "526107",
        "Prescribing - BNF 7 Obstetrics, gynae and urinary",
        4,
    ),
    ("526109", "Prescribing - BNF 9 Nutrition and blood", 5),
    ("526110", "Prescribing - BNF 10 Musculoskeletal", 3),
    ("526120", "Prescribing - Appliances and dressings", 8),
    ("526199", "Prescribing - Rebate schemes (credit)", 0),
];
const RUNNING: &[Sub] = &[
    ("541001", "Salaries - Agenda for Change", 62),
    ("541002", "Employer NI", 8),
    ("541003", "Employer pension", 12),
    ("541010", "Agency and contract staff", 4),
    ("561000", "Professional fees", 3),
    ("562000", "Premises costs", 5),
    ("563000", "IT and telephony", 3),
    ("564000", "Training and education", 1),
    ("565000", "Travel and subsistence", 1),
    ("566000", "Printing, postage and stationery", 1),
];

/// Neighbourhood names for GP practices (synthetic).
const AREAS: &[&str] = &[
    "Abbeyfield",
    "Ashton Lane",
    "Beckside",
    "Birchwood",
    "Bridge Street",
    "Brookfield",
    "Castle Hill",
    "Church View",
    "Cliffe",
    "Dale End",
    "Eastgate",
    "Elmwood",
    "Fairfield",
    "Fernlea",
    "Greenhead",
    "Hawthorn",
    "Highfield",
    "Holme Valley",
    "Kirkgate",
    "Lowmoor",
    "Marsh Lane",
    "Millbrook",
    "Moorside",
    "Northgate",
    "Oakwood",
    "Parkside",
    "Riverside",
    "Southfield",
    "Stonebridge",
    "Westgate",
];

pub fn write_icb(dir: &Path, seed: u64) -> Result<SampleFile> {
    let path = dir.join(ICB_FILE);
    let mut g = Gen::new(seed);
    // (cost centre, description, budget in whole £, accounts)
    let mut ccs: Vec<(String, String, i64, &[Sub])> = vec![
        (
            "613100".into(),
            "Acute - Kirkbridge Teaching Hospitals NHS FT".into(),
            402_000_000,
            ACUTE_CONTRACT,
        ),
        (
            "613110".into(),
            "Acute - Other NHS providers (out of area)".into(),
            61_500_000,
            ACUTE_CONTRACT,
        ),
        (
            "613120".into(),
            "Acute - Independent sector providers".into(),
            18_200_000,
            CONTRACT,
        ),
        (
            "613130".into(),
            "Acute - Ambulance services".into(),
            21_400_000,
            CONTRACT,
        ),
        (
            "613140".into(),
            "Acute - Non-contract activity".into(),
            4_300_000,
            CONTRACT,
        ),
        (
            "613200".into(),
            "Mental Health - Kirkbridge and District MH NHS Trust".into(),
            96_400_000,
            MH_CONTRACT,
        ),
        (
            "613210".into(),
            "Mental Health - Out of area placements".into(),
            6_800_000,
            CONTRACT,
        ),
        (
            "613220".into(),
            "Mental Health - Talking Therapies".into(),
            5_900_000,
            CONTRACT,
        ),
        (
            "613230".into(),
            "Mental Health - Older Adults dementia and memory services".into(),
            3_100_000,
            CONTRACT,
        ),
        (
            "613240".into(),
            "Mental Health - Section 117 aftercare".into(),
            7_200_000,
            CONTRACT,
        ),
        (
            "613300".into(),
            "Community Services - Community nursing and therapies".into(),
            48_600_000,
            CONTRACT,
        ),
        (
            "613310".into(),
            "Community Services - Intermediate care".into(),
            9_400_000,
            CONTRACT,
        ),
        (
            "613400".into(),
            "Continuing Healthcare - Older People".into(),
            22_800_000,
            CHC,
        ),
        (
            "613410".into(),
            "Continuing Healthcare - Mental Health".into(),
            7_600_000,
            CHC,
        ),
        (
            "613420".into(),
            "Continuing Healthcare - Funded Nursing Care".into(),
            6_900_000,
            CHC,
        ),
        (
            "613430".into(),
            "Continuing Healthcare - Children's continuing care".into(),
            2_300_000,
            CHC,
        ),
        (
            "613500".into(),
            "Hospital Discharge - Discharge to Assess".into(),
            5_600_000,
            DISCHARGE,
        ),
        (
            "613510".into(),
            "Hospital Discharge - Discharge Fund (ICB share)".into(),
            4_100_000,
            DISCHARGE,
        ),
        (
            "613520".into(),
            "Better Care Fund - contribution to council".into(),
            31_200_000,
            POOLED,
        ),
    ];
    let mut practices = Vec::new();
    for suffix in ["Medical Practice", "Surgery"] {
        for a in AREAS {
            practices.push(format!("{a} {suffix}"));
        }
    }
    for (i, p) in practices.iter().enumerate() {
        // ~£170 per registered patient, 6,500-15,000 patients a practice.
        ccs.push((
            format!("614{:03}", i + 1),
            format!("Primary Care - {p}"),
            g.int(1_100, 2_600) * 1_000,
            GP,
        ));
    }
    for (i, p) in practices.iter().enumerate() {
        ccs.push((
            format!("615{:03}", i + 1),
            format!("Prescribing - {p}"),
            g.int(900, 1_500) * 1_000,
            PRESCRIBING,
        ));
    }
    for (code, name, b) in [
        ("616000", "Corporate - Place leadership team", 1_900_000),
        (
            "616010",
            "Corporate - Medicines optimisation team",
            1_200_000,
        ),
        (
            "616020",
            "Corporate - Continuing healthcare team",
            1_600_000,
        ),
        (
            "616030",
            "Corporate - Commissioning and contracting",
            2_100_000,
        ),
        ("616040", "Corporate - Estates and IT", 1_400_000),
        ("616050", "Corporate - Quality and safeguarding", 1_300_000),
    ] {
        ccs.push((code.into(), name.into(), b, RUNNING));
    }

    let mut wb = workbook("NHS Kirkbridge ICB place budget ledger export 2024-25 (SYNTHETIC)");
    let ws = wb.add_worksheet();
    let e = xlsx_err(&path);
    ws.set_name("Budget Export").map_err(&e)?;
    let head = Format::new().set_bold();
    for (c, h) in [
        "Entity",
        "Cost Centre",
        "Cost Centre Description",
        "Account",
        "Account Description",
        "Annual Budget",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string_with_format(0, c as u16, *h, &head)
            .map_err(&e)?;
    }
    for (c, w) in [8, 12, 58, 10, 70, 16].iter().enumerate() {
        ws.set_column_width(c as u16, *w).map_err(&e)?;
    }
    let money = Format::new().set_num_format("#,##0.00");
    let mut row = 1u32;
    let mut total = Decimal::ZERO;
    for (cc, name, budget, accounts) in &ccs {
        // A weight of zero marks a credit account (prescribing rebates): -1% to -2% of the
        // cost centre; the other accounts carry the gross so the cost centre nets to budget.
        let gross: Vec<&Sub> = accounts.iter().filter(|a| a.2 > 0).collect();
        let credit_acc = accounts.iter().find(|a| a.2 == 0);
        let pence = *budget * 100 + g.int(-50_000, 50_000) * 100 + g.int(0, 99);
        let credit = if credit_acc.is_some() {
            -(pence * g.int(10, 20) / 1000)
        } else {
            0
        };
        let weights: Vec<u32> = gross.iter().map(|a| a.2).collect();
        let mut lines: Vec<(&Sub, i64)> = gross
            .into_iter()
            .zip(g.split(pence - credit, &weights, 35, 1))
            .collect();
        if let Some(c) = credit_acc {
            lines.push((c, credit));
        }
        for (acc, p) in lines {
            let amount = dec(p, 2);
            ws.write_string(row, 0, "X2K").map_err(&e)?;
            ws.write_string(row, 1, cc).map_err(&e)?;
            ws.write_string(row, 2, name).map_err(&e)?;
            ws.write_string(row, 3, acc.0).map_err(&e)?;
            ws.write_string(row, 4, acc.1).map_err(&e)?;
            ws.write_number_with_format(row, 5, num(amount), &money)
                .map_err(&e)?;
            total += amount;
            row += 1;
        }
    }
    wb.save(&path).map_err(&e)?;
    Ok(SampleFile {
        agency: "icb",
        path,
        lines: (row - 1) as usize,
        total,
        units: "£",
    })
}

// ---------------------------------------------------------------- acute trust

const WARD: &[Sub] = &[
    ("E101", "Registered nurses Band 5", 30),
    ("E102", "Registered nurses Band 6", 12),
    ("E103", "Registered nurses Band 7 and above", 6),
    ("E104", "Healthcare assistants Band 2-3", 18),
    ("E105", "Bank nursing", 6),
    ("E106", "Agency nursing", 3),
    ("E110", "Medical staff - consultants", 8),
    ("E111", "Medical staff - resident doctors", 7),
    ("E120", "Allied health professionals", 3),
    ("E130", "Ward clerks and administration", 2),
    ("N201", "Drugs", 3),
    ("N202", "Clinical supplies and services", 3),
    ("N210", "Non-clinical supplies", 1),
    ("N220", "Training and education", 1),
];
const SPECIALTY: &[Sub] = &[
    ("E110", "Medical staff - consultants", 38),
    ("E111", "Medical staff - resident doctors", 22),
    ("E112", "Medical staff - specialty doctors", 6),
    ("E113", "Medical staff - locums", 3),
    ("E101", "Registered nurses Band 5", 6),
    ("E103", "Registered nurses Band 7 and above", 4),
    ("E130", "Medical secretaries and administration", 7),
    ("N201", "Drugs", 8),
    ("N202", "Clinical supplies and services", 4),
    ("N220", "Training and education", 1),
    ("N230", "Outsourced activity", 1),
];
const THEATRE: &[Sub] = &[
    ("E101", "Registered nurses Band 5", 18),
    ("E102", "Registered nurses Band 6", 10),
    ("E121", "Operating department practitioners", 14),
    ("E104", "Healthcare assistants Band 2-3", 6),
    ("E110", "Medical staff - consultants (anaesthetics)", 20),
    ("E111", "Medical staff - resident doctors", 6),
    ("N202", "Clinical supplies and services", 14),
    ("N203", "Prostheses and implants", 8),
    ("N204", "Equipment maintenance", 4),
];
const TEAM: &[Sub] = &[
    ("E102", "Registered nurses Band 6", 26),
    ("E103", "Registered nurses Band 7 and above", 16),
    ("E120", "Allied health professionals", 22),
    ("E122", "Social workers and care coordinators", 8),
    ("E130", "Administration", 10),
    ("N210", "Non-clinical supplies", 4),
    ("N240", "Travel and transport", 4),
    ("N220", "Training and education", 2),
    ("N250", "Spot-purchased care and transport home", 8),
];
const SUPPORT: &[Sub] = &[
    ("E123", "Healthcare scientists", 26),
    ("E124", "Technical and scientific staff", 18),
    ("E110", "Medical staff - consultants", 10),
    ("E130", "Administration", 8),
    ("N202", "Clinical supplies and services", 18),
    ("N204", "Equipment maintenance", 8),
    ("N205", "Reagents and consumables", 10),
    ("N220", "Training and education", 2),
];
const ESTATES: &[Sub] = &[
    ("E140", "Estates and ancillary staff", 34),
    ("N301", "Energy", 18),
    ("N302", "Maintenance contracts", 14),
    ("N303", "Cleaning materials", 4),
    ("N304", "Catering provisions", 8),
    ("N305", "Rates", 10),
    ("N306", "Waste disposal", 4),
    ("N307", "PFI unitary charge", 8),
];
const CORPORATE: &[Sub] = &[
    ("E130", "Administration and clerical", 40),
    ("E150", "Senior managers", 20),
    ("N210", "Non-clinical supplies", 8),
    ("N260", "IT licences and services", 16),
    ("N261", "Consultancy", 4),
    ("N262", "Audit and legal fees", 4),
    ("N220", "Training and education", 4),
    ("N263", "Insurance (NHS Resolution CNST)", 4),
];

pub fn write_acute(dir: &Path, seed: u64) -> Result<SampleFile> {
    let path = dir.join(ACUTE_FILE);
    let mut g = Gen::new(seed);
    // (division, specialty, cost-centre name, budget £000, subjectives)
    let mut ccs: Vec<(&str, &str, String, i64, &[Sub])> = Vec::new();
    let mut add =
        |div: &'static str, spec: &'static str, name: String, b: i64, subs: &'static [Sub]| {
            ccs.push((div, spec, name, b, subs));
        };
    for n in 21..=26 {
        let name = if n == 24 {
            format!("Elderly Care Ward {n} (dementia friendly)")
        } else {
            format!("Elderly Care Ward {n}")
        };
        add("Medicine", "Geriatric Medicine", name, 3_100 + n * 40, WARD);
    }
    add(
        "Medicine",
        "Geriatric Medicine",
        "Frailty Assessment Unit".into(),
        3_900,
        WARD,
    );
    add(
        "Medicine",
        "Geriatric Medicine",
        "Excess Bed Days - Medicine escalation beds".into(),
        4_600,
        WARD,
    );
    add(
        "Medicine",
        "Geriatric Medicine",
        "Excess Bed Days - delayed discharge (medically optimised)".into(),
        6_200,
        WARD,
    );
    add(
        "Medicine",
        "Geriatric Medicine",
        "Geriatric Medicine consultants".into(),
        4_100,
        SPECIALTY,
    );
    add(
        "Medicine",
        "Integrated Discharge",
        "Discharge Liaison Team".into(),
        1_450,
        TEAM,
    );
    add(
        "Medicine",
        "Integrated Discharge",
        "Discharge Lounge".into(),
        620,
        TEAM,
    );
    add(
        "Medicine",
        "Integrated Discharge",
        "Integrated Discharge Hub".into(),
        980,
        TEAM,
    );
    add(
        "Medicine",
        "Emergency Medicine",
        "Emergency Department".into(),
        24_500,
        WARD,
    );
    add(
        "Medicine",
        "Emergency Medicine",
        "Same Day Emergency Care".into(),
        5_200,
        WARD,
    );
    add(
        "Medicine",
        "Acute Medicine",
        "Acute Medical Unit".into(),
        11_800,
        WARD,
    );
    for (spec, wards, base, cons) in [
        ("Respiratory Medicine", 2, 3_400, 3_600),
        ("Cardiology", 2, 3_600, 5_200),
        ("Gastroenterology", 2, 3_200, 4_300),
        ("Stroke Medicine", 2, 3_800, 2_400),
        ("Diabetes and Endocrinology", 1, 3_000, 2_100),
        ("Renal Medicine", 1, 3_300, 6_800),
        ("Oncology and Haematology", 2, 3_500, 9_600),
    ] {
        for w in 1..=wards {
            add(
                "Medicine",
                spec,
                format!("{spec} Ward {}", w + 10),
                base,
                WARD,
            );
        }
        add(
            "Medicine",
            spec,
            format!("{spec} consultants and clinics"),
            cons,
            SPECIALTY,
        );
    }
    for (spec, wards, base, cons) in [
        ("General Surgery", 3, 3_500, 7_900),
        ("Trauma and Orthopaedics", 3, 3_600, 8_800),
        ("Urology", 1, 3_100, 3_200),
        ("ENT", 1, 2_600, 2_700),
        ("Ophthalmology", 0, 0, 5_400),
        ("Vascular Surgery", 1, 3_000, 2_600),
        ("Critical Care", 2, 7_900, 6_200),
    ] {
        for w in 1..=wards {
            add(
                "Surgery",
                spec,
                format!("{spec} Ward {}", w + 30),
                base,
                WARD,
            );
        }
        add(
            "Surgery",
            spec,
            format!("{spec} consultants and clinics"),
            cons,
            SPECIALTY,
        );
    }
    for t in 1..=8 {
        add(
            "Surgery",
            "Theatres",
            format!("Main Theatres - Theatre {t}"),
            2_700,
            THEATRE,
        );
    }
    add(
        "Surgery",
        "Theatres",
        "Day Surgery Unit".into(),
        5_800,
        THEATRE,
    );
    add(
        "Surgery",
        "Anaesthetics",
        "Anaesthetics and Pain Management".into(),
        9_400,
        SPECIALTY,
    );
    for (name, b, subs) in [
        ("Maternity Ward", 7_400, WARD),
        ("Labour Ward", 8_900, WARD),
        ("Community Midwifery", 5_600, TEAM),
        ("Neonatal Unit", 9_800, WARD),
        ("Paediatric Ward", 6_100, WARD),
        ("Paediatric consultants and clinics", 5_900, SPECIALTY),
        ("Gynaecology", 4_300, SPECIALTY),
    ] {
        add(
            "Women and Children",
            "Women and Children",
            name.into(),
            b,
            subs,
        );
    }
    for (name, b, subs) in [
        ("Radiology - CT and MRI", 14_200, SUPPORT),
        ("Radiology - plain film and ultrasound", 8_300, SUPPORT),
        ("Pathology - blood sciences", 11_600, SUPPORT),
        ("Pathology - microbiology", 5_200, SUPPORT),
        ("Pathology - cellular", 4_400, SUPPORT),
        ("Pharmacy", 8_800, SUPPORT),
        ("High-cost drugs (pass-through)", 38_000, SUPPORT),
        ("Physiotherapy", 6_700, TEAM),
        ("Occupational Therapy", 4_900, TEAM),
        ("Speech and Language Therapy", 1_600, TEAM),
        ("Dietetics", 1_300, TEAM),
        ("Outpatients Department", 6_400, TEAM),
        ("Patient Transport", 3_100, TEAM),
    ] {
        add("Clinical Support", "Clinical Support", name.into(), b, subs);
    }
    for (name, b) in [
        ("Estates Maintenance", 14_800),
        ("Energy and Utilities", 11_200),
        ("Facilities - Cleaning", 9_300),
        ("Facilities - Catering", 6_200),
        ("Facilities - Portering", 3_900),
        ("PFI Contract", 24_600),
    ] {
        add(
            "Estates and Facilities",
            "Estates and Facilities",
            name.into(),
            b,
            ESTATES,
        );
    }
    for (name, b) in [
        ("Trust Board and Chief Executive", 2_300),
        ("Finance", 4_800),
        ("Workforce and Organisational Development", 5_100),
        ("Digital and IT", 14_600),
        ("Nursing and Quality Directorate", 4_200),
        ("Medical Directorate", 3_100),
        ("Operations Management", 6_900),
        ("Research and Innovation", 2_400),
        ("Education and Training", 5_600),
        ("Depreciation and Capital Charges", 26_000),
    ] {
        add("Corporate", "Corporate", name.into(), b, CORPORATE);
    }

    let mut wb = workbook("Kirkbridge Teaching Hospitals NHS FT budget ledger 2024-25 (SYNTHETIC)");
    let e = xlsx_err(&path);
    let head = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.00;[Red]-#,##0.00");
    let mut total = Decimal::ZERO;
    let mut row = 1u32;
    {
        let ws = wb.add_worksheet();
        ws.set_name("Ledger").map_err(&e)?;
        let header = [
            "Division",
            "Specialty",
            "Cost Centre",
            "Cost Centre Name",
            "Subjective",
            "Subjective Name",
            "Budget Type",
            "Annual Budget",
        ];
        for (c, h) in header.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, &head)
                .map_err(&e)?;
        }
        for (c, w) in [22, 26, 12, 56, 11, 44, 14, 16].iter().enumerate() {
            ws.set_column_width(c as u16, *w).map_err(&e)?;
        }
        let mut write_line = |ws: &mut rust_xlsxwriter::Worksheet,
                              row: &mut u32,
                              f: [&str; 7],
                              amount: Decimal|
         -> Result<()> {
            for (c, t) in f.iter().enumerate() {
                ws.write_string(*row, c as u16, *t).map_err(&e)?;
            }
            ws.write_number_with_format(*row, 7, num(amount), &money)
                .map_err(&e)?;
            total += amount;
            *row += 1;
            Ok(())
        };
        for (i, (div, spec, name, budget, subs)) in ccs.iter().enumerate() {
            let code = format!("{}{:04}", &div[..1], 1000 + i * 10);
            let weights: Vec<u32> = subs.iter().map(|s| s.2).collect();
            let pence = budget * 100_000 + g.int(-20_000, 20_000) * 100 + g.int(0, 99);
            // A cost improvement target (a saving, so positive in this export) on most cost
            // centres; the subjective lines carry the gross so the cost centre nets to budget.
            let cip = if g.chance(0.8) {
                pence * g.int(8, 30) / 1000
            } else {
                0
            };
            for (sub, p) in subs.iter().zip(g.split(pence + cip, &weights, 30, 1)) {
                // Expenditure is negative in this export. Most lines have a recurrent and a
                // non-recurrent part.
                if g.chance(0.75) {
                    let nr = p * g.int(3, 15) / 100;
                    write_line(
                        ws,
                        &mut row,
                        [div, spec, &code, name, sub.0, sub.1, "Recurrent"],
                        dec(-(p - nr), 2),
                    )?;
                    write_line(
                        ws,
                        &mut row,
                        [div, spec, &code, name, sub.0, sub.1, "Non-recurrent"],
                        dec(-nr, 2),
                    )?;
                } else {
                    write_line(
                        ws,
                        &mut row,
                        [div, spec, &code, name, sub.0, sub.1, "Recurrent"],
                        dec(-p, 2),
                    )?;
                }
            }
            if cip != 0 {
                write_line(
                    ws,
                    &mut row,
                    [
                        div,
                        spec,
                        &code,
                        name,
                        "CIP01",
                        "Cost improvement programme target",
                        "CIP",
                    ],
                    dec(cip, 2),
                )?;
            }
        }
        // A few income lines: positive in this export (credits), so negative spend on ingest.
        for (code, name, sub, subname, pounds) in [
            (
                "C9010",
                "Car Parking",
                "I901",
                "Car parking income",
                2_840_000i64,
            ),
            (
                "C9020",
                "Private Patients Unit",
                "I902",
                "Private patient income",
                1_960_000,
            ),
            (
                "C9030",
                "Staff Accommodation",
                "I903",
                "Rental income",
                410_000,
            ),
            (
                "C9040",
                "Retail and Catering",
                "I904",
                "Catering income",
                1_120_000,
            ),
        ] {
            let p = pounds * 100 + g.int(0, 9_999);
            write_line(
                ws,
                &mut row,
                ["Corporate", "Income", code, name, sub, subname, "Recurrent"],
                dec(p, 2),
            )?;
        }
    }
    let lines = (row - 1) as usize;
    {
        let ws = wb.add_worksheet();
        ws.set_name("Summary").map_err(&e)?;
        ws.set_column_width(1, 58).map_err(&e)?;
        ws.set_column_width(2, 18).map_err(&e)?;
        ws.write_string_with_format(
            0,
            0,
            "Kirkbridge Teaching Hospitals NHS Foundation Trust - budget summary 2024-25",
            &head,
        )
        .map_err(&e)?;
        ws.write_string(1, 0, "SYNTHETIC figures for the totalplace sample place; not real data. Expenditure is negative.")
            .map_err(&e)?;
        ws.write_string_with_format(2, 1, "Line", &head)
            .map_err(&e)?;
        ws.write_string_with_format(2, 2, "£", &head).map_err(&e)?;
        ws.write_string(3, 1, "Net expenditure per ledger (expenditure negative)")
            .map_err(&e)?;
        ws.write_formula_with_format(3, 2, format!("=SUM(Ledger!H2:H{})", row).as_str(), &money)
            .map_err(&e)?;
        ws.set_formula_result(3, 2, total.normalize().to_string());
        ws.write_string(4, 1, "Ledger lines").map_err(&e)?;
        ws.write_formula(4, 2, format!("=COUNT(Ledger!H2:H{})", row).as_str())
            .map_err(&e)?;
        ws.set_formula_result(4, 2, lines.to_string());
    }
    wb.save(&path).map_err(&e)?;
    Ok(SampleFile {
        agency: "acute-trust",
        path,
        lines,
        total,
        units: "£ (spend negative)",
    })
}

// ---------------------------------------------------------------- mental-health trust

const MH_INPATIENT: &[Sub] = &[
    ("5101", "Registered nurses", 34),
    ("5102", "Healthcare support workers", 22),
    ("5103", "Bank and agency nursing", 8),
    ("5110", "Consultant psychiatrists", 9),
    ("5111", "Resident doctors", 5),
    ("5120", "Psychologists", 4),
    ("5121", "Occupational therapists", 4),
    ("5130", "Ward administration", 2),
    ("5201", "Drugs", 3),
    ("5202", "Clinical supplies", 2),
    ("5210", "Catering and domestic recharge", 5),
    ("5220", "Training", 1),
];
const MH_COMMUNITY: &[Sub] = &[
    (
        "5101",
        "Registered nurses (community psychiatric nurses)",
        32,
    ),
    ("5110", "Consultant psychiatrists", 12),
    ("5120", "Psychologists", 10),
    ("5121", "Occupational therapists", 8),
    ("5122", "Social workers (seconded)", 9),
    ("5104", "Support time and recovery workers", 9),
    ("5130", "Team administration", 7),
    ("5230", "Mileage and travel", 4),
    ("5240", "Premises and rent", 5),
    ("5220", "Training", 1),
    ("5250", "IT and mobile devices", 3),
];
const MH_CORPORATE: &[Sub] = &[
    ("5130", "Administration and clerical", 38),
    ("5150", "Senior managers", 22),
    ("5250", "IT licences and services", 14),
    ("5260", "Consultancy and professional fees", 6),
    ("5270", "Estates and maintenance", 14),
    ("5220", "Training", 6),
];

pub fn write_mh(dir: &Path, seed: u64) -> Result<SampleFile> {
    let path = dir.join(MH_FILE);
    let mut g = Gen::new(seed);
    let mut ccs: Vec<(String, String, &str, i64, &[Sub])> = Vec::new();
    let mut add = |name: String, line: &'static str, b: i64, subs: &'static [Sub]| {
        let code = format!("M{}", 4000 + ccs.len() * 10);
        ccs.push((code, name, line, b, subs));
    };
    add(
        "Older Adults Inpatient \u{2013} Ward 4 (functional)".into(),
        "Older Adults Inpatient",
        3_450,
        MH_INPATIENT,
    );
    add(
        "Older Adults Inpatient \u{2013} Ward 5 (organic/dementia)".into(),
        "Older Adults Inpatient",
        3_720,
        MH_INPATIENT,
    );
    add(
        "Liaison Psychiatry \u{2013} Kirkbridge General (all ages)".into(),
        "Liaison Psychiatry",
        1_980,
        MH_COMMUNITY,
    );
    add(
        "Liaison Psychiatry \u{2013} Older Adults (RAID)".into(),
        "Liaison Psychiatry",
        860,
        MH_COMMUNITY,
    );
    for area in ["North", "South", "East", "West"] {
        add(
            format!("Community Mental Health Team Older Adults \u{2013} {area}"),
            "Older Adults Community",
            1_240,
            MH_COMMUNITY,
        );
    }
    add(
        "Memory Assessment Service".into(),
        "Older Adults Community",
        1_560,
        MH_COMMUNITY,
    );
    add(
        "Care Home Liaison Team".into(),
        "Older Adults Community",
        740,
        MH_COMMUNITY,
    );
    for w in [
        "Ward 1",
        "Ward 2",
        "Ward 3",
        "Psychiatric Intensive Care Unit",
    ] {
        add(
            format!("Adult Acute Inpatient \u{2013} {w}"),
            "Adult Acute Inpatient",
            3_600,
            MH_INPATIENT,
        );
    }
    for area in ["North", "South", "East", "West", "Central"] {
        add(
            format!("Community Mental Health Team Adults \u{2013} {area}"),
            "Adult Community",
            2_150,
            MH_COMMUNITY,
        );
    }
    for (name, line, b, subs) in [
        (
            "Crisis Resolution and Home Treatment",
            "Crisis Services",
            4_300,
            MH_COMMUNITY,
        ),
        (
            "Mental Health Crisis Caf\u{e9} and Safe Haven",
            "Crisis Services",
            610,
            MH_COMMUNITY,
        ),
        (
            "Early Intervention in Psychosis",
            "Adult Community",
            2_600,
            MH_COMMUNITY,
        ),
        (
            "Talking Therapies (IAPT)",
            "Talking Therapies",
            6_800,
            MH_COMMUNITY,
        ),
        (
            "Personality Disorder Service",
            "Adult Community",
            1_200,
            MH_COMMUNITY,
        ),
        (
            "Eating Disorders Service",
            "Specialist Services",
            1_900,
            MH_COMMUNITY,
        ),
        ("CAMHS Community", "CAMHS", 7_400, MH_COMMUNITY),
        ("CAMHS Inpatient Unit", "CAMHS", 5_100, MH_INPATIENT),
        (
            "Learning Disability Assessment and Treatment Unit",
            "Learning Disability",
            3_300,
            MH_INPATIENT,
        ),
        (
            "Community Learning Disability Team",
            "Learning Disability",
            2_400,
            MH_COMMUNITY,
        ),
        (
            "Low Secure Forensic Unit",
            "Forensic Services",
            9_800,
            MH_INPATIENT,
        ),
        (
            "Criminal Justice Liaison and Diversion",
            "Forensic Services",
            1_150,
            MH_COMMUNITY,
        ),
        (
            "Perinatal Mental Health",
            "Specialist Services",
            1_400,
            MH_COMMUNITY,
        ),
        (
            "Rehabilitation and Recovery Unit",
            "Adult Acute Inpatient",
            3_100,
            MH_INPATIENT,
        ),
        (
            "Psychological Therapies Service",
            "Adult Community",
            2_800,
            MH_COMMUNITY,
        ),
        ("Section 136 Suite", "Crisis Services", 900, MH_INPATIENT),
        (
            "Trust Board and Executive",
            "Corporate",
            2_400,
            MH_CORPORATE,
        ),
        ("Finance and Contracting", "Corporate", 3_100, MH_CORPORATE),
        ("Workforce and Education", "Corporate", 2_900, MH_CORPORATE),
        ("Digital Services", "Corporate", 6_400, MH_CORPORATE),
        ("Estates and Facilities", "Corporate", 11_900, MH_CORPORATE),
        (
            "Nursing, Quality and Patient Safety",
            "Corporate",
            3_300,
            MH_CORPORATE,
        ),
    ] {
        add(name.into(), line, b, subs);
    }

    let mut w = csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(csv::Terminator::CRLF)
        .flexible(true)
        .from_writer(Vec::new());
    let io = |e: csv::Error| Error::io(&path, e);
    w.write_record(["Kirkbridge and District Mental Health NHS Trust \u{2013} Revenue budget 2024-25 (report RB01)"]).map_err(io)?;
    w.write_record([
        "SYNTHETIC figures \u{2013} not real data; amounts in \u{a3}, credits in brackets",
    ])
    .map_err(io)?;
    w.write_record([
        "Cost Centre",
        "Cost Centre Name",
        "Service Line",
        "Subjective",
        "Subjective Description",
        "Budget \u{a3}",
    ])
    .map_err(io)?;
    let mut total = Decimal::ZERO;
    let mut lines = 0usize;
    let fmt = |d: Decimal, sep: bool| {
        let body = if sep {
            grouped(d, 2)
        } else {
            format!("{:.2}", d.abs())
        };
        if d.is_sign_negative() && !d.is_zero() {
            format!("({body})")
        } else {
            body
        }
    };
    for (code, name, line, budget, subs) in &ccs {
        let weights: Vec<u32> = subs.iter().map(|s| s.2).collect();
        let pence = budget * 100_000 + g.int(-10_000, 10_000) * 100 + g.int(0, 99);
        let mut recs: Vec<(&str, &str, Decimal)> = subs
            .iter()
            .zip(g.split(pence, &weights, 30, 1))
            .map(|(s, p)| (s.0, s.1, dec(p, 2)))
            .collect();
        // Some services carry a credit: income from other bodies or a recharge out.
        if g.chance(0.3) {
            let credit = dec(-(g.int(200, 4_000) * 10_000 + g.int(0, 99)), 2);
            let (sub, desc) = *g.pick(&[
                ("8101", "Income from other NHS bodies"),
                ("8102", "Income from Local Authority (s75 agreement)"),
                ("8201", "Recharge to other services"),
            ]);
            recs.push((sub, desc, credit));
        }
        for (sub, desc, amount) in recs {
            let text = fmt(amount, g.chance(0.7));
            w.write_record([code.as_str(), name, line, sub, desc, text.as_str()])
                .map_err(io)?;
            total += amount;
            lines += 1;
        }
    }
    w.write_record(["", "Grand Total", "", "", "", grouped(total, 2).as_str()])
        .map_err(io)?;
    let utf8 = w.into_inner().map_err(|e| Error::io(&path, e))?;
    let text = String::from_utf8(utf8).expect("csv writes what it was given");
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
    assert!(
        !unmappable,
        "every character of the MH trust file is in Windows-1252"
    );
    write_bytes(&path, &bytes)?;
    Ok(SampleFile {
        agency: "mh-trust",
        path,
        lines,
        total,
        units: "£",
    })
}

/// 1-based row of the MH trust's Grand Total line, for a file with `lines` ledger lines.
pub fn mh_total_row(lines: usize) -> u32 {
    3 + lines as u32 + 1
}
