//! GenAI analytics: breakdowns and time series over the typed GenAI columns.

use duckdb::types::Value;
use duckdb::{Connection, params_from_iter};

use super::sql::{Sql, json_path, range_clause, span_filter_clauses};
use crate::StoreError;
use crate::query::*;

/// The SQL expression of a dimension over `spans s` (and `resources r` for attributes).
fn dimension_sql(dimension: &Dimension, sql: &mut Sql) -> String {
    match dimension {
        Dimension::Provider => "s.gen_ai_provider".into(),
        Dimension::Model => "coalesce(s.gen_ai_request_model, s.gen_ai_response_model)".into(),
        Dimension::ResponseModel => "s.gen_ai_response_model".into(),
        Dimension::ModelFamily => "s.model_family".into(),
        Dimension::Operation => "s.gen_ai_operation".into(),
        Dimension::Service => "s.service_name".into(),
        Dimension::ServiceVersion => "s.service_version".into(),
        Dimension::Agent => "s.agent_name".into(),
        Dimension::Tool => "s.tool_name".into(),
        Dimension::User => "s.user_id".into(),
        Dimension::Conversation => "s.conversation_id".into(),
        Dimension::ErrorType => "s.error_type".into(),
        Dimension::Attribute(key) => {
            let path = json_path(key);
            sql.bind(path.clone()).bind(path);
            "coalesce(json_extract_string(s.attributes, ?), json_extract_string(r.r_attributes, ?))"
                .into()
        }
    }
}

/// The aggregate columns, in the order [`read_row`] reads them.
///
/// Token and cost sums count model calls only (`mc`): agent and workflow spans may carry roll-ups
/// of their children's usage.
const METRICS: &str = "count(*) AS requests, \
    count(*) FILTER (WHERE status_code = 2 OR error_type IS NOT NULL) AS errors, \
    histogram(error_type) FILTER (WHERE error_type IS NOT NULL) AS error_types, \
    quantile_cont(duration_ns, [0.5, 0.95, 0.99]) AS latency, \
    quantile_cont(ttfc_s, [0.5, 0.95, 0.99]) AS ttft, \
    coalesce(sum(input_tokens) FILTER (WHERE mc), 0)::BIGINT, \
    coalesce(sum(output_tokens) FILTER (WHERE mc), 0)::BIGINT, \
    coalesce(sum(cache_read_tokens) FILTER (WHERE mc), 0)::BIGINT, \
    coalesce(sum(cache_write_tokens) FILTER (WHERE mc), 0)::BIGINT, \
    coalesce(sum(reasoning_tokens) FILTER (WHERE mc), 0)::BIGINT, \
    coalesce(sum(cost_total) FILTER (WHERE mc), 0), coalesce(sum(cost_input) FILTER (WHERE mc), 0), \
    coalesce(sum(cost_cache_read) FILTER (WHERE mc), 0), \
    coalesce(sum(cost_cache_write) FILTER (WHERE mc), 0), \
    coalesce(sum(cost_output) FILTER (WHERE mc), 0), \
    coalesce(sum(cost_reasoning) FILTER (WHERE mc), 0), \
    count(*) FILTER (WHERE mc AND cost_total IS NULL AND (input_tokens IS NOT NULL OR output_tokens IS NOT NULL)), \
    count(*) FILTER (WHERE usage_missing), \
    avg(output_tokens_per_second), \
    quantile_cont(context_window_use, [0.5, 0.95, 0.99]), \
    count(*) FILTER (WHERE context_length_exceeded)";

/// The span columns [`METRICS`] reads; `base` carries only these (it is materialized when the
/// query references it twice).
const METRIC_COLUMNS: &str = "s.status_code, s.error_type, s.duration_ns, s.ttfc_s, \
    s.input_tokens, s.output_tokens, s.cache_read_tokens, s.cache_write_tokens, \
    s.reasoning_tokens, s.cost_total, s.cost_input, s.cost_cache_read, s.cost_cache_write, \
    s.cost_output, s.cost_reasoning, s.usage_missing, s.output_tokens_per_second, \
    s.context_window_use, s.context_length_exceeded";

