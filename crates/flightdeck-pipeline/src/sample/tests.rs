use std::sync::Arc;
use std::time::Duration;

use flightdeck_model::*;

use super::*;
use crate::test_util::{log, span};

const S: Duration = Duration::from_secs(1);

fn sampler(policies: Vec<PolicyConfig>) -> (TailSampler, Arc<ManualClock>) {
    sampler_with(SampleConfig {
        policies,
        ..SampleConfig::default()
    })
}

fn sampler_with(config: SampleConfig) -> (TailSampler, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::default());
    let s = TailSampler::new(&config, Arc::clone(&clock) as Arc<dyn Clock>).unwrap();
    (s, clock)
}

fn errors() -> PolicyConfig {
    PolicyConfig::Error {
        name: None,
        action: Action::Keep,
    }
}

fn rate(rate: f64) -> PolicyConfig {
    PolicyConfig::Probabilistic {
        name: Some("rest".into()),
        rate,
    }
}

fn error_span(trace: u8, id: u8) -> Span {
    let mut s = span(trace, id, vec![]);
    s.status.code = StatusCode::Error;
    s
}

fn ids(spans: &[Span]) -> Vec<(u8, u8)> {
    let mut v: Vec<(u8, u8)> = spans
        .iter()
        .map(|s| (s.trace_id.as_bytes()[0], s.span_id.as_bytes()[0]))
        .collect();
    v.sort_unstable();
    v
}

/// A trace is held for the decision window after its last span: nothing is released before,
/// a new span restarts the window, and once the window ends the whole trace is decided at once.
#[test]
fn window_runs_from_the_last_span() {
    let (s, clock) = sampler(vec![errors(), rate(0.0)]);
    assert!(s.accept(vec![span(1, 1, vec![])], vec![]).is_empty());
    clock.advance(8 * S);
    assert!(s.accept(vec![error_span(1, 2)], vec![]).is_empty());
    clock.advance(8 * S); // 16 s after the first span, 8 s after the last
    assert!(s.tick().is_empty());
    assert_eq!(s.stats().snapshot().buffered.spans, 2);
    clock.advance(2 * S);
    let out = s.tick();
    assert_eq!(ids(&out.spans), vec![(1, 1), (1, 2)]);
    let snap = s.stats().snapshot();
    assert_eq!(snap.decisions, 1);
    assert_eq!(snap.buffered.traces, 0);
    assert_eq!(snap.buffered.bytes, 0);
    assert_eq!(
        snap.policies[0].kept,
        Counts {
            traces: 1,
            spans: 2,
            logs: 0
        }
    );
}

/// Policies combine in order, first match wins: a drop policy placed first beats a later keep;
/// errors are kept; the rest goes to the probabilistic policy; counters are per policy.
#[test]
fn first_matching_policy_decides() {
    let (s, clock) = sampler(vec![
        PolicyConfig::Service {
            name: Some("noisy".into()),
            action: Action::Drop,
            services: vec!["healthcheck".into()],
        },
        errors(),
        rate(0.0),
    ]);
    let mut noisy_error = error_span(1, 1);
    noisy_error.resource = crate::test_util::resource("healthcheck");
    s.accept(
        vec![noisy_error, error_span(2, 1), span(3, 1, vec![])],
        vec![],
    );
    clock.advance(11 * S);
    let out = s.tick();
    assert_eq!(ids(&out.spans), vec![(2, 1)]);
    let snap = s.stats().snapshot();
    let by = |name: &str| {
        snap.policies
            .iter()
            .find(|p| p.name == name)
            .unwrap()
            .clone()
    };
    assert_eq!(by("noisy").dropped.traces, 1);
    assert_eq!(by("error").kept.traces, 1);
    assert_eq!(by("rest").dropped.traces, 1);
    assert_eq!(by("unmatched").dropped.traces, 0);
    assert_eq!(snap.kept.spans, 1);
    assert_eq!(snap.dropped.spans, 2);
}

