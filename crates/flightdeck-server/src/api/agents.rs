//! Agent workflows: the graph of agents, workflows, tools, model calls and retrievals of one
//! trace (following span links to the traces on the other side of a queue hop), or merged over
//! the traces of a time range, with the loops, cycles and stalls found in them.

use std::collections::BTreeSet;
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use flightdeck_analysis::NodeKind;
use flightdeck_analysis::agent::{self, Finding, FindingConfig, Graph};
use flightdeck_model::{Span, TraceId};
use flightdeck_store::{Store, StoreError, TimeRange, TraceQuery};
use serde_json::{Value, json};

use crate::api::traces::parse_trace_id;
use crate::params::Params;
use crate::{ApiError, AppState};

/// Largest `link_depth` of the trace graph.
const MAX_LINK_DEPTH: usize = 5;
/// Largest `max_traces` of the trace graph.
const MAX_LINKED_TRACES: usize = 100;
/// Linked traces stop being added once this many spans are loaded.
const MAX_LINKED_SPANS: usize = 100_000;
/// How far before the trace's start and after its end traces linking to it are looked for.
const LINK_WINDOW: Duration = Duration::from_secs(3600);
/// Largest `limit` (traces) of the range graph.
const MAX_RANGE_TRACES: usize = 1000;
/// Traces read and analysed at a time by the range graph (memory stays bounded).
const RANGE_CHUNK: usize = 250;

/// `GET /api/v1/traces/{trace_id}/agents`: the agent graph and findings of a trace and of the
/// traces joined to it by span links, up to `link_depth` hops (0–5, default 2) and `max_traces`
/// traces in all (1–100, default 20).
pub async fn trace_graph(
    State(state): State<AppState>,
    Path(trace_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let trace_id = parse_trace_id(&trace_id)?;
    let mut params = Params::parse(raw.as_deref())?;
    let link_depth = match params.take("link_depth") {
        None => 2,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if n <= MAX_LINK_DEPTH => n,
            _ => {
                return Err(ApiError::BadRequest(format!(
                    "`link_depth` must be an integer from 0 to {MAX_LINK_DEPTH}, got {v:?}"
                )));
            }
        },
    };
    let max_traces = params.usize("max_traces", 20, MAX_LINKED_TRACES)?;
    params.finish()?;
    let linked = state
        .query(move |s| linked_spans(s, trace_id, link_depth, max_traces))
        .await?;
    let Some(linked) = linked else {
        return Err(ApiError::NotFound(format!("trace {trace_id} not found")));
    };
    let analysis = agent::analyze(&linked.spans, &FindingConfig::default());
    Ok(Json(json!({
        "trace_id": trace_id,
        "link_depth": link_depth,
        "traces": linked.traces,
        "missing_traces": linked.missing,
        "truncated": linked.truncated,
        "graph": analysis.graph,
        "findings": analysis.findings,
        "omitted_findings": analysis.omitted_findings,
    })))
}

/// The spans of a trace and of the traces linked to it.
struct Linked {
    spans: Vec<Span>,
    /// Traces whose spans are included, the requested one first, then in the order reached.
    traces: Vec<TraceId>,
    /// Traces referenced by a link but not stored.
    missing: Vec<TraceId>,
    /// Linked traces were left out because of `max_traces` or the span cap.
    truncated: bool,
}

/// Reads `trace_id` and, breadth first up to `depth` hops, the traces its parentless spans link
/// to (producers) and the traces whose spans link to it (consumers). `None` when the trace is
/// unknown.
fn linked_spans(
    store: &dyn Store,
    trace_id: TraceId,
    depth: usize,
    max_traces: usize,
) -> Result<Option<Linked>, StoreError> {
    let read = |t: TraceId| store.span_structure_of_traces(&[t], agent::ATTRIBUTES_READ);
    let mut spans = read(trace_id)?;
    if spans.is_empty() {
        return Ok(None);
    }
    let mut linked = Linked {
        spans: Vec::new(),
        traces: vec![trace_id],
        missing: Vec::new(),
        truncated: false,
    };
    let mut seen: BTreeSet<TraceId> = BTreeSet::from([trace_id]);
    let window = LINK_WINDOW.as_nanos() as i64;
    for _ in 0..depth {
        let mut next: Vec<TraceId> = agent::linked_traces(&spans)
            .into_iter()
            .filter(|t| !seen.contains(t))
            .collect();
        let start = spans.iter().map(|s| s.start_time_unix_nano).min();
        let end = spans.iter().map(|s| s.end_time_unix_nano).max();
        if let (Some(start), Some(end)) = (start, end) {
            let range = TimeRange {
                start_ns: (start as i64).saturating_sub(window),
                end_ns: (end as i64).saturating_add(window),
            };
            let known: Vec<TraceId> = seen.iter().copied().collect();
            next.extend(store.traces_linking_to(&known, range, max_traces + 1)?);
        }
        next.sort_unstable();
        next.dedup();
        if next.is_empty() {
            break;
        }
        let room = max_traces.saturating_sub(linked.traces.len());
        if next.len() > room {
            linked.truncated = true;
            next.truncate(room);
        }
        seen.extend(next.iter().copied());
        for t in next {
            if spans.len() >= MAX_LINKED_SPANS {
                linked.truncated = true;
                break;
            }
            let more = read(t)?;
            if more.is_empty() {
                linked.missing.push(t);
            } else {
                linked.traces.push(t);
                spans.extend(more);
            }
        }
        if linked.truncated {
            break;
        }
    }
    linked.spans = spans;
    Ok(Some(linked))
}

