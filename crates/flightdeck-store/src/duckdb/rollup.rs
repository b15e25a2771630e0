//! The GenAI rollup: per five-minute bucket and combination of the low-cardinality GenAI
//! dimensions (provider, model, operation, service and version, agent, tool, user, error), the
//! request count, token and cost sums and log-scale histograms of latency, time to first token
//! and context-window use.
//!
//! The writer adds a partial row per combination of each commit, in the same transaction as the
//! spans, so the rollup always agrees with the spans; [`compact`] merges the partial rows of a
//! bucket later. Analytics over many spans read the rollup instead of every span (see
//! `analytics.rs`): counts, tokens and costs stay exact, percentiles come from the histograms
//! (within 1%: a bin's value is within
//! (γ−1)/(γ+1) of every value in it, γ = 1.02).

use std::collections::HashMap;

use duckdb::Connection;

use super::indexed::{Indexed, SLOTS};
use super::raw::{List, RawAppender};
use crate::StoreError;
use crate::rows::WriteBatch;

/// Width of a rollup bucket: five minutes, in ns.
pub(crate) const BUCKET_NS: i64 = 300 * 1_000_000_000;

/// Ratio between the upper bounds of neighbouring histogram bins.
const GAMMA: f64 = 1.02;

/// Bin of values that are zero or negative.
const ZERO_BIN: i16 = i16::MIN;

/// The dimension columns, named as in `spans` so span filters and dimension expressions apply to
/// both tables unchanged. `gen_ai_request_model` holds the requested model, or the responding
/// one when none was requested; `attr_0` to `attr_7` are the indexed attributes (see
/// `indexed.rs`, which adds them).
pub(crate) const DIMENSIONS: &str = "gen_ai_provider, gen_ai_request_model, \
    gen_ai_response_model, model_family, gen_ai_operation, service_name, service_version, \
    agent_name, agent_id, tool_name, user_id, error_type, status_code, \
    attr_0, attr_1, attr_2, attr_3, attr_4, attr_5, attr_6, attr_7";

/// The table (created by a migration, see `schema.rs`).
pub(crate) const CREATE: &str = "CREATE TABLE genai_rollup (
    bucket_ns BIGINT NOT NULL,
    gen_ai_provider VARCHAR,
    gen_ai_request_model VARCHAR,
    gen_ai_response_model VARCHAR,
    model_family VARCHAR,
    gen_ai_operation VARCHAR NOT NULL,
    service_name VARCHAR NOT NULL,
    service_version VARCHAR,
    agent_name VARCHAR,
    agent_id VARCHAR,
    tool_name VARCHAR,
    user_id VARCHAR,
    error_type VARCHAR,
    status_code UTINYINT NOT NULL,
    requests BIGINT NOT NULL,
    input_tokens BIGINT NOT NULL,
    output_tokens BIGINT NOT NULL,
    cache_read_tokens BIGINT NOT NULL,
    cache_write_tokens BIGINT NOT NULL,
    reasoning_tokens BIGINT NOT NULL,
    cost_total DOUBLE NOT NULL,
    cost_input DOUBLE NOT NULL,
    cost_cache_read DOUBLE NOT NULL,
    cost_cache_write DOUBLE NOT NULL,
    cost_output DOUBLE NOT NULL,
    cost_reasoning DOUBLE NOT NULL,
    unpriced BIGINT NOT NULL,
    usage_missing BIGINT NOT NULL,
    tps_sum DOUBLE NOT NULL,
    tps_count BIGINT NOT NULL,
    context_length_exceeded BIGINT NOT NULL,
    latency_bins SMALLINT[],
    latency_counts UINTEGER[],
    ttft_bins SMALLINT[],
    ttft_counts UINTEGER[],
    context_bins SMALLINT[],
    context_counts UINTEGER[],
    compacted BOOLEAN NOT NULL
)";

/// The summed columns, in table order.
const SUMS: [&str; 17] = [
    "requests",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "reasoning_tokens",
    "cost_total",
    "cost_input",
    "cost_cache_read",
    "cost_cache_write",
    "cost_output",
    "cost_reasoning",
    "unpriced",
    "usage_missing",
    "tps_sum",
    "tps_count",
    "context_length_exceeded",
];

/// The histograms: column prefix.
pub(crate) const HISTOGRAMS: [&str; 3] = ["latency", "ttft", "context"];