/// `mc`: the span is a model call (see [`crate::MODEL_CALL_OPERATIONS`]).
fn model_call_sql() -> String {
    let ops = crate::MODEL_CALL_OPERATIONS
        .iter()
        .map(|op| format!("'{op}'"))
        .collect::<Vec<_>>()
        .join(", ");
    format!("s.gen_ai_operation IN ({ops}) AS mc")
}

fn order_sql(order: OrderBy) -> &'static str {
    match order {
        OrderBy::Requests => "count(*) DESC",
        OrderBy::Errors => {
            "count(*) FILTER (WHERE status_code = 2 OR error_type IS NOT NULL) DESC, count(*) DESC"
        }
        OrderBy::Cost => "coalesce(sum(cost_total) FILTER (WHERE mc), 0) DESC, count(*) DESC",
        OrderBy::Latency => "quantile_cont(duration_ns, 0.95) DESC NULLS LAST",
        OrderBy::Tokens => {
            "coalesce(sum(input_tokens) FILTER (WHERE mc), 0) \
             + coalesce(sum(output_tokens) FILTER (WHERE mc), 0) DESC, count(*) DESC"
        }
    }
}

pub(crate) fn analytics(
    conn: &Connection,
    query: &AnalyticsQuery,
) -> Result<Vec<AnalyticsRow>, StoreError> {
    let limit = query.limit.clamp(1, 10_000);
    let needs_resources = query
        .group_by
        .iter()
        .any(|d| matches!(d, Dimension::Attribute(_)));

    // `base`: the GenAI spans in range with their dimension values d0, d1, ...
    let mut sql = Sql::default();
    let dims: Vec<String> = query
        .group_by
        .iter()
        .map(|d| dimension_sql(d, &mut sql))
        .collect();
    let dim_cols: Vec<String> = (0..dims.len()).map(|i| format!("d{i}")).collect();
    let mut select = vec![METRIC_COLUMNS.to_owned(), model_call_sql()];
    select.extend(dims.iter().enumerate().map(|(i, e)| format!("{e} AS d{i}")));
    if let Some(step) = query.step_ns {
        select.push("(s.start_ns // ?) * ? AS bucket".into());
        sql.bind(step.max(1)).bind(step.max(1));
    } else {
        select.push("NULL::BIGINT AS bucket".into());
    }
    let from = if needs_resources {
        "spans s LEFT JOIN (SELECT resource_id, any_value(attributes) AS r_attributes \
         FROM resources GROUP BY resource_id) r USING (resource_id)"
    } else {
        "spans s"
    };
    sql.text = format!(
        "WITH base AS (SELECT {} FROM {from} WHERE s.gen_ai_operation IS NOT NULL",
        select.join(", ")
    );
    // The filter clauses name bare columns; inside `base` they resolve against `s`.
    range_clause(&mut sql, "s.start_ns", query.range);
    span_filter_clauses(&mut sql, &query.filter);
    sql.push(")");

    let group_list = if dim_cols.is_empty() {
        String::new()
    } else {
        dim_cols.join(", ")
    };
    if query.step_ns.is_some() && !dim_cols.is_empty() {
        // Rank groups over the whole range, then build the series of the top ones only.
        sql.push(&format!(
            ", top AS (SELECT {group_list} FROM base GROUP BY ALL ORDER BY {} LIMIT ?)",
            order_sql(query.order_by)
        ))
        .bind(limit as i64);
        let join = dim_cols
            .iter()
            .map(|d| format!("base.{d} IS NOT DISTINCT FROM top.{d}"))
            .collect::<Vec<_>>()
            .join(" AND ");
        let dims_select = dim_cols
            .iter()
            .map(|d| format!("base.{d}"))
            .collect::<Vec<_>>()
            .join(", ");
        sql.push(&format!(
            " SELECT bucket, {dims_select}, {METRICS} FROM base JOIN top ON {join} \
             GROUP BY ALL ORDER BY bucket, {dims_select}"
        ));
    } else {
        let dims_select = if dim_cols.is_empty() {
            String::new()
        } else {
            format!("{group_list}, ")
        };
        let order = if query.step_ns.is_some() {
            "bucket".to_owned()
        } else {
            order_sql(query.order_by).to_owned()
        };
        sql.push(&format!(
            " SELECT bucket, {dims_select}{METRICS} FROM base GROUP BY ALL ORDER BY {order} LIMIT ?"
        ))
        .bind(if query.step_ns.is_some() {
            100_000
        } else {
            limit as i64
        });
    }

    let names: Vec<String> = query.group_by.iter().map(Dimension::name).collect();
    let mut stmt = conn.prepare(&sql.text)?;
    let rows = stmt.query_map(params_from_iter(sql.params.iter()), |row| {
        read_row(row, &names)
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn percentiles(value: Value, scale: f64) -> Percentiles {
    let values: Vec<Option<f64>> = match value {
        Value::List(items) => items
            .into_iter()
            .map(|v| match v {
                Value::Double(d) => Some(d * scale),
                Value::Float(f) => Some(f64::from(f) * scale),
                Value::BigInt(i) => Some(i as f64 * scale),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let at = |i: usize| values.get(i).copied().flatten();
    Percentiles {
        p50: at(0),
        p95: at(1),
        p99: at(2),
    }
}

fn histogram(value: Value) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = match value {
        Value::Map(map) => map
            .iter()
            .filter_map(|(k, v)| match (k, v) {
                (Value::Text(k), Value::UBigInt(n)) => Some((k.clone(), *n)),
                (Value::Text(k), Value::BigInt(n)) => Some((k.clone(), *n as u64)),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out.truncate(10);
    out
}

fn read_row(row: &duckdb::Row<'_>, names: &[String]) -> Result<AnalyticsRow, duckdb::Error> {
    let mut group = serde_json::Map::new();
    for (i, name) in names.iter().enumerate() {
        let value: Option<String> = row.get(1 + i)?;
        group.insert(
            name.clone(),
            value.map_or(serde_json::Value::Null, serde_json::Value::String),
        );
    }
    let m = 1 + names.len();
    let requests = row.get::<_, i64>(m)? as u64;
    let errors = row.get::<_, i64>(m + 1)? as u64;
    let tokens = TokenTotals {
        input: row.get(m + 5)?,
        output: row.get(m + 6)?,
        cache_read: row.get(m + 7)?,
        cache_write: row.get(m + 8)?,
        reasoning: row.get(m + 9)?,
    };
    Ok(AnalyticsRow {
        bucket_start_ns: row.get(0)?,
        group,
        requests,
        errors,
        error_rate: if requests == 0 {
            0.0
        } else {
            errors as f64 / requests as f64
        },
        error_types: histogram(row.get(m + 2)?),
        latency_ms: percentiles(row.get(m + 3)?, 1e-6),
        ttft_ms: percentiles(row.get(m + 4)?, 1e3),
        cache_hit_ratio: (tokens.input > 0).then(|| tokens.cache_read as f64 / tokens.input as f64),
        tokens,
        cost: CostTotals {
            total: row.get(m + 10)?,
            input: row.get(m + 11)?,
            cache_read: row.get(m + 12)?,
            cache_write: row.get(m + 13)?,
            output: row.get(m + 14)?,
            reasoning: row.get(m + 15)?,
        },
        unpriced: row.get::<_, i64>(m + 16)? as u64,
        usage_missing: row.get::<_, i64>(m + 17)? as u64,
        output_tokens_per_second: row.get(m + 18)?,
        context_window_use: percentiles(row.get(m + 19)?, 1.0),
        context_length_errors: row.get::<_, i64>(m + 20)? as u64,
    })
}
