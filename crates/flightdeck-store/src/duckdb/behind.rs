//! Write-behind: a write is acknowledged once it is in the write-ahead log; one loader thread
//! moves acknowledged rows into DuckDB in large transactions.
//!
//! A writer encodes its batches into log records (compressed), waits for room under the pending
//! bound, appends the records to the log (fdatasync) and queues them as they are, compressed
//! (about 6× smaller than the rows in memory). The loader takes everything queued (up to
//! `max_rows_per_load`), decodes and appends it record by record in one transaction that also
//! records the sequence number of the last record, commits, and deletes log segments that are
//! fully loaded. DuckDB's cost per commit is high, so under load the transactions grow by
//! themselves. Reads wait until everything acknowledged before they began is loaded.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use backon::BackoffBuilder as _;

use super::{WriterState, lock, write};
use crate::StoreError;
use crate::rows::WriteBatch;
use crate::wal::{self, Log, Record, Scratch};

/// Bounds of the write-behind queue.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Most rows acknowledged but not loaded (queued or being loaded) before writers wait.
    pub max_pending_rows: usize,
    /// Most log bytes (compressed records) acknowledged but not loaded before writers wait.
    pub max_pending_bytes: usize,
    /// Most rows per loader transaction (a single larger write is still loaded whole).
    pub max_rows_per_load: usize,
    /// Log segments are rolled over past this size.
    pub segment_bytes: u64,
    /// The loader compacts the rollup's partial rows once nothing arrived for this long (so
    /// analytics after a burst read a compact rollup); `None`: only by the row thresholds.
    pub compact_when_idle: Option<Duration>,
}

/// What the loader does next.
enum Next {
    /// Load these.
    Load(Vec<Pending>),
    /// Nothing arrived for [`Limits::compact_when_idle`].
    Idle,
}

/// The log, the queue and the loader thread.
pub(crate) struct WriteBehind {
    shared: Arc<Shared>,
    log: Arc<Mutex<Log>>,
    loader: Mutex<Option<JoinHandle<()>>>,
    limits: Limits,
}

struct Shared {
    state: Mutex<State>,
    /// The loader waits here for records, stop or resume.
    work: Condvar,
    /// Writers (for room) and readers (for loaded records) wait here.
    progress: Condvar,
    load_errors: AtomicU64,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Pending>,
    /// Rows and log bytes acknowledged (or being appended) and not loaded yet.
    pending_rows: usize,
    pending_bytes: usize,
    /// Sequence number of the last record acknowledged.
    acked: u64,
    /// Sequence number of the last record committed to DuckDB.
    loaded: u64,
    /// The last load error, while the loader retries.
    failing: Option<String>,
    stop: bool,
    loader_gone: bool,
    /// Test hooks: hold the loader; stop it as if the process died.
    paused: bool,
    abandon: bool,
}

/// One acknowledged write, as its log records.
struct Pending {
    last_seq: u64,
    records: Vec<Record>,
    rows: usize,
    bytes: usize,
}

thread_local! {
    /// Encoding buffer of each writer thread, kept between writes.
    static SCRATCH: RefCell<Scratch> = const { RefCell::new(Scratch::new()) };
}

