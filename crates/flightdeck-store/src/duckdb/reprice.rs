//! Recomputing derived GenAI fields (cost, context-window use) of stored spans.

use duckdb::types::Value;
use duckdb::{Connection, params, params_from_iter};
use flightdeck_model::{Attributes, GenAi, SpanId, Status, StatusCode, TraceId};

use super::sql::{Sql, model_call_list};
use crate::StoreError;
use crate::query::{RepriceReport, TimeRange};

/// Spans are re-priced in windows of this many nanoseconds (one transaction each).
const WINDOW_NS: i64 = 3600 * 1_000_000_000;

/// A changed span: key and new derived fields.
struct Change {
    trace_id: u128,
    span_id: u64,
    start_ns: i64,
    genai: GenAi,
}

/// Reads the model calls of one window and returns the ones `enrich` changes.
fn changes_in_window(
    reader: &Connection,
    start: i64,
    end: i64,
    enrich: &(dyn Fn(&mut flightdeck_model::Span) + Sync),
) -> Result<(u64, Vec<Change>), StoreError> {
    let ops = model_call_list();
    let sql = Sql {
        text: format!(
            "SELECT trace_id, span_id, start_ns, end_ns, attributes, status_code, status_message, \
             genai_json FROM spans WHERE start_ns >= ? AND start_ns < ? \
             AND gen_ai_operation IN ({ops})"
        ),
        params: vec![Value::BigInt(start), Value::BigInt(end)],
    };
    let mut stmt = reader.prepare(&sql.text)?;
    let mut rows = stmt.query(params_from_iter(sql.params.iter()))?;
    let mut examined = 0;
    let mut changes = Vec::new();
    while let Some(row) = rows.next()? {
        examined += 1;
        let trace_id: u128 = row.get(0)?;
        let span_id: u64 = row.get(1)?;
        let start_ns: i64 = row.get(2)?;
        let (Some(tid), Some(sid)) = (TraceId::from_int(trace_id), SpanId::from_int(span_id))
        else {
            continue;
        };
        let genai: GenAi = match row.get::<_, Option<String>>(7)? {
            Some(text) => serde_json::from_str(&text)
                .map_err(|e| StoreError::Corrupt(format!("genai of span {sid}: {e}")))?,
            None => continue,
        };
        let attributes = Attributes::from_json_str(&row.get::<_, String>(4)?)
            .map_err(|e| StoreError::Corrupt(format!("attributes of span {sid}: {e}")))?;
        let mut span = flightdeck_model::Span {
            trace_id: tid,
            span_id: sid,
            parent_span_id: None,
            trace_state: String::new(),
            flags: 0,
            name: String::new(),
            kind: Default::default(),
            start_time_unix_nano: start_ns.max(0) as u64,
            end_time_unix_nano: row.get::<_, i64>(3)?.max(0) as u64,
            attributes,
            dropped_attributes_count: 0,
            events: Vec::new(),
            dropped_events_count: 0,
            links: Vec::new(),
            dropped_links_count: 0,
            status: Status {
                code: StatusCode::from_otlp(i32::from(row.get::<_, u8>(5)?)),
                message: row.get::<_, Option<String>>(6)?.unwrap_or_default(),
            },
            resource: Default::default(),
            scope: Default::default(),
            genai: genai.clone(),
        };
        enrich(&mut span);
        if span.genai != genai {
            changes.push(Change {
                trace_id,
                span_id,
                start_ns,
                genai: span.genai,
            });
        }
    }
    Ok((examined, changes))
}

