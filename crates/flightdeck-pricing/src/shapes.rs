//! Providers' native usage objects → the canonical inclusive [`TokenUsage`].
//!
//! Providers disagree on what their counts include, which is where cost bugs come from:
//!
//! | shape | input total | cache | output total | reasoning |
//! |---|---|---|---|---|
//! | OpenAI Chat (and compatible: Azure OpenAI, Groq, Mistral, Together, Fireworks, vLLM) | `prompt_tokens` includes `cached_tokens` | read only | `completion_tokens` includes `reasoning_tokens` | subset |
//! | OpenAI Responses | `input_tokens` includes `cached_tokens` | read only | `output_tokens` includes reasoning | subset |
//! | OpenAI Realtime | `input_tokens` includes cached, per modality | read, per modality | `output_tokens`, per modality | — |
//! | Anthropic (also on Bedrock / Vertex) | `input_tokens` **excludes** `cache_read_input_tokens` and `cache_creation_input_tokens` | read; write with 5m / 1h split | `output_tokens` includes thinking | not reported |
//! | Gemini / Vertex | `promptTokenCount` includes `cachedContentTokenCount`; `toolUsePromptTokenCount` is **extra** input | read, per modality | `candidatesTokenCount` **excludes** `thoughtsTokenCount` | extra |
//! | Bedrock Converse | `inputTokens` **excludes** `cacheReadInputTokens` / `cacheWriteInputTokens` | read; write with TTL details | `outputTokens` | — |
//! | Cohere v2 | `billed_units.input_tokens` (what is charged) | `cached_tokens` | `billed_units.output_tokens` | — |
//! | DeepSeek | `prompt_tokens` = `prompt_cache_hit_tokens` + `prompt_cache_miss_tokens` | read | `completion_tokens` includes reasoning | subset |
//! | xAI | `prompt_tokens` includes `cached_tokens` | read | `completion_tokens` **excludes** `reasoning_tokens` | extra |
//!
//! Each converter is a pure function; [`usage_from_json`] picks one by [`UsageShape`]. Missing
//! and `null` counts are zero; unknown fields are ignored (providers add fields often).

use serde::Deserialize;

use crate::cost::TokenUsage;

fn n(v: Option<u64>) -> u64 {
    v.unwrap_or(0)
}

/// OpenAI Chat Completions `usage` (and every OpenAI-compatible API).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct OpenAiChatUsage {
    /// All prompt tokens, cached ones included.
    pub prompt_tokens: Option<u64>,
    /// All completion tokens, reasoning included.
    pub completion_tokens: Option<u64>,
    /// Prompt breakdown.
    pub prompt_tokens_details: Option<OpenAiPromptDetails>,
    /// Completion breakdown.
    pub completion_tokens_details: Option<OpenAiCompletionDetails>,
}

/// `prompt_tokens_details` / `input_tokens_details`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct OpenAiPromptDetails {
    /// Prompt tokens served from the cache.
    pub cached_tokens: Option<u64>,
    /// Prompt tokens written to the cache (some compatible APIs report it).
    pub cache_write_tokens: Option<u64>,
    /// Audio prompt tokens.
    pub audio_tokens: Option<u64>,
    /// Image prompt tokens.
    pub image_tokens: Option<u64>,
}

/// `completion_tokens_details` / `output_tokens_details`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct OpenAiCompletionDetails {
    /// Reasoning tokens (included in the completion total).
    pub reasoning_tokens: Option<u64>,
    /// Audio completion tokens.
    pub audio_tokens: Option<u64>,
    /// Image completion tokens.
    pub image_tokens: Option<u64>,
}

impl From<&OpenAiChatUsage> for TokenUsage {
    fn from(u: &OpenAiChatUsage) -> TokenUsage {
        let p = u.prompt_tokens_details.clone().unwrap_or_default();
        let c = u.completion_tokens_details.clone().unwrap_or_default();
        TokenUsage {
            input_tokens: n(u.prompt_tokens),
            output_tokens: n(u.completion_tokens),
            cache_read_input_tokens: n(p.cached_tokens),
            cache_write_input_tokens: n(p.cache_write_tokens),
            reasoning_output_tokens: n(c.reasoning_tokens),
            audio_input_tokens: n(p.audio_tokens),
            image_input_tokens: n(p.image_tokens),
            audio_output_tokens: n(c.audio_tokens),
            image_output_tokens: n(c.image_tokens),
            ..TokenUsage::default()
        }
    }
}

