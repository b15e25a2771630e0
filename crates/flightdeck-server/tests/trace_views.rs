//! The lazy trace views the web UI uses for big traces — the span tree without attributes, and one
//! span in full — on a real DuckDB store, called without a socket.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use flightdeck_model::*;
use flightdeck_server::{AppState, app};
use flightdeck_store::{DuckDbStore, StoreConfig, WriteBatch, Writer};
use http_body_util::BodyExt as _;
use serde_json::Value;
use tower::ServiceExt as _;

const T0: u64 = 1_800_000_000_000_000_000;
const MS: u64 = 1_000_000;
const TRACE: &str = "07070707070707070707070707070707";

fn resource() -> Arc<Resource> {
    Arc::new(Resource {
        attributes: [KeyValue::new("service.name", "checkout")]
            .into_iter()
            .collect(),
        ..Resource::default()
    })
}

fn span(id: u8, parent: Option<u8>, start_ms: u64, end_ms: u64, name: &str) -> Span {
    Span {
        trace_id: TraceId::from_array([7; 16]).unwrap(),
        span_id: SpanId::from_array([id; 8]).unwrap(),
        parent_span_id: parent.map(|p| SpanId::from_array([p; 8]).unwrap()),
        trace_state: String::new(),
        flags: 0,
        name: name.into(),
        kind: SpanKind::Internal,
        start_time_unix_nano: T0 + start_ms * MS,
        end_time_unix_nano: T0 + end_ms * MS,
        attributes: [KeyValue::new("tenant.id", "t1")].into_iter().collect(),
        dropped_attributes_count: 0,
        events: vec![],
        dropped_events_count: 0,
        links: vec![],
        dropped_links_count: 0,
        status: Status::default(),
        resource: resource(),
        scope: Arc::default(),
        genai: GenAi::default(),
    }
}

fn log(span: Option<u8>, at_ms: u64, body: &str) -> LogRecord {
    LogRecord {
        time_unix_nano: T0 + at_ms * MS,
        observed_time_unix_nano: 0,
        severity_number: 9,
        severity_text: "INFO".into(),
        event_name: String::new(),
        body: AttrValue::from(body),
        attributes: Attributes::new(),
        dropped_attributes_count: 0,
        flags: 0,
        trace_id: Some(TraceId::from_array([7; 16]).unwrap()),
        span_id: span.map(|s| SpanId::from_array([s; 8]).unwrap()),
        resource: resource(),
        scope: Arc::default(),
    }
}

/// A root (1) with a model call (2, one event, one link, one log record, error status) that has
/// a child (3); plus a log record tied to no span.
fn state(dir: &tempfile::TempDir) -> AppState {
    let store = DuckDbStore::open(&StoreConfig::new(dir.path())).unwrap();
    let mut chat = span(2, Some(1), 10, 60, "chat gpt-4o");
    chat.attributes.set("gen_ai.operation.name", "chat");
    chat.attributes.set("gen_ai.request.model", "gpt-4o");
    chat.genai.operation = Some("chat".into());
    chat.genai.request_model = Some("gpt-4o".into());
    chat.genai.usage.input_tokens = Some(120);
    chat.genai.retrieval = Some(Retrieval {
        documents: vec![RetrievedDocument {
            id: Some("doc-1".into()),
            score: Some(0.5),
            content: Some("a long document".into()),
        }],
        ..Retrieval::default()
    });
    chat.events.push(Event {
        time_unix_nano: T0 + 20 * MS,
        name: "first chunk".into(),
        ..Event::default()
    });
    chat.links.push(Link {
        trace_id: TraceId::from_array([9; 16]).unwrap(),
        span_id: SpanId::from_array([9; 8]).unwrap(),
        trace_state: String::new(),
        attributes: Attributes::new(),
        dropped_attributes_count: 0,
        flags: 0,
    });
    chat.status = Status {
        code: flightdeck_model::StatusCode::Error,
        message: "rate limited".into(),
    };
    let spans = vec![
        span(1, None, 0, 100, "POST /checkout"),
        chat,
        span(3, Some(2), 30, 40, "parse"),
    ];
    let logs = vec![
        log(Some(2), 50, "answer sent"),
        log(None, 90, "request done"),
    ];
    store
        .write(&[WriteBatch::from_spans(&spans), WriteBatch::from_logs(&logs)])
        .unwrap();
    AppState::new(
        Arc::new(store),
        flightdeck_pipeline::Enrich::new(Arc::new(flightdeck_pricing::Catalog::builtin().unwrap())),
    )
}

async fn get(state: &AppState, uri: &str) -> (StatusCode, Value, usize) {
    let response = app(state.clone())
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap(), bytes.len())
}

