//! Appending prepared rows in one transaction.

use std::collections::HashSet;

use super::indexed::{Indexed, SLOTS};
use super::raw::{List, RawAppender, RawConnection};
use crate::StoreError;
use crate::rows::{SpanRow, WriteBatch};

/// The `meta` key holding the sequence number of the last log record loaded into the database.
pub(crate) const LOADED_SEQ_KEY: &str = "wal_loaded_seq";

/// One loader transaction: rows appended piece by piece (so only one piece is decoded at a
/// time) through one appender per table, flushed every [`FLUSH_ROWS`] rows and at the end (each
/// flush of a DuckDB appender is planned like an `INSERT`, so flushing per piece costs), then
/// committed together with the
/// sequence number of the last log record they came from. Dropped without
/// [`Transaction::commit`] (or after any error), it rolls back and nothing of it is stored.
pub(crate) struct Transaction<'a> {
    conn: &'a RawConnection,
    indexed: &'a Indexed,
    appenders: Option<Appenders<'a>>,
    new_resources: HashSet<u64>,
    /// Partial rollup rows appended.
    rollup_rows: u64,
    /// Rows appended since the appenders were last flushed.
    unflushed: usize,
    open: bool,
}

/// The appenders are flushed every this many rows: an appender holds its rows in its own buffer
/// until then, and the flush copies them into the transaction, so flushing only at the end would
/// hold a large transaction twice at its peak.
const FLUSH_ROWS: usize = 20_000;

struct Appenders<'a> {
    resources: RawAppender<'a>,
    spans: RawAppender<'a>,
    rollup: RawAppender<'a>,
    parts: RawAppender<'a>,
    logs: RawAppender<'a>,
}

impl<'a> Transaction<'a> {
    pub(crate) fn begin(conn: &'a RawConnection, indexed: &'a Indexed) -> Result<Self, StoreError> {
        conn.execute("BEGIN TRANSACTION")?;
        let mut transaction = Transaction {
            conn,
            indexed,
            appenders: None,
            new_resources: HashSet::new(),
            rollup_rows: 0,
            unflushed: 0,
            open: true,
        };
        transaction.appenders = Some(Appenders {
            resources: conn.appender("resources")?,
            spans: conn.appender("spans")?,
            rollup: conn.appender("genai_rollup")?,
            parts: conn.appender("trace_parts")?,
            logs: conn.appender("logs")?,
        });
        Ok(transaction)
    }

    /// Appends the rows of `batches`; resources in `known_resources` (the database has them) or
    /// appended earlier in this transaction are skipped.
    pub(crate) fn append(
        &mut self,
        known_resources: &HashSet<u64>,
        batches: &[WriteBatch],
    ) -> Result<(), StoreError> {
        let Some(appenders) = self.appenders.as_mut() else {
            return Err(StoreError::Database("the transaction is finished".into()));
        };
        self.rollup_rows += append_all(
            appenders,
            self.indexed,
            known_resources,
            batches,
            &mut self.new_resources,
        )?;
        self.unflushed += batches.iter().map(WriteBatch::len).sum::<usize>();
        if self.unflushed >= FLUSH_ROWS {
            appenders.flush()?;
            self.unflushed = 0;
        }
        Ok(())
    }

    /// Flushes the appenders, records `loaded_seq` in `meta`, commits, and adds the new
    /// resources to `known_resources`. Returns the partial rollup rows written.
    pub(crate) fn commit(
        mut self,
        known_resources: &mut HashSet<u64>,
        loaded_seq: u64,
    ) -> Result<u64, StoreError> {
        if let Some(mut appenders) = self.appenders.take() {
            appenders.flush()?;
        }
        self.conn.execute(&format!(
            "UPDATE meta SET value = '{loaded_seq}' WHERE key = '{LOADED_SEQ_KEY}'"
        ))?;
        self.conn.execute("COMMIT")?;
        self.open = false;
        known_resources.extend(self.new_resources.drain());
        Ok(self.rollup_rows)
    }
}

impl Appenders<'_> {
    fn flush(&mut self) -> Result<(), StoreError> {
        self.resources.flush()?;
        self.spans.flush()?;
        self.rollup.flush()?;
        self.parts.flush()?;
        self.logs.flush()?;
        Ok(())
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        // A dropped appender flushes what it holds: let it do so inside the transaction, which
        // is then rolled back (after the rollback it would auto-commit the rows).
        drop(self.appenders.take());
        if self.open {
            let _ = self.conn.execute("ROLLBACK");
        }
    }
}

