//! GenAI analytics: breakdowns by any dimensions and time series of requests, errors, latency,
//! TTFT, tokens, cost, cache-hit ratio, throughput and context-window use.

use std::time::Duration;

use axum::Json;
use axum::extract::{RawQuery, State};
use flightdeck_store::{AnalyticsQuery, Dimension, OrderBy};
use serde_json::{Value, json};

use crate::params::Params;
use crate::{ApiError, AppState};

/// `GET /api/v1/analytics`: GenAI spans in the range matching the filters, grouped by `group_by`
/// (comma-separated dimensions, e.g. `provider,model`; `attr:<key>` for any attribute), optionally
/// bucketed by `step`, groups ranked by `order_by` and cut to `limit`.
pub async fn analytics(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let mut params = Params::parse(raw.as_deref())?;
    let query = analytics_query(&mut params)?;
    params.finish()?;
    let range = query.range;
    let step_ns = query.step_ns;
    let group_by: Vec<String> = query.group_by.iter().map(Dimension::name).collect();
    let rows = state.query(move |s| s.analytics(&query)).await?;
    Ok(Json(json!({
        "start_ns": range.start_ns,
        "end_ns": range.end_ns,
        "group_by": group_by,
        "step_ns": step_ns,
        "rows": rows,
    })))
}

/// Reads an analytics query from parameters (shared with other endpoints that aggregate).
pub fn analytics_query(params: &mut Params) -> Result<AnalyticsQuery, ApiError> {
    let range = params.range(Duration::from_secs(3600))?;
    let group_by = match params.take("group_by") {
        None => vec![Dimension::Provider, Dimension::Model, Dimension::Operation],
        Some(list) if list == "none" => Vec::new(),
        Some(list) => list
            .split(',')
            .map(|d| {
                Dimension::parse(d.trim()).ok_or_else(|| {
                    ApiError::BadRequest(format!(
                        "unknown `group_by` dimension {d:?}: use provider, model, response_model, \
                         model_family, operation, service, service_version, agent, tool, user, \
                         conversation, error_type or attr:<key>"
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()?,
    };
    if group_by.len() > 4 {
        return Err(ApiError::BadRequest(
            "`group_by` takes at most 4 dimensions".into(),
        ));
    }
    let step = params.duration("step")?;
    if let Some(step) = step {
        let buckets = (range.end_ns - range.start_ns) as u128 / step.as_nanos().max(1);
        if step.is_zero() || buckets > 10_000 {
            return Err(ApiError::BadRequest(format!(
                "`step` gives {buckets} buckets over this range; use a step of at least 1/10000 of the range"
            )));
        }
    }
    let order_by = match params.take("order_by").as_deref() {
        None | Some("requests") => OrderBy::Requests,
        Some("errors") => OrderBy::Errors,
        Some("cost") => OrderBy::Cost,
        Some("latency") => OrderBy::Latency,
        Some("tokens") => OrderBy::Tokens,
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "`order_by` must be requests, errors, cost, latency or tokens, got {other:?}"
            )));
        }
    };
    let limit = params.usize("limit", 100, 10_000)?;
    let filter = params.span_filter()?;
    Ok(AnalyticsQuery {
        range,
        filter,
        group_by,
        step_ns: step.map(|s| s.as_nanos() as i64),
        order_by,
        limit,
    })
}
