//! Token usage in the conventions' inclusive form, and converters from the usage objects of
//! OpenAI, Anthropic and Gemini.
//!
//! The conventions count **inclusively**: `input_tokens` includes cached tokens (read and
//! write), `output_tokens` includes reasoning tokens. Anthropic reports input tokens *excluding*
//! the cache, Gemini reports output tokens *excluding* thoughts; the converters add them back.

use serde::Deserialize;

/// Tokens per modality (a subset of the total they belong to).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ModalityTokens {
    /// Text tokens.
    pub text: Option<u64>,
    /// Image tokens.
    pub image: Option<u64>,
    /// Audio tokens.
    pub audio: Option<u64>,
}

impl ModalityTokens {
    /// Whether no modality is known.
    pub fn is_empty(&self) -> bool {
        self.text.is_none() && self.image.is_none() && self.audio.is_none()
    }

    /// The known modalities as `(gen_ai.token.modality value, tokens)`.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, u64)> {
        [
            ("text", self.text),
            ("image", self.image),
            ("audio", self.audio),
        ]
        .into_iter()
        .filter_map(|(m, v)| v.map(|v| (m, v)))
    }
}

/// Token usage of one operation, inclusive as the conventions define it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// All input tokens, including cache reads and writes.
    pub input_tokens: Option<u64>,
    /// All output tokens, including reasoning.
    pub output_tokens: Option<u64>,
    /// Input tokens read from a cache (subset of `input_tokens`).
    pub cache_read_input_tokens: Option<u64>,
    /// Input tokens written to a cache (subset of `input_tokens`).
    pub cache_write_input_tokens: Option<u64>,
    /// Reasoning tokens (subset of `output_tokens`).
    pub reasoning_output_tokens: Option<u64>,
    /// Input tokens per modality (subsets of `input_tokens`).
    pub input_modalities: ModalityTokens,
    /// Output tokens per modality (subsets of `output_tokens`).
    pub output_modalities: ModalityTokens,
}

impl Usage {
    /// Usage with just input and output totals.
    pub fn new(input_tokens: u64, output_tokens: u64) -> Self {
        Usage {
            input_tokens: Some(input_tokens),
            output_tokens: Some(output_tokens),
            ..Usage::default()
        }
    }

    /// Sets the cache-read subset of the input tokens.
    pub fn with_cache_read(mut self, tokens: u64) -> Self {
        self.cache_read_input_tokens = Some(tokens);
        self
    }

    /// Sets the cache-write subset of the input tokens.
    pub fn with_cache_write(mut self, tokens: u64) -> Self {
        self.cache_write_input_tokens = Some(tokens);
        self
    }

    /// Sets the reasoning subset of the output tokens.
    pub fn with_reasoning(mut self, tokens: u64) -> Self {
        self.reasoning_output_tokens = Some(tokens);
        self
    }

    /// Whether nothing is known.
    pub fn is_empty(&self) -> bool {
        *self == Usage::default()
    }

    /// Fields known in `other` replace those in `self`; unknown ones are kept. Used by streams
    /// whose events carry partial usage (Anthropic `message_start` then `message_delta`).
    pub fn merge(&mut self, other: &Usage) {
        fn take(a: &mut Option<u64>, b: Option<u64>) {
            if b.is_some() {
                *a = b;
            }
        }
        take(&mut self.input_tokens, other.input_tokens);
        take(&mut self.output_tokens, other.output_tokens);
        take(
            &mut self.cache_read_input_tokens,
            other.cache_read_input_tokens,
        );
        take(
            &mut self.cache_write_input_tokens,
            other.cache_write_input_tokens,
        );
        take(
            &mut self.reasoning_output_tokens,
            other.reasoning_output_tokens,
        );
        for (a, b) in [
            (&mut self.input_modalities, &other.input_modalities),
            (&mut self.output_modalities, &other.output_modalities),
        ] {
            take(&mut a.text, b.text);
            take(&mut a.image, b.image);
            take(&mut a.audio, b.audio);
        }
    }

    /// Converts an OpenAI usage object (Chat Completions `prompt_tokens` / `completion_tokens`
    /// or Responses `input_tokens` / `output_tokens`, with their `*_details`). OpenAI counts are
    /// already inclusive. Returns `None` if `value` is not such an object.
    pub fn from_openai_json(value: &serde_json::Value) -> Option<Usage> {
        if !value.is_object() {
            return None;
        }
        OpenAiUsage::deserialize(value).ok().map(Usage::from)
    }

    /// Converts an Anthropic usage object (`input_tokens` excludes the cache, so
    /// `cache_read_input_tokens` and `cache_creation_input_tokens` are added to it). Returns
    /// `None` if `value` is not such an object.
    pub fn from_anthropic_json(value: &serde_json::Value) -> Option<Usage> {
        if !value.is_object() {
            return None;
        }
        AnthropicUsage::deserialize(value).ok().map(Usage::from)
    }

