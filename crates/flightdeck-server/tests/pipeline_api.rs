//! `GET /api/v1/pipeline` over real pipeline components (a redactor that redacted something, a
//! tail sampler holding a trace), called without a socket.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use axum::http::StatusCode;
use flightdeck_model::*;
use flightdeck_pipeline::sample::{Action, ManualClock, PolicyConfig, SampleConfig};
use flightdeck_pipeline::{PipelineStats, Processor, RedactConfig, Redactor, TailSampler};
use flightdeck_server::AppState;
use serde_json::json;

mod support;
use support::get;

fn span(attributes: Vec<KeyValue>) -> Span {
    Span {
        trace_id: TraceId::from_array([7; 16]).unwrap(),
        span_id: SpanId::from_array([1; 8]).unwrap(),
        parent_span_id: None,
        trace_state: String::new(),
        flags: 0,
        name: "chat".into(),
        kind: SpanKind::Client,
        start_time_unix_nano: 1,
        end_time_unix_nano: 2,
        attributes: attributes.into_iter().collect(),
        dropped_attributes_count: 0,
        events: vec![],
        dropped_events_count: 0,
        links: vec![],
        dropped_links_count: 0,
        status: Status::default(),
        resource: Arc::default(),
        scope: Arc::default(),
        genai: GenAi::default(),
    }
}

/// State over a fresh, empty store with an empty pipeline.
fn state(dir: &tempfile::TempDir) -> AppState {
    support::state_with(dir, &[])
}

/// The endpoint shows redactions per rule, the sampler's buffer and per-policy decisions, and
/// `store`; unknown parameters are rejected.
#[tokio::test]
async fn pipeline_counters_are_exposed() {
    let dir = tempfile::tempdir().unwrap();
    let redactor = Redactor::new(&RedactConfig::default()).unwrap();
    let mut spans = vec![span(vec![KeyValue::new("user.contact", "a@example.com")])];
    redactor.process_spans(&mut spans);
    let sampler = TailSampler::new(
        &SampleConfig {
            policies: vec![PolicyConfig::Error {
                name: Some("errors".into()),
                action: Action::Keep,
            }],
            ..SampleConfig::default()
        },
        Arc::new(ManualClock::default()),
    )
    .unwrap();
    sampler.accept(spans, vec![]);
    let state = AppState {
        pipeline: PipelineStats::new(
            vec![Arc::new(redactor)],
            Some(Arc::new(sampler)),
            vec![],
            true,
        ),
        ..state(&dir)
    };
    let (status, body) = get(&state, "/api/v1/pipeline").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["store"], json!(true));
    assert_eq!(body["processors"][0]["name"], "redact");
    let redactions = body["processors"][0]["stats"]["redactions"]
        .as_array()
        .unwrap();
    let email = redactions.iter().find(|r| r["rule"] == "email").unwrap();
    assert_eq!(email["count"], 1);
    assert_eq!(body["processors"][0]["stats"]["spans_redacted"], 1);
    let sampler = &body["sampler"];
    assert_eq!(sampler["decision_wait_ms"], 10_000);
    assert_eq!(sampler["buffered"]["traces"], 1);
    assert_eq!(sampler["buffered"]["spans"], 1);
    assert!(sampler["buffered"]["bytes"].as_u64().unwrap() > 0);
    assert_eq!(sampler["policies"][0]["name"], "errors");
    assert_eq!(sampler["policies"][0]["type"], "error");
    assert_eq!(sampler["policies"][1]["name"], "unmatched");
    assert_eq!(body["forwarders"], json!([]));

    let (status, body) = get(&state, "/api/v1/pipeline?verbose=1").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("verbose")
    );
}

/// Without a runner (default stats) the endpoint answers with an empty pipeline.
#[tokio::test]
async fn empty_pipeline() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(&dir);
    let (status, body) = get(&state, "/api/v1/pipeline").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({"store": false, "processors": [], "sampler": null, "forwarders": []})
    );
}
