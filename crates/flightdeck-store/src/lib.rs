//! Storage: the [`Store`] trait every backend implements, the row form writes use
//! ([`WriteBatch`]), and the embedded DuckDB backend ([`DuckDbStore`]), the zero-setup default,
//! with its write-ahead log ([`wal`]): writes are durable once logged and reach DuckDB in large
//! transactions behind them.
//!
//! The store does not interpret telemetry: it writes rows the pipeline prepared and answers typed
//! queries. Analyses over query results live in `flightdeck-analysis`.
//!
//! ```no_run
//! use flightdeck_store::{DuckDbStore, Store, StoreConfig};
//! let store = DuckDbStore::open(&StoreConfig::new("./flightdeck-data")).unwrap();
//! println!("{} spans stored", store.counts().unwrap().spans);
//! ```

pub mod duckdb;
pub mod query;
pub mod rows;
pub mod wal;

#[cfg(test)]
mod test_util;

use flightdeck_model::{LogRecord, Span, SpanId, TraceId};

pub use crate::duckdb::{DuckDbStore, StoreConfig};
pub use query::*;
pub use rows::{LogRow, ResourceRow, SpanRow, TracePart, WriteBatch};

/// What can go wrong in a store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database reported an error.
    #[error("database error: {0}")]
    Database(String),
    /// The data directory could not be created or opened.
    #[error("data directory {path}: {source}")]
    DataDir {
        /// The directory.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Stored data could not be decoded (corruption or an incompatible version).
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    /// The write-ahead log could not be written, synced or read.
    #[error("write-ahead log {path}: {source}")]
    Log {
        /// The segment file or directory.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// One batch is larger than a log record may be.
    #[error("a write batch of {bytes} bytes exceeds the {limit}-byte record limit")]
    TooLarge {
        /// Encoded size of the batch.
        bytes: usize,
        /// The limit.
        limit: usize,
    },
    /// The store's settings are invalid.
    #[error("invalid store settings: {0}")]
    Config(String),
    /// The store was closed; nothing more is accepted.
    #[error("the store is closed")]
    Closed,
}

impl From<::duckdb::Error> for StoreError {
    fn from(e: ::duckdb::Error) -> Self {
        StoreError::Database(e.to_string())
    }
}

/// The write side of a store: what the pipeline's writer needs.
pub trait Writer: Send + Sync {
    /// Durably stores the batches: when this returns `Ok`, a crash does not lose them, and reads
    /// that start afterwards see them. On `Err` nothing was acknowledged (after a crash the rows
    /// may still appear, so callers retry rather than report loss).
    fn write(&self, batches: &[WriteBatch]) -> Result<(), StoreError>;

    /// The attribute keys the store indexes: batches built with them
    /// ([`WriteBatch::from_spans_indexing`]) are stored as they are, others are re-indexed.
    fn indexed_attributes(&self) -> std::sync::Arc<[String]> {
        std::sync::Arc::from([])
    }
}

/// Storage backend: append prepared rows, answer queries. Implementations are internally
/// synchronized; calls block, so async callers run them on blocking threads.
pub trait Store: Writer {
    /// All spans of a trace, by start time; empty when the trace is unknown.
    fn trace(&self, trace_id: TraceId) -> Result<Vec<Span>, StoreError>;

    /// Log records of a trace, by time.
    fn trace_logs(&self, trace_id: TraceId) -> Result<Vec<LogRecord>, StoreError>;

    /// One span of a trace, or `None`. The default reads the whole trace; backends look it up
    /// directly, so opening one span of a huge trace stays cheap.
    fn span(&self, trace_id: TraceId, span_id: SpanId) -> Result<Option<Span>, StoreError> {
        Ok(self
            .trace(trace_id)?
            .into_iter()
            .find(|s| s.span_id == span_id))
    }

    /// Traces matching a query, newest first.
    fn search(&self, query: &TraceQuery) -> Result<TracePage, StoreError>;

    /// Services seen in a range.
    fn services(&self, range: TimeRange) -> Result<Vec<ServiceInfo>, StoreError>;

    /// Span names seen in a range, optionally for one service.
    fn operations(
        &self,
        range: TimeRange,
        service: Option<&str>,
    ) -> Result<Vec<OperationInfo>, StoreError>;

    /// GenAI models seen in a range.
    fn models(&self, range: TimeRange) -> Result<Vec<ModelInfo>, StoreError>;

    /// Conversations active in a range (newest activity first), restricted by the span filter.
    fn conversations(
        &self,
        range: TimeRange,
        filter: &SpanFilter,
        limit: usize,
    ) -> Result<Vec<ConversationSummary>, StoreError>;

    /// One conversation with its traces in order; `None` when unknown.
    fn conversation(&self, conversation_id: &str) -> Result<Option<Conversation>, StoreError>;

    /// Models used with token usage but no price, most calls first.
    fn unpriced_models(&self, range: TimeRange) -> Result<Vec<UnpricedModel>, StoreError>;

    /// A uniform random sample (at most `limit`, fixed seed) of model calls matching the filter.
    fn samples(
        &self,
        range: TimeRange,
        filter: &SpanFilter,
        limit: usize,
    ) -> Result<Vec<RequestSample>, StoreError>;

    /// The most recent GenAI spans of each (service, scope name, scope version) in a range, at
    /// most `per_scope` each (for conformance checks of each instrumentation).
    fn recent_genai_spans_per_scope(
        &self,
        range: TimeRange,
        per_scope: usize,
    ) -> Result<Vec<Span>, StoreError>;

    /// All spans of the given traces (for analyses across traces), by start time.
    fn spans_of_traces(&self, trace_ids: &[TraceId]) -> Result<Vec<Span>, StoreError>;

    /// The spans of the given traces as [`Store::spans_of_traces`] returns them, lighter for
    /// analyses of their structure: without events, and with span attributes only on the spans
    /// that carry one of `attribute_keys` (the others have none). The default reads them in
    /// full.
    fn span_structure_of_traces(
        &self,
        trace_ids: &[TraceId],
        attribute_keys: &[&str],
    ) -> Result<Vec<Span>, StoreError> {
        let _ = attribute_keys;
        self.spans_of_traces(trace_ids)
    }

    /// Traces other than `trace_ids` with a span starting in `range` that links to a span of one
    /// of `trace_ids` (the consumers of messages those traces produced, batch jobs over them),
    /// sorted by id, at most `limit`: the other direction of [`Span::links`].
    fn traces_linking_to(
        &self,
        trace_ids: &[TraceId],
        range: TimeRange,
        limit: usize,
    ) -> Result<Vec<TraceId>, StoreError>;

    /// Retrieval spans (operation `retrieval`, or with a retrieval view) starting in `range`
    /// and matching the filter, newest first, at most `limit`; each is handed to `each` in
    /// turn, so callers that aggregate keep memory bounded. Returns how many were handed over.
    /// The spans carry their GenAI view, timing, status, links and resource; of the attributes
    /// only `gen_ai.data_source.id`, and no events.
    fn retrieval_spans(
        &self,
        range: TimeRange,
        filter: &SpanFilter,
        limit: usize,
        each: &mut dyn FnMut(Span),
    ) -> Result<u64, StoreError>;

    /// GenAI analytics: breakdowns by any dimensions, optionally as a time series.
    fn analytics(&self, query: &AnalyticsQuery) -> Result<Vec<AnalyticsRow>, StoreError>;

    /// Totals.
    fn counts(&self) -> Result<StoreCounts, StoreError>;

    /// Recomputes the derived GenAI fields of stored model calls in a range (after a price
    /// change): `enrich` is applied to each span and changed cost / context-window fields are
    /// written back, with trace summaries updated to match. Ingest keeps running; each chunk is
    /// its own transaction.
    fn reprice(
        &self,
        range: TimeRange,
        enrich: &(dyn Fn(&mut Span) + Sync),
    ) -> Result<RepriceReport, StoreError>;
}
