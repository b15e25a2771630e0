//! Forwarding: sends the processed stream (after redaction and sampling) on to other OTLP
//! backends — Jaeger, Tempo, another collector, a vendor — over gRPC or HTTP.
//!
//! Each destination has its own bounded queue and worker thread: batches up to `batch_max_items`
//! or `batch_delay`, retries retryable failures with exponential backoff (honouring
//! `Retry-After`), and counts everything it cannot deliver. A destination that stays down fills
//! its queue; from then on its new data is dropped and counted, and neither the other
//! destinations nor ingest are slowed down.

mod client;
mod config;
pub mod otlp;
#[cfg(test)]
mod tests;

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use backon::BackoffBuilder as _;
use bytes::{Bytes, BytesMut};
use serde::Serialize;
use tokio::sync::mpsc;

pub use client::ForwardConfigError;
pub use config::{Compression, ForwardConfig, Protocol};

use client::{Client, Signal};

/// Counters of one destination, registered once at start.
#[derive(Debug, Default)]
pub struct ForwardStats {
    queued_items: AtomicUsize,
    spans_sent: AtomicU64,
    logs_sent: AtomicU64,
    requests: AtomicU64,
    retries: AtomicU64,
    rejected_spans: AtomicU64,
    rejected_logs: AtomicU64,
    dropped_queue_full: AtomicU64,
    dropped_failed: AtomicU64,
    dropped_shutdown: AtomicU64,
    last_error: Mutex<Option<String>>,
}

/// A snapshot of one destination's counters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForwardSnapshot {
    /// The destination's name.
    pub name: String,
    /// Its endpoint.
    pub endpoint: String,
    /// `grpc` or `http`.
    pub protocol: &'static str,
    /// Spans and log records waiting to be sent now.
    pub queued_items: u64,
    /// Spans delivered (accepted by the destination).
    pub spans_sent: u64,
    /// Log records delivered.
    pub logs_sent: u64,
    /// Export requests that succeeded.
    pub requests: u64,
    /// Retried attempts.
    pub retries: u64,
    /// Items the destination answered but rejected (`partial_success`).
    pub rejected: u64,
    /// Items dropped, by reason.
    pub dropped: Dropped,
    /// The most recent failure, if any.
    pub last_error: Option<String>,
}

/// Items a destination did not get, by reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Dropped {
    /// The queue was full (the destination was down or too slow).
    pub queue_full: u64,
    /// A permanent error, or retries ran out.
    pub failed: u64,
    /// Still queued when the shutdown timeout ran out.
    pub shutdown: u64,
}

impl ForwardStats {
    fn snapshot(&self, config: &ForwardConfig) -> ForwardSnapshot {
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        ForwardSnapshot {
            name: config.display_name().to_owned(),
            endpoint: config.endpoint.clone(),
            protocol: config.protocol.as_str(),
            queued_items: self.queued_items.load(Ordering::Relaxed) as u64,
            spans_sent: load(&self.spans_sent),
            logs_sent: load(&self.logs_sent),
            requests: load(&self.requests),
            retries: load(&self.retries),
            rejected: load(&self.rejected_spans) + load(&self.rejected_logs),
            dropped: Dropped {
                queue_full: load(&self.dropped_queue_full),
                failed: load(&self.dropped_failed),
                shutdown: load(&self.dropped_shutdown),
            },
            last_error: self
                .last_error
                .lock()
                .map(|e| e.clone())
                .unwrap_or_else(|p| p.into_inner().clone()),
        }
    }

    fn error(&self, message: String) {
        match self.last_error.lock() {
            Ok(mut e) => *e = Some(message),
            Err(p) => *p.into_inner() = Some(message),
        }
    }
}

/// One encoded piece of the stream: an `Export*ServiceRequest` in protobuf.
#[derive(Debug, Clone)]
pub struct Encoded {
    signal: Signal,
    body: Bytes,
    items: usize,
}

