//! The mapping engine: rules compiled once against the ledger's string table, two passes over
//! the lines (match, then allocate), no allocation per line.
//!
//! Pass 1 finds, for each line, the set of rules that apply (the highest-priority matches; see
//! the module docs) and interns that set as a "combination" id, summing each rule's pool of
//! lines. Bottom-up targets then get their ratio (unit cost × count ÷ pool) and every
//! combination's shares are checked once (not per line) not to exceed 100%. Pass 2 splits each
//! matched line with [`alloc::split`] and adds the parts to per-agency totals held as integers
//! at one common scale.

use std::collections::HashMap;

use lasso::Key;
use regex::RegexSet;
use rust_decimal::Decimal;
use serde::Serialize;

use super::alloc::{self, ONE};
use super::{Basis, Mapping, Test};
use crate::error::{Error, Location, Result};
use crate::ledger::{Field, Ledger, LedgerLine, Strings};
use crate::model::Place;
use crate::money;

/// `SpendMap::combo_of`-style marker for a line no rule took.
pub const UNMATCHED: u32 = u32::MAX;

/// How many of the largest unmatched lines are kept.
const LARGEST: usize = 25;

/// One target of one rule, in the flat list [`SpendMap::targets`].
#[derive(Debug, Clone, Copy, Serialize)]
pub struct TargetRef {
    pub rule: usize,
    /// Index into the rule's `targets`.
    pub target: usize,
    pub cohort: usize,
    pub transition: Option<usize>,
}

/// Per-agency reconciliation: `mapped + remainder + out_of_scope + unmatched = ingested`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AgencySummary {
    pub lines: u64,
    pub ingested: Decimal,
    /// Allocated to a cohort.
    pub mapped: Decimal,
    /// The part of lines taken by rules that their targets did not allocate.
    pub remainder: Decimal,
    /// Lines taken by `out_of_scope` rules.
    pub out_of_scope: Decimal,
    /// Lines no rule took.
    pub unmatched: Decimal,
    pub unmatched_lines: u64,
}

impl AgencySummary {
    /// Everything not allocated to a cohort: remainder + out of scope + unmatched.
    pub fn not_cohort_specific(&self) -> Decimal {
        self.remainder + self.out_of_scope + self.unmatched
    }
    /// Mapped ÷ ingested, as a percentage (none when nothing was ingested).
    pub fn coverage_pct(&self) -> Option<Decimal> {
        (!self.ingested.is_zero()).then(|| self.mapped / self.ingested * Decimal::ONE_HUNDRED)
    }
}

/// What one rule took.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RuleSummary {
    /// Lines the rule applied to (a line taken by two rules of equal priority counts for both).
    pub lines: u64,
    /// Sum of those lines.
    pub amount: Decimal,
    /// Allocated to the rule's targets.
    pub mapped: Decimal,
    /// Per target, in the rule's order.
    pub by_target: Vec<Decimal>,
    /// Per target: the ratio applied (fraction of one, at 18 decimal places).
    pub ratios: Vec<Decimal>,
}

/// The spend map of a place.
#[derive(Debug, Clone, Serialize)]
pub struct SpendMap {
    /// Decimal places of the integer arithmetic (2, or more if a line has sub-penny digits).
    pub scale: u32,
    pub lines: usize,
    /// Every target of every rule, flattened.
    pub targets: Vec<TargetRef>,
    /// `amounts[agency * targets.len() + t]`: what agency put into target `t`.
    pub amounts: Vec<Decimal>,
    /// Unallocated parts of taken lines, by agency and set of rules: (agency, rules, out of
    /// scope?, amount). Non-zero entries only.
    pub remainders: Vec<(usize, Vec<usize>, bool, Decimal)>,
    pub agencies: Vec<AgencySummary>,
    pub rules: Vec<RuleSummary>,
    /// Indices into the ledger of the largest lines no rule took, largest first (by size).
    pub largest_unmatched: Vec<usize>,
    pub warnings: Vec<String>,
}

impl SpendMap {
    pub fn amount(&self, agency: usize, target: usize) -> Decimal {
        self.amounts[agency * self.targets.len() + target]
    }
    fn sum_where(&self, f: impl Fn(usize, &TargetRef) -> bool) -> Decimal {
        let nt = self.targets.len();
        let mut s = Decimal::ZERO;
        for a in 0..self.agencies.len() {
            for (t, tr) in self.targets.iter().enumerate() {
                if f(a, tr) {
                    s += self.amounts[a * nt + t];
                }
            }
        }
        s
    }
    /// What an agency spends on a cohort (all transitions, and none).
    pub fn agency_cohort(&self, agency: usize, cohort: usize) -> Decimal {
        self.sum_where(|a, t| a == agency && t.cohort == cohort)
    }
    pub fn cohort_total(&self, cohort: usize) -> Decimal {
        self.sum_where(|_, t| t.cohort == cohort)
    }
    /// Spend at a transition point (`None`: the cohort's spend not tied to a transition).
    pub fn agency_transition(
        &self,
        agency: usize,
        cohort: usize,
        transition: Option<usize>,
    ) -> Decimal {
        self.sum_where(|a, t| a == agency && t.cohort == cohort && t.transition == transition)
    }
    pub fn transition_total(&self, cohort: usize, transition: Option<usize>) -> Decimal {
        self.sum_where(|_, t| t.cohort == cohort && t.transition == transition)
    }
    pub fn total_ingested(&self) -> Decimal {
        self.agencies.iter().map(|a| a.ingested).sum()
    }
    pub fn total_mapped(&self) -> Decimal {
        self.agencies.iter().map(|a| a.mapped).sum()
    }
}

