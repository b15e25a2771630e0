//! The OpenAI-compatible client against `flightdeck-mockllm` over real HTTP on localhost:
//! spans and errors for chat, streaming chat and embeddings.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use flightdeck_mockllm::{Behavior, BehaviorOverride, MockLlm, RunningMockLlm};
use flightdeck_sdk::openai::{
    ChatMessage, ChatRequest, ClientError, EmbeddingsRequest, OpenAiClient, Tool,
};
use flightdeck_sdk::opentelemetry::trace::{SpanKind, Status};
use flightdeck_sdk::opentelemetry::{Array, StringValue, Value};
use flightdeck_sdk::testing::{FinishedSpan, TestTelemetry};
use flightdeck_sdk::{ContentCapture, GenAi};
use futures::StreamExt as _;
use serde_json::json;

fn s(v: &str) -> Option<Value> {
    Some(Value::String(v.to_owned().into()))
}

fn int(span: &FinishedSpan, key: &str) -> Option<i64> {
    match span.attribute(key)? {
        Value::I64(v) => Some(v),
        _ => None,
    }
}

async fn mock(defaults: Behavior) -> RunningMockLlm {
    MockLlm::builder()
        .with_seed(42)
        .with_defaults(defaults)
        .with_model(
            "tiny",
            BehaviorOverride {
                context_window: Some(10),
                ..BehaviorOverride::default()
            },
        )
        .build()
        .unwrap()
        .spawn("127.0.0.1:0")
        .await
        .unwrap()
}

