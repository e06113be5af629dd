//! `totalplace generate-sample`: rebuild the sample place's budget files, or write a
//! benchmark-size ledger with `--large-lines`.

use super::common::outln;
use std::path::PathBuf;

use anyhow::Result;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Folder to write the budget files into.
    #[arg(long, default_value = "sample-data/kirkbridge")]
    pub out: PathBuf,
    /// Instead of the sample place, write one benchmark ledger of this many lines into the
    /// folder (large-ledger.csv, or .xlsx with --xlsx). Not for committing.
    #[arg(long, value_name = "LINES")]
    pub large_lines: Option<usize>,
    /// Write the benchmark ledger as .xlsx rather than .csv.
    #[arg(long, requires = "large_lines")]
    pub xlsx: bool,
    /// The sample place model whose sources are read back to derive the later year's outturn.
    #[arg(long, default_value = "models/kirkbridge")]
    pub place: PathBuf,
    /// Seed for the benchmark ledger.
    #[arg(long, default_value_t = 1, requires = "large_lines")]
    pub seed: u64,
}

pub fn run(args: Args) -> Result<()> {
    if let Some(lines) = args.large_lines {
        std::fs::create_dir_all(&args.out)?;
        let name = if args.xlsx {
            "large-ledger.xlsx"
        } else {
            "large-ledger.csv"
        };
        let path = args.out.join(name);
        let total = crate::sample::write_large_ledger(&path, lines, args.seed)?;
        outln!(
            "wrote {} ({lines} lines, total {})",
            crate::error::display_path(&path),
            crate::money::plain(total)
        );
        outln!(
            "\n{}control_total = {{ value = \"{}\" }}",
            crate::sample::large_ledger_source_toml(name),
            crate::money::plain(total)
        );
        return Ok(());
    }
    let mut written = crate::sample::build_sample_place(&args.out)?;
    written.extend(crate::sample::build_later_year(&args.place, &args.out)?);
    for f in written {
        outln!(
            "wrote {} ({}: {} lines, total {} {})",
            crate::error::display_path(&f.path),
            f.agency,
            f.lines,
            f.total.normalize(),
            f.units
        );
    }
    outln!("All figures are SYNTHETIC.");
    Ok(())
}
