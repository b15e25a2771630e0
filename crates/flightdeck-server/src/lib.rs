//! The HTTP API over a Flightdeck store: one `fn app(state) -> Router`, testable without a socket.
//!
//! Each API area lives in its own module under [`api`]; errors map to HTTP in [`error`] only.
//! Queries run on blocking threads (the store is synchronous).
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
    /// Pipeline counters (redaction, sampling, forwarding).
    pub pipeline: PipelineStats,
    /// When the server started.
    pub started: Instant,
}

impl AppState {
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

/// The whole HTTP application.
pub fn app(state: AppState) -> Router {
    api::router().with_state(state)
}
