//! Cost of normalizing the spans of one OTLP export request from `flightdeck-loadgen` (whole trace
//! trees of at least 20 spans, 24 with the fixed seed; 20–30 attributes each):
//!
//! - `normalize/current`: all spans in the current conventions;
//! - `normalize/mixed`: chat spans in the current, old-OTel, OpenLLMetry and OpenInference dialects;
//! - `normalize/mixed+report+diagnostics`: what ingest runs per span when it also feeds
//!   diagnostics;
//! - `reference/current_only`: the extraction this crate had before dialect support (current keys
//!   only, one linear lookup per field), kept here as the "before" point;
//! - `reference/decode_protobuf`: decoding the same request from protobuf bytes into model spans,
//!   the ingest work normalization must stay within 25% of.
//!
//! Last result (AMD EPYC, 2 vCPUs shared with other builds, best of interleaved runs): per request
//! of 24 spans, `reference/current_only` 8.1 µs, `normalize/current` 15.8 µs, `normalize/mixed`
//! 14.5 µs, `reference/decode_protobuf` 96.7 µs; instructions per span (callgrind) 3,650 before,
//! 6,110–6,140 after, 25,450 to decode. Details in the crate README, "Performance".

#![allow(missing_docs)] // criterion_group! generates undocumented functions
#![allow(clippy::expect_used)] // a failed setup should abort the benchmark

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use flightdeck_ingest::{Encoding, Limits, decode};
use flightdeck_loadgen::{Dialect, Generator, TrafficConfig, span_count};
use flightdeck_model::{AttrValue, Attributes, GenAi, Span, Usage};
use flightdeck_semconv::{Diagnostics, Normalizer};
use prost::Message as _;

/// The extraction before dialect support, verbatim in behaviour: current keys only.
fn current_only(attrs: &Attributes) -> GenAi {
    let string = |key| attrs.get_str(key).map(str::to_owned);
    let count = |key| attrs.get_i64(key).filter(|n| *n >= 0);
    let mut genai = GenAi {
        operation: string("gen_ai.operation.name"),
        provider: string("gen_ai.provider.name"),
        request_model: string("gen_ai.request.model"),
        response_model: string("gen_ai.response.model"),
        usage: Usage {
            input_tokens: count("gen_ai.usage.input_tokens"),
            output_tokens: count("gen_ai.usage.output_tokens"),
            cache_read_input_tokens: count("gen_ai.usage.cache_read.input_tokens"),
            cache_write_input_tokens: count("gen_ai.usage.cache_write.input_tokens"),
            reasoning_output_tokens: count("gen_ai.usage.reasoning.output_tokens"),
        },
        finish_reasons: match attrs.get("gen_ai.response.finish_reasons") {
            Some(AttrValue::Array(items)) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        },
        response_id: string("gen_ai.response.id"),
        conversation_id: string("gen_ai.conversation.id"),
        agent_name: string("gen_ai.agent.name"),
        agent_id: string("gen_ai.agent.id"),
        tool_name: string("gen_ai.tool.name"),
        tool_type: string("gen_ai.tool.type"),
        tool_call_id: string("gen_ai.tool.call.id"),
        time_to_first_chunk: attrs
            .get_f64("gen_ai.response.time_to_first_chunk")
            .filter(|s| s.is_finite() && *s >= 0.0),
        ..GenAi::default()
    };
    if !genai.is_empty() {
        genai.error_type = string("error.type");
    }
    genai
}

macro_rules! request {
    ($dialect:expr) => {
        Generator::new(TrafficConfig {
            dialect: $dialect,
            base_time_ns: 1,
            ..TrafficConfig::default()
        })
        .request(20)
    };
}

fn bench(c: &mut Criterion) {
    let normalizer = Normalizer::default();
    let limits = Limits::default();
    let current = request!(Dialect::Current);
    let mixed = request!(Dialect::Mixed);
    let elements = span_count(&current) as u64;
    assert_eq!(elements, span_count(&mixed) as u64);
    let proto = mixed.encode_to_vec();
    let current_spans = decode::convert_traces(current, &limits).items;
    let mixed_spans = decode::convert_traces(mixed, &limits).items;

    let mut group = c.benchmark_group("normalize");
    group.throughput(Throughput::Elements(elements));
    for (name, spans) in [("current", &current_spans), ("mixed", &mixed_spans)] {
        group.bench_function(name, |b| {
            b.iter_batched_ref(
                || spans.clone(),
                |spans| normalizer.normalize_batch(spans),
                BatchSize::SmallInput,
            )
        });
    }
    group.bench_function("mixed+report+diagnostics", |b| {
        let mut diagnostics = Diagnostics::default();
        b.iter_batched_ref(
            || mixed_spans.clone(),
            |spans: &mut Vec<Span>| {
                for span in spans.iter_mut() {
                    let report = normalizer.normalize_with_report(span);
                    diagnostics.observe(span, &report);
                }
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();

    let mut group = c.benchmark_group("reference");
    group.throughput(Throughput::Elements(elements));
    group.bench_function("current_only", |b| {
        b.iter_batched_ref(
            || current_spans.clone(),
            |spans: &mut Vec<Span>| {
                for span in spans.iter_mut() {
                    span.genai = current_only(&span.attributes);
                }
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function("decode_protobuf", |b| {
        b.iter(|| {
            let request = decode::decode_traces(&proto, Encoding::Protobuf).expect("decode");
            decode::convert_traces(request, &limits).items.len()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
