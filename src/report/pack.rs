//! The board pack's content, as a [`Doc`] rendered to HTML and Markdown: per scenario a
//! headline panel, findings generated from the numbers, who pays and who gains, cashflow and
//! payback, the uncertainty range (or a plain statement that none was simulated), fair-share
//! contributions and the assumptions and method; per place the count and the scenarios
//! compared.

use rust_decimal::Decimal;

use super::doc::{Block, Doc, Table, Tile};
use super::figures::{units_line, Figure};
use super::findings::{asymmetry, findings};
use super::simulation::NOT_RUN;
use super::{money_short, pct0, pct1, PlaceRun, ScenarioRun};
use crate::money::{round_half_up, ROUNDING_RULE};
use crate::scenario::library::fy_label;
use crate::scenario::report::{conventions, payback_text};
use crate::scenario::{Payback, Results};

fn section(title: &str, page_break: bool) -> Block {
    Block::Section {
        title: title.into(),
        page_break,
    }
}

fn figure(figs: &[Figure], stem: &str) -> Option<Block> {
    figs.iter().find(|f| f.stem == stem).map(|f| Block::Figure {
        png: f.png.clone(),
        file: f.file(),
        alt: f.alt.clone(),
        caption: f.caption.clone(),
    })
}

fn synthetic_banner(run: &PlaceRun) -> Option<Block> {
    run.place.info.synthetic.then(|| {
        Block::Banner(format!(
            "SYNTHETIC DATA: {} is a made-up place. Every figure in this pack is illustrative and describes no real council, NHS body, police force, prison or benefit office.",
            run.place.info.name
        ))
    })
}

fn ratio2(d: Option<Decimal>) -> String {
    crate::format::index(d)
}

fn froi_text(d: Option<Decimal>) -> String {
    crate::format::per_pound(d)
}

/// Whole pounds for a table, in the run's style (minus or brackets).
fn gbp(run: &PlaceRun, d: Decimal) -> String {
    run.style.money(d)
}

fn opt_pct(d: Option<Decimal>) -> String {
    d.map(pct1).unwrap_or_else(|| "-".into())
}

fn active(r: &Results) -> Vec<&crate::scenario::engine::PartyResult> {
    r.parties
        .iter()
        .filter(|p| !matches!(p.summary.payback, Some(Payback::NoFlows)))
        .collect()
}

fn party_cell(p: &crate::scenario::engine::PartyResult) -> String {
    let mut s = super::short_name(&p.id);
    if p.external {
        s.push_str(" (external)");
    }
    if p.not_locally_cashable && !p.summary.pv_benefits.is_zero() {
        s.push_str(" *");
    }
    s
}

fn money_f(x: f64) -> String {
    crate::format::money_short_f64(x)
}

