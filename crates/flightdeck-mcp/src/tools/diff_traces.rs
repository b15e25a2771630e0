//! `diff_traces`: what changed between two runs of the same request.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use crate::api::{Api, Query};
use crate::args::{bounded, hex_id};
use crate::error::ToolError;
use crate::format::{self, Output};

/// What the agent reads in the tool list.
pub const DESCRIPTION: &str = "What changed between two traces of the same kind of request, \
e.g. a good run and a bad one, or before and after a change: spans added in `b` and missing \
from it (with the size of each subtree), spans that got slower or faster, used more or fewer \
tokens, cost more, changed status or changed model. Spans are matched by their path of names \
from the root and their position among same-named siblings, with ids, numbers and model names \
in span names ignored. Gives span ids of both traces to drill into with get_span.";

/// Arguments of `diff_traces`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// Trace A, the baseline (32 hex characters).
    pub a: String,
    /// Trace B, compared against A (32 hex characters).
    pub b: String,
    /// A matched span counts as slower or faster only if its duration changed by at least this
    /// much, e.g. `5ms` (default `1ms`), and by at least 20%.
    pub min_duration_change: Option<String>,
    /// Most entries in each of added, missing and changed, 1-200 (default 50).
    #[schemars(range(min = 1, max = 200))]
    pub limit: Option<u32>,
}

/// Calls the diff and writes it compactly.
pub async fn run(api: &Api, args: Args) -> Result<String, ToolError> {
    let a = hex_id("a", &args.a, 32)?;
    let b = hex_id("b", &args.b, 32)?;
    let limit = bounded("limit", args.limit, 50, 200)?;
    let mut q = Query::new();
    q.set("a", a.as_str())
        .set("b", b.as_str())
        .set("limit", limit.to_string())
        .opt("min_duration_change", args.min_duration_change.as_deref());
    let body = api.get("/api/v1/diff", &q).await.map_err(|e| {
        if e.is_not_found() {
            ToolError::NotFound(format!("{e}; search_traces finds stored traces"))
        } else {
            e.into()
        }
    })?;
    Ok(render(&body))
}

fn side(name: &str, s: &Value) -> String {
    format!(
        "{name} {}: {} spans, {}, {} errors, tokens {}/{}, {}",
        format::text(&s["trace_id"]),
        format::int(&s["spans"]),
        format::ns(format::int(&s["duration_ns"])),
        format::int(&s["errors"]),
        format::int(&s["input_tokens"]),
        format::int(&s["output_tokens"]),
        format::usd_of(&s["cost_usd"]),
    )
}

/// One changed span as a line: its path, then each change.
fn changed_line(c: &Value) -> String {
    let mut parts = Vec::new();
    let d = &c["duration"];
    if d.is_object() {
        let delta = format::int(&d["delta_ns"]);
        parts.push(format!(
            "{} {} → {} ({}{}{})",
            format::text(&d["direction"]),
            format::ns(format::int(&d["a_ns"])),
            format::ns(format::int(&d["b_ns"])),
            if delta >= 0 { "+" } else { "-" },
            format::ns(delta.abs()),
            d["ratio"]
                .as_f64()
                .map_or_else(String::new, |r| format!(", ×{r:.2}")),
        ));
    }
    for (key, label) in [
        ("status", "status"),
        ("model", "model"),
        ("input_tokens", "input tokens"),
        ("output_tokens", "output tokens"),
        ("cost_usd", "cost"),
    ] {
        let v = &c[key];
        if v.is_object() {
            let show = |x: &Value| {
                if key == "cost_usd" {
                    format::usd_of(x)
                } else {
                    format::text(x)
                }
            };
            parts.push(format!("{label} {} → {}", show(&v["a"]), show(&v["b"])));
        }
    }
    format!(
        "  {} → {} {}: {}",
        format::text(&c["a_span_id"]),
        format::text(&c["b_span_id"]),
        format::clip(&format::text(&c["path"]), 160),
        parts.join("; ")
    )
}

