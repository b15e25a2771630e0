//! The MCP endpoint at `/mcp`, called without a socket on a real DuckDB store: JSON-RPC over
//! streamable HTTP reaches the tools, which read the API router in-process.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use axum::http::{Request, StatusCode};
use flightdeck_server::{AppOptions, app, app_with};
use http_body_util::BodyExt as _;
use serde_json::{Value, json};
use tower::ServiceExt as _;

mod support;
use support::*;

const RANGE: (&str, &str) = ("1800000000000000000", "1800000003600000000");

/// POSTs one JSON-RPC request to `/mcp` with `host`; returns the status and the JSON body
/// (null when the body is not JSON).
async fn rpc(router: axum::Router, host: &str, method: &str, params: Value) -> (StatusCode, Value) {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let request = Request::post("/mcp")
        .header("host", host)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-06-18")
        .body(Body::from(body.to_string()))
        .unwrap();
    let response = router.oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// The text of a `tools/call` answer and its error flag.
fn tool_text(answer: &Value) -> (String, bool) {
    let result = &answer["result"];
    let text = result["content"][0]["text"].as_str().unwrap_or_default();
    (text.to_owned(), result["isError"] == true)
}

/// Initialize, list the tools and call two of them through `/mcp`; the answers carry the data of
/// the store (both traces, the span tree) and a bad trace id is a tool error naming it.
#[tokio::test]
async fn tools_over_streamable_http() {
    let dir = tempfile::tempdir().unwrap();
    let router = app(state(&dir));
    let host = "127.0.0.1:4320";

    let (status, init) = rpc(
        router.clone(),
        host,
        "initialize",
        json!({"protocolVersion": "2025-06-18", "capabilities": {},
               "clientInfo": {"name": "test", "version": "1"}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{init}");
    assert_eq!(init["result"]["serverInfo"]["name"], "flightdeck");
    assert!(
        init["result"]["instructions"]
            .as_str()
            .unwrap()
            .contains("search_traces")
    );

    let (_, list) = rpc(router.clone(), host, "tools/list", json!({})).await;
    let mut names: Vec<&str> = list["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "agent_graph",
            "compare_cohorts",
            "cost_report",
            "diff_traces",
            "genai_stats",
            "get_conversation",
            "get_span",
            "get_trace",
            "ingest_status",
            "list_conversations",
            "overview",
            "search_traces",
            "top_operations",
        ]
    );

    let (_, found) = rpc(
        router.clone(),
        host,
        "tools/call",
        json!({"name": "search_traces", "arguments": {"start": RANGE.0, "end": RANGE.1}}),
    )
    .await;
    let (text, is_error) = tool_text(&found);
    assert!(!is_error, "{text}");
    // Trace 2 starts 500 ms after trace 1: newest first. Trace 1 has three spans, two of them
    // model calls with 10 + 10 input and 5 + 5 output tokens.
    assert!(text.starts_with("2 trace(s), newest first"), "{text}");
    let second = text.find(&"02".repeat(16)).unwrap();
    let first = text.find(&"01".repeat(16)).unwrap();
    assert!(second < first, "{text}");
    assert!(
        text.contains("| api: GET / | 120.0ms | 3 | 0 | 2 | 20/10 |"),
        "{text}"
    );

    let (_, trace) = rpc(
        router.clone(),
        host,
        "tools/call",
        json!({"name": "get_trace", "arguments": {"trace_id": "01".repeat(16)}}),
    )
    .await;
    let (text, is_error) = tool_text(&trace);
    assert!(!is_error, "{text}");
    assert!(
        text.contains(
            "    0303030303030303 chat gpt-4o-mini +20.0ms 100.0ms [chat gpt-4o-mini in=10 out=5]"
        ),
        "{text}"
    );

    let (_, bad) = rpc(
        router,
        host,
        "tools/call",
        json!({"name": "get_trace", "arguments": {"trace_id": "nope"}}),
    )
    .await;
    let (text, is_error) = tool_text(&bad);
    assert!(is_error);
    assert_eq!(text, "`trace_id` must be 32 hex characters, got \"nope\"");
}

/// A `Host` outside the allowed list is refused (DNS rebinding), unless configured.
#[tokio::test]
async fn foreign_hosts_are_refused_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(&dir);
    let params = json!({});
    let (status, _) = rpc(
        app(state.clone()),
        "evil.example",
        "tools/list",
        params.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let mut options = AppOptions::default();
    options
        .mcp
        .allowed_hosts
        .push("flightdeck.internal".to_owned());
    let router = app_with(state, &options);
    let (status, list) = rpc(
        router.clone(),
        "flightdeck.internal:4320",
        "tools/list",
        params,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["result"]["tools"].as_array().unwrap().len(), 13);
    // The API itself is unchanged next to /mcp.
    let response = router
        .oneshot(Request::get("/healthz").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}
