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
    /// The end user.
    pub user: Option<String>,
    /// `service.version`.
    pub service_version: Option<String>,
    /// `error.type`.
    pub error_type: Option<String>,
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
    /// Cost over GenAI spans, USD.
    pub cost_usd: f64,
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

/// A dimension analytics can group by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// `gen_ai.provider.name`.
    Provider,
    /// Requested model (or responding model when none was requested).
    Model,
    /// Exact responding model (dated snapshot).
    ResponseModel,
    /// Model family.
    ModelFamily,
    /// `gen_ai.operation.name`.
    Operation,
    /// `service.name`.
    Service,
    /// `service.version`.
    ServiceVersion,
    /// `gen_ai.agent.name`.
    Agent,
    /// `gen_ai.tool.name`.
    Tool,
    /// The end user.
    User,
    /// `gen_ai.conversation.id`.
    Conversation,
    /// `error.type`.
    ErrorType,
    /// Any span or resource attribute, by key.
    Attribute(String),
}

impl Dimension {
    /// Parses `model`, `service_version`, `attr:tenant.id`, ...
    pub fn parse(text: &str) -> Option<Dimension> {
        Some(match text {
            "provider" => Dimension::Provider,
            "model" => Dimension::Model,
            "response_model" => Dimension::ResponseModel,
            "model_family" => Dimension::ModelFamily,
            "operation" => Dimension::Operation,
            "service" => Dimension::Service,
            "service_version" => Dimension::ServiceVersion,
            "agent" => Dimension::Agent,
            "tool" => Dimension::Tool,
            "user" => Dimension::User,
            "conversation" => Dimension::Conversation,
            "error_type" => Dimension::ErrorType,
            other => Dimension::Attribute(other.strip_prefix("attr:")?.to_owned()),
        })
    }

    /// The name used in results (`attr:<key>` for attributes).
    pub fn name(&self) -> String {
        match self {
            Dimension::Provider => "provider".into(),
            Dimension::Model => "model".into(),
            Dimension::ResponseModel => "response_model".into(),
            Dimension::ModelFamily => "model_family".into(),
            Dimension::Operation => "operation".into(),
            Dimension::Service => "service".into(),
            Dimension::ServiceVersion => "service_version".into(),
            Dimension::Agent => "agent".into(),
            Dimension::Tool => "tool".into(),
            Dimension::User => "user".into(),
            Dimension::Conversation => "conversation".into(),
            Dimension::ErrorType => "error_type".into(),
            Dimension::Attribute(key) => format!("attr:{key}"),
        }
    }
}

/// How analytics groups are ranked (and cut by `limit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderBy {
    /// Most requests first.
    #[default]
    Requests,
    /// Most errors first.
    Errors,
    /// Highest cost first.
    Cost,
    /// Slowest p95 latency first.
    Latency,
    /// Most tokens (input + output) first.
    Tokens,
}

/// An analytics request over GenAI spans.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalyticsQuery {
    /// Over this range (by span start).
    pub range: TimeRange,
    /// Restricts the spans aggregated.
    pub filter: SpanFilter,
    /// Grouping dimensions (none: one row for everything).
    pub group_by: Vec<Dimension>,
    /// Bucket width in ns, for a time series.
    pub step_ns: Option<i64>,
    /// Ranking of groups.
    pub order_by: OrderBy,
    /// Most groups returned (the top ones by `order_by`).
    pub limit: usize,
}

/// p50 / p95 / p99 of a distribution.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Percentiles {
    /// Median.
    pub p50: Option<f64>,
    /// 95th percentile.
    pub p95: Option<f64>,
    /// 99th percentile.
    pub p99: Option<f64>,
}

/// Token sums.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct TokenTotals {
    /// Input tokens (cache reads and writes included).
    pub input: i64,
    /// Output tokens (reasoning included).
    pub output: i64,
    /// Input tokens read from cache.
    pub cache_read: i64,
    /// Input tokens written to cache.
    pub cache_write: i64,
    /// Reasoning output tokens.
    pub reasoning: i64,
}

/// Cost sums in USD.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct CostTotals {
    /// Total.
    pub total: f64,
    /// Uncached input.
    pub input: f64,
    /// Cache reads.
    pub cache_read: f64,
    /// Cache writes.
    pub cache_write: f64,
    /// Output other than reasoning.
    pub output: f64,
    /// Reasoning output.
    pub reasoning: f64,
}

