//! The OpenAI-compatible API: `POST /v1/chat/completions` (plain and SSE streaming, with a
//! usage chunk when `stream_options.include_usage` is set, tool calls when tools are given),
//! `POST /v1/embeddings`, `GET /v1/models`.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::sse::Event;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::{Value, json};

use crate::engine::{Engine, Fault, Plan, estimate_tokens};
use crate::{now_secs, sse_response, tool_arguments};

/// Token overhead per chat message (role and separators).
const MESSAGE_OVERHEAD_TOKENS: u64 = 3;

fn error(
    status: StatusCode,
    message: &str,
    kind: &str,
    code: Option<&str>,
    param: Option<&str>,
) -> Response {
    (
        status,
        axum::Json(json!({
            "error": {"message": message, "type": kind, "param": param, "code": code}
        })),
    )
        .into_response()
}

fn bad_request(message: &str) -> Response {
    error(
        StatusCode::BAD_REQUEST,
        message,
        "invalid_request_error",
        None,
        None,
    )
}

/// The answer to a fault. Timeouts hang first.
async fn fault_response(fault: Fault) -> Response {
    match fault {
        Fault::RateLimited(retry_after) => {
            let mut r = error(
                StatusCode::TOO_MANY_REQUESTS,
                "Rate limit reached for requests. Please try again later.",
                "requests",
                Some("rate_limit_exceeded"),
                None,
            );
            let secs = retry_after.as_secs_f64().ceil().max(1.0);
            if let Ok(v) = HeaderValue::from_str(&format!("{secs:.0}")) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            r
        }
        Fault::Timeout(hang) => {
            tokio::time::sleep(hang).await;
            error(
                StatusCode::GATEWAY_TIMEOUT,
                "Request timed out.",
                "timeout",
                None,
                None,
            )
        }
        Fault::ServerError => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The server had an error while processing your request. Sorry about that!",
            "server_error",
            None,
            None,
        ),
    }
}

/// All text of a message `content` (string or array of parts).
fn content_text(content: &Value, out: &mut String) {
    match content {
        Value::String(s) => out.push_str(s),
        Value::Array(parts) => {
            for p in parts {
                if let Some(t) = p.get("text").and_then(Value::as_str) {
                    out.push_str(t);
                }
            }
        }
        _ => {}
    }
}

fn message_text(m: &Value) -> String {
    let mut s = String::new();
    if let Some(c) = m.get("content") {
        content_text(c, &mut s);
    }
    for call in m
        .get("tool_calls")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
    {
        if let Some(f) = call.get("function") {
            s.push_str(f.get("name").and_then(Value::as_str).unwrap_or(""));
            s.push_str(f.get("arguments").and_then(Value::as_str).unwrap_or(""));
        }
    }
    s
}

