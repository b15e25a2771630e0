//! Conformance findings: how one span departs from the current OpenTelemetry GenAI semantic
//! conventions.
//!
//! Every finding has a stable code, a severity and a readable message; `attribute` names the key
//! (or event) concerned. The checks:
//!
//! | code | severity | when |
//! |---|---|---|
//! | `operation.missing` | error | a GenAI span without `gen_ai.operation.name` |
//! | `operation.non_canonical` | warning | `gen_ai.operation.name` is a synonym of a well-known value (`embedding`) |
//! | `attribute.required_missing` | error | a Required attribute of the operation is absent (§2.7) |
//! | `attribute.conditionally_required_missing` | warning | its condition holds and the attribute is absent (`error.type` on an error, `server.port` with `server.address`, `gen_ai.request.model` when the response model is known, `gen_ai.request.stream` on a stream) |
//! | `attribute.deprecated` | warning | a deprecated attribute (`gen_ai.system`, `gen_ai.usage.prompt_tokens`, ...), or `gen_ai.request.top_k` on a retrieval |
//! | `event.deprecated` | warning | a deprecated span event (`gen_ai.content.prompt`, per-message events) |
//! | `attribute.wrong_type` | error | a current attribute with another type than the registry's |
//! | `attribute.invalid_json` | error | a structured attribute sent as a string that is not JSON |
//! | `attribute.invalid_shape` | error | messages, parts, instructions or tool definitions not in the schema's shape |
//! | `content.deprecated_field` | warning | `finish_reason` in output messages, `result` in a tool call response |
//! | `provider.non_canonical` | warning | `gen_ai.provider.name` is an alias of a well-known value (`az.ai.openai`, `Anthropic`) |
//! | `span_name.mismatch` | warning | the name is not `{operation} {target}` |
//! | `span_kind.unexpected` | warning | a span kind the operation does not allow |
//! | `usage.missing` | warning | a successful model call without token usage |
//! | `usage.partial` | info | an inference with input tokens but no output tokens, or the reverse |
//! | `usage.inconsistent` | warning | cache tokens above input tokens, reasoning above output tokens (exclusive counts) |
//! | `usage.not_expected` | info | usage on `fetch_response`, which reports none |
//! | `time_to_first_chunk.missing` | info | a successful streaming inference without `gen_ai.response.time_to_first_chunk` |
//! | `value.conflict` | warning | two sources of one field disagree |
//! | `dialect.non_otel` | info | attributes of another dialect (OpenInference, Vercel AI SDK, ...) |
//!
//! Spans without any GenAI attribute get no findings.

use flightdeck_model::{AttrValue, Span, SpanKind, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::deprecated::NameKind;
use crate::dialect::Dialect;
use crate::keys;
use crate::names::{
    WELL_KNOWN_OPERATIONS, WELL_KNOWN_PROVIDERS, canonical_operation, canonical_provider,
    is_inference, is_model_call,
};
use crate::normalize::Normalizer;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; the data is still usable as is.
    Info,
    /// Departs from the conventions; Flightdeck compensates where it can.
    Warning,
    /// Violates a requirement of the conventions.
    Error,
}

/// One departure from the current conventions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable code (see the module documentation).
    pub code: String,
    /// Severity.
    pub severity: Severity,
    /// The attribute or event concerned, if one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribute: Option<String>,
    /// What is wrong, readably.
    pub message: String,
}

impl Finding {
    fn new(code: &str, severity: Severity, attribute: Option<&str>, message: String) -> Finding {
        Finding {
            code: code.to_owned(),
            severity,
            attribute: attribute.map(str::to_owned),
            message,
        }
    }
}

#[derive(Clone, Copy)]
enum Type {
    Str,
    Int,
    Double,
    Bool,
    StrArray,
    Any,
}

impl Type {
    fn name(self) -> &'static str {
        match self {
            Type::Str => "string",
            Type::Int => "int",
            Type::Double => "double",
            Type::Bool => "boolean",
            Type::StrArray => "string[]",
            Type::Any => "any (structured or JSON)",
        }
    }
}

