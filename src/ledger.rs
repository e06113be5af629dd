//! The normalised ledger: one line per row of spend across all partners, in pounds, with
//! provenance. Repeated codes (cost centres, accounts, services) are interned once to integer
//! symbols, so a million-line ledger is a compact `Vec` of fixed-size lines.

use foldhash::fast::FixedState;
use lasso::{Rodeo, Spur};
use rust_decimal::Decimal;

/// An interned string. The empty string is a valid symbol (a field the source does not map).
pub type Sym = Spur;

/// The string table: symbols are numbered in insertion order (deterministic); hashing is
/// foldhash with a fixed seed, several times faster than SipHash on short codes (budget files
/// are not an adversarial input that needs DoS-resistant hashing).
pub type Strings = Rodeo<Spur, FixedState>;

/// One normalised row of spend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LedgerLine {
    /// Index into `Place::agencies`.
    pub agency: u16,
    /// Index into `Place::sources`.
    pub source: u16,
    /// 1-based row in the source file (sheet row, or CSV record line).
    pub row: u32,
    pub cost_centre: Sym,
    pub account: Sym,
    pub service: Sym,
    pub description: Sym,
    /// Pounds; spend positive, income negative.
    pub amount: Decimal,
}

impl LedgerLine {
    /// The symbol of a string field; `None` for `Agency` (an index, not a string: see
    /// [`LedgerLine::agency`]).
    #[inline]
    pub fn sym(&self, field: Field) -> Option<Sym> {
        match field {
            Field::CostCentre => Some(self.cost_centre),
            Field::Account => Some(self.account),
            Field::Service => Some(self.service),
            Field::Description => Some(self.description),
            Field::Agency => None,
        }
    }
}

/// All ingested lines plus the string table their symbols point into.
pub struct Ledger {
    pub strings: Strings,
    pub lines: Vec<LedgerLine>,
}

/// The normalised fields a mapping rule can match on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Agency,
    CostCentre,
    Account,
    Service,
    Description,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger")
            .field("strings", &self.strings.len())
            .field("lines", &self.lines.len())
            .finish()
    }
}

impl Default for Ledger {
    fn default() -> Self {
        Self::new()
    }
}

impl Ledger {
    pub fn new() -> Self {
        Ledger {
            strings: Rodeo::with_hasher(FixedState::with_seed(0x746f74616c)),
            lines: Vec::new(),
        }
    }

    pub fn intern(&mut self, s: &str) -> Sym {
        self.strings.get_or_intern(s)
    }

    pub fn text(&self, sym: Sym) -> &str {
        self.strings.resolve(&sym)
    }

    /// Move `other`'s lines to the end of this ledger, re-numbering their symbols into this
    /// ledger's string table. `other`'s strings are interned here in its symbol order, which is
    /// the order they first occur in its lines: so appending the ledgers of consecutive
    /// stretches of a file (or of consecutive sources) in order numbers every string exactly
    /// as reading them all into one ledger would.
    pub fn append(&mut self, other: Ledger) {
        self.append_all(vec![other]);
    }

    /// [`Ledger::append`] of each of `parts` in order, with the lines re-numbered and copied
    /// in parallel: the strings are interned here part by part, in order (so the numbering is
    /// that of appending one by one), then every line is mapped straight into its place.
    pub fn append_all(&mut self, parts: Vec<Ledger>) {
        use rayon::prelude::*;
        let maps: Vec<Vec<Sym>> = parts
            .iter()
            .map(|p| {
                p.strings
                    .strings()
                    .map(|s| self.strings.get_or_intern(s))
                    .collect()
            })
            .collect();
        // starts[i]: index among the new lines of part i's first line.
        let mut starts = Vec::with_capacity(parts.len() + 1);
        let mut n = 0;
        for p in &parts {
            starts.push(n);
            n += p.lines.len();
        }
        starts.push(n);
        self.lines.reserve(n);
        crate::mem::hint_huge(&mut self.lines);
        self.lines.par_extend((0..n).into_par_iter().map(|k| {
            let i = starts.partition_point(|&s| s <= k) - 1;
            let l = &parts[i].lines[k - starts[i]];
            let at = |s: Sym| maps[i][lasso::Key::into_usize(s)];
            LedgerLine {
                cost_centre: at(l.cost_centre),
                account: at(l.account),
                service: at(l.service),
                description: at(l.description),
                ..*l
            }
        }));
    }

    pub fn total(&self) -> Decimal {
        self.lines.iter().map(|l| l.amount).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `append_all` (and `append`, one part at a time) gives the lines and string numbering of
    /// reading every part's lines into one ledger.
    #[test]
    fn append_all_is_reading_into_one_ledger() {
        fn fill(l: &mut Ledger, k: usize) {
            for i in 0..5000usize {
                let a = l.intern(&format!("cc{}", (i * k) % 37));
                let b = l.intern(&format!("acc{}", i % (k + 3)));
                l.lines.push(LedgerLine {
                    agency: k as u16,
                    source: 0,
                    row: i as u32,
                    cost_centre: a,
                    account: b,
                    service: a,
                    description: b,
                    amount: Decimal::new(i as i64, 2),
                });
            }
        }
        let part = |k: usize| {
            let mut l = Ledger::new();
            fill(&mut l, k);
            l
        };
        let mut whole = Ledger::new();
        whole.intern("");
        for k in 0..6 {
            fill(&mut whole, k);
        }
        let mut all = Ledger::new();
        all.intern("");
        all.append_all((0..6).map(part).collect());
        let mut one = Ledger::new();
        one.intern("");
        for k in 0..6 {
            one.append(part(k));
        }
        for got in [&all, &one] {
            assert_eq!(got.lines, whole.lines);
            assert!(got.strings.strings().eq(whole.strings.strings()));
        }
    }
}
