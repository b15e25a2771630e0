//! Properties that must hold for any input, including bad data: random parents (missing, self,
//! cycles), duplicate ids, inverted and skewed timestamps, random links and operations.

#![allow(clippy::unwrap_used)] // test helpers: a panic is a test failure

use std::sync::Arc;

use flightdeck_analysis::agent::{FindingConfig, Graph, analyze};
use flightdeck_analysis::diff::{DiffConfig, diff_traces};
use flightdeck_analysis::rag::{RetrievalStats, rag_views};
use flightdeck_analysis::{conversation, critical_path};
use flightdeck_model::{
    GenAi, Link, Resource, Retrieval, RetrievedDocument, Scope, Span, SpanId, SpanKind, Status,
    StatusCode, TraceId,
};
use proptest::prelude::*;

const OPERATIONS: [Option<&str>; 7] = [
    None,
    Some("chat"),
    Some("invoke_agent"),
    Some("execute_tool"),
    Some("retrieval"),
    Some("invoke_workflow"),
    Some("embeddings"),
];
const NAMES: [&str; 4] = ["a", "b", "c", "GET /x/123"];

/// (id, parent, start, end, operation, name, link target, failed, trace)
type Raw = (u64, u64, u64, u64, usize, usize, u64, bool, u8);

fn span(raw: &Raw) -> Span {
    let &(id, parent, start, end, op, name, link, failed, trace) = raw;
    let operation = OPERATIONS[op];
    let name = NAMES[name];
    let trace_id = TraceId::from_int(u128::from(trace) + 1).unwrap();
    Span {
        trace_id,
        span_id: SpanId::from_int(id).unwrap(),
        parent_span_id: SpanId::from_int(parent),
        trace_state: String::new(),
        flags: 0,
        name: match operation {
            Some(op) => format!("{op} {name}"),
            None => name.to_owned(),
        },
        kind: SpanKind::Internal,
        start_time_unix_nano: start,
        end_time_unix_nano: end,
        attributes: Default::default(),
        dropped_attributes_count: 0,
        events: Vec::new(),
        dropped_events_count: 0,
        links: SpanId::from_int(link)
            .map(|span_id| Link {
                trace_id: TraceId::from_int(1).unwrap(),
                span_id,
                trace_state: String::new(),
                attributes: Default::default(),
                dropped_attributes_count: 0,
                flags: 0,
            })
            .into_iter()
            .collect(),
        dropped_links_count: 0,
        status: Status {
            code: if failed {
                StatusCode::Error
            } else {
                StatusCode::Unset
            },
            message: String::new(),
        },
        resource: Arc::new(Resource::default()),
        scope: Arc::new(Scope::default()),
        genai: GenAi {
            operation: operation.map(str::to_owned),
            agent_name: Some(name.to_owned()),
            tool_name: Some(name.to_owned()),
            request_model: Some(name.to_owned()),
            retrieval: (operation == Some("retrieval")).then(|| Retrieval {
                data_source: Some(name.to_owned()),
                documents: vec![RetrievedDocument {
                    id: Some("d".into()),
                    score: Some(start as f64 / 1000.0),
                    content: None,
                }],
                ..Retrieval::default()
            }),
            ..GenAi::default()
        },
    }
}

