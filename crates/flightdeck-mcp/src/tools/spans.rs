//! Reading spans out of a trace answer (`GET /api/v1/traces/{id}`): error checks, one-line GenAI
//! summaries and the full detail block shared by `get_trace` and `get_span`.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::format::{self, Output};

/// GenAI operations whose tokens and cost count as model usage (the API sums the same ones).
const MODEL_CALLS: &[&str] = &["chat", "text_completion", "generate_content", "embeddings"];

/// A trace answer with its spans indexed by id.
pub struct TraceView<'a> {
    /// The whole answer.
    pub body: &'a Value,
    /// Spans in the API's depth-first order.
    pub spans: &'a [Value],
    index: HashMap<&'a str, usize>,
}

impl<'a> TraceView<'a> {
    /// Indexes the spans of `body`.
    pub fn new(body: &'a Value) -> TraceView<'a> {
        let spans = body["spans"].as_array().map(Vec::as_slice).unwrap_or(&[]);
        let index = spans
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s["span_id"].as_str().map(|id| (id, i)))
            .collect();
        TraceView { body, spans, index }
    }

    /// The span with this id.
    pub fn span(&self, id: &str) -> Option<&'a Value> {
        self.index.get(id).map(|&i| &self.spans[i])
    }

    /// Position of the span with this id in [`TraceView::spans`].
    pub fn position(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// The parent of `span`, when it is stored.
    pub fn parent(&self, span: &Value) -> Option<&'a Value> {
        span["parent_span_id"].as_str().and_then(|p| self.span(p))
    }

    /// Trace start, ns.
    pub fn start_ns(&self) -> i64 {
        format::int(&self.body["start_ns"])
    }
}

/// The span's id.
pub fn id(span: &Value) -> &str {
    span["span_id"].as_str().unwrap_or("-")
}

/// True when the span failed: error status or an `error.type`.
pub fn is_error(span: &Value) -> bool {
    span["status"]["code"] == "error" || error_type(span).is_some()
}

/// The span's `error.type`, from the GenAI view or the attributes.
pub fn error_type(span: &Value) -> Option<&str> {
    span["genai"]["error_type"]
        .as_str()
        .or_else(|| span["attributes"]["error.type"].as_str())
}

/// Duration in ms.
pub fn duration_ms(span: &Value) -> f64 {
    span["duration_ms"].as_f64().unwrap_or(0.0)
}

/// True for model calls (their tokens and cost are the trace's usage).
pub fn is_model_call(span: &Value) -> bool {
    span["genai"]["operation"]
        .as_str()
        .is_some_and(|op| MODEL_CALLS.contains(&op))
}

/// Why the span failed, in one line: error type, status message and the first exception.
pub fn error_reason(span: &Value) -> String {
    let mut parts = Vec::new();
    if let Some(t) = error_type(span) {
        parts.push(t.to_owned());
    }
    if let Some(m) = span["status"]["message"].as_str().filter(|m| !m.is_empty()) {
        parts.push(format::clip(m, 200));
    }
    let exception = span["events"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["name"] == "exception");
    if let Some(e) = exception {
        let attrs = &e["attributes"];
        let text = match (
            attrs["exception.type"].as_str(),
            attrs["exception.message"].as_str(),
        ) {
            (Some(t), Some(m)) => format!("exception {t}: {}", format::clip(m, 200)),
            (Some(t), None) => format!("exception {t}"),
            (None, Some(m)) => format!("exception: {}", format::clip(m, 200)),
            (None, None) => "exception".to_owned(),
        };
        parts.push(text);
    }
    if parts.is_empty() {
        "error status, no message".to_owned()
    } else {
        parts.join(": ")
    }
}

/// A one-line GenAI summary: `[chat gpt-4o in=1203 out=571 ttft=420ms finish=stop $0.0042]`,
/// `[tool create_ticket]`, `[agent coder]`; empty for spans without a GenAI operation.
pub fn genai_summary(span: &Value) -> String {
    let g = &span["genai"];
    let Some(op) = g["operation"].as_str() else {
        return String::new();
    };
    let mut parts = vec![op.to_owned()];
    if is_model_call(span) {
        if let Some(model) = g["response_model"].as_str().or(g["request_model"].as_str()) {
            parts.push(model.to_owned());
        }
        let usage = &g["usage"];
        if let Some(n) = usage["input_tokens"].as_i64() {
            parts.push(format!("in={n}"));
        }
        if let Some(n) = usage["cache_read_input_tokens"].as_i64().filter(|&n| n > 0) {
            parts.push(format!("cached={n}"));
        }
        if let Some(n) = usage["output_tokens"].as_i64() {
            parts.push(format!("out={n}"));
        }
        if let Some(n) = usage["reasoning_output_tokens"].as_i64().filter(|&n| n > 0) {
            parts.push(format!("reasoning={n}"));
        }
        if usage.as_object().is_none_or(Map::is_empty) {
            parts.push("usage=missing".to_owned());
        }
        if let Some(s) = g["time_to_first_chunk"].as_f64() {
            parts.push(format!("ttft={}", format::ms(s * 1000.0)));
        }
        if let Some(reasons) = g["finish_reasons"].as_array().filter(|r| !r.is_empty()) {
            parts.push(format!(
                "finish={}",
                format::text(&Value::Array(reasons.clone()))
            ));
        }
        if let Some(cost) = g["cost"]["total"].as_f64() {
            parts.push(format::usd(cost));
        }
    } else if let Some(tool) = g["tool_name"].as_str() {
        parts.push(tool.to_owned());
    } else if let Some(agent) = g["agent_name"].as_str().or(g["agent_id"].as_str()) {
        parts.push(agent.to_owned());
    } else if let Some(model) = g["request_model"].as_str() {
        parts.push(model.to_owned());
    }
    format!("[{}]", parts.join(" "))
}

