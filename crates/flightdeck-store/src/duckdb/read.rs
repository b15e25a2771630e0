//! Queries.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use duckdb::types::Value;
use duckdb::{Connection, Row, params_from_iter};
use flightdeck_model::{
    Attributes, Event, GenAi, Link, LogRecord, Resource, Scope, Span, SpanId, SpanKind, Status,
    StatusCode, TraceId, Usage,
};

use super::schema::{LOG_COLUMNS, SPAN_COLUMNS};
use crate::StoreError;
use crate::query::*;

/// A SQL text with its positional parameters, built up piece by piece.
#[derive(Default)]
pub(crate) struct Sql {
    pub text: String,
    pub params: Vec<Value>,
}

impl Sql {
    fn new(text: &str) -> Self {
        Sql {
            text: text.to_owned(),
            params: Vec::new(),
        }
    }

    fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.params.push(value.into());
        self
    }

    /// Appends ` AND <text>` binding one value.
    fn and(&mut self, text: &str, value: impl Into<Value>) -> &mut Self {
        self.push(" AND ").push(text).bind(value)
    }
}

fn range_clause(sql: &mut Sql, column: &str, range: TimeRange) {
    sql.and(&format!("{column} >= ?"), range.start_ns)
        .and(&format!("{column} < ?"), range.end_ns);
}

/// JSON path for a top-level key, quoted so dots in keys are not path separators.
fn json_path(key: &str) -> String {
    let escaped = key.replace('\\', "\\\\").replace('"', "\\\"");
    format!("$.\"{escaped}\"")
}

/// Adds the span-level filter as `AND ...` clauses over the `spans` table.
pub(crate) fn span_filter_clauses(sql: &mut Sql, f: &SpanFilter) {
    if let Some(v) = &f.service {
        sql.and("service_name = ?", v.clone());
    }
    if let Some(v) = &f.span_name {
        sql.and("name = ?", v.clone());
    }
    if let Some(v) = f.status {
        sql.and("status_code = ?", v.to_otlp());
    }
    if let Some(v) = f.min_duration_ns {
        sql.and("duration_ns >= ?", v);
    }
    if let Some(v) = f.max_duration_ns {
        sql.and("duration_ns <= ?", v);
    }
    if let Some(v) = &f.operation {
        sql.and("gen_ai_operation = ?", v.clone());
    }
    if let Some(v) = &f.provider {
        sql.and("gen_ai_provider = ?", v.clone());
    }
    if let Some(v) = &f.model {
        sql.push(" AND (gen_ai_request_model = ? OR gen_ai_response_model = ?)")
            .bind(v.clone())
            .bind(v.clone());
    }
    if let Some(v) = &f.agent {
        sql.push(" AND (agent_name = ? OR agent_id = ?)")
            .bind(v.clone())
            .bind(v.clone());
    }
    if let Some(v) = &f.tool {
        sql.and("tool_name = ?", v.clone());
    }
    if let Some(v) = &f.conversation_id {
        sql.and("conversation_id = ?", v.clone());
    }
    for (key, value) in &f.attributes {
        // `contains` on the raw JSON is a cheap pre-filter before parsing it.
        let needle = format!("{}:", serde_json::Value::String(key.clone()));
        let path = json_path(key);
        sql.push(
            " AND ((contains(attributes, ?) AND json_extract_string(attributes, ?) = ?) \
             OR resource_id IN (SELECT resource_id FROM resources \
             WHERE json_extract_string(attributes, ?) = ?))",
        )
        .bind(needle)
        .bind(path.clone())
        .bind(value.clone())
        .bind(path)
        .bind(value.clone());
    }
}

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

