//! `totalplace generate-sample`: rebuild the sample place's budget files.

use std::path::PathBuf;

use anyhow::Result;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Folder to write the budget files into.
    #[arg(long, default_value = "sample-data/kirkbridge")]
    pub out: PathBuf,
}

pub fn run(args: Args) -> Result<()> {
    let written = crate::sample::write_sample_place(&args.out)?;
    for p in written {
        println!("wrote {}", crate::error::display_path(&p));
    }
    Ok(())
}
