//! Canonical message content of a span, computed at read time from the stored span and the stored
//! log records of that span, so the order in which they arrived does not matter.
//!
//! Each of the four canonical values (`gen_ai.input.messages`, `gen_ai.output.messages`,
//! `gen_ai.system_instructions`, `gen_ai.tool.definitions`) comes from the first source that has
//! it, current conventions first:
//!
//! | order | source | input | output | system | tools |
//! |---|---|---|---|---|---|
//! | 1 | span attributes of the current conventions (JSON string or structured) | ✓ | ✓ | ✓ | ✓ |
//! | 2 | `gen_ai.client.inference.operation.details` log records or span events | ✓ | ✓ | ✓ | ✓ |
//! | 3 | OpenLLMetry indexed `gen_ai.prompt.{i}.*` / `gen_ai.completion.{i}.*` / `llm.request.functions.{i}.*` | ✓ | ✓ | | ✓ |
//! | 4 | OpenInference `llm.input_messages.{i}.*` / `llm.output_messages.{i}.*` / `llm.tools.{i}.*` (gaps allowed) | ✓ | ✓ | | ✓ |
//! | 5 | Vercel AI SDK `ai.prompt.messages`, `ai.prompt`, `ai.response.text` / `.toolCalls`, `ai.prompt.tools` | ✓ | ✓ | ✓ | ✓ |
//! | 6 | legacy `gen_ai.prompt` / `gen_ai.completion` attributes | ✓ | ✓ | | |
//! | 7 | legacy `gen_ai.content.prompt` / `gen_ai.content.completion` span events | ✓ | ✓ | | |
//! | 8 | per-message events `gen_ai.{system,user,assistant,tool}.message` / `gen_ai.choice`, from log records and span events together, in time order | ✓ | ✓ | | |
//! | 9 | Logfire `request_data` / `response_data` | ✓ | ✓ | | ✓ |
//! | 10 | OpenInference `input.value` / `output.value` (OpenAI or Anthropic payloads, else text) | ✓ | ✓ | | ✓ |
//! | 11 | Traceloop `traceloop.entity.input` / `.output` | ✓ | ✓ | | |
//! | 12 | Langfuse `langfuse.observation.input` / `.output` | ✓ | ✓ | | |
//! | 13 | toad-eye `gen_ai.toad_eye.prompt` / `.completion` | ✓ | ✓ | | |
//!
//! Log records are used only when their trace and span ids are the span's.

mod parts;

use std::collections::BTreeMap;

use flightdeck_model::{AttrValue, Attributes, Event, LogRecord, Span};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::names::canonical_finish_reason;
pub(crate) use parts::parse_structured;
use parts::{
    message_from_any, messages_from_any, output_from_response, part_from_any, tool_call_from_any,
    tool_definition_from_any, tool_definitions_from_any,
};

/// Where a canonical value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContentSource {
    /// The current conventions' attribute on the span.
    SpanAttribute,
    /// A `gen_ai.client.inference.operation.details` event (log record or span event).
    DetailsEvent,
    /// OpenLLMetry's indexed attributes.
    IndexedAttributes,
    /// OpenInference's flattened message and tool lists.
    OpeninferenceMessages,
    /// Vercel AI SDK attributes.
    VercelAttributes,
    /// The deprecated `gen_ai.prompt` / `gen_ai.completion` attributes.
    LegacyAttribute,
    /// The deprecated `gen_ai.content.prompt` / `gen_ai.content.completion` span events.
    LegacySpanEvents,
    /// The deprecated per-message events, from log records and/or span events.
    MessageEvents,
    /// Logfire's `request_data` / `response_data`.
    LogfireData,
    /// OpenInference's `input.value` / `output.value`.
    OpeninferenceValue,
    /// Traceloop's `traceloop.entity.input` / `.output`.
    TraceloopEntity,
    /// Langfuse's observation input / output.
    Langfuse,
    /// toad-eye's prompt / completion attributes.
    ToadEye,
}

/// The source of each canonical value (absent when the value is absent).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentSources {
    /// Source of `input_messages`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_messages: Option<ContentSource>,
    /// Source of `output_messages`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_messages: Option<ContentSource>,
    /// Source of `system_instructions`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_instructions: Option<ContentSource>,
    /// Source of `tool_definitions`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_definitions: Option<ContentSource>,
}

