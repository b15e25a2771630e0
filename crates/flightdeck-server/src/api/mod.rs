//! API areas, one module each.

pub mod catalog;
pub mod genai;
pub mod health;
pub mod pipeline;
pub mod traces;

use axum::Router;
use axum::routing::get;

use crate::AppState;

/// All API routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/api/v1/stats", get(health::stats))
        .route("/api/v1/traces", get(traces::search))
        .route("/api/v1/traces/{trace_id}", get(traces::get_trace))
        .route("/api/v1/services", get(catalog::services))
        .route("/api/v1/operations", get(catalog::operations))
        .route("/api/v1/models", get(catalog::models))
        .route("/api/v1/genai/aggregate", get(genai::aggregate))
        .route("/api/v1/pipeline", get(pipeline::pipeline))
}
