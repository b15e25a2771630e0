//! The analysis endpoints — critical path, agent graph (one trace following links, or a range),
//! RAG view, retrieval statistics, cohort comparison, trace diff — on a real DuckDB store, called
//! without a socket. Every expected number is worked out by hand from the fixtures below.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use axum::http::StatusCode;
use flightdeck_model::*;
use flightdeck_server::AppState;
use serde_json::Value;

mod support;
use support::get;

/// 2027-01-15T08:00:00Z.
const T0: u64 = 1_800_000_000_000_000_000;
const MS: u64 = 1_000_000;
const HOUR_MS: u64 = 3_600_000;

/// Each fixture lives in its own hour, so range queries see one fixture at a time.
const CRITICAL: u64 = 0;
const AGENTS: u64 = HOUR_MS;
const RAG: u64 = 2 * HOUR_MS;
const COHORTS: u64 = 3 * HOUR_MS;
const DIFF: u64 = 4 * HOUR_MS;

fn tid(n: u8) -> TraceId {
    TraceId::from_array([n; 16]).unwrap()
}

fn hex(n: u8) -> String {
    tid(n).to_string()
}

fn sid(n: u64) -> SpanId {
    SpanId::from_int(n).unwrap()
}

fn span_hex(n: u64) -> String {
    sid(n).to_string()
}

/// A span of trace `trace`, times in ms after `T0 + base`.
fn span(
    trace: u8,
    id: u64,
    parent: Option<u64>,
    name: &str,
    base: u64,
    start: u64,
    end: u64,
) -> Span {
    Span {
        trace_id: tid(trace),
        span_id: sid(id),
        parent_span_id: parent.map(sid),
        trace_state: String::new(),
        flags: 0,
        name: name.into(),
        kind: SpanKind::Internal,
        start_time_unix_nano: T0 + (base + start) * MS,
        end_time_unix_nano: T0 + (base + end) * MS,
        attributes: Attributes::new(),
        dropped_attributes_count: 0,
        events: vec![],
        dropped_events_count: 0,
        links: vec![],
        dropped_links_count: 0,
        status: Status::default(),
        resource: Arc::new(Resource {
            attributes: [KeyValue::new("service.name", "assistant")]
                .into_iter()
                .collect(),
            ..Resource::default()
        }),
        scope: Arc::default(),
        genai: GenAi::default(),
    }
}

fn with_op(mut s: Span, operation: &str) -> Span {
    s.attributes.set("gen_ai.operation.name", operation);
    s.genai.operation = Some(operation.into());
    s
}

fn agent(s: Span, name: &str) -> Span {
    let mut s = with_op(s, "invoke_agent");
    s.genai.agent_name = Some(name.into());
    s
}

fn tool(s: Span, name: &str) -> Span {
    let mut s = with_op(s, "execute_tool");
    s.genai.tool_name = Some(name.into());
    s
}

fn chat(s: Span, model: &str, input: i64, output: i64) -> Span {
    let mut s = with_op(s, "chat");
    s.attributes.set("gen_ai.request.model", model);
    s.genai.provider = Some("openai".into());
    s.genai.request_model = Some(model.into());
    s.genai.usage.input_tokens = Some(input);
    s.genai.usage.output_tokens = Some(output);
    s
}

fn retrieval(s: Span, source: &str, query: &str, documents: Vec<RetrievedDocument>) -> Span {
    let mut s = with_op(s, "retrieval");
    s.genai.retrieval = Some(Retrieval {
        data_source: Some(source.into()),
        query: Some(query.into()),
        top_k: Some(2),
        documents,
    });
    s
}

fn doc(id: &str, score: f64, content: Option<&str>) -> RetrievedDocument {
    RetrievedDocument {
        id: Some(id.into()),
        score: Some(score),
        content: content.map(Into::into),
    }
}

