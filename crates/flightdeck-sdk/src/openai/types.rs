//! Request and response types of the OpenAI-compatible Chat Completions and Embeddings APIs
//! (the subset the client needs; unknown response fields are ignored, extra request fields can
//! be passed through `extra`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::content::{self, Message, Part};
use crate::usage::OpenAiUsage;

/// A chat message as the API takes and returns it (text content only).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChatMessage {
    /// `system`, `user`, `assistant` or `tool`.
    pub role: String,
    /// Text content (absent on assistant messages that only call tools).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Tool calls made by the assistant.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
    /// For `tool` messages: the call answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
    /// Participant name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl ChatMessage {
    /// A message with text content.
    pub fn new(role: impl Into<String>, content: impl Into<String>) -> Self {
        ChatMessage {
            role: role.into(),
            content: Some(content.into()),
            ..ChatMessage::default()
        }
    }

    /// A `system` message.
    pub fn system(content: impl Into<String>) -> Self {
        ChatMessage::new("system", content)
    }

    /// A `user` message.
    pub fn user(content: impl Into<String>) -> Self {
        ChatMessage::new("user", content)
    }

    /// An `assistant` message.
    pub fn assistant(content: impl Into<String>) -> Self {
        ChatMessage::new("assistant", content)
    }

    /// A `tool` message answering call `tool_call_id`.
    pub fn tool(tool_call_id: impl Into<String>, content: impl Into<String>) -> Self {
        ChatMessage {
            role: "tool".to_owned(),
            content: Some(content.into()),
            tool_call_id: Some(tool_call_id.into()),
            ..ChatMessage::default()
        }
    }

    /// The message in the conventions' shape.
    pub fn to_semconv(&self) -> Message {
        let mut parts = Vec::new();
        if self.role == "tool" {
            parts.push(Part::ToolCallResponse {
                id: self.tool_call_id.clone(),
                response: Value::String(self.content.clone().unwrap_or_default()),
            });
        } else if let Some(text) = &self.content {
            parts.push(Part::Text {
                content: text.clone(),
            });
        }
        for call in &self.tool_calls {
            parts.push(Part::ToolCall {
                id: Some(call.id.clone()),
                name: call.function.name.clone(),
                arguments: content::parse_arguments(&call.function.arguments),
            });
        }
        Message {
            role: self.role.clone(),
            parts,
            name: self.name.clone(),
        }
    }
}

/// A tool call made by the model.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ToolCall {
    /// Call id.
    pub id: String,
    /// `function`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The function called.
    pub function: FunctionCall,
}

/// Function name and JSON-encoded arguments.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FunctionCall {
    /// Function name.
    pub name: String,
    /// Arguments as a JSON string.
    pub arguments: String,
}

/// A tool offered to the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    /// `function`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The function.
    pub function: FunctionDefinition,
}

impl Tool {
    /// A function tool with a JSON Schema for its parameters.
    pub fn function(
        name: impl Into<String>,
        description: impl Into<String>,
        parameters: Value,
    ) -> Tool {
        Tool {
            kind: "function".to_owned(),
            function: FunctionDefinition {
                name: name.into(),
                description: Some(description.into()),
                parameters: Some(parameters),
            },
        }
    }
}

/// Function definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionDefinition {
    /// Name.
    pub name: String,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// JSON Schema of the parameters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Value>,
}

/// `stream_options`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct StreamOptions {
    /// Ask for a final chunk carrying usage.
    pub include_usage: bool,
}

/// A Chat Completions request.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ChatRequest {
    /// Model.
    pub model: String,
    /// History.
    pub messages: Vec<ChatMessage>,
    /// Sampling temperature.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Nucleus sampling.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    /// Output token limit (older name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    /// Output token limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_completion_tokens: Option<u32>,
    /// Number of choices.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n: Option<u32>,
    /// Seed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<i64>,
    /// Stop sequences.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stop: Vec<String>,
    /// Frequency penalty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frequency_penalty: Option<f64>,
    /// Presence penalty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub presence_penalty: Option<f64>,
    /// Tools.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<Tool>,
    /// Tool choice (`auto`, `none`, `required` or an object).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<Value>,
    /// Response format (`{"type": "json_object"}` ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_format: Option<Value>,
    /// Reasoning effort.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasoning_effort: Option<String>,
    /// Service tier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_tier: Option<String>,
    /// Set by the client.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream: Option<bool>,
    /// Set by the client for streams (`include_usage: true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_options: Option<StreamOptions>,
    /// Any other request fields, sent as given.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, Value>,
}

impl ChatRequest {
    /// A request for `model` with no messages yet.
    pub fn new(model: impl Into<String>) -> Self {
        ChatRequest {
            model: model.into(),
            ..ChatRequest::default()
        }
    }

    /// Appends a `system` message.
    pub fn system(mut self, content: impl Into<String>) -> Self {
        self.messages.push(ChatMessage::system(content));
        self
    }

    /// Appends a `user` message.
    pub fn user(mut self, content: impl Into<String>) -> Self {
        self.messages.push(ChatMessage::user(content));
        self
    }

