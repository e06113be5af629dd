//! Raw scenario files as written by users, before validation.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::model::raw::NumberRaw;
use crate::model::BudgetControl;

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    pub scenario: Header,
    #[serde(default)]
    pub discount: Option<DiscountRaw>,
    #[serde(default)]
    pub optimism_bias: Option<OptimismBiasRaw>,
    /// How amounts given in cash (nominal) terms are brought to the price base.
    #[serde(default)]
    pub prices: Option<PricesRaw>,
    /// Unit-cost role → place agency (or external party) id. Unlisted roles map to the agency
    /// with the same id.
    #[serde(default)]
    pub roles: BTreeMap<String, String>,
    /// Agency id → default cashability for every flow that agency bears (a flow's own
    /// `cashability` still wins).
    #[serde(default)]
    pub agency_cashability: BTreeMap<String, NumberRaw>,
    #[serde(default)]
    pub external: Vec<ExternalRaw>,
    #[serde(default)]
    pub unit_cost: Vec<UnitCostRaw>,
    /// Unit costs derived from the place's spend map (see `scenario::local`).
    #[serde(default)]
    pub local_cost: Vec<LocalCostRaw>,
    #[serde(default)]
    pub cost: Vec<CostRaw>,
    #[serde(default)]
    pub outcome: Vec<OutcomeRaw>,
    #[serde(default)]
    pub transfer: Vec<TransferRaw>,
    /// Distributions for `totalplace simulate`; read and checked by `crate::uncertainty::spec`
    /// (see docs/uncertainty.md), not used by the deterministic engine.
    #[serde(default)]
    pub uncertain: Vec<toml::Value>,
    /// Rank correlations between `[[uncertain]]` parameters (see `uncertain`).
    #[serde(default)]
    pub correlation: Vec<toml::Value>,
}