/// The canonical content of one span, in the current conventions' JSON shapes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Content {
    /// `gen_ai.input.messages`: `[{"role", "parts": [...], "name"?}]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_messages: Option<Value>,
    /// `gen_ai.output.messages`: `[{"role", "parts": [...], "finish_reason"?}]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_messages: Option<Value>,
    /// `gen_ai.system_instructions`: `[{"type": "text", "content"}]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_instructions: Option<Value>,
    /// `gen_ai.tool.definitions`: `[{"type": "function", "name", "description"?, "parameters"?}]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_definitions: Option<Value>,
    /// Where each value came from.
    #[serde(default)]
    pub sources: ContentSources,
}

impl Content {
    /// True when no content was found.
    pub fn is_empty(&self) -> bool {
        self.input_messages.is_none()
            && self.output_messages.is_none()
            && self.system_instructions.is_none()
            && self.tool_definitions.is_none()
    }
}

/// At most this many messages are read from per-message events of one span.
const MAX_EVENT_MESSAGES: usize = 10_000;

/// Builds the canonical content of `span` from its attributes, its events and those of `logs`
/// whose trace and span ids are the span's.
pub fn content(span: &Span, logs: &[LogRecord]) -> Content {
    let logs: Vec<&LogRecord> = logs
        .iter()
        .filter(|l| l.trace_id == Some(span.trace_id) && l.span_id == Some(span.span_id))
        .collect();
    let a = &span.attributes;
    let operation = match &span.genai.operation {
        Some(op) => Some(op.clone()),
        None => crate::Normalizer::default().analyze(span).0.operation,
    };
    // Embeddings have inputs but no output messages: their response is vectors.
    let embeddings = matches!(operation.as_deref(), Some("embeddings" | "embed"));
    let details = Details::gather(span, &logs);
    let mut c = Content::default();

    // input messages
    let input = [
        (
            ContentSource::SpanAttribute,
            structured(a.get(crate::keys::INPUT_MESSAGES))
                .and_then(|v| messages_from_any(&v, "user")),
        ),
        (
            ContentSource::DetailsEvent,
            details
                .input
                .as_ref()
                .and_then(|v| messages_from_any(v, "user")),
        ),
    ];
    pick(&mut c.input_messages, &mut c.sources.input_messages, input);
    if c.input_messages.is_none() {
        let candidates: [(ContentSource, &dyn Fn() -> Option<Value>); 12] = [
            (ContentSource::IndexedAttributes, &|| {
                indexed_messages(a, "gen_ai.prompt.", false)
            }),
            (ContentSource::OpeninferenceMessages, &|| {
                openinference_messages(a, "llm.input_messages.")
            }),
            (ContentSource::OpeninferenceMessages, &|| {
                openinference_embedding_texts(a)
            }),
            (ContentSource::VercelAttributes, &|| vercel_input(a)),
            (ContentSource::LegacyAttribute, &|| {
                legacy_messages(a.get("gen_ai.prompt"), "user")
            }),
            (ContentSource::LegacySpanEvents, &|| {
                legacy_event(
                    &span.events,
                    "gen_ai.content.prompt",
                    "gen_ai.prompt",
                    "user",
                )
            }),
            (ContentSource::MessageEvents, &|| {
                event_messages(&span.events, &logs, false)
            }),
            (ContentSource::LogfireData, &|| logfire_input(a)),
            (ContentSource::OpeninferenceValue, &|| {
                openinference_input(a)
            }),
            (ContentSource::TraceloopEntity, &|| {
                text_message(a.get("traceloop.entity.input"), "user")
            }),
            (ContentSource::Langfuse, &|| {
                legacy_messages(a.get("langfuse.observation.input"), "user")
            }),
            (ContentSource::ToadEye, &|| {
                text_message(a.get("gen_ai.toad_eye.prompt"), "user")
            }),
        ];
        pick_lazy(
            &mut c.input_messages,
            &mut c.sources.input_messages,
            &candidates,
        );
    }

    // output messages
    let output = [
        (
            ContentSource::SpanAttribute,
            structured(a.get(crate::keys::OUTPUT_MESSAGES))
                .and_then(|v| messages_from_any(&v, "assistant")),
        ),
        (
            ContentSource::DetailsEvent,
            details
                .output
                .as_ref()
                .and_then(|v| messages_from_any(v, "assistant")),
        ),
    ];
    pick(
        &mut c.output_messages,
        &mut c.sources.output_messages,
        output,
    );
    if c.output_messages.is_none() && !embeddings {
        let candidates: [(ContentSource, &dyn Fn() -> Option<Value>); 11] = [
            (ContentSource::IndexedAttributes, &|| {
                indexed_messages(a, "gen_ai.completion.", true)
            }),
            (ContentSource::OpeninferenceMessages, &|| {
                openinference_messages(a, "llm.output_messages.")
            }),
            (ContentSource::VercelAttributes, &|| vercel_output(a)),
            (ContentSource::LegacyAttribute, &|| {
                legacy_messages(a.get("gen_ai.completion"), "assistant")
            }),
            (ContentSource::LegacySpanEvents, &|| {
                legacy_event(
                    &span.events,
                    "gen_ai.content.completion",
                    "gen_ai.completion",
                    "assistant",
                )
            }),
            (ContentSource::MessageEvents, &|| {
                event_messages(&span.events, &logs, true)
            }),
            (ContentSource::LogfireData, &|| logfire_output(a)),
            (ContentSource::OpeninferenceValue, &|| {
                openinference_output(a)
            }),
            (ContentSource::TraceloopEntity, &|| {
                text_message(a.get("traceloop.entity.output"), "assistant")
            }),
            (ContentSource::Langfuse, &|| {
                legacy_messages(a.get("langfuse.observation.output"), "assistant")
            }),
            (ContentSource::ToadEye, &|| {
                text_message(a.get("gen_ai.toad_eye.completion"), "assistant")
            }),
        ];
        pick_lazy(
            &mut c.output_messages,
            &mut c.sources.output_messages,
            &candidates,
        );
    }

    // system instructions
    let system = [
        (
            ContentSource::SpanAttribute,
            structured(a.get(crate::keys::SYSTEM_INSTRUCTIONS)).and_then(|v| system_parts(&v)),
        ),
        (
            ContentSource::DetailsEvent,
            details.system.as_ref().and_then(system_parts),
        ),
        (ContentSource::VercelAttributes, vercel_system(a)),
    ];
    pick(
        &mut c.system_instructions,
        &mut c.sources.system_instructions,
        system,
    );

    // tool definitions
    let tools = [
        (
            ContentSource::SpanAttribute,
            structured(a.get(crate::keys::TOOL_DEFINITIONS))
                .and_then(|v| tool_definitions_from_any(&v)),
        ),
        (
            ContentSource::DetailsEvent,
            details.tools.as_ref().and_then(tool_definitions_from_any),
        ),
    ];
    pick(
        &mut c.tool_definitions,
        &mut c.sources.tool_definitions,
        tools,
    );
    if c.tool_definitions.is_none() {
        let candidates: [(ContentSource, &dyn Fn() -> Option<Value>); 5] = [
            (ContentSource::IndexedAttributes, &|| indexed_functions(a)),
            (ContentSource::OpeninferenceMessages, &|| {
                openinference_tools(a)
            }),
            (ContentSource::VercelAttributes, &|| vercel_tools(a)),
            (ContentSource::LogfireData, &|| {
                json_field(a.get("request_data"), "tools")
                    .and_then(|t| tool_definitions_from_any(&t))
            }),
            (ContentSource::OpeninferenceValue, &|| {
                json_field(a.get("input.value"), "tools")
                    .and_then(|t| tool_definitions_from_any(&t))
            }),
        ];
        pick_lazy(
            &mut c.tool_definitions,
            &mut c.sources.tool_definitions,
            &candidates,
        );
    }
    c
}

