//! Conversion of messages and message parts in any known shape (current conventions, OpenAI chat,
//! Anthropic messages, Vercel AI SDK, old per-message event bodies) to the current conventions'
//! JSON shapes (`ChatMessage` / `OutputMessage` with typed parts).

use serde_json::{Map, Value, json};

use crate::names::canonical_finish_reason;

/// Parses a string as JSON when it holds an object or an array; otherwise `None`.
pub(crate) fn parse_structured(text: &str) -> Option<Value> {
    let trimmed = text.trim_start();
    if !(trimmed.starts_with('{') || trimmed.starts_with('[')) {
        return None;
    }
    serde_json::from_str::<Value>(trimmed)
        .ok()
        .filter(|v| v.is_object() || v.is_array())
}

/// Tool-call arguments: an object is preferred, so a string holding a JSON object or array is
/// parsed; anything else is kept as sent.
fn arguments(value: Option<&Value>) -> Option<Value> {
    match value? {
        Value::String(s) => Some(parse_structured(s).unwrap_or_else(|| Value::String(s.clone()))),
        Value::Null => None,
        other => Some(other.clone()),
    }
}

fn text_part(text: &str) -> Value {
    json!({"type": "text", "content": text})
}

fn str_field<'v>(obj: &'v Map<String, Value>, keys: &[&str]) -> Option<&'v str> {
    keys.iter()
        .find_map(|k| obj.get(*k).and_then(Value::as_str))
}

fn insert_opt(obj: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(value) = value
        && !value.is_null()
    {
        obj.insert(key.to_owned(), value);
    }
}

fn tool_call(id: Option<&Value>, name: Option<&str>, args: Option<&Value>) -> Value {
    let mut part = Map::new();
    part.insert("type".into(), "tool_call".into());
    insert_opt(&mut part, "id", id.filter(|v| !v.is_null()).cloned());
    part.insert("name".into(), name.unwrap_or_default().into());
    insert_opt(&mut part, "arguments", arguments(args));
    Value::Object(part)
}

fn tool_response(id: Option<&Value>, response: Option<&Value>) -> Value {
    let mut part = Map::new();
    part.insert("type".into(), "tool_call_response".into());
    insert_opt(&mut part, "id", id.filter(|v| !v.is_null()).cloned());
    part.insert("response".into(), response.cloned().unwrap_or(Value::Null));
    Value::Object(part)
}

/// An OpenAI-style tool call (`{id, type, function: {name, arguments}}`) or a Vercel one
/// (`{toolCallId, toolName, args | input}`).
pub(crate) fn tool_call_from_any(call: &Value) -> Option<Value> {
    let obj = call.as_object()?;
    if let Some(function) = obj.get("function").and_then(Value::as_object) {
        return Some(tool_call(
            obj.get("id"),
            function.get("name").and_then(Value::as_str),
            function.get("arguments"),
        ));
    }
    if obj.contains_key("toolName") || obj.contains_key("toolCallId") {
        return Some(tool_call(
            obj.get("toolCallId"),
            obj.get("toolName").and_then(Value::as_str),
            obj.get("input").or_else(|| obj.get("args")),
        ));
    }
    if obj.get("type").and_then(Value::as_str) == Some("tool_call") || obj.contains_key("name") {
        return Some(tool_call(
            obj.get("id"),
            obj.get("name").and_then(Value::as_str),
            obj.get("arguments").or_else(|| obj.get("input")),
        ));
    }
    None
}