/// A year written as `2024` or `"2024-25"` (a financial year, named by the year it starts in).
#[derive(Debug, Deserialize, Clone)]
#[serde(untagged)]
pub enum YearRaw {
    Int(i64),
    Text(String),
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct Header {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// The place model directory, relative to this file. Default: the nearest directory above
    /// the scenario file that holds a `place.toml`.
    #[serde(default)]
    pub place: Option<String>,
    #[serde(default)]
    pub cohort: Option<String>,
    #[serde(default)]
    pub transition: Option<String>,
    /// Financial year of year 0 (label only).
    pub start_year: YearRaw,
    /// Number of years modelled, 0..horizon-1.
    pub horizon: i64,
    /// Price base; default: the place's.
    #[serde(default)]
    pub price_base: Option<YearRaw>,
    /// Unit-cost library, relative to this file. Default: `unit-costs.csv` in the place
    /// directory or the directory above it.
    #[serde(default)]
    pub unit_costs: Option<String>,
    /// GDP-deflator index, relative to this file. Default: `gdp-deflators.csv` found like
    /// `unit_costs`.
    #[serde(default)]
    pub deflators: Option<String>,
    #[serde(default)]
    pub case_study: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct DiscountRaw {
    /// `"green-book"` (default) or `"flat"` (needs `rate`).
    #[serde(default)]
    pub schedule: Option<String>,
    #[serde(default)]
    pub rate: Option<NumberRaw>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct OptimismBiasRaw {
    /// Uplift on costs (0.10 raises costs by 10%).
    #[serde(default)]
    pub costs: Option<NumberRaw>,
    /// Reduction of benefits by evidence grade `"1"`..`"6"`.
    #[serde(default)]
    pub grades: BTreeMap<String, NumberRaw>,
    /// Uplift on costs by confidence grade `"1"`..`"6"`: the scenario's own table (no
    /// defaults are shipped; docs/scenarios.md says where to take the figures from).
    #[serde(default)]
    pub cost_grades: BTreeMap<String, NumberRaw>,
    /// Confidence grade of every cost line without its own (instead of `costs`).
    #[serde(default)]
    pub costs_grade: Option<i64>,
    /// Why costs carry no uplift, when none is given (else `check` warns).
    #[serde(default)]
    pub costs_reason: Option<String>,
}

/// `[prices]`: the assumption that carries the GDP-deflator index past its last year, for
/// lines given in cash terms (`prices = "cash"`).
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct PricesRaw {
    /// GDP-deflator growth a year after the index file's last year (0.02 for 2%): no default,
    /// a cash line in a year past the file needs it.
    #[serde(default)]
    pub inflation: Option<NumberRaw>,
    /// Where the inflation figure comes from (shown in the conventions).
    #[serde(default)]
    pub inflation_source: Option<String>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct ExternalRaw {
    pub id: String,
    pub name: String,
    pub budget_control: BudgetControl,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct UnitCostRaw {
    pub id: String,
    pub name: String,
    pub value: NumberRaw,
    pub unit: String,
    pub price_year: YearRaw,
    pub role: String,
    pub cashability: NumberRaw,
    pub source: String,
    #[serde(default)]
    pub verified: Option<bool>,
    /// Ids of the unit costs this one is made of (the double-counting guard).
    #[serde(default)]
    pub composite_of: Vec<String>,
    /// `fiscal` (default), or which of `fiscal`, `economic`, `social` the value contains,
    /// joined by `+` in that order, as in the library.
    #[serde(default)]
    pub value_type: Option<String>,
}

/// A unit cost from the count: an agency's mapped spend on a cohort (or at a transition
/// point) ÷ the cohort's size or a declared activity count.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct LocalCostRaw {
    pub id: String,
    pub name: String,
    pub agency: String,
    /// The cohort whose mapped spend is divided (default: the transition's cohort).
    #[serde(default)]
    pub cohort: Option<String>,
    /// Only the spend mapped to this transition point.
    #[serde(default)]
    pub transition: Option<String>,
    /// `"cohort"`: divide by the cohort's size in place.toml (default when no `count`).
    #[serde(default)]
    pub per: Option<String>,
    /// Divide by this activity count instead (needs `count_source`).
    #[serde(default)]
    pub count: Option<NumberRaw>,
    #[serde(default)]
    pub count_source: Option<String>,
    pub unit: String,
    pub cashability: NumberRaw,
    /// A library unit cost to show beside the local one.
    #[serde(default)]
    pub national: Option<String>,
    /// Parts, as for library costs.
    #[serde(default)]
    pub composite_of: Vec<String>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct CostRaw {
    pub id: String,
    pub agency: String,
    /// `revenue`, `capital` or `in-kind`.
    pub kind: String,
    /// Year of the first amount (default 0).
    #[serde(default)]
    pub from_year: Option<i64>,
    pub amounts: Vec<NumberRaw>,
    /// `"real"` (default: amounts in the price base) or `"cash"` (nominal amounts in each
    /// year's own prices, converted to the price base with the GDP deflators).
    #[serde(default)]
    pub prices: Option<String>,
    /// Overrides `[optimism_bias] costs` for this line.
    #[serde(default)]
    pub optimism_bias: Option<NumberRaw>,
    /// Confidence grade 1 (strongest) .. 6 (weakest) of this line's estimate: its uplift is
    /// the grade's in `[optimism_bias.cost_grades]` (instead of `optimism_bias`).
    #[serde(default)]
    pub confidence_grade: Option<i64>,
    /// Why this line carries no uplift (else `check` warns).
    #[serde(default)]
    pub optimism_bias_reason: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// One figure for every intake (`participants = 100`) or one per intake year
/// (`participants = [120, 100, 100]`, a PbR's `attachment_share = [0.8, 0.6, 0.4]`).
#[derive(Debug, Deserialize, Clone)]
#[serde(untagged)]
pub enum OneOrPerIntake {
    One(NumberRaw),
    ByIntake(Vec<NumberRaw>),
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct OutcomeRaw {
    pub id: String,
    pub name: String,
    /// People per intake: one figure for every intake, or one per intake year
    /// (`[120, 100, 100]`, which also sets `intakes`).
    pub participants: OneOrPerIntake,
    /// Number of yearly intakes (default 1).
    #[serde(default)]
    pub intakes: Option<i64>,
    /// Year of the first intake (default 0).
    #[serde(default)]
    pub intake_start: Option<i64>,
    pub engagement: NumberRaw,
    pub success: NumberRaw,
    pub deadweight: NumberRaw,
    /// Share of the additional outcome due to this intervention rather than others working
    /// on the same people (default 1: all of it).
    #[serde(default)]
    pub attribution: Option<NumberRaw>,
    /// Share of the additional outcome cancelled by a loss elsewhere in the place (a job
    /// taken from someone else; default 0).
    #[serde(default)]
    pub displacement: Option<NumberRaw>,
    /// Share of the additional outcome benefiting people outside the place or cohort
    /// (default 0).
    #[serde(default)]
    pub leakage: Option<NumberRaw>,
    #[serde(default)]
    pub lag: Option<i64>,
    #[serde(default)]
    pub drop_off: Option<NumberRaw>,
    /// Years the outcome lasts from its first benefit year (default: to the horizon).
    #[serde(default)]
    pub duration: Option<i64>,
    /// Ramp-up: the share of the full effect reached in each year from an intake's first
    /// benefit year (`[0.25, 0.5]`: 25%, then 50%, then 100% from the third year on).
    #[serde(default)]
    pub ramp_up: Option<Vec<NumberRaw>>,
    /// 1 (strongest) .. 6 (weakest); sets the optimism bias on this outcome's benefits.
    pub evidence_grade: i64,
    /// Overrides the grade's optimism bias.
    #[serde(default)]
    pub optimism_bias: Option<NumberRaw>,
    #[serde(default)]
    pub flow: Vec<FlowRaw>,
    /// Economic and social value of the outcome (`[[outcome.value]]`): counted in the
    /// economic case only, never in who pays and who gains.
    #[serde(default)]
    pub value: Vec<ValueRaw>,
    #[serde(default)]
    pub note: Option<String>,
}

/// `[[outcome.value]]`: public value beyond what agencies spend, priced by a unit cost whose
/// value type is economic or social (or a combined value that includes fiscal).
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct ValueRaw {
    pub id: String,
    pub unit_cost: String,
    /// Units per achieving person per year.
    pub quantity: NumberRaw,
    /// Flows of the same outcome whose fiscal value this (combined) value already contains:
    /// the economic case counts this value instead of theirs. Required when the unit cost's
    /// value type includes `fiscal`; `[]` says no flow prices the same thing.
    #[serde(default)]
    pub replaces: Option<Vec<String>>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct FlowRaw {
    pub id: String,
    pub unit_cost: String,
    /// Units per achieving person per year.
    pub quantity: NumberRaw,
    /// Bearing agency; default: the unit cost's role mapped through `[roles]`.
    #[serde(default)]
    pub agency: Option<String>,
    #[serde(default)]
    pub cashability: Option<NumberRaw>,
    /// Stepped cashability: units of released capacity in one whole step (a ward's bed days a
    /// year, a team's caseload).
    #[serde(default)]
    pub step: Option<NumberRaw>,
    /// Cash released per whole step, pounds a year in the scenario's price base (a ward of 28
    /// beds closes: its running cost), instead of step × unit cost. Needs `step`.
    #[serde(default)]
    pub step_value: Option<NumberRaw>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct TransferRaw {
    pub id: String,
    /// `fixed`, `pooled`, `pbr`, `per-unit` or `gain-share`.
    pub kind: String,
    pub from: String,
    pub to: String,
    /// fixed/pooled: amounts by year from `from_year`.
    #[serde(default)]
    pub amounts: Option<Vec<NumberRaw>>,
    #[serde(default)]
    pub from_year: Option<i64>,
    /// pbr/per-unit: the outcome paid on.
    #[serde(default)]
    pub outcome: Option<String>,
    /// per-unit: the flow (within `outcome`) whose units are paid for.
    #[serde(default)]
    pub flow: Option<String>,
    /// pbr: maximum payment per engaged participant; per-unit: payment per unit.
    #[serde(default)]
    pub amount: Option<NumberRaw>,
    /// pbr: share of `amount` paid as an attachment fee on engagement; one figure, or one per
    /// intake year of the outcome (by the year a family joins).
    #[serde(default)]
    pub attachment_share: Option<OneOrPerIntake>,
    /// pbr: the most paid in all (attachment fees and results, less claw-backs, price base).
    #[serde(default)]
    pub cap: Option<NumberRaw>,
    /// pbr: a results payment is repaid for each result that lapses (drop-off) after it.
    #[serde(default)]
    pub clawback: Option<bool>,
    /// pbr: years after intake when results are paid (default: the outcome's lag).
    #[serde(default)]
    pub result_lag: Option<i64>,
    /// fixed/pooled/pbr/per-unit: `"real"` (default: amounts, caps and tariffs in the price
    /// base) or `"cash"` (in each year's own prices, e.g. a PbR tariff fixed in cash, which
    /// erodes in real terms; converted to the price base with the GDP deflators).
    #[serde(default)]
    pub prices: Option<String>,
    /// gain-share: share of the payer's net gain passed on.
    #[serde(default)]
    pub share: Option<NumberRaw>,
    /// gain-share: `cashable` (default) or `all` fiscal benefits; pbr: results paid on
    /// `observed` (default: every observed success) or `additional` outcomes (net of
    /// deadweight).
    #[serde(default)]
    pub basis: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// Exact conversion of a TOML number.
pub trait NumberRawExt {
    fn to_decimal(&self) -> Option<rust_decimal::Decimal>;
    fn show(&self) -> String;
}

impl NumberRawExt for NumberRaw {
    fn to_decimal(&self) -> Option<rust_decimal::Decimal> {
        match self {
            NumberRaw::Text(t) => crate::money::parse_amount(t).ok(),
            NumberRaw::Int(i) => Some(rust_decimal::Decimal::from(*i)),
            // TOML floats are read at 15 significant digits, so 0.035 is exactly 0.035.
            NumberRaw::Float(f) => crate::money::from_sheet_number(*f),
        }
    }
    fn show(&self) -> String {
        match self {
            NumberRaw::Text(t) => format!("\"{t}\""),
            NumberRaw::Int(i) => i.to_string(),
            NumberRaw::Float(f) => f.to_string(),
        }
    }
}
