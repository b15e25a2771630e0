//! `compare_cohorts`: two sets of model calls compared on latency, TTFT, tokens, cost and
//! error rate, each difference with a verdict on whether it is beyond noise.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use crate::api::{Api, Query};
use crate::args::{FilterArgs, RangeArgs, Unknown, bounded};
use crate::error::ToolError;
use crate::format::{self, Output};

/// What the agent reads in the tool list.
pub const DESCRIPTION: &str = "Did something get better or worse? Compares the model calls of \
cohort `b` (the candidate) against cohort `a` (the baseline) on latency, time to first token, \
input and output tokens per call, cost per call and error rate, and says for each statistic \
whether the difference is beyond noise (better / worse / no_significant_change / \
not_enough_data, from rank tests and bootstrap intervals). Each cohort is a set of filters \
(model, provider, service, service_version, operation, agent, user, any attribute) and \
optionally its own time range (since/start/end), so it answers model vs model, release vs \
release, prompt version vs prompt version, and this hour vs the hour before. Top-level range and \
filters apply to both cohorts (a cohort's own value replaces them); the default range is the \
last 24 h. Follow up with search_traces using a cohort's filters.";

/// One cohort: filters and, optionally, its own time range.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Cohort {
    #[serde(flatten)]
    #[allow(missing_docs)]
    pub range: RangeArgs,
    #[serde(flatten)]
    #[allow(missing_docs)]
    pub filter: FilterArgs,
    #[serde(flatten)]
    #[schemars(skip)]
    #[allow(missing_docs)]
    pub unknown: Unknown,
}

/// Arguments of `compare_cohorts`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Args {
    /// Cohort A, the baseline: filters such as {"model": "gpt-4o"} or {"service_version":
    /// "1.4.0"}, and optionally its own since/start/end (e.g. {"since": "2h", "end": "<an hour
    /// ago>"} for the previous hour). {} means every model call of the range.
    pub a: Cohort,
    /// Cohort B, the candidate, compared against A; same fields.
    pub b: Cohort,
    #[serde(flatten)]
    #[allow(missing_docs)]
    pub range: RangeArgs,
    #[serde(flatten)]
    #[allow(missing_docs)]
    pub filter: FilterArgs,
    /// Most model calls per cohort, 1-200000 (default 20000); larger cohorts are sampled
    /// uniformly.
    #[schemars(range(min = 1, max = 200000))]
    pub limit: Option<u32>,
    #[serde(flatten)]
    #[schemars(skip)]
    #[allow(missing_docs)]
    pub unknown: Unknown,
}

/// Calls the comparison and writes it compactly.
pub async fn run(api: &Api, args: Args) -> Result<String, ToolError> {
    args.unknown.check()?;
    for (name, cohort) in [("a", &args.a), ("b", &args.b)] {
        cohort
            .unknown
            .check()
            .map_err(|e| ToolError::InvalidArgument(format!("in cohort `{name}`: {e}")))?;
    }
    let limit = bounded("limit", args.limit, 20_000, 200_000)?;
    let mut q = Query::new();
    args.range.push(&mut q, "24h");
    args.filter.push(&mut q)?;
    for (name, cohort) in [("a", &args.a), ("b", &args.b)] {
        let mut own = Query::new();
        if cohort.range.since.is_some()
            || cohort.range.start.is_some()
            || cohort.range.end.is_some()
        {
            own.opt("since", cohort.range.since.as_deref())
                .opt("start", cohort.range.start.as_deref())
                .opt("end", cohort.range.end.as_deref());
        }
        cohort.filter.push(&mut own)?;
        for (key, value) in own.pairs() {
            q.set(&format!("{name}.{key}"), value.as_str());
        }
    }
    if !q
        .pairs()
        .iter()
        .any(|(k, _)| k.starts_with("a.") || k.starts_with("b."))
    {
        return Err(ToolError::InvalidArgument(
            "`a` and `b` are both empty: give each cohort at least one filter or its own time \
             range, e.g. a={\"model\": \"gpt-4o\"}, b={\"model\": \"gpt-4o-mini\"}"
                .into(),
        ));
    }
    q.set("limit", limit.to_string());
    let body = api.get("/api/v1/compare", &q).await?;
    Ok(render(&body))
}

