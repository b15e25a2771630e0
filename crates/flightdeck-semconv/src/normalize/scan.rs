//! One pass over a span's attributes: every known key lands in its slot, keys with an index or a
//! free suffix are classified by prefix, dialects and deprecated names are noted on the way.

use flightdeck_model::{AttrValue, Attributes};

use crate::deprecated::{DeprecatedName, DeprecatedSet};
use crate::dialect::{Dialect, DialectSet};
use crate::table::{Flags, K, lookup, table};

const NONE: u16 = u16::MAX;

/// A field of an indexed retrieved document (`retrieval.documents.{i}.document.<field>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DocField {
    Id,
    Score,
    Content,
}

/// The attributes of one span, sorted by meaning.
pub(crate) struct Scan<'a> {
    attrs: &'a Attributes,
    /// Position of each known key in `attrs` (`NONE` when absent); small enough to stay cheap to
    /// clear for every span.
    /// Indexed by `K as u8`, so the index is in bounds by construction (K has under 256 values).
    slots: [u16; 256],
    pub dialects: DialectSet,
    pub deprecated: DeprecatedSet,
    /// Message content (prompts, completions, tool arguments, document text) is present.
    pub content: bool,
    /// `gen_ai.completion.{i}.finish_reason` values with their index.
    pub indexed_finish_reasons: Vec<(u32, &'a AttrValue)>,
    /// `retrieval.documents.{i}.document.*` values.
    pub documents: Vec<(u32, DocField, &'a AttrValue)>,
    /// `logfire.*` keys are present. Logfire marks every span (HTTP, database, functions) with
    /// them, so they alone do not make a span a GenAI span.
    pub logfire: bool,
}

impl<'a> Scan<'a> {
    /// Scans an attribute list. The first occurrence of a duplicated key wins, as in
    /// [`Attributes::get`].
    #[inline]
    pub fn new(attrs: &'a Attributes) -> Scan<'a> {
        let mut scan = Scan {
            attrs,
            slots: [NONE; 256],
            dialects: DialectSet::EMPTY,
            deprecated: DeprecatedSet::default(),
            content: false,
            indexed_finish_reasons: Vec::new(),
            documents: Vec::new(),
            logfire: false,
        };
        let table = table();
        for (position, kv) in attrs.iter().enumerate() {
            match lookup(table, &kv.key) {
                Some((k, flags)) => scan.known(k, flags, position),
                None => scan.prefixed(&kv.key, &kv.value),
            }
        }
        scan
    }

    #[inline]
    fn known(&mut self, k: K, flags: Flags, position: usize) {
        let slot = &mut self.slots[usize::from(k as u8)];
        if *slot != NONE {
            return;
        }
        // Attribute lists are capped at ingest (1024 by default); keys past position 65534 of a
        // longer list are not read.
        *slot = u16::try_from(position).unwrap_or(NONE);
        self.dialects.insert_bits(flags.dialects);
        self.content |= flags.content;
        if let Some(name) = flags.deprecated {
            self.deprecated.insert(name);
        }
    }

    fn prefixed(&mut self, key: &str, value: &'a AttrValue) {
        // The namespaces we look for are short: find the first dot among the first 16 bytes.
        let Some(dot) = key.bytes().take(16).position(|b| b == b'.') else {
            return;
        };
        let (head, rest) = (&key[..dot], &key[dot + 1..]);
        match head {
            "gen_ai" => self.gen_ai(rest, value),
            "llm" => self.llm(rest),
            "retrieval" => {
                if let Some(rest) = rest.strip_prefix("documents.") {
                    self.dialects.insert(Dialect::Openinference);
                    self.document(rest, value);
                }
            }
            "embedding" | "reranker" => {
                self.dialects.insert(Dialect::Openinference);
                if rest.starts_with("embeddings.") && rest.ends_with(".embedding.text") {
                    self.content = true;
                }
            }
            "ai" => {
                self.dialects.insert(Dialect::VercelAi);
                if is_vercel_content(rest) {
                    self.content = true;
                }
            }
            "traceloop" => self.dialects.insert(Dialect::Openllmetry),
            "langfuse" => {
                self.dialects.insert(Dialect::Langfuse);
                if matches!(
                    rest,
                    "observation.input" | "observation.output" | "trace.input" | "trace.output"
                ) {
                    self.content = true;
                }
            }
            "logfire" => self.logfire = true,
            "toad_eye" => self.dialects.insert(Dialect::ToadEye),
            _ => {}
        }
    }

    fn gen_ai(&mut self, rest: &str, value: &'a AttrValue) {
        if let Some(tail) = rest.strip_prefix("prompt.")
            && let Some((_, _)) = index_and_field(tail)
        {
            self.dialects.insert(Dialect::Openllmetry);
            self.deprecated.insert(DeprecatedName::IndexedPrompt);
            self.content = true;
            return;
        }
        if let Some(tail) = rest.strip_prefix("completion.")
            && let Some((index, field)) = index_and_field(tail)
        {
            self.dialects.insert(Dialect::Openllmetry);
            self.deprecated.insert(DeprecatedName::IndexedCompletion);
            if field == "finish_reason" {
                self.indexed_finish_reasons.push((index, value));
            } else {
                self.content = true;
            }
            return;
        }
        if let Some(tail) = rest.strip_prefix("toad_eye.") {
            self.dialects.insert(Dialect::ToadEye);
            if matches!(tail, "prompt" | "completion" | "thinking.content") {
                self.content = true;
            }
            return;
        }
        if rest.starts_with("agent.step.") {
            self.dialects.insert(Dialect::ToadEye);
            self.deprecated.insert(DeprecatedName::ToadEyeAgentStep);
            return;
        }
        if rest.starts_with("agent.handoff.") {
            self.dialects.insert(Dialect::ToadEye);
            self.deprecated.insert(DeprecatedName::ToadEyeAgentHandoff);
            return;
        }
        // Any other `gen_ai.*` key (request parameters, newer attributes) is the current
        // conventions' namespace.
        self.dialects.insert(Dialect::OtelCurrent);
    }

    fn llm(&mut self, rest: &str) {
        let (group, _) = rest.split_once('.').unwrap_or((rest, ""));
        match group {
            "input_messages" | "output_messages" | "prompts" | "choices" => {
                self.dialects.insert(Dialect::Openinference);
                self.content = true;
            }
            "tools" | "token_count" | "cost" | "prompt_template" => {
                self.dialects.insert(Dialect::Openinference);
            }
            "request" if rest.starts_with("request.functions.") => {
                self.dialects.insert(Dialect::Openllmetry);
            }
            "usage" | "watsonx" | "headers" | "chat" | "top_k" | "frequency_penalty"
            | "presence_penalty" | "request" | "response" | "content" => {
                self.dialects.insert(Dialect::Openllmetry);
            }
            _ => {}
        }
    }

    fn document(&mut self, rest: &str, value: &'a AttrValue) {
        let Some((index, field)) = index_and_field(rest) else {
            return;
        };
        let field = match field {
            "document.id" => DocField::Id,
            "document.score" => DocField::Score,
            "document.content" => {
                self.content = true;
                DocField::Content
            }
            _ => return,
        };
        self.documents.push((index, field, value));
    }

    /// The value of a known key.
    #[inline]
    pub fn value(&self, k: K) -> Option<&'a AttrValue> {
        let attrs: &'a Attributes = self.attrs;
        match self.slots[usize::from(k as u8)] {
            NONE => None,
            position => attrs.0.get(position as usize).map(|kv| &kv.value),
        }
    }

    /// True when a known key is present.
    #[inline]
    pub fn has(&self, k: K) -> bool {
        self.slots[usize::from(k as u8)] != NONE
    }

    /// A non-empty string value.
    pub fn str(&self, k: K) -> Option<&'a str> {
        self.value(k)
            .and_then(AttrValue::as_str)
            .map(str::trim_ascii)
            .filter(|s| !s.is_empty())
    }

    /// A token count: a non-negative integer (numeric strings accepted).
    pub fn count(&self, k: K) -> Option<i64> {
        self.value(k)
            .and_then(AttrValue::as_i64)
            .filter(|n| *n >= 0)
    }

    /// A finite non-negative number.
    pub fn seconds(&self, k: K) -> Option<f64> {
        self.value(k)
            .and_then(AttrValue::as_f64)
            .filter(|s| s.is_finite() && *s >= 0.0)
    }

    /// A boolean (the strings `true` / `false` accepted).
    pub fn bool(&self, k: K) -> Option<bool> {
        self.value(k).and_then(AttrValue::as_bool)
    }
}

