//! `agent_graph`: who invoked whom — agents, workflows, tools, model calls, retrievals — in one
//! trace (across queue hops) or over a time range, with loops, agent cycles and stalls.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use crate::api::{Api, Query, segment};
use crate::args::{FilterArgs, RangeArgs, Unknown, bounded, hex_id};
use crate::error::ToolError;
use crate::format::{self, Output};

/// What the agent reads in the tool list.
pub const DESCRIPTION: &str = "The agent workflow graph: nodes are agents, workflows, tools, \
model calls (by model) and retrievals (by data source), edges say who invoked whom, how often, \
how long it took and how often it failed; plus findings: loops (one agent invocation calling \
the same tool or agent more than 10 times), agent cycles (A → B → A) and stalls (an agent idle \
for 10 s and a quarter of its run). With `trace_id`: one trace, following span links into the \
traces on the other side of a queue hop (`link_depth`). Without: merged over the newest `limit` \
traces of a time range matching the filters (e.g. agent=planner, since=24h), optionally only \
what one node invokes (`focus`, e.g. agent:planner). Answers 'why did this agent loop or \
stall', 'which tools does it call and which fail'. Nodes and edges carry example trace/span \
ids for get_trace and get_span.";

/// Arguments of `agent_graph`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Args {
    /// One trace (32 hex characters); leave out for the graph over a time range.
    pub trace_id: Option<String>,
    /// With `trace_id`: hops of span links to follow into other traces, 0-5 (default 2).
    #[schemars(range(min = 0, max = 5))]
    pub link_depth: Option<u32>,
    #[serde(flatten)]
    #[allow(missing_docs)]
    pub range: RangeArgs,
    #[serde(flatten)]
    #[allow(missing_docs)]
    pub filter: FilterArgs,
    /// Without `trace_id`: most traces merged (the newest), 1-1000 (default 100).
    #[schemars(range(min = 1, max = 1000))]
    pub limit: Option<u32>,
    /// Without `trace_id`: keep only this node and what it invokes, as `kind:name` with kind
    /// workflow, agent, tool, model or retrieval, e.g. `agent:planner`.
    pub focus: Option<String>,
    /// Most edges listed, busiest first, 1-500 (default 50).
    #[schemars(range(min = 1, max = 500))]
    pub max_edges: Option<u32>,
    #[serde(flatten)]
    #[schemars(skip)]
    #[allow(missing_docs)]
    pub unknown: Unknown,
}

/// Calls the graph endpoint for a trace or a range and writes the graph compactly.
pub async fn run(api: &Api, args: Args) -> Result<String, ToolError> {
    args.unknown.check()?;
    let max_edges = bounded("max_edges", args.max_edges, 50, 500)? as usize;
    let body = match &args.trace_id {
        Some(trace_id) => {
            let trace_id = hex_id("trace_id", trace_id, 32)?;
            let mut filters = Query::new();
            args.filter.push(&mut filters)?;
            let range = &args.range;
            let ranged = range.since.is_some() || range.start.is_some() || range.end.is_some();
            if ranged || !filters.pairs().is_empty() || args.limit.is_some() || args.focus.is_some()
            {
                return Err(ToolError::InvalidArgument(
                    "with `trace_id`, the time range, filters, `limit` and `focus` do not apply \
                     (they select traces for the merged graph); leave them out or drop `trace_id`"
                        .into(),
                ));
            }
            let link_depth = match args.link_depth {
                None => 2,
                Some(n) if n <= 5 => n,
                Some(n) => {
                    return Err(ToolError::InvalidArgument(format!(
                        "`link_depth` must be from 0 to 5, got {n}"
                    )));
                }
            };
            let mut q = Query::new();
            q.set("link_depth", link_depth.to_string());
            api.get(&format!("/api/v1/traces/{}/agents", segment(&trace_id)), &q)
                .await
                .map_err(|e| {
                    if e.is_not_found() {
                        ToolError::NotFound(format!(
                            "trace {trace_id} not found: it may not have arrived yet or may have \
                         been deleted; search_traces finds stored traces"
                        ))
                    } else {
                        e.into()
                    }
                })?
        }
        None => {
            if args.link_depth.is_some() {
                return Err(ToolError::InvalidArgument(
                    "`link_depth` applies to one trace: give `trace_id` too".into(),
                ));
            }
            let limit = bounded("limit", args.limit, 100, 1000)?;
            let mut q = Query::new();
            args.range.push(&mut q, "1h");
            args.filter.push(&mut q)?;
            q.set("limit", limit.to_string())
                .opt("focus", args.focus.as_deref());
            api.get("/api/v1/agents", &q).await?
        }
    };
    Ok(render(&body, max_edges))
}