/// OpenAI Responses API `usage`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct OpenAiResponsesUsage {
    /// All input tokens, cached ones included.
    pub input_tokens: Option<u64>,
    /// All output tokens, reasoning included.
    pub output_tokens: Option<u64>,
    /// Input breakdown.
    pub input_tokens_details: Option<OpenAiPromptDetails>,
    /// Output breakdown.
    pub output_tokens_details: Option<OpenAiCompletionDetails>,
}

impl From<&OpenAiResponsesUsage> for TokenUsage {
    fn from(u: &OpenAiResponsesUsage) -> TokenUsage {
        TokenUsage::from(&OpenAiChatUsage {
            prompt_tokens: u.input_tokens,
            completion_tokens: u.output_tokens,
            prompt_tokens_details: u.input_tokens_details.clone(),
            completion_tokens_details: u.output_tokens_details.clone(),
        })
    }
}

/// OpenAI Realtime `response.done` `usage`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct OpenAiRealtimeUsage {
    /// All input tokens, cached ones included.
    pub input_tokens: Option<u64>,
    /// All output tokens.
    pub output_tokens: Option<u64>,
    /// Input breakdown by modality and cache.
    pub input_token_details: Option<RealtimeInputDetails>,
    /// Output breakdown by modality.
    pub output_token_details: Option<RealtimeModalities>,
}

/// Realtime `input_token_details`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct RealtimeInputDetails {
    /// Cached input tokens (all modalities).
    pub cached_tokens: Option<u64>,
    /// Text input tokens.
    pub text_tokens: Option<u64>,
    /// Audio input tokens.
    pub audio_tokens: Option<u64>,
    /// Image input tokens.
    pub image_tokens: Option<u64>,
    /// Cached input tokens by modality.
    pub cached_tokens_details: Option<RealtimeModalities>,
}

/// Token counts by modality.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct RealtimeModalities {
    /// Text tokens.
    pub text_tokens: Option<u64>,
    /// Audio tokens.
    pub audio_tokens: Option<u64>,
    /// Image tokens.
    pub image_tokens: Option<u64>,
}

impl From<&OpenAiRealtimeUsage> for TokenUsage {
    fn from(u: &OpenAiRealtimeUsage) -> TokenUsage {
        let i = u.input_token_details.clone().unwrap_or_default();
        let cached = i.cached_tokens_details.clone().unwrap_or_default();
        let o = u.output_token_details.clone().unwrap_or_default();
        TokenUsage {
            input_tokens: n(u.input_tokens),
            output_tokens: n(u.output_tokens),
            cache_read_input_tokens: n(i.cached_tokens),
            audio_input_tokens: n(i.audio_tokens),
            image_input_tokens: n(i.image_tokens),
            audio_cache_read_input_tokens: n(cached.audio_tokens),
            image_cache_read_input_tokens: n(cached.image_tokens),
            audio_output_tokens: n(o.audio_tokens),
            image_output_tokens: n(o.image_tokens),
            ..TokenUsage::default()
        }
    }
}

/// Anthropic Messages `usage` (also returned by Claude on Bedrock InvokeModel and Vertex).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct AnthropicUsage {
    /// Input tokens **not** read from or written to the cache.
    pub input_tokens: Option<u64>,
    /// Output tokens (thinking included).
    pub output_tokens: Option<u64>,
    /// Input tokens read from the cache.
    pub cache_read_input_tokens: Option<u64>,
    /// Input tokens written to the cache (all lifetimes).
    pub cache_creation_input_tokens: Option<u64>,
    /// Cache writes by lifetime.
    pub cache_creation: Option<AnthropicCacheCreation>,
}

/// Anthropic `usage.cache_creation`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct AnthropicCacheCreation {
    /// Written with the 5-minute lifetime.
    pub ephemeral_5m_input_tokens: Option<u64>,
    /// Written with the 1-hour lifetime.
    pub ephemeral_1h_input_tokens: Option<u64>,
}

