//! GenAI aggregates: request counts, error rates, latency percentiles and token sums.

use std::time::Duration;

use axum::Json;
use axum::extract::{RawQuery, State};
use flightdeck_store::{AggregateQuery, GroupBy};
use serde_json::{Value, json};

use crate::params::Params;
use crate::{ApiError, AppState};

/// `GET /api/v1/genai/aggregate`: grouped by `group_by` (`model`, the default, or `service`),
/// optionally bucketed by `step` (e.g. `1m`), over the time range and filters.
pub async fn aggregate(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let mut params = Params::parse(raw.as_deref())?;
    let range = params.range(Duration::from_secs(3600))?;
    let group_by = match params.take("group_by").as_deref() {
        None | Some("model") => GroupBy::Model,
        Some("service") => GroupBy::Service,
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "`group_by` must be model or service, got {other:?}"
            )));
        }
    };
    let step = params.duration("step")?;
    if let Some(step) = step {
        let buckets = (range.end_ns - range.start_ns) as u128 / step.as_nanos().max(1);
        if step.is_zero() || buckets > 10_000 {
            return Err(ApiError::BadRequest(format!(
                "`step` gives {buckets} buckets over this range; use a step of at least 1/10000 of the range"
            )));
        }
    }
    let filter = params.span_filter()?;
    params.finish()?;
    let query = AggregateQuery {
        range,
        group_by,
        step_ns: step.map(|s| s.as_nanos() as i64),
        filter,
    };
    let rows = state.query(move |s| s.aggregate(&query)).await?;
    Ok(Json(json!({
        "start_ns": range.start_ns,
        "end_ns": range.end_ns,
        "group_by": group_by,
        "step_ns": step.map(|s| s.as_nanos() as i64),
        "rows": rows,
    })))
}
