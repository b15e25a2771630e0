//! `cost_report`: what GenAI usage cost, by any dimension, with what is missing from the total.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use crate::api::{Api, Query};
use crate::args::{FilterArgs, RangeArgs, Unknown, bounded};
use crate::error::ToolError;
use crate::format::{self, Output};

/// What the agent reads in the tool list.
pub const DESCRIPTION: &str = "Cost report of GenAI usage (default: last 24h): the total in USD \
split into input, cache read, cache write, output and reasoning; tokens; then the top groups by \
cost (default by model; group by user, agent, service, service_version, conversation, \
attr:<key>, ... to see who or what spends), each with its share, calls, cost per call and \
cache-hit ratio; and the models used without a price (their cost is missing). Answers 'what did \
this cost', 'who spends the most', 'why did spend rise'.";

/// Arguments of `cost_report`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Args {
    #[serde(flatten)]
    #[allow(missing_docs)]
    pub range: RangeArgs,
    #[serde(flatten)]
    #[allow(missing_docs)]
    pub filter: FilterArgs,
    /// Dimensions to break the cost down by, at most 4 (default ["model"]): provider, model,
    /// response_model, model_family, operation, service, service_version, agent, tool, user,
    /// conversation, error_type or attr:<key>.
    pub group_by: Option<Vec<String>>,
    /// Most groups, 1-100 (default 20).
    #[schemars(range(min = 1, max = 100))]
    pub limit: Option<u32>,
    #[serde(flatten)]
    #[schemars(skip)]
    #[allow(missing_docs)]
    pub unknown: Unknown,
}

/// Builds the report.
pub async fn run(api: &Api, args: Args) -> Result<String, ToolError> {
    args.unknown.check()?;
    let limit = bounded("limit", args.limit, 20, 100)?;
    let group_by = match &args.group_by {
        Some(dims) if !dims.is_empty() => dims.join(","),
        _ => "model".to_owned(),
    };
    let mut base = Query::new();
    args.range.push(&mut base, "24h");
    args.filter.push(&mut base)?;

    let mut total_q = base.clone();
    total_q.set("group_by", "none");
    let mut groups_q = base.clone();
    groups_q
        .set("group_by", group_by)
        .set("order_by", "cost")
        .set("limit", limit.to_string());
    let mut unpriced_q = Query::new();
    args.range.push(&mut unpriced_q, "24h");
    let (total, groups, unpriced) = futures::try_join!(
        api.get("/api/v1/analytics", &total_q),
        api.get("/api/v1/analytics", &groups_q),
        api.get("/api/v1/models/unpriced", &unpriced_q),
    )?;
    Ok(render(&total, &groups, &unpriced, &base))
}

