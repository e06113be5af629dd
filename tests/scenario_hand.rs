//! Scenarios worked by hand, the working in the comments, asserted to the penny
//! (rounded half away from zero, as the outputs present them).

mod scenario_support;

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use scenario_support::{TestPlace, CASE1};
use totalplace::money::to_pennies;
use totalplace::scenario::{evaluate, load, Payback, Results};

fn party<'a>(r: &'a Results, id: &str) -> &'a totalplace::scenario::engine::PartyResult {
    r.parties.iter().find(|p| p.id == id).expect("party")
}

fn p(d: Decimal) -> Decimal {
    to_pennies(d)
}

fn payback(r: Option<Payback>) -> Decimal {
    match r {
        Some(Payback::Within(y)) => totalplace::money::round_half_up(y, 2),
        other => panic!("expected a payback, got {other:?}"),
    }
}

#[test]
fn case1_deadweight_lag_dropoff_optimism_bias_fair_share() {
    let place = TestPlace::new();
    let sc = load(&place.scenario("case1", CASE1)).unwrap();
    let r = evaluate(&sc, &sc.params());

    // Costs, uplifted 20% for optimism bias: year 0 12,000; year 1 6,000.
    // PV costs = 12,000 + 6,000 × 0.8 = 16,800.
    let council = party(&r, "council");
    assert_eq!(council.yearly[0].costs, dec!(12000));
    assert_eq!(council.yearly[1].costs, dec!(6000));
    assert_eq!(p(council.summary.pv_costs), dec!(16800.00));

    // achieving = 100 × 0.8 × 0.5 × (1 − 0.25) = 30 people, from year 0 + lag 1.
    // Persisting with drop-off 10%: year 1 30, year 2 27, year 3 24.3, year 4 21.87.
    // Grade 3 optimism bias 10%: × 0.9 → 27, 24.3, 21.87, 19.683.
    // JSA: 0.5 claimant-years each × £2,000 = £1,000 per person → 27,000; 24,300; 21,870;
    // 19,683, all cashable (cashability 1) to DWP, whose budget is central.
    let dwp = party(&r, "dwp");
    assert_eq!(dwp.yearly[1].cashable, dec!(27000));
    assert_eq!(dwp.yearly[4].cashable, dec!(19683));
    assert!(dwp.not_locally_cashable);
    // PV = 27,000×0.8 + 24,300×0.64 + 21,870×0.512 + 19,683×0.4096
    //    = 21,600 + 15,552 + 11,197.44 + 8,062.1568 = 56,411.5968 → £56,411.60
    assert_eq!(p(dwp.summary.pv_benefits), dec!(56411.60));
    // Council: 2 sessions × £200 = £400 per person → 10,800; 9,720; 8,748; 7,873.2.
    // PV = 8,640 + 6,220.8 + 4,478.976 + 3,224.86272 = 22,564.63872, half cashable.
    assert_eq!(p(council.summary.pv_benefits), dec!(22564.64));
    assert_eq!(p(council.summary.pv_cashable), dec!(11282.32));
    assert_eq!(p(council.summary.pv_non_cashable), dec!(11282.32));
    // NPV_council = 22,564.63872 − 16,800 = 5,764.63872
    assert_eq!(p(council.summary.npv), dec!(5764.64));

    // System: B = 78,976.23552, C = 16,800; NPV 62,176.23552; FROI 4.7009664.
    assert_eq!(p(r.system.npv), dec!(62176.24));
    assert_eq!(r.system.froi, Some(dec!(4.7009664)));
    // Cashable: 56,411.5968 + 11,282.31936 = 67,693.91616 − 16,800 = 50,893.91616.
    assert_eq!(p(r.system.npv_cashable), dec!(50893.92));
    // Locally cashable: only the council's 11,282.31936 (DWP is central).
    assert_eq!(p(r.pv_locally_cashable), dec!(11282.32));

    // Council payback: cumulative PV net −12,000; −12,000 + (10,800 − 6,000)×0.8 = −8,160;
    // −8,160 + 9,720×0.64 = −1,939.2; −1,939.2 + 8,748×0.512 = +2,539.776.
    // Crosses in year 3: 3 + 1,939.2 / 4,478.976 = 3.43296 → 3.43 years.
    assert_eq!(payback(council.summary.payback), dec!(3.43));
    // DWP bears no cost: never in deficit.
    assert_eq!(dwp.summary.payback, Some(Payback::Within(Decimal::ZERO)));

    // Asymmetry. DWP's benefit is 2.5× the council's each year, so b_dwp = 5/7,
    // b_council = 2/7; c_council = 1. W = ½(|5/7 − 0| + |2/7 − 1|) = 5/7 = 0.714286.
    assert_eq!(
        totalplace::money::round_half_up(r.wrong_pocket.unwrap(), 6),
        dec!(0.714286)
    );
    // Fair shares: ΣC × b_a − C_a: DWP 16,800 × 5/7 = 12,000; council 4,800 − 16,800 = −12,000.
    assert_eq!(p(dwp.fair_share.unwrap()), dec!(12000.00));
    assert_eq!(p(council.fair_share.unwrap()), dec!(-12000.00));
    // Cashable basis: DWP 56,411.5968 vs council 11,282.31936 = 5 : 1 → b = 5/6, 1/6;
    // fair shares 14,000 and 2,800 − 16,800 = −14,000; W_cashable = 5/6 = 0.833333.
    assert_eq!(p(dwp.fair_share_cashable.unwrap()), dec!(14000.00));
    assert_eq!(p(council.fair_share_cashable.unwrap()), dec!(-14000.00));
    assert_eq!(
        totalplace::money::round_half_up(r.wrong_pocket_cashable.unwrap(), 6),
        dec!(0.833333)
    );
}

/// Case 2: Green Book discounting across the year-30 schedule change, stepped cashability and
/// re-basing through the deflator index.
const CASE2: &str = r#"
[scenario]
id = "case2"
name = "Long-run bed-day release (hand-worked)"
start_year = 2025
horizon = 33