fn fixtures() -> Vec<Span> {
    let mut spans = Vec::new();

    // Trace 0x11, critical path: root 1 [0, 100] ms with children 2 [10, 50] and 3 [20, 80]
    // running in parallel, then 4 [85, 95].
    spans.extend([
        span(0x11, 1, None, "POST /answer", CRITICAL, 0, 100),
        span(0x11, 2, Some(1), "load profile", CRITICAL, 10, 50),
        span(0x11, 3, Some(1), "think", CRITICAL, 20, 80),
        span(0x11, 4, Some(1), "respond", CRITICAL, 85, 95),
    ]);

    // Trace 0x21 (producer): agent planner [0, 100] calls tool search 11 times and tool
    // enqueue once. Trace 0x22 (consumer): a root linked to the planner span, under it agent
    // worker [210, 290] calling model gpt-4o [220, 280].
    spans.push(agent(
        span(0x21, 1, None, "invoke_agent planner", AGENTS, 0, 100),
        "planner",
    ));
    for i in 0..11 {
        spans.push(tool(
            span(
                0x21,
                10 + i,
                Some(1),
                "execute_tool search",
                AGENTS,
                10 + 5 * i,
                12 + 5 * i,
            ),
            "search",
        ));
    }
    spans.push(tool(
        span(0x21, 2, Some(1), "execute_tool enqueue", AGENTS, 70, 75),
        "enqueue",
    ));
    let mut consume = span(0x22, 1, None, "consume task", AGENTS, 200, 300);
    consume.links.push(Link {
        trace_id: tid(0x21),
        span_id: sid(1),
        trace_state: String::new(),
        attributes: Attributes::new(),
        dropped_attributes_count: 0,
        flags: 0,
    });
    spans.push(consume);
    spans.push(agent(
        span(0x22, 2, Some(1), "invoke_agent worker", AGENTS, 210, 290),
        "worker",
    ));
    spans.push(chat(
        span(0x22, 3, Some(2), "chat gpt-4o", AGENTS, 220, 280),
        "gpt-4o",
        10,
        5,
    ));

    // Trace 0x31, RAG: retrieval 2 from kb [10, 30] feeds chat 3 [40, 90]; retrieval 4 from
    // web [95, 99] comes after it and feeds nothing.
    spans.extend([
        span(0x31, 1, None, "rag pipeline", RAG, 0, 100),
        retrieval(
            span(0x31, 2, Some(1), "retrieval kb", RAG, 10, 30),
            "kb",
            "what is flightdeck",
            vec![
                doc("d1", 0.9, Some("Flightdeck observes LLM apps")),
                doc("d2", 0.5, None),
            ],
        ),
        chat(
            span(0x31, 3, Some(1), "chat gpt-4o", RAG, 40, 90),
            "gpt-4o",
            100,
            20,
        ),
        retrieval(
            span(0x31, 4, Some(1), "retrieval web", RAG, 95, 99),
            "web",
            "follow-up",
            vec![],
        ),
    ]);

    // Traces 0x41 (model m-a, first 30 s) and 0x42 (model m-b, next 30 s): 60 calls each, A
    // taking 100 + i ms and B 200 + i ms (i = 0..59).
    for i in 0..60u64 {
        let at = COHORTS + i * 100;
        spans.push(chat(
            span(0x41, 1 + i, None, "chat m-a", at, 0, 100 + i),
            "m-a",
            10,
            5,
        ));
        let at = COHORTS + 30_000 + i * 100;
        spans.push(chat(
            span(0x42, 1 + i, None, "chat m-b", at, 0, 200 + i),
            "m-b",
            10,
            5,
        ));
    }

    // Trace 0x51 (A) and 0x52 (B): B's root and model call are slower, the model changed,
    // `rerank` was added and `format` is missing.
    spans.extend([
        span(0x51, 1, None, "POST /chat", DIFF, 0, 100),
        span(0x51, 2, Some(1), "retrieve", DIFF, 5, 25),
        chat(
            span(0x51, 3, Some(1), "chat gpt-4o", DIFF, 30, 90),
            "gpt-4o",
            100,
            10,
        ),
        span(0x51, 4, Some(1), "format", DIFF, 91, 95),
        span(0x52, 1, None, "POST /chat", DIFF, 0, 300),
        span(0x52, 2, Some(1), "retrieve", DIFF, 5, 25),
        span(0x52, 5, Some(1), "rerank", DIFF, 26, 29),
        chat(
            span(0x52, 3, Some(1), "chat gpt-4o-mini", DIFF, 30, 280),
            "gpt-4o-mini",
            100,
            10,
        ),
    ]);
    spans
}

