//! The pricing work done at ingest for every span with usage.
//!
//! - `lookup_hit`: `Catalog::price` for a (provider, model) already seen (the steady state:
//!   one bounded-cache hit plus picking the period in force).
//! - `cost`: `Price::cost` for a call with cache reads, cache writes and reasoning.
//! - `price_span`: everything `Catalog::price_span` does for a typical span (lookup, context
//!   window, error classification, cost with its breakdown and label).
//! - `lookup_miss`: a model name never seen before (normalization and a scan of the catalog);
//!   paid once per distinct name.
//!
//! Times are the benchmark thread's CPU time, not wall time: the machine these numbers come from
//! is shared, and wall time there is mostly waiting for a core.
//!
//! Last result: see the crate README ("Benchmarks").

#![allow(missing_docs)] // criterion_group! generates undocumented functions
#![allow(clippy::expect_used)] // a failed setup should abort the benchmark

use std::hint::black_box;
use std::time::Duration;

use cpu_time::ThreadTime;
use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{Criterion, criterion_group, criterion_main};
use flightdeck_model::{Attributes, GenAi, KeyValue, Usage};
use flightdeck_pricing::{Catalog, CostOptions, TokenUsage};

/// 2026-06-01T12:00:00Z.
const AT: u64 = 1_780_315_200 * 1_000_000_000;

/// The CPU time of the benchmark thread.
struct ThreadCpuTime;

static WALL_TIME: WallTime = WallTime;

impl Measurement for ThreadCpuTime {
    type Intermediate = ThreadTime;
    type Value = Duration;

    fn start(&self) -> ThreadTime {
        ThreadTime::now()
    }

    fn end(&self, start: ThreadTime) -> Duration {
        start.elapsed()
    }

    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }

    fn zero(&self) -> Duration {
        Duration::ZERO
    }

    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }

    fn formatter(&self) -> &dyn ValueFormatter {
        // Same unit (nanoseconds) as wall time, so its formatter fits.
        WALL_TIME.formatter()
    }
}

fn bench(c: &mut Criterion<ThreadCpuTime>) {
    let catalog = Catalog::builtin().expect("shipped catalog loads");
    let options = CostOptions::default();
    let usage = TokenUsage {
        input_tokens: 42_000,
        cache_read_input_tokens: 30_000,
        cache_write_input_tokens: 2_000,
        output_tokens: 1_200,
        reasoning_output_tokens: 800,
        ..TokenUsage::default()
    };

    c.bench_function("lookup_hit", |b| {
        b.iter(|| {
            catalog
                .price(
                    black_box(Some("anthropic")),
                    black_box("claude-sonnet-4-5-20250929"),
                    black_box(AT),
                    &[],
                )
                .is_some()
        })
    });

    let price = catalog
        .price(Some("anthropic"), "claude-sonnet-4-5-20250929", AT, &[])
        .expect("priced");
    c.bench_function("cost", |b| {
        b.iter(|| price.cost(black_box(&usage), &options))
    });

    let genai = GenAi {
        operation: Some("chat".into()),
        provider: Some("openai".into()),
        request_model: Some("gpt-4o".into()),
        response_model: Some("gpt-4o-2024-08-06".into()),
        usage: Usage {
            input_tokens: Some(12_000),
            output_tokens: Some(640),
            cache_read_input_tokens: Some(8_192),
            cache_write_input_tokens: None,
            reasoning_output_tokens: None,
        },
        ..GenAi::default()
    };
    let attributes: Attributes = vec![
        KeyValue::new("gen_ai.operation.name", "chat"),
        KeyValue::new("gen_ai.request.model", "gpt-4o"),
        KeyValue::new("gen_ai.usage.input_tokens", 12_000i64),
        KeyValue::new("gen_ai.usage.output_tokens", 640i64),
    ]
    .into_iter()
    .collect();
    c.bench_function("price_span", |b| {
        b.iter(|| catalog.price_span(black_box(&genai), black_box(&attributes), AT, "", &options))
    });

    let mut n = 0u64;
    c.bench_function("lookup_miss", |b| {
        b.iter(|| {
            n += 1;
            catalog
                .model(Some("openai"), &format!("gpt-4o-custom-{n}"))
                .is_some()
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ThreadCpuTime);
    targets = bench
}
criterion_main!(benches);