/// The answer for a diff.
fn render(body: &Value) -> String {
    let mut out = Output::default();
    out.line(side("A", &body["a"]));
    out.line(side("B", &body["b"]));
    out.line(format!(
        "matched {} spans | added in B {} | missing from B {} | slower {} | faster {}",
        format::int(&body["matched"]),
        format::int(&body["added_spans"]),
        format::int(&body["missing_spans"]),
        format::int(&body["slower"]),
        format::int(&body["faster"]),
    ));
    for (key, title) in [
        ("added", "added in B (span in B, top of each new subtree)"),
        (
            "missing",
            "missing from B (span in A, top of each missing subtree)",
        ),
    ] {
        let list: Vec<&Value> = body[key].as_array().into_iter().flatten().collect();
        if list.is_empty() {
            continue;
        }
        out.line(format!("{title}:"));
        for s in list {
            out.line(format!(
                "  {} {} ({} span(s), {})",
                format::text(&s["span_id"]),
                format::clip(&format::text(&s["path"]), 160),
                format::int(&s["spans"]),
                format::ns(format::int(&s["duration_ns"])),
            ));
        }
    }
    let changed: Vec<&Value> = body["changed"].as_array().into_iter().flatten().collect();
    if changed.is_empty() {
        out.line("changed: none");
    } else {
        out.line("changed (span in A → span in B, path: changes):");
        for c in changed {
            out.line(changed_line(c));
        }
    }
    let omitted = format::int(&body["omitted"]);
    if omitted > 0 {
        out.line(format!(
            "{omitted} more entries left out; raise `limit` or `min_duration_change`"
        ));
    }
    out.line("next: get_span(trace_id, span_id) on either side for the details of a change");
    out.finish("raise `min_duration_change` or lower `limit`")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Both sides' totals, the counts, added and missing subtrees, and each change in words.
    #[test]
    fn renders_diff() {
        let side = |id: &str, ns: u64, errors: u64| {
            json!({"trace_id": id, "spans": 4, "duration_ns": ns, "errors": errors,
                   "input_tokens": 100, "output_tokens": 10, "cost_usd": 0.0})
        };
        let body = json!({
            "a": side("aa", 100_000_000, 0), "b": side("bb", 300_000_000, 1),
            "matched": 3, "added_spans": 1, "missing_spans": 1, "slower": 2, "faster": 0,
            "added": [{"span_id": "05", "name": "rerank", "path": "POST /chat > rerank", "spans": 1, "duration_ns": 3_000_000}],
            "missing": [],
            "changed": [{"path": "POST /chat > chat", "name": "chat", "a_span_id": "03", "b_span_id": "13",
                         "duration": {"a_ns": 60_000_000, "b_ns": 250_000_000, "delta_ns": 190_000_000,
                                      "ratio": 4.1666, "direction": "slower"},
                         "status": {"a": "unset", "b": "error"},
                         "model": {"a": "gpt-4o", "b": "gpt-4o-mini"}}],
            "omitted": 0
        });
        let text = render(&body);
        assert!(text.starts_with("A aa: 4 spans, 100.0ms, 0 errors, tokens 100/10, $0\nB bb: 4 spans, 300.0ms, 1 errors"), "{text}");
        assert!(
            text.contains(
                "matched 3 spans | added in B 1 | missing from B 1 | slower 2 | faster 0"
            ),
            "{text}"
        );
        assert!(
            text.contains("  05 POST /chat > rerank (1 span(s), 3.0ms)"),
            "{text}"
        );
        assert!(!text.contains("missing from B (span in A"), "{text}");
        assert!(
            text.contains("  03 → 13 POST /chat > chat: slower 60.0ms → 250.0ms (+190.0ms, ×4.17); status unset → error; model gpt-4o → gpt-4o-mini"),
            "{text}"
        );
    }
}