    /// Appends a message.
    pub fn message(mut self, message: ChatMessage) -> Self {
        self.messages.push(message);
        self
    }

    /// Sets the temperature.
    pub fn with_temperature(mut self, temperature: f64) -> Self {
        self.temperature = Some(temperature);
        self
    }

    /// Sets the output token limit (`max_tokens`).
    pub fn with_max_tokens(mut self, max_tokens: u32) -> Self {
        self.max_tokens = Some(max_tokens);
        self
    }

    /// Sets the seed.
    pub fn with_seed(mut self, seed: i64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Offers a tool.
    pub fn with_tool(mut self, tool: Tool) -> Self {
        self.tools.push(tool);
        self
    }
}

/// One choice of a response.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Choice {
    /// Index.
    pub index: u32,
    /// The message.
    pub message: ChatMessage,
    /// `stop`, `length`, `tool_calls`, `content_filter`.
    pub finish_reason: Option<String>,
}

/// A Chat Completions response.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ChatResponse {
    /// Response id.
    pub id: String,
    /// Model that answered.
    pub model: String,
    /// Choices.
    pub choices: Vec<Choice>,
    /// Usage.
    pub usage: Option<OpenAiUsage>,
    /// System fingerprint.
    pub system_fingerprint: Option<String>,
    /// Service tier used.
    pub service_tier: Option<String>,
}

impl ChatResponse {
    /// The text of the first choice, if any.
    pub fn text(&self) -> Option<&str> {
        self.choices.first()?.message.content.as_deref()
    }
}

/// A streamed tool-call fragment.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ToolCallDelta {
    /// Which tool call of the choice.
    pub index: u32,
    /// Call id (first fragment only).
    pub id: Option<String>,
    /// Function name and argument fragment.
    pub function: Option<FunctionDelta>,
}

/// A streamed function fragment.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct FunctionDelta {
    /// Name (first fragment only).
    pub name: Option<String>,
    /// Argument fragment.
    pub arguments: Option<String>,
}

/// The delta of a streamed choice.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Delta {
    /// Role (first chunk only).
    pub role: Option<String>,
    /// Text fragment.
    pub content: Option<String>,
    /// Tool call fragments.
    pub tool_calls: Vec<ToolCallDelta>,
}

/// A streamed choice.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ChunkChoice {
    /// Index.
    pub index: u32,
    /// Delta.
    pub delta: Delta,
    /// Set on the last chunk of the choice.
    pub finish_reason: Option<String>,
}

/// One `chat.completion.chunk`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ChatChunk {
    /// Response id.
    pub id: String,
    /// Model.
    pub model: String,
    /// Choices (empty in the final usage chunk).
    pub choices: Vec<ChunkChoice>,
    /// Usage (final chunk, when `include_usage` is set).
    pub usage: Option<OpenAiUsage>,
    /// System fingerprint.
    pub system_fingerprint: Option<String>,
    /// Service tier used.
    pub service_tier: Option<String>,
}

/// An Embeddings request.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EmbeddingsRequest {
    /// Model.
    pub model: String,
    /// Texts to embed.
    pub input: Vec<String>,
    /// Requested dimensions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<u32>,
    /// `float` or `base64`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding_format: Option<String>,
}

impl EmbeddingsRequest {
    /// Embeds `input` with `model`.
    pub fn new<I, S>(model: impl Into<String>, input: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        EmbeddingsRequest {
            model: model.into(),
            input: input.into_iter().map(Into::into).collect(),
            ..EmbeddingsRequest::default()
        }
    }

    /// Asks for `dimensions`-dimensional vectors.
    pub fn with_dimensions(mut self, dimensions: u32) -> Self {
        self.dimensions = Some(dimensions);
        self
    }
}

/// An embedding vector: floats, or base64 of little-endian `f32` when requested.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum EmbeddingVector {
    /// `encoding_format: float`.
    Float(Vec<f32>),
    /// `encoding_format: base64`.
    Base64(String),
}

impl EmbeddingVector {
    /// Number of dimensions (base64: decoded bytes / 4, estimated from the text length).
    pub fn dimensions(&self) -> usize {
        match self {
            EmbeddingVector::Float(v) => v.len(),
            EmbeddingVector::Base64(s) => {
                let padding = s.bytes().rev().take_while(|b| *b == b'=').count();
                (s.len() / 4 * 3).saturating_sub(padding) / 4
            }
        }
    }
}

/// One embedding.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Embedding {
    /// Position in the input.
    #[serde(default)]
    pub index: u32,
    /// The vector.
    pub embedding: EmbeddingVector,
}

/// Embeddings usage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct EmbeddingsUsage {
    /// Input tokens.
    pub prompt_tokens: u64,
    /// Total tokens.
    pub total_tokens: u64,
}

/// An Embeddings response.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct EmbeddingsResponse {
    /// Model that answered.
    pub model: String,
    /// One embedding per input.
    pub data: Vec<Embedding>,
    /// Usage.
    pub usage: Option<EmbeddingsUsage>,
}
