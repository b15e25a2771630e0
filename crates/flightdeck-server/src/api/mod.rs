//! API areas, one module each.

pub mod agents;
pub mod catalog;
pub mod compare;
pub mod conversations;
pub mod diagnostics;
pub mod genai;
pub mod health;
pub mod pipeline;
pub mod pricing;
pub mod rag;
pub mod traces;

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;

/// All API routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/api/v1/stats", get(health::stats))
        .route("/api/v1/traces", get(traces::search))
        .route("/api/v1/traces/{trace_id}", get(traces::get_trace))
        .route("/api/v1/traces/{trace_id}/tree", get(traces::get_tree))
        .route(
            "/api/v1/traces/{trace_id}/spans/{span_id}",
            get(traces::get_span),
        )
        .route(
            "/api/v1/traces/{trace_id}/critical_path",
            get(traces::get_critical_path),
        )
        .route("/api/v1/traces/{trace_id}/agents", get(agents::trace_graph))
        .route("/api/v1/traces/{trace_id}/rag", get(rag::trace_rag))
        .route("/api/v1/agents", get(agents::range_graph))
        .route("/api/v1/retrieval", get(rag::retrieval_stats))
        .route("/api/v1/compare", get(compare::compare))
        .route("/api/v1/diff", get(compare::diff))
        .route("/api/v1/services", get(catalog::services))
        .route("/api/v1/operations", get(catalog::operations))
        .route("/api/v1/models", get(catalog::models))
        .route("/api/v1/models/unpriced", get(catalog::unpriced))
        .route("/api/v1/conversations", get(conversations::list))
        .route("/api/v1/conversations/{id}", get(conversations::get))
        .route("/api/v1/analytics", get(genai::analytics))
        .route("/api/v1/diagnostics", get(diagnostics::diagnostics))
        .route("/api/v1/diagnostics/findings", get(diagnostics::findings))
        .route("/api/v1/pricing/lookup", get(pricing::lookup))
        .route("/api/v1/pricing/recompute", post(pricing::recompute))
        .route("/api/v1/pipeline", get(pipeline::pipeline))
}