impl WriteBehind {
    /// Starts the loader over the writer connection. `loaded_seq` is what the database holds.
    pub(crate) fn start(
        log: Log,
        writer: Arc<Mutex<WriterState>>,
        loaded_seq: u64,
        limits: Limits,
    ) -> Result<WriteBehind, StoreError> {
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                acked: loaded_seq,
                loaded: loaded_seq,
                ..State::default()
            }),
            work: Condvar::new(),
            progress: Condvar::new(),
            load_errors: AtomicU64::new(0),
        });
        let log = Arc::new(Mutex::new(log));
        let handle = {
            let shared = Arc::clone(&shared);
            let log = Arc::clone(&log);
            std::thread::Builder::new()
                .name("flightdeck-loader".into())
                .spawn(move || run(&shared, &writer, &log, &limits))
                .map_err(|e| {
                    StoreError::Database(format!("failed to start the loader thread: {e}"))
                })?
        };
        Ok(WriteBehind {
            shared,
            log,
            loader: Mutex::new(Some(handle)),
            limits,
        })
    }

    /// Appends the batches to the log (durably) and queues the records for the loader; waits
    /// while the loader is more than the pending bound behind.
    pub(crate) fn write(&self, batches: &[WriteBatch]) -> Result<(), StoreError> {
        let rows: usize = batches.iter().map(WriteBatch::len).sum();
        if rows == 0 {
            return Ok(());
        }
        let mut records =
            SCRATCH.with(|scratch| Record::encode(batches, &mut scratch.borrow_mut()))?;
        let bytes = records.iter().map(Record::len).sum();
        self.shared.reserve(rows, bytes, &self.limits)?;
        let appended = {
            let mut log = lock(&self.log);
            log.append(&mut records).map(|last_seq| {
                // Queued under the log lock, so the queue is in sequence order.
                self.shared.enqueue(Pending {
                    last_seq,
                    records,
                    rows,
                    bytes,
                });
            })
        };
        if appended.is_err() {
            self.shared.release(rows, bytes);
        }
        appended
    }

    /// Waits until everything acknowledged before the call is loaded (read-your-writes). Returns
    /// early, without an error, when the loader is failing or stopped: reads then see what the
    /// database holds.
    pub(crate) fn wait_loaded(&self) {
        let _ = self.shared.wait_loaded();
    }

    /// Waits until everything acknowledged before the call is loaded; an error when it cannot
    /// be (the loader is failing or stopped).
    pub(crate) fn drain(&self) -> Result<(), StoreError> {
        self.shared.wait_loaded()
    }

    /// Loads everything queued, stops the loader and deletes the log segments when all of them
    /// are loaded. Later writes fail with [`StoreError::Closed`]. Idempotent.
    pub(crate) fn close(&self) -> Result<(), StoreError> {
        {
            let mut state = lock(&self.shared.state);
            state.stop = true;
            self.shared.work.notify_all();
            self.shared.progress.notify_all();
        }
        if let Some(handle) = lock(&self.loader).take()
            && handle.join().is_err()
        {
            tracing::error!("the loader thread panicked");
        }
        let loaded = {
            let state = lock(&self.shared.state);
            if state.loaded < state.acked {
                return Err(not_loaded(&state));
            }
            state.loaded
        };
        // Not under the state lock: writers take the log lock first. A record appended since
        // is above `loaded`, so its segment stays.
        let paths = lock(&self.log).take_all_if_loaded(loaded);
        wal::delete(paths);
        Ok(())
    }

    /// Failed load attempts since start (each is retried; the rows stay in the log).
    pub(crate) fn load_errors(&self) -> u64 {
        self.shared.load_errors.load(Ordering::Relaxed)
    }

    /// Holds (or releases) the loader: acknowledged writes stay queued and in the log.
    #[cfg(test)]
    pub(crate) fn pause(&self, paused: bool) {
        lock(&self.shared.state).paused = paused;
        self.shared.work.notify_all();
        self.shared.progress.notify_all();
    }

    /// Stops the loader without loading what is queued, as if the process died.
    #[cfg(test)]
    pub(crate) fn abandon(&self) {
        lock(&self.shared.state).abandon = true;
        self.shared.work.notify_all();
        if let Some(handle) = lock(&self.loader).take() {
            let _ = handle.join();
        }
    }
}

impl Shared {
    /// Counts a write against the pending bound, waiting for room first. A write larger than the
    /// whole bound is let in when nothing is pending.
    fn reserve(&self, rows: usize, bytes: usize, limits: &Limits) -> Result<(), StoreError> {
        let mut state = lock(&self.state);
        loop {
            if state.stop {
                return Err(StoreError::Closed);
            }
            if state.loader_gone {
                return Err(not_loaded(&state));
            }
            let fits = state.pending_rows + rows <= limits.max_pending_rows
                && state.pending_bytes + bytes <= limits.max_pending_bytes;
            if fits || state.pending_rows == 0 {
                break;
            }
            state = wait(&self.progress, state);
        }
        state.pending_rows += rows;
        state.pending_bytes += bytes;
        Ok(())
    }

    /// Gives back what [`Shared::reserve`] counted (the log append failed).
    fn release(&self, rows: usize, bytes: usize) {
        let mut state = lock(&self.state);
        state.pending_rows -= rows;
        state.pending_bytes -= bytes;
        self.progress.notify_all();
    }