fn client(mock: &RunningMockLlm, genai: GenAi) -> OpenAiClient {
    OpenAiClient::builder(mock.openai_base_url())
        .with_api_key("sk-test")
        .with_genai(genai)
        .with_timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

/// One-line chat: the span carries operation, provider, model, server address and port of
/// the base URL, response id and model, finish reason and the usage the server reported;
/// prompt tokens are the mock's estimate: "Hello there" (3) + 3 overhead = 6.
#[tokio::test]
async fn chat_span_from_real_http() {
    let m = mock(Behavior::instant()).await;
    let t = TestTelemetry::new();
    let c = client(&m, t.genai().build());
    let reply = c
        .chat(
            ChatRequest::new("gpt-4o-mini")
                .user("Hello there")
                .with_temperature(0.3)
                .with_max_tokens(200),
        )
        .await
        .unwrap();
    let span = t.span("chat gpt-4o-mini").unwrap();
    assert_eq!(span.kind, SpanKind::Client);
    assert_eq!(span.status, Status::Unset);
    assert_eq!(span.attribute("gen_ai.operation.name"), s("chat"));
    assert_eq!(span.attribute("gen_ai.provider.name"), s("openai"));
    assert_eq!(span.attribute("gen_ai.request.model"), s("gpt-4o-mini"));
    assert_eq!(span.attribute("openai.api.type"), s("chat_completions"));
    assert_eq!(span.attribute("server.address"), s("127.0.0.1"));
    assert_eq!(int(&span, "server.port"), Some(i64::from(m.addr().port())));
    assert_eq!(
        span.attribute("gen_ai.request.temperature"),
        Some(Value::F64(0.3))
    );
    assert_eq!(int(&span, "gen_ai.request.max_tokens"), Some(200));
    assert_eq!(span.attribute("gen_ai.response.id"), s(&reply.id));
    assert!(reply.id.starts_with("chatcmpl-"));
    assert_eq!(span.attribute("gen_ai.response.model"), s("gpt-4o-mini"));
    assert_eq!(
        span.attribute("gen_ai.response.finish_reasons"),
        Some(Value::Array(Array::String(vec![StringValue::from("stop")])))
    );
    assert_eq!(int(&span, "gen_ai.usage.input_tokens"), Some(6));
    let words = reply.text().unwrap().split(' ').count() as i64;
    assert_eq!(int(&span, "gen_ai.usage.output_tokens"), Some(words));
    assert_eq!(int(&span, "gen_ai.usage.cache_read.input_tokens"), Some(0));
    assert_eq!(
        span.attribute("openai.response.system_fingerprint"),
        s("fp_mock")
    );
    assert_eq!(span.attribute("gen_ai.request.stream"), None);
}

/// A streamed chat always asks for usage, so the span has token counts; TTFT is recorded;
/// with content capture the output message is the concatenated text the caller received.
#[tokio::test]
async fn chat_stream_records_usage_and_ttft() {
    let m = mock(Behavior::instant()).await;
    let t = TestTelemetry::new();
    let c = client(
        &m,
        t.genai()
            .with_content_capture(ContentCapture::SpanAttributes)
            .build(),
    );
    let mut stream = c
        .chat_stream(ChatRequest::new("gpt-4o-mini").user("Hello there"))
        .await
        .unwrap();
    let mut text = String::new();
    let mut usage = None;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.unwrap();
        for choice in &chunk.choices {
            text.push_str(choice.delta.content.as_deref().unwrap_or(""));
        }
        if chunk.usage.is_some() {
            usage = chunk.usage.clone();
        }
    }
    drop(stream);
    let usage = usage.expect("usage chunk");
    let span = t.span("chat gpt-4o-mini").unwrap();
    assert_eq!(
        span.attribute("gen_ai.request.stream"),
        Some(Value::Bool(true))
    );
    assert_eq!(int(&span, "gen_ai.usage.input_tokens"), Some(6));
    assert_eq!(
        int(&span, "gen_ai.usage.output_tokens"),
        usage.completion_tokens.map(|n| n as i64)
    );
    assert!(matches!(
        span.attribute("gen_ai.response.time_to_first_chunk"),
        Some(Value::F64(_))
    ));
    let Some(Value::String(out)) = span.attribute("gen_ai.output.messages") else {
        panic!("no output messages");
    };
    let out: serde_json::Value = serde_json::from_str(out.as_str()).unwrap();
    assert_eq!(
        out,
        json!([{"role": "assistant", "parts": [{"type": "text", "content": text}]}])
    );
    let Some(Value::String(input)) = span.attribute("gen_ai.input.messages") else {
        panic!("no input messages");
    };
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(input.as_str()).unwrap(),
        json!([{"role": "user", "parts": [{"type": "text", "content": "Hello there"}]}])
    );
}

/// Dropping a client stream early ends its span as cancelled.
#[tokio::test]
async fn chat_stream_early_drop() {
    let m = mock(Behavior::instant()).await;
    let t = TestTelemetry::new();
    let c = client(&m, t.genai().build());
    let mut stream = c
        .chat_stream(ChatRequest::new("gpt-4o-mini").user("Hi"))
        .await
        .unwrap();
    stream.next().await.unwrap().unwrap();
    drop(stream);
    let span = t.span("chat gpt-4o-mini").unwrap();
    assert_eq!(
        span.attribute("flightdeck.stream.cancelled"),
        Some(Value::Bool(true))
    );
    assert_eq!(span.status, Status::Unset);
}

/// A mid-stream error from the server ends the stream with an error item and the span with
/// `error.type` = the provider's error type.
#[tokio::test]
async fn chat_stream_mid_stream_error() {
    let mut b = Behavior::instant();
    b.stream_error_rate = 1.0;
    let m = mock(b).await;
    let t = TestTelemetry::new();
    let c = client(&m, t.genai().build());
    let items: Vec<_> = c
        .chat_stream(ChatRequest::new("gpt-4o-mini").user("Hi"))
        .await
        .unwrap()
        .collect()
        .await;
    assert!(matches!(
        items.last(),
        Some(Err(ClientError::Api { status: 200, .. }))
    ));
    let span = t.span("chat gpt-4o-mini").unwrap();
    assert_eq!(span.attribute("error.type"), s("server_error"));
    assert!(matches!(span.status, Status::Error { .. }));
}

