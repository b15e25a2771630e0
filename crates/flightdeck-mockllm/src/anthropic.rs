//! The Anthropic-compatible API: `POST /v1/messages`, plain and streaming (`message_start`,
//! `content_block_start`, `ping`, `content_block_delta`, `content_block_stop`,
//! `message_delta`, `message_stop`; `error` when a stream fails), with cache token fields.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::sse::Event;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::engine::{Engine, Fault, Plan, estimate_tokens};
use crate::{sse_response, tool_arguments};

fn error(status: StatusCode, kind: &str, message: &str) -> Response {
    (
        status,
        axum::Json(json!({"type": "error", "error": {"type": kind, "message": message}})),
    )
        .into_response()
}

fn bad_request(message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, "invalid_request_error", message)
}

async fn fault_response(fault: Fault) -> Response {
    match fault {
        Fault::RateLimited(retry_after) => {
            let mut r = error(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limit_error",
                "This request would exceed the rate limit for your organization. Please try again later.",
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
                "timeout_error",
                "Request timed out",
            )
        }
        Fault::ServerError => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "api_error",
            "Internal server error",
        ),
    }
}

/// Text of a content value (string or blocks), and whether a block carries `cache_control`.
/// Recursion depth is bounded by serde_json's nesting limit (128).
fn blocks(content: &Value, each: &mut dyn FnMut(String, bool)) {
    match content {
        Value::String(s) => each(s.clone(), false),
        Value::Array(items) => {
            for b in items {
                let mut text = String::new();
                if let Some(t) = b.get("text").and_then(Value::as_str) {
                    text.push_str(t);
                }
                if let Some(input) = b.get("input") {
                    text.push_str(&input.to_string());
                }
                if let Some(c) = b.get("content") {
                    match c {
                        Value::String(s) => text.push_str(s),
                        other => blocks(other, &mut |t, _| text.push_str(&t)),
                    }
                }
                each(text, b.get("cache_control").is_some());
            }
        }
        _ => {}
    }
}