/// One part in any known shape → a part of the current conventions.
pub(crate) fn part_from_any(part: &Value) -> Option<Value> {
    let obj = match part {
        Value::String(s) => return Some(text_part(s)),
        Value::Object(obj) => obj,
        Value::Null => return None,
        other => return Some(text_part(&other.to_string())),
    };
    let Some(kind) = obj.get("type").and_then(Value::as_str) else {
        return str_field(obj, &["text", "content"]).map(text_part);
    };
    Some(match kind {
        "text" | "input_text" | "output_text" => text_part(str_field(obj, &["content", "text"])?),
        "tool_call" => tool_call(
            obj.get("id"),
            obj.get("name").and_then(Value::as_str),
            obj.get("arguments"),
        ),
        "tool_call_response" => tool_response(
            obj.get("id"),
            obj.get("response").or_else(|| obj.get("result")),
        ),
        "tool-call" => tool_call(
            obj.get("toolCallId"),
            obj.get("toolName").and_then(Value::as_str),
            obj.get("input").or_else(|| obj.get("args")),
        ),
        "tool-result" => tool_response(
            obj.get("toolCallId"),
            obj.get("output").or_else(|| obj.get("result")),
        ),
        "tool_use" => tool_call(
            obj.get("id"),
            obj.get("name").and_then(Value::as_str),
            obj.get("input"),
        ),
        "tool_result" => tool_response(obj.get("tool_use_id"), obj.get("content")),
        "thinking" | "reasoning" => json!({
            "type": "reasoning",
            "content": str_field(obj, &["content", "thinking", "text"]).unwrap_or_default(),
        }),
        "image_url" => {
            let url = obj
                .get("image_url")
                .and_then(|u| u.get("url").or(Some(u)))
                .and_then(Value::as_str)?;
            json!({"type": "uri", "modality": "image", "uri": url})
        }
        "image" => image_part(obj)?,
        _ => part.clone(),
    })
}

/// Anthropic (`source: {type: base64|url, ...}`) and Vercel (`image`, `mediaType`) images.
fn image_part(obj: &Map<String, Value>) -> Option<Value> {
    if let Some(source) = obj.get("source").and_then(Value::as_object) {
        let mime = source.get("media_type").and_then(Value::as_str);
        if let Some(data) = source.get("data").and_then(Value::as_str) {
            let mut part = json!({"type": "blob", "modality": "image", "content": data});
            if let (Some(mime), Some(p)) = (mime, part.as_object_mut()) {
                p.insert("mime_type".into(), mime.into());
            }
            return Some(part);
        }
        if let Some(url) = source.get("url").and_then(Value::as_str) {
            return Some(json!({"type": "uri", "modality": "image", "uri": url}));
        }
    }
    let image = obj.get("image").and_then(Value::as_str)?;
    let mut part = if image.starts_with("http://") || image.starts_with("https://") {
        json!({"type": "uri", "modality": "image", "uri": image})
    } else {
        json!({"type": "blob", "modality": "image", "content": image})
    };
    if let (Some(mime), Some(p)) = (
        obj.get("mediaType").and_then(Value::as_str),
        part.as_object_mut(),
    ) {
        p.insert("mime_type".into(), mime.into());
    }
    Some(part)
}

/// Message content (a string, a list of parts, or one part) → parts.
fn content_parts(content: Option<&Value>, parts: &mut Vec<Value>) {
    match content {
        Some(Value::String(s)) if !s.is_empty() => parts.push(text_part(s)),
        Some(Value::Array(items)) => parts.extend(items.iter().filter_map(part_from_any)),
        Some(obj @ Value::Object(_)) => parts.extend(part_from_any(obj)),
        _ => {}
    }
}

/// A message in any known shape → a message of the current conventions. `default_role` applies
/// when the message names none (old per-message event bodies often omit it).
pub(crate) fn message_from_any(message: &Value, default_role: &str) -> Option<Value> {
    let obj = match message {
        Value::Object(obj) => obj,
        Value::String(s) => {
            return Some(json!({"role": default_role, "parts": [text_part(s)]}));
        }
        _ => return None,
    };
    let role = obj
        .get("role")
        .and_then(Value::as_str)
        .filter(|r| !r.is_empty())
        .unwrap_or(default_role);
    let mut out = Map::new();
    out.insert("role".into(), role.into());
    let mut parts = Vec::new();
    if let Some(Value::Array(existing)) = obj.get("parts") {
        parts.extend(existing.iter().filter_map(part_from_any));
    } else if role == "tool" || role == "function" {
        let id = obj.get("tool_call_id").or_else(|| obj.get("id"));
        parts.push(tool_response(id, obj.get("content")));
    } else {
        content_parts(obj.get("content"), &mut parts);
        if let Some(Value::Array(calls)) = obj.get("tool_calls") {
            parts.extend(calls.iter().filter_map(tool_call_from_any));
        }
        if let Some(call) = obj.get("function_call").and_then(Value::as_object) {
            parts.push(tool_call(
                None,
                call.get("name").and_then(Value::as_str),
                call.get("arguments"),
            ));
        }
    }
    out.insert("parts".into(), Value::Array(parts));
    if let Some(name) = obj.get("name").and_then(Value::as_str) {
        out.insert("name".into(), name.into());
    }
    if let Some(reason) = obj.get("finish_reason").and_then(Value::as_str) {
        out.insert(
            "finish_reason".into(),
            canonical_finish_reason(reason).into(),
        );
    }
    Some(Value::Object(out))
}

