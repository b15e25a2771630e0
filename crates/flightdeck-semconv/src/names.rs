//! Normalization of names and enum values: providers, model families, operations, finish reasons,
//! error types.

use std::borrow::Cow;

/// The provider names the current conventions define (`gen_ai.provider.name` well-known values).
pub const WELL_KNOWN_PROVIDERS: &[&str] = &[
    "openai",
    "gcp.gen_ai",
    "gcp.vertex_ai",
    "gcp.gemini",
    "anthropic",
    "cohere",
    "azure.ai.inference",
    "azure.ai.openai",
    "ibm.watsonx.ai",
    "aws.bedrock",
    "perplexity",
    "x_ai",
    "deepseek",
    "groq",
    "mistral_ai",
    "moonshot_ai",
];

/// The operation names the current conventions define (`gen_ai.operation.name` well-known values).
pub const WELL_KNOWN_OPERATIONS: &[&str] = &[
    "chat",
    "generate_content",
    "text_completion",
    "embeddings",
    "retrieval",
    "fetch_response",
    "create_agent",
    "invoke_agent",
    "execute_tool",
    "invoke_workflow",
    "plan",
    "create_memory_store",
    "delete_memory_store",
    "search_memory",
    "create_memory",
    "update_memory",
    "upsert_memory",
    "delete_memory",
];

/// True for operations that call a model and should report token usage.
pub fn is_model_call(operation: &str) -> bool {
    matches!(
        operation,
        "chat" | "text_completion" | "generate_content" | "embeddings"
    )
}

/// True for inference operations (the `gen_ai.client.inference` span type).
pub fn is_inference(operation: &str) -> bool {
    matches!(operation, "chat" | "text_completion" | "generate_content")
}

/// Maps a provider name in any dialect's spelling to the current conventions' value.
///
/// Known aliases map to their well-known value (`az.ai.openai` → `azure.ai.openai`, `vertex_ai` →
/// `gcp.vertex_ai`, `xai` → `x_ai`, `mistralai` → `mistral_ai`, `Anthropic` → `anthropic`,
/// `AWS Bedrock` → `aws.bedrock`, ...). Anything else is lowercased and kept. Empty input gives
/// `None`.
pub fn canonical_provider(raw: &str) -> Option<Cow<'static, str>> {
    let raw = raw.trim_ascii();
    if raw.is_empty() {
        return None;
    }
    if let Some(known) = WELL_KNOWN_PROVIDERS.iter().find(|p| **p == raw) {
        return Some(Cow::Borrowed(known));
    }
    let lower = raw.to_ascii_lowercase();
    let alias = match lower.as_str() {
        "openai" | "open_ai" | "open-ai" | "open ai" => "openai",
        "az.ai.openai" | "azure" | "azure_openai" | "azure-openai" | "azure.openai"
        | "azure openai" | "azure.ai.openai" => "azure.ai.openai",
        "az.ai.inference" | "azure_ai_inference" | "azure-ai-inference" | "azure.ai.inference"
        | "azure ai inference" => "azure.ai.inference",
        "vertex_ai" | "vertexai" | "vertex" | "vertex ai" | "google_vertex" | "google-vertex"
        | "google.vertex" | "gcp.vertex_ai" | "google_vertexai" => "gcp.vertex_ai",
        "gemini"
        | "google_genai"
        | "google-genai"
        | "google.generative-ai"
        | "google_generative_ai"
        | "google-generative-ai"
        | "google_gemini"
        | "gcp.gemini" => "gcp.gemini",
        "google" | "gcp" | "gcp.gen_ai" | "google_ai" => "gcp.gen_ai",
        "anthropic" => "anthropic",
        "aws.bedrock" | "bedrock" | "aws" | "aws bedrock" | "aws_bedrock" | "aws-bedrock"
        | "amazon-bedrock" | "amazon_bedrock" | "amazon.bedrock" | "amazon bedrock" => {
            "aws.bedrock"
        }
        "cohere" => "cohere",
        "ibm.watsonx.ai" | "watsonx" | "ibm.watson.ai" | "ibm_watsonx" | "watsonx.ai" => {
            "ibm.watsonx.ai"
        }
        "perplexity" => "perplexity",
        "x_ai" | "xai" | "x-ai" | "x.ai" => "x_ai",
        "deepseek" => "deepseek",
        "groq" => "groq",
        "mistral_ai" | "mistralai" | "mistral" | "mistral-ai" => "mistral_ai",
        "moonshot_ai" | "moonshot" | "moonshotai" | "moonshot-ai" => "moonshot_ai",
        _ => return Some(vendor_id(lower)),
    };
    Some(Cow::Borrowed(alias))
}

