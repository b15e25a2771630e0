//! The cost engine: catalog lookups and recomputing stored costs after a price change.

use std::time::Instant;

use axum::Json;
use axum::extract::{RawQuery, State};
use flightdeck_store::TimeRange;
use serde_json::{Value, json};

use crate::params::{Params, now_ns};
use crate::{ApiError, AppState};

/// `GET /api/v1/pricing/lookup?provider=openai&model=gpt-4o`: the catalog entry a model resolves
/// to (dated snapshots, fine-tunes and provider prefixes resolve to their base), with its prices
/// now, context window and maximum output.
pub async fn lookup(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let mut params = Params::parse(raw.as_deref())?;
    let provider = params.take("provider");
    let model = params
        .take("model")
        .ok_or_else(|| ApiError::BadRequest("`model` is required".into()))?;
    params.finish()?;
    let catalog = state.enrich.catalog();
    let Some(info) = catalog.model(provider.as_deref(), &model) else {
        return Err(ApiError::NotFound(format!(
            "no catalog entry for model {model:?}{}; add it to the pricing overrides file",
            provider
                .map(|p| format!(" of provider {p:?}"))
                .unwrap_or_default()
        )));
    };
    let entry = info.entry();
    let now = now_ns().max(0) as u64;
    let listed = catalog
        .list(now)
        .into_iter()
        .find(|m| m.provider == entry.provider() && m.model == entry.id());
    Ok(Json(json!({
        "query": { "provider": provider, "model": model },
        "priced_as": entry.label(),
        "overridden": info.is_overridden(),
        "context_window": info.context_window(),
        "max_output": info.max_output(),
        "entry": listed,
    })))
}

/// `POST /api/v1/pricing/recompute`: re-prices stored model calls in the range (default: all
/// time) with the current catalog and overrides, and updates trace totals.
pub async fn recompute(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let mut params = Params::parse(raw.as_deref())?;
    let all_time = TimeRange {
        start_ns: 0,
        end_ns: i64::MAX,
    };
    let range = params.range_or(all_time, std::time::Duration::from_secs(3600))?;
    params.finish()?;
    let enrich = state.enrich.clone();
    let started = Instant::now();
    let report = state
        .query(move |s| s.reprice(range, &|span| enrich.enrich(span)))
        .await?;
    Ok(Json(json!({
        "spans_examined": report.spans_examined,
        "spans_updated": report.spans_updated,
        "duration_ms": started.elapsed().as_millis() as u64,
    })))
}