/// Average and maximum duration of a node or edge: `avg 12.0ms max 30.0ms`.
fn durations(stats: &Value, count: &Value) -> String {
    let n = format::int(count).max(1);
    format!(
        "avg {} max {}",
        format::ns(format::int(&stats["total_duration_ns"]) / n),
        format::ns(format::int(&stats["max_duration_ns"]))
    )
}

/// The first example as `trace/span`.
fn example(stats: &Value) -> String {
    stats["examples"]
        .get(0)
        .map(|e| {
            format!(
                " e.g. {}/{}",
                format::text(&e["trace_id"]),
                format::text(&e["span_id"])
            )
        })
        .unwrap_or_default()
}

fn finding_line(f: &Value) -> String {
    let ids = |v: &Value| format::text(v).replace(',', " ");
    match f["kind"].as_str() {
        Some("repeated_invocation") => format!(
            "LOOP {} invoked {} {} times in one invocation (trace {}, invoking span {}; calls: {})",
            format::text(&f["invoker"]),
            format::text(&f["target"]),
            format::int(&f["count"]),
            format::text(&f["trace_id"]),
            format::text(&f["invoker_span_id"]),
            ids(&f["span_ids"]),
        ),
        Some("agent_cycle") => format!(
            "CYCLE {} ({} time(s); trace {}, spans {})",
            f["cycle"]
                .as_array()
                .map(|c| c.iter().map(format::text).collect::<Vec<_>>().join(" → "))
                .unwrap_or_default(),
            format::int(&f["occurrences"]),
            format::text(&f["trace_id"]),
            ids(&f["span_ids"]),
        ),
        Some("stall") => format!(
            "STALL {} idle {} ({} of its run) from {} (trace {}, span {}, after child {})",
            format::text(&f["node"]),
            format::ns(format::int(&f["gap_ns"])),
            format::pct(f["share"].as_f64().unwrap_or(0.0)),
            format::time_of(&f["gap_start_ns"]),
            format::text(&f["trace_id"]),
            format::text(&f["span_id"]),
            format::text(&f["after_span_id"]),
        ),
        _ => f.to_string(),
    }
}