impl From<&AnthropicUsage> for TokenUsage {
    fn from(u: &AnthropicUsage) -> TokenUsage {
        let split = u.cache_creation.clone().unwrap_or_default();
        let one_hour = n(split.ephemeral_1h_input_tokens);
        let written = u
            .cache_creation_input_tokens
            .unwrap_or_else(|| n(split.ephemeral_5m_input_tokens) + one_hour);
        let read = n(u.cache_read_input_tokens);
        TokenUsage {
            input_tokens: n(u.input_tokens) + read + written,
            output_tokens: n(u.output_tokens),
            cache_read_input_tokens: read,
            cache_write_input_tokens: written,
            cache_write_1h_input_tokens: one_hour,
            ..TokenUsage::default()
        }
    }
}

/// Gemini / Vertex AI `usageMetadata` (camelCase as on the wire; the Python SDK's snake_case
/// names are accepted too).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct GeminiUsage {
    /// Prompt tokens, cached content included.
    #[serde(alias = "prompt_token_count")]
    pub prompt_token_count: Option<u64>,
    /// Of the prompt, tokens from cached content.
    #[serde(alias = "cached_content_token_count")]
    pub cached_content_token_count: Option<u64>,
    /// Response tokens, thoughts **excluded**.
    #[serde(alias = "candidates_token_count")]
    pub candidates_token_count: Option<u64>,
    /// Thinking tokens (billed as output).
    #[serde(alias = "thoughts_token_count")]
    pub thoughts_token_count: Option<u64>,
    /// Tokens of tool-use prompts (e.g. search results), billed as input, **not** in the prompt
    /// count.
    #[serde(alias = "tool_use_prompt_token_count")]
    pub tool_use_prompt_token_count: Option<u64>,
    /// Prompt tokens by modality.
    #[serde(alias = "prompt_tokens_details")]
    pub prompt_tokens_details: Option<Vec<GeminiModalityCount>>,
    /// Cached tokens by modality.
    #[serde(alias = "cache_tokens_details")]
    pub cache_tokens_details: Option<Vec<GeminiModalityCount>>,
    /// Response tokens by modality.
    #[serde(alias = "candidates_tokens_details")]
    pub candidates_tokens_details: Option<Vec<GeminiModalityCount>>,
    /// Tool-use prompt tokens by modality.
    #[serde(alias = "tool_use_prompt_tokens_details")]
    pub tool_use_prompt_tokens_details: Option<Vec<GeminiModalityCount>>,
}

/// One `{ modality, tokenCount }` item.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct GeminiModalityCount {
    /// `TEXT`, `AUDIO`, `IMAGE`, `VIDEO`, `DOCUMENT`.
    pub modality: Option<String>,
    /// Tokens of that modality.
    #[serde(alias = "token_count")]
    pub token_count: Option<u64>,
}

/// Audio, image (documents are billed as images) and video counts of a modality list.
fn modalities(list: &[Option<&Vec<GeminiModalityCount>>]) -> [u64; 3] {
    let mut out = [0u64; 3];
    for item in list.iter().flatten().flat_map(|v| v.iter()) {
        let slot = match item
            .modality
            .as_deref()
            .map(str::to_ascii_uppercase)
            .as_deref()
        {
            Some("AUDIO") => 0,
            Some("IMAGE" | "DOCUMENT") => 1,
            Some("VIDEO") => 2,
            _ => continue,
        };
        out[slot] += n(item.token_count);
    }
    out
}

impl From<&GeminiUsage> for TokenUsage {
    fn from(u: &GeminiUsage) -> TokenUsage {
        let thoughts = n(u.thoughts_token_count);
        let input = modalities(&[
            u.prompt_tokens_details.as_ref(),
            u.tool_use_prompt_tokens_details.as_ref(),
        ]);
        let cached = modalities(&[u.cache_tokens_details.as_ref()]);
        let output = modalities(&[u.candidates_tokens_details.as_ref()]);
        TokenUsage {
            input_tokens: n(u.prompt_token_count) + n(u.tool_use_prompt_token_count),
            output_tokens: n(u.candidates_token_count) + thoughts,
            cache_read_input_tokens: n(u.cached_content_token_count),
            reasoning_output_tokens: thoughts,
            audio_input_tokens: input[0],
            image_input_tokens: input[1],
            video_input_tokens: input[2],
            audio_cache_read_input_tokens: cached[0],
            image_cache_read_input_tokens: cached[1],
            video_cache_read_input_tokens: cached[2],
            audio_output_tokens: output[0],
            image_output_tokens: output[1],
            video_output_tokens: output[2],
            ..TokenUsage::default()
        }
    }
}

