//! The embedded store on a real DuckDB file: round trips, search, aggregates, persistence.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use flightdeck_model::*;
use flightdeck_store::*;

fn tid(n: u8) -> TraceId {
    TraceId::from_array([n; 16]).unwrap()
}
fn sid(n: u8) -> SpanId {
    SpanId::from_array([n; 8]).unwrap()
}

const T0: u64 = 1_800_000_000_000_000_000;
const MS: u64 = 1_000_000;

fn resource(service: &str) -> Arc<Resource> {
    Arc::new(Resource {
        attributes: vec![
            KeyValue::new("service.name", service),
            KeyValue::new("deployment.environment.name", "prod"),
        ]
        .into_iter()
        .collect(),
        ..Resource::default()
    })
}

#[allow(clippy::too_many_arguments)]
fn span(
    trace: u8,
    id: u8,
    parent: Option<u8>,
    start_ms: u64,
    dur_ms: u64,
    service: &Arc<Resource>,
    genai: Option<(&str, &str, i64, i64)>,
    error: bool,
) -> Span {
    let mut attributes = Attributes::new();
    attributes.set("http.route", "/chat");
    let mut g = GenAi::default();
    if let Some((op, model, input, output)) = genai {
        attributes.set("gen_ai.operation.name", op);
        attributes.set("gen_ai.request.model", model);
        g.operation = Some(op.into());
        g.provider = Some("openai".into());
        g.request_model = Some(model.into());
        g.usage.input_tokens = Some(input);
        g.usage.output_tokens = Some(output);
        g.finish_reasons = vec!["stop".into()];
        g.conversation_id = Some(format!("conv-{trace}"));
    }
    Span {
        trace_id: tid(trace),
        span_id: sid(id),
        parent_span_id: parent.map(sid),
        trace_state: String::new(),
        flags: 1,
        name: match genai {
            Some((op, model, _, _)) => format!("{op} {model}"),
            None => "POST /chat".into(),
        },
        kind: SpanKind::Client,
        start_time_unix_nano: T0 + start_ms * MS,
        end_time_unix_nano: T0 + (start_ms + dur_ms) * MS,
        attributes,
        dropped_attributes_count: 0,
        events: vec![Event {
            time_unix_nano: T0 + start_ms * MS + 1,
            name: "gen_ai.content.chunk".into(),
            attributes: vec![KeyValue::new("n", 1i64)].into_iter().collect(),
            dropped_attributes_count: 0,
        }],
        dropped_events_count: 0,
        links: vec![Link {
            trace_id: tid(99),
            span_id: sid(99),
            trace_state: String::new(),
            attributes: Attributes::new(),
            dropped_attributes_count: 0,
            flags: 0,
        }],
        dropped_links_count: 2,
        status: Status {
            code: if error {
                StatusCode::Error
            } else {
                StatusCode::Unset
            },
            message: if error { "boom".into() } else { String::new() },
        },
        resource: Arc::clone(service),
        scope: Arc::new(Scope {
            name: "test.scope".into(),
            version: "1.0".into(),
            ..Scope::default()
        }),
        genai: g,
    }
}

fn open(dir: &tempfile::TempDir) -> DuckDbStore {
    DuckDbStore::open(&StoreConfig::new(dir.path())).unwrap()
}

fn range() -> TimeRange {
    TimeRange {
        start_ns: T0 as i64,
        end_ns: (T0 + 3_600_000 * MS) as i64,
    }
}

/// A fixture: trace 1 (api → chat gpt-4o ok, chat gpt-4o error), trace 2 (worker → embeddings),
/// trace 3 (api → chat gpt-4o-mini), written in two batches with trace 1 split across them.
fn fixture(store: &DuckDbStore) {
    let api = resource("api");
    let worker = resource("worker");
    let first = vec![
        span(1, 1, None, 0, 1000, &api, None, false),
        span(
            1,
            2,
            Some(1),
            10,
            400,
            &api,
            Some(("chat", "gpt-4o", 100, 20)),
            false,
        ),
        span(
            2,
            4,
            None,
            2000,
            50,
            &worker,
            Some(("embeddings", "text-embedding-3-small", 8, 0)),
            false,
        ),
    ];
    let second = vec![
        span(
            1,
            3,
            Some(1),
            500,
            300,
            &api,
            Some(("chat", "gpt-4o", 300, 0)),
            true,
        ),
        span(3, 5, None, 3000, 200, &api, None, false),
        span(
            3,
            6,
            Some(5),
            3010,
            100,
            &api,
            Some(("chat", "gpt-4o-mini", 50, 10)),
            false,
        ),
    ];
    store
        .write(&[
            WriteBatch::from_spans(&first),
            WriteBatch::from_spans(&second),
        ])
        .unwrap();
}

