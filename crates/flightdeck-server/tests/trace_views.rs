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
use serde_json::{Value, json};
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
    // The retrieval view is part of the span's content, with its scores; a span with no
    // captured messages has none.
    assert_eq!(
        one["content"]["retrieval"],
        json!({"documents": [{"id": "doc-1", "score": 0.5, "content": "a long document"}]})
    );
    assert!(one["content"].get("input_messages").is_none());
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

const CONTENT_TRACE: &str = "08080808080808080808080808080808";

/// A model call as an instrumentation sends it: only `attributes`, normalized as ingest does.
fn content_span(id: u8, attributes: &[(&str, AttrValue)]) -> Span {
    let mut s = span(id, None, 0, 100, "llm call");
    s.trace_id = TraceId::from_array([8; 16]).unwrap();
    s.attributes = attributes
        .iter()
        .map(|(k, v)| KeyValue::new(*k, v.clone()))
        .collect();
    flightdeck_semconv::Normalizer::default().normalize(&mut s);
    s
}

fn map(entries: &[(&str, AttrValue)]) -> AttrValue {
    AttrValue::Map(
        entries
            .iter()
            .map(|(k, v)| KeyValue::new(*k, v.clone()))
            .collect(),
    )
}

fn event_log(span: u8, at_ms: u64, event: &str, body: AttrValue) -> LogRecord {
    LogRecord {
        event_name: event.into(),
        body,
        trace_id: Some(TraceId::from_array([8; 16]).unwrap()),
        ..log(Some(span), at_ms, "")
    }
}

