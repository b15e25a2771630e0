//! Stream formats of OpenAI, Anthropic and Gemini, for chunks parsed as `serde_json::Value`
//! (and OpenAI's typed [`crate::openai::ChatChunk`]).

use opentelemetry::KeyValue;
use serde_json::Value;

use crate::keys;
use crate::openai::ChatChunk;
use crate::stream::{StreamAccumulator, StreamFormat};
use crate::usage::{AnthropicUsage, Usage};

fn u32_of(v: &Value) -> u32 {
    v.as_u64().and_then(|n| u32::try_from(n).ok()).unwrap_or(0)
}

/// OpenAI Chat Completions streaming chunks (`chat.completion.chunk`). With
/// `stream_options.include_usage`, usage arrives in a last chunk with no choices; an
/// `{"error": {...}}` chunk fails the span.
#[derive(Debug, Clone, Copy, Default)]
pub struct OpenAiChat;

impl StreamFormat<Value> for OpenAiChat {
    fn observe(&mut self, chunk: &Value, acc: &mut StreamAccumulator) {
        if let Some(error) = chunk.get("error") {
            let ty = error
                .get("code")
                .and_then(Value::as_str)
                .or_else(|| error.get("type").and_then(Value::as_str))
                .unwrap_or("_OTHER");
            let message = error.get("message").and_then(Value::as_str).unwrap_or("");
            acc.set_error(ty, message);
            return;
        }
        if let Some(id) = chunk.get("id").and_then(Value::as_str) {
            acc.set_response_id(id);
        }
        if let Some(model) = chunk.get("model").and_then(Value::as_str) {
            acc.set_response_model(model);
        }
        if let Some(fp) = chunk.get("system_fingerprint").and_then(Value::as_str) {
            acc.set_attribute(KeyValue::new(
                keys::OPENAI_RESPONSE_SYSTEM_FINGERPRINT,
                fp.to_owned(),
            ));
        }
        if let Some(tier) = chunk.get("service_tier").and_then(Value::as_str) {
            acc.set_attribute(KeyValue::new(
                keys::OPENAI_RESPONSE_SERVICE_TIER,
                tier.to_owned(),
            ));
        }
        for choice in chunk
            .get("choices")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[])
        {
            let index = choice.get("index").map(u32_of).unwrap_or(0);
            if let Some(delta) = choice.get("delta") {
                if let Some(role) = delta.get("role").and_then(Value::as_str) {
                    acc.set_role(index, role);
                }
                if let Some(text) = delta.get("content").and_then(Value::as_str) {
                    acc.push_text(index, text);
                }
                if let Some(text) = delta.get("reasoning_content").and_then(Value::as_str) {
                    acc.push_reasoning(index, text);
                }
                for call in delta
                    .get("tool_calls")
                    .and_then(Value::as_array)
                    .map(Vec::as_slice)
                    .unwrap_or(&[])
                {
                    let function = call.get("function");
                    acc.push_tool_call(
                        index,
                        call.get("index").map(u32_of).unwrap_or(0),
                        call.get("id").and_then(Value::as_str),
                        function.and_then(|f| f.get("name")).and_then(Value::as_str),
                        function
                            .and_then(|f| f.get("arguments"))
                            .and_then(Value::as_str)
                            .unwrap_or(""),
                    );
                }
            }
            if let Some(reason) = choice.get("finish_reason").and_then(Value::as_str) {
                acc.set_finish_reason(index, reason);
            }
        }
        if let Some(usage) = chunk.get("usage").and_then(Usage::from_openai_json) {
            acc.set_usage(usage);
        }
    }
}