/// The registry's types of the current attributes (§2).
const TYPES: &[(&str, Type)] = &[
    ("gen_ai.operation.name", Type::Str),
    ("gen_ai.provider.name", Type::Str),
    ("gen_ai.request.model", Type::Str),
    ("gen_ai.request.max_tokens", Type::Int),
    ("gen_ai.request.choice.count", Type::Int),
    ("gen_ai.request.temperature", Type::Double),
    ("gen_ai.request.top_p", Type::Double),
    ("gen_ai.request.top_k", Type::Int),
    ("gen_ai.request.stop_sequences", Type::StrArray),
    ("gen_ai.request.frequency_penalty", Type::Double),
    ("gen_ai.request.presence_penalty", Type::Double),
    ("gen_ai.request.seed", Type::Int),
    ("gen_ai.request.encoding_formats", Type::StrArray),
    ("gen_ai.request.stream", Type::Bool),
    ("gen_ai.request.reasoning.level", Type::Str),
    ("gen_ai.request.previous_response.id", Type::Str),
    ("gen_ai.request.stream_cursor", Type::Str),
    ("gen_ai.output.type", Type::Str),
    ("gen_ai.embeddings.dimension.count", Type::Int),
    ("gen_ai.response.id", Type::Str),
    ("gen_ai.response.model", Type::Str),
    ("gen_ai.response.finish_reasons", Type::StrArray),
    ("gen_ai.response.status", Type::Str),
    ("gen_ai.response.time_to_first_chunk", Type::Double),
    ("gen_ai.usage.input_tokens", Type::Int),
    ("gen_ai.usage.output_tokens", Type::Int),
    ("gen_ai.usage.cache_read.input_tokens", Type::Int),
    ("gen_ai.usage.cache_write.input_tokens", Type::Int),
    ("gen_ai.usage.reasoning.output_tokens", Type::Int),
    ("gen_ai.usage.text.input_tokens", Type::Int),
    ("gen_ai.usage.image.input_tokens", Type::Int),
    ("gen_ai.usage.audio.input_tokens", Type::Int),
    ("gen_ai.usage.text.output_tokens", Type::Int),
    ("gen_ai.usage.image.output_tokens", Type::Int),
    ("gen_ai.usage.audio.output_tokens", Type::Int),
    ("gen_ai.conversation.id", Type::Str),
    ("gen_ai.conversation.compacted", Type::Bool),
    ("gen_ai.agent.id", Type::Str),
    ("gen_ai.agent.name", Type::Str),
    ("gen_ai.agent.description", Type::Str),
    ("gen_ai.agent.version", Type::Str),
    ("gen_ai.workflow.name", Type::Str),
    ("gen_ai.prompt.name", Type::Str),
    ("gen_ai.prompt.version", Type::Str),
    ("gen_ai.data_source.id", Type::Str),
    ("gen_ai.tool.name", Type::Str),
    ("gen_ai.tool.call.id", Type::Str),
    ("gen_ai.tool.description", Type::Str),
    ("gen_ai.tool.type", Type::Str),
    ("gen_ai.tool.call.arguments", Type::Any),
    ("gen_ai.tool.call.result", Type::Any),
    ("gen_ai.tool.definitions", Type::Any),
    ("gen_ai.system_instructions", Type::Any),
    ("gen_ai.input.messages", Type::Any),
    ("gen_ai.output.messages", Type::Any),
    ("gen_ai.retrieval.query.text", Type::Str),
    ("gen_ai.retrieval.top_k", Type::Int),
    ("gen_ai.retrieval.documents", Type::Any),
    ("gen_ai.memory.store.id", Type::Str),
    ("gen_ai.memory.record.id", Type::Str),
    ("gen_ai.memory.record.count", Type::Int),
    ("gen_ai.evaluation.name", Type::Str),
    ("gen_ai.evaluation.score.value", Type::Double),
    ("gen_ai.evaluation.score.label", Type::Str),
    ("server.address", Type::Str),
    ("server.port", Type::Int),
    ("error.type", Type::Str),
];

fn type_ok(value: &AttrValue, expected: Type) -> bool {
    match expected {
        Type::Str => matches!(value, AttrValue::Str(_)),
        Type::Int => matches!(value, AttrValue::Int(_)),
        Type::Double => matches!(value, AttrValue::Double(_)),
        Type::Bool => matches!(value, AttrValue::Bool(_)),
        Type::StrArray => match value {
            AttrValue::Array(items) => items.iter().all(|v| matches!(v, AttrValue::Str(_))),
            _ => false,
        },
        Type::Any => true,
    }
}

fn type_of(value: &AttrValue) -> &'static str {
    match value {
        AttrValue::Empty => "empty",
        AttrValue::Str(_) => "string",
        AttrValue::Bool(_) => "boolean",
        AttrValue::Int(_) => "int",
        AttrValue::Double(_) => "double",
        AttrValue::Bytes(_) => "bytes",
        AttrValue::Array(_) => "array",
        AttrValue::Map(_) => "map",
    }
}