/// Three model calls of one trace with captured content in three dialects: OpenLLMetry's
/// indexed attributes (0x11), OpenInference's flattened lists (0x12), and per-message log events
/// (0x13, plus an event of another span that must not leak into it).
fn content_state(dir: &tempfile::TempDir) -> AppState {
    let s = |v: &str| AttrValue::from(v);
    let traceloop = content_span(
        0x11,
        &[
            ("gen_ai.system", s("openai")),
            ("llm.request.type", s("chat")),
            ("gen_ai.request.model", s("gpt-4o")),
            ("gen_ai.prompt.0.role", s("system")),
            ("gen_ai.prompt.0.content", s("You are terse.")),
            ("gen_ai.prompt.1.role", s("user")),
            ("gen_ai.prompt.1.content", s("Weather in Paris?")),
            ("gen_ai.prompt.2.role", s("assistant")),
            ("gen_ai.prompt.2.tool_calls.0.id", s("call_1")),
            ("gen_ai.prompt.2.tool_calls.0.name", s("get_weather")),
            (
                "gen_ai.prompt.2.tool_calls.0.arguments",
                s(r#"{"city":"Paris"}"#),
            ),
            ("gen_ai.prompt.3.role", s("tool")),
            ("gen_ai.prompt.3.content", s("18C, sunny")),
            ("gen_ai.prompt.3.tool_call_id", s("call_1")),
            ("gen_ai.completion.0.role", s("assistant")),
            ("gen_ai.completion.0.content", s("18C and sunny in Paris.")),
            ("gen_ai.completion.0.finish_reason", s("stop")),
            ("llm.request.functions.0.name", s("get_weather")),
            ("llm.request.functions.0.description", s("Current weather")),
            (
                "llm.request.functions.0.parameters",
                s(r#"{"type":"object","properties":{"city":{"type":"string"}}}"#),
            ),
        ],
    );
    let openinference = content_span(
        0x12,
        &[
            ("openinference.span.kind", s("LLM")),
            ("llm.system", s("openai")),
            ("llm.model_name", s("gpt-4o-mini")),
            ("llm.input_messages.0.message.role", s("system")),
            (
                "llm.input_messages.0.message.content",
                s("Answer in French."),
            ),
            ("llm.input_messages.1.message.role", s("user")),
            ("llm.input_messages.1.message.content", s("Hello?")),
            ("llm.output_messages.0.message.role", s("assistant")),
            ("llm.output_messages.0.message.content", s("Bonjour !")),
            ("llm.finish_reason", s("stop")),
            (
                "llm.tools.0.tool.json_schema",
                s(
                    r#"{"type":"function","function":{"name":"lookup","description":"Looks it up","parameters":{"type":"object"}}}"#,
                ),
            ),
        ],
    );
    let events = content_span(
        0x13,
        &[
            ("gen_ai.operation.name", s("chat")),
            ("gen_ai.provider.name", s("openai")),
            ("gen_ai.request.model", s("gpt-4o")),
        ],
    );
    let logs = vec![
        event_log(
            0x13,
            3,
            "gen_ai.choice",
            map(&[
                ("index", AttrValue::Int(0)),
                ("finish_reason", s("stop")),
                (
                    "message",
                    map(&[("role", s("assistant")), ("content", s("4"))]),
                ),
            ]),
        ),
        event_log(
            0x13,
            1,
            "gen_ai.system.message",
            map(&[("content", s("Be brief."))]),
        ),
        event_log(
            0x13,
            2,
            "gen_ai.user.message",
            map(&[("content", s("What is 2+2?"))]),
        ),
        event_log(
            0x12,
            2,
            "gen_ai.user.message",
            map(&[("content", s("not for span 13"))]),
        ),
    ];
    let store = DuckDbStore::open(&StoreConfig::new(dir.path())).unwrap();
    store
        .write(&[
            WriteBatch::from_spans(&[traceloop, openinference, events]),
            WriteBatch::from_logs(&logs),
        ])
        .unwrap();
    AppState::new(
        Arc::new(store),
        flightdeck_pipeline::Enrich::new(Arc::new(flightdeck_pricing::Catalog::builtin().unwrap())),
    )
}

/// OpenLLMetry's indexed attributes come back as canonical messages: the system prompt, a user
/// turn, an assistant tool call with parsed arguments, the tool result, the answer with its
/// finish reason, and the function definition.
#[tokio::test]
async fn content_of_a_traceloop_indexed_span() {
    let dir = tempfile::tempdir().unwrap();
    let state = content_state(&dir);
    let (status, one, _) = get(
        &state,
        &format!("/api/v1/traces/{CONTENT_TRACE}/spans/1111111111111111"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{one}");
    let c = &one["content"];
    assert_eq!(
        c["input_messages"],
        json!([
            {"role": "system", "parts": [{"type": "text", "content": "You are terse."}]},
            {"role": "user", "parts": [{"type": "text", "content": "Weather in Paris?"}]},
            {"role": "assistant", "parts": [
                {"type": "tool_call", "id": "call_1", "name": "get_weather",
                 "arguments": {"city": "Paris"}}]},
            {"role": "tool", "parts": [
                {"type": "tool_call_response", "id": "call_1", "response": "18C, sunny"}]},
        ])
    );
    assert_eq!(
        c["output_messages"],
        json!([{"role": "assistant", "finish_reason": "stop",
                "parts": [{"type": "text", "content": "18C and sunny in Paris."}]}])
    );
    assert_eq!(
        c["tool_definitions"],
        json!([{"type": "function", "name": "get_weather", "description": "Current weather",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}])
    );
    assert!(c.get("system_instructions").is_none(), "{c}");
    assert!(c.get("retrieval").is_none(), "{c}");
    assert_eq!(
        c["sources"],
        json!({"input_messages": "indexed_attributes", "output_messages": "indexed_attributes",
               "tool_definitions": "indexed_attributes"})
    );
}

/// OpenInference's flattened message and tool lists come back as canonical messages, with the
/// span's single finish reason on its single output message.
#[tokio::test]
async fn content_of_an_openinference_span() {
    let dir = tempfile::tempdir().unwrap();
    let state = content_state(&dir);
    let (status, one, _) = get(
        &state,
        &format!("/api/v1/traces/{CONTENT_TRACE}/spans/1212121212121212"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{one}");
    let c = &one["content"];
    assert_eq!(
        c["input_messages"],
        json!([
            {"role": "system", "parts": [{"type": "text", "content": "Answer in French."}]},
            {"role": "user", "parts": [{"type": "text", "content": "Hello?"}]},
        ])
    );
    assert_eq!(
        c["output_messages"],
        json!([{"role": "assistant", "finish_reason": "stop",
                "parts": [{"type": "text", "content": "Bonjour !"}]}])
    );
    assert_eq!(
        c["tool_definitions"],
        json!([{"type": "function", "name": "lookup", "description": "Looks it up",
                "parameters": {"type": "object"}}])
    );
    assert_eq!(c["sources"]["input_messages"], "openinference_messages");
    assert_eq!(c["sources"]["tool_definitions"], "openinference_messages");
    // The span was recognized as a chat call at ingest, so the UI shows it as one.
    assert_eq!(one["span"]["genai"]["operation"], "chat");
}

/// Content sent as per-message log events (out of order, one of them belonging to another span)
/// comes back as the span's messages in time order, with only its own events.
#[tokio::test]
async fn content_arriving_as_log_events() {
    let dir = tempfile::tempdir().unwrap();
    let state = content_state(&dir);
    let (status, one, _) = get(
        &state,
        &format!("/api/v1/traces/{CONTENT_TRACE}/spans/1313131313131313"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{one}");
    let c = &one["content"];
    assert_eq!(
        c["input_messages"],
        json!([
            {"role": "system", "parts": [{"type": "text", "content": "Be brief."}]},
            {"role": "user", "parts": [{"type": "text", "content": "What is 2+2?"}]},
        ])
    );
    assert_eq!(
        c["output_messages"],
        json!([{"role": "assistant", "finish_reason": "stop",
                "parts": [{"type": "text", "content": "4"}]}])
    );
    assert_eq!(
        c["sources"],
        json!({"input_messages": "message_events", "output_messages": "message_events"})
    );
    assert_eq!(one["logs"].as_array().unwrap().len(), 3);
}
