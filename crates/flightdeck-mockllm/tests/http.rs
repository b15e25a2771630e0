//! The mock driven over real HTTP on localhost with `reqwest`: response shapes of both APIs,
//! streaming event sequences, usage and cache fields, failures with their provider-specific
//! bodies, determinism, configuration parsing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use flightdeck_mockllm::{Behavior, BehaviorOverride, MockLlm, MockLlmConfig, RunningMockLlm};
use serde_json::{Value, json};

async fn start(seed: u64, defaults: Behavior) -> RunningMockLlm {
    MockLlm::builder()
        .with_seed(seed)
        .with_defaults(defaults)
        .build()
        .unwrap()
        .spawn("127.0.0.1:0")
        .await
        .unwrap()
}

async fn post(url: String, body: Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(url)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// `data:` payloads (and `event:` names) of an SSE body.
fn sse(body: &str) -> Vec<(Option<String>, String)> {
    let mut out = Vec::new();
    for block in body.split("\n\n") {
        let mut event = None;
        let mut data = None;
        for line in block.lines() {
            if let Some(e) = line.strip_prefix("event: ") {
                event = Some(e.to_owned());
            } else if let Some(d) = line.strip_prefix("data: ") {
                data = Some(d.to_owned());
            }
        }
        if let Some(d) = data {
            out.push((event, d));
        }
    }
    out
}

fn chat_body(stream: bool, include_usage: bool) -> Value {
    let mut b = json!({"model": "gpt-4o-mini", "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hello there"}
    ]});
    if stream {
        b["stream"] = json!(true);
        if include_usage {
            b["stream_options"] = json!({"include_usage": true});
        }
    }
    b
}

/// A chat completion has the OpenAI shape; prompt tokens are estimated from the text:
/// "Be brief." (9 chars → 3) + "Hello there" (11 chars → 3) + 3 per message × 2 = 12.
#[tokio::test]
async fn openai_chat_completion_shape() {
    let mock = start(1, Behavior::instant()).await;
    let r = post(
        format!("{}/chat/completions", mock.openai_base_url()),
        chat_body(false, false),
    )
    .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["object"], "chat.completion");
    assert!(v["id"].as_str().unwrap().starts_with("chatcmpl-"));
    assert_eq!(v["model"], "gpt-4o-mini");
    assert_eq!(v["choices"][0]["message"]["role"], "assistant");
    assert_eq!(v["choices"][0]["finish_reason"], "stop");
    let text = v["choices"][0]["message"]["content"].as_str().unwrap();
    let words = text.split(' ').count() as u64;
    assert_eq!(v["usage"]["prompt_tokens"], 12);
    assert_eq!(v["usage"]["completion_tokens"], words);
    assert!((16..=96).contains(&words), "{words} words");
    assert_eq!(v["usage"]["total_tokens"], 12 + words);
    assert_eq!(v["usage"]["prompt_tokens_details"]["cached_tokens"], 0);
}

/// The same seed and request sequence give the same answers; another seed differs.
#[tokio::test]
async fn deterministic_for_a_seed() {
    let mut answers = Vec::new();
    for seed in [5, 5, 6] {
        let mock = start(seed, Behavior::instant()).await;
        let mut texts = Vec::new();
        for _ in 0..3 {
            let v: Value = post(
                format!("{}/chat/completions", mock.openai_base_url()),
                chat_body(false, false),
            )
            .await
            .json()
            .await
            .unwrap();
            texts.push(v["choices"][0]["message"]["content"].clone());
        }
        answers.push(texts);
    }
    assert_eq!(answers[0], answers[1]);
    assert_ne!(answers[0], answers[2]);
    assert_ne!(answers[0][0], answers[0][1]);
}

