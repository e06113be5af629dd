//! The live results workbook (`results.xlsx`): a model a finance officer can change, not only a
//! record.
//!
//! Per scenario: Summary, Inputs, By agency, Cashflows, Model, Asymmetry, Spend map, Monte
//! Carlo (when a simulation was run) and Assumptions. **Inputs** holds every numeric assumption
//! under the path `--set` uses; **Model** computes the engine's arithmetic from Inputs in
//! formulas, term by term (people by intake, units, value, cashable split, costs, transfers,
//! discounting, per-party totals); Cashflows links to Model, By agency is formulas on
//! Cashflows, Summary reads By agency. Change an input in Excel or LibreOffice and every figure
//! recomputes. Every formula carries a cached result taken from the engine
//! ([`crate::scenario::engine::evaluate_traced`]), never computed here, so a reader that does
//! not recalculate sees the engine's values; the test `workbook_live` recalculates in
//! LibreOffice and compares with `totalplace run --set`.
//!
//! Money cells are numbers with formats (`£#,##0`, pennies in Cashflows and Model; a value
//! under half the shown unit displays as £0, never "-£0"). Each sheet prints landscape, fitted
//! to the page width, its header rows repeated. Document properties are fixed (no
//! timestamps), so the same inputs give a byte-identical file.
//!
//! One file per sheet; [`scenario_workbook`] and [`place_workbook`] are the entry points.

mod assumptions;
mod asymmetry;
mod by_agency;
mod cashflows;
mod inputs;
mod model;
mod monte_carlo;
mod place;
mod spend_map;
mod summary;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Formula, Workbook, Worksheet,
    XlsxError,
};

use crate::error::{col_letter, Error, Result};
use crate::money::ROUNDING_RULE;
use crate::report::{PlaceRun, ScenarioRun};
use crate::scenario::ValidatedScenario;

pub use place::place_workbook;

type X<T> = std::result::Result<T, XlsxError>;

/// Sheet names, as formulas refer to them.
const INPUTS: &str = "Inputs";
const MODEL: &str = "Model";
const BY_AGENCY: &str = "By agency";
const CASHFLOWS: &str = "Cashflows";

/// Cell reference: (0-based row, col) → "B7".
fn cell(r: u32, c: u16) -> String {
    format!("{}{}", col_letter(c as u32), r + 1)
}

/// Absolute reference on another sheet: `Inputs!$B$7`, `'By agency'!$D$2`.
fn sheet_cell(sheet: &str, r: u32, c: u16) -> String {
    format!(
        "{}!${}${}",
        crate::error::quote_sheet(sheet),
        col_letter(c as u32),
        r + 1
    )
}

/// A range on another sheet: `Cashflows!G3:G12`.
fn sheet_range(sheet: &str, r0: u32, r1: u32, c: u16) -> String {
    format!(
        "{}!{}:{}",
        crate::error::quote_sheet(sheet),
        cell(r0, c),
        cell(r1, c)
    )
}