/// Writes changed derived fields back, in one transaction.
fn apply(writer: &Connection, changes: &[Change]) -> Result<(), StoreError> {
    writer.execute_batch(
        "BEGIN TRANSACTION; CREATE TEMP TABLE reprice (trace_id UHUGEINT, span_id UBIGINT, \
         start_ns BIGINT, cost_total DOUBLE, cost_input DOUBLE, cost_cache_read DOUBLE, \
         cost_cache_write DOUBLE, cost_output DOUBLE, cost_reasoning DOUBLE, priced_as VARCHAR, \
         context_window_use DOUBLE, context_length_exceeded BOOLEAN, genai_json VARCHAR)",
    )?;
    let result = (|| -> Result<(), StoreError> {
        let mut app = writer.appender("reprice")?;
        for c in changes {
            let cost = c.genai.cost.as_ref();
            app.append_row(params![
                c.trace_id,
                c.span_id,
                c.start_ns,
                cost.map(|c| c.total),
                cost.map(|c| c.input),
                cost.map(|c| c.cache_read),
                cost.map(|c| c.cache_write),
                cost.map(|c| c.output),
                cost.map(|c| c.reasoning),
                cost.map(|c| c.priced_as.as_str()),
                c.genai.context_window_use,
                c.genai.context_length_exceeded,
                serde_json::to_string(&c.genai).unwrap_or_default(),
            ])?;
        }
        app.flush()?;
        drop(app);
        writer.execute_batch(
            "UPDATE spans SET cost_total = r.cost_total, cost_input = r.cost_input, \
             cost_cache_read = r.cost_cache_read, cost_cache_write = r.cost_cache_write, \
             cost_output = r.cost_output, cost_reasoning = r.cost_reasoning, \
             priced_as = r.priced_as, context_window_use = r.context_window_use, \
             context_length_exceeded = r.context_length_exceeded, genai_json = r.genai_json \
             FROM reprice r WHERE spans.start_ns = r.start_ns AND spans.trace_id = r.trace_id \
             AND spans.span_id = r.span_id",
        )?;
        // Trace summaries hold per-batch cost sums; recompute the affected traces' rows: the
        // first row of each trace carries the whole trace's model-call cost, the others zero.
        let ops = model_call_list();
        writer.execute_batch(&format!(
            "CREATE TEMP TABLE reprice_traces AS \
             SELECT s.trace_id, coalesce(sum(s.cost_total) FILTER (WHERE s.gen_ai_operation IN ({ops})), 0) AS cost \
             FROM spans s WHERE s.trace_id IN (SELECT DISTINCT trace_id FROM reprice) GROUP BY s.trace_id; \
             UPDATE trace_parts SET cost_total = 0 WHERE trace_id IN (SELECT trace_id FROM reprice_traces); \
             UPDATE trace_parts SET cost_total = t.cost FROM reprice_traces t, \
             (SELECT trace_id, min(rowid) AS first FROM trace_parts \
              WHERE trace_id IN (SELECT trace_id FROM reprice_traces) GROUP BY trace_id) f \
             WHERE trace_parts.trace_id = t.trace_id AND f.trace_id = t.trace_id \
             AND trace_parts.rowid = f.first; \
             DROP TABLE reprice_traces;"
        ))?;
        // The rollup's costs of the affected buckets, from the updated spans.
        let b = super::rollup::BUCKET_NS;
        super::rollup::rebuild_buckets(
            writer,
            &format!("SELECT DISTINCT (start_ns // {b}) * {b} AS bucket_ns FROM reprice"),
        )?;
        Ok(())
    })();
    let cleanup = "DROP TABLE IF EXISTS reprice; DROP TABLE IF EXISTS reprice_traces; \
                   DROP TABLE IF EXISTS rollup_rebuild;";
    match result {
        Ok(()) => {
            writer.execute_batch(&format!("{cleanup} COMMIT"))?;
            Ok(())
        }
        Err(e) => {
            let _ = writer.execute_batch("ROLLBACK");
            let _ = writer.execute_batch(cleanup);
            Err(e)
        }
    }
}

/// Re-prices every window of `range` that holds spans.
pub(crate) fn reprice(
    reader: &Connection,
    writer: impl Fn(&dyn Fn(&Connection) -> Result<(), StoreError>) -> Result<(), StoreError>,
    range: TimeRange,
    enrich: &(dyn Fn(&mut flightdeck_model::Span) + Sync),
) -> Result<RepriceReport, StoreError> {
    let (first, last): (Option<i64>, Option<i64>) = reader.query_row(
        "SELECT min(start_ns), max(start_ns) FROM spans WHERE start_ns >= ? AND start_ns < ?",
        params![range.start_ns, range.end_ns],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    let mut report = RepriceReport::default();
    let (Some(first), Some(last)) = (first, last) else {
        return Ok(report);
    };
    let mut start = first;
    while start <= last {
        let end = start.saturating_add(WINDOW_NS).min(range.end_ns);
        let (examined, changes) = changes_in_window(reader, start, end, enrich)?;
        report.spans_examined += examined;
        if !changes.is_empty() {
            writer(&|conn| apply(conn, &changes))?;
            report.spans_updated += changes.len() as u64;
        }
        if end == range.end_ns {
            break;
        }
        start = end;
    }
    Ok(report)
}