/// Checks one span against the current conventions. See the module documentation for the codes.
pub fn findings(span: &Span) -> Vec<Finding> {
    let (genai, report) = Normalizer::default().analyze(span);
    if report.dialects.is_empty() && genai.is_empty() {
        return Vec::new();
    }
    let attrs = &span.attributes;
    let has = |k: &str| attrs.contains(k);
    let mut out = Vec::new();

    // operation
    let sent_operation = attrs.get_str(keys::OPERATION_NAME);
    match sent_operation {
        None => out.push(Finding::new(
            "operation.missing",
            Severity::Error,
            Some(keys::OPERATION_NAME),
            match genai.operation.as_deref() {
                Some(op) => format!(
                    "gen_ai.operation.name is missing; the span was classified as `{op}` from other attributes"
                ),
                None => "gen_ai.operation.name is missing and the operation could not be inferred"
                    .to_owned(),
            },
        )),
        Some(op) => {
            if !WELL_KNOWN_OPERATIONS.contains(&op)
                && let Some(canonical) = canonical_operation(op)
                && WELL_KNOWN_OPERATIONS.contains(&canonical.as_ref())
            {
                out.push(Finding::new(
                    "operation.non_canonical",
                    Severity::Warning,
                    Some(keys::OPERATION_NAME),
                    format!("gen_ai.operation.name `{op}` should be `{canonical}`"),
                ));
            }
        }
    }
    // provider spelling
    if let Some(provider) = attrs.get_str(keys::PROVIDER_NAME)
        && !WELL_KNOWN_PROVIDERS.contains(&provider)
        && let Some(canonical) = canonical_provider(provider)
        && WELL_KNOWN_PROVIDERS.contains(&canonical.as_ref())
    {
        out.push(Finding::new(
            "provider.non_canonical",
            Severity::Warning,
            Some(keys::PROVIDER_NAME),
            format!("gen_ai.provider.name `{provider}` should be `{canonical}`"),
        ));
    }

    let op = genai.operation.as_deref().unwrap_or_default();
    requirements(span, op, &genai, &mut out);
    span_name(span, op, &mut out);
    span_kind(span, op, &mut out);

    // deprecated names
    for name in report.deprecated.iter() {
        let (code, what) = match name.kind() {
            NameKind::SpanEvent | NameKind::LogEvent => ("event.deprecated", "event"),
            NameKind::Attribute | NameKind::AttributePattern => {
                ("attribute.deprecated", "attribute")
            }
        };
        out.push(Finding::new(
            code,
            Severity::Warning,
            Some(name.name()),
            format!(
                "deprecated {what} `{}`; use `{}`",
                name.name(),
                name.replacement()
            ),
        ));
    }
    if op == "retrieval" && has(keys::REQUEST_TOP_K) {
        out.push(Finding::new(
            "attribute.deprecated",
            Severity::Warning,
            Some(keys::REQUEST_TOP_K),
            "gen_ai.request.top_k on a retrieval span; use gen_ai.retrieval.top_k".to_owned(),
        ));
    }

    types_and_shapes(span, &mut out);
    usage(span, op, &genai, &mut out);

    for conflict in &report.conflicts {
        out.push(Finding::new(
            "value.conflict",
            Severity::Warning,
            Some(&conflict.field),
            format!(
                "{} says `{}` but {} says `{}`; kept `{}`",
                conflict.kept_key, conflict.kept, conflict.other_key, conflict.other, conflict.kept
            ),
        ));
    }
    for dialect in report.dialects.iter() {
        if matches!(dialect, Dialect::OtelCurrent | Dialect::OtelLegacy) {
            continue;
        }
        out.push(Finding::new(
            "dialect.non_otel",
            Severity::Info,
            None,
            format!(
                "span uses `{}` attributes, which are not part of the OpenTelemetry GenAI conventions",
                dialect.as_str()
            ),
        ));
    }
    out
}

fn missing(out: &mut Vec<Finding>, required: bool, key: &str, why: &str) {
    let (code, severity, level) = if required {
        ("attribute.required_missing", Severity::Error, "required")
    } else {
        (
            "attribute.conditionally_required_missing",
            Severity::Warning,
            "conditionally required",
        )
    };
    out.push(Finding::new(
        code,
        severity,
        Some(key),
        format!("{key} is missing ({level}{why})"),
    ));
}

