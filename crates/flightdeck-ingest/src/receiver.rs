//! The transport-independent part of an export: convert, count, hand to the sink, wait for
//! durability. HTTP and gRPC both call into [`Receiver`].

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;

use crate::decode::{self, Encoding};
use crate::limits::Limits;
use crate::sink::{Sink, SubmitError, Ticket};
use crate::stats::{IngestStats, Signal};

/// What happened to a well-formed export: how many items were rejected and why (OTLP
/// `partial_success`). `rejected == 0` and no message means full success.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Items rejected.
    pub rejected: u64,
    /// Why, when anything was rejected.
    pub message: Option<String>,
}

/// Why an export failed as a whole. Mapped to HTTP and gRPC status codes in `http.rs` and
/// `grpc.rs`, nowhere else.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ExportError {
    /// Malformed body or unsupported framing (400 / INVALID_ARGUMENT, not retryable).
    #[error("{0}")]
    BadRequest(String),
    /// Body over the cap, before or after decompression (413 / RESOURCE_EXHAUSTED).
    #[error("{0}")]
    TooLarge(String),
    /// Unknown content type or encoding (415 / INVALID_ARGUMENT).
    #[error("{0}")]
    Unsupported(String),
    /// Queue full: retry later (429 + Retry-After / UNAVAILABLE).
    #[error("ingest queue is full, retry after {}s", retry_after.as_secs())]
    Busy {
        /// Suggested wait.
        retry_after: Duration,
    },
    /// The write failed or the server is stopping: retry later (503 / UNAVAILABLE).
    #[error("{0}")]
    Unavailable(String),
}

/// Receives exports from any transport.
pub struct Receiver {
    sink: Arc<dyn Sink>,
    limits: Limits,
    stats: Arc<IngestStats>,
    /// How many exports are decoded and processed at once: two per core.
    workers: Arc<tokio::sync::Semaphore>,
}

