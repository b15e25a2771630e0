//! Overhead of the SDK per instrumented call, excluding export.
//!
//! Measures CPU time of the calling thread (not wall time: the machine is shared), with the
//! real OpenTelemetry SDK (sampler always on, a span processor that drops
//! finished spans, metrics aggregated in memory and never exported):
//!
//! * `chat_call/no_content`: start a chat span with 4 request attributes, set response id,
//!   model, finish reasons and usage, end it (span + 5 metric records);
//! * `chat_call/content`: the same plus 3 input and 1 output message captured as JSON;
//! * `chat_call/content_and_hash`: the same plus the SHA-256 prompt hash;
//! * `chat_call/noop_providers`: no providers installed (telemetry disabled);
//! * `chat_call/no_content_spans_only`, `…_metrics_only`: the `no_content` call with only the
//!   tracer or only the meter provider installed, to split the cost;
//! * `stream/instrumented_100_chunks` vs `stream/plain_100_chunks`: a 100-chunk OpenAI stream
//!   (JSON values) through the stream wrapper, and the same stream consumed bare; the
//!   difference divided by 100 is the overhead per chunk.
//!
//! Last result (`cargo bench -p flightdeck-sdk --bench overhead`, thread CPU time, AMD EPYC,
//! 2 vCPUs shared with other builds at load average ~13, bench profile):
//!
//! | benchmark | time |
//! |---|---|
//! | chat_call/no_content | 2.27 µs |
//! | chat_call/content | 6.36 µs |
//! | chat_call/content_and_hash | 7.90 µs |
//! | chat_call/noop_providers | 0.66 µs |
//! | chat_call/no_content_spans_only | 1.05 µs |
//! | chat_call/no_content_metrics_only | 1.79 µs |
//! | stream/instrumented_100_chunks | 78.4 µs (0.58 µs per chunk over plain) |
//! | stream/plain_100_chunks | 20.0 µs |

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Duration;

use cpu_time::ThreadTime;
use criterion::measurement::{Measurement, ValueFormatter};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use flightdeck_sdk::opentelemetry::Context;
use flightdeck_sdk::stream::OpenAiChat;
use flightdeck_sdk::{ContentCapture, GenAi, Message, Usage};
use futures::StreamExt as _;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::trace::{SdkTracerProvider, Span, SpanData, SpanProcessor};
use serde_json::{Value, json};

/// CPU time of the benchmarking thread. All the SDK's work here happens on that thread (spans
/// are dropped synchronously, metrics aggregate synchronously), and unlike wall time it is not
/// inflated when other processes compete for the CPU.
struct ThreadCpu;

struct Nanos;

impl ValueFormatter for Nanos {
    fn scale_values(&self, typical: f64, values: &mut [f64]) -> &'static str {
        let (factor, unit) = if typical < 1e3 {
            (1.0, "ns")
        } else if typical < 1e6 {
            (1e-3, "µs")
        } else {
            (1e-6, "ms")
        };
        values.iter_mut().for_each(|v| *v *= factor);
        unit
    }

    fn scale_throughputs(
        &self,
        _typical: f64,
        _t: &Throughput,
        values: &mut [f64],
    ) -> &'static str {
        values.iter_mut().for_each(|v| *v = 0.0);
        "n/a"
    }

    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "ns"
    }
}

impl Measurement for ThreadCpu {
    type Intermediate = ThreadTime;
    type Value = Duration;

    fn start(&self) -> ThreadTime {
        ThreadTime::now()
    }

    fn end(&self, i: ThreadTime) -> Duration {
        i.elapsed()
    }

    fn add(&self, v1: &Duration, v2: &Duration) -> Duration {
        *v1 + *v2
    }

    fn zero(&self) -> Duration {
        Duration::ZERO
    }

    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }

    fn formatter(&self) -> &dyn ValueFormatter {
        &Nanos
    }
}

/// Drops every finished span: measures everything up to the export.
#[derive(Debug)]
struct Discard;

impl SpanProcessor for Discard {
    fn on_start(&self, _span: &mut Span, _cx: &Context) {}
    fn on_end(&self, span: SpanData) {
        black_box(span);
    }
    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }
    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }
}

fn providers() -> (SdkTracerProvider, SdkMeterProvider) {
    let tracer = SdkTracerProvider::builder()
        .with_span_processor(Discard)
        .build();
    let meter = SdkMeterProvider::builder()
        .with_reader(
            PeriodicReader::builder(InMemoryMetricExporter::default())
                .with_interval(Duration::from_secs(3600))
                .build(),
        )
        .build();
    (tracer, meter)
}

fn messages() -> Vec<Message> {
    vec![
        Message::system("You are a helpful travel assistant. Answer in two sentences."),
        Message::user(
            "What is the weather usually like in Paris in April, and what should I pack?",
        ),
        Message::assistant("April in Paris is mild, 8-16°C, with frequent showers."),
    ]
}

