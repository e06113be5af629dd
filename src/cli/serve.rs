//! `totalplace serve <place> [--host H] [--port P] [--open]`: the what-if workbench, a local
//! web app over the place's scenarios (docs/serve.md). Binds to loopback unless `--host` is
//! given; reads only the place directory and writes only new scenario files in it and
//! downloads under `--out`.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};

use super::Common;
use crate::error::display_path;
use crate::serve::{self, Workbench};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The place directory, e.g. models/kirkbridge.
    pub place: PathBuf,
    /// Address to listen on. Anything but loopback lets other machines change and save
    /// scenarios: a warning is printed.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,
    /// Port to listen on (0: any free port; the address is printed).
    #[arg(long, default_value_t = 8750)]
    pub port: u16,
    /// Open the workbench in the default browser.
    #[arg(long)]
    pub open: bool,
    #[command(flatten)]
    pub common: Common,
}

pub fn run(args: Args) -> Result<()> {
    let wb = Arc::new(Workbench::open(&args.place, &args.common.out)?);
    let addr = SocketAddr::new(args.host, args.port);
    if !serve::is_loopback(&addr) {
        eprintln!(
            "warning: listening on {addr}, not loopback: anyone who can reach it can change \
             and save scenarios of {}",
            display_path(&args.place)
        );
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the server's runtime")?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        let local = listener.local_addr()?;
        let url = format!("http://{local}/");
        println!(
            "totalplace serve: {} ({}) at {url}  (Ctrl-C to stop)",
            wb.place_name(),
            display_path(&args.place)
        );
        std::io::stdout().flush().ok();
        if args.open {
            open_browser(&url);
        }
        serve::serve(listener, wb, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("the server stopped")
    })
}

fn open_browser(url: &str) {
    let cmd = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    if let Err(e) = std::process::Command::new(cmd).arg(url).spawn() {
        eprintln!("could not open a browser ({cmd}: {e}); open {url} yourself");
    }
}