/// A vendor id such as the Vercel AI SDK's `ai.model.provider` (`openai.chat`,
/// `anthropic.messages`, `google.vertex.chat`, `azure-openai.chat`): the part before the first dot
/// names the provider when it is a known one.
fn vendor_id(lower: String) -> Cow<'static, str> {
    if lower.starts_with("google.vertex") {
        return Cow::Borrowed("gcp.vertex_ai");
    }
    if lower.starts_with("google.generative-ai") {
        return Cow::Borrowed("gcp.gemini");
    }
    if let Some((head, _)) = lower.split_once('.')
        && let Some(Cow::Borrowed(known)) = canonical_provider(head)
    {
        return Cow::Borrowed(known);
    }
    Cow::Owned(lower)
}

/// True when the string is `len` ASCII digits.
fn digits(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_digit())
}

fn number(s: &str) -> u32 {
    s.bytes()
        .fold(0u32, |n, b| n * 10 + u32::from(b.wrapping_sub(b'0')))
}

fn is_month_day(month: u32, day: u32) -> bool {
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

/// `-YYYY-MM-DD` at the end.
fn strip_iso_date(s: &str) -> Option<&str> {
    let n = s.len();
    if n < 11 || !s.is_char_boundary(n - 11) {
        return None;
    }
    let tail = &s[n - 11..];
    let b = tail.as_bytes();
    if b[0] != b'-' || b[5] != b'-' || b[8] != b'-' {
        return None;
    }
    let (y, m, d) = (&tail[1..5], &tail[6..8], &tail[9..11]);
    if digits(y, 4) && digits(m, 2) && digits(d, 2) {
        let year = number(y);
        if (2000..2100).contains(&year) && is_month_day(number(m), number(d)) {
            return Some(&s[..n - 11]);
        }
    }
    None
}

/// The last `-`-separated segment and what precedes it.
fn split_last_segment(s: &str) -> Option<(&str, &str)> {
    let (head, last) = s.rsplit_once('-')?;
    if head.is_empty() {
        return None;
    }
    Some((head, last))
}

/// Maps an exact model name to its family: dated snapshots and version pins are removed, the rest
/// of the name is kept as sent.
///
/// Rules, applied in this order (each documented with an example):
/// 1. a `models/` prefix (Google APIs) is removed: `models/gemini-1.5-pro` → `gemini-1.5-pro`;
/// 2. fine-tuned models (`ft:...`) are their own family and are returned unchanged;
/// 3. a Vertex version pin after `@` is removed: `claude-3-5-sonnet@20240620` → `claude-3-5-sonnet`;
/// 4. a Bedrock version suffix `-vN:M` is removed:
///    `anthropic.claude-3-5-sonnet-20240620-v1:0` → `anthropic.claude-3-5-sonnet-20240620`
///    (then rule 5 removes the date);
/// 5. one trailing snapshot marker is removed:
///    - `-latest`: `claude-3-5-sonnet-latest` → `claude-3-5-sonnet`;
///    - an ISO date: `gpt-4o-2024-08-06` → `gpt-4o`, `gpt-4o-realtime-preview-2024-12-17` →
///      `gpt-4o-realtime-preview`;
///    - an 8-digit date: `claude-sonnet-4-5-20250929` → `claude-sonnet-4-5`;
///    - a date after `preview`/`exp`: `gemini-2.5-pro-preview-05-06` → `gemini-2.5-pro-preview`,
///      `gemini-1.5-pro-exp-0827` → `gemini-1.5-pro-exp` (preview models stay apart from the
///      generally available model: they are different models with different limits);
///    - a 4-digit `MMDD` or `YYMM` date: `gpt-3.5-turbo-0125` → `gpt-3.5-turbo`,
///      `mistral-large-2407` → `mistral-large`;
///    - a Gemini stable version `-00N`: `gemini-1.5-pro-002` → `gemini-1.5-pro`.
///
/// A 4-digit date followed by another segment (`gpt-4-1106-preview`) is left alone: removing it
/// would invent a name that no provider uses. Region prefixes of Bedrock inference profiles
/// (`us.anthropic...`) are kept.
pub fn model_family(model: &str) -> String {
    let mut s = model.trim_ascii();
    s = s.strip_prefix("models/").unwrap_or(s);
    if s.starts_with("ft:") {
        return s.to_owned();
    }
    if let Some(at) = s.bytes().position(|b| b == b'@')
        && at > 0
    {
        s = &s[..at];
    }
    // Bedrock: `-v1:0`
    if s.bytes().any(|b| b == b':')
        && let Some((head, tail)) = s.rsplit_once('-')
        && let Some(tail) = tail.strip_prefix('v')
        && let Some((major, minor)) = tail.split_once(':')
        && !major.is_empty()
        && major.bytes().all(|b| b.is_ascii_digit())
        && !minor.is_empty()
        && minor.bytes().all(|b| b.is_ascii_digit())
        && !head.is_empty()
    {
        s = head;
    }
    // Fast path: no snapshot marker can end a name whose last character is not a digit (dates,
    // versions) and that does not end in `-latest`.
    if !s.as_bytes().last().is_some_and(u8::is_ascii_digit) && !s.ends_with("-latest") {
        return s.to_owned();
    }
    if let Some(head) = s.strip_suffix("-latest")
        && !head.is_empty()
    {
        return head.to_owned();
    }
    if let Some(head) = strip_iso_date(s) {
        return head.to_owned();
    }
    if let Some((head, last)) = split_last_segment(s) {
        if digits(last, 8) {
            let year = number(&last[..4]);
            if (2000..2100).contains(&year) && is_month_day(number(&last[4..6]), number(&last[6..]))
            {
                return head.to_owned();
            }
        }
        // `-preview-MM-DD`
        if digits(last, 2)
            && let Some((head2, month)) = split_last_segment(head)
            && digits(month, 2)
            && (head2.ends_with("-preview") || head2.ends_with("-exp"))
            && is_month_day(number(month), number(last))
        {
            return head2.to_owned();
        }
        if digits(last, 4) {
            let (a, b) = (number(&last[..2]), number(&last[2..]));
            let month_day = is_month_day(a, b);
            let year_month = (23..=29).contains(&a) && (1..=12).contains(&b);
            if month_day || year_month {
                return head.to_owned();
            }
        }
        if digits(last, 3) && last.starts_with("00") && s.starts_with("gemini-") {
            return head.to_owned();
        }
    }
    s.to_owned()
}

/// Maps an operation value in any dialect to the current conventions' spelling. Known synonyms map
/// to their well-known value; other values are lowercased and kept (custom operations are
/// allowed).
pub fn canonical_operation(raw: &str) -> Option<Cow<'static, str>> {
    let raw = raw.trim_ascii();
    if raw.is_empty() {
        return None;
    }
    if let Some(known) = WELL_KNOWN_OPERATIONS.iter().find(|o| **o == raw) {
        return Some(Cow::Borrowed(known));
    }
    let lower = raw.to_ascii_lowercase();
    let alias = match lower.as_str() {
        "embedding" => "embeddings",
        "completion" | "completions" => "text_completion",
        "chat_completion" | "chat_completions" | "chat.completions" => "chat",
        "agent" => "invoke_agent",
        "tool" => "execute_tool",
        "workflow" | "framework" | "team" | "graph" | "crew" => "invoke_workflow",
        "retrieve" | "retriever" => "retrieval",
        other => {
            if let Some(known) = WELL_KNOWN_OPERATIONS.iter().find(|o| **o == other) {
                known
            } else {
                return Some(Cow::Owned(lower));
            }
        }
    };
    Some(Cow::Borrowed(alias))
}

