//! The HTTP API on a real DuckDB store, called without a socket (`tower::ServiceExt::oneshot`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use axum::http::{Request, StatusCode};
use flightdeck_server::app;
use flightdeck_store::WriteBatch;
use http_body_util::BodyExt as _;
use serde_json::Value;
use tower::ServiceExt as _;

mod support;
use support::*;

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
async fn catalog_and_analytics() {
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

    let (status, agg) = get(&state, &format!("/api/v1/analytics?{RANGE}&group_by=model")).await;
    assert_eq!(status, StatusCode::OK);
    let rows = agg["rows"].as_array().unwrap();
    assert_eq!(rows[0]["group"]["model"], "gpt-4o");
    assert_eq!(rows[0]["requests"], 2);
    assert_eq!(rows[0]["tokens"]["input"], 20);
    assert_eq!(rows[0]["latency_ms"]["p99"], 100.0);

    let (_, series) = get(
        &state,
        &format!("/api/v1/analytics?{RANGE}&group_by=service&step=1s"),
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

    let (_, by_tenant) = get(
        &state,
        &format!("/api/v1/analytics?{RANGE}&group_by=attr:tenant.id&order_by=tokens"),
    )
    .await;
    assert_eq!(by_tenant["rows"][0]["group"]["attr:tenant.id"], "t1");
    assert_eq!(by_tenant["rows"][0]["requests"], 2);

    let (status, body) = get(
        &state,
        &format!("/api/v1/analytics?{RANGE}&group_by=planet"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("planet")
    );
    let (status, _) = get(&state, &format!("/api/v1/analytics?{RANGE}&step=1ns")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = get(&state, &format!("/api/v1/analytics?{RANGE}&order_by=vibes")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

/// Conversations list and detail, unpriced models; unknown conversation is 404.
#[tokio::test]
async fn conversations_and_unpriced() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(&dir);
    let mut turn = span(5, 9, None, 900, Some("gpt-4o"));
    turn.genai.conversation_id = Some("conv-1".into());
    let mut turn2 = span(6, 10, None, 950, Some("gpt-4o"));
    turn2.genai.conversation_id = Some("conv-1".into());
    state
        .store
        .write(&[WriteBatch::from_spans(&[turn2, turn])])
        .unwrap();
    let (_, list) = get(&state, &format!("/api/v1/conversations?{RANGE}")).await;
    assert_eq!(list["conversations"][0]["conversation_id"], "conv-1");
    assert_eq!(list["conversations"][0]["traces"], 2);
    assert_eq!(list["conversations"][0]["input_tokens"], 20);
    let (status, one) = get(&state, "/api/v1/conversations/conv-1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        one["traces"][0]["trace_id"],
        "05050505050505050505050505050505"
    );
    assert_eq!(
        one["traces"][1]["trace_id"],
        "06060606060606060606060606060606"
    );
    let (status, _) = get(&state, "/api/v1/conversations/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, unpriced) = get(&state, &format!("/api/v1/models/unpriced?{RANGE}")).await;
    assert_eq!(unpriced["models"][0]["model"], "gpt-4o");
    assert_eq!(unpriced["models"][0]["calls"], 4);
}

/// Catalog lookups resolve dated snapshots; recompute prices stored model calls with the built-in
/// catalog (gpt-4o at $2.50 / M input and $10 / M output).
#[tokio::test]
async fn pricing_lookup_and_recompute() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(&dir);
    let (status, found) = get(
        &state,
        "/api/v1/pricing/lookup?provider=openai&model=gpt-4o-2024-08-06",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found["context_window"], 128000);
    let (status, _) = get(&state, "/api/v1/pricing/lookup?model=no-such-model-xyz").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let response = app(state.clone())
        .oneshot(
            Request::post("/api/v1/pricing/recompute")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value =
        serde_json::from_slice(&response.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(body["spans_examined"], 3);
    assert_eq!(body["spans_updated"], 3);
    let (_, trace) = get(&state, "/api/v1/traces/02020202020202020202020202020202").await;
    // 10 input + 5 output tokens of gpt-4o: 10 × 2.5 + 5 × 10 = 75 µ$.
    let cost = trace["spans"][0]["genai"]["cost"]["total"]
        .as_f64()
        .unwrap();
    assert!((cost - 0.000075).abs() < 1e-12, "{cost}");
}

/// Diagnostics: ingest counters and per-instrumentation findings checked on stored spans (the
/// fixture's chat spans lack the required `gen_ai.provider.name` attribute).
#[tokio::test]
async fn diagnostics_and_findings() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(&dir);
    let (status, d) = get(&state, &format!("/api/v1/diagnostics?{RANGE}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(d["ingest"]["spans"]["received"].is_u64());
    assert_eq!(d["unpriced_models"][0]["model"], "gpt-4o");

    let (status, f) = get(&state, &format!("/api/v1/diagnostics/findings?{RANGE}")).await;
    assert_eq!(status, StatusCode::OK, "{f}");
    let scope = &f["scopes"][0];
    assert_eq!(scope["service"], "api");
    assert_eq!(scope["spans_checked"], 3);
    assert_eq!(scope["spans_with_findings"], 3);
    let provider = scope["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["attribute"] == "gen_ai.provider.name")
        .unwrap_or_else(|| panic!("no finding about the provider: {f}"));
    assert_eq!(provider["spans"], 3);
    let example = provider["example_span_id"].as_str().unwrap();
    assert!(["0202020202020202", "0303030303030303", "0404040404040404"].contains(&example));
}