/// Each condition type matches what it promises: latency per operation, token and cost sums
/// across the trace, model, attribute value, guardrail finish reason, redaction marker, and the
/// keep flag in tracestate; a trace matching none falls to `unmatched` and is dropped.
#[test]
fn conditions_match_what_they_promise() {
    let policies = vec![
        PolicyConfig::Latency {
            name: None,
            action: Action::Keep,
            threshold: Duration::from_secs(5),
            operations: [(
                "chat".to_owned(),
                humantime_serde::Serde::from(Duration::from_millis(500)),
            )]
            .into_iter()
            .collect(),
        },
        PolicyConfig::Tokens {
            name: None,
            action: Action::Keep,
            threshold: 1000,
        },
        PolicyConfig::Cost {
            name: None,
            action: Action::Keep,
            threshold_usd: 0.5,
        },
        PolicyConfig::Model {
            name: None,
            action: Action::Keep,
            models: vec!["o4-mini".into()],
        },
        PolicyConfig::Attribute {
            name: None,
            action: Action::Keep,
            key: "tenant.tier".into(),
            values: vec!["gold".into()],
        },
        PolicyConfig::Guardrail {
            name: None,
            action: Action::Keep,
            events: vec![],
            attribute_prefixes: vec![],
        },
        PolicyConfig::Redaction {
            name: None,
            action: Action::Keep,
        },
        PolicyConfig::KeepFlag {
            name: None,
            action: Action::Keep,
            tracestate: "flightdeck=keep".into(),
            attributes: vec![],
        },
    ];
    let (s, clock) = sampler(policies);
    let chat = |trace: u8, id: u8, ms: u64| {
        let mut sp = span(trace, id, vec![]);
        sp.genai.operation = Some("chat".into());
        sp.end_time_unix_nano = sp.start_time_unix_nano + ms * 1_000_000;
        sp
    };
    // 1: a 600 ms chat span (chat threshold 500 ms) → latency.
    // 2: a 600 ms tool span (default threshold 5 s) → nothing.
    let mut tool = span(2, 1, vec![]);
    tool.end_time_unix_nano = tool.start_time_unix_nano + 600_000_000;
    // 3: two chats of 600 tokens each → tokens (1,200 ≥ 1,000).
    let mut t3a = chat(3, 1, 10);
    t3a.genai.usage.input_tokens = Some(500);
    t3a.genai.usage.output_tokens = Some(100);
    let mut t3b = chat(3, 2, 10);
    t3b.genai.usage.input_tokens = Some(550);
    t3b.genai.usage.output_tokens = Some(50);
    // 4: cost 0.3 + 0.3 → cost.
    let mut t4a = chat(4, 1, 10);
    t4a.genai.cost = Some(Cost {
        total: 0.3,
        ..Cost::default()
    });
    let mut t4b = chat(4, 2, 10);
    t4b.genai.cost = Some(Cost {
        total: 0.3,
        ..Cost::default()
    });
    // 5: model by attribute only (no typed view) → model.
    let t5 = span(5, 1, vec![KeyValue::new("gen_ai.request.model", "o4-mini")]);
    // 6: resource attribute tenant.tier=gold → attribute; 7: silver → nothing.
    let mut t6 = span(6, 1, vec![]);
    t6.resource = Arc::new(Resource {
        attributes: vec![KeyValue::new("tenant.tier", "gold")]
            .into_iter()
            .collect(),
        ..Resource::default()
    });
    let t7 = span(7, 1, vec![KeyValue::new("tenant.tier", "silver")]);
    // 8: content_filter → guardrail.
    let mut t8 = chat(8, 1, 10);
    t8.genai.finish_reasons = vec!["content_filter".into()];
    // 9: redaction marker → redaction.
    let t9 = span(
        9,
        1,
        vec![KeyValue::new(crate::redact::REDACTION_COUNT_KEY, 2i64)],
    );
    // 10: tracestate member → keep flag.
    let mut t10 = span(10, 1, vec![]);
    t10.trace_state = "vendor=x, flightdeck=keep".into();

    s.accept(
        vec![
            chat(1, 1, 600),
            tool,
            t3a,
            t3b,
            t4a,
            t4b,
            t5,
            t6,
            t7,
            t8,
            t9,
            t10,
        ],
        vec![],
    );
    clock.advance(11 * S);
    let out = s.tick();
    let mut kept: Vec<u8> = out.spans.iter().map(|s| s.trace_id.as_bytes()[0]).collect();
    kept.sort_unstable();
    kept.dedup();
    assert_eq!(kept, vec![1, 3, 4, 5, 6, 8, 9, 10]);
    let snap = s.stats().snapshot();
    let kept_by: Vec<(String, u64)> = snap
        .policies
        .iter()
        .map(|p| (p.name.clone(), p.kept.traces))
        .collect();
    assert_eq!(
        kept_by,
        vec![
            ("latency".to_owned(), 1),
            ("tokens".to_owned(), 1),
            ("cost".to_owned(), 1),
            ("model".to_owned(), 1),
            ("attribute".to_owned(), 1),
            ("guardrail".to_owned(), 1),
            ("redaction".to_owned(), 1),
            ("keep_flag".to_owned(), 1),
            ("unmatched".to_owned(), 0),
        ]
    );
    assert_eq!(snap.policies.last().unwrap().dropped.traces, 2);
}

