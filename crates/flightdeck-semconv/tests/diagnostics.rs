//! Ingest diagnostics: counts per service and scope, shares computed by hand, merging, the
//! group limit, log records.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use flightdeck_model::{AttrValue, SpanKind};
use flightdeck_semconv::{Diagnostics, DiagnosticsSnapshot, Normalizer};
use serde_json::json;

fn observe(diagnostics: &mut Diagnostics, mut sp: flightdeck_model::Span) {
    let report = Normalizer::default().normalize_with_report(&mut sp);
    diagnostics.observe(&sp, &report);
}

/// Four spans of one scope: two complete chats (one streaming with TTFT), one stream without
/// usage or TTFT (legacy names), one plain HTTP span. Shares: usage missing 1/3 model calls,
/// TTFT missing 1/2 streaming calls, model missing 0/3.
fn sample(diagnostics: &mut Diagnostics) {
    observe(
        diagnostics,
        span(
            "chat gpt-4o",
            SpanKind::Client,
            &[
                ("gen_ai.operation.name", s("chat")),
                ("gen_ai.provider.name", s("openai")),
                ("gen_ai.request.model", s("gpt-4o")),
                ("gen_ai.usage.input_tokens", i(10)),
                ("gen_ai.usage.output_tokens", i(2)),
                ("gen_ai.input.messages", s("[]")),
            ],
        ),
    );
    observe(
        diagnostics,
        span(
            "chat gpt-4o",
            SpanKind::Client,
            &[
                ("gen_ai.operation.name", s("chat")),
                ("gen_ai.provider.name", s("openai")),
                ("gen_ai.request.model", s("gpt-4o")),
                ("gen_ai.request.stream", b(true)),
                ("gen_ai.response.time_to_first_chunk", d(0.1)),
                ("gen_ai.usage.input_tokens", i(10)),
                ("gen_ai.usage.output_tokens", i(2)),
            ],
        ),
    );
    observe(
        diagnostics,
        span(
            "chat gpt-4o",
            SpanKind::Client,
            &[
                ("gen_ai.operation.name", s("chat")),
                ("gen_ai.system", s("openai")),
                ("gen_ai.request.model", s("gpt-4o")),
                ("gen_ai.request.stream", b(true)),
            ],
        ),
    );
    observe(
        diagnostics,
        span("GET /", SpanKind::Server, &[("http.route", s("/"))]),
    );
}

/// Counts and shares of one group, by hand.
#[test]
fn counts_and_shares() {
    let mut diagnostics = Diagnostics::default();
    sample(&mut diagnostics);
    let snapshot = diagnostics.snapshot();
    assert_eq!(snapshot.groups.len(), 1);
    let g = &snapshot.groups[0];
    assert_eq!(
        (
            g.service.as_str(),
            g.scope_name.as_str(),
            g.scope_version.as_str()
        ),
        ("checkout", "test.instrumentation", "1.0")
    );
    assert_eq!(g.spans, 4);
    assert_eq!(g.genai_spans, 3);
    assert_eq!(g.model_calls, 3);
    assert_eq!(g.streaming_calls, 2);
    assert_eq!((g.missing_usage.count, g.missing_usage.of), (1, 3));
    assert!((g.missing_usage.share - 1.0 / 3.0).abs() < 1e-12);
    assert_eq!(
        (
            g.missing_time_to_first_chunk.count,
            g.missing_time_to_first_chunk.of
        ),
        (1, 2)
    );
    assert_eq!(g.missing_time_to_first_chunk.share, 0.5);
    assert_eq!(g.missing_model.count, 0);
    assert_eq!(g.missing_provider.count, 0);
    assert_eq!(g.dialects.get("otel_current"), Some(&3));
    assert_eq!(g.dialects.get("otel_legacy"), Some(&1));
    assert_eq!(g.deprecated.get("gen_ai.system"), Some(&1));
    assert!(g.content.present);
    assert_eq!(g.content.spans_with_content, 1);
}

/// Two aggregators merged equal one that saw everything; a snapshot survives JSON and merges
/// back.
#[test]
fn merge_and_snapshot_round_trip() {
    let mut a = Diagnostics::default();
    let mut b = Diagnostics::default();
    let mut both = Diagnostics::default();
    sample(&mut a);
    sample(&mut b);
    sample(&mut both);
    sample(&mut both);
    a.merge(&b);
    assert_eq!(a.snapshot(), both.snapshot());
    assert_eq!(a.snapshot().groups[0].spans, 8);

    let json = serde_json::to_string(&a.snapshot()).unwrap();
    let back: DiagnosticsSnapshot = serde_json::from_str(&json).unwrap();
    let mut restored = Diagnostics::default();
    restored.merge_snapshot(&back);
    assert_eq!(restored.snapshot(), a.snapshot());
}

/// Groups beyond the limit are counted under `(other)`; nothing is lost.
#[test]
fn group_limit() {
    let mut diagnostics = Diagnostics::with_max_groups(3);
    for n in 0..10 {
        observe(
            &mut diagnostics,
            with_scope(
                span(
                    "chat m",
                    SpanKind::Client,
                    &[("gen_ai.operation.name", s("chat"))],
                ),
                &format!("scope-{n}"),
                "1",
            ),
        );
    }
    let snapshot = diagnostics.snapshot();
    assert_eq!(snapshot.groups.len(), 3);
    let total: u64 = snapshot.groups.iter().map(|g| g.spans).sum();
    assert_eq!(total, 10);
    let other = snapshot
        .groups
        .iter()
        .find(|g| g.service == "(other)")
        .unwrap();
    assert_eq!(other.spans, 8);
}

/// Log records: per-message events count as deprecated names and content; details events with
/// messages count as content.
#[test]
fn logs() {
    let mut diagnostics = Diagnostics::default();
    diagnostics.observe_log(&log(
        "gen_ai.user.message",
        T0,
        json(json!({"content": "hi"})),
        &[],
    ));
    diagnostics.observe_log(&log(
        "gen_ai.client.inference.operation.details",
        T0,
        AttrValue::Empty,
        &[("gen_ai.input.messages", s("[]"))],
    ));
    diagnostics.observe_log(&log("app.log", T0, s("hello"), &[]));
    let snapshot = diagnostics.snapshot();
    let g = &snapshot.groups[0];
    assert_eq!(g.content.logs, 3);
    assert_eq!(g.content.logs_with_content, 2);
    assert_eq!(g.deprecated.get("gen_ai.user.message"), Some(&1));
    assert!(g.content.present);
    assert_eq!(g.spans, 0);
}
