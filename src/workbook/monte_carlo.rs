//! The Monte Carlo sheet: the simulation's summary as values (draws are not formulas; they
//! do not move when an input changes), said so on the sheet.

use rust_xlsxwriter::Worksheet;

use super::{cell, formula, headers, print_setup, Fmt, X};
use crate::report::ScenarioRun;

/// Where the Summary finds the simulated system range: (row, P5 column, P95 column).
pub type McRefs = Option<(u32, u16, u16)>;

pub fn monte_carlo(ws: &mut Worksheet, sr: &ScenarioRun, fm: &Fmt) -> X<McRefs> {
    let Some(sim) = &sr.simulation else {
        return Ok(None);
    };
    ws.set_name("Monte Carlo")?;
    ws.write_string_with_format(0, 0, "Monte Carlo simulation of NPV", &fm.title)?;
    let meta = [
        ("Iterations", sim.iterations.to_string()),
        ("Seed", sim.seed.to_string()),
        ("Generator", sim.generator.clone()),
    ];
    for (i, (k, v)) in meta.iter().enumerate() {
        ws.write_string_with_format(1 + i as u32, 0, *k, &fm.bold)?;
        ws.write_string(1 + i as u32, 1, v)?;
    }
    super::note(ws, 4, 5, 110.0, "Values, not formulas: the simulation ran on the inputs as written in the files. Changing the Inputs sheet does not re-run it; run `totalplace simulate` or `totalplace report` again.", fm)?;
    let h = 6;
    let mut sys = None;
    headers(
        ws,
        h,
        &["Party", "Mean NPV", "P5", "P50", "P95", "Chance NPV > 0"],
        fm,
    )?;
    for (i, g) in sim.ranges.iter().enumerate() {
        let r = h + 1 + i as u32;
        ws.write_string(r, 0, &g.id)?;
        for (c, v) in [g.mean, g.p5, g.p50, g.p95].iter().enumerate() {
            ws.write_number_with_format(r, 1 + c as u16, *v, &fm.money)?;
        }
        ws.write_number_with_format(r, 5, g.prob_positive, &fm.pct)?;
        if g.agency.is_none() {
            sys = Some((r, 2, 4));
        }
    }
    let mut r = h + 3 + sim.ranges.len() as u32;
    if !sim.tornado.is_empty() {
        headers(
            ws,
            r,
            &[
                "Input (one at a time)",
                "Low input",
                "High input",
                "System NPV at low",
                "System NPV at high",
                "Swing",
            ],
            fm,
        )?;
        for t in &sim.tornado {
            r += 1;
            ws.write_string(r, 0, &t.path)?;
            ws.write_string(r, 1, &t.low_input)?;
            ws.write_string(r, 2, &t.high_input)?;
            ws.write_number_with_format(r, 3, t.low, &fm.money)?;
            ws.write_number_with_format(r, 4, t.high, &fm.money)?;
            formula(
                ws,
                r,
                5,
                &format!("=ABS({}-{})", cell(r, 4), cell(r, 3)),
                (t.high - t.low).abs(),
                &fm.money,
            )?;
        }
        r += 2;
    }
    ws.write_string_with_format(r, 0, "Uncertain inputs and their distributions", &fm.bold)?;
    for i in &sim.inputs {
        r += 1;
        ws.write_string(r, 0, i)?;
    }
    ws.set_freeze_panes(h + 1, 1)?;
    ws.set_column_width(0, 34)?;
    for c in 1..=5 {
        ws.set_column_width(c, 16)?;
    }
    print_setup(ws, Some((h, h)))?;
    Ok(sys)
}
