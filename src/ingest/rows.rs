//! Format-independent row processing: header detection, column mapping, skip rules, amount
//! parsing, units and sign. Readers feed it cells in row-major order; it keeps only the
//! columns it needs, in a reused per-row buffer, so streaming stays allocation-free per cell.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::error::{col_letter, Error, Location, Result};
use crate::ledger::{Ledger, LedgerLine};
use crate::model::{header_key, SkipTest, Source, SpendSign};
use crate::money;

/// The message for an empty control-total cell (readers that can look for a formula there
/// replace it with one that names the formula).
pub const EMPTY_CONTROL: &str = "control total cell is empty";

/// How many rows are searched for the header when `header_row` is not declared.
pub const HEADER_SEARCH_ROWS: u32 = 100;

/// One cell as a reader sees it. Empty cells need not be fed at all.
#[derive(Debug, Clone, Copy)]
pub enum CellIn<'a> {
    Empty,
    Int(i64),
    Float(f64),
    Text(&'a str),
    Bool(bool),
    /// An error value such as `#REF!`.
    Error(&'a str),
    /// A date-styled number (Excel serial).
    Date(f64),
}

#[derive(Debug, Clone, Copy)]
enum Slot {
    Empty,
    Int(i64),
    Float(f64),
    Text(u32, u32),
    Bool(bool),
    Error(u32, u32),
    Date(f64),
}

const NO_SLOT: u16 = u16::MAX;

/// Indices of the normalised fields among the slots.
const AMOUNT: usize = 0;
const COST_CENTRE: usize = 1;
const ACCOUNT: usize = 2;
const SERVICE: usize = 3;
const DESCRIPTION: usize = 4;

pub struct RowProcessor<'s> {
    source: &'s Source,
    source_idx: u16,
    sheet: Option<String>,
    /// Header names of every slot: the 5 fields (some unused) then skip-rule columns.
    slot_names: Vec<Option<String>>,
    /// Skip rule i tests slot `skip_slots[i]`.
    skip_slots: Vec<usize>,
    /// Column index -> slot.
    lut: Vec<u16>,
    slot_cols: Vec<u32>,
    slots: Vec<Slot>,
    arena: String,
    header_row: Option<u32>,
    header_cells: Vec<(u32, String)>,
    cur_row: u32,
    /// The last column fed in the current row (cells must come in row-major order, once).
    last_col: Option<u32>,
    finished: bool,
    /// While the header is searched for: the row holding most declared names, and those it lacks.
    best_header: Option<(u32, usize, Vec<String>)>,
    row_has_cells: bool,
    /// Last data row flushed (for counting blank gaps).
    last_row: u32,
    pub lines: u64,
    pub skipped: BTreeMap<String, u64>,
    pub total: Decimal,
    multiplier: Decimal,
    negate: bool,
    /// Control-total cell in this sheet, if any: (row, col) and the value found.
    control_cell: Option<(u32, u32)>,
    pub control_found: Option<Result<Decimal>>,
    /// The empty string's symbol, interned once (a per-row look-up showed up in profiles).
    empty: Option<crate::ledger::Sym>,
    /// Whether a row has cells fed and is not yet ended (see [`RowProcessor::end_record`]).
    row_open: bool,
    /// A processor made by [`RowProcessor::fork`] for a stretch of rows: blank rows before its
    /// first flushed row are counted when it is absorbed, where the previous stretch is known.
    forked: bool,
    first_flushed: Option<u32>,
}

