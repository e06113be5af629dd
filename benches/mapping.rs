//! Mapping throughput: a 1,000,000-line in-memory ledger over 9 agencies, 60 rules (exact,
//! list, prefix and regex matches; whole, share, driver and bottom-up bases).
//!
//! Run: `cargo bench --bench mapping` (quick: `-- --warm-up-time 1 --measurement-time 3`).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rust_decimal::Decimal;
use totalplace::ledger::{Ledger, LedgerLine};
use totalplace::mapping::{map_ledger, Mapping};
use totalplace::model::Place;

const LINES: usize = 1_000_000;
const AGENCIES: [&str; 9] = [
    "council",
    "icb",
    "acute-trust",
    "mh-trust",
    "police",
    "probation",
    "prisons",
    "dwp",
    "community-safety",
];

fn place(dir: &std::path::Path) -> Place {
    let mut p = String::from(
        "[place]\nid = \"bench\"\nname = \"Bench\"\nfinancial_year = \"2024-25\"\nprice_base = 2024\npopulation = 500000\nsynthetic = true\n",
    );
    for a in AGENCIES {
        p += &format!("[[agency]]\nid = \"{a}\"\nname = \"{a}\"\nsector = \"other\"\nbudget_control = \"local\"\n");
    }
    for c in [
        "care-leavers",
        "prison-leavers",
        "older-mh-discharge",
        "families-multiple-needs",
    ] {
        p += &format!(
            "[[cohort]]\nid = \"{c}\"\nname = \"{c}\"\nsize = 100\nsize_source = \"synthetic\"\n"
        );
    }
    for (t, c) in [
        ("leaving-care", "care-leavers"),
        ("prison-release", "prison-leavers"),
        ("hospital-discharge", "older-mh-discharge"),
    ] {
        p += &format!("[[transition]]\nid = \"{t}\"\nname = \"{t}\"\ncohort = \"{c}\"\nfrom = [\"council\"]\nto = [\"icb\"]\n");
    }
    std::fs::write(dir.join("place.toml"), p).unwrap();
    let mut s = String::new();
    for a in AGENCIES {
        std::fs::write(dir.join(format!("{a}.csv")), "CC,Amount\nX,1\n").unwrap();
        s += &format!(
            "[[source]]\nid = \"{a}\"\nagency = \"{a}\"\nfile = \"{a}.csv\"\ncolumns = {{ amount = \"Amount\", cost_centre = \"CC\" }}\n"
        );
    }
    std::fs::write(dir.join("sources.toml"), s).unwrap();
    Place::load(dir).unwrap()
}

/// A small deterministic generator (no dependency on rand's API for a benchmark fixture).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

fn ledger() -> Ledger {
    let mut l = Ledger::new();
    l.intern("");
    let mut g = Lcg(42);
    let services = [
        "Children Looked After",
        "Leaving Care",
        "Adult Social Care",
        "Mental Health",
        "Housing",
        "Offender Management",
        "Emergency Care",
        "Elective Care",
        "Benefits",
        "Community Safety",
    ];
    let words = [
        "placement",
        "staffing",
        "agency",
        "supplies",
        "transport",
        "rent",
        "allowance",
        "contract",
        "grant",
        "recharge",
        "overtime",
        "training",
        "equipment",
        "licences",
        "utilities",
    ];
    for i in 0..LINES {
        let agency = g.next(9) as u16;
        let cc = format!(
            "{}{:04}",
            ["CS", "AS", "HS", "NH", "PO", "PR", "JS", "CM", "DW"][agency as usize],
            g.next(400)
        );
        let acc = format!("{}", 4000 + g.next(300) * 10);
        let svc = services[g.next(services.len() as u64) as usize];
        let desc = format!(
            "{} {} {}",
            words[g.next(15) as usize],
            words[g.next(15) as usize],
            g.next(2000)
        );
        let line = LedgerLine {
            agency,
            source: agency,
            row: i as u32 + 2,
            cost_centre: l.intern(&cc),
            account: l.intern(&acc),
            service: l.intern(svc),
            description: l.intern(&desc),
            amount: Decimal::new(g.next(10_000_000) as i64 - 500_000, 2),
        };
        l.lines.push(line);
    }
    l
}