fn spans_strategy(max: usize) -> impl Strategy<Value = Vec<Span>> {
    prop::collection::vec(
        (
            1..40u64,
            0..44u64,
            0..1_000u64,
            0..1_000u64,
            0..OPERATIONS.len(),
            0..NAMES.len(),
            0..44u64,
            any::<bool>(),
            0..2u8,
        ),
        0..max,
    )
    .prop_map(|raw| raw.iter().map(span).collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// The critical path tiles its window exactly, lists each span once, and its self times
    /// and unattributed time add up to the total.
    #[test]
    fn critical_path_tiles_the_window(spans in spans_strategy(60)) {
        let path = critical_path(&spans);
        let mut t = path.start_ns;
        for seg in &path.segments {
            prop_assert_eq!(seg.start_ns, t);
            prop_assert!(seg.end_ns > seg.start_ns);
            t = seg.end_ns;
        }
        if !path.segments.is_empty() {
            prop_assert_eq!(t, path.end_ns);
        }
        let total: u64 = path.spans.iter().map(|s| s.self_ns).sum::<u64>() + path.unattributed_ns;
        prop_assert_eq!(total, path.total_ns);
        for s in &path.spans {
            prop_assert!(spans.iter().any(|x| x.span_id == s.span_id));
            prop_assert!((0.0..=1.0).contains(&s.share));
        }
    }

    /// Every GenAI span is counted in exactly one node, edges never count more invocations than
    /// there are GenAI spans, and merging is order-independent in counts.
    #[test]
    fn graph_counts_are_consistent(a in spans_strategy(60), b in spans_strategy(60)) {
        let analysis = analyze(&a, &FindingConfig::default());
        let genai = a.iter().filter(|s| s.genai.operation.is_some()).count() as u64;
        let in_nodes: u64 = analysis.graph.nodes().map(|(_, s)| s.count).sum();
        prop_assert_eq!(in_nodes, genai);
        let in_edges: u64 = analysis.graph.edges().map(|(_, _, s)| s.count).sum();
        prop_assert!(in_edges <= genai);

        let (ga, gb) = (Graph::from_spans(&a), Graph::from_spans(&b));
        let (mut ab, mut ba) = (ga.clone(), gb.clone());
        ab.merge(&gb);
        ba.merge(&ga);
        let counts = |g: &Graph| {
            (
                g.nodes().map(|(k, s)| (k.id(), s.count, s.errors, s.total_duration_ns)).collect::<Vec<_>>(),
                g.edges().map(|(f, t, s)| (f.id(), t.id(), s.count, s.max_duration_ns)).collect::<Vec<_>>(),
            )
        };
        prop_assert_eq!(counts(&ab), counts(&ba));
    }

    /// A trace diffed with itself matches every span with no change; any two traces split into
    /// matched, added and missing spans that add up.
    #[test]
    fn diff_accounts_for_every_span(a in spans_strategy(50), b in spans_strategy(50)) {
        let same = diff_traces(&a, &a, &DiffConfig::default());
        prop_assert_eq!(same.matched, a.len() as u64);
        prop_assert!(same.changed.is_empty());
        prop_assert_eq!(same.added_spans + same.missing_spans, 0);

        let d = diff_traces(&a, &b, &DiffConfig::default());
        prop_assert_eq!(d.matched + d.missing_spans, a.len() as u64);
        prop_assert_eq!(d.matched + d.added_spans, b.len() as u64);
    }

    /// Every retrieval listed for a generation is a retrieval span that ended before the
    /// generation started; retrieval
    /// statistics count every retrieval span; conversation totals count every span.
    #[test]
    fn rag_and_totals(spans in spans_strategy(60)) {
        for view in rag_views(&spans) {
            prop_assert!(!view.retrievals.is_empty());
            for r in &view.retrievals {
                prop_assert!(r.end_ns <= view.generation_start_ns);
                prop_assert!(spans.iter().any(|s| s.span_id == r.span_id
                    && s.genai.operation.as_deref() == Some("retrieval")));
            }
        }
        let mut stats = RetrievalStats::new();
        let added = stats.add_spans(&spans);
        let retrievals = spans.iter().filter(|s| s.genai.operation.as_deref() == Some("retrieval")).count() as u64;
        prop_assert_eq!(added, retrievals);
        prop_assert_eq!(stats.summary().overall.retrievals, retrievals);

        let c = conversation::conversation_from_spans("c", &spans);
        prop_assert_eq!(c.totals.spans, spans.len() as u64);
        prop_assert!(c.turns.windows(2).all(|w| w[0].start_ns <= w[1].start_ns));
    }
}
