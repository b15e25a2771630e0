//! `genai_stats`: GenAI breakdowns and time series (`/api/v1/analytics`).

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use crate::api::{Api, Query};
use crate::args::{FilterArgs, RangeArgs, Unknown, bounded};
use crate::error::ToolError;
use crate::format::{self, Output};

/// What the agent reads in the tool list.
pub const DESCRIPTION: &str = "GenAI statistics over model, tool and agent spans, grouped by \
up to 4 dimensions (provider, model, response_model, model_family, operation, service, \
service_version, agent, tool, user, conversation, error_type, or attr:<attribute key>), \
optionally as a time series (`step`). Per group: requests, errors and error rate, top error \
type, latency p50/p95, time-to-first-token p95, input/output tokens, cost, cache-hit ratio. Use \
it to answer 'which model is slow', 'did version X regress' (group_by service_version with a \
step), 'who uses the most tokens'. Then search_traces with the group's values as filters for \
example traces.";

// No variant docs, so the JSON schema is a short `enum` list.
/// Group ranking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum OrderArg {
    Requests,
    Errors,
    Cost,
    Latency,
    Tokens,
}

impl OrderArg {
    /// The API's name.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderArg::Requests => "requests",
            OrderArg::Errors => "errors",
            OrderArg::Cost => "cost",
            OrderArg::Latency => "latency",
            OrderArg::Tokens => "tokens",
        }
    }
}

/// Arguments of `genai_stats`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Args {
    #[serde(flatten)]
    #[allow(missing_docs)]
    pub range: RangeArgs,
    #[serde(flatten)]
    #[allow(missing_docs)]
    pub filter: FilterArgs,
    /// Dimensions to group by, at most 4 (default ["provider", "model", "operation"]); an empty
    /// list gives one total row.
    pub group_by: Option<Vec<String>>,
    /// Bucket width for a time series, e.g. `5m` or `1h` (at most 10000 buckets in the range).
    pub step: Option<String>,
    /// How groups are ranked and cut by `limit`: `requests` (default), `errors`, `cost`,
    /// `latency` (p95) or `tokens`.
    pub order_by: Option<OrderArg>,
    /// Most groups, 1-100 (default 20).
    #[schemars(range(min = 1, max = 100))]
    pub limit: Option<u32>,
    #[serde(flatten)]
    #[schemars(skip)]
    #[allow(missing_docs)]
    pub unknown: Unknown,
}

/// Runs the breakdown.
pub async fn run(api: &Api, args: Args) -> Result<String, ToolError> {
    args.unknown.check()?;
    let limit = bounded("limit", args.limit, 20, 100)?;
    let order = args.order_by.unwrap_or(OrderArg::Requests);
    let mut q = Query::new();
    args.range.push(&mut q, "1h");
    args.filter.push(&mut q)?;
    match &args.group_by {
        None => {}
        Some(dims) if dims.is_empty() => {
            q.set("group_by", "none");
        }
        Some(dims) => {
            q.set("group_by", dims.join(","));
        }
    }
    q.opt("step", args.step.as_deref());
    q.set("order_by", order.as_str());
    q.set("limit", limit.to_string());
    let body = api.get("/api/v1/analytics", &q).await?;
    Ok(render(&body, &q, order))
}

/// Table header of [`stats_row`] (after the group or bucket column).
pub const STATS_HEADER: &str =
    "requests | errors | latency p50/p95 | ttft p95 | tokens in/out | cost | cache hit | top error";

/// One analytics row's metrics as table cells.
pub fn stats_row(r: &Value) -> String {
    format!(
        "{} | {} ({}) | {}/{} | {} | {}/{} | {} | {} | {}",
        format::int(&r["requests"]),
        format::int(&r["errors"]),
        format::pct(r["error_rate"].as_f64().unwrap_or(0.0)),
        format::ms_of(&r["latency_ms"]["p50"]),
        format::ms_of(&r["latency_ms"]["p95"]),
        format::ms_of(&r["ttft_ms"]["p95"]),
        format::int(&r["tokens"]["input"]),
        format::int(&r["tokens"]["output"]),
        format::usd_of(&r["cost"]["total"]),
        r["cache_hit_ratio"]
            .as_f64()
            .map_or_else(|| "-".to_owned(), format::pct),
        super::top_error_type(r),
    )
}

