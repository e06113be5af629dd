//! Presenting results: the who-pays-who-gains table, CSV and JSON files, the side-by-side
//! comparison, and the statement of conventions every output carries.

use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, Table};
use rust_decimal::Decimal;
use serde_json::{json, Value};

use super::engine::{Payback, Results, Summary};
use super::{discount, ValidatedScenario};
use crate::money::{self, format_gbp0, round_half_up};

/// Every convention the figures follow, stated in each output.
pub fn conventions(sc: &ValidatedScenario) -> Vec<(String, String)> {
    let mut v = vec![
        ("money".to_string(), "exact decimal arithmetic (rust_decimal), no floating point".to_string()),
        ("rounding".to_string(), format!("only at presentation: {}; ratios to 4 decimal places and payback to 2, same rule; rounded figures may not add exactly", money::ROUNDING_RULE)),
        ("discounting".to_string(), discount::describe(&sc.discount)),
        ("years".to_string(), format!("year 0 is {}; {} years modelled (0..{}); flows beyond the horizon are not counted", sc.year_label(0), sc.horizon, sc.horizon - 1)),
        ("price base".to_string(), format!("{} prices; unit costs re-based by value x index[price base] / index[price year] from the GDP-deflator index{}", super::library::fy_label(sc.price_base), if sc.deflator_file.is_empty() { String::new() } else { format!(" ({})", sc.deflator_file) })),
        ("outcomes".to_string(), "achieving = participants x engagement x success x (1 - deadweight) x additionality per intake; from intake year + lag the outcome persists with factor (1 - drop_off)^(years since first benefit), for `duration` years if set".to_string()),
        ("additionality".to_string(), additionality_statement(sc)),
        ("cost per outcome".to_string(), "PV costs (all parties, after optimism bias) / additional outcomes, where an outcome's additional outcomes = sum over its intakes whose first benefit year (intake + lag) is within the horizon of achieving x (1 - optimism bias): people, each counted once, not discounted; each outcome is set against the scenario's whole PV costs (costs are not split between outcomes), and the scenario's figure against all outcomes' additional outcomes together; none when there are none".to_string()),
        ("optimism bias".to_string(), "benefits x (1 - bias for the outcome's evidence grade); costs x (1 + bias on costs)".to_string()),
        ("cashability".to_string(), "cashable = benefit x cashability; a stepped flow is cashable only in whole steps of released capacity each year (floor(units / step) x step x unit cost x cashability; with a `step_value`, the cash released per whole step in the price base: floor(units / step) x step_value x cashability, at most the benefit), the rest is non-cashable cost avoidance".to_string()),
        ("central budgets".to_string(), "benefits to agencies whose budget control is central are flagged \"not locally cashable\": real, but not in the place's hands".to_string()),
        ("transfers".to_string(), "PbR, pooled contributions, per-unit payments and gain-shares move money between parties and net to zero over all parties (external payers included); PbR results are paid on observed results (engaged x success, deadweight included) with the outcome's optimism bias; a gain-share passes on a share of the payer's positive net gain in the year (its benefits on the stated basis + other transfers - costs)".to_string()),
        ("NPV, FROI".to_string(), "NPV_a = B_a - C_a + T_a (PV benefits - PV costs + PV net transfers received); FROI_a = B_a / C_a, none when C_a = 0; cashable NPV and FROI use cashable benefits only".to_string()),
        ("payback".to_string(), "the last crossing into permanent surplus: the year after the last year whose cumulative discounted net is negative, interpolated linearly within that year (its net treated as accruing evenly); shown as years from the start of year 0; 0 when the cumulative is never negative; not within horizon when it is negative in the last year; a party that was in surplus and fell back into deficit is shown with the year(s) it did (\"in deficit again in year ...\")".to_string()),
        ("asymmetry".to_string(), "cost share c_a = C_a / sum C; benefit share b_a = B_a / sum B; wrong-pocket index W = 1/2 sum |b_a - c_a| in 0..1, on all fiscal benefits and on cashable benefits".to_string()),
        ("fair share".to_string(), "the transfer that would give every party the system FROI: sum C x b_a - C_a (positive: should pay in), on all fiscal benefits and on cashable benefits; computed before the scenario's own transfers".to_string()),
    ];
    if !sc.costs.is_empty() {
        v.push(("optimism bias on costs".to_string(), cost_uplifts(sc)));
    }
    if let Some(cp) = &sc.prices {
        v.push(("cash prices".to_string(), cash_prices_statement(sc, cp)));
    }
    if sc.outcomes.iter().any(|o| !o.values.is_empty()) {
        v.push((
            "economic case".to_string(),
            ECONOMIC_CASE_CONVENTION.to_string(),
        ));
    }
    if sc.place_synthetic {
        v.push((
            "data".to_string(),
            format!(
                "place \"{}\" is synthetic: figures are illustrative",
                sc.place_id
            ),
        ));
    }
    v
}

