//! One test per streaming format and ending: OpenAI with and without usage (text and tool
//! calls), Anthropic events, Gemini cumulative usage, early drop, mid-stream error, error
//! events; spans checked attribute by attribute.

use std::fmt;

use flightdeck_sdk::opentelemetry::trace::Status;
use flightdeck_sdk::opentelemetry::{Array, StringValue, Value};
use flightdeck_sdk::stream::{AnthropicMessages, GeminiGenerateContent, OpenAiChat};
use flightdeck_sdk::testing::{FinishedSpan, TestTelemetry};
use flightdeck_sdk::{ContentCapture, GenAi};
use futures::StreamExt as _;
use serde_json::{Value as Json, json};

fn s(v: &str) -> Option<Value> {
    Some(Value::String(v.to_owned().into()))
}

fn strings(v: &[&str]) -> Option<Value> {
    Some(Value::Array(Array::String(
        v.iter().map(|x| StringValue::from(x.to_string())).collect(),
    )))
}

fn int(span: &FinishedSpan, key: &str) -> Option<i64> {
    match span.attribute(key)? {
        Value::I64(v) => Some(v),
        _ => None,
    }
}

fn json_attr(span: &FinishedSpan, key: &str) -> Option<Json> {
    match span.attribute(key)? {
        Value::String(v) => serde_json::from_str(v.as_str()).ok(),
        _ => None,
    }
}

fn genai(t: &TestTelemetry, capture: bool) -> GenAi {
    t.genai()
        .with_provider("openai")
        .with_content_capture(if capture {
            ContentCapture::SpanAttributes
        } else {
            ContentCapture::Off
        })
        .build()
}

#[derive(Debug)]
struct Broken;

impl fmt::Display for Broken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection reset mid-stream")
    }
}

fn ok(items: Vec<Json>) -> impl futures::Stream<Item = Result<Json, Broken>> {
    futures::stream::iter(items.into_iter().map(Ok))
}

