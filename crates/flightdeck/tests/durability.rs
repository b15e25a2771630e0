//! Durability and concurrency with a real `flightdeck serve` process and a real DuckDB file:
//! acknowledged spans survive `kill -9`, SIGTERM flushes and exits cleanly, and concurrent
//! exporters' spans are each stored exactly once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::ServerProcess;
use flightdeck_loadgen::{Generator, TrafficConfig, span_count};
use flightdeck_store::StoreConfig;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message as _;

fn post(server: &ServerProcess, request: &ExportTraceServiceRequest) {
    let r = reqwest::blocking::Client::new()
        .post(format!("{}/v1/traces", server.otlp_http))
        .header("content-type", "application/x-protobuf")
        .body(request.encode_to_vec())
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
}

fn stored(server: &ServerProcess) -> u64 {
    server.get("/api/v1/stats")["store"]["spans"]
        .as_u64()
        .unwrap()
}

/// Counts (rows, distinct span ids) straight from the database file, with DuckDB itself.
fn count_in_file(dir: &std::path::Path) -> (i64, i64) {
    let path = StoreConfig::new(dir).database_path();
    let conn = duckdb::Connection::open(path).unwrap();
    conn.query_row(
        "SELECT count(*), count(DISTINCT (trace_id, span_id)) FROM spans",
        [],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )
    .unwrap()
}

/// Every span acknowledged with 200 is there after `kill -9` and a restart.
#[test]
fn acknowledged_spans_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), &[]);
    let mut generator = Generator::new(TrafficConfig::default());
    let mut sent = 0;
    let mut last_trace = None;
    for _ in 0..50 {
        let request = generator.request(20);
        sent += span_count(&request) as u64;
        last_trace = Some(const_hex::encode(
            &request.resource_spans[0].scope_spans[0].spans[0].trace_id,
        ));
        post(&server, &request);
    }
    server.kill_hard(); // right after the last 200, no flush

    let server = ServerProcess::start(dir.path(), &[]);
    assert_eq!(stored(&server), sent);
    let trace = server.get(&format!("/api/v1/traces/{}", last_trace.unwrap()));
    assert!(trace["span_count"].as_u64().unwrap() >= 1);
}

/// SIGTERM: in-flight data is flushed, the process exits 0 and logs one clean line; a restart
/// finds everything.
#[test]
fn sigterm_flushes_and_exits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), &[]);
    let request = Generator::new(TrafficConfig::default()).request(100);
    post(&server, &request);
    let (status, log) = server.terminate();
    assert!(status.success(), "exit {status:?}\n{log}");
    assert!(log.contains("stopped cleanly"), "{log}");
    let server = ServerProcess::start(dir.path(), &[]);
    assert_eq!(stored(&server), span_count(&request) as u64);
}

/// 8 concurrent exporters × 10,000 spans: every span stored exactly once (counted by span id in
/// the database file).
#[test]
fn concurrent_exporters_store_each_span_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), &[]);
    let handles: Vec<_> = (0..8u64)
        .map(|w| {
            let url = format!("{}/v1/traces", server.otlp_http);
            std::thread::spawn(move || {
                let client = reqwest::blocking::Client::new();
                let mut generator = Generator::new(TrafficConfig {
                    seed: 100 + w,
                    min_spans: 10,
                    max_spans: 10,
                    ..TrafficConfig::default()
                });
                let mut sent = 0u64;
                while sent < 10_000 {
                    let request = generator.request(50);
                    let n = span_count(&request) as u64;
                    loop {
                        let r = client
                            .post(&url)
                            .header("content-type", "application/x-protobuf")
                            .body(request.encode_to_vec())
                            .send()
                            .unwrap();
                        match r.status().as_u16() {
                            200 => break,
                            429 | 503 => std::thread::sleep(std::time::Duration::from_millis(50)),
                            other => panic!("unexpected status {other}"),
                        }
                    }
                    sent += n;
                }
                sent
            })
        })
        .collect();
    let sent: u64 = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(sent, 80_000);
    let (status, _) = server.terminate();
    assert!(status.success());
    let (rows, distinct) = count_in_file(dir.path());
    assert_eq!(rows, 80_000);
    assert_eq!(distinct, 80_000);
}