/// One analytics row: a group (and bucket) with its metrics.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AnalyticsRow {
    /// Bucket start, ns (time series only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket_start_ns: Option<i64>,
    /// The group: dimension name → value (`null` when the spans have none).
    pub group: serde_json::Map<String, serde_json::Value>,
    /// GenAI spans.
    pub requests: u64,
    /// Spans with error status or `error.type`.
    pub errors: u64,
    /// `errors / requests`.
    pub error_rate: f64,
    /// Error types and their counts, most frequent first (at most 10).
    pub error_types: Vec<(String, u64)>,
    /// Latency in ms.
    pub latency_ms: Percentiles,
    /// Time to first chunk in ms, over streaming calls that reported it.
    pub ttft_ms: Percentiles,
    /// Token sums.
    pub tokens: TokenTotals,
    /// Cost sums.
    pub cost: CostTotals,
    /// Spans with usage but no price (their cost is missing from `cost`).
    pub unpriced: u64,
    /// Model calls that reported no usage.
    pub usage_missing: u64,
    /// `cache_read / input` tokens.
    pub cache_hit_ratio: Option<f64>,
    /// Mean output tokens per second over calls that reported it.
    pub output_tokens_per_second: Option<f64>,
    /// Context-window use (input tokens ÷ context window): p50, p95, p99.
    pub context_window_use: Percentiles,
    /// Calls that failed because the input did not fit the context window.
    pub context_length_errors: u64,
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
    /// Size of the database file(s) and the write-ahead log in bytes.
    pub bytes_on_disk: u64,
    /// Failed attempts to load acknowledged rows from the write-ahead log into the database since
    /// start (each is retried; the rows stay in the log until loaded). Expected 0.
    pub load_errors: u64,
}

/// GenAI operations that are model calls: the spans whose tokens and cost are summed (agent and
/// workflow spans may carry roll-ups of their children's usage, which would count twice).
pub const MODEL_CALL_OPERATIONS: &[&str] =
    &["chat", "text_completion", "generate_content", "embeddings"];

/// True when `operation` is a model call (see [`MODEL_CALL_OPERATIONS`]).
pub fn is_model_call(operation: Option<&str>) -> bool {
    operation.is_some_and(|op| MODEL_CALL_OPERATIONS.contains(&op))
}

/// One conversation (spans sharing `gen_ai.conversation.id`) with its totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationSummary {
    /// `gen_ai.conversation.id`.
    pub conversation_id: String,
    /// Traces (turns) in the conversation.
    pub traces: u64,
    /// First span start, ns.
    pub start_ns: i64,
    /// Last span end, ns.
    pub end_ns: i64,
    /// Model calls.
    pub model_calls: u64,
    /// Input tokens of model calls.
    pub input_tokens: i64,
    /// Output tokens of model calls.
    pub output_tokens: i64,
    /// Cost of model calls, USD.
    pub cost_usd: f64,
    /// Spans with errors.
    pub errors: u64,
    /// Models used.
    pub models: Vec<String>,
    /// End users seen.
    pub users: Vec<String>,
}

/// A conversation: its totals and its traces in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    /// Totals.
    pub summary: ConversationSummary,
    /// The traces, oldest first.
    pub traces: Vec<TraceSummary>,
}

/// A model that was used with token usage but has no price in the catalog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnpricedModel {
    /// Provider.
    pub provider: Option<String>,
    /// Model.
    pub model: String,
    /// Calls with usage and no cost.
    pub calls: u64,
    /// Their input tokens.
    pub input_tokens: i64,
    /// Their output tokens.
    pub output_tokens: i64,
    /// Last seen, ns.
    pub last_seen_ns: i64,
}

/// One model call's numbers, for cohort comparisons.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RequestSample {
    /// Duration, ms.
    pub latency_ms: f64,
    /// Time to first chunk, ms (streaming calls).
    pub ttft_ms: Option<f64>,
    /// Input tokens.
    pub input_tokens: Option<i64>,
    /// Output tokens.
    pub output_tokens: Option<i64>,
    /// Cost, USD.
    pub cost_usd: Option<f64>,
    /// Failed.
    pub error: bool,
}

/// What a cost recomputation changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RepriceReport {
    /// Model-call spans examined.
    pub spans_examined: u64,
    /// Spans whose cost, context-window use or context-length flag changed.
    pub spans_updated: u64,
}