/// Late spans and log records of a decided trace follow its decision: those of a kept trace are
/// passed on at once, those of a dropped trace are dropped and counted.
#[test]
fn late_items_follow_the_decision() {
    let (s, clock) = sampler(vec![errors(), rate(0.0)]);
    s.accept(vec![error_span(1, 1), span(2, 1, vec![])], vec![]);
    clock.advance(11 * S);
    assert_eq!(ids(&s.tick().spans), vec![(1, 1)]);
    let out = s.accept(
        vec![span(1, 2, vec![]), span(2, 2, vec![])],
        vec![log(Some(1), "a".into()), log(Some(2), "b".into())],
    );
    assert_eq!(ids(&out.spans), vec![(1, 2)]);
    assert_eq!(out.logs.len(), 1);
    assert_eq!(out.logs[0].body.as_str(), Some("a"));
    let snap = s.stats().snapshot();
    assert_eq!(
        snap.late,
        Late {
            spans_kept: 1,
            spans_dropped: 1,
            logs_kept: 1,
            logs_dropped: 1
        }
    );
    assert_eq!(snap.buffered.traces, 0);
}

/// Log records join their trace's buffer and share its fate; log records without a trace id
/// pass straight through (counted).
#[test]
fn logs_travel_with_their_trace() {
    let (s, clock) = sampler(vec![errors(), rate(0.0)]);
    let out = s.accept(
        vec![error_span(1, 1), span(2, 1, vec![])],
        vec![
            log(Some(1), "kept".into()),
            log(Some(2), "dropped".into()),
            log(None, "untraced".into()),
        ],
    );
    assert_eq!(out.logs.len(), 1);
    assert_eq!(out.logs[0].body.as_str(), Some("untraced"));
    clock.advance(11 * S);
    let out = s.tick();
    assert_eq!(out.logs.len(), 1);
    assert_eq!(out.logs[0].body.as_str(), Some("kept"));
    assert_eq!(
        out.logs[0].trace_id,
        Some(TraceId::from_array([1; 16]).unwrap())
    );
    let snap = s.stats().snapshot();
    assert_eq!(snap.untraced_logs, 1);
    assert_eq!(snap.kept.logs, 1);
    assert_eq!(snap.dropped.logs, 1);
}

/// Under the trace cap, the oldest undecided traces are decided early — by the same policies —
/// and counted; nothing is lost without being counted: every span sent is either passed on,
/// counted as dropped, or still buffered, at every step.
#[test]
fn caps_decide_early_and_nothing_is_lost_uncounted() {
    let (s, clock) = sampler_with(SampleConfig {
        max_traces: 10,
        max_buffered_bytes: 1 << 30,
        policies: vec![errors(), rate(0.5)],
        ..SampleConfig::default()
    });
    let mut sent = 0u64;
    let mut passed = 0u64;
    for round in 0..20u8 {
        let mut batch = Vec::new();
        for k in 0..5u8 {
            let trace = round * 5 + k + 1;
            for id in 1..=3u8 {
                batch.push(if trace % 7 == 0 && id == 2 {
                    error_span(trace, id)
                } else {
                    span(trace, id, vec![])
                });
            }
        }
        sent += batch.len() as u64;
        passed += s.accept(batch, vec![]).spans.len() as u64;
        let snap = s.stats().snapshot();
        assert!(snap.buffered.traces <= 10);
        assert_eq!(
            sent,
            passed + snap.dropped.spans + snap.buffered.spans,
            "round {round}"
        );
        clock.advance(Duration::from_millis(100));
    }
    let snap = s.stats().snapshot();
    assert_eq!(snap.early_decisions, 90);
    assert_eq!(snap.kept.spans, passed);
    // Every error trace decided so far (7, 14, ..., 84; 91 and 98 are still buffered) was kept,
    // although decided early.
    assert_eq!(snap.policies[0].kept.traces, 12);
    // Shutdown decides the rest; the totals still add up.
    passed += s.flush().spans.len() as u64;
    let snap = s.stats().snapshot();
    assert_eq!(snap.shutdown_decisions, 10);
    assert_eq!(snap.buffered.spans, 0);
    assert_eq!(sent, passed + snap.dropped.spans);
    assert_eq!(snap.decisions, 100);
    assert_eq!(snap.policies[0].kept.traces, 14);
}

