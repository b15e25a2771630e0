//! `get_trace`: one trace, summarized: totals, errors first, slowest leaves, the span tree (one
//! line per span, capped), and full detail of chosen spans.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use super::get_span::fetch_trace;
use super::spans::{self, TraceView};
use crate::api::Api;
use crate::args::{bounded, hex_id};
use crate::error::ToolError;
use crate::format::{self, Output};

/// What the agent reads in the tool list.
pub const DESCRIPTION: &str = "One trace, summarized for diagnosis: duration, services, model \
calls, tokens and cost; the failed spans first (the span where the failure originated before \
the spans it propagated to); the slowest leaf spans; the critical path (the spans that \
determined the end-to-end latency, with each one's own time and share); then the span tree, one line per span \
(span_id, name, start offset, duration, GenAI summary such as model and tokens, error marker). \
Pass `span_ids` to add full detail (attributes, events, GenAI fields, logs) of those spans, or \
call get_span. Big trees are cut to `max_spans` lines, always keeping failed spans and their \
ancestors.";

/// Arguments of `get_trace`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// The trace id: 32 hex characters (from search_traces or any answer that lists traces).
    pub trace_id: String,
    /// Span ids (16 hex characters) to show in full detail, at most 20.
    pub span_ids: Option<Vec<String>>,
    /// Most span-tree lines, 1-1000 (default 100).
    #[schemars(range(min = 1, max = 1000))]
    pub max_spans: Option<u32>,
}

/// Most spans shown in full detail in one call.
const MAX_DETAIL_SPANS: usize = 20;
/// Longest value in the detail blocks.
const DETAIL_VALUE_CHARS: usize = 300;
/// Log records listed at trace level.
const MAX_LOG_LINES: usize = 10;

/// Reads and summarizes the trace.
pub async fn run(api: &Api, args: Args) -> Result<String, ToolError> {
    let trace_id = hex_id("trace_id", &args.trace_id, 32)?;
    let max_spans = bounded("max_spans", args.max_spans, 100, 1000)? as usize;
    let detail_ids = args.span_ids.unwrap_or_default();
    if detail_ids.len() > MAX_DETAIL_SPANS {
        return Err(ToolError::InvalidArgument(format!(
            "`span_ids` takes at most {MAX_DETAIL_SPANS} ids, got {}",
            detail_ids.len()
        )));
    }
    let detail_ids = detail_ids
        .iter()
        .map(|id| hex_id("span_ids", id, 16))
        .collect::<Result<Vec<_>, _>>()?;
    let body = fetch_trace(api, &trace_id).await?;
    let view = TraceView::new(&body);
    if let Some(missing) = detail_ids.iter().find(|id| view.span(id).is_none()) {
        return Err(ToolError::NotFound(format!(
            "span {missing} (in `span_ids`) is not in trace {trace_id}"
        )));
    }
    Ok(render(&view, &detail_ids, max_spans))
}