/// What the model will say.
enum Answer {
    Text(Vec<&'static str>),
    ToolCall {
        id: String,
        name: String,
        arguments: String,
    },
}

/// `POST /v1/chat/completions`.
pub(crate) async fn chat(State(engine): State<Arc<Engine>>, body: Bytes) -> Response {
    let Ok(req) = serde_json::from_slice::<Value>(&body) else {
        return bad_request("We could not parse the JSON body of your request.");
    };
    let Some(model) = req.get("model").and_then(Value::as_str).map(str::to_owned) else {
        return bad_request("you must provide a model parameter");
    };
    let Some(messages) = req.get("messages").and_then(Value::as_array) else {
        return bad_request("Missing required parameter: 'messages'.");
    };
    let mut plan = engine.plan(&model);
    if let Some(f @ Fault::RateLimited(_)) = plan.fault {
        return fault_response(f).await;
    }

    let texts: Vec<String> = messages.iter().map(message_text).collect();
    let tools = req
        .get("tools")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let tools_text = if tools.is_empty() {
        String::new()
    } else {
        Value::Array(tools.clone()).to_string()
    };
    let input_tokens: u64 = texts.iter().map(|t| estimate_tokens(t)).sum::<u64>()
        + MESSAGE_OVERHEAD_TOKENS * texts.len() as u64
        + estimate_tokens(&tools_text);
    let max_tokens = req
        .get("max_completion_tokens")
        .or_else(|| req.get("max_tokens"))
        .and_then(Value::as_u64);
    let window = plan.behavior.context_window;
    let requested = input_tokens + max_tokens.unwrap_or(0);
    if requested > window {
        let message = format!(
            "This model's maximum context length is {window} tokens. However, you requested {requested} tokens ({input_tokens} in the messages, {} in the completion). Please reduce the length of the messages or completion.",
            max_tokens.unwrap_or(0)
        );
        return error(
            StatusCode::BAD_REQUEST,
            &message,
            "invalid_request_error",
            Some("context_length_exceeded"),
            Some("messages"),
        );
    }
    if let Some(f) = plan.fault {
        return fault_response(f).await;
    }

    // Automatic prompt caching: everything before the last message.
    let prefix: String = texts[..texts.len().saturating_sub(1)].concat() + &tools_text;
    let prefix_tokens = estimate_tokens(&prefix);
    let cached =
        if prefix_tokens >= plan.behavior.cache_min_tokens && engine.cache_hit(&model, &prefix) {
            (prefix_tokens / 128 * 128).min(input_tokens)
        } else {
            0
        };

    let wants_tool = !tools.is_empty()
        && req.get("tool_choice").and_then(Value::as_str) != Some("none")
        && messages
            .last()
            .and_then(|m| m.get("role"))
            .and_then(Value::as_str)
            != Some("tool");
    let mut finish = "stop";
    let answer = if wants_tool {
        let i = usize::try_from(plan.int(0, tools.len() as i64 - 1)).unwrap_or(0);
        let function = tools.get(i).and_then(|t| t.get("function"));
        let name = function
            .and_then(|f| f.get("name"))
            .and_then(Value::as_str)
            .unwrap_or("tool")
            .to_owned();
        let arguments = tool_arguments(&mut plan, function.and_then(|f| f.get("parameters")));
        finish = "tool_calls";
        Answer::ToolCall {
            id: format!("call_{}", plan.id()),
            name,
            arguments: arguments.to_string(),
        }
    } else {
        let mut n = plan.output_tokens();
        if let Some(cap) = max_tokens.and_then(|m| u32::try_from(m).ok())
            && n > cap
        {
            n = cap;
            finish = "length";
        }
        Answer::Text(plan.words(n))
    };
    let output_tokens = match &answer {
        Answer::Text(words) => words.len() as u64,
        Answer::ToolCall {
            name, arguments, ..
        } => estimate_tokens(name) + estimate_tokens(arguments),
    };
    let usage = json!({
        "prompt_tokens": input_tokens,
        "completion_tokens": output_tokens,
        "total_tokens": input_tokens + output_tokens,
        "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
            "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}
    });
    let id = format!("chatcmpl-{}", plan.id());
    let created = now_secs();

    if req.get("stream").and_then(Value::as_bool) == Some(true) {
        let include_usage = req
            .pointer("/stream_options/include_usage")
            .and_then(Value::as_bool)
            == Some(true);
        return stream(
            &mut plan,
            StreamParts {
                id,
                model,
                created,
                answer,
                finish,
                usage: include_usage.then_some(usage),
            },
        );
    }

    let tokens = u32::try_from(output_tokens).unwrap_or(u32::MAX);
    tokio::time::sleep(plan.whole_answer_delay(tokens)).await;
    let message = match answer {
        Answer::Text(words) => {
            json!({"role": "assistant", "content": words.join(" "), "refusal": null})
        }
        Answer::ToolCall {
            id: call_id,
            name,
            arguments,
        } => json!({"role": "assistant", "content": null, "refusal": null, "tool_calls": [
            {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}
        ]}),
    };
    axum::Json(json!({
        "id": id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "system_fingerprint": "fp_mock",
        "service_tier": "default",
        "choices": [{"index": 0, "message": message, "logprobs": null, "finish_reason": finish}],
        "usage": usage
    }))
    .into_response()
}

struct StreamParts {
    id: String,
    model: String,
    created: u64,
    answer: Answer,
    finish: &'static str,
    usage: Option<Value>,
}

fn stream(plan: &mut Plan, p: StreamParts) -> Response {
    let has_usage = p.usage.is_some();
    let chunk = |choices: Value| {
        let mut c = json!({
            "id": p.id, "object": "chat.completion.chunk", "created": p.created,
            "model": p.model, "system_fingerprint": "fp_mock", "service_tier": "default",
            "choices": choices
        });
        if has_usage {
            c["usage"] = Value::Null;
        }
        Event::default().data(c.to_string())
    };
    let delta = |d: Value, finish: Option<&str>| json!([{"index": 0, "delta": d, "logprobs": null, "finish_reason": finish}]);
    let mut events: Vec<(Duration, Event)> = Vec::new();
    events.push((
        plan.first_token_delay(),
        chunk(delta(json!({"role": "assistant", "content": ""}), None)),
    ));
    let pieces: Vec<Value> = match &p.answer {
        Answer::Text(words) => words
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let text = if i == 0 {
                    (*w).to_owned()
                } else {
                    format!(" {w}")
                };
                json!({"content": text})
            })
            .collect(),
        Answer::ToolCall {
            id,
            name,
            arguments,
        } => {
            let mut v = vec![
                json!({"tool_calls": [{"index": 0, "id": id, "type": "function",
                "function": {"name": name, "arguments": ""}}]}),
            ];
            let chars: Vec<char> = arguments.chars().collect();
            for part in chars.chunks(8) {
                let s: String = part.iter().collect();
                v.push(json!({"tool_calls": [{"index": 0, "function": {"arguments": s}}]}));
            }
            v
        }
    };
    let cut = if plan.stream_error {
        Some(pieces.len() / 2)
    } else {
        None
    };
    for (i, piece) in pieces.into_iter().enumerate() {
        if cut == Some(i) {
            events.push((
                Duration::ZERO,
                Event::default().data(
                    json!({"error": {"message": "The server had an error while processing your request.",
                        "type": "server_error", "param": null, "code": null}})
                    .to_string(),
                ),
            ));
            return sse_response(events);
        }
        let wait = plan.token_interval();
        events.push((wait, chunk(delta(piece, None))));
    }
    events.push((Duration::ZERO, chunk(delta(json!({}), Some(p.finish)))));
    if let Some(usage) = p.usage {
        let c = json!({
            "id": p.id, "object": "chat.completion.chunk", "created": p.created,
            "model": p.model, "system_fingerprint": "fp_mock", "service_tier": "default",
            "choices": [], "usage": usage
        });
        events.push((Duration::ZERO, Event::default().data(c.to_string())));
    }
    events.push((Duration::ZERO, Event::default().data("[DONE]")));
    sse_response(events)
}

