//! The DuckDB schema and its migrations.
//!
//! Each migration runs once, in order, inside a transaction; `meta.schema_version` records how far
//! a database has come. New columns are added by new migrations, never by editing old ones.

use super::{indexed, rollup};

/// Ordered migrations; index + 1 is the schema version they bring the database to.
pub(crate) fn migrations() -> Vec<String> {
    vec![
        FOUNDATION.to_owned(),
        // 2: the GenAI rollup (`migrate` fills it from the spans stored before, once every
        // migration ran: its filling query reads columns later migrations add).
        rollup::CREATE.to_owned(),
        // 3: spans with a retrieval view, typed (retrieval statistics read them without
        // scanning every span's GenAI JSON; `"retrieval":` occurs in it only as that key).
        "ALTER TABLE spans ADD COLUMN has_retrieval BOOLEAN; \
         UPDATE spans SET has_retrieval = contains(genai_json, '\"retrieval\":');"
            .to_owned(),
        // 4: the indexed-attribute slots (filled when the configuration names keys).
        indexed::migration(),
    ]
}

/// The schema version that created the rollup: a database migrated from below it has spans
/// the rollup must be filled from.
pub(crate) const ROLLUP_VERSION: usize = 2;

/// 1: the foundation schema.
const FOUNDATION: &str = r#"
CREATE TABLE resources (
    resource_id UBIGINT NOT NULL,
    attributes VARCHAR NOT NULL,
    schema_url VARCHAR,
    dropped_attributes UINTEGER NOT NULL DEFAULT 0
);

CREATE TABLE spans (
    trace_id UHUGEINT NOT NULL,
    span_id UBIGINT NOT NULL,
    parent_span_id UBIGINT,
    start_ns BIGINT NOT NULL,
    end_ns BIGINT NOT NULL,
    duration_ns BIGINT NOT NULL,
    name VARCHAR NOT NULL,
    kind UTINYINT NOT NULL,
    status_code UTINYINT NOT NULL,
    status_message VARCHAR,
    service_name VARCHAR NOT NULL,
    service_version VARCHAR,
    resource_id UBIGINT NOT NULL,
    scope_name VARCHAR NOT NULL,
    scope_version VARCHAR,
    scope_extra VARCHAR,
    trace_state VARCHAR,
    flags UINTEGER NOT NULL,
    attributes VARCHAR NOT NULL,
    events VARCHAR,
    links VARCHAR,
    dropped_attributes UINTEGER NOT NULL,
    dropped_events UINTEGER NOT NULL,
    dropped_links UINTEGER NOT NULL,
    gen_ai_operation VARCHAR,
    gen_ai_provider VARCHAR,
    gen_ai_request_model VARCHAR,
    gen_ai_response_model VARCHAR,
    input_tokens BIGINT,
    output_tokens BIGINT,
    cache_read_tokens BIGINT,
    cache_write_tokens BIGINT,
    reasoning_tokens BIGINT,
    finish_reasons VARCHAR[],
    response_id VARCHAR,
    conversation_id VARCHAR,
    agent_name VARCHAR,
    agent_id VARCHAR,
    tool_name VARCHAR,
    tool_type VARCHAR,
    tool_call_id VARCHAR,
    error_type VARCHAR,
    ttfc_s DOUBLE,
    model_family VARCHAR,
    user_id VARCHAR,
    output_tokens_per_second DOUBLE,
    max_chunk_gap_s DOUBLE,
    usage_missing BOOLEAN NOT NULL,
    cost_total DOUBLE,
    cost_input DOUBLE,
    cost_cache_read DOUBLE,
    cost_cache_write DOUBLE,
    cost_output DOUBLE,
    cost_reasoning DOUBLE,
    priced_as VARCHAR,
    context_window_use DOUBLE,
    context_length_exceeded BOOLEAN NOT NULL,
    -- The whole typed GenAI view as JSON: what reads return. The typed columns above exist for
    -- filtering and aggregation.
    genai_json VARCHAR
);

CREATE TABLE trace_parts (
    trace_id UHUGEINT NOT NULL,
    start_ns BIGINT NOT NULL,
    end_ns BIGINT NOT NULL,
    span_count UINTEGER NOT NULL,
    error_count UINTEGER NOT NULL,
    genai_count UINTEGER NOT NULL,
    input_tokens BIGINT NOT NULL,
    output_tokens BIGINT NOT NULL,
    root_service VARCHAR,
    root_name VARCHAR,
    services VARCHAR[] NOT NULL,
    cost_total DOUBLE NOT NULL
);