/// The histogram bin of `value`: `ceil(log_GAMMA(value))`, [`ZERO_BIN`] for zero or less.
pub(crate) fn bin(value: f64) -> i16 {
    if value > 0.0 {
        (value.ln() / GAMMA.ln()).ceil().clamp(-32767.0, 32767.0) as i16
    } else {
        ZERO_BIN
    }
}

/// [`bin`] in SQL, over a column or expression.
pub(crate) fn bin_sql(expr: &str) -> String {
    format!(
        "CASE WHEN {expr} > 0 THEN least(greatest(ceil(ln({expr}) / ln({GAMMA})), -32767), 32767)::SMALLINT \
         ELSE CAST({ZERO_BIN} AS SMALLINT) END"
    )
}

/// The value bin `merged` stands for when bins are merged `factor` at a time (bin
/// `floor(b / factor)`): the point of `(GAMMA^(f·m − 1), GAMMA^(f·m + f − 1)]` with equal relative
/// distance to both ends, so within `(GAMMA^f − 1) / (GAMMA^f + 1)` of every value in it.
pub(crate) fn merged_bin_value(merged: i32, factor: i32) -> f64 {
    if merged == (i32::from(ZERO_BIN)).div_euclid(factor) {
        return 0.0;
    }
    let lower = GAMMA.powi(factor * merged - 1);
    let upper = GAMMA.powi(factor * merged + factor - 1);
    2.0 * lower * upper / (lower + upper)
}

/// One combination of dimension values.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key<'a> {
    bucket_ns: i64,
    provider: Option<&'a str>,
    model: Option<&'a str>,
    response_model: Option<&'a str>,
    model_family: Option<&'a str>,
    operation: &'a str,
    service_name: &'a str,
    service_version: Option<&'a str>,
    agent_name: Option<&'a str>,
    agent_id: Option<&'a str>,
    tool_name: Option<&'a str>,
    user_id: Option<&'a str>,
    error_type: Option<&'a str>,
    status_code: u8,
    indexed: [Option<&'a str>; SLOTS],
}

#[derive(Debug, Default)]
struct Sums {
    ints: [i64; 6],
    costs: [f64; 6],
    unpriced: i64,
    usage_missing: i64,
    tps_sum: f64,
    tps_count: i64,
    context_length_exceeded: i64,
    histograms: [HashMap<i16, u32>; 3],
}

fn list(bins: &HashMap<i16, u32>) -> (Vec<i16>, Vec<u32>) {
    let mut sorted: Vec<(i16, u32)> = bins.iter().map(|(&b, &c)| (b, c)).collect();
    sorted.sort_unstable();
    sorted.into_iter().unzip()
}

