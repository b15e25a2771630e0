//! The embedded DuckDB backend: one database file in the data directory, one writer connection,
//! a small pool of reader connections (DuckDB's MVCC lets readers run while the writer appends).
//!
//! Writes are acknowledged once they are in Flightdeck's own write-ahead log (`wal/` in the data
//! directory); a loader thread owns the writer connection and appends them in large
//! transactions (see [`behind`]). Reads first wait for what was acknowledged before them.

mod analytics;
mod behind;
mod indexed;
mod raw;
mod read;
mod reprice;
mod rollup;
mod schema;
mod sql;
mod write;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use duckdb::Connection;
use flightdeck_model::{LogRecord, Span, SpanId, TraceId};
use serde::{Deserialize, Serialize};

use crate::query::*;
use crate::rows::WriteBatch;
use crate::{Store, StoreError, wal};
use indexed::Indexed;
use raw::{RawConnection, RawDatabase};

/// Settings of the embedded store.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// Directory holding the database; created on first start.
    pub data_dir: PathBuf,
    /// DuckDB memory limit, e.g. `512MB` (DuckDB's own default is 80% of RAM, too much for a
    /// sidecar).
    pub memory_limit: String,
    /// DuckDB worker threads for queries (0 = one per core).
    pub threads: usize,
    /// Most rows acknowledged (in the write-ahead log) but not yet loaded into the database;
    /// beyond it writes wait, and the pipeline refuses exports with a retry hint. The loader
    /// commits up to half of it per transaction: under load, transactions of two DuckDB row
    /// groups (the default) cost about half as much per row as ones under one row group.
    pub max_pending_rows: usize,
    /// Most bytes of write-ahead log records (compressed, as they are queued in memory)
    /// acknowledged but not yet loaded: bounds memory when rows are large.
    pub max_pending_bytes: usize,
    /// Attribute keys to index (at most 8): each gets a typed column and a
    /// rollup dimension, so analytics grouped or filtered by it and trace search by it do not
    /// read every span's attributes. For low-cardinality keys such as `tenant.id` or
    /// `deployment.environment`; the value is the span's attribute, else its resource's.
    pub indexed_attributes: Vec<String>,
}

/// Rows in one DuckDB row group. A transaction appending at least this many writes them
/// compressed straight into the database file; smaller ones go through DuckDB's own log and are
/// compressed again at each checkpoint while their row group fills.
const ROW_GROUP_ROWS: usize = 122_880;

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            data_dir: PathBuf::from("flightdeck-data"),
            memory_limit: "512MB".into(),
            threads: 0,
            max_pending_rows: 4 * ROW_GROUP_ROWS,
            max_pending_bytes: 128 << 20,
            indexed_attributes: Vec::new(),
        }
    }
}

impl StoreConfig {
    /// Default settings with the given data directory.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        StoreConfig {
            data_dir: data_dir.into(),
            ..StoreConfig::default()
        }
    }

    /// The database file inside the data directory.
    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("flightdeck.duckdb")
    }

    /// The write-ahead log directory inside the data directory.
    pub fn log_dir(&self) -> PathBuf {
        crate::wal::log_dir(&self.data_dir)
    }

    fn limits(&self) -> behind::Limits {
        let max_pending_rows = self.max_pending_rows.max(1);
        behind::Limits {
            max_pending_rows,
            max_pending_bytes: self.max_pending_bytes.max(1),
            max_rows_per_load: (max_pending_rows / 2).max(1),
            segment_bytes: wal::SEGMENT_BYTES,
            compact_when_idle: Some(std::time::Duration::from_secs(1)),
        }
    }
}

/// The embedded DuckDB store.
pub struct DuckDbStore {
    path: PathBuf,
    log_dir: PathBuf,
    /// The writer connection: the loader's, borrowed between its transactions by checkpoints and
    /// re-pricing.
    writer: Arc<Mutex<WriterState>>,
    behind: behind::WriteBehind,
    /// The indexed attributes (fixed while the store is open).
    indexed: Indexed,
    readers: Mutex<Vec<Connection>>,
    base: Mutex<Connection>,
    /// The database handle: connections are made from it (dropped last).
    _database: Arc<RawDatabase>,
}