/// A compiled condition on a string field.
enum CTest {
    Exact(usize),
    List(Vec<usize>),
    Cached(usize),
    /// A regex test `k` that is one of several on its field: a miss runs the field's
    /// [`RegexSet`] once and caches every one of its tests for that string.
    InSet {
        k: usize,
        set: usize,
        /// The test's position among the set's patterns.
        pos: usize,
    },
}

struct CCond {
    field: Field,
    test: CTest,
}

/// Prefix and regex tests, each evaluated at most once per distinct string. Results live in
/// one table indexed by symbol, two bits per test (known, result), 32 tests to a word, so all
/// the tests a line needs on one string come from the same cache line.
struct Caches {
    tests: Vec<Test>,
    /// Words per symbol: ceil(tests / 32).
    stride: usize,
    bits: Vec<u64>,
    /// The regex tests applied to one field, when there are several, as one set (one scan of
    /// a string answers all of them) and the test ids of its patterns, in order.
    sets: Vec<(RegexSet, Vec<usize>)>,
}

impl Caches {
    /// The cached result of test `k` on symbol `id`, if known.
    #[inline]
    fn known(&self, k: usize, id: usize) -> Option<bool> {
        let v = self.bits[id * self.stride + (k >> 5)] >> ((k & 31) * 2);
        (v & 1 != 0).then_some(v & 2 != 0)
    }

    #[inline]
    fn store(&mut self, k: usize, id: usize, hit: bool) {
        self.bits[id * self.stride + (k >> 5)] |= (1 | (u64::from(hit) << 1)) << ((k & 31) * 2);
    }

    #[inline]
    fn get(&mut self, k: usize, id: usize, strings: &Strings, sym: lasso::Spur) -> bool {
        if let Some(hit) = self.known(k, id) {
            return hit;
        }
        let hit = self.tests[k].is_match(strings.resolve(&sym));
        self.store(k, id, hit);
        hit
    }

    /// Test `k`, one of set `set`: on a miss every test of the set is decided for the string.
    #[inline]
    fn get_in_set(
        &mut self,
        (k, set, pos): (usize, usize, usize),
        id: usize,
        strings: &Strings,
        sym: lasso::Spur,
    ) -> bool {
        if let Some(hit) = self.known(k, id) {
            return hit;
        }
        let found = self.sets[set].0.matches(strings.resolve(&sym));
        for i in 0..self.sets[set].1.len() {
            let t = self.sets[set].1[i];
            self.store(t, id, found.matched(i));
        }
        found.matched(pos)
    }
}

/// The result of one compiled condition on a string, from the caches on a miss.
#[inline]
fn passes(
    test: &CTest,
    caches: &mut Caches,
    id: usize,
    strings: &Strings,
    sym: lasso::Spur,
) -> bool {
    match test {
        CTest::Exact(s) => id == *s,
        CTest::List(v) => {
            if v.len() <= 8 {
                v.contains(&id)
            } else {
                v.binary_search(&id).is_ok()
            }
        }
        CTest::Cached(k) => caches.get(*k, id, strings, sym),
        CTest::InSet { k, set, pos } => caches.get_in_set((*k, *set, *pos), id, strings, sym),
    }
}

/// Marks a symbol whose mask on a field is not known yet.
const UNKNOWN: u16 = u16::MAX;

/// One string field that some rule tests, as bitmasks over the ranked rules (see [`Masks`]).
struct FieldMasks {
    field: Field,
    /// Exact and list conditions: (rank bit, rule, index into the rule's conditions).
    plain: Vec<(u64, u32, u32)>,
    /// Prefix and lone regex tests: (test id in [`Caches::tests`], the rank bits testing it).
    tests: Vec<(usize, u64)>,
    /// Regex sets: (set id in [`Caches::sets`], per pattern the rank bits testing it).
    sets: Vec<(usize, Vec<u64>)>,
    /// Per symbol: index into `masks`, or [`UNKNOWN`] until the symbol is first seen here.
    idx: Vec<u16>,
    /// The distinct masks met so far (a handful: strings mostly pass the same tests).
    masks: Vec<u64>,
    ids: HashMap<u64, u16>,
}

impl FieldMasks {
    /// The ranked rules whose conditions on this field the string passes (all ones for rules
    /// that do not test it).
    #[inline]
    fn get(
        &mut self,
        id: usize,
        conds: &[Vec<CCond>],
        caches: &Caches,
        strings: &Strings,
        sym: lasso::Spur,
    ) -> u64 {
        let i = self.idx[id];
        if i != UNKNOWN {
            return self.masks[i as usize];
        }
        self.first_sight(id, conds, caches, strings, sym)
    }