fn pick<const N: usize>(
    slot: &mut Option<Value>,
    source: &mut Option<ContentSource>,
    candidates: [(ContentSource, Option<Value>); N],
) {
    for (from, value) in candidates {
        if let Some(value) = value {
            *slot = Some(value);
            *source = Some(from);
            return;
        }
    }
}

fn pick_lazy(
    slot: &mut Option<Value>,
    source: &mut Option<ContentSource>,
    candidates: &[(ContentSource, &dyn Fn() -> Option<Value>)],
) {
    for (from, compute) in candidates {
        if let Some(value) = compute() {
            *slot = Some(value);
            *source = Some(*from);
            return;
        }
    }
}

/// A structured attribute value: a JSON string holding an object or array is parsed, a structured
/// value is converted.
fn structured(value: Option<&AttrValue>) -> Option<Value> {
    match value? {
        AttrValue::Str(s) => parse_structured(s),
        AttrValue::Map(_) | AttrValue::Array(_) => value.map(AttrValue::to_json),
        _ => None,
    }
}

/// A field of a JSON object held in an attribute (`request_data.tools`, `input.value.tools`).
fn json_field(value: Option<&AttrValue>, field: &str) -> Option<Value> {
    structured(value)?.get(field).cloned()
}

/// System instructions: a list of parts, or a bare string.
fn system_parts(value: &Value) -> Option<Value> {
    let parts: Vec<Value> = match value {
        Value::Array(items) => items.iter().filter_map(part_from_any).collect(),
        Value::String(s) if !s.is_empty() => vec![json!({"type": "text", "content": s})],
        other => part_from_any(other).into_iter().collect(),
    };
    (!parts.is_empty()).then_some(Value::Array(parts))
}