[[cost]]
id = "build"
agency = "acute-trust"
kind = "capital"
amounts = [1000000]

[[outcome]]
id = "fewer-bed-days"
name = "Bed days released"
participants = 1000
engagement = 1
success = 1
deadweight = 0
lag = 31
evidence_grade = 1

[[outcome.flow]]
id = "beds"
unit_cost = "bed-day"
quantity = 15
cashability = 1
step = 10000
"#;

#[test]
fn case2_green_book_year_30_change_stepped_cashability_deflators() {
    let place = TestPlace::new();
    let sc = load(&place.scenario("case2", CASE2)).unwrap();
    let r = evaluate(&sc, &sc.params());
    let acute = party(&r, "acute-trust");

    // Bed day £200 in 2019-20 prices → 200 × 100 / 80 = £250 in 2024-25 prices.
    // 1,000 people × 15 bed days = 15,000 bed days in each of years 31 and 32 (lag 31, grade 1:
    // no optimism bias) → £3,750,000 a year.
    // Stepped: whole wards of 10,000 bed days: floor(1.5) = 1 → 10,000 × £250 = £2,500,000
    // cashable; the other £1,250,000 is non-cashable.
    assert_eq!(acute.yearly[31].cashable, dec!(2500000));
    assert_eq!(acute.yearly[31].non_cashable, dec!(1250000));

    // D_30 = 1/1.035^30 = 1/2.80679370470263... = 0.356278410602301540...
    // Beyond year 30 the rate is 3.0%, compounding from D_30:
    // D_31 = D_30/1.03 = 0.345901369516797612...; D_32 = D_30/1.03² = 0.335826572346405448...
    // (1/1.035^31 would be 0.3442..., the classic mistake: PV 2,538,075.21 instead.)
    // PV benefits = 3,750,000 × (D_31 + D_32) = 2,556,479.78198701...
    // cashable 2,500,000 × (D_31 + D_32) = 1,704,319.85465800...
    // non-cashable 1,250,000 × (D_31 + D_32) = 852,159.92732900...
    assert_eq!(p(acute.summary.pv_benefits), dec!(2556479.78));
    assert_eq!(p(acute.summary.pv_cashable), dec!(1704319.85));
    assert_eq!(p(acute.summary.pv_non_cashable), dec!(852159.93));
    // NPV = 2,556,479.78198701 − 1,000,000 = 1,556,479.78; FROI 2.5565.
    assert_eq!(p(r.system.npv), dec!(1556479.78));
    assert_eq!(
        totalplace::money::round_half_up(r.system.froi.unwrap(), 4),
        dec!(2.5565)
    );
    // Cumulative PV net is −1,000,000 until year 31 (+1,297,130.136...), so it crosses in
    // year 31: 31 + 1,000,000 / 1,297,130.1356879... = 31.77 years.
    assert_eq!(payback(acute.summary.payback), dec!(31.77));
    // One agency pays and gains: no wrong pocket.
    assert_eq!(r.wrong_pocket, Some(Decimal::ZERO));
}

/// Case 3: payment by results from an external payer (attachment fee and results payment),
/// pooled-budget contributions, a gain-share, and fair shares, at a zero discount rate so the
/// transfers can be followed in cash.
const CASE3: &str = r#"
[scenario]
id = "case3"
name = "Families with multiple needs (hand-worked)"
start_year = 2025
horizon = 3

[discount]
rate = 0

[[external]]
id = "dclg"
name = "DCLG Troubled Families programme"
budget_control = "central"

[[unit_cost]]
id = "police-callout"
name = "Police call-out"
value = 500
unit = "call-out"
price_year = "2024-25"
role = "police"
cashability = "0.2"
source = "test"

[[cost]]
id = "key-workers"
agency = "council"
kind = "revenue"
amounts = [100000]

[[transfer]]
id = "police-pool"
kind = "pooled"
from = "police"
to = "council"
amounts = [20000]

[[transfer]]
id = "dwp-pool"
kind = "pooled"
from = "dwp"
to = "council"
amounts = [10000]

[[outcome]]
id = "family-turned-around"
name = "Family turned around"
participants = 10
engagement = "0.9"
success = "0.5"
deadweight = "0.2"
lag = 1
evidence_grade = 2

[[outcome.flow]]
id = "callouts"
unit_cost = "police-callout"
quantity = 10

[[outcome.flow]]
id = "benefits"
unit_cost = "jsa-year"
quantity = "0.5"

[[transfer]]
id = "pbr"
kind = "pbr"
from = "dclg"
to = "council"
outcome = "family-turned-around"
amount = 4000
attachment_share = "0.4"

[[transfer]]
id = "police-gain-share"
kind = "gain-share"
from = "police"
to = "council"
share = "0.5"
"#;