CREATE TABLE logs (
    time_ns BIGINT NOT NULL,
    observed_ns BIGINT NOT NULL,
    trace_id UHUGEINT,
    span_id UBIGINT,
    severity_number INTEGER NOT NULL,
    severity_text VARCHAR,
    event_name VARCHAR,
    body VARCHAR NOT NULL,
    attributes VARCHAR NOT NULL,
    service_name VARCHAR NOT NULL,
    resource_id UBIGINT NOT NULL,
    scope_name VARCHAR NOT NULL,
    scope_version VARCHAR,
    flags UINTEGER NOT NULL,
    dropped_attributes UINTEGER NOT NULL
);
"#;

/// The columns a span is read back from (the GenAI view comes from `genai_json`).
pub(crate) const SPAN_READ_COLUMNS: &str = "trace_id, span_id, parent_span_id, start_ns, end_ns, \
    name, kind, status_code, status_message, resource_id, scope_name, scope_version, scope_extra, \
    trace_state, flags, attributes, events, links, dropped_attributes, dropped_events, \
    dropped_links, genai_json";

/// The columns of `logs` in append order.
pub(crate) const LOG_COLUMNS: &str = "time_ns, observed_ns, trace_id, span_id, severity_number, \
    severity_text, event_name, body, attributes, service_name, resource_id, scope_name, \
    scope_version, flags, dropped_attributes";

#[cfg(test)]
mod tests {
    use duckdb::Connection;

    use super::super::indexed;
    use crate::{DuckDbStore, Store as _, StoreConfig, Writer as _, test_util};

    type Totals = Vec<(Option<String>, i64, i64, bool)>;

    /// Per model: GenAI spans and input tokens from the rollup, and whether any span has a
    /// retrieval view.
    fn totals(store: &DuckDbStore) -> Totals {
        store
            .with_reader(|c| {
                let mut stmt = c.prepare(
                    "SELECT r.gen_ai_request_model, r.n, r.input, \
                     coalesce(s.retrievals, 0) > 0 FROM \
                     (SELECT gen_ai_request_model, sum(requests)::BIGINT AS n, \
                      sum(input_tokens)::BIGINT AS input FROM genai_rollup GROUP BY 1) r \
                     LEFT JOIN (SELECT coalesce(gen_ai_request_model, gen_ai_response_model) AS m, \
                      count(*) FILTER (WHERE has_retrieval) AS retrievals FROM spans GROUP BY 1) s \
                     ON r.gen_ai_request_model IS NOT DISTINCT FROM s.m ORDER BY 1",
                )?;
                let rows =
                    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
                Ok(rows.collect::<Result<_, _>>()?)
            })
            .unwrap()
    }

    /// A database written at schema version 1 (spans only, no rollup) is migrated to the
    /// current version at start-up: the rollup is filled from its spans and later columns from
    /// what the spans hold.
    #[test]
    fn a_version_1_database_is_migrated_and_its_rollup_filled() {
        let current = tempfile::tempdir().unwrap();
        let store = DuckDbStore::open(&StoreConfig::new(current.path())).unwrap();
        for seed in 1..=3 {
            store.write(&[test_util::batch(100, seed)]).unwrap();
        }
        store.close().unwrap();
        let expected = totals(&store);
        assert!(
            expected.len() > 2 && expected.iter().any(|t| t.3),
            "{expected:?}"
        );
        drop(store);

        // The same rows in a version-1 database.
        let old = tempfile::tempdir().unwrap();
        let config = StoreConfig::new(old.path());
        {
            let conn = Connection::open(config.database_path()).unwrap();
            conn.execute_batch(&format!(
                "CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR); {} \
                 INSERT INTO meta VALUES ('schema_version', '1'); \
                 ATTACH '{}' AS n (READ_ONLY); \
                 INSERT INTO spans SELECT * EXCLUDE (has_retrieval, {}) FROM n.spans; \
                 INSERT INTO resources SELECT * FROM n.resources; \
                 INSERT INTO trace_parts SELECT * FROM n.trace_parts; DETACH n;",
                super::FOUNDATION,
                StoreConfig::new(current.path()).database_path().display(),
                indexed::all_columns(""),
            ))
            .unwrap();
        }
        let store = DuckDbStore::open(&config).unwrap();
        assert_eq!(totals(&store), expected);
        let version: String = store
            .with_reader(|c| {
                Ok(c.query_row(
                    "SELECT value FROM meta WHERE key = 'schema_version'",
                    [],
                    |r| r.get(0),
                )?)
            })
            .unwrap();
        assert_eq!(version, super::migrations().len().to_string());
        assert_eq!(
            store.counts().unwrap().spans,
            DuckDbStore::open(&StoreConfig::new(current.path()))
                .unwrap()
                .counts()
                .unwrap()
                .spans
        );
    }
}