/// The additionality convention: the formula, the defaults, and each outcome's values as
/// written in the files (the `parameters` of `results.json` give the values a run used).
fn additionality_statement(sc: &ValidatedScenario) -> String {
    let v = |p: super::P| sc.defaults.get(p).normalize().to_string();
    let set: Vec<String> = sc
        .outcomes
        .iter()
        .filter(|o| {
            sc.defaults.get(o.attribution) != Decimal::ONE
                || !sc.defaults.get(o.displacement).is_zero()
                || !sc.defaults.get(o.leakage).is_zero()
        })
        .map(|o| {
            format!(
                "{}: attribution {}, displacement {}, leakage {}",
                o.id,
                v(o.attribution),
                v(o.displacement),
                v(o.leakage)
            )
        })
        .collect();
    let here = if set.is_empty() {
        "no outcome here sets them (all fully additional beyond deadweight)".to_string()
    } else {
        format!("as written: {}; others at the defaults", set.join("; "))
    };
    format!("beyond deadweight, additionality = (1 - displacement) x (1 - leakage) x attribution (HM Treasury additionality: net additional = gross x (1 - deadweight) x (1 - displacement) x (1 - leakage) x attribution); defaults attribution 1, displacement 0, leakage 0; it scales every benefit flow and the count of additional outcomes, not PbR results, which are paid on observed results; {here}")
}

/// The cash-prices convention: which lines are in cash, the conversion, and the inflation
/// assumed past the deflator file (as written in the files).
fn cash_prices_statement(sc: &ValidatedScenario, cp: &super::CashPrices) -> String {
    let lines: Vec<String> = sc
        .costs
        .iter()
        .filter(|c| c.cash)
        .map(|c| format!("cost.{}", c.id))
        .chain(
            sc.transfers
                .iter()
                .filter(|t| t.cash)
                .map(|t| format!("transfer.{} ({})", t.id, t.kind.label())),
        )
        .collect();
    let last = super::library::fy_label(cp.last_year);
    let past = match cp.inflation {
        Some(i) => format!(
            "past {last}, the index grows by the assumed inflation prices.inflation = {} a year{}",
            sc.defaults.get(i).normalize(),
            cp.inflation_source
                .as_ref()
                .map_or(String::new(), |s| format!(" ({s})"))
        ),
        None => format!("every modelled year is within the index (to {last})"),
    };
    format!(
        "{} given in cash (each year's own prices): amount in the price base = cash amount x index[{}] / index[year] from the GDP-deflator index; {past}; a PbR's tariff, attachment fees, claw-backs and cap are worked out in cash, as the contract states them, and each year's payment is then converted, so a tariff fixed in cash erodes in real terms; optimism bias on a cash cost applies before conversion",
        lines.join(", "),
        super::library::fy_label(sc.price_base)
    )
}

/// Which uplift each cost line takes (as written in the files) and why.
fn cost_uplifts(sc: &ValidatedScenario) -> String {
    use super::UpliftFrom;
    let lines: Vec<String> = sc
        .costs
        .iter()
        .map(|c| {
            let v = sc.defaults.values[c.optimism_bias];
            let pct = format!("{}%", (v * Decimal::ONE_HUNDRED).normalize());
            let why = match c.optimism_bias_from {
                UpliftFrom::Line => format!("its own optimism_bias ({})", sc.param_specs[c.optimism_bias].path),
                UpliftFrom::LineGrade(g) => format!("its confidence grade {g}, optimism_bias.cost_grade.{g} of the scenario's [optimism_bias.cost_grades]"),
                UpliftFrom::Scenario => "the scenario's [optimism_bias] costs".to_string(),
                UpliftFrom::ScenarioGrade(g) => format!("the scenario's costs_grade {g}, optimism_bias.cost_grade.{g} of its [optimism_bias.cost_grades]"),
                UpliftFrom::Unset => "no uplift given".to_string(),
            };
            let reason = match (&c.optimism_bias_reason, v.is_zero()) {
                (Some(r), true) => format!("; reason: {r}"),
                (None, true) => "; no reason stated".to_string(),
                _ => String::new(),
            };
            format!("cost.{} x (1 + {pct}): {why}{reason}", c.id)
        })
        .collect();
    lines.join("; ")
}

/// `check`'s warning: cost lines that carry no optimism-bias uplift (0 as written) and give
/// no reason for it, named with the scenario file.
pub fn no_uplift_warning(sc: &ValidatedScenario) -> Option<String> {
    let bare: Vec<String> = sc
        .costs
        .iter()
        .filter(|c| {
            sc.defaults.values[c.optimism_bias].is_zero() && c.optimism_bias_reason.is_none()
        })
        .map(|c| format!("cost.{}", c.id))
        .collect();
    (!bare.is_empty()).then(|| {
        format!(
            "{}: {} {} no optimism-bias uplift and no stated reason: give a confidence grade (`confidence_grade` with [optimism_bias.cost_grades], or [optimism_bias] costs_grade), an uplift (`optimism_bias`, or [optimism_bias] costs), or say why none applies (`optimism_bias_reason`, or [optimism_bias] costs_reason)",
            sc.file,
            bare.join(", "),
            if bare.len() == 1 { "has" } else { "have" }
        )
    })
}

