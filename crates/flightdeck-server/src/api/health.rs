//! Liveness and server statistics.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::{ApiError, AppState};

/// `GET /healthz`: the process is up and serving.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// `GET /api/v1/stats`: ingest, writer and store counters, and the indexed attributes.
pub async fn stats(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let (counts, indexed) = state
        .query(|store| Ok((store.counts()?, store.indexed_attributes())))
        .await?;
    Ok(Json(json!({
        "version": env!("CARGO_PKG_VERSION"),
        "uptime_seconds": state.started.elapsed().as_secs(),
        "ingest": state.ingest.snapshot(),
        "writer": state.writer.snapshot(),
        "store": counts,
        "indexed_attributes": &*indexed,
        "process": {
            "rss_bytes": crate::process::rss_bytes(),
            "cpu_seconds": crate::process::cpu_seconds(),
        },
    })))
}