/// Tool calls round trip: the model calls the tool, the span reports `tool_calls`.
#[tokio::test]
async fn chat_tool_calls() {
    let m = mock(Behavior::instant()).await;
    let t = TestTelemetry::new();
    let c = client(&m, t.genai().build());
    let reply = c
        .chat(
            ChatRequest::new("gpt-4o").user("Weather?").with_tool(Tool::function(
                "get_weather",
                "Current weather",
                json!({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}),
            )),
        )
        .await
        .unwrap();
    assert_eq!(
        reply.choices[0].finish_reason.as_deref(),
        Some("tool_calls")
    );
    let call = &reply.choices[0].message.tool_calls[0];
    assert_eq!(call.function.name, "get_weather");
    let span = t.span("chat gpt-4o").unwrap();
    assert_eq!(
        span.attribute("gen_ai.response.finish_reasons"),
        Some(Value::Array(Array::String(vec![StringValue::from(
            "tool_calls"
        )])))
    );
    // Answer the tool call: the model now replies with text.
    let reply = c
        .chat(
            ChatRequest::new("gpt-4o")
                .user("Weather?")
                .message(reply.choices[0].message.clone())
                .message(ChatMessage::tool(call.id.clone(), "rainy")),
        )
        .await
        .unwrap();
    assert_eq!(reply.choices[0].finish_reason.as_deref(), Some("stop"));
}

/// Embeddings: span with dimension count from the request and input tokens; vectors returned.
#[tokio::test]
async fn embeddings_span_from_real_http() {
    let m = mock(Behavior::instant()).await;
    let t = TestTelemetry::new();
    let c = client(&m, t.genai().build());
    let r = c
        .embeddings(
            EmbeddingsRequest::new("text-embedding-3-small", ["abcd", "abcdefgh"])
                .with_dimensions(32),
        )
        .await
        .unwrap();
    assert_eq!(r.data.len(), 2);
    assert_eq!(r.data[1].embedding.dimensions(), 32);
    let span = t.span("embeddings text-embedding-3-small").unwrap();
    assert_eq!(span.attribute("gen_ai.operation.name"), s("embeddings"));
    assert_eq!(int(&span, "gen_ai.embeddings.dimension.count"), Some(32));
    // "abcd" → 1, "abcdefgh" → 2.
    assert_eq!(int(&span, "gen_ai.usage.input_tokens"), Some(3));
    assert_eq!(
        span.attribute("gen_ai.response.model"),
        s("text-embedding-3-small")
    );
}