/// Everything written comes back: ids, times, attributes with types, events, links, GenAI fields,
/// resource and scope; and an unknown trace is empty.
#[test]
fn trace_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let api = resource("api");
    let mut original = span(
        7,
        1,
        None,
        0,
        10,
        &api,
        Some(("chat", "gpt-4o", 5, 6)),
        true,
    );
    original.attributes.set("double", 2.0f64);
    original.attributes.set(
        "list",
        AttrValue::Array(vec![AttrValue::Int(1), "x".into()]),
    );
    original.genai.time_to_first_chunk = Some(0.25);
    store
        .write(&[WriteBatch::from_spans(std::slice::from_ref(&original))])
        .unwrap();
    let spans = store.trace(tid(7)).unwrap();
    assert_eq!(spans, vec![original]);
    assert!(store.trace(tid(8)).unwrap().is_empty());
}

/// One span is read by id without the rest of its trace; unknown span or trace ids give `None`.
#[test]
fn one_span_by_id() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let api = resource("api");
    let spans = vec![
        span(7, 1, None, 0, 10, &api, None, false),
        span(
            7,
            2,
            Some(1),
            2,
            6,
            &api,
            Some(("chat", "gpt-4o", 5, 6)),
            true,
        ),
        span(7, 3, Some(1), 8, 1, &api, None, false),
    ];
    store.write(&[WriteBatch::from_spans(&spans)]).unwrap();
    assert_eq!(store.span(tid(7), sid(2)).unwrap(), Some(spans[1].clone()));
    assert_eq!(store.span(tid(7), sid(9)).unwrap(), None);
    assert_eq!(store.span(tid(8), sid(2)).unwrap(), None);
}

/// Data survives closing and reopening the database file.
#[test]
fn persists_across_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = open(&dir);
        fixture(&store);
    }
    let store = open(&dir);
    assert_eq!(store.trace(tid(1)).unwrap().len(), 3);
    assert_eq!(store.counts().unwrap().spans, 6);
}

/// Search finds traces by each span-level filter, newest first, with whole-trace summaries.
#[test]
fn search_filters_and_summaries() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    fixture(&store);
    let search = |filter: SpanFilter| {
        store
            .search(&TraceQuery {
                range: range(),
                filter,
                limit: 10,
                cursor: None,
            })
            .unwrap()
            .traces
            .iter()
            .map(|t| t.trace_id)
            .collect::<Vec<_>>()
    };
    assert_eq!(search(SpanFilter::default()), vec![tid(3), tid(2), tid(1)]);
    assert_eq!(
        search(SpanFilter {
            service: Some("worker".into()),
            ..Default::default()
        }),
        vec![tid(2)]
    );
    assert_eq!(
        search(SpanFilter {
            model: Some("gpt-4o".into()),
            ..Default::default()
        }),
        vec![tid(1)]
    );
    assert_eq!(
        search(SpanFilter {
            status: Some(StatusCode::Error),
            ..Default::default()
        }),
        vec![tid(1)]
    );
    assert_eq!(
        search(SpanFilter {
            operation: Some("embeddings".into()),
            ..Default::default()
        }),
        vec![tid(2)]
    );
    assert_eq!(
        search(SpanFilter {
            min_duration_ns: Some((900 * MS) as i64),
            ..Default::default()
        }),
        vec![tid(1)]
    );
    assert_eq!(
        search(SpanFilter {
            conversation_id: Some("conv-3".into()),
            ..Default::default()
        }),
        vec![tid(3)]
    );
    assert_eq!(
        search(SpanFilter {
            span_name: Some("chat gpt-4o-mini".into()),
            ..Default::default()
        }),
        vec![tid(3)]
    );
    assert_eq!(
        search(SpanFilter {
            attributes: vec![("deployment.environment.name".into(), "prod".into())],
            service: Some("worker".into()),
            ..Default::default()
        }),
        vec![tid(2)]
    );
    assert_eq!(
        search(SpanFilter {
            attributes: vec![("http.route".into(), "/nope".into())],
            ..Default::default()
        }),
        vec![]
    );

    let page = store
        .search(&TraceQuery {
            range: range(),
            filter: SpanFilter::default(),
            limit: 10,
            cursor: None,
        })
        .unwrap();
    let t1 = page.traces.iter().find(|t| t.trace_id == tid(1)).unwrap();
    assert_eq!(t1.span_count, 3);
    assert_eq!(t1.error_count, 1);
    assert_eq!(t1.genai_count, 2);
    assert_eq!(t1.input_tokens, 400);
    assert_eq!(t1.root_name.as_deref(), Some("POST /chat"));
    assert_eq!(t1.duration_ns, (1000 * MS) as i64);
}