/// Maps a finish reason in any provider's or dialect's spelling to the output-message enum of the
/// current conventions (`stop`, `length`, `content_filter`, `tool_call`, `error`); other values are
/// kept as sent.
///
/// `tool_calls` / `tool-calls` / `tool_use` / `function_call` → `tool_call`; `end_turn` /
/// `stop_sequence` / `STOP` / `COMPLETE` → `stop`; `max_tokens` / `MAX_TOKENS` /
/// `max_output_tokens` → `length`; `content-filter` / `SAFETY` → `content_filter`.
pub fn canonical_finish_reason(raw: &str) -> String {
    if matches!(
        raw,
        "stop" | "length" | "tool_call" | "content_filter" | "error"
    ) {
        return raw.to_owned();
    }
    let mapped = match raw {
        "stop" | "end_turn" | "stop_sequence" | "STOP" | "COMPLETE" | "complete" | "eos"
        | "end" => "stop",
        "length" | "max_tokens" | "MAX_TOKENS" | "max_output_tokens" | "model_length" => "length",
        "tool_call" | "tool_calls" | "tool-calls" | "tool_use" | "function_call" | "TOOL_CALL"
        | "TOOL_CALLS" | "toolUse" => "tool_call",
        "content_filter"
        | "content-filter"
        | "SAFETY"
        | "safety"
        | "RECITATION"
        | "guardrail_intervened"
        | "refusal" => "content_filter",
        "error" | "ERROR" => "error",
        other => return other.to_owned(),
    };
    mapped.to_owned()
}

