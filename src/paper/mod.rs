//! The Word board paper: `board-paper.docx` per scenario and for the place, in the shape of a
//! UK committee report (purpose; recommendations for the author to edit; summary of the
//! financial case; who pays and who gains; cashflow; risks and uncertainty; options for
//! sharing the cost; assumptions and sources).
//!
//! Nothing here computes a figure. The paper is assembled from the board pack's own sections
//! ([`crate::report::pack`]: the same headline, findings, tables and chart PNGs, formatted by
//! [`crate::format`]) with the committee-report framing around them, then written as Office
//! Open XML by `docx-rs` ([`docx`]). So the paper and the pack can never disagree.

pub mod docx;

use std::path::Path;

use crate::error::Result;
use crate::output::OutputSet;
use crate::report::doc::{Block, Doc};
use crate::report::figures::Figure;
use crate::report::{pack, Charts, PlaceRun, ScenarioRun};

/// The paper's file name, beside each board pack.
pub const FILE: &str = "board-paper.docx";

/// Marks text the author must replace: shown highlighted in the document.
pub const PLACEHOLDER: (&str, &str) = ("[", "]");

/// Stage every paper: `<out>/<place>/board-paper.docx` and one in each scenario's folder.
pub fn stage(run: &PlaceRun, charts: &Charts, out_root: &Path, out: &mut OutputSet) -> Result<()> {
    let dir = out_root.join(&run.place.info.id);
    out.add(
        dir.join(FILE),
        docx::render(&place_paper(run, &charts.place), &run.stamp)?,
    );
    for (i, sr) in run.scenarios.iter().enumerate() {
        let figs = charts.scenarios.get(i).map(Vec::as_slice).unwrap_or(&[]);
        out.add(
            dir.join(&sr.scenario.id).join(FILE),
            docx::render(&scenario_paper(run, sr, figs), &run.stamp)?,
        );
    }
    Ok(())
}

/// A document split at its sections: what comes before the first, then (title, blocks).
struct Sections {
    prelude: Vec<Block>,
    sections: Vec<(String, Vec<Block>)>,
}

impl Sections {
    fn of(doc: &Doc) -> Sections {
        let mut prelude = Vec::new();
        let mut sections: Vec<(String, Vec<Block>)> = Vec::new();
        for b in &doc.blocks {
            match b {
                Block::Section { title, .. } => sections.push((title.clone(), Vec::new())),
                other => match sections.last_mut() {
                    Some((_, v)) => v.push(other.clone()),
                    None => prelude.push(other.clone()),
                },
            }
        }
        Sections { prelude, sections }
    }

    /// The blocks of the pack's section `title` (empty when the pack has none), without the
    /// links to files beside the pack (the paper lists no files).
    fn take(&self, title: &str) -> Vec<Block> {
        let mut out = Vec::new();
        let mut skip_links = false;
        for b in self
            .sections
            .iter()
            .filter(|(t, _)| t == title)
            .flat_map(|(_, v)| v)
        {
            match b {
                Block::Heading(h) if h.starts_with("Files beside") => skip_links = true,
                Block::Links(_) if skip_links => {}
                Block::Links(_) => {}
                other => {
                    skip_links = false;
                    out.push(other.clone());
                }
            }
        }
        out
    }
}

fn section(title: &str, page_break: bool) -> Block {
    Block::Section {
        title: title.into(),
        page_break,
    }
}

/// The subtitle lines every paper opens with: the meeting details for the author to fill in.
fn meeting_lines(doc: &Doc) -> Vec<String> {
    let mut v: Vec<String> = doc
        .subtitle
        .iter()
        .map(|l| l.replace(" · board pack", " · board paper"))
        .collect();
    v.push("Report to: [name of the board or committee]".into());
    v.push("Date of meeting: [date]".into());
    v.push("Report of: [author, job title]".into());
    v.push("Status: [for decision / for information]".into());
    v
}

