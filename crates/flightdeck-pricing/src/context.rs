//! Context-window use of a call, and recognition of calls that failed because the prompt did not
//! fit the model's context window.

/// Input tokens ÷ context window: 0.0–1.0, above 1.0 when the input exceeded the window.
/// `None` when the window is unknown (0) or the call reported no input.
pub fn context_window_use(input_tokens: u64, context_window: u64) -> Option<f64> {
    (context_window > 0 && input_tokens > 0).then(|| input_tokens as f64 / context_window as f64)
}

/// Phrases of the major providers' context-length errors, lowercased. Codes and exception names
/// (as found in `error.type`) come first, then messages:
/// - OpenAI / Azure OpenAI / Groq / vLLM / DeepSeek: code `context_length_exceeded`, "This
///   model's maximum context length is 128000 tokens. However, your messages resulted in ...";
///   Responses API "Your input exceeds the context window of this model".
/// - Anthropic: "prompt is too long: 208310 tokens > 200000 maximum"; "input length and
///   `max_tokens` exceed context limit".
/// - Gemini / Vertex: "The input token count (1200000) exceeds the maximum number of tokens
///   allowed (1048576)".
/// - Bedrock: "Input is too long for requested model", "too many input tokens".
/// - Mistral: "Prompt contains 40000 tokens ... too large for model with 32768 maximum context
///   length".
/// - Cohere: "too many tokens: total number of tokens in the prompt cannot exceed 4081".
/// - LiteLLM: `ContextWindowExceededError`; llama.cpp: "the request exceeds the available
///   context size".
const PHRASES: &[&str] = &[
    "context_length_exceeded",
    "contextwindowexceeded",
    "context_window_exceeded",
    "maximum context length",
    "prompt is too long",
    "input is too long",
    "too many input tokens",
    "exceeds the maximum number of tokens allowed",
    "too large for model with",
    "total number of tokens in the prompt cannot exceed",
    "reduce the length of the messages",
];

/// Phrases that mean a context-length error when the text also says "exceed".
const CONTEXT_NOUNS: &[&str] = &[
    "context window",
    "context length",
    "context limit",
    "context size",
];

/// Only this much of a status message is examined (messages can carry whole prompts).
const MAX_MESSAGE_BYTES: usize = 4096;

/// True when a failed call's `error.type` or status message says the input did not fit the
/// model's context window.
pub fn is_context_length_error(error_type: Option<&str>, message: Option<&str>) -> bool {
    [error_type, message]
        .into_iter()
        .flatten()
        .any(|text| says_context_length(head(text, MAX_MESSAGE_BYTES)))
}

fn head(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn says_context_length(text: &str) -> bool {
    let lower = text.to_lowercase();
    PHRASES.iter().any(|p| lower.contains(p))
        || (lower.contains("exceed") && CONTEXT_NOUNS.iter().any(|n| lower.contains(n)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Use is input over window; unknown window or no input gives none.
    #[test]
    fn window_use() {
        assert_eq!(context_window_use(50_000, 200_000), Some(0.25));
        assert_eq!(context_window_use(250_000, 200_000), Some(1.25));
        assert_eq!(context_window_use(10, 0), None);
        assert_eq!(context_window_use(0, 1000), None);
    }

    /// The errors of the common providers are recognized, by code or by message.
    #[test]
    fn recognizes_provider_errors() {
        let yes = [
            (Some("context_length_exceeded"), None),
            (Some("ContextWindowExceededError"), None),
            (
                Some("BadRequestError"),
                Some(
                    "This model's maximum context length is 128000 tokens. However, your messages resulted in 130412 tokens. Please reduce the length of the messages.",
                ),
            ),
            (
                None,
                Some(
                    "Your input exceeds the context window of this model. Please adjust your input and try again.",
                ),
            ),
            (
                Some("invalid_request_error"),
                Some("prompt is too long: 208310 tokens > 200000 maximum"),
            ),
            (
                None,
                Some("input length and `max_tokens` exceed context limit: 198000 + 8192 > 200000"),
            ),
            (
                Some("400"),
                Some(
                    "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).",
                ),
            ),
            (
                Some("ValidationException"),
                Some("Input is too long for requested model."),
            ),
            (
                None,
                Some(
                    "Prompt contains 40000 tokens and 0 draft tokens, too large for model with 32768 maximum context length",
                ),
            ),
            (
                None,
                Some(
                    "too many tokens: total number of tokens in the prompt cannot exceed 4081 - received 5012",
                ),
            ),
            (
                None,
                Some("the request exceeds the available context size, try increasing it"),
            ),
        ];
        for (t, m) in yes {
            assert!(is_context_length_error(t, m), "{t:?} {m:?}");
        }
    }

    /// Other failures, including token rate limits, are not context-length errors.
    #[test]
    fn ignores_other_errors() {
        let no = [
            (
                Some("RateLimitError"),
                Some(
                    "Rate limit reached for gpt-4o on tokens per min (TPM): Limit 30000, Used 29000, Requested 2000.",
                ),
            ),
            (
                Some("rate_limit_error"),
                Some(
                    "This request would exceed the rate limit for your organization of 80,000 input tokens per minute.",
                ),
            ),
            (Some("overloaded_error"), Some("Overloaded")),
            (Some("timeout"), None),
            (None, None),
        ];
        for (t, m) in no {
            assert!(!is_context_length_error(t, m), "{t:?} {m:?}");
        }
    }

    /// Long messages are cut on a character boundary, never panicking.
    #[test]
    fn long_messages_are_bounded() {
        let long = "é".repeat(10_000) + "prompt is too long";
        assert!(!is_context_length_error(None, Some(&long)));
        assert_eq!(head("héllo", 2), "h");
    }
}
