//! Scenarios: what-if interventions at a transition point, priced through unit costs, and who
//! pays and who gains across the partners.
//!
//! A scenario file (`models/<place>/scenarios/*.toml`, see `docs/scenarios.md`) is parsed into
//! raw structs ([`raw`]), then validated once against its place, the unit-cost library and the
//! GDP-deflator index into a [`ValidatedScenario`]: structure (parties, flows, years, discount
//! factors) plus every numeric assumption as a [`Params`] vector addressable by path
//! (`outcome.neet.success`). The engine is one pure function, [`evaluate`], cheap enough to call
//! once per Monte Carlo draw; [`report`] turns its [`Results`] into tables, CSV and JSON.

pub mod baseline;
pub mod discount;
pub mod engine;
pub mod library;
pub mod local;
pub mod overrides;
pub mod params;
pub mod prices;
pub mod raw;
pub mod report;
pub mod switching;
mod validate;

use rust_decimal::Decimal;
use serde::Serialize;

pub use baseline::Baseline;
pub use engine::{evaluate, Payback, Results};
pub use library::{Deflators, UnitCost};
pub use local::Count;
pub use params::{Bound, ParamSpec, Params};
pub use prices::CashPrices;
pub use validate::{load, load_text, load_with_count, load_with_overrides, load_without_count};

use crate::model::BudgetControl;

/// Index into [`Params::values`].
pub type P = usize;

/// A party in the results: a place agency, or an external party (e.g. a central-government
/// payer of results) declared by the scenario so that transfers net to zero over everyone.
#[derive(Debug, Clone, Serialize)]
pub struct Party {
    pub id: String,
    pub name: String,
    pub budget_control: BudgetControl,
    /// Declared in the scenario's `[[external]]`, not an agency of the place.
    pub external: bool,
}

impl Party {
    /// Savings to a centrally controlled budget are real but cannot be cashed in the place.
    pub fn not_locally_cashable(&self) -> bool {
        self.budget_control == BudgetControl::Central
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CostKind {
    Revenue,
    Capital,
    InKind,
}

impl CostKind {
    pub const ALL: [CostKind; 3] = [CostKind::Revenue, CostKind::Capital, CostKind::InKind];
    pub fn as_str(self) -> &'static str {
        match self {
            CostKind::Revenue => "revenue",
            CostKind::Capital => "capital",
            CostKind::InKind => "in-kind",
        }
    }
    pub fn index(self) -> usize {
        self as usize
    }
}

/// A cost line: one agency, one kind, amounts by year.
#[derive(Debug, Clone)]
pub struct Cost {
    pub id: String,
    pub party: usize,
    pub kind: CostKind,
    pub from_year: usize,
    /// One parameter per year from `from_year`.
    pub amounts: Vec<P>,
    /// Amounts in each year's own (cash) prices, converted with [`ValidatedScenario::prices`];
    /// else in the price base.
    pub cash: bool,
    /// The optimism-bias uplift that applies (this line's own, or the scenario's).
    pub optimism_bias: P,
    /// Where that uplift comes from (the conventions say, line by line).
    pub optimism_bias_from: UpliftFrom,
    /// The stated reason for no uplift (the line's `optimism_bias_reason`, else the
    /// scenario's `[optimism_bias] costs_reason`).
    pub optimism_bias_reason: Option<String>,
    pub note: Option<String>,
}

/// Where a cost line's optimism-bias uplift comes from, in order of precedence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpliftFrom {
    /// The line's own `optimism_bias`.
    Line,
    /// The line's `confidence_grade`, through `[optimism_bias.cost_grades]`.
    LineGrade(u8),
    /// The scenario's `[optimism_bias] costs`.
    Scenario,
    /// The scenario's `[optimism_bias] costs_grade`, through `[optimism_bias.cost_grades]`.
    ScenarioGrade(u8),
    /// Nothing was given: no uplift (0).
    Unset,
}

/// A benefit flow: units per achieving person per year × unit cost, to one party.
#[derive(Debug, Clone)]
pub struct Flow {
    pub id: String,
    /// Index into [`ValidatedScenario::unit_costs`].
    pub unit_cost: usize,
    pub party: usize,
    pub quantity: P,
    pub cashability: P,
    /// Units of released capacity per whole cashable step.
    pub step: Option<P>,
    /// Cash released per whole step, £ a year in the price base (not re-based), instead of
    /// step × unit cost: cashable = min(whole steps × step value × cashability, benefit).
    pub step_value: Option<P>,
    /// `unit_cost.<id>.value`, in the unit cost's own price year.
    pub value: P,
    /// Deflator index of the price base and of the unit cost's price year: the value in the
    /// price base is value × `rebase.0` ÷ `rebase.1`.
    pub rebase: (Decimal, Decimal),
    /// Where the cashability's value came from (the live workbook follows the same default).
    pub cashability_from: CashabilityFrom,
    pub note: Option<String>,
}