/// A cohort's header: filters, range, calls.
fn cohort_line(name: &str, side: &Value, calls: &Value) -> String {
    let filters = side["filters"]
        .as_object()
        .filter(|f| !f.is_empty())
        .map(|f| {
            f.iter()
                .map(|(k, v)| format!("{k}={}", format::text(v)))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|| "all model calls".to_owned());
    format!(
        "{name}: {filters} | {} → {} | {} calls{}",
        format::time_of(&side["start_ns"]),
        format::time_of(&side["end_ns"]),
        format::int(calls),
        if side["sampled"] == true {
            " (a uniform sample)"
        } else {
            ""
        }
    )
}

/// A statistic of a metric: durations as durations, the rest as numbers.
fn value(metric: &str, v: &Value) -> String {
    match (metric, v.as_f64()) {
        (_, None) => "-".to_owned(),
        ("latency_ms" | "ttft_ms", Some(ms)) => format::ms(ms),
        ("cost_usd", Some(usd)) => format::usd(usd),
        ("error_rate", Some(r)) => format::pct(r),
        (_, Some(x)) => format::trim_float(x),
    }
}

/// A relative change, signed.
fn change(v: &Value) -> String {
    v.as_f64()
        .filter(|r| r.is_finite())
        .map_or_else(|| "-".to_owned(), |r| format!("{:+.1}%", r * 100.0))
}

/// The answer for a comparison.
fn render(body: &Value) -> String {
    let c = &body["comparison"];
    let mut out = Output::default();
    out.line(format!(
        "cohort comparison, B against A (alpha {}; lower is better for every metric)",
        format::text(&c["alpha"])
    ));
    out.line(cohort_line("A", &body["a"], &c["a_requests"]));
    out.line(cohort_line("B", &body["b"], &c["b_requests"]));
    let changes: Vec<&Value> = c["changes"].as_array().into_iter().flatten().collect();
    if changes.is_empty() {
        out.line("beyond noise: nothing (every difference is within noise or lacks data)");
    } else {
        out.line("beyond noise:");
        for ch in changes {
            let metric = format::text(&ch["metric"]);
            out.line(format!(
                "  {} {metric} {}: {} → {} ({})",
                format::text(&ch["verdict"]).to_uppercase(),
                format::text(&ch["statistic"]),
                value(&metric, &ch["a"]),
                value(&metric, &ch["b"]),
                change(&ch["relative"]),
            ));
        }
    }
    out.line(
        "metric | verdict | A p50/p95 | B p50/p95 | Δ p50 | Δ mean b-a [CI] | distribution p-value | A/B count",
    );
    for m in c["metrics"].as_array().into_iter().flatten() {
        let metric = format::text(&m["metric"]);
        let ci = match (m["mean"]["ci_low"].as_f64(), m["mean"]["ci_high"].as_f64()) {
            (Some(lo), Some(hi)) => {
                format!(" [{}, {}]", format::trim_float(lo), format::trim_float(hi))
            }
            _ => String::new(),
        };
        out.line(format!(
            "{metric} | {} | {}/{} | {}/{} | {} | {}{ci} | {} | {}/{}",
            format::text(&m["verdict"]),
            value(&metric, &m["a"]["p50"]),
            value(&metric, &m["a"]["p95"]),
            value(&metric, &m["b"]["p50"]),
            value(&metric, &m["b"]["p95"]),
            change(&m["p50"]["relative"]),
            m["mean"]["absolute"].as_f64().map_or_else(
                || "-".to_owned(),
                |d| format!("{d:+.4}")
                    .trim_end_matches('0')
                    .trim_end_matches('.')
                    .to_owned()
            ),
            m["distribution"]["p_value"]
                .as_f64()
                .map_or_else(|| "-".to_owned(), |p| format!("{p:.2e}")),
            format::int(&m["a"]["count"]),
            format::int(&m["b"]["count"]),
        ));
    }
    let e = &c["error_rate"];
    out.line(format!(
        "error_rate | {} | {} ({}/{}) | {} ({}/{}) | | {} | {} |",
        format::text(&e["delta"]["verdict"]),
        value("error_rate", &e["a_rate"]),
        format::int(&e["a_errors"]),
        format::int(&e["a_requests"]),
        value("error_rate", &e["b_rate"]),
        format::int(&e["b_errors"]),
        format::int(&e["b_requests"]),
        change(&e["delta"]["relative"]),
        e["delta"]["p_value"]
            .as_f64()
            .map_or_else(|| "-".to_owned(), |p| format!("{p:.2e}")),
    ));
    out.line(
        "not_enough_data: fewer than 20 calls with the metric in a cohort (p95 needs 100, p99 500). \
         next: search_traces with a cohort's filters (and min_duration) for example traces",
    );
    out.finish("narrow the cohorts")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The answer names both cohorts, lists the changes beyond noise first in words, then one
    /// row per metric with durations as durations and the error rate with its counts.
    #[test]
    fn renders_comparison() {
        let body = json!({
            "limit": 20000,
            "a": {"start_ns": 1_795_301_215_000_000_000_i64, "end_ns": 1_795_301_275_000_000_000_i64,
                  "filters": {"model": "m-a"}, "sampled": false},
            "b": {"start_ns": 1_795_301_215_000_000_000_i64, "end_ns": 1_795_301_275_000_000_000_i64,
                  "filters": {}, "sampled": true},
            "comparison": {
                "a_requests": 60, "b_requests": 20000, "alpha": 0.01,
                "metrics": [{
                    "metric": "latency_ms", "verdict": "worse",
                    "a": {"count": 60, "mean": 129.5, "p50": 129.5, "p95": 156.3, "p99": 158.41},
                    "b": {"count": 60, "mean": 229.5, "p50": 229.5, "p95": 256.3, "p99": 258.41},
                    "distribution": {"u": 3600.0, "z": 9.4, "p_value": 3.5e-21, "prob_b_greater": 1.0},
                    "mean": {"absolute": 100.0, "relative": 0.7722, "ci_low": 91.78, "ci_high": 108.21},
                    "p50": {"relative": 0.7722}, "p95": {"relative": 0.64}, "p99": {"relative": 0.63}
                }],
                "error_rate": {"a_errors": 0, "a_requests": 60, "a_rate": 0.0, "b_errors": 1,
                               "b_requests": 20000, "b_rate": 0.00005,
                               "delta": {"relative": null, "p_value": 0.5, "verdict": "no_significant_change"}},
                "changes": [{"metric": "latency_ms", "statistic": "p50", "verdict": "worse",
                             "a": 129.5, "b": 229.5, "relative": 0.7722}]
            }
        });
        let text = render(&body);
        assert!(
            text.contains(
                "A: model=m-a | 2026-11-21T22:46:55.000Z → 2026-11-21T22:47:55.000Z | 60 calls\n"
            ),
            "{text}"
        );
        assert!(text.contains("B: all model calls | "), "{text}");
        assert!(text.contains("| 20000 calls (a uniform sample)"), "{text}");
        assert!(
            text.contains("  WORSE latency_ms p50: 129.5ms → 229.5ms (+77.2%)"),
            "{text}"
        );
        assert!(
            text.contains("latency_ms | worse | 129.5ms/156.3ms | 229.5ms/256.3ms | +77.2% | +100 [91.78, 108.21] | 3.50e-21 | 60/60"),
            "{text}"
        );
        assert!(
            text.contains("error_rate | no_significant_change | 0.0% (0/60) | 0.0% (1/20000) |"),
            "{text}"
        );
    }

    /// Cohort fields are checked per cohort: an unknown key names the cohort.
    #[test]
    fn cohort_arguments() {
        let args: Args = serde_json::from_value(json!({
            "a": {"model": "x", "since": "2h"}, "b": {"modle": "y"}, "service": "api"
        }))
        .unwrap();
        assert_eq!(args.a.filter.model.as_deref(), Some("x"));
        assert_eq!(args.filter.service.as_deref(), Some("api"));
        assert!(
            args.b
                .unknown
                .check()
                .unwrap_err()
                .to_string()
                .contains("`modle`")
        );
        assert!(serde_json::from_value::<Args>(json!({"a": {}})).is_err());
    }
}