/// Pagination walks every trace exactly once, newest first.
#[test]
fn pagination_visits_every_trace_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let api = resource("api");
    let spans: Vec<Span> = (1..=25u8)
        .map(|n| span(n, n, None, u64::from(n) * 10, 5, &api, None, false))
        .collect();
    store.write(&[WriteBatch::from_spans(&spans)]).unwrap();
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .search(&TraceQuery {
                range: range(),
                filter: SpanFilter::default(),
                limit: 10,
                cursor,
            })
            .unwrap();
        seen.extend(page.traces.iter().map(|t| t.trace_id));
        match page.next_cursor {
            Some(c) => cursor = Cursor::decode(&c),
            None => break,
        }
    }
    let expected: Vec<TraceId> = (1..=25u8).rev().map(tid).collect();
    assert_eq!(seen, expected);
}

fn analytics(
    store: &DuckDbStore,
    group_by: Vec<Dimension>,
    step_ns: Option<i64>,
    filter: SpanFilter,
) -> Vec<AnalyticsRow> {
    store
        .analytics(&AnalyticsQuery {
            range: range(),
            filter,
            group_by,
            step_ns,
            order_by: OrderBy::Requests,
            limit: 100,
        })
        .unwrap()
}

/// Analytics by model and by service, with percentiles, sums and ratios computed by hand.
#[test]
fn analytics_by_model_and_service() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    fixture(&store);
    let rows = analytics(
        &store,
        vec![Dimension::Provider, Dimension::Model, Dimension::Operation],
        None,
        SpanFilter::default(),
    );
    assert_eq!(rows.len(), 3);
    let gpt4o = rows.iter().find(|r| r.group["model"] == "gpt-4o").unwrap();
    assert_eq!(gpt4o.group["provider"], "openai");
    assert_eq!(gpt4o.group["operation"], "chat");
    assert_eq!(gpt4o.requests, 2);
    assert_eq!(gpt4o.errors, 1);
    assert_eq!(gpt4o.error_rate, 0.5);
    assert_eq!(gpt4o.tokens.input, 400);
    assert_eq!(gpt4o.tokens.output, 20);
    // Durations 300 ms and 400 ms: linear interpolation gives p50 = 350, p95 = 395, p99 = 399.
    assert_eq!(gpt4o.latency_ms.p50, Some(350.0));
    assert!((gpt4o.latency_ms.p95.unwrap() - 395.0).abs() < 1e-6);
    assert!((gpt4o.latency_ms.p99.unwrap() - 399.0).abs() < 1e-6);
    // Ranked by requests: gpt-4o (2) first.
    assert_eq!(rows[0].group["model"], "gpt-4o");

    let by_service = analytics(
        &store,
        vec![Dimension::Service],
        None,
        SpanFilter::default(),
    );
    let api = by_service
        .iter()
        .find(|r| r.group["service"] == "api")
        .unwrap();
    assert_eq!(api.requests, 3);
    assert_eq!(api.tokens.input, 450);

    let series = analytics(
        &store,
        vec![Dimension::Service],
        Some((1000 * MS) as i64),
        SpanFilter {
            service: Some("api".into()),
            ..Default::default()
        },
    );
    let buckets: Vec<(i64, u64)> = series
        .iter()
        .map(|r| (r.bucket_start_ns.unwrap(), r.requests))
        .collect();
    assert_eq!(buckets, vec![(T0 as i64, 2), ((T0 + 3000 * MS) as i64, 1)]);

    let total = analytics(&store, vec![], None, SpanFilter::default());
    assert_eq!(total.len(), 1);
    assert_eq!(total[0].requests, 4);
    assert!(total[0].group.is_empty());
}