/// One text message from a string attribute (JSON payloads are kept as their text).
fn text_message(value: Option<&AttrValue>, role: &str) -> Option<Value> {
    let text = value?.as_str().filter(|s| !s.trim().is_empty())?;
    Some(json!([{"role": role, "parts": [{"type": "text", "content": text}]}]))
}

/// `gen_ai.prompt` / `gen_ai.completion` / Langfuse input-output: a JSON list of messages (OpenAI
/// shape) or a message object; anything else is one text message.
fn legacy_messages(value: Option<&AttrValue>, role: &str) -> Option<Value> {
    let value = value?;
    if let Some(json) = structured(Some(value)) {
        if let Some(messages) = messages_from_any(&json, role) {
            return Some(messages);
        }
        if let Some(messages) = json
            .get("messages")
            .and_then(|m| messages_from_any(m, role))
        {
            return Some(messages);
        }
        if let Some(message) = json
            .is_object()
            .then(|| message_from_any(&json, role))
            .flatten()
            && message["parts"].as_array().is_some_and(|p| !p.is_empty())
        {
            return Some(Value::Array(vec![message]));
        }
    }
    match value {
        AttrValue::Str(_) => text_message(Some(value), role),
        _ => None,
    }
}

/// `gen_ai.content.prompt` / `gen_ai.content.completion` span events (v1.26), payload in the
/// event attribute `gen_ai.prompt` / `gen_ai.completion`.
fn legacy_event(events: &[Event], name: &str, key: &str, role: &str) -> Option<Value> {
    let event = events.iter().find(|e| e.name == name)?;
    legacy_messages(event.attributes.get(key), role)
}

/// The attributes of details events, first one wins per attribute.
#[derive(Default)]
struct Details {
    input: Option<Value>,
    output: Option<Value>,
    system: Option<Value>,
    tools: Option<Value>,
}

impl Details {
    fn gather(span: &Span, logs: &[&LogRecord]) -> Details {
        let mut details = Details::default();
        const NAME: &str = "gen_ai.client.inference.operation.details";
        let sources = span
            .events
            .iter()
            .filter(|e| e.name == NAME)
            .map(|e| (&e.attributes, None))
            .chain(
                logs.iter()
                    .filter(|l| l.event_name == NAME)
                    .map(|l| (&l.attributes, Some(&l.body))),
            );
        for (attrs, body) in sources {
            details.take(attrs, body);
        }
        details
    }

    fn take(&mut self, attrs: &Attributes, body: Option<&AttrValue>) {
        let body_field = |key: &str| match body {
            Some(AttrValue::Map(entries)) => entries
                .iter()
                .find(|kv| kv.key == key)
                .and_then(|kv| structured(Some(&kv.value))),
            _ => None,
        };
        let get = |key: &str| structured(attrs.get(key)).or_else(|| body_field(key));
        if self.input.is_none() {
            self.input = get(crate::keys::INPUT_MESSAGES);
        }
        if self.output.is_none() {
            self.output = get(crate::keys::OUTPUT_MESSAGES);
        }
        if self.system.is_none() {
            self.system = get(crate::keys::SYSTEM_INSTRUCTIONS);
        }
        if self.tools.is_none() {
            self.tools = get(crate::keys::TOOL_DEFINITIONS);
        }
    }
}

/// The payload of a per-message event: the log body, or the span event's attributes.
fn event_payload(body: Option<&AttrValue>, attrs: &Attributes) -> Value {
    if let Some(body) = body {
        match body {
            AttrValue::Str(s) => {
                return parse_structured(s).unwrap_or_else(|| json!({"content": s}));
            }
            AttrValue::Empty => {}
            AttrValue::Map(entries) if entries.is_empty() => {}
            other => return other.to_json(),
        }
    }
    // Span events (and log records with an empty body) carry the payload as attributes, either
    // one by one or JSON-encoded under a single key.
    for key in ["event.body", "gen_ai.event.content", "body"] {
        if let Some(json) = structured(attrs.get(key)) {
            return json;
        }
    }
    let mut obj = Map::new();
    for kv in attrs.iter() {
        if matches!(
            kv.key.as_str(),
            "gen_ai.system" | "gen_ai.provider.name" | "event.name"
        ) {
            continue;
        }
        let value = match &kv.value {
            AttrValue::Str(s) if kv.key == "tool_calls" || kv.key == "message" => {
                parse_structured(s).unwrap_or_else(|| Value::String(s.clone()))
            }
            other => other.to_json(),
        };
        obj.insert(kv.key.clone(), value);
    }
    Value::Object(obj)
}