fn state(dir: &tempfile::TempDir) -> AppState {
    support::state_with(dir, &fixtures())
}

async fn ok(state: &AppState, uri: &str) -> Value {
    let (status, body) = get(state, uri).await;
    assert_eq!(status, StatusCode::OK, "{uri}: {body}");
    body
}

/// `start` / `end` parameters covering `[T0 + base, T0 + base + len)` ms.
fn window(base: u64, len: u64) -> String {
    format!("start={}&end={}", T0 + base * MS, T0 + (base + len) * MS)
}

/// The critical path of a trace with parallel children skips the child that ran alongside the
/// longer one: root 30 ms (0–20, 80–85, 95–100), `think` 60 ms, `respond` 10 ms — in full with
/// the trace and on its own, and as per-span `critical_ns` in the tree view.
#[tokio::test]
async fn critical_path_skips_parallel_child() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(&dir);
    let trace = ok(&state, &format!("/api/v1/traces/{}", hex(0x11))).await;
    let alone = ok(
        &state,
        &format!("/api/v1/traces/{}/critical_path", hex(0x11)),
    )
    .await;
    assert_eq!(trace["critical_path"], alone);
    let cp = &alone;
    assert_eq!(cp["total_ns"], 100 * MS);
    assert_eq!(cp["unattributed_ns"], 0);
    let on_path: Vec<(&str, u64, f64, u64)> = cp["spans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap(),
                s["self_ns"].as_u64().unwrap(),
                s["share"].as_f64().unwrap(),
                s["segments"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        on_path,
        [
            ("POST /answer", 30 * MS, 0.3, 3),
            ("think", 60 * MS, 0.6, 1),
            ("respond", 10 * MS, 0.1, 1),
        ]
    );
    let segments: Vec<(String, u64, u64)> = cp["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["span_id"].as_str().unwrap().to_owned(),
                (s["start_ns"].as_u64().unwrap() - T0) / MS,
                (s["end_ns"].as_u64().unwrap() - T0) / MS,
            )
        })
        .collect();
    assert_eq!(
        segments,
        [
            (span_hex(1), 0, 20),
            (span_hex(3), 20, 80),
            (span_hex(1), 80, 85),
            (span_hex(4), 85, 95),
            (span_hex(1), 95, 100),
        ]
    );

    let tree = ok(&state, &format!("/api/v1/traces/{}/tree", hex(0x11))).await;
    assert_eq!(
        tree["critical_path"],
        serde_json::json!({"total_ns": 100 * MS, "unattributed_ns": 0, "spans": 3})
    );
    let critical: Vec<(&str, Option<u64>)> = tree["spans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].as_str().unwrap(), s["critical_ns"].as_u64()))
        .collect();
    assert_eq!(
        critical,
        [
            ("POST /answer", Some(30 * MS)),
            ("load profile", None),
            ("think", Some(60 * MS)),
            ("respond", Some(10 * MS)),
        ]
    );
    let (status, _) = get(
        &state,
        &format!("/api/v1/traces/{}/critical_path", hex(0x99)),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// Looks up an edge `from → to` of a graph in JSON.
fn edge<'a>(graph: &'a Value, from: &str, to: &str) -> &'a Value {
    graph["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["from"] == from && e["to"] == to)
        .unwrap_or_else(|| panic!("no edge {from} → {to} in {graph}"))
}

fn node_ids(graph: &Value) -> Vec<&str> {
    graph["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect()
}

/// Two traces joined by a span link make one graph from either side: the consumer's agent
/// hangs under the planner through the link, the 11 search calls are a repeated-invocation
/// finding; with `link_depth=0` only the trace itself is analysed.
#[tokio::test]
async fn agent_graph_follows_links_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(&dir);
    for (asked, other) in [(0x22, 0x21), (0x21, 0x22)] {
        let body = ok(&state, &format!("/api/v1/traces/{}/agents", hex(asked))).await;
        assert_eq!(body["traces"], serde_json::json!([hex(asked), hex(other)]));
        assert_eq!(body["missing_traces"], serde_json::json!([]));
        assert_eq!(body["truncated"], false);
        let graph = &body["graph"];
        assert_eq!(graph["traces"], 2);
        assert_eq!(
            node_ids(graph),
            [
                "agent:planner",
                "agent:worker",
                "tool:enqueue",
                "tool:search",
                "model:gpt-4o"
            ]
        );
        let search = edge(graph, "agent:planner", "tool:search");
        assert_eq!(search["count"], 11);
        assert_eq!(search["total_duration_ns"], 22 * MS);
        assert_eq!(search["via_link"], 0);
        let hop = edge(graph, "agent:planner", "agent:worker");
        assert_eq!(
            (hop["count"].as_u64(), hop["via_link"].as_u64()),
            (Some(1), Some(1))
        );
        assert_eq!(hop["max_duration_ns"], 80 * MS);
        assert_eq!(edge(graph, "agent:worker", "model:gpt-4o")["count"], 1);
        assert_eq!(graph["edges"].as_array().unwrap().len(), 4);

        let findings = body["findings"].as_array().unwrap();
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0]["kind"], "repeated_invocation");
        assert_eq!(findings[0]["invoker"], "agent:planner");
        assert_eq!(findings[0]["target"], "tool:search");
        assert_eq!(findings[0]["count"], 11);
    }

    let alone = ok(
        &state,
        &format!("/api/v1/traces/{}/agents?link_depth=0", hex(0x22)),
    )
    .await;
    assert_eq!(alone["traces"], serde_json::json!([hex(0x22)]));
    assert_eq!(node_ids(&alone["graph"]), ["agent:worker", "model:gpt-4o"]);

    // max_traces=1 leaves the linked trace out and says so.
    let capped = ok(
        &state,
        &format!("/api/v1/traces/{}/agents?max_traces=1", hex(0x22)),
    )
    .await;
    assert_eq!(capped["traces"], serde_json::json!([hex(0x22)]));
    assert_eq!(capped["truncated"], true);
}