    /// Every test on the field decided for a new string: each prefix or regex test once, each
    /// regex set in one scan.
    #[cold]
    #[inline(never)]
    fn first_sight(
        &mut self,
        id: usize,
        conds: &[Vec<CCond>],
        caches: &Caches,
        strings: &Strings,
        sym: lasso::Spur,
    ) -> u64 {
        let mut m = u64::MAX;
        for &(bit, r, c) in &self.plain {
            let ok = match &conds[r as usize][c as usize].test {
                CTest::Exact(s) => id == *s,
                CTest::List(v) => {
                    if v.len() <= 8 {
                        v.contains(&id)
                    } else {
                        v.binary_search(&id).is_ok()
                    }
                }
                CTest::Cached(_) | CTest::InSet { .. } => unreachable!("plain tests only"),
            };
            if !ok {
                m &= !bit;
            }
        }
        if !self.tests.is_empty() || !self.sets.is_empty() {
            let text = strings.resolve(&sym);
            for &(k, bits) in &self.tests {
                if m & bits != 0 && !caches.tests[k].is_match(text) {
                    m &= !bits;
                }
            }
            for (set, bits) in &self.sets {
                if bits.iter().any(|&b| m & b != 0) {
                    let found = caches.sets[*set].0.matches(text);
                    for (pos, &b) in bits.iter().enumerate() {
                        if !found.matched(pos) {
                            m &= !b;
                        }
                    }
                }
            }
        }
        // Most fields have a few distinct masks: scan those before hashing.
        if let Some(i) = self.masks.iter().take(16).position(|&x| x == m) {
            self.idx[id] = i as u16;
            return m;
        }
        let next = self.masks.len();
        let i = *self.ids.entry(m).or_insert_with(|| {
            // Past 65,535 distinct masks the newcomers are recomputed each time (same
            // answer, slower).
            if next < usize::from(UNKNOWN) {
                self.masks.push(m);
                next as u16
            } else {
                UNKNOWN
            }
        });
        self.idx[id] = i;
        m
    }
}

/// The fast path, for up to 64 rules that can match: rules ranked by priority (highest first)
/// then file order, one bit each (bit 0 = rank 0). A line's candidates are its agency's mask
/// ANDed with, per tested field, the mask of rules whose tests the field's string passes; the
/// rules that apply are the set bits at the priority of the lowest one.
struct Masks {
    /// Rank → rule.
    rule_of: Vec<u32>,
    /// Rank → the ranks at the same priority.
    level: Vec<u64>,
    /// Per agency: the ranks that can apply.
    agency: Vec<u64>,
    fields: Vec<FieldMasks>,
}

impl Masks {
    fn new(
        order: &[u32],
        by_agency: &[Vec<u32>],
        conds: &[Vec<CCond>],
        priority: &[i64],
        sets: &[(RegexSet, Vec<usize>)],
        nsym: usize,
    ) -> Option<Masks> {
        // Only rules that can apply to some agency get a bit.
        let mut possible = vec![false; priority.len()];
        for &r in by_agency.iter().flatten() {
            possible[r as usize] = true;
        }
        let rule_of: Vec<u32> = order
            .iter()
            .copied()
            .filter(|&r| possible[r as usize])
            .collect();
        if rule_of.len() > 64 {
            return None;
        }
        let mut rank = vec![usize::MAX; priority.len()];
        for (t, &r) in rule_of.iter().enumerate() {
            rank[r as usize] = t;
        }
        let level = rule_of
            .iter()
            .map(|&r| {
                rule_of
                    .iter()
                    .enumerate()
                    .filter(|&(_, &q)| priority[q as usize] == priority[r as usize])
                    .fold(0u64, |m, (t, _)| m | 1 << t)
            })
            .collect();
        let agency = by_agency
            .iter()
            .map(|rs| rs.iter().fold(0u64, |m, &r| m | 1 << rank[r as usize]))
            .collect();
        let mut fields: Vec<FieldMasks> = Vec::new();
        for &r in &rule_of {
            let bit = 1u64 << rank[r as usize];
            for (c, cond) in conds[r as usize].iter().enumerate() {
                let f = match fields.iter().position(|f| f.field == cond.field) {
                    Some(f) => f,
                    None => {
                        fields.push(FieldMasks {
                            field: cond.field,
                            plain: Vec::new(),
                            tests: Vec::new(),
                            sets: Vec::new(),
                            idx: vec![UNKNOWN; nsym],
                            masks: Vec::new(),
                            ids: HashMap::new(),
                        });
                        fields.len() - 1
                    }
                };
                let f = &mut fields[f];
                match cond.test {
                    CTest::Exact(_) | CTest::List(_) => f.plain.push((bit, r, c as u32)),
                    CTest::Cached(k) => match f.tests.iter_mut().find(|t| t.0 == k) {
                        Some(t) => t.1 |= bit,
                        None => f.tests.push((k, bit)),
                    },
                    CTest::InSet { set, pos, .. } => {
                        let i = match f.sets.iter().position(|s| s.0 == set) {
                            Some(i) => i,
                            None => {
                                f.sets.push((set, vec![0; sets[set].1.len()]));
                                f.sets.len() - 1
                            }
                        };
                        f.sets[i].1[pos] |= bit;
                    }
                }
            }
        }
        // Fields with only exact and list tests first: a line they rule out never looks up
        // its (usually many-valued) prefix- or regex-tested strings.
        fields.sort_by_key(|f| !f.tests.is_empty() || !f.sets.is_empty());
        Some(Masks {
            rule_of,
            level,
            agency,
            fields,
        })
    }
}