/// The GenAI metrics beyond latency: TTFT, cache tokens and hit ratio, cost breakdown, error
/// types, unpriced and usage-missing counts, throughput and context-window use; grouping by user
/// and by any attribute; top-N groups in a time series.
#[test]
fn analytics_metrics_and_dimensions() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let api = resource("api");
    let mut spans = Vec::new();
    for (i, (user, ttft, cost, error)) in [
        ("alice", Some(0.2), Some(0.01), None),
        ("alice", Some(0.4), Some(0.03), Some("RateLimitError")),
        ("bob", None, None, Some("RateLimitError")),
        ("carol", None, Some(0.5), Some("Timeout")),
    ]
    .into_iter()
    .enumerate()
    {
        let mut s = span(
            10 + i as u8,
            1,
            None,
            i as u64 * 100,
            50,
            &api,
            Some(("chat", "gpt-4o", 1000, 100)),
            false,
        );
        s.genai.user_id = Some(user.into());
        s.genai.time_to_first_chunk = ttft;
        s.genai.usage.cache_read_input_tokens = Some(250);
        s.genai.error_type = error.map(Into::into);
        s.genai.output_tokens_per_second = Some(40.0 + 20.0 * i as f64);
        s.genai.context_window_use = Some(0.1 * (i + 1) as f64);
        s.genai.usage_missing = user == "bob";
        s.genai.cost = cost.map(|total| Cost {
            total,
            input: total / 2.0,
            output: total / 2.0,
            priced_as: "openai/gpt-4o".into(),
            ..Cost::default()
        });
        s.attributes
            .set("tenant.id", if i < 2 { "t1" } else { "t2" });
        spans.push(s);
    }
    store.write(&[WriteBatch::from_spans(&spans)]).unwrap();

    let all = analytics(&store, vec![], None, SpanFilter::default());
    let r = &all[0];
    assert_eq!(r.requests, 4);
    assert_eq!(r.errors, 3);
    assert_eq!(
        r.error_types,
        vec![("RateLimitError".to_owned(), 2), ("Timeout".to_owned(), 1)]
    );
    // TTFT over the two streaming calls: 200 ms and 400 ms.
    assert!((r.ttft_ms.p50.unwrap() - 300.0).abs() < 1e-9);
    assert_eq!(r.tokens.cache_read, 1000);
    assert_eq!(r.cache_hit_ratio, Some(0.25));
    assert!((r.cost.total - 0.54).abs() < 1e-12);
    assert!((r.cost.input - 0.27).abs() < 1e-12);
    assert_eq!(r.unpriced, 1);
    assert_eq!(r.usage_missing, 1);
    assert_eq!(r.output_tokens_per_second, Some(70.0));
    assert!((r.context_window_use.p50.unwrap() - 0.25).abs() < 1e-9);

    let by_user = analytics(&store, vec![Dimension::User], None, SpanFilter::default());
    assert_eq!(by_user[0].group["user"], "alice");
    assert_eq!(by_user[0].requests, 2);

    let by_tenant = analytics(
        &store,
        vec![Dimension::Attribute("tenant.id".into())],
        None,
        SpanFilter::default(),
    );
    let t2 = by_tenant
        .iter()
        .find(|r| r.group["attr:tenant.id"] == "t2")
        .unwrap();
    assert_eq!(t2.requests, 2);
    let by_env = analytics(
        &store,
        vec![Dimension::Attribute("deployment.environment.name".into())],
        None,
        SpanFilter::default(),
    );
    assert_eq!(by_env[0].group["attr:deployment.environment.name"], "prod");
    assert_eq!(by_env[0].requests, 4);

    let top_cost = store
        .analytics(&AnalyticsQuery {
            range: range(),
            filter: SpanFilter::default(),
            group_by: vec![Dimension::User],
            step_ns: Some((100 * MS) as i64),
            order_by: OrderBy::Cost,
            limit: 1,
        })
        .unwrap();
    assert_eq!(top_cost.len(), 1);
    assert_eq!(top_cost[0].group["user"], "carol");

    let errors_of = analytics(
        &store,
        vec![Dimension::User],
        None,
        SpanFilter {
            error_type: Some("RateLimitError".into()),
            ..Default::default()
        },
    );
    assert_eq!(errors_of.len(), 2);
}