/// Appends the partial rollup rows of the GenAI spans of `batches` to `app` (an appender of
/// `genai_rollup` inside the caller's transaction); returns how many.
pub(crate) fn append(
    app: &mut RawAppender<'_>,
    indexed: &Indexed,
    batches: &[WriteBatch],
) -> Result<u64, StoreError> {
    let mut groups: HashMap<Key<'_>, Sums> = HashMap::new();
    let spans = batches.iter().flat_map(|b| {
        let slots = indexed.slots_of(&b.indexed_keys);
        b.spans
            .iter()
            .map(move |r| (r, Indexed::place(&slots, &r.indexed)))
    });
    for (r, indexed) in spans {
        let g = &r.genai;
        let Some(operation) = g.operation.as_deref() else {
            continue;
        };
        let key = Key {
            bucket_ns: r.start_ns.div_euclid(BUCKET_NS) * BUCKET_NS,
            provider: g.provider.as_deref(),
            model: g.request_model.as_deref().or(g.response_model.as_deref()),
            response_model: g.response_model.as_deref(),
            model_family: g.model_family.as_deref(),
            operation,
            service_name: &r.service_name,
            service_version: r.service_version.as_deref(),
            agent_name: g.agent_name.as_deref(),
            agent_id: g.agent_id.as_deref(),
            tool_name: g.tool_name.as_deref(),
            user_id: g.user_id.as_deref(),
            error_type: g.error_type.as_deref(),
            status_code: r.status_code,
            indexed,
        };
        let s = groups.entry(key).or_default();
        let u = &g.usage;
        for (sum, value) in s.ints.iter_mut().zip([
            Some(1),
            u.input_tokens,
            u.output_tokens,
            u.cache_read_input_tokens,
            u.cache_write_input_tokens,
            u.reasoning_output_tokens,
        ]) {
            *sum += value.unwrap_or(0);
        }
        if let Some(c) = &g.cost {
            for (sum, value) in s.costs.iter_mut().zip([
                c.total,
                c.input,
                c.cache_read,
                c.cache_write,
                c.output,
                c.reasoning,
            ]) {
                *sum += value;
            }
        } else if u.input_tokens.is_some() || u.output_tokens.is_some() {
            s.unpriced += 1;
        }
        s.usage_missing += i64::from(g.usage_missing);
        if let Some(tps) = g.output_tokens_per_second {
            s.tps_sum += tps;
            s.tps_count += 1;
        }
        s.context_length_exceeded += i64::from(g.context_length_exceeded);
        let duration = (r.end_ns - r.start_ns) as f64;
        for (histogram, value) in s.histograms.iter_mut().zip([
            Some(duration),
            g.time_to_first_chunk,
            g.context_window_use,
        ]) {
            if let Some(v) = value {
                *histogram.entry(bin(v)).or_default() += 1;
            }
        }
    }
    if groups.is_empty() {
        return Ok(0);
    }
    let added = groups.len() as u64;
    for (k, s) in groups {
        let [latency, ttft, context] = &s.histograms;
        let (latency_bins, latency_counts) = list(latency);
        let (ttft_bins, ttft_counts) = list(ttft);
        let (context_bins, context_counts) = list(context);
        let [a0, a1, a2, a3, a4, a5, a6, a7] = k.indexed;
        app.row(&[
            &k.bucket_ns,
            &k.provider,
            &k.model,
            &k.response_model,
            &k.model_family,
            &k.operation,
            &k.service_name,
            &k.service_version,
            &k.agent_name,
            &k.agent_id,
            &k.tool_name,
            &k.user_id,
            &k.error_type,
            &k.status_code,
            &s.ints[0],
            &s.ints[1],
            &s.ints[2],
            &s.ints[3],
            &s.ints[4],
            &s.ints[5],
            &s.costs[0],
            &s.costs[1],
            &s.costs[2],
            &s.costs[3],
            &s.costs[4],
            &s.costs[5],
            &s.unpriced,
            &s.usage_missing,
            &s.tps_sum,
            &s.tps_count,
            &s.context_length_exceeded,
            &List(&latency_bins),
            &List(&latency_counts),
            &List(&ttft_bins),
            &List(&ttft_counts),
            &List(&context_bins),
            &List(&context_counts),
            &false,
            &a0,
            &a1,
            &a2,
            &a3,
            &a4,
            &a5,
            &a6,
            &a7,
        ])?;
    }
    Ok(added)
}

/// Rollup-shaped rows, one per GenAI span of `spans s` matching `where_sql` (a condition over
/// `s`): what [`append`] would add for each span on its own.
pub(crate) fn span_rows_sql(where_sql: &str) -> String {
    let latency = bin_sql("s.duration_ns::DOUBLE");
    let ttft = bin_sql("s.ttfc_s");
    let context = bin_sql("s.context_window_use");
    let attrs = super::indexed::all_columns("s.");
    format!(
        "SELECT (s.start_ns // {BUCKET_NS}) * {BUCKET_NS} AS bucket_ns, s.gen_ai_provider, \
         coalesce(s.gen_ai_request_model, s.gen_ai_response_model) AS gen_ai_request_model, \
         s.gen_ai_response_model, s.model_family, s.gen_ai_operation, s.service_name, \
         s.service_version, s.agent_name, s.agent_id, s.tool_name, s.user_id, s.error_type, \
         s.status_code, {attrs}, 1::BIGINT AS requests, \
         coalesce(s.input_tokens, 0) AS input_tokens, coalesce(s.output_tokens, 0) AS output_tokens, \
         coalesce(s.cache_read_tokens, 0) AS cache_read_tokens, \
         coalesce(s.cache_write_tokens, 0) AS cache_write_tokens, \
         coalesce(s.reasoning_tokens, 0) AS reasoning_tokens, \
         coalesce(s.cost_total, 0) AS cost_total, coalesce(s.cost_input, 0) AS cost_input, \
         coalesce(s.cost_cache_read, 0) AS cost_cache_read, \
         coalesce(s.cost_cache_write, 0) AS cost_cache_write, \
         coalesce(s.cost_output, 0) AS cost_output, coalesce(s.cost_reasoning, 0) AS cost_reasoning, \
         (s.cost_total IS NULL AND (s.input_tokens IS NOT NULL OR s.output_tokens IS NOT NULL))::BIGINT AS unpriced, \
         s.usage_missing::BIGINT AS usage_missing, \
         coalesce(s.output_tokens_per_second, 0) AS tps_sum, \
         (s.output_tokens_per_second IS NOT NULL)::BIGINT AS tps_count, \
         s.context_length_exceeded::BIGINT AS context_length_exceeded, \
         [{latency}] AS latency_bins, [1::UINTEGER] AS latency_counts, \
         CASE WHEN s.ttfc_s IS NULL THEN NULL ELSE [{ttft}] END AS ttft_bins, \
         CASE WHEN s.ttfc_s IS NULL THEN NULL ELSE [1::UINTEGER] END AS ttft_counts, \
         CASE WHEN s.context_window_use IS NULL THEN NULL ELSE [{context}] END AS context_bins, \
         CASE WHEN s.context_window_use IS NULL THEN NULL ELSE [1::UINTEGER] END AS context_counts, \
         false AS compacted \
         FROM spans s WHERE s.gen_ai_operation IS NOT NULL AND ({where_sql})"
    )
}