/// Per-message events (v1.28–v1.36), from span events and log records together, ordered by time
/// (stable for equal times: span events first, then logs in the order given).
fn event_messages(events: &[Event], logs: &[&LogRecord], output: bool) -> Option<Value> {
    let mut found: Vec<(u64, &str, Value)> = Vec::new();
    let wanted = |name: &str| {
        if output {
            name == "gen_ai.choice"
        } else {
            matches!(
                name,
                "gen_ai.system.message"
                    | "gen_ai.user.message"
                    | "gen_ai.assistant.message"
                    | "gen_ai.tool.message"
            )
        }
    };
    for e in events.iter().filter(|e| wanted(&e.name)) {
        found.push((
            e.time_unix_nano,
            &e.name,
            event_payload(None, &e.attributes),
        ));
    }
    for l in logs.iter().filter(|l| wanted(&l.event_name)) {
        found.push((
            l.effective_time(),
            &l.event_name,
            event_payload(Some(&l.body), &l.attributes),
        ));
    }
    messages_from_events(found, output)
}

/// Messages from per-message event payloads `(time, event name, payload)`, ordered by time.
fn messages_from_events(mut found: Vec<(u64, &str, Value)>, output: bool) -> Option<Value> {
    if found.is_empty() {
        return None;
    }
    found.truncate(MAX_EVENT_MESSAGES);
    found.sort_by_key(|(t, _, _)| *t);
    if output {
        let mut choices: Vec<(i64, Value)> = found
            .iter()
            .enumerate()
            .filter_map(|(position, (_, _, body))| {
                let index = body
                    .get("index")
                    .and_then(Value::as_i64)
                    .unwrap_or(position as i64);
                let mut message =
                    message_from_any(body.get("message").unwrap_or(&json!({})), "assistant")?;
                if let (Some(reason), Some(m)) = (
                    body.get("finish_reason").and_then(Value::as_str),
                    message.as_object_mut(),
                ) {
                    m.insert(
                        "finish_reason".into(),
                        canonical_finish_reason(reason).into(),
                    );
                }
                Some((index, message))
            })
            .collect();
        choices.sort_by_key(|(i, _)| *i);
        return Some(Value::Array(choices.into_iter().map(|(_, m)| m).collect()));
    }
    let messages: Vec<Value> = found
        .iter()
        .filter_map(|(_, name, body)| {
            let role = match *name {
                "gen_ai.system.message" => "system",
                "gen_ai.assistant.message" => "assistant",
                "gen_ai.tool.message" => "tool",
                _ => "user",
            };
            message_from_any(body, role)
        })
        .collect();
    (!messages.is_empty()).then_some(Value::Array(messages))
}

/// Groups `prefix{i}.<rest>` attributes by index (gaps allowed), in index order.
fn indexed<'a>(
    attrs: &'a Attributes,
    prefix: &str,
) -> BTreeMap<u32, Vec<(&'a str, &'a AttrValue)>> {
    let mut groups: BTreeMap<u32, Vec<(&str, &AttrValue)>> = BTreeMap::new();
    for kv in attrs.iter() {
        let Some(rest) = kv.key.strip_prefix(prefix) else {
            continue;
        };
        let Some((index, field)) = rest.split_once('.') else {
            continue;
        };
        if index.is_empty() || index.len() > 9 || !index.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let Ok(index) = index.parse::<u32>() else {
            continue;
        };
        groups.entry(index).or_default().push((field, &kv.value));
    }
    groups
}

fn field<'a>(fields: &[(&str, &'a AttrValue)], name: &str) -> Option<&'a AttrValue> {
    fields.iter().find(|(f, _)| *f == name).map(|(_, v)| *v)
}

fn field_str<'a>(fields: &[(&str, &'a AttrValue)], name: &str) -> Option<&'a str> {
    field(fields, name).and_then(AttrValue::as_str)
}

/// A content value of OpenLLMetry: text, or a JSON-encoded list of parts.
fn content_value(value: Option<&AttrValue>) -> Option<Value> {
    match value? {
        AttrValue::Str(s) => Some(
            parse_structured(s)
                .filter(Value::is_array)
                .unwrap_or_else(|| Value::String(s.clone())),
        ),
        AttrValue::Empty => None,
        other => Some(other.to_json()),
    }
}

