//! Realistic rows for the crate's unit tests.

use std::sync::Arc;

use flightdeck_ingest::{Limits, decode};
use flightdeck_loadgen::{Generator, TrafficConfig};
use flightdeck_model::*;
use flightdeck_semconv::Normalizer;

use crate::rows::WriteBatch;

/// At least `n` normalized GenAI spans of the load generator's traffic (whole traces).
pub(crate) fn spans(n: usize, seed: u64) -> Vec<Span> {
    let mut generator = Generator::new(TrafficConfig {
        seed,
        ..TrafficConfig::default()
    });
    let mut spans = Vec::new();
    while spans.len() < n {
        spans
            .extend(decode::convert_traces(generator.request(n.min(50)), &Limits::default()).items);
    }
    Normalizer::default().normalize_batch(&mut spans);
    spans
}

/// A span with every GenAI field set (retrieval and cost included).
pub(crate) fn full_genai_span() -> Span {
    let mut span = spans(1, 7).remove(0);
    span.span_id = SpanId::from_array([0x5a; 8]).unwrap_or(span.span_id);
    span.genai = GenAi {
        operation: Some("chat".into()),
        provider: Some("openai".into()),
        request_model: Some("gpt-4o".into()),
        response_model: Some("gpt-4o-2024-08-06".into()),
        usage: Usage {
            input_tokens: Some(1200),
            output_tokens: Some(340),
            cache_read_input_tokens: Some(1000),
            cache_write_input_tokens: Some(0),
            reasoning_output_tokens: Some(-1),
        },
        finish_reasons: vec!["stop".into(), "length".into()],
        response_id: Some("chatcmpl-1".into()),
        conversation_id: Some("conv-ü".into()),
        agent_name: Some("planner".into()),
        agent_id: Some("agent-1".into()),
        tool_name: Some("search".into()),
        tool_type: Some("function".into()),
        tool_call_id: Some("call-1".into()),
        error_type: Some("timeout".into()),
        time_to_first_chunk: Some(0.25),
        streaming: Some(true),
        model_family: Some("gpt-4o".into()),
        user_id: Some("user-1".into()),
        output_tokens_per_second: Some(87.5),
        max_chunk_gap: Some(1.5),
        usage_missing: true,
        retrieval: Some(Retrieval {
            data_source: Some("docs".into()),
            query: Some("how?".into()),
            top_k: Some(3),
            documents: vec![
                RetrievedDocument {
                    id: Some("d1".into()),
                    score: Some(0.9),
                    content: None,
                },
                RetrievedDocument::default(),
            ],
        }),
        cost: Some(Cost {
            total: 0.01,
            input: 0.004,
            cache_read: 0.001,
            cache_write: 0.0,
            output: 0.005,
            reasoning: f64::MIN_POSITIVE,
            priced_as: "openai/gpt-4o".into(),
        }),
        context_window_use: Some(0.01),
        context_length_exceeded: true,
    };
    span
}

/// Log records with and without trace context.
pub(crate) fn logs(n: usize) -> Vec<LogRecord> {
    let resource = Arc::new(Resource {
        attributes: vec![KeyValue::new("service.name", "worker")]
            .into_iter()
            .collect(),
        ..Resource::default()
    });
    (0..n)
        .map(|i| LogRecord {
            time_unix_nano: 1_800_000_000_000_000_000 + i as u64,
            observed_time_unix_nano: 1_800_000_000_000_000_001 + i as u64,
            severity_number: 9,
            severity_text: "INFO".into(),
            event_name: if i % 2 == 0 {
                "gen_ai.choice".into()
            } else {
                String::new()
            },
            body: AttrValue::from(format!("log body {i}")),
            attributes: vec![KeyValue::new("i", i as i64)].into_iter().collect(),
            dropped_attributes_count: 0,
            flags: 1,
            trace_id: (i % 2 == 0)
                .then(|| TraceId::from_array([9; 16]).ok())
                .flatten(),
            span_id: (i % 2 == 0)
                .then(|| SpanId::from_array([9; 8]).ok())
                .flatten(),
            resource: Arc::clone(&resource),
            scope: Arc::default(),
        })
        .collect()
}

/// A batch of `n` spans (or a little more: whole traces) plus a few logs and the full span.
pub(crate) fn batch(n: usize, seed: u64) -> WriteBatch {
    let mut spans = spans(n, seed);
    if seed == 0 {
        spans.push(full_genai_span());
    }
    let mut batch = WriteBatch::from_spans(&spans);
    batch.add_logs(&logs(3));
    batch
}
