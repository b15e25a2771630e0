//! Queries.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use duckdb::types::Value;
use duckdb::{Connection, Row, params_from_iter};
use flightdeck_model::{
    Attributes, Event, GenAi, Link, LogRecord, Resource, Scope, Span, SpanId, SpanKind, Status,
    StatusCode, TraceId,
};

use super::analytics;
use super::indexed::Indexed;
use super::schema::{LOG_COLUMNS, SPAN_READ_COLUMNS};
use super::sql::{Sql, model_call_list, range_clause, span_filter_clauses};
use crate::StoreError;
use crate::query::*;

pub(crate) fn resource_ids(conn: &Connection) -> Result<HashSet<u64>, StoreError> {
    let mut stmt = conn.prepare("SELECT resource_id FROM resources")?;
    let ids = stmt
        .query_map([], |row| row.get::<_, u64>(0))?
        .collect::<Result<HashSet<_>, _>>()?;
    Ok(ids)
}

fn load_resources(
    conn: &Connection,
    ids: impl IntoIterator<Item = u64>,
) -> Result<HashMap<u64, Arc<Resource>>, StoreError> {
    let ids: Vec<u64> = ids
        .into_iter()
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut out = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let placeholders = vec!["?"; ids.len()].join(",");
    let mut stmt = conn.prepare(&format!(
        "SELECT resource_id, any_value(attributes), any_value(schema_url), \
         any_value(dropped_attributes) FROM resources WHERE resource_id IN ({placeholders}) \
         GROUP BY resource_id"
    ))?;
    let rows = stmt.query_map(params_from_iter(ids.iter()), |row| {
        Ok((
            row.get::<_, u64>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, Option<String>>(2)?,
            row.get::<_, u32>(3)?,
        ))
    })?;
    for row in rows {
        let (id, attributes, schema_url, dropped) = row?;
        out.insert(
            id,
            Arc::new(Resource {
                attributes: parse_attributes(&attributes)?,
                dropped_attributes_count: dropped,
                schema_url: schema_url.unwrap_or_default(),
            }),
        );
    }
    Ok(out)
}

fn parse_attributes(text: &str) -> Result<Attributes, StoreError> {
    Attributes::from_json_str(text).map_err(|e| StoreError::Corrupt(format!("attributes: {e}")))
}

fn parse_json<T: serde::de::DeserializeOwned + Default>(
    text: Option<String>,
    what: &str,
) -> Result<T, StoreError> {
    match text {
        None => Ok(T::default()),
        Some(text) => {
            serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
        }
    }
}