/// Streaming with `include_usage`: a role chunk, content chunks, a finish chunk, a usage
/// chunk with no choices, then `[DONE]`; the content chunks add up to the usage count.
#[tokio::test]
async fn openai_stream_with_usage() {
    let mock = start(2, Behavior::instant()).await;
    let r = post(
        format!("{}/chat/completions", mock.openai_base_url()),
        chat_body(true, true),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let events = sse(&r.text().await.unwrap());
    assert_eq!(events.last().unwrap().1, "[DONE]");
    let chunks: Vec<Value> = events[..events.len() - 1]
        .iter()
        .map(|(_, d)| serde_json::from_str(d).unwrap())
        .collect();
    assert_eq!(chunks[0]["choices"][0]["delta"]["role"], "assistant");
    assert_eq!(chunks[0]["object"], "chat.completion.chunk");
    let usage_chunk = chunks.last().unwrap();
    assert_eq!(usage_chunk["choices"], json!([]));
    let finish = &chunks[chunks.len() - 2];
    assert_eq!(finish["choices"][0]["finish_reason"], "stop");
    let content_chunks = chunks[1..chunks.len() - 2].len() as u64;
    assert_eq!(usage_chunk["usage"]["completion_tokens"], content_chunks);
    assert_eq!(usage_chunk["usage"]["prompt_tokens"], 12);
    // Every other chunk carries `"usage": null`, as OpenAI does.
    assert!(
        chunks[..chunks.len() - 1]
            .iter()
            .all(|c| c["usage"].is_null())
    );
}

/// Without `include_usage` there is no usage chunk and no `usage` key.
#[tokio::test]
async fn openai_stream_without_usage() {
    let mock = start(2, Behavior::instant()).await;
    let body = post(
        format!("{}/chat/completions", mock.openai_base_url()),
        chat_body(true, false),
    )
    .await
    .text()
    .await
    .unwrap();
    let events = sse(&body);
    for (_, d) in &events[..events.len() - 1] {
        let c: Value = serde_json::from_str(d).unwrap();
        assert!(c.get("usage").is_none(), "{c}");
        assert!(!c["choices"].as_array().unwrap().is_empty());
    }
}

/// With tools, the model calls one with arguments generated from its schema (required
/// properties only); after a tool result it answers with text.
#[tokio::test]
async fn openai_tool_calls() {
    let mock = start(3, Behavior::instant()).await;
    let tools = json!([{"type": "function", "function": {"name": "get_weather", "parameters": {
        "type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"},
        "unit": {"type": "string", "enum": ["c", "f"]}}, "required": ["city", "days"]}}}]);
    let url = format!("{}/chat/completions", mock.openai_base_url());
    let v: Value = post(
        url.clone(),
        json!({"model": "m", "messages": [{"role": "user", "content": "weather?"}], "tools": tools}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(v["choices"][0]["finish_reason"], "tool_calls");
    let call = &v["choices"][0]["message"]["tool_calls"][0];
    assert_eq!(call["type"], "function");
    assert_eq!(call["function"]["name"], "get_weather");
    assert!(call["id"].as_str().unwrap().starts_with("call_"));
    let args: Value =
        serde_json::from_str(call["function"]["arguments"].as_str().unwrap()).unwrap();
    assert!(args["city"].is_string());
    assert!(args["days"].is_i64());
    assert!(args.get("unit").is_none());

    let v: Value = post(
        url,
        json!({"model": "m", "tools": tools, "messages": [
            {"role": "user", "content": "weather?"},
            {"role": "assistant", "tool_calls": [call]},
            {"role": "tool", "tool_call_id": call["id"], "content": "rain"}
        ]}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(v["choices"][0]["finish_reason"], "stop");
    assert!(v["choices"][0]["message"]["content"].is_string());
}

/// `max_tokens` below the answer length cuts it with finish reason `length`.
#[tokio::test]
async fn max_tokens_cuts_with_length() {
    let mut b = Behavior::instant();
    b.min_output_tokens = 50;
    b.max_output_tokens = 50;
    let mock = start(4, b).await;
    let mut body = chat_body(false, false);
    body["max_tokens"] = json!(5);
    let v: Value = post(format!("{}/chat/completions", mock.openai_base_url()), body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["choices"][0]["finish_reason"], "length");
    assert_eq!(v["usage"]["completion_tokens"], 5);
}

/// Automatic prompt caching: a prefix of at least `cache_min_tokens` before the last message
/// is written on first use and read (rounded down to 128) afterwards.
#[tokio::test]
async fn openai_prompt_cache() {
    let mock = start(5, Behavior::instant()).await;
    let long = "x".repeat(4 * 1100); // 1100 tokens
    let body = json!({"model": "m", "messages": [
        {"role": "system", "content": long},
        {"role": "user", "content": "q"}
    ]});
    let url = format!("{}/chat/completions", mock.openai_base_url());
    let first: Value = post(url.clone(), body.clone()).await.json().await.unwrap();
    let second: Value = post(url, body).await.json().await.unwrap();
    assert_eq!(first["usage"]["prompt_tokens_details"]["cached_tokens"], 0);
    // 1100 → 1024 (8 × 128).
    assert_eq!(
        second["usage"]["prompt_tokens_details"]["cached_tokens"],
        1024
    );
    // 1100 + 1 ("q") + 2 × 3 overhead.
    assert_eq!(second["usage"]["prompt_tokens"], 1107);
}

/// Rate limits answer 429 with `Retry-After` and the provider's error body.
#[tokio::test]
async fn rate_limits() {
    let mut b = Behavior::instant();
    b.rate_limit_rate = 1.0;
    b.retry_after = Duration::from_millis(2500);
    let mock = start(6, b).await;
    let r = post(
        format!("{}/chat/completions", mock.openai_base_url()),
        chat_body(false, false),
    )
    .await;
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "3");
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "rate_limit_exceeded");

    let r = post(
        format!("{}/messages", mock.openai_base_url()),
        json!({"model": "claude", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}),
    )
    .await;
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "3");
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v,
        json!({"type": "error", "error": {"type": "rate_limit_error",
        "message": "This request would exceed the rate limit for your organization. Please try again later."}})
    );
}

