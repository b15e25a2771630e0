//! The OpenTelemetry Python SDK (from PyPI) exports into a real `flightdeck serve` over gRPC and
//! HTTP/protobuf, with and without gzip, configured only by OTEL_* variables; spans, GenAI fields
//! and correlated log records are then read back through the API.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;

use common::{ServerProcess, python, python_script};
use serde_json::Value;

fn export(server: &ServerProcess, protocol: &str, compression: &str, service: &str) -> Value {
    let endpoint = match protocol {
        "grpc" => format!("http://{}", server.grpc),
        _ => server.otlp_http.clone(),
    };
    let mut command = Command::new(python());
    command
        .arg(python_script("export_spans.py"))
        .arg(if protocol == "grpc" { "grpc" } else { "http" })
        .arg(service)
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
        .env("OTEL_EXPORTER_OTLP_INSECURE", "true");
    if compression != "none" {
        command.env("OTEL_EXPORTER_OTLP_COMPRESSION", compression);
    }
    let output = command.output().expect("failed to run the Python exporter");
    assert!(
        output.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        result["flushed"],
        true,
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    result
}

/// Every transport and compression combination delivers the whole trace and its log record.
#[test]
fn python_sdk_exports_over_every_transport() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), &[]);
    for (protocol, compression) in [
        ("grpc", "none"),
        ("grpc", "gzip"),
        ("http/protobuf", "none"),
        ("http/protobuf", "gzip"),
    ] {
        let service = format!("py-{}-{compression}", protocol.replace('/', "-"));
        let exported = export(&server, protocol, compression, &service);
        let trace_id = exported["trace_id"].as_str().unwrap();
        let trace = server.get(&format!("/api/v1/traces/{trace_id}"));
        let spans = trace["spans"].as_array().unwrap();
        assert_eq!(spans.len(), 3, "{protocol} {compression}");
        assert_eq!(spans[0]["name"], "POST /ask");
        assert_eq!(spans[0]["depth"], 0);
        assert_eq!(spans[0]["children"].as_array().unwrap().len(), 2);
        assert_eq!(trace["services"][0], service.as_str());

        let chat = spans
            .iter()
            .find(|s| s["name"] == "chat gpt-4o-mini")
            .unwrap();
        assert_eq!(chat["kind"], "client");
        assert_eq!(chat["depth"], 1);
        assert_eq!(chat["genai"]["operation"], "chat");
        assert_eq!(chat["genai"]["provider"], "openai");
        assert_eq!(chat["genai"]["response_model"], "gpt-4o-mini-2024-07-18");
        assert_eq!(chat["genai"]["usage"]["input_tokens"], 21);
        assert_eq!(chat["genai"]["usage"]["output_tokens"], 8);
        assert_eq!(chat["genai"]["finish_reasons"][0], "stop");
        assert_eq!(chat["attributes"]["gen_ai.usage.input_tokens"], 21);

        let tool = spans
            .iter()
            .find(|s| s["name"] == "execute_tool get_weather")
            .unwrap();
        assert_eq!(tool["status"]["code"], "error");
        assert_eq!(tool["genai"]["error_type"], "TimeoutError");

        let logs = trace["logs"].as_array().unwrap();
        assert_eq!(logs.len(), 1, "{protocol} {compression}: {trace}");
        assert_eq!(logs[0]["span_id"], exported["log_span_id"]);
        assert_eq!(logs[0]["body"], "model answered");

        let found = server.get(&format!(
            "/api/v1/traces?service={service}&model=gpt-4o-mini"
        ));
        assert_eq!(found["traces"][0]["trace_id"], trace_id);
    }
    let stats = server.get("/api/v1/stats");
    assert_eq!(stats["ingest"]["spans"]["accepted"], 12);
    assert_eq!(stats["ingest"]["logs"]["accepted"], 4);
}
