//! The CLI's analysis commands — `compare`, `diff`, `agents` — thin clients of the analysis
//! endpoints that print readable text (or the API's JSON with `--json`).

use anyhow::bail;
use serde_json::Value;

use crate::client::{
    ApiArgs, FilterArgs, RangeArgs, get, ns_to_time, print, push_opt, table, text,
};

/// Flags of `flightdeck compare`.
#[derive(Debug, Clone, clap::Args)]
pub struct CompareArgs {
    #[command(flatten)]
    api: ApiArgs,
    /// Time range shared by both cohorts (a cohort's own since/start/end replaces it).
    #[command(flatten)]
    range: RangeArgs,
    /// Filters shared by both cohorts (a cohort's own value for a key replaces it).
    #[command(flatten)]
    filter: FilterArgs,
    /// Cohort A (the baseline): KEY=VALUE, repeatable. KEY is a filter (service, name, status,
    /// min_duration, max_duration, operation, provider, model, agent, tool, conversation, user,
    /// service_version, error_type, attr) or since, start, end for a window of its own; e.g.
    /// `--a model=gpt-4o`, `--a attr=prompt.version=v6`, `--a since=2h --a end=<1h ago>`.
    #[arg(long = "a", value_name = "KEY=VALUE")]
    a: Vec<String>,
    /// Cohort B (the candidate), like --a.
    #[arg(long = "b", value_name = "KEY=VALUE")]
    b: Vec<String>,
    /// Model calls per cohort (1-200000); larger cohorts are sampled uniformly.
    #[arg(long, default_value_t = 20_000)]
    limit: usize,
    /// Significance level of the noise verdicts (0.0001-0.25).
    #[arg(long, default_value_t = 0.01)]
    alpha: f64,
}

/// Turns `--a model=x` into `a.model=x`.
fn cohort_params(
    prefix: &str,
    pairs: &[String],
    q: &mut Vec<(String, String)>,
) -> anyhow::Result<()> {
    for pair in pairs {
        let Some((key, value)) = pair.split_once('=') else {
            bail!("--{prefix} must look like KEY=VALUE (e.g. model=gpt-4o), got {pair:?}");
        };
        if key.is_empty() {
            bail!("--{prefix} must look like KEY=VALUE (e.g. model=gpt-4o), got {pair:?}");
        }
        q.push((format!("{prefix}.{key}"), value.to_owned()));
    }
    Ok(())
}

/// `flightdeck compare`.
pub async fn compare(args: &CompareArgs) -> anyhow::Result<()> {
    let mut q = Vec::new();
    args.range.push(&mut q);
    args.filter.push(&mut q);
    cohort_params("a", &args.a, &mut q)?;
    cohort_params("b", &args.b, &mut q)?;
    q.push(("limit".into(), args.limit.to_string()));
    q.push(("alpha".into(), args.alpha.to_string()));
    let body = get(&args.api, "/api/v1/compare", &q).await?;
    print(&args.api, &body, render_compare)
}

/// A number with a sensible precision for the table.
fn num(v: &Value) -> String {
    match v.as_f64() {
        None => "-".into(),
        Some(x) if x == x.trunc() => format!("{x:.0}"),
        Some(x) if x.abs() >= 1.0 => format!("{x:.1}"),
        Some(x) => format!("{x:.4}"),
    }
}

/// A relative change as a signed percentage.
fn pct(v: &Value) -> String {
    v.as_f64()
        .map_or("-".into(), |r| format!("{:+.1}%", r * 100.0))
}

fn verdict(v: &Value) -> String {
    v.as_str().unwrap_or("-").replace('_', " ")
}

