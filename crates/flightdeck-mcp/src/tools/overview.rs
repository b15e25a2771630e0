//! `overview`: what telemetry exists in a time range, the natural first call.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use crate::api::{Api, Query};
use crate::args::{RangeArgs, Unknown};
use crate::error::ToolError;
use crate::format::{self, Output};

/// What the agent reads in the tool list.
pub const DESCRIPTION: &str = "Start here. What Flightdeck has seen in a time range (default: \
last 1h): services with span counts, GenAI totals (requests, errors, latency, tokens, cost), \
the models in use per provider, and the busiest operations (span names) per service. Gives the \
exact names to use as filters in the other tools (service, model, operation, name).";

/// Arguments of `overview`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Args {
    #[serde(flatten)]
    #[allow(missing_docs)]
    pub range: RangeArgs,
    #[serde(flatten)]
    #[schemars(skip)]
    #[allow(missing_docs)]
    pub unknown: Unknown,
}

/// Most operations listed.
const MAX_OPERATIONS: usize = 30;

/// Gathers the overview.
pub async fn run(api: &Api, args: Args) -> Result<String, ToolError> {
    args.unknown.check()?;
    let mut range = Query::new();
    args.range.push(&mut range, "1h");
    let mut total_q = range.clone();
    total_q.set("group_by", "none");
    let (services, models, operations, total) = futures::try_join!(
        api.get("/api/v1/services", &range),
        api.get("/api/v1/models", &range),
        api.get("/api/v1/operations", &range),
        api.get("/api/v1/analytics", &total_q),
    )?;
    Ok(render(&services, &models, &operations, &total))
}

fn render(services: &Value, models: &Value, operations: &Value, total: &Value) -> String {
    let mut out = Output::default();
    out.line(format!(
        "overview | {} → {}",
        format::time_of(&total["start_ns"]),
        format::time_of(&total["end_ns"])
    ));
    let services = services["services"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    if services.is_empty() {
        out.line(
            "no spans in this range: widen it (`since`, e.g. 24h or 7d); ingest_status shows \
             whether telemetry arrives at all",
        );
        return out.finish("");
    }
    let list: Vec<String> = services
        .iter()
        .map(|s| {
            format!(
                "{} ({} spans)",
                format::text(&s["service"]),
                format::int(&s["spans"])
            )
        })
        .collect();
    out.line(format!("services: {}", list.join(", ")));
    let t = &total["rows"][0];
    if format::int(&t["requests"]) > 0 {
        out.line(format!(
            "GenAI: {} spans, {} errors ({}), latency p50/p95 {}/{}, tokens in/out {}/{}, cost {}{}",
            format::int(&t["requests"]),
            format::int(&t["errors"]),
            format::pct(t["error_rate"].as_f64().unwrap_or(0.0)),
            format::ms_of(&t["latency_ms"]["p50"]),
            format::ms_of(&t["latency_ms"]["p95"]),
            format::int(&t["tokens"]["input"]),
            format::int(&t["tokens"]["output"]),
            format::usd_of(&t["cost"]["total"]),
            match format::int(&t["unpriced"]) {
                0 => String::new(),
                n => format!(" ({n} spans unpriced)"),
            },
        ));
    } else {
        out.line("GenAI: no spans with a GenAI operation");
    }
    let models = models["models"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    if !models.is_empty() {
        out.line("models (provider/model → response models | operations | spans):");
        for m in models {
            out.line(format!(
                "  {}/{} → {} | {} | {}",
                format::text(&m["provider"]),
                format::text(&m["model"]),
                format::text(&m["response_models"]),
                format::text(&m["operations"]),
                format::int(&m["spans"]),
            ));
        }
    }
    let mut ops: Vec<&Value> = operations["operations"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    ops.sort_by_key(|o| std::cmp::Reverse(format::int(&o["spans"])));
    if !ops.is_empty() {
        out.line(format!(
            "busiest operations (service | span name | GenAI operation | spans), {} of {}:",
            ops.len().min(MAX_OPERATIONS),
            ops.len()
        ));
        for o in ops.iter().take(MAX_OPERATIONS) {
            out.line(format!(
                "  {} | {} | {} | {}",
                format::text(&o["service"]),
                format::text(&o["name"]),
                format::text(&o["genai_operation"]),
                format::int(&o["spans"]),
            ));
        }
    }
    out.line(
        "next: search_traces (filters: service, name, model, status=error, ...), genai_stats, \
         top_operations, cost_report",
    );
    out.finish("narrow the range")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Services, GenAI totals, models and the busiest operations (by span count) are listed.
    #[test]
    fn lists_everything() {
        let services = json!({"services": [{"service": "chat-api", "spans": 120}, {"service": "worker", "spans": 3}]});
        let models = json!({"models": [{"provider": "openai", "model": "gpt-4o",
            "response_models": ["gpt-4o-2024-08-06"], "operations": ["chat"], "spans": 40}]});
        let operations = json!({"operations": [
            {"service": "worker", "name": "job", "genai_operation": null, "spans": 3},
            {"service": "chat-api", "name": "chat gpt-4o", "genai_operation": "chat", "spans": 40}
        ]});
        let total = json!({"start_ns": 0, "end_ns": 1, "rows": [{"requests": 40, "errors": 2,
            "error_rate": 0.05, "latency_ms": {"p50": 100.0, "p95": 900.0},
            "tokens": {"input": 4000, "output": 800}, "cost": {"total": 0.0}, "unpriced": 40}]});
        let text = render(&services, &models, &operations, &total);
        assert!(
            text.contains("services: chat-api (120 spans), worker (3 spans)"),
            "{text}"
        );
        assert!(text.contains("GenAI: 40 spans, 2 errors (5.0%), latency p50/p95 100.0ms/900.0ms, tokens in/out 4000/800, cost $0 (40 spans unpriced)"), "{text}");
        assert!(
            text.contains("  openai/gpt-4o → gpt-4o-2024-08-06 | chat | 40"),
            "{text}"
        );
        let busy = text.find("chat-api | chat gpt-4o | chat | 40").unwrap();
        let quiet = text.find("worker | job | - | 3").unwrap();
        assert!(busy < quiet, "{text}");
    }
}
