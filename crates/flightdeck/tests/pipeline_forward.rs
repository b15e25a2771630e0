//! Flightdeck as a GenAI-aware collector in front of another backend: a `flightdeck serve` with
//! tail sampling forwards over OTLP/gRPC to a second `flightdeck serve`. Every error trace arrives
//! complete, the configured share of the rest arrives, nothing else does, and every trace is
//! accounted for in the counters.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use common::ServerProcess;
use flightdeck_loadgen::{Generator, TrafficConfig};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message as _;
use serde_json::Value;

const TRACES: usize = 400;
const RATE: f64 = 0.25;

fn post(server: &ServerProcess, request: &ExportTraceServiceRequest) {
    let r = reqwest::blocking::Client::new()
        .post(format!("{}/v1/traces", server.otlp_http))
        .header("content-type", "application/x-protobuf")
        .body(request.encode_to_vec())
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Requests holding at least `TRACES` whole traces; every fifth trace gets an error span. Returns the
/// requests and, per trace id, (span count, has an error).
fn traffic() -> (
    Vec<ExportTraceServiceRequest>,
    BTreeMap<String, (u64, bool)>,
) {
    let mut generator = Generator::new(TrafficConfig {
        seed: 42,
        min_spans: 3,
        max_spans: 8,
        ..TrafficConfig::default()
    });
    let mut requests = Vec::new();
    let mut traces: BTreeMap<String, (u64, bool)> = BTreeMap::new();
    let mut order = 0usize;
    while traces.len() < TRACES {
        let mut request = generator.request(20);
        for rs in &mut request.resource_spans {
            for ss in &mut rs.scope_spans {
                for span in &mut ss.spans {
                    let id = const_hex::encode(&span.trace_id);
                    if !traces.contains_key(&id) {
                        order += 1;
                        traces.insert(id.clone(), (0, false));
                        if order.is_multiple_of(5) {
                            span.status = Some(opentelemetry_proto::tonic::trace::v1::Status {
                                code: 2,
                                message: "failed".into(),
                            });
                        }
                    }
                    let entry = traces.get_mut(&id).unwrap();
                    entry.0 += 1;
                    entry.1 |= span.status.as_ref().is_some_and(|s| s.code == 2);
                }
            }
        }
        requests.push(request);
    }
    (requests, traces)
}

fn trace_spans(server: &ServerProcess, id: &str) -> Option<u64> {
    let r = reqwest::blocking::get(format!("{}/api/v1/traces/{id}", server.api)).unwrap();
    match r.status().as_u16() {
        200 => Some(r.json::<Value>().unwrap()["span_count"].as_u64().unwrap()),
        404 => None,
        other => panic!("unexpected status {other}"),
    }
}

/// Sampling keeps all error traces and the configured share of the rest, forwards exactly those
/// (complete) to the second server, stores the same ones locally, and counts every decision.
#[test]
fn sampled_stream_is_forwarded_to_a_second_flightdeck() {
    let downstream_dir = tempfile::tempdir().unwrap();
    let downstream = ServerProcess::start(downstream_dir.path(), &[]);

    let front_dir = tempfile::tempdir().unwrap();
    let config = front_dir.path().join("flightdeck.toml");
    std::fs::write(
        &config,
        format!(
            r#"
            [pipeline.sample]
            decision_wait = "1s"
            tick_interval = "50ms"
            [[pipeline.sample.policies]]
            name = "errors"
            type = "error"
            [[pipeline.sample.policies]]
            name = "rest"
            type = "probabilistic"
            rate = {RATE}

            [[pipeline.forward]]
            name = "downstream"
            endpoint = "http://{}"
            protocol = "grpc"
            batch_delay = "100ms"
            "#,
            downstream.grpc
        ),
    )
    .unwrap();
    let data = front_dir.path().join("data");
    let front = ServerProcess::start(&data, &["--config", config.to_str().unwrap()]);
    assert!(
        front
            .log()
            .contains("pipeline: normalize → enrich → redact → sample (2 policies, 1s window) → store + forward to downstream (grpc)"),
        "{}",
        front.log()
    );

    let (requests, traces) = traffic();
    for request in &requests {
        post(&front, request);
    }
    let total_spans: u64 = traces.values().map(|(n, _)| n).sum();

    // Wait until every trace is decided and the destination has everything that was kept.
    wait_for("all decisions and deliveries", || {
        let p = front.get("/api/v1/pipeline");
        let sampler = &p["sampler"];
        let forwarder = &p["forwarders"][0];
        sampler["decisions"].as_u64() == Some(traces.len() as u64)
            && forwarder["queued_items"] == 0
            && forwarder["spans_sent"] == sampler["kept"]["spans"]
    });
    let p = front.get("/api/v1/pipeline");
    let sampler = &p["sampler"];
    let kept_spans = sampler["kept"]["spans"].as_u64().unwrap();
    assert_eq!(
        kept_spans + sampler["dropped"]["spans"].as_u64().unwrap(),
        total_spans
    );
    assert_eq!(sampler["buffered"]["traces"], 0);
    assert_eq!(sampler["early_decisions"], 0);
    assert_eq!(p["forwarders"][0]["dropped"]["queue_full"], 0);
    assert_eq!(p["forwarders"][0]["dropped"]["failed"], 0);
    wait_for("the downstream store", || {
        downstream.get("/api/v1/stats")["store"]["spans"].as_u64() == Some(kept_spans)
    });
    assert_eq!(
        front.get("/api/v1/stats")["store"]["spans"].as_u64(),
        Some(kept_spans)
    );

    let mut kept_rest = 0;
    let mut kept_ids = BTreeSet::new();
    let errors = traces.values().filter(|(_, e)| *e).count();
    for (id, (spans, error)) in &traces {
        let downstream_spans = trace_spans(&downstream, id);
        if *error {
            assert_eq!(
                downstream_spans,
                Some(*spans),
                "error trace {id} must arrive whole"
            );
        }
        if let Some(n) = downstream_spans {
            assert_eq!(n, *spans, "trace {id} must arrive whole");
            kept_ids.insert(id.clone());
            if !error {
                kept_rest += 1;
            }
        }
        assert_eq!(
            trace_spans(&front, id),
            downstream_spans,
            "front and downstream agree on {id}"
        );
    }
    let rest = traces.len() - errors;
    // 25% of the rest, within 4 standard deviations (√(320·0.25·0.75) ≈ 7.7).
    let expected = rest as f64 * RATE;
    assert!(
        (kept_rest as f64 - expected).abs() <= 31.0,
        "kept {kept_rest} of {rest} non-error traces, expected about {expected}"
    );
    let policies = sampler["policies"].as_array().unwrap();
    assert_eq!(policies[0]["name"], "errors");
    assert_eq!(policies[0]["kept"]["traces"].as_u64(), Some(errors as u64));
    assert_eq!(
        policies[1]["kept"]["traces"].as_u64(),
        Some(kept_rest as u64)
    );
    assert_eq!(
        policies[1]["dropped"]["traces"].as_u64(),
        Some((rest - kept_rest) as u64)
    );
    assert_eq!(kept_ids.len(), errors + kept_rest);

    let (status, log) = front.terminate();
    assert!(status.success(), "{log}");
}
