//! Questions the store answers, and the shapes of its answers.

use flightdeck_model::{StatusCode, TraceId};
use serde::{Deserialize, Serialize};

/// A half-open time range `[start_ns, end_ns)` in nanoseconds since the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeRange {
    /// Inclusive start.
    pub start_ns: i64,
    /// Exclusive end.
    pub end_ns: i64,
}

/// Span-level filters: a trace matches when one of its spans matches all of them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SpanFilter {
    /// `service.name`.
    pub service: Option<String>,
    /// Exact span name.
    pub span_name: Option<String>,
    /// Span status.
    pub status: Option<StatusCode>,
    /// Minimum span duration, ns.
    pub min_duration_ns: Option<i64>,
    /// Maximum span duration, ns.
    pub max_duration_ns: Option<i64>,
    /// `gen_ai.operation.name`.
    pub operation: Option<String>,
    /// `gen_ai.provider.name`.
    pub provider: Option<String>,
    /// Request or response model.
    pub model: Option<String>,
    /// `gen_ai.agent.name` (or agent id).
    pub agent: Option<String>,
    /// `gen_ai.tool.name`.
    pub tool: Option<String>,
    /// `gen_ai.conversation.id`.
    pub conversation_id: Option<String>,
    /// Equality on span or resource attributes (values compared as text).
    pub attributes: Vec<(String, String)>,
}

impl SpanFilter {
    /// True when no filter is set.
    pub fn is_empty(&self) -> bool {
        *self == SpanFilter::default()
    }
}

/// Where a page of search results continues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// Start of the last trace on the previous page.
    pub start_ns: i64,
    /// Its id (tie-breaker).
    pub trace_id: u128,
}

impl Cursor {
    /// Opaque text form for the API.
    pub fn encode(&self) -> String {
        format!("{}-{:032x}", self.start_ns, self.trace_id)
    }

    /// Parses the form written by [`Cursor::encode`].
    pub fn decode(text: &str) -> Option<Cursor> {
        let (start, id) = text.rsplit_once('-')?;
        Some(Cursor {
            start_ns: start.parse().ok()?,
            trace_id: u128::from_str_radix(id, 16).ok()?,
        })
    }
}

/// A trace search.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceQuery {
    /// Traces with a span starting in this range.
    pub range: TimeRange,
    /// Span-level filters.
    pub filter: SpanFilter,
    /// Page size.
    pub limit: usize,
    /// Continue after this position.
    pub cursor: Option<Cursor>,
}

/// One trace in search results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceSummary {
    /// The trace.
    pub trace_id: TraceId,
    /// Earliest span start, ns.
    pub start_ns: i64,
    /// Latest span end, ns.
    pub end_ns: i64,
    /// `end_ns - start_ns`.
    pub duration_ns: i64,
    /// Service of the root span (or of the first span seen when the root is missing).
    pub root_service: Option<String>,
    /// Name of the root span.
    pub root_name: Option<String>,
    /// Number of spans stored.
    pub span_count: u64,
    /// Spans with error status.
    pub error_count: u64,
    /// GenAI spans.
    pub genai_count: u64,
    /// Input tokens over GenAI spans.
    pub input_tokens: i64,
    /// Output tokens over GenAI spans.
    pub output_tokens: i64,
    /// Services taking part.
    pub services: Vec<String>,
}

/// A page of search results, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TracePage {
    /// The traces.
    pub traces: Vec<TraceSummary>,
    /// Pass as `cursor` to get the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// How GenAI aggregates are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// By (provider, model, operation).
    Model,
    /// By service.
    Service,
}

/// A GenAI aggregate request.
#[derive(Debug, Clone, PartialEq)]
pub struct AggregateQuery {
    /// Over this range (by span start).
    pub range: TimeRange,
    /// Grouping.
    pub group_by: GroupBy,
    /// Bucket width in ns, for a time series; `None` for one row per group.
    pub step_ns: Option<i64>,
    /// Restricts the spans aggregated.
    pub filter: SpanFilter,
}

/// One aggregate row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AggregateRow {
    /// Bucket start, ns (time series only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket_start_ns: Option<i64>,
    /// Provider (grouping by model).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// Model (grouping by model).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Operation (grouping by model).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// Service (grouping by service).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// Number of GenAI spans.
    pub requests: u64,
    /// Spans with error status or `error.type`.
    pub errors: u64,
    /// `errors / requests`.
    pub error_rate: f64,
    /// Median latency, ms.
    pub latency_p50_ms: Option<f64>,
    /// 95th percentile latency, ms.
    pub latency_p95_ms: Option<f64>,
    /// 99th percentile latency, ms.
    pub latency_p99_ms: Option<f64>,
    /// Sum of input tokens.
    pub input_tokens: i64,
    /// Sum of output tokens.
    pub output_tokens: i64,
}

/// A service seen in a range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceInfo {
    /// `service.name`.
    pub service: String,
    /// Spans in range.
    pub spans: u64,
}

/// A (service, span name) pair seen in a range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperationInfo {
    /// `service.name`.
    pub service: String,
    /// Span name.
    pub name: String,
    /// GenAI operation of those spans, if any.
    pub genai_operation: Option<String>,
    /// Spans in range.
    pub spans: u64,
}

/// A (provider, model) pair seen in a range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// Provider.
    pub provider: Option<String>,
    /// Requested model (or responding model when no request model was recorded).
    pub model: String,
    /// Distinct responding models (dated snapshots).
    pub response_models: Vec<String>,
    /// GenAI operations seen with this model.
    pub operations: Vec<String>,
    /// Spans in range.
    pub spans: u64,
}

/// Totals of what the store holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreCounts {
    /// Span rows.
    pub spans: u64,
    /// Log rows.
    pub logs: u64,
    /// Size of the database file(s) in bytes.
    pub bytes_on_disk: u64,
}
