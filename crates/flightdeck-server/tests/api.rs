//! The HTTP API on a real DuckDB store, called without a socket (`tower::ServiceExt::oneshot`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use flightdeck_model::*;
use flightdeck_server::{AppState, app};
use flightdeck_store::{DuckDbStore, Store, StoreConfig, WriteBatch};
use http_body_util::BodyExt as _;
use serde_json::Value;
use tower::ServiceExt as _;

const T0: u64 = 1_800_000_000_000_000_000;
const MS: u64 = 1_000_000;

fn span(trace: u8, id: u8, parent: Option<u8>, start_ms: u64, model: Option<&str>) -> Span {
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

fn state(dir: &tempfile::TempDir) -> AppState {
    let store = DuckDbStore::open(&StoreConfig::new(dir.path())).unwrap();
    let spans = vec![
        span(1, 1, None, 0, None),
        span(1, 2, Some(1), 10, Some("gpt-4o")),
        span(1, 3, Some(2), 20, Some("gpt-4o-mini")),
        span(2, 4, None, 500, Some("gpt-4o")),
    ];
    store.write(&[WriteBatch::from_spans(&spans)]).unwrap();
    AppState {
        store: Arc::new(store),
        ingest: Arc::default(),
        writer: Arc::default(),
        pipeline: Default::default(),
        started: Instant::now(),
    }
}

async fn get(state: &AppState, uri: &str) -> (StatusCode, Value) {
    let response = app(state.clone())
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&body).unwrap())
}

const RANGE: &str = "start=1800000000000000000&end=1800000003600000000";

/// Liveness and stats.
#[tokio::test]
async fn health_and_stats() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(&dir);
    assert_eq!(
        get(&state, "/healthz").await,
        (StatusCode::OK, serde_json::json!({"status": "ok"}))
    );
    let (status, stats) = get(&state, "/api/v1/stats").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(stats["store"]["spans"], 4);
}

/// A trace comes back as a tree in depth-first order; unknown ids are 404 JSON, bad ids 400.
#[tokio::test]
async fn trace_by_id() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(&dir);
    let (status, trace) = get(&state, "/api/v1/traces/01010101010101010101010101010101").await;
    assert_eq!(status, StatusCode::OK);
    let spans = trace["spans"].as_array().unwrap();
    let names: Vec<&str> = spans.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["GET /", "chat gpt-4o", "chat gpt-4o-mini"]);
    let depths: Vec<u64> = spans.iter().map(|s| s["depth"].as_u64().unwrap()).collect();
    assert_eq!(depths, [0, 1, 2]);
    assert_eq!(spans[0]["children"][0], "0202020202020202");
    assert_eq!(trace["resources"][0]["attributes"]["service.name"], "api");
    assert_eq!(spans[1]["genai"]["usage"]["input_tokens"], 10);

    let (status, body) = get(&state, "/api/v1/traces/09090909090909090909090909090909").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
    let (status, body) = get(&state, "/api/v1/traces/xyz").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("trace_id must be 32 hex")
    );
}

/// Search filters, pagination and parameter errors.
#[tokio::test]
async fn search() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(&dir);
    let (_, all) = get(&state, &format!("/api/v1/traces?{RANGE}")).await;
    let ids: Vec<&str> = all["traces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["trace_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "02020202020202020202020202020202",
            "01010101010101010101010101010101"
        ]
    );

    let (_, mini) = get(&state, &format!("/api/v1/traces?{RANGE}&model=gpt-4o-mini")).await;
    assert_eq!(mini["traces"].as_array().unwrap().len(), 1);
    assert_eq!(mini["traces"][0]["span_count"], 3);

    let (_, by_attr) = get(
        &state,
        &format!("/api/v1/traces?{RANGE}&attr=tenant.id%3Dt2"),
    )
    .await;
    assert_eq!(
        by_attr["traces"][0]["trace_id"],
        "02020202020202020202020202020202"
    );

    let (_, page1) = get(&state, &format!("/api/v1/traces?{RANGE}&limit=1")).await;
    let cursor = page1["next_cursor"].as_str().unwrap();
    let (_, page2) = get(
        &state,
        &format!("/api/v1/traces?{RANGE}&limit=1&cursor={cursor}"),
    )
    .await;
    assert_eq!(
        page2["traces"][0]["trace_id"],
        "01010101010101010101010101010101"
    );
    assert!(page2["next_cursor"].is_null());

    let (status, body) = get(&state, "/api/v1/traces?limit=0").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("`limit`")
    );
    let (status, body) = get(&state, "/api/v1/traces?modle=x").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["message"], "unknown query parameter `modle`");
    let (status, _) = get(&state, "/api/v1/traces?min_duration=fast").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

/// Catalog lists and GenAI aggregates.
#[tokio::test]
async fn catalog_and_aggregates() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(&dir);
    let (_, services) = get(&state, &format!("/api/v1/services?{RANGE}")).await;
    assert_eq!(services["services"][0]["service"], "api");
    assert_eq!(services["services"][0]["spans"], 4);
    let (_, models) = get(&state, &format!("/api/v1/models?{RANGE}")).await;
    assert_eq!(models["models"][0]["model"], "gpt-4o");
    assert_eq!(models["models"][0]["spans"], 2);
    let (_, ops) = get(&state, &format!("/api/v1/operations?{RANGE}&service=api")).await;
    assert_eq!(ops["operations"].as_array().unwrap().len(), 3);

    let (status, agg) = get(
        &state,
        &format!("/api/v1/genai/aggregate?{RANGE}&group_by=model"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let rows = agg["rows"].as_array().unwrap();
    assert_eq!(rows[0]["model"], "gpt-4o");
    assert_eq!(rows[0]["requests"], 2);
    assert_eq!(rows[0]["input_tokens"], 20);
    assert_eq!(rows[0]["latency_p99_ms"], 100.0);

    let (_, series) = get(
        &state,
        &format!("/api/v1/genai/aggregate?{RANGE}&group_by=service&step=1s"),
    )
    .await;
    let buckets: Vec<i64> = series["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["bucket_start_ns"].as_i64().unwrap())
        .collect();
    assert_eq!(buckets, [T0 as i64]);
    assert_eq!(series["rows"][0]["requests"], 3);

    let (status, body) = get(
        &state,
        &format!("/api/v1/genai/aggregate?{RANGE}&group_by=planet"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("group_by")
    );
    let (status, _) = get(&state, &format!("/api/v1/genai/aggregate?{RANGE}&step=1ns")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
