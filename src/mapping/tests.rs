//! Engine tests on small ledgers built by hand; expected figures worked in the comments.

use std::path::PathBuf;

use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::*;
use crate::error::Error;
use crate::ledger::{Ledger, LedgerLine};
use crate::model::*;

fn place() -> Place {
    let agency = |id: &str, sector| Agency {
        id: id.into(),
        name: id.into(),
        sector,
        budget_control: BudgetControl::Local,
    };
    let source = |id: &str, agency: usize| Source {
        id: id.into(),
        agency,
        path: PathBuf::from(format!("{id}.csv")),
        display: format!("{id}.csv"),
        format: Format::Csv,
        sheet: None,
        header_row: None,
        columns: Columns {
            amount: "Amount".into(),
            cost_centre: None,
            account: None,
            service: None,
            description: None,
        },
        units: Units::Pounds,
        spend_sign: SpendSign::Positive,
        skip: vec![],
        control_total: None,
        encoding: Encoding::Utf8,
        delimiter: b',',
    };
    let cohort = |id: &str, size| Cohort {
        id: id.into(),
        name: id.into(),
        size,
        size_source: "test".into(),
        description: None,
    };
    Place {
        dir: PathBuf::from("models/test"),
        info: PlaceInfo {
            id: "test".into(),
            name: "Test".into(),
            financial_year: "2024-25".into(),
            price_base: 2024,
            population: 1000,
            synthetic: true,
            notes: None,
        },
        agencies: vec![
            agency("council", Sector::LocalAuthority),
            agency("police", Sector::Police),
        ],
        cohorts: vec![cohort("care-leavers", 40), cohort("prison-leavers", 30)],
        transitions: vec![
            Transition {
                id: "leaving-care".into(),
                name: "Leaving care".into(),
                cohort: 0,
                from: vec![0],
                to: vec![0],
                description: None,
            },
            Transition {
                id: "prison-release".into(),
                name: "Release".into(),
                cohort: 1,
                from: vec![1],
                to: vec![1],
                description: None,
            },
        ],
        sources: vec![source("council", 0), source("police", 1)],
    }
}

/// (agency, cost centre, account, description, amount)
fn ledger(lines: &[(u16, &str, &str, &str, Decimal)]) -> Ledger {
    let mut l = Ledger::new();
    l.intern("");
    for (i, (agency, cc, acc, desc, amount)) in lines.iter().enumerate() {
        let line = LedgerLine {
            agency: *agency,
            source: *agency,
            row: i as u32 + 2,
            cost_centre: l.intern(cc),
            account: l.intern(acc),
            service: l.intern(""),
            description: l.intern(desc),
            amount: *amount,
        };
        l.lines.push(line);
    }
    l
}

fn parse(text: &str) -> Result<Mapping, Error> {
    Mapping::parse(&place(), "models/test/mapping.toml", text)
}

fn sample_ledger() -> Ledger {
    ledger(&[
        (
            0,
            "LAC100",
            "5100",
            "Leaving care allowances",
            dec!(1000.00),
        ),
        (0, "LAC100", "5200", "Staffing", dec!(2000.01)),
        (0, "ADM900", "9000", "Admin recharge", dec!(500.00)),
        (1, "OFF200", "6000", "Offender management", dec!(-0.03)),
        (1, "OFF200", "6100", "IOM team", dec!(333.333)),
    ])
}

fn check_reconciles(map: &SpendMap) {
    for a in &map.agencies {
        assert_eq!(a.mapped + a.not_cohort_specific(), a.ingested);
    }
}