/// The pack for one scenario.
pub fn scenario_pack(run: &PlaceRun, sr: &ScenarioRun, figs: &[Figure]) -> Doc {
    let sc = &sr.scenario;
    let r = &sr.results;
    let s = &r.system;
    let mut b = Vec::new();
    b.extend(synthetic_banner(run));
    let mut subtitle = vec![
        format!("{} · board pack", run.place.info.name),
        capital(&units_line(sc)),
        run.stamp.clone(),
    ];
    if let Some(cs) = &sc.case_study {
        subtitle.push(format!("After the case study: {cs}"));
    }

    // Headline panel.
    b.push(section("Headline", false));
    let mut tiles = vec![
        Tile {
            label: "System net present value".into(),
            value: money_short(s.npv),
            note: format!(
                "benefits − costs, all partners, {} prices",
                fy_label(sc.price_base)
            ),
        },
        Tile {
            label: "Return per £1 spent".into(),
            value: froi_text(s.froi),
            note: format!("cashable savings only: {}", froi_text(s.froi_cashable)),
        },
        Tile {
            label: "Payback (system)".into(),
            value: payback_text(s.payback),
            note: "discounted; interpolated within the year".into(),
        },
        Tile {
            label: "Cost (present value)".into(),
            value: money_short(s.pv_costs),
            note: format!("over {} years, with optimism bias", sc.horizon),
        },
        Tile {
            label: "Fiscal benefit (present value)".into(),
            value: money_short(s.pv_benefits),
            note: if s.pv_benefits.is_zero() {
                "none".into()
            } else {
                format!(
                    "{} cashable; {} locally cashable",
                    pct0(s.pv_cashable / s.pv_benefits),
                    money_short(r.pv_locally_cashable)
                )
            },
        },
        Tile {
            label: "Wrong-pocket index".into(),
            value: ratio2(r.wrong_pocket),
            note: format!(
                "0 = each pays for its own gain, 1 = all in the wrong pocket; cashable {}",
                ratio2(r.wrong_pocket_cashable)
            ),
        },
    ];
    if let Some(g) = sr.simulation.as_ref().and_then(|x| x.system()) {
        let sim = sr.simulation.as_ref().expect("simulated");
        tiles.push(Tile {
            label: "NPV range (90% of runs)".into(),
            value: format!("{} to {}", money_f(g.p5), money_f(g.p95)),
            note: format!("{} runs, seed {}", sim.iterations, sim.seed),
        });
        tiles.push(Tile {
            label: "Chance of a net loss".into(),
            value: crate::format::percent_f64(1.0 - g.prob_positive),
            note: "share of simulated runs with NPV ≤ 0".into(),
        });
        tiles.push(Tile {
            label: "Median NPV".into(),
            value: money_f(g.p50),
            note: "P50 of the simulated runs".into(),
        });
    }
    b.push(Block::Panel(tiles));
    if sr.simulation.is_none() {
        b.push(Block::Note(NOT_RUN.into()));
    }

    b.push(section("Findings", false));
    b.push(Block::Bullets(findings(sc, r, sr.simulation.as_ref())));

    // Who pays, who gains.
    b.push(section("Who pays, who gains", true));
    b.push(Block::Para(format!(
        "Present values by partner, {} prices. Cashable savings can be taken out of a budget; non-cashable cost avoidance is capacity released. Transfers are the scenario's own payments between partners (received positive).",
        fy_label(sc.price_base)
    )));
    let mut t = Table::new(
        [
            "Partner",
            "Cost",
            "Cashable savings",
            "Non-cashable avoidance",
            "Net transfers",
            "NPV",
            "Return per £1",
            "Payback",
        ]
        .map(String::from)
        .to_vec(),
    );
    for p in active(r) {
        let ps = &p.summary;
        t.rows.push(vec![
            party_cell(p),
            gbp(run, ps.pv_costs),
            gbp(run, ps.pv_cashable),
            gbp(run, ps.pv_non_cashable),
            gbp(run, ps.pv_transfers),
            gbp(run, ps.npv),
            froi_text(ps.froi),
            payback_text(ps.payback),
        ]);
    }
    t.rows.push(vec![
        "All partners".into(),
        gbp(run, s.pv_costs),
        gbp(run, s.pv_cashable),
        gbp(run, s.pv_non_cashable),
        gbp(run, s.pv_transfers),
        gbp(run, s.npv),
        froi_text(s.froi),
        payback_text(s.payback),
    ]);
    t.total_last = true;
    b.push(Block::Table(t));
    b.push(Block::Note(
        "* Central budget (e.g. DWP benefits, a force-wide police budget): the saving is real but not in the place's hands to cash. Rounded to the pound, half away from zero; rounded figures may not add exactly.".into(),
    ));
    b.extend(figure(figs, "who-pays-who-gains"));

    // Cashflow and payback.
    b.push(section("Cashflow and payback", true));
    b.extend(figure(figs, "cashflow"));
    let mut t = Table::new(
        [
            "Year",
            "Costs",
            "Benefits",
            "Net",
            "Discount factor",
            "Discounted net",
            "Cumulative",
        ]
        .map(String::from)
        .to_vec(),
    );
    for (i, y) in r.system_yearly.iter().enumerate() {
        t.rows.push(vec![
            sc.year_label(i),
            gbp(run, y.costs),
            gbp(run, y.cashable + y.non_cashable),
            gbp(run, y.net),
            format!("{:.4}", round_half_up(y.discount_factor, 4)),
            gbp(run, y.pv_net),
            gbp(run, y.cumulative_pv_net),
        ]);
    }
    b.push(Block::Heading("All partners, year by year".into()));
    b.push(Block::Table(t));
    b.push(Block::Para(format!(
        "Payback for the partners together: {}. By partner (after transfers): {}.",
        payback_text(s.payback),
        active(r)
            .iter()
            .map(|p| format!(
                "{} {}",
                super::short_name(&p.id),
                payback_text(p.summary.payback)
            ))
            .collect::<Vec<_>>()
            .join("; ")
    )));

    // Uncertainty.
    b.push(section("Uncertainty", true));
    match &sr.simulation {
        Some(sim) => {
            b.push(Block::Para(format!(
                "{} Monte Carlo runs with seed {} (re-running with the same seed gives the same figures). Generator: {}.",
                crate::format::count(sim.iterations as u64), sim.seed, sim.generator
            )));
            b.extend(figure(figs, "monte-carlo-npv"));
            let mut t = Table::new(
                ["NPV of", "Mean", "P5", "Median", "P95", "Chance NPV > 0"]
                    .map(String::from)
                    .to_vec(),
            );
            for g in &sim.ranges {
                t.rows.push(vec![
                    match &g.agency {
                        Some(a) => super::short_name(a),
                        None => "All partners".into(),
                    },
                    money_f(g.mean),
                    money_f(g.p5),
                    money_f(g.p50),
                    money_f(g.p95),
                    crate::format::percent_f64(g.prob_positive),
                ]);
            }
            b.push(Block::Table(t));
            b.extend(figure(figs, "tornado"));
            if !sim.inputs.is_empty() {
                b.push(Block::Heading("Uncertain inputs".into()));
                b.push(Block::Bullets(sim.inputs.clone()));
            }
        }
        None => b.push(Block::Para(NOT_RUN.into())),
    }

    // Fair shares.
    b.push(section("Fair-share contributions", true));
    b.push(Block::Para(format!(
        "If each partner paid for the scenario in proportion to the benefit it receives, every partner would earn the system's return of {} per £1. The transfer that gets there is ΣC × b − C (total cost × the partner's benefit share, less what it already pays): positive means the partner should pay in, negative that it should receive. Basis: all fiscal benefits (cashable and non-cashable) in the first column, cashable savings only in the second; computed before the scenario's own transfers, which are shown beside them.",
        froi_text(s.froi)
    )));
    let mut t = Table::new(
        [
            "Partner",
            "Cost share",
            "Benefit share",
            "Cashable share",
            "Fair share: all benefits",
            "Fair share: cashable only",
            "Paid out under the scenario",
        ]
        .map(String::from)
        .to_vec(),
    );
    for p in active(r) {
        t.rows.push(vec![
            party_cell(p),
            opt_pct(p.cost_share),
            opt_pct(p.benefit_share),
            opt_pct(p.cashable_share),
            p.fair_share
                .map(|d| gbp(run, d))
                .unwrap_or_else(|| "-".into()),
            p.fair_share_cashable
                .map(|d| gbp(run, d))
                .unwrap_or_else(|| "-".into()),
            gbp(run, -p.summary.pv_transfers),
        ]);
    }
    b.push(Block::Table(t));
    b.push(Block::Para(format!(
        "Wrong-pocket index W = ½ Σ |benefit share − cost share| = {} on all fiscal benefits, {} on cashable savings.",
        ratio2(r.wrong_pocket),
        ratio2(r.wrong_pocket_cashable)
    )));

    // Today's spend on the cohort.
    if let Some(c) = sc
        .cohort
        .as_deref()
        .and_then(|id| run.place.cohort_index(id))
    {
        let co = &run.place.cohorts[c];
        b.push(Block::Heading(format!(
            "What partners spend on {} today",
            co.name
        )));
        let mut t = Table::new(vec![
            "Partner".into(),
            format!("{} budget", run.place.info.financial_year),
        ]);
        for (a, ag) in run.place.agencies.iter().enumerate() {
            let v = run.spend_map.agency_cohort(a, c);
            if !v.is_zero() {
                t.rows.push(vec![super::short_name(&ag.id), gbp(run, v)]);
            }
        }
        let total = run.spend_map.cohort_total(c);
        t.rows.push(vec!["All partners".into(), gbp(run, total)]);
        t.total_last = true;
        b.push(Block::Table(t));
        if co.size > 0 {
            b.push(Block::Note(format!(
                "{} members ({}): {} per member. From the spend map ({}).",
                co.size,
                co.size_source,
                gbp(run, total / Decimal::from(co.size)),
                run.mapping.file
            )));
        }
    }

    // Assumptions and method.
    b.push(section("Assumptions and method", true));
    b.push(Block::Heading("Unit costs".into()));
    let mut t = Table::new(
        [
            "Unit cost",
            "Value",
            "Per",
            "Price year",
            "Verified",
            "Source",
        ]
        .map(String::from)
        .to_vec(),
    );
    t.numeric = vec![false, true, false, false, false, false];
    for u in &sc.unit_costs {
        t.rows.push(vec![
            u.id.clone(),
            crate::money::format_gbp(u.value),
            u.unit.clone(),
            fy_label(u.price_year),
            if u.verified {
                "yes".into()
            } else {
                "no".into()
            },
            u.source.clone(),
        ]);
    }
    b.push(Block::Table(t));
    b.push(Block::Heading("Outcomes".into()));
    let p = &sr.params;
    let mut t = Table::new(
        [
            "Outcome",
            "People per intake",
            "Intakes",
            "Engaged",
            "Success",
            "Deadweight",
            "Lag (yrs)",
            "Drop-off",
            "Additionality",
            "Ramp-up",
            "Evidence grade",
            "Optimism bias",
        ]
        .map(String::from)
        .to_vec(),
    );
    for o in &sc.outcomes {
        let ramp = if o.ramp_up.is_empty() {
            "full at once".to_string()
        } else {
            o.ramp_up
                .iter()
                .map(|&r| pct0(p.get(r)))
                .collect::<Vec<_>>()
                .join("/")
        };
        t.rows.push(vec![
            o.id.clone(),
            if o.participants_by_intake.is_empty() {
                p.get(o.participants).normalize().to_string()
            } else {
                o.participants_by_intake
                    .iter()
                    .map(|&x| p.get(x).normalize().to_string())
                    .collect::<Vec<_>>()
                    .join("/")
            },
            o.intakes.to_string(),
            pct0(p.get(o.engagement)),
            pct0(p.get(o.success)),
            pct0(p.get(o.deadweight)),
            o.lag.to_string(),
            pct0(p.get(o.drop_off)),
            pct0(crate::scenario::engine::outcome_additionality(o, p)),
            ramp,
            o.evidence_grade.to_string(),
            pct0(p.get(o.optimism_bias)),
        ]);
    }
    b.push(Block::Table(t));
    b.push(Block::Heading("Costs".into()));
    let mut t = Table::new(
        [
            "Cost",
            "Paid by",
            "Kind",
            "Years",
            "Amounts by year (before optimism bias)",
            "Optimism bias",
        ]
        .map(String::from)
        .to_vec(),
    );
    t.numeric = vec![false, false, false, false, true, true];
    for c in &sc.costs {
        t.rows.push(vec![
            c.id.clone(),
            super::short_name(&sc.parties[c.party].id),
            c.kind.as_str().into(),
            format!(
                "{}–{}",
                sc.year_label(c.from_year),
                sc.year_label(c.from_year + c.amounts.len().saturating_sub(1))
            ),
            c.amounts
                .iter()
                .map(|&a| gbp(run, p.get(a)))
                .collect::<Vec<_>>()
                .join(", "),
            pct0(p.get(c.optimism_bias)),
        ]);
    }
    b.push(Block::Table(t));
    if let Some(t) = pbr_terms(run, sc, p) {
        b.push(Block::Heading("Payments by results".into()));
        b.push(Block::Table(t));
    }
    b.push(Block::Heading("Conventions".into()));
    let mut t = Table::new(vec![
        "Convention".into(),
        "How the figures are worked out".into(),
    ]);
    t.numeric = vec![false, false];
    for (k, v) in conventions(sc) {
        t.rows.push(vec![k, v]);
    }
    b.push(Block::Table(t));
    if sr.simulation.is_some() {
        b.push(Block::Heading("Simulation conventions".into()));
        let mut t = Table::new(vec![
            "Convention".into(),
            "How the range is worked out".into(),
        ]);
        t.numeric = vec![false, false];
        for (k, v) in crate::uncertainty::report::conventions() {
            t.rows.push(vec![k, v]);
        }
        b.push(Block::Table(t));
    }
    b.push(Block::Note(format!(
        "Every parameter, unit cost (with its source and price year), discount factor, cohort size and budget source is listed in results.xlsx (Assumptions sheet). Scenario file: {}. Money is exact decimal arithmetic, rounded {ROUNDING_RULE} only when shown.",
        sc.file
    )));
    b.push(Block::Heading("Files beside this pack".into()));
    let mut links = vec![
        (
            "results.xlsx: the workbook with every sum as a formula".to_string(),
            "results.xlsx".to_string(),
        ),
        (
            "board-pack.md: this pack in Markdown".into(),
            "board-pack.md".into(),
        ),
    ];
    for f in figs {
        links.push((format!("{}: chart (SVG beside it)", f.file()), f.file()));
    }
    links.push((
        "../board-pack.html: the place's pack, all scenarios compared".into(),
        "../board-pack.html".into(),
    ));
    b.push(Block::Links(links));

    Doc {
        title: sc.name.clone(),
        subtitle,
        blocks: b,
    }
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The place pack: the count, and every scenario compared.
pub fn place_pack(run: &PlaceRun, figs: &[Figure]) -> Doc {
    let place = &run.place;
    let map = &run.spend_map;
    let mut b = Vec::new();
    b.extend(synthetic_banner(run));
    let ingested = map.total_ingested();
    let mapped = map.total_mapped();
    b.push(section("Headline", false));
    let mut tiles = vec![
        Tile {
            label: "Public spend counted".into(),
            value: money_short(ingested),
            note: {
                let none = place.agencies_without_source();
                let with = place.agencies.len() - none.len();
                let mut n = format!(
                    "{} budgets from {}",
                    place.info.financial_year,
                    crate::format::counted(with, "partner", "partners")
                );
                if !none.is_empty() {
                    n += &format!("; no budget from {}", names_and(place, &none));
                }
                n
            },
        },
        Tile {
            label: "Traced to cohorts".into(),
            value: money_short(mapped),
            note: if ingested.is_zero() {
                "-".into()
            } else {
                format!(
                    "{} of the total, {} cohorts",
                    pct1(mapped / ingested),
                    place.cohorts.len()
                )
            },
        },
        Tile {
            label: "Scenarios".into(),
            value: run.scenarios.len().to_string(),
            note: "each with its own pack and workbook".into(),
        },
    ];
    let best = run
        .scenarios
        .iter()
        .max_by(|a, b| a.results.system.npv.cmp(&b.results.system.npv));
    if let Some(s) = best {
        tiles.push(Tile {
            label: "Highest system NPV".into(),
            value: money_short(s.results.system.npv),
            note: s.scenario.name.clone(),
        });
    }
    let froi = run
        .scenarios
        .iter()
        .filter(|s| s.results.system.froi.is_some())
        .max_by(|a, b| a.results.system.froi.cmp(&b.results.system.froi));
    if let Some(s) = froi {
        tiles.push(Tile {
            label: "Best return per £1".into(),
            value: froi_text(s.results.system.froi),
            note: s.scenario.name.clone(),
        });
    }
    let wp = run
        .scenarios
        .iter()
        .filter(|s| s.results.wrong_pocket.is_some())
        .max_by(|a, b| a.results.wrong_pocket.cmp(&b.results.wrong_pocket));
    if let Some(s) = wp {
        tiles.push(Tile {
            label: "Largest wrong-pocket index".into(),
            value: ratio2(s.results.wrong_pocket),
            note: s.scenario.name.clone(),
        });
    }
    b.push(Block::Panel(tiles));

    b.push(section("Findings", false));
    let mut items = Vec::new();
    if !ingested.is_zero() {
        let mut by: Vec<(usize, Decimal)> = (0..place.cohorts.len())
            .map(|c| (c, map.cohort_total(c)))
            .collect();
        by.sort_by_key(|a| std::cmp::Reverse(a.1));
        items.push(format!(
            "The partners budget {} in {} for {}; {} ({}) of it can be traced to the {} cohorts modelled, the largest being {} ({}).",
            money_short(ingested),
            place.info.financial_year,
            place.info.name,
            money_short(mapped),
            pct1(mapped / ingested),
            place.cohorts.len(),
            by.first().map(|(c, _)| place.cohorts[*c].name.clone()).unwrap_or_default(),
            by.first().map(|(_, v)| money_short(*v)).unwrap_or_default(),
        ));
    }
    for s in &run.scenarios {
        let r = &s.results;
        let mut line = format!(
            "{}: system NPV {}, {} back per £1, payback {}.",
            s.scenario.name,
            money_short(r.system.npv),
            froi_text(r.system.froi),
            payback_text(r.system.payback)
        );
        if let Some(g) = s.simulation.as_ref().and_then(|x| x.system()) {
            line.push_str(&format!(
                " In 90% of simulated runs the NPV lies between {} and {}.",
                money_f(g.p5),
                money_f(g.p95)
            ));
        }
        if let Some(a) = asymmetry(r) {
            line.push(' ');
            line.push_str(&a);
        }
        items.push(line);
    }
    if run.scenarios.iter().all(|s| s.simulation.is_none()) {
        items.push(NOT_RUN.into());
    }
    // The best return per £1, when it rests mostly on non-cashable avoidance (issue 12).
    if let Some(s) = run
        .scenarios
        .iter()
        .filter(|s| s.results.system.froi.is_some())
        .max_by(|a, b| a.results.system.froi.cmp(&b.results.system.froi))
    {
        if let Some(w) = super::findings::non_cashable_warning(&s.results) {
            items.push(format!(
                "The best return per £1 is that of ‘{}’. {w}",
                s.scenario.name
            ));
        }
    }
    let none = place.agencies_without_source();
    if !none.is_empty() {
        items.push(format!(
            "{} of the {} partners supplied no budget ({}), so the count leaves out {} spend.",
            crate::format::count(none.len() as u64),
            crate::format::count(place.agencies.len() as u64),
            names_and(place, &none),
            if none.len() == 1 { "its" } else { "their" }
        ));
    }
    b.push(Block::Bullets(items));

    b.push(section(
        "The count: what partners spend on each cohort",
        true,
    ));
    b.extend(figure(figs, "spend-map"));
    let mut header = vec!["Partner".to_string()];
    header.extend(place.cohorts.iter().map(|c| c.name.clone()));
    header.extend(["Not cohort-specific".to_string(), "Total".into()]);
    let mut t = Table::new(header);
    for (a, ag) in place.agencies.iter().enumerate() {
        let mut row = vec![super::short_name(&ag.id)];
        row.extend((0..place.cohorts.len()).map(|c| gbp(run, map.agency_cohort(a, c))));
        row.push(gbp(run, map.agencies[a].not_cohort_specific()));
        row.push(gbp(run, map.agencies[a].ingested));
        t.rows.push(row);
    }
    let mut row = vec!["All partners".to_string()];
    row.extend((0..place.cohorts.len()).map(|c| gbp(run, map.cohort_total(c))));
    row.push(gbp(run, ingested - mapped));
    row.push(gbp(run, ingested));
    t.rows.push(row);
    t.total_last = true;
    b.push(Block::Table(t));
    b.push(Block::Note(format!(
        "£, {} budgets as ingested from each partner's own files (all reconciled to their control totals) and mapped by {}.",
        place.info.financial_year,
        run.mapping.file
    )));

    if !run.scenarios.is_empty() {
        b.push(section("Scenarios compared", true));
        b.extend(figure(figs, "scenario-comparison"));
        let sims = run.scenarios.iter().any(|s| s.simulation.is_some());
        let mut cols = vec![
            "Ref",
            "Scenario",
            "Horizon",
            "System NPV",
            "NPV per year (like basis)",
            "Return per £1",
            "Payback",
            "Wrong-pocket index",
        ];
        if sims {
            cols.push("NPV 90% range (simulated)");
        }
        let mut t = Table::new(cols.into_iter().map(String::from).collect());
        t.numeric = (0..t.header.len()).map(|i| i >= 3).collect();
        for (i, s) in run.scenarios.iter().enumerate() {
            let r = &s.results;
            let mut row = vec![
                format!("S{}", i + 1),
                s.scenario.name.clone(),
                super::basis(&s.scenario),
                gbp(run, r.system.npv),
                gbp(run, super::npv_per_year(&s.scenario, r)),
                froi_text(r.system.froi),
                payback_text(r.system.payback),
                ratio2(r.wrong_pocket),
            ];
            if sims {
                row.push(
                    s.simulation
                        .as_ref()
                        .and_then(|x| x.system())
                        .map(|g| format!("{} to {}", money_f(g.p5), money_f(g.p95)))
                        .unwrap_or_else(|| "not simulated".into()),
                );
            }
            t.rows.push(row);
        }
        b.push(Block::Table(t));
        let horizons: std::collections::BTreeSet<usize> =
            run.scenarios.iter().map(|s| s.scenario.horizon).collect();
        b.push(Block::Note(format!(
            "Like basis: NPV per year of horizon = system NPV ÷ the scenario's horizon in years{}. Present values in each scenario's price base, discounted to its start year; payback in years from the start of year 0, interpolated within the year; money rounded half away from zero.",
            if horizons.len() > 1 {
                ", because the scenarios run for different lengths of time and their NPVs over their own horizons are not comparable"
            } else {
                ""
            }
        )));
        // Each partner's NPV by scenario: only partners with a flow in some scenario.
        let mut ids: Vec<String> = Vec::new();
        for s in &run.scenarios {
            for p in active(&s.results) {
                if !ids.contains(&p.id) {
                    ids.push(p.id.clone());
                }
            }
        }
        let mut header = vec!["Partner's NPV".to_string()];
        header.extend((1..=run.scenarios.len()).map(|i| format!("S{i}")));
        let mut t = Table::new(header);
        for id in &ids {
            let mut row = vec![super::short_name(id)];
            row.extend(run.scenarios.iter().map(|s| {
                active(&s.results)
                    .into_iter()
                    .find(|p| &p.id == id)
                    .map(|p| gbp(run, p.summary.npv))
                    .unwrap_or_else(|| "-".into())
            }));
            t.rows.push(row);
        }
        b.push(Block::Heading("Each partner's NPV, after transfers".into()));
        b.push(Block::Table(t));
        b.push(Block::Note(
            "- : the partner has no cost, benefit or transfer in that scenario.".into(),
        ));
        b.push(section("Each scenario's pack", false));
        b.push(Block::Links(
            run.scenarios
                .iter()
                .map(|s| {
                    (
                        format!("{}: {}", s.scenario.id, s.scenario.name),
                        format!("{}/board-pack.html", s.scenario.id),
                    )
                })
                .collect(),
        ));
    }

    b.push(section("Sources", true));
    let mut t = Table::new(
        ["Source", "Partner", "File", "Lines", "Total", "Check"]
            .map(String::from)
            .to_vec(),
    );
    t.numeric = vec![false, false, false, true, true, false];
    for s in &run.ingest.reports {
        t.rows.push(vec![
            s.source.clone(),
            super::short_name(&s.agency),
            s.file.clone(),
            s.lines.to_string(),
            gbp(run, s.total),
            s.status.label(),
        ]);
    }
    b.push(Block::Table(t));
    b.push(Block::Note(format!(
        "Money is exact decimal arithmetic, rounded {ROUNDING_RULE} only when shown. results.xlsx beside this pack has the comparison, the spend map with totals as formulas, cohort sizes, drivers and sources."
    )));

    Doc {
        title: format!("{}: board pack", place.info.name),
        subtitle: vec![
            format!(
                "{} scenario{} compared · {} budgets · population {}",
                run.scenarios.len(),
                if run.scenarios.len() == 1 { "" } else { "s" },
                place.info.financial_year,
                group(place.info.population)
            ),
            run.stamp.clone(),
        ],
        blocks: b,
    }
}

/// Agencies by short name, joined with "and".
fn names_and(place: &crate::model::Place, agencies: &[usize]) -> String {
    let v: Vec<String> = agencies
        .iter()
        .map(|&a| super::short_name(&place.agencies[a].id))
        .collect();
    match v.len() {
        0 => String::new(),
        1 => v[0].clone(),
        n => format!("{} and {}", v[..n - 1].join(", "), v[n - 1]),
    }
}

fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// The terms of each payment-by-results contract as the scenario writes them (none: no PbR).
fn pbr_terms(
    run: &PlaceRun,
    sc: &crate::scenario::ValidatedScenario,
    p: &crate::scenario::Params,
) -> Option<Table> {
    use crate::scenario::TransferKind;
    let mut t = Table::new(
        [
            "Contract",
            "Paid by → to",
            "Outcome",
            "Most per person",
            "Attachment fee",
            "Results paid on",
            "Result lag (yrs)",
            "Cap",
            "Claw-back",
        ]
        .map(String::from)
        .to_vec(),
    );
    t.numeric = vec![false, false, false, true, false, false, false, true, false];
    for tr in &sc.transfers {
        let TransferKind::Pbr {
            outcome,
            amount,
            attachment_share,
            attachment_by_intake,
            result_lag,
            additional,
            cap,
            clawback,
        } = &tr.kind
        else {
            continue;
        };
        let o = &sc.outcomes[*outcome];
        let attach = if attachment_by_intake.is_empty() {
            pct0(p.get(*attachment_share))
        } else {
            attachment_by_intake
                .iter()
                .enumerate()
                .map(|(i, &a)| {
                    format!(
                        "{} ({} intake)",
                        pct0(p.get(a)),
                        sc.year_label(o.intake_start + i)
                    )
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        t.rows.push(vec![
            tr.id.clone(),
            format!(
                "{} → {}",
                super::short_name(&sc.parties[tr.from].id),
                super::short_name(&sc.parties[tr.to].id)
            ),
            o.id.clone(),
            gbp(run, p.get(*amount)),
            attach,
            if *additional {
                "additional outcomes (net of deadweight)".into()
            } else {
                "every observed result".into()
            },
            result_lag.to_string(),
            cap.map(|c| gbp(run, p.get(c)))
                .unwrap_or_else(|| "none".into()),
            if *clawback { "yes" } else { "no" }.into(),
        ]);
    }
    (!t.rows.is_empty()).then_some(t)
}
