//! The runner: processors on the caller's thread, then (optionally) the tail sampler, then the
//! outputs — a bounded queue to one writer thread that commits many requests per transaction and
//! only then acknowledges them, and / or forwarders to other OTLP backends.
//!
//! Acknowledgement: without sampling, an export is answered once its data is committed (or, with
//! no local store, queued for forwarding). With sampling, it is answered once the sampler holds
//! the data in its bounded buffer; kept traces are written later through the same writer.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use flightdeck_ingest::{Completer, Sink, SubmitError, Ticket};
use flightdeck_model::{LogRecord, Span};
use flightdeck_store::{WriteBatch, Writer};
use serde::{Deserialize, Serialize};

use crate::forward::{Encoded, ForwardConfig, ForwardStartError, Forwarder};
use crate::processor::Processor;
use crate::sample::{Released, TailSampler};
use crate::stats::PipelineStats;

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
    lost_after_ack: AtomicU64,
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
    /// Spans and log records whose export had already been acknowledged (traces the tail
    /// sampler kept) and whose write then failed. Expected 0.
    pub lost_after_ack: u64,
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
            lost_after_ack: self.lost_after_ack.load(Ordering::Relaxed),
        }
    }
}

struct Job {
    batch: WriteBatch,
    /// `None` for data that was acknowledged earlier (released by the tail sampler).
    completer: Option<Completer>,
}

/// What the runner runs between ingest and the store: processors in order, an optional tail
/// sampler, destinations to forward to, and whether to store locally. Built from configuration
/// by [`crate::PipelineConfig::build`], or by hand.
pub struct Pipeline {
    /// Processors, in order.
    pub processors: Vec<Box<dyn Processor>>,
    /// The tail sampler (last stage before the outputs).
    pub sampler: Option<TailSampler>,
    /// Destinations to forward the processed stream to.
    pub forward: Vec<ForwardConfig>,
    /// Write to the local store.
    pub store: bool,
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field(
                "processors",
                &self.processors.iter().map(|p| p.name()).collect::<Vec<_>>(),
            )
            .field("sampler", &self.sampler.is_some())
            .field("forward", &self.forward.len())
            .field("store", &self.store)
            .finish()
    }
}