fn requirements(span: &Span, op: &str, genai: &flightdeck_model::GenAi, out: &mut Vec<Finding>) {
    let attrs = &span.attributes;
    let has = |k: &str| attrs.contains(k);
    let client = span.kind == SpanKind::Client;
    let needs_provider = is_model_call(op)
        || matches!(op, "fetch_response" | "create_agent")
        || (op == "invoke_agent" && client);
    if needs_provider && !has(keys::PROVIDER_NAME) {
        missing(out, true, keys::PROVIDER_NAME, &format!(" for `{op}`"));
    }
    if op == "execute_tool" && !has(keys::TOOL_NAME) {
        missing(out, true, keys::TOOL_NAME, " for `execute_tool`");
    }
    if op == "fetch_response" && !has(keys::RESPONSE_ID) {
        missing(out, true, keys::RESPONSE_ID, " for `fetch_response`");
    }
    if span.status.code == StatusCode::Error && !has(keys::ERROR_TYPE) {
        missing(out, false, keys::ERROR_TYPE, " when the operation failed");
    }
    if has(keys::SERVER_ADDRESS) && !has(keys::SERVER_PORT) {
        missing(out, false, keys::SERVER_PORT, " when server.address is set");
    }
    if (is_model_call(op) || op == "create_agent" || op == "retrieval")
        && has(keys::RESPONSE_MODEL)
        && !has(keys::REQUEST_MODEL)
    {
        missing(out, false, keys::REQUEST_MODEL, " when the model is known");
    }
    if is_inference(op) && genai.streaming == Some(true) && !has(keys::REQUEST_STREAM) {
        missing(
            out,
            false,
            keys::REQUEST_STREAM,
            " when the response is streamed",
        );
    }
}

fn span_name(span: &Span, op: &str, out: &mut Vec<Finding>) {
    if op.is_empty() || !span.attributes.contains(keys::OPERATION_NAME) {
        // Without the operation attribute the name cannot be expected to follow it.
        return;
    }
    let attrs = &span.attributes;
    let target_key = match op {
        "chat" | "generate_content" | "text_completion" | "embeddings" => Some(keys::REQUEST_MODEL),
        "retrieval" => Some(keys::DATA_SOURCE_ID),
        "create_agent" | "invoke_agent" | "plan" => Some(keys::AGENT_NAME),
        "execute_tool" => Some(keys::TOOL_NAME),
        "invoke_workflow" => Some(keys::WORKFLOW_NAME),
        "fetch_response"
        | "create_memory_store"
        | "delete_memory_store"
        | "search_memory"
        | "create_memory"
        | "update_memory"
        | "upsert_memory"
        | "delete_memory" => None,
        _ => return,
    };
    let expected = match target_key.and_then(|k| attrs.get_str(k)) {
        Some(target) => format!("{op} {target}"),
        None => op.to_owned(),
    };
    // Tool refinements append the skill or executable to the name.
    let ok = span.name == expected
        || (op == "execute_tool" && span.name.starts_with(&format!("{expected} ")));
    if !ok {
        out.push(Finding::new(
            "span_name.mismatch",
            Severity::Warning,
            None,
            format!("span name `{}` should be `{expected}`", span.name),
        ));
    }
}

fn span_kind(span: &Span, op: &str, out: &mut Vec<Finding>) {
    use SpanKind::{Client, Internal};
    let allowed: &[SpanKind] = match op {
        "chat" | "generate_content" | "text_completion" => &[Client, Internal],
        "embeddings" | "retrieval" | "fetch_response" | "create_agent" => &[Client],
        "invoke_agent" => &[Client, Internal],
        "execute_tool" | "invoke_workflow" | "plan" => &[Internal],
        "create_memory_store"
        | "delete_memory_store"
        | "search_memory"
        | "create_memory"
        | "update_memory"
        | "upsert_memory"
        | "delete_memory" => &[Client, Internal],
        _ => return,
    };
    if !allowed.contains(&span.kind) {
        let names: Vec<&str> = allowed.iter().map(|k| k.as_str()).collect();
        out.push(Finding::new(
            "span_kind.unexpected",
            Severity::Warning,
            None,
            format!(
                "span kind `{}` for `{op}`; expected {}",
                span.kind.as_str(),
                names.join(" or ")
            ),
        ));
    }
}