/// Server errors answer 500 in each provider's format; timeouts hang, then answer 504.
#[tokio::test]
async fn server_errors_and_timeouts() {
    let mut b = Behavior::instant();
    b.error_rate = 1.0;
    let mock = start(7, b).await;
    let r = post(
        format!("{}/chat/completions", mock.openai_base_url()),
        chat_body(false, false),
    )
    .await;
    assert_eq!(r.status(), 500);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["type"], "server_error");
    let r = post(
        format!("{}/messages", mock.openai_base_url()),
        json!({"model": "c", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}),
    )
    .await;
    assert_eq!(r.status(), 500);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["type"], "api_error");

    let mut b = Behavior::instant();
    b.timeout_rate = 1.0;
    b.timeout_hang = Duration::from_millis(200);
    let mock = start(7, b).await;
    let started = Instant::now();
    let r = post(
        format!("{}/chat/completions", mock.openai_base_url()),
        chat_body(false, false),
    )
    .await;
    assert_eq!(r.status(), 504);
    assert!(started.elapsed() >= Duration::from_millis(200));
}

/// Requests over the context window fail as each provider fails.
#[tokio::test]
async fn context_length_errors() {
    let mock = MockLlm::builder()
        .with_defaults(Behavior::instant())
        .with_model(
            "tiny",
            BehaviorOverride {
                context_window: Some(20),
                ..BehaviorOverride::default()
            },
        )
        .build()
        .unwrap()
        .spawn("127.0.0.1:0")
        .await
        .unwrap();
    let long = "y".repeat(100); // 25 tokens
    let r = post(
        format!("{}/chat/completions", mock.openai_base_url()),
        json!({"model": "tiny", "messages": [{"role": "user", "content": long}]}),
    )
    .await;
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "context_length_exceeded");
    assert_eq!(v["error"]["type"], "invalid_request_error");
    // 25 + 3 overhead = 28 requested.
    assert!(v["error"]["message"].as_str().unwrap().starts_with(
        "This model's maximum context length is 20 tokens. However, you requested 28 tokens"
    ));
    let r = post(
        format!("{}/messages", mock.openai_base_url()),
        json!({"model": "tiny", "max_tokens": 5, "messages": [{"role": "user", "content": long}]}),
    )
    .await;
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v["error"],
        json!({"type": "invalid_request_error", "message": "prompt is too long: 28 tokens > 20 maximum"})
    );
    // Other models keep the default window.
    let r = post(
        format!("{}/chat/completions", mock.openai_base_url()),
        json!({"model": "big", "messages": [{"role": "user", "content": long}]}),
    )
    .await;
    assert_eq!(r.status(), 200);
}

