//! Token usage in the current conventions' inclusive form, from any dialect.
//!
//! The canonical counts are *inclusive*: `input_tokens` contains cache reads and writes,
//! `output_tokens` contains reasoning tokens. Some emitters report Anthropic-style *exclusive*
//! counts (input without cache, output without reasoning). The rules, in order:
//!
//! 1. **Vercel AI SDK 6** reports `ai.usage.inputTokenDetails.noCacheTokens`: the inclusive input is
//!    `noCache + cacheRead + cacheWrite`.
//! 2. **Vercel AI SDK ≤ 5** with Anthropic or Bedrock reports the provider's exclusive
//!    `inputTokens` and `cachedInputTokens` (cache writes only in
//!    `ai.response.providerMetadata`): inclusive input = `inputTokens + cachedInputTokens +
//!    cacheCreationInputTokens`.
//! 3. **Langfuse** `usage_details` keys `input` / `output` exclude cache and reasoning (Langfuse's
//!    own model): inclusive input = `input + cache reads + cache writes`, output = `output +
//!    reasoning`.
//! 4. **The total proves it**: when a total is reported and `input + output + cacheRead +
//!    cacheWrite == total` (with some cache tokens), the input was exclusive; likewise
//!    `input + output + reasoning == total` proves the output was exclusive.
//! 5. **A subset cannot exceed its total**: `cacheRead + cacheWrite > input` means the input was
//!    exclusive; `reasoning > output` means the output was.
//!
//! Otherwise counts are taken as inclusive, as every current-convention emitter (and OpenLLMetry's
//! and OpenInference's Anthropic instrumentations, which add the cache tokens themselves) sends
//! them. Missing input or output is computed from a reported total when the other side is known.

use flightdeck_model::Usage;

use crate::report::{Derivation, DerivationSet};

/// Usage as reported, before the inclusive conversion.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Reported {
    pub input: Option<i64>,
    pub output: Option<i64>,
    pub cache_read: Option<i64>,
    pub cache_write: Option<i64>,
    pub reasoning: Option<i64>,
    pub total: Option<i64>,
    /// The emitter is known to report input without cache tokens (rules 2 and 3).
    pub input_exclusive: bool,
    /// The emitter is known to report output without reasoning tokens (rule 3).
    pub output_exclusive: bool,
    /// The operation produces no output tokens (embeddings): a total is all input.
    pub input_only: bool,
}

/// Applies rules 4 and 5 and the total derivations; returns the canonical usage.
pub(crate) fn canonical(r: Reported, derived: &mut DerivationSet) -> Usage {
    let cache = r
        .cache_read
        .unwrap_or(0)
        .saturating_add(r.cache_write.unwrap_or(0));
    let reasoning = r.reasoning.unwrap_or(0);
    let mut input_exclusive = r.input_exclusive;
    let mut output_exclusive = r.output_exclusive;
    if let (Some(input), Some(output), Some(total)) = (r.input, r.output, r.total) {
        let as_sent = input.saturating_add(output);
        if !input_exclusive && cache > 0 && total != as_sent {
            input_exclusive = as_sent.saturating_add(cache) == total
                || as_sent.saturating_add(cache).saturating_add(reasoning) == total;
        }
        let input_incl = if input_exclusive {
            input.saturating_add(cache)
        } else {
            input
        };
        if !output_exclusive && reasoning > 0 {
            output_exclusive = input_incl.saturating_add(output).saturating_add(reasoning) == total
                && input_incl.saturating_add(output) != total;
        }
    }
    if let Some(input) = r.input
        && cache > input
    {
        input_exclusive = true;
    }
    if let Some(output) = r.output
        && reasoning > output
    {
        output_exclusive = true;
    }

    let mut input = r.input.map(|i| {
        if input_exclusive && cache > 0 {
            derived.insert(Derivation::InputTokensMadeInclusive);
            i.saturating_add(cache)
        } else {
            i
        }
    });
    let mut output = r.output.map(|o| {
        if output_exclusive && reasoning > 0 {
            derived.insert(Derivation::OutputTokensMadeInclusive);
            o.saturating_add(reasoning)
        } else {
            o
        }
    });
    if r.input_only {
        if input.is_none() && output.is_none() && r.total.is_some() {
            input = r.total;
            derived.insert(Derivation::InputTokensFromTotal);
        }
    } else if let Some(total) = r.total {
        match (input, output) {
            (None, Some(o)) if total >= o => {
                input = Some(total - o);
                derived.insert(Derivation::InputTokensFromTotal);
            }
            (Some(i), None) if total >= i => {
                output = Some(total - i);
                derived.insert(Derivation::OutputTokensFromTotal);
            }
            _ => {}
        }
    }
    Usage {
        input_tokens: input,
        output_tokens: output,
        cache_read_input_tokens: r.cache_read,
        cache_write_input_tokens: r.cache_write,
        reasoning_output_tokens: r.reasoning,
    }
}