fn types_and_shapes(span: &Span, out: &mut Vec<Finding>) {
    for kv in span.attributes.iter() {
        let Some((_, expected)) = TYPES.iter().find(|(k, _)| *k == kv.key) else {
            continue;
        };
        if !type_ok(&kv.value, *expected) {
            out.push(Finding::new(
                "attribute.wrong_type",
                Severity::Error,
                Some(&kv.key),
                format!(
                    "{} must be {}, got {}",
                    kv.key,
                    expected.name(),
                    type_of(&kv.value)
                ),
            ));
            continue;
        }
        if !matches!(expected, Type::Any) {
            continue;
        }
        let json = match &kv.value {
            AttrValue::Str(s) => match serde_json::from_str::<Value>(s) {
                Ok(v) => v,
                Err(e) => {
                    out.push(Finding::new(
                        "attribute.invalid_json",
                        Severity::Error,
                        Some(&kv.key),
                        format!("{} is a string that is not JSON: {e}", kv.key),
                    ));
                    continue;
                }
            },
            other => other.to_json(),
        };
        let problem = match kv.key.as_str() {
            keys::INPUT_MESSAGES => messages_shape(&json, false, out),
            keys::OUTPUT_MESSAGES => messages_shape(&json, true, out),
            keys::SYSTEM_INSTRUCTIONS => parts_shape(&json, "", out),
            keys::TOOL_DEFINITIONS => tool_definitions_shape(&json),
            keys::TOOL_CALL_ARGUMENTS | keys::TOOL_CALL_RESULT => {
                (!json.is_object()).then(|| "must be a JSON object".to_owned())
            }
            keys::RETRIEVAL_DOCUMENTS => documents_shape(&json),
            _ => None,
        };
        if let Some(problem) = problem {
            out.push(Finding::new(
                "attribute.invalid_shape",
                Severity::Error,
                Some(&kv.key),
                format!("{} {problem}", kv.key),
            ));
        }
    }
}

fn str_at<'v>(value: &'v Value, key: &str) -> Option<&'v str> {
    value.get(key).and_then(Value::as_str)
}

/// The first shape problem of a message list, if any; deprecated fields are reported as findings.
fn messages_shape(json: &Value, output: bool, out: &mut Vec<Finding>) -> Option<String> {
    let Some(messages) = json.as_array() else {
        return Some("must be an array of messages".to_owned());
    };
    let key = if output {
        keys::OUTPUT_MESSAGES
    } else {
        keys::INPUT_MESSAGES
    };
    let mut deprecated_finish_reason = false;
    for (i, message) in messages.iter().enumerate() {
        if !message.is_object() {
            return Some(format!("[{i}] must be an object"));
        }
        if str_at(message, "role").is_none() {
            return Some(format!("[{i}].role is missing"));
        }
        let Some(parts) = message.get("parts") else {
            return Some(format!("[{i}].parts is missing"));
        };
        if let Some(problem) = parts_shape(parts, &format!("[{i}].parts"), out) {
            return Some(problem);
        }
        if output && message.get("finish_reason").is_some() {
            deprecated_finish_reason = true;
        }
    }
    if deprecated_finish_reason {
        out.push(Finding::new(
            "content.deprecated_field",
            Severity::Warning,
            Some(key),
            format!(
                "{key} carries `finish_reason`, which is deprecated; use gen_ai.response.finish_reasons"
            ),
        ));
    }
    None
}

fn parts_shape(parts: &Value, at: &str, out: &mut Vec<Finding>) -> Option<String> {
    let Some(parts) = parts.as_array() else {
        return Some(format!("{at} must be an array of parts"));
    };
    for (j, part) in parts.iter().enumerate() {
        let Some(kind) = str_at(part, "type") else {
            return Some(format!("{at}[{j}].type is missing"));
        };
        let required: &[&str] = match kind {
            "text" | "reasoning" => &["content"],
            "tool_call" => &["name"],
            "tool_call_response" => {
                if part.get("response").is_none() && part.get("result").is_some() {
                    out.push(Finding::new(
                        "content.deprecated_field",
                        Severity::Warning,
                        None,
                        format!(
                            "{at}[{j}] is a tool_call_response with `result`; the field is now `response`"
                        ),
                    ));
                    continue;
                }
                &["response"]
            }
            "server_tool_call" => &["name", "server_tool_call"],
            "server_tool_call_response" => &["server_tool_call_response"],
            "blob" => &["modality", "content"],
            "file" => &["modality", "file_id"],
            "uri" => &["modality", "uri"],
            _ => &[],
        };
        if let Some(field) = required.iter().find(|f| part.get(**f).is_none()) {
            return Some(format!("{at}[{j}] ({kind}) lacks `{field}`"));
        }
    }
    None
}

