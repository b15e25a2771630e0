//! CPU cost of the ingest-thread work per export request (at least 20 GenAI spans, trace trees of
//! 5–30 spans with 20–30 attributes; `meta` without and `content` with prompt/completion text):
//!
//! - `plain`: protobuf decode → model → normalize → store rows (what an ingest thread did before
//!   redaction and sampling existed; the DuckDB append happens on the writer thread);
//! - `redact`: plain + the default redaction rules (on by default);
//! - `sample_keep_all`: plain with the tail sampler in between, every trace kept: encode and
//!   compress into the buffer, decide, decode, rows (the worst case: sampling that saves nothing);
//! - `sample_keep_10pct`: the same keeping 10% — rows are built only for kept traces;
//! - `redact_sample_keep_all`: both processors.
//!
//! Run: `cargo bench -p flightdeck-pipeline --bench pipeline` (or `--workspace`). Last result:
//! see the "Performance" section of the README (numbers, command and hardware).

#![allow(missing_docs)] // criterion_group! generates undocumented functions
#![allow(clippy::expect_used)] // a failed setup should abort the benchmark

use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use flightdeck_ingest::{Encoding, Limits, decode};
use flightdeck_loadgen::{Generator, TrafficConfig, span_count};
use flightdeck_model::Span;
use flightdeck_pipeline::sample::{ManualClock, PolicyConfig, SampleConfig};
use flightdeck_pipeline::{Normalize, Processor, RedactConfig, Redactor, TailSampler};
use flightdeck_store::WriteBatch;
use prost::Message as _;

fn decode_normalize(proto: &[u8], limits: &Limits, normalize: &Normalize) -> Vec<Span> {
    let request = decode::decode_traces(proto, Encoding::Protobuf).expect("decode");
    let mut spans = decode::convert_traces(request, limits).items;
    normalize.process_spans(&mut spans);
    spans
}

fn sampler(rate: f64) -> (TailSampler, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::default());
    let config = SampleConfig {
        decision_wait: Duration::from_secs(1),
        policies: vec![
            PolicyConfig::Error {
                name: None,
                action: flightdeck_pipeline::sample::Action::Keep,
            },
            PolicyConfig::Probabilistic { name: None, rate },
        ],
        ..SampleConfig::default()
    };
    let s = TailSampler::new(&config, Arc::clone(&clock) as _).expect("sampler");
    (s, clock)
}

/// Sends one request through the sampler and releases everything due: returns the rows built
/// for kept traces.
fn through_sampler(spans: Vec<Span>, sampler: &TailSampler, clock: &ManualClock) -> usize {
    let mut released = sampler.accept(spans, Vec::new());
    clock.advance(Duration::from_secs(2));
    let due = sampler.tick();
    released.spans.extend(due.spans);
    WriteBatch::from_spans(&released.spans).len()
}

fn bench(c: &mut Criterion) {
    let limits = Limits::default();
    let normalize = Normalize::default();
    let redactor = Redactor::new(&RedactConfig::default()).expect("redactor");
    for content in [false, true] {
        let request = Generator::new(TrafficConfig {
            content,
            base_time_ns: 1,
            ..TrafficConfig::default()
        })
        .request(20);
        let spans = span_count(&request) as u64;
        let proto = request.encode_to_vec();
        let label = if content { "content" } else { "meta" };
        let mut group = c.benchmark_group(format!("pipeline/{label}"));
        group.throughput(Throughput::Elements(spans));
        group.bench_function("plain", |b| {
            b.iter(|| {
                let spans = decode_normalize(&proto, &limits, &normalize);
                WriteBatch::from_spans(&spans).len()
            })
        });
        group.bench_function("redact", |b| {
            b.iter(|| {
                let mut spans = decode_normalize(&proto, &limits, &normalize);
                redactor.process_spans(&mut spans);
                WriteBatch::from_spans(&spans).len()
            })
        });
        let (keep_all, clock_all) = sampler(1.0);
        group.bench_function("sample_keep_all", |b| {
            b.iter(|| {
                let spans = decode_normalize(&proto, &limits, &normalize);
                through_sampler(spans, &keep_all, &clock_all)
            })
        });
        let (keep_some, clock_some) = sampler(0.1);
        group.bench_function("sample_keep_10pct", |b| {
            b.iter(|| {
                let spans = decode_normalize(&proto, &limits, &normalize);
                through_sampler(spans, &keep_some, &clock_some)
            })
        });
        group.bench_function("redact_sample_keep_all", |b| {
            b.iter(|| {
                let mut spans = decode_normalize(&proto, &limits, &normalize);
                redactor.process_spans(&mut spans);
                through_sampler(spans, &keep_all, &clock_all)
            })
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