fn pennies(d: Decimal) -> String {
    money::plain(money::to_pennies(d))
}

fn ratio(d: Option<Decimal>) -> String {
    d.map(|x| round_half_up(x, 4).to_string())
        .unwrap_or_else(|| "none".to_string())
}

fn pct(d: Option<Decimal>) -> String {
    d.map(|x| format!("{}%", round_half_up(x * Decimal::ONE_HUNDRED, 1)))
        .unwrap_or_else(|| "-".to_string())
}

pub fn payback_text(p: Option<Payback>) -> String {
    match p {
        Some(Payback::Within(y)) if y.is_zero() => "never in deficit".to_string(),
        Some(Payback::Within(y)) => crate::format::years(y),
        Some(Payback::NotWithinHorizon) => "not within horizon".to_string(),
        Some(Payback::NoFlows) | None => "n/a".to_string(),
    }
}

/// The payback and, when the party fell back into deficit after a surplus, the year(s) it did
/// (years from 0, like the payback).
pub fn payback_summary(s: &Summary) -> String {
    let p = payback_text(s.payback);
    if s.deficit_again.is_empty() {
        return p;
    }
    let years: Vec<String> = s.deficit_again.iter().map(|t| t.to_string()).collect();
    format!("{p}; in deficit again in year {}", years.join(", "))
}

fn money_or_dash(d: Option<Decimal>) -> String {
    d.map(format_gbp0).unwrap_or_else(|| "-".to_string())
}

fn right(s: String) -> Cell {
    Cell::new(s).set_alignment(CellAlignment::Right)
}

/// The who-pays-who-gains table: one row per party with any flow, then the system.
pub fn who_pays_table(r: &Results) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(vec![
        "who pays / who gains",
        "PV costs",
        "PV cashable savings",
        "PV non-cashable avoidance",
        "PV transfers",
        "NPV",
        "NPV cashable",
        "FROI",
        "payback",
    ]);
    for p in active(r) {
        let s = &p.summary;
        t.add_row(vec![
            Cell::new(party_label(p)),
            right(format_gbp0(s.pv_costs)),
            right(format_gbp0(s.pv_cashable)),
            right(format_gbp0(s.pv_non_cashable)),
            right(format_gbp0(s.pv_transfers)),
            right(format_gbp0(s.npv)),
            right(format_gbp0(s.npv_cashable)),
            right(ratio(s.froi)),
            right(payback_summary(s)),
        ]);
    }
    let s = &r.system;
    t.add_row(vec![
        Cell::new("system"),
        right(format_gbp0(s.pv_costs)),
        right(format_gbp0(s.pv_cashable)),
        right(format_gbp0(s.pv_non_cashable)),
        right(format_gbp0(s.pv_transfers)),
        right(format_gbp0(s.npv)),
        right(format_gbp0(s.npv_cashable)),
        right(ratio(s.froi)),
        right(payback_summary(s)),
    ]);
    t
}

/// Asymmetry and fair shares: each party's cost and benefit shares, and the transfers that
/// would give it the system FROI on each basis, beside the scenario's own net transfers.
pub fn fair_share_table(r: &Results) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(vec![
        "asymmetry",
        "cost share",
        "benefit share",
        "cashable share",
        "fair-share transfer (all fiscal)",
        "fair-share transfer (cashable)",
        "paid out under the scenario (PV)",
    ]);
    for p in active(r) {
        t.add_row(vec![
            Cell::new(party_label(p)),
            right(pct(p.cost_share)),
            right(pct(p.benefit_share)),
            right(pct(p.cashable_share)),
            right(money_or_dash(p.fair_share)),
            right(money_or_dash(p.fair_share_cashable)),
            right(format_gbp0(-p.summary.pv_transfers)),
        ]);
    }
    t.add_row(vec![
        Cell::new("wrong-pocket index W"),
        Cell::new(""),
        right(ratio(r.wrong_pocket)),
        right(ratio(r.wrong_pocket_cashable)),
        Cell::new(""),
        Cell::new(""),
        Cell::new(""),
    ]);
    t
}

fn active(r: &Results) -> impl Iterator<Item = &super::engine::PartyResult> {
    r.parties
        .iter()
        .filter(|p| !matches!(p.summary.payback, Some(Payback::NoFlows)))
}

fn party_label(p: &super::engine::PartyResult) -> String {
    let mut name = p.id.clone();
    if p.external {
        name.push_str(" (external)");
    }
    if p.not_locally_cashable && !p.summary.pv_benefits.is_zero() {
        name.push_str("\n* not locally cashable");
    }
    name
}