fn cohort_line(name: &str, side: &Value, requests: &Value) -> String {
    let filters = side["filters"]
        .as_object()
        .map(|f| {
            f.iter()
                .map(|(k, v)| format!("{k}={}", text(v)))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    format!(
        "cohort {name}: {} calls{} | {} → {} | {}",
        text(requests),
        if side["sampled"] == true {
            " (sampled)"
        } else {
            ""
        },
        ns_to_time(&side["start_ns"]),
        ns_to_time(&side["end_ns"]),
        if filters.is_empty() {
            "no filters".into()
        } else {
            filters
        }
    )
}

/// The text of a `/api/v1/compare` answer.
pub fn render_compare(body: &Value) -> String {
    let c = &body["comparison"];
    let mut out = vec![
        cohort_line("A", &body["a"], &c["a_requests"]),
        cohort_line("B", &body["b"], &c["b_requests"]),
    ];
    let mut t = table(&[
        "metric", "A p50", "B p50", "Δ p50", "A p95", "B p95", "Δ p95", "A mean", "B mean",
        "verdict",
    ]);
    for m in c["metrics"].as_array().into_iter().flatten() {
        let p = m["distribution"]["p_value"]
            .as_f64()
            .map_or(String::new(), |p| format!(" (p={p:.2e})"));
        t.add_row(vec![
            verdict(&m["metric"]),
            num(&m["a"]["p50"]),
            num(&m["b"]["p50"]),
            pct(&m["p50"]["relative"]),
            num(&m["a"]["p95"]),
            num(&m["b"]["p95"]),
            pct(&m["p95"]["relative"]),
            num(&m["a"]["mean"]),
            num(&m["b"]["mean"]),
            format!("{}{p}", verdict(&m["verdict"])),
        ]);
    }
    let e = &c["error_rate"];
    let rate = |v: &Value| {
        v.as_f64()
            .map_or("-".into(), |r| format!("{:.2}%", r * 100.0))
    };
    let p = e["delta"]["p_value"]
        .as_f64()
        .map_or(String::new(), |p| format!(" (p={p:.2e})"));
    t.add_row(vec![
        "error rate".into(),
        rate(&e["a_rate"]),
        rate(&e["b_rate"]),
        pct(&e["delta"]["relative"]),
        String::new(),
        String::new(),
        String::new(),
        format!("{}/{}", text(&e["a_errors"]), text(&e["a_requests"])),
        format!("{}/{}", text(&e["b_errors"]), text(&e["b_requests"])),
        format!("{}{p}", verdict(&e["delta"]["verdict"])),
    ]);
    out.push(t.to_string());
    let changes: Vec<String> = c["changes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|ch| {
            format!(
                "  {} {} {}: {} → {} ({})",
                verdict(&ch["verdict"]),
                verdict(&ch["metric"]),
                text(&ch["statistic"]),
                num(&ch["a"]),
                num(&ch["b"]),
                pct(&ch["relative"])
            )
        })
        .collect();
    if changes.is_empty() {
        out.push(format!("no change beyond noise (alpha {})", c["alpha"]));
    } else {
        out.push(format!(
            "changes beyond noise (alpha {}), B against A:",
            c["alpha"]
        ));
        out.extend(changes);
    }
    out.join("\n")
}

/// Flags of `flightdeck diff`.
#[derive(Debug, Clone, clap::Args)]
pub struct DiffArgs {
    #[command(flatten)]
    api: ApiArgs,
    /// Trace A, the baseline (32 hex characters).
    a: String,
    /// Trace B, compared against A.
    b: String,
    /// A matched span counts as slower or faster only if its duration changed by at least this
    /// much, e.g. 5ms [default: 1ms]...
    #[arg(long, value_name = "DURATION")]
    min_duration_change: Option<String>,
    /// ...and by at least this fraction of its duration in A [default: 0.2].
    #[arg(long, value_name = "RATIO")]
    min_duration_ratio: Option<String>,
    /// Most entries in each list (added, missing, changed), 1-5000.
    #[arg(long, default_value_t = 500)]
    limit: usize,
}

/// `flightdeck diff <a> <b>`.
pub async fn diff(args: &DiffArgs) -> anyhow::Result<()> {
    let mut q = vec![
        ("a".to_owned(), args.a.clone()),
        ("b".to_owned(), args.b.clone()),
        ("limit".to_owned(), args.limit.to_string()),
    ];
    push_opt(&mut q, "min_duration_change", &args.min_duration_change);
    push_opt(&mut q, "min_duration_ratio", &args.min_duration_ratio);
    let body = get(&args.api, "/api/v1/diff", &q).await?;
    print(&args.api, &body, render_diff)
}

fn ms(v: &Value) -> String {
    v.as_f64()
        .map_or("-".into(), |ns| format!("{:.1} ms", ns / 1e6))
}

fn side_line(name: &str, s: &Value) -> String {
    format!(
        "{name} {}: {} spans, {}, {} errors, tokens {}/{}, ${:.4}",
        text(&s["trace_id"]),
        text(&s["spans"]),
        ms(&s["duration_ns"]),
        text(&s["errors"]),
        text(&s["input_tokens"]),
        text(&s["output_tokens"]),
        s["cost_usd"].as_f64().unwrap_or(0.0)
    )
}

/// The text of a `/api/v1/diff` answer.
pub fn render_diff(body: &Value) -> String {
    let mut out = vec![
        side_line("A", &body["a"]),
        side_line("B", &body["b"]),
        format!(
            "matched {} spans; added {}, missing {}, slower {}, faster {}",
            text(&body["matched"]),
            text(&body["added_spans"]),
            text(&body["missing_spans"]),
            text(&body["slower"]),
            text(&body["faster"])
        ),
    ];
    let mut t = table(&["change", "path", "A", "B", "Δ"]);
    for (kind, key, span) in [("added", "added", "B"), ("missing", "missing", "A")] {
        for s in body[key].as_array().into_iter().flatten() {
            let what = format!("{} span(s), {}", text(&s["spans"]), ms(&s["duration_ns"]));
            let (a, b) = if span == "B" {
                (String::new(), what)
            } else {
                (what, String::new())
            };
            t.add_row(vec![kind.into(), text(&s["path"]), a, b, String::new()]);
        }
    }
    for c in body["changed"].as_array().into_iter().flatten() {
        let path = text(&c["path"]);
        let d = &c["duration"];
        if d.is_object() {
            let ratio = d["ratio"]
                .as_f64()
                .map_or(String::new(), |r| format!(", ×{r:.2}"));
            let delta = d["delta_ns"].as_f64().unwrap_or(0.0) / 1e6;
            t.add_row(vec![
                text(&d["direction"]),
                path.clone(),
                ms(&d["a_ns"]),
                ms(&d["b_ns"]),
                format!("{delta:+.1} ms{ratio}"),
            ]);
        }
        for (field, label) in [
            ("model", "model"),
            ("status", "status"),
            ("input_tokens", "input tokens"),
            ("output_tokens", "output tokens"),
            ("cost_usd", "cost $"),
        ] {
            let v = &c[field];
            if v.is_object() {
                t.add_row(vec![
                    label.into(),
                    path.clone(),
                    text(&v["a"]),
                    text(&v["b"]),
                    String::new(),
                ]);
            }
        }
    }
    if t.row_count() == 0 {
        out.push("no structural or timing change".into());
    } else {
        out.push(t.to_string());
    }
    if body["omitted"].as_u64().unwrap_or(0) > 0 {
        out.push(format!(
            "{} more entries left out (raise --limit)",
            text(&body["omitted"])
        ));
    }
    out.join("\n")
}

/// Flags of `flightdeck agents`.
#[derive(Debug, Clone, clap::Args)]
pub struct AgentsArgs {
    #[command(flatten)]
    api: ApiArgs,
    /// Show the graph of this trace (32 hex characters), following span links to the traces
    /// on the other side of a queue hop; without it, the graph merged over a time range.
    trace_id: Option<String>,
    /// With a trace: hops of span links to follow, 0-5.
    #[arg(long, default_value_t = 2)]
    link_depth: usize,
    /// With a trace: most traces analysed together, 1-100.
    #[arg(long, default_value_t = 20)]
    max_traces: usize,
    /// Without a trace: the time range.
    #[command(flatten)]
    range: RangeArgs,
    /// Without a trace: only traces with a span matching all these filters (e.g. --agent
    /// planner).
    #[command(flatten)]
    filter: FilterArgs,
    /// Without a trace: most traces merged (the newest), 1-1000.
    #[arg(long, default_value_t = 100)]
    limit: usize,
    /// Without a trace: keep only this node and what it invokes, e.g. agent:planner.
    #[arg(long, value_name = "KIND:NAME")]
    focus: Option<String>,
}

/// `flightdeck agents [trace_id]`.
pub async fn agents(args: &AgentsArgs) -> anyhow::Result<()> {
    let mut q = Vec::new();
    args.range.push(&mut q);
    args.filter.push(&mut q);
    let body = match &args.trace_id {
        Some(trace_id) => {
            if !q.is_empty() || args.focus.is_some() {
                bail!(
                    "the time range, filters and --focus select traces for the merged graph; \
                     leave them out when giving a trace id"
                );
            }
            let q = vec![
                ("link_depth".to_owned(), args.link_depth.to_string()),
                ("max_traces".to_owned(), args.max_traces.to_string()),
            ];
            let path = format!("/api/v1/traces/{trace_id}/agents");
            get(&args.api, &path, &q).await?
        }
        None => {
            q.push(("limit".into(), args.limit.to_string()));
            push_opt(&mut q, "focus", &args.focus);
            get(&args.api, "/api/v1/agents", &q).await?
        }
    };
    print(&args.api, &body, render_agents)
}

fn avg_ms(stats: &Value, count_key: &str) -> String {
    match (
        stats["total_duration_ns"].as_f64(),
        stats[count_key].as_f64(),
    ) {
        (Some(total), Some(n)) if n > 0.0 => format!("{:.1}", total / n / 1e6),
        _ => "-".into(),
    }
}

fn list(v: &Value) -> String {
    v.as_array()
        .map(|a| a.iter().map(text).collect::<Vec<_>>().join(", "))
        .unwrap_or_default()
}

/// One finding as a line.
fn finding_line(f: &Value) -> String {
    match f["kind"].as_str() {
        Some("repeated_invocation") => format!(
            "loop: {} invoked {} {} times in one invocation (trace {}, span {})",
            text(&f["invoker"]),
            text(&f["target"]),
            text(&f["count"]),
            text(&f["trace_id"]),
            text(&f["invoker_span_id"])
        ),
        Some("agent_cycle") => format!(
            "cycle: {} ({} times; trace {}, spans {})",
            f["cycle"]
                .as_array()
                .map(|c| c.iter().map(text).collect::<Vec<_>>().join(" → "))
                .unwrap_or_default(),
            text(&f["occurrences"]),
            text(&f["trace_id"]),
            list(&f["span_ids"])
        ),
        Some("stall") => format!(
            "stall: {} idle {} ({:.0}% of it; trace {}, span {})",
            text(&f["node"]),
            ms(&f["gap_ns"]),
            f["share"].as_f64().unwrap_or(0.0) * 100.0,
            text(&f["trace_id"]),
            text(&f["span_id"])
        ),
        _ => f.to_string(),
    }
}

/// The text of a `/api/v1/traces/{id}/agents` or `/api/v1/agents` answer.
pub fn render_agents(body: &Value) -> String {
    let mut out = Vec::new();
    if body["trace_id"].is_string() {
        let traces = body["traces"].as_array().map_or(0, Vec::len);
        out.push(format!(
            "agent graph of trace {} ({} trace(s) joined by span links: {}){}",
            text(&body["trace_id"]),
            traces,
            list(&body["traces"]),
            if body["truncated"] == true {
                "; more linked traces left out (raise --max-traces)"
            } else {
                ""
            }
        ));
        if body["missing_traces"]
            .as_array()
            .is_some_and(|m| !m.is_empty())
        {
            out.push(format!(
                "linked but not stored: {}",
                list(&body["missing_traces"])
            ));
        }
    } else {
        let mut line = format!(
            "agent graph over {} trace(s) | {} → {}",
            text(&body["traces_merged"]),
            ns_to_time(&body["start_ns"]),
            ns_to_time(&body["end_ns"]),
        );
        if body["truncated"] == true {
            line.push_str(&format!(
                " | truncated to the newest {} (from {}; raise --limit)",
                text(&body["limit"]),
                ns_to_time(&body["oldest_trace_start_ns"])
            ));
        }
        if let Some(focus) = body["focus"].as_str() {
            line.push_str(&format!(" | focus {focus}"));
        }
        out.push(line);
    }
    let graph = &body["graph"];
    let mut nodes = table(&[
        "node",
        "invocations",
        "errors",
        "avg ms",
        "max ms",
        "example span",
    ]);
    for n in graph["nodes"].as_array().into_iter().flatten() {
        nodes.add_row(vec![
            text(&n["id"]),
            text(&n["invocations"]),
            text(&n["errors"]),
            avg_ms(n, "invocations"),
            format!("{:.1}", n["max_duration_ns"].as_f64().unwrap_or(0.0) / 1e6),
            example(&n["examples"]),
        ]);
    }
    let mut edges = table(&[
        "from → to",
        "count",
        "errors",
        "avg ms",
        "max ms",
        "via link",
    ]);
    for e in graph["edges"].as_array().into_iter().flatten() {
        edges.add_row(vec![
            format!("{} → {}", text(&e["from"]), text(&e["to"])),
            text(&e["count"]),
            text(&e["errors"]),
            avg_ms(e, "count"),
            format!("{:.1}", e["max_duration_ns"].as_f64().unwrap_or(0.0) / 1e6),
            text(&e["via_link"]),
        ]);
    }
    if nodes.row_count() == 0 {
        out.push("no agents, workflows, tools, model calls or retrievals".into());
    } else {
        out.push(nodes.to_string());
        if edges.row_count() > 0 {
            out.push(edges.to_string());
        }
    }
    let findings: Vec<String> = body["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| format!("  {}", finding_line(f)))
        .collect();
    if findings.is_empty() {
        out.push("findings: none (no loops, agent cycles or stalls)".into());
    } else {
        out.push("findings:".into());
        out.extend(findings);
    }
    if body["omitted_findings"].as_u64().unwrap_or(0) > 0 {
        out.push(format!(
            "  ... and {} more",
            text(&body["omitted_findings"])
        ));
    }
    out.join("\n")
}

/// The first example span of a node as `trace/span`.
fn example(examples: &Value) -> String {
    examples
        .get(0)
        .map(|e| format!("{}/{}", text(&e["trace_id"]), text(&e["span_id"])))
        .unwrap_or_else(|| "-".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Cohort flags become prefixed parameters; a flag without `=` is refused naming it.
    #[test]
    fn cohort_flags() {
        let mut q = Vec::new();
        cohort_params("a", &["model=gpt-4o".into(), "attr=k=v".into()], &mut q).unwrap();
        assert_eq!(
            q,
            vec![
                ("a.model".to_owned(), "gpt-4o".to_owned()),
                ("a.attr".to_owned(), "k=v".to_owned())
            ]
        );
        let err = cohort_params("b", &["gpt-4o".into()], &mut q).unwrap_err();
        assert!(err.to_string().starts_with("--b must look like KEY=VALUE"));
    }

    /// The comparison text names both cohorts, shows medians with the relative change and the
    /// verdict with its p-value, and lists the changes beyond noise.
    #[test]
    fn compare_text() {
        let body = json!({
            "limit": 20000,
            "a": {"start_ns": 0, "end_ns": 1_000_000_000i64, "filters": {"model": "m-a"}, "sampled": false},
            "b": {"start_ns": 0, "end_ns": 1_000_000_000i64, "filters": {"model": "m-b"}, "sampled": true},
            "comparison": {
                "a_requests": 60, "b_requests": 20000, "alpha": 0.01,
                "metrics": [{
                    "metric": "latency_ms", "verdict": "worse",
                    "a": {"count": 60, "mean": 129.5, "p50": 129.5, "p95": 156.05, "p99": 158.41},
                    "b": {"count": 60, "mean": 229.5, "p50": 229.5, "p95": 256.05, "p99": 258.41},
                    "distribution": {"u": 3600.0, "z": 9.4, "p_value": 3.5e-21, "prob_b_greater": 1.0},
                    "mean": {"relative": 0.772}, "p50": {"relative": 0.7722}, "p95": {"relative": 0.6408}
                }],
                "error_rate": {"a_errors": 0, "a_requests": 60, "a_rate": 0.0, "b_errors": 3,
                               "b_requests": 20000, "b_rate": 0.0002,
                               "delta": {"relative": null, "p_value": 0.5, "verdict": "no_significant_change"}},
                "changes": [{"metric": "latency_ms", "statistic": "p50", "verdict": "worse",
                             "a": 129.5, "b": 229.5, "relative": 0.7722}]
            }
        });
        let out = render_compare(&body);
        assert!(out.contains("cohort A: 60 calls | "), "{out}");
        assert!(out.contains("model=m-a"), "{out}");
        assert!(out.contains("cohort B: 20000 calls (sampled)"), "{out}");
        assert!(out.contains("+77.2%"), "{out}");
        assert!(out.contains("worse (p=3.50e-21)"), "{out}");
        assert!(out.contains("0.02%"), "{out}");
        assert!(out.contains("changes beyond noise (alpha 0.01)"), "{out}");
        assert!(out.contains("no significant change (p=5.00e-1)"), "{out}");
        assert!(
            out.contains("worse latency ms p50: 129.5 → 229.5 (+77.2%)"),
            "{out}"
        );
    }

    /// The diff text lists added and missing subtrees, timing changes with delta and ratio, and
    /// model changes.
    #[test]
    fn diff_text() {
        let side = |id: &str, ns: u64| {
            json!({"trace_id": id, "spans": 4, "duration_ns": ns, "errors": 0,
                   "input_tokens": 100, "output_tokens": 10, "cost_usd": 0.0})
        };
        let body = json!({
            "a": side("aa", 100_000_000), "b": side("bb", 300_000_000),
            "matched": 3, "added_spans": 1, "missing_spans": 1, "slower": 1, "faster": 0,
            "added": [{"span_id": "05", "name": "rerank", "path": "POST /chat > rerank", "spans": 1, "duration_ns": 3_000_000}],
            "missing": [{"span_id": "04", "name": "format", "path": "POST /chat > format", "spans": 1, "duration_ns": 4_000_000}],
            "changed": [{"path": "POST /chat > chat", "name": "chat", "a_span_id": "03", "b_span_id": "03",
                         "duration": {"a_ns": 60_000_000, "b_ns": 250_000_000, "delta_ns": 190_000_000,
                                      "ratio": 4.1666, "direction": "slower"},
                         "model": {"a": "gpt-4o", "b": "gpt-4o-mini"}}],
            "omitted": 2
        });
        let out = render_diff(&body);
        assert!(
            out.starts_with("A aa: 4 spans, 100.0 ms, 0 errors"),
            "{out}"
        );
        assert!(
            out.contains("matched 3 spans; added 1, missing 1, slower 1, faster 0"),
            "{out}"
        );
        assert!(out.contains("POST /chat > rerank"), "{out}");
        assert!(out.contains("1 span(s), 4.0 ms"), "{out}");
        assert!(out.contains("+190.0 ms, ×4.17"), "{out}");
        assert!(out.contains("gpt-4o-mini"), "{out}");
        assert!(out.contains("2 more entries left out"), "{out}");
    }

    /// The graph text of one trace names the linked traces, lists nodes with averages, edges and
    /// findings in words.
    #[test]
    fn agents_text() {
        let body = json!({
            "trace_id": "22", "link_depth": 2, "traces": ["22", "21"], "missing_traces": ["99"],
            "truncated": false,
            "graph": {
                "traces": 2,
                "nodes": [{"id": "agent:planner", "kind": "agent", "name": "planner", "invocations": 2,
                           "errors": 1, "total_duration_ns": 300_000_000, "max_duration_ns": 200_000_000,
                           "examples": [{"trace_id": "21", "span_id": "01"}]}],
                "edges": [{"from": "agent:planner", "to": "tool:search", "count": 11, "errors": 0,
                           "total_duration_ns": 22_000_000, "max_duration_ns": 2_000_000, "via_link": 0,
                           "examples": []}],
                "folded_invocations": 0, "dropped_edge_invocations": 0
            },
            "findings": [{"kind": "repeated_invocation", "trace_id": "21", "invoker_span_id": "01",
                          "invoker": "agent:planner", "target": "tool:search", "count": 11, "span_ids": []}],
            "omitted_findings": 0
        });
        let out = render_agents(&body);
        assert!(
            out.contains("agent graph of trace 22 (2 trace(s) joined by span links: 22, 21)"),
            "{out}"
        );
        assert!(out.contains("linked but not stored: 99"), "{out}");
        // 300 ms over 2 invocations.
        assert!(out.contains("150.0"), "{out}");
        assert!(out.contains("21/01"), "{out}");
        assert!(out.contains("agent:planner → tool:search"), "{out}");
        assert!(
            out.contains("loop: agent:planner invoked tool:search 11 times in one invocation (trace 21, span 01)"),
            "{out}"
        );
    }
}