impl Encoded {
    /// Encodes spans once, to be shared by every destination.
    pub fn traces(spans: &[flightdeck_model::Span]) -> Encoded {
        use prost::Message as _;
        Encoded {
            signal: Signal::Traces,
            body: Bytes::from(otlp::traces_request(spans).encode_to_vec()),
            items: spans.len(),
        }
    }

    /// Encodes log records once, to be shared by every destination.
    pub fn logs(logs: &[flightdeck_model::LogRecord]) -> Encoded {
        use prost::Message as _;
        Encoded {
            signal: Signal::Logs,
            body: Bytes::from(otlp::logs_request(logs).encode_to_vec()),
            items: logs.len(),
        }
    }
}

/// Why a destination could not be started.
#[derive(Debug, thiserror::Error)]
pub enum ForwardStartError {
    /// The settings are invalid.
    #[error(transparent)]
    Config(#[from] ForwardConfigError),
    /// The worker thread or its runtime could not be created.
    #[error("failed to start the forwarder to {name}: {source}")]
    Thread {
        /// The destination.
        name: String,
        /// The OS error.
        source: std::io::Error,
    },
}

/// The shutdown signal: once set, the deadline after which nothing more is sent.
#[derive(Debug, Default)]
struct Stop {
    deadline: Mutex<Option<Instant>>,
    wake: tokio::sync::Notify,
}

impl Stop {
    fn deadline(&self) -> Option<Instant> {
        match self.deadline.lock() {
            Ok(d) => *d,
            Err(p) => *p.into_inner(),
        }
    }

    fn trigger(&self, timeout: Duration) {
        let at = Instant::now() + timeout;
        match self.deadline.lock() {
            Ok(mut d) => *d = Some(at),
            Err(p) => *p.into_inner() = Some(at),
        }
        // A stored permit wakes a retry sleep even if it starts after this call.
        self.wake.notify_one();
    }

    fn expired(&self) -> bool {
        self.deadline().is_some_and(|d| Instant::now() >= d)
    }
}

/// One destination: a bounded queue and a worker thread.
pub struct Forwarder {
    config: ForwardConfig,
    sender: Mutex<Option<mpsc::Sender<Encoded>>>,
    worker: Mutex<Option<JoinHandle<()>>>,
    stats: Arc<ForwardStats>,
    stop: Arc<Stop>,
}

impl std::fmt::Debug for Forwarder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Forwarder")
            .field("name", &self.config.display_name())
            .field("endpoint", &self.config.endpoint)
            .finish_non_exhaustive()
    }
}

/// Validates a list of destinations (names must be unique).
pub fn validate_all(configs: &[ForwardConfig]) -> Result<(), ForwardConfigError> {
    for (index, config) in configs.iter().enumerate() {
        client::validate(index, config)?;
        if configs[..index]
            .iter()
            .any(|c| c.display_name() == config.display_name())
        {
            return Err(ForwardConfigError::DuplicateName {
                index,
                name: config.display_name().to_owned(),
            });
        }
    }
    Ok(())
}

