//! What has been seen: services, operations (span names), models.

use std::time::Duration;

use axum::Json;
use axum::extract::{RawQuery, State};
use serde_json::{Value, json};

use crate::params::Params;
use crate::{ApiError, AppState};

const DEFAULT_SINCE: Duration = Duration::from_secs(3600);

/// `GET /api/v1/services`: services with spans in the range.
pub async fn services(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let mut params = Params::parse(raw.as_deref())?;
    let range = params.range(DEFAULT_SINCE)?;
    params.finish()?;
    let services = state.query(move |s| s.services(range)).await?;
    Ok(Json(json!({ "services": services })))
}

/// `GET /api/v1/operations`: span names per service in the range (`service` narrows it).
pub async fn operations(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let mut params = Params::parse(raw.as_deref())?;
    let range = params.range(DEFAULT_SINCE)?;
    let service = params.take("service");
    params.finish()?;
    let operations = state
        .query(move |s| s.operations(range, service.as_deref()))
        .await?;
    Ok(Json(json!({ "operations": operations })))
}

/// `GET /api/v1/models`: GenAI models (with provider and operations) in the range.
pub async fn models(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let mut params = Params::parse(raw.as_deref())?;
    let range = params.range(DEFAULT_SINCE)?;
    params.finish()?;
    let models = state.query(move |s| s.models(range)).await?;
    Ok(Json(json!({ "models": models })))
}

/// `GET /api/v1/models/unpriced`: models used with token usage but missing from the price
/// catalog (add them to the pricing overrides file), most calls first.
pub async fn unpriced(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let mut params = Params::parse(raw.as_deref())?;
    let range = params.range(Duration::from_secs(7 * 24 * 3600))?;
    params.finish()?;
    let models = state.query(move |s| s.unpriced_models(range)).await?;
    Ok(Json(json!({ "models": models })))
}
