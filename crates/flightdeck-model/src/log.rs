//! Log records, kept when they carry a trace context (GenAI content often arrives as log events).

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::ids::{SpanId, TraceId};
use crate::span::{Resource, Scope};
use crate::value::{AttrValue, Attributes};

/// One OTLP log record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogRecord {
    /// When the event happened, nanoseconds since the Unix epoch (0 if unknown).
    pub time_unix_nano: u64,
    /// When the collector or SDK observed it.
    #[serde(default)]
    pub observed_time_unix_nano: u64,
    /// OTLP severity number (1–24, 0 unspecified).
    #[serde(default)]
    pub severity_number: i32,
    /// Severity as text, e.g. `INFO`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub severity_text: String,
    /// The event name (OTLP `event_name`, or the older `event.name` attribute).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub event_name: String,
    /// The body: a string or a structured value.
    #[serde(default)]
    pub body: AttrValue,
    /// Record attributes.
    #[serde(default)]
    pub attributes: Attributes,
    /// Attributes the client dropped.
    #[serde(default)]
    pub dropped_attributes_count: u32,
    /// W3C trace flags.
    #[serde(default)]
    pub flags: u32,
    /// The trace the record belongs to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<TraceId>,
    /// The span the record belongs to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span_id: Option<SpanId>,
    /// The producing resource.
    pub resource: Arc<Resource>,
    /// The producing instrumentation scope.
    pub scope: Arc<Scope>,
}

impl LogRecord {
    /// The event time, or the observed time when the event time is unset.
    pub fn effective_time(&self) -> u64 {
        if self.time_unix_nano != 0 {
            self.time_unix_nano
        } else {
            self.observed_time_unix_nano
        }
    }

    /// Approximate in-memory size in bytes.
    pub fn approx_size(&self) -> usize {
        std::mem::size_of::<LogRecord>()
            + self.severity_text.len()
            + self.event_name.len()
            + self.body.heap_size()
            + self.attributes.heap_size()
    }
}
