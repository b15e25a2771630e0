//! The processor trait: one stage of the pipeline.

use std::sync::{Arc, Mutex};

use flightdeck_model::{LogRecord, Span};
use flightdeck_semconv::{Diagnostics, Normalizer};

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

/// Shared, lock-protected ingest diagnostics (per service and instrumentation scope).
pub type DiagnosticsHandle = Arc<Mutex<Diagnostics>>;

/// Fills the typed GenAI view of each span (the semantic layer) and records ingest diagnostics.
#[derive(Default)]
pub struct Normalize {
    normalizer: Normalizer,
    diagnostics: DiagnosticsHandle,
}

impl Normalize {
    /// Builds the processor; `diagnostics` receives what it notices about each span and log.
    pub fn new(normalizer: Normalizer, diagnostics: DiagnosticsHandle) -> Self {
        Normalize {
            normalizer,
            diagnostics,
        }
    }

    /// The diagnostics this processor records into.
    pub fn diagnostics(&self) -> &DiagnosticsHandle {
        &self.diagnostics
    }
}

fn lock(diagnostics: &DiagnosticsHandle) -> std::sync::MutexGuard<'_, Diagnostics> {
    match diagnostics.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

impl Processor for Normalize {
    fn name(&self) -> &'static str {
        "normalize"
    }

    fn process_spans(&self, spans: &mut Vec<Span>) {
        let reports: Vec<_> = spans
            .iter_mut()
            .map(|span| self.normalizer.normalize_with_report(span))
            .collect();
        // One lock per batch, not per span.
        let mut diagnostics = lock(&self.diagnostics);
        for (span, report) in spans.iter().zip(&reports) {
            diagnostics.observe(span, report);
        }
    }

    fn process_logs(&self, logs: &mut Vec<LogRecord>) {
        let mut diagnostics = lock(&self.diagnostics);
        for log in logs.iter() {
            diagnostics.observe_log(log);
        }
    }
}