fn render(body: &Value, q: &Query, order: OrderArg) -> String {
    let rows = body["rows"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    let title = super::group_title(body);
    let mut out = Output::default();
    let series = body["step_ns"].is_i64();
    let what = if series {
        format!(
            "GenAI stats by {title} every {}, top groups by {}",
            format::ns(format::int(&body["step_ns"])),
            order.as_str()
        )
    } else {
        format!("GenAI stats by {title}, top groups by {}", order.as_str())
    };
    out.line(super::scope_line(&what, body, q));
    if rows.is_empty() {
        out.line(
            "no GenAI spans match: widen the range (`since`) or drop filters; overview lists \
             what has data",
        );
        return out.finish("");
    }
    if series {
        out.line(format!("per group: bucket start | {STATS_HEADER}"));
        let mut groups: Vec<(String, Vec<&Value>)> = Vec::new();
        for r in rows {
            let label = super::group_label(&r["group"]);
            match groups.iter_mut().find(|(l, _)| *l == label) {
                Some((_, list)) => list.push(r),
                None => groups.push((label, vec![r])),
            }
        }
        for (label, list) in groups {
            out.line(format!("{title}={label}:"));
            for r in list {
                out.line(format!(
                    "  {} | {}",
                    format::time_of(&r["bucket_start_ns"]),
                    stats_row(r)
                ));
            }
        }
    } else {
        out.line(format!("{title} | {STATS_HEADER}"));
        for r in rows {
            out.line(format!(
                "{} | {}",
                super::group_label(&r["group"]),
                stats_row(r)
            ));
        }
    }
    let unpriced: i64 = rows.iter().map(|r| format::int(&r["unpriced"])).sum();
    let no_usage: i64 = rows.iter().map(|r| format::int(&r["usage_missing"])).sum();
    if unpriced > 0 {
        out.line(format!(
            "note: {unpriced} span(s) have token usage but no price, so cost is incomplete \
             (cost_report lists the unpriced models)"
        ));
    }
    if no_usage > 0 {
        out.line(format!(
            "note: {no_usage} model call(s) reported no token usage (ingest_status shows where)"
        ));
    }
    out.line(
        "next: search_traces with a group's values as filters (e.g. model, operation) for \
         example traces",
    );
    out.finish("lower `limit`, use a larger `step`, or narrow the range")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(group: Value, bucket: Option<i64>) -> Value {
        let mut r = json!({
            "group": group, "requests": 40, "errors": 2, "error_rate": 0.05,
            "error_types": [["RateLimitError", 2]],
            "latency_ms": {"p50": 820.0, "p95": 2400.0, "p99": 3100.0},
            "ttft_ms": {"p50": 200.0, "p95": 450.0, "p99": null},
            "tokens": {"input": 8000, "output": 1200, "cache_read": 2000, "cache_write": 0, "reasoning": 0},
            "cost": {"total": 0.125, "input": 0.1, "cache_read": 0.0, "cache_write": 0.0, "output": 0.025, "reasoning": 0.0},
            "unpriced": 3, "usage_missing": 0, "cache_hit_ratio": 0.25,
            "output_tokens_per_second": 50.0, "context_window_use": {"p50": null, "p95": null, "p99": null}
        });
        if let Some(b) = bucket {
            r["bucket_start_ns"] = json!(b);
        }
        r
    }

    /// A breakdown row shows every metric in the header's order; unpriced spans get a note.
    #[test]
    fn breakdown_rows() {
        let body = json!({
            "start_ns": 1_795_301_215_000_000_000_i64, "end_ns": 1_795_304_815_000_000_000_i64,
            "group_by": ["provider", "model"], "step_ns": null,
            "rows": [row(json!({"provider": "openai", "model": "gpt-4o"}), None)]
        });
        let mut q = Query::new();
        q.set("since", "1h").set("operation", "chat");
        let text = render(&body, &q, OrderArg::Requests);
        assert!(text.starts_with(
            "GenAI stats by provider/model, top groups by requests | 2026-11-21T22:46:55.000Z → \
             2026-11-21T23:46:55.000Z | filters: operation=chat\n"
        ), "{text}");
        assert!(text.contains(
            "openai/gpt-4o | 40 | 2 (5.0%) | 820.0ms/2.40s | 450.0ms | 8000/1200 | $0.125 | 25.0% | RateLimitError×2"
        ), "{text}");
        assert!(
            text.contains("note: 3 span(s) have token usage but no price"),
            "{text}"
        );
    }

    /// A time series lists each group once with its buckets under it.
    #[test]
    fn series_grouped() {
        let t0 = 1_795_301_215_000_000_000_i64;
        let body = json!({
            "start_ns": t0, "end_ns": t0 + 600_000_000_000_i64,
            "group_by": ["service_version"], "step_ns": 300_000_000_000_i64,
            "rows": [
                row(json!({"service_version": "1.2"}), Some(t0)),
                row(json!({"service_version": "1.3"}), Some(t0)),
                row(json!({"service_version": "1.2"}), Some(t0 + 300_000_000_000)),
            ]
        });
        let text = render(&body, &Query::new(), OrderArg::Latency);
        assert!(
            text.contains("every 5m00s, top groups by latency"),
            "{text}"
        );
        let v12 = text.find("service_version=1.2:").unwrap();
        let v13 = text.find("service_version=1.3:").unwrap();
        assert!(v12 < v13);
        assert_eq!(text.matches("service_version=1.2:").count(), 1);
        assert!(
            text[v12..v13].contains("  2026-11-21T22:51:55.000Z | 40 |"),
            "{text}"
        );
    }
}
