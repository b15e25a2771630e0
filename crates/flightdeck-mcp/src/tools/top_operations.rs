//! `top_operations`: the slowest, most expensive or most failing GenAI operations, each with
//! example traces to drill into.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use crate::api::{Api, Query};
use crate::args::{FilterArgs, RangeArgs, Unknown, bounded};
use crate::error::ToolError;
use crate::format::{self, Output};

/// What the agent reads in the tool list.
pub const DESCRIPTION: &str = "The worst GenAI operations in a time range, ranked `by` slowest \
(p95 latency), most_expensive (total cost; by tokens when nothing is priced) or most_failing \
(error count), grouped by operation and model by default (or by tool, agent, service, ...). \
Each of the top groups comes with example trace ids: traces with a span of that group slower \
than its p95, failed, or the costliest. Answers 'why is this slow', 'what fails most', 'what \
costs most'; drill down with get_trace.";

// No variant docs, so the JSON schema is a short `enum` list.
/// Operation ranking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum Ranking {
    Slowest,
    MostExpensive,
    MostFailing,
}

/// Arguments of `top_operations`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Args {
    /// What to rank by: `slowest` (p95 latency), `most_expensive` (total cost; tokens when
    /// nothing has a price) or `most_failing` (error count).
    pub by: Ranking,
    #[serde(flatten)]
    #[allow(missing_docs)]
    pub range: RangeArgs,
    #[serde(flatten)]
    #[allow(missing_docs)]
    pub filter: FilterArgs,
    /// Dimensions that define an operation, at most 4 (default ["operation", "model"]); e.g.
    /// ["tool"] for tools, ["agent"] for agents, ["service", "operation"].
    pub group_by: Option<Vec<String>>,
    /// How many operations, 1-50 (default 10).
    #[schemars(range(min = 1, max = 50))]
    pub limit: Option<u32>,
    /// Example traces per operation for the first 5 operations, 0-5 (default 3).
    #[schemars(range(min = 0, max = 5))]
    pub examples: Option<u32>,
    #[serde(flatten)]
    #[schemars(skip)]
    #[allow(missing_docs)]
    pub unknown: Unknown,
}

/// Operations that get example traces (each costs one search).
const WITH_EXAMPLES: usize = 5;