/// Headline lines printed under the table.
pub fn headline(sc: &ValidatedScenario, r: &Results) -> String {
    let s = &r.system;
    let mut out = String::new();
    out.push_str(&format!(
        "{} ({}): {} prices, {} years from {}, discounting {}\n",
        sc.name,
        sc.id,
        super::library::fy_label(sc.price_base),
        sc.horizon,
        sc.year_label(0),
        match &sc.discount {
            super::DiscountSchedule::GreenBook => "Green Book".to_string(),
            super::DiscountSchedule::Flat(r) => format!("flat {r}"),
        }
    ));
    out.push_str(&format!(
        "system NPV {} (cashable {}), FROI {} (cashable {}), payback {}\n",
        format_gbp0(s.npv),
        format_gbp0(s.npv_cashable),
        ratio(s.froi),
        ratio(s.froi_cashable),
        payback_summary(s)
    ));
    for (id, dips) in r
        .parties
        .iter()
        .map(|p| (p.id.as_str(), &p.summary.deficit_again))
        .chain(std::iter::once(("system", &s.deficit_again)))
        .filter(|(_, d)| !d.is_empty())
    {
        let years: Vec<String> = dips.iter().map(|t| sc.year_label(*t)).collect();
        out.push_str(&format!(
            "{id}: in surplus, then in deficit again in {}\n",
            years.join(", ")
        ));
    }
    out.push_str(&format!(
        "wrong-pocket index W = {} on all fiscal benefits, {} on cashable; locally cashable PV {} of {} cashable\n",
        ratio(r.wrong_pocket),
        ratio(r.wrong_pocket_cashable),
        format_gbp0(r.pv_locally_cashable),
        format_gbp0(s.pv_cashable)
    ));
    out.push_str("fair-share transfer = sum C x b_a - C_a (positive: should pay in), shown beside what each party pays out under the scenario's own transfers; W = 1/2 sum |b_a - c_a|\n");
    out.push_str("payback: years from the start of year 0, interpolated within the year; money PV in the price base, rounded half away from zero at presentation only; * central budget: savings real but not locally cashable");
    out
}

/// `conventions.csv`: every convention the figures follow, one per row, beside the CSVs.
pub fn conventions_csv(sc: &ValidatedScenario) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(["convention", "statement"]);
    for (k, v) in conventions(sc) {
        let _ = w.write_record([k, v]);
    }
    w.into_inner().unwrap_or_default()
}

/// `summary.csv`: one row per party and one for the system.
pub fn summary_csv(sc: &ValidatedScenario, r: &Results) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "scenario",
        "party",
        "external",
        "budget_control",
        "not_locally_cashable",
        "pv_costs",
        "pv_cashable",
        "pv_non_cashable",
        "pv_benefits",
        "pv_transfers",
        "npv",
        "npv_cashable",
        "froi",
        "froi_cashable",
        "payback_years",
        "cost_share",
        "benefit_share",
        "cashable_share",
        "fair_share_transfer_all",
        "fair_share_transfer_cashable",
    ]);
    let row = |party: &str,
               ext: &str,
               bc: &str,
               nlc: &str,
               s: &Summary,
               cs: Option<Decimal>,
               bs: Option<Decimal>,
               ccs: Option<Decimal>,
               f: Option<Decimal>,
               fc: Option<Decimal>|
     -> Vec<String> {
        let opt = |d: Option<Decimal>| d.map(pennies).unwrap_or_default();
        let r4 = |d: Option<Decimal>| {
            d.map(|x| round_half_up(x, 6).to_string())
                .unwrap_or_default()
        };
        vec![
            sc.id.clone(),
            party.to_string(),
            ext.to_string(),
            bc.to_string(),
            nlc.to_string(),
            pennies(s.pv_costs),
            pennies(s.pv_cashable),
            pennies(s.pv_non_cashable),
            pennies(s.pv_benefits),
            pennies(s.pv_transfers),
            pennies(s.npv),
            pennies(s.npv_cashable),
            r4(s.froi),
            r4(s.froi_cashable),
            match s.payback {
                Some(Payback::Within(y)) => round_half_up(y, 2).to_string(),
                Some(Payback::NotWithinHorizon) => "not within horizon".into(),
                _ => String::new(),
            },
            r4(cs),
            r4(bs),
            r4(ccs),
            opt(f),
            opt(fc),
        ]
    };
    for p in &r.parties {
        let _ = w.write_record(row(
            &p.id,
            &p.external.to_string(),
            p.budget_control,
            &p.not_locally_cashable.to_string(),
            &p.summary,
            p.cost_share,
            p.benefit_share,
            p.cashable_share,
            p.fair_share,
            p.fair_share_cashable,
        ));
    }
    let _ = w.write_record(row(
        "system",
        "",
        "",
        "",
        &r.system,
        Some(Decimal::ONE),
        Some(Decimal::ONE),
        Some(Decimal::ONE),
        None,
        None,
    ));
    w.into_inner().unwrap_or_default()
}