fn tool_definitions_shape(json: &Value) -> Option<String> {
    let Some(defs) = json.as_array() else {
        return Some("must be an array of tool definitions".to_owned());
    };
    for (i, def) in defs.iter().enumerate() {
        if str_at(def, "type").is_none() {
            return Some(format!("[{i}].type is missing"));
        }
        if str_at(def, "name").is_none() {
            return Some(format!("[{i}].name is missing"));
        }
    }
    None
}

fn documents_shape(json: &Value) -> Option<String> {
    let Some(docs) = json.as_array() else {
        return Some("must be an array of documents".to_owned());
    };
    for (i, doc) in docs.iter().enumerate() {
        if !doc.is_object() {
            return Some(format!("[{i}] must be an object"));
        }
        if doc.get("id").is_some_and(|v| !v.is_string()) {
            return Some(format!("[{i}].id must be a string"));
        }
        if doc.get("score").is_some_and(|v| !v.is_number()) {
            return Some(format!("[{i}].score must be a number"));
        }
    }
    None
}

fn usage(span: &Span, op: &str, genai: &flightdeck_model::GenAi, out: &mut Vec<Finding>) {
    let attrs = &span.attributes;
    if genai.usage_missing {
        out.push(Finding::new(
            "usage.missing",
            Severity::Warning,
            Some(keys::USAGE_INPUT_TOKENS),
            format!(
                "`{op}` call without token usage{}",
                if genai.streaming == Some(true) {
                    " (a stream without usage: ask the provider for it, e.g. OpenAI's stream_options.include_usage)"
                } else {
                    ""
                }
            ),
        ));
    } else if is_inference(op)
        && genai.usage.input_tokens.is_some() != genai.usage.output_tokens.is_some()
    {
        let (has, lacks) = if genai.usage.input_tokens.is_some() {
            ("input", "output")
        } else {
            ("output", "input")
        };
        out.push(Finding::new(
            "usage.partial",
            Severity::Info,
            None,
            format!("`{op}` call reports {has} tokens but no {lacks} tokens"),
        ));
    }
    let count = |k: &str| attrs.get_i64(k).filter(|n| *n >= 0);
    if let Some(input) = count(keys::USAGE_INPUT_TOKENS) {
        let cache = count(keys::USAGE_CACHE_READ_INPUT_TOKENS).unwrap_or(0)
            + count(keys::USAGE_CACHE_WRITE_INPUT_TOKENS)
                .or_else(|| count("gen_ai.usage.cache_creation.input_tokens"))
                .unwrap_or(0);
        if cache > input {
            out.push(Finding::new(
                "usage.inconsistent",
                Severity::Warning,
                Some(keys::USAGE_INPUT_TOKENS),
                format!(
                    "gen_ai.usage.input_tokens ({input}) is below its cache tokens ({cache}); input tokens must include cached ones"
                ),
            ));
        }
    }
    if let (Some(output), Some(reasoning)) = (
        count(keys::USAGE_OUTPUT_TOKENS),
        count(keys::USAGE_REASONING_OUTPUT_TOKENS),
    ) && reasoning > output
    {
        out.push(Finding::new(
            "usage.inconsistent",
            Severity::Warning,
            Some(keys::USAGE_OUTPUT_TOKENS),
            format!(
                "gen_ai.usage.output_tokens ({output}) is below its reasoning tokens ({reasoning}); output tokens must include reasoning"
            ),
        ));
    }
    if op == "fetch_response"
        && (attrs.contains(keys::USAGE_INPUT_TOKENS) || attrs.contains(keys::USAGE_OUTPUT_TOKENS))
    {
        out.push(Finding::new(
            "usage.not_expected",
            Severity::Info,
            None,
            "fetch_response spans should not report token usage".to_owned(),
        ));
    }
    // A stream that failed before its first chunk has no time to first chunk to report.
    let failed = span.status.code == StatusCode::Error || attrs.contains(keys::ERROR_TYPE);
    if is_inference(op)
        && genai.streaming == Some(true)
        && !failed
        && !attrs.contains(keys::RESPONSE_TIME_TO_FIRST_CHUNK)
    {
        out.push(Finding::new(
            "time_to_first_chunk.missing",
            Severity::Info,
            Some(keys::RESPONSE_TIME_TO_FIRST_CHUNK),
            "streaming call without gen_ai.response.time_to_first_chunk".to_owned(),
        ));
    }
}