struct Compiled {
    /// Per agency: the rules that can apply, by priority (highest first) then file order.
    by_agency: Vec<Vec<u32>>,
    conds: Vec<Vec<CCond>>,
    priority: Vec<i64>,
    caches: Caches,
    /// The bitmask path, when there are at most 64 rules that can apply.
    masks: Option<Masks>,
}

fn compile(place: &Place, mapping: &Mapping, strings: &Strings) -> Compiled {
    let nsym = strings.len() + 1;
    let mut tests: Vec<Test> = Vec::new();
    let mut cache_ids: HashMap<String, usize> = HashMap::new();
    let mut conds = Vec::with_capacity(mapping.rules.len());
    let mut possible = Vec::with_capacity(mapping.rules.len());
    for rule in &mapping.rules {
        let mut cs = Vec::new();
        let mut can_match = true;
        for c in &rule.conditions {
            if c.field == Field::Agency {
                continue;
            }
            let test = match &c.test {
                Test::Exact(vals) => {
                    let mut ids: Vec<usize> = vals
                        .iter()
                        .filter_map(|v| strings.get(v.as_str()))
                        .map(|s| s.into_usize())
                        .collect();
                    ids.sort_unstable();
                    ids.dedup();
                    match ids.len() {
                        0 => {
                            can_match = false;
                            continue;
                        }
                        1 => CTest::Exact(ids[0]),
                        _ => CTest::List(ids),
                    }
                }
                t => {
                    let key = match t {
                        Test::Prefix(p) => format!("p\0{}", p.join("\0")),
                        Test::Regex(r) => format!("r\0{}", r.as_str()),
                        Test::Exact(_) => unreachable!(),
                    };
                    let k = *cache_ids.entry(key).or_insert_with(|| {
                        tests.push(t.clone());
                        tests.len() - 1
                    });
                    CTest::Cached(k)
                }
            };
            cs.push(CCond {
                field: c.field,
                test,
            });
        }
        conds.push(cs);
        possible.push(can_match);
    }
    // Regex tests by field: where a field has several, one RegexSet decides them together.
    let mut by_field: Vec<(Field, Vec<usize>)> = Vec::new();
    for cs in &conds {
        for c in cs {
            if let CTest::Cached(k) = c.test {
                if matches!(tests[k], Test::Regex(_)) {
                    match by_field.iter_mut().find(|(f, _)| *f == c.field) {
                        Some((_, ks)) if !ks.contains(&k) => ks.push(k),
                        Some(_) => {}
                        None => by_field.push((c.field, vec![k])),
                    }
                }
            }
        }
    }
    let mut sets = Vec::new();
    for (field, ks) in by_field {
        if ks.len() < 2 {
            continue;
        }
        let patterns = ks.iter().map(|&k| match &tests[k] {
            Test::Regex(re) => re.as_str(),
            _ => unreachable!("regex tests only"),
        });
        // Every pattern compiled alone; should the union exceed the size limits, keep
        // testing one by one.
        let Ok(set) = RegexSet::new(patterns) else {
            continue;
        };
        let set_id = sets.len();
        for c in conds.iter_mut().flatten() {
            if let CTest::Cached(k) = c.test {
                if c.field == field {
                    if let Some(pos) = ks.iter().position(|&t| t == k) {
                        c.test = CTest::InSet {
                            k,
                            set: set_id,
                            pos,
                        };
                    }
                }
            }
        }
        sets.push((set, ks));
    }
    let mut order: Vec<u32> = (0..mapping.rules.len() as u32).collect();
    order.sort_by_key(|&r| std::cmp::Reverse(mapping.rules[r as usize].priority));
    let by_agency: Vec<Vec<u32>> = place
        .agencies
        .iter()
        .map(|a| {
            order
                .iter()
                .copied()
                .filter(|&r| {
                    let rule = &mapping.rules[r as usize];
                    possible[r as usize] && rule.agency_test().is_none_or(|t| t.is_match(&a.id))
                })
                .collect()
        })
        .collect();
    let priority: Vec<i64> = mapping.rules.iter().map(|r| r.priority).collect();
    let masks = Masks::new(&order, &by_agency, &conds, &priority, &sets, nsym);
    Compiled {
        by_agency,
        conds,
        priority,
        masks,
        caches: {
            let stride = tests.len().div_ceil(32).max(1);
            Caches {
                tests,
                stride,
                bits: vec![0; nsym * stride],
                sets,
            }
        },
    }
}

