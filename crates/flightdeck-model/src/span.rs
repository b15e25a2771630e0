//! Spans, their resource and scope, events, links and status.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::genai::GenAi;
use crate::ids::{SpanId, TraceId};
use crate::value::Attributes;

/// The entity that produced telemetry (a service instance), shared by all its spans.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Resource {
    /// Resource attributes such as `service.name`.
    pub attributes: Attributes,
    /// Attributes the client dropped before sending.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub dropped_attributes_count: u32,
    /// The schema URL the client declared, if any.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub schema_url: String,
}

impl Resource {
    /// `service.name`, or `unknown_service` as the OpenTelemetry SDKs default to.
    pub fn service_name(&self) -> &str {
        self.attributes
            .get_str("service.name")
            .unwrap_or("unknown_service")
    }

    /// `service.version`, if set.
    pub fn service_version(&self) -> Option<&str> {
        self.attributes.get_str("service.version")
    }
}

/// The instrumentation scope (library name and version) that produced a span.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Scope {
    /// Library name, e.g. `opentelemetry.instrumentation.openai_v2`.
    #[serde(default)]
    pub name: String,
    /// Library version.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
    /// Scope attributes.
    #[serde(default, skip_serializing_if = "Attributes::is_empty")]
    pub attributes: Attributes,
    /// The schema URL the scope declared, if any.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub schema_url: String,
}

/// What a span represents in its trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SpanKind {
    /// Not specified by the client.
    #[default]
    Unspecified,
    /// An internal operation.
    Internal,
    /// Handling of a remote request.
    Server,
    /// A request to a remote service.
    Client,
    /// Sending a message to a broker.
    Producer,
    /// Receiving a message from a broker.
    Consumer,
}

impl SpanKind {
    /// Maps the OTLP enum number; unknown numbers become `Unspecified`.
    pub fn from_otlp(value: i32) -> SpanKind {
        match value {
            1 => SpanKind::Internal,
            2 => SpanKind::Server,
            3 => SpanKind::Client,
            4 => SpanKind::Producer,
            5 => SpanKind::Consumer,
            _ => SpanKind::Unspecified,
        }
    }

    /// The OTLP enum number.
    pub fn to_otlp(self) -> i32 {
        match self {
            SpanKind::Unspecified => 0,
            SpanKind::Internal => 1,
            SpanKind::Server => 2,
            SpanKind::Client => 3,
            SpanKind::Producer => 4,
            SpanKind::Consumer => 5,
        }
    }

    /// The lowercase name used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            SpanKind::Unspecified => "unspecified",
            SpanKind::Internal => "internal",
            SpanKind::Server => "server",
            SpanKind::Client => "client",
            SpanKind::Producer => "producer",
            SpanKind::Consumer => "consumer",
        }
    }
}

/// Span status code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StatusCode {
    /// The default: no status recorded.
    #[default]
    Unset,
    /// Explicitly marked successful.
    Ok,
    /// The operation failed.
    Error,
}

impl StatusCode {
    /// Maps the OTLP enum number; unknown numbers become `Unset`.
    pub fn from_otlp(value: i32) -> StatusCode {
        match value {
            1 => StatusCode::Ok,
            2 => StatusCode::Error,
            _ => StatusCode::Unset,
        }
    }

    /// The OTLP enum number.
    pub fn to_otlp(self) -> i32 {
        match self {
            StatusCode::Unset => 0,
            StatusCode::Ok => 1,
            StatusCode::Error => 2,
        }
    }

    /// The lowercase name used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusCode::Unset => "unset",
            StatusCode::Ok => "ok",
            StatusCode::Error => "error",
        }
    }
}

/// A span's status.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Status {
    /// The status code.
    pub code: StatusCode,
    /// A developer-facing message, usually set with `Error`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
}

/// A timestamped event inside a span (exceptions, streaming chunks, legacy GenAI messages).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Event {
    /// Event time in nanoseconds since the Unix epoch.
    pub time_unix_nano: u64,
    /// Event name, e.g. `exception`.
    pub name: String,
    /// Event attributes.
    #[serde(default, skip_serializing_if = "Attributes::is_empty")]
    pub attributes: Attributes,
    /// Attributes the client dropped.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub dropped_attributes_count: u32,
}

/// A link from a span to a span in the same or another trace (batch consumers, message queues).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Link {
    /// The linked trace.
    pub trace_id: TraceId,
    /// The linked span.
    pub span_id: SpanId,
    /// W3C trace state of the linked context.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub trace_state: String,
    /// Link attributes.
    #[serde(default, skip_serializing_if = "Attributes::is_empty")]
    pub attributes: Attributes,
    /// Attributes the client dropped.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub dropped_attributes_count: u32,
    /// W3C trace flags and OTLP context flags.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub flags: u32,
}

/// One span, with its resource and scope, and the typed GenAI view filled in by the semantic layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Span {
    /// The trace this span belongs to.
    pub trace_id: TraceId,
    /// This span's id.
    pub span_id: SpanId,
    /// The parent span, `None` for a root span.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_span_id: Option<SpanId>,
    /// W3C trace state.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub trace_state: String,
    /// W3C trace flags and OTLP context flags.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub flags: u32,
    /// Operation name, e.g. `chat gpt-4o`.
    pub name: String,
    /// Span kind.
    pub kind: SpanKind,
    /// Start time in nanoseconds since the Unix epoch.
    pub start_time_unix_nano: u64,
    /// End time in nanoseconds since the Unix epoch.
    pub end_time_unix_nano: u64,
    /// Span attributes exactly as sent (after caps).
    #[serde(default)]
    pub attributes: Attributes,
    /// Attributes the client dropped.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub dropped_attributes_count: u32,
    /// Span events.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<Event>,
    /// Events the client dropped.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub dropped_events_count: u32,
    /// Span links.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    /// Links the client dropped.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub dropped_links_count: u32,
    /// Status.
    #[serde(default)]
    pub status: Status,
    /// The producing resource.
    pub resource: Arc<Resource>,
    /// The producing instrumentation scope.
    pub scope: Arc<Scope>,
    /// The typed GenAI view (empty for non-GenAI spans).
    #[serde(default, skip_serializing_if = "GenAi::is_empty")]
    pub genai: GenAi,
}

impl Span {
    /// Duration in nanoseconds (zero when the end precedes the start).
    pub fn duration_nanos(&self) -> u64 {
        self.end_time_unix_nano
            .saturating_sub(self.start_time_unix_nano)
    }

    /// True for a span with an error status.
    pub fn is_error(&self) -> bool {
        self.status.code == StatusCode::Error
    }

    /// Approximate in-memory size in bytes, used for queue and buffer accounting.
    pub fn approx_size(&self) -> usize {
        std::mem::size_of::<Span>()
            + self.name.len()
            + self.trace_state.len()
            + self.attributes.heap_size()
            + self
                .events
                .iter()
                .map(|e| e.name.len() + e.attributes.heap_size() + 48)
                .sum::<usize>()
            + self
                .links
                .iter()
                .map(|l| l.attributes.heap_size() + 64)
                .sum::<usize>()
            + self.status.message.len()
    }
}

fn is_zero(value: &u32) -> bool {
    *value == 0
}