impl Forwarder {
    /// Validates the settings and starts the worker thread (`index` is the position in the
    /// configuration, for error messages).
    pub fn start(index: usize, config: ForwardConfig) -> Result<Arc<Forwarder>, ForwardStartError> {
        client::validate(index, &config)?;
        let name = config.display_name().to_owned();
        let thread_error = |source| ForwardStartError::Thread {
            name: name.clone(),
            source,
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(thread_error)?;
        // The channel counts requests; the item budget below is the real bound.
        let (sender, receiver) = mpsc::channel(config.queue_max_items.clamp(16, 65_536));
        let stats = Arc::new(ForwardStats::default());
        let stop = Arc::new(Stop::default());
        let worker = {
            let config = config.clone();
            let stats = Arc::clone(&stats);
            let stop = Arc::clone(&stop);
            std::thread::Builder::new()
                .name(format!("flightdeck-forward-{index}"))
                .spawn(move || runtime.block_on(run(config, receiver, stats, stop)))
                .map_err(thread_error)?
        };
        Ok(Arc::new(Forwarder {
            config,
            sender: Mutex::new(Some(sender)),
            worker: Mutex::new(Some(worker)),
            stats,
            stop,
        }))
    }

    /// The settings.
    pub fn config(&self) -> &ForwardConfig {
        &self.config
    }

    /// A snapshot of the counters.
    pub fn snapshot(&self) -> ForwardSnapshot {
        self.stats.snapshot(&self.config)
    }

    /// Queues an encoded piece without blocking; when the queue is full the piece is dropped and
    /// counted. Log pieces are skipped when the destination does not take logs.
    pub fn enqueue(&self, piece: Encoded) {
        if piece.items == 0 || (piece.signal == Signal::Logs && !self.config.logs) {
            return;
        }
        let stats = &self.stats;
        let queued = stats.queued_items.fetch_add(piece.items, Ordering::AcqRel);
        let full = |stats: &ForwardStats, items: usize| {
            stats.queued_items.fetch_sub(items, Ordering::AcqRel);
            stats
                .dropped_queue_full
                .fetch_add(items as u64, Ordering::Relaxed);
        };
        if queued > 0 && queued + piece.items > self.config.queue_max_items {
            full(stats, piece.items);
            return;
        }
        let sender = match self.sender.lock() {
            Ok(s) => s.clone(),
            Err(p) => p.into_inner().clone(),
        };
        let items = piece.items;
        match sender.map(|s| s.try_send(piece)) {
            Some(Ok(())) => {}
            Some(Err(mpsc::error::TrySendError::Full(_))) => full(stats, items),
            Some(Err(mpsc::error::TrySendError::Closed(_))) | None => {
                stats.queued_items.fetch_sub(items, Ordering::AcqRel);
                stats
                    .dropped_shutdown
                    .fetch_add(items as u64, Ordering::Relaxed);
            }
        }
    }

    /// Stops taking data, sends what is queued (for at most `shutdown_timeout`, then drops and
    /// counts the rest) and waits for the worker.
    pub fn shutdown(&self) {
        self.stop.trigger(self.config.shutdown_timeout);
        match self.sender.lock() {
            Ok(mut s) => drop(s.take()),
            Err(p) => drop(p.into_inner().take()),
        }
        let handle = match self.worker.lock() {
            Ok(mut w) => w.take(),
            Err(p) => p.into_inner().take(),
        };
        if let Some(handle) = handle
            && handle.join().is_err()
        {
            tracing::error!(destination = %self.config.display_name(), "the forwarder thread panicked");
        }
    }
}

/// A batch being filled.
struct Batch {
    body: BytesMut,
    items: usize,
    since: Option<Instant>,
}

impl Batch {
    fn new() -> Batch {
        Batch {
            body: BytesMut::new(),
            items: 0,
            since: None,
        }
    }

    fn add(&mut self, piece: &Encoded) {
        // Concatenated protobuf messages merge: the repeated resource_* fields append.
        self.body.extend_from_slice(&piece.body);
        self.items += piece.items;
        self.since.get_or_insert_with(Instant::now);
    }