#[test]
fn exact_prefix_list_regex_and_precedence() {
    let m = parse(
        r#"
[[rule]]
id = "leaving-care-allowances"
priority = 10
match = { agency = "council", account = ["5100", "5101"] }
[[rule.target]]
transition = "leaving-care"

[[rule]]
id = "lac-general"
match = { cost_centre = { prefix = "LAC" } }
[[rule.target]]
cohort = "care-leavers"
share = 25

[[rule]]
id = "offenders"
match = { agency = "police", description = { regex = "(?i)offender|IOM" } }
[[rule.target]]
cohort = "prison-leavers"
transition = "prison-release"
share = "50%"

[[rule]]
id = "nothing"
match = { cost_centre = "ZZZ" }
[[rule.target]]
cohort = "care-leavers"
"#,
    )
    .unwrap();
    let l = sample_ledger();
    let map = map_ledger(&place(), &m, &l).unwrap();
    check_reconciles(&map);
    // Line 1 (£1000.00, account 5100): priority 10 rule takes the whole line; "lac-general"
    // (priority 0) is shadowed. Line 2 (£2000.01, LAC100/5200): 25% = 500.0025 → 50000.25p,
    // floor 50000p, remainder 150000.75p floor 150000p, one penny left: fractions .25 vs .75,
    // so the remainder gets it: care-leavers £500.00, remainder £1500.01.
    assert_eq!(map.agency_transition(0, 0, Some(0)), dec!(1000));
    assert_eq!(map.agency_transition(0, 0, None), dec!(500));
    assert_eq!(map.agency_cohort(0, 0), dec!(1500));
    assert_eq!(map.agencies[0].remainder, dec!(1500.01));
    assert_eq!(map.agencies[0].unmatched, dec!(500));
    assert_eq!(map.agencies[0].ingested, dec!(3500.01));
    // Police: -0.03 at 50% = -1.5p → parts -2p/-1p? floors 1p and 1p of 3p leave 1 unit;
    // fractions .5 (target) and .5 (remainder): tie → target first: target -£0.02, rest -£0.01.
    // £333.333 (scale 3, unit £0.001) at 50% = 166666.5 units → target 166667 (tie → target),
    // remainder 166666: £166.667 and £166.666.
    assert_eq!(map.agency_cohort(1, 1), dec!(-0.02) + dec!(166.667));
    assert_eq!(map.agencies[1].remainder, dec!(-0.01) + dec!(166.666));
    assert_eq!(map.scale, 3);
    // Per-rule counts.
    assert_eq!(map.rules[0].lines, 1);
    assert_eq!(map.rules[1].lines, 1);
    assert_eq!(map.rules[1].amount, dec!(2000.01));
    assert_eq!(map.rules[2].lines, 2);
    assert_eq!(map.rules[3].lines, 0);
    assert!(
        map.warnings
            .iter()
            .any(|w| w.contains("\"nothing\" took no lines")),
        "{:?}",
        map.warnings
    );
    // The largest unmatched line is the admin recharge.
    assert_eq!(map.largest_unmatched, vec![2]);
}

#[test]
fn equal_priorities_accumulate_and_over_100_percent_names_the_rules() {
    let text = r#"
[[rule]]
id = "a"
match = { cost_centre = "LAC100" }
[[rule.target]]
cohort = "care-leavers"
share = 60

[[rule]]
id = "b"
match = { account = { prefix = "52" } }
[[rule.target]]
cohort = "prison-leavers"
share = 30
"#;
    let map = map_ledger(&place(), &parse(text).unwrap(), &sample_ledger()).unwrap();
    check_reconciles(&map);
    // Line 2 (£2000.01) takes both: 60% = 1200.006 → £1200.01 (fraction .6 wins the penny
    // over .3 and .1), 30% = £600.00, remainder £200.00; line 1 only "a": 60% of £1000.
    assert_eq!(map.agency_cohort(0, 0), dec!(600) + dec!(1200.01));
    assert_eq!(map.agency_cohort(0, 1), dec!(600.00));
    assert_eq!(map.agencies[0].remainder, dec!(400) + dec!(200.00));

    let over = text.replace("share = 30", "share = 41");
    let err = map_ledger(&place(), &parse(&over).unwrap(), &sample_ledger()).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("models/test/mapping.toml"), "{msg}");
    assert!(msg.contains("rule[0] \"a\" + rule[1] \"b\""), "{msg}");
    assert!(msg.contains("101%"), "{msg}");
    assert!(msg.contains("council.csv: row 3"), "{msg}");

    // A higher priority on "b" makes it win instead.
    let prio = over.replace("id = \"b\"", "id = \"b\"\npriority = 1");
    let map = map_ledger(&place(), &parse(&prio).unwrap(), &sample_ledger()).unwrap();
    assert_eq!(map.agency_cohort(0, 1), dec!(820.00)); // 41% of 2000.01 = 820.0041
}

