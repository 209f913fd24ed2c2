//! The fleet server: report ingest, the finding lifecycle, directive milestones, the
//! audit log and the JSON API (`/api/v1`) over [`interdict_store`], with an OpenAPI
//! document generated from the handlers (`/api/v1/openapi.json`).
//!
//! # Shape
//! [`AppState`] holds the store, the catalog and the [`Evaluator`] (the catalog compiled
//! once per platform). [`app`] builds the axum router; [`serve`] runs it over HTTP or
//! HTTPS (rustls with aws-lc-rs) until a shutdown signal. Nothing lives only in one
//! process's memory: several `serve` processes may share one PostgreSQL database.
//!
//! # Start
//! [`AppState::new`] re-evaluates every stored inventory when the catalog changed since
//! the stored findings were last evaluated (see [`evaluate`]): hosts that reported before
//! get findings of a new directive or product without a new scan. The server listens
//! only once that is done.
//!
//! # Requests
//! Every route but `/health`, `/openapi.json` and `/enroll` needs `Authorization: Bearer
//! TOKEN`; the role each route needs is in [`auth`]. Bodies are limited
//! ([`Limits`]); errors are JSON `{"error": "…"}` with a 4xx status that names the
//! problem, and a rejected request changes nothing. A report is answered only once the
//! store has committed it (durable).
//!
//! **Boundary:** depends on the store, the report document, the catalog, the inventory
//! model and the matcher — never on collectors or the scanner.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod auth;
pub mod deliverables;
pub mod error;
pub mod evaluate;
mod routes;
pub mod web;

pub use evaluate::{Evaluator, Reevaluation};
pub use routes::{API_PREFIX, openapi};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::get;
use interdict_catalog::Catalog;
use interdict_store::Store;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tower_http::decompression::RequestDecompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// Request size limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest report document accepted (after gzip decoding), in bytes.
    pub max_report_bytes: usize,
    /// Largest body of any other request, in bytes.
    pub max_body_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_report_bytes: 256 << 20,
            max_body_bytes: 1 << 20,
        }
    }
}

/// What every handler shares. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The store.
    pub store: Store,
    /// The catalog the server evaluates with.
    pub catalog: Arc<Catalog>,
    /// The catalog compiled per platform.
    pub evaluator: Arc<Evaluator>,
    /// Request limits.
    pub limits: Limits,
    /// Mark the dashboard's session cookie `Secure` (set by [`serve`] under TLS).
    pub secure_cookies: bool,
}

/// Why the server could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The catalog does not compile.
    #[error("catalog: {0}")]
    Catalog(String),
    /// A store operation failed at start.
    #[error(transparent)]
    Store(#[from] interdict_store::StoreError),
    /// The listen address cannot be bound.
    #[error("cannot listen on {addr}: {message}")]
    Listen {
        /// The address.
        addr: String,
        /// Why.
        message: String,
    },
    /// The certificate or key cannot be loaded.
    #[error("TLS: {0}")]
    Tls(String),
    /// The server failed while running.
    #[error("server: {0}")]
    Io(#[from] std::io::Error),
}

impl AppState {
    /// Compiles the catalog and re-evaluates the fleet if the catalog changed since the
    /// stored findings were evaluated; returns the state and what the re-evaluation did.
    pub async fn new(
        store: Store,
        catalog: Catalog,
        limits: Limits,
    ) -> Result<(AppState, Option<Reevaluation>), ServeError> {
        let evaluator = Evaluator::new(&catalog).map_err(ServeError::Catalog)?;
        let done = evaluator.reevaluate_if_changed(&store).await?;
        let state = AppState {
            store,
            catalog: Arc::new(catalog),
            evaluator: Arc::new(evaluator),
            limits,
            secure_cookies: false,
        };
        Ok((state, done))
    }
}

/// The whole HTTP application: the API under [`API_PREFIX`] and its OpenAPI document.
pub fn app(state: AppState) -> Router {
    let (api, doc) = routes::api();
    let doc = Arc::new(serde_json::to_vec(&doc).unwrap_or_default());
    let openapi = get(move || {
        let doc = doc.clone();
        async move { ([(header::CONTENT_TYPE, "application/json")], doc.to_vec()).into_response() }
    });
    let limits = state.limits;
    // JSON bodies are limited to `max_body_bytes`; the report route takes the raw body
    // (which this limit does not govern) and reads it up to `max_report_bytes` itself.
    let api = api
        .route("/openapi.json", openapi)
        .layer(DefaultBodyLimit::max(limits.max_body_bytes));
    Router::new()
        .nest(API_PREFIX, api)
        .merge(web::routes())
        .fallback(|| async {
            error::ApiError::not_found("no such route; the API is under /api/v1")
        })
        .with_state(state)
        .layer(RequestDecompressionLayer::new().gzip(true))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(300),
        ))
        .layer(TraceLayer::new_for_http())
}

/// Where and how to listen.
#[derive(Debug, Clone)]
pub struct Listen {
    /// The address (`127.0.0.1:8443`; port 0 picks a free one).
    pub addr: SocketAddr,
    /// PEM certificate chain and private key for HTTPS; plain HTTP without.
    pub tls: Option<(PathBuf, PathBuf)>,
}

/// Binds `listen`, calls `ready` with the bound address and scheme (`http`/`https`),
/// then serves `app(state)` until `shutdown` resolves (then drains for up to 10 s).
pub async fn serve(
    state: AppState,
    listen: &Listen,
    ready: impl FnOnce(SocketAddr, &str),
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let mut state = state;
    state.secure_cookies = listen.tls.is_some();
    let listener = std::net::TcpListener::bind(listen.addr).map_err(|e| ServeError::Listen {
        addr: listen.addr.to_string(),
        message: e.to_string(),
    })?;
    let bound = listener.local_addr()?;
    let handle = axum_server::Handle::new();
    let h = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        h.graceful_shutdown(Some(Duration::from_secs(10)));
    });
    let service = app(state).into_make_service_with_connect_info::<SocketAddr>();
    match &listen.tls {
        None => {
            let server = axum_server::from_tcp(listener)?.handle(handle);
            ready(bound, "http");
            server.serve(service).await?;
        }
        Some((cert, key)) => {
            let config = tls_config(cert, key).await?;
            let server = axum_server::from_tcp_rustls(listener, config)?.handle(handle);
            ready(bound, "https");
            server.serve(service).await?;
        }
    }
    Ok(())
}

/// Loads a PEM certificate chain and key, naming the file at fault.
async fn tls_config(
    cert: &std::path::Path,
    key: &std::path::Path,
) -> Result<axum_server::tls_rustls::RustlsConfig, ServeError> {
    for (what, path) in [("certificate", cert), ("private key", key)] {
        if let Err(e) = std::fs::metadata(path) {
            return Err(ServeError::Tls(format!(
                "{}: cannot read the {what}: {e}",
                path.display()
            )));
        }
    }
    axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
        .await
        .map_err(|e| {
            ServeError::Tls(format!(
                "{} / {}: not a usable PEM certificate chain and private key: {e}",
                cert.display(),
                key.display()
            ))
        })
}