/// An outcome's economic or social value (`[[outcome.value]]`): priced like a flow (units per
/// achieving person per year × a re-based unit cost), borne by no agency, counted only in the
/// economic case.
#[derive(Debug, Clone)]
pub struct WiderValue {
    pub id: String,
    /// Index into [`ValidatedScenario::unit_costs`].
    pub unit_cost: usize,
    /// The unit cost's value type (`economic`, `social`, `fiscal+economic+social`, ...).
    pub value_type: String,
    pub quantity: P,
    /// `unit_cost.<id>.value`, in the unit cost's own price year.
    pub value: P,
    /// As [`Flow::rebase`].
    pub rebase: (Decimal, Decimal),
    /// Flows of the same outcome (indices into its `flows`) whose fiscal value this value
    /// contains: the economic case counts this value in their place.
    pub replaces: Vec<usize>,
    pub note: Option<String>,
}

/// Where a flow's cashability comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CashabilityFrom {
    /// The flow's own `cashability`.
    Flow,
    /// The scenario's `agency_cashability` for the bearing party.
    Agency,
    /// The unit cost's default cashability.
    UnitCost,
}

#[derive(Debug, Clone)]
pub struct Outcome {
    pub id: String,
    pub name: String,
    /// People per intake (the first intake's when they are given per intake).
    pub participants: P,
    /// People in each intake year from `intake_start`, when given per intake (`participants =
    /// [120, 100, 100]`); empty when one figure serves every intake.
    pub participants_by_intake: Vec<P>,
    pub intakes: usize,
    pub intake_start: usize,
    pub engagement: P,
    pub success: P,
    pub deadweight: P,
    /// Additionality beyond deadweight: the share due to this intervention (default 1), and
    /// the shares displaced and leaked (default 0).
    pub attribution: P,
    pub displacement: P,
    pub leakage: P,
    pub lag: usize,
    pub drop_off: P,
    pub duration: Option<usize>,
    /// Ramp-up: share of the full effect in each year from an intake's first benefit year
    /// (empty: full effect at once; after the profile, full effect).
    pub ramp_up: Vec<P>,
    pub evidence_grade: u8,
    /// The optimism-bias reduction that applies (the outcome's own, or its grade's).
    pub optimism_bias: P,
    pub flows: Vec<Flow>,
    /// Economic and social value (the economic case only).
    pub values: Vec<WiderValue>,
    pub note: Option<String>,
    /// Intakes whose participants, engagement and success were observed (`totalplace track`
    /// sets these from actual counts; scenario files never do). Empty: every intake takes the
    /// outcome's own parameters.
    pub observed: Vec<ObservedIntake>,
}

/// One intake's observed figures, as parameters (so the engine runs on them unchanged).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObservedIntake {
    /// Intake year (0 = the scenario's start year).
    pub intake: usize,
    pub participants: P,
    pub engagement: P,
    pub success: P,
}

impl Outcome {
    /// The participants parameter of intake year `s` as the scenario gives it (observed
    /// intakes aside).
    pub fn participants_in(&self, s: usize) -> P {
        s.checked_sub(self.intake_start)
            .and_then(|i| self.participants_by_intake.get(i))
            .copied()
            .unwrap_or(self.participants)
    }

    /// (participants, engagement, success) parameters for intake year `s`.
    pub fn intake_params(&self, s: usize) -> (P, P, P) {
        self.observed
            .iter()
            .find(|x| x.intake == s)
            .map(|x| (x.participants, x.engagement, x.success))
            .unwrap_or((self.participants_in(s), self.engagement, self.success))
    }
}

#[derive(Debug, Clone)]
pub enum TransferKind {
    /// Fixed amounts by year (grants, pooled-budget contributions when `pooled`).
    Fixed {
        from_year: usize,
        amounts: Vec<P>,
        pooled: bool,
    },
    /// Payment by results: `amount` per engaged participant at most, `attachment_share` of it
    /// on engagement in the intake year, the rest per result `result_lag` years later.
    Pbr {
        outcome: usize,
        amount: P,
        /// The attachment share (the first intake's when given per intake).
        attachment_share: P,
        /// One attachment share per intake year of the outcome (empty: `attachment_share`).
        attachment_by_intake: Vec<P>,
        result_lag: usize,
        /// Results paid on additional outcomes only (× (1 − deadweight)); else every observed
        /// success.
        additional: bool,
        /// The most paid in all (fees + results − claw-backs), in the price base.
        cap: Option<P>,
        /// Results payments are repaid as their results lapse (drop-off).
        clawback: bool,
    },
    /// A payment per unit of a flow (e.g. tariff income lost per admission avoided).
    PerUnit {
        outcome: usize,
        flow: usize,
        amount: P,
    },
    /// A share of the payer's positive net gain each year (benefits on `cashable` or all basis,
    /// plus other transfers, less costs).
    GainShare { share: P, cashable_basis: bool },
}