/// Catalog lists: services, operations (span names) and models in the range.
#[test]
fn catalog_lists() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    fixture(&store);
    let services: Vec<String> = store
        .services(range())
        .unwrap()
        .into_iter()
        .map(|s| s.service)
        .collect();
    assert_eq!(services, vec!["api", "worker"]);
    let ops = store.operations(range(), Some("worker")).unwrap();
    assert_eq!(ops.len(), 1);
    assert_eq!(ops[0].genai_operation.as_deref(), Some("embeddings"));
    let models = store.models(range()).unwrap();
    assert_eq!(models[0].model, "gpt-4o");
    assert_eq!(models[0].spans, 2);
    let empty = TimeRange {
        start_ns: 0,
        end_ns: 10,
    };
    assert!(store.services(empty).unwrap().is_empty());
}

/// Log records come back with their trace, and resources are shared, not duplicated.
#[test]
fn logs_of_a_trace() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    fixture(&store);
    let log = LogRecord {
        time_unix_nano: T0 + 20 * MS,
        observed_time_unix_nano: T0 + 21 * MS,
        severity_number: 9,
        severity_text: "INFO".into(),
        event_name: "gen_ai.user.message".into(),
        body: AttrValue::Map(vec![KeyValue::new("content", "hi")]),
        attributes: Attributes::new(),
        dropped_attributes_count: 0,
        flags: 1,
        trace_id: Some(tid(1)),
        span_id: Some(sid(2)),
        resource: resource("api"),
        scope: Arc::new(Scope::default()),
    };
    store
        .write(&[WriteBatch::from_logs(std::slice::from_ref(&log))])
        .unwrap();
    let logs = store.trace_logs(tid(1)).unwrap();
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].body, log.body);
    assert_eq!(logs[0].resource.service_name(), "api");
    assert!(store.trace_logs(tid(2)).unwrap().is_empty());
}

/// Conversations: listing with totals over model calls only, one conversation with its traces
/// in order; unpriced models; request samples; spans of several traces at once.
#[test]
fn conversations_unpriced_samples() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let api = resource("api");
    // Conversation "c": two turns (traces 1 and 2); trace 2 has an agent span whose usage is a
    // roll-up of its child and must not be counted again.
    let mut spans = vec![
        span(
            1,
            1,
            None,
            0,
            100,
            &api,
            Some(("chat", "gpt-4o", 100, 10)),
            false,
        ),
        span(
            2,
            2,
            None,
            500,
            300,
            &api,
            Some(("invoke_agent", "gpt-4o", 300, 30)),
            false,
        ),
        span(
            2,
            3,
            Some(2),
            510,
            200,
            &api,
            Some(("chat", "gpt-4o-mini", 300, 30)),
            true,
        ),
    ];
    for s in &mut spans {
        s.genai.conversation_id = Some("c".into());
    }
    spans[0].genai.cost = Some(Cost {
        total: 0.5,
        input: 0.5,
        priced_as: "x".into(),
        ..Cost::default()
    });
    store.write(&[WriteBatch::from_spans(&spans)]).unwrap();

    let list = store
        .conversations(range(), &SpanFilter::default(), 10)
        .unwrap();
    assert_eq!(list.len(), 1);
    let c = &list[0];
    assert_eq!(
        (
            c.traces,
            c.model_calls,
            c.input_tokens,
            c.output_tokens,
            c.errors
        ),
        (2, 2, 400, 40, 1)
    );
    assert_eq!(c.cost_usd, 0.5);
    assert_eq!(c.models, vec!["gpt-4o", "gpt-4o-mini"]);

    let one = store.conversation("c").unwrap().unwrap();
    let order: Vec<TraceId> = one.traces.iter().map(|t| t.trace_id).collect();
    assert_eq!(order, vec![tid(1), tid(2)]);
    // Trace 2's summary counts only the chat call's tokens.
    assert_eq!(one.traces[1].input_tokens, 300);
    assert!(store.conversation("nope").unwrap().is_none());

    let unpriced = store.unpriced_models(range()).unwrap();
    assert_eq!(unpriced.len(), 1);
    assert_eq!(unpriced[0].model, "gpt-4o-mini");
    assert_eq!(unpriced[0].input_tokens, 300);

    let samples = store.samples(range(), &SpanFilter::default(), 10).unwrap();
    assert_eq!(samples.len(), 2);
    let mut latencies: Vec<f64> = samples.iter().map(|s| s.latency_ms).collect();
    latencies.sort_by(f64::total_cmp);
    assert_eq!(latencies, vec![100.0, 200.0]);
    assert_eq!(samples.iter().filter(|s| s.error).count(), 1);
    assert_eq!(
        store
            .samples(range(), &SpanFilter::default(), 1)
            .unwrap()
            .len(),
        1
    );

    let both = store.spans_of_traces(&[tid(1), tid(2)]).unwrap();
    assert_eq!(both.len(), 3);
    assert_eq!(both[0].resource.service_name(), "api");
}

