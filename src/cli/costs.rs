//! `totalplace costs [WORDS]...`: search the unit-cost library (every word, case-insensitive,
//! in a cost's id, code, name, unit, role or source) and list the matches with their code,
//! value, price year, bearing role, default cashability and source.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, ContentArrangement, Table};

use crate::money::format_gbp;
use crate::scenario::library::{fy_label, load_unit_costs, search, UnitCost};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Words to look for, e.g. `costs arrest` or `costs jsa dwp` (none: list every cost).
    pub words: Vec<String>,
    /// The unit-cost library to search.
    #[arg(long, default_value = "models/unit-costs.csv")]
    pub library: PathBuf,
    /// Print the matches as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// The matches as a table: one row per unit cost.
pub fn table(found: &[&UnitCost]) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_content_arrangement(ContentArrangement::Dynamic);
    if t.width().is_none() {
        // Not a terminal: wrap long descriptions at a readable width all the same.
        t.set_width(180);
    }
    t.set_header(vec![
        "id",
        "code",
        "name",
        "value",
        "unit",
        "price year",
        "role",
        "cashability",
        "type",
        "source",
    ]);
    for u in found {
        t.add_row(vec![
            Cell::new(&u.id),
            Cell::new(if u.code.is_empty() { "-" } else { &u.code }),
            Cell::new(&u.name),
            Cell::new(format_gbp(u.value)).set_alignment(CellAlignment::Right),
            Cell::new(&u.unit),
            Cell::new(fy_label(u.price_year)),
            Cell::new(&u.role),
            Cell::new(u.cashability.normalize()).set_alignment(CellAlignment::Right),
            Cell::new(&u.value_type),
            Cell::new(if u.verified {
                u.source.clone()
            } else {
                format!("{} (not verified)", u.source)
            }),
        ]);
    }
    t
}

pub fn run(args: Args) -> Result<()> {
    let text = render(&args)?;
    // A reader that stops early (`| head`) is not an error.
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => Ok(r?),
    }
}

fn render(args: &Args) -> Result<String> {
    let lib = load_unit_costs(&args.library)?;
    let found = search(&lib, &args.words);
    if args.json {
        let rows: Vec<serde_json::Value> = found
            .iter()
            .map(|u| {
                serde_json::json!({
                    "id": u.id, "code": u.code, "name": u.name, "value": u.value,
                    "unit": u.unit, "price_year": fy_label(u.price_year), "role": u.role,
                    "cashability": u.cashability, "value_type": u.value_type,
                    "verified": u.verified, "source": u.source,
                })
            })
            .collect();
        return Ok(format!("{}\n", serde_json::to_string_pretty(&rows)?));
    }
    if found.is_empty() {
        return Ok(format!(
            "no costs match \"{}\" in {} ({} costs)\n",
            args.words.join(" "),
            args.library.display(),
            lib.len()
        ));
    }
    Ok(format!(
        "{}\n{} of {} costs in {}; use a cost's id as a flow's unit_cost\n",
        table(&found),
        found.len(),
        lib.len(),
        args.library.display()
    ))
}
