//! Conversations: traces sharing `gen_ai.conversation.id`, in order, with totals.

use std::time::Duration;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use serde_json::{Value, json};

use crate::params::Params;
use crate::{ApiError, AppState};

/// `GET /api/v1/conversations`: conversations active in the range, newest activity first.
pub async fn list(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let mut params = Params::parse(raw.as_deref())?;
    let range = params.range(Duration::from_secs(24 * 3600))?;
    let filter = params.span_filter()?;
    let limit = params.usize("limit", 50, 1000)?;
    params.finish()?;
    let conversations = state
        .query(move |s| s.conversations(range, &filter, limit))
        .await?;
    Ok(Json(json!({ "conversations": conversations })))
}

/// `GET /api/v1/conversations/{id}`: one conversation's traces, oldest first, with totals.
pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let lookup = id.clone();
    match state.query(move |s| s.conversation(&lookup)).await? {
        Some(conversation) => Ok(Json(json!(conversation))),
        None => Err(ApiError::NotFound(format!("conversation {id:?} not found"))),
    }
}