/// Re-pricing rewrites cost fields of model calls only, in reads, analytics and trace totals;
/// a second pass with the same prices changes nothing.
#[test]
fn reprice_updates_costs_and_totals() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    fixture(&store);
    let all = TimeRange {
        start_ns: 0,
        end_ns: i64::MAX,
    };
    // $0.001 per input token, for model calls.
    let price = |span: &mut Span| {
        let input = span.genai.usage.input_tokens.unwrap_or(0) as f64;
        span.genai.cost = Some(Cost {
            total: input * 0.001,
            input: input * 0.001,
            priced_as: "test/x".into(),
            ..Cost::default()
        });
        span.genai.context_window_use = Some(input / 1000.0);
    };
    let report = store.reprice(all, &price).unwrap();
    // Model calls in the fixture: two chats in trace 1, embeddings in trace 2, one chat in trace 3.
    assert_eq!(report.spans_examined, 4);
    assert_eq!(report.spans_updated, 4);

    let spans = store.trace(tid(1)).unwrap();
    let chat = spans.iter().find(|s| s.span_id == sid(3)).unwrap();
    assert_eq!(chat.genai.cost.as_ref().unwrap().total, 0.3);
    assert_eq!(chat.genai.context_window_use, Some(0.3));
    let page = store
        .search(&TraceQuery {
            range: range(),
            filter: SpanFilter::default(),
            limit: 10,
            cursor: None,
        })
        .unwrap();
    let t1 = page.traces.iter().find(|t| t.trace_id == tid(1)).unwrap();
    // Trace 1 was written in two batches (two summary rows); the total is 0.1 + 0.3.
    assert!((t1.cost_usd - 0.4).abs() < 1e-12, "{}", t1.cost_usd);
    let rows = analytics(&store, vec![], None, SpanFilter::default());
    // 100 + 300 + 8 + 50 input tokens.
    assert!((rows[0].cost.total - 0.458).abs() < 1e-12);
    assert_eq!(rows[0].unpriced, 0);

    let again = store.reprice(all, &price).unwrap();
    assert_eq!(again.spans_updated, 0);
}

