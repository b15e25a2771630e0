//! Cost of filling the typed GenAI view for the 20 spans of one export request.
//!
//! Last result: see the "Performance" section of the README (numbers, command and hardware).

#![allow(missing_docs)] // criterion_group! generates undocumented functions
#![allow(clippy::expect_used)] // a failed setup should abort the benchmark

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use flightdeck_ingest::{Limits, decode};
use flightdeck_loadgen::{Dialect, Generator, TrafficConfig, span_count};
use flightdeck_semconv::Normalizer;

fn bench(c: &mut Criterion) {
    let normalizer = Normalizer::default();
    let mut group = c.benchmark_group("normalize");
    for dialect in [Dialect::Current, Dialect::Mixed] {
        let request = Generator::new(TrafficConfig {
            dialect,
            base_time_ns: 1,
            ..TrafficConfig::default()
        })
        .request(20);
        group.throughput(Throughput::Elements(span_count(&request) as u64));
        let spans = decode::convert_traces(request, &Limits::default()).items;
        group.bench_function(format!("{dialect:?}").to_lowercase(), |b| {
            b.iter_batched_ref(
                || spans.clone(),
                |spans| normalizer.normalize_batch(spans),
                criterion::BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