/// A list of messages in any known shape.
pub(crate) fn messages_from_any(value: &Value, default_role: &str) -> Option<Value> {
    let items = value.as_array()?;
    let messages: Vec<Value> = items
        .iter()
        .filter_map(|m| message_from_any(m, default_role))
        .collect();
    (!messages.is_empty()).then_some(Value::Array(messages))
}

/// An OpenAI chat completion or Anthropic message response → output messages.
pub(crate) fn output_from_response(response: &Value) -> Option<Value> {
    let obj = response.as_object()?;
    if let Some(Value::Array(choices)) = obj.get("choices") {
        let mut messages = Vec::new();
        for choice in choices {
            let Some(message) = choice.get("message").or_else(|| choice.get("delta")) else {
                if let Some(text) = choice.get("text").and_then(Value::as_str) {
                    messages.push(json!({"role": "assistant", "parts": [text_part(text)]}));
                }
                continue;
            };
            if let Some(Value::Object(mut m)) = message_from_any(message, "assistant") {
                if let Some(reason) = choice.get("finish_reason").and_then(Value::as_str) {
                    m.insert(
                        "finish_reason".into(),
                        canonical_finish_reason(reason).into(),
                    );
                }
                messages.push(Value::Object(m));
            }
        }
        return (!messages.is_empty()).then_some(Value::Array(messages));
    }
    if obj.contains_key("content") && obj.contains_key("role") {
        let mut message = message_from_any(response, "assistant")?;
        if let (Some(reason), Some(m)) = (
            obj.get("stop_reason").and_then(Value::as_str),
            message.as_object_mut(),
        ) {
            m.insert(
                "finish_reason".into(),
                canonical_finish_reason(reason).into(),
            );
        }
        return Some(Value::Array(vec![message]));
    }
    if let Some(message) = obj.get("message") {
        return message_from_any(message, "assistant").map(|m| Value::Array(vec![m]));
    }
    None
}

/// A tool definition in any known shape (current, OpenAI `{type, function: {...}}`, Anthropic
/// `input_schema`, Vercel `inputSchema`) → a `FunctionToolDefinition`.
pub(crate) fn tool_definition_from_any(def: &Value) -> Option<Value> {
    let def = match def {
        Value::String(s) => parse_structured(s)?,
        other => other.clone(),
    };
    let obj = def.as_object()?;
    let inner = obj
        .get("function")
        .and_then(Value::as_object)
        .unwrap_or(obj);
    let name = inner.get("name").and_then(Value::as_str)?;
    let kind = obj
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("function");
    let mut out = Map::new();
    out.insert("type".into(), kind.into());
    out.insert("name".into(), name.into());
    if let Some(description) = inner.get("description").and_then(Value::as_str) {
        out.insert("description".into(), description.into());
    }
    let parameters = ["parameters", "input_schema", "inputSchema"]
        .iter()
        .find_map(|k| inner.get(*k))
        .map(|p| match p {
            Value::String(s) => parse_structured(s).unwrap_or_else(|| p.clone()),
            other => other.clone(),
        });
    insert_opt(&mut out, "parameters", parameters);
    Some(Value::Object(out))
}

