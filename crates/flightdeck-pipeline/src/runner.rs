//! The runner: processors on the caller's thread, then a bounded queue to one writer thread that
//! commits many requests per transaction and only then acknowledges them.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use flightdeck_ingest::{Completer, Sink, SubmitError, Ticket};
use flightdeck_model::{LogRecord, Span};
use flightdeck_store::{WriteBatch, Writer};
use serde::{Deserialize, Serialize};

use crate::processor::Processor;

/// Settings of the runner.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RunnerConfig {
    /// Most spans and log records waiting for the writer; beyond it, exports are refused with a
    /// retry hint (HTTP 429 / gRPC UNAVAILABLE).
    pub max_queued_items: usize,
    /// Most rows the writer commits in one transaction.
    pub max_rows_per_commit: usize,
    /// The retry delay suggested to clients when the queue is full.
    #[serde(with = "humantime_serde")]
    pub retry_after: Duration,
}

impl Default for RunnerConfig {
    fn default() -> Self {
        RunnerConfig {
            max_queued_items: 200_000,
            max_rows_per_commit: 50_000,
            retry_after: Duration::from_secs(1),
        }
    }
}

/// Writer counters.
#[derive(Debug, Default)]
pub struct WriterStats {
    spans_written: AtomicU64,
    logs_written: AtomicU64,
    commits: AtomicU64,
    write_errors: AtomicU64,
    commit_nanos: AtomicU64,
    queued: AtomicUsize,
}

/// A snapshot of [`WriterStats`].
#[derive(Debug, Clone, Copy, Serialize)]
pub struct WriterSnapshot {
    /// Spans committed.
    pub spans_written: u64,
    /// Log records committed.
    pub logs_written: u64,
    /// Transactions committed.
    pub commits: u64,
    /// Failed transactions (their requests were answered with a retryable error).
    pub write_errors: u64,
    /// Total time spent writing, ms.
    pub write_time_ms: u64,
    /// Items waiting for the writer now.
    pub queued_items: usize,
}

impl WriterStats {
    /// A snapshot of the counters.
    pub fn snapshot(&self) -> WriterSnapshot {
        WriterSnapshot {
            spans_written: self.spans_written.load(Ordering::Relaxed),
            logs_written: self.logs_written.load(Ordering::Relaxed),
            commits: self.commits.load(Ordering::Relaxed),
            write_errors: self.write_errors.load(Ordering::Relaxed),
            write_time_ms: self.commit_nanos.load(Ordering::Relaxed) / 1_000_000,
            queued_items: self.queued.load(Ordering::Relaxed),
        }
    }
}

struct Job {
    batch: WriteBatch,
    completer: Completer,
}

/// Runs processors and feeds the store. Implements the ingest [`Sink`].
pub struct Runner {
    processors: Vec<Box<dyn Processor>>,
    config: RunnerConfig,
    sender: Mutex<Option<SyncSender<Job>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
    stats: Arc<WriterStats>,
}

impl Runner {
    /// Starts the writer thread over `store`.
    pub fn start(
        processors: Vec<Box<dyn Processor>>,
        store: Arc<dyn Writer>,
        config: RunnerConfig,
    ) -> std::io::Result<Arc<Runner>> {
        // The item budget is the real bound; the channel only needs room for that many jobs.
        let (sender, receiver) = sync_channel(config.max_queued_items.clamp(1, 65_536));
        let stats = Arc::new(WriterStats::default());
        let writer = {
            let stats = Arc::clone(&stats);
            let max_rows = config.max_rows_per_commit.max(1);
            std::thread::Builder::new()
                .name("flightdeck-writer".into())
                .spawn(move || write_loop(receiver, store, stats, max_rows))?
        };
        Ok(Arc::new(Runner {
            processors,
            config,
            sender: Mutex::new(Some(sender)),
            writer: Mutex::new(Some(writer)),
            stats,
        }))
    }

    /// Writer counters.
    pub fn stats(&self) -> &Arc<WriterStats> {
        &self.stats
    }

    /// The processors, in order.
    pub fn processors(&self) -> &[Box<dyn Processor>] {
        &self.processors
    }

    /// Stops accepting, writes everything queued, and waits for the writer to finish.
    pub fn shutdown(&self) {
        lock(&self.sender).take();
        if let Some(handle) = lock(&self.writer).take()
            && handle.join().is_err()
        {
            tracing::error!("the writer thread panicked");
        }
    }

    fn enqueue(&self, batch: WriteBatch) -> Result<Ticket, SubmitError> {
        let items = batch.len();
        if items == 0 {
            return Ok(Ticket::done());
        }
        let queued = self.stats.queued.fetch_add(items, Ordering::AcqRel);
        // A single batch larger than the whole budget is still let in when the queue is empty, so
        // a big (but size-capped) request cannot be refused forever.
        if queued > 0 && queued + items > self.config.max_queued_items {
            self.stats.queued.fetch_sub(items, Ordering::AcqRel);
            return Err(SubmitError::Busy {
                retry_after: self.config.retry_after,
            });
        }
        let (completer, ticket) = Ticket::pending();
        let sender = lock(&self.sender).clone();
        let refused = |stats: &WriterStats| {
            stats.queued.fetch_sub(items, Ordering::AcqRel);
        };
        match sender {
            None => {
                refused(&self.stats);
                Err(SubmitError::Unavailable("server is shutting down".into()))
            }
            Some(sender) => match sender.try_send(Job { batch, completer }) {
                Ok(()) => Ok(ticket),
                Err(TrySendError::Full(_)) => {
                    refused(&self.stats);
                    Err(SubmitError::Busy {
                        retry_after: self.config.retry_after,
                    })
                }
                Err(TrySendError::Disconnected(_)) => {
                    refused(&self.stats);
                    Err(SubmitError::Unavailable("server is shutting down".into()))
                }
            },
        }
    }
}

