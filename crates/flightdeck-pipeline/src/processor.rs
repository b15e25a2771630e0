//! The processor trait: one stage of the pipeline.

use flightdeck_model::{LogRecord, Span};

/// One stage between ingest and store. Processors run on ingest threads, so they must be cheap per
/// span and internally synchronized if they keep state.
pub trait Processor: Send + Sync {
    /// A stable id, used in configuration and counters.
    fn name(&self) -> &'static str;

    /// Transforms spans in place; a processor may remove spans (and must count what it removes).
    fn process_spans(&self, spans: &mut Vec<Span>);

    /// Transforms log records in place. The default keeps them as they are.
    fn process_logs(&self, _logs: &mut Vec<LogRecord>) {}

    /// The processor's counters for `GET /api/v1/pipeline`, if it keeps any.
    fn stats(&self) -> Option<serde_json::Value> {
        None
    }
}

/// Fills the typed GenAI view of each span (the semantic layer).
#[derive(Debug, Default)]
pub struct Normalize {
    normalizer: flightdeck_semconv::Normalizer,
}

impl Normalize {
    /// Builds the processor around a normalizer.
    pub fn new(normalizer: flightdeck_semconv::Normalizer) -> Self {
        Normalize { normalizer }
    }
}

impl Processor for Normalize {
    fn name(&self) -> &'static str {
        "normalize"
    }

    fn process_spans(&self, spans: &mut Vec<Span>) {
        self.normalizer.normalize_batch(spans);
    }
}