/// Anthropic messages: shape, stop reason, and cache accounting: a `cache_control` system
/// block of 1100 tokens is written, then read; `input_tokens` excludes it.
#[tokio::test]
async fn anthropic_messages_and_cache() {
    let mock = start(8, Behavior::instant()).await;
    let system = json!([{"type": "text", "text": "s".repeat(4 * 1100), "cache_control": {"type": "ephemeral"}}]);
    let body = json!({"model": "claude-sonnet-4-5", "max_tokens": 200, "system": system,
        "messages": [{"role": "user", "content": "Hello there"}]});
    let url = format!("{}/messages", mock.openai_base_url());
    let first: Value = post(url.clone(), body.clone()).await.json().await.unwrap();
    let second: Value = post(url, body).await.json().await.unwrap();
    assert_eq!(first["type"], "message");
    assert_eq!(first["role"], "assistant");
    assert!(first["id"].as_str().unwrap().starts_with("msg_"));
    assert_eq!(first["stop_reason"], "end_turn");
    assert_eq!(first["content"][0]["type"], "text");
    // Total: 1100 + 3 ("Hello there") + 3 overhead = 1106.
    assert_eq!(first["usage"]["cache_creation_input_tokens"], 1100);
    assert_eq!(first["usage"]["cache_read_input_tokens"], 0);
    assert_eq!(first["usage"]["input_tokens"], 6);
    assert_eq!(second["usage"]["cache_creation_input_tokens"], 0);
    assert_eq!(second["usage"]["cache_read_input_tokens"], 1100);
    assert_eq!(second["usage"]["input_tokens"], 6);
}

/// Anthropic streaming: the event sequence, the usage split between `message_start` and
/// `message_delta`, and text deltas adding up to the output token count.
#[tokio::test]
async fn anthropic_stream_events() {
    let mock = start(9, Behavior::instant()).await;
    let body = post(
        format!("{}/messages", mock.openai_base_url()),
        json!({"model": "claude", "max_tokens": 300, "stream": true,
            "messages": [{"role": "user", "content": "Hello there"}]}),
    )
    .await
    .text()
    .await
    .unwrap();
    let events = sse(&body);
    let names: Vec<&str> = events
        .iter()
        .map(|(e, _)| e.as_deref().unwrap_or(""))
        .collect();
    assert_eq!(names[..3], ["message_start", "content_block_start", "ping"]);
    assert_eq!(
        names[names.len() - 3..],
        ["content_block_stop", "message_delta", "message_stop"]
    );
    let deltas = names
        .iter()
        .filter(|n| **n == "content_block_delta")
        .count() as u64;
    let start: Value = serde_json::from_str(&events[0].1).unwrap();
    assert_eq!(start["message"]["usage"]["input_tokens"], 6);
    assert_eq!(start["message"]["usage"]["output_tokens"], 1);
    let delta: Value = serde_json::from_str(&events[events.len() - 2].1).unwrap();
    assert_eq!(delta["delta"]["stop_reason"], "end_turn");
    assert_eq!(delta["usage"]["output_tokens"], deltas);
}

/// A failing stream sends an error in each provider's format after part of the answer.
#[tokio::test]
async fn mid_stream_errors() {
    let mut b = Behavior::instant();
    b.stream_error_rate = 1.0;
    let mock = start(10, b).await;
    let body = post(
        format!("{}/chat/completions", mock.openai_base_url()),
        chat_body(true, true),
    )
    .await
    .text()
    .await
    .unwrap();
    let events = sse(&body);
    let last: Value = serde_json::from_str(&events.last().unwrap().1).unwrap();
    assert_eq!(last["error"]["type"], "server_error");
    assert!(events.len() > 2);

    let body = post(
        format!("{}/messages", mock.openai_base_url()),
        json!({"model": "c", "max_tokens": 300, "stream": true,
            "messages": [{"role": "user", "content": "hi"}]}),
    )
    .await
    .text()
    .await
    .unwrap();
    let events = sse(&body);
    let (name, data) = events.last().unwrap();
    assert_eq!(name.as_deref(), Some("error"));
    let v: Value = serde_json::from_str(data).unwrap();
    assert_eq!(v["error"]["type"], "overloaded_error");
}