/// `yearly.csv`: party × year, undiscounted flows, discount factor, PV and cumulative PV net.
pub fn yearly_csv(sc: &ValidatedScenario, r: &Results) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "scenario",
        "party",
        "year",
        "financial_year",
        "costs_revenue",
        "costs_capital",
        "costs_in_kind",
        "costs",
        "cashable_savings",
        "non_cashable_avoidance",
        "transfers",
        "net",
        "discount_factor",
        "pv_net",
        "cumulative_pv_net",
    ]);
    let mut emit = |party: &str, rows: &[super::engine::YearRow]| {
        for (t, y) in rows.iter().enumerate() {
            let _ = w.write_record([
                sc.id.clone(),
                party.to_string(),
                t.to_string(),
                sc.year_label(t),
                pennies(y.costs_by_kind[0]),
                pennies(y.costs_by_kind[1]),
                pennies(y.costs_by_kind[2]),
                pennies(y.costs),
                pennies(y.cashable),
                pennies(y.non_cashable),
                pennies(y.transfers),
                pennies(y.net),
                round_half_up(y.discount_factor, 10).to_string(),
                pennies(y.pv_net),
                pennies(y.cumulative_pv_net),
            ]);
        }
    };
    for p in &r.parties {
        if !matches!(p.summary.payback, Some(Payback::NoFlows)) {
            emit(&p.id, &p.yearly);
        }
    }
    emit("system", &r.system_yearly);
    w.into_inner().unwrap_or_default()
}

fn summary_json(s: &Summary) -> Value {
    json!({
        "pv_costs": pennies(s.pv_costs),
        "pv_cashable": pennies(s.pv_cashable),
        "pv_non_cashable": pennies(s.pv_non_cashable),
        "pv_benefits": pennies(s.pv_benefits),
        "pv_transfers": pennies(s.pv_transfers),
        "npv": pennies(s.npv),
        "npv_cashable": pennies(s.npv_cashable),
        "froi": s.froi.map(|x| round_half_up(x, 6).to_string()),
        "froi_cashable": s.froi_cashable.map(|x| round_half_up(x, 6).to_string()),
        "payback": payback_text(s.payback),
        "deficit_again": s.deficit_again,
    })
}

