//! The Rust SDK's output checked by Flightdeck's own conformance check: spans of every GenAI
//! operation the SDK emits (through the instrumented client against the mock provider, and by
//! hand), successful and failed, exported over OTLP/HTTP to an in-process server, get zero
//! findings at `/api/v1/diagnostics/findings`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::convert::Infallible;
use std::time::{Duration, Instant};

use flightdeck::config::Config;
use flightdeck_mockllm::{Behavior, BehaviorOverride, MockLlm};
use flightdeck_sdk::openai::{ChatRequest, EmbeddingsRequest, OpenAiClient, Tool};
use flightdeck_sdk::opentelemetry::context::FutureExt as _;
use flightdeck_sdk::otlp::OtlpPipeline;
use flightdeck_sdk::stream::AnthropicMessages;
use flightdeck_sdk::{ContentCapture, Message, RetrievedDocument, Usage};
use futures::StreamExt as _;
use serde_json::{Value, json};

/// The `data:` payloads of an SSE body, as JSON.
fn sse_json(body: &str) -> Vec<Value> {
    body.lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .filter(|d| *d != "[DONE]")
        .map(|d| serde_json::from_str(d).unwrap())
        .collect()
}

async fn get_json(url: &str) -> Value {
    reqwest::get(url).await.unwrap().json().await.unwrap()
}

