//! Decode cost of one OTLP export request of 20 GenAI spans (trace trees of 5–30 spans, 20–30
//! attributes per span), from wire bytes to model spans: protobuf, gzip + protobuf, OTLP/JSON,
//! each without and with message content.
//!
//! Last result: see the "Performance" section of the README (numbers, command and hardware).

#![allow(missing_docs)] // criterion_group! generates undocumented functions
#![allow(clippy::expect_used)] // a failed setup should abort the benchmark

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use flightdeck_ingest::{Encoding, Limits, decode};
use flightdeck_loadgen::{Generator, TrafficConfig, span_count};
use prost::Message as _;
use std::io::{Read as _, Write as _};

fn bench(c: &mut Criterion) {
    let limits = Limits::default();
    for content in [false, true] {
        let request = Generator::new(TrafficConfig {
            content,
            base_time_ns: 1,
            ..TrafficConfig::default()
        })
        .request(20);
        let spans = span_count(&request) as u64;
        let proto = request.encode_to_vec();
        let json = serde_json::to_vec(&request).expect("json");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&proto).expect("gzip");
        let gz = gz.finish().expect("gzip");
        let label = if content { "content" } else { "meta" };
        let mut group = c.benchmark_group(format!("decode/{label}"));
        group.throughput(Throughput::Elements(spans));
        group.bench_function("protobuf", |b| {
            b.iter(|| {
                let req = decode::decode_traces(&proto, Encoding::Protobuf).expect("decode");
                decode::convert_traces(req, &limits).items.len()
            })
        });
        group.bench_function("gzip+protobuf", |b| {
            b.iter(|| {
                let mut raw = Vec::with_capacity(proto.len());
                flate2::read::GzDecoder::new(&gz[..])
                    .read_to_end(&mut raw)
                    .expect("inflate");
                let req = decode::decode_traces(&raw, Encoding::Protobuf).expect("decode");
                decode::convert_traces(req, &limits).items.len()
            })
        });
        group.bench_function("json", |b| {
            b.iter(|| {
                let req = decode::decode_traces(&json, Encoding::Json).expect("decode");
                decode::convert_traces(req, &limits).items.len()
            })
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