    fn take(&mut self) -> (Bytes, usize) {
        self.since = None;
        let items = std::mem::take(&mut self.items);
        (std::mem::take(&mut self.body).freeze(), items)
    }
}

async fn run(
    config: ForwardConfig,
    mut receiver: mpsc::Receiver<Encoded>,
    stats: Arc<ForwardStats>,
    stop: Arc<Stop>,
) {
    let client = match Client::new(&config) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(destination = %config.display_name(), error = %e, "forwarder could not start; its data is dropped and counted");
            stats.error(e);
            while let Some(piece) = receiver.recv().await {
                stats.queued_items.fetch_sub(piece.items, Ordering::AcqRel);
                stats
                    .dropped_failed
                    .fetch_add(piece.items as u64, Ordering::Relaxed);
            }
            return;
        }
    };
    let mut traces = Batch::new();
    let mut logs = Batch::new();
    loop {
        // Wait for more data, or until the oldest batch is due.
        let next = match traces.since.into_iter().chain(logs.since).min() {
            None => receiver.recv().await.map(Some),
            Some(since) => {
                let due = since + config.batch_delay;
                match tokio::time::timeout_at(due.into(), receiver.recv()).await {
                    Ok(piece) => piece.map(Some),
                    Err(_) => Some(None),
                }
            }
        };
        let closed = match next {
            Some(Some(piece)) => {
                match piece.signal {
                    Signal::Traces => traces.add(&piece),
                    Signal::Logs => logs.add(&piece),
                }
                false
            }
            Some(None) => false,
            None => true,
        };
        for (signal, batch) in [(Signal::Traces, &mut traces), (Signal::Logs, &mut logs)] {
            let due = batch
                .since
                .is_some_and(|since| since.elapsed() >= config.batch_delay);
            if batch.items > 0 && (closed || due || batch.items >= config.batch_max_items) {
                let (body, items) = batch.take();
                deliver(&client, &config, &stats, &stop, signal, body, items).await;
            }
        }
        if closed {
            return;
        }
    }
}

/// Sends one batch, retrying retryable failures with backoff until `retry_max_elapsed` (or the
/// shutdown deadline) runs out; counts the outcome.
async fn deliver(
    client: &Client,
    config: &ForwardConfig,
    stats: &ForwardStats,
    stop: &Stop,
    signal: Signal,
    body: Bytes,
    items: usize,
) {
    let started = Instant::now();
    let mut backoff = backon::ExponentialBuilder::default()
        .with_min_delay(config.retry_initial_delay)
        .with_max_delay(config.retry_max_delay.max(config.retry_initial_delay))
        .with_factor(2.0)
        .with_jitter()
        .without_max_times()
        .build();
    let outcome = loop {
        if stop.expired() {
            break Err(None);
        }
        match client.send(signal, body.clone()).await {
            Ok(rejected) => break Ok(rejected),
            Err(e) => {
                let delay = e
                    .retry_after()
                    .or_else(|| backoff.next())
                    .unwrap_or(config.retry_max_delay);
                stats.error(e.to_string());
                if !e.retryable() || started.elapsed() + delay > config.retry_max_elapsed {
                    break Err(Some(e));
                }
                if stop.deadline().is_some_and(|d| Instant::now() + delay >= d) {
                    break Err(None);
                }
                stats.retries.fetch_add(1, Ordering::Relaxed);
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = stop.wake.notified() => {}
                }
            }
        }
    };
    stats.queued_items.fetch_sub(items, Ordering::AcqRel);
    match outcome {
        Ok(rejected) => {
            let rejected = rejected.min(items as u64);
            let delivered = items as u64 - rejected;
            stats.requests.fetch_add(1, Ordering::Relaxed);
            match signal {
                Signal::Traces => {
                    stats.spans_sent.fetch_add(delivered, Ordering::Relaxed);
                    stats.rejected_spans.fetch_add(rejected, Ordering::Relaxed);
                }
                Signal::Logs => {
                    stats.logs_sent.fetch_add(delivered, Ordering::Relaxed);
                    stats.rejected_logs.fetch_add(rejected, Ordering::Relaxed);
                }
            }
        }
        Err(None) => {
            stats
                .dropped_shutdown
                .fetch_add(items as u64, Ordering::Relaxed);
        }
        Err(Some(e)) => {
            tracing::warn!(destination = %config.display_name(), items, error = %e, "forwarding failed; the batch is dropped and counted");
            stats
                .dropped_failed
                .fetch_add(items as u64, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
pub(crate) fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}