/// 60 rules: 20 exact/list, 20 prefix, 20 regex, each its own priority (overlaps resolve by
/// precedence), with whole, share, driver and bottom-up bases.
fn mapping_text() -> String {
    let mut s = String::from(
        "[[driver]]\nid = \"d1\"\nname = \"cl ÷ lac\"\nnumerator = 310\ndenominator = 1150\nsource = \"synthetic\"\nsynthetic = true\n",
    );
    let cohorts = [
        ("care-leavers", "leaving-care"),
        ("prison-leavers", "prison-release"),
        ("older-mh-discharge", "hospital-discharge"),
        ("families-multiple-needs", ""),
    ];
    let prefixes = ["CS", "AS", "HS", "NH", "PO", "PR", "JS", "CM", "DW"];
    for i in 0..60 {
        let (cohort, tr) = cohorts[i % 4];
        let agency = AGENCIES[i % 9];
        let matcher = match i / 20 {
            0 if i % 2 == 0 => format!("account = \"{}\"", 4000 + (i * 70) % 3000),
            0 => format!(
                "cost_centre = [\"{}{:04}\", \"{}{:04}\"]",
                prefixes[i % 9],
                i * 7,
                prefixes[i % 9],
                i * 11
            ),
            // "CS00".."CS03": a quarter of the agency's cost centres each.
            1 => format!(
                "cost_centre = {{ prefix = \"{}0{}\" }}",
                prefixes[i % 9],
                i % 4
            ),
            _ => format!(
                "description = {{ regex = \"^({}|{}) .* 1[0-9]{{3}}$\" }}",
                ["placement", "rent", "contract", "grant", "transport"][i % 5],
                ["staffing", "agency", "supplies"][i % 3]
            ),
        };
        let basis = match i % 5 {
            // Bottom-up on some prefix rules: 1,000 units × £0.01 = £10 of their lines.
            0 if i / 20 == 1 => {
                "unit_cost = \"0.01\"\ncount = 1000\nsource = \"synthetic\"\n".into()
            }
            0 => String::new(),
            1 => "share = 37.5\n".into(),
            2 => "driver = \"d1\"\n".into(),
            3 => "share = 12\n".into(),
            _ => "share = \"33.3333\"\n".into(),
        };
        let transition = if tr.is_empty() || i % 3 == 0 {
            String::new()
        } else {
            format!("transition = \"{tr}\"\n")
        };
        s += &format!(
            "[[rule]]\nid = \"r{i}\"\npriority = {}\nmatch = {{ agency = \"{agency}\", {matcher} }}\n[[rule.target]]\ncohort = \"{cohort}\"\n{transition}{basis}",
            60 - i
        );
    }
    s
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let place = place(dir.path());
    let mapping = Mapping::parse(&place, "bench/mapping.toml", &mapping_text()).unwrap();
    assert!(mapping.rules.len() >= 50);
    let ledger = ledger();
    let map = map_ledger(&place, &mapping, &ledger).unwrap();
    let matched: u64 = map.rules.iter().map(|r| r.lines).sum();
    eprintln!(
        "mapping bench: {} lines, {} rules, {} distinct strings, {} line-rule matches, {} mapped of {}",
        ledger.lines.len(),
        mapping.rules.len(),
        ledger.strings.len(),
        matched,
        map.total_mapped(),
        map.total_ingested()
    );
    let mut g = c.benchmark_group("mapping");
    g.throughput(Throughput::Elements(ledger.lines.len() as u64));
    g.sample_size(10);
    g.bench_function("map_1m_lines_60_rules", |b| {
        b.iter(|| black_box(map_ledger(&place, &mapping, black_box(&ledger)).unwrap()))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