fn float_list(value: Value) -> Vec<Option<f64>> {
    match value {
        Value::List(items) => items
            .into_iter()
            .map(|v| match v {
                Value::Double(d) => Some(d),
                Value::Float(f) => Some(f64::from(f)),
                Value::BigInt(i) => Some(i as f64),
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
    let scope_extra: Option<String> = row.get(15)?;
    let (scope_attributes, scope_schema_url) = match scope_extra {
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
    let attributes: String = row.get(18)?;
    let events: Option<String> = row.get(19)?;
    let links: Option<String> = row.get(20)?;
    let span = Span {
        trace_id,
        span_id,
        parent_span_id,
        start_time_unix_nano: row.get::<_, i64>(3)?.max(0) as u64,
        end_time_unix_nano: row.get::<_, i64>(4)?.max(0) as u64,
        name: row.get(6)?,
        kind: SpanKind::from_otlp(i32::from(row.get::<_, u8>(7)?)),
        status: Status {
            code: StatusCode::from_otlp(i32::from(row.get::<_, u8>(8)?)),
            message: row.get::<_, Option<String>>(9)?.unwrap_or_default(),
        },
        resource: Arc::default(),
        scope: Arc::new(Scope {
            name: row.get(13)?,
            version: row.get::<_, Option<String>>(14)?.unwrap_or_default(),
            attributes: scope_attributes,
            schema_url: scope_schema_url,
        }),
        trace_state: row.get::<_, Option<String>>(16)?.unwrap_or_default(),
        flags: row.get(17)?,
        attributes: Attributes::from_json_str(&attributes)
            .map_err(|e| corrupt("attributes", e.to_string()))?,
        events: parse_json::<Vec<Event>>(events, "events")
            .map_err(|e| corrupt("events", e.to_string()))?,
        links: parse_json::<Vec<Link>>(links, "links")
            .map_err(|e| corrupt("links", e.to_string()))?,
        dropped_attributes_count: row.get(21)?,
        dropped_events_count: row.get(22)?,
        dropped_links_count: row.get(23)?,
        genai: GenAi {
            operation: row.get(24)?,
            provider: row.get(25)?,
            request_model: row.get(26)?,
            response_model: row.get(27)?,
            usage: Usage {
                input_tokens: row.get(28)?,
                output_tokens: row.get(29)?,
                cache_read_input_tokens: row.get(30)?,
                cache_write_input_tokens: row.get(31)?,
                reasoning_output_tokens: row.get(32)?,
            },
            finish_reasons: string_list(row.get(33)?),
            response_id: row.get(34)?,
            conversation_id: row.get(35)?,
            agent_name: row.get(36)?,
            agent_id: row.get(37)?,
            tool_name: row.get(38)?,
            tool_type: row.get(39)?,
            tool_call_id: row.get(40)?,
            error_type: row.get(41)?,
            time_to_first_chunk: row.get(42)?,
            ..GenAi::default()
        },
    };
    Ok(RawSpan {
        span,
        resource_id: row.get(12)?,
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
    let Some((start, end)) = trace_extent(conn, trace_id)? else {
        return Ok(Vec::new());
    };
    // Bounding by the extent lets DuckDB skip row groups by their start_ns min/max.
    let mut stmt = conn.prepare(&format!(
        "SELECT {SPAN_COLUMNS} FROM spans WHERE start_ns >= ? AND start_ns <= ? AND trace_id = ? \
         ORDER BY start_ns, span_id"
    ))?;
    let raws = stmt
        .query_map(
            duckdb::params![start, end, trace_id.to_int()],
            span_from_row,
        )?
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

pub(crate) fn search(conn: &Connection, query: &TraceQuery) -> Result<TracePage, StoreError> {
    let limit = query.limit.clamp(1, 1000);
    // Step 1: the page of trace ids, ordered by (first matching start, id) descending.
    let mut sql = if query.filter.is_empty() {
        let mut sql = Sql::new("SELECT trace_id, min(start_ns) AS s FROM trace_parts WHERE true");
        range_clause(&mut sql, "start_ns", query.range);
        sql
    } else {
        let mut sql = Sql::new("SELECT trace_id, min(start_ns) AS s FROM spans WHERE true");
        range_clause(&mut sql, "start_ns", query.range);
        span_filter_clauses(&mut sql, &query.filter);
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
         max(root_name), list_distinct(flatten(list(services))) \
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

pub(crate) fn models(conn: &Connection, range: TimeRange) -> Result<Vec<ModelInfo>, StoreError> {
    let mut sql = Sql::new(
        "SELECT gen_ai_provider, coalesce(gen_ai_request_model, gen_ai_response_model) AS m, \
         list_distinct(list(gen_ai_response_model)), list_distinct(list(gen_ai_operation)), \
         count(*) AS n FROM spans WHERE true",
    );
    range_clause(&mut sql, "start_ns", range);
    sql.push(" AND m IS NOT NULL GROUP BY 1, 2 ORDER BY n DESC, m");
    let mut stmt = conn.prepare(&sql.text)?;
    let rows = stmt.query_map(params_from_iter(sql.params.iter()), |row| {
        let mut response_models = string_list(row.get(2)?);
        response_models.sort();
        let mut operations = string_list(row.get(3)?);
        operations.sort();
        Ok(ModelInfo {
            provider: row.get(0)?,
            model: row.get(1)?,
            response_models,
            operations,
            spans: row.get::<_, i64>(4)? as u64,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(crate) fn aggregate(
    conn: &Connection,
    query: &AggregateQuery,
) -> Result<Vec<AggregateRow>, StoreError> {
    let mut select = Vec::new();
    let mut sql = Sql::default();
    if let Some(step) = query.step_ns {
        select.push("(start_ns // ?) * ? AS bucket".to_owned());
        sql.bind(step.max(1)).bind(step.max(1));
    } else {
        select.push("NULL::BIGINT AS bucket".to_owned());
    }
    match query.group_by {
        GroupBy::Model => select.push(
            "gen_ai_provider AS provider, coalesce(gen_ai_request_model, gen_ai_response_model) \
             AS model, gen_ai_operation AS operation, NULL::VARCHAR AS service"
                .to_owned(),
        ),
        GroupBy::Service => select.push(
            "NULL::VARCHAR AS provider, NULL::VARCHAR AS model, NULL::VARCHAR AS operation, \
             service_name AS service"
                .to_owned(),
        ),
    }
    select.push(
        "count(*) AS requests, \
         count(*) FILTER (WHERE status_code = 2 OR error_type IS NOT NULL) AS errors, \
         quantile_cont(duration_ns, [0.5, 0.95, 0.99]) AS latency, \
         coalesce(sum(input_tokens), 0)::BIGINT, coalesce(sum(output_tokens), 0)::BIGINT"
            .to_owned(),
    );
    sql.text = format!(
        "SELECT {} FROM spans WHERE gen_ai_operation IS NOT NULL",
        select.join(", ")
    );
    range_clause(&mut sql, "start_ns", query.range);
    span_filter_clauses(&mut sql, &query.filter);
    sql.push(" GROUP BY ALL ORDER BY bucket NULLS FIRST, requests DESC, provider, model, operation, service");
    let mut stmt = conn.prepare(&sql.text)?;
    let rows = stmt.query_map(params_from_iter(sql.params.iter()), |row| {
        let requests = row.get::<_, i64>(5)? as u64;
        let errors = row.get::<_, i64>(6)? as u64;
        let latency = float_list(row.get(7)?);
        let ms = |i: usize| latency.get(i).copied().flatten().map(|ns| ns / 1e6);
        Ok(AggregateRow {
            bucket_start_ns: row.get(0)?,
            provider: row.get(1)?,
            model: row.get(2)?,
            operation: row.get(3)?,
            service: row.get(4)?,
            requests,
            errors,
            error_rate: if requests == 0 {
                0.0
            } else {
                errors as f64 / requests as f64
            },
            latency_p50_ms: ms(0),
            latency_p95_ms: ms(1),
            latency_p99_ms: ms(2),
            input_tokens: row.get(8)?,
            output_tokens: row.get(9)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
