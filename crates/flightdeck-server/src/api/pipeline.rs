//! The pipeline's counters: redactions per rule, the tail sampler's buffer and decisions per
//! policy, and each forwarding destination's queue, deliveries, retries and drops.

use axum::Json;
use axum::extract::{RawQuery, State};
use flightdeck_pipeline::PipelineSnapshot;

use crate::params::Params;
use crate::{ApiError, AppState};

/// `GET /api/v1/pipeline`: every pipeline counter, read now.
pub async fn pipeline(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<PipelineSnapshot>, ApiError> {
    Params::parse(raw.as_deref())?.finish()?;
    Ok(Json(state.pipeline.snapshot()))
}
