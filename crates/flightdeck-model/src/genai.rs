//! The typed GenAI view of a span: the fields of the current OpenTelemetry GenAI semantic
//! conventions that operators query and aggregate on.
//!
//! The view is filled by `flightdeck-semconv` from the span's attributes (whatever dialect they are
//! in); the attributes themselves are kept untouched next to it.

use serde::{Deserialize, Serialize};

/// Token usage of one GenAI call, in the current conventions' inclusive form: cache tokens are part
/// of `input`, reasoning tokens part of `output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Usage {
    /// `gen_ai.usage.input_tokens`: all input tokens, cached ones included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_tokens: Option<i64>,
    /// `gen_ai.usage.output_tokens`: all output tokens, reasoning included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_tokens: Option<i64>,
    /// `gen_ai.usage.cache_read.input_tokens`: input tokens served from the provider's cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_read_input_tokens: Option<i64>,
    /// `gen_ai.usage.cache_write.input_tokens`: input tokens written to the provider's cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write_input_tokens: Option<i64>,
    /// `gen_ai.usage.reasoning.output_tokens`: output tokens spent on reasoning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_output_tokens: Option<i64>,
}

impl Usage {
    /// True when no count is known.
    pub fn is_empty(&self) -> bool {
        *self == Usage::default()
    }
}

/// The typed GenAI fields of one span.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct GenAi {
    /// `gen_ai.operation.name`: `chat`, `embeddings`, `execute_tool`, `invoke_agent`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// `gen_ai.provider.name`: `openai`, `anthropic`, `aws.bedrock`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// `gen_ai.request.model`: the model the caller asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_model: Option<String>,
    /// `gen_ai.response.model`: the exact model that answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_model: Option<String>,
    /// Token usage.
    #[serde(default, skip_serializing_if = "Usage::is_empty")]
    pub usage: Usage,
    /// `gen_ai.response.finish_reasons`: one per choice.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub finish_reasons: Vec<String>,
    /// `gen_ai.response.id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_id: Option<String>,
    /// `gen_ai.conversation.id`: the session or thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    /// `gen_ai.agent.name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_name: Option<String>,
    /// `gen_ai.agent.id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// `gen_ai.tool.name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_name: Option<String>,
    /// `gen_ai.tool.type`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_type: Option<String>,
    /// `gen_ai.tool.call.id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
    /// `error.type` on a GenAI span.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_type: Option<String>,
    /// `gen_ai.response.time_to_first_chunk`, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_to_first_chunk: Option<f64>,
    /// True when the response was streamed (from the request flag, a dialect's streaming flag, or
    /// streaming chunk events); `None` when the span does not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub streaming: Option<bool>,
    /// The model family: a dated snapshot (`gpt-4o-2024-08-06`) maps to its base model (`gpt-4o`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_family: Option<String>,
    /// The end user (`user.id`, `enduser.id` or a dialect's equivalent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Output tokens per second of generation (after the first chunk when streaming).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_tokens_per_second: Option<f64>,
    /// Longest gap between consecutive streaming chunks, in seconds (a stream stall).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_chunk_gap: Option<f64>,
    /// True for a model call that should report token usage but carries none (typically a stream
    /// without `include_usage`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub usage_missing: bool,
    /// The retrieval view of a retrieval span.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retrieval: Option<Retrieval>,
    /// What the call cost, computed from usage and the model catalog.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<Cost>,
    /// Input tokens divided by the model's context window (0.0–1.0, more when exceeded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_window_use: Option<f64>,
    /// The call failed because its input did not fit the model's context window.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub context_length_exceeded: bool,
}

/// What a retrieval step looked up and found.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Retrieval {
    /// `gen_ai.data_source.id` (or the vector store / collection).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_source: Option<String>,
    /// The query text, when captured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// The requested number of results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_k: Option<i64>,
    /// Documents returned, in rank order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<RetrievedDocument>,
}

/// One retrieved document.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RetrievedDocument {
    /// Document id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Relevance score.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// Content, when captured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
}

/// The cost of one call, in US dollars, with its breakdown. The parts add up to `total`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Cost {
    /// Total cost.
    pub total: f64,
    /// Uncached input tokens.
    pub input: f64,
    /// Input tokens read from the provider's cache.
    pub cache_read: f64,
    /// Input tokens written to the provider's cache.
    pub cache_write: f64,
    /// Output tokens other than reasoning.
    pub output: f64,
    /// Reasoning output tokens.
    pub reasoning: f64,
    /// The catalog entry that priced it (`provider/model`).
    pub priced_as: String,
}

impl GenAi {
    /// True when the span carries no GenAI information at all.
    pub fn is_empty(&self) -> bool {
        *self == GenAi::default()
    }

    /// The model to group by: the requested model, else the responding one.
    pub fn model(&self) -> Option<&str> {
        self.request_model
            .as_deref()
            .or(self.response_model.as_deref())
    }
}
