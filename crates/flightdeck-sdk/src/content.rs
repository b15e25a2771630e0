//! Message content in the JSON shapes of the conventions (`gen_ai.input.messages`,
//! `gen_ai.output.messages`, `gen_ai.system_instructions`, `gen_ai.tool.definitions`), the
//! capture settings, truncation and the prompt hash.
//!
//! Content is **off by default**. It is recorded only when [`ContentCapture::SpanAttributes`] is
//! chosen in code or `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT` asks for it.

use serde::Serialize;
use sha2::{Digest, Sha256};

/// Environment variable that switches content capture on (`SPAN_ONLY`, `SPAN_AND_EVENT`, `true`)
/// or off (`NO_CONTENT`, `EVENT_ONLY`, `false`).
pub const CAPTURE_CONTENT_ENV: &str = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT";

/// Whether message content is recorded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ContentCapture {
    /// No instructions, messages, tool arguments/results or retrieval text (the default).
    #[default]
    Off,
    /// Record content as JSON string span attributes.
    SpanAttributes,
}

impl ContentCapture {
    /// Parses a value of [`CAPTURE_CONTENT_ENV`] (case-insensitive). `SPAN_ONLY`,
    /// `SPAN_AND_EVENT` and `true` turn capture on; `NO_CONTENT`, `EVENT_ONLY` (this SDK emits no
    /// content events) and `false` leave it off. Anything else is `None`.
    pub fn from_env_value(value: &str) -> Option<ContentCapture> {
        let v = value.trim();
        let on = ["span_only", "span_and_event", "true"];
        let off = ["no_content", "event_only", "false"];
        if on.iter().any(|o| v.eq_ignore_ascii_case(o)) {
            Some(ContentCapture::SpanAttributes)
        } else if off.iter().any(|o| v.eq_ignore_ascii_case(o)) {
            Some(ContentCapture::Off)
        } else {
            None
        }
    }
}

/// A chat message: `{"role", "parts", "name"?}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    /// `system`, `user`, `assistant`, `tool` or another role.
    pub role: String,
    /// The parts of the message.
    pub parts: Vec<Part>,
    /// Participant name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl Message {
    /// A message with one text part.
    pub fn text(role: impl Into<String>, content: impl Into<String>) -> Message {
        Message {
            role: role.into(),
            parts: vec![Part::Text {
                content: content.into(),
            }],
            name: None,
        }
    }

    /// A `user` text message.
    pub fn user(content: impl Into<String>) -> Message {
        Message::text("user", content)
    }

    /// A `system` text message.
    pub fn system(content: impl Into<String>) -> Message {
        Message::text("system", content)
    }

    /// An `assistant` text message.
    pub fn assistant(content: impl Into<String>) -> Message {
        Message::text("assistant", content)
    }

    /// A `tool` message carrying the response of tool call `id`.
    pub fn tool_response(id: impl Into<String>, response: serde_json::Value) -> Message {
        Message {
            role: "tool".to_owned(),
            parts: vec![Part::ToolCallResponse {
                id: Some(id.into()),
                response,
            }],
            name: None,
        }
    }

    /// Adds a part.
    pub fn with_part(mut self, part: Part) -> Message {
        self.parts.push(part);
        self
    }
}

/// One part of a message, tagged by `type` as in the conventions' JSON schema.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Part {
    /// `{"type":"text","content"}`
    Text {
        /// The text.
        content: String,
    },
    /// `{"type":"tool_call","id"?,"name","arguments"?}`
    ToolCall {
        /// Call id.
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        /// Tool name.
        name: String,
        /// Arguments (an object when the provider's JSON could be parsed, else the raw string).
        #[serde(skip_serializing_if = "serde_json::Value::is_null")]
        arguments: serde_json::Value,
    },
    /// `{"type":"tool_call_response","id"?,"response"}`
    ToolCallResponse {
        /// Call id.
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        /// Tool output.
        response: serde_json::Value,
    },
    /// `{"type":"reasoning","content"}`
    Reasoning {
        /// Reasoning text.
        content: String,
    },
    /// `{"type":"uri","modality","uri","mime_type"?}`
    Uri {
        /// `image`, `video`, `audio`, `document`.
        modality: String,
        /// Location.
        uri: String,
        /// MIME type.
        #[serde(skip_serializing_if = "Option::is_none")]
        mime_type: Option<String>,
    },
}

/// An output message: a [`Message`] for one choice.
pub type OutputMessage = Message;

/// A tool definition for `gen_ai.tool.definitions`: `{"type":"function","name","description"?,
/// "parameters"?}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolDefinition {
    /// `function` for client-side function tools.
    #[serde(rename = "type")]
    pub kind: String,
    /// Tool name.
    pub name: String,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// JSON Schema of the parameters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameters: Option<serde_json::Value>,
}

impl ToolDefinition {
    /// A function tool.
    pub fn function(name: impl Into<String>) -> ToolDefinition {
        ToolDefinition {
            kind: "function".to_owned(),
            name: name.into(),
            description: None,
            parameters: None,
        }
    }
}

/// A retrieved document for `gen_ai.retrieval.documents`: `{"id"?, "score"?}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RetrievedDocument {
    /// Document id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Relevance score.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
}

impl RetrievedDocument {
    /// A document with id and score.
    pub fn new(id: impl Into<String>, score: f64) -> RetrievedDocument {
        RetrievedDocument {
            id: Some(id.into()),
            score: Some(score),
        }
    }
}