    fn enqueue(&self, pending: Pending) {
        let mut state = lock(&self.state);
        state.acked = pending.last_seq;
        state.queue.push_back(pending);
        self.work.notify_one();
    }

    fn wait_loaded(&self) -> Result<(), StoreError> {
        let mut state = lock(&self.state);
        let target = state.acked;
        while state.loaded < target
            && state.failing.is_none()
            && !state.loader_gone
            && !state.paused
        {
            state = wait(&self.progress, state);
        }
        if state.loaded < target {
            return Err(not_loaded(&state));
        }
        Ok(())
    }

    /// The loader's next transaction: everything queued up to `max_rows` (at least one write);
    /// `None` when it should exit.
    fn next_load(&self, max_rows: usize, idle: Option<Duration>) -> Option<Next> {
        let mut state = lock(&self.state);
        let mut idle = idle;
        loop {
            if state.abandon {
                return None;
            }
            if !state.queue.is_empty() && (!state.paused || state.stop) {
                break;
            }
            if state.stop {
                return None;
            }
            match idle.take() {
                None => state = wait(&self.work, state),
                Some(timeout) => {
                    let (guard, waited) = match self.work.wait_timeout(state, timeout) {
                        Ok(r) => r,
                        Err(poisoned) => poisoned.into_inner(),
                    };
                    state = guard;
                    if waited.timed_out() && state.queue.is_empty() && !state.stop {
                        return Some(Next::Idle);
                    }
                }
            }
        }
        let mut rows = 0;
        let mut taken = Vec::new();
        while let Some(front) = state.queue.front() {
            if !taken.is_empty() && rows + front.rows > max_rows {
                break;
            }
            rows += front.rows;
            taken.extend(state.queue.pop_front());
        }
        Some(Next::Load(taken))
    }

    fn loaded(&self, last_seq: u64, rows: usize, bytes: usize) {
        let mut state = lock(&self.state);
        state.loaded = last_seq;
        state.pending_rows -= rows;
        state.pending_bytes -= bytes;
        state.failing = None;
        self.progress.notify_all();
    }
}

fn not_loaded(state: &State) -> StoreError {
    StoreError::Database(format!(
        "{} acknowledged rows are in the write-ahead log but not loaded into the database ({}); \
         they are loaded at the next start",
        state.pending_rows,
        state.failing.as_deref().unwrap_or("the loader is stopped")
    ))
}

fn wait<'a>(condvar: &Condvar, guard: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
    match condvar.wait(guard) {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// Marks the loader gone when its thread ends, however it ends, and wakes everyone waiting.
struct Gone<'a>(&'a Shared);

impl Drop for Gone<'_> {
    fn drop(&mut self) {
        lock(&self.0.state).loader_gone = true;
        self.0.work.notify_all();
        self.0.progress.notify_all();
    }
}

/// The loader thread.
fn run(shared: &Shared, writer: &Mutex<WriterState>, log: &Mutex<Log>, limits: &Limits) {
    let _gone = Gone(shared);
    // Waits for idleness only when there is something to compact.
    let mut compact_pending = true;
    while let Some(next) = shared.next_load(
        limits.max_rows_per_load,
        limits.compact_when_idle.filter(|_| compact_pending),
    ) {
        let taken = match next {
            Next::Load(taken) => taken,
            Next::Idle => {
                lock(writer).compact_rollup();
                compact_pending = false;
                continue;
            }
        };
        compact_pending = true;
        let Some(last_seq) = taken.last().map(|p| p.last_seq) else {
            continue;
        };
        let rows = taken.iter().map(|p| p.rows).sum();
        let bytes = taken.iter().map(|p| p.bytes).sum();
        let records: Vec<&Record> = taken.iter().flat_map(|p| &p.records).collect();
        let started = std::time::Instant::now();
        let Some(rollup_rows) = load(shared, writer, &records, last_seq, rows) else {
            return;
        };
        tracing::debug!(rows, bytes, last_seq, elapsed = ?started.elapsed(), "loaded");
        // The segments go before readers are told, so whoever waited for these rows also sees
        // the log without them; compaction comes after, so it does not hold readers up.
        wal::delete(lock(log).take_loaded(last_seq));
        shared.loaded(last_seq, rows, bytes);
        lock(writer).rollup_written(rollup_rows);
    }
}