/// Reads Langfuse's `langfuse.observation.usage_details` JSON map (rule 3).
pub(crate) fn langfuse(details: &str) -> Reported {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(details)
    else {
        return Reported::default();
    };
    let get = |keys: &[&str]| {
        keys.iter()
            .find_map(|k| map.get(*k).and_then(serde_json::Value::as_i64))
            .filter(|n| *n >= 0)
    };
    let langfuse_input = get(&["input"]);
    let langfuse_output = get(&["output"]);
    Reported {
        input: langfuse_input.or_else(|| get(&["input_tokens", "prompt_tokens"])),
        output: langfuse_output.or_else(|| get(&["output_tokens", "completion_tokens"])),
        cache_read: get(&[
            "cache_read_input_tokens",
            "input_cached_tokens",
            "cache_read_tokens",
            "input_cache_read",
            "cached_tokens",
        ]),
        cache_write: get(&[
            "cache_creation_input_tokens",
            "input_cache_creation",
            "cache_write_tokens",
            "cache_creation_tokens",
            "input_cache_write",
        ]),
        reasoning: get(&[
            "output_reasoning_tokens",
            "reasoning_tokens",
            "output_reasoning",
        ]),
        total: get(&["total", "total_tokens"]),
        input_exclusive: langfuse_input.is_some(),
        output_exclusive: langfuse_output.is_some(),
        input_only: false,
    }
}