/// The answer for a graph of a trace or a range.
fn render(body: &Value, max_edges: usize) -> String {
    let mut out = Output::default();
    if body["trace_id"].is_string() {
        let traces: Vec<String> = body["traces"]
            .as_array()
            .into_iter()
            .flatten()
            .map(format::text)
            .collect();
        let mut line = format!(
            "agent graph of trace {} | {} trace(s) joined by span links: {}",
            format::text(&body["trace_id"]),
            traces.len(),
            traces.join(" ")
        );
        if body["truncated"] == true {
            line.push_str(" | more linked traces left out");
        }
        if body["missing_traces"]
            .as_array()
            .is_some_and(|m| !m.is_empty())
        {
            line.push_str(&format!(
                " | linked but not stored: {}",
                format::text(&body["missing_traces"]).replace(',', " ")
            ));
        }
        out.line(line);
    } else {
        let mut line = format!(
            "agent graph over {} trace(s) | {} → {}",
            format::int(&body["traces_merged"]),
            format::time_of(&body["start_ns"]),
            format::time_of(&body["end_ns"]),
        );
        if body["truncated"] == true {
            line.push_str(&format!(
                " | only the newest {} matching traces (from {}); raise `limit` or narrow the range",
                format::int(&body["limit"]),
                format::time_of(&body["oldest_trace_start_ns"]),
            ));
        }
        if let Some(focus) = body["focus"].as_str() {
            line.push_str(&format!(" | focus {focus}"));
        }
        out.line(line);
    }
    let graph = &body["graph"];
    let mut nodes: Vec<&Value> = graph["nodes"].as_array().into_iter().flatten().collect();
    if nodes.is_empty() {
        out.line("no agents, workflows, tools, model calls or retrievals in these traces");
    } else {
        nodes.sort_by_key(|n| std::cmp::Reverse(format::int(&n["invocations"])));
        out.line("nodes (id: invocations, errors, duration, example trace/span):");
        for n in nodes {
            out.line(format!(
                "  {}: ×{}, {} errors, {}{}",
                format::text(&n["id"]),
                format::int(&n["invocations"]),
                format::int(&n["errors"]),
                durations(n, &n["invocations"]),
                example(n),
            ));
        }
    }
    let mut edges: Vec<&Value> = graph["edges"].as_array().into_iter().flatten().collect();
    if !edges.is_empty() {
        edges.sort_by_key(|e| std::cmp::Reverse(format::int(&e["count"])));
        out.line(format!(
            "edges (invoker → invoked: calls, errors, duration of the invoked spans{}):",
            if edges.len() > max_edges {
                format!("; busiest {max_edges} of {}", edges.len())
            } else {
                String::new()
            }
        ));
        for e in edges.iter().take(max_edges) {
            let via_link = format::int(&e["via_link"]);
            out.line(format!(
                "  {} → {}: ×{}, {} errors, {}{}{}",
                format::text(&e["from"]),
                format::text(&e["to"]),
                format::int(&e["count"]),
                format::int(&e["errors"]),
                durations(e, &e["count"]),
                if via_link > 0 {
                    format!(", {via_link} across a span link")
                } else {
                    String::new()
                },
                example(e),
            ));
        }
    }
    let folded = format::int(&graph["folded_invocations"]);
    if folded > 0 {
        out.line(format!(
            "{folded} invocations of nodes past the node cap are counted under (other)"
        ));
    }
    let findings: Vec<&Value> = body["findings"].as_array().into_iter().flatten().collect();
    if findings.is_empty() {
        out.line("findings: none (no loops, agent cycles or stalls)");
    } else {
        out.line("findings:");
        for f in findings {
            out.line(format!("  {}", finding_line(f)));
        }
        let omitted = format::int(&body["omitted_findings"]);
        if omitted > 0 {
            out.line(format!("  … {omitted} more"));
        }
    }
    out.line("next: get_trace(trace_id) or get_span(trace_id, span_id) on an example");
    out.finish("lower `max_edges`, use `focus`, or narrow the filters")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body() -> Value {
        json!({
            "trace_id": "22", "link_depth": 2, "traces": ["22", "21"], "missing_traces": [],
            "truncated": false,
            "graph": {
                "traces": 2,
                "nodes": [
                    {"id": "agent:planner", "kind": "agent", "name": "planner", "invocations": 1,
                     "errors": 0, "total_duration_ns": 100_000_000, "max_duration_ns": 100_000_000,
                     "examples": [{"trace_id": "21", "span_id": "01"}]},
                    {"id": "tool:search", "kind": "tool", "name": "search", "invocations": 11,
                     "errors": 1, "total_duration_ns": 22_000_000, "max_duration_ns": 2_000_000,
                     "examples": []}
                ],
                "edges": [
                    {"from": "agent:planner", "to": "agent:worker", "count": 1, "errors": 0,
                     "total_duration_ns": 80_000_000, "max_duration_ns": 80_000_000, "via_link": 1,
                     "examples": [{"trace_id": "22", "span_id": "02"}]},
                    {"from": "agent:planner", "to": "tool:search", "count": 11, "errors": 1,
                     "total_duration_ns": 22_000_000, "max_duration_ns": 2_000_000, "via_link": 0,
                     "examples": []}
                ],
                "folded_invocations": 0, "dropped_edge_invocations": 0
            },
            "findings": [{"kind": "repeated_invocation", "trace_id": "21", "invoker_span_id": "01",
                          "invoker": "agent:planner", "target": "tool:search", "count": 11,
                          "span_ids": ["0a", "0b"]}],
            "omitted_findings": 0
        })
    }

    /// Nodes and edges busiest first with averages, the link hop marked, the loop in words.
    #[test]
    fn renders_graph() {
        let text = render(&body(), 50);
        assert!(
            text.starts_with("agent graph of trace 22 | 2 trace(s) joined by span links: 22 21\n"),
            "{text}"
        );
        let search = text
            .find("  tool:search: ×11, 1 errors, avg 2.0ms max 2.0ms")
            .unwrap();
        let planner = text
            .find("  agent:planner: ×1, 0 errors, avg 100.0ms max 100.0ms e.g. 21/01")
            .unwrap();
        assert!(search < planner, "{text}");
        assert!(
            text.contains("  agent:planner → agent:worker: ×1, 0 errors, avg 80.0ms max 80.0ms, 1 across a span link e.g. 22/02"),
            "{text}"
        );
        assert!(
            text.contains("LOOP agent:planner invoked tool:search 11 times in one invocation (trace 21, invoking span 01; calls: 0a 0b)"),
            "{text}"
        );
    }

    /// `max_edges` keeps the busiest edges and says how many there were.
    #[test]
    fn caps_edges() {
        let text = render(&body(), 1);
        assert!(text.contains("busiest 1 of 2"), "{text}");
        assert!(text.contains("agent:planner → tool:search"), "{text}");
        assert!(!text.contains("agent:planner → agent:worker"), "{text}");
    }
}