/// `POST /v1/embeddings`.
pub(crate) async fn embeddings(State(engine): State<Arc<Engine>>, body: Bytes) -> Response {
    let Ok(req) = serde_json::from_slice::<Value>(&body) else {
        return bad_request("We could not parse the JSON body of your request.");
    };
    let Some(model) = req.get("model").and_then(Value::as_str).map(str::to_owned) else {
        return bad_request("you must provide a model parameter");
    };
    // Inputs: a string, strings, token ids, or lists of token ids.
    let inputs: Vec<(String, u64)> = match req.get("input") {
        Some(Value::String(s)) => vec![(s.clone(), estimate_tokens(s))],
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => items
            .iter()
            .filter_map(Value::as_str)
            .map(|s| (s.to_owned(), estimate_tokens(s)))
            .collect(),
        Some(Value::Array(items)) if items.iter().all(Value::is_number) => {
            vec![(Value::Array(items.clone()).to_string(), items.len() as u64)]
        }
        Some(Value::Array(items)) if items.iter().all(Value::is_array) => items
            .iter()
            .map(|i| (i.to_string(), i.as_array().map_or(0, |a| a.len() as u64)))
            .collect(),
        _ => {
            return bad_request(
                "'input' must be a string, an array of strings or an array of token arrays",
            );
        }
    };
    if inputs.is_empty() {
        return bad_request("'input' must not be empty");
    }
    let mut plan = engine.plan(&model);
    if let Some(f @ Fault::RateLimited(_)) = plan.fault {
        return fault_response(f).await;
    }
    let window = plan.behavior.context_window;
    if let Some((_, tokens)) = inputs.iter().find(|(_, t)| *t > window) {
        let message = format!(
            "This model's maximum context length is {window} tokens, however you requested {tokens} tokens ({tokens} in your prompt; 0 for the completion). Please reduce your prompt; or completion length."
        );
        return error(
            StatusCode::BAD_REQUEST,
            &message,
            "invalid_request_error",
            Some("context_length_exceeded"),
            Some("input"),
        );
    }
    if let Some(f) = plan.fault {
        return fault_response(f).await;
    }
    let dims = match req.get("dimensions").and_then(Value::as_u64) {
        Some(d) if (1..=65_536).contains(&d) => u32::try_from(d).unwrap_or(1),
        Some(_) => return bad_request("'dimensions' must be between 1 and 65536"),
        None => plan.behavior.embedding_dimensions,
    };
    let base64 = match req.get("encoding_format").and_then(Value::as_str) {
        None | Some("float") => false,
        Some("base64") => true,
        Some(other) => {
            return bad_request(&format!(
                "'encoding_format' must be 'float' or 'base64', got '{other}'"
            ));
        }
    };
    tokio::time::sleep(plan.base_delay()).await;
    let seed = engine.config.seed;
    let data: Vec<Value> = inputs
        .iter()
        .enumerate()
        .map(|(i, (text, _))| {
            let v = Plan::embedding(seed, text, dims);
            let embedding = if base64 {
                let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
                Value::String(base64::engine::general_purpose::STANDARD.encode(bytes))
            } else {
                json!(v)
            };
            json!({"object": "embedding", "index": i, "embedding": embedding})
        })
        .collect();
    let tokens: u64 = inputs.iter().map(|(_, t)| t).sum();
    axum::Json(json!({
        "object": "list",
        "data": data,
        "model": model,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens}
    }))
    .into_response()
}

/// Models listed when none are configured.
const DEFAULT_MODELS: [&str; 4] = [
    "gpt-4o-mini",
    "gpt-4o",
    "text-embedding-3-small",
    "claude-sonnet-4-5",
];

/// `GET /v1/models`.
pub(crate) async fn models(State(engine): State<Arc<Engine>>) -> Response {
    let names: Vec<&str> = if engine.config.models.is_empty() {
        DEFAULT_MODELS.to_vec()
    } else {
        engine.config.models.keys().map(String::as_str).collect()
    };
    let data: Vec<Value> = names
        .iter()
        .map(|id| json!({"id": id, "object": "model", "created": 1_700_000_000, "owned_by": "flightdeck-mock"}))
        .collect();
    axum::Json(json!({"object": "list", "data": data})).into_response()
}