/// Why the runner could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The store writer or sampler thread could not be started.
    #[error("failed to start a pipeline thread: {0}")]
    Thread(#[from] std::io::Error),
    /// A forwarder could not be started.
    #[error(transparent)]
    Forward(#[from] ForwardStartError),
    /// `store` is on but no store was given.
    #[error("the pipeline writes to the store but no store was given")]
    NoStore,
}

/// The store writer: a bounded queue to one thread.
struct StoreWriter {
    sender: Mutex<Option<SyncSender<Job>>>,
    handle: Mutex<Option<JoinHandle<()>>>,
    /// The store's indexed attributes, extracted while the rows are built.
    indexed_keys: Arc<[String]>,
}

/// Where processed data goes: the store writer and / or forwarders.
struct Output {
    writer: Option<StoreWriter>,
    forwarders: Vec<Arc<Forwarder>>,
    stats: Arc<WriterStats>,
    config: RunnerConfig,
}

impl Output {
    /// True when the writer queue is at its budget (new exports should be refused).
    fn backlogged(&self) -> bool {
        self.writer.is_some()
            && self.stats.queued.load(Ordering::Acquire) >= self.config.max_queued_items
    }

    /// Hands a batch to the writer. Client data (`completer` given) respects the queue budget
    /// and is refused when it is full; data acknowledged earlier is always taken (it is bounded
    /// by the sampler's own caps) and may wait for room.
    fn write(
        &self,
        writer: &StoreWriter,
        batch: WriteBatch,
        client: bool,
    ) -> Result<Ticket, SubmitError> {
        let items = batch.len();
        if items == 0 {
            return Ok(Ticket::done());
        }
        let queued = self.stats.queued.fetch_add(items, Ordering::AcqRel);
        // A single batch larger than the whole budget is still let in when the queue is empty, so
        // a big (but size-capped) request cannot be refused forever.
        if client && queued > 0 && queued + items > self.config.max_queued_items {
            self.stats.queued.fetch_sub(items, Ordering::AcqRel);
            return Err(SubmitError::Busy {
                retry_after: self.config.retry_after,
            });
        }
        let sender = lock(&writer.sender).clone();
        let refused = |stats: &WriterStats| {
            stats.queued.fetch_sub(items, Ordering::AcqRel);
        };
        let shutting_down = || SubmitError::Unavailable("server is shutting down".into());
        let Some(sender) = sender else {
            refused(&self.stats);
            if !client {
                self.stats
                    .lost_after_ack
                    .fetch_add(items as u64, Ordering::Relaxed);
            }
            return Err(shutting_down());
        };
        if client {
            let (completer, ticket) = Ticket::pending();
            match sender.try_send(Job {
                batch,
                completer: Some(completer),
            }) {
                Ok(()) => Ok(ticket),
                Err(TrySendError::Full(_)) => {
                    refused(&self.stats);
                    Err(SubmitError::Busy {
                        retry_after: self.config.retry_after,
                    })
                }
                Err(TrySendError::Disconnected(_)) => {
                    refused(&self.stats);
                    Err(shutting_down())
                }
            }
        } else {
            match sender.send(Job {
                batch,
                completer: None,
            }) {
                Ok(()) => Ok(Ticket::done()),
                Err(_) => {
                    refused(&self.stats);
                    self.stats
                        .lost_after_ack
                        .fetch_add(items as u64, Ordering::Relaxed);
                    Err(shutting_down())
                }
            }
        }
    }

    fn spans(&self, spans: Vec<Span>, client: bool) -> Result<Ticket, SubmitError> {
        if spans.is_empty() {
            return Ok(Ticket::done());
        }
        self.send(
            |keys| WriteBatch::from_spans_indexing(&spans, keys),
            || Encoded::traces(&spans),
            client,
        )
    }

    fn logs(&self, logs: Vec<LogRecord>, client: bool) -> Result<Ticket, SubmitError> {
        if logs.is_empty() {
            return Ok(Ticket::done());
        }
        self.send(
            |_| WriteBatch::from_logs(&logs),
            || Encoded::logs(&logs),
            client,
        )
    }

    /// Hands the data to the writer (rows built only when storing) and to every forwarder
    /// (encoded once, only when forwarding).
    fn send(
        &self,
        rows: impl FnOnce(&Arc<[String]>) -> WriteBatch,
        encoded: impl FnOnce() -> Encoded,
        client: bool,
    ) -> Result<Ticket, SubmitError> {
        let ticket = match &self.writer {
            Some(writer) => self.write(writer, rows(&writer.indexed_keys), client)?,
            None => Ticket::done(),
        };
        if !self.forwarders.is_empty() {
            let piece = encoded();
            for f in &self.forwarders {
                f.enqueue(piece.clone());
            }
        }
        Ok(ticket)
    }

    /// Passes on what the sampler released (already acknowledged to clients).
    fn release(&self, released: Released) {
        // Failures are counted in `lost_after_ack` by `write`.
        let _ = self.spans(released.spans, false);
        let _ = self.logs(released.logs, false);
    }

    fn closed(&self) -> bool {
        self.writer
            .as_ref()
            .is_some_and(|w| lock(&w.sender).is_none())
    }
}

/// Runs processors, the sampler and the outputs. Implements the ingest [`Sink`].
pub struct Runner {
    processors: Vec<Arc<dyn Processor>>,
    sampler: Option<Arc<TailSampler>>,
    output: Arc<Output>,
    ticker: Mutex<Option<(SyncSender<()>, JoinHandle<()>)>>,
    stopped: std::sync::atomic::AtomicBool,
}

impl Runner {
    /// Starts the writer thread over `store`, with processors only (no sampling, no forwarding).
    pub fn start(
        processors: Vec<Box<dyn Processor>>,
        store: Arc<dyn Writer>,
        config: RunnerConfig,
    ) -> std::io::Result<Arc<Runner>> {
        let pipeline = Pipeline {
            processors,
            sampler: None,
            forward: Vec::new(),
            store: true,
        };
        Runner::with_pipeline(pipeline, Some(store), config).map_err(std::io::Error::other)
    }

    /// Starts a whole pipeline: the store writer (when `pipeline.store`), the forwarders, and the
    /// sampler's ticker thread.
    pub fn with_pipeline(
        pipeline: Pipeline,
        store: Option<Arc<dyn Writer>>,
        config: RunnerConfig,
    ) -> Result<Arc<Runner>, StartError> {
        let stats = Arc::new(WriterStats::default());
        let mut forwarders = Vec::with_capacity(pipeline.forward.len());
        for (index, destination) in pipeline.forward.into_iter().enumerate() {
            forwarders.push(Forwarder::start(index, destination)?);
        }
        let writer = if pipeline.store {
            let store = store.ok_or(StartError::NoStore)?;
            let indexed_keys = store.indexed_attributes();
            // The item budget is the real bound; the channel only needs room for that many jobs.
            let (sender, receiver) = sync_channel(config.max_queued_items.clamp(1, 65_536));
            let handle = {
                let stats = Arc::clone(&stats);
                let max_rows = config.max_rows_per_commit.max(1);
                std::thread::Builder::new()
                    .name("flightdeck-writer".into())
                    .spawn(move || write_loop(receiver, store, stats, max_rows))?
            };
            Some(StoreWriter {
                sender: Mutex::new(Some(sender)),
                handle: Mutex::new(Some(handle)),
                indexed_keys,
            })
        } else {
            None
        };
        let output = Arc::new(Output {
            writer,
            forwarders,
            stats,
            config,
        });
        let sampler = pipeline.sampler.map(Arc::new);
        let ticker = match &sampler {
            None => None,
            Some(sampler) => {
                let (stop, stopped) = sync_channel::<()>(1);
                let sampler = Arc::clone(sampler);
                let output = Arc::clone(&output);
                let interval = sampler.config().tick_interval;
                let handle = std::thread::Builder::new()
                    .name("flightdeck-sampler".into())
                    .spawn(move || {
                        while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(interval) {
                            output.release(sampler.tick());
                        }
                    })?;
                Some((stop, handle))
            }
        };
        Ok(Arc::new(Runner {
            processors: pipeline.processors.into_iter().map(Arc::from).collect(),
            sampler,
            output,
            ticker: Mutex::new(ticker),
            stopped: std::sync::atomic::AtomicBool::new(false),
        }))
    }

    /// Writer counters.
    pub fn stats(&self) -> &Arc<WriterStats> {
        &self.output.stats
    }

    /// The processors, in order.
    pub fn processors(&self) -> &[Arc<dyn Processor>] {
        &self.processors
    }

    /// The tail sampler, when sampling is on.
    pub fn sampler(&self) -> Option<&Arc<TailSampler>> {
        self.sampler.as_ref()
    }

    /// A handle on every pipeline counter, for `GET /api/v1/pipeline`.
    pub fn pipeline_stats(&self) -> PipelineStats {
        PipelineStats::new(
            self.processors.clone(),
            self.sampler.clone(),
            self.output.forwarders.clone(),
            self.output.writer.is_some(),
        )
    }

    /// Stops accepting; decides every trace the sampler still holds (by its policies); writes
    /// everything queued; sends what the forwarders hold (within their shutdown timeouts); waits
    /// for all threads.
    pub fn shutdown(&self) {
        if self.stopped.swap(true, Ordering::AcqRel) {
            return;
        }
        let ticker = lock(&self.ticker).take();
        if let Some((stop, handle)) = ticker {
            drop(stop);
            if handle.join().is_err() {
                tracing::error!("the sampler thread panicked");
            }
        }
        if let Some(sampler) = &self.sampler {
            self.output.release(sampler.flush());
        }
        if let Some(writer) = &self.output.writer {
            lock(&writer.sender).take();
            if let Some(handle) = lock(&writer.handle).take()
                && handle.join().is_err()
            {
                tracing::error!("the writer thread panicked");
            }
        }
        for forwarder in &self.output.forwarders {
            forwarder.shutdown();
        }
    }
}

impl Sink for Runner {
    fn submit_spans(&self, mut spans: Vec<Span>) -> Result<Ticket, SubmitError> {
        if self.sampler.is_some() {
            self.admit()?;
        }
        for processor in &self.processors {
            processor.process_spans(&mut spans);
        }
        match &self.sampler {
            None => self.output.spans(spans, true),
            Some(sampler) => {
                self.output.release(sampler.accept(spans, Vec::new()));
                Ok(Ticket::done())
            }
        }
    }

    fn submit_logs(&self, mut logs: Vec<LogRecord>) -> Result<Ticket, SubmitError> {
        if self.sampler.is_some() {
            self.admit()?;
        }
        for processor in &self.processors {
            processor.process_logs(&mut logs);
        }
        match &self.sampler {
            None => self.output.logs(logs, true),
            Some(sampler) => {
                self.output.release(sampler.accept(Vec::new(), logs));
                Ok(Ticket::done())
            }
        }
    }
}

impl Runner {
    /// With sampling on, an export is acknowledged once the sampler holds it, so refuse it up
    /// front when the writer is backed up or the pipeline is stopping.
    fn admit(&self) -> Result<(), SubmitError> {
        if self.stopped.load(Ordering::Acquire) || self.output.closed() {
            return Err(SubmitError::Unavailable("server is shutting down".into()));
        }
        if self.output.backlogged() {
            return Err(SubmitError::Busy {
                retry_after: self.output.config.retry_after,
            });
        }
        Ok(())
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// Takes whatever is queued (up to `max_rows`), hands it to the store in one write (durable when
/// it returns), then answers every request in it. Runs until the channel closes and is drained.
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
        let (batches, completers): (Vec<WriteBatch>, Vec<Option<Completer>>) =
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
                let orphaned: usize = batches
                    .iter()
                    .zip(&completers)
                    .filter(|(_, c)| c.is_none())
                    .map(|(b, _)| b.len())
                    .sum();
                stats
                    .lost_after_ack
                    .fetch_add(orphaned as u64, Ordering::Relaxed);
                tracing::error!(error = %e, rows, orphaned, "write failed; clients were told to retry");
                Err(format!("storage write failed: {e}"))
            }
        };
        for completer in completers.into_iter().flatten() {
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

    fn sampled_pipeline(clock: &Arc<crate::sample::ManualClock>) -> Pipeline {
        use crate::sample::{Action, PolicyConfig, SampleConfig};
        let config = SampleConfig {
            decision_wait: Duration::from_secs(10),
            tick_interval: Duration::from_millis(5),
            policies: vec![
                PolicyConfig::Error {
                    name: None,
                    action: Action::Keep,
                },
                PolicyConfig::Probabilistic {
                    name: None,
                    rate: 0.0,
                },
            ],
            ..SampleConfig::default()
        };
        Pipeline {
            processors: vec![Box::new(crate::Normalize::default())],
            sampler: Some(
                TailSampler::new(&config, Arc::clone(clock) as Arc<dyn crate::sample::Clock>)
                    .unwrap(),
            ),
            forward: Vec::new(),
            store: true,
        }
    }

    fn error_trace(trace: u8, n: u8) -> Vec<Span> {
        let mut s = spans(n, trace);
        s[0].status.code = StatusCode::Error;
        s
    }

    /// With sampling on, an export is answered as soon as the sampler holds it; when the window
    /// ends (on the sampler's own ticker thread) the kept trace reaches the store through the
    /// writer, the dropped one never does.
    #[test]
    fn sampled_traces_reach_the_store_after_the_window() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(DuckDbStore::open(&StoreConfig::new(dir.path())).unwrap());
        let clock = Arc::new(crate::sample::ManualClock::default());
        let runner = Runner::with_pipeline(
            sampled_pipeline(&clock),
            Some(Arc::clone(&store) as Arc<dyn Writer>),
            RunnerConfig::default(),
        )
        .unwrap();
        let kept = runner.submit_spans(error_trace(1, 3)).unwrap();
        let dropped = runner.submit_spans(spans(4, 2)).unwrap();
        // Answered without waiting for a commit: nothing is written yet.
        futures_lite_block_on(kept.wait()).unwrap();
        futures_lite_block_on(dropped.wait()).unwrap();
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(store.counts().unwrap().spans, 0);
        clock.advance(Duration::from_secs(11));
        crate::forward::wait_until(
            "the kept trace to be written",
            Duration::from_secs(20),
            || runner.stats().snapshot().spans_written == 3,
        );
        let snap = runner.pipeline_stats().snapshot();
        let sampler = snap.sampler.unwrap();
        assert_eq!(sampler.counters.kept.spans, 3);
        assert_eq!(sampler.counters.dropped.spans, 4);
        runner.shutdown();
        assert_eq!(store.counts().unwrap().spans, 3);
        assert_eq!(
            store
                .trace(TraceId::from_array([1; 16]).unwrap())
                .unwrap()
                .len(),
            3
        );
    }

    /// Shutdown decides whatever the sampler still holds (by its policies, not "keep all") and
    /// writes the kept traces before the writer stops; afterwards exports are refused.
    #[test]
    fn shutdown_flushes_the_sampler() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(DuckDbStore::open(&StoreConfig::new(dir.path())).unwrap());
        let clock = Arc::new(crate::sample::ManualClock::default());
        let runner = Runner::with_pipeline(
            sampled_pipeline(&clock),
            Some(Arc::clone(&store) as Arc<dyn Writer>),
            RunnerConfig::default(),
        )
        .unwrap();
        runner.submit_spans(error_trace(1, 2)).unwrap();
        runner.submit_spans(spans(5, 2)).unwrap();
        runner.shutdown();
        assert_eq!(store.counts().unwrap().spans, 2);
        let sampler = runner.pipeline_stats().snapshot().sampler.unwrap();
        assert_eq!(sampler.counters.shutdown_decisions, 2);
        assert_eq!(sampler.counters.buffered.spans, 0);
        assert!(matches!(
            runner.submit_spans(spans(1, 3)),
            Err(SubmitError::Unavailable(_))
        ));
    }

    /// With sampling on, a backed-up writer makes new exports wait (429 with a retry hint)
    /// instead of growing memory.
    #[test]
    fn sampling_respects_writer_backpressure() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Gated {
            inner: DuckDbStore::open(&StoreConfig::new(dir.path())).unwrap(),
            open: Mutex::new(false),
            cv: Condvar::new(),
        });
        let clock = Arc::new(crate::sample::ManualClock::default());
        let runner = Runner::with_pipeline(
            sampled_pipeline(&clock),
            Some(Arc::clone(&store) as Arc<dyn Writer>),
            RunnerConfig {
                max_queued_items: 4,
                max_rows_per_commit: 100,
                retry_after: Duration::from_secs(2),
            },
        )
        .unwrap();
        runner.submit_spans(error_trace(1, 6)).unwrap();
        clock.advance(Duration::from_secs(11));
        crate::forward::wait_until(
            "the kept trace to be queued",
            Duration::from_secs(20),
            || runner.stats().snapshot().queued_items == 6,
        );
        match runner.submit_spans(spans(1, 2)) {
            Err(SubmitError::Busy { retry_after }) => {
                assert_eq!(retry_after, Duration::from_secs(2))
            }
            other => panic!("expected Busy, got {other:?}"),
        }
        store.open();
        crate::forward::wait_until("the writer to catch up", Duration::from_secs(20), || {
            runner.stats().snapshot().queued_items == 0
        });
        runner.submit_spans(spans(1, 2)).unwrap();
        runner.shutdown();
        assert_eq!(store.inner.counts().unwrap().spans, 6);
    }

    /// Polls a future to completion on this thread (tickets of the sampler path are ready).
    fn futures_lite_block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }
}