fn string_list(value: Value) -> Vec<String> {
    match value {
        Value::List(items) => items
            .into_iter()
            .filter_map(|v| match v {
                Value::Text(s) => Some(s),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A span row before its resource is attached.
struct RawSpan {
    span: Span,
    resource_id: u64,
}

fn span_from_row(row: &Row<'_>) -> Result<RawSpan, duckdb::Error> {
    let corrupt = |what: &str, e: String| {
        duckdb::Error::FromSqlConversionFailure(
            0,
            duckdb::types::Type::Text,
            format!("{what}: {e}").into(),
        )
    };
    let trace_id =
        TraceId::from_int(row.get(0)?).ok_or_else(|| corrupt("trace_id", "zero".into()))?;
    let span_id = SpanId::from_int(row.get(1)?).ok_or_else(|| corrupt("span_id", "zero".into()))?;
    let parent_span_id = row.get::<_, Option<u64>>(2)?.and_then(SpanId::from_int);
    let (scope_attributes, scope_schema_url) = match row.get::<_, Option<String>>(12)? {
        Some(text) => {
            let v: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| corrupt("scope", e.to_string()))?;
            (
                serde_json::from_value::<Attributes>(v["attributes"].clone()).unwrap_or_default(),
                v["schema_url"].as_str().unwrap_or_default().to_owned(),
            )
        }
        None => (Attributes::new(), String::new()),
    };
    let attributes: String = row.get(15)?;
    let events: Option<String> = row.get(16)?;
    let links: Option<String> = row.get(17)?;
    let genai: Option<String> = row.get(21)?;
    let span = Span {
        trace_id,
        span_id,
        parent_span_id,
        start_time_unix_nano: row.get::<_, i64>(3)?.max(0) as u64,
        end_time_unix_nano: row.get::<_, i64>(4)?.max(0) as u64,
        name: row.get(5)?,
        kind: SpanKind::from_otlp(i32::from(row.get::<_, u8>(6)?)),
        status: Status {
            code: StatusCode::from_otlp(i32::from(row.get::<_, u8>(7)?)),
            message: row.get::<_, Option<String>>(8)?.unwrap_or_default(),
        },
        resource: Arc::default(),
        scope: Arc::new(Scope {
            name: row.get(10)?,
            version: row.get::<_, Option<String>>(11)?.unwrap_or_default(),
            attributes: scope_attributes,
            schema_url: scope_schema_url,
        }),
        trace_state: row.get::<_, Option<String>>(13)?.unwrap_or_default(),
        flags: row.get(14)?,
        attributes: Attributes::from_json_str(&attributes)
            .map_err(|e| corrupt("attributes", e.to_string()))?,
        events: parse_json::<Vec<Event>>(events, "events")
            .map_err(|e| corrupt("events", e.to_string()))?,
        links: parse_json::<Vec<Link>>(links, "links")
            .map_err(|e| corrupt("links", e.to_string()))?,
        dropped_attributes_count: row.get(18)?,
        dropped_events_count: row.get(19)?,
        dropped_links_count: row.get(20)?,
        genai: parse_json::<GenAi>(genai, "genai").map_err(|e| corrupt("genai", e.to_string()))?,
    };
    Ok(RawSpan {
        span,
        resource_id: row.get(9)?,
    })
}

/// The stored time extent of a trace, from the summary table.
fn trace_extent(conn: &Connection, trace_id: TraceId) -> Result<Option<(i64, i64)>, StoreError> {
    let extent = conn.query_row(
        "SELECT min(start_ns), max(end_ns) FROM trace_parts WHERE trace_id = ?",
        [trace_id.to_int()],
        |row| Ok((row.get::<_, Option<i64>>(0)?, row.get::<_, Option<i64>>(1)?)),
    )?;
    Ok(match extent {
        (Some(start), Some(end)) => Some((start, end)),
        _ => None,
    })
}

pub(crate) fn trace(conn: &Connection, trace_id: TraceId) -> Result<Vec<Span>, StoreError> {
    spans_of_trace(conn, trace_id, None)
}

pub(crate) fn span(
    conn: &Connection,
    trace_id: TraceId,
    span_id: SpanId,
) -> Result<Option<Span>, StoreError> {
    Ok(spans_of_trace(conn, trace_id, Some(span_id))?
        .into_iter()
        .next())
}

/// The spans of a trace by start time, or only the one with `only`'s id.
fn spans_of_trace(
    conn: &Connection,
    trace_id: TraceId,
    only: Option<SpanId>,
) -> Result<Vec<Span>, StoreError> {
    let Some((start, end)) = trace_extent(conn, trace_id)? else {
        return Ok(Vec::new());
    };
    // Bounding by the extent lets DuckDB skip row groups by their start_ns min/max.
    let span_clause = if only.is_some() {
        " AND span_id = ?"
    } else {
        ""
    };
    let mut stmt = conn.prepare(&format!(
        "SELECT {SPAN_READ_COLUMNS} FROM spans WHERE start_ns >= ? AND start_ns <= ? AND trace_id = ?{span_clause} \
         ORDER BY start_ns, span_id"
    ))?;
    let raws = match only {
        None => stmt.query_map(
            duckdb::params![start, end, trace_id.to_int()],
            span_from_row,
        )?,
        Some(span_id) => stmt.query_map(
            duckdb::params![start, end, trace_id.to_int(), span_id.to_int()],
            span_from_row,
        )?,
    }
    .collect::<Result<Vec<_>, _>>()?;
    let resources = load_resources(conn, raws.iter().map(|r| r.resource_id))?;
    Ok(raws
        .into_iter()
        .map(|raw| {
            let mut span = raw.span;
            if let Some(resource) = resources.get(&raw.resource_id) {
                span.resource = Arc::clone(resource);
            }
            span
        })
        .collect())
}

pub(crate) fn trace_logs(
    conn: &Connection,
    trace_id: TraceId,
) -> Result<Vec<LogRecord>, StoreError> {
    let Some((start, end)) = trace_extent(conn, trace_id)? else {
        return Ok(Vec::new());
    };
    // Log events are usually stamped inside their span; allow for clock skew around the trace.
    const SLACK_NS: i64 = 10 * 60 * 1_000_000_000;
    let mut stmt = conn.prepare(&format!(
        "SELECT {LOG_COLUMNS} FROM logs WHERE time_ns >= ? AND time_ns <= ? AND trace_id = ? \
         ORDER BY time_ns"
    ))?;
    let rows = stmt.query_map(
        duckdb::params![
            start.saturating_sub(SLACK_NS),
            end.saturating_add(SLACK_NS),
            trace_id.to_int()
        ],
        |row| {
            Ok((
                LogRecord {
                    time_unix_nano: row.get::<_, i64>(0)?.max(0) as u64,
                    observed_time_unix_nano: row.get::<_, i64>(1)?.max(0) as u64,
                    trace_id: row.get::<_, Option<u128>>(2)?.and_then(TraceId::from_int),
                    span_id: row.get::<_, Option<u64>>(3)?.and_then(SpanId::from_int),
                    severity_number: row.get(4)?,
                    severity_text: row.get::<_, Option<String>>(5)?.unwrap_or_default(),
                    event_name: row.get::<_, Option<String>>(6)?.unwrap_or_default(),
                    body: serde_json::from_str(&row.get::<_, String>(7)?).unwrap_or_default(),
                    attributes: Attributes::from_json_str(&row.get::<_, String>(8)?)
                        .unwrap_or_default(),
                    resource: Arc::default(),
                    scope: Arc::new(Scope {
                        name: row.get(11)?,
                        version: row.get::<_, Option<String>>(12)?.unwrap_or_default(),
                        ..Scope::default()
                    }),
                    flags: row.get(13)?,
                    dropped_attributes_count: row.get(14)?,
                },
                row.get::<_, u64>(10)?,
            ))
        },
    )?;
    let rows = rows.collect::<Result<Vec<_>, _>>()?;
    let resources = load_resources(conn, rows.iter().map(|(_, id)| *id))?;
    Ok(rows
        .into_iter()
        .map(|(mut log, id)| {
            if let Some(resource) = resources.get(&id) {
                log.resource = Arc::clone(resource);
            }
            log
        })
        .collect())
}

pub(crate) fn search(
    conn: &Connection,
    indexed: &Indexed,
    query: &TraceQuery,
) -> Result<TracePage, StoreError> {
    let limit = query.limit.clamp(1, 1000);
    // Step 1: the page of trace ids, ordered by (first matching start, id) descending.
    let mut sql = if query.filter.is_empty() {
        let mut sql = Sql::new("SELECT trace_id, min(start_ns) AS s FROM trace_parts WHERE true");
        range_clause(&mut sql, "start_ns", query.range);
        sql
    } else {
        let mut sql = Sql::new("SELECT trace_id, min(start_ns) AS s FROM spans WHERE true");
        range_clause(&mut sql, "start_ns", query.range);
        span_filter_clauses(&mut sql, &query.filter, indexed);
        sql
    };
    sql.push(" GROUP BY trace_id");
    if let Some(cursor) = query.cursor {
        sql.push(" HAVING (s < ? OR (s = ? AND trace_id < ?))")
            .bind(cursor.start_ns)
            .bind(cursor.start_ns)
            .bind(Value::UHugeInt(cursor.trace_id));
    }
    sql.push(" ORDER BY s DESC, trace_id DESC LIMIT ?")
        .bind((limit + 1) as i64);
    let mut stmt = conn.prepare(&sql.text)?;
    let mut page: Vec<(u128, i64)> = stmt
        .query_map(params_from_iter(sql.params.iter()), |row| {
            Ok((row.get::<_, u128>(0)?, row.get::<_, i64>(1)?))
        })?
        .collect::<Result<_, _>>()?;
    let has_more = page.len() > limit;
    page.truncate(limit);
    let next_cursor = if has_more {
        page.last().map(|(trace_id, start_ns)| {
            Cursor {
                start_ns: *start_ns,
                trace_id: *trace_id,
            }
            .encode()
        })
    } else {
        None
    };

    // Step 2: full summaries of those traces.
    let mut summaries = summaries(conn, page.iter().map(|(id, _)| *id))?;
    let order: HashMap<u128, usize> = page
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (*id, i))
        .collect();
    summaries.sort_by_key(|s| {
        order
            .get(&s.trace_id.to_int())
            .copied()
            .unwrap_or(usize::MAX)
    });
    Ok(TracePage {
        traces: summaries,
        next_cursor,
    })
}

fn summaries(
    conn: &Connection,
    ids: impl IntoIterator<Item = u128>,
) -> Result<Vec<TraceSummary>, StoreError> {
    let ids: Vec<Value> = ids.into_iter().map(Value::UHugeInt).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders = vec!["?"; ids.len()].join(",");
    let mut stmt = conn.prepare(&format!(
        "SELECT trace_id, min(start_ns), max(end_ns), sum(span_count)::BIGINT, \
         sum(error_count)::BIGINT, sum(genai_count)::BIGINT, sum(input_tokens)::BIGINT, \
         sum(output_tokens)::BIGINT, max(root_service), \
         max(root_name), list_distinct(flatten(list(services))), sum(cost_total) \
         FROM trace_parts WHERE trace_id IN ({placeholders}) GROUP BY trace_id"
    ))?;
    let rows = stmt.query_map(params_from_iter(ids.iter()), |row| {
        let trace_id: u128 = row.get(0)?;
        let start_ns: i64 = row.get(1)?;
        let end_ns: i64 = row.get(2)?;
        let mut services = string_list(row.get(10)?);
        services.sort();
        let root_service: Option<String> = row.get(8)?;
        let root_name: Option<String> = row.get(9)?;
        let cost_usd: f64 = row.get(11)?;
        let counts: [i64; 5] = [
            row.get(3)?,
            row.get(4)?,
            row.get(5)?,
            row.get(6)?,
            row.get(7)?,
        ];
        // Stored ids are validated at ingest, so zero never occurs; skip it if it ever does.
        Ok(TraceId::from_int(trace_id).map(|trace_id| TraceSummary {
            trace_id,
            start_ns,
            end_ns,
            duration_ns: end_ns - start_ns,
            root_service: root_service.or_else(|| services.first().cloned()),
            root_name,
            span_count: counts[0] as u64,
            error_count: counts[1] as u64,
            genai_count: counts[2] as u64,
            input_tokens: counts[3],
            output_tokens: counts[4],
            cost_usd,
            services,
        }))
    })?;
    let mut out = Vec::new();
    for row in rows {
        out.extend(row?);
    }
    Ok(out)
}

pub(crate) fn services(
    conn: &Connection,
    range: TimeRange,
) -> Result<Vec<ServiceInfo>, StoreError> {
    let mut sql = Sql::new("SELECT service_name, count(*) FROM spans WHERE true");
    range_clause(&mut sql, "start_ns", range);
    sql.push(" GROUP BY service_name ORDER BY service_name");
    let mut stmt = conn.prepare(&sql.text)?;
    let rows = stmt.query_map(params_from_iter(sql.params.iter()), |row| {
        Ok(ServiceInfo {
            service: row.get(0)?,
            spans: row.get::<_, i64>(1)? as u64,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(crate) fn operations(
    conn: &Connection,
    range: TimeRange,
    service: Option<&str>,
) -> Result<Vec<OperationInfo>, StoreError> {
    let mut sql = Sql::new(
        "SELECT service_name, name, max(gen_ai_operation), count(*) FROM spans WHERE true",
    );
    range_clause(&mut sql, "start_ns", range);
    if let Some(service) = service {
        sql.and("service_name = ?", service.to_owned());
    }
    sql.push(" GROUP BY service_name, name ORDER BY service_name, name");
    let mut stmt = conn.prepare(&sql.text)?;
    let rows = stmt.query_map(params_from_iter(sql.params.iter()), |row| {
        Ok(OperationInfo {
            service: row.get(0)?,
            name: row.get(1)?,
            genai_operation: row.get(2)?,
            spans: row.get::<_, i64>(3)? as u64,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The models of the GenAI spans in range, most used first; from the rollup when the range
/// holds many spans (the counts are exact either way).
pub(crate) fn models(conn: &Connection, range: TimeRange) -> Result<Vec<ModelInfo>, StoreError> {
    let from_rollup = analytics::spans_in_rollup(conn, range)? >= analytics::ROLLUP_MIN_SPANS;
    models_from(conn, range, from_rollup)
}

pub(crate) fn models_from(
    conn: &Connection,
    range: TimeRange,
    from_rollup: bool,
) -> Result<Vec<ModelInfo>, StoreError> {
    let columns = "gen_ai_provider, list_distinct(list(gen_ai_response_model)), \
                   list_distinct(list(gen_ai_operation))";
    let mut sql = if from_rollup {
        let mut sql = analytics::rollup_source(range, &SpanFilter::default(), &Indexed::default());
        sql.push(&format!(
            " SELECT gen_ai_request_model AS m, {columns}, sum(requests)::BIGINT AS n FROM r \
             WHERE m IS NOT NULL"
        ));
        sql
    } else {
        let mut sql = Sql::new(&format!(
            "SELECT coalesce(gen_ai_request_model, gen_ai_response_model) AS m, {columns}, \
             count(*) AS n FROM spans WHERE gen_ai_operation IS NOT NULL"
        ));
        range_clause(&mut sql, "start_ns", range);
        sql.push(" AND m IS NOT NULL");
        sql
    };
    sql.push(" GROUP BY m, gen_ai_provider ORDER BY n DESC, m, gen_ai_provider");
    let mut stmt = conn.prepare(&sql.text)?;
    let rows = stmt.query_map(params_from_iter(sql.params.iter()), |row| {
        let mut response_models = string_list(row.get(2)?);
        response_models.sort();
        let mut operations = string_list(row.get(3)?);
        operations.sort();
        Ok(ModelInfo {
            model: row.get(0)?,
            provider: row.get(1)?,
            response_models,
            operations,
            spans: row.get::<_, i64>(4)? as u64,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn conversation_summaries(
    conn: &Connection,
    sql: &Sql,
) -> Result<Vec<ConversationSummary>, StoreError> {
    let mut stmt = conn.prepare(&sql.text)?;
    let rows = stmt.query_map(params_from_iter(sql.params.iter()), |row| {
        let mut models = string_list(row.get(9)?);
        models.sort();
        let mut users = string_list(row.get(10)?);
        users.sort();
        Ok(ConversationSummary {
            conversation_id: row.get(0)?,
            traces: row.get::<_, i64>(1)? as u64,
            start_ns: row.get(2)?,
            end_ns: row.get(3)?,
            model_calls: row.get::<_, i64>(4)? as u64,
            input_tokens: row.get(5)?,
            output_tokens: row.get(6)?,
            cost_usd: row.get(7)?,
            errors: row.get::<_, i64>(8)? as u64,
            models,
            users,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn conversation_select() -> String {
    let mc = model_call_list();
    format!(
        "SELECT conversation_id, count(DISTINCT trace_id), min(start_ns), max(end_ns), \
         count(*) FILTER (WHERE gen_ai_operation IN ({mc})), \
         coalesce(sum(input_tokens) FILTER (WHERE gen_ai_operation IN ({mc})), 0)::BIGINT, \
         coalesce(sum(output_tokens) FILTER (WHERE gen_ai_operation IN ({mc})), 0)::BIGINT, \
         coalesce(sum(cost_total) FILTER (WHERE gen_ai_operation IN ({mc})), 0), \
         count(*) FILTER (WHERE status_code = 2 OR error_type IS NOT NULL), \
         list_distinct(list(coalesce(gen_ai_request_model, gen_ai_response_model))), \
         list_distinct(list(user_id)) \
         FROM spans WHERE conversation_id IS NOT NULL"
    )
}

pub(crate) fn conversations(
    conn: &Connection,
    indexed: &Indexed,
    range: TimeRange,
    filter: &SpanFilter,
    limit: usize,
) -> Result<Vec<ConversationSummary>, StoreError> {
    // The newest conversations first (a cheap aggregate), then the summaries of those only.
    let mut sql = Sql::new(
        "WITH top AS (SELECT conversation_id FROM spans WHERE conversation_id IS NOT NULL",
    );
    range_clause(&mut sql, "start_ns", range);
    span_filter_clauses(&mut sql, filter, indexed);
    sql.push(" GROUP BY conversation_id ORDER BY max(start_ns) DESC, conversation_id LIMIT ?) ")
        .bind(limit.clamp(1, 1000) as i64);
    sql.push(&conversation_select());
    range_clause(&mut sql, "start_ns", range);
    span_filter_clauses(&mut sql, filter, indexed);
    sql.push(
        " AND conversation_id IN (SELECT conversation_id FROM top) GROUP BY conversation_id \
         ORDER BY max(start_ns) DESC, conversation_id",
    );
    conversation_summaries(conn, &sql)
}

pub(crate) fn conversation(
    conn: &Connection,
    conversation_id: &str,
) -> Result<Option<Conversation>, StoreError> {
    let mut sql = Sql::new(&conversation_select());
    sql.and("conversation_id = ?", conversation_id.to_owned());
    sql.push(" GROUP BY conversation_id");
    let Some(summary) = conversation_summaries(conn, &sql)?.into_iter().next() else {
        return Ok(None);
    };
    let mut stmt = conn.prepare(
        "SELECT DISTINCT trace_id FROM spans WHERE conversation_id = ? \
         AND start_ns >= ? AND start_ns <= ?",
    )?;
    let ids: Vec<u128> = stmt
        .query_map(
            duckdb::params![conversation_id, summary.start_ns, summary.end_ns],
            |row| row.get::<_, u128>(0),
        )?
        .collect::<Result<_, _>>()?;
    let mut traces = summaries(conn, ids)?;
    traces.sort_by_key(|t| (t.start_ns, t.trace_id));
    Ok(Some(Conversation { summary, traces }))
}

pub(crate) fn unpriced_models(
    conn: &Connection,
    range: TimeRange,
) -> Result<Vec<UnpricedModel>, StoreError> {
    let mut sql = Sql::new(&format!(
        "SELECT gen_ai_provider, coalesce(gen_ai_request_model, gen_ai_response_model) AS m, \
         count(*), coalesce(sum(input_tokens), 0)::BIGINT, coalesce(sum(output_tokens), 0)::BIGINT, \
         max(start_ns) FROM spans WHERE cost_total IS NULL \
         AND (input_tokens IS NOT NULL OR output_tokens IS NOT NULL) \
         AND gen_ai_operation IN ({})",
        model_call_list()
    ));
    range_clause(&mut sql, "start_ns", range);
    sql.push(" AND m IS NOT NULL GROUP BY 1, 2 ORDER BY 3 DESC, 2");
    let mut stmt = conn.prepare(&sql.text)?;
    let rows = stmt.query_map(params_from_iter(sql.params.iter()), |row| {
        Ok(UnpricedModel {
            provider: row.get(0)?,
            model: row.get(1)?,
            calls: row.get::<_, i64>(2)? as u64,
            input_tokens: row.get(3)?,
            output_tokens: row.get(4)?,
            last_seen_ns: row.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(crate) fn samples(
    conn: &Connection,
    indexed: &Indexed,
    range: TimeRange,
    filter: &SpanFilter,
    limit: usize,
) -> Result<Vec<RequestSample>, StoreError> {
    let mut sql = Sql::new(&format!(
        "SELECT duration_ns, ttfc_s, input_tokens, output_tokens, cost_total, \
         status_code = 2 OR error_type IS NOT NULL FROM spans WHERE gen_ai_operation IN ({})",
        model_call_list()
    ));
    range_clause(&mut sql, "start_ns", range);
    span_filter_clauses(&mut sql, filter, indexed);
    // A fixed seed keeps comparisons reproducible on unchanged data.
    let limit = limit.clamp(1, 1_000_000);
    let text = format!(
        "SELECT * FROM ({}) USING SAMPLE reservoir({limit} ROWS) REPEATABLE (42)",
        sql.text
    );
    let mut stmt = conn.prepare(&text)?;
    let rows = stmt.query_map(params_from_iter(sql.params.iter()), |row| {
        Ok(RequestSample {
            latency_ms: row.get::<_, i64>(0)? as f64 / 1e6,
            ttft_ms: row.get::<_, Option<f64>>(1)?.map(|s| s * 1e3),
            input_tokens: row.get(2)?,
            output_tokens: row.get(3)?,
            cost_usd: row.get(4)?,
            error: row.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// What [`spans_of_traces`] reads of each span.
pub(crate) enum Projection<'a> {
    /// Everything.
    Full,
    /// No events; span attributes only on spans that carry one of these keys.
    Structure(&'a [&'a str]),
}

/// The span columns to read (positions as in [`SPAN_READ_COLUMNS`]); binds the projection's
/// parameters into `params`.
fn projected_columns(
    projection: Projection<'_>,
    params: &mut Vec<Value>,
) -> Result<String, StoreError> {
    Ok(match projection {
        Projection::Full => SPAN_READ_COLUMNS.to_owned(),
        Projection::Structure(keys) => {
            // The same column positions: the attributes text is kept whole (so it parses as
            // usual) where a wanted key occurs in it, and events are not read.
            let mut keep = String::from("false");
            for key in keys {
                keep.push_str(" OR contains(attributes, ?)");
                let quoted =
                    serde_json::to_string(key).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                params.push(Value::Text(format!("{quoted}:")));
            }
            SPAN_READ_COLUMNS
                .replace(
                    " attributes,",
                    &format!(" CASE WHEN {keep} THEN attributes ELSE '{{}}' END,"),
                )
                .replace(" events,", " CAST(NULL AS VARCHAR),")
        }
    })
}

pub(crate) fn spans_of_traces(
    conn: &Connection,
    trace_ids: &[TraceId],
    projection: Projection<'_>,
) -> Result<Vec<Span>, StoreError> {
    if trace_ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Value> = trace_ids
        .iter()
        .map(|t| Value::UHugeInt(t.to_int()))
        .collect();
    let placeholders = vec!["?"; ids.len()].join(",");
    let (start, end): (Option<i64>, Option<i64>) = conn.query_row(
        &format!(
            "SELECT min(start_ns), max(end_ns) FROM trace_parts WHERE trace_id IN ({placeholders})"
        ),
        params_from_iter(ids.iter()),
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    let (Some(start), Some(end)) = (start, end) else {
        return Ok(Vec::new());
    };
    let mut params = Vec::new();
    let columns = projected_columns(projection, &mut params)?;
    params.extend([Value::BigInt(start), Value::BigInt(end)]);
    params.extend(ids);
    let mut stmt = conn.prepare(&format!(
        "SELECT {columns} FROM spans WHERE start_ns >= ? AND start_ns <= ? \
         AND trace_id IN ({placeholders}) ORDER BY start_ns, span_id"
    ))?;
    let raws = stmt
        .query_map(params_from_iter(params.iter()), span_from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    attach_resources(conn, raws)
}

pub(crate) fn traces_linking_to(
    conn: &Connection,
    trace_ids: &[TraceId],
    range: TimeRange,
    limit: usize,
) -> Result<Vec<TraceId>, StoreError> {
    if trace_ids.is_empty() {
        return Ok(Vec::new());
    }
    // Links are stored as JSON; a linked trace appears as `"trace_id":"<hex>"` in the text.
    let mut sql = Sql::new("SELECT DISTINCT trace_id FROM spans WHERE links IS NOT NULL");
    range_clause(&mut sql, "start_ns", range);
    sql.push(" AND (");
    for (i, t) in trace_ids.iter().enumerate() {
        if i > 0 {
            sql.push(" OR ");
        }
        let quoted = serde_json::to_string(t).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sql.push("contains(links, ?)")
            .bind(format!("\"trace_id\":{quoted}"));
    }
    sql.push(") AND trace_id NOT IN (");
    for (i, t) in trace_ids.iter().enumerate() {
        sql.push(if i > 0 { ",?" } else { "?" })
            .bind(Value::UHugeInt(t.to_int()));
    }
    sql.push(") ORDER BY trace_id LIMIT ?")
        .bind(limit.clamp(1, 10_000) as i64);
    let mut stmt = conn.prepare(&sql.text)?;
    let ids = stmt
        .query_map(params_from_iter(sql.params.iter()), |row| {
            row.get::<_, u128>(0)
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ids.into_iter().filter_map(TraceId::from_int).collect())
}

/// Spans read per batch by [`retrieval_spans`] before their resources are attached.
const RETRIEVAL_BATCH: usize = 1024;

/// The one attribute retrieval spans are read with: the data source when the retrieval view
/// has none.
const RETRIEVAL_ATTRIBUTE: &str = "gen_ai.data_source.id";

pub(crate) fn retrieval_spans(
    conn: &Connection,
    indexed: &Indexed,
    range: TimeRange,
    filter: &SpanFilter,
    limit: usize,
    each: &mut dyn FnMut(Span),
) -> Result<u64, StoreError> {
    // The newest rows first (narrow), then their columns; attributes only where they carry
    // the data source id, no events.
    let mut sql = Sql::new(
        "WITH top AS (SELECT rowid AS rid FROM spans \
         WHERE (gen_ai_operation = 'retrieval' OR has_retrieval)",
    );
    range_clause(&mut sql, "start_ns", range);
    span_filter_clauses(&mut sql, filter, indexed);
    sql.push(" ORDER BY start_ns DESC, trace_id, span_id LIMIT ?) ")
        .bind(limit.clamp(1, 1_000_000) as i64);
    let columns = projected_columns(
        Projection::Structure(&[RETRIEVAL_ATTRIBUTE]),
        &mut sql.params,
    )?;
    sql.push(&format!(
        "SELECT {columns} FROM spans WHERE rowid IN (SELECT rid FROM top) \
         ORDER BY start_ns DESC, trace_id, span_id"
    ));
    // Resources are read on a second connection while the first one streams the spans.
    let side = conn.try_clone()?;
    let mut resources: HashMap<u64, Arc<Resource>> = HashMap::new();
    let mut handed = 0u64;
    let mut flush = |batch: &mut Vec<RawSpan>| -> Result<(), StoreError> {
        let missing: Vec<u64> = batch
            .iter()
            .map(|r| r.resource_id)
            .filter(|id| !resources.contains_key(id))
            .collect();
        if !missing.is_empty() {
            resources.extend(load_resources(&side, missing)?);
        }
        for raw in batch.drain(..) {
            let mut span = raw.span;
            if let Some(resource) = resources.get(&raw.resource_id) {
                span.resource = Arc::clone(resource);
            }
            handed += 1;
            each(span);
        }
        Ok(())
    };
    let mut stmt = conn.prepare(&sql.text)?;
    let rows = stmt.query_map(params_from_iter(sql.params.iter()), span_from_row)?;
    let mut batch = Vec::with_capacity(RETRIEVAL_BATCH);
    for raw in rows {
        batch.push(raw?);
        if batch.len() == RETRIEVAL_BATCH {
            flush(&mut batch)?;
        }
    }
    flush(&mut batch)?;
    Ok(handed)
}

fn attach_resources(conn: &Connection, raws: Vec<RawSpan>) -> Result<Vec<Span>, StoreError> {
    let resources = load_resources(conn, raws.iter().map(|r| r.resource_id))?;
    Ok(raws
        .into_iter()
        .map(|raw| {
            let mut span = raw.span;
            if let Some(resource) = resources.get(&raw.resource_id) {
                span.resource = Arc::clone(resource);
            }
            span
        })
        .collect())
}

pub(crate) fn recent_genai_spans_per_scope(
    conn: &Connection,
    range: TimeRange,
    per_scope: usize,
) -> Result<Vec<Span>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {SPAN_READ_COLUMNS} FROM spans WHERE start_ns >= ? AND start_ns < ? \
         AND gen_ai_operation IS NOT NULL \
         QUALIFY row_number() OVER (PARTITION BY service_name, scope_name, scope_version \
         ORDER BY start_ns DESC) <= ? ORDER BY start_ns"
    ))?;
    let raws = stmt
        .query_map(
            duckdb::params![
                range.start_ns,
                range.end_ns,
                per_scope.clamp(1, 10_000) as i64
            ],
            span_from_row,
        )?
        .collect::<Result<Vec<_>, _>>()?;
    attach_resources(conn, raws)
}