impl Compiled {
    /// The rules that apply to a line, into `found` (cleared first).
    #[inline]
    fn matching(
        (by_agency, conds, priority): (&[Vec<u32>], &[Vec<CCond>], &[i64]),
        caches: &mut Caches,
        line: &LedgerLine,
        strings: &Strings,
        found: &mut Vec<u32>,
    ) {
        found.clear();
        let Some(cands) = by_agency.get(line.agency as usize) else {
            return;
        };
        let mut level: Option<i64> = None;
        'rules: for &r in cands {
            let p = priority[r as usize];
            if level.is_some_and(|l| l != p) {
                break;
            }
            for c in &conds[r as usize] {
                let sym = line
                    .sym(c.field)
                    .expect("agency conditions are compiled into by_agency");
                if !passes(&c.test, caches, sym.into_usize(), strings, sym) {
                    continue 'rules;
                }
            }
            level = Some(p);
            found.push(r);
        }
    }

    /// The fast path: the ranks (see [`Masks`]) of the rules that apply to a line, 0 for none.
    #[inline]
    fn mask_of(
        masks: &mut Masks,
        conds: &[Vec<CCond>],
        caches: &Caches,
        line: &LedgerLine,
        strings: &Strings,
    ) -> u64 {
        let Some(&m0) = masks.agency.get(line.agency as usize) else {
            return 0;
        };
        let mut m = m0;
        for f in &mut masks.fields {
            if m == 0 {
                return 0;
            }
            let sym = line
                .sym(f.field)
                .expect("agency conditions are compiled into by_agency");
            m &= f.get(sym.into_usize(), conds, caches, strings, sym);
        }
        if m == 0 {
            return 0;
        }
        m & masks.level[m.trailing_zeros() as usize]
    }
}

/// A set of rules that apply together to some lines.
struct Combo {
    rules: Vec<u32>,
    lines: u64,
    first_line: usize,
    /// Flat target indices and their shares (fractions of `alloc::ONE`).
    targets: Vec<usize>,
    shares: Vec<u64>,
    out_of_scope: bool,
    /// Bottom-up targets among `targets`: (position in `targets`, index into the bottom-up list).
    bottom_up: Vec<(usize, usize)>,
}

/// A line of a bottom-up pool, as split: where a one-unit swap between the bottom-up target
/// and the line's remainder could bring the target's total to exactly unit cost × count.
struct PoolLine {
    line: usize,
    agency: usize,
    combo: usize,
    /// The line's smallest unit, in units of the map's scale.
    unit: i128,
    positive: bool,
    target_taken: bool,
    rest_taken: bool,
    frac: u64,
}

/// 10^k for k in 0..=38.
const POW10: [i128; 39] = {
    let mut t = [1i128; 39];
    let mut k = 1;
    while k < 39 {
        t[k] = t[k - 1] * 10;
        k += 1;
    }
    t
};

fn pow10(k: u32) -> i128 {
    POW10[k as usize]
}

/// A line's amount without trailing zeros beyond the penny (a £m figure converted to pounds
/// keeps its source scale, e.g. `612379000.000`) and its smallest unit: max(2, scale).
#[inline]
fn significant(d: Decimal) -> (Decimal, u32) {
    let d = if d.scale() > 2 { d.normalize() } else { d };
    (d, d.scale().max(2))
}

/// A line's amount as integer units at `scale` (≥ the amount's own scale).
#[inline]
fn units_at(d: Decimal, scale: u32) -> Option<i128> {
    let m = d.mantissa();
    if scale == d.scale() {
        Some(m)
    } else {
        m.checked_mul(POW10[(scale - d.scale()) as usize])
    }
}

fn line_loc(place: &Place, line: &LedgerLine) -> Location {
    let s = &place.sources[line.source as usize];
    Location {
        file: s.display.clone(),
        sheet: s.sheet.clone(),
        row: Some(line.row),
        col: None,
    }
}

fn to_decimal(units: i128, scale: u32) -> Decimal {
    Decimal::from_i128_with_scale(units, scale).normalize()
}

/// Fixed-point share (fraction of [`ONE`]) from a fraction of one.
fn fixed(frac: Decimal) -> u64 {
    let scaled = money::round_half_up(frac * Decimal::from(ONE), 0);
    u64::try_from(scaled.mantissa() / pow10(scaled.scale()))
        .unwrap_or(ONE)
        .min(ONE)
}