/// Every span type, successful and failed, has no conformance finding.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sdk_spans_of_every_type_have_no_findings() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.listen.otlp_grpc_addr = "127.0.0.1:0".parse().unwrap();
    config.listen.otlp_http_addr = "127.0.0.1:0".parse().unwrap();
    config.listen.http_addr = "127.0.0.1:0".parse().unwrap();
    config.store.data_dir = dir.path().to_owned();
    let running = flightdeck::serve::start(&config).await.unwrap();
    let api = format!("http://{}", running.http_addr);

    let mock = MockLlm::builder()
        .with_seed(3)
        .with_defaults(Behavior::instant())
        .with_model(
            "limited",
            BehaviorOverride {
                rate_limit_rate: Some(1.0),
                ..BehaviorOverride::default()
            },
        )
        .build()
        .unwrap()
        .spawn("127.0.0.1:0")
        .await
        .unwrap();
    let resource = opentelemetry_sdk::Resource::builder()
        .with_service_name("sdk-conformance")
        .with_attribute(opentelemetry::KeyValue::new("service.version", "1.4.2"))
        .build();
    let otlp = OtlpPipeline::install_with_resource(
        &format!("http://{}", running.otlp_http_addr),
        resource,
        Duration::from_secs(10),
    )
    .unwrap();
    let genai = otlp
        .genai()
        .with_content_capture(ContentCapture::SpanAttributes)
        .with_prompt_hash(true)
        .with_provider("openai")
        .build();
    let client = OpenAiClient::builder(mock.openai_base_url())
        .with_genai(genai.clone())
        .build()
        .unwrap();

    let mut workflow = genai
        .invoke_workflow("support")
        .with_input_messages(vec![Message::user("Where is my invoice?")])
        .start();
    let mut genai_spans = 1; // the workflow
    async {
        // An agent calling a tool through the instrumented client.
        let agent = genai
            .invoke_agent("planner")
            .with_model("gpt-4o-mini")
            .with_conversation_id("conv-1")
            .start();
        let tool = Tool::function(
            "lookup_invoice",
            "Find an invoice",
            json!({"type": "object", "properties": {"month": {"type": "string"}}, "required": ["month"]}),
        );
        let first = client
            .chat(
                ChatRequest::new("gpt-4o-mini")
                    .user("Where is my March invoice?")
                    .with_tool(tool),
            )
            .with_context(agent.context())
            .await
            .unwrap();
        let call = &first.choices[0].message.tool_calls[0];
        let mut tool_span = genai
            .execute_tool(call.function.name.clone())
            .with_parent(&agent.context())
            .with_tool_type("function")
            .with_call_id(call.id.clone())
            .with_arguments(flightdeck_sdk::content::parse_arguments(
                &call.function.arguments,
            ))
            .start();
        tool_span.record_result(&json!({"url": "https://example.com/inv/3"}));
        tool_span.end();
        agent.end();
        genai_spans += 3; // agent, chat, tool

        // A streamed chat with usage.
        let mut stream = client
            .chat_stream(ChatRequest::new("gpt-4o-mini").user("Say hello"))
            .await
            .unwrap();
        while let Some(chunk) = stream.next().await {
            chunk.unwrap();
        }
        drop(stream);
        genai_spans += 1;

        // Embeddings and a retrieval with scored documents.
        client
            .embeddings(EmbeddingsRequest::new("text-embedding-3-small", ["invoice"]))
            .await
            .unwrap();
        let mut retrieval = genai
            .retrieval("kb")
            .with_model("text-embedding-3-small")
            .with_top_k(2)
            .with_query_text("invoice")
            .start();
        retrieval.record_documents(&[
            RetrievedDocument::new("kb-1", 0.91),
            RetrievedDocument::new("kb-2", 0.5),
        ]);
        retrieval.end();
        genai_spans += 2;

        // An Anthropic stream (the mock's real SSE events) through the stream wrapper.
        let body = reqwest::Client::new()
            .post(format!("{}/v1/messages", mock.base_url()))
            .json(&json!({"model": "claude-sonnet-4-5", "max_tokens": 64, "stream": true,
                          "messages": [{"role": "user", "content": "Hello"}]}))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let events = sse_json(&body);
        assert!(events.len() >= 5, "{body}");
        let span = genai
            .chat("claude-sonnet-4-5")
            .with_provider("anthropic")
            .with_server("127.0.0.1", mock.addr().port())
            .with_max_tokens(64)
            .streaming()
            .with_input_messages(vec![Message::user("Hello")])
            .start();
        let mut wrapped = span.stream(
            futures::stream::iter(events.into_iter().map(Ok::<_, Infallible>)),
            AnthropicMessages::default(),
        );
        while wrapped.next().await.is_some() {}
        drop(wrapped);
        genai_spans += 1;

        // Hand-made text_completion and generate_content spans.
        let mut completion = genai
            .text_completion("gpt-3.5-turbo-instruct")
            .with_max_tokens(16)
            .start();
        completion.set_response_model("gpt-3.5-turbo-instruct");
        completion.set_finish_reasons(["length"]);
        completion.record_usage(Usage::new(5, 16));
        completion.end();
        let mut gemini = genai
            .generate_content("gemini-2.0-flash")
            .with_provider("gcp.gemini")
            .with_server("generativelanguage.googleapis.com", 443)
            .start();
        gemini.set_response_model("gemini-2.0-flash");
        gemini.set_finish_reasons(["stop"]);
        gemini.record_usage(Usage::new(12, 40).with_reasoning(8));
        gemini.end();
        genai_spans += 2;

        // A remote agent.
        let mut remote = genai
            .invoke_agent("travel-agent")
            .remote()
            .with_provider("openai")
            .with_server("agents.example.com", 443)
            .with_agent_id("asst_1")
            .start();
        remote.record_usage(30, 12);
        remote.end();
        genai_spans += 1;

        // Failures: a 429 on a plain call and on a stream.
        assert!(
            client
                .chat(ChatRequest::new("limited").user("hi"))
                .await
                .is_err()
        );
        assert!(
            client
                .chat_stream(ChatRequest::new("limited").user("hi"))
                .await
                .is_err()
        );
        genai_spans += 2;
    }
    .with_context(workflow.context())
    .await;
    workflow.set_output_messages(&[Message::assistant("It is in Settings > Billing.")]);
    workflow.end();
    tokio::task::spawn_blocking(move || otlp.shutdown().unwrap())
        .await
        .unwrap();

    let deadline = Instant::now() + Duration::from_secs(30);
    while running.spans_written() < genai_spans && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(running.spans_written(), genai_spans);

    let findings = get_json(&format!("{api}/api/v1/diagnostics/findings?since=1h")).await;
    let scopes = findings["scopes"].as_array().unwrap();
    assert_eq!(scopes.len(), 1, "{findings:#}");
    assert_eq!(scopes[0]["service"], "sdk-conformance");
    assert_eq!(scopes[0]["scope_name"], "flightdeck-sdk");
    assert_eq!(scopes[0]["spans_checked"], genai_spans, "{findings:#}");
    assert_eq!(scopes[0]["findings"], json!([]), "{findings:#}");

    // The resource given at install time is the spans' resource.
    let versions = get_json(&format!(
        "{api}/api/v1/analytics?since=1h&group_by=service,service_version"
    ))
    .await;
    let rows = versions["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{versions:#}");
    assert_eq!(
        rows[0]["group"],
        json!({"service": "sdk-conformance", "service_version": "1.4.2"})
    );

    // Every operation the SDK knows was among the checked spans.
    let analytics = get_json(&format!(
        "{api}/api/v1/analytics?since=1h&group_by=operation"
    ))
    .await;
    let operations: BTreeSet<&str> = analytics["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["group"]["operation"].as_str())
        .collect();
    assert_eq!(
        operations,
        BTreeSet::from([
            "chat",
            "embeddings",
            "execute_tool",
            "generate_content",
            "invoke_agent",
            "invoke_workflow",
            "retrieval",
            "text_completion",
        ])
    );
    drop(mock);
    running.stop().await.unwrap();
}