/// The paper for one scenario.
pub fn scenario_paper(run: &PlaceRun, sr: &ScenarioRun, figs: &[Figure]) -> Doc {
    let sc = &sr.scenario;
    let pack = pack::scenario_pack(run, sr, figs);
    let s = Sections::of(&pack);
    let mut b = s.prelude.clone();

    b.push(section("Purpose of the report", false));
    b.push(Block::Para(format!(
        "To set out the financial case for the scenario ‘{}’ in {}: what it would cost, which partners would bear the cost and which would gain, when the outlay is recovered and how certain the figures are, so that the board can decide whether to proceed and how partners might share the cost.",
        sc.name, run.place.info.name
    )));
    if let Some(d) = &sc.description {
        b.push(Block::Para(d.trim().to_string()));
    }

    b.push(section("Recommendations", false));
    b.push(Block::Para(
        "[Author to edit: the recommendations below are placeholders.] The board is asked to:"
            .into(),
    ));
    b.push(Block::Bullets(vec![
        "note the financial case for the scenario set out in section 3;".into(),
        "[agree / not agree] to proceed with the scenario, subject to [conditions];".into(),
        "[agree] how the cost is shared between partners, having regard to the fair-share contributions in section 7;".into(),
        "[ask for] a further report on [the benefits realised / the uncertain inputs in section 6] by [date].".into(),
    ]));

    b.push(section("Summary of the financial case", true));
    b.extend(s.take("Headline"));
    b.push(Block::Heading("Findings".into()));
    b.extend(s.take("Findings"));

    b.push(section("Who pays, who gains", true));
    b.extend(s.take("Who pays, who gains"));

    b.push(section("Cashflow and payback", true));
    b.extend(s.take("Cashflow and payback"));

    b.push(section("Risks and uncertainty", true));
    b.push(Block::Bullets(risks(sr)));
    b.extend(s.take("Uncertainty"));

    b.push(section("Sharing the cost: fair-share contributions", true));
    b.extend(s.take("Fair-share contributions"));

    b.push(section("Assumptions and sources", true));
    b.extend(s.take("Assumptions and method"));
    b.push(Block::Note(
        "The board pack (board-pack.html) and the workbook (results.xlsx) beside this paper hold the same figures, with every sum in the workbook as a formula.".into(),
    ));

    Doc {
        title: pack.title.clone(),
        subtitle: meeting_lines(&pack),
        blocks: b,
    }
}

/// The risks a board should weigh, from the results: where the benefit is not cashable, where
/// it falls to budgets held outside the place, and what the simulation shows.
fn risks(sr: &ScenarioRun) -> Vec<String> {
    let r = &sr.results;
    let s = &r.system;
    let fmt = crate::format::money_short;
    let mut v = Vec::new();
    if !s.pv_benefits.is_zero() {
        v.push(format!(
            "Cashability: {} of the {} benefit is non-cashable cost avoidance (capacity released, not budgets cut); {} is cashable by budgets held in the place.",
            fmt(s.pv_non_cashable),
            fmt(s.pv_benefits),
            fmt(r.pv_locally_cashable)
        ));
    }
    let central: Vec<String> = r
        .parties
        .iter()
        .filter(|p| p.not_locally_cashable && !p.summary.pv_benefits.is_zero())
        .map(|p| crate::report::the_party(&p.id))
        .collect();
    if !central.is_empty() {
        v.push(format!(
            "Budgets held outside the place: the saving to {} is real but set centrally, so the place cannot cash it without an agreement.",
            join_and(&central)
        ));
    }
    match &sr.simulation {
        Some(sim) => {
            if let Some(g) = sim.system() {
                v.push(format!(
                    "Uncertainty: in 90% of {} simulated runs the system NPV lies between {} and {}; the inputs that move it most are shown in the tornado chart below.",
                    crate::format::count(sim.iterations as u64),
                    crate::format::money_short_f64(g.p5),
                    crate::format::money_short_f64(g.p95)
                ));
            }
        }
        None => v.push(crate::report::simulation::NOT_RUN.into()),
    }
    v.push("[Author to add: delivery, workforce, legal and reputational risks, and how each is managed.]".into());
    v
}

fn join_and(items: &[String]) -> String {
    match items.len() {
        0 => String::new(),
        1 => items[0].clone(),
        n => format!("{} and {}", items[..n - 1].join(", "), items[n - 1]),
    }
}

/// The paper for the place: the count and the scenarios compared.
pub fn place_paper(run: &PlaceRun, figs: &[Figure]) -> Doc {
    let pack = pack::place_pack(run, figs);
    let s = Sections::of(&pack);
    let mut b = s.prelude.clone();
    let n = run.scenarios.len();

    b.push(section("Purpose of the report", false));
    b.push(Block::Para(format!(
        "To report what the partners in {} spend on the cohorts modelled (the count), and to compare {} for changing how those services work, so that the board can decide which to develop into a full business case.",
        run.place.info.name,
        crate::format::counted(n, "scenario", "scenarios")
    )));

    b.push(section("Recommendations", false));
    b.push(Block::Para(
        "[Author to edit: the recommendations below are placeholders.] The board is asked to:"
            .into(),
    ));
    b.push(Block::Bullets(vec![
        "note the count of public spend on the cohorts in section 4;".into(),
        "note the scenarios compared in section 5, on a like basis (NPV per year of horizon);"
            .into(),
        "[agree] to develop [scenario] into a full business case, with each partner's contribution to be agreed;".into(),
    ]));

    b.push(section("Summary", true));
    b.extend(s.take("Headline"));
    b.push(Block::Heading("Findings".into()));
    b.extend(s.take("Findings"));

    for (title, _) in &s.sections {
        if matches!(
            title.as_str(),
            "Headline" | "Findings" | "Each scenario's pack" | "Sources"
        ) {
            continue;
        }
        b.push(section(title, true));
        b.extend(s.take(title));
    }
    b.push(section("Assumptions and sources", true));
    b.extend(s.take("Sources"));
    b.push(Block::Note(
        "Each scenario has its own paper, board pack and workbook in its folder beside this paper."
            .into(),
    ));

    Doc {
        title: pack.title.clone(),
        subtitle: meeting_lines(&pack),
        blocks: b,
    }
}