fn append_all(
    appenders: &mut Appenders<'_>,
    indexed: &Indexed,
    known_resources: &HashSet<u64>,
    batches: &[WriteBatch],
    new_resources: &mut HashSet<u64>,
) -> Result<u64, StoreError> {
    let Appenders {
        resources,
        spans,
        rollup,
        parts,
        logs,
    } = appenders;
    for row in batches.iter().flat_map(|b| &b.resources) {
        if known_resources.contains(&row.resource_id) || !new_resources.insert(row.resource_id) {
            continue;
        }
        resources.row(&[
            &row.resource_id,
            &row.attributes,
            &row.schema_url,
            &row.dropped_attributes,
        ])?;
    }
    for batch in batches {
        let slots = indexed.slots_of(&batch.indexed_keys);
        for r in &batch.spans {
            append_span(spans, r, &Indexed::place(&slots, &r.indexed))?;
        }
    }
    let rollup_rows = super::rollup::append(rollup, indexed, batches)?;

    for p in batches.iter().flat_map(|b| &b.trace_parts) {
        parts.row(&[
            &p.trace_id,
            &p.start_ns,
            &p.end_ns,
            &p.span_count,
            &p.error_count,
            &p.genai_count,
            &p.input_tokens,
            &p.output_tokens,
            &p.root_service,
            &p.root_name,
            &List(&p.services),
            &p.cost_total,
        ])?;
    }
    for l in batches.iter().flat_map(|b| &b.logs) {
        logs.row(&[
            &l.time_ns,
            &l.observed_ns,
            &l.trace_id,
            &l.span_id,
            &l.severity_number,
            &l.severity_text,
            &l.event_name,
            &l.body,
            &l.attributes,
            &l.service_name,
            &l.resource_id,
            &l.scope_name,
            &l.scope_version,
            &l.flags,
            &l.dropped_attributes,
        ])?;
    }
    Ok(rollup_rows)
}

/// Appends one span row, with its indexed attribute values in slot order.
fn append_span(
    spans: &mut RawAppender<'_>,
    r: &SpanRow,
    indexed: &[Option<&str>; SLOTS],
) -> Result<(), StoreError> {
    let g = &r.genai;
    let cost = g.cost.as_ref();
    let [a0, a1, a2, a3, a4, a5, a6, a7] = indexed;
    spans.row(&[
        &r.trace_id,
        &r.span_id,
        &r.parent_span_id,
        &r.start_ns,
        &r.end_ns,
        &(r.end_ns - r.start_ns),
        &r.name,
        &r.kind,
        &r.status_code,
        &r.status_message,
        &r.service_name,
        &r.service_version,
        &r.resource_id,
        &r.scope_name,
        &r.scope_version,
        &r.scope_extra,
        &r.trace_state,
        &r.flags,
        &r.attributes,
        &r.events,
        &r.links,
        &r.dropped[0],
        &r.dropped[1],
        &r.dropped[2],
        &g.operation,
        &g.provider,
        &g.request_model,
        &g.response_model,
        &g.usage.input_tokens,
        &g.usage.output_tokens,
        &g.usage.cache_read_input_tokens,
        &g.usage.cache_write_input_tokens,
        &g.usage.reasoning_output_tokens,
        &List(&g.finish_reasons),
        &g.response_id,
        &g.conversation_id,
        &g.agent_name,
        &g.agent_id,
        &g.tool_name,
        &g.tool_type,
        &g.tool_call_id,
        &g.error_type,
        &g.time_to_first_chunk,
        &g.model_family,
        &g.user_id,
        &g.output_tokens_per_second,
        &g.max_chunk_gap,
        &g.usage_missing,
        &cost.map(|c| c.total),
        &cost.map(|c| c.input),
        &cost.map(|c| c.cache_read),
        &cost.map(|c| c.cache_write),
        &cost.map(|c| c.output),
        &cost.map(|c| c.reasoning),
        &cost.map(|c| c.priced_as.as_str()),
        &g.context_window_use,
        &g.context_length_exceeded,
        &r.genai_json,
        &g.retrieval.is_some(),
        a0,
        a1,
        a2,
        a3,
        a4,
        a5,
        a6,
        a7,
    ])
}