/// Commits one transaction, retrying with backoff while it fails. Returns the partial rollup
/// rows written, or `None` when it gave up because the store is stopping (the rows stay in the
/// log for the next start).
fn load(
    shared: &Shared,
    writer: &Mutex<WriterState>,
    records: &[&Record],
    last_seq: u64,
    rows: usize,
) -> Option<u64> {
    let mut backoff = backon::ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(100))
        .with_max_delay(Duration::from_secs(10))
        .with_factor(2.0)
        .with_jitter()
        .without_max_times()
        .build();
    loop {
        let result = {
            let mut writer = lock(writer);
            load_once(&mut writer, records, last_seq, rows)
        };
        let e = match result {
            Ok(rollup_rows) => return Some(rollup_rows),
            Err(e) => e,
        };
        shared.load_errors.fetch_add(1, Ordering::Relaxed);
        let delay = backoff.next().unwrap_or(Duration::from_secs(10));
        let mut state = lock(&shared.state);
        state.failing = Some(e.to_string());
        shared.progress.notify_all();
        if state.stop || state.abandon {
            tracing::error!(
                error = %e,
                rows,
                "loading acknowledged rows into the database failed while stopping; they stay in \
                 the write-ahead log and are loaded at the next start"
            );
            return None;
        }
        tracing::error!(
            error = %e,
            rows,
            retry_in = ?delay,
            "loading acknowledged rows into the database failed; retrying (they are safe in the \
             write-ahead log)"
        );
        let _ = shared.work.wait_timeout(state, delay);
    }
}

/// One transaction: every record decoded and appended in turn, then committed with `last_seq`.
/// Returns the partial rollup rows written (the caller compacts the rollup when enough
/// accumulated). A load of [`BULK_ROWS`] or more runs with DuckDB single-threaded (see
/// [`WriterState::single_threaded`]).
fn load_once(
    writer: &mut WriterState,
    records: &[&Record],
    last_seq: u64,
    rows: usize,
) -> Result<u64, StoreError> {
    let load = |writer: &mut WriterState| {
        let mut transaction = write::Transaction::begin(&writer.raw, &writer.indexed)?;
        for record in records {
            transaction.append(&writer.known_resources, &record.decode()?)?;
        }
        transaction.commit(&mut writer.known_resources, last_seq)
    };
    if rows >= BULK_ROWS {
        writer.single_threaded(load)
    } else {
        load(writer)
    }
}