fn one_call(genai: &GenAi, input: Option<Vec<Message>>, output: Option<&[Message]>) {
    let mut b = genai
        .chat("gpt-4o-mini")
        .with_temperature(0.2)
        .with_max_tokens(256)
        .with_top_p(1.0)
        .with_seed(7);
    if let Some(input) = input {
        b = b.with_input_messages(input);
    }
    let mut call = b.start();
    call.set_response_id("chatcmpl-abc123");
    call.set_response_model("gpt-4o-mini-2024-07-18");
    call.set_finish_reasons(["stop"]);
    call.record_usage(Usage::new(1200, 300).with_cache_read(1000));
    if let Some(output) = output {
        call.set_output_messages(output);
    }
    call.end();
}

fn chat_calls(c: &mut Criterion<ThreadCpu>) {
    let (tracer, meter) = providers();
    let build = |capture, hash| {
        GenAi::builder()
            .with_tracer_provider(&tracer)
            .with_meter_provider(&meter)
            .with_provider("openai")
            .with_server("api.openai.com", 443)
            .with_content_capture(capture)
            .with_prompt_hash(hash)
            .build()
    };
    let plain = build(ContentCapture::Off, false);
    let content = build(ContentCapture::SpanAttributes, false);
    let hashed = build(ContentCapture::SpanAttributes, true);
    let noop = GenAi::builder()
        .with_provider("openai")
        .with_content_capture(ContentCapture::Off)
        .build();
    let spans_only = GenAi::builder()
        .with_tracer_provider(&tracer)
        .with_provider("openai")
        .with_server("api.openai.com", 443)
        .with_content_capture(ContentCapture::Off)
        .build();
    let metrics_only = GenAi::builder()
        .with_meter_provider(&meter)
        .with_provider("openai")
        .with_server("api.openai.com", 443)
        .with_content_capture(ContentCapture::Off)
        .build();
    let output = [Message::assistant(
        "Expect mild days with showers; pack layers and an umbrella.",
    )];

    let mut group = c.benchmark_group("chat_call");
    group.bench_function("no_content", |b| b.iter(|| one_call(&plain, None, None)));
    group.bench_function("content", |b| {
        b.iter_batched(
            messages,
            |m| one_call(&content, Some(m), Some(&output)),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("content_and_hash", |b| {
        b.iter_batched(
            messages,
            |m| one_call(&hashed, Some(m), Some(&output)),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("noop_providers", |b| b.iter(|| one_call(&noop, None, None)));
    group.bench_function("no_content_spans_only", |b| {
        b.iter(|| one_call(&spans_only, None, None))
    });
    group.bench_function("no_content_metrics_only", |b| {
        b.iter(|| one_call(&metrics_only, None, None))
    });
    group.finish();
}

fn chunks() -> Vec<Value> {
    let mut v = Vec::with_capacity(100);
    for i in 0..98 {
        v.push(
            json!({"id": "chatcmpl-1", "model": "gpt-4o-mini", "choices": [
            {"index": 0, "delta": {"content": format!(" word{i}")}, "finish_reason": null}]}),
        );
    }
    v.push(
        json!({"id": "chatcmpl-1", "model": "gpt-4o-mini", "choices": [
        {"index": 0, "delta": {}, "finish_reason": "stop"}]}),
    );
    v.push(
        json!({"id": "chatcmpl-1", "model": "gpt-4o-mini", "choices": [],
        "usage": {"prompt_tokens": 50, "completion_tokens": 98}}),
    );
    v
}

fn streams(c: &mut Criterion<ThreadCpu>) {
    let (tracer, meter) = providers();
    let genai = GenAi::builder()
        .with_tracer_provider(&tracer)
        .with_meter_provider(&meter)
        .with_provider("openai")
        .with_content_capture(ContentCapture::Off)
        .build();
    let template = chunks();
    let mut group = c.benchmark_group("stream");
    group.bench_function("instrumented_100_chunks", |b| {
        b.iter_batched(
            || template.clone(),
            |items| {
                let s = futures::stream::iter(items.into_iter().map(Ok::<_, std::fmt::Error>));
                let stream = genai.chat("gpt-4o-mini").start().stream(s, OpenAiChat);
                futures::executor::block_on(stream.for_each(|c| {
                    black_box(c.ok());
                    async {}
                }));
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function("plain_100_chunks", |b| {
        b.iter_batched(
            || template.clone(),
            |items| {
                let s = futures::stream::iter(items.into_iter().map(Ok::<_, std::fmt::Error>));
                futures::executor::block_on(s.for_each(|c| {
                    black_box(c.ok());
                    async {}
                }));
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ThreadCpu);
    targets = chat_calls, streams
}
criterion_main!(benches);
