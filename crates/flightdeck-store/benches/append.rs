//! Store write cost: building rows for 1,000 GenAI spans (JSON encoding, trace summaries; runs on
//! ingest threads), encoding + compressing them into a write-ahead log record (the pipeline's
//! writer thread), decoding the record again (the loader, before its DuckDB appends), and
//! writing them to a DuckDB store (log append + fsync, then the loader's append + commit).
//!
//! - `store/write`: back-to-back 1,000-row writes; the loader runs behind, and once the pending
//!   bound is reached each write waits for room, so this is the sustained rate.
//! - `store/write+load`: one 1,000-row write and the wait until it is loaded (a read after it).
//! - `store-large-commit/write+load`: the same with 100,000 rows, loaded in one transaction.
//!
//! Last result: see the "Performance" section of the README (numbers, command and hardware).

#![allow(missing_docs)] // criterion_group! generates undocumented functions
#![allow(clippy::expect_used)] // a failed setup should abort the benchmark

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use flightdeck_ingest::{Limits, decode};
use flightdeck_loadgen::{Generator, TrafficConfig};
use flightdeck_semconv::Normalizer;
use flightdeck_store::wal::{Record, Scratch};
use flightdeck_store::{DuckDbStore, Store as _, StoreConfig, WriteBatch, Writer};

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

    let batch = WriteBatch::from_spans(&spans);
    let mut scratch = Scratch::default();
    let records = Record::encode(std::slice::from_ref(&batch), &mut scratch).expect("encode");
    eprintln!(
        "1,000 spans: {} bytes encoded, {} in the log",
        records.iter().map(Record::payload_len).sum::<usize>(),
        records.iter().map(Record::len).sum::<usize>()
    );
    group.bench_function("log-encode", |b| {
        b.iter(|| Record::encode(std::slice::from_ref(&batch), &mut scratch).expect("encode"))
    });
    group.bench_function("log-decode", |b| {
        b.iter(|| records[0].decode().expect("decode"))
    });

    let dir = tempfile::tempdir().expect("tempdir");
    let store = DuckDbStore::open(&StoreConfig::new(dir.path())).expect("open");
    group.sample_size(20);
    group.bench_function("write", |b| {
        b.iter(|| store.write(std::slice::from_ref(&batch)).expect("write"))
    });
    group.bench_function("write+load", |b| {
        b.iter(|| {
            store.write(std::slice::from_ref(&batch)).expect("write");
            store.counts().expect("counts")
        })
    });
    group.finish();

    // One write of 100,000 rows, loaded in one transaction: what DuckDB costs per row when
    // commits are large.
    let large = vec![batch; 100];
    let mut group = c.benchmark_group("store-large-commit");
    group.throughput(Throughput::Elements(100 * spans.len() as u64));
    group.sample_size(10);
    group.bench_function("write+load", |b| {
        b.iter(|| {
            store.write(&large).expect("write");
            store.counts().expect("counts")
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
