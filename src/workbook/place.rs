//! The place workbook: the scenarios compared (with each one's horizon and start year, so
//! that scenarios of different lengths are not read as like for like), the spend map, and the
//! place's inputs.

use super::{headers, new_workbook, print_setup, title_block, xerr, Fmt, X};
use crate::error::Result;
use crate::report::PlaceRun;

/// The place workbook: scenarios compared, the spend map, and the place's inputs.
pub fn place_workbook(run: &PlaceRun) -> Result<Vec<u8>> {
    let build = || -> X<Vec<u8>> {
        let fm = Fmt::new();
        let mut wb = new_workbook(
            &format!("{}: scenarios compared", run.place.info.name),
            "totalplace results workbook",
        )?;
        let ws = wb.add_worksheet();
        ws.set_name("Summary")?;
        let top = title_block(
            ws,
            &[
                format!("{}: scenarios compared", run.place.info.name),
                "Present values in each scenario's price base; money rounded half away from zero only when shown".into(),
            ],
            run.place.info.synthetic,
            &fm,
        )?;
        let pairs: Vec<_> = run
            .scenarios
            .iter()
            .map(|s| (&s.scenario, &s.results))
            .collect();
        let rows = crate::scenario::report::compare_rows(&pairs, false);
        let mut names = vec!["Measure".to_string()];
        names.extend(run.scenarios.iter().map(|s| s.scenario.id.clone()));
        let refs: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
        headers(ws, top, &refs, &fm)?;
        ws.set_freeze_panes(top + 1, 1)?;
        for (i, (label, cells)) in rows.iter().enumerate() {
            let r = top + 1 + i as u32;
            ws.write_string(r, 0, label)?;
            let money = label.contains("NPV") || label.starts_with("PV");
            for (j, v) in cells.iter().enumerate() {
                let c = 1 + j as u16;
                // Payback as a number of years too, from the results ("never in deficit" is 0
                // in that format).
                let years = match run.scenarios[j].results.system.payback {
                    Some(crate::scenario::Payback::Within(y)) if label == "payback" => {
                        Some(super::f(y))
                    }
                    _ => None,
                };
                match (v.parse::<f64>(), years) {
                    (_, Some(y)) => ws.write_number_with_format(r, c, y, &fm.years)?,
                    (Ok(x), _) if money => ws.write_number_with_format(r, c, x, &fm.money)?,
                    (Ok(x), _) => ws.write_number_with_format(r, c, x, &fm.ratio)?,
                    (Err(_), _) => ws.write_string(r, c, v)?,
                };
            }
        }
        let mut r = top + 1 + rows.len() as u32;
        ws.write_string(r, 0, "horizon (years)")?;
        ws.write_string(r + 1, 0, "start year")?;
        for (j, s) in run.scenarios.iter().enumerate() {
            let c = 1 + j as u16;
            ws.write_number(r, c, s.scenario.horizon as f64)?;
            ws.write_string(r + 1, c, s.scenario.year_label(0))?;
        }
        r += 3;
        ws.write_string_with_format(r, 0, "Scenarios run over different horizons: compare NPVs with their horizon and start year in view.", &fm.note)?;
        ws.set_column_width(0, 30)?;
        for c in 1..=run.scenarios.len() as u16 {
            ws.set_column_width(c, 22)?;
        }
        print_setup(ws, Some((top, top)))?;
        super::spend_map::spend_map(wb.add_worksheet(), run, &fm)?;
        super::assumptions::assumptions(wb.add_worksheet(), run, None, &fm)?;
        crate::track::pack::workbook_sheets(&mut wb, run)?;
        wb.save_to_buffer()
    };
    build().map_err(xerr)
}
