//! The GenAI semantic layer: reads a span's attributes and fills its typed [`GenAi`] view.
//!
//! Everything here is pure: no I/O, no clocks. The [`Normalizer`] is the one entry point the
//! pipeline calls for every span.
//!
//! ```
//! use flightdeck_semconv::Normalizer;
//! # use flightdeck_model::*;
//! # use std::sync::Arc;
//! # let mut span = Span {
//! #     trace_id: TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap(),
//! #     span_id: SpanId::from_hex("00f067aa0ba902b7").unwrap(), parent_span_id: None,
//! #     trace_state: String::new(), flags: 0, name: "chat gpt-4o".into(), kind: SpanKind::Client,
//! #     start_time_unix_nano: 1, end_time_unix_nano: 2, attributes: Attributes::new(),
//! #     dropped_attributes_count: 0, events: vec![], dropped_events_count: 0, links: vec![],
//! #     dropped_links_count: 0, status: Status::default(), resource: Arc::default(),
//! #     scope: Arc::default(), genai: GenAi::default() };
//! span.attributes.set("gen_ai.operation.name", "chat");
//! span.attributes.set("gen_ai.usage.input_tokens", 12i64);
//! Normalizer::default().normalize(&mut span);
//! assert_eq!(span.genai.operation.as_deref(), Some("chat"));
//! assert_eq!(span.genai.usage.input_tokens, Some(12));
//! ```

pub mod keys;

use flightdeck_model::{AttrValue, Attributes, GenAi, Span, Usage};

/// Fills the typed GenAI view of spans.
///
/// Reads the attribute names of the current GenAI semantic conventions; attributes are never
/// modified, so normalizing twice gives the same result.
#[derive(Debug, Clone, Default)]
pub struct Normalizer {}

impl Normalizer {
    /// Fills `span.genai` from the span's attributes.
    pub fn normalize(&self, span: &mut Span) {
        span.genai = extract_current(&span.attributes);
    }

    /// Normalizes every span of a batch.
    pub fn normalize_batch(&self, spans: &mut [Span]) {
        for span in spans {
            self.normalize(span);
        }
    }
}

/// Reads the typed GenAI view from attributes named as in the current conventions.
pub fn extract_current(attrs: &Attributes) -> GenAi {
    let string = |key| attrs.get_str(key).map(str::to_owned);
    let count = |key| attrs.get_i64(key).filter(|n| *n >= 0);
    let mut genai = GenAi {
        operation: string(keys::OPERATION_NAME),
        provider: string(keys::PROVIDER_NAME),
        request_model: string(keys::REQUEST_MODEL),
        response_model: string(keys::RESPONSE_MODEL),
        usage: Usage {
            input_tokens: count(keys::USAGE_INPUT_TOKENS),
            output_tokens: count(keys::USAGE_OUTPUT_TOKENS),
            cache_read_input_tokens: count(keys::USAGE_CACHE_READ_INPUT_TOKENS),
            cache_write_input_tokens: count(keys::USAGE_CACHE_WRITE_INPUT_TOKENS),
            reasoning_output_tokens: count(keys::USAGE_REASONING_OUTPUT_TOKENS),
        },
        finish_reasons: string_list(attrs.get(keys::RESPONSE_FINISH_REASONS)),
        response_id: string(keys::RESPONSE_ID),
        conversation_id: string(keys::CONVERSATION_ID),
        agent_name: string(keys::AGENT_NAME),
        agent_id: string(keys::AGENT_ID),
        tool_name: string(keys::TOOL_NAME),
        tool_type: string(keys::TOOL_TYPE),
        tool_call_id: string(keys::TOOL_CALL_ID),
        error_type: None,
        time_to_first_chunk: attrs
            .get_f64(keys::RESPONSE_TIME_TO_FIRST_CHUNK)
            .filter(|s| s.is_finite() && *s >= 0.0),
        ..GenAi::default()
    };
    // `error.type` is a core attribute; it belongs to the GenAI view only on GenAI spans.
    if !genai.is_empty() {
        genai.error_type = string(keys::ERROR_TYPE);
    }
    genai
}

/// Reads a string array, also accepting a single string or a JSON-encoded array.
fn string_list(value: Option<&AttrValue>) -> Vec<String> {
    match value {
        Some(AttrValue::Array(items)) => items
            .iter()
            .filter_map(|v| match v {
                AttrValue::Str(s) => Some(s.clone()),
                AttrValue::Empty => None,
                other => Some(other.to_display_string()),
            })
            .collect(),
        Some(AttrValue::Str(s)) if s.trim_start().starts_with('[') => {
            serde_json::from_str::<Vec<String>>(s).unwrap_or_else(|_| vec![s.clone()])
        }
        Some(AttrValue::Str(s)) if !s.is_empty() => vec![s.clone()],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flightdeck_model::KeyValue;

    fn attrs(pairs: Vec<KeyValue>) -> Attributes {
        pairs.into_iter().collect()
    }

    /// Current-convention keys fill every typed field; negative counts are ignored.
    #[test]
    fn reads_current_conventions() {
        let a = attrs(vec![
            KeyValue::new("gen_ai.operation.name", "chat"),
            KeyValue::new("gen_ai.provider.name", "openai"),
            KeyValue::new("gen_ai.request.model", "gpt-4o-mini"),
            KeyValue::new("gen_ai.response.model", "gpt-4o-mini-2024-07-18"),
            KeyValue::new("gen_ai.usage.input_tokens", 21i64),
            KeyValue::new("gen_ai.usage.output_tokens", "8"),
            KeyValue::new("gen_ai.usage.cache_read.input_tokens", -1i64),
            KeyValue::new(
                "gen_ai.response.finish_reasons",
                AttrValue::Array(vec!["stop".into(), "length".into()]),
            ),
            KeyValue::new("gen_ai.response.time_to_first_chunk", 0.25f64),
            KeyValue::new("error.type", "RateLimitError"),
        ]);
        let g = extract_current(&a);
        assert_eq!(g.operation.as_deref(), Some("chat"));
        assert_eq!(g.model(), Some("gpt-4o-mini"));
        assert_eq!(g.usage.input_tokens, Some(21));
        assert_eq!(g.usage.output_tokens, Some(8));
        assert_eq!(g.usage.cache_read_input_tokens, None);
        assert_eq!(g.finish_reasons, vec!["stop", "length"]);
        assert_eq!(g.time_to_first_chunk, Some(0.25));
        assert_eq!(g.error_type.as_deref(), Some("RateLimitError"));
    }

    /// A plain HTTP span stays without a GenAI view even when it has `error.type`.
    #[test]
    fn non_genai_span_stays_empty() {
        let a = attrs(vec![
            KeyValue::new("http.request.method", "GET"),
            KeyValue::new("error.type", "500"),
        ]);
        assert!(extract_current(&a).is_empty());
    }
}
