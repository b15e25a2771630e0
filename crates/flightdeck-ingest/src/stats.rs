//! Ingest counters: what arrived, what was kept, what was refused and why.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

use crate::limits::Truncations;

/// Counters for one signal (spans, log records or metric data points).
#[derive(Debug, Default)]
pub struct SignalCounters {
    received: AtomicU64,
    accepted: AtomicU64,
    rejected_invalid: AtomicU64,
    refused_busy: AtomicU64,
    failed: AtomicU64,
}

/// A snapshot of [`SignalCounters`].
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct SignalSnapshot {
    /// Items in well-formed requests.
    pub received: u64,
    /// Items accepted and stored (or, for metrics, counted).
    pub accepted: u64,
    /// Items rejected as invalid (bad ids), reported to the client in `partial_success`.
    pub rejected_invalid: u64,
    /// Items in requests refused because the queue was full (the client was told to retry).
    pub refused_busy: u64,
    /// Items whose write failed (the client was told to retry).
    pub failed: u64,
}

impl SignalCounters {
    fn snapshot(&self) -> SignalSnapshot {
        SignalSnapshot {
            received: self.received.load(Relaxed),
            accepted: self.accepted.load(Relaxed),
            rejected_invalid: self.rejected_invalid.load(Relaxed),
            refused_busy: self.refused_busy.load(Relaxed),
            failed: self.failed.load(Relaxed),
        }
    }
}

/// Which signal a counter update is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    /// Trace spans.
    Spans,
    /// Log records.
    Logs,
    /// Metric data points.
    MetricPoints,
}

/// A rejected request or item, kept for diagnostics.
#[derive(Debug, Clone, Serialize)]
pub struct Rejection {
    /// When it happened, nanoseconds since the Unix epoch.
    pub time_unix_nano: u64,
    /// Which signal.
    pub signal: Signal,
    /// `grpc` or `http`.
    pub transport: &'static str,
    /// What was wrong.
    pub message: String,
}

/// All ingest counters. Cheap to update from any thread.
#[derive(Debug, Default)]
pub struct IngestStats {
    spans: SignalCounters,
    logs: SignalCounters,
    metric_points: SignalCounters,
    requests: AtomicU64,
    bad_requests: AtomicU64,
    too_large: AtomicU64,
    bytes_received: AtomicU64,
    values_truncated: AtomicU64,
    attributes_dropped: AtomicU64,
    events_dropped: AtomicU64,
    links_dropped: AtomicU64,
    recent_rejections: Mutex<VecDeque<Rejection>>,
}

/// A snapshot of [`IngestStats`], as the API returns it.
#[derive(Debug, Clone, Serialize)]
pub struct IngestSnapshot {
    /// Span counters.
    pub spans: SignalSnapshot,
    /// Log record counters.
    pub logs: SignalSnapshot,
    /// Metric data point counters.
    pub metric_points: SignalSnapshot,
    /// Export requests received.
    pub requests: u64,
    /// Requests refused as malformed (400 / INVALID_ARGUMENT).
    pub bad_requests: u64,
    /// Requests refused as too large (413 / RESOURCE_EXHAUSTED).
    pub too_large: u64,
    /// Request body bytes received, as sent (compressed).
    pub bytes_received: u64,
    /// Attribute values cut to the length cap.
    pub values_truncated: u64,
    /// Attributes dropped over the count cap.
    pub attributes_dropped: u64,
    /// Span events dropped over the cap.
    pub events_dropped: u64,
    /// Span links dropped over the cap.
    pub links_dropped: u64,
    /// The most recent rejections, newest first.
    pub recent_rejections: Vec<Rejection>,
}

const RECENT_REJECTIONS: usize = 50;

impl IngestStats {
    fn signal(&self, signal: Signal) -> &SignalCounters {
        match signal {
            Signal::Spans => &self.spans,
            Signal::Logs => &self.logs,
            Signal::MetricPoints => &self.metric_points,
        }
    }

    /// Counts an arriving request of `bytes` body bytes.
    pub fn request(&self, bytes: usize) {
        self.requests.fetch_add(1, Relaxed);
        self.bytes_received.fetch_add(bytes as u64, Relaxed);
    }

    /// Counts a request refused as malformed, remembering why.
    pub fn bad_request(&self, signal: Signal, transport: &'static str, message: &str) {
        self.bad_requests.fetch_add(1, Relaxed);
        self.remember(signal, transport, message);
    }

    /// Counts a request refused as too large.
    pub fn too_large(&self, signal: Signal, transport: &'static str, message: &str) {
        self.too_large.fetch_add(1, Relaxed);
        self.remember(signal, transport, message);
    }

    /// Counts items of a well-formed request and those rejected from it.
    pub fn received(
        &self,
        signal: Signal,
        transport: &'static str,
        received: u64,
        rejected: u64,
        reject_message: Option<&str>,
        truncations: Truncations,
    ) {
        let counters = self.signal(signal);
        counters.received.fetch_add(received, Relaxed);
        counters.rejected_invalid.fetch_add(rejected, Relaxed);
        if let Some(message) = reject_message {
            self.remember(signal, transport, message);
        }
        self.values_truncated
            .fetch_add(truncations.values_truncated, Relaxed);
        self.attributes_dropped
            .fetch_add(truncations.attributes_dropped, Relaxed);
        self.events_dropped
            .fetch_add(truncations.events_dropped, Relaxed);
        self.links_dropped
            .fetch_add(truncations.links_dropped, Relaxed);
    }

    /// Counts items stored (or counted) successfully.
    pub fn accepted(&self, signal: Signal, count: u64) {
        self.signal(signal).accepted.fetch_add(count, Relaxed);
    }

    /// Counts items refused because the queue was full.
    pub fn refused_busy(&self, signal: Signal, count: u64) {
        self.signal(signal).refused_busy.fetch_add(count, Relaxed);
    }

    /// Counts items whose write failed.
    pub fn failed(&self, signal: Signal, transport: &'static str, count: u64, message: &str) {
        self.signal(signal).failed.fetch_add(count, Relaxed);
        self.remember(signal, transport, message);
    }

    fn remember(&self, signal: Signal, transport: &'static str, message: &str) {
        let time_unix_nano = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or_default();
        let mut recent = match self.recent_rejections.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        if recent.len() == RECENT_REJECTIONS {
            recent.pop_back();
        }
        recent.push_front(Rejection {
            time_unix_nano,
            signal,
            transport,
            message: message.chars().take(1000).collect(),
        });
    }

    /// A consistent-enough snapshot of all counters.
    pub fn snapshot(&self) -> IngestSnapshot {
        let recent_rejections = match self.recent_rejections.lock() {
            Ok(guard) => guard.iter().cloned().collect(),
            Err(poisoned) => poisoned.into_inner().iter().cloned().collect(),
        };
        IngestSnapshot {
            spans: self.spans.snapshot(),
            logs: self.logs.snapshot(),
            metric_points: self.metric_points.snapshot(),
            requests: self.requests.load(Relaxed),
            bad_requests: self.bad_requests.load(Relaxed),
            too_large: self.too_large.load(Relaxed),
            bytes_received: self.bytes_received.load(Relaxed),
            values_truncated: self.values_truncated.load(Relaxed),
            attributes_dropped: self.attributes_dropped.load(Relaxed),
            events_dropped: self.events_dropped.load(Relaxed),
            links_dropped: self.links_dropped.load(Relaxed),
            recent_rejections,
        }
    }
}