/// 429: the error carries code and `Retry-After`; the span gets `error.type`
/// `rate_limit_exceeded`; with retries the client tries `1 + max_retries` times in one span.
#[tokio::test]
async fn rate_limit_and_retries() {
    let mut b = Behavior::instant();
    b.rate_limit_rate = 1.0;
    let m = mock(b).await;
    let t = TestTelemetry::new();
    let c = OpenAiClient::builder(m.openai_base_url())
        .with_genai(t.genai().build())
        .with_max_retries(2)
        .with_max_retry_wait(Duration::from_millis(5))
        .build()
        .unwrap();
    let err = c
        .chat(ChatRequest::new("gpt-4o-mini").user("Hi"))
        .await
        .unwrap_err();
    match &err {
        ClientError::Api {
            status,
            code,
            retry_after,
            ..
        } => {
            assert_eq!(*status, 429);
            assert_eq!(code.as_deref(), Some("rate_limit_exceeded"));
            assert_eq!(*retry_after, Some(Duration::from_secs(1)));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(m.mock().requests(), 3);
    assert_eq!(t.spans().len(), 1);
    let span = t.span("chat gpt-4o-mini").unwrap();
    assert_eq!(span.attribute("error.type"), s("rate_limit_exceeded"));
    let metric = t.metric("gen_ai.client.inference.duration");
    assert_eq!(
        metric[0].attribute("error.type"),
        s("rate_limit_exceeded").as_ref()
    );
}

/// Context-length, server errors and timeouts map to their `error.type`.
#[tokio::test]
async fn error_types() {
    let m = mock(Behavior::instant()).await;
    let t = TestTelemetry::new();
    let c = client(&m, t.genai().build());
    let err = c
        .chat(ChatRequest::new("tiny").user("this prompt is far too long for ten tokens"))
        .await
        .unwrap_err();
    assert_eq!(err.error_type(), "context_length_exceeded");
    let span = t.span("chat tiny").unwrap();
    assert_eq!(span.attribute("error.type"), s("context_length_exceeded"));

    let mut b = Behavior::instant();
    b.error_rate = 1.0;
    let m500 = mock(b).await;
    let t = TestTelemetry::new();
    let c = client(&m500, t.genai().build());
    let err = c
        .chat(ChatRequest::new("gpt-4o").user("Hi"))
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Api { status: 500, .. }));
    assert_eq!(
        t.span("chat gpt-4o").unwrap().attribute("error.type"),
        s("server_error")
    );

    let mut b = Behavior::instant();
    b.timeout_rate = 1.0;
    b.timeout_hang = Duration::from_secs(30);
    let hang = mock(b).await;
    let t = TestTelemetry::new();
    let c = OpenAiClient::builder(hang.openai_base_url())
        .with_genai(t.genai().build())
        .with_timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let err = c
        .chat(ChatRequest::new("gpt-4o").user("Hi"))
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Timeout), "{err:?}");
    assert_eq!(
        t.span("chat gpt-4o").unwrap().attribute("error.type"),
        s("timeout")
    );
}

/// Nothing listening: a connection error, not a panic.
#[tokio::test]
async fn connection_refused() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let t = TestTelemetry::new();
    let c = OpenAiClient::builder(format!("http://127.0.0.1:{port}/v1"))
        .with_genai(t.genai().build())
        .build()
        .unwrap();
    let err = c.chat(ChatRequest::new("m").user("Hi")).await.unwrap_err();
    assert_eq!(err.error_type(), "connection_error");
}

/// Invalid base URLs are rejected when building, naming the URL.
#[test]
fn invalid_base_url() {
    let err = OpenAiClient::builder("ftp://x").build().unwrap_err();
    assert_eq!(
        err.to_string(),
        "base url \"ftp://x\" is invalid: scheme must be http or https"
    );
    assert!(OpenAiClient::builder("not a url").build().is_err());
}

/// The request carries the `traceparent` of the call's span (W3C format, same trace and span
/// id), read from the raw bytes a plain TCP server receives.
#[tokio::test]
async fn requests_carry_traceparent() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        // Read until the end of the headers and the JSON body (ends with `}`).
        loop {
            let n = sock.read(&mut chunk).await.unwrap();
            buf.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&buf);
            if n == 0 || (text.contains("\r\n\r\n") && text.trim_end().ends_with('}')) {
                break;
            }
        }
        let body = r#"{"id":"x","model":"m","choices":[]}"#;
        let reply = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        sock.write_all(reply.as_bytes()).await.unwrap();
        String::from_utf8_lossy(&buf).to_string()
    });
    let t = TestTelemetry::new();
    let c = OpenAiClient::builder(format!("http://{addr}/v1"))
        .with_genai(t.genai().build())
        .build()
        .unwrap();
    c.chat(ChatRequest::new("m").user("Hi")).await.unwrap();
    let request = server.await.unwrap();
    let span = t.span("chat m").unwrap();
    let expected = format!("traceparent: 00-{}-{}-01", span.trace_id, span.span_id);
    assert!(
        request.to_ascii_lowercase().contains(&expected),
        "{expected} not in:\n{request}"
    );
}