/// Cache-write tokens from Vercel's `ai.response.providerMetadata` (Anthropic's
/// `cacheCreationInputTokens`, Bedrock's `usage.cacheWriteInputTokens`).
pub(crate) fn vercel_cache_write(provider_metadata: &str) -> Option<i64> {
    let value: serde_json::Value = serde_json::from_str(provider_metadata).ok()?;
    value
        .pointer("/anthropic/cacheCreationInputTokens")
        .or_else(|| value.pointer("/bedrock/usage/cacheWriteInputTokens"))
        .and_then(serde_json::Value::as_i64)
        .filter(|n| *n >= 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(r: Reported) -> (Usage, DerivationSet) {
        let mut d = DerivationSet::default();
        (canonical(r, &mut d), d)
    }

    /// Inclusive counts (OpenAI style: 1000 input of which 800 cached) pass through unchanged.
    #[test]
    fn inclusive_passes_through() {
        let (u, d) = run(Reported {
            input: Some(1000),
            output: Some(50),
            cache_read: Some(800),
            total: Some(1050),
            ..Reported::default()
        });
        assert_eq!(u.input_tokens, Some(1000));
        assert_eq!(u.output_tokens, Some(50));
        assert_eq!(u.cache_read_input_tokens, Some(800));
        assert!(d.is_empty());
    }

    /// Rule 4: Strands-style exclusive input proven by the total.
    /// 4299 uncached + 35574 read + 17787 written = 57660 input; 57660 + 631 = 58291 = total.
    #[test]
    fn total_proves_exclusive_input() {
        let (u, d) = run(Reported {
            input: Some(4299),
            output: Some(631),
            cache_read: Some(35574),
            cache_write: Some(17787),
            total: Some(58291),
            ..Reported::default()
        });
        assert_eq!(u.input_tokens, Some(57660));
        assert_eq!(u.output_tokens, Some(631));
        assert!(d.contains(Derivation::InputTokensMadeInclusive));
    }

    /// Rule 5: cache reads larger than the input prove it exclusive. 10 + 500 + 0 = 510.
    #[test]
    fn subset_larger_than_total() {
        let (u, _) = run(Reported {
            input: Some(10),
            output: Some(5),
            cache_read: Some(500),
            ..Reported::default()
        });
        assert_eq!(u.input_tokens, Some(510));
    }

    /// A small cache read under a larger input, no total: taken as inclusive (the conventions'
    /// meaning); nothing is added.
    #[test]
    fn ambiguous_stays_inclusive() {
        let (u, d) = run(Reported {
            input: Some(1167),
            output: Some(202),
            cache_read: Some(1163),
            cache_write: Some(0),
            ..Reported::default()
        });
        assert_eq!(u.input_tokens, Some(1167));
        assert!(d.is_empty());
    }

    /// Rule 4 for output: Gemini-style output without thinking tokens.
    /// 100 input + 40 candidates + 60 thoughts = 200 total ⇒ output 100.
    #[test]
    fn total_proves_exclusive_output() {
        let (u, d) = run(Reported {
            input: Some(100),
            output: Some(40),
            reasoning: Some(60),
            total: Some(200),
            ..Reported::default()
        });
        assert_eq!(u.output_tokens, Some(100));
        assert!(d.contains(Derivation::OutputTokensMadeInclusive));
    }

    /// Reasoning already inside the output (OpenAI style: 8 output, 2 reasoning, total 29 with 21
    /// input) stays as sent.
    #[test]
    fn inclusive_reasoning_stays() {
        let (u, d) = run(Reported {
            input: Some(21),
            output: Some(8),
            reasoning: Some(2),
            cache_read: Some(3),
            total: Some(29),
            ..Reported::default()
        });
        assert_eq!(u.input_tokens, Some(21));
        assert_eq!(u.output_tokens, Some(8));
        assert!(d.is_empty());
    }

    /// Embeddings produce no output tokens: a total is all input (8), and no output is derived.
    #[test]
    fn embeddings_total_is_input() {
        let (u, _) = run(Reported {
            input: Some(8),
            total: Some(8),
            input_only: true,
            ..Reported::default()
        });
        assert_eq!((u.input_tokens, u.output_tokens), (Some(8), None));
        let (u, d) = run(Reported {
            total: Some(8),
            input_only: true,
            ..Reported::default()
        });
        assert_eq!((u.input_tokens, u.output_tokens), (Some(8), None));
        assert!(d.contains(Derivation::InputTokensFromTotal));
    }

    /// Missing output is the total minus the input (29 − 21 = 8); missing input likewise.
    #[test]
    fn derive_from_total() {
        let (u, d) = run(Reported {
            input: Some(21),
            total: Some(29),
            ..Reported::default()
        });
        assert_eq!(u.output_tokens, Some(8));
        assert!(d.contains(Derivation::OutputTokensFromTotal));
        let (u, _) = run(Reported {
            output: Some(8),
            total: Some(29),
            ..Reported::default()
        });
        assert_eq!(u.input_tokens, Some(21));
        // a total smaller than the known side is inconsistent: nothing is derived
        let (u, _) = run(Reported {
            input: Some(50),
            total: Some(29),
            ..Reported::default()
        });
        assert_eq!(u.output_tokens, None);
    }

    /// Rule 3: Langfuse's exclusive `input` / `output`. input 100 + read 300 + write 50 = 450;
    /// output 20 + reasoning 30 = 50.
    #[test]
    fn langfuse_usage_details() {
        let r = langfuse(
            r#"{"input":100,"output":20,"cache_read_input_tokens":300,"input_cache_creation":50,"output_reasoning_tokens":30,"total":500}"#,
        );
        let (u, _) = run(r);
        assert_eq!(u.input_tokens, Some(450));
        assert_eq!(u.output_tokens, Some(50));
        assert_eq!(u.cache_read_input_tokens, Some(300));
        assert_eq!(u.cache_write_input_tokens, Some(50));
        // OpenAI-style keys are inclusive
        let r = langfuse(r#"{"prompt_tokens":100,"completion_tokens":20,"cached_tokens":30}"#);
        let (u, _) = run(r);
        assert_eq!(u.input_tokens, Some(100));
        assert_eq!(langfuse("not json"), Reported::default());
    }

    /// Cache writes are found in Anthropic's and Bedrock's provider metadata.
    #[test]
    fn vercel_metadata() {
        assert_eq!(
            vercel_cache_write(r#"{"anthropic":{"cacheCreationInputTokens":1163}}"#),
            Some(1163)
        );
        assert_eq!(
            vercel_cache_write(r#"{"bedrock":{"usage":{"cacheWriteInputTokens":7}}}"#),
            Some(7)
        );
        assert_eq!(vercel_cache_write(r#"{"openai":{}}"#), None);
    }
}