struct WriterState {
    conn: Connection,
    /// The same database through the C API directly: the loader's transactions and appenders.
    raw: RawConnection,
    /// The slots of the indexed attributes.
    indexed: Indexed,
    known_resources: HashSet<u64>,
    /// Partial rollup rows written since the last compaction.
    rollup_pending: u64,
    /// Rows in the rollup after the last compaction.
    rollup_rows: u64,
    /// DuckDB's worker thread setting, restored after [`WriterState::single_threaded`].
    threads: i64,
}

/// The rollup is compacted once this many partial rows were written, or as many as it had
/// after the last compaction if that is more (so merging costs a bounded amount per row
/// written, even when every commit touches old buckets).
const COMPACT_ROLLUP_AFTER: u64 = 100_000;

impl WriterState {
    /// Runs `f` with DuckDB limited to one thread, then gives the configured threads back.
    ///
    /// A large load's inserts and compression otherwise spread over DuckDB's workers; on a small
    /// machine those compete with ingest for the same cores and spend time handing work back
    /// and forth (measured on 2 cores: 15-20% less server CPU per span with this). The setting
    /// is database-wide, so queries running meanwhile get one thread too; they get all of them
    /// back when the load commits.
    pub(super) fn single_threaded<T>(
        &mut self,
        f: impl FnOnce(&mut WriterState) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        if self.threads <= 1 {
            return f(self);
        }
        self.conn.execute_batch("SET threads = 1")?;
        let result = f(self);
        // Not an error of `f`: its outcome (a commit, say) stands either way.
        if let Err(e) = self
            .conn
            .execute_batch(&format!("SET threads = {}", self.threads))
        {
            tracing::warn!(error = %e, "DuckDB kept one thread after a load");
        }
        result
    }

    /// Counts `added` partial rollup rows just committed and compacts the rollup when enough
    /// accumulated. The spans are committed whatever happens here; a failed compaction is
    /// retried later.
    pub(super) fn rollup_written(&mut self, added: u64) {
        self.rollup_pending += added;
        if self.rollup_pending >= COMPACT_ROLLUP_AFTER.max(self.rollup_rows) {
            self.compact_rollup();
        }
    }

    /// Compacts the rollup when it has partial rows; a failure is logged and retried later.
    pub(super) fn compact_rollup(&mut self) {
        if self.rollup_pending == 0 {
            return;
        }
        let started = std::time::Instant::now();
        match rollup::compact(&self.conn) {
            Ok(rows) => {
                tracing::debug!(partial = self.rollup_pending, rows, elapsed = ?started.elapsed(), "rollup compacted");
                self.rollup_pending = 0;
                self.rollup_rows = rows;
            }
            Err(e) => {
                tracing::warn!(error = %e, "rollup compaction failed");
                self.rollup_pending = COMPACT_ROLLUP_AFTER.max(self.rollup_rows) / 2;
            }
        }
    }
}

impl DuckDbStore {
    /// Opens (creating if needed) the database in `config.data_dir` and brings its schema up to
    /// date.
    pub fn open(config: &StoreConfig) -> Result<Self, StoreError> {
        Self::open_with(config, config.limits())
    }

    fn open_with(config: &StoreConfig, limits: behind::Limits) -> Result<Self, StoreError> {
        std::fs::create_dir_all(&config.data_dir).map_err(|source| StoreError::DataDir {
            path: config.data_dir.display().to_string(),
            source,
        })?;
        let path = config.database_path();
        let mut settings = vec![("max_memory", config.memory_limit.clone())];
        if config.threads > 0 {
            settings.push(("threads", config.threads.to_string()));
        }
        indexed::check(&config.indexed_attributes)?;
        let database = Arc::new(RawDatabase::open(&path, &settings)?);
        let base = database.connection()?;
        migrate(&base)?;
        let conn = base.try_clone()?;
        let known_resources = read::resource_ids(&conn)?;
        let mut writer = WriterState {
            indexed: Indexed::load(&conn)?,
            conn,
            raw: database.raw_connection()?,
            known_resources,
            rollup_pending: 0,
            rollup_rows: 0,
            threads: base.query_row("SELECT current_setting('threads')", [], |row| row.get(0))?,
        };
        // The log holds rows of the previous run: loaded with that run's indexed attributes
        // (the rows carry their keys), then brought in line with this configuration.
        let (log, loaded_seq) = replay(config, &mut writer, &limits)?;
        writer.indexed = indexed::sync(&writer.conn, &config.indexed_attributes)?;
        writer.rollup_pending = rollup::pending(&writer.conn)?;
        writer.rollup_rows = rollup::rows(&writer.conn)?;
        let indexed = writer.indexed.clone();
        let writer = Arc::new(Mutex::new(writer));
        let behind = behind::WriteBehind::start(log, Arc::clone(&writer), loaded_seq, limits)?;
        Ok(DuckDbStore {
            path,
            log_dir: config.log_dir(),
            writer,
            behind,
            indexed,
            readers: Mutex::new(Vec::new()),
            base: Mutex::new(base),
            _database: database,
        })
    }