/// Bedrock Converse / ConverseStream `usage`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct BedrockConverseUsage {
    /// Input tokens **not** read from or written to the cache.
    pub input_tokens: Option<u64>,
    /// Output tokens.
    pub output_tokens: Option<u64>,
    /// Input tokens read from the cache.
    pub cache_read_input_tokens: Option<u64>,
    /// Input tokens written to the cache.
    pub cache_write_input_tokens: Option<u64>,
    /// Cache writes by lifetime.
    pub cache_details: Option<Vec<BedrockCacheDetail>>,
}

/// One Bedrock `cacheDetails` item.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct BedrockCacheDetail {
    /// `5m` or `1h`.
    pub ttl: Option<String>,
    /// Tokens written with that lifetime.
    pub input_tokens: Option<u64>,
}

impl From<&BedrockConverseUsage> for TokenUsage {
    fn from(u: &BedrockConverseUsage) -> TokenUsage {
        let read = n(u.cache_read_input_tokens);
        let written = n(u.cache_write_input_tokens);
        let one_hour = u
            .cache_details
            .iter()
            .flatten()
            .filter(|d| d.ttl.as_deref() == Some("1h"))
            .map(|d| n(d.input_tokens))
            .sum();
        TokenUsage {
            input_tokens: n(u.input_tokens) + read + written,
            output_tokens: n(u.output_tokens),
            cache_read_input_tokens: read,
            cache_write_input_tokens: written,
            cache_write_1h_input_tokens: one_hour,
            ..TokenUsage::default()
        }
    }
}

/// Cohere v2 Chat `usage`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct CohereUsage {
    /// What is charged.
    pub billed_units: Option<CohereUnits>,
    /// What the model consumed (includes template and system tokens that are not billed).
    pub tokens: Option<CohereUnits>,
    /// Prompt tokens served from the cache.
    pub cached_tokens: Option<u64>,
}

/// Cohere token counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct CohereUnits {
    /// Input tokens.
    pub input_tokens: Option<u64>,
    /// Output tokens.
    pub output_tokens: Option<u64>,
}

impl From<&CohereUsage> for TokenUsage {
    /// The billed counts, as the conventions ask; the consumed counts only when nothing was
    /// billed-reported.
    fn from(u: &CohereUsage) -> TokenUsage {
        let counts = u
            .billed_units
            .clone()
            .or_else(|| u.tokens.clone())
            .unwrap_or_default();
        let input = n(counts.input_tokens);
        TokenUsage {
            input_tokens: input,
            output_tokens: n(counts.output_tokens),
            cache_read_input_tokens: n(u.cached_tokens).min(input),
            ..TokenUsage::default()
        }
    }
}

/// DeepSeek `usage`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct DeepSeekUsage {
    /// All prompt tokens (= cache hits + misses).
    pub prompt_tokens: Option<u64>,
    /// All completion tokens, reasoning included.
    pub completion_tokens: Option<u64>,
    /// Prompt tokens served from the cache.
    pub prompt_cache_hit_tokens: Option<u64>,
    /// Prompt tokens not in the cache.
    pub prompt_cache_miss_tokens: Option<u64>,
    /// Completion breakdown.
    pub completion_tokens_details: Option<OpenAiCompletionDetails>,
}

impl From<&DeepSeekUsage> for TokenUsage {
    fn from(u: &DeepSeekUsage) -> TokenUsage {
        let hit = n(u.prompt_cache_hit_tokens);
        let input = u
            .prompt_tokens
            .unwrap_or_else(|| hit + n(u.prompt_cache_miss_tokens));
        let c = u.completion_tokens_details.clone().unwrap_or_default();
        TokenUsage {
            input_tokens: input,
            output_tokens: n(u.completion_tokens),
            cache_read_input_tokens: hit,
            reasoning_output_tokens: n(c.reasoning_tokens),
            ..TokenUsage::default()
        }
    }
}