/// Parses tool-call arguments the way the conventions prefer them (an object); a string that is
/// not valid JSON is kept as a string.
pub fn parse_arguments(raw: &str) -> serde_json::Value {
    if raw.is_empty() {
        return serde_json::Value::Null;
    }
    serde_json::from_str(raw).unwrap_or_else(|_| serde_json::Value::String(raw.to_owned()))
}

/// Serializes content to the JSON string recorded on spans, truncating every text content
/// longer than `max_text_bytes` (on a character boundary, with a trailing `…`) so the JSON
/// structure is preserved.
pub(crate) fn to_json_truncated<T: Serialize + ?Sized>(value: &T, max_text_bytes: usize) -> String {
    match serde_json::to_value(value) {
        Ok(mut v) => {
            truncate_strings(&mut v, max_text_bytes);
            v.to_string()
        }
        Err(_) => String::new(),
    }
}

/// Keys whose values are identifiers or enums, never truncated.
const STRUCTURAL_KEYS: [&str; 7] = [
    "role",
    "type",
    "id",
    "name",
    "mime_type",
    "modality",
    "finish_reason",
];

fn truncate_strings(v: &mut serde_json::Value, max: usize) {
    match v {
        serde_json::Value::String(s) => truncate_in_place(s, max),
        serde_json::Value::Array(items) => items.iter_mut().for_each(|i| truncate_strings(i, max)),
        serde_json::Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                if !(value.is_string() && STRUCTURAL_KEYS.contains(&key.as_str())) {
                    truncate_strings(value, max);
                }
            }
        }
        _ => {}
    }
}

/// Truncates `s` to at most `max` bytes on a char boundary, appending `…` when cut.
pub(crate) fn truncate_in_place(s: &mut String, max: usize) {
    if s.len() <= max {
        return;
    }
    let mut cut = max;
    while cut > 0 && !s.is_char_boundary(cut) {
        cut -= 1;
    }
    s.truncate(cut);
    s.push('…');
}

/// The stable prompt hash recorded as `flightdeck.prompt.hash`: lowercase hex SHA-256 over the
/// compact JSON of `system_instructions` (an array of parts, `[]` when none) followed by a
/// newline and the compact JSON of `messages`. Identical prompts give identical hashes across
/// processes and versions of this SDK.
pub fn prompt_hash(system_instructions: &[Part], messages: &[Message]) -> String {
    let mut hasher = Sha256::new();
    // Serializing these plain data types into a Vec cannot fail; an empty string hashes the
    // same in every process, so a failure would still be stable.
    hasher.update(serde_json::to_vec(system_instructions).unwrap_or_default());
    hasher.update(b"\n");
    hasher.update(serde_json::to_vec(messages).unwrap_or_default());
    const_hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Messages serialize to the exact JSON shape of the conventions' input-messages schema.
    #[test]
    fn messages_serialize_to_semconv_shape() {
        let messages = vec![
            Message::user("Weather in Paris?"),
            Message {
                role: "assistant".into(),
                parts: vec![Part::ToolCall {
                    id: Some("call_1".into()),
                    name: "get_weather".into(),
                    arguments: json!({"location": "Paris"}),
                }],
                name: None,
            },
            Message::tool_response("call_1", json!("rainy, 57°F")),
        ];
        let v = serde_json::to_value(&messages).unwrap();
        assert_eq!(
            v,
            json!([
                {"role":"user","parts":[{"type":"text","content":"Weather in Paris?"}]},
                {"role":"assistant","parts":[{"type":"tool_call","id":"call_1","name":"get_weather","arguments":{"location":"Paris"}}]},
                {"role":"tool","parts":[{"type":"tool_call_response","id":"call_1","response":"rainy, 57°F"}]}
            ])
        );
    }

    /// Environment values are parsed case-insensitively; unknown values are rejected.
    #[test]
    fn env_values() {
        assert_eq!(
            ContentCapture::from_env_value("span_only"),
            Some(ContentCapture::SpanAttributes)
        );
        assert_eq!(
            ContentCapture::from_env_value("TRUE"),
            Some(ContentCapture::SpanAttributes)
        );
        assert_eq!(
            ContentCapture::from_env_value("NO_CONTENT"),
            Some(ContentCapture::Off)
        );
        assert_eq!(ContentCapture::from_env_value("yes please"), None);
    }

    /// Truncation cuts long strings on a character boundary and keeps the JSON valid.
    #[test]
    fn truncation_keeps_json_valid() {
        let m = vec![Message::user("ééééé")]; // 10 bytes
        let s = to_json_truncated(&m, 3);
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v[0]["parts"][0]["content"], "é…");
        assert_eq!(v[0]["role"], "user");
    }

    /// The prompt hash is the SHA-256 of the documented byte string, computed independently.
    #[test]
    fn prompt_hash_is_documented_sha256() {
        let h = prompt_hash(&[], &[Message::user("hi")]);
        let expected = Sha256::digest(
            br#"[]
[{"role":"user","parts":[{"type":"text","content":"hi"}]}]"#,
        );
        assert_eq!(h, const_hex::encode(expected));
        assert_eq!(h.len(), 64);
        assert_ne!(h, prompt_hash(&[], &[Message::user("hi!")]));
    }

    /// Arguments that are not JSON stay a string; empty arguments are absent.
    #[test]
    fn argument_parsing() {
        assert_eq!(parse_arguments(r#"{"a":1}"#), json!({"a": 1}));
        assert_eq!(parse_arguments("{oops"), json!("{oops"));
        assert_eq!(parse_arguments(""), serde_json::Value::Null);
    }
}