    /// Converts a Gemini `usageMetadata` object (`candidatesTokenCount` excludes thoughts, so
    /// `thoughtsTokenCount` is added to it). Returns `None` if `value` is not such an object.
    pub fn from_gemini_json(value: &serde_json::Value) -> Option<Usage> {
        if !value.is_object() {
            return None;
        }
        GeminiUsage::deserialize(value).ok().map(Usage::from)
    }
}

/// OpenAI usage (Chat Completions and Responses field names both accepted).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct OpenAiUsage {
    /// `prompt_tokens` (Chat Completions) or `input_tokens` (Responses).
    #[serde(alias = "input_tokens")]
    pub prompt_tokens: Option<u64>,
    /// `completion_tokens` (Chat Completions) or `output_tokens` (Responses).
    #[serde(alias = "output_tokens")]
    pub completion_tokens: Option<u64>,
    /// `total_tokens`.
    pub total_tokens: Option<u64>,
    /// `prompt_tokens_details` or `input_tokens_details`.
    #[serde(alias = "input_tokens_details")]
    pub prompt_tokens_details: Option<OpenAiTokenDetails>,
    /// `completion_tokens_details` or `output_tokens_details`.
    #[serde(alias = "output_tokens_details")]
    pub completion_tokens_details: Option<OpenAiTokenDetails>,
}

/// OpenAI `*_tokens_details`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct OpenAiTokenDetails {
    /// Cached input tokens.
    pub cached_tokens: Option<u64>,
    /// Reasoning output tokens.
    pub reasoning_tokens: Option<u64>,
    /// Audio tokens.
    pub audio_tokens: Option<u64>,
    /// Text tokens.
    pub text_tokens: Option<u64>,
    /// Image tokens.
    pub image_tokens: Option<u64>,
}

impl From<OpenAiUsage> for Usage {
    fn from(u: OpenAiUsage) -> Usage {
        let input = u.prompt_tokens_details.unwrap_or_default();
        let output = u.completion_tokens_details.unwrap_or_default();
        Usage {
            input_tokens: u.prompt_tokens,
            output_tokens: u.completion_tokens,
            cache_read_input_tokens: input.cached_tokens,
            cache_write_input_tokens: None,
            reasoning_output_tokens: output.reasoning_tokens,
            input_modalities: ModalityTokens {
                text: input.text_tokens,
                image: input.image_tokens,
                audio: input.audio_tokens,
            },
            output_modalities: ModalityTokens {
                text: output.text_tokens,
                image: output.image_tokens,
                audio: output.audio_tokens,
            },
        }
    }
}

/// Anthropic usage (`message.usage` of `message_start`, `usage` of `message_delta`, or the
/// non-streaming response).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct AnthropicUsage {
    /// Input tokens *not* read from or written to the cache.
    pub input_tokens: Option<u64>,
    /// Output tokens.
    pub output_tokens: Option<u64>,
    /// Input tokens written to the cache.
    pub cache_creation_input_tokens: Option<u64>,
    /// Input tokens read from the cache.
    pub cache_read_input_tokens: Option<u64>,
}

impl From<AnthropicUsage> for Usage {
    fn from(u: AnthropicUsage) -> Usage {
        let input_tokens = match (
            u.input_tokens,
            u.cache_read_input_tokens,
            u.cache_creation_input_tokens,
        ) {
            (None, None, None) => None,
            (a, b, c) => Some(
                a.unwrap_or(0)
                    .saturating_add(b.unwrap_or(0))
                    .saturating_add(c.unwrap_or(0)),
            ),
        };
        Usage {
            input_tokens,
            output_tokens: u.output_tokens,
            cache_read_input_tokens: u.cache_read_input_tokens,
            cache_write_input_tokens: u.cache_creation_input_tokens,
            ..Usage::default()
        }
    }
}

/// Gemini `usageMetadata`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct GeminiUsage {
    /// Prompt tokens, including cached content.
    pub prompt_token_count: Option<u64>,
    /// Tokens of the candidates, excluding thoughts.
    pub candidates_token_count: Option<u64>,
    /// Cached content tokens (subset of the prompt).
    pub cached_content_token_count: Option<u64>,
    /// Thinking tokens.
    pub thoughts_token_count: Option<u64>,
    /// Tokens of tool-use prompts (counted as input).
    pub tool_use_prompt_token_count: Option<u64>,
    /// Total.
    pub total_token_count: Option<u64>,
    /// Prompt tokens per modality.
    pub prompt_tokens_details: Vec<GeminiModalityCount>,
    /// Candidate tokens per modality.
    pub candidates_tokens_details: Vec<GeminiModalityCount>,
}

/// One entry of Gemini's `*TokensDetails`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct GeminiModalityCount {
    /// `TEXT`, `IMAGE`, `AUDIO`, `VIDEO`, `DOCUMENT`.
    pub modality: String,
    /// Tokens.
    pub token_count: u64,
}