#[test]
fn drivers_and_bottom_up() {
    let text = r#"
[[driver]]
id = "cl-share"
name = "care leavers ÷ looked-after children"
numerator = 1
denominator = 3
source = "test"

[[rule]]
id = "lac"
match = { cost_centre = "LAC100" }
[[rule.target]]
cohort = "care-leavers"
driver = "cl-share"

[[rule]]
id = "iom"
match = { agency = "police" }
[[rule.target]]
cohort = "prison-leavers"
unit_cost = "£10"
count = 12
source = "test"
synthetic = true
"#;
    let map = map_ledger(&place(), &parse(text).unwrap(), &sample_ledger()).unwrap();
    check_reconciles(&map);
    // £1000.00 ÷ 3 = 33333.33p → 33333p (remainder gets the leftover penny: .67 > .33)
    // £2000.01 ÷ 3 = 66667p exactly.
    assert_eq!(map.agency_cohort(0, 0), dec!(333.33) + dec!(666.67));
    // Police lines total £333.303; bottom-up 12 × £10 = £120 → ratio 120 ÷ 333.303
    // = 0.360032763... applied to each line in the line's own unit:
    //   -£0.03 = -3p × 0.36003 = -1.08p → -1p (remainder's .92 beats .08): -£0.01;
    //   £333.333 = 333333 tenths of a penny × 0.36003 = 120010.92 → 120011: £120.011.
    // That is £120.001, a tenth of a penny over 12 × £10, so one unit is handed back on the line
    // whose rounding was closest to going the other way and whose unit fits: the £333.333 line
    // (the -£0.03 line's unit is a whole penny): £120.010, total exactly £120.000.
    assert_eq!(map.agency_cohort(1, 1), dec!(120.000));
    assert_eq!(map.rules[1].by_target[0], dec!(120));
    assert_eq!(map.agencies[1].remainder, dec!(333.303) - dec!(120));
    assert_eq!(map.rules[1].amount, dec!(333.303));

    let too_much = text.replace("count = 12", "count = 34");
    let err = map_ledger(&place(), &parse(&too_much).unwrap(), &sample_ledger()).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("rule[1] \"iom\".target[0]"), "{msg}");
    assert!(
        msg.contains("£340.00 exceeds the £333.30 of lines"),
        "{msg}"
    );
}

#[test]
fn trailing_zeros_from_unit_conversion_keep_the_penny_as_unit() {
    // £612.379m read from a £m column arrives as 612379000.000 (scale 3): its smallest unit is
    // still the penny. A third of 61,237,900,000p = 20,412,633,333.33p → 20,412,633,333p; the
    // remainder's .67 takes the leftover penny: £204,126,333.33 and £408,252,666.67.
    let l = ledger(&[(0, "UC01", "", "", Decimal::new(612_379_000_000, 3))]);
    let m = parse(
        r#"
[[driver]]
id = "third"
name = "a third"
numerator = 1
denominator = 3
source = "test"
[[rule]]
id = "uc"
match = { cost_centre = "UC01" }
[[rule.target]]
cohort = "care-leavers"
driver = "third"
"#,
    )
    .unwrap();
    let map = map_ledger(&place(), &m, &l).unwrap();
    assert_eq!(map.scale, 2);
    assert_eq!(map.agency_cohort(0, 0), dec!(204126333.33));
    assert_eq!(map.agencies[0].remainder, dec!(408252666.67));
}