impl<'s> RowProcessor<'s> {
    pub fn new(
        source: &'s Source,
        source_idx: usize,
        sheet: Option<String>,
        control_cell: Option<(u32, u32)>,
    ) -> Self {
        let c = &source.columns;
        let mut slot_names = vec![
            Some(c.amount.clone()),
            c.cost_centre.clone(),
            c.account.clone(),
            c.service.clone(),
            c.description.clone(),
        ];
        let mut skip_slots = Vec::new();
        for rule in &source.skip {
            let key = header_key(&rule.column);
            let pos = slot_names
                .iter()
                .position(|n| n.as_deref().map(header_key).as_deref() == Some(key.as_str()));
            let slot = match pos {
                Some(p) => p,
                None => {
                    slot_names.push(Some(rule.column.clone()));
                    slot_names.len() - 1
                }
            };
            skip_slots.push(slot);
        }
        let n = slot_names.len();
        RowProcessor {
            source,
            source_idx: source_idx as u16,
            sheet,
            slot_names,
            skip_slots,
            lut: Vec::new(),
            slot_cols: vec![0; n],
            slots: vec![Slot::Empty; n],
            arena: String::new(),
            header_row: None,
            header_cells: Vec::new(),
            cur_row: 0,
            last_col: None,
            finished: false,
            best_header: None,
            row_has_cells: false,
            last_row: 0,
            lines: 0,
            skipped: BTreeMap::new(),
            total: Decimal::ZERO,
            multiplier: source.units.multiplier(),
            negate: source.spend_sign == SpendSign::Negative,
            control_cell,
            control_found: None,
            empty: None,
            row_open: false,
            forked: false,
            first_flushed: None,
        }
    }

