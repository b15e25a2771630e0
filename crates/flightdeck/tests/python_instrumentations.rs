//! Real GenAI instrumentation libraries from PyPI — OpenTelemetry's `openai-v2`, OpenLLMetry
//! (Traceloop) and OpenInference — wrap the official `openai` client calling the mock provider,
//! and export into a real `flightdeck serve`. Each dialect must come out as the same canonical
//! model call: operation, provider, model, the usage the provider reported to the client, cost,
//! and the captured messages.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{ServerProcess, python, python_script};
use flightdeck_mockllm::{Behavior, MockLlm};
use serde_json::Value;

/// The mock provider on a free port, served from its own runtime for the test's lifetime.
struct Provider {
    base_url: String,
    _runtime: tokio::runtime::Runtime,
}

fn provider() -> Provider {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let running = runtime.block_on(async {
        MockLlm::builder()
            .with_seed(11)
            .with_defaults(Behavior::instant())
            .build()
            .unwrap()
            .spawn("127.0.0.1:0")
            .await
            .unwrap()
    });
    let base_url = running.openai_base_url();
    // Keep the server task alive with the runtime.
    std::mem::forget(running);
    Provider {
        base_url,
        _runtime: runtime,
    }
}

fn run(server: &ServerProcess, provider: &Provider, library: &str) -> Value {
    let output = Command::new(python())
        .arg(python_script("instrumented_openai.py"))
        .arg(library)
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", &server.otlp_http)
        .env("OPENAI_BASE_URL", &provider.base_url)
        .env("OPENAI_API_KEY", "sk-test")
        .env_remove("OTEL_EXPORTER_OTLP_PROTOCOL")
        .output()
        .expect("failed to run the instrumented Python client");
    assert!(
        output.status.success(),
        "{library}: python failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(result["flushed"], true, "{library}: {result}");
    result
}

/// The trace once its model call has arrived (span batches may land after the root's).
fn model_call(server: &ServerProcess, trace_id: &str) -> (Value, Value) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let trace = server.get(&format!("/api/v1/traces/{trace_id}"));
        let call = trace["spans"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["genai"]["operation"] == "chat")
            .cloned();
        if let Some(call) = call {
            return (trace, call);
        }
        assert!(
            Instant::now() < deadline,
            "no chat span in trace {trace_id}: {trace:#}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// gpt-4o-mini list prices, US dollars per token (input, output).
const GPT_4O_MINI: (f64, f64) = (0.15e-6, 0.60e-6);

/// Each instrumentation's plain and streamed chat calls are normalized to the same canonical
/// model call: the usage the provider reported to the client, the cost of exactly those tokens,
/// the captured messages, and for streams the streaming flag and time to first chunk where the
/// dialect carries them;
/// `flightdeck diagnostics` then names each instrumentation with the dialect it spoke.
#[test]
fn instrumentation_dialects_normalize_to_one_model_call() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), &[]);
    let provider = provider();
    for library in ["openai-v2", "traceloop", "openinference"] {
        let result = run(&server, &provider, library);
        for call in ["plain", "streamed"] {
            let expected = &result[call];
            let (_, span) = model_call(&server, expected["trace_id"].as_str().unwrap());
            let what = format!("{library} {call}: {span:#}");
            let genai = &span["genai"];
            assert_eq!(genai["operation"], "chat", "{what}");
            assert_eq!(genai["provider"], "openai", "{what}");
            assert_eq!(genai["request_model"], "gpt-4o-mini", "{what}");
            assert_eq!(genai["response_model"], "gpt-4o-mini", "{what}");
            let input = expected["input_tokens"].as_u64().unwrap();
            let output = expected["output_tokens"].as_u64().unwrap();
            assert_eq!(genai["usage"]["input_tokens"], input, "{what}");
            assert_eq!(genai["usage"]["output_tokens"], output, "{what}");
            let cost = input as f64 * GPT_4O_MINI.0 + output as f64 * GPT_4O_MINI.1;
            let total = genai["cost"]["total"].as_f64().unwrap();
            assert!(
                (total - cost).abs() < 1e-12,
                "cost {total} != {cost}: {what}"
            );
            assert_eq!(genai["cost"]["priced_as"], "openai/gpt-4o-mini", "{what}");
            if call == "plain" || library != "openai-v2" {
                // OpenTelemetry's own instrumentation leaves finish reasons, the streaming flag
                // and time to first chunk off its streamed spans.
                assert_eq!(
                    genai["finish_reasons"][0], expected["finish_reason"],
                    "{what}"
                );
            }
            // The captured messages, whichever way the dialect carried them (attributes,
            // indexed attributes, log events), come back in the canonical shape.
            let detail = server.get(&format!(
                "/api/v1/traces/{}/spans/{}",
                expected["trace_id"].as_str().unwrap(),
                span["span_id"].as_str().unwrap()
            ));
            let content = &detail["content"];
            let texts = |messages: &Value| -> Vec<String> {
                messages
                    .as_array()
                    .into_iter()
                    .flatten()
                    .flat_map(|m| m["parts"].as_array().into_iter().flatten())
                    .filter_map(|p| p["content"].as_str().map(str::to_owned))
                    .collect()
            };
            let input = texts(&content["input_messages"]);
            assert!(
                input.iter().any(|t| t == "What is the capital of France?"),
                "user message missing: {content:#} ({what})"
            );
            let system: Vec<String> = content["system_instructions"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|p| p["content"].as_str().map(str::to_owned))
                .chain(input.iter().cloned())
                .collect();
            assert!(
                system
                    .iter()
                    .any(|t| t == "You answer in one short sentence."),
                "system instruction missing: {content:#} ({what})"
            );
            assert_eq!(
                texts(&content["output_messages"]).concat(),
                expected["answer"].as_str().unwrap(),
                "answer: {content:#} ({what})"
            );
            if call == "streamed" && library != "openai-v2" {
                assert_eq!(genai["streaming"], true, "{what}");
                let ttfc = genai["time_to_first_chunk"].as_f64().unwrap();
                let duration = (span["end_ns"].as_u64().unwrap()
                    - span["start_ns"].as_u64().unwrap()) as f64
                    / 1e9;
                assert!(ttfc > 0.0 && ttfc <= duration, "ttfc {ttfc}: {what}");
            }
        }
    }

    // The diagnostics command names each instrumentation and the dialect it spoke.
    let output = Command::new(env!("CARGO_BIN_EXE_flightdeck"))
        .args(["diagnostics", "--api", &server.api])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{text}");
    for (scope, dialect) in [
        ("opentelemetry.util.genai.handler", "otel_current"),
        ("opentelemetry.instrumentation.openai.v1", "openllmetry"),
        ("openinference.instrumentation.openai", "openinference"),
    ] {
        let row = text
            .lines()
            .find(|l| l.contains(scope))
            .unwrap_or_else(|| panic!("no row for {scope}:\n{text}"));
        assert!(
            row.contains(dialect),
            "{scope} should show {dialect}: {row}"
        );
    }
    assert!(
        text.lines()
            .any(|l| l.contains("openinference.instrumentation.openai")
                && l.contains("dialect.non_otel")),
        "{text}"
    );
}