    /// Path of the database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Loads everything acknowledged, then writes everything to the main database file and
    /// truncates DuckDB's own write-ahead log.
    pub fn checkpoint(&self) -> Result<(), StoreError> {
        self.behind.drain()?;
        let writer = lock(&self.writer);
        writer.conn.execute_batch("CHECKPOINT")?;
        Ok(())
    }

    /// Loads everything acknowledged into the database, stops the loader and deletes the
    /// (then fully loaded) write-ahead log. Later writes fail with [`StoreError::Closed`]; reads
    /// keep working. Dropping the store closes it too; calling this first reports errors.
    pub fn close(&self) -> Result<(), StoreError> {
        self.behind.close()
    }

    /// Runs `f` with a reader connection from the pool, once everything acknowledged before the
    /// call is loaded.
    fn with_reader<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.behind.wait_loaded();
        let conn = match lock(&self.readers).pop() {
            Some(conn) => conn,
            None => lock(&self.base).try_clone()?,
        };
        let result = f(&conn);
        let mut pool = lock(&self.readers);
        if pool.len() < 8 {
            pool.push(conn);
        }
        result
    }
}

/// Locks a mutex, recovering from poisoning: the guarded connections stay usable after a panic
/// in another thread because every write runs in its own transaction.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

impl Drop for DuckDbStore {
    fn drop(&mut self) {
        if let Err(e) = self.behind.close() {
            tracing::error!(error = %e, "closing the store");
        }
    }
}

