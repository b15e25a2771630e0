//! Metric names, units, buckets and attributes through the SDK's in-memory metric exporter.

use std::collections::BTreeSet;

use flightdeck_sdk::opentelemetry::Value;
use flightdeck_sdk::testing::{MetricPoint, TestTelemetry};
use flightdeck_sdk::{GenAi, ModalityTokens, Usage};

fn s(v: &str) -> Value {
    Value::String(v.to_owned().into())
}

fn keys(p: &MetricPoint) -> BTreeSet<&str> {
    p.attributes.keys().map(String::as_str).collect()
}

fn genai(t: &TestTelemetry, legacy: bool) -> GenAi {
    t.genai()
        .with_provider("openai")
        .with_server("api.openai.com", 443)
        .with_legacy_metrics(legacy)
        .build()
}

const D: [f64; 14] = [
    0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];
const T: [f64; 14] = [
    1.0, 4.0, 16.0, 64.0, 256.0, 1024.0, 4096.0, 16384.0, 65536.0, 262144.0, 1048576.0, 4194304.0,
    16777216.0, 67108864.0,
];

/// A successful chat records the inference duration (s, duration buckets), token histograms
/// (`{token}`, token buckets) and counters split by modality, with exactly the low-cardinality
/// common attributes and nothing else; no legacy names.
#[test]
fn inference_metrics() {
    let t = TestTelemetry::new();
    let genai = genai(&t, false);
    let mut call = genai.chat("gpt-4o-mini").start();
    call.set_response_id("chatcmpl-high-cardinality");
    call.set_response_model("gpt-4o-mini-2024-07-18");
    call.record_usage(Usage {
        input_modalities: ModalityTokens {
            text: Some(1000),
            image: Some(200),
            audio: None,
        },
        ..Usage::new(1200, 300)
            .with_cache_read(1000)
            .with_reasoning(50)
    });
    call.end();

    let common: BTreeSet<&str> = [
        "gen_ai.operation.name",
        "gen_ai.provider.name",
        "gen_ai.request.model",
        "gen_ai.response.model",
        "server.address",
        "server.port",
    ]
    .into();

    let duration = t.metric("gen_ai.client.inference.duration");
    assert_eq!(duration.len(), 1);
    assert_eq!(duration[0].unit, "s");
    assert_eq!(duration[0].bounds, D.to_vec());
    assert_eq!(duration[0].count, 1);
    assert_eq!(keys(&duration[0]), common);
    assert_eq!(
        duration[0].attribute("gen_ai.operation.name"),
        Some(&s("chat"))
    );
    assert_eq!(duration[0].attribute("server.port"), Some(&Value::I64(443)));

    let input_hist = t.metric("gen_ai.client.inference.operation.input_tokens");
    assert_eq!(input_hist.len(), 1);
    assert_eq!(input_hist[0].unit, "{token}");
    assert_eq!(input_hist[0].bounds, T.to_vec());
    assert_eq!(input_hist[0].sum, 1200.0);
    assert_eq!(keys(&input_hist[0]), common);
    let output_hist = t.metric("gen_ai.client.inference.operation.output_tokens");
    assert_eq!(output_hist[0].sum, 300.0);

    // Input counter: text 1000 + image 200 = 1200, no `unknown` remainder.
    let mut input = t.metric("gen_ai.client.inference.usage.input_tokens");
    input.sort_by_key(|p| p.attribute("gen_ai.token.modality").map(|v| v.to_string()));
    assert_eq!(input.len(), 2);
    assert_eq!(
        input[0].attribute("gen_ai.token.modality"),
        Some(&s("image"))
    );
    assert_eq!(input[0].sum, 200.0);
    assert_eq!(
        input[1].attribute("gen_ai.token.modality"),
        Some(&s("text"))
    );
    assert_eq!(input[1].sum, 1000.0);
    assert_eq!(input[0].unit, "{token}");
    let mut with_modality = common.clone();
    with_modality.insert("gen_ai.token.modality");
    assert_eq!(keys(&input[0]), with_modality);

    let output = t.metric("gen_ai.client.inference.usage.output_tokens");
    assert_eq!(output.len(), 1);
    assert_eq!(
        output[0].attribute("gen_ai.token.modality"),
        Some(&s("unknown"))
    );
    assert_eq!(output[0].sum, 300.0);
    assert_eq!(
        t.metric("gen_ai.client.inference.usage.cache_read.input_tokens")[0].sum,
        1000.0
    );
    assert_eq!(
        t.metric("gen_ai.client.inference.usage.reasoning.output_tokens")[0].sum,
        50.0
    );
    assert!(
        t.metric("gen_ai.client.inference.usage.cache_write.input_tokens")
            .is_empty()
    );
    for legacy in [
        "gen_ai.client.token.usage",
        "gen_ai.client.operation.duration",
        "gen_ai.client.operation.time_to_first_chunk",
    ] {
        assert!(
            t.metric(legacy).is_empty(),
            "{legacy} emitted without opt-in"
        );
    }
    for p in t.metric_points() {
        assert!(
            !p.attributes
                .values()
                .any(|v| v.as_str() == "chatcmpl-high-cardinality"),
            "response id leaked into {}",
            p.name
        );
    }
}