/// The tree lists every span in depth-first order with counts instead of contents, keeps the
/// main GenAI fields but not retrieved documents, returns log records tied to no span, and is
/// smaller than the full trace.
#[tokio::test]
async fn tree_has_structure_and_counts_but_no_contents() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(&dir);
    let (status, tree, tree_bytes) = get(&state, &format!("/api/v1/traces/{TRACE}/tree")).await;
    assert_eq!(status, StatusCode::OK, "{tree}");
    assert_eq!(tree["span_count"], 3);
    assert_eq!(tree["error_count"], 1);
    assert_eq!(tree["duration_ms"], 100.0);
    assert_eq!(tree["services"], serde_json::json!(["checkout"]));
    assert_eq!(tree["log_count"], 2);
    let spans = tree["spans"].as_array().unwrap();
    let names: Vec<&str> = spans.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["POST /checkout", "chat gpt-4o", "parse"]);
    let depths: Vec<u64> = spans.iter().map(|s| s["depth"].as_u64().unwrap()).collect();
    assert_eq!(depths, [0, 1, 2]);
    let chat = &spans[1];
    assert_eq!(chat["span_id"], "0202020202020202");
    assert_eq!(chat["parent_span_id"], "0101010101010101");
    assert_eq!(chat["service"], "checkout");
    assert_eq!(chat["status"]["code"], "error");
    assert_eq!(chat["status"]["message"], "rate limited");
    assert_eq!(chat["start_ns"], T0 + 10 * MS);
    assert_eq!(chat["event_count"], 1);
    assert_eq!(chat["link_count"], 1);
    assert_eq!(chat["log_count"], 1);
    assert_eq!(chat["genai"]["request_model"], "gpt-4o");
    assert_eq!(chat["genai"]["usage"]["input_tokens"], 120);
    assert!(chat["genai"].get("retrieval").is_none());
    for absent in ["status", "event_count", "link_count", "log_count", "genai"] {
        assert!(spans[0].get(absent).is_none(), "{absent} in {}", spans[0]);
    }
    for s in spans {
        for heavy in ["attributes", "events", "links", "scope"] {
            assert!(s.get(heavy).is_none(), "{heavy} in {s}");
        }
    }
    assert_eq!(tree["loose_log_count"], 1);
    assert_eq!(tree["loose_logs"][0]["body"], "request done");

    let (_, _, full_bytes) = get(&state, &format!("/api/v1/traces/{TRACE}")).await;
    assert!(
        tree_bytes < full_bytes,
        "tree {tree_bytes} B, full {full_bytes} B"
    );
}

/// One span in full: the same fields as in the full trace (bar its place in the tree), its
/// resource and only its own log records.
#[tokio::test]
async fn one_span_in_full() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(&dir);
    let (status, one, _) = get(
        &state,
        &format!("/api/v1/traces/{TRACE}/spans/0202020202020202"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{one}");
    let (_, full, _) = get(&state, &format!("/api/v1/traces/{TRACE}")).await;
    let mut expected = full["spans"][1].clone();
    for tree_only in ["depth", "children", "resource_index"] {
        expected.as_object_mut().unwrap().remove(tree_only);
    }
    assert_eq!(one["span"], expected);
    assert_eq!(one["span"]["attributes"]["gen_ai.request.model"], "gpt-4o");
    assert_eq!(one["span"]["events"][0]["name"], "first chunk");
    assert_eq!(
        one["span"]["links"][0]["trace_id"],
        "09090909090909090909090909090909"
    );
    assert_eq!(
        one["span"]["genai"]["retrieval"]["documents"][0]["id"],
        "doc-1"
    );
    assert_eq!(one["resource"]["attributes"]["service.name"], "checkout");
    let logs = one["logs"].as_array().unwrap();
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0]["body"], "answer sent");
}

/// Unknown traces and spans are 404; malformed ids are 400 naming the id.
#[tokio::test]
async fn unknown_and_malformed_ids() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(&dir);
    let other = "0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a";
    let (status, body, _) = get(&state, &format!("/api/v1/traces/{other}/tree")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["message"], format!("trace {other} not found"));
    let (status, _, _) = get(
        &state,
        &format!("/api/v1/traces/{other}/spans/0202020202020202"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body, _) = get(
        &state,
        &format!("/api/v1/traces/{TRACE}/spans/0404040404040404"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body["error"]["message"],
        format!("span 0404040404040404 not found in trace {TRACE}")
    );
    let (status, body, _) = get(&state, &format!("/api/v1/traces/{TRACE}/spans/xyz")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("invalid span id \"xyz\"")
    );
    let (status, _, _) = get(&state, "/api/v1/traces/123/tree").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