/// Sub-fields `tool_calls.{j}.<field>` of one message, in index order.
fn nested_calls(fields: &[(&str, &AttrValue)], prefix: &str) -> Vec<Value> {
    let mut calls: BTreeMap<u32, Map<String, Value>> = BTreeMap::new();
    for (f, v) in fields {
        let Some(rest) = f.strip_prefix(prefix) else {
            continue;
        };
        let Some((index, sub)) = rest.split_once('.') else {
            continue;
        };
        let Ok(index) = index.parse::<u32>() else {
            continue;
        };
        calls
            .entry(index)
            .or_default()
            .insert(sub.to_owned(), v.to_json());
    }
    calls.into_values().map(Value::Object).collect()
}

/// OpenLLMetry `gen_ai.prompt.{i}.*` / `gen_ai.completion.{i}.*`.
fn indexed_messages(attrs: &Attributes, prefix: &str, output: bool) -> Option<Value> {
    let groups = indexed(attrs, prefix);
    let default_role = if output { "assistant" } else { "user" };
    let messages: Vec<Value> = groups
        .values()
        .filter_map(|fields| {
            let mut obj = Map::new();
            obj.insert("role".into(), field_str(fields, "role").unwrap_or(default_role).into());
            if let Some(content) = content_value(field(fields, "content")) {
                obj.insert("content".into(), content);
            }
            for key in ["tool_call_id", "name", "finish_reason"] {
                if let Some(v) = field_str(fields, key) {
                    obj.insert(key.into(), v.into());
                }
            }
            let mut calls: Vec<Value> = nested_calls(fields, "tool_calls.")
                .into_iter()
                .map(|c| {
                    json!({"id": c.get("id"), "function": {
                        "name": c.get("name"), "arguments": c.get("arguments")}})
                })
                .collect();
            if calls.is_empty()
                && let Some(Value::Array(list)) = field_str(fields, "tool_calls").and_then(parse_structured)
            {
                calls = list;
            }
            if !calls.is_empty() {
                obj.insert("tool_calls".into(), Value::Array(calls));
            }
            if let Some(name) = field_str(fields, "function_call.name") {
                obj.insert(
                    "function_call".into(),
                    json!({"name": name, "arguments": field(fields, "function_call.arguments").map(AttrValue::to_json)}),
                );
            }
            message_from_any(&Value::Object(obj), default_role)
        })
        .collect();
    (!messages.is_empty()).then_some(Value::Array(messages))
}

/// OpenLLMetry `llm.request.functions.{i}.name|description|parameters|input_schema`.
fn indexed_functions(attrs: &Attributes) -> Option<Value> {
    let groups = indexed(attrs, "llm.request.functions.");
    let defs: Vec<Value> = groups
        .values()
        .filter_map(|fields| {
            let mut obj = Map::new();
            for (f, v) in fields {
                obj.insert((*f).to_owned(), v.to_json());
            }
            tool_definition_from_any(&Value::Object(obj))
        })
        .collect();
    (!defs.is_empty()).then_some(Value::Array(defs))
}