/// A failed call adds `error.type` to the duration but not to the usage counters, which
/// still count the request (0 tokens, modality `unknown`); no token histograms without usage.
#[test]
fn failed_inference_metrics() {
    let t = TestTelemetry::new();
    let genai = genai(&t, false);
    let mut call = genai.chat("gpt-4o").start();
    call.set_error("context_length_exceeded", "too long");
    call.end();
    let duration = t.metric("gen_ai.client.inference.duration");
    assert_eq!(
        duration[0].attribute("error.type"),
        Some(&s("context_length_exceeded"))
    );
    let input = t.metric("gen_ai.client.inference.usage.input_tokens");
    assert_eq!(input.len(), 1);
    assert_eq!(input[0].sum, 0.0);
    assert_eq!(
        input[0].attribute("gen_ai.token.modality"),
        Some(&s("unknown"))
    );
    assert_eq!(input[0].attribute("error.type"), None);
    assert!(
        t.metric("gen_ai.client.inference.operation.input_tokens")
            .is_empty()
    );
}

/// With the legacy opt-in, the v1.41 names are emitted too: `gen_ai.client.token.usage` with
/// `gen_ai.token.type`, and `gen_ai.client.operation.duration` for inference.
#[test]
fn legacy_metrics_opt_in() {
    let t = TestTelemetry::new();
    let genai = genai(&t, true);
    let mut call = genai.chat("gpt-4o").start();
    call.record_usage(Usage::new(7, 3));
    call.end();
    let mut usage = t.metric("gen_ai.client.token.usage");
    usage.sort_by_key(|p| p.attribute("gen_ai.token.type").map(|v| v.to_string()));
    assert_eq!(usage.len(), 2);
    assert_eq!(usage[0].attribute("gen_ai.token.type"), Some(&s("input")));
    assert_eq!(usage[0].sum, 7.0);
    assert_eq!(usage[1].attribute("gen_ai.token.type"), Some(&s("output")));
    assert_eq!(usage[1].sum, 3.0);
    assert_eq!(t.metric("gen_ai.client.operation.duration").len(), 1);
    assert_eq!(t.metric("gen_ai.client.inference.duration").len(), 1);
}

/// Embeddings and remote agents use `gen_ai.client.operation.duration`; in-process agents,
/// tools and workflows use their own duration metrics with their advised buckets and
/// attributes.
#[test]
fn non_inference_metrics() {
    let t = TestTelemetry::new();
    let genai = genai(&t, false);
    let mut e = genai.embeddings("text-embedding-3-small").start();
    e.record_input_tokens(10);
    e.end();
    genai
        .invoke_agent("planner")
        .with_model("gpt-4o")
        .start()
        .end();
    let mut tool = genai
        .execute_tool("search")
        .with_tool_type("function")
        .with_agent_name("planner")
        .with_call_id("call_unique_123")
        .start();
    tool.set_error("timeout", "tool timed out");
    tool.end();
    genai.invoke_workflow("trip").start().end();

    let op = t.metric("gen_ai.client.operation.duration");
    assert_eq!(op.len(), 1);
    assert_eq!(
        op[0].attribute("gen_ai.operation.name"),
        Some(&s("embeddings"))
    );
    assert!(
        t.metric("gen_ai.client.inference.usage.input_tokens")
            .is_empty(),
        "embeddings must not count as inference"
    );

    let agent = t.metric("gen_ai.invoke_agent.duration");
    assert_eq!(agent.len(), 1);
    assert_eq!(
        keys(&agent[0]),
        ["gen_ai.agent.name", "gen_ai.request.model"].into()
    );
    assert_eq!(agent[0].bounds[0], 0.1);
    assert_eq!(agent[0].bounds.len(), 13);

    let tool = t.metric("gen_ai.execute_tool.duration");
    assert_eq!(
        keys(&tool[0]),
        [
            "error.type",
            "gen_ai.agent.name",
            "gen_ai.tool.name",
            "gen_ai.tool.type"
        ]
        .into()
    );
    assert_eq!(tool[0].attribute("error.type"), Some(&s("timeout")));
    assert_eq!(tool[0].bounds, D.to_vec());

    let wf = t.metric("gen_ai.invoke_workflow.duration");
    assert_eq!(keys(&wf[0]), ["gen_ai.workflow.name"].into());
    assert_eq!(
        wf[0].bounds,
        vec![
            1.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 7200.0
        ]
    );
}