#[test]
fn out_of_scope_rules_shadow_and_are_counted_apart() {
    let text = r#"
[[rule]]
id = "admin"
priority = 5
out_of_scope = true
match = { description = { regex = "^Admin" } }

[[rule]]
id = "everything-council"
match = { agency = "council" }
[[rule.target]]
cohort = "care-leavers"
"#;
    let map = map_ledger(&place(), &parse(text).unwrap(), &sample_ledger()).unwrap();
    check_reconciles(&map);
    assert_eq!(map.agencies[0].out_of_scope, dec!(500));
    assert_eq!(map.agencies[0].mapped, dec!(3000.01));
    assert_eq!(map.agencies[0].unmatched, dec!(0));
    // Same priority for both: error, they disagree about the line.
    let clash = text.replace("priority = 5\n", "");
    let err = map_ledger(&place(), &parse(&clash).unwrap(), &sample_ledger()).unwrap_err();
    assert!(err.to_string().contains("some are out of scope"), "{err}");
}

#[test]
fn validation_names_file_and_rule() {
    let err = parse(
        r#"
[[driver]]
id = "d"
name = "d"
numerator = 5
denominator = 4
source = "x"

[[rule]]
id = "bad"
match = { agency = "fire", description = { regex = "(" }, colour = "red" }
[[rule.target]]
cohort = "nobody"
[[rule.target]]
cohort = "care-leavers"
transition = "prison-release"
[[rule.target]]
cohort = "care-leavers"
share = 120
[[rule.target]]
cohort = "prison-leavers"
driver = "missing"
[[rule.target]]
transition = "nowhere"
"#,
    )
    .unwrap_err();
    let msg = err.to_string();
    for want in [
        "models/test/mapping.toml: driver[0] \"d\".numerator: ratio 5 ÷ 4 is outside 0..100%",
        "models/test/mapping.toml: rule[0] \"bad\".match.agency: unknown agency \"fire\"",
        "rule[0] \"bad\".match.description: invalid regular expression",
        "rule[0] \"bad\".match.colour: unknown field `colour`",
        "rule[0] \"bad\".target[0].cohort: unknown cohort \"nobody\"",
        "rule[0] \"bad\".target[1].transition: transition \"prison-release\" belongs to cohort \"prison-leavers\", not \"care-leavers\"",
        "rule[0] \"bad\".target[2].share: share 120% is outside 0..100%",
        "rule[0] \"bad\".target[3].driver: unknown driver \"missing\"",
        "rule[0] \"bad\".target[4].transition: unknown transition \"nowhere\"",
    ] {
        assert!(msg.contains(want), "missing {want:?} in\n{msg}");
    }
    assert_eq!(err.count(), 9, "{msg}");
}

#[test]
fn static_shares_over_100_in_one_rule() {
    let err = parse(
        r#"
[[rule]]
id = "r"
match = { cost_centre = "X" }
[[rule.target]]
cohort = "care-leavers"
share = 70
[[rule.target]]
cohort = "prison-leavers"
share = 40
"#,
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("rule[0] \"r\".target: the targets' shares add up to 110%"),
        "{err}"
    );
}

mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Any ledger, any shares: every agency reconciles exactly and every target's total is
        /// within one smallest unit per line of its exact share.
        #[test]
        fn every_agency_reconciles(
            amounts in prop::collection::vec((-10_000_000i64..10_000_000, 2u32..5, 0u16..2, 0usize..4), 1..60),
            s1 in 0u32..=100, s2 in 0u32..=100, bu in 0u32..=100,
        ) {
            let ccs = ["LAC100", "LAC200", "OFF1", "MISC"];
            let lines: Vec<(u16, &str, &str, &str, Decimal)> = amounts
                .iter()
                .map(|&(m, sc, a, c)| (a, ccs[c], "", "", Decimal::new(m, sc)))
                .collect();
            let l = ledger(&lines);
            let s2 = s2.min(100 - s1);
            // Bottom-up on the MISC lines: a share of their total in pennies, when positive.
            let misc: Decimal = lines.iter().filter(|l| l.1 == "MISC").map(|l| l.4).sum();
            let misc_pennies = (misc * Decimal::ONE_HUNDRED).floor();
            let count = if misc_pennies > Decimal::ZERO { (misc_pennies * Decimal::from(bu) / Decimal::from(100)).floor() } else { Decimal::ZERO };
            let text = format!(r#"
[[rule]]
id = "lac"
match = {{ cost_centre = {{ prefix = "LAC" }} }}
[[rule.target]]
cohort = "care-leavers"
share = {s1}
[[rule.target]]
cohort = "prison-leavers"
share = {s2}
[[rule]]
id = "off"
match = {{ cost_centre = {{ regex = "^OFF" }} }}
[[rule.target]]
cohort = "prison-leavers"
share = "33.3333"
[[rule]]
id = "misc"
match = {{ cost_centre = "MISC" }}
[[rule.target]]
cohort = "care-leavers"
unit_cost = "0.01"
count = {count}
source = "test"
"#);
            let map = map_ledger(&place(), &parse(&text).unwrap(), &l).unwrap();
            for (a, s) in map.agencies.iter().enumerate() {
                prop_assert_eq!(s.mapped + s.not_cohort_specific(), s.ingested);
                let direct: Decimal = l.lines.iter().filter(|x| x.agency as usize == a).map(|x| x.amount).sum();
                prop_assert_eq!(s.ingested, direct);
            }
            // The bottom-up target's total is unit cost × count to the penny when the pool's
            // lines are all in pennies; otherwise within one unit per line.
            let want = count / Decimal::ONE_HUNDRED;
            let got = map.rules[2].by_target[0];
            let pool_in_pennies = lines.iter().filter(|l| l.1 == "MISC").all(|l| l.4.normalize().scale() <= 2);
            if pool_in_pennies {
                prop_assert_eq!(got, want);
            } else {
                let n = lines.iter().filter(|l| l.1 == "MISC").count();
                prop_assert!((got - want).abs() <= Decimal::new(n as i64, 2), "{} vs {}", got, want);
            }
        }
    }
}

/// More than 64 rules that can match take the engine's rule-by-rule path rather than the
/// bitmasks; both give the same map (here 61 low-priority rules that are always shadowed are
/// added to five rules with precedence and an accumulating pair).
#[test]
fn many_rules_fall_back_with_the_same_results() {
    let base = r#"
[[rule]]
id = "leaving-care-allowances"
priority = 10
match = { agency = "council", account = ["5100", "5101"] }
[[rule.target]]
transition = "leaving-care"

[[rule]]
id = "lac-general"
match = { cost_centre = { prefix = "LAC" } }
[[rule.target]]
cohort = "care-leavers"
share = 25

[[rule]]
id = "lac-extra"
match = { cost_centre = { prefix = "LA" }, description = { regex = "Staff" } }
[[rule.target]]
cohort = "prison-leavers"
share = 10

[[rule]]
id = "offenders"
match = { agency = "police", description = { regex = "(?i)offender|IOM" } }
[[rule.target]]
cohort = "prison-leavers"
transition = "prison-release"
share = "50%"

[[rule]]
id = "nothing"
match = { cost_centre = "ZZZ" }
[[rule.target]]
cohort = "care-leavers"
"#;
    let mut many = base.to_string();
    for i in 0..61 {
        many += &format!(
            "\n[[rule]]\nid = \"filler{i}\"\npriority = -1\nmatch = {{ cost_centre = [\"LAC100\", \"OFF200\"] }}\n[[rule.target]]\ncohort = \"care-leavers\"\n"
        );
    }
    let l = sample_ledger();
    let few = map_ledger(&place(), &parse(base).unwrap(), &l).unwrap();
    let lots = map_ledger(&place(), &parse(&many).unwrap(), &l).unwrap();
    check_reconciles(&few);
    check_reconciles(&lots);
    assert_eq!(few.agency_cohort(0, 1), dec!(200));
    assert_eq!(
        format!("{:?}", few.agencies),
        format!("{:?}", lots.agencies)
    );
    assert_eq!(
        format!("{:?}", few.remainders),
        format!("{:?}", lots.remainders)
    );
    assert_eq!(
        format!("{:?}", few.rules),
        format!("{:?}", &lots.rules[..few.rules.len()])
    );
    assert!(lots.rules[few.rules.len()..].iter().all(|r| r.lines == 0));
    for a in 0..few.agencies.len() {
        for t in 0..few.targets.len() {
            assert_eq!(few.amount(a, t), lots.amount(a, t));
        }
    }
    assert_eq!(few.largest_unmatched, lots.largest_unmatched);
}