/// The attachment share of intake year `s` of a PbR's outcome (`o.intake_start` first).
pub fn attachment_in(attach: P, by_intake: &[P], intake_start: usize, s: usize) -> P {
    s.checked_sub(intake_start)
        .and_then(|i| by_intake.get(i))
        .copied()
        .unwrap_or(attach)
}

impl TransferKind {
    pub fn label(&self) -> &'static str {
        match self {
            TransferKind::Fixed { pooled: true, .. } => "pooled",
            TransferKind::Fixed { .. } => "fixed",
            TransferKind::Pbr { .. } => "pbr",
            TransferKind::PerUnit { .. } => "per-unit",
            TransferKind::GainShare { .. } => "gain-share",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Transfer {
    pub id: String,
    pub from: usize,
    pub to: usize,
    pub kind: TransferKind,
    /// Payments worked out in cash (a PbR's tariff and cap, a per-unit payment, fixed amounts)
    /// and converted to the price base year by year with [`ValidatedScenario::prices`].
    pub cash: bool,
    /// A PbR transfer whose `result_lag` was not given and follows its outcome's lag.
    pub result_lag_follows_outcome: bool,
    pub note: Option<String>,
}

/// How future years are discounted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum DiscountSchedule {
    /// HM Treasury Green Book: 3.5% to year 30, then 3.0%, 2.5%, 2.0%, 1.5%, 1.0%.
    GreenBook,
    /// One rate for every year.
    Flat(Decimal),
}

/// A scenario checked against its place and libraries: what [`evaluate`] runs on.
#[derive(Debug, Clone)]
pub struct ValidatedScenario {
    /// The scenario file as shown in messages.
    pub file: String,
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub case_study: Option<String>,
    pub notes: Option<String>,
    pub place_id: String,
    pub place_name: String,
    pub place_synthetic: bool,
    pub cohort: Option<String>,
    pub transition: Option<String>,
    /// Financial year of year 0 (start year: 2025 = 2025-26).
    pub start_year: i32,
    pub horizon: usize,
    pub price_base: i32,
    pub discount: DiscountSchedule,
    /// D_t for t in 0..horizon.
    pub discount_factors: Vec<Decimal>,
    pub parties: Vec<Party>,
    pub costs: Vec<Cost>,
    pub outcomes: Vec<Outcome>,
    pub transfers: Vec<Transfer>,
    /// The unit costs the scenario uses.
    pub unit_costs: Vec<UnitCost>,
    /// The deflator file used ("" when none was needed or found).
    pub deflator_file: String,
    pub param_specs: Vec<ParamSpec>,
    /// `agency_cashability`: (party index, value), the default cashability of that party's flows.
    pub agency_cashability: Vec<(usize, Decimal)>,
    /// Deflator index of the price base ("" file: none needed).
    pub price_base_index: Option<Decimal>,
    /// The cash → price-base factors' terms, when any cost or transfer is in cash prices.
    pub prices: Option<CashPrices>,
    /// Default parameter values, as written in the files.
    pub defaults: Params,
    /// Each agency's mapped spend on the scenario's cohort today, when the place has a spend
    /// map and the scenario names a cohort or transition.
    pub baseline: Option<Baseline>,
    /// Problems that do not stop a run (double counting), each naming the file and keys.
    pub warnings: Vec<String>,
}

impl ValidatedScenario {
    /// The parameters as written in the files; change them with [`ValidatedScenario::set`].
    pub fn params(&self) -> Params {
        self.defaults.clone()
    }

    pub fn party_index(&self, id: &str) -> Option<usize> {
        self.parties.iter().position(|p| p.id == id)
    }

    /// The parameter at `path`, if there is one.
    pub fn param_index(&self, path: &str) -> Option<P> {
        self.param_specs.iter().position(|s| s.path == path)
    }

    /// Set parameter `path` to `value` in `params`, checking its range.
    pub fn set(&self, params: &mut Params, path: &str, value: Decimal) -> Result<(), String> {
        let i = self.param_index(path).ok_or_else(|| {
            format!("no parameter \"{path}\" (see `totalplace run --list-params`)")
        })?;
        self.param_specs[i].bound.check(value)?;
        params.values[i] = value;
        Ok(())
    }

    /// Label for year `t`: the financial year.
    pub fn year_label(&self, t: usize) -> String {
        library::fy_label(self.start_year + t as i32)
    }
}