/// A list of tool definitions.
pub(crate) fn tool_definitions_from_any(value: &Value) -> Option<Value> {
    let defs: Vec<Value> = value
        .as_array()?
        .iter()
        .filter_map(tool_definition_from_any)
        .collect();
    (!defs.is_empty()).then_some(Value::Array(defs))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An OpenAI assistant message with a tool call becomes a tool_call part with parsed arguments;
    /// a tool message becomes a tool_call_response with the raw content as response.
    #[test]
    fn openai_messages() {
        let assistant = json!({"role": "assistant", "content": null, "tool_calls": [
            {"id": "call_1", "type": "function",
             "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]});
        assert_eq!(
            message_from_any(&assistant, "user").unwrap(),
            json!({"role": "assistant", "parts": [
                {"type": "tool_call", "id": "call_1", "name": "get_weather",
                 "arguments": {"city": "Paris"}}]})
        );
        let tool = json!({"role": "tool", "tool_call_id": "call_1", "content": "rainy"});
        assert_eq!(
            message_from_any(&tool, "user").unwrap(),
            json!({"role": "tool", "parts": [
                {"type": "tool_call_response", "id": "call_1", "response": "rainy"}]})
        );
    }

    /// Older canonical data with `result` is rewritten to `response`; Anthropic blocks and Vercel
    /// parts map to canonical parts.
    #[test]
    fn part_shapes() {
        assert_eq!(
            part_from_any(&json!({"type": "tool_call_response", "id": "c", "result": "ok"})),
            Some(json!({"type": "tool_call_response", "id": "c", "response": "ok"}))
        );
        assert_eq!(
            part_from_any(&json!({"type": "tool_use", "id": "t", "name": "f", "input": {"a": 1}})),
            Some(json!({"type": "tool_call", "id": "t", "name": "f", "arguments": {"a": 1}}))
        );
        assert_eq!(
            part_from_any(
                &json!({"type": "tool-result", "toolCallId": "t", "toolName": "f", "output": 3})
            ),
            Some(json!({"type": "tool_call_response", "id": "t", "response": 3}))
        );
        assert_eq!(
            part_from_any(&json!({"type": "thinking", "thinking": "hmm"})),
            Some(json!({"type": "reasoning", "content": "hmm"}))
        );
        assert_eq!(
            part_from_any(&json!({"type": "image_url", "image_url": {"url": "https://x/y.png"}})),
            Some(json!({"type": "uri", "modality": "image", "uri": "https://x/y.png"}))
        );
        // unknown part types are kept (GenericPart)
        let generic = json!({"type": "audio_chunk", "x": 1});
        assert_eq!(part_from_any(&generic), Some(generic));
    }

    /// A chat completion response becomes one output message per choice, with its finish reason.
    #[test]
    fn chat_completion_response() {
        let response = json!({"choices": [{"index": 0, "finish_reason": "tool_calls",
            "message": {"role": "assistant", "content": null, "tool_calls": [
                {"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}}]});
        assert_eq!(
            output_from_response(&response).unwrap(),
            json!([{"role": "assistant", "finish_reason": "tool_call", "parts": [
                {"type": "tool_call", "id": "c", "name": "f", "arguments": {}}]}])
        );
    }

    /// OpenAI, Anthropic and Vercel tool definitions all become function definitions.
    #[test]
    fn tool_definition_shapes() {
        let want = json!({"type": "function", "name": "f", "description": "d",
                          "parameters": {"type": "object"}});
        for def in [
            json!({"type": "function", "function": {"name": "f", "description": "d", "parameters": {"type": "object"}}}),
            json!({"name": "f", "description": "d", "input_schema": {"type": "object"}}),
            json!({"type": "function", "name": "f", "description": "d", "inputSchema": {"type": "object"}}),
            json!(
                "{\"name\": \"f\", \"description\": \"d\", \"parameters\": \"{\\\"type\\\": \\\"object\\\"}\"}"
            ),
        ] {
            assert_eq!(tool_definition_from_any(&def).unwrap(), want, "{def}");
        }
    }
}
