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
//! Last result (release, 2 shared cores of an x86_64 cloud VM, other builds running):
//! lookup_hit ≈ 60 ns, cost ≈ 30 ns, price_span ≈ 290 ns, lookup_miss ≈ 50 µs.

#![allow(missing_docs)] // criterion_group! generates undocumented functions
#![allow(clippy::expect_used)] // a failed setup should abort the benchmark

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use flightdeck_model::{Attributes, GenAi, KeyValue, Usage};
use flightdeck_pricing::{Catalog, CostOptions, TokenUsage};

/// 2026-06-01T12:00:00Z.
const AT: u64 = 1_780_315_200 * 1_000_000_000;

fn bench(c: &mut Criterion) {
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

criterion_group!(benches, bench);
criterion_main!(benches);
