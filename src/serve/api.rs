//! The HTTP surface (axum): the embedded page and the JSON API of `docs/serve.md`.
//!
//! Every handler runs the workbench on a blocking thread, so a slow request (a board pack, a
//! simulation) never stalls the others, and a panic in one is answered with a 500 instead of
//! taking the server down. Bodies are limited to [`MAX_BODY`] bytes. No path from a request is
//! joined to the filesystem: scenarios are looked up by name in the server's own listing.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use super::workbench::{ServeError, Variant, Workbench};

/// The largest request body accepted, in bytes.
pub const MAX_BODY: usize = 64 * 1024;

const INDEX: &str = include_str!("static/index.html");
const APP_JS: &str = include_str!("static/app.js");
const STYLE: &str = include_str!("static/style.css");

impl IntoResponse for ServeError {
    fn into_response(self) -> Response {
        let status = match &self {
            ServeError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ServeError::NotFound(_) => StatusCode::NOT_FOUND,
            ServeError::Conflict(_) => StatusCode::CONFLICT,
            ServeError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ServeError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let errors = match &self {
            ServeError::Invalid(m) => json!(m),
            _ => json!({}),
        };
        (
            status,
            Json(json!({ "error": self.to_string(), "errors": errors })),
        )
            .into_response()
    }
}

type Reply = Result<Response, ServeError>;

/// Run `f` on a blocking thread; a panic becomes a 500.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ServeError> + Send + 'static,
) -> Result<T, ServeError> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| Err(ServeError::Internal(format!("the request failed: {e}"))))
}

fn parse<T: DeserializeOwned>(body: &Bytes) -> Result<T, ServeError> {
    serde_json::from_slice(body)
        .map_err(|e| ServeError::BadRequest(format!("the request body is not valid: {e}")))
}

fn json_reply(v: Value) -> Reply {
    Ok(Json(v).into_response())
}

/// The router over one workbench.
pub fn router(wb: Arc<Workbench>) -> Router {
    Router::new()
        .route(
            "/",
            get(|| async { page(INDEX, "text/html; charset=utf-8") }),
        )
        .route(
            "/app.js",
            get(|| async { page(APP_JS, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/style.css",
            get(|| async { page(STYLE, "text/css; charset=utf-8") }),
        )
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .route("/api/scenarios", get(scenarios))
        .route("/api/scenarios/{file}/controls", get(controls))
        .route("/api/evaluate", post(evaluate))
        .route("/api/fair-shares", post(fair_shares))
        .route("/api/save", post(save))
        .route("/api/compare", get(compare))
        .route("/api/uncertainty", post(uncertainty))
        .route("/api/jobs/{id}", get(job))
        .route("/api/download/{file}", post(download))
        .fallback(|| async {
            ServeError::NotFound("no such page or API route (see docs/serve.md)".into())
        })
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(wb)
}

fn page(body: &'static str, mime: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

async fn scenarios(State(wb): State<Arc<Workbench>>) -> Reply {
    json_reply(blocking(move || wb.list()).await?)
}

async fn controls(State(wb): State<Arc<Workbench>>, Path(file): Path<String>) -> Reply {
    json_reply(blocking(move || wb.controls(&file)).await?)
}

async fn evaluate(State(wb): State<Arc<Workbench>>, body: Bytes) -> Reply {
    let v: Variant = parse(&body)?;
    json_reply(
        blocking(move || {
            let ev = wb.evaluate(&v)?;
            wb.evaluation_json(&ev, true)
        })
        .await?,
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FairShareRequest {
    variant: Variant,
    /// `all` (default) or `cashable` fiscal benefits.
    #[serde(default)]
    basis: Option<String>,
}

async fn fair_shares(State(wb): State<Arc<Workbench>>, body: Bytes) -> Reply {
    let r: FairShareRequest = parse(&body)?;
    let cashable = match r.basis.as_deref() {
        None | Some("all") => false,
        Some("cashable") => true,
        Some(b) => {
            return Err(ServeError::BadRequest(format!(
                "basis \"{b}\": all or cashable"
            )))
        }
    };
    json_reply(blocking(move || wb.fair_shares(&r.variant, cashable)).await?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SaveRequest {
    variant: Variant,
    name: String,
    #[serde(default)]
    overwrite: bool,
}

async fn save(State(wb): State<Arc<Workbench>>, body: Bytes) -> Reply {
    let r: SaveRequest = parse(&body)?;
    json_reply(blocking(move || wb.save(&r.variant, &r.name, r.overwrite)).await?)
}

#[derive(Deserialize)]
struct CompareQuery {
    files: String,
}

async fn compare(State(wb): State<Arc<Workbench>>, Query(q): Query<CompareQuery>) -> Reply {
    let files: Vec<String> = q
        .files
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    json_reply(blocking(move || wb.compare(&files)).await?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UncertaintyRequest {
    variant: Variant,
    #[serde(default = "default_iterations")]
    iterations: usize,
    #[serde(default = "default_seed")]
    seed: u64,
}

fn default_iterations() -> usize {
    10_000
}

fn default_seed() -> u64 {
    1
}

async fn uncertainty(State(wb): State<Arc<Workbench>>, body: Bytes) -> Reply {
    let r: UncertaintyRequest = parse(&body)?;
    let id = blocking(move || wb.start_uncertainty(&r.variant, r.iterations, r.seed)).await?;
    json_reply(json!({ "job": id }))
}

async fn job(State(wb): State<Arc<Workbench>>, Path(id): Path<String>) -> Reply {
    let id: u64 = id
        .parse()
        .map_err(|_| ServeError::NotFound(format!("no simulation job \"{id}\"")))?;
    json_reply(wb.job(id)?)
}

async fn download(
    State(wb): State<Arc<Workbench>>,
    Path(file): Path<String>,
    body: Bytes,
) -> Reply {
    let v: Variant = parse(&body)?;
    let name = file.clone();
    let (bytes, mime) = blocking(move || wb.download(&v, &file)).await?;
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