/// Embeddings: one unit vector per input, requested dimensions, base64 encoding, usage;
/// identical texts embed identically.
#[tokio::test]
async fn embeddings() {
    let mock = start(11, Behavior::instant()).await;
    let url = format!("{}/embeddings", mock.openai_base_url());
    let v: Value = post(
        url.clone(),
        json!({"model": "text-embedding-3-small", "input": ["abcd", "abcdefgh", "abcd"], "dimensions": 64}),
    )
    .await
    .json()
    .await
    .unwrap();
    let data = v["data"].as_array().unwrap();
    assert_eq!(data.len(), 3);
    let vec0: Vec<f64> = serde_json::from_value(data[0]["embedding"].clone()).unwrap();
    assert_eq!(vec0.len(), 64);
    let norm: f64 = vec0.iter().map(|x| x * x).sum();
    assert!((norm - 1.0).abs() < 1e-3);
    assert_eq!(data[0]["embedding"], data[2]["embedding"]);
    assert_ne!(data[0]["embedding"], data[1]["embedding"]);
    assert_eq!(data[1]["index"], 1);
    // 1 + 2 + 1 tokens.
    assert_eq!(v["usage"]["prompt_tokens"], 4);

    let v: Value = post(
        url.clone(),
        json!({"model": "e", "input": "abcd", "dimensions": 8, "encoding_format": "base64"}),
    )
    .await
    .json()
    .await
    .unwrap();
    // 8 floats × 4 bytes = 32 bytes → 44 base64 characters.
    assert_eq!(v["data"][0]["embedding"].as_str().unwrap().len(), 44);

    let r = post(url, json!({"model": "e", "input": 42})).await;
    assert_eq!(r.status(), 400);
}

/// `/v1/models` lists the configured models; `/health` answers.
#[tokio::test]
async fn models_and_health() {
    let mock = MockLlm::builder()
        .with_model("alpha", BehaviorOverride::default())
        .with_model("beta", BehaviorOverride::default())
        .build()
        .unwrap()
        .spawn("127.0.0.1:0")
        .await
        .unwrap();
    let v: Value = reqwest::get(format!("{}/models", mock.openai_base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["alpha", "beta"]);
    let r = reqwest::get(format!("{}/health", mock.base_url()))
        .await
        .unwrap();
    assert_eq!(r.text().await.unwrap(), "ok");
}

/// Bad requests get 400 in the provider's format, not a panic or a 500.
#[tokio::test]
async fn bad_requests() {
    let mock = start(12, Behavior::instant()).await;
    let client = reqwest::Client::new();
    let r = client
        .post(format!("{}/chat/completions", mock.openai_base_url()))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["type"], "invalid_request_error");
    let r = post(
        format!("{}/messages", mock.openai_base_url()),
        json!({"model": "c", "messages": []}),
    )
    .await;
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["message"], "max_tokens: Field required");
}

/// Time to first token is honoured: the first chunk does not arrive before it.
#[tokio::test]
async fn time_to_first_token_is_a_lower_bound() {
    let mut b = Behavior::instant();
    b.time_to_first_token = Duration::from_millis(150);
    let mock = start(13, b).await;
    let started = Instant::now();
    let mut r = post(
        format!("{}/chat/completions", mock.openai_base_url()),
        chat_body(true, true),
    )
    .await;
    let first = r.chunk().await.unwrap().unwrap();
    assert!(!first.is_empty());
    assert!(started.elapsed() >= Duration::from_millis(150));
}

/// The TOML configuration parses with durations and per-model overrides, and unknown keys
/// are rejected naming the key.
#[test]
fn toml_configuration() {
    let c: MockLlmConfig = toml::from_str(
        r#"
        seed = 7
        [defaults]
        time_to_first_token = "200ms"
        tokens_per_second = 50.0
        rate_limit_rate = 0.05
        [models."gpt-4o-mini"]
        context_window = 8192
        "#,
    )
    .unwrap();
    assert_eq!(c.seed, 7);
    assert_eq!(c.defaults.time_to_first_token, Duration::from_millis(200));
    assert_eq!(c.behavior("gpt-4o-mini").context_window, 8192);
    assert_eq!(c.behavior("gpt-4o-mini").tokens_per_second, 50.0);
    c.validate().unwrap();
    let err = toml::from_str::<MockLlmConfig>("[defaults]\nlatency = \"1s\"")
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown field `latency`"), "{err}");
}