fn openai_text_chunks(with_usage: bool) -> Vec<Json> {
    let c = |delta: Json, finish: Json| {
        json!({"id": "chatcmpl-9", "model": "gpt-4o-mini-2024-07-18", "system_fingerprint": "fp_1",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
    };
    let mut v = vec![
        c(json!({"role": "assistant", "content": ""}), Json::Null),
        c(json!({"content": "Hel"}), Json::Null),
        c(json!({"content": "lo"}), Json::Null),
        c(json!({}), json!("stop")),
    ];
    if with_usage {
        v.push(
            json!({"id": "chatcmpl-9", "model": "gpt-4o-mini-2024-07-18", "choices": [],
            "usage": {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12,
                      "prompt_tokens_details": {"cached_tokens": 4}}}),
        );
    }
    v
}

/// OpenAI stream with `include_usage`: TTFT, response id/model, finish reason, usage from the
/// last chunk, output text, `gen_ai.request.stream`; chunk timing metrics per chunk.
#[tokio::test]
async fn openai_stream_with_usage() {
    let t = TestTelemetry::new();
    let genai = genai(&t, true);
    let span = genai.chat("gpt-4o-mini").streaming().start();
    let mut stream = span.stream(ok(openai_text_chunks(true)), OpenAiChat);
    let mut n = 0;
    while let Some(item) = stream.next().await {
        item.unwrap();
        n += 1;
    }
    assert_eq!(n, 5);
    drop(stream);

    let span = t.span("chat gpt-4o-mini").unwrap();
    assert_eq!(span.status, Status::Unset);
    assert_eq!(
        span.attribute("gen_ai.request.stream"),
        Some(Value::Bool(true))
    );
    assert_eq!(span.attribute_count("gen_ai.request.stream"), 1);
    assert_eq!(span.attribute("gen_ai.response.id"), s("chatcmpl-9"));
    assert_eq!(
        span.attribute("gen_ai.response.model"),
        s("gpt-4o-mini-2024-07-18")
    );
    assert_eq!(
        span.attribute("gen_ai.response.finish_reasons"),
        strings(&["stop"])
    );
    assert_eq!(int(&span, "gen_ai.usage.input_tokens"), Some(10));
    assert_eq!(int(&span, "gen_ai.usage.output_tokens"), Some(2));
    assert_eq!(int(&span, "gen_ai.usage.cache_read.input_tokens"), Some(4));
    assert_eq!(
        span.attribute("openai.response.system_fingerprint"),
        s("fp_1")
    );
    let Some(Value::F64(ttft)) = span.attribute("gen_ai.response.time_to_first_chunk") else {
        panic!("no time to first chunk");
    };
    let duration = span
        .data
        .end_time
        .duration_since(span.data.start_time)
        .unwrap()
        .as_secs_f64();
    assert!(ttft >= 0.0 && ttft <= duration, "ttft {ttft} > {duration}");
    assert_eq!(
        json_attr(&span, "gen_ai.output.messages"),
        Some(json!([{"role": "assistant", "parts": [{"type": "text", "content": "Hello"}]}]))
    );
    assert_eq!(span.attribute("flightdeck.stream.cancelled"), None);
    for (k, _) in &span.attributes {
        assert_eq!(span.attribute_count(k), 1, "{k} set twice");
    }

    let ttfc = t.metric("gen_ai.client.inference.time_to_first_chunk");
    assert_eq!(ttfc.len(), 1);
    assert_eq!(ttfc[0].count, 1);
    assert_eq!(
        ttfc[0].attribute("gen_ai.response.model"),
        s("gpt-4o-mini-2024-07-18").as_ref()
    );
    // 5 chunks: 4 intervals after the first.
    let per_chunk = t.metric("gen_ai.client.inference.time_per_output_chunk");
    assert_eq!(per_chunk.iter().map(|p| p.count).sum::<u64>(), 4);
}

/// Without `include_usage` the span has no usage attributes (nothing is invented) and the
/// input counter records 0 tokens with modality `unknown`.
#[tokio::test]
async fn openai_stream_without_usage() {
    let t = TestTelemetry::new();
    let genai = genai(&t, false);
    let span = genai.chat("gpt-4o-mini").start();
    let stream = span.stream(ok(openai_text_chunks(false)), OpenAiChat);
    let items: Vec<_> = stream.collect().await;
    assert_eq!(items.len(), 4);
    let span = t.span("chat gpt-4o-mini").unwrap();
    assert_eq!(span.attribute("gen_ai.usage.input_tokens"), None);
    assert_eq!(span.attribute("gen_ai.usage.output_tokens"), None);
    assert_eq!(
        span.attribute("gen_ai.response.finish_reasons"),
        strings(&["stop"])
    );
    // Content capture off: no output text.
    assert_eq!(span.attribute("gen_ai.output.messages"), None);
    let input = t.metric("gen_ai.client.inference.usage.input_tokens");
    assert_eq!(input.len(), 1);
    assert_eq!(input[0].sum, 0.0);
    assert_eq!(
        input[0].attribute("gen_ai.token.modality"),
        s("unknown").as_ref()
    );
}

/// OpenAI streamed tool calls: fragments of two calls are reassembled into `tool_call` parts
/// with parsed arguments, in call order.
#[tokio::test]
async fn openai_stream_tool_calls() {
    let t = TestTelemetry::new();
    let genai = genai(&t, true);
    let c = |delta: Json, finish: Json| json!({"id": "x", "model": "m", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]});
    let chunks = vec![
        c(
            json!({"role": "assistant", "tool_calls": [{"index": 0, "id": "call_a", "type": "function", "function": {"name": "get_weather", "arguments": ""}}]}),
            Json::Null,
        ),
        c(
            json!({"tool_calls": [{"index": 0, "function": {"arguments": "{\"city\":"}}]}),
            Json::Null,
        ),
        c(
            json!({"tool_calls": [{"index": 1, "id": "call_b", "function": {"name": "get_time", "arguments": "{}"}}]}),
            Json::Null,
        ),
        c(
            json!({"tool_calls": [{"index": 0, "function": {"arguments": "\"Paris\"}"}}]}),
            Json::Null,
        ),
        c(json!({}), json!("tool_calls")),
    ];
    let _: Vec<_> = genai
        .chat("m")
        .start()
        .stream(ok(chunks), OpenAiChat)
        .collect()
        .await;
    let span = t.span("chat m").unwrap();
    assert_eq!(
        span.attribute("gen_ai.response.finish_reasons"),
        strings(&["tool_calls"])
    );
    assert_eq!(
        json_attr(&span, "gen_ai.output.messages"),
        Some(json!([{"role": "assistant", "parts": [
            {"type": "tool_call", "id": "call_a", "name": "get_weather", "arguments": {"city": "Paris"}},
            {"type": "tool_call", "id": "call_b", "name": "get_time", "arguments": {}}
        ]}]))
    );
}

fn anthropic_events() -> Vec<Json> {
    vec![
        json!({"type": "message_start", "message": {"id": "msg_1", "type": "message", "role": "assistant",
            "model": "claude-sonnet-4-5-20250929", "content": [],
            "usage": {"input_tokens": 100, "cache_read_input_tokens": 1000, "cache_creation_input_tokens": 200, "output_tokens": 1}}}),
        json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
        json!({"type": "ping"}),
        json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi"}}),
        json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": " there"}}),
        json!({"type": "content_block_stop", "index": 0}),
        json!({"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": null}, "usage": {"output_tokens": 42}}),
        json!({"type": "message_stop"}),
    ]
}

