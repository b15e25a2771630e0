//! The DuckDB schema and its migrations.
//!
//! Each migration runs once, in order, inside a transaction; `meta.schema_version` records how far
//! a database has come. New columns are added by new migrations, never by editing old ones.

/// Ordered migrations; index + 1 is the schema version they bring the database to.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: the foundation schema.
    r#"
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
    ttfc_s DOUBLE
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
    services VARCHAR[] NOT NULL
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
"#,
];

/// The columns of `spans` in append order (must match [`MIGRATIONS`]).
pub(crate) const SPAN_COLUMNS: &str = "trace_id, span_id, parent_span_id, start_ns, end_ns, \
    duration_ns, name, kind, status_code, status_message, service_name, service_version, \
    resource_id, scope_name, scope_version, scope_extra, trace_state, flags, attributes, events, \
    links, dropped_attributes, dropped_events, dropped_links, gen_ai_operation, gen_ai_provider, \
    gen_ai_request_model, gen_ai_response_model, input_tokens, output_tokens, cache_read_tokens, \
    cache_write_tokens, reasoning_tokens, finish_reasons, response_id, conversation_id, \
    agent_name, agent_id, tool_name, tool_type, tool_call_id, error_type, ttfc_s";

/// The columns of `logs` in append order.
pub(crate) const LOG_COLUMNS: &str = "time_ns, observed_ns, trace_id, span_id, severity_number, \
    severity_text, event_name, body, attributes, service_name, resource_id, scope_name, \
    scope_version, flags, dropped_attributes";