impl Sink for Runner {
    fn submit_spans(&self, mut spans: Vec<Span>) -> Result<Ticket, SubmitError> {
        for processor in &self.processors {
            processor.process_spans(&mut spans);
        }
        self.enqueue(WriteBatch::from_spans(&spans))
    }

    fn submit_logs(&self, mut logs: Vec<LogRecord>) -> Result<Ticket, SubmitError> {
        for processor in &self.processors {
            processor.process_logs(&mut logs);
        }
        self.enqueue(WriteBatch::from_logs(&logs))
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// Takes whatever is queued (up to `max_rows`), commits it in one transaction, then answers every
/// request in it. Runs until the channel closes and is drained.
fn write_loop(
    receiver: Receiver<Job>,
    store: Arc<dyn Writer>,
    stats: Arc<WriterStats>,
    max_rows: usize,
) {
    while let Ok(first) = receiver.recv() {
        let mut rows = first.batch.len();
        let mut jobs = vec![first];
        while rows < max_rows {
            match receiver.try_recv() {
                Ok(job) => {
                    rows += job.batch.len();
                    jobs.push(job);
                }
                Err(_) => break,
            }
        }
        let (batches, completers): (Vec<WriteBatch>, Vec<Completer>) =
            jobs.into_iter().map(|j| (j.batch, j.completer)).unzip();
        let spans: usize = batches.iter().map(|b| b.spans.len()).sum();
        let logs: usize = batches.iter().map(|b| b.logs.len()).sum();
        let started = Instant::now();
        let outcome = store.write(&batches);
        stats
            .commit_nanos
            .fetch_add(started.elapsed().as_nanos() as u64, Ordering::Relaxed);
        stats.queued.fetch_sub(rows, Ordering::AcqRel);
        let outcome = match outcome {
            Ok(()) => {
                stats.commits.fetch_add(1, Ordering::Relaxed);
                stats
                    .spans_written
                    .fetch_add(spans as u64, Ordering::Relaxed);
                stats.logs_written.fetch_add(logs as u64, Ordering::Relaxed);
                Ok(())
            }
            Err(e) => {
                stats.write_errors.fetch_add(1, Ordering::Relaxed);
                tracing::error!(error = %e, rows, "write failed; clients were told to retry");
                Err(format!("storage write failed: {e}"))
            }
        };
        for completer in completers {
            completer.complete(outcome.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Condvar, Mutex};

    use flightdeck_model::*;
    use flightdeck_store::{DuckDbStore, Store as _, StoreConfig};

    use super::*;

    /// A real DuckDB store whose writes wait until the test opens the gate, so the queue can be
    /// filled deterministically.
    struct Gated {
        inner: DuckDbStore,
        open: Mutex<bool>,
        cv: Condvar,
    }

    impl Gated {
        fn open(&self) {
            *self.open.lock().unwrap() = true;
            self.cv.notify_all();
        }
    }

    impl Writer for Gated {
        fn write(&self, batches: &[WriteBatch]) -> Result<(), flightdeck_store::StoreError> {
            let mut open = self.open.lock().unwrap();
            while !*open {
                open = self.cv.wait(open).unwrap();
            }
            drop(open);
            self.inner.write(batches)
        }
    }

    fn spans(n: u8, trace: u8) -> Vec<Span> {
        (1..=n)
            .map(|i| Span {
                trace_id: TraceId::from_array([trace; 16]).unwrap(),
                span_id: SpanId::from_array([i; 8]).unwrap(),
                parent_span_id: None,
                trace_state: String::new(),
                flags: 0,
                name: "op".into(),
                kind: SpanKind::Internal,
                start_time_unix_nano: 1,
                end_time_unix_nano: 2,
                attributes: Attributes::new(),
                dropped_attributes_count: 0,
                events: vec![],
                dropped_events_count: 0,
                links: vec![],
                dropped_links_count: 0,
                status: Status::default(),
                resource: Arc::default(),
                scope: Arc::default(),
                genai: GenAi::default(),
            })
            .collect()
    }

    /// Past the queue budget, submissions are refused at once with a retry hint; nothing already
    /// accepted is lost, and every accepted ticket resolves once the writer catches up.
    #[tokio::test]
    async fn full_queue_refuses_then_drains() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Gated {
            inner: DuckDbStore::open(&StoreConfig::new(dir.path())).unwrap(),
            open: Mutex::new(false),
            cv: Condvar::new(),
        });
        let config = RunnerConfig {
            max_queued_items: 10,
            max_rows_per_commit: 100,
            retry_after: Duration::from_secs(3),
        };
        let runner = Runner::start(vec![], Arc::clone(&store) as Arc<dyn Writer>, config).unwrap();
        let first = runner.submit_spans(spans(6, 1)).unwrap();
        let second = runner.submit_spans(spans(4, 2)).unwrap();
        match runner.submit_spans(spans(1, 3)) {
            Err(SubmitError::Busy { retry_after }) => {
                assert_eq!(retry_after, Duration::from_secs(3))
            }
            other => panic!("expected Busy, got {other:?}"),
        }
        assert_eq!(runner.stats().snapshot().queued_items, 10);
        store.open();
        first.wait().await.unwrap();
        second.wait().await.unwrap();
        let third = runner.submit_spans(spans(1, 3)).unwrap();
        third.wait().await.unwrap();
        runner.shutdown();
        assert_eq!(store.inner.counts().unwrap().spans, 11);
        assert_eq!(runner.stats().snapshot().queued_items, 0);
        assert!(matches!(
            runner.submit_spans(spans(1, 4)),
            Err(SubmitError::Unavailable(_))
        ));
    }
}