/// Anthropic events: input usage from `message_start` made inclusive (100 + 1000 + 200 =
/// 1300), output tokens from `message_delta` (42), cache read/write, stop reason, text.
#[tokio::test]
async fn anthropic_stream() {
    let t = TestTelemetry::new();
    let genai = genai(&t, true);
    let span = genai
        .chat("claude-sonnet-4-5")
        .with_provider("anthropic")
        .start();
    let _: Vec<_> = span
        .stream(ok(anthropic_events()), AnthropicMessages::default())
        .collect()
        .await;
    let span = t.span("chat claude-sonnet-4-5").unwrap();
    assert_eq!(span.attribute("gen_ai.provider.name"), s("anthropic"));
    assert_eq!(span.attribute("gen_ai.response.id"), s("msg_1"));
    assert_eq!(
        span.attribute("gen_ai.response.model"),
        s("claude-sonnet-4-5-20250929")
    );
    assert_eq!(int(&span, "gen_ai.usage.input_tokens"), Some(1300));
    assert_eq!(int(&span, "gen_ai.usage.output_tokens"), Some(42));
    assert_eq!(
        int(&span, "gen_ai.usage.cache_read.input_tokens"),
        Some(1000)
    );
    assert_eq!(
        int(&span, "gen_ai.usage.cache_write.input_tokens"),
        Some(200)
    );
    assert_eq!(
        span.attribute("gen_ai.response.finish_reasons"),
        strings(&["end_turn"])
    );
    assert_eq!(
        json_attr(&span, "gen_ai.output.messages"),
        Some(json!([{"role": "assistant", "parts": [{"type": "text", "content": "Hi there"}]}]))
    );
    assert_eq!(span.status, Status::Unset);
}

/// Anthropic tool use: `tool_use` block plus `input_json_delta` fragments make one tool call.
#[tokio::test]
async fn anthropic_stream_tool_use() {
    let t = TestTelemetry::new();
    let genai = genai(&t, true);
    let events = vec![
        json!({"type": "message_start", "message": {"id": "msg_2", "model": "c", "role": "assistant", "usage": {"input_tokens": 5, "output_tokens": 1}}}),
        json!({"type": "content_block_start", "index": 0, "content_block": {"type": "tool_use", "id": "toolu_1", "name": "search", "input": {}}}),
        json!({"type": "content_block_delta", "index": 0, "delta": {"type": "input_json_delta", "partial_json": "{\"q\": "}}),
        json!({"type": "content_block_delta", "index": 0, "delta": {"type": "input_json_delta", "partial_json": "\"rust\"}"}}),
        json!({"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": {"output_tokens": 9}}),
    ];
    let _: Vec<_> = genai
        .chat("c")
        .start()
        .stream(ok(events), AnthropicMessages::default())
        .collect()
        .await;
    let span = t.span("chat c").unwrap();
    assert_eq!(int(&span, "gen_ai.usage.input_tokens"), Some(5));
    assert_eq!(int(&span, "gen_ai.usage.output_tokens"), Some(9));
    assert_eq!(
        json_attr(&span, "gen_ai.output.messages"),
        Some(json!([{"role": "assistant", "parts": [
            {"type": "tool_call", "id": "toolu_1", "name": "search", "arguments": {"q": "rust"}}
        ]}]))
    );
}