fn gemini_modalities(details: &[GeminiModalityCount]) -> ModalityTokens {
    let mut m = ModalityTokens::default();
    for d in details {
        let slot = match d.modality.as_str() {
            "TEXT" => &mut m.text,
            "IMAGE" => &mut m.image,
            "AUDIO" => &mut m.audio,
            _ => continue,
        };
        *slot = Some(slot.unwrap_or(0).saturating_add(d.token_count));
    }
    m
}

impl From<GeminiUsage> for Usage {
    fn from(u: GeminiUsage) -> Usage {
        let input_tokens = match (u.prompt_token_count, u.tool_use_prompt_token_count) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(0).saturating_add(b.unwrap_or(0))),
        };
        let output_tokens = match (u.candidates_token_count, u.thoughts_token_count) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(0).saturating_add(b.unwrap_or(0))),
        };
        Usage {
            input_tokens,
            output_tokens,
            cache_read_input_tokens: u.cached_content_token_count,
            cache_write_input_tokens: None,
            reasoning_output_tokens: u.thoughts_token_count,
            input_modalities: gemini_modalities(&u.prompt_tokens_details),
            output_modalities: gemini_modalities(&u.candidates_tokens_details),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// OpenAI Chat Completions usage maps cached and reasoning details; totals stay as reported
    /// because OpenAI is already inclusive.
    #[test]
    fn openai_chat_usage_is_kept_inclusive() {
        let u = Usage::from_openai_json(&json!({
            "prompt_tokens": 1200, "completion_tokens": 300, "total_tokens": 1500,
            "prompt_tokens_details": {"cached_tokens": 1000, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 120}
        }))
        .unwrap();
        assert_eq!(u.input_tokens, Some(1200));
        assert_eq!(u.output_tokens, Some(300));
        assert_eq!(u.cache_read_input_tokens, Some(1000));
        assert_eq!(u.reasoning_output_tokens, Some(120));
        assert_eq!(u.input_modalities.audio, Some(0));
    }

    /// OpenAI Responses API field names are accepted too.
    #[test]
    fn openai_responses_usage() {
        let u = Usage::from_openai_json(&json!({
            "input_tokens": 50, "output_tokens": 7,
            "input_tokens_details": {"cached_tokens": 10},
            "output_tokens_details": {"reasoning_tokens": 3}
        }))
        .unwrap();
        assert_eq!(u, Usage::new(50, 7).with_cache_read(10).with_reasoning(3));
    }

    /// Anthropic input tokens exclude the cache: 100 + 1000 read + 200 write = 1300 inclusive.
    #[test]
    fn anthropic_usage_adds_cache_to_input() {
        let u = Usage::from_anthropic_json(&json!({
            "input_tokens": 100, "output_tokens": 50,
            "cache_read_input_tokens": 1000, "cache_creation_input_tokens": 200
        }))
        .unwrap();
        assert_eq!(
            u,
            Usage::new(1300, 50)
                .with_cache_read(1000)
                .with_cache_write(200)
        );
    }

    /// An Anthropic `message_delta` usage with only `output_tokens` leaves input unknown.
    #[test]
    fn anthropic_delta_usage_has_no_input() {
        let u = Usage::from_anthropic_json(&json!({"output_tokens": 42})).unwrap();
        assert_eq!(u.input_tokens, None);
        assert_eq!(u.output_tokens, Some(42));
    }

    /// Gemini output excludes thoughts (20 + 5 = 25); cached content and modalities map over.
    #[test]
    fn gemini_usage_adds_thoughts_to_output() {
        let u = Usage::from_gemini_json(&json!({
            "promptTokenCount": 80, "candidatesTokenCount": 20, "thoughtsTokenCount": 5,
            "cachedContentTokenCount": 30, "totalTokenCount": 105,
            "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 60}, {"modality": "IMAGE", "tokenCount": 20}]
        }))
        .unwrap();
        assert_eq!(u.input_tokens, Some(80));
        assert_eq!(u.output_tokens, Some(25));
        assert_eq!(u.reasoning_output_tokens, Some(5));
        assert_eq!(u.cache_read_input_tokens, Some(30));
        assert_eq!(u.input_modalities.text, Some(60));
        assert_eq!(u.input_modalities.image, Some(20));
        assert_eq!(u.input_modalities.audio, None);
    }

    /// Merging keeps what the newer value does not know.
    #[test]
    fn merge_keeps_unknown_fields() {
        let mut a = Usage::new(10, 1).with_cache_read(4);
        a.merge(&Usage {
            output_tokens: Some(9),
            ..Usage::default()
        });
        assert_eq!(a, Usage::new(10, 9).with_cache_read(4));
    }

    /// Something that is not a usage object converts to `None` rather than panicking.
    #[test]
    fn non_objects_are_rejected() {
        assert!(Usage::from_openai_json(&json!("nope")).is_none());
        assert!(Usage::from_anthropic_json(&json!(3)).is_none());
        assert!(Usage::from_gemini_json(&json!([1])).is_none());
    }
}
