//! The HTTP API and the web UI over a Flightdeck store: one `fn app(state) -> Router`, testable
//! without a socket.
//!
//! Each API area lives in its own module under [`api`]; errors map to HTTP in [`error`] only.
//! Queries run on blocking threads (the store is synchronous). The web UI ([`ui`]) is embedded in
//! the binary and served from `/`; every path it does not claim under `/api/` stays the API's.
//! The MCP endpoint (`/mcp`, `flightdeck-mcp`) is mounted next to the API and reads the API
//! router in-process.
//!
//! ```no_run
//! # use std::sync::Arc;
//! # fn state() -> flightdeck_server::AppState { unimplemented!() }
//! let router = flightdeck_server::app(state());
//! // axum::serve(listener, router)
//! ```

pub mod api;
pub mod error;
pub mod params;
pub mod process;
pub mod ui;

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use flightdeck_ingest::IngestStats;
use flightdeck_pipeline::{PipelineStats, WriterStats};
use flightdeck_store::Store;

pub use error::ApiError;

/// What the API handlers share.
#[derive(Clone)]
pub struct AppState {
    /// The store queries go to.
    pub store: Arc<dyn Store>,
    /// Ingest counters.
    pub ingest: Arc<IngestStats>,
    /// Writer counters.
    pub writer: Arc<WriterStats>,
    /// Ingest diagnostics recorded by the normalizer since start.
    pub diagnostics: flightdeck_pipeline::DiagnosticsHandle,
    /// The cost engine (for lookups and recomputing stored costs).
    pub enrich: flightdeck_pipeline::Enrich,
    /// Pipeline counters (redaction, sampling, forwarding).
    pub pipeline: PipelineStats,
    /// When the server started.
    pub started: Instant,
}

impl AppState {
    /// State over `store` with fresh counters and diagnostics (`serve` shares its own instead).
    pub fn new(store: Arc<dyn Store>, enrich: flightdeck_pipeline::Enrich) -> AppState {
        AppState {
            store,
            ingest: Arc::default(),
            writer: Arc::default(),
            diagnostics: Arc::default(),
            enrich,
            pipeline: PipelineStats::default(),
            started: Instant::now(),
        }
    }

    /// Runs a blocking store call on a blocking thread.
    pub async fn query<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Store) -> Result<T, flightdeck_store::StoreError> + Send + 'static,
    {
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || f(store.as_ref()))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?
            .map_err(ApiError::from)
    }
}

/// Settings of the HTTP application beyond its state.
#[derive(Debug, Clone, Default)]
pub struct AppOptions {
    /// The MCP endpoint at `/mcp`.
    pub mcp: flightdeck_mcp::HttpOptions,
}

/// The whole HTTP application: the API, MCP at `/mcp` (loopback `Host` names only), and the web
/// UI for every other path.
pub fn app(state: AppState) -> Router {
    app_with(state, &AppOptions::default())
}

/// The whole HTTP application with `options`. The MCP tools call the API router below
/// in-process, so they see exactly what the API serves.
pub fn app_with(state: AppState, options: &AppOptions) -> Router {
    let api = api::router().with_state(state.clone());
    let backend = flightdeck_mcp::RouterBackend::new(api.clone());
    let mcp =
        flightdeck_mcp::http_service(flightdeck_mcp::Api::new(Arc::new(backend)), &options.mcp);
    api.nest_service("/mcp", mcp)
        .merge(ui::router().with_state(state))
}