/// OpenInference `llm.input_messages.{i}.message.*` / `llm.output_messages.{i}.message.*`.
fn openinference_messages(attrs: &Attributes, prefix: &str) -> Option<Value> {
    let groups = indexed(attrs, prefix);
    let output = prefix.starts_with("llm.output");
    let default_role = if output { "assistant" } else { "user" };
    let messages: Vec<Value> = groups
        .values()
        .filter_map(|fields| {
            let fields: Vec<(&str, &AttrValue)> = fields
                .iter()
                .filter_map(|(f, v)| f.strip_prefix("message.").map(|f| (f, *v)))
                .collect();
            let mut obj = Map::new();
            obj.insert("role".into(), field_str(&fields, "role").unwrap_or(default_role).into());
            if let Some(name) = field_str(&fields, "name") {
                obj.insert("name".into(), name.into());
            }
            if let Some(id) = field_str(&fields, "tool_call_id") {
                obj.insert("tool_call_id".into(), id.into());
            }
            let contents: Vec<Value> = nested_calls(&fields, "contents.")
                .into_iter()
                .filter_map(|c| {
                    let kind = c.get("message_content.type").and_then(Value::as_str).unwrap_or("text");
                    match kind {
                        "image" => c
                            .get("message_content.image.image.url")
                            .and_then(Value::as_str)
                            .map(|url| json!({"type": "uri", "modality": "image", "uri": url})),
                        _ => c
                            .get("message_content.text")
                            .and_then(Value::as_str)
                            .map(|t| json!({"type": "text", "content": t})),
                    }
                })
                .collect();
            if !contents.is_empty() {
                obj.insert("content".into(), Value::Array(contents));
            } else if let Some(content) = field(&fields, "content") {
                obj.insert("content".into(), content.to_json());
            }
            let calls: Vec<Value> = nested_calls(&fields, "tool_calls.")
                .into_iter()
                .map(|c| {
                    json!({"id": c.get("tool_call.id"), "function": {
                        "name": c.get("tool_call.function.name"),
                        "arguments": c.get("tool_call.function.arguments")}})
                })
                .collect();
            if !calls.is_empty() {
                obj.insert("tool_calls".into(), Value::Array(calls));
            }
            if let Some(name) = field_str(&fields, "function_call_name") {
                obj.insert(
                    "function_call".into(),
                    json!({"name": name, "arguments": field(&fields, "function_call_arguments_json").map(AttrValue::to_json)}),
                );
            }
            message_from_any(&Value::Object(obj), default_role)
        })
        .collect();
    if messages.is_empty() {
        return None;
    }
    let mut messages = messages;
    // OpenInference reports one finish reason per span; it belongs to a single output message.
    if output
        && messages.len() == 1
        && let Some(reason) = attrs.get_str("llm.finish_reason")
        && let Some(m) = messages[0].as_object_mut()
    {
        m.insert(
            "finish_reason".into(),
            canonical_finish_reason(reason).into(),
        );
    }
    Some(Value::Array(messages))
}

/// OpenInference `embedding.embeddings.{i}.embedding.text`: one user message per embedded text.
fn openinference_embedding_texts(attrs: &Attributes) -> Option<Value> {
    let groups = indexed(attrs, "embedding.embeddings.");
    let messages: Vec<Value> = groups
        .values()
        .filter_map(|fields| field_str(fields, "embedding.text"))
        .map(|text| json!({"role": "user", "parts": [{"type": "text", "content": text}]}))
        .collect();
    (!messages.is_empty()).then_some(Value::Array(messages))
}

/// OpenInference `llm.tools.{i}.tool.json_schema`.
fn openinference_tools(attrs: &Attributes) -> Option<Value> {
    let groups = indexed(attrs, "llm.tools.");
    let defs: Vec<Value> = groups
        .values()
        .filter_map(|fields| field(fields, "tool.json_schema"))
        .filter_map(|v| tool_definition_from_any(&v.to_json()))
        .collect();
    (!defs.is_empty()).then_some(Value::Array(defs))
}

/// OpenInference `input.value`: an OpenAI / Anthropic request (its `messages`), else text.
fn openinference_input(attrs: &Attributes) -> Option<Value> {
    let value = attrs.get("input.value")?;
    if let Some(json) = structured(Some(value)) {
        if let Some(messages) = json
            .get("messages")
            .and_then(|m| messages_from_any(m, "user"))
        {
            return Some(messages);
        }
        if let Some(messages) = messages_from_any(&json, "user") {
            return Some(messages);
        }
    }
    text_message(Some(value), "user")
}

/// OpenInference `output.value`: an OpenAI / Anthropic response, else text.
fn openinference_output(attrs: &Attributes) -> Option<Value> {
    let value = attrs.get("output.value")?;
    if let Some(json) = structured(Some(value))
        && let Some(messages) = output_from_response(&json)
    {
        return Some(messages);
    }
    text_message(Some(value), "assistant")
}

/// Vercel `ai.prompt.messages`, else the messages or prompt text of `ai.prompt`.
fn vercel_input(attrs: &Attributes) -> Option<Value> {
    if let Some(messages) =
        structured(attrs.get("ai.prompt.messages")).and_then(|m| messages_from_any(&m, "user"))
    {
        return Some(messages);
    }
    let prompt = structured(attrs.get("ai.prompt"))?;
    if let Some(messages) = prompt
        .get("messages")
        .and_then(|m| messages_from_any(m, "user"))
    {
        return Some(messages);
    }
    let text = prompt.get("prompt").and_then(Value::as_str)?;
    Some(json!([{"role": "user", "parts": [{"type": "text", "content": text}]}]))
}

/// Vercel `ai.prompt`'s `system` field.
fn vercel_system(attrs: &Attributes) -> Option<Value> {
    let prompt = structured(attrs.get("ai.prompt"))?;
    prompt.get("system").and_then(system_parts)
}

