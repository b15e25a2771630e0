//! The embedded DuckDB backend: one database file in the data directory, one writer connection,
//! a small pool of reader connections (DuckDB's MVCC lets readers run while the writer appends).

mod analytics;
mod read;
mod reprice;
mod rollup;
mod schema;
mod sql;
mod write;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use duckdb::{Config, Connection};
use flightdeck_model::{LogRecord, Span, SpanId, TraceId};
use serde::{Deserialize, Serialize};

use crate::query::*;
use crate::rows::WriteBatch;
use crate::{Store, StoreError};

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
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            data_dir: PathBuf::from("flightdeck-data"),
            memory_limit: "512MB".into(),
            threads: 0,
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
}

/// The embedded DuckDB store.
pub struct DuckDbStore {
    path: PathBuf,
    writer: Mutex<WriterState>,
    readers: Mutex<Vec<Connection>>,
    base: Mutex<Connection>,
}

struct WriterState {
    conn: Connection,
    known_resources: HashSet<u64>,
    /// Partial rollup rows written since the last compaction.
    rollup_pending: u64,
    /// Rows in the rollup after the last compaction.
    rollup_rows: u64,
}

/// The rollup is compacted once this many partial rows were written, or as many as it had
/// after the last compaction if that is more (so merging costs a bounded amount per row
/// written, even when every commit touches old buckets).
const COMPACT_ROLLUP_AFTER: u64 = 100_000;

impl DuckDbStore {
    /// Opens (creating if needed) the database in `config.data_dir` and brings its schema up to
    /// date.
    pub fn open(config: &StoreConfig) -> Result<Self, StoreError> {
        std::fs::create_dir_all(&config.data_dir).map_err(|source| StoreError::DataDir {
            path: config.data_dir.display().to_string(),
            source,
        })?;
        let path = config.database_path();
        let mut db_config = Config::default().max_memory(&config.memory_limit)?;
        if config.threads > 0 {
            db_config = db_config.threads(config.threads as i64)?;
        }
        let base = Connection::open_with_flags(&path, db_config)?;
        migrate(&base)?;
        let conn = base.try_clone()?;
        let known_resources = read::resource_ids(&conn)?;
        let rollup_pending = rollup::pending(&conn)?;
        let rollup_rows = rollup::rows(&conn)?;
        Ok(DuckDbStore {
            path,
            writer: Mutex::new(WriterState {
                conn,
                known_resources,
                rollup_pending,
                rollup_rows,
            }),
            readers: Mutex::new(Vec::new()),
            base: Mutex::new(base),
        })
    }

    /// Path of the database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes everything to the main database file and truncates the write-ahead log.
    pub fn checkpoint(&self) -> Result<(), StoreError> {
        let writer = lock(&self.writer);
        writer.conn.execute_batch("CHECKPOINT")?;
        Ok(())
    }

    /// Runs `f` with a reader connection from the pool.
    fn with_reader<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
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
        let applied = conn.execute_batch(sql).and_then(|_| {
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
        let mut writer = lock(&self.writer);
        let WriterState {
            conn,
            known_resources,
            rollup_pending,
            rollup_rows,
        } = &mut *writer;
        *rollup_pending += write::write(conn, known_resources, batches)?;
        if *rollup_pending >= COMPACT_ROLLUP_AFTER.max(*rollup_rows) {
            // The spans are committed whatever happens here; a failed compaction is retried
            // after the next batch of partial rows.
            let started = std::time::Instant::now();
            match rollup::compact(conn) {
                Ok(rows) => {
                    tracing::debug!(partial = *rollup_pending, rows, elapsed = ?started.elapsed(), "rollup compacted");
                    *rollup_pending = 0;
                    *rollup_rows = rows;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "rollup compaction failed");
                    *rollup_pending = COMPACT_ROLLUP_AFTER / 2;
                }
            }
        }
        Ok(())
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
        self.with_reader(|conn| read::search(conn, query))
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
        self.with_reader(|conn| read::conversations(conn, range, filter, limit))
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
        self.with_reader(|conn| read::samples(conn, range, filter, limit))
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
        self.with_reader(|conn| read::retrieval_spans(conn, range, filter, limit, each))
    }

    fn analytics(&self, query: &AnalyticsQuery) -> Result<Vec<AnalyticsRow>, StoreError> {
        self.with_reader(|conn| analytics::analytics(conn, query))
    }

    fn reprice(
        &self,
        range: TimeRange,
        enrich: &(dyn Fn(&mut Span) + Sync),
    ) -> Result<RepriceReport, StoreError> {
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
        let bytes_on_disk = [self.path.clone(), self.path.with_extension("duckdb.wal")]
            .iter()
            .filter_map(|p| std::fs::metadata(p).ok())
            .map(|m| m.len())
            .sum();
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
            })
        })
    }
}