/// Map every ledger line: the spend map, or every problem found (bottom-up totals exceeding
/// their lines, lines whose rules' shares exceed 100%), each naming the mapping file and rules.
pub fn map_ledger(place: &Place, mapping: &Mapping, ledger: &Ledger) -> Result<SpendMap> {
    let nrules = mapping.rules.len();
    let nag = place.agencies.len();
    let strings = &ledger.strings;
    let mut compiled = compile(place, mapping, strings);

    // Flat target list.
    let mut targets = Vec::new();
    let mut first_target = Vec::with_capacity(nrules);
    for (r, rule) in mapping.rules.iter().enumerate() {
        first_target.push(targets.len());
        for (j, t) in rule.targets.iter().enumerate() {
            targets.push(TargetRef {
                rule: r,
                target: j,
                cohort: t.cohort,
                transition: t.transition,
            });
        }
    }
    let nt = targets.len();

    // Pass 0: the common scale.
    let scale = ledger
        .lines
        .iter()
        .map(|l| significant(l.amount).1)
        .max()
        .unwrap_or(2);
    let too_big = |l: &LedgerLine| {
        Error::input(
            line_loc(place, l),
            format!("amount {} has too many digits to map exactly", l.amount),
        )
    };

    // Pass 1: which rules apply to each line.
    let mut combos: Vec<Combo> = (0..nrules)
        .map(|r| Combo {
            rules: vec![r as u32],
            lines: 0,
            first_line: 0,
            targets: Vec::new(),
            shares: Vec::new(),
            out_of_scope: false,
            bottom_up: Vec::new(),
        })
        .collect();
    let mut combo_ids: HashMap<Vec<u32>, u32> = HashMap::new();
    // The fast path's combinations, by mask (each mask stands for one list of rules).
    let mut combo_masks: HashMap<u64, u32> = HashMap::new();
    let mut combo_of: Vec<u32> = Vec::with_capacity(ledger.lines.len());
    let mut pool = vec![0i128; nrules];
    let mut agencies = vec![AgencySummary::default(); nag];
    let mut ingested = vec![0i128; nag];
    let mut found: Vec<u32> = Vec::with_capacity(16);
    let Compiled {
        by_agency,
        conds,
        priority,
        caches,
        masks,
    } = &mut compiled;
    for (i, line) in ledger.lines.iter().enumerate() {
        let c = if let Some(masks) = masks {
            let m = Compiled::mask_of(masks, conds, caches, line, strings);
            if m == 0 {
                UNMATCHED
            } else if m & (m - 1) == 0 {
                masks.rule_of[m.trailing_zeros() as usize]
            } else {
                match combo_masks.get(&m) {
                    Some(&c) => c,
                    None => {
                        let c = combos.len() as u32;
                        let mut rules = Vec::with_capacity(m.count_ones() as usize);
                        let mut rest = m;
                        while rest != 0 {
                            rules.push(masks.rule_of[rest.trailing_zeros() as usize]);
                            rest &= rest - 1;
                        }
                        combos.push(Combo {
                            rules,
                            lines: 0,
                            first_line: i,
                            targets: Vec::new(),
                            shares: Vec::new(),
                            out_of_scope: false,
                            bottom_up: Vec::new(),
                        });
                        combo_masks.insert(m, c);
                        c
                    }
                }
            }
        } else {
            Compiled::matching(
                (&by_agency[..], &conds[..], &priority[..]),
                caches,
                line,
                strings,
                &mut found,
            );
            match found.len() {
                0 => UNMATCHED,
                1 => found[0],
                _ => match combo_ids.get(found.as_slice()) {
                    Some(&c) => c,
                    None => {
                        let c = combos.len() as u32;
                        combos.push(Combo {
                            rules: found.clone(),
                            lines: 0,
                            first_line: i,
                            targets: Vec::new(),
                            shares: Vec::new(),
                            out_of_scope: false,
                            bottom_up: Vec::new(),
                        });
                        combo_ids.insert(found.clone(), c);
                        c
                    }
                },
            }
        };
        if c != UNMATCHED {
            let u = units_at(significant(line.amount).0, scale).ok_or_else(|| too_big(line))?;
            let combo = &mut combos[c as usize];
            if combo.lines == 0 {
                combo.first_line = i;
            }
            combo.lines += 1;
            for &r in &combo.rules {
                pool[r as usize] += u;
            }
        }
        combo_of.push(c);
    }

    // Ratios per target, then per combination; check them once.
    let mut errors = Vec::new();
    let mut ratio = vec![0u64; nt];
    // Bottom-up targets: (flat target index, unit cost × count in units of `scale`).
    let mut bottom_up: Vec<(usize, i128)> = Vec::new();
    let mut bottom_up_of = vec![usize::MAX; nt];
    let mut rules_out = vec![RuleSummary::default(); nrules];
    for (r, rule) in mapping.rules.iter().enumerate() {
        let taken = to_decimal(pool[r], scale);
        rules_out[r].amount = taken;
        for (j, t) in rule.targets.iter().enumerate() {
            let k = first_target[r] + j;
            ratio[k] = match &t.basis {
                Basis::Whole => ONE,
                Basis::Share(p) => fixed(*p / Decimal::ONE_HUNDRED),
                Basis::Driver(d) => fixed(mapping.drivers[*d].ratio()),
                Basis::BottomUp {
                    unit_cost, count, ..
                } => {
                    let want = *unit_cost * *count;
                    if want.is_zero() {
                        0
                    } else if want > taken {
                        errors.push(Error::model(
                            &mapping.file,
                            format!("{}.target[{j}]", mapping.rule_key(r)),
                            format!(
                                "bottom-up {} × {} = {} exceeds the {} of lines this rule takes ({} lines); \
                                 lower the count or unit cost, or widen the match",
                                count.normalize(),
                                money::format_gbp(*unit_cost),
                                money::format_gbp(want),
                                money::format_gbp(taken),
                                combos[r].lines
                                    + combos[nrules..]
                                        .iter()
                                        .filter(|c| c.rules.contains(&(r as u32)))
                                        .map(|c| c.lines)
                                        .sum::<u64>(),
                            ),
                        ));
                        0
                    } else {
                        let w = money::round_half_up(want, scale);
                        bottom_up_of[k] = bottom_up.len();
                        bottom_up.push((k, w.mantissa() * pow10(scale - w.scale())));
                        fixed(want / taken)
                    }
                }
            };
            rules_out[r]
                .ratios
                .push(Decimal::from_i128_with_scale(i128::from(ratio[k]), 18).normalize());
        }
    }
    for combo in combos.iter_mut() {
        let mut sum: u128 = 0;
        let oos: Vec<bool> = combo
            .rules
            .iter()
            .map(|&r| mapping.rules[r as usize].out_of_scope)
            .collect();
        combo.out_of_scope = oos.iter().all(|b| *b);
        for &r in &combo.rules {
            let r = r as usize;
            for j in 0..mapping.rules[r].targets.len() {
                let k = first_target[r] + j;
                if bottom_up_of[k] != usize::MAX {
                    combo.bottom_up.push((combo.targets.len(), bottom_up_of[k]));
                }
                combo.targets.push(k);
                combo.shares.push(ratio[k]);
                sum += u128::from(ratio[k]);
            }
        }
        if combo.lines == 0 || combo.rules.len() < 2 && sum <= u128::from(ONE) {
            continue;
        }
        let names = || {
            combo
                .rules
                .iter()
                .map(|&r| format!("\"{}\"", mapping.rules[r as usize].id))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let key = || {
            combo
                .rules
                .iter()
                .map(|&r| mapping.rule_key(r as usize))
                .collect::<Vec<_>>()
                .join(" + ")
        };
        let example = &ledger.lines[combo.first_line];
        if sum > u128::from(ONE) {
            let pct = Decimal::from_i128_with_scale(sum as i128, 16).normalize();
            errors.push(Error::model(
                &mapping.file,
                key(),
                format!(
                    "rules {} all apply (priority {}) to {} line(s), e.g. {}, and their targets add up to {}% of each line, more than 100%; \
                     give one rule a higher priority, narrow a match, or lower the shares",
                    names(),
                    mapping.rules[combo.rules[0] as usize].priority,
                    combo.lines,
                    line_loc(place, example),
                    pct
                ),
            ));
        } else if !combo.out_of_scope && oos.iter().any(|b| *b) {
            errors.push(Error::model(
                &mapping.file,
                key(),
                format!(
                    "rules {} apply at the same priority to {} line(s), e.g. {}, but some are out of scope and some map to cohorts; \
                     give one a higher priority",
                    names(),
                    combo.lines,
                    line_loc(place, example)
                ),
            ));
        }
    }
    Error::from_list(errors)?;

    // Pass 2: split the lines.
    let ncombo = combos.len();
    let mut amounts = vec![0i128; nag * nt];
    let mut rest = vec![0i128; nag * ncombo];
    let mut unmatched = vec![0i128; nag];
    let mut unmatched_lines = vec![0u64; nag];
    let mut line_count = vec![0u64; nag];
    let mut largest: Vec<(u128, usize)> = Vec::with_capacity(LARGEST + 1);
    let width = combos.iter().map(|c| c.shares.len()).max().unwrap_or(0) + 1;
    let mut pools: Vec<Vec<PoolLine>> = bottom_up.iter().map(|_| Vec::new()).collect();
    let mut out = vec![0i128; width];
    let mut rem = vec![0u64; width];
    for (i, (line, &c)) in ledger.lines.iter().zip(&combo_of).enumerate() {
        let a = line.agency as usize;
        if a >= nag {
            continue;
        }
        let (amount, own) = significant(line.amount);
        let up = POW10[(scale - own) as usize];
        let u = units_at(amount, own).ok_or_else(|| too_big(line))?;
        let u_s = if up == 1 {
            u
        } else {
            u.checked_mul(up).ok_or_else(|| too_big(line))?
        };
        ingested[a] += u_s;
        line_count[a] += 1;
        if c == UNMATCHED {
            unmatched[a] += u_s;
            unmatched_lines[a] += 1;
            let size = u_s.unsigned_abs();
            if largest.len() < LARGEST || size > largest[largest.len() - 1].0 {
                let pos = largest.partition_point(|&(s, _)| s >= size);
                largest.insert(pos, (size, i));
                largest.truncate(LARGEST);
            }
            continue;
        }
        if u == 0 {
            continue;
        }
        let combo = &combos[c as usize];
        let n = combo.shares.len();
        if n == 0 {
            rest[a * ncombo + c as usize] += u_s;
            continue;
        }
        if n == 1 && combo.shares[0] == ONE {
            amounts[a * nt + combo.targets[0]] += u_s;
            continue;
        }
        alloc::split(u, &combo.shares, &mut out[..=n], &mut rem[..=n]);
        for (k, &t) in combo.targets.iter().enumerate() {
            amounts[a * nt + t] += out[k] * up;
        }
        rest[a * ncombo + c as usize] += out[n] * up;
        for &(pos, j) in &combo.bottom_up {
            pools[j].push(PoolLine {
                line: i,
                agency: a,
                combo: c as usize,
                unit: up,
                positive: u > 0,
                target_taken: rem[pos] & alloc::TAKEN != 0,
                rest_taken: rem[n] & alloc::TAKEN != 0,
                frac: rem[pos] & !alloc::TAKEN,
            });
        }
    }

    // Bottom-up targets: make each total exactly unit cost × count by swapping single units
    // between the target and the remainder on the lines rounded the other way, closest first.
    // Every line still adds up and every part stays within one unit of its exact value.
    let mut swapped: std::collections::HashSet<usize> = std::collections::HashSet::new();
    for (j, &(k, want)) in bottom_up.iter().enumerate() {
        let have: i128 = (0..nag).map(|a| amounts[a * nt + k]).sum();
        let mut delta = want - have;
        if delta == 0 {
            continue;
        }
        let up_needed = delta > 0;
        let mut cands: Vec<(u64, &PoolLine)> = pools[j]
            .iter()
            .filter(|p| !swapped.contains(&p.line))
            .filter_map(|p| {
                // Raising the target (signed) means rounding its magnitude up on a positive
                // line, down on a negative one; the remainder moves the other way.
                let raise_ok = if p.positive {
                    !p.target_taken && p.rest_taken && p.frac > 0
                } else {
                    p.target_taken && !p.rest_taken
                };
                let lower_ok = if p.positive {
                    p.target_taken && !p.rest_taken
                } else {
                    !p.target_taken && p.rest_taken && p.frac > 0
                };
                let closeness = if p.target_taken { ONE - p.frac } else { p.frac };
                let ok = if up_needed { raise_ok } else { lower_ok };
                ok.then_some((closeness, p))
            })
            .collect();
        cands.sort_by(|x, y| y.0.cmp(&x.0).then(x.1.line.cmp(&y.1.line)));
        for (_, p) in cands {
            if delta == 0 {
                break;
            }
            if p.unit > delta.abs() {
                continue;
            }
            let step = if delta > 0 { p.unit } else { -p.unit };
            amounts[p.agency * nt + k] += step;
            rest[p.agency * ncombo + p.combo] -= step;
            delta -= step;
            swapped.insert(p.line);
        }
    }

    // Totals.
    let amounts_dec: Vec<Decimal> = amounts.iter().map(|&u| to_decimal(u, scale)).collect();
    for (a, ag) in agencies.iter_mut().enumerate() {
        ag.lines = line_count[a];
        ag.ingested = to_decimal(ingested[a], scale);
        ag.mapped = to_decimal(amounts[a * nt..(a + 1) * nt].iter().sum(), scale);
        ag.unmatched = to_decimal(unmatched[a], scale);
        ag.unmatched_lines = unmatched_lines[a];
        let (mut rem_u, mut oos_u) = (0i128, 0i128);
        for (c, combo) in combos.iter().enumerate() {
            if combo.out_of_scope {
                oos_u += rest[a * ncombo + c];
            } else {
                rem_u += rest[a * ncombo + c];
            }
        }
        ag.remainder = to_decimal(rem_u, scale);
        ag.out_of_scope = to_decimal(oos_u, scale);
    }
    let mut remainders = Vec::new();
    for a in 0..nag {
        for (c, combo) in combos.iter().enumerate() {
            let v = rest[a * ncombo + c];
            if v != 0 {
                remainders.push((
                    a,
                    combo.rules.iter().map(|&r| r as usize).collect(),
                    combo.out_of_scope,
                    to_decimal(v, scale),
                ));
            }
        }
    }
    for (r, rs) in rules_out.iter_mut().enumerate() {
        rs.lines = combos
            .iter()
            .filter(|c| c.rules.contains(&(r as u32)))
            .map(|c| c.lines)
            .sum();
        for j in 0..mapping.rules[r].targets.len() {
            let k = first_target[r] + j;
            let v: i128 = (0..nag).map(|a| amounts[a * nt + k]).sum();
            rs.by_target.push(to_decimal(v, scale));
        }
        rs.mapped = rs.by_target.iter().copied().sum();
    }

    let mut warnings = Vec::new();
    for (r, rs) in rules_out.iter().enumerate() {
        if rs.lines == 0 {
            warnings.push(format!(
                "{}: rule \"{}\" took no lines (nothing matched, or a higher-priority rule took every match)",
                mapping.file, mapping.rules[r].id
            ));
        }
    }
    for (d, drv) in mapping.drivers.iter().enumerate() {
        let used = mapping
            .rules
            .iter()
            .flat_map(|r| &r.targets)
            .any(|t| matches!(t.basis, Basis::Driver(x) if x == d));
        if !used {
            warnings.push(format!(
                "{}: driver \"{}\" is declared but no target uses it",
                mapping.file, drv.id
            ));
        }
    }

    Ok(SpendMap {
        scale,
        lines: ledger.lines.len(),
        targets,
        amounts: amounts_dec,
        remainders,
        agencies,
        rules: rules_out,
        largest_unmatched: largest.into_iter().map(|(_, i)| i).collect(),
        warnings,
    })
}