/// xAI (Grok) Chat Completions `usage`: OpenAI-like, but reasoning is **not** part of
/// `completion_tokens`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct XAiUsage {
    /// All prompt tokens, cached ones included.
    pub prompt_tokens: Option<u64>,
    /// Completion tokens, reasoning excluded.
    pub completion_tokens: Option<u64>,
    /// Prompt breakdown.
    pub prompt_tokens_details: Option<OpenAiPromptDetails>,
    /// Completion breakdown.
    pub completion_tokens_details: Option<OpenAiCompletionDetails>,
}

impl From<&XAiUsage> for TokenUsage {
    fn from(u: &XAiUsage) -> TokenUsage {
        let p = u.prompt_tokens_details.clone().unwrap_or_default();
        let c = u.completion_tokens_details.clone().unwrap_or_default();
        let reasoning = n(c.reasoning_tokens);
        TokenUsage {
            input_tokens: n(u.prompt_tokens),
            output_tokens: n(u.completion_tokens) + reasoning,
            cache_read_input_tokens: n(p.cached_tokens),
            reasoning_output_tokens: reasoning,
            audio_input_tokens: n(p.audio_tokens),
            image_input_tokens: n(p.image_tokens),
            ..TokenUsage::default()
        }
    }
}

/// Which native usage object a JSON value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UsageShape {
    /// [`OpenAiChatUsage`].
    OpenAiChat,
    /// [`OpenAiResponsesUsage`].
    OpenAiResponses,
    /// [`OpenAiRealtimeUsage`].
    OpenAiRealtime,
    /// [`AnthropicUsage`].
    Anthropic,
    /// [`GeminiUsage`].
    Gemini,
    /// [`BedrockConverseUsage`].
    BedrockConverse,
    /// [`CohereUsage`].
    Cohere,
    /// [`DeepSeekUsage`].
    DeepSeek,
    /// [`XAiUsage`].
    XAi,
}

impl UsageShape {
    /// A short name for messages.
    pub fn name(self) -> &'static str {
        match self {
            UsageShape::OpenAiChat => "openai chat",
            UsageShape::OpenAiResponses => "openai responses",
            UsageShape::OpenAiRealtime => "openai realtime",
            UsageShape::Anthropic => "anthropic",
            UsageShape::Gemini => "gemini",
            UsageShape::BedrockConverse => "bedrock converse",
            UsageShape::Cohere => "cohere",
            UsageShape::DeepSeek => "deepseek",
            UsageShape::XAi => "xai",
        }
    }

    /// The usual shape of a provider's chat API, by `gen_ai.provider.name`; OpenAI-compatible
    /// for providers not listed.
    pub fn for_provider(provider: &str) -> UsageShape {
        match provider {
            "anthropic" => UsageShape::Anthropic,
            "gcp.gemini" | "gcp.vertex_ai" | "gcp.gen_ai" => UsageShape::Gemini,
            "aws.bedrock" => UsageShape::BedrockConverse,
            "cohere" => UsageShape::Cohere,
            "deepseek" => UsageShape::DeepSeek,
            "x_ai" => UsageShape::XAi,
            _ => UsageShape::OpenAiChat,
        }
    }
}

/// A usage object that does not have the expected shape.
#[derive(Debug, thiserror::Error)]
#[error("{shape} usage: {source}")]
pub struct UsageError {
    /// The expected shape.
    pub shape: &'static str,
    /// What did not fit.
    #[source]
    pub source: serde_json::Error,
}

