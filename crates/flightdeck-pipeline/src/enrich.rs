//! The `enrich` processor: what instrumentations leave out and Flightdeck can compute — the cost
//! of each model call (with its breakdown), its context-window use, and whether it failed on a
//! context-length error.

use std::path::PathBuf;
use std::sync::Arc;

use flightdeck_model::Span;
use flightdeck_pricing::{Catalog, CostOptions};
use serde::{Deserialize, Serialize};

use crate::processor::Processor;

/// Settings of the cost engine.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PricingConfig {
    /// A TOML file adding or overriding model prices and context windows (fine-tuned,
    /// self-hosted, negotiated prices); see the pricing section of the README.
    pub overrides: Option<PathBuf>,
}

impl PricingConfig {
    /// Loads the built-in catalog and the overrides file, if any.
    pub fn build(&self) -> Result<Catalog, String> {
        match &self.overrides {
            None => Catalog::builtin().map_err(|e| format!("built-in price catalog: {e}")),
            Some(path) => Catalog::with_overrides_file(path)
                .map_err(|e| format!("pricing overrides {}: {e}", path.display())),
        }
    }
}

/// Prices model calls and measures their context-window use. Cheap to clone (the catalog is
/// shared).
#[derive(Clone)]
pub struct Enrich {
    catalog: Arc<Catalog>,
    options: CostOptions,
}

impl Enrich {
    /// An enrich processor over a catalog.
    pub fn new(catalog: Arc<Catalog>) -> Self {
        Enrich {
            catalog,
            options: CostOptions::default(),
        }
    }

    /// The catalog prices come from.
    pub fn catalog(&self) -> &Arc<Catalog> {
        &self.catalog
    }

    /// Fills cost, context-window use and the context-length flag of one span (model calls only;
    /// other spans are left as they are). Also used to recompute stored spans after a price change.
    pub fn enrich(&self, span: &mut Span) {
        if !flightdeck_store::is_model_call(span.genai.operation.as_deref()) {
            return;
        }
        let priced = self.catalog.price_span(
            &span.genai,
            &span.attributes,
            span.start_time_unix_nano,
            &span.status.message,
            &self.options,
        );
        span.genai.cost = priced.cost;
        span.genai.context_window_use = priced.context_window_use;
        span.genai.context_length_exceeded = priced.context_length_exceeded;
    }
}

impl Processor for Enrich {
    fn name(&self) -> &'static str {
        "enrich"
    }

    fn process_spans(&self, spans: &mut Vec<Span>) {
        for span in spans {
            self.enrich(span);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use flightdeck_model::*;

    use super::*;

    fn chat(model: &str, input: i64, cached: i64, output: i64) -> Span {
        let mut genai = GenAi {
            operation: Some("chat".into()),
            provider: Some("openai".into()),
            request_model: Some(model.into()),
            ..GenAi::default()
        };
        genai.usage.input_tokens = Some(input);
        genai.usage.cache_read_input_tokens = Some(cached);
        genai.usage.output_tokens = Some(output);
        Span {
            trace_id: TraceId::from_array([1; 16]).unwrap(),
            span_id: SpanId::from_array([1; 8]).unwrap(),
            parent_span_id: None,
            trace_state: String::new(),
            flags: 0,
            name: format!("chat {model}"),
            kind: SpanKind::Client,
            // 2026-06-01T00:00:00Z
            start_time_unix_nano: 1_780_272_000_000_000_000,
            end_time_unix_nano: 1_780_272_001_000_000_000,
            attributes: Attributes::new(),
            dropped_attributes_count: 0,
            events: vec![],
            dropped_events_count: 0,
            links: vec![],
            dropped_links_count: 0,
            status: Status::default(),
            resource: Arc::default(),
            scope: Arc::default(),
            genai,
        }
    }

    /// A gpt-4o call is priced with its cache discount and its context-window use; an agent span
    /// carrying a usage roll-up is not priced; a context-length failure is flagged.
    #[test]
    fn prices_model_calls_only() {
        let enrich = Enrich::new(Arc::new(Catalog::builtin().unwrap()));
        let mut spans = vec![
            chat("gpt-4o", 10_000, 8_000, 500),
            chat("gpt-4o", 10_000, 0, 500),
        ];
        spans[1].genai.operation = Some("invoke_agent".into());
        let mut failed = chat("gpt-4o", 0, 0, 0);
        failed.genai.usage = Usage::default();
        failed.genai.error_type = Some("context_length_exceeded".into());
        spans.push(failed);
        enrich.process_spans(&mut spans);
        // gpt-4o: $2.50 / M input, $1.25 / M cached input, $10 / M output:
        // 2,000 × 2.50 + 8,000 × 1.25 + 500 × 10 = 20,000 µ$ = $0.02.
        let cost = spans[0].genai.cost.as_ref().unwrap();
        assert!((cost.total - 0.02).abs() < 1e-12, "{cost:?}");
        assert!((cost.cache_read - 0.01).abs() < 1e-12);
        // 10,000 of a 128,000-token window.
        assert_eq!(
            spans[0].genai.context_window_use,
            Some(10_000.0 / 128_000.0)
        );
        assert!(spans[1].genai.cost.is_none());
        assert!(spans[2].genai.context_length_exceeded);
        assert!(spans[2].genai.cost.is_none());
    }
}