#[test]
fn case3_pbr_pooled_budget_gain_share_fair_share() {
    let place = TestPlace::new();
    let sc = load(&place.scenario("case3", CASE3)).unwrap();
    let r = evaluate(&sc, &sc.params());
    let council = party(&r, "council");
    let police = party(&r, "police");
    let dwp = party(&r, "dwp");
    let dclg = party(&r, "dclg");

    // engaged = 10 × 0.9 = 9 families; achieving = 9 × 0.5 × (1 − 0.2) = 3.6, in years 1 and 2.
    // Grade 2 optimism bias 5%: 3.6 × 0.95 = 3.42 families' worth of benefit a year.
    // Police: 10 call-outs × £500 × 3.42 = £17,100 a year, 20% cashable = £3,420.
    assert_eq!(police.yearly[1].cashable, dec!(3420));
    assert_eq!(police.yearly[1].non_cashable, dec!(13680));
    // DWP: 0.5 × £2,000 × 3.42 = £3,420 a year, all cashable.
    assert_eq!(dwp.yearly[2].cashable, dec!(3420));

    // PbR, £4,000 a family at most: attachment 40% × £4,000 × 9 engaged = £14,400 in year 0;
    // results 60% × £4,000 × (9 × 0.5 × 0.95 = 4.275 observed results, deadweight included)
    // = £10,260 in year 1 (results paid after the outcome's lag).
    assert_eq!(dclg.yearly[0].transfers, dec!(-14400));
    assert_eq!(dclg.yearly[1].transfers, dec!(-10260));
    // Gain-share: police pass on half their positive net gain each year. Year 0: −20,000
    // (pool contribution) → nothing; years 1 and 2: cashable 3,420 → £1,710 to the council.
    assert_eq!(police.yearly[1].transfers, dec!(-1710));
    assert_eq!(police.yearly[0].transfers, dec!(-20000));

    // Council: costs 100,000; transfers in 20,000 + 10,000 + 14,400 + 10,260 + 1,710 + 1,710
    // = 58,080 → NPV −41,920.
    assert_eq!(p(council.summary.pv_transfers), dec!(58080.00));
    assert_eq!(p(council.summary.npv), dec!(-41920.00));
    // Police: benefits 34,200 − transfers 23,420 = 10,780. DWP: 6,840 − 10,000 = −3,160.
    // DCLG: −24,660.
    assert_eq!(p(police.summary.npv), dec!(10780.00));
    assert_eq!(p(dwp.summary.npv), dec!(-3160.00));
    assert_eq!(p(dclg.summary.npv), dec!(-24660.00));
    // Transfers net to zero; system NPV = 41,040 − 100,000 = −58,960 = sum of the four.
    assert_eq!(r.system.pv_transfers, Decimal::ZERO);
    assert_eq!(p(r.system.npv), dec!(-58960.00));
    // Police payback: −20,000; then +15,390 a year (17,100 − 1,710) → −4,610; +10,780.
    // 2 + 4,610/15,390 = 2.2995 → 2.30 years.
    assert_eq!(payback(police.summary.payback), dec!(2.30));
    // The council never pays back within the horizon.
    assert_eq!(council.summary.payback, Some(Payback::NotWithinHorizon));

    // Asymmetry: the council bears all cost (c = 1), police gets 34,200/41,040 = 5/6 of the
    // benefit, DWP 1/6: W = ½(1 + 5/6 + 1/6) = 1.
    assert_eq!(r.wrong_pocket, Some(Decimal::ONE));
    // Fair shares (all fiscal benefits): police 100,000 × 5/6 = 83,333.33; DWP 16,666.67;
    // council −100,000. On cashable only: police 6,840 and DWP 6,840 → 50,000 each.
    assert_eq!(p(police.fair_share.unwrap()), dec!(83333.33));
    assert_eq!(p(dwp.fair_share.unwrap()), dec!(16666.67));
    assert_eq!(p(council.fair_share.unwrap()), dec!(-100000.00));
    assert_eq!(p(police.fair_share_cashable.unwrap()), dec!(50000.00));
    assert_eq!(p(dwp.fair_share_cashable.unwrap()), dec!(50000.00));
    // Police and DWP are central: none of the cashable savings can be cashed locally.
    assert!(police.not_locally_cashable);
    assert_eq!(r.pv_locally_cashable, Decimal::ZERO);
    // The external payer carries no cost or benefit: no share, no fair-share transfer due.
    assert_eq!(dclg.cost_share, Some(Decimal::ZERO));
    assert_eq!(dclg.fair_share, Some(Decimal::ZERO));
}

/// Case 4 (North West London shape): yearly intakes with a limited duration, a stepped flow,
/// the acute trust's tariff loss as a per-unit transfer, and gain-shares on the "all" basis,
/// at a zero discount rate.
const CASE4: &str = r#"
[scenario]
id = "case4"
name = "Admissions avoided with a gain-share (hand-worked)"
start_year = 2025
horizon = 4

[discount]
schedule = "flat"
rate = 0

[[unit_cost]]
id = "spell"
name = "Emergency spell"
value = 100
unit = "spell"
price_year = "2024-25"
role = "acute-trust"
cashability = "0.5"
source = "test"

[[cost]]
id = "programme"
agency = "icb"
kind = "revenue"
amounts = [1000, 1000, 1000, 1000]

[[cost]]
id = "case-conferences"
agency = "council"
kind = "in-kind"
amounts = [200, 200, 200, 200]

[[outcome]]
id = "adm"
name = "Admissions avoided"
participants = 10
intakes = 2
engagement = 1
success = "0.5"
deadweight = "0.2"
lag = 1
duration = 2
evidence_grade = 1

[[outcome.flow]]
id = "spells"
unit_cost = "spell"
quantity = 3
step = 20

[[transfer]]
id = "tariff"
kind = "per-unit"
from = "acute-trust"
to = "icb"
outcome = "adm"
flow = "spells"
amount = 90

[[transfer]]
id = "share-acute"
kind = "gain-share"
from = "icb"
to = "acute-trust"
share = "0.5"
basis = "all"

[[transfer]]
id = "share-council"
kind = "gain-share"
from = "icb"
to = "council"
share = "0.25"
basis = "all"
"#;