/// Converts a native usage object to the canonical form.
pub fn usage_from_json(
    shape: UsageShape,
    value: &serde_json::Value,
) -> Result<TokenUsage, UsageError> {
    fn conv<'a, T>(
        shape: UsageShape,
        value: &'a serde_json::Value,
    ) -> Result<TokenUsage, UsageError>
    where
        T: Deserialize<'a>,
        for<'t> &'t T: Into<TokenUsage>,
    {
        let native = T::deserialize(value).map_err(|source| UsageError {
            shape: shape.name(),
            source,
        })?;
        Ok((&native).into())
    }
    match shape {
        UsageShape::OpenAiChat => conv::<OpenAiChatUsage>(shape, value),
        UsageShape::OpenAiResponses => conv::<OpenAiResponsesUsage>(shape, value),
        UsageShape::OpenAiRealtime => conv::<OpenAiRealtimeUsage>(shape, value),
        UsageShape::Anthropic => conv::<AnthropicUsage>(shape, value),
        UsageShape::Gemini => conv::<GeminiUsage>(shape, value),
        UsageShape::BedrockConverse => conv::<BedrockConverseUsage>(shape, value),
        UsageShape::Cohere => conv::<CohereUsage>(shape, value),
        UsageShape::DeepSeek => conv::<DeepSeekUsage>(shape, value),
        UsageShape::XAi => conv::<XAiUsage>(shape, value),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// Anthropic's exclusive input becomes inclusive; the 1h split is kept.
    #[test]
    fn anthropic_input_becomes_inclusive() {
        let u = usage_from_json(
            UsageShape::Anthropic,
            &json!({"input_tokens": 12, "output_tokens": 400,
                    "cache_read_input_tokens": 30000, "cache_creation_input_tokens": 2000,
                    "cache_creation": {"ephemeral_5m_input_tokens": 500, "ephemeral_1h_input_tokens": 1500}}),
        )
        .unwrap();
        // 12 + 30000 + 2000
        assert_eq!(u.input_tokens, 32_012);
        assert_eq!(u.cache_read_input_tokens, 30_000);
        assert_eq!(u.cache_write_input_tokens, 2_000);
        assert_eq!(u.cache_write_1h_input_tokens, 1_500);
        assert!(u.repaired().1.is_clean());
    }

    /// Gemini's thoughts and tool-use prompt are added to the totals; modalities are read.
    #[test]
    fn gemini_thoughts_and_tool_prompt_are_added() {
        let u = usage_from_json(
            UsageShape::Gemini,
            &json!({"promptTokenCount": 1000, "cachedContentTokenCount": 600,
                    "candidatesTokenCount": 50, "thoughtsTokenCount": 200,
                    "toolUsePromptTokenCount": 300,
                    "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 700}, {"modality": "AUDIO", "tokenCount": 300}],
                    "cacheTokensDetails": [{"modality": "AUDIO", "tokenCount": 100}]}),
        )
        .unwrap();
        assert_eq!(u.input_tokens, 1_300);
        assert_eq!(u.output_tokens, 250);
        assert_eq!(u.reasoning_output_tokens, 200);
        assert_eq!(u.audio_input_tokens, 300);
        assert_eq!(u.audio_cache_read_input_tokens, 100);
        // snake_case from the Python SDK reads the same.
        let snake = usage_from_json(
            UsageShape::Gemini,
            &json!({"prompt_token_count": 1000, "candidates_token_count": 50, "thoughts_token_count": 200}),
        )
        .unwrap();
        assert_eq!((snake.input_tokens, snake.output_tokens), (1_000, 250));
    }

    /// Nulls and missing details are zero; a wrong type is an error naming the shape.
    #[test]
    fn nulls_and_errors() {
        let u = usage_from_json(
            UsageShape::OpenAiChat,
            &json!({"prompt_tokens": 10, "completion_tokens": 5, "prompt_tokens_details": null,
                    "completion_tokens_details": {"reasoning_tokens": null}, "total_tokens": 15}),
        )
        .unwrap();
        assert_eq!(
            (u.input_tokens, u.output_tokens, u.reasoning_output_tokens),
            (10, 5, 0)
        );
        let err = usage_from_json(UsageShape::Anthropic, &json!({"input_tokens": "many"}))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("anthropic usage:"), "{err}");
        let err = usage_from_json(UsageShape::OpenAiChat, &json!({"prompt_tokens": -1}))
            .unwrap_err()
            .to_string();
        assert!(err.contains("openai chat usage"), "{err}");
    }

    /// Provider names pick the usual shape.
    #[test]
    fn shapes_by_provider() {
        assert_eq!(UsageShape::for_provider("anthropic"), UsageShape::Anthropic);
        assert_eq!(
            UsageShape::for_provider("gcp.vertex_ai"),
            UsageShape::Gemini
        );
        assert_eq!(UsageShape::for_provider("groq"), UsageShape::OpenAiChat);
    }
}