/// Ranks the operations and finds examples.
pub async fn run(api: &Api, args: Args) -> Result<String, ToolError> {
    args.unknown.check()?;
    let limit = bounded("limit", args.limit, 10, 50)?;
    let examples = match args.examples {
        None => 3,
        Some(n) if n <= 5 => n as usize,
        Some(n) => {
            return Err(ToolError::InvalidArgument(format!(
                "`examples` must be from 0 to 5, got {n}"
            )));
        }
    };
    let group_by = match &args.group_by {
        Some(dims) if !dims.is_empty() => dims.join(","),
        _ => "operation,model".to_owned(),
    };
    let mut base = Query::new();
    args.range.push(&mut base, "1h");
    args.filter.push(&mut base)?;

    let mut q = base.clone();
    q.set("group_by", group_by.as_str())
        .set("limit", limit.to_string());
    let mut order = match args.by {
        Ranking::Slowest => "latency",
        Ranking::MostExpensive => "cost",
        Ranking::MostFailing => "errors",
    };
    q.set("order_by", order);
    let mut body = api.get("/api/v1/analytics", &q).await?;
    let mut note = None;
    if args.by == Ranking::MostExpensive && !any_cost(&body) {
        // Nothing priced: tokens are the next best measure of spend.
        let mut q = base.clone();
        q.set("group_by", group_by.as_str())
            .set("limit", limit.to_string())
            .set("order_by", "tokens");
        body = api.get("/api/v1/analytics", &q).await?;
        order = "tokens";
        note = Some(
            "no cost recorded in this range (models unpriced?): ranked by tokens instead; \
             cost_report lists unpriced models",
        );
    }
    let rows: Vec<Value> = body["rows"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .filter(|r| relevant(r, args.by, order))
                .cloned()
                .collect()
        })
        .unwrap_or_default();

    let mut found = Vec::new();
    for r in rows
        .iter()
        .take(if examples == 0 { 0 } else { WITH_EXAMPLES })
    {
        found.push(example_traces(api, &base, r, args.by, examples).await?);
    }

    let mut out = Output::default();
    let title = super::group_title(&body);
    out.line(super::scope_line(
        &format!(
            "top {} GenAI operations ({title}) by {}",
            rows.len(),
            match (args.by, order) {
                (Ranking::Slowest, _) => "p95 latency",
                (Ranking::MostFailing, _) => "errors",
                (Ranking::MostExpensive, "tokens") => "tokens",
                (Ranking::MostExpensive, _) => "cost",
            }
        ),
        &body,
        &base,
    ));
    if let Some(note) = note {
        out.line(format!("note: {note}"));
    }
    if rows.is_empty() {
        out.line(match args.by {
            Ranking::MostFailing => "no failed GenAI spans in this range",
            _ => "no GenAI spans match: widen the range (`since`) or drop filters",
        });
        return Ok(out.finish(""));
    }
    out.line(format!("{title} | {}", super::genai_stats::STATS_HEADER));
    for (i, r) in rows.iter().enumerate() {
        out.line(format!(
            "{}. {} | {}",
            i + 1,
            super::group_label(&r["group"]),
            super::genai_stats::stats_row(r)
        ));
        if let Some(ids) = found.get(i) {
            let (filters, skipped) = group_filters(&r["group"]);
            let partly = if skipped.is_empty() || filters.is_empty() {
                String::new()
            } else {
                let matched: Vec<String> =
                    filters.iter().map(|(k, v)| format!("{k}={v}")).collect();
                format!(" (matching {} only)", matched.join(" "))
            };
            if ids.is_empty() {
                out.line("   examples: none found");
            } else {
                out.line(format!("   examples{partly}: {}", ids.join(", ")));
            }
        }
    }
    out.line(
        "next: get_trace(trace_id) on an example; search_traces with the group's values for more",
    );
    Ok(out.finish("lower `limit`"))
}

/// True when any row has a cost.
fn any_cost(body: &Value) -> bool {
    body["rows"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|r| r["cost"]["total"].as_f64().unwrap_or(0.0) > 0.0)
}

/// Leaves out rows that say nothing for the ranking (no errors when ranking failures, no spend
/// when ranking cost or tokens).
fn relevant(r: &Value, by: Ranking, order: &str) -> bool {
    match (by, order) {
        (Ranking::MostFailing, _) => format::int(&r["errors"]) > 0,
        (Ranking::MostExpensive, "tokens") => {
            format::int(&r["tokens"]["input"]) + format::int(&r["tokens"]["output"]) > 0
        }
        (Ranking::MostExpensive, _) => r["cost"]["total"].as_f64().unwrap_or(0.0) > 0.0,
        (Ranking::Slowest, _) => true,
    }
}

/// The filters selecting a group's spans: each dimension value as its filter. Dimensions that
/// cannot be filtered on (a missing value, `model_family`) are left out and returned second, so
/// the examples can say they match the group only partly.
pub fn group_filters(group: &Value) -> (Vec<(String, String)>, Vec<String>) {
    let mut filters = Vec::new();
    let mut skipped = Vec::new();
    for (dim, value) in group.as_object().into_iter().flatten() {
        let Some(value) = value.as_str() else {
            skipped.push(dim.clone());
            continue;
        };
        match dim.as_str() {
            "provider" | "model" | "operation" | "service" | "service_version" | "agent"
            | "tool" | "user" | "conversation" | "error_type" => {
                filters.push((dim.clone(), value.to_owned()));
            }
            "response_model" => filters.push(("model".to_owned(), value.to_owned())),
            other => match other.strip_prefix("attr:") {
                Some(attr) => filters.push(("attr".to_owned(), format!("{attr}={value}"))),
                None => skipped.push(dim.clone()),
            },
        }
    }
    (filters, skipped)
}