#[test]
fn case4_intakes_duration_per_unit_tariff_gain_share_all_basis() {
    let place = TestPlace::new();
    let sc = load(&place.scenario("case4", CASE4)).unwrap();
    let r = evaluate(&sc, &sc.params());
    let acute = party(&r, "acute-trust");
    let icb = party(&r, "icb");
    let council = party(&r, "council");

    // Each intake: 10 × 1 × 0.5 × (1 − 0.2) = 4 achieving, for 2 years from intake + 1.
    // Intake 0 → years 1, 2; intake 1 → years 2, 3. People: 4, 8, 4 in years 1-3.
    // Spells (3 each, grade 1: no optimism bias): 12, 24, 12 → £1,200, £2,400, £1,200.
    // Stepped by 20 spells, half of a step's cost cashable: year 1 floor(12/20) = 0 → nil;
    // year 2 floor(24/20) = 1 → 20 × £100 × 0.5 = £1,000; year 3 nil.
    let cash: Vec<Decimal> = acute.yearly.iter().map(|y| y.cashable).collect();
    let non: Vec<Decimal> = acute.yearly.iter().map(|y| y.non_cashable).collect();
    assert_eq!(cash, vec![dec!(0), dec!(0), dec!(1000), dec!(0)]);
    assert_eq!(non, vec![dec!(0), dec!(1200), dec!(1400), dec!(1200)]);

    // Tariff: £90 a spell from the acute trust to the ICB: 1,080; 2,160; 1,080.
    // ICB net gain before gain-shares: −1,000; 1,080 − 1,000 = 80; 1,160; 80.
    // Half to the acute trust: 0; 40; 580; 40. A quarter to the council: 0; 20; 290; 20.
    let t = |p: &totalplace::scenario::engine::PartyResult| -> Vec<Decimal> {
        p.yearly.iter().map(|y| y.transfers).collect()
    };
    assert_eq!(
        t(acute),
        vec![dec!(0), dec!(-1040), dec!(-1580), dec!(-1040)]
    );
    assert_eq!(t(icb), vec![dec!(0), dec!(1020), dec!(1290), dec!(1020)]);
    assert_eq!(t(council), vec![dec!(0), dec!(20), dec!(290), dec!(20)]);

    // Acute trust: benefits 4,800 (1,000 cashable) − transfers 3,660 → NPV 1,140, but
    // cashable NPV 1,000 − 3,660 = −2,660: the income loss the case describes.
    assert_eq!(acute.summary.npv, dec!(1140));
    assert_eq!(acute.summary.npv_cashable, dec!(-2660));
    // ICB: −4,000 + 3,330 = −670. Council: −800 + 330 = −470. System: 4,800 − 4,800 = 0.
    assert_eq!(icb.summary.npv, dec!(-670));
    assert_eq!(council.summary.npv, dec!(-470));
    assert_eq!(r.system.npv, Decimal::ZERO);
    assert_eq!(r.system.froi, Some(Decimal::ONE));

    // System payback: cumulative −1,200; −1,200 (year 1 nets to 0); 0 at the end of year 2:
    // 2 + 1,200/1,200 = 3.00 years from the start of year 0.
    assert_eq!(payback(r.system.payback), dec!(3.00));
    assert_eq!(icb.summary.payback, Some(Payback::NotWithinHorizon));

    // W: costs ICB 5/6, council 1/6; benefits all at the acute trust: W = ½(1 + 5/6 + 1/6) = 1.
    // Fair shares: acute +4,800, ICB −4,000, council −800.
    assert_eq!(r.wrong_pocket, Some(Decimal::ONE));
    assert_eq!(p(acute.fair_share.unwrap()), dec!(4800.00));
    assert_eq!(p(icb.fair_share.unwrap()), dec!(-4000.00));
    assert_eq!(p(council.fair_share.unwrap()), dec!(-800.00));
}

/// Payback follows the whole path: a party in surplus in year 0 that falls into deficit later
/// pays back at its last crossing into permanent surplus, and the dip is reported.
///
/// No discounting (flat 0%), so PV = cash. The council receives a £10,000 grant in year 0,
/// spends £20,000 in year 1, and saves 10 people × 1 session × £1,000 = £10,000 a year from
/// year 2 (lag 2; no deadweight, drop-off or optimism bias).
const DIP: &str = r#"
[scenario]
id = "dip"
name = "Grant first, spend later (hand-worked)"
cohort = "care-leavers"
transition = "leaving-care"
start_year = 2025
horizon = 5

[discount]
schedule = "flat"
rate = "0"

[optimism_bias]
costs = "0"

[[external]]
id = "funder"
name = "A grant-giving funder"
budget_control = "central"

[[unit_cost]]
id = "session"
name = "Session"
value = 1000
unit = "session"
price_year = "2024-25"
role = "council"
cashability = "1"
source = "test"

[[cost]]
id = "programme"
agency = "council"
kind = "revenue"
amounts = [0, 20000]

[[transfer]]
id = "grant"
kind = "fixed"
from = "funder"
to = "council"
amounts = [10000]

[[outcome]]
id = "fewer-sessions"
name = "Fewer sessions needed"
participants = 10
engagement = "1"
success = "1"
deadweight = "0"
lag = 2
evidence_grade = 1
optimism_bias = "0"

[[outcome.flow]]
id = "sessions"
unit_cost = "session"
quantity = 1
"#;