fn f(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

/// Formula result text as Excel stores it.
fn res(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// Money: a value under half a pound either way shows as £0, never "-£0".
const MONEY: &str = "[>=0.5]£#,##0;[<=-0.5]-£#,##0;£0";
/// Pennies: likewise under half a penny.
const PENNIES: &str = "[>=0.005]£#,##0.00;[<=-0.005]-£#,##0.00;£0.00";
/// Payback in years; 0 is "never in deficit" (the engine's wording).
const YEARS: &str = "[=0]\"never in deficit\";0.00\" yrs\"";

struct Fmt {
    title: Format,
    bold: Format,
    header: Format,
    note: Format,
    note_wrap: Format,
    wrap: Format,
    money: Format,
    pennies: Format,
    pct: Format,
    ratio: Format,
    factor: Format,
    number: Format,
    count: Format,
    years: Format,
    horizon: Format,
    input: Format,
    input_pct: Format,
    total_label: Format,
    total_money: Format,
    total_pennies: Format,
    total_pct: Format,
    total_ratio: Format,
    total_years: Format,
    warn: Format,
}

impl Fmt {
    fn new() -> Fmt {
        let top = |f: Format| f.set_bold().set_border_top(FormatBorder::Thin);
        // Inputs a user may type over: pale yellow, as finance modelling conventions mark them.
        let input = |f: Format| {
            f.set_background_color("#FFF2CC")
                .set_border(FormatBorder::Thin)
        };
        Fmt {
            title: Format::new().set_bold().set_font_size(14),
            bold: Format::new().set_bold(),
            header: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_border_bottom(FormatBorder::Thin)
                .set_align(FormatAlign::Top),
            note: Format::new().set_italic().set_font_color("#444444"),
            note_wrap: Format::new()
                .set_italic()
                .set_font_color("#444444")
                .set_text_wrap()
                .set_align(FormatAlign::Top),
            wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
            money: Format::new().set_num_format(MONEY),
            pennies: Format::new().set_num_format(PENNIES),
            pct: Format::new().set_num_format("0.0%"),
            ratio: Format::new().set_num_format("0.00"),
            factor: Format::new().set_num_format("0.000000"),
            number: Format::new().set_num_format("#,##0.######"),
            count: Format::new().set_num_format("#,##0.0000"),
            years: Format::new().set_num_format(YEARS),
            horizon: Format::new().set_num_format("0\" years\""),
            input: input(Format::new().set_num_format("#,##0.######")),
            input_pct: input(Format::new().set_num_format("0.0####%")),
            total_label: top(Format::new()),
            total_money: top(Format::new().set_num_format(MONEY)),
            total_pennies: top(Format::new().set_num_format(PENNIES)),
            total_pct: top(Format::new().set_num_format("0.0%")),
            total_ratio: top(Format::new().set_num_format("0.0000")),
            total_years: top(Format::new().set_num_format(YEARS)),
            warn: Format::new().set_bold().set_font_color("#A0001C"),
        }
    }
}

fn new_workbook(title: &str, subject: &str) -> X<Workbook> {
    let mut wb = Workbook::new();
    let when = ExcelDateTime::from_ymd(2000, 1, 1)?;
    wb.set_properties(
        &DocProperties::new()
            .set_title(title)
            .set_subject(subject)
            .set_author("totalplace")
            .set_comment(format!(
                "Written by totalplace {}; money is exact decimal, rounded {ROUNDING_RULE} only when shown",
                env!("CARGO_PKG_VERSION")
            ))
            .set_creation_datetime(&when),
    );
    Ok(wb)
}

fn formula(ws: &mut Worksheet, r: u32, c: u16, text: &str, value: f64, fmt: &Format) -> X<()> {
    ws.write_formula_with_format(r, c, Formula::new(text).set_result(res(value)), fmt)?;
    Ok(())
}

/// A formula whose cached result is text (e.g. "none (no costs)").
fn formula_text(
    ws: &mut Worksheet,
    r: u32,
    c: u16,
    text: &str,
    value: &str,
    fmt: &Format,
) -> X<()> {
    ws.write_formula_with_format(r, c, Formula::new(text).set_result(value), fmt)?;
    Ok(())
}

fn headers(ws: &mut Worksheet, r: u32, names: &[&str], fm: &Fmt) -> X<()> {
    for (c, h) in names.iter().enumerate() {
        ws.write_string_with_format(r, c as u16, *h, &fm.header)?;
    }
    // Room for a header wrapped onto three lines (rows do not grow by themselves on opening).
    ws.set_row_height(r, 40)?;
    Ok(())
}

/// A note across columns A..=`last` (about `width` characters wide), wrapped, its row tall
/// enough, so that it prints within the table's width.
fn note(ws: &mut Worksheet, r: u32, last: u16, width: f64, text: &str, fm: &Fmt) -> X<()> {
    if last == 0 {
        ws.write_string_with_format(r, 0, text, &fm.note_wrap)?;
    } else {
        ws.merge_range(r, 0, r, last, text, &fm.note_wrap)?;
    }
    let lines = (text.chars().count() as f64 / (width * 1.05))
        .ceil()
        .max(1.0);
    ws.set_row_height(r, 13.0 * lines + 2.0)?;
    Ok(())
}

/// Write wrapped text cells `(column, text, column width)` in row `r` and make the row tall
/// enough for the longest (an estimate of the wrapped lines; rows do not grow by themselves).
fn wrap_row(ws: &mut Worksheet, r: u32, cells: &[(u16, &str, f64)], fm: &Fmt) -> X<()> {
    let mut lines = 1usize;
    for (c, text, width) in cells {
        ws.write_string_with_format(r, *c, *text, &fm.wrap)?;
        let per_line = (width * 1.05).max(4.0);
        let n = (text.chars().count() as f64 / per_line).ceil() as usize;
        lines = lines.max(n.min(8));
    }
    if lines > 1 {
        ws.set_row_height(r, 13.0 * lines as f64 + 2.0)?;
    }
    Ok(())
}

/// Print setup for every sheet: A4 landscape, fitted to one page wide, rows `first..=last`
/// repeated at the top of each page.
fn print_setup(ws: &mut Worksheet, repeat: Option<(u32, u32)>) -> X<()> {
    ws.set_paper_size(9);
    ws.set_landscape();
    ws.set_print_fit_to_pages(1, 0);
    ws.set_margins(0.4, 0.4, 0.6, 0.6, 0.3, 0.3);
    ws.set_footer("&L&A&RPage &P of &N");
    if let Some((a, b)) = repeat {
        ws.set_repeat_rows(a, b)?;
    }
    Ok(())
}

/// The parties a scenario involves by its structure (a cost, a flow or a transfer names them),
/// whatever the inputs' values: the rows of Model, Cashflows, By agency and Asymmetry, so that
/// changing an input never needs a row that is not there.
fn involved(sc: &ValidatedScenario) -> Vec<usize> {
    let mut on = vec![false; sc.parties.len()];
    for c in &sc.costs {
        on[c.party] = true;
    }
    for o in &sc.outcomes {
        for fl in &o.flows {
            on[fl.party] = true;
        }
    }
    for t in &sc.transfers {
        on[t.from] = true;
        on[t.to] = true;
    }
    (0..sc.parties.len()).filter(|&i| on[i]).collect()
}

fn title_block(ws: &mut Worksheet, lines: &[String], synthetic: bool, fm: &Fmt) -> X<u32> {
    let mut r = 0;
    for (i, l) in lines.iter().enumerate() {
        ws.write_string_with_format(r, 0, l, if i == 0 { &fm.title } else { &fm.note })?;
        r += 1;
    }
    if synthetic {
        ws.write_string_with_format(
            r,
            0,
            "SYNTHETIC: illustrative figures for a made-up place, not a real appraisal.",
            &fm.warn,
        )?;
        r += 1;
    }
    Ok(r + 1)
}

fn xerr(e: XlsxError) -> Error {
    Error::Io {
        path: "results.xlsx".into(),
        message: e.to_string(),
    }
}

/// One scenario's workbook, as bytes.
pub fn scenario_workbook(run: &PlaceRun, sr: &ScenarioRun) -> Result<Vec<u8>> {
    let (results, trace) = crate::scenario::engine::evaluate_traced(&sr.scenario, &sr.params);
    debug_assert_eq!(results, sr.results, "the traced run is the engine's run");
    let build = || -> X<Vec<u8>> {
        let fm = Fmt::new();
        let sc = &sr.scenario;
        let mut wb = new_workbook(
            &format!("{}: {}", run.place.info.name, sc.name),
            "totalplace results workbook",
        )?;
        // Summary, Inputs, By agency, Cashflows, Model: added in order, filled in the order
        // their links need (Summary last).
        for _ in 0..5 {
            wb.add_worksheet();
        }
        let inp = inputs::inputs(wb.worksheet_from_index(1)?, sc, &sr.params, &fm)?;
        let m = model::model(
            wb.worksheet_from_index(4)?,
            sc,
            &sr.results,
            &trace,
            &inp,
            &fm,
        )?;
        let blocks = cashflows::cashflows(wb.worksheet_from_index(3)?, sc, &sr.results, &m, &fm)?;
        let rows =
            by_agency::by_agency(wb.worksheet_from_index(2)?, sc, &sr.results, &blocks, &fm)?;
        asymmetry::asymmetry(wb.add_worksheet(), sc, &sr.results, &rows, &fm)?;
        spend_map::spend_map(wb.add_worksheet(), run, &fm)?;
        let mc = match &sr.simulation {
            Some(_) => monte_carlo::monte_carlo(wb.add_worksheet(), sr, &fm)?,
            None => None,
        };
        assumptions::assumptions(wb.add_worksheet(), run, Some(sr), &fm)?;
        summary::summary(wb.worksheet_from_index(0)?, run, sr, &rows, mc, &fm)?;
        wb.save_to_buffer()
    };
    build().map_err(xerr)
}