/// `results.json`: the scenario, its conventions, assumptions (parameters and unit costs with
/// sources), and results.
pub fn results_json(sc: &ValidatedScenario, params: &super::Params, r: &Results) -> Vec<u8> {
    let parties: Vec<Value> = r
        .parties
        .iter()
        .map(|p| {
            json!({
                "id": p.id,
                "name": p.name,
                "external": p.external,
                "budget_control": p.budget_control,
                "not_locally_cashable": p.not_locally_cashable,
                "summary": summary_json(&p.summary),
                "cost_share": p.cost_share.map(|x| round_half_up(x, 6).to_string()),
                "benefit_share": p.benefit_share.map(|x| round_half_up(x, 6).to_string()),
                "cashable_share": p.cashable_share.map(|x| round_half_up(x, 6).to_string()),
                "fair_share_transfer_all": p.fair_share.map(pennies),
                "fair_share_transfer_cashable": p.fair_share_cashable.map(pennies),
                "yearly": p.yearly.iter().enumerate().map(|(t, y)| json!({
                    "year": t,
                    "financial_year": sc.year_label(t),
                    "costs": pennies(y.costs),
                    "cashable": pennies(y.cashable),
                    "non_cashable": pennies(y.non_cashable),
                    "transfers": pennies(y.transfers),
                    "net": pennies(y.net),
                    "cumulative_pv_net": pennies(y.cumulative_pv_net),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let conv: serde_json::Map<String, Value> = conventions(sc)
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    let v = json!({
        "scenario": {
            "id": sc.id, "name": sc.name, "file": sc.file, "place": sc.place_id,
            "cohort": sc.cohort, "transition": sc.transition, "case_study": sc.case_study,
            "start_year": sc.year_label(0), "horizon": sc.horizon,
            "price_base": super::library::fy_label(sc.price_base),
        },
        "conventions": conv,
        "parameters": sc.param_specs.iter().zip(&params.values).map(|(s, v)| json!({"path": s.path, "value": v.normalize().to_string(), "bound": s.bound})).collect::<Vec<_>>(),
        "unit_costs": sc.unit_costs.iter().map(|u| json!({
            "id": u.id, "code": u.code, "name": u.name, "value": u.value.to_string(), "unit": u.unit,
            "price_year": super::library::fy_label(u.price_year), "role": u.role,
            "default_cashability": u.cashability.to_string(), "verified": u.verified, "source": u.source,
            "composite_of": u.composite_of,
            "local": u.local.as_ref().map(|l| json!({
                "agency": l.agency, "cohort": l.cohort, "transition": l.transition,
                "mapped_spend": pennies(l.mapped_spend), "denominator": l.denominator.normalize().to_string(),
                "denominator_source": l.denominator_source,
                "rules": l.rules.iter().map(|(r, v)| json!({"rule": r, "amount": pennies(*v)})).collect::<Vec<_>>(),
                "mapping_file": l.mapping_file, "budget_files": l.sources,
                "national": l.national.as_ref().map(|(id, v)| json!({"id": id, "value_in_price_base": round_half_up(*v, 6).to_string()})),
            })),
        })).collect::<Vec<_>>(),
        "baseline": super::baseline::json(sc, r),
        "warnings": all_warnings(sc, r),
        "system": summary_json(&r.system),
        "wrong_pocket_index": r.wrong_pocket.map(|x| round_half_up(x, 6).to_string()),
        "wrong_pocket_index_cashable": r.wrong_pocket_cashable.map(|x| round_half_up(x, 6).to_string()),
        "pv_locally_cashable": pennies(r.pv_locally_cashable),
        "cost_per_outcome": cost_per_outcome_json(r),
        "economic_case": r.economic.as_ref().map(|e| economic_json(sc, e)),
        "parties": parties,
    });
    let mut s = serde_json::to_vec_pretty(&v).unwrap_or_default();
    s.push(b'\n');
    s
}

/// The economic case's convention (conventions.csv, results.json).
pub const ECONOMIC_CASE_CONVENTION: &str = "the economic case (GMCA / HM Treasury local-partnership CBA) counts, for the public sector as a whole, every cost and every fiscal benefit (cashable or not, whoever bears it) plus each outcome's [[outcome.value]]: units per achieving person per year x a unit cost of economic or social value, re-based, with the outcome's deadweight, additionality, drop-off, ramp-up and optimism bias like its flows; a combined value that includes fiscal value replaces the flows it names (their fiscal benefit is counted once, inside it); public value = fiscal + economic and social value; economic NPV = PV public value - PV costs; benefit-cost ratio (BCR) = PV public value / PV costs; transfers cancel out; none of this enters who pays and who gains (the financial case)";

fn economic_json(sc: &ValidatedScenario, e: &super::engine::EconomicCase) -> Value {
    json!({
        "pv_costs": pennies(e.pv_costs),
        "pv_fiscal": pennies(e.pv_fiscal),
        "pv_fiscal_replaced": pennies(e.pv_fiscal_replaced),
        "pv_values": e.pv_values.iter().map(|(t, x)| json!({"value_type": t, "pv": pennies(*x)})).collect::<Vec<_>>(),
        "pv_public_value": pennies(e.pv_public_value),
        "npv": pennies(e.npv),
        "bcr": e.bcr.map(|x| round_half_up(x, 6).to_string()),
        "yearly": e.yearly.iter().enumerate().map(|(t, y)| json!({
            "year": t,
            "financial_year": sc.year_label(t),
            "costs": pennies(y.costs),
            "fiscal": pennies(y.fiscal),
            "values": e.pv_values.iter().zip(&y.values).map(|((k, _), x)| json!({"value_type": k, "value": pennies(*x)})).collect::<Vec<_>>(),
            "public_value": pennies(y.public_value),
            "net": pennies(y.net),
        })).collect::<Vec<_>>(),
    })
}

/// The economic case beside the financial one: the system's fiscal figures, then public value.
pub fn economic_case_table(r: &Results) -> Option<Table> {
    let e = r.economic.as_ref()?;
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(vec!["economic case (public sector as a whole)", "PV"]);
    t.add_row(vec![Cell::new("costs"), right(format_gbp0(e.pv_costs))]);
    t.add_row(vec![
        Cell::new("fiscal benefits (cashable and not)"),
        right(format_gbp0(e.pv_fiscal)),
    ]);
    if !e.pv_fiscal_replaced.is_zero() {
        t.add_row(vec![
            Cell::new("  (fiscal benefits counted inside combined values)"),
            right(format_gbp0(e.pv_fiscal_replaced)),
        ]);
    }
    for (k, x) in &e.pv_values {
        t.add_row(vec![
            Cell::new(format!("{k} value")),
            right(format_gbp0(*x)),
        ]);
    }
    t.add_row(vec![
        Cell::new("public value"),
        right(format_gbp0(e.pv_public_value)),
    ]);
    t.add_row(vec![Cell::new("economic NPV"), right(format_gbp0(e.npv))]);
    t.add_row(vec![Cell::new("benefit-cost ratio"), right(ratio(e.bcr))]);
    t.add_row(vec![
        Cell::new("financial case: system NPV, FROI"),
        right(format!(
            "{}, {}",
            format_gbp0(r.system.npv),
            ratio(r.system.froi)
        )),
    ]);
    Some(t)
}

/// `economic_case.csv`: one row a year and a PV row, a column per value type.
pub fn economic_case_csv(sc: &ValidatedScenario, e: &super::engine::EconomicCase) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut head = vec![
        "scenario".to_string(),
        "year".to_string(),
        "financial_year".to_string(),
        "costs".to_string(),
        "fiscal".to_string(),
    ];
    head.extend(e.pv_values.iter().map(|(k, _)| k.clone()));
    head.extend(["public_value".to_string(), "net".to_string()]);
    let _ = w.write_record(&head);
    for (t, y) in e.yearly.iter().enumerate() {
        let mut row = vec![
            sc.id.clone(),
            t.to_string(),
            sc.year_label(t),
            pennies(y.costs),
            pennies(y.fiscal),
        ];
        row.extend(y.values.iter().map(|x| pennies(*x)));
        row.extend([pennies(y.public_value), pennies(y.net)]);
        let _ = w.write_record(&row);
    }
    let mut row = vec![
        sc.id.clone(),
        "pv".to_string(),
        String::new(),
        pennies(e.pv_costs),
        pennies(e.pv_fiscal),
    ];
    row.extend(e.pv_values.iter().map(|(_, x)| pennies(*x)));
    row.extend([pennies(e.pv_public_value), pennies(e.npv)]);
    let _ = w.write_record(&row);
    w.into_inner().unwrap_or_default()
}

/// Counts of people to 6 decimal places (they are fractions of people), same rounding rule.
fn count(d: Decimal) -> String {
    round_half_up(d, 6).normalize().to_string()
}

fn cost_per_outcome_json(r: &Results) -> Value {
    json!({
        "pv_costs": pennies(r.system.pv_costs),
        "additional_outcomes": count(r.additional_outcomes),
        "cost_per_outcome": r.cost_per_outcome.map(pennies),
        "outcomes": r.outcomes.iter().map(|o| json!({
            "id": o.id,
            "name": o.name,
            "additional_outcomes": count(o.additional_outcomes),
            "cost_per_outcome": o.cost_per_outcome.map(pennies),
        })).collect::<Vec<_>>(),
    })
}

/// Printed under [`cost_per_outcome_table`].
pub const COST_PER_OUTCOME_NOTE: &str = "additional outcomes = people achieving the outcome after deadweight, additionality and optimism bias, each counted once (intakes whose first benefit falls within the horizon), not discounted; every outcome is set against the whole scenario's PV costs (costs are not split between outcomes), so read \"all outcomes\" only when the outcomes are of one kind";

/// Cost per outcome: each outcome's additional outcomes and the scenario's PV costs over them,
/// then all outcomes together.
pub fn cost_per_outcome_table(r: &Results) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(vec![
        "cost per outcome",
        "additional outcomes",
        "PV costs (whole scenario)",
        "PV cost per outcome",
    ]);
    let per = |d: Option<Decimal>| d.map(format_gbp0).unwrap_or_else(|| "none".to_string());
    for o in &r.outcomes {
        t.add_row(vec![
            Cell::new(&o.id),
            right(round_half_up(o.additional_outcomes, 1).to_string()),
            right(format_gbp0(r.system.pv_costs)),
            right(per(o.cost_per_outcome)),
        ]);
    }
    t.add_row(vec![
        Cell::new("all outcomes"),
        right(round_half_up(r.additional_outcomes, 1).to_string()),
        right(format_gbp0(r.system.pv_costs)),
        right(per(r.cost_per_outcome)),
    ]);
    t
}

/// `cost_per_outcome.csv`: one row per outcome and one for all outcomes.
pub fn cost_per_outcome_csv(sc: &ValidatedScenario, r: &Results) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "scenario",
        "outcome",
        "name",
        "additional_outcomes",
        "pv_costs",
        "cost_per_outcome",
    ]);
    for o in &r.outcomes {
        let _ = w.write_record([
            sc.id.clone(),
            o.id.clone(),
            o.name.clone(),
            count(o.additional_outcomes),
            pennies(r.system.pv_costs),
            o.cost_per_outcome.map(pennies).unwrap_or_default(),
        ]);
    }
    let _ = w.write_record([
        sc.id.clone(),
        "all".to_string(),
        "all outcomes".to_string(),
        count(r.additional_outcomes),
        pennies(r.system.pv_costs),
        r.cost_per_outcome.map(pennies).unwrap_or_default(),
    ]);
    w.into_inner().unwrap_or_default()
}

/// Every warning of a scenario run: double counting (from validation) and avoided costs over
/// the mapped baseline (from the results).
/// The tables every run of a scenario writes into its output folder, by file name, in the
/// order they are written: `run` and `report` both write exactly these (plus their own
/// extras), so a new table is added here once.
pub fn scenario_files(
    sc: &ValidatedScenario,
    params: &super::Params,
    r: &Results,
) -> Vec<(&'static str, Vec<u8>)> {
    let mut files = vec![
        ("summary.csv", summary_csv(sc, r)),
        ("yearly.csv", yearly_csv(sc, r)),
        ("results.json", results_json(sc, params, r)),
        ("conventions.csv", conventions_csv(sc)),
        ("cost_per_outcome.csv", cost_per_outcome_csv(sc, r)),
    ];
    if let Some(b) = super::baseline::csv(sc, r) {
        files.push(("baseline.csv", b));
    }
    if let Some(e) = &r.economic {
        files.push(("economic_case.csv", economic_case_csv(sc, e)));
    }
    files
}

pub fn all_warnings(sc: &ValidatedScenario, r: &Results) -> Vec<String> {
    let mut w = sc.warnings.clone();
    w.extend(super::baseline::warnings(sc, r));
    w
}

/// Local unit costs beside their national counterparts (none when the scenario has none).
pub fn local_costs_table(sc: &ValidatedScenario) -> Option<Table> {
    let locals: Vec<_> = sc
        .unit_costs
        .iter()
        .filter_map(|u| u.local.as_ref().map(|l| (u, l)))
        .collect();
    if locals.is_empty() {
        return None;
    }
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header([
        "local unit cost",
        "from the spend map",
        "mapped spend",
        "÷",
        "local value",
        "national",
        "national value (price base)",
    ]);
    for (u, l) in locals {
        let at = l
            .transition
            .as_ref()
            .map(|t| format!(" at {t}"))
            .unwrap_or_default();
        t.add_row(vec![
            Cell::new(&u.id),
            Cell::new(format!("{} × {}{at}", l.agency, l.cohort)),
            right(money::format_gbp(l.mapped_spend)),
            right(l.denominator.normalize().to_string()),
            right(money::format_gbp(money::round_half_up(u.value, 2))),
            Cell::new(
                l.national
                    .as_ref()
                    .map(|n| n.0.clone())
                    .unwrap_or_else(|| "-".into()),
            ),
            right(
                l.national
                    .as_ref()
                    .map(|n| money::format_gbp(money::round_half_up(n.1, 2)))
                    .unwrap_or_else(|| "-".into()),
            ),
        ]);
    }
    Some(t)
}

/// Side-by-side rows: (measure, one cell per scenario). `formatted` gives `£1,234` and
/// rounded ratios for people; otherwise exact pennies and 6-place ratios for files.
pub fn compare_rows(
    runs: &[(&ValidatedScenario, &Results)],
    formatted: bool,
) -> Vec<(String, Vec<String>)> {
    let m = |d: Decimal| {
        if formatted {
            format_gbp0(d)
        } else {
            pennies(d)
        }
    };
    let q = |d: Option<Decimal>| match (d, formatted) {
        (Some(x), true) => round_half_up(x, 4).to_string(),
        (Some(x), false) => round_half_up(x, 6).to_string(),
        (None, _) => "none".to_string(),
    };
    let mut rows: Vec<(String, Vec<String>)> = Vec::new();
    let mut row = |label: &str, f: &dyn Fn(&ValidatedScenario, &Results) -> String| {
        rows.push((
            label.to_string(),
            runs.iter().map(|(s, r)| f(s, r)).collect(),
        ));
    };
    row("place", &|s, _| s.place_id.clone());
    row("system NPV", &|_, r| m(r.system.npv));
    row("system cashable NPV", &|_, r| m(r.system.npv_cashable));
    row("PV costs", &|_, r| m(r.system.pv_costs));
    row("PV fiscal benefits", &|_, r| m(r.system.pv_benefits));
    row("FROI", &|_, r| q(r.system.froi));
    row("cashable FROI", &|_, r| q(r.system.froi_cashable));
    row("payback", &|_, r| payback_text(r.system.payback));
    row("wrong-pocket W", &|_, r| q(r.wrong_pocket));
    row("wrong-pocket W (cashable)", &|_, r| {
        q(r.wrong_pocket_cashable)
    });
    let mut ids: Vec<String> = Vec::new();
    for (_, r) in runs {
        for p in &r.parties {
            if !matches!(p.summary.payback, Some(Payback::NoFlows)) && !ids.contains(&p.id) {
                ids.push(p.id.clone());
            }
        }
    }
    for id in ids {
        row(&format!("NPV {id}"), &|_, r| {
            r.parties
                .iter()
                .find(|p| p.id == id && !matches!(p.summary.payback, Some(Payback::NoFlows)))
                .map(|p| m(p.summary.npv))
                .unwrap_or_else(|| "-".into())
        });
    }
    rows
}

/// Side by side: NPV, FROI, payback, wrong-pocket index and each party's NPV.
pub fn compare_table(runs: &[(&ValidatedScenario, &Results)]) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    let mut header = vec!["".to_string()];
    header.extend(runs.iter().map(|(s, _)| s.id.clone()));
    t.set_header(header);
    for (label, cells) in compare_rows(runs, true) {
        let mut row = vec![Cell::new(label)];
        row.extend(cells.into_iter().map(right));
        t.add_row(row);
    }
    t
}
