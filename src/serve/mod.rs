//! `totalplace serve`: the what-if workbench, a local web app for strategy leads.
//!
//! A small static page (embedded in the binary: no CDN, works offline) over a JSON API
//! (`docs/serve.md`). The [`workbench`] holds the logic with no HTTP in it: scenarios as
//! controls, a what-if evaluated through [`crate::scenario::evaluate`] (the one engine), saved
//! as a new scenario file with [`edit`] (toml_edit, keeping the original's layout), simulated
//! through [`crate::uncertainty`] and rendered by [`crate::report`]'s own functions. [`api`]
//! is the axum router over it.

pub mod api;
mod charts;
mod controls;
pub mod edit;
pub mod workbench;

use std::net::SocketAddr;
use std::sync::Arc;

pub use api::{router, MAX_BODY};
pub use workbench::{Evaluation, Negotiation, ServeError, Variant, Workbench};

/// Serve `wb` on `listener` until the future `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    wb: Arc<Workbench>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(wb))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Whether an address is loopback only (the default); anything else is reachable by others.
pub fn is_loopback(addr: &SocketAddr) -> bool {
    addr.ip().is_loopback()
}
