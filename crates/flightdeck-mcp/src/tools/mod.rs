//! The tools, one module each: arguments (with their JSON schema), a description an agent can
//! act on, and `run`, which calls the API and writes a compact, size-capped text answer that
//! carries the ids to drill down with. They are registered in [`crate::server`].

pub mod agent_graph;
pub mod compare_cohorts;
pub mod conversations;
pub mod cost_report;
pub mod diff_traces;
pub mod genai_stats;
pub mod get_span;
pub mod get_trace;
pub mod ingest_status;
pub mod overview;
pub mod search_traces;
pub mod spans;
pub mod top_operations;

use serde_json::Value;

use crate::api::Query;
use crate::format;

/// The header line of a ranged answer: `<what> in <start> → <end>` plus the filters used.
fn scope_line(what: &str, body: &Value, q: &Query) -> String {
    let mut line = what.to_owned();
    if body["start_ns"].is_i64() {
        line.push_str(&format!(
            " | {} → {}",
            format::time_of(&body["start_ns"]),
            format::time_of(&body["end_ns"])
        ));
    }
    let filters = describe_filters(q);
    if !filters.is_empty() {
        line.push_str(" | filters: ");
        line.push_str(&filters);
    }
    line
}

/// The filters of a query as `key=value` pairs (range and paging parameters left out).
fn describe_filters(q: &Query) -> String {
    const NOT_FILTERS: &[&str] = &[
        "since", "start", "end", "limit", "cursor", "group_by", "order_by", "step",
    ];
    q.pairs()
        .iter()
        .filter(|(k, _)| !NOT_FILTERS.contains(&k.as_str()))
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Table header of [`trace_row`].
const TRACE_HEADER: &str =
    "trace_id | start | root | duration | spans | errors | genai spans | tokens in/out | cost";

/// One trace summary (search results, conversation turns) as a table row.
fn trace_row(t: &Value) -> String {
    let root = match (t["root_service"].as_str(), t["root_name"].as_str()) {
        (Some(service), Some(name)) => format!("{service}: {name}"),
        (None, Some(name)) => name.to_owned(),
        (Some(service), None) => format!("{service}: (root span missing)"),
        (None, None) => "(root span missing)".to_owned(),
    };
    format!(
        "{} | {} | {} | {} | {} | {} | {} | {}/{} | {}",
        format::text(&t["trace_id"]),
        format::time_of(&t["start_ns"]),
        root,
        format::ns(format::int(&t["duration_ns"])),
        format::int(&t["span_count"]),
        format::int(&t["error_count"]),
        format::int(&t["genai_count"]),
        format::int(&t["input_tokens"]),
        format::int(&t["output_tokens"]),
        format::usd_of(&t["cost_usd"]),
    )
}

/// An analytics group (`{"provider": "openai", "model": null}`) as `openai/-`.
fn group_label(group: &Value) -> String {
    match group.as_object() {
        Some(map) if !map.is_empty() => {
            map.values().map(format::text).collect::<Vec<_>>().join("/")
        }
        _ => "all".to_owned(),
    }
}

/// The dimension names of an analytics answer as a column title: `provider/model`.
fn group_title(body: &Value) -> String {
    match body["group_by"].as_array() {
        Some(dims) if !dims.is_empty() => {
            dims.iter().map(format::text).collect::<Vec<_>>().join("/")
        }
        _ => "all".to_owned(),
    }
}

/// The most frequent error type of an analytics row as `Type×count`, `-` when none.
fn top_error_type(row: &Value) -> String {
    row["error_types"]
        .as_array()
        .and_then(|types| types.first())
        .map(|t| format!("{}×{}", format::text(&t[0]), format::int(&t[1])))
        .unwrap_or_else(|| "-".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A trace summary row carries the id, the root and the totals in order.
    #[test]
    fn trace_rows() {
        let t = json!({
            "trace_id": "2591175660774e1db478274acb369e23",
            "start_ns": 1_795_301_215_717_851_333_i64, "end_ns": 1_795_301_215_731_089_868_i64,
            "duration_ns": 13_238_535, "root_service": "chat-api", "root_name": "POST /v1/chat",
            "span_count": 12, "error_count": 0, "genai_count": 9,
            "input_tokens": 5210, "output_tokens": 830, "cost_usd": 0.0193, "services": ["chat-api"]
        });
        assert_eq!(
            trace_row(&t),
            "2591175660774e1db478274acb369e23 | 2026-11-21T22:46:55.717Z | chat-api: POST /v1/chat \
             | 13.2ms | 12 | 0 | 9 | 5210/830 | $0.0193"
        );
    }

    /// Groups and filters read as short labels; range and paging keys are not filters.
    #[test]
    fn labels() {
        assert_eq!(
            group_label(&json!({"provider": "openai", "model": null})),
            "openai/-"
        );
        assert_eq!(group_label(&json!({})), "all");
        let mut q = Query::new();
        q.set("since", "1h")
            .set("model", "gpt-4o")
            .set("limit", "5");
        assert_eq!(describe_filters(&q), "model=gpt-4o");
        assert_eq!(
            top_error_type(&json!({"error_types": [["RateLimitError", 25]]})),
            "RateLimitError×25"
        );
    }
}
