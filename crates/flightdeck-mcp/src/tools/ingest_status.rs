//! `ingest_status`: is telemetry arriving, is any of it rejected, and what is wrong with the
//! instrumentation (missing usage, missing model names, unpriced models).

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use crate::api::{Api, Query};
use crate::args::{RangeArgs, Unknown};
use crate::error::ToolError;
use crate::format::{self, Output};

/// What the agent reads in the tool list.
pub const DESCRIPTION: &str = "Health of the telemetry itself: spans, logs and metric points \
received, accepted, rejected (with the most recent rejection reasons) or refused under load; \
values truncated and attributes dropped by limits; store writes and errors; database size; and \
instrumentation findings over a time range (default: last 24h): model calls reporting no token \
usage or no model name, and models without a price. Use it when data looks missing or wrong.";

/// Arguments of `ingest_status`.
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

/// Model-call operations (the ones expected to carry a model and token usage).
const MODEL_CALLS: &[&str] = &["chat", "text_completion", "generate_content", "embeddings"];
/// Most rejection reasons listed.
const MAX_REJECTIONS: usize = 10;

/// Reads the counters and looks for instrumentation problems.
pub async fn run(api: &Api, args: Args) -> Result<String, ToolError> {
    args.unknown.check()?;
    let mut range = Query::new();
    args.range.push(&mut range, "24h");
    let mut analytics_q = range.clone();
    analytics_q
        .set("group_by", "service,operation,model")
        .set("order_by", "requests")
        .set("limit", "500");
    let none = Query::new();
    let (stats, unpriced, analytics) = futures::try_join!(
        api.get("/api/v1/stats", &none),
        api.get("/api/v1/models/unpriced", &range),
        api.get("/api/v1/analytics", &analytics_q),
    )?;
    Ok(render(&stats, &unpriced, &analytics))
}

fn signal_line(name: &str, s: &Value) -> String {
    format!(
        "{name}: received {}, accepted {}, rejected as invalid {}, refused while busy {}, failed to store {}",
        format::int(&s["received"]),
        format::int(&s["accepted"]),
        format::int(&s["rejected_invalid"]),
        format::int(&s["refused_busy"]),
        format::int(&s["failed"]),
    )
}