fn render(total: &Value, groups: &Value, unpriced: &Value, q: &Query) -> String {
    let mut out = Output::default();
    out.line(super::scope_line("cost report", total, q));
    let t = &total["rows"][0];
    if t.is_null() || format::int(&t["requests"]) == 0 {
        out.line("no GenAI spans in this range: widen it (`since`, e.g. 7d) or drop filters");
        return out.finish("");
    }
    let total_cost = t["cost"]["total"].as_f64().unwrap_or(0.0);
    let c = &t["cost"];
    out.line(format!(
        "total {} = input {} + cache read {} + cache write {} + output {} + reasoning {}",
        format::usd(total_cost),
        format::usd_of(&c["input"]),
        format::usd_of(&c["cache_read"]),
        format::usd_of(&c["cache_write"]),
        format::usd_of(&c["output"]),
        format::usd_of(&c["reasoning"]),
    ));
    let tk = &t["tokens"];
    out.line(format!(
        "tokens: input {} (cache read {}, cache write {}) | output {} (reasoning {}) | GenAI spans {}",
        format::int(&tk["input"]),
        format::int(&tk["cache_read"]),
        format::int(&tk["cache_write"]),
        format::int(&tk["output"]),
        format::int(&tk["reasoning"]),
        format::int(&t["requests"]),
    ));
    let unpriced_spans = format::int(&t["unpriced"]);
    if unpriced_spans > 0 {
        out.line(format!(
            "incomplete: {unpriced_spans} span(s) used tokens with a model that has no price; \
             their cost is not in the total (models listed below)"
        ));
    }
    let usage_missing = format::int(&t["usage_missing"]);
    if usage_missing > 0 {
        out.line(format!(
            "incomplete: {usage_missing} model call(s) reported no token usage, so they cost \
             nothing here (ingest_status shows where)"
        ));
    }

    let rows = groups["rows"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    let title = super::group_title(groups);
    // Groups without tokens or cost (agent and tool spans) say nothing about spend.
    let spending: Vec<&Value> = rows
        .iter()
        .filter(|r| {
            r["cost"]["total"].as_f64().unwrap_or(0.0) > 0.0
                || format::int(&r["tokens"]["input"]) + format::int(&r["tokens"]["output"]) > 0
        })
        .collect();
    out.line(format!("by {title} (top {} by cost):", spending.len()));
    out.line(format!(
        "{title} | cost | share | spans | cost/span | tokens in/out | cache hit | unpriced spans"
    ));
    for r in &spending {
        let cost = r["cost"]["total"].as_f64().unwrap_or(0.0);
        let requests = format::int(&r["requests"]);
        out.line(format!(
            "{} | {} | {} | {} | {} | {}/{} | {} | {}",
            super::group_label(&r["group"]),
            format::usd(cost),
            if total_cost > 0.0 {
                format::pct(cost / total_cost)
            } else {
                "-".to_owned()
            },
            requests,
            if requests > 0 {
                format::usd(cost / requests as f64)
            } else {
                "-".to_owned()
            },
            format::int(&r["tokens"]["input"]),
            format::int(&r["tokens"]["output"]),
            r["cache_hit_ratio"]
                .as_f64()
                .map_or_else(|| "-".to_owned(), format::pct),
            format::int(&r["unpriced"]),
        ));
    }
    let models = unpriced["models"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    if !models.is_empty() {
        out.line(format!(
            "models without a price ({}; add them to the pricing overrides to cost them):",
            models.len()
        ));
        out.line("provider/model | calls | tokens in/out | last seen");
        for m in models {
            out.line(format!(
                "{}/{} | {} | {}/{} | {}",
                format::text(&m["provider"]),
                format::text(&m["model"]),
                format::int(&m["calls"]),
                format::int(&m["input_tokens"]),
                format::int(&m["output_tokens"]),
                format::time_of(&m["last_seen_ns"]),
            ));
        }
    }
    out.line(
        "next: top_operations(by=most_expensive) for the costliest operations with example \
         traces; genai_stats with `step` for spend over time",
    );
    out.finish("lower `limit` or add filters")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(
        group: Value,
        requests: i64,
        cost: f64,
        input: i64,
        output: i64,
        unpriced: i64,
    ) -> Value {
        json!({
            "group": group, "requests": requests, "errors": 0, "error_rate": 0.0, "error_types": [],
            "latency_ms": {"p50": 1.0, "p95": 2.0, "p99": 3.0}, "ttft_ms": {"p50": null, "p95": null, "p99": null},
            "tokens": {"input": input, "output": output, "cache_read": 0, "cache_write": 0, "reasoning": 0},
            "cost": {"total": cost, "input": cost * 0.75, "cache_read": 0.0, "cache_write": 0.0, "output": cost * 0.25, "reasoning": 0.0},
            "unpriced": unpriced, "usage_missing": 0, "cache_hit_ratio": null
        })
    }

    /// Shares are each group's cost over the total; agent rows without tokens are left out;
    /// unpriced models are listed with their usage.
    #[test]
    fn shares_and_unpriced() {
        let total = json!({"start_ns": 0, "end_ns": 1, "group_by": [], "rows": [
            row(json!({}), 30, 4.0, 3000, 600, 5)
        ]});
        let groups = json!({"group_by": ["model"], "rows": [
            row(json!({"model": "gpt-4o"}), 10, 3.0, 2000, 400, 0),
            row(json!({"model": "gpt-4o-mini"}), 10, 1.0, 500, 100, 0),
            row(json!({"model": "my-finetune"}), 5, 0.0, 500, 100, 5),
            row(json!({"model": null}), 5, 0.0, 0, 0, 0),
        ]});
        let unpriced = json!({"models": [{"provider": "openai", "model": "my-finetune", "calls": 5,
            "input_tokens": 500, "output_tokens": 100, "last_seen_ns": 1_795_301_215_000_000_000_i64}]});
        let text = render(&total, &groups, &unpriced, &Query::new());
        assert!(text.contains("total $4.00 = input $3.00 + cache read $0 + cache write $0 + output $1.00 + reasoning $0"), "{text}");
        // 3.0 / 4.0 = 75%, 3.0 / 10 spans = $0.30 per span.
        assert!(
            text.contains("gpt-4o | $3.00 | 75.0% | 10 | $0.3 | 2000/400 | - | 0"),
            "{text}"
        );
        assert!(
            text.contains("gpt-4o-mini | $1.00 | 25.0% | 10 | $0.1 |"),
            "{text}"
        );
        assert!(text.contains("by model (top 3 by cost):"), "{text}");
        assert!(!text.contains("\n- | $0"), "{text}");
        assert!(text.contains("incomplete: 5 span(s) used tokens"), "{text}");
        assert!(
            text.contains("openai/my-finetune | 5 | 500/100 | 2026-11-21T22:46:55.000Z"),
            "{text}"
        );
    }
}