/// The range graph merges the traces of the range matching the filters (newest first, up to
/// `limit`), says how many and whether more matched, and `focus` keeps what one node invokes.
#[tokio::test]
async fn agent_graph_over_a_range() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(&dir);
    let range = window(AGENTS, 1000);

    let all = ok(&state, &format!("/api/v1/agents?{range}")).await;
    assert_eq!(all["traces_merged"], 2);
    assert_eq!(all["truncated"], false);
    assert_eq!(all["graph"]["traces"], 2);
    assert_eq!(
        edge(&all["graph"], "agent:planner", "agent:worker")["via_link"],
        1
    );
    assert_eq!(all["oldest_trace_start_ns"], T0 + AGENTS * MS);
    assert_eq!(all["newest_trace_start_ns"], T0 + (AGENTS + 200) * MS);

    let planner = ok(&state, &format!("/api/v1/agents?{range}&agent=planner")).await;
    assert_eq!(planner["traces_merged"], 1);
    assert_eq!(
        node_ids(&planner["graph"]),
        ["agent:planner", "tool:enqueue", "tool:search"]
    );
    assert_eq!(planner["findings"][0]["target"], "tool:search");

    // The newest trace only: the consumer.
    let newest = ok(&state, &format!("/api/v1/agents?{range}&limit=1")).await;
    assert_eq!(
        (
            newest["traces_merged"].as_u64(),
            newest["truncated"].as_bool()
        ),
        (Some(1), Some(true))
    );
    assert_eq!(node_ids(&newest["graph"]), ["agent:worker", "model:gpt-4o"]);

    let focus = ok(
        &state,
        &format!("/api/v1/agents?{range}&focus=agent:worker"),
    )
    .await;
    assert_eq!(focus["focus"], "agent:worker");
    assert_eq!(node_ids(&focus["graph"]), ["agent:worker", "model:gpt-4o"]);
    assert_eq!(focus["graph"]["edges"].as_array().unwrap().len(), 1);
}