/// The whole answer for a trace.
fn render(view: &TraceView<'_>, detail_ids: &[String], max_spans: usize) -> String {
    let body = view.body;
    let mut out = Output::default();
    let spans = view.spans;
    let errors: Vec<&Value> = spans.iter().filter(|s| spans::is_error(s)).collect();
    let genai = spans
        .iter()
        .filter(|s| s["genai"]["operation"].is_string())
        .count();
    let logs = body["logs"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    out.line(format!(
        "trace {} | start {} | duration {} | {} spans ({} failed, {} GenAI) | services: {} | {} log records",
        format::text(&body["trace_id"]),
        format::time_of(&body["start_ns"]),
        format::ms_of(&body["duration_ms"]),
        spans.len(),
        errors.len(),
        genai,
        format::text(&body["services"]),
        logs.len(),
    ));
    out.line(usage_line(spans));

    write_errors(&mut out, view, &errors);
    write_slowest_leaves(&mut out, spans);
    write_critical_path(&mut out, &body["critical_path"]);
    for id in detail_ids {
        if let Some(span) = view.span(id) {
            out.line("");
            spans::write_detail(&mut out, view, span, DETAIL_VALUE_CHARS);
        }
    }
    out.line("");
    write_tree(&mut out, view, max_spans);
    if !logs.is_empty() {
        out.line(format!("log records ({}):", logs.len()));
        for l in logs.iter().take(MAX_LOG_LINES) {
            out.line(format!(
                "  span {} {}",
                format::text(&l["span_id"]),
                spans::log_line(l, 160)
            ));
        }
        if logs.len() > MAX_LOG_LINES {
            out.line(format!(
                "  … {} more; get_span shows a span's records",
                logs.len() - MAX_LOG_LINES
            ));
        }
    }
    out.line("next: get_span(trace_id, span_id) for all attributes, events and logs of a span");
    out.finish("pass a smaller `max_spans`, or read single spans with get_span")
}

/// Model calls, tokens and cost of the trace (model calls only, as the API counts them).
fn usage_line(spans: &[Value]) -> String {
    let calls: Vec<&Value> = spans.iter().filter(|s| spans::is_model_call(s)).collect();
    if calls.is_empty() {
        return "model calls: 0".to_owned();
    }
    let sum = |key: &str| -> i64 {
        calls
            .iter()
            .map(|s| format::int(&s["genai"]["usage"][key]))
            .sum()
    };
    let cost: f64 = calls
        .iter()
        .filter_map(|s| s["genai"]["cost"]["total"].as_f64())
        .sum();
    let has_usage = |s: &Value| {
        s["genai"]["usage"]
            .as_object()
            .is_some_and(|u| !u.is_empty())
    };
    let no_usage = calls.iter().filter(|s| !has_usage(s)).count();
    let unpriced = calls
        .iter()
        .filter(|s| has_usage(s) && s["genai"]["cost"].is_null())
        .count();
    let mut line = format!(
        "model calls: {} | tokens in {} (cache read {}) out {} (reasoning {}) | cost {}",
        calls.len(),
        sum("input_tokens"),
        sum("cache_read_input_tokens"),
        sum("output_tokens"),
        sum("reasoning_output_tokens"),
        format::usd(cost),
    );
    if unpriced > 0 {
        line.push_str(&format!(
            " ({unpriced} call(s) without a price: cost incomplete)"
        ));
    }
    if no_usage > 0 {
        line.push_str(&format!(" | {no_usage} call(s) reported no token usage"));
    }
    line
}

/// Failed spans, origins first: a failed span none of whose children failed is where the failure
/// started; the others only propagated it.
fn write_errors(out: &mut Output, view: &TraceView<'_>, errors: &[&Value]) {
    if errors.is_empty() {
        out.line("errors: none");
        return;
    }
    let child_failed = |s: &Value| -> Option<String> {
        s["children"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c.as_str())
            .find(|c| view.span(c).is_some_and(spans::is_error))
            .map(str::to_owned)
    };
    let mut origins: Vec<&Value> = Vec::new();
    let mut propagated: Vec<(&Value, String)> = Vec::new();
    for s in errors {
        match child_failed(s) {
            None => origins.push(s),
            Some(child) => propagated.push((s, child)),
        }
    }
    origins.sort_by_key(|s| format::int(&s["start_ns"]));
    out.line(format!(
        "errors ({} failed spans; {} where the failure originated):",
        errors.len(),
        origins.len()
    ));
    let start = view.start_ns();
    for s in &origins {
        out.line(format!(
            "  ORIGIN {} \"{}\" ({}) at +{} took {}: {}",
            spans::id(s),
            format::clip(&format::text(&s["name"]), 80),
            format::text(&s["service"]),
            format::ns(format::int(&s["start_ns"]) - start),
            format::ms(spans::duration_ms(s)),
            spans::error_reason(s),
        ));
    }
    for (s, child) in &propagated {
        out.line(format!(
            "  propagated {} \"{}\" ({}): {} (child {child} failed)",
            spans::id(s),
            format::clip(&format::text(&s["name"]), 80),
            format::text(&s["service"]),
            spans::error_reason(s),
        ));
    }
}

/// The slowest spans without children: where the time went at the bottom of the tree.
fn write_slowest_leaves(out: &mut Output, spans: &[Value]) {
    const SHOWN: usize = 5;
    if spans.len() < 2 {
        return;
    }
    let mut leaves: Vec<&Value> = spans
        .iter()
        .filter(|s| s["children"].as_array().is_none_or(Vec::is_empty))
        .collect();
    leaves.sort_by(|a, b| spans::duration_ms(b).total_cmp(&spans::duration_ms(a)));
    let list: Vec<String> = leaves
        .iter()
        .take(SHOWN)
        .map(|s| {
            format!(
                "{} \"{}\" {}",
                spans::id(s),
                format::clip(&format::text(&s["name"]), 60),
                format::ms(spans::duration_ms(s))
            )
        })
        .collect();
    out.line(format!("slowest leaf spans: {}", list.join(" | ")));
}

/// Spans on the critical path shown, by the time they contribute.
const CRITICAL_SPANS: usize = 8;

/// The critical path, compactly: the spans that determined the trace's latency, largest self
/// time first, with their share of the end-to-end duration.
fn write_critical_path(out: &mut Output, path: &Value) {
    let Some(on_path) = path["spans"].as_array() else {
        return;
    };
    let mut on_path: Vec<&Value> = on_path.iter().collect();
    on_path.sort_by_key(|s| std::cmp::Reverse(format::int(&s["self_ns"])));
    let list: Vec<String> = on_path
        .iter()
        .take(CRITICAL_SPANS)
        .map(|s| {
            format!(
                "{} \"{}\" {} {}",
                format::text(&s["span_id"]),
                format::clip(&format::text(&s["name"]), 60),
                format::ns(format::int(&s["self_ns"])),
                format::pct(s["share"].as_f64().unwrap_or(0.0)),
            )
        })
        .collect();
    let mut line = format!(
        "critical path ({} spans; self time and share of {}): {}",
        on_path.len(),
        format::ns(format::int(&path["total_ns"])),
        list.join(" | ")
    );
    if on_path.len() > CRITICAL_SPANS {
        line.push_str(&format!(" | … {} more", on_path.len() - CRITICAL_SPANS));
    }
    let gap = format::int(&path["unattributed_ns"]);
    if gap > 0 {
        line.push_str(&format!(" | between roots, no span: {}", format::ns(gap)));
    }
    out.line(line);
}

/// Which spans the tree shows: all when they fit; else, within `max_spans`, each failed span
/// with its ancestors (where failures originated first, and the first one even over budget, so
/// the origin is always visible), then the others in tree order.
fn select(view: &TraceView<'_>, max_spans: usize) -> Vec<bool> {
    let spans = view.spans;
    if spans.len() <= max_spans {
        return vec![true; spans.len()];
    }
    let mut keep = vec![false; spans.len()];
    let mut kept = 0;
    let failed: Vec<usize> = (0..spans.len())
        .filter(|&i| spans::is_error(&spans[i]))
        .collect();
    let is_origin = |i: usize| {
        !spans[i]["children"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c.as_str())
            .any(|c| view.span(c).is_some_and(spans::is_error))
    };
    let (origins, propagated): (Vec<usize>, Vec<usize>) =
        failed.into_iter().partition(|&i| is_origin(i));
    for (n, &i) in origins.iter().chain(&propagated).enumerate() {
        // The span and its ancestors up to the root (bounded by the span count, so a parent
        // cycle in bad data cannot loop), added only as a whole.
        let mut chain = Vec::new();
        let mut at = Some(i);
        for _ in 0..spans.len() {
            let Some(j) = at else { break };
            if !keep[j] && !chain.contains(&j) {
                chain.push(j);
            }
            at = spans[j]["parent_span_id"]
                .as_str()
                .and_then(|p| view.position(p));
        }
        if n > 0 && kept + chain.len() > max_spans {
            continue;
        }
        kept += chain.len();
        for j in chain {
            keep[j] = true;
        }
    }
    for k in keep.iter_mut() {
        if kept >= max_spans {
            break;
        }
        if !*k {
            *k = true;
            kept += 1;
        }
    }
    keep
}

/// The span tree, one line per span, with placeholders for spans left out.
fn write_tree(out: &mut Output, view: &TraceView<'_>, max_spans: usize) {
    let spans = view.spans;
    let keep = select(view, max_spans);
    let shown = keep.iter().filter(|k| **k).count();
    out.line(format!(
        "span tree ({shown} of {} spans; span_id name +start duration [GenAI] ! error):",
        spans.len()
    ));
    let start = view.start_ns();
    let mut hidden = 0usize;
    let mut hidden_depth = 0usize;
    let indent = |depth: usize| "  ".repeat(depth.min(30));
    for (i, s) in spans.iter().enumerate() {
        let depth = s["depth"].as_u64().unwrap_or(0) as usize;
        if !keep[i] {
            if hidden == 0 {
                hidden_depth = depth;
            }
            hidden += 1;
            continue;
        }
        if hidden > 0 {
            out.line(format!(
                "{}… {hidden} span(s) not shown",
                indent(hidden_depth)
            ));
            hidden = 0;
        }
        let parent = view.parent(s);
        let service = match parent {
            Some(p) if p["service"] == s["service"] => String::new(),
            _ => format!(" ({})", format::text(&s["service"])),
        };
        let mut line = format!(
            "{}{} {}{} +{} {}",
            indent(depth),
            spans::id(s),
            format::clip(&format::text(&s["name"]), 80),
            service,
            format::ns(format::int(&s["start_ns"]) - start),
            format::ms(spans::duration_ms(s)),
        );
        let genai = spans::genai_summary(s);
        if !genai.is_empty() {
            line.push(' ');
            line.push_str(&genai);
        }
        if s["missing_parent"] == true {
            line.push_str(" (parent not stored)");
        }
        if spans::is_error(s) {
            line.push_str(" ! ");
            line.push_str(&format::clip(&spans::error_reason(s), 100));
        }
        out.line(line);
    }
    if hidden > 0 {
        out.line(format!(
            "{}… {hidden} span(s) not shown",
            indent(hidden_depth)
        ));
    }
    if shown < spans.len() {
        out.line(format!(
            "({} spans not shown: raise `max_spans` up to 1000, or read single spans with get_span)",
            spans.len() - shown
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const T0: i64 = 1_795_301_215_000_000_000;

    fn span(id: &str, parent: Option<&str>, depth: u64, start_ms: i64, dur_ms: f64) -> Value {
        json!({
            "span_id": id, "parent_span_id": parent, "name": format!("op-{id}"),
            "kind": "internal", "start_ns": T0 + start_ms * 1_000_000,
            "end_ns": T0 + start_ms * 1_000_000 + (dur_ms * 1e6) as i64,
            "duration_ms": dur_ms, "status": {"code": "unset"}, "service": "api",
            "attributes": {}, "events": [], "links": [], "children": [], "depth": depth,
            "resource_index": 0
        })
    }

    /// A trace of a root, an agent that failed because its second model call was rate limited,
    /// and a healthy first model call.
    fn trace() -> Value {
        let mut root = span("00000000000000a1", None, 0, 0, 1_000.0);
        root["children"] = json!(["00000000000000a2"]);
        root["status"] = json!({"code": "error", "message": "agent failed"});
        let mut agent = span("00000000000000a2", Some("00000000000000a1"), 1, 10, 900.0);
        agent["children"] = json!(["00000000000000a3", "00000000000000a4"]);
        agent["status"] = json!({"code": "error", "message": "rate limited"});
        agent["genai"] = json!({"operation": "invoke_agent", "agent_name": "coder"});
        let mut ok_call = span("00000000000000a3", Some("00000000000000a2"), 2, 20, 300.0);
        ok_call["genai"] = json!({"operation": "chat", "request_model": "gpt-4o",
            "usage": {"input_tokens": 100, "output_tokens": 20}, "cost": {"total": 0.5}});
        let mut bad_call = span("00000000000000a4", Some("00000000000000a2"), 2, 400, 500.0);
        bad_call["genai"] = json!({"operation": "chat", "request_model": "gpt-4o",
            "usage": {"input_tokens": 50, "output_tokens": 0}, "error_type": "RateLimitError"});
        bad_call["status"] = json!({"code": "error", "message": "429"});
        json!({
            "trace_id": "0123456789abcdef0123456789abcdef", "start_ns": T0,
            "end_ns": T0 + 1_000_000_000, "duration_ms": 1000.0, "span_count": 4,
            "error_count": 3, "services": ["api"],
            "resources": [{"attributes": {"service.name": "api"}}],
            "spans": [root, agent, ok_call, bad_call], "logs": []
        })
    }

    /// The failure's origin (the rate-limited call) comes before the spans it propagated to;
    /// totals count both model calls; every span id appears in the tree.
    #[test]
    fn errors_first_with_origin() {
        let body = trace();
        let view = TraceView::new(&body);
        let text = render(&view, &[], 100);
        let origin = text
            .find("ORIGIN 00000000000000a4 \"op-00000000000000a4\" (api) at +400.0ms took 500.0ms: RateLimitError: 429")
            .unwrap_or_else(|| panic!("{text}"));
        let propagated = text
            .find("propagated 00000000000000a2")
            .unwrap_or_else(|| panic!("{text}"));
        assert!(origin < propagated, "{text}");
        assert!(text.contains("errors (3 failed spans; 1 where the failure originated)"));
        // 100 + 50 input tokens, 20 + 0 output tokens; only the first call has a price.
        assert!(
            text.contains(
                "model calls: 2 | tokens in 150 (cache read 0) out 20 (reasoning 0) | cost $0.5 \
                 (1 call(s) without a price: cost incomplete)"
            ),
            "{text}"
        );
        for id in ["a1", "a2", "a3", "a4"] {
            assert!(
                text.contains(&format!("00000000000000{id} op-")),
                "{id}: {text}"
            );
        }
        assert!(text.contains(
            "    00000000000000a4 op-00000000000000a4 +400.0ms 500.0ms [chat gpt-4o in=50 out=0] ! RateLimitError: 429"
        ), "{text}");
        assert!(
            text.contains("slowest leaf spans: 00000000000000a4"),
            "{text}"
        );
    }

    /// A small budget still shows where the failure originated (a4) with its ancestors (a2,
    /// a1), even over budget, and says how many spans it left out.
    #[test]
    fn small_budget_keeps_failures() {
        let body = trace();
        let view = TraceView::new(&body);
        assert_eq!(select(&view, 1), vec![true, true, false, true]);
        assert_eq!(select(&view, 3), vec![true, true, false, true]);
        assert_eq!(select(&view, 4), vec![true; 4]);
        let text = render(&view, &[], 3);
        assert!(text.contains("span tree (3 of 4 spans"), "{text}");
        assert!(text.contains("    … 1 span(s) not shown"), "{text}");
        assert!(text.contains("(1 spans not shown"), "{text}");
    }

    /// Chosen spans get a full detail block with their attributes and GenAI fields.
    #[test]
    fn detail_of_chosen_spans() {
        let body = trace();
        let view = TraceView::new(&body);
        let text = render(&view, &["00000000000000a3".to_owned()], 100);
        assert!(
            text.contains("span 00000000000000a3 \"op-00000000000000a3\" | trace 0123456789abcdef0123456789abcdef"),
            "{text}"
        );
        assert!(
            text.contains("genai: operation=chat request_model=gpt-4o usage.input_tokens=100"),
            "{text}"
        );
        assert!(
            text.contains("parent: 00000000000000a2 \"op-00000000000000a2\""),
            "{text}"
        );
    }

    /// The critical path line lists spans by self time with their shares, the total, the
    /// unattributed time, and says how many more there are past the first eight.
    #[test]
    fn critical_path_line() {
        let mut spans: Vec<Value> = (0..10)
            .map(|i| {
                json!({"span_id": format!("{i:016x}"), "name": format!("s{i}"),
                       "self_ns": (i + 1) * 1_000_000, "share": (i + 1) as f64 / 100.0})
            })
            .collect();
        spans.swap(0, 9);
        let path = json!({"total_ns": 100_000_000, "unattributed_ns": 45_000_000, "spans": spans});
        let mut out = Output::default();
        write_critical_path(&mut out, &path);
        let text = out.finish("");
        assert!(
            text.starts_with(
                "critical path (10 spans; self time and share of 100.0ms): \
                 0000000000000009 \"s9\" 10.0ms 10.0% | 0000000000000008 \"s8\" 9.0ms 9.0% |"
            ),
            "{text}"
        );
        assert!(
            text.ends_with(
                "0000000000000002 \"s2\" 3.0ms 3.0% | … 2 more | between roots, no span: 45.0ms"
            ),
            "{text}"
        );
    }
}