/// Gemini: usage is cumulative per chunk, so the last chunk's counts win (output = 2
/// candidates + 3 thoughts = 5); finish reason lowercased; role `model` becomes `assistant`.
#[tokio::test]
async fn gemini_stream_cumulative_usage() {
    let t = TestTelemetry::new();
    let genai = genai(&t, true);
    let chunks = vec![
        json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "A"}]}, "index": 0}],
               "usageMetadata": {"promptTokenCount": 8, "candidatesTokenCount": 1, "totalTokenCount": 9},
               "modelVersion": "gemini-2.5-flash", "responseId": "r-1"}),
        json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "B"}]}, "finishReason": "STOP", "index": 0}],
               "usageMetadata": {"promptTokenCount": 8, "candidatesTokenCount": 2, "thoughtsTokenCount": 3, "totalTokenCount": 13},
               "modelVersion": "gemini-2.5-flash", "responseId": "r-1"}),
    ];
    let span = genai
        .generate_content("gemini-2.5-flash")
        .with_provider("gcp.gemini")
        .start();
    let _: Vec<_> = span
        .stream(ok(chunks), GeminiGenerateContent::default())
        .collect()
        .await;
    let span = t.span("generate_content gemini-2.5-flash").unwrap();
    assert_eq!(int(&span, "gen_ai.usage.input_tokens"), Some(8));
    assert_eq!(int(&span, "gen_ai.usage.output_tokens"), Some(5));
    assert_eq!(int(&span, "gen_ai.usage.reasoning.output_tokens"), Some(3));
    assert_eq!(span.attribute("gen_ai.response.id"), s("r-1"));
    assert_eq!(
        span.attribute("gen_ai.response.finish_reasons"),
        strings(&["stop"])
    );
    assert_eq!(
        json_attr(&span, "gen_ai.output.messages"),
        Some(json!([{"role": "assistant", "parts": [{"type": "text", "content": "AB"}]}]))
    );
}

/// Early drop: the caller stops after two chunks. The span ends at once with status unset,
/// `flightdeck.stream.cancelled = true`, TTFT, and the partial output; no usage was received.
#[tokio::test]
async fn early_drop_ends_span_cancelled() {
    let t = TestTelemetry::new();
    let genai = genai(&t, true);
    let mut stream = genai
        .chat("gpt-4o-mini")
        .start()
        .stream(ok(openai_text_chunks(true)), OpenAiChat);
    stream.next().await.unwrap().unwrap();
    stream.next().await.unwrap().unwrap();
    assert!(t.spans().is_empty(), "span ended before the drop");
    drop(stream);
    let span = t.span("chat gpt-4o-mini").unwrap();
    assert_eq!(span.status, Status::Unset);
    assert_eq!(span.attribute("error.type"), None);
    assert_eq!(
        span.attribute("flightdeck.stream.cancelled"),
        Some(Value::Bool(true))
    );
    assert!(
        span.attribute("gen_ai.response.time_to_first_chunk")
            .is_some()
    );
    assert_eq!(span.attribute("gen_ai.usage.input_tokens"), None);
    assert_eq!(span.attribute("gen_ai.response.finish_reasons"), None);
    assert_eq!(
        json_attr(&span, "gen_ai.output.messages"),
        Some(json!([{"role": "assistant", "parts": [{"type": "text", "content": "Hel"}]}]))
    );
}

/// A stream dropped before its first chunk has no TTFT and is still ended, cancelled.
#[tokio::test]
async fn dropped_before_first_chunk() {
    let t = TestTelemetry::new();
    let genai = genai(&t, false);
    let stream = genai
        .chat("m")
        .start()
        .stream(ok(openai_text_chunks(true)), OpenAiChat);
    drop(stream);
    let span = t.span("chat m").unwrap();
    assert_eq!(span.attribute("gen_ai.response.time_to_first_chunk"), None);
    assert_eq!(
        span.attribute("flightdeck.stream.cancelled"),
        Some(Value::Bool(true))
    );
}

/// Mid-stream error: the `Err` item is passed through, the span ends failed with the error's
/// type name (or a custom classifier's value), the unfinished choice gets finish reason
/// `error`, and the text received so far is kept.
#[tokio::test]
async fn mid_stream_error() {
    let t = TestTelemetry::new();
    let genai = genai(&t, true);
    let mut chunks: Vec<Result<Json, Broken>> = openai_text_chunks(true)
        .into_iter()
        .take(2)
        .map(Ok)
        .collect();
    chunks.push(Err(Broken));
    let mut stream = genai
        .chat("gpt-4o-mini")
        .start()
        .stream(futures::stream::iter(chunks), OpenAiChat);
    assert!(stream.next().await.unwrap().is_ok());
    assert!(stream.next().await.unwrap().is_ok());
    assert!(stream.next().await.unwrap().is_err());
    // The span ended with the error, before the stream is dropped.
    let span = t.span("chat gpt-4o-mini").unwrap();
    assert_eq!(
        span.status,
        Status::Error {
            description: "connection reset mid-stream".into()
        }
    );
    assert_eq!(
        span.attribute("error.type"),
        s(std::any::type_name::<Broken>())
    );
    assert_eq!(
        span.attribute("gen_ai.response.finish_reasons"),
        strings(&["error"])
    );
    assert_eq!(
        json_attr(&span, "gen_ai.output.messages"),
        Some(json!([{"role": "assistant", "parts": [{"type": "text", "content": "Hel"}]}]))
    );
    drop(stream);
    assert_eq!(t.spans().len(), 1);

    // A custom classifier.
    let chunks: Vec<Result<Json, Broken>> = vec![Err(Broken)];
    let _: Vec<_> = genai
        .chat("other")
        .start()
        .stream(futures::stream::iter(chunks), OpenAiChat)
        .with_error_type(|_| "connection_reset".into())
        .collect()
        .await;
    let span = t.span("chat other").unwrap();
    assert_eq!(span.attribute("error.type"), s("connection_reset"));
}