/// An attribute value as text, strings and structures cut to `max_chars`.
pub fn value_text(v: &Value, max_chars: usize) -> String {
    match v {
        Value::String(s) => format::clip(s, max_chars),
        Value::Array(_) | Value::Object(_) => format::clip(&v.to_string(), max_chars),
        other => format::text(other),
    }
}

/// `key=value` pairs of a JSON object, nested objects flattened with dots (`usage.input_tokens`).
pub fn flatten_pairs(prefix: &str, v: &Value, out: &mut Vec<String>, max_chars: usize) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                if child.is_object() && key != "retrieval" {
                    flatten_pairs(&key, child, out, max_chars);
                } else {
                    out.push(format!("{key}={}", value_text(child, max_chars)));
                }
            }
        }
        other => out.push(format!("{prefix}={}", value_text(other, max_chars))),
    }
}

/// Writes everything about one span: identity, timing, status, tree neighbours, GenAI view,
/// attributes, events, links, resource and log records. Values are cut to `max_chars`.
pub fn write_detail(out: &mut Output, view: &TraceView<'_>, span: &Value, max_chars: usize) {
    let span_id = id(span);
    out.line(format!(
        "span {span_id} \"{}\" | trace {}",
        format::text(&span["name"]),
        format::text(&view.body["trace_id"])
    ));
    let scope = &span["scope"];
    out.line(format!(
        "kind={} service={} scope={}{}",
        format::text(&span["kind"]),
        format::text(&span["service"]),
        scope["name"]
            .as_str()
            .filter(|s| !s.is_empty())
            .unwrap_or("-"),
        scope["version"]
            .as_str()
            .filter(|s| !s.is_empty())
            .map(|v| format!(" {v}"))
            .unwrap_or_default(),
    ));
    let start = format::int(&span["start_ns"]);
    out.line(format!(
        "start {} (+{} into the trace) | duration {} | status {}{}",
        format::time(start),
        format::ns(start - view.start_ns()),
        format::ms(duration_ms(span)),
        format::text(&span["status"]["code"]),
        span["status"]["message"]
            .as_str()
            .filter(|m| !m.is_empty())
            .map(|m| format!(": {}", format::clip(m, max_chars)))
            .unwrap_or_default(),
    ));
    if is_error(span) {
        out.line(format!("error: {}", error_reason(span)));
    }
    match (span["parent_span_id"].as_str(), view.parent(span)) {
        (Some(pid), Some(parent)) => out.line(format!(
            "parent: {pid} \"{}\"",
            format::text(&parent["name"])
        )),
        (Some(pid), None) => out.line(format!("parent: {pid} (not stored)")),
        (None, _) => out.line("parent: none (root span)"),
    }
    let children = span["children"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    if !children.is_empty() {
        const SHOWN: usize = 20;
        let mut list: Vec<String> = children
            .iter()
            .take(SHOWN)
            .map(|c| {
                let cid = c.as_str().unwrap_or("-");
                let name = view
                    .span(cid)
                    .map(|s| format::text(&s["name"]))
                    .unwrap_or_default();
                format!("{cid} \"{name}\"")
            })
            .collect();
        if children.len() > SHOWN {
            list.push(format!("… {} more", children.len() - SHOWN));
        }
        out.line(format!(
            "children ({}): {}",
            children.len(),
            list.join(", ")
        ));
    }
    if span["genai"].as_object().is_some_and(|g| !g.is_empty()) {
        let mut pairs = Vec::new();
        flatten_pairs("", &span["genai"], &mut pairs, max_chars);
        out.line(format!("genai: {}", pairs.join(" ")));
    }
    write_map(out, "attributes", &span["attributes"], max_chars);
    let events = span["events"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    if !events.is_empty() {
        out.line(format!("events ({}):", events.len()));
        for e in events {
            let mut pairs = Vec::new();
            flatten_pairs("", &e["attributes"], &mut pairs, max_chars);
            out.line(format!(
                "  +{} {} {}",
                format::ns(format::int(&e["time_unix_nano"]) - start),
                format::text(&e["name"]),
                pairs.join(" ")
            ));
        }
    }
    let links = span["links"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    if !links.is_empty() {
        out.line(format!("links ({}):", links.len()));
        for l in links {
            out.line(format!(
                "  trace {} span {}",
                format::text(&l["trace_id"]),
                format::text(&l["span_id"])
            ));
        }
    }
    let resource = span["resource_index"]
        .as_u64()
        .and_then(|i| view.body["resources"].get(i as usize));
    if let Some(r) = resource {
        let mut pairs = Vec::new();
        flatten_pairs("", &r["attributes"], &mut pairs, max_chars);
        out.line(format!("resource: {}", pairs.join(" ")));
    }
    let dropped: Vec<String> = ["attributes", "events", "links"]
        .iter()
        .filter_map(|what| {
            let n = format::int(&span[format!("dropped_{what}_count")]);
            (n > 0).then(|| format!("{what} {n}"))
        })
        .collect();
    if !dropped.is_empty() {
        out.line(format!("dropped by the client: {}", dropped.join(", ")));
    }
    let logs: Vec<&Value> = view.body["logs"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|l| l["span_id"].as_str() == Some(span_id))
        .collect();
    if !logs.is_empty() {
        out.line(format!("log records ({}):", logs.len()));
        for l in logs {
            out.line(format!("  {}", log_line(l, max_chars)));
        }
    }
}

/// Writes `title (n):` and one `key = value` line per entry of a JSON object.
fn write_map(out: &mut Output, title: &str, map: &Value, max_chars: usize) {
    let Some(map) = map.as_object().filter(|m| !m.is_empty()) else {
        return;
    };
    out.line(format!("{title} ({}):", map.len()));
    for (k, v) in map {
        out.line(format!("  {k} = {}", value_text(v, max_chars)));
    }
}

/// One log record: `time severity event body key=value ...`.
pub fn log_line(l: &Value, max_chars: usize) -> String {
    let mut parts = vec![format::time_of(&l["time_unix_nano"])];
    for key in ["severity_text", "event_name"] {
        if let Some(v) = l[key].as_str().filter(|v| !v.is_empty()) {
            parts.push(v.to_owned());
        }
    }
    if !l["body"].is_null() && l["body"] != Value::Object(Map::new()) {
        parts.push(format!("body={}", value_text(&l["body"], max_chars)));
    }
    let mut pairs = Vec::new();
    flatten_pairs("", &l["attributes"], &mut pairs, max_chars);
    parts.extend(pairs);
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Model calls, tools and agents each get the summary fields that matter for them.
    #[test]
    fn genai_summaries() {
        let chat = json!({"genai": {
            "operation": "chat", "request_model": "gpt-4o", "response_model": "gpt-4o-2024-08-06",
            "usage": {"input_tokens": 1203, "output_tokens": 571, "cache_read_input_tokens": 0},
            "finish_reasons": ["stop"], "time_to_first_chunk": 0.42, "cost": {"total": 0.0042}
        }});
        assert_eq!(
            genai_summary(&chat),
            "[chat gpt-4o-2024-08-06 in=1203 out=571 ttft=420.0ms finish=stop $0.0042]"
        );
        let no_usage = json!({"genai": {"operation": "chat", "request_model": "gpt-4o"}});
        assert_eq!(genai_summary(&no_usage), "[chat gpt-4o usage=missing]");
        let tool = json!({"genai": {"operation": "execute_tool", "tool_name": "create_ticket"}});
        assert_eq!(genai_summary(&tool), "[execute_tool create_ticket]");
        assert_eq!(genai_summary(&json!({"name": "GET /"})), "");
    }

    /// The error reason joins the error type, the status message and the first exception.
    #[test]
    fn error_reasons() {
        let span = json!({
            "status": {"code": "error", "message": "rate limited"},
            "attributes": {"error.type": "RateLimitError"},
            "events": [{"name": "exception", "attributes": {
                "exception.type": "openai.RateLimitError", "exception.message": "429 Too Many Requests"}}]
        });
        assert!(is_error(&span));
        assert_eq!(
            error_reason(&span),
            "RateLimitError: rate limited: exception openai.RateLimitError: 429 Too Many Requests"
        );
        let typed_only = json!({"status": {"code": "unset"}, "genai": {"error_type": "timeout"}});
        assert!(is_error(&typed_only));
        assert!(!is_error(&json!({"status": {"code": "ok"}})));
    }
}
