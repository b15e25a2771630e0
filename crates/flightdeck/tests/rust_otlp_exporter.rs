//! The Rust `opentelemetry-otlp` exporter (gRPC with gzip, HTTP/protobuf, HTTP/JSON) sends spans
//! and log records into a real `flightdeck serve`; they are read back through the API.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::ServerProcess;
use opentelemetry::logs::{LogRecord as _, Logger as _, LoggerProvider as _};
use opentelemetry::trace::{
    Span as _, SpanKind, TraceContextExt as _, Tracer as _, TracerProvider as _,
};
use opentelemetry::{Context, KeyValue};
use opentelemetry_otlp::{
    LogExporter, Protocol, SpanExporter, WithExportConfig as _, WithTonicConfig as _,
};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::logs::SdkLoggerProvider;
use opentelemetry_sdk::trace::SdkTracerProvider;

fn emit(service: &str, spans: SpanExporter, logs: LogExporter) -> (String, String) {
    let resource = Resource::builder()
        .with_service_name(service.to_owned())
        .build();
    let tracer_provider = SdkTracerProvider::builder()
        .with_batch_exporter(spans)
        .with_resource(resource.clone())
        .build();
    let logger_provider = SdkLoggerProvider::builder()
        .with_batch_exporter(logs)
        .with_resource(resource)
        .build();
    let tracer = tracer_provider.tracer("flightdeck.e2e.rust");
    let logger = logger_provider.logger("flightdeck.e2e.rust");

    let root = tracer
        .span_builder("agent run")
        .with_kind(SpanKind::Server)
        .start(&tracer);
    let cx = Context::current_with_span(root);
    let mut chat = tracer
        .span_builder("chat claude-sonnet-4-5")
        .with_kind(SpanKind::Client)
        .with_attributes(vec![
            KeyValue::new("gen_ai.operation.name", "chat"),
            KeyValue::new("gen_ai.provider.name", "anthropic"),
            KeyValue::new("gen_ai.request.model", "claude-sonnet-4-5"),
        ])
        .start_with_context(&tracer, &cx);
    chat.set_attribute(KeyValue::new("gen_ai.usage.input_tokens", 1200));
    chat.set_attribute(KeyValue::new("gen_ai.usage.cache_read.input_tokens", 1000));
    chat.set_attribute(KeyValue::new("gen_ai.usage.output_tokens", 300));
    let chat_cx = chat.span_context().clone();
    let mut record = logger.create_log_record();
    record.set_event_name("gen_ai.client.inference.operation.details");
    record.set_body("details".into());
    record.set_trace_context(
        chat_cx.trace_id(),
        chat_cx.span_id(),
        Some(chat_cx.trace_flags()),
    );
    logger.emit(record);
    chat.end();
    let trace_id = cx.span().span_context().trace_id().to_string();
    cx.span().end();

    tracer_provider.force_flush().unwrap();
    logger_provider.force_flush().unwrap();
    tracer_provider.shutdown().unwrap();
    logger_provider.shutdown().unwrap();
    (trace_id, chat_cx.span_id().to_string())
}

fn check(server: &ServerProcess, trace_id: &str, chat_span: &str, service: &str) {
    let trace = server.get(&format!("/api/v1/traces/{trace_id}"));
    assert_eq!(trace["span_count"], 2, "{service}: {trace}");
    assert_eq!(trace["services"][0], service);
    let chat = trace["spans"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["span_id"] == chat_span)
        .unwrap();
    assert_eq!(chat["genai"]["provider"], "anthropic");
    assert_eq!(chat["genai"]["usage"]["cache_read_input_tokens"], 1000);
    assert_eq!(chat["depth"], 1);
    let logs = trace["logs"].as_array().unwrap();
    assert_eq!(logs.len(), 1, "{service}");
    assert_eq!(
        logs[0]["event_name"],
        "gen_ai.client.inference.operation.details"
    );
    assert_eq!(logs[0]["span_id"], chat_span);
}

/// gRPC (gzip), HTTP/protobuf and HTTP/JSON from the Rust SDK all land, logs joined to spans.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_exporter_over_grpc_and_http() {
    let dir = tempfile::tempdir().unwrap();
    let server = tokio::task::spawn_blocking({
        let path = dir.path().to_owned();
        move || ServerProcess::start(&path, &[])
    })
    .await
    .unwrap();

    let grpc = format!("http://{}", server.grpc);
    let spans = SpanExporter::builder()
        .with_tonic()
        .with_endpoint(&grpc)
        .with_compression(opentelemetry_otlp::Compression::Gzip)
        .build()
        .unwrap();
    let logs = LogExporter::builder()
        .with_tonic()
        .with_endpoint(&grpc)
        .build()
        .unwrap();
    let (trace_id, chat) = emit("rust-grpc", spans, logs);

    let mut results = vec![(trace_id, chat, "rust-grpc")];
    for (protocol, service) in [
        (Protocol::HttpBinary, "rust-http-proto"),
        (Protocol::HttpJson, "rust-http-json"),
    ] {
        let base = server.otlp_http.clone();
        let out = tokio::task::spawn_blocking(move || {
            let spans = SpanExporter::builder()
                .with_http()
                .with_protocol(protocol)
                .with_endpoint(format!("{base}/v1/traces"))
                .build()
                .unwrap();
            let logs = LogExporter::builder()
                .with_http()
                .with_protocol(protocol)
                .with_endpoint(format!("{base}/v1/logs"))
                .build()
                .unwrap();
            emit(service, spans, logs)
        })
        .await
        .unwrap();
        results.push((out.0, out.1, service));
    }
    tokio::task::spawn_blocking(move || {
        for (trace_id, chat, service) in results {
            check(&server, &trace_id, &chat, service);
        }
    })
    .await
    .unwrap();
}
