//! Retrieval: which retrievals (data source, query, documents with scores) fed each model call
//! of a trace, and retrieval latency and score distributions over a time range.

use std::time::Duration;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use flightdeck_analysis::rag::{self, RagError, RetrievalStats};
use flightdeck_model::SpanId;
use serde_json::{Value, json};

use crate::api::traces::parse_trace_id;
use crate::params::Params;
use crate::{ApiError, AppState};

/// Largest `limit` (retrieval spans read) of the range statistics.
const MAX_RETRIEVALS: usize = 100_000;

/// `GET /api/v1/traces/{trace_id}/rag`: per generation span (`chat`, `text_completion`,
/// `generate_content`) fed by at least one retrieval, the retrievals that fed it; `span=<id>`
/// asks for one generation span (listed even when nothing fed it).
pub async fn trace_rag(
    State(state): State<AppState>,
    Path(trace_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let trace_id = parse_trace_id(&trace_id)?;
    let mut params = Params::parse(raw.as_deref())?;
    let span: Option<SpanId> = params
        .take("span")
        .map(|v| {
            v.parse()
                .map_err(|e| ApiError::BadRequest(format!("invalid `span` id {v:?}: {e}")))
        })
        .transpose()?;
    params.finish()?;
    let spans = state.query(move |s| s.trace(trace_id)).await?;
    if spans.is_empty() {
        return Err(ApiError::NotFound(format!("trace {trace_id} not found")));
    }
    let generations = match span {
        None => rag::rag_views(&spans),
        Some(id) => vec![rag::rag_view(&spans, id).map_err(|e| match e {
            RagError::SpanNotFound(_) => ApiError::NotFound(e.to_string()),
            RagError::NotAGeneration { .. } => ApiError::BadRequest(e.to_string()),
        })?],
    };
    let mut stats = RetrievalStats::new();
    let retrieval_spans = stats.add_spans(&spans);
    Ok(Json(json!({
        "trace_id": trace_id,
        "retrieval_spans": retrieval_spans,
        "generations": generations,
    })))
}

/// `GET /api/v1/retrieval`: latency, documents per retrieval and relevance-score distributions
/// of the newest `limit` retrieval spans (1–100,000, default 10,000) of the range matching the
/// span filters, overall and per data source.
pub async fn retrieval_stats(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let mut params = Params::parse(raw.as_deref())?;
    let range = params.range(Duration::from_secs(3600))?;
    let filter = params.span_filter()?;
    let limit = params.usize("limit", 10_000, MAX_RETRIEVALS)?;
    params.finish()?;
    let (stats, read) = state
        .query(move |s| {
            let mut stats = RetrievalStats::new();
            let mut read = 0usize;
            // One more than the limit tells whether there were more.
            s.retrieval_spans(range, &filter, limit + 1, &mut |span| {
                read += 1;
                if read <= limit {
                    stats.add(&span);
                }
            })?;
            Ok((stats, read))
        })
        .await?;
    let summary = stats.summary();
    Ok(Json(json!({
        "start_ns": range.start_ns,
        "end_ns": range.end_ns,
        "limit": limit,
        "truncated": read > limit,
        "overall": summary.overall,
        "by_source": summary.by_source,
        "folded_retrievals": summary.folded_retrievals,
    })))
}