/// Merges rollup-shaped rows of `source` into one row per bucket and combination, marked
/// compacted; the columns are named as in `genai_rollup` (insert them `BY NAME`).
fn merge_sql(source: &str) -> String {
    let sums = SUMS
        .iter()
        .map(|c| format!("sum({c})::{} AS {c}", sum_type(c)))
        .collect::<Vec<_>>()
        .join(", ");
    let dims_any = DIMENSIONS
        .split(", ")
        .map(|d| format!("any_value({d}) AS {d}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut sql = format!(
        "WITH src AS (SELECT *, hash(bucket_ns, {DIMENSIONS}) AS k FROM ({source})), \
         sums AS (SELECT k, any_value(bucket_ns) AS bucket_ns, {dims_any}, {sums} FROM src GROUP BY k)"
    );
    for h in HISTOGRAMS {
        sql.push_str(&format!(
            ", {h} AS (SELECT k, list(b ORDER BY b) AS bins, list(n ORDER BY b) AS counts FROM \
             (SELECT k, b, sum(n)::UINTEGER AS n FROM \
              (SELECT k, unnest({h}_bins) AS b, unnest({h}_counts) AS n FROM src) \
              WHERE b IS NOT NULL GROUP BY k, b) GROUP BY k)"
        ));
    }
    let sum_cols = SUMS
        .iter()
        .map(|c| format!("sums.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let dim_cols = DIMENSIONS
        .split(", ")
        .map(|d| format!("sums.{d}"))
        .collect::<Vec<_>>()
        .join(", ");
    sql.push_str(&format!(
        " SELECT sums.bucket_ns, {dim_cols}, {sum_cols}, latency.bins AS latency_bins, \
         latency.counts AS latency_counts, ttft.bins AS ttft_bins, ttft.counts AS ttft_counts, \
         context.bins AS context_bins, context.counts AS context_counts, true AS compacted FROM sums \
         LEFT JOIN latency USING (k) LEFT JOIN ttft USING (k) LEFT JOIN context USING (k)"
    ));
    sql
}

fn sum_type(column: &str) -> &'static str {
    if column.starts_with("cost_") || column == "tps_sum" {
        "DOUBLE"
    } else {
        "BIGINT"
    }
}

/// SQL that fills an empty rollup from every stored span (the migration that creates the rollup
/// runs it for databases written before).
pub(crate) fn backfill_sql() -> String {
    format!(
        "INSERT INTO genai_rollup BY NAME {}",
        merge_sql(&span_rows_sql("true"))
    )
}

/// Rebuilds the rollup rows of the buckets listed by `buckets_sql` (a query returning
/// `bucket_ns` values) from the spans, inside the caller's transaction: after stored spans
/// changed (re-pricing).
pub(crate) fn rebuild_buckets(conn: &Connection, buckets_sql: &str) -> Result<(), StoreError> {
    conn.execute_batch(&format!(
        "CREATE TEMP TABLE rollup_rebuild AS {buckets_sql}; \
         DELETE FROM genai_rollup WHERE bucket_ns IN (SELECT * FROM rollup_rebuild); \
         INSERT INTO genai_rollup BY NAME {}; DROP TABLE rollup_rebuild;",
        merge_sql(&span_rows_sql(&format!(
            "(s.start_ns // {BUCKET_NS}) * {BUCKET_NS} IN (SELECT * FROM rollup_rebuild)"
        )))
    ))?;
    Ok(())
}

/// Rows not yet compacted (partial rows written since the last compaction).
pub(crate) fn pending(conn: &Connection) -> Result<u64, StoreError> {
    let n: i64 = conn.query_row(
        "SELECT count(*) FROM genai_rollup WHERE NOT compacted",
        [],
        |row| row.get(0),
    )?;
    Ok(n as u64)
}

/// Rows in the rollup.
pub(crate) fn rows(conn: &Connection) -> Result<u64, StoreError> {
    let n: i64 = conn.query_row("SELECT count(*) FROM genai_rollup", [], |row| row.get(0))?;
    Ok(n as u64)
}

/// Merges the rows of every bucket that has partial rows into one row per combination, in one
/// transaction; returns the rows the rollup has afterwards.
pub(crate) fn compact(conn: &Connection) -> Result<u64, StoreError> {
    conn.execute_batch("BEGIN TRANSACTION")?;
    let result = conn.execute_batch(&format!(
        "CREATE TEMP TABLE rollup_buckets AS \
         SELECT DISTINCT bucket_ns FROM genai_rollup WHERE NOT compacted; \
         CREATE TEMP TABLE rollup_merged AS {}; \
         DELETE FROM genai_rollup WHERE bucket_ns IN (SELECT bucket_ns FROM rollup_buckets); \
         INSERT INTO genai_rollup BY NAME SELECT * FROM rollup_merged; \
         DROP TABLE rollup_merged; DROP TABLE rollup_buckets; COMMIT",
        merge_sql(
            "SELECT * FROM genai_rollup WHERE bucket_ns IN (SELECT bucket_ns FROM rollup_buckets)"
        )
    ));
    if let Err(e) = result {
        let _ = conn.execute_batch(
            "ROLLBACK; DROP TABLE IF EXISTS rollup_merged; DROP TABLE IF EXISTS rollup_buckets;",
        );
        return Err(e.into());
    }
    rows(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Largest relative error of a value read from its bin.
    const RELATIVE_ERROR: f64 = (GAMMA - 1.0) / (GAMMA + 1.0);

    /// The value a bin stands for: the point of `(GAMMA^(b-1), GAMMA^b]` with equal relative
    /// distance to both ends.
    fn bin_value(bin: i16) -> f64 {
        if bin == ZERO_BIN {
            0.0
        } else {
            2.0 * GAMMA.powi(i32::from(bin)) / (GAMMA + 1.0)
        }
    }

    #[test]
    fn bins_bound_the_relative_error() {
        for value in [1e-4, 0.003, 0.5, 1.0, 7.3, 250.0, 1.2e6, 3.6e12] {
            let estimate = bin_value(bin(value));
            assert!(
                (estimate - value).abs() / value <= RELATIVE_ERROR + 1e-12,
                "{value} → {estimate}"
            );
        }
        assert_eq!(bin(0.0), ZERO_BIN);
        assert_eq!(bin_value(ZERO_BIN), 0.0);
    }

    #[test]
    fn merged_bins_bound_the_relative_error() {
        for factor in [1, 2, 4] {
            let bound = (GAMMA.powi(factor) - 1.0) / (GAMMA.powi(factor) + 1.0);
            for value in [1e-4, 0.003, 0.5, 1.0, 7.3, 250.0, 1.2e6, 3.6e12] {
                let merged = i32::from(bin(value)).div_euclid(factor);
                let estimate = merged_bin_value(merged, factor);
                assert!(
                    (estimate - value).abs() / value <= bound + 1e-12,
                    "{value} ×{factor} → {estimate}"
                );
            }
            assert_eq!(
                merged_bin_value(i32::from(ZERO_BIN).div_euclid(factor), factor),
                0.0
            );
        }
        assert_eq!(
            merged_bin_value(i32::from(bin(5.0)), 1),
            bin_value(bin(5.0))
        );
    }
}