/// The byte cap works like the trace cap: buffered bytes stay under it (plus the one request that
/// pushed it over), and what is pushed out is counted as early decisions.
#[test]
fn byte_cap_bounds_the_buffer() {
    let (s, _clock) = sampler_with(SampleConfig {
        max_buffered_bytes: 32 * 1024,
        policies: vec![rate(1.0)],
        ..SampleConfig::default()
    });
    let mut sent = 0;
    let mut passed = 0;
    for trace in 1..=200u8 {
        let spans: Vec<Span> = (1..=4u8)
            .map(|id| {
                span(
                    trace,
                    id,
                    vec![KeyValue::new(
                        "payload",
                        format!("{trace}-{id}-").repeat(40),
                    )],
                )
            })
            .collect();
        sent += spans.len();
        passed += s.accept(spans, vec![]).spans.len();
        assert!(s.stats().snapshot().buffered.bytes <= 32 * 1024);
    }
    let snap = s.stats().snapshot();
    assert!(snap.early_decisions > 0);
    assert_eq!(sent as u64, passed as u64 + snap.buffered.spans);
}

/// The probabilistic policy keeps about its share, and decides a trace the same way every time
/// (two samplers agree trace by trace).
#[test]
fn probabilistic_share_is_consistent() {
    let (a, clock_a) = sampler(vec![rate(0.25)]);
    let (b, clock_b) = sampler(vec![rate(0.25)]);
    let spans = |n: u32| -> Vec<Span> {
        (1..=n)
            .map(|i| {
                let mut s = span(1, 1, vec![]);
                let mut id = [0u8; 16];
                id[..4].copy_from_slice(&i.to_be_bytes());
                s.trace_id = TraceId::from_array(id).unwrap();
                s
            })
            .collect()
    };
    a.accept(spans(4000), vec![]);
    b.accept(spans(4000), vec![]);
    clock_a.advance(11 * S);
    clock_b.advance(11 * S);
    let ka: Vec<TraceId> = a.tick().spans.iter().map(|s| s.trace_id).collect();
    let kb: Vec<TraceId> = b.tick().spans.iter().map(|s| s.trace_id).collect();
    assert_eq!(ka, kb);
    // 1,000 expected; 4 standard deviations (√(4000·0.25·0.75) ≈ 27) either side.
    assert!((890..=1110).contains(&ka.len()), "{}", ka.len());
}

/// Buffered spans are held compactly: realistic GenAI traffic (20–30 attributes per span) costs
/// well under 1 KiB per buffered span, so a million spans fit in under 1 GiB.
#[test]
fn buffered_spans_are_compact() {
    use flightdeck_loadgen::{Generator, TrafficConfig};
    let (s, _clock) = sampler(vec![rate(1.0)]);
    let mut generator = Generator::new(TrafficConfig {
        base_time_ns: 1,
        ..TrafficConfig::default()
    });
    let limits = flightdeck_ingest::Limits::default();
    let normalizer = flightdeck_semconv::Normalizer::default();
    for _ in 0..100 {
        let request = generator.request(50);
        let mut spans = flightdeck_ingest::decode::convert_traces(request, &limits).items;
        normalizer.normalize_batch(&mut spans);
        s.accept(spans, vec![]);
    }
    let snap = s.stats().snapshot();
    let per_span = snap.buffered.bytes / snap.buffered.spans;
    assert!(snap.buffered.spans >= 5000);
    assert!(per_span < 1024, "{per_span} bytes per buffered span");
}

/// Invalid settings are refused with the setting named.
#[test]
fn configuration_errors_are_named() {
    let err = |config: SampleConfig| {
        TailSampler::new(&config, Arc::new(ManualClock::default()))
            .unwrap_err()
            .to_string()
    };
    assert!(err(SampleConfig::default()).contains("at least one policy"));
    let e = err(SampleConfig {
        policies: vec![rate(1.5)],
        ..SampleConfig::default()
    });
    assert!(
        e.contains("policies[0] (rest): rate must be between"),
        "{e}"
    );
    let e = err(SampleConfig {
        policies: vec![errors(), errors()],
        ..SampleConfig::default()
    });
    assert!(
        e.contains("policies[1]: the name \"error\" is already used"),
        "{e}"
    );
    let e = err(SampleConfig {
        max_traces: 0,
        policies: vec![errors()],
        ..SampleConfig::default()
    });
    assert!(e.contains("max_traces"), "{e}");
}

/// Policies parse from TOML with their type tag; an unknown key inside a policy is an error that
/// names the key.
#[test]
fn policies_parse_from_toml() {
    #[derive(serde::Deserialize)]
    struct Wrap {
        policies: Vec<PolicyConfig>,
    }
    let w: Wrap = toml::from_str(
        r#"
        [[policies]]
        type = "latency"
        threshold = "5s"
        operations = { chat = "20s" }
        [[policies]]
        type = "probabilistic"
        rate = 0.1
        "#,
    )
    .unwrap();
    assert_eq!(w.policies[0].kind(), "latency");
    assert_eq!(w.policies[1].name(), "probabilistic");
    let e = toml::from_str::<Wrap>("[[policies]]\ntype = \"error\"\nthreshhold = 1\n")
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("threshhold"), "{e}");
}
