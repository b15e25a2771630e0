//! Building SQL with positional parameters, and the span-filter clauses shared by queries.

use duckdb::types::Value;

use super::indexed::Indexed;
use crate::query::{SpanFilter, TimeRange};

/// A SQL text with its positional parameters, built up piece by piece.
#[derive(Default, Clone)]
pub(crate) struct Sql {
    pub(crate) text: String,
    pub(crate) params: Vec<Value>,
}

impl Sql {
    pub(crate) fn new(text: &str) -> Self {
        Sql {
            text: text.to_owned(),
            params: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    pub(crate) fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.params.push(value.into());
        self
    }

    /// Appends ` AND <text>` binding one value.
    pub(crate) fn and(&mut self, text: &str, value: impl Into<Value>) -> &mut Self {
        self.push(" AND ").push(text).bind(value)
    }
}

/// `IN (...)` list of the model-call operations (see [`crate::MODEL_CALL_OPERATIONS`]), for SQL.
pub(crate) fn model_call_list() -> String {
    crate::MODEL_CALL_OPERATIONS
        .iter()
        .map(|op| format!("'{op}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn range_clause(sql: &mut Sql, column: &str, range: TimeRange) {
    sql.and(&format!("{column} >= ?"), range.start_ns)
        .and(&format!("{column} < ?"), range.end_ns);
}

/// JSON path for a top-level key, quoted so dots in keys are not path separators.
pub(crate) fn json_path(key: &str) -> String {
    let escaped = key.replace('\\', "\\\\").replace('"', "\\\"");
    format!("$.\"{escaped}\"")
}

/// Adds the span-level filter as `AND ...` clauses over the `spans` table (or the rollup, when
/// the filter only names columns it has).
pub(crate) fn span_filter_clauses(sql: &mut Sql, f: &SpanFilter, indexed: &Indexed) {
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
    if let Some(v) = &f.user {
        sql.and("user_id = ?", v.clone());
    }
    if let Some(v) = &f.service_version {
        sql.and("service_version = ?", v.clone());
    }
    if let Some(v) = &f.error_type {
        sql.and("error_type = ?", v.clone());
    }
    for (key, value) in &f.attributes {
        if let Some(column) = indexed.column(key) {
            sql.and(&format!("{column} = ?"), value.clone());
            continue;
        }
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