/// Vercel `ai.response.text` / `ai.response.toolCalls` / `ai.response.reasoning` (older:
/// `ai.result.*`), with `ai.response.finishReason`.
fn vercel_output(attrs: &Attributes) -> Option<Value> {
    let get = |new: &str, old: &str| attrs.get(new).or_else(|| attrs.get(old));
    let mut parts = Vec::new();
    if let Some(reasoning) = attrs.get_str("ai.response.reasoning") {
        parts.push(json!({"type": "reasoning", "content": reasoning}));
    }
    if let Some(text) = get("ai.response.text", "ai.result.text").and_then(AttrValue::as_str)
        && !text.is_empty()
    {
        parts.push(json!({"type": "text", "content": text}));
    }
    if let Some(object) = get("ai.response.object", "ai.result.object").and_then(AttrValue::as_str)
    {
        parts.push(json!({"type": "text", "content": object}));
    }
    if let Some(Value::Array(calls)) =
        structured(get("ai.response.toolCalls", "ai.result.toolCalls"))
    {
        parts.extend(calls.iter().filter_map(tool_call_from_any));
    }
    if parts.is_empty() {
        return None;
    }
    let mut message = json!({"role": "assistant", "parts": parts});
    if let (Some(reason), Some(m)) = (
        get("ai.response.finishReason", "ai.finishReason").and_then(AttrValue::as_str),
        message.as_object_mut(),
    ) {
        m.insert(
            "finish_reason".into(),
            canonical_finish_reason(reason).into(),
        );
    }
    Some(Value::Array(vec![message]))
}

/// Vercel `ai.prompt.tools`: a list of JSON strings, or one JSON list.
fn vercel_tools(attrs: &Attributes) -> Option<Value> {
    match attrs.get("ai.prompt.tools")? {
        AttrValue::Array(items) => {
            let defs: Vec<Value> = items
                .iter()
                .filter_map(|v| tool_definition_from_any(&v.to_json()))
                .collect();
            (!defs.is_empty()).then_some(Value::Array(defs))
        }
        other => structured(Some(other)).and_then(|v| tool_definitions_from_any(&v)),
    }
}

/// Logfire `request_data.messages`, else its `events` list of old-style message events.
fn logfire_input(attrs: &Attributes) -> Option<Value> {
    json_field(attrs.get("request_data"), "messages")
        .and_then(|m| messages_from_any(&m, "user"))
        .or_else(|| logfire_events(attrs, false))
}

/// Logfire's `events` attribute: a JSON list of `{"event.name": "gen_ai.user.message", ...}`
/// payloads, in order.
fn logfire_events(attrs: &Attributes, output: bool) -> Option<Value> {
    if !attrs.iter().any(|kv| kv.key.starts_with("logfire.")) {
        return None;
    }
    let Some(Value::Array(items)) = structured(attrs.get("events")) else {
        return None;
    };
    let wanted = |name: &str| {
        if output {
            name == "gen_ai.choice"
        } else {
            matches!(
                name,
                "gen_ai.system.message"
                    | "gen_ai.user.message"
                    | "gen_ai.assistant.message"
                    | "gen_ai.tool.message"
            )
        }
    };
    let found: Vec<(u64, &str, Value)> = items
        .iter()
        .enumerate()
        .filter_map(|(position, item)| {
            let name = item.get("event.name").and_then(Value::as_str)?;
            wanted(name).then(|| (position as u64, name, item.clone()))
        })
        .collect();
    messages_from_events(found, output)
}

/// Logfire `response_data` (an OpenAI message under `message`, or a full response), else its
/// `events` list.
fn logfire_output(attrs: &Attributes) -> Option<Value> {
    structured(attrs.get("response_data"))
        .and_then(|data| output_from_response(&data))
        .or_else(|| logfire_events(attrs, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// OpenInference indices with a gap still give messages in index order.
    #[test]
    fn openinference_gaps() {
        let attrs: Attributes = vec![
            flightdeck_model::KeyValue::new("llm.input_messages.3.message.role", "user"),
            flightdeck_model::KeyValue::new("llm.input_messages.3.message.content", "second"),
            flightdeck_model::KeyValue::new("llm.input_messages.0.message.role", "system"),
            flightdeck_model::KeyValue::new("llm.input_messages.0.message.content", "first"),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            openinference_messages(&attrs, "llm.input_messages.").unwrap(),
            json!([
                {"role": "system", "parts": [{"type": "text", "content": "first"}]},
                {"role": "user", "parts": [{"type": "text", "content": "second"}]}
            ])
        );
    }
}