/// Loads the records of the write-ahead log that the database does not hold yet, in
/// transactions of up to `max_rows`, and deletes the log segments. Returns the log, ready for
/// appending, and the sequence number of the last record loaded.
fn replay(
    config: &StoreConfig,
    writer: &mut WriterState,
    limits: &behind::Limits,
) -> Result<(wal::Log, u64), StoreError> {
    let WriterState {
        conn,
        raw,
        indexed,
        known_resources,
        ..
    } = writer;
    conn.execute(
        "INSERT OR IGNORE INTO meta VALUES (?, '0')",
        [write::LOADED_SEQ_KEY],
    )?;
    let stored: String = conn.query_row(
        "SELECT value FROM meta WHERE key = ?",
        [write::LOADED_SEQ_KEY],
        |row| row.get(0),
    )?;
    let mut loaded_seq: u64 = stored
        .parse()
        .map_err(|_| StoreError::Corrupt(format!("meta {}: {stored:?}", write::LOADED_SEQ_KEY)))?;
    let (mut records, mut rows) = (0u64, 0usize);
    let mut transaction: Option<(write::Transaction<'_>, usize)> = None;
    let context = |seq: u64, e: StoreError| {
        StoreError::Database(format!(
            "replaying the write-ahead log in {} (record {seq}): {e}",
            config.log_dir().display()
        ))
    };
    let mut log = wal::Log::open(
        &config.data_dir,
        loaded_seq,
        limits.segment_bytes,
        |seq, batches| {
            records += 1;
            let n: usize = batches.iter().map(WriteBatch::len).sum();
            rows += n;
            let (open, in_transaction) = match transaction.as_mut() {
                Some(open) => open,
                None => transaction.insert((
                    write::Transaction::begin(raw, indexed).map_err(|e| context(seq, e))?,
                    0,
                )),
            };
            open.append(known_resources, &batches)
                .map_err(|e| context(seq, e))?;
            *in_transaction += n;
            if *in_transaction >= limits.max_rows_per_load
                && let Some((full, _)) = transaction.take()
            {
                full.commit(known_resources, seq)
                    .map_err(|e| context(seq, e))?;
                loaded_seq = seq;
            }
            Ok(())
        },
    )?;
    let last_seq = log.last_seq();
    if let Some((open, _)) = transaction.take() {
        open.commit(known_resources, last_seq)
            .map_err(|e| context(last_seq, e))?;
        loaded_seq = last_seq;
    }
    if records > 0 {
        tracing::info!(
            records,
            rows,
            "loaded acknowledged writes from the write-ahead log into the database"
        );
    }
    wal::delete(log.take_loaded(loaded_seq));
    Ok((log, loaded_seq))
}

fn migrate(conn: &Connection) -> Result<(), StoreError> {
    conn.execute_batch("CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)")?;
    let current: usize = conn
        .query_row(
            "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'schema_version'",
            [],
            |row| row.get::<_, i64>(0),
        )
        .map(|v| v as usize)
        .or_else(|e| match e {
            duckdb::Error::QueryReturnedNoRows => Ok(0),
            e => Err(e),
        })?;
    let migrations = schema::migrations();
    if current > migrations.len() {
        return Err(StoreError::Corrupt(format!(
            "database schema version {current} is newer than this build supports ({})",
            migrations.len()
        )));
    }
    for (index, sql) in migrations.iter().enumerate().skip(current) {
        let version = index + 1;
        conn.execute_batch("BEGIN TRANSACTION")?;
        let mut sql = sql.clone();
        if version == migrations.len() && current > 0 && current < schema::ROLLUP_VERSION {
            // Spans stored before the rollup existed, now that every column it reads does.
            sql.push_str(";\n");
            sql.push_str(&rollup::backfill_sql());
        }
        let applied = conn.execute_batch(&sql).and_then(|_| {
            conn.execute(
                "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)",
                [version.to_string()],
            )
        });
        match applied {
            Ok(_) => conn.execute_batch("COMMIT")?,
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                return Err(StoreError::Database(format!("migration {version}: {e}")));
            }
        }
        tracing::info!(version, "database schema migrated");
    }
    Ok(())
}

impl crate::Writer for DuckDbStore {
    fn write(&self, batches: &[WriteBatch]) -> Result<(), StoreError> {
        let keys = self.indexed.keys();
        if batches
            .iter()
            .all(|b| b.spans.is_empty() || b.indexed_keys == *keys)
        {
            return self.behind.write(batches);
        }
        // Rows built without this store's indexed attributes.
        let reindexed: Vec<WriteBatch> = batches
            .iter()
            .map(|b| {
                let mut b = b.clone();
                if !b.spans.is_empty() && b.indexed_keys != *keys {
                    b.reindex(keys);
                }
                b
            })
            .collect();
        self.behind.write(&reindexed)
    }

    fn indexed_attributes(&self) -> Arc<[String]> {
        Arc::clone(self.indexed.keys())
    }
}

impl Store for DuckDbStore {
    fn trace(&self, trace_id: TraceId) -> Result<Vec<Span>, StoreError> {
        self.with_reader(|conn| read::trace(conn, trace_id))
    }

    fn trace_logs(&self, trace_id: TraceId) -> Result<Vec<LogRecord>, StoreError> {
        self.with_reader(|conn| read::trace_logs(conn, trace_id))
    }

    fn span(&self, trace_id: TraceId, span_id: SpanId) -> Result<Option<Span>, StoreError> {
        self.with_reader(|conn| read::span(conn, trace_id, span_id))
    }

    fn search(&self, query: &TraceQuery) -> Result<TracePage, StoreError> {
        self.with_reader(|conn| read::search(conn, &self.indexed, query))
    }

    fn services(&self, range: TimeRange) -> Result<Vec<ServiceInfo>, StoreError> {
        self.with_reader(|conn| read::services(conn, range))
    }

    fn operations(
        &self,
        range: TimeRange,
        service: Option<&str>,
    ) -> Result<Vec<OperationInfo>, StoreError> {
        self.with_reader(|conn| read::operations(conn, range, service))
    }