/// Trace ids showing a group at its worst: slower than its p95, failed, or the costliest of a
/// recent page.
async fn example_traces(
    api: &Api,
    base: &Query,
    row: &Value,
    by: Ranking,
    count: usize,
) -> Result<Vec<String>, ToolError> {
    let (filters, _) = group_filters(&row["group"]);
    if filters.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = base.clone();
    for (k, v) in &filters {
        if q.get(k).is_none() || k == "attr" {
            q.set(k, v.as_str());
        }
    }
    let page = match by {
        Ranking::Slowest => {
            if let Some(p95) = row["latency_ms"]["p95"].as_f64() {
                // Whole microseconds at or below the p95, so the p95 span itself matches.
                q.set(
                    "min_duration",
                    format!("{}us", (p95 * 1000.0).floor() as i64),
                );
            }
            count
        }
        Ranking::MostFailing => {
            q.set("status", "error");
            count
        }
        Ranking::MostExpensive => 50,
    };
    q.set("limit", page.to_string());
    let body = api.get("/api/v1/traces", &q).await?;
    let mut traces: Vec<&Value> = body["traces"].as_array().into_iter().flatten().collect();
    match by {
        Ranking::MostExpensive => {
            let cost = |t: &Value| t["cost_usd"].as_f64().unwrap_or(0.0);
            let tokens =
                |t: &Value| format::int(&t["input_tokens"]) + format::int(&t["output_tokens"]);
            traces.sort_by(|a, b| {
                cost(b)
                    .total_cmp(&cost(a))
                    .then_with(|| tokens(b).cmp(&tokens(a)))
            });
        }
        Ranking::Slowest => {
            traces.sort_by_key(|t| std::cmp::Reverse(format::int(&t["duration_ns"])));
        }
        Ranking::MostFailing => {}
    }
    Ok(traces
        .iter()
        .take(count)
        .map(|t| {
            format!(
                "{} ({}, {} errors, {})",
                format::text(&t["trace_id"]),
                format::ns(format::int(&t["duration_ns"])),
                format::int(&t["error_count"]),
                format::usd_of(&t["cost_usd"]),
            )
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Group values map onto the search filters; missing values and dimensions without a
    /// filter are reported as skipped.
    #[test]
    fn group_values_become_filters() {
        let (f, skipped) = group_filters(&json!({"operation": "chat",
            "response_model": "gpt-4o-2024-08-06", "attr:tenant.id": "acme"}));
        assert_eq!(
            f,
            vec![
                ("operation".to_owned(), "chat".to_owned()),
                ("model".to_owned(), "gpt-4o-2024-08-06".to_owned()),
                ("attr".to_owned(), "tenant.id=acme".to_owned()),
            ]
        );
        assert!(skipped.is_empty());
        let (f, skipped) = group_filters(&json!({"operation": "invoke_agent", "model": null,
            "model_family": "gpt-4o"}));
        assert_eq!(f, vec![("operation".to_owned(), "invoke_agent".to_owned())]);
        assert_eq!(skipped, vec!["model".to_owned(), "model_family".to_owned()]);
    }

    /// Rows are kept only when they say something for the ranking.
    #[test]
    fn relevance() {
        let r = json!({"errors": 0, "tokens": {"input": 10, "output": 0}, "cost": {"total": 0.0}});
        assert!(!relevant(&r, Ranking::MostFailing, "errors"));
        assert!(!relevant(&r, Ranking::MostExpensive, "cost"));
        assert!(relevant(&r, Ranking::MostExpensive, "tokens"));
        assert!(relevant(&r, Ranking::Slowest, "latency"));
    }
}