impl Receiver {
    /// Builds a receiver that hands data to `sink`, applying `limits` and counting into `stats`.
    pub fn new(sink: Arc<dyn Sink>, limits: Limits, stats: Arc<IngestStats>) -> Arc<Self> {
        Arc::new(Receiver {
            sink,
            limits,
            stats,
            workers: Arc::new(tokio::sync::Semaphore::new(max_workers())),
        })
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The counters.
    pub fn stats(&self) -> &Arc<IngestStats> {
        &self.stats
    }

    /// Exports traces from an encoded body (decoding runs on a blocking thread).
    pub async fn traces_bytes(
        self: &Arc<Self>,
        transport: &'static str,
        body: Bytes,
        encoding: Encoding,
    ) -> Result<Outcome, ExportError> {
        let this = Arc::clone(self);
        self.run_blocking(Signal::Spans, transport, move || {
            let request = decode::decode_traces(&body, encoding)
                .map_err(|e| this.bad(Signal::Spans, transport, e.to_string()))?;
            this.submit_traces(transport, request)
        })
        .await
    }

    /// Exports logs from an encoded body.
    pub async fn logs_bytes(
        self: &Arc<Self>,
        transport: &'static str,
        body: Bytes,
        encoding: Encoding,
    ) -> Result<Outcome, ExportError> {
        let this = Arc::clone(self);
        self.run_blocking(Signal::Logs, transport, move || {
            let request = decode::decode_logs(&body, encoding)
                .map_err(|e| this.bad(Signal::Logs, transport, e.to_string()))?;
            this.submit_logs(transport, request)
        })
        .await
    }

    /// Accepts metrics from an encoded body: validated and counted, not stored yet.
    pub async fn metrics_bytes(
        self: &Arc<Self>,
        transport: &'static str,
        body: Bytes,
        encoding: Encoding,
    ) -> Result<Outcome, ExportError> {
        let this = Arc::clone(self);
        self.run_blocking(Signal::MetricPoints, transport, move || {
            let request = decode::decode_metrics(&body, encoding)
                .map_err(|e| this.bad(Signal::MetricPoints, transport, e.to_string()))?;
            this.count_metrics(transport, &request);
            Ok(Pending::Ready(Outcome::default()))
        })
        .await
    }

    fn count_metrics(&self, transport: &'static str, request: &ExportMetricsServiceRequest) {
        let points = decode::count_metric_points(request);
        self.stats.received(
            Signal::MetricPoints,
            transport,
            points,
            0,
            None,
            Default::default(),
        );
        self.stats.accepted(Signal::MetricPoints, points);
    }

    fn bad(&self, signal: Signal, transport: &'static str, message: String) -> ExportError {
        self.stats.bad_request(signal, transport, &message);
        ExportError::BadRequest(message)
    }

    fn submit_traces(
        &self,
        transport: &'static str,
        request: ExportTraceServiceRequest,
    ) -> Result<Pending, ExportError> {
        let converted = decode::convert_traces(request, &self.limits);
        self.stats.received(
            Signal::Spans,
            transport,
            converted.items.len() as u64 + converted.rejected,
            converted.rejected,
            converted.reject_message.as_deref(),
            converted.truncations,
        );
        let outcome = Outcome {
            rejected: converted.rejected,
            message: converted.reject_message,
        };
        let count = converted.items.len() as u64;
        if count == 0 {
            return Ok(Pending::Ready(outcome));
        }
        let ticket = self
            .sink
            .submit_spans(converted.items)
            .map_err(|e| self.submit_failed(Signal::Spans, transport, count, e))?;
        Ok(Pending::Waiting {
            ticket,
            count,
            outcome,
        })
    }

    fn submit_logs(
        &self,
        transport: &'static str,
        request: ExportLogsServiceRequest,
    ) -> Result<Pending, ExportError> {
        let converted = decode::convert_logs(request, &self.limits);
        self.stats.received(
            Signal::Logs,
            transport,
            converted.items.len() as u64 + converted.rejected,
            converted.rejected,
            converted.reject_message.as_deref(),
            converted.truncations,
        );
        let outcome = Outcome {
            rejected: converted.rejected,
            message: converted.reject_message,
        };
        let count = converted.items.len() as u64;
        if count == 0 {
            return Ok(Pending::Ready(outcome));
        }
        let ticket = self
            .sink
            .submit_logs(converted.items)
            .map_err(|e| self.submit_failed(Signal::Logs, transport, count, e))?;
        Ok(Pending::Waiting {
            ticket,
            count,
            outcome,
        })
    }

    fn submit_failed(
        &self,
        signal: Signal,
        transport: &'static str,
        count: u64,
        error: SubmitError,
    ) -> ExportError {
        match error {
            SubmitError::Busy { retry_after } => {
                self.stats.refused_busy(signal, count);
                ExportError::Busy { retry_after }
            }
            SubmitError::Unavailable(message) => {
                self.stats.failed(signal, transport, count, &message);
                ExportError::Unavailable(message)
            }
        }
    }

    async fn run_blocking(
        self: &Arc<Self>,
        signal: Signal,
        transport: &'static str,
        work: impl FnOnce() -> Result<Pending, ExportError> + Send + 'static,
    ) -> Result<Outcome, ExportError> {
        // The work is CPU-bound: far more of it at once than there are cores only adds threads
        // switching on them and allocator arenas holding memory (measured with tail sampling:
        // peak RSS 1,139 -> 941 MiB at a higher rate). Two per core, so one waiting on a lock
        // (the sampler's) does not leave its core idle; one per core was slower.
        let permit = Arc::clone(&self.workers)
            .acquire_owned()
            .await
            .map_err(|e| ExportError::Unavailable(format!("ingest workers closed: {e}")))?;
        let pending = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        })
        .await
        .map_err(|e| ExportError::Unavailable(format!("ingest worker failed: {e}")))??;
        match pending {
            Pending::Ready(outcome) => Ok(outcome),
            Pending::Waiting {
                ticket,
                count,
                outcome,
            } => match ticket.wait().await {
                Ok(()) => {
                    self.stats.accepted(signal, count);
                    Ok(outcome)
                }
                Err(e) => Err(self.submit_failed(signal, transport, count, e)),
            },
        }
    }
}

/// How many exports a receiver decodes and processes at once: two per core.
pub(crate) fn max_workers() -> usize {
    2 * std::thread::available_parallelism().map_or(1, usize::from)
}

/// The result of the blocking half of an export.
enum Pending {
    /// Nothing to wait for.
    Ready(Outcome),
    /// Submitted; durable when the ticket resolves.
    Waiting {
        ticket: Ticket,
        count: u64,
        outcome: Outcome,
    },
}