    /// A processor for a later stretch of rows of the same sheet (the header already found),
    /// with fresh counts, lines going to its own ledger: a parallel reader gives each stretch
    /// one, then [`absorb`](RowProcessor::absorb)s them in file order, which gives the same
    /// counts, totals and lines as one processor fed every row.
    pub fn fork(&self) -> RowProcessor<'s> {
        debug_assert!(self.header_row.is_some() && !self.row_open);
        RowProcessor {
            source: self.source,
            source_idx: self.source_idx,
            sheet: self.sheet.clone(),
            slot_names: self.slot_names.clone(),
            skip_slots: self.skip_slots.clone(),
            lut: self.lut.clone(),
            slot_cols: self.slot_cols.clone(),
            slots: vec![Slot::Empty; self.slots.len()],
            arena: String::new(),
            header_row: self.header_row,
            header_cells: Vec::new(),
            cur_row: 0,
            last_col: None,
            finished: false,
            best_header: None,
            row_has_cells: false,
            last_row: 0,
            lines: 0,
            skipped: BTreeMap::new(),
            total: Decimal::ZERO,
            multiplier: self.multiplier,
            negate: self.negate,
            control_cell: self.control_cell,
            control_found: None,
            empty: None,
            row_open: false,
            forked: true,
            first_flushed: None,
        }
    }

    /// Add the counts of a forked processor whose rows follow this one's (call in file order,
    /// after [`end_record`](RowProcessor::end_record) on both).
    pub fn absorb(&mut self, other: RowProcessor<'_>) -> Result<()> {
        if let Some(first) = other.first_flushed {
            if first > self.last_row + 1 {
                *self.skipped.entry("blank row".into()).or_default() +=
                    u64::from(first - self.last_row - 1);
            }
            self.last_row = other.last_row;
        }
        for (reason, n) in other.skipped {
            *self.skipped.entry(reason).or_default() += n;
        }
        self.lines += other.lines;
        // Lines are bounded by money::MAX_AMOUNT (1e18) and rows by u32, so no sum of them can
        // overflow a Decimal (7.9e28); checked all the same.
        self.total = self.total.checked_add(other.total).ok_or_else(|| {
            Error::input(
                Location::file(&self.source.display),
                "the lines' total overflows (more than 79 octillion)",
            )
        })?;
        if other.control_found.is_some() {
            self.control_found = other.control_found;
        }
        Ok(())
    }

    /// End the current row now rather than when the next row's first cell arrives. A reader
    /// whose records are whole rows (CSV) calls it after each record, so a bad row is reported
    /// before anything in the rows after it.
    pub fn end_record(&mut self, ledger: &mut Ledger) -> Result<()> {
        self.end_row(ledger)
    }

    pub fn header_row(&self) -> Option<u32> {
        self.header_row
    }

    fn loc(&self, row: u32, col: u32) -> Location {
        Location::cell(&self.source.display, self.sheet.as_deref(), row, col)
    }

    /// Whether a cell at (row, col) can matter: any cell while the header is being found, the
    /// control-total cell, and cells in mapped columns. Readers may skip decoding the rest.
    #[inline]
    pub fn wants(&self, row: u32, col: u32) -> bool {
        self.header_row.is_none()
            || self.control_cell == Some((row, col))
            || self.lut.get(col as usize).is_some_and(|&s| s != NO_SLOT)
    }

    /// Feed one cell (1-based row, 0-based column), in row-major order.
    #[inline]
    pub fn feed(&mut self, row: u32, col: u32, v: CellIn<'_>, ledger: &mut Ledger) -> Result<()> {
        if row != self.cur_row {
            if row < self.cur_row || row == 0 {
                return Err(self.out_of_order(row, col));
            }
            self.end_row(ledger)?;
            self.cur_row = row;
            self.last_col = None;
            self.row_open = true;
        }
        if self.last_col.is_some_and(|c| col <= c) {
            return Err(self.out_of_order(row, col));
        }
        self.last_col = Some(col);
        if let Some((cr, cc)) = self.control_cell {
            if cr == row && cc == col {
                self.control_found = Some(self.cell_amount(v, row, col, "control total"));
            }
        }
        if matches!(v, CellIn::Empty) {
            return Ok(());
        }
        if self.header_row.is_none() {
            // Header phase: keep the row's text (a number such as 2024 can be a header too).
            match v {
                CellIn::Text(t) => self.header_cells.push((col, t.to_string())),
                CellIn::Int(i) => self.header_cells.push((col, i.to_string())),
                CellIn::Float(f) if f.is_finite() && f == f.trunc() && f.abs() < 1e15 => {
                    self.header_cells.push((col, (f as i64).to_string()))
                }
                _ => {}
            }
            return Ok(());
        }
        let slot = match self.lut.get(col as usize) {
            Some(&s) if s != NO_SLOT => s as usize,
            _ => return Ok(()),
        };
        let value = match v {
            CellIn::Empty => Slot::Empty,
            CellIn::Int(i) => Slot::Int(i),
            CellIn::Float(f) => Slot::Float(f),
            CellIn::Bool(b) => Slot::Bool(b),
            CellIn::Date(d) => Slot::Date(d),
            CellIn::Text(t) => {
                // Most cells need no trimming; check the ends before the Unicode-aware trim.
                let b = t.as_bytes();
                let t = match (b.first(), b.last()) {
                    (Some(f), Some(l)) if f.is_ascii_graphic() && l.is_ascii_graphic() => t,
                    _ => t.trim(),
                };
                if t.is_empty() {
                    Slot::Empty
                } else {
                    let start = self.arena.len() as u32;
                    self.arena.push_str(t);
                    Slot::Text(start, self.arena.len() as u32)
                }
            }
            CellIn::Error(e) => {
                let start = self.arena.len() as u32;
                self.arena.push_str(e);
                Slot::Error(start, self.arena.len() as u32)
            }
        };
        // A mapped cell holding only spaces is blank, as in CSV.
        if !matches!(value, Slot::Empty) {
            self.row_has_cells = true;
        }
        self.slots[slot] = value;
        Ok(())
    }

    fn out_of_order(&self, row: u32, col: u32) -> Error {
        let what = if row == self.cur_row {
            format!(
                "cell {}{row} appears twice, or out of order in its row",
                col_letter(col)
            )
        } else if row == 0 {
            "a cell has row number 0".to_string()
        } else {
            format!(
                "row {row} comes after row {} (a repeated or out-of-order row number): the file is damaged or was written by a faulty exporter; re-save it from Excel or LibreOffice",
                self.cur_row
            )
        };
        let mut loc = Location::file(&self.source.display);
        loc.sheet = self.sheet.clone();
        loc.row = Some(row);
        Error::input(loc, what)
    }

    /// Call after the last cell.
    pub fn finish(&mut self, ledger: &mut Ledger) -> Result<()> {
        self.end_row(ledger)?;
        self.finished = true;
        if self.header_row.is_none() {
            return Err(self.header_not_found());
        }
        Ok(())
    }

    fn end_row(&mut self, ledger: &mut Ledger) -> Result<()> {
        if self.cur_row == 0 || self.finished || !self.row_open {
            return Ok(());
        }
        self.row_open = false;
        if self.header_row.is_none() {
            let row = self.cur_row;
            let is_header = match self.source.header_row {
                Some(h) => row == h,
                None => {
                    let missing = self.missing_names();
                    let found = self.slot_names.iter().flatten().count() - missing.len();
                    if found > 0 && self.best_header.as_ref().is_none_or(|b| found > b.1) {
                        self.best_header = Some((row, found, missing.clone()));
                    }
                    missing.is_empty()
                }
            };
            if is_header {
                self.set_header(row)?;
            } else if self.source.header_row.is_some_and(|h| row > h)
                || (self.source.header_row.is_none() && row >= HEADER_SEARCH_ROWS)
            {
                return Err(self.header_not_found());
            }
            self.header_cells.clear();
            return Ok(());
        }
        let row = self.cur_row;
        // Rows with no cells at all between the last flushed row and this one are blank.
        if self.forked && self.first_flushed.is_none() {
            self.first_flushed = Some(row);
        } else if row > self.last_row + 1 {
            *self.skipped.entry("blank row".into()).or_default() +=
                u64::from(row - self.last_row - 1);
        }
        self.last_row = row;
        let result = self.process_row(row, ledger);
        for s in self.slots.iter_mut() {
            *s = Slot::Empty;
        }
        self.arena.clear();
        self.row_has_cells = false;
        result
    }

    /// The declared column names the current row's cells lack (deduplicated, in order).
    fn missing_names(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for name in self.slot_names.iter().flatten() {
            let k = header_key(name);
            if !self.header_cells.iter().any(|(_, t)| header_key(t) == k)
                && !out.iter().any(|n| header_key(n) == k)
            {
                out.push(name.clone());
            }
        }
        out
    }

    fn header_not_found(&self) -> Error {
        let names: Vec<String> = self
            .slot_names
            .iter()
            .flatten()
            .map(|n| format!("\"{n}\""))
            .collect();
        let mut loc = Location::file(&self.source.display);
        loc.sheet = self.sheet.clone();
        match self.source.header_row {
            Some(h) => {
                loc.row = Some(h);
                Error::input(
                    loc,
                    format!("header row {h} not found: the sheet ends before it or it is empty"),
                )
            }
            None => {
                let closest = match &self.best_header {
                    Some((row, _, missing)) => format!(
                        "; the closest is row {row}, which lacks {}",
                        missing
                            .iter()
                            .map(|n| format!("\"{n}\""))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    None => String::new(),
                };
                Error::input(
                    loc,
                    format!(
                        "no row in the first {HEADER_SEARCH_ROWS} holds all the declared columns {}{closest}; check the column names or set header_row",
                        names.join(", ")
                    ),
                )
            }
        }
    }

    fn set_header(&mut self, row: u32) -> Result<()> {
        let mut missing = Vec::new();
        let mut lut: Vec<u16> = Vec::new();
        for (slot, name) in self.slot_names.iter().enumerate() {
            let Some(name) = name else { continue };
            let k = header_key(name);
            let hits: Vec<u32> = self
                .header_cells
                .iter()
                .filter(|(_, t)| header_key(t) == k)
                .map(|(c, _)| *c)
                .collect();
            match hits.as_slice() {
                [] => missing.push(format!("\"{name}\"")),
                [col] => {
                    let col = *col as usize;
                    if lut.len() <= col {
                        lut.resize(col + 1, NO_SLOT);
                    }
                    lut[col] = slot as u16;
                    self.slot_cols[slot] = col as u32;
                }
                many => {
                    let cols: Vec<String> = many.iter().map(|c| col_letter(*c)).collect();
                    let mut loc = Location::file(&self.source.display);
                    loc.sheet = self.sheet.clone();
                    loc.row = Some(row);
                    return Err(Error::input(
                        loc,
                        format!(
                            "header \"{name}\" appears in more than one column ({})",
                            cols.join(", ")
                        ),
                    ));
                }
            }
        }
        if !missing.is_empty() {
            let found: Vec<String> = self
                .header_cells
                .iter()
                .map(|(_, t)| format!("\"{}\"", t.trim()))
                .collect();
            let mut loc = Location::file(&self.source.display);
            loc.sheet = self.sheet.clone();
            loc.row = Some(row);
            return Err(Error::input(
                loc,
                format!(
                    "header row lacks column{} {}; it has {}",
                    if missing.len() > 1 { "s" } else { "" },
                    missing.join(", "),
                    if found.is_empty() {
                        "no text".to_string()
                    } else {
                        found.join(", ")
                    }
                ),
            ));
        }
        self.lut = lut;
        self.header_row = Some(row);
        self.last_row = row;
        if row > 1 {
            *self.skipped.entry("above header".into()).or_default() += u64::from(row - 1);
        }
        Ok(())
    }

    fn slot_text(&self, slot: usize) -> Option<std::borrow::Cow<'_, str>> {
        use std::borrow::Cow;
        match self.slots[slot] {
            Slot::Empty => None,
            Slot::Text(a, b) => Some(Cow::Borrowed(&self.arena[a as usize..b as usize])),
            Slot::Int(i) => Some(Cow::Owned(i.to_string())),
            Slot::Float(f) | Slot::Date(f) => Some(Cow::Owned(
                money::from_sheet_number(f)
                    .map(|d| d.normalize().to_string())
                    .unwrap_or_else(|| f.to_string()),
            )),
            Slot::Bool(b) => Some(Cow::Borrowed(if b { "TRUE" } else { "FALSE" })),
            Slot::Error(a, b) => Some(Cow::Borrowed(&self.arena[a as usize..b as usize])),
        }
    }

    fn process_row(&mut self, row: u32, ledger: &mut Ledger) -> Result<()> {
        if !self.row_has_cells {
            *self.skipped.entry("blank row".into()).or_default() += 1;
            return Ok(());
        }
        for (i, rule) in self.source.skip.iter().enumerate() {
            let slot = self.skip_slots[i];
            let hit = match &rule.test {
                SkipTest::Blank => matches!(self.slots[slot], Slot::Empty),
                SkipTest::Matches(re) => self.slot_text(slot).is_some_and(|t| re.is_match(&t)),
            };
            if hit {
                match self.skipped.get_mut(rule.reason.as_str()) {
                    Some(n) => *n += 1,
                    None => {
                        self.skipped.insert(rule.reason.clone(), 1);
                    }
                }
                return Ok(());
            }
        }
        let col = self.slot_cols[AMOUNT];
        let amount = match self.slots[AMOUNT] {
            Slot::Empty => {
                return Err(Error::input(
                    self.loc(row, col),
                    "amount is empty (a heading row? declare a skip rule with `blank = true`; a formula saved without its cached value also reads as empty)",
                ))
            }
            Slot::Int(i) => Decimal::from(i),
            Slot::Float(f) => money::from_sheet_number(f)
                .ok_or_else(|| Error::input(self.loc(row, col), format!("amount {f} is out of range")))?,
            Slot::Text(a, b) => money::parse_amount(&self.arena[a as usize..b as usize])
                .map_err(|e| Error::input(self.loc(row, col), e.0))?,
            Slot::Bool(b) => {
                return Err(Error::input(self.loc(row, col), format!("amount {} is a true/false value, not a number", if b { "TRUE" } else { "FALSE" })))
            }
            Slot::Error(a, b) => {
                return Err(Error::input(
                    self.loc(row, col),
                    format!("amount is the error value {} (fix the formula in the source file)", &self.arena[a as usize..b as usize]),
                ))
            }
            Slot::Date(_) => return Err(Error::input(self.loc(row, col), "amount is a date, not a number")),
        };
        let amount = self
            .to_pounds(amount)
            .map_err(|m| Error::input(self.loc(row, col), format!("amount: {m}")))?;
        let total = self.total.checked_add(amount).ok_or_else(|| {
            Error::input(
                self.loc(row, col),
                "adding this amount overflows the source's total (more than 79 octillion)",
            )
        })?;
        let empty = *self.empty.get_or_insert_with(|| ledger.intern(""));
        let mut syms = [empty; 4];
        for (k, slot) in [COST_CENTRE, ACCOUNT, SERVICE, DESCRIPTION]
            .into_iter()
            .enumerate()
        {
            if let Slot::Error(a, b) = self.slots[slot] {
                return Err(Error::input(
                    self.loc(row, self.slot_cols[slot]),
                    format!(
                        "{} is the error value {}",
                        field_name(slot),
                        &self.arena[a as usize..b as usize]
                    ),
                ));
            }
            if self.slot_names[slot].is_some() {
                if let Some(t) = self.slot_text(slot) {
                    syms[k] = ledger.strings.get_or_intern(t.as_ref());
                }
            }
        }
        ledger.lines.push(LedgerLine {
            agency: self.source.agency as u16,
            source: self.source_idx,
            row,
            cost_centre: syms[0],
            account: syms[1],
            service: syms[2],
            description: syms[3],
            amount,
        });
        self.lines += 1;
        self.total = total;
        Ok(())
    }

    /// Interpret a cell as an amount in the source's units and sign (for control totals).
    pub fn cell_amount(&self, v: CellIn<'_>, row: u32, col: u32, what: &str) -> Result<Decimal> {
        let loc = self.loc(row, col);
        let d = match v {
            CellIn::Empty if what == "control total" => {
                return Err(Error::input(loc, EMPTY_CONTROL))
            }
            CellIn::Empty => return Err(Error::input(loc, format!("{what} cell is empty"))),
            CellIn::Int(i) => Decimal::from(i),
            CellIn::Float(f) => money::from_sheet_number(f)
                .ok_or_else(|| Error::input(loc.clone(), format!("{what} {f} is out of range")))?,
            CellIn::Text(t) => money::parse_amount(t)
                .map_err(|e| Error::input(loc.clone(), format!("{what}: {}", e.0)))?,
            CellIn::Error(e) => {
                return Err(Error::input(
                    loc,
                    format!("{what} cell is the error value {e}"),
                ))
            }
            CellIn::Bool(_) | CellIn::Date(_) => {
                return Err(Error::input(loc, format!("{what} cell is not a number")))
            }
        };
        self.to_pounds(d)
            .map_err(|m| Error::input(loc, format!("{what}: {m}")))
    }

    /// A figure in the source's units and sign convention, as pounds of spend: scaled by the
    /// units exactly (trailing zeros from the scaling, as in 612379.000 from £000, are not
    /// precision and are dropped) and negated when the source writes spend as negative.
    /// Figures beyond [`money::MAX_AMOUNT`] pounds are errors (the message says why), so sums of
    /// any number of lines stay exact.
    #[inline]
    pub fn to_pounds(&self, d: Decimal) -> std::result::Result<Decimal, String> {
        let d = if self.multiplier == Decimal::ONE {
            d
        } else {
            d.checked_mul(self.multiplier)
                .ok_or_else(|| {
                    format!(
                        "{d} in {} is too large to convert to pounds",
                        self.source.units.label()
                    )
                })?
                .normalize()
        };
        money::check_magnitude(d)?;
        Ok(if self.negate { -d } else { d })
    }
}

fn field_name(slot: usize) -> &'static str {
    match slot {
        AMOUNT => "amount",
        COST_CENTRE => "cost centre",
        ACCOUNT => "account",
        SERVICE => "service",
        DESCRIPTION => "description",
        _ => "column",
    }
}
