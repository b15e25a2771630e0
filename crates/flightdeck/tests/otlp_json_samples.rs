//! OTLP/JSON exactly as real instrumentation libraries produced it (the captured samples), posted
//! to a real `flightdeck serve`: every span and log record is stored and readable.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::ServerProcess;
use serde_json::Value;

fn post_json(server: &ServerProcess, signal: &str, body: Vec<u8>, gzip: bool) -> Value {
    let mut request = reqwest::blocking::Client::new()
        .post(format!("{}/v1/{signal}", server.otlp_http))
        .header("content-type", "application/json");
    let body = if gzip {
        use std::io::Write as _;
        request = request.header("content-encoding", "gzip");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(&body).unwrap();
        enc.finish().unwrap()
    } else {
        body
    };
    let r = request.body(body).send().unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/json");
    r.json().unwrap()
}

/// Each captured traces/logs/metrics file is accepted in full, with and without gzip.
#[test]
fn captured_samples_are_accepted_and_queryable() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), &[]);
    let samples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/samples");
    let mut files: Vec<_> = std::fs::read_dir(&samples)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let (mut spans, mut logs, mut traces) = (0u64, 0u64, Vec::new());
    for (i, path) in files.iter().enumerate() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let signal = if name.ends_with(".traces.json") {
            "traces"
        } else if name.ends_with(".logs.json") {
            "logs"
        } else if name.ends_with("metrics.json") {
            "metrics"
        } else {
            continue; // console.json: the same spans in the Python console format
        };
        let body = std::fs::read(path).unwrap();
        let doc: Value = serde_json::from_slice(&body).unwrap();
        let response = post_json(&server, signal, body, i % 2 == 0);
        assert!(
            response.get("partialSuccess").is_none_or(Value::is_null),
            "{name}: {response}"
        );
        match signal {
            "traces" => {
                for rs in doc["resourceSpans"].as_array().unwrap() {
                    for ss in rs["scopeSpans"].as_array().unwrap() {
                        for span in ss["spans"].as_array().unwrap() {
                            spans += 1;
                            traces.push(span["traceId"].as_str().unwrap().to_owned());
                        }
                    }
                }
            }
            "logs" => {
                for rl in doc["resourceLogs"].as_array().unwrap() {
                    for sl in rl["scopeLogs"].as_array().unwrap() {
                        logs += sl["logRecords"].as_array().unwrap().len() as u64;
                    }
                }
            }
            _ => {}
        }
    }
    assert!(spans > 30, "{spans}");
    let stats = server.get("/api/v1/stats");
    assert_eq!(stats["store"]["spans"], spans);
    assert_eq!(stats["store"]["logs"], logs);
    assert!(
        stats["ingest"]["metric_points"]["accepted"]
            .as_u64()
            .unwrap()
            > 0
    );
    for trace_id in traces {
        let trace = server.get(&format!("/api/v1/traces/{trace_id}"));
        assert!(trace["span_count"].as_u64().unwrap() >= 1);
    }
    // The captured sample of the current conventions, read back with its GenAI fields.
    let body = std::fs::read(samples.join("contrib-openai-v2-latest__chat.traces.json")).unwrap();
    let doc: Value = serde_json::from_slice(&body).unwrap();
    let trace_id = doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["traceId"]
        .as_str()
        .unwrap();
    let trace = server.get(&format!("/api/v1/traces/{trace_id}"));
    let g = &trace["spans"][0]["genai"];
    assert_eq!(g["request_model"], "gpt-4o-mini");
    assert_eq!(g["usage"]["input_tokens"], 21);
    assert_eq!(g["usage"]["output_tokens"], 8);
}