enum Answer {
    Text(Vec<&'static str>),
    ToolUse {
        id: String,
        name: String,
        input: Value,
    },
}

/// `POST /v1/messages`.
pub(crate) async fn messages(State(engine): State<Arc<Engine>>, body: Bytes) -> Response {
    let Ok(req) = serde_json::from_slice::<Value>(&body) else {
        return bad_request("request body is not valid JSON");
    };
    let Some(model) = req.get("model").and_then(Value::as_str).map(str::to_owned) else {
        return bad_request("model: Field required");
    };
    let Some(max_tokens) = req.get("max_tokens").and_then(Value::as_u64) else {
        return bad_request("max_tokens: Field required");
    };
    let Some(messages) = req.get("messages").and_then(Value::as_array) else {
        return bad_request("messages: Field required");
    };
    let mut plan = engine.plan(&model);
    if let Some(f @ Fault::RateLimited(_)) = plan.fault {
        return fault_response(f).await;
    }

    // The prompt in order (tools, system, messages); the cacheable prefix ends at the last
    // block marked with `cache_control`.
    let mut prompt = String::new();
    let mut prefix_len = 0usize;
    let tools = req
        .get("tools")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for t in &tools {
        prompt.push_str(&t.to_string());
        if t.get("cache_control").is_some() {
            prefix_len = prompt.len();
        }
    }
    let mut add = |text: String, cached: bool| {
        prompt.push_str(&text);
        if cached {
            prefix_len = prompt.len();
        }
    };
    if let Some(system) = req.get("system") {
        blocks(system, &mut add);
    }
    for m in messages {
        if let Some(c) = m.get("content") {
            blocks(c, &mut add);
        }
    }
    let total_input = estimate_tokens(&prompt) + 3 * messages.len() as u64;
    let window = plan.behavior.context_window;
    if total_input > window {
        return bad_request(&format!(
            "prompt is too long: {total_input} tokens > {window} maximum"
        ));
    }
    if total_input + max_tokens > window {
        return bad_request(&format!(
            "input length and `max_tokens` exceed context limit: {total_input} + {max_tokens} > {window}, decrease input length or `max_tokens` and try again"
        ));
    }
    if let Some(f) = plan.fault {
        return fault_response(f).await;
    }

    let prefix = &prompt[..prefix_len];
    let prefix_tokens = estimate_tokens(prefix).min(total_input);
    let (cache_read, cache_write) =
        if prefix_len > 0 && prefix_tokens >= plan.behavior.cache_min_tokens {
            if engine.cache_hit(&model, prefix) {
                (prefix_tokens, 0)
            } else {
                (0, prefix_tokens)
            }
        } else {
            (0, 0)
        };
    let input_tokens = total_input - cache_read - cache_write;

    let last_is_tool_result = messages
        .last()
        .and_then(|m| m.get("content"))
        .and_then(Value::as_array)
        .is_some_and(|c| {
            c.iter()
                .any(|b| b.get("type").and_then(Value::as_str) == Some("tool_result"))
        });
    let choice_none = req.pointer("/tool_choice/type").and_then(Value::as_str) == Some("none");
    let mut stop = "end_turn";
    let answer = if !tools.is_empty() && !choice_none && !last_is_tool_result {
        let i = usize::try_from(plan.int(0, tools.len() as i64 - 1)).unwrap_or(0);
        let tool = tools.get(i);
        let name = tool
            .and_then(|t| t.get("name"))
            .and_then(Value::as_str)
            .unwrap_or("tool")
            .to_owned();
        let input = tool_arguments(&mut plan, tool.and_then(|t| t.get("input_schema")));
        stop = "tool_use";
        Answer::ToolUse {
            id: format!("toolu_{}", plan.id()),
            name,
            input,
        }
    } else {
        let mut n = plan.output_tokens();
        if u64::from(n) > max_tokens {
            n = u32::try_from(max_tokens).unwrap_or(u32::MAX);
            stop = "max_tokens";
        }
        Answer::Text(plan.words(n))
    };
    let output_tokens = match &answer {
        Answer::Text(w) => w.len() as u64,
        Answer::ToolUse { name, input, .. } => {
            estimate_tokens(name) + estimate_tokens(&input.to_string())
        }
    };
    let id = format!("msg_{}", plan.id());
    let usage = json!({
        "input_tokens": input_tokens,
        "cache_creation_input_tokens": cache_write,
        "cache_read_input_tokens": cache_read,
        "output_tokens": output_tokens
    });

    if req.get("stream").and_then(Value::as_bool) == Some(true) {
        return stream(&mut plan, id, model, answer, stop, usage);
    }
    let tokens = u32::try_from(output_tokens).unwrap_or(u32::MAX);
    tokio::time::sleep(plan.whole_answer_delay(tokens)).await;
    let content = match answer {
        Answer::Text(words) => json!([{"type": "text", "text": words.join(" ")}]),
        Answer::ToolUse { id, name, input } => {
            json!([{"type": "tool_use", "id": id, "name": name, "input": input}])
        }
    };
    axum::Json(json!({
        "id": id, "type": "message", "role": "assistant", "model": model,
        "content": content, "stop_reason": stop, "stop_sequence": null, "usage": usage
    }))
    .into_response()
}

fn event(name: &'static str, data: Value) -> Event {
    Event::default().event(name).data(data.to_string())
}

fn stream(
    plan: &mut Plan,
    id: String,
    model: String,
    answer: Answer,
    stop: &'static str,
    usage: Value,
) -> Response {
    let output_tokens = usage["output_tokens"].clone();
    let mut start_usage = usage;
    start_usage["output_tokens"] = json!(1);
    let mut events: Vec<(Duration, Event)> = vec![(
        plan.first_token_delay(),
        event(
            "message_start",
            json!({"type": "message_start", "message": {
                "id": id, "type": "message", "role": "assistant", "model": model, "content": [],
                "stop_reason": null, "stop_sequence": null, "usage": start_usage}}),
        ),
    )];
    let (block, deltas): (Value, Vec<Value>) = match answer {
        Answer::Text(words) => (
            json!({"type": "text", "text": ""}),
            words
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    let text = if i == 0 {
                        (*w).to_owned()
                    } else {
                        format!(" {w}")
                    };
                    json!({"type": "text_delta", "text": text})
                })
                .collect(),
        ),
        Answer::ToolUse { id, name, input } => {
            let json_text = input.to_string();
            let chars: Vec<char> = json_text.chars().collect();
            (
                json!({"type": "tool_use", "id": id, "name": name, "input": {}}),
                chars
                    .chunks(8)
                    .map(|c| {
                        json!({"type": "input_json_delta", "partial_json": c.iter().collect::<String>()})
                    })
                    .collect(),
            )
        }
    };
    events.push((
        Duration::ZERO,
        event(
            "content_block_start",
            json!({"type": "content_block_start", "index": 0, "content_block": block}),
        ),
    ));
    events.push((Duration::ZERO, event("ping", json!({"type": "ping"}))));
    let cut = plan.stream_error.then_some(deltas.len() / 2);
    for (i, delta) in deltas.into_iter().enumerate() {
        if cut == Some(i) {
            events.push((
                Duration::ZERO,
                event(
                    "error",
                    json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}),
                ),
            ));
            return sse_response(events);
        }
        let wait = plan.token_interval();
        events.push((
            wait,
            event(
                "content_block_delta",
                json!({"type": "content_block_delta", "index": 0, "delta": delta}),
            ),
        ));
    }
    events.push((
        Duration::ZERO,
        event(
            "content_block_stop",
            json!({"type": "content_block_stop", "index": 0}),
        ),
    ));
    events.push((
        Duration::ZERO,
        event(
            "message_delta",
            json!({"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": null},
                "usage": {"output_tokens": output_tokens}}),
        ),
    ));
    events.push((
        Duration::ZERO,
        event("message_stop", json!({"type": "message_stop"})),
    ));
    sse_response(events)
}