impl StreamFormat<ChatChunk> for OpenAiChat {
    fn observe(&mut self, chunk: &ChatChunk, acc: &mut StreamAccumulator) {
        acc.set_response_id(&chunk.id);
        acc.set_response_model(&chunk.model);
        if let Some(fp) = &chunk.system_fingerprint {
            acc.set_attribute(KeyValue::new(
                keys::OPENAI_RESPONSE_SYSTEM_FINGERPRINT,
                fp.clone(),
            ));
        }
        if let Some(tier) = &chunk.service_tier {
            acc.set_attribute(KeyValue::new(
                keys::OPENAI_RESPONSE_SERVICE_TIER,
                tier.clone(),
            ));
        }
        for choice in &chunk.choices {
            let index = choice.index;
            if let Some(role) = &choice.delta.role {
                acc.set_role(index, role);
            }
            if let Some(text) = &choice.delta.content {
                acc.push_text(index, text);
            }
            for call in &choice.delta.tool_calls {
                let function = call.function.as_ref();
                acc.push_tool_call(
                    index,
                    call.index,
                    call.id.as_deref(),
                    function.and_then(|f| f.name.as_deref()),
                    function.and_then(|f| f.arguments.as_deref()).unwrap_or(""),
                );
            }
            if let Some(reason) = &choice.finish_reason {
                acc.set_finish_reason(index, reason);
            }
        }
        if let Some(usage) = &chunk.usage {
            acc.set_usage(Usage::from(usage.clone()));
        }
    }
}

/// Anthropic Messages streaming events (`message_start`, `content_block_start`,
/// `content_block_delta`, `message_delta`, `message_stop`, `error`), each the JSON `data` of an
/// SSE event. Usage comes from `message_start` (input and cache tokens) and `message_delta`
/// (cumulative output tokens) and is converted to the inclusive form.
#[derive(Debug, Clone, Default)]
pub struct AnthropicMessages {
    raw: AnthropicUsage,
    seen_usage: bool,
}

impl AnthropicMessages {
    fn merge(&mut self, usage: &Value) {
        let Ok(u) = serde_json::from_value::<AnthropicUsage>(usage.clone()) else {
            return;
        };
        self.seen_usage = true;
        if u.input_tokens.is_some() {
            self.raw.input_tokens = u.input_tokens;
        }
        if u.output_tokens.is_some() {
            self.raw.output_tokens = u.output_tokens;
        }
        if u.cache_read_input_tokens.is_some() {
            self.raw.cache_read_input_tokens = u.cache_read_input_tokens;
        }
        if u.cache_creation_input_tokens.is_some() {
            self.raw.cache_creation_input_tokens = u.cache_creation_input_tokens;
        }
    }
}

impl StreamFormat<Value> for AnthropicMessages {
    fn observe(&mut self, event: &Value, acc: &mut StreamAccumulator) {
        let ty = event.get("type").and_then(Value::as_str).unwrap_or("");
        match ty {
            "message_start" => {
                let Some(message) = event.get("message") else {
                    return;
                };
                if let Some(id) = message.get("id").and_then(Value::as_str) {
                    acc.set_response_id(id);
                }
                if let Some(model) = message.get("model").and_then(Value::as_str) {
                    acc.set_response_model(model);
                }
                if let Some(role) = message.get("role").and_then(Value::as_str) {
                    acc.set_role(0, role);
                }
                if let Some(usage) = message.get("usage") {
                    self.merge(usage);
                }
            }
            "content_block_start" => {
                let index = event.get("index").map(u32_of).unwrap_or(0);
                let Some(block) = event.get("content_block") else {
                    return;
                };
                match block.get("type").and_then(Value::as_str) {
                    Some("tool_use") | Some("server_tool_use") => acc.push_tool_call(
                        0,
                        index,
                        block.get("id").and_then(Value::as_str),
                        block.get("name").and_then(Value::as_str),
                        "",
                    ),
                    Some("text") => {
                        if let Some(text) = block.get("text").and_then(Value::as_str) {
                            acc.push_text(0, text);
                        }
                    }
                    _ => {}
                }
            }
            "content_block_delta" => {
                let index = event.get("index").map(u32_of).unwrap_or(0);
                let Some(delta) = event.get("delta") else {
                    return;
                };
                match delta.get("type").and_then(Value::as_str) {
                    Some("text_delta") => {
                        if let Some(text) = delta.get("text").and_then(Value::as_str) {
                            acc.push_text(0, text);
                        }
                    }
                    Some("thinking_delta") => {
                        if let Some(text) = delta.get("thinking").and_then(Value::as_str) {
                            acc.push_reasoning(0, text);
                        }
                    }
                    Some("input_json_delta") => {
                        let json = delta
                            .get("partial_json")
                            .and_then(Value::as_str)
                            .unwrap_or("");
                        acc.push_tool_call(0, index, None, None, json);
                    }
                    _ => {}
                }
            }
            "message_delta" => {
                if let Some(reason) = event
                    .get("delta")
                    .and_then(|d| d.get("stop_reason"))
                    .and_then(Value::as_str)
                {
                    acc.set_finish_reason(0, reason);
                }
                if let Some(usage) = event.get("usage") {
                    self.merge(usage);
                }
            }
            "error" => {
                let error = event.get("error");
                let ty = error
                    .and_then(|e| e.get("type"))
                    .and_then(Value::as_str)
                    .unwrap_or("_OTHER");
                let message = error
                    .and_then(|e| e.get("message"))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                acc.set_error(ty, message);
            }
            _ => {}
        }
        if self.seen_usage {
            acc.set_usage(Usage::from(self.raw.clone()));
        }
    }
}

