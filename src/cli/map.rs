//! `totalplace map <place-dir>`: ingest, apply `mapping.toml`, print the spend map (agency ×
//! cohort, transition points, per cohort member, reconciliation and coverage, rules, largest
//! unmapped lines, warnings) and write `spend-map.csv` and `spend-map.json`.

use std::path::PathBuf;

use anyhow::Result;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, Table};
use rust_decimal::Decimal;

use super::common::{out, outln};
use super::Common;
use crate::error::display_path;
use crate::ingest;
use crate::ledger::Ledger;
use crate::mapping::{self, report, Mapping, SpendMap};
use crate::model::Place;
use crate::money::{format_gbp, round_half_up, ROUNDING_RULE};
use crate::output::OutputSet;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The place model directory, e.g. models/kirkbridge (reads its mapping.toml).
    pub place: PathBuf,
    /// The mapping file (default: <place>/mapping.toml).
    #[arg(long)]
    pub mapping: Option<PathBuf>,
    /// How many of the largest unmapped lines to list.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    #[command(flatten)]
    pub common: Common,
}

pub fn run(args: Args) -> Result<()> {
    let place = Place::load(&args.place)?;
    let mapping = match &args.mapping {
        Some(file) => Mapping::load_file(&place, file)?,
        None => Mapping::load(&place)?,
    };
    let ingest = ingest::ingest_place(&place)?;
    for w in ingest.warnings() {
        eprintln!("warning: {w}");
    }
    outln!(
        "ingested {} lines from {} sources (all reconciled)",
        ingest.ledger.lines.len(),
        ingest.reports.len()
    );
    let map = mapping::map_ledger(&place, &mapping, &ingest.ledger)?;
    out!(
        "{}",
        render(&place, &mapping, &map, &ingest.ledger, args.top)
    );
    let mut out = OutputSet::new();
    let dir = args.common.out.join(&place.info.id);
    out.add(
        dir.join("spend-map.csv"),
        report::csv_bytes(&place, &mapping, &map)?,
    );
    out.add(
        dir.join("spend-map.json"),
        report::json_bytes(&place, &mapping, &map, &ingest.ledger)?,
    );
    for p in out.commit()? {
        outln!("wrote {}", display_path(&p));
    }
    Ok(())
}

/// A source text, marked SYNTHETIC when the figures are made up.
fn synthetic_label(synthetic: bool, source: &str) -> String {
    match (synthetic, source.strip_prefix("synthetic:")) {
        (true, Some(rest)) => format!("SYNTHETIC:{rest}"),
        (true, None) => format!("SYNTHETIC: {source}"),
        (false, _) => source.to_string(),
    }
}

fn table(header: Vec<&str>) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(header);
    t
}

fn money(d: Decimal) -> Cell {
    Cell::new(format_gbp(d)).set_alignment(CellAlignment::Right)
}

fn right(s: impl ToString) -> Cell {
    Cell::new(s.to_string()).set_alignment(CellAlignment::Right)
}

fn pct(d: Option<Decimal>) -> Cell {
    right(
        d.map(|v| format!("{}%", round_half_up(v, 1)))
            .unwrap_or_else(|| "-".into()),
    )
}