/// Error events inside the stream (Anthropic `error`, OpenAI `{"error":…}`) fail the span with
/// the provider's error type or code.
#[tokio::test]
async fn error_events_fail_the_span() {
    let t = TestTelemetry::new();
    let genai = genai(&t, false);
    let mut events = anthropic_events()[..4].to_vec();
    events.push(
        json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}),
    );
    let _: Vec<_> = genai
        .chat("claude")
        .start()
        .stream(ok(events), AnthropicMessages::default())
        .collect()
        .await;
    let span = t.span("chat claude").unwrap();
    assert_eq!(span.attribute("error.type"), s("overloaded_error"));
    assert_eq!(
        span.status,
        Status::Error {
            description: "Overloaded".into()
        }
    );
    assert_eq!(int(&span, "gen_ai.usage.input_tokens"), Some(1300));

    let chunks = vec![
        openai_text_chunks(false)[1].clone(),
        json!({"error": {"message": "boom", "type": "server_error", "code": null}}),
    ];
    let _: Vec<_> = genai
        .chat("gpt")
        .start()
        .stream(ok(chunks), OpenAiChat)
        .collect()
        .await;
    let span = t.span("chat gpt").unwrap();
    assert_eq!(span.attribute("error.type"), s("server_error"));
    assert_eq!(
        span.attribute("gen_ai.response.finish_reasons"),
        strings(&["error"])
    );
}

/// Garbage chunks never panic: unknown shapes are ignored and the stream completes.
#[tokio::test]
async fn garbage_chunks_are_ignored() {
    let t = TestTelemetry::new();
    let genai = genai(&t, true);
    let garbage = vec![
        json!(null),
        json!([1, 2]),
        json!({"choices": "nope", "usage": 7}),
        json!({"choices": [{"index": -1, "delta": {"content": 5, "tool_calls": [{"index": "x"}]}}]}),
        json!({"type": "content_block_delta"}),
        json!({"candidates": [{"content": {"parts": [{"functionCall": 3}]}}], "usageMetadata": "x"}),
    ];
    let _: Vec<_> = genai
        .chat("a")
        .start()
        .stream(ok(garbage.clone()), OpenAiChat)
        .collect()
        .await;
    let _: Vec<_> = genai
        .chat("b")
        .start()
        .stream(ok(garbage.clone()), AnthropicMessages::default())
        .collect()
        .await;
    let _: Vec<_> = genai
        .chat("c")
        .start()
        .stream(ok(garbage), GeminiGenerateContent::default())
        .collect()
        .await;
    assert_eq!(t.spans().len(), 3);
    for span in t.spans() {
        assert_eq!(span.status, Status::Unset, "{}", span.name);
    }
}

/// A stream that panics when polled after it ended.
struct Strict {
    items: Vec<Json>,
    ended: bool,
}

impl futures::Stream for Strict {
    type Item = Result<Json, Broken>;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        assert!(!self.ended, "polled after completion");
        if self.items.is_empty() {
            self.ended = true;
            return std::task::Poll::Ready(None);
        }
        std::task::Poll::Ready(Some(Ok(self.items.remove(0))))
    }
}

/// Polling the wrapper again after it ended returns `None` without polling the inner stream.
#[tokio::test]
async fn polling_after_end_is_safe() {
    let t = TestTelemetry::new();
    let genai = genai(&t, false);
    let mut stream = genai.chat("m").start().stream(
        Strict {
            items: openai_text_chunks(true),
            ended: false,
        },
        OpenAiChat,
    );
    while stream.next().await.is_some() {}
    assert!(stream.next().await.is_none());
    assert!(stream.next().await.is_none());
    assert_eq!(t.spans().len(), 1);
}