#[test]
fn payback_is_the_last_crossing_into_permanent_surplus_and_dips_are_reported() {
    let place = TestPlace::new();
    let sc = load(&place.scenario("dip", DIP)).unwrap();
    let r = evaluate(&sc, &sc.params());
    let council = party(&r, "council");
    // Cumulative net: year 0 +10,000 (grant); year 1 10,000 − 20,000 = −10,000;
    // year 2 −10,000 + 10,000 = 0; year 3 +10,000; year 4 +20,000.
    let cum: Vec<Decimal> = council.yearly.iter().map(|y| y.cumulative_pv_net).collect();
    assert_eq!(
        cum,
        [dec!(10000), dec!(-10000), dec!(0), dec!(10000), dec!(20000)]
    );
    // The last year in deficit is year 1; the crossing is in year 2:
    // 2 + 10,000 / 10,000 = 3.00 years (the old rule said 0, "never in deficit").
    assert_eq!(payback(council.summary.payback), dec!(3.00));
    // In surplus at the end of year 0, in deficit at the end of year 1.
    assert_eq!(council.summary.deficit_again, [1]);
    // The funder pays and never gains: −10,000 throughout, no dip, no payback.
    let funder = party(&r, "funder");
    assert_eq!(funder.summary.payback, Some(Payback::NotWithinHorizon));
    assert!(funder.summary.deficit_again.is_empty());
    // The system (grant nets out): 0, −20,000, −10,000, 0, +10,000: the last deficit is
    // year 2, crossing in year 3 at 3 + 10,000 / 10,000 = 4.00; a cumulative of 0 at the end
    // of year 0 is not a surplus, so no dip.
    assert_eq!(payback(r.system.payback), dec!(4.00));
    assert!(r.system.deficit_again.is_empty());
    // The run's headline says when the council dipped (year 1 = 2026-27).
    let text = totalplace::scenario::report::headline(&sc, &r);
    assert!(
        text.contains("council: in surplus, then in deficit again in 2026-27"),
        "{text}"
    );
    let json = totalplace::scenario::report::results_json(&sc, &sc.params(), &r);
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let c = v["parties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "council")
        .unwrap();
    assert_eq!(c["summary"]["deficit_again"], serde_json::json!([1]), "{c}");
    assert_eq!(c["summary"]["payback"], "3.0 years");

    // Three years and £30,000 spent in year 1: +10,000; 10,000 − 30,000 = −20,000;
    // −20,000 + 10,000 = −10,000. It ends in deficit, so no payback within the horizon however
    // it began, and the dip in year 1 is still reported.
    let short = DIP
        .replace("horizon = 5", "horizon = 3")
        .replace("amounts = [0, 20000]", "amounts = [0, 30000]");
    let sc = load(&place.scenario("dip-short", &short)).unwrap();
    let r = evaluate(&sc, &sc.params());
    let council = party(&r, "council");
    assert_eq!(council.yearly[2].cumulative_pv_net, dec!(-10000));
    assert_eq!(council.summary.payback, Some(Payback::NotWithinHorizon));
    assert_eq!(council.summary.deficit_again, [1]);
}

/// Participants per intake year and a ramp-up profile (issue 11 items 1 and 2), with a PbR
/// transfer paid on each intake's own participants. A flat 25% rate: D = 1, 0.8, 0.64, 0.512.
const INTAKES_RAMP: &str = r#"
[scenario]
id = "intakes-ramp"
name = "Two intakes of different sizes, half effect in the first year"
cohort = "care-leavers"
transition = "leaving-care"
start_year = 2025
horizon = 4

[discount]
schedule = "flat"
rate = "0.25"

[optimism_bias]
costs = "0"

[[cost]]
id = "advisers"
agency = "council"
kind = "revenue"
amounts = [10000]

[[outcome]]
id = "into-work"
name = "Into work"
participants = [100, 50]
engagement = "1"
success = "0.5"
deadweight = "0.2"
lag = 0
drop_off = "0.5"
ramp_up = ["0.5"]
evidence_grade = 3
optimism_bias = "0"

[[outcome.flow]]
id = "jsa"
unit_cost = "jsa-year"
quantity = 1

[[transfer]]
id = "pbr"
kind = "pbr"
from = "dwp"
to = "council"
outcome = "into-work"
amount = 1000
attachment_share = "0.4"
result_lag = 1
"#;

#[test]
fn participants_per_intake_and_ramp_up_worked_by_hand() {
    let place = TestPlace::new();
    let sc = load(&place.scenario("intakes-ramp", INTAKES_RAMP)).unwrap();
    // Two intakes (years 0 and 1) from the list; one parameter per intake.
    assert_eq!(sc.outcomes[0].intakes, 2);
    for path in [
        "outcome.into-work.participants.0",
        "outcome.into-work.participants.1",
        "outcome.into-work.ramp_up.0",
    ] {
        assert!(sc.param_index(path).is_some(), "{path}");
    }
    assert!(sc.param_index("outcome.into-work.participants").is_none());
    let r = evaluate(&sc, &sc.params());

    // Achievers: intake 0: 100 × 1 × 0.5 × (1 − 0.2) = 40; intake 1: 50 × 0.5 × 0.8 = 20.
    // Ramp-up [0.5]: half the effect in an intake's first benefit year, full from the second.
    // Intake 0 (first benefit year 0, kept 50% a year):
    //   year 0: 40 × 0.5 = 20; year 1: 20 × 1 = 20; year 2: 10; year 3: 5.
    // Intake 1 (first benefit year 1): year 1: 20 × 0.5 = 10; year 2: 10; year 3: 5.
    // People: 20, 30, 20, 10. JSA at £2,000 a claimant-year, all cashable to DWP:
    // 40,000; 60,000; 40,000; 20,000.
    let dwp = party(&r, "dwp");
    let cash: Vec<Decimal> = dwp.yearly.iter().map(|y| y.cashable).collect();
    assert_eq!(cash, [dec!(40000), dec!(60000), dec!(40000), dec!(20000)]);
    // PV = 40,000 + 48,000 + 25,600 + 10,240 = 123,840.
    assert_eq!(p(dwp.summary.pv_benefits), dec!(123840.00));

    // PbR on each intake's own engaged participants (100, then 50), £1,000 at most:
    // attachment 40% in the intake year: 40,000 (year 0), 20,000 (year 1);
    // results 60% a year later on engaged × success: 50 × 600 = 30,000 (year 1),
    // 25 × 600 = 15,000 (year 2). Paid: 40,000; 50,000; 15,000; 0.
    // PV = 40,000 + 40,000 + 9,600 = 89,600.
    let council = party(&r, "council");
    let t: Vec<Decimal> = council.yearly.iter().map(|y| y.transfers).collect();
    assert_eq!(t, [dec!(40000), dec!(50000), dec!(15000), dec!(0)]);
    assert_eq!(p(council.summary.pv_transfers), dec!(89600.00));
    // NPVs: council −10,000 + 89,600 = 79,600; DWP 123,840 − 89,600 = 34,240;
    // system 123,840 − 10,000 = 113,840 (transfers net to zero).
    assert_eq!(p(council.summary.npv), dec!(79600.00));
    assert_eq!(p(dwp.summary.npv), dec!(34240.00));
    assert_eq!(p(r.system.npv), dec!(113840.00));
}

#[test]
fn participants_per_intake_and_ramp_up_are_validated() {
    let place = TestPlace::new();
    for (from, to, key, words) in [
        (
            "participants = [100, 50]",
            "participants = [100, 50]\nintakes = 3",
            "outcome.into-work.intakes",
            "participants gives 2",
        ),
        (
            "participants = [100, 50]",
            "participants = []",
            "outcome.into-work.participants",
            "one per intake year",
        ),
        (
            "participants = [100, 50]",
            "participants = [100, -5]",
            "outcome.into-work.participants.1",
            "must not be negative",
        ),
        (
            "ramp_up = [\"0.5\"]",
            "ramp_up = [\"1.5\"]",
            "outcome.into-work.ramp_up.0",
            "outside 0..1",
        ),
        (
            "ramp_up = [\"0.5\"]",
            "ramp_up = []",
            "outcome.into-work.ramp_up",
            "leave ramp_up out",
        ),
    ] {
        let toml = INTAKES_RAMP.replace(from, to);
        let e = load(&place.scenario("bad", &toml)).unwrap_err().to_string();
        assert!(e.contains(key) && e.contains(words), "{to}: {e}");
    }
}

/// Payment by results as real contracts write it (issue 11 item 4): attachment share by the
/// year a participant joins, results paid on additional outcomes only, a cap on the total and
/// claw-back as results lapse. A flat 25% rate: D = 1, 0.8, 0.64, 0.512.
const PBR_CONTRACT: &str = r#"
[scenario]
id = "pbr-contract"
name = "A PbR contract with attachment by intake, additional basis, cap and claw-back"
cohort = "care-leavers"
transition = "leaving-care"
start_year = 2025
horizon = 4

[discount]
schedule = "flat"
rate = "0.25"

[optimism_bias]
costs = "0"

[[cost]]
id = "advisers"
agency = "council"
kind = "revenue"
amounts = [10000]

[[outcome]]
id = "into-work"
name = "Into work"
participants = [100, 50]
engagement = "1"
success = "0.5"
deadweight = "0.2"
lag = 0
drop_off = "0.5"
evidence_grade = 3
optimism_bias = "0"

[[outcome.flow]]
id = "jsa"
unit_cost = "jsa-year"
quantity = 1

[[transfer]]
id = "pbr"
kind = "pbr"
from = "dwp"
to = "council"
outcome = "into-work"
amount = 1000
attachment_share = ["0.8", "0.6"]
result_lag = 1
basis = "additional"
clawback = true
cap = 100000
"#;

#[test]
fn pbr_attachment_by_intake_additional_basis_cap_and_clawback_worked_by_hand() {
    let place = TestPlace::new();
    let sc = load(&place.scenario("pbr-contract", PBR_CONTRACT)).unwrap();
    for path in [
        "transfer.pbr.attachment_share.0",
        "transfer.pbr.attachment_share.1",
        "transfer.pbr.cap",
    ] {
        assert!(sc.param_index(path).is_some(), "{path}");
    }
    let r = evaluate(&sc, &sc.params());
    // Intake 0 (year 0): 100 engaged, attachment 80%: fee 100 × £1,000 × 0.8 = 80,000 in
    // year 0. Additional results = 100 × 0.5 × (1 − 0.2 deadweight) = 40, paid a year later at
    // £1,000 × (1 − 0.8) = £200 each: 8,000 in year 1. They lapse at 50% a year: 20 lapse in
    // year 2 (claw-back 20 × 200 = 4,000) and 10 in year 3 (2,000).
    // Intake 1 (year 1): 50 engaged, attachment 60%: fee 50 × 1,000 × 0.6 = 30,000 in year 1.
    // Results 50 × 0.5 × 0.8 = 20 at £400: 8,000 in year 2; 10 lapse in year 3: 4,000 back.
    // Before the cap: 80,000; 38,000; 8,000 − 4,000 = 4,000; −2,000 − 4,000 = −6,000.
    // Cap £100,000 on the total: year 0 80,000; year 1 only 20,000 reaches the cap; year 2
    // nothing (the cap is reached); year 3 the claw-back of 6,000 is repaid in full.
    let council = party(&r, "council");
    let t: Vec<Decimal> = council.yearly.iter().map(|y| y.transfers).collect();
    assert_eq!(t, [dec!(80000), dec!(20000), dec!(0), dec!(-6000)]);
    // PV = 80,000 + 20,000 × 0.8 − 6,000 × 0.512 = 80,000 + 16,000 − 3,072 = 92,928.
    assert_eq!(p(council.summary.pv_transfers), dec!(92928.00));
    assert_eq!(p(party(&r, "dwp").summary.pv_transfers), dec!(-92928.00));

    // Without the cap: 80,000; 38,000; 4,000; −6,000 → PV 80,000 + 30,400 + 2,560 − 3,072
    // = 109,888. On observed results (deadweight paid for too) and no claw-back: results 50
    // and 25 → 10,000 in year 1 and 10,000 in year 2: 80,000; 40,000; 10,000; 0 →
    // PV 80,000 + 32,000 + 6,400 = 118,400.
    let uncapped = PBR_CONTRACT.replace("cap = 100000\n", "");
    let sc = load(&place.scenario("uncapped", &uncapped)).unwrap();
    let r = evaluate(&sc, &sc.params());
    assert_eq!(
        p(party(&r, "council").summary.pv_transfers),
        dec!(109888.00)
    );
    let observed = uncapped
        .replace("basis = \"additional\"\n", "")
        .replace("clawback = true\n", "");
    let sc = load(&place.scenario("observed", &observed)).unwrap();
    let r = evaluate(&sc, &sc.params());
    let t: Vec<Decimal> = party(&r, "council")
        .yearly
        .iter()
        .map(|y| y.transfers)
        .collect();
    assert_eq!(t, [dec!(80000), dec!(40000), dec!(10000), dec!(0)]);
    assert_eq!(
        p(party(&r, "council").summary.pv_transfers),
        dec!(118400.00)
    );
}

#[test]
fn pbr_contract_terms_are_validated() {
    let place = TestPlace::new();
    for (from, to, key, words) in [
        (
            "attachment_share = [\"0.8\", \"0.6\"]",
            "attachment_share = [\"0.8\", \"0.6\", \"0.4\"]",
            "transfer.pbr.attachment_share",
            "3 shares but outcome \"into-work\" has 2 intakes",
        ),
        (
            "basis = \"additional\"",
            "basis = \"net\"",
            "transfer.pbr.basis",
            "observed or additional",
        ),
        (
            "cap = 100000",
            "cap = -1",
            "transfer.pbr.cap",
            "must not be negative",
        ),
        (
            "attachment_share = [\"0.8\", \"0.6\"]",
            "attachment_share = [\"0.8\", \"1.6\"]",
            "transfer.pbr.attachment_share.1",
            "outside 0..1",
        ),
    ] {
        let toml = PBR_CONTRACT.replace(from, to);
        let e = load(&place.scenario("bad", &toml)).unwrap_err().to_string();
        assert!(e.contains(key) && e.contains(words), "{to}: {e}");
    }
    // cap and clawback belong to PbR only.
    let toml = format!(
        "{PBR_CONTRACT}\n[[transfer]]\nid = \"grant\"\nkind = \"fixed\"\nfrom = \"dwp\"\nto = \"council\"\namounts = [1]\ncap = 5\n"
    );
    let e = load(&place.scenario("bad", &toml)).unwrap_err().to_string();
    assert!(
        e.contains("transfer.grant.cap") && e.contains("only a pbr transfer"),
        "{e}"
    );
}

/// Issue 11 items 3 and 10: additionality beyond deadweight (attribution, displacement,
/// leakage), and the cost per outcome. PbR results are paid on observed results, so the
/// additionality does not move them.
///
/// A flat 25% rate keeps the factors exact: D = 1, 0.8, 0.64, 0.512 (horizon 4).
const ADDITIONALITY: &str = r#"
[scenario]
id = "additionality"
name = "Additionality and cost per outcome (hand-worked)"
start_year = 2025
horizon = 4

[discount]
schedule = "flat"
rate = "0.25"

[optimism_bias]
costs = "0.2"

[[external]]
id = "centre"
name = "Central payer"
budget_control = "central"

[[cost]]
id = "advisers"
agency = "council"
kind = "revenue"
amounts = [10000]

[[outcome]]
id = "into-work"
name = "Into work"
participants = 100
engagement = "0.8"
success = "0.5"
deadweight = "0.25"
attribution = "0.8"
displacement = "0.25"
leakage = "0.1"
lag = 1
evidence_grade = 3
optimism_bias = "0.1"

[[outcome.flow]]
id = "jsa"
unit_cost = "jsa-year"
quantity = 1

[[outcome]]
id = "admissions"
name = "Admissions avoided"
participants = 50
intakes = 4
engagement = 1
success = "0.4"
deadweight = "0.5"
lag = 1
evidence_grade = 1
optimism_bias = "0"

[[outcome.flow]]
id = "beds"
unit_cost = "bed-day"
quantity = 2

[[transfer]]
id = "pbr"
kind = "pbr"
from = "centre"
to = "council"
outcome = "into-work"
amount = 1000
attachment_share = "0.25"
"#;

#[test]
fn additionality_beyond_deadweight_and_cost_per_outcome() {
    let place = TestPlace::new();
    let sc = load(&place.scenario("additionality", ADDITIONALITY)).unwrap();
    let r = evaluate(&sc, &sc.params());

    // Costs: 10,000 × (1 + 0.2) = 12,000 in year 0 (D_0 = 1): PV costs 12,000.
    assert_eq!(p(r.system.pv_costs), dec!(12000.00));

    // Into work: engaged = 100 × 0.8 = 80; gross = 80 × 0.5 = 40; after deadweight
    // 40 × (1 − 0.25) = 30.
    // Additionality = (1 − displacement 0.25) × (1 − leakage 0.1) × attribution 0.8
    //               = 0.75 × 0.9 × 0.8 = 0.54; achieving = 30 × 0.54 = 16.2 people,
    // persisting (no drop-off) in years 1, 2, 3 (lag 1).
    // JSA: 1 claimant-year × (1 − 0.1 optimism bias) = 0.9 → 16.2 × 0.9 = 14.58 claimant-years
    // × £2,000 = £29,160 a year, all cashable, to DWP.
    // PV = 29,160 × (0.8 + 0.64 + 0.512) = 29,160 × 1.952 = 56,920.32.
    let dwp = party(&r, "dwp");
    assert_eq!(dwp.yearly[0].cashable, dec!(0));
    for t in 1..4 {
        assert_eq!(dwp.yearly[t].cashable, dec!(29160), "year {t}");
    }
    assert_eq!(p(dwp.summary.pv_cashable), dec!(56920.32));

    // PbR on observed results, untouched by additionality: attachment 80 engaged × £1,000 ×
    // 0.25 = 20,000 in year 0; results 80 × 0.5 × (1 − 0.1) = 36 × £1,000 × 0.75 = 27,000 in
    // year 1. PV to the council = 20,000 + 27,000 × 0.8 = 41,600.
    let council = party(&r, "council");
    assert_eq!(council.yearly[0].transfers, dec!(20000));
    assert_eq!(council.yearly[1].transfers, dec!(27000));
    assert_eq!(p(council.summary.pv_transfers), dec!(41600.00));

    // Admissions (no additionality keys: attribution 1, displacement 0, leakage 0):
    // 50 × 1 × 0.4 × (1 − 0.5) × 1 = 10 per intake, four intakes (years 0-3), lag 1:
    // people 10, 20, 30 in years 1, 2, 3 (the year-3 intake's first benefit, year 4, is past
    // the horizon). Bed day £200 in 2019-20 × 100/80 = £250; 2 bed days each: £500 a person:
    // 5,000; 10,000; 15,000. PV = 4,000 + 6,400 + 7,680 = 18,080, 10% cashable (the unit
    // cost's default): 1,808.
    let acute = party(&r, "acute-trust");
    assert_eq!(
        acute.yearly[3].cashable + acute.yearly[3].non_cashable,
        dec!(15000)
    );
    assert_eq!(p(acute.summary.pv_benefits), dec!(18080.00));
    assert_eq!(p(acute.summary.pv_cashable), dec!(1808.00));

    // Cost per outcome. Additional outcomes = Σ over intakes with a first benefit within the
    // horizon of achieving × (1 − optimism bias):
    //   into work: one intake, 16.2 × 0.9 = 14.58;
    //   admissions: intakes 0, 1, 2 (not 3: first benefit in year 4), 3 × 10 × 1 = 30.
    // Each outcome against the whole PV costs: 12,000 ÷ 14.58 = 823.0452... → £823.05;
    // 12,000 ÷ 30 = £400.00. All outcomes: 12,000 ÷ 44.58 = 269.1790... → £269.18.
    let o = |id: &str| r.outcomes.iter().find(|o| o.id == id).unwrap();
    assert_eq!(o("into-work").additional_outcomes, dec!(14.58));
    assert_eq!(o("admissions").additional_outcomes, dec!(30));
    assert_eq!(p(o("into-work").cost_per_outcome.unwrap()), dec!(823.05));
    assert_eq!(p(o("admissions").cost_per_outcome.unwrap()), dec!(400.00));
    assert_eq!(r.additional_outcomes, dec!(44.58));
    assert_eq!(p(r.cost_per_outcome.unwrap()), dec!(269.18));

    // The same figures in results.json and cost_per_outcome.csv.
    let json = totalplace::scenario::report::results_json(&sc, &sc.params(), &r);
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let c = &v["cost_per_outcome"];
    assert_eq!(c["pv_costs"], "12000.00", "{c}");
    assert_eq!(c["additional_outcomes"], "44.58", "{c}");
    assert_eq!(c["cost_per_outcome"], "269.18", "{c}");
    assert_eq!(c["outcomes"][0]["id"], "into-work");
    assert_eq!(c["outcomes"][0]["additional_outcomes"], "14.58");
    assert_eq!(c["outcomes"][0]["cost_per_outcome"], "823.05");
    let csv =
        String::from_utf8(totalplace::scenario::report::cost_per_outcome_csv(&sc, &r)).unwrap();
    assert!(
        csv.contains("additionality,into-work,Into work,14.58,12000.00,823.05\n"),
        "{csv}"
    );
    assert!(
        csv.contains("additionality,all,all outcomes,44.58,12000.00,269.18\n"),
        "{csv}"
    );
    // The conventions state the formula and the values as written.
    let conv = String::from_utf8(totalplace::scenario::report::conventions_csv(&sc)).unwrap();
    assert!(
        conv.contains("(1 - displacement) x (1 - leakage) x attribution"),
        "{conv}"
    );
    assert!(
        conv.contains("into-work: attribution 0.8, displacement 0.25, leakage 0.1"),
        "{conv}"
    );

    // Each is a parameter: back to neutral with `--set`, into work achieves the full 30:
    // 30 × 0.9 = 27 claimant-years × £2,000 = 54,000 a year, PV 54,000 × 1.952 = 105,408
    // (and 56,920.32 ÷ 105,408 = 0.54, the additionality). Additional outcomes 27:
    // 12,000 ÷ 27 = 444.44; the PbR payments stay 20,000 and 27,000.
    let mut params = sc.params();
    sc.set(&mut params, "outcome.into-work.attribution", dec!(1))
        .unwrap();
    sc.set(&mut params, "outcome.into-work.displacement", dec!(0))
        .unwrap();
    sc.set(&mut params, "outcome.into-work.leakage", dec!(0))
        .unwrap();
    let n = evaluate(&sc, &params);
    assert_eq!(p(party(&n, "dwp").summary.pv_cashable), dec!(105408.00));
    assert_eq!(
        party(&n, "council").summary.pv_transfers,
        council.summary.pv_transfers
    );
    assert_eq!(p(n.outcomes[0].cost_per_outcome.unwrap()), dec!(444.44));
    // All of it leaked: no additional outcome, so no cost per outcome for it; the scenario's
    // is then 12,000 ÷ 30 = 400.
    sc.set(&mut params, "outcome.into-work.leakage", dec!(1))
        .unwrap();
    let l = evaluate(&sc, &params);
    assert_eq!(l.outcomes[0].additional_outcomes, dec!(0));
    assert_eq!(l.outcomes[0].cost_per_outcome, None);
    assert_eq!(p(l.cost_per_outcome.unwrap()), dec!(400.00));
    assert_eq!(party(&l, "dwp").summary.pv_benefits, dec!(0));

    // Range-checked in 0..1, named by file and key, from the file and from `--set`.
    let e = sc
        .set(&mut params, "outcome.into-work.attribution", dec!(1.5))
        .unwrap_err();
    assert!(e.contains("1.5 is outside 0..1"), "{e}");
    let bad = ADDITIONALITY
        .replace("leakage = \"0.1\"", "leakage = \"1.2\"")
        .replace("attribution = \"0.8\"", "attribution = \"-0.1\"");
    let e = load(&place.scenario("bad", &bad)).unwrap_err().to_string();
    assert!(
        e.contains("bad.toml: outcome.into-work.attribution: -0.1 is outside 0..1"),
        "{e}"
    );
    assert!(
        e.contains("outcome.into-work.leakage: 1.2 is outside 0..1"),
        "{e}"
    );
}