/// The RAG view pairs the chat call with the retrieval that ended before it (not the one after),
/// with data source, query, documents and scores; one span can be asked for by id.
#[tokio::test]
async fn rag_view_of_a_trace() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(&dir);
    let body = ok(&state, &format!("/api/v1/traces/{}/rag", hex(0x31))).await;
    assert_eq!(body["retrieval_spans"], 2);
    let generations = body["generations"].as_array().unwrap();
    assert_eq!(generations.len(), 1);
    let g = &generations[0];
    assert_eq!(g["generation_span_id"], span_hex(3));
    assert_eq!(g["model"], "gpt-4o");
    assert_eq!(g["scope_span_id"], span_hex(1));
    let r = &g["retrievals"].as_array().unwrap();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0]["span_id"], span_hex(2));
    assert_eq!(r[0]["data_source"], "kb");
    assert_eq!(r[0]["query"], "what is flightdeck");
    assert_eq!(r[0]["duration_ns"], 20 * MS);
    assert_eq!(r[0]["lead_ns"], 10 * MS);
    assert_eq!(
        r[0]["documents"],
        serde_json::json!([
            {"id": "d1", "score": 0.9, "content": "Flightdeck observes LLM apps"},
            {"id": "d2", "score": 0.5}
        ])
    );

    let one = ok(
        &state,
        &format!("/api/v1/traces/{}/rag?span={}", hex(0x31), span_hex(3)),
    )
    .await;
    assert_eq!(one["generations"], body["generations"]);
    let (status, err) = get(
        &state,
        &format!("/api/v1/traces/{}/rag?span={}", hex(0x31), span_hex(2)),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not a generation span")
    );
    let (status, _) = get(
        &state,
        &format!("/api/v1/traces/{}/rag?span={}", hex(0x31), span_hex(9)),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// Retrieval statistics per data source: kb (20 ms, scores 0.5 and 0.9) and web (4 ms, no
/// documents); `limit=1` reads only the newest (web) and says the answer is truncated.
#[tokio::test]
async fn retrieval_statistics_per_source() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(&dir);
    let range = window(RAG, 1000);
    let body = ok(&state, &format!("/api/v1/retrieval?{range}")).await;
    assert_eq!(body["truncated"], false);
    assert_eq!(body["overall"]["retrievals"], 2);
    assert_eq!(body["overall"]["empty_results"], 1);
    assert_eq!(body["overall"]["latency_ms"]["min"], 4.0);
    assert_eq!(body["overall"]["latency_ms"]["max"], 20.0);
    let sources = body["by_source"].as_array().unwrap();
    let names: Vec<&str> = sources
        .iter()
        .map(|s| s["data_source"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["kb", "web"]);
    let kb = &sources[0];
    assert_eq!(kb["retrievals"], 1);
    assert_eq!(kb["scores"]["count"], 2);
    assert_eq!(kb["scores"]["min"], 0.5);
    assert_eq!(kb["scores"]["max"], 0.9);
    assert!((kb["scores"]["mean"].as_f64().unwrap() - 0.7).abs() < 1e-12);
    assert_eq!(kb["documents_per_retrieval"]["max"], 2.0);
    assert_eq!(sources[1]["empty_results"], 1);

    let newest = ok(&state, &format!("/api/v1/retrieval?{range}&limit=1")).await;
    assert_eq!(newest["truncated"], true);
    assert_eq!(newest["overall"]["retrievals"], 1);
    assert_eq!(newest["by_source"][0]["data_source"], "web");
}

/// Cohort B (200–259 ms) against A (100–159 ms): latency is worse beyond noise, by model and
/// by time window alike; tokens do not change.
#[tokio::test]
async fn compare_finds_slower_cohort() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(&dir);
    let by_model = format!("{}&a.model=m-a&b.model=m-b", window(COHORTS, 60_000));
    let by_window = format!(
        "a.{}&b.{}",
        window(COHORTS, 30_000).replace("&end", "&a.end"),
        window(COHORTS + 30_000, 30_000).replace("&end", "&b.end")
    );
    for query in [by_model, by_window] {
        let body = ok(&state, &format!("/api/v1/compare?{query}")).await;
        let c = &body["comparison"];
        assert_eq!(
            (c["a_requests"].as_u64(), c["b_requests"].as_u64()),
            (Some(60), Some(60)),
            "{query}"
        );
        let latency = &c["metrics"][0];
        assert_eq!(latency["metric"], "latency_ms");
        assert_eq!(latency["verdict"], "worse");
        // Medians of 100..=159 and 200..=259.
        assert_eq!(latency["a"]["p50"], 129.5);
        assert_eq!(latency["b"]["p50"], 229.5);
        assert_eq!(latency["p50"]["absolute"], 100.0);
        assert_eq!(latency["distribution"]["prob_b_greater"], 1.0);
        let input = &c["metrics"][2];
        assert_eq!(input["metric"], "input_tokens");
        assert_eq!(input["verdict"], "no_significant_change");
        assert_eq!(c["error_rate"]["a_errors"], 0);
        assert!(
            c["changes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|ch| ch["metric"] == "latency_ms" && ch["verdict"] == "worse")
        );
        assert_eq!(body["a"]["sampled"], false);
    }
    let body = ok(
        &state,
        &format!(
            "/api/v1/compare?{}&a.model=m-a&b.model=m-b",
            window(COHORTS, 60_000)
        ),
    )
    .await;
    assert_eq!(body["a"]["filters"], serde_json::json!({"model": "m-a"}));
    assert_eq!(body["b"]["end_ns"], T0 + (COHORTS + 60_000) * MS);
    // A limit below the cohort size samples it.
    let body = ok(
        &state,
        &format!(
            "/api/v1/compare?{}&a.model=m-a&b.model=m-b&limit=10",
            window(COHORTS, 60_000)
        ),
    )
    .await;
    assert_eq!(body["a"]["sampled"], true);
    assert_eq!(body["comparison"]["a_requests"], 10);
}

/// The diff of two runs: `rerank` added, `format` missing, the root and the model call slower,
/// the model changed; `retrieve` (unchanged) is not listed.
#[tokio::test]
async fn diff_of_two_traces() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(&dir);
    let body = ok(
        &state,
        &format!("/api/v1/diff?a={}&b={}", hex(0x51), hex(0x52)),
    )
    .await;
    assert_eq!(body["a"]["duration_ns"], 100 * MS);
    assert_eq!(body["b"]["duration_ns"], 300 * MS);
    assert_eq!(body["matched"], 3);
    assert_eq!(body["added_spans"], 1);
    assert_eq!(body["missing_spans"], 1);
    assert_eq!(body["slower"], 2);
    assert_eq!(body["faster"], 0);
    assert_eq!(body["added"][0]["name"], "rerank");
    assert_eq!(body["missing"][0]["name"], "format");
    let changed = body["changed"].as_array().unwrap();
    assert_eq!(changed.len(), 2, "{changed:?}");
    let root = changed
        .iter()
        .find(|c| c["a_span_id"] == span_hex(1))
        .unwrap();
    assert_eq!(root["duration"]["delta_ns"], 200 * MS);
    assert_eq!(root["duration"]["direction"], "slower");
    let model = changed
        .iter()
        .find(|c| c["a_span_id"] == span_hex(3))
        .unwrap();
    assert_eq!(model["duration"]["a_ns"], 60 * MS);
    assert_eq!(model["duration"]["b_ns"], 250 * MS);
    assert_eq!(model["model"]["a"], "gpt-4o");
    assert_eq!(model["model"]["b"], "gpt-4o-mini");

    // With a 300 ms threshold nothing is slower any more.
    let lenient = ok(
        &state,
        &format!(
            "/api/v1/diff?a={}&b={}&min_duration_change=300ms",
            hex(0x51),
            hex(0x52)
        ),
    )
    .await;
    assert_eq!(lenient["slower"], 0);
}