/// `GET /api/v1/agents`: the agent graph merged over the newest `limit` traces (1–1000, default
/// 100) of the range that match the span filters, with their findings; `focus=agent:planner`
/// keeps only what that node invokes, directly or not.
pub async fn range_graph(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let mut params = Params::parse(raw.as_deref())?;
    let range = params.range(Duration::from_secs(3600))?;
    let filter = params.span_filter()?;
    let limit = params.usize("limit", 100, MAX_RANGE_TRACES)?;
    let focus = params.take("focus").map(|f| parse_node(&f)).transpose()?;
    params.finish()?;
    let query = TraceQuery {
        range,
        filter,
        limit,
        cursor: None,
    };
    let merged = state.query(move |s| merged_graph(s, &query)).await?;
    let graph = match &focus {
        Some((kind, name)) => merged.graph.reachable_from(*kind, name),
        None => merged.graph,
    };
    Ok(Json(json!({
        "start_ns": range.start_ns,
        "end_ns": range.end_ns,
        "limit": limit,
        "focus": focus.map(|(kind, name)| format!("{}:{name}", kind.as_str())),
        "traces_merged": merged.traces,
        "truncated": merged.truncated,
        "oldest_trace_start_ns": merged.oldest_start_ns,
        "newest_trace_start_ns": merged.newest_start_ns,
        "graph": graph,
        "findings": merged.findings,
        "omitted_findings": merged.omitted_findings,
    })))
}

/// The merge of the graphs of the traces a search returns.
struct Merged {
    graph: Graph,
    findings: Vec<Finding>,
    omitted_findings: u64,
    traces: usize,
    truncated: bool,
    oldest_start_ns: Option<i64>,
    newest_start_ns: Option<i64>,
}

fn merged_graph(store: &dyn Store, query: &TraceQuery) -> Result<Merged, StoreError> {
    let page = store.search(query)?;
    let config = FindingConfig::default();
    let mut merged = Merged {
        graph: Graph::new(),
        findings: Vec::new(),
        omitted_findings: 0,
        traces: page.traces.len(),
        truncated: page.next_cursor.is_some(),
        newest_start_ns: page.traces.iter().map(|t| t.start_ns).max(),
        oldest_start_ns: page.traces.iter().map(|t| t.start_ns).min(),
    };
    let ids: Vec<TraceId> = page.traces.iter().map(|t| t.trace_id).collect();
    for chunk in ids.chunks(RANGE_CHUNK) {
        let spans = store.span_structure_of_traces(chunk, agent::ATTRIBUTES_READ)?;
        let analysis = agent::analyze(&spans, &config);
        merged.graph.merge(&analysis.graph);
        merged.omitted_findings += analysis.omitted_findings;
        let room = config.max_findings.saturating_sub(merged.findings.len());
        merged.omitted_findings += analysis.findings.len().saturating_sub(room) as u64;
        merged
            .findings
            .extend(analysis.findings.into_iter().take(room));
    }
    Ok(merged)
}

/// Parses a node id such as `agent:planner` or `tool:search`.
fn parse_node(text: &str) -> Result<(NodeKind, String), ApiError> {
    let bad = || {
        ApiError::BadRequest(format!(
            "`focus` must be a node id like agent:planner (kinds: workflow, agent, tool, model, \
             retrieval), got {text:?}"
        ))
    };
    let (kind, name) = text.split_once(':').ok_or_else(bad)?;
    let kind = match kind {
        "workflow" => NodeKind::Workflow,
        "agent" => NodeKind::Agent,
        "tool" => NodeKind::Tool,
        "model" => NodeKind::Model,
        "retrieval" => NodeKind::Retrieval,
        _ => return Err(bad()),
    };
    if name.is_empty() {
        return Err(bad());
    }
    Ok((kind, name.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Node ids parse into kind and name (names may contain colons); other forms are refused
    /// naming `focus`.
    #[test]
    fn parses_node_ids() {
        assert_eq!(
            parse_node("agent:planner").unwrap(),
            (NodeKind::Agent, "planner".to_owned())
        );
        assert_eq!(
            parse_node("model:ft:gpt-4o:acme").unwrap(),
            (NodeKind::Model, "ft:gpt-4o:acme".to_owned())
        );
        for bad in ["planner", "robot:x", "agent:"] {
            assert!(parse_node(bad).unwrap_err().to_string().contains("`focus`"));
        }
    }
}