fn render(stats: &Value, unpriced: &Value, analytics: &Value) -> String {
    let mut out = Output::default();
    let ingest = &stats["ingest"];
    out.line(format!(
        "flightdeck {} | up {} | RSS {} | CPU {}s",
        format::text(&stats["version"]),
        format::ms(format::int(&stats["uptime_seconds"]) as f64 * 1000.0),
        format::bytes(format::int(&stats["process"]["rss_bytes"]).max(0) as u64),
        format::text(&stats["process"]["cpu_seconds"]),
    ));
    out.line("ingest since this server started:");
    out.line(signal_line("spans", &ingest["spans"]));
    out.line(signal_line("logs", &ingest["logs"]));
    out.line(signal_line("metric points", &ingest["metric_points"]));
    out.line(format!(
        "requests {} ({} malformed, {} too large) | values truncated {} | attributes dropped {} | events dropped {} | links dropped {}",
        format::int(&ingest["requests"]),
        format::int(&ingest["bad_requests"]),
        format::int(&ingest["too_large"]),
        format::int(&ingest["values_truncated"]),
        format::int(&ingest["attributes_dropped"]),
        format::int(&ingest["events_dropped"]),
        format::int(&ingest["links_dropped"]),
    ));
    let w = &stats["writer"];
    out.line(format!(
        "store writer: spans written {}, logs written {}, commits {}, write errors {}, queued now {}",
        format::int(&w["spans_written"]),
        format::int(&w["logs_written"]),
        format::int(&w["commits"]),
        format::int(&w["write_errors"]),
        format::int(&w["queued_items"]),
    ));
    let st = &stats["store"];
    out.line(format!(
        "store: {} spans, {} log records, {} on disk",
        format::int(&st["spans"]),
        format::int(&st["logs"]),
        format::bytes(format::int(&st["bytes_on_disk"]).max(0) as u64),
    ));
    let rejections = ingest["recent_rejections"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    if !rejections.is_empty() {
        out.line(format!(
            "recent rejections ({} kept, newest first):",
            rejections.len()
        ));
        for r in rejections.iter().take(MAX_REJECTIONS) {
            out.line(format!(
                "  {} {} via {}: {}",
                format::time_of(&r["time_unix_nano"]),
                format::text(&r["signal"]),
                format::text(&r["transport"]),
                format::clip(&format::text(&r["message"]), 300),
            ));
        }
        if rejections.len() > MAX_REJECTIONS {
            out.line(format!(
                "  … {} older ones in /api/v1/stats",
                rejections.len() - MAX_REJECTIONS
            ));
        }
    }

    out.line(format!(
        "instrumentation findings | {} → {}:",
        format::time_of(&analytics["start_ns"]),
        format::time_of(&analytics["end_ns"])
    ));
    let mut findings = 0;
    let rows = analytics["rows"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    for r in rows {
        let g = &r["group"];
        let label = format!(
            "service={} operation={} model={}",
            format::text(&g["service"]),
            format::text(&g["operation"]),
            format::text(&g["model"])
        );
        let missing = format::int(&r["usage_missing"]);
        if missing > 0 {
            findings += 1;
            out.line(format!(
                "  - {missing} of {} model calls report no token usage ({label}); streaming calls \
                 need usage reporting enabled (e.g. OpenAI stream_options.include_usage), so \
                 tokens and cost are undercounted",
                format::int(&r["requests"]),
            ));
        }
        let is_model_call = g["operation"]
            .as_str()
            .is_some_and(|op| MODEL_CALLS.contains(&op));
        if is_model_call && g["model"].is_null() {
            findings += 1;
            out.line(format!(
                "  - {} model calls carry no model name ({label}): set gen_ai.request.model \
                 or gen_ai.response.model",
                format::int(&r["requests"]),
            ));
        }
    }
    let models = unpriced["models"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    if !models.is_empty() {
        findings += 1;
        let list: Vec<String> = models
            .iter()
            .take(20)
            .map(|m| {
                format!(
                    "{}/{} ({} calls)",
                    format::text(&m["provider"]),
                    format::text(&m["model"]),
                    format::int(&m["calls"])
                )
            })
            .collect();
        out.line(format!(
            "  - {} model(s) used without a price, so their cost is missing: {}{}",
            models.len(),
            list.join(", "),
            if models.len() > 20 { ", …" } else { "" }
        ));
    }
    if findings == 0 {
        out.line("  none: every model call reported a model and token usage, and every model has a price");
    }
    out.finish("see /api/v1/stats for the raw counters")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Counters are printed per signal; calls without usage or model, unpriced models and
    /// rejections each become a finding.
    #[test]
    fn findings() {
        let counters = json!({"received": 10, "accepted": 8, "rejected_invalid": 2, "refused_busy": 0, "failed": 0});
        let stats = json!({
            "version": "0.1.0", "uptime_seconds": 90,
            "ingest": {"spans": counters, "logs": counters, "metric_points": counters,
                "requests": 3, "bad_requests": 1, "too_large": 0, "values_truncated": 0,
                "attributes_dropped": 0, "events_dropped": 0, "links_dropped": 0,
                "recent_rejections": [{"time_unix_nano": 1_795_301_215_000_000_000_i64, "signal": "spans", "transport": "http", "message": "span 3: trace_id must be 16 bytes, got 12"}]},
            "writer": {"spans_written": 8, "logs_written": 8, "commits": 2, "write_errors": 0, "queued_items": 0},
            "store": {"spans": 8, "logs": 8, "bytes_on_disk": 2048},
            "process": {"rss_bytes": 1048576, "cpu_seconds": 0.5}
        });
        let unpriced = json!({"models": [{"provider": "acme", "model": "m1", "calls": 4}]});
        let analytics = json!({"start_ns": 0, "end_ns": 1, "rows": [
            {"group": {"service": "api", "operation": "chat", "model": "gpt-4o"}, "requests": 5, "usage_missing": 2},
            {"group": {"service": "api", "operation": "chat", "model": null}, "requests": 3, "usage_missing": 0},
            {"group": {"service": "api", "operation": "invoke_agent", "model": null}, "requests": 9, "usage_missing": 0}
        ]});
        let text = render(&stats, &unpriced, &analytics);
        assert!(
            text.contains("spans: received 10, accepted 8, rejected as invalid 2"),
            "{text}"
        );
        assert!(
            text.contains("store: 8 spans, 8 log records, 2.0KiB on disk"),
            "{text}"
        );
        assert!(text.contains("  2026-11-21T22:46:55.000Z spans via http: span 3: trace_id must be 16 bytes, got 12"), "{text}");
        assert!(text.contains("- 2 of 5 model calls report no token usage (service=api operation=chat model=gpt-4o)"), "{text}");
        assert!(
            text.contains(
                "- 3 model calls carry no model name (service=api operation=chat model=-)"
            ),
            "{text}"
        );
        assert!(!text.contains("operation=invoke_agent"), "{text}");
        assert!(
            text.contains(
                "- 1 model(s) used without a price, so their cost is missing: acme/m1 (4 calls)"
            ),
            "{text}"
        );
        assert!(text.contains("up 1m30s"), "{text}");
    }
}
