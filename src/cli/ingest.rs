//! `totalplace ingest <place-dir>`: read, reconcile, print a table per source, write the ledger.

use std::path::PathBuf;

use anyhow::Result;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, Table};

use super::common::outln;
use super::Common;
use crate::error::{display_path, Error};
use crate::ingest::{self, Ingest, Status};
use crate::model::Place;
use crate::money::format_gbp;
use crate::output::OutputSet;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The place model directory, e.g. models/kirkbridge.
    pub place: PathBuf,
    #[command(flatten)]
    pub common: Common,
}

pub fn run(args: Args) -> Result<()> {
    let place = Place::load(&args.place)?;
    let ingest = ingest::ingest_place_unreconciled(&place)?;
    outln!("{}", ingest_table(&place, &ingest));
    for w in ingest.warnings() {
        eprintln!("warning: {w}");
    }
    let mismatches = ingest.mismatches(&place);
    if !mismatches.is_empty() {
        return Err(Error::from_list(mismatches).unwrap_err().into());
    }
    let mut out = OutputSet::new();
    let dir = args.common.out.join(&place.info.id);
    // Streamed: the ledger is written as its pieces are formatted.
    out.add_stream(
        dir.join("ledger.csv"),
        Box::new(|sink| crate::ingest::write_ledger_csv(&place, &ingest, sink)),
    );
    for p in out.commit()? {
        outln!("wrote {}", display_path(&p));
    }
    Ok(())
}

/// The per-source ingest table as a person reads it.
pub fn ingest_table(place: &Place, ingest: &Ingest) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(vec![
        "agency",
        "source",
        "lines",
        "skipped (by reason)",
        "total",
        "control total",
        "status",
    ]);
    let mut grand = rust_decimal::Decimal::ZERO;
    let mut lines = 0u64;
    for r in &ingest.reports {
        let skipped = if r.skipped.is_empty() {
            "-".to_string()
        } else {
            r.skipped
                .iter()
                .map(|(k, n)| format!("{n} {k}"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        grand += r.total;
        lines += r.lines;
        t.add_row(vec![
            Cell::new(&r.agency),
            Cell::new(format!("{}\n{}", r.source, r.file)),
            Cell::new(r.lines).set_alignment(CellAlignment::Right),
            Cell::new(skipped),
            Cell::new(format_gbp(r.total)).set_alignment(CellAlignment::Right),
            Cell::new(
                r.control_total
                    .map(format_gbp)
                    .unwrap_or_else(|| "-".into()),
            )
            .set_alignment(CellAlignment::Right),
            Cell::new(match &r.status {
                Status::Reconciled => {
                    format!("reconciled ({})", r.control_from.as_deref().unwrap_or(""))
                }
                s => s.label(),
            }),
        ]);
    }
    t.add_row(vec![
        Cell::new("all"),
        Cell::new(format!(
            "{}, {}",
            crate::format::counted(ingest.reports.len(), "source", "sources"),
            crate::format::counted(place.agencies.len(), "agency", "agencies")
        )),
        Cell::new(lines).set_alignment(CellAlignment::Right),
        Cell::new(""),
        Cell::new(format_gbp(grand)).set_alignment(CellAlignment::Right),
        Cell::new(""),
        Cell::new(""),
    ]);
    t
}