/// Loads of at least this many rows run single-threaded: smaller ones give DuckDB's workers
/// little to do.
const BULK_ROWS: usize = 40_000;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::sync::mpsc;

    use super::*;
    use crate::duckdb::{DuckDbStore, StoreConfig};
    use crate::{Store as _, Writer as _, test_util};

    fn config(dir: &tempfile::TempDir) -> StoreConfig {
        StoreConfig::new(dir.path())
    }

    fn open(dir: &tempfile::TempDir) -> DuckDbStore {
        DuckDbStore::open(&config(dir)).unwrap()
    }

    fn segments(dir: &tempfile::TempDir) -> usize {
        std::fs::read_dir(wal::log_dir(dir.path()))
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "wal")
            })
            .count()
    }

    /// Counts rows straight from the database file, with DuckDB itself.
    fn in_file(dir: &tempfile::TempDir) -> (i64, i64, i64) {
        let conn = duckdb::Connection::open(config(dir).database_path()).unwrap();
        conn.query_row(
            "SELECT (SELECT count(*) FROM spans), \
             (SELECT count(DISTINCT (trace_id, span_id)) FROM spans), (SELECT count(*) FROM logs)",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .unwrap()
    }

    /// A load large enough to run single-threaded gives DuckDB its configured threads back.
    #[test]
    fn a_bulk_load_gives_duckdb_its_threads_back() {
        let dir = tempfile::tempdir().unwrap();
        let store = DuckDbStore::open(&StoreConfig {
            threads: 2,
            ..config(&dir)
        })
        .unwrap();
        let batch = test_util::batch(BULK_ROWS, 1);
        assert!(batch.len() >= BULK_ROWS);
        store.write(std::slice::from_ref(&batch)).unwrap();
        assert_eq!(store.counts().unwrap().spans, batch.spans.len() as u64);
        let threads: i64 = store
            .with_reader(|conn| {
                Ok(conn.query_row("SELECT current_setting('threads')", [], |row| row.get(0))?)
            })
            .unwrap();
        assert_eq!(threads, 2);
    }

    /// A read right after a write sees it: counts, the trace, its summary.
    #[test]
    fn reads_see_acknowledged_writes() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&dir);
        for round in 1..=5u64 {
            let batch = test_util::batch(40, round);
            store.write(std::slice::from_ref(&batch)).unwrap();
            let trace_id = flightdeck_model::TraceId::from_int(batch.spans[0].trace_id).unwrap();
            let in_trace = batch
                .spans
                .iter()
                .filter(|s| s.trace_id == batch.spans[0].trace_id)
                .count();
            assert_eq!(store.trace(trace_id).unwrap().len(), in_trace);
            let counts = store.counts().unwrap();
            assert!(counts.spans >= 40 * round && counts.logs == 3 * round);
            assert_eq!(counts.load_errors, 0);
        }
    }

    /// A crash before the loader committed: every acknowledged row is in the database after the
    /// restart, exactly once, including the rows whose record was already loaded but still in
    /// the log, and the log is deleted once loaded.
    #[test]
    fn acknowledged_writes_survive_a_crash_exactly_once() {
        let dir = tempfile::tempdir().unwrap();
        let batches: Vec<WriteBatch> = (1..=4).map(|i| test_util::batch(50, i)).collect();
        let spans: usize = batches.iter().map(|b| b.spans.len()).sum();
        let store = open(&dir);
        store.write(&batches[..1]).unwrap();
        store.counts().unwrap(); // the first write is loaded; its record stays in the active segment
        store.behind.pause(true);
        store.write(&batches[1..3]).unwrap();
        store.write(&batches[3..]).unwrap();
        store.behind.abandon();
        drop(store);
        assert_eq!(in_file(&dir).0, batches[0].spans.len() as i64);
        assert_eq!(segments(&dir), 1);

        let store = open(&dir);
        assert_eq!(segments(&dir), 0, "replayed segments are deleted");
        let counts = store.counts().unwrap();
        assert_eq!(counts.spans, spans as u64);
        assert_eq!(counts.logs, 12);
        drop(store);
        let (rows, distinct, logs) = in_file(&dir);
        assert_eq!((rows, distinct, logs), (spans as i64, spans as i64, 12));

        // Nothing is loaded twice by a second restart; writing continues after the replayed
        // sequence numbers.
        let store = open(&dir);
        store.write(&batches[..1]).unwrap();
        assert_eq!(
            store.counts().unwrap().spans,
            (spans + batches[0].spans.len()) as u64
        );
    }

    /// Partial rollup rows are merged once writes pause (far below the row thresholds).
    #[test]
    fn the_rollup_is_compacted_when_idle() {
        let dir = tempfile::tempdir().unwrap();
        let mut limits = config(&dir).limits();
        limits.compact_when_idle = Some(Duration::from_millis(100));
        let store = DuckDbStore::open_with(&config(&dir), limits).unwrap();
        for i in 1..=4 {
            store.write(&[test_util::batch(50, i)]).unwrap();
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        let (partial, compacted) = loop {
            let counts = store
                .with_reader(|c| {
                    Ok(c.query_row(
                        "SELECT count(*) FILTER (WHERE NOT compacted), \
                         count(*) FILTER (WHERE compacted) FROM genai_rollup",
                        [],
                        |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)),
                    )?)
                })
                .unwrap();
            if counts.0 == 0 || std::time::Instant::now() > deadline {
                break counts;
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        assert_eq!(partial, 0, "partial rollup rows left");
        assert!(compacted > 0);
    }

    /// A replay larger than one loader transaction is loaded in several, each recording how far
    /// it got.
    #[test]
    fn replay_is_loaded_in_bounded_transactions() {
        let dir = tempfile::tempdir().unwrap();
        let mut limits = config(&dir).limits();
        limits.max_rows_per_load = 60;
        let store = DuckDbStore::open_with(&config(&dir), limits).unwrap();
        store.behind.pause(true);
        let mut spans = 0;
        for i in 1..=5 {
            let batch = test_util::batch(50, i);
            spans += batch.spans.len();
            store.write(&[batch]).unwrap();
        }
        store.behind.abandon();
        drop(store);
        let store = DuckDbStore::open_with(&config(&dir), limits).unwrap();
        assert_eq!(store.counts().unwrap().spans, spans as u64);
        let loaded: String = lock(&store.base)
            .query_row(
                "SELECT value FROM meta WHERE key = 'wal_loaded_seq'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(loaded, "5");
    }

    /// Closing loads everything, deletes the log and refuses later writes; segments rolled over
    /// while running are deleted as soon as they are loaded.
    #[test]
    fn loaded_segments_are_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let mut limits = config(&dir).limits();
        limits.segment_bytes = 1;
        let store = DuckDbStore::open_with(&config(&dir), limits).unwrap();
        for i in 1..=4 {
            store.write(&[test_util::batch(10, i)]).unwrap();
            store.counts().unwrap();
        }
        // Every write rolled over to a new segment; the loaded, sealed ones are gone.
        assert_eq!(segments(&dir), 1);
        store.close().unwrap();
        assert_eq!(segments(&dir), 0);
        assert!(matches!(
            store.write(&[test_util::batch(10, 9)]),
            Err(StoreError::Closed)
        ));
        assert!(store.counts().unwrap().spans >= 40);
    }

    /// Past the pending bound, a write waits until the loader catches up; nothing is refused or
    /// lost.
    #[test]
    fn writes_wait_for_room() {
        let dir = tempfile::tempdir().unwrap();
        let mut limits = config(&dir).limits();
        limits.max_pending_rows = 10;
        let store = Arc::new(DuckDbStore::open_with(&config(&dir), limits).unwrap());
        store.behind.pause(true);
        // Larger than the bound, but nothing is pending.
        store.write(&[test_util::batch(20, 1)]).unwrap();
        let (done, finished) = mpsc::channel();
        let writer = {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                let result = store.write(&[test_util::batch(5, 2)]);
                done.send(()).unwrap();
                result
            })
        };
        assert!(
            finished.recv_timeout(Duration::from_millis(300)).is_err(),
            "the second write must wait while the loader is held"
        );
        store.behind.pause(false);
        finished.recv().unwrap();
        writer.join().unwrap().unwrap();
        assert_eq!(store.counts().unwrap().logs, 6);
    }

    /// A failing load is retried with backoff and counted, reads do not hang meanwhile, and the
    /// rows arrive once the database accepts them; when the store is closed while loads fail,
    /// the rows stay in the log and are loaded at the next start.
    #[test]
    fn failed_loads_are_retried_then_replayed() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&dir);
        let base = |sql: &str| lock(&store.base).execute_batch(sql).unwrap();
        base("ALTER TABLE logs RENAME TO logs_away");
        let batch = test_util::batch(10, 1);
        store.write(std::slice::from_ref(&batch)).unwrap();
        while store.behind.load_errors() < 2 {
            std::thread::sleep(Duration::from_millis(20));
        }
        let trace_id = flightdeck_model::TraceId::from_int(batch.spans[0].trace_id).unwrap();
        assert!(
            store.trace(trace_id).unwrap().is_empty(),
            "reads answer while loads fail"
        );
        assert!(store.checkpoint().is_err(), "a checkpoint cannot drain");
        base("ALTER TABLE logs_away RENAME TO logs");
        // The next retry succeeds (until then, draining reports the failure).
        while store.behind.drain().is_err() {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(store.counts().unwrap().logs, 3);
        assert!(store.counts().unwrap().load_errors >= 2);

        base("ALTER TABLE logs RENAME TO logs_away");
        store.write(&[test_util::batch(10, 2)]).unwrap();
        assert!(
            store.close().is_err(),
            "close reports rows it could not load"
        );
        drop(store);
        let conn = duckdb::Connection::open(config(&dir).database_path()).unwrap();
        conn.execute_batch("ALTER TABLE logs_away RENAME TO logs")
            .unwrap();
        drop(conn);
        let store = open(&dir);
        assert_eq!(store.counts().unwrap().logs, 6);
    }
}