/// Gemini `streamGenerateContent` chunks (`GenerateContentResponse` objects). Every chunk
/// carries the cumulative `usageMetadata`, so the last one wins. Finish reasons are lowercased
/// (`STOP` → `stop`).
#[derive(Debug, Clone, Copy, Default)]
pub struct GeminiGenerateContent {
    /// Function calls arrive whole, each in its own part; they are numbered in arrival order.
    next_call: u32,
}

impl StreamFormat<Value> for GeminiGenerateContent {
    fn observe(&mut self, chunk: &Value, acc: &mut StreamAccumulator) {
        if let Some(error) = chunk.get("error") {
            let ty = error
                .get("status")
                .and_then(Value::as_str)
                .unwrap_or("_OTHER");
            let message = error.get("message").and_then(Value::as_str).unwrap_or("");
            acc.set_error(ty, message);
            return;
        }
        if let Some(id) = chunk.get("responseId").and_then(Value::as_str) {
            acc.set_response_id(id);
        }
        if let Some(model) = chunk.get("modelVersion").and_then(Value::as_str) {
            acc.set_response_model(model);
        }
        for (position, candidate) in chunk
            .get("candidates")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            let index = candidate
                .get("index")
                .map(u32_of)
                .unwrap_or_else(|| u32::try_from(position).unwrap_or(0));
            if let Some(content) = candidate.get("content") {
                if let Some(role) = content.get("role").and_then(Value::as_str) {
                    // Gemini calls the assistant `model`.
                    acc.set_role(index, if role == "model" { "assistant" } else { role });
                }
                let parts = content
                    .get("parts")
                    .and_then(Value::as_array)
                    .map(Vec::as_slice)
                    .unwrap_or(&[]);
                for part in parts {
                    let thought = part.get("thought").and_then(Value::as_bool) == Some(true);
                    if let Some(text) = part.get("text").and_then(Value::as_str) {
                        if thought {
                            acc.push_reasoning(index, text);
                        } else {
                            acc.push_text(index, text);
                        }
                    }
                    if let Some(call) = part.get("functionCall") {
                        let args = call.get("args").map(Value::to_string).unwrap_or_default();
                        let call_index = self.next_call;
                        self.next_call = self.next_call.saturating_add(1);
                        acc.push_tool_call(
                            index,
                            call_index,
                            call.get("id").and_then(Value::as_str),
                            call.get("name").and_then(Value::as_str),
                            &args,
                        );
                    }
                }
            }
            if let Some(reason) = candidate.get("finishReason").and_then(Value::as_str) {
                acc.set_finish_reason(index, &reason.to_ascii_lowercase());
            }
        }
        if let Some(usage) = chunk.get("usageMetadata").and_then(Usage::from_gemini_json) {
            acc.set_usage(usage);
        }
    }
}