/// Cleans an `error.type` value: Python's stringified classes `<class 'openai.BadRequestError'>`
/// become `openai.BadRequestError`; other values are kept.
pub fn clean_error_type(raw: &str) -> &str {
    let raw = raw.trim_ascii();
    raw.strip_prefix("<class '")
        .and_then(|s| s.strip_suffix("'>"))
        .unwrap_or(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each alias in §9.9 and the vendor spellings seen in the wild map to the well-known value;
    /// unknown providers are lowercased and kept.
    #[test]
    fn provider_aliases() {
        let cases = [
            ("az.ai.openai", "azure.ai.openai"),
            ("az.ai.inference", "azure.ai.inference"),
            ("vertex_ai", "gcp.vertex_ai"),
            ("vertexai", "gcp.vertex_ai"),
            ("gemini", "gcp.gemini"),
            ("xai", "x_ai"),
            ("mistralai", "mistral_ai"),
            ("Anthropic", "anthropic"),
            ("AWS Bedrock", "aws.bedrock"),
            ("openai", "openai"),
            ("moonshot", "moonshot_ai"),
            ("Ollama", "ollama"),
            ("ibm.watson.ai", "ibm.watsonx.ai"),
        ];
        for (raw, want) in cases {
            assert_eq!(canonical_provider(raw).as_deref(), Some(want), "{raw}");
        }
        assert_eq!(canonical_provider("  "), None);
    }

    /// Vendor ids (Vercel's `ai.model.provider`, also sent as `gen_ai.system`) keep only the
    /// provider part, with Google's two backends told apart.
    #[test]
    fn vendor_provider_ids() {
        let cases = [
            ("openai.chat", "openai"),
            ("openai.responses", "openai"),
            ("anthropic.messages", "anthropic"),
            ("google.vertex.chat", "gcp.vertex_ai"),
            ("google.generative-ai", "gcp.gemini"),
            ("amazon-bedrock", "aws.bedrock"),
            ("azure-openai.chat", "azure.ai.openai"),
            ("mistral.chat", "mistral_ai"),
            ("xai.chat", "x_ai"),
            ("acme.chat", "acme.chat"),
        ];
        for (raw, want) in cases {
            assert_eq!(canonical_provider(raw).as_deref(), Some(want), "{raw}");
        }
    }

    /// Dated snapshots and version pins map to their family; names without a snapshot marker, and
    /// 4-digit dates followed by another segment, stay as sent.
    #[test]
    fn model_families() {
        let cases = [
            ("gpt-4o-2024-08-06", "gpt-4o"),
            ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
            ("gpt-4o", "gpt-4o"),
            ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
            ("claude-3-5-sonnet-20241022", "claude-3-5-sonnet"),
            ("claude-3-5-sonnet@20240620", "claude-3-5-sonnet"),
            ("claude-3-5-sonnet-v2@20241022", "claude-3-5-sonnet-v2"),
            ("claude-3-5-sonnet-latest", "claude-3-5-sonnet"),
            ("gpt-3.5-turbo-0125", "gpt-3.5-turbo"),
            ("gpt-4-0613", "gpt-4"),
            ("gpt-4-1106-preview", "gpt-4-1106-preview"),
            (
                "gpt-4o-realtime-preview-2024-12-17",
                "gpt-4o-realtime-preview",
            ),
            ("gemini-2.5-pro-preview-05-06", "gemini-2.5-pro-preview"),
            ("gemini-1.5-pro-exp-0827", "gemini-1.5-pro-exp"),
            ("gemini-1.5-pro-002", "gemini-1.5-pro"),
            ("text-embedding-004", "text-embedding-004"),
            ("mistral-large-2407", "mistral-large"),
            (
                "anthropic.claude-3-5-sonnet-20240620-v1:0",
                "anthropic.claude-3-5-sonnet",
            ),
            (
                "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
                "us.anthropic.claude-3-7-sonnet",
            ),
            ("anthropic.claude-v2", "anthropic.claude-v2"),
            ("models/gemini-1.5-flash", "gemini-1.5-flash"),
            (
                "ft:gpt-4o-mini-2024-07-18:acme::abc123",
                "ft:gpt-4o-mini-2024-07-18:acme::abc123",
            ),
            ("o3-mini-2025-01-31", "o3-mini"),
            ("llama-3.1-405b", "llama-3.1-405b"),
            ("text-embedding-3-small", "text-embedding-3-small"),
            ("gpt-4-9999", "gpt-4-9999"),
            ("-latest", "-latest"),
            ("2024-08-06", "2024-08-06"),
        ];
        for (raw, want) in cases {
            assert_eq!(model_family(raw), want, "{raw}");
        }
    }

    /// Operation synonyms map to well-known values; custom operations are kept lowercased.
    #[test]
    fn operations() {
        assert_eq!(canonical_operation("chat").as_deref(), Some("chat"));
        assert_eq!(
            canonical_operation("embedding").as_deref(),
            Some("embeddings")
        );
        assert_eq!(
            canonical_operation("completion").as_deref(),
            Some("text_completion")
        );
        assert_eq!(
            canonical_operation("framework").as_deref(),
            Some("invoke_workflow")
        );
        assert_eq!(canonical_operation("Chat").as_deref(), Some("chat"));
        assert_eq!(canonical_operation("rerank").as_deref(), Some("rerank"));
        assert_eq!(canonical_operation(""), None);
    }

    /// Provider finish reasons map to the conventions' enum; unknown values are kept.
    #[test]
    fn finish_reasons() {
        assert_eq!(canonical_finish_reason("tool_calls"), "tool_call");
        assert_eq!(canonical_finish_reason("end_turn"), "stop");
        assert_eq!(canonical_finish_reason("MAX_TOKENS"), "length");
        assert_eq!(canonical_finish_reason("SAFETY"), "content_filter");
        assert_eq!(canonical_finish_reason("pause_turn"), "pause_turn");
    }

    /// Python class reprs lose their wrapper; other error types are kept.
    #[test]
    fn error_types() {
        assert_eq!(
            clean_error_type("<class 'openai.BadRequestError'>"),
            "openai.BadRequestError"
        );
        assert_eq!(clean_error_type("timeout"), "timeout");
    }
}