/// Traces linking to a trace are found through their span links (the consumer side of a queue
/// hop), excluding the given traces, within the range and up to the limit.
#[test]
fn traces_linking_to_a_trace() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    // The fixture's spans of traces 1, 2 and 3 all link to trace 99.
    fixture(&store);
    let mut producer = span(99, 9, None, 0, 10, &resource("producer"), None, false);
    producer.links.clear();
    store.write(&[WriteBatch::from_spans(&[producer])]).unwrap();

    let found = store.traces_linking_to(&[tid(99)], range(), 10).unwrap();
    assert_eq!(found, vec![tid(1), tid(2), tid(3)]);
    // The given traces are left out, the limit holds, and nothing links to trace 1.
    let found = store
        .traces_linking_to(&[tid(99), tid(2)], range(), 2)
        .unwrap();
    assert_eq!(found, vec![tid(1), tid(3)]);
    assert!(
        store
            .traces_linking_to(&[tid(1)], range(), 10)
            .unwrap()
            .is_empty()
    );
    // Trace 3 starts at T0 + 3 s; a range ending before it leaves it out.
    let early = TimeRange {
        start_ns: T0 as i64,
        end_ns: (T0 + 2_500 * MS) as i64,
    };
    assert_eq!(
        store.traces_linking_to(&[tid(99)], early, 10).unwrap(),
        vec![tid(1), tid(2)]
    );
}

/// Retrieval spans (by operation or by retrieval view) come newest first with their resource,
/// filtered and limited; other spans are not handed over.
#[test]
fn retrieval_spans_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    fixture(&store);
    let rag = resource("rag");
    let mut by_operation = span(
        5,
        1,
        None,
        100,
        30,
        &rag,
        Some(("retrieval", "-", 0, 0)),
        false,
    );
    by_operation.genai.request_model = None;
    let mut by_view = span(5, 2, None, 200, 40, &rag, None, false);
    by_view.genai.retrieval = Some(Retrieval {
        data_source: Some("kb".into()),
        ..Retrieval::default()
    });
    let mut other_service = span(6, 3, None, 300, 50, &resource("api"), None, false);
    other_service.genai.retrieval = Some(Retrieval::default());
    store
        .write(&[WriteBatch::from_spans(&[
            by_operation,
            by_view,
            other_service,
        ])])
        .unwrap();

    let mut seen = Vec::new();
    let n = store
        .retrieval_spans(range(), &SpanFilter::default(), 100, &mut |s| {
            seen.push((s.span_id, s.resource.service_name().to_owned()))
        })
        .unwrap();
    assert_eq!(n, 3);
    assert_eq!(
        seen,
        vec![
            (sid(3), "api".to_owned()),
            (sid(2), "rag".to_owned()),
            (sid(1), "rag".to_owned())
        ]
    );
    let filter = SpanFilter {
        service: Some("rag".into()),
        ..SpanFilter::default()
    };
    let mut seen = Vec::new();
    let n = store
        .retrieval_spans(range(), &filter, 1, &mut |s| seen.push(s.span_id))
        .unwrap();
    assert_eq!((n, seen), (1, vec![sid(2)]));
}

/// The structural read returns the same spans without events, with attributes only on spans
/// that carry a wanted key.
#[test]
fn span_structure_leaves_out_events_and_other_attributes() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    fixture(&store);
    let mut workflow = span(4, 7, None, 0, 10, &resource("api"), None, false);
    workflow.attributes.set("gen_ai.workflow.name", "crew");
    store.write(&[WriteBatch::from_spans(&[workflow])]).unwrap();

    let ids = [tid(1), tid(4)];
    let full = store.spans_of_traces(&ids).unwrap();
    let light = store
        .span_structure_of_traces(&ids, &["gen_ai.workflow.name"])
        .unwrap();
    let key = |s: &Span| (s.trace_id, s.span_id);
    assert_eq!(
        full.iter().map(key).collect::<Vec<_>>(),
        light.iter().map(key).collect::<Vec<_>>()
    );
    // Trace 1 (3 spans) and trace 4 (1 span); every fixture span has an event and http.route.
    assert_eq!(light.len(), 4);
    assert!(full.iter().all(|s| !s.events.is_empty()));
    for (f, l) in full.iter().zip(&light) {
        assert!(l.events.is_empty());
        assert_eq!(l.links, f.links);
        assert_eq!(l.genai, f.genai);
        assert_eq!(l.resource, f.resource);
        if f.trace_id == tid(4) {
            assert_eq!(l.attributes, f.attributes);
            assert_eq!(l.attributes.get_str("gen_ai.workflow.name"), Some("crew"));
        } else {
            assert!(l.attributes.is_empty(), "{:?}", l.attributes);
        }
    }
}
