//! Store write cost: building rows for 1,000 GenAI spans (JSON encoding, trace summaries; runs on
//! ingest threads) and appending + committing them to a DuckDB file (the single writer).
//!
//! Last result: see the "Performance" section of the README (numbers, command and hardware).

#![allow(missing_docs)] // criterion_group! generates undocumented functions
#![allow(clippy::expect_used)] // a failed setup should abort the benchmark

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use flightdeck_ingest::{Limits, decode};
use flightdeck_loadgen::{Generator, TrafficConfig};
use flightdeck_semconv::Normalizer;
use flightdeck_store::{DuckDbStore, StoreConfig, WriteBatch, Writer};

fn bench(c: &mut Criterion) {
    let mut generator = Generator::new(TrafficConfig::default());
    let mut spans = Vec::new();
    while spans.len() < 1000 {
        spans.extend(decode::convert_traces(generator.request(100), &Limits::default()).items);
    }
    spans.truncate(1000);
    Normalizer::default().normalize_batch(&mut spans);

    let mut group = c.benchmark_group("store");
    group.throughput(Throughput::Elements(spans.len() as u64));
    group.bench_function("rows", |b| b.iter(|| WriteBatch::from_spans(&spans).len()));

    let dir = tempfile::tempdir().expect("tempdir");
    let store = DuckDbStore::open(&StoreConfig::new(dir.path())).expect("open");
    let batch = WriteBatch::from_spans(&spans);
    group.sample_size(20);
    group.bench_function("append+commit", |b| {
        b.iter(|| store.write(std::slice::from_ref(&batch)).expect("write"))
    });
    group.finish();

    // One commit of 100,000 rows: what the writer costs per row when commits are large.
    let large = vec![batch; 100];
    let mut group = c.benchmark_group("store-large-commit");
    group.throughput(Throughput::Elements(100 * spans.len() as u64));
    group.sample_size(10);
    group.bench_function("append+commit", |b| {
        b.iter(|| store.write(&large).expect("write"))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