/// Everything the command prints, before the paths written.
pub fn render(
    place: &Place,
    mapping: &Mapping,
    map: &SpendMap,
    ledger: &Ledger,
    top: usize,
) -> String {
    let mut s = String::new();
    let synthetic = if place.info.synthetic {
        " (SYNTHETIC figures)"
    } else {
        ""
    };
    s += &format!(
        "Spend map: {} {}{synthetic}\n{} lines mapped by {} rules from {}\n\n",
        place.info.name,
        place.info.financial_year,
        map.lines,
        mapping.rules.len(),
        mapping.file
    );

    // Agency × cohort.
    let mut header = vec!["agency"];
    header.extend(place.cohorts.iter().map(|c| c.id.as_str()));
    header.push("mapped");
    let mut t = table(header);
    for (a, ag) in place.agencies.iter().enumerate() {
        let mut row = vec![Cell::new(&ag.id)];
        row.extend((0..place.cohorts.len()).map(|c| money(map.agency_cohort(a, c))));
        row.push(money(map.agencies[a].mapped));
        t.add_row(row);
    }
    let mut row = vec![Cell::new("all")];
    row.extend((0..place.cohorts.len()).map(|c| money(map.cohort_total(c))));
    row.push(money(map.total_mapped()));
    t.add_row(row);
    s += &format!("Spend by agency × cohort\n{t}\n\n");

    // Transition points.
    let mut t = table(vec!["transition point", "cohort", "total", "by agency"]);
    for (c, co) in place.cohorts.iter().enumerate() {
        let mut points: Vec<(String, Option<usize>)> = place
            .transitions
            .iter()
            .enumerate()
            .filter(|(_, tr)| tr.cohort == c)
            .map(|(i, tr)| (tr.id.clone(), Some(i)))
            .collect();
        points.push(("(no transition point)".into(), None));
        for (name, tr) in points {
            let total = map.transition_total(c, tr);
            if tr.is_none() && total.is_zero() {
                continue;
            }
            let by: Vec<String> = place
                .agencies
                .iter()
                .enumerate()
                .map(|(a, ag)| (ag, map.agency_transition(a, c, tr)))
                .filter(|(_, v)| !v.is_zero())
                .map(|(ag, v)| format!("{} {}", ag.id, format_gbp(v)))
                .collect();
            t.add_row(vec![
                Cell::new(name),
                Cell::new(&co.id),
                money(total),
                Cell::new(if by.is_empty() {
                    "-".into()
                } else {
                    by.join("\n")
                }),
            ]);
        }
    }
    s += &format!("Spend by transition point\n{t}\n\n");

    // Per cohort member.
    let mut t = table(vec!["cohort", "members", "total", "per member"]);
    for (c, co) in place.cohorts.iter().enumerate() {
        let total = map.cohort_total(c);
        t.add_row(vec![
            Cell::new(&co.id),
            right(co.size),
            money(total),
            report::per_member(total, co.size)
                .map(money)
                .unwrap_or_else(|| right("-")),
        ]);
    }
    s += &format!(
        "Spend per cohort member (sizes and their sources: place.toml, also in spend-map.json)\n{t}\n\n"
    );

    // Reconciliation and coverage.
    let mut t = table(vec![
        "agency",
        "ingested",
        "mapped",
        "remainder",
        "out of scope",
        "unmatched",
        "mapped + not cohort-specific",
        "check",
        "coverage",
    ]);
    let mut all = mapping::AgencySummary::default();
    for (a, ag) in place.agencies.iter().enumerate() {
        let r = &map.agencies[a];
        let sum = r.mapped + r.not_cohort_specific();
        t.add_row(vec![
            Cell::new(&ag.id),
            money(r.ingested),
            money(r.mapped),
            money(r.remainder),
            money(r.out_of_scope),
            money(r.unmatched),
            money(sum),
            Cell::new(if sum == r.ingested {
                "= ingested"
            } else {
                "MISMATCH"
            }),
            pct(r.coverage_pct()),
        ]);
        all.ingested += r.ingested;
        all.mapped += r.mapped;
        all.remainder += r.remainder;
        all.out_of_scope += r.out_of_scope;
        all.unmatched += r.unmatched;
    }
    let sum = all.mapped + all.not_cohort_specific();
    t.add_row(vec![
        Cell::new("all"),
        money(all.ingested),
        money(all.mapped),
        money(all.remainder),
        money(all.out_of_scope),
        money(all.unmatched),
        money(sum),
        Cell::new(if sum == all.ingested {
            "= ingested"
        } else {
            "MISMATCH"
        }),
        pct(all.coverage_pct()),
    ]);
    s += &format!(
        "Reconciliation: mapped + not cohort-specific (remainder + out of scope + unmatched) = ingested; coverage = mapped ÷ ingested\n{t}\n\n"
    );

    // Rules.
    let mut t = table(vec![
        "rule",
        "priority",
        "lines",
        "lines' total",
        "allocated",
        "targets",
    ]);
    for (r, rule) in mapping.rules.iter().enumerate() {
        let rs = &map.rules[r];
        let targets: Vec<String> = if rule.out_of_scope {
            vec!["out of scope".into()]
        } else {
            rule.targets
                .iter()
                .enumerate()
                .map(|(j, tg)| {
                    let tr = tg
                        .transition
                        .map(|x| format!("/{}", place.transitions[x].id))
                        .unwrap_or_default();
                    format!(
                        "{}{tr}: {} → {}",
                        place.cohorts[tg.cohort].id,
                        tg.basis.label(&mapping.drivers),
                        format_gbp(rs.by_target[j])
                    )
                })
                .collect()
        };
        t.add_row(vec![
            Cell::new(&rule.id),
            right(rule.priority),
            right(rs.lines),
            money(rs.amount),
            money(rs.mapped),
            Cell::new(targets.join("\n")),
        ]);
    }
    s += &format!(
        "Rules (file order; higher priority applies first, equal priorities add up)\n{t}\n\n"
    );

    // Drivers.
    if !mapping.drivers.is_empty() {
        let mut t = table(vec!["driver", "numerator ÷ denominator", "ratio", "source"]);
        for d in &mapping.drivers {
            t.add_row(vec![
                Cell::new(format!("{}\n{}", d.id, d.name)),
                right(format!(
                    "{} ÷ {}",
                    d.numerator.normalize(),
                    d.denominator.normalize()
                )),
                right(format!(
                    "{}%",
                    round_half_up(d.ratio() * Decimal::ONE_HUNDRED, 3).normalize()
                )),
                Cell::new(synthetic_label(d.synthetic, &d.source)),
            ]);
        }
        s += &format!("Drivers\n{t}\n\n");
    }

    // Largest unmapped lines.
    if !map.largest_unmatched.is_empty() && top > 0 {
        let mut t = table(vec![
            "agency",
            "where",
            "cost centre",
            "account",
            "service",
            "description",
            "amount",
        ]);
        for &i in map.largest_unmatched.iter().take(top) {
            let l = &ledger.lines[i];
            let src = &place.sources[l.source as usize];
            t.add_row(vec![
                Cell::new(&place.agencies[l.agency as usize].id),
                Cell::new(format!("{} row {}", src.display, l.row)),
                Cell::new(ledger.text(l.cost_centre)),
                Cell::new(ledger.text(l.account)),
                Cell::new(ledger.text(l.service)),
                Cell::new(ledger.text(l.description)),
                money(l.amount),
            ]);
        }
        s += &format!(
            "Largest unmapped lines (no rule took them; {} shown)\n{t}\n\n",
            top.min(map.largest_unmatched.len())
        );
    }
    for w in &map.warnings {
        s += &format!("warning: {w}\n");
    }
    s += &format!(
        "Lines are split by largest remainder on each line's smallest unit, so every part sums exactly to its line; \
         per-member figures rounded {ROUNDING_RULE}.\n"
    );
    s
}