/// `{i}.{field}` → (i, field).
fn index_and_field(s: &str) -> Option<(u32, &str)> {
    let (index, field) = s.split_once('.')?;
    if index.is_empty() || index.len() > 9 || !index.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let index = index.parse().ok()?;
    Some((index, field))
}

/// Vercel AI SDK keys (after `ai.`) that carry content.
fn is_vercel_content(rest: &str) -> bool {
    matches!(
        rest,
        "prompt"
            | "prompt.messages"
            | "response.text"
            | "response.toolCalls"
            | "response.object"
            | "response.reasoning"
            | "result.text"
            | "result.object"
            | "result.toolCalls"
            | "toolCall.args"
            | "toolCall.result"
            | "toolCall.input"
            | "toolCall.output"
            | "value"
            | "values"
            | "documents"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use flightdeck_model::KeyValue;

    fn attrs(pairs: &[(&str, AttrValue)]) -> Attributes {
        pairs
            .iter()
            .map(|(k, v)| KeyValue::new(*k, v.clone()))
            .collect()
    }

    /// Known keys land in their slots (first duplicate wins); indexed keys set dialect, deprecated
    /// name and content flags; indexed finish reasons and documents are collected with their index.
    #[test]
    fn scan_sorts_keys() {
        let a = attrs(&[
            ("gen_ai.system", "openai".into()),
            ("gen_ai.system", "anthropic".into()),
            ("gen_ai.prompt.0.content", "hi".into()),
            ("gen_ai.completion.1.finish_reason", "stop".into()),
            ("retrieval.documents.2.document.score", 0.5f64.into()),
            ("retrieval.documents.2.document.content", "text".into()),
            ("gen_ai.prompt.variable.user", "x".into()),
            ("http.method", "GET".into()),
        ]);
        let scan = Scan::new(&a);
        assert_eq!(scan.str(K::SYSTEM), Some("openai"));
        assert!(scan.dialects.contains(Dialect::OtelLegacy));
        assert!(scan.dialects.contains(Dialect::Openllmetry));
        assert!(scan.dialects.contains(Dialect::Openinference));
        assert!(scan.dialects.contains(Dialect::OtelCurrent)); // gen_ai.prompt.variable.*
        assert!(scan.deprecated.contains(DeprecatedName::GenAiSystem));
        assert!(scan.deprecated.contains(DeprecatedName::IndexedPrompt));
        assert!(scan.deprecated.contains(DeprecatedName::IndexedCompletion));
        assert!(scan.content);
        assert_eq!(scan.indexed_finish_reasons.len(), 1);
        assert_eq!(scan.indexed_finish_reasons[0].0, 1);
        assert_eq!(scan.documents.len(), 2);
        assert_eq!(scan.documents[0].1, DocField::Score);
    }

    /// A span with only non-GenAI attributes detects no dialect and no content.
    #[test]
    fn plain_span_has_no_dialect() {
        let a = attrs(&[
            ("http.request.method", "GET".into()),
            ("url.path", "/".into()),
            ("error.type", "500".into()),
        ]);
        let scan = Scan::new(&a);
        assert!(scan.dialects.is_empty());
        assert!(!scan.content);
    }

    /// Counts reject negatives and non-numbers; strings that hold integers are accepted.
    #[test]
    fn typed_reads() {
        let a = attrs(&[
            ("gen_ai.usage.input_tokens", "12".into()),
            ("gen_ai.usage.output_tokens", (-3i64).into()),
            ("gen_ai.usage.cache_read.input_tokens", "many".into()),
            ("gen_ai.request.stream", "true".into()),
        ]);
        let scan = Scan::new(&a);
        assert_eq!(scan.count(K::INPUT_TOKENS), Some(12));
        assert_eq!(scan.count(K::OUTPUT_TOKENS), None);
        assert_eq!(scan.count(K::CACHE_READ), None);
        assert_eq!(scan.bool(K::REQUEST_STREAM), Some(true));
    }
}
