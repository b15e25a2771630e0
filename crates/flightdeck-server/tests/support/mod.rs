//! Shared fixtures of the server's integration tests: spans and an app state over a real DuckDB
//! store.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use flightdeck_model::*;
use flightdeck_server::{AppState, app};
use flightdeck_store::{DuckDbStore, StoreConfig, WriteBatch, Writer};
use http_body_util::BodyExt as _;
use serde_json::Value;
use tower::ServiceExt as _;

/// Base time of the fixtures: 2027-01-15T08:00:00Z.
pub const T0: u64 = 1_800_000_000_000_000_000;
/// One millisecond in nanoseconds.
pub const MS: u64 = 1_000_000;

/// A span of trace `trace` with id `id`; with a model, a chat call (10 in, 5 out tokens).
pub fn span(trace: u8, id: u8, parent: Option<u8>, start_ms: u64, model: Option<&str>) -> Span {
    let mut attributes = Attributes::new();
    let mut genai = GenAi::default();
    if let Some(model) = model {
        attributes.set("gen_ai.operation.name", "chat");
        attributes.set("gen_ai.request.model", model);
        genai.operation = Some("chat".into());
        genai.provider = Some("openai".into());
        genai.request_model = Some(model.into());
        genai.usage.input_tokens = Some(10);
        genai.usage.output_tokens = Some(5);
    }
    attributes.set("tenant.id", format!("t{trace}"));
    Span {
        trace_id: TraceId::from_array([trace; 16]).unwrap(),
        span_id: SpanId::from_array([id; 8]).unwrap(),
        parent_span_id: parent.map(|p| SpanId::from_array([p; 8]).unwrap()),
        trace_state: String::new(),
        flags: 0,
        name: model
            .map(|m| format!("chat {m}"))
            .unwrap_or_else(|| "GET /".into()),
        kind: SpanKind::Server,
        start_time_unix_nano: T0 + start_ms * MS,
        end_time_unix_nano: T0 + (start_ms + 100) * MS,
        attributes,
        dropped_attributes_count: 0,
        events: vec![],
        dropped_events_count: 0,
        links: vec![],
        dropped_links_count: 0,
        status: Status::default(),
        resource: Arc::new(Resource {
            attributes: vec![KeyValue::new("service.name", "api")]
                .into_iter()
                .collect(),
            ..Resource::default()
        }),
        scope: Arc::default(),
        genai,
    }
}

/// Traces 1 (GET / → chat gpt-4o → chat gpt-4o-mini) and 2 (chat gpt-4o) in a fresh store.
pub fn state(dir: &tempfile::TempDir) -> AppState {
    state_with(
        dir,
        &[
            span(1, 1, None, 0, None),
            span(1, 2, Some(1), 10, Some("gpt-4o")),
            span(1, 3, Some(2), 20, Some("gpt-4o-mini")),
            span(2, 4, None, 500, Some("gpt-4o")),
        ],
    )
}

/// App state (fresh counters, the built-in price catalog) over a fresh store holding `spans`.
pub fn state_with(dir: &tempfile::TempDir, spans: &[Span]) -> AppState {
    let store = DuckDbStore::open(&StoreConfig::new(dir.path())).unwrap();
    if !spans.is_empty() {
        store.write(&[WriteBatch::from_spans(spans)]).unwrap();
    }
    AppState::new(
        Arc::new(store),
        flightdeck_pipeline::Enrich::new(Arc::new(flightdeck_pricing::Catalog::builtin().unwrap())),
    )
}

/// Calls `uri` on the app without a socket; returns the status and the JSON body.
pub async fn get(state: &AppState, uri: &str) -> (StatusCode, Value) {
    let response = app(state.clone())
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&body).unwrap())
}