/// Bad or missing parameters are 400 naming the parameter; unknown traces are 404.
#[tokio::test]
async fn bad_parameters_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(&dir);
    let t = hex(0x51);
    let unknown = hex(0x99);
    let cases: Vec<(String, StatusCode, &str)> = vec![
        (
            format!("/api/v1/diff?a={t}"),
            StatusCode::BAD_REQUEST,
            "`b`",
        ),
        (
            format!("/api/v1/diff?a=xyz&b={t}"),
            StatusCode::BAD_REQUEST,
            "`a`",
        ),
        (
            format!("/api/v1/diff?a={t}&b={t}&limit=0"),
            StatusCode::BAD_REQUEST,
            "`limit`",
        ),
        (
            format!("/api/v1/diff?a={t}&b={t}&min_duration_ratio=-1"),
            StatusCode::BAD_REQUEST,
            "`min_duration_ratio`",
        ),
        (
            format!("/api/v1/diff?a={t}&b={unknown}"),
            StatusCode::NOT_FOUND,
            "trace b",
        ),
        (
            "/api/v1/compare?since=1h".into(),
            StatusCode::BAD_REQUEST,
            "`a.<filter>`",
        ),
        (
            "/api/v1/compare?a.status=broken&b.model=x".into(),
            StatusCode::BAD_REQUEST,
            "cohort a",
        ),
        (
            "/api/v1/compare?a.model=x&b.since=forever".into(),
            StatusCode::BAD_REQUEST,
            "`since`",
        ),
        (
            "/api/v1/compare?a.model=x&b.modle=y".into(),
            StatusCode::BAD_REQUEST,
            "`modle`",
        ),
        (
            "/api/v1/compare?a.model=x&bogus=1".into(),
            StatusCode::BAD_REQUEST,
            "`bogus`",
        ),
        (
            "/api/v1/compare?a.model=x&alpha=0.9".into(),
            StatusCode::BAD_REQUEST,
            "`alpha`",
        ),
        (
            "/api/v1/compare?a.model=x&limit=many".into(),
            StatusCode::BAD_REQUEST,
            "`limit`",
        ),
        (
            "/api/v1/agents?limit=0".into(),
            StatusCode::BAD_REQUEST,
            "`limit`",
        ),
        (
            "/api/v1/agents?limit=1001".into(),
            StatusCode::BAD_REQUEST,
            "`limit`",
        ),
        (
            "/api/v1/agents?focus=robot:x".into(),
            StatusCode::BAD_REQUEST,
            "`focus`",
        ),
        (
            "/api/v1/agents?agnet=planner".into(),
            StatusCode::BAD_REQUEST,
            "`agnet`",
        ),
        (
            format!("/api/v1/traces/{t}/agents?link_depth=9"),
            StatusCode::BAD_REQUEST,
            "`link_depth`",
        ),
        (
            format!("/api/v1/traces/{t}/agents?max_traces=0"),
            StatusCode::BAD_REQUEST,
            "`max_traces`",
        ),
        (
            format!("/api/v1/traces/{unknown}/agents"),
            StatusCode::NOT_FOUND,
            "not found",
        ),
        (
            "/api/v1/traces/nope/agents".into(),
            StatusCode::BAD_REQUEST,
            "invalid trace id",
        ),
        (
            format!("/api/v1/traces/{t}/rag?span=xyz"),
            StatusCode::BAD_REQUEST,
            "`span`",
        ),
        (
            format!("/api/v1/traces/{unknown}/rag"),
            StatusCode::NOT_FOUND,
            "not found",
        ),
        (
            "/api/v1/retrieval?limit=abc".into(),
            StatusCode::BAD_REQUEST,
            "`limit`",
        ),
        (
            "/api/v1/retrieval?status=meh".into(),
            StatusCode::BAD_REQUEST,
            "`status`",
        ),
    ];
    for (uri, expected, needle) in cases {
        let (status, body) = get(&state, &uri).await;
        assert_eq!(status, expected, "{uri}: {body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains(needle),
            "{uri}: {message:?} lacks {needle:?}"
        );
    }
}