    fn models(&self, range: TimeRange) -> Result<Vec<ModelInfo>, StoreError> {
        self.with_reader(|conn| read::models(conn, range))
    }

    fn conversations(
        &self,
        range: TimeRange,
        filter: &SpanFilter,
        limit: usize,
    ) -> Result<Vec<ConversationSummary>, StoreError> {
        self.with_reader(|conn| read::conversations(conn, &self.indexed, range, filter, limit))
    }

    fn conversation(&self, conversation_id: &str) -> Result<Option<Conversation>, StoreError> {
        self.with_reader(|conn| read::conversation(conn, conversation_id))
    }

    fn unpriced_models(&self, range: TimeRange) -> Result<Vec<UnpricedModel>, StoreError> {
        self.with_reader(|conn| read::unpriced_models(conn, range))
    }

    fn samples(
        &self,
        range: TimeRange,
        filter: &SpanFilter,
        limit: usize,
    ) -> Result<Vec<RequestSample>, StoreError> {
        self.with_reader(|conn| read::samples(conn, &self.indexed, range, filter, limit))
    }

    fn recent_genai_spans_per_scope(
        &self,
        range: TimeRange,
        per_scope: usize,
    ) -> Result<Vec<Span>, StoreError> {
        self.with_reader(|conn| read::recent_genai_spans_per_scope(conn, range, per_scope))
    }

    fn spans_of_traces(&self, trace_ids: &[TraceId]) -> Result<Vec<Span>, StoreError> {
        self.with_reader(|conn| read::spans_of_traces(conn, trace_ids, read::Projection::Full))
    }

    fn span_structure_of_traces(
        &self,
        trace_ids: &[TraceId],
        attribute_keys: &[&str],
    ) -> Result<Vec<Span>, StoreError> {
        self.with_reader(|conn| {
            read::spans_of_traces(conn, trace_ids, read::Projection::Structure(attribute_keys))
        })
    }

    fn traces_linking_to(
        &self,
        trace_ids: &[TraceId],
        range: TimeRange,
        limit: usize,
    ) -> Result<Vec<TraceId>, StoreError> {
        self.with_reader(|conn| read::traces_linking_to(conn, trace_ids, range, limit))
    }

    fn retrieval_spans(
        &self,
        range: TimeRange,
        filter: &SpanFilter,
        limit: usize,
        each: &mut dyn FnMut(Span),
    ) -> Result<u64, StoreError> {
        self.with_reader(|conn| {
            read::retrieval_spans(conn, &self.indexed, range, filter, limit, each)
        })
    }

    fn analytics(&self, query: &AnalyticsQuery) -> Result<Vec<AnalyticsRow>, StoreError> {
        self.with_reader(|conn| analytics::analytics(conn, &self.indexed, query))
    }

    fn reprice(
        &self,
        range: TimeRange,
        enrich: &(dyn Fn(&mut Span) + Sync),
    ) -> Result<RepriceReport, StoreError> {
        self.behind.drain()?;
        self.with_reader(|reader| {
            reprice::reprice(
                reader,
                |write| {
                    let writer = lock(&self.writer);
                    write(&writer.conn)
                },
                range,
                enrich,
            )
        })
    }

    fn counts(&self) -> Result<StoreCounts, StoreError> {
        let log_files = std::fs::read_dir(&self.log_dir)
            .into_iter()
            .flatten()
            .filter_map(|entry| entry.ok().map(|e| e.path()));
        let bytes_on_disk = [self.path.clone(), self.path.with_extension("duckdb.wal")]
            .into_iter()
            .chain(log_files)
            .filter_map(|p| std::fs::metadata(p).ok())
            .map(|m| m.len())
            .sum();
        let load_errors = self.behind.load_errors();
        self.with_reader(|conn| {
            let (spans, logs) = conn.query_row(
                "SELECT (SELECT count(*) FROM spans), (SELECT count(*) FROM logs)",
                [],
                |row| Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?)),
            )?;
            Ok(StoreCounts {
                spans: spans as u64,
                logs: logs as u64,
                bytes_on_disk,
                load_errors,
            })
        })
    }
}
