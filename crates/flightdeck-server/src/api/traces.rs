//! Traces: search, and one trace as a tree with its critical path.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use flightdeck_analysis::CriticalPath;
use flightdeck_model::{Resource, Span, SpanId, TraceId};
use flightdeck_store::{Cursor, TraceQuery};
use serde::Serialize;
use serde_json::{Value, json};

use crate::params::Params;
use crate::{ApiError, AppState};

/// `GET /api/v1/traces`: traces with a span matching every filter, newest first.
pub async fn search(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let mut params = Params::parse(raw.as_deref())?;
    let range = params.range(Duration::from_secs(3600))?;
    let filter = params.span_filter()?;
    let limit = params.usize("limit", 20, 1000)?;
    let cursor = match params.take("cursor") {
        None => None,
        Some(text) => Some(Cursor::decode(&text).ok_or_else(|| {
            ApiError::BadRequest(format!(
                "`cursor` {text:?} is not a cursor this API returned"
            ))
        })?),
    };
    params.finish()?;
    let query = TraceQuery {
        range,
        filter,
        limit,
        cursor,
    };
    let page = state.query(move |s| s.search(&query)).await?;
    Ok(Json(json!({
        "start_ns": range.start_ns,
        "end_ns": range.end_ns,
        "traces": page.traces,
        "next_cursor": page.next_cursor,
    })))
}

/// `GET /api/v1/traces/{trace_id}`: every span of the trace in tree order, with its log records.
pub async fn get_trace(
    State(state): State<AppState>,
    Path(trace_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let trace_id: TraceId = trace_id
        .parse()
        .map_err(|e| ApiError::BadRequest(format!("invalid trace id {trace_id:?}: {e}")))?;
    let (spans, logs) = state
        .query(move |s| Ok((s.trace(trace_id)?, s.trace_logs(trace_id)?)))
        .await?;
    if spans.is_empty() {
        return Err(ApiError::NotFound(format!("trace {trace_id} not found")));
    }
    Ok(Json(trace_json(trace_id, &spans, logs)))
}

/// One span in a trace response: the span plus its place in the tree.
#[derive(Serialize)]
struct SpanNode<'a> {
    #[serde(flatten)]
    span: SpanView<'a>,
    depth: usize,
    children: Vec<SpanId>,
    /// The span names a parent that is not (yet) stored.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    missing_parent: bool,
    resource_index: usize,
    service: &'a str,
    duration_ms: f64,
}

/// A span without its resource (resources are listed once per trace).
#[derive(Serialize)]
struct SpanView<'a> {
    span_id: SpanId,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent_span_id: Option<SpanId>,
    name: &'a str,
    kind: flightdeck_model::SpanKind,
    start_ns: u64,
    end_ns: u64,
    status: &'a flightdeck_model::Status,
    scope: &'a flightdeck_model::Scope,
    attributes: &'a flightdeck_model::Attributes,
    events: &'a [flightdeck_model::Event],
    links: &'a [flightdeck_model::Link],
    #[serde(skip_serializing_if = "str::is_empty")]
    trace_state: &'a str,
    #[serde(skip_serializing_if = "is_zero")]
    flags: u32,
    #[serde(skip_serializing_if = "is_zero")]
    dropped_attributes_count: u32,
    #[serde(skip_serializing_if = "is_zero")]
    dropped_events_count: u32,
    #[serde(skip_serializing_if = "is_zero")]
    dropped_links_count: u32,
    #[serde(skip_serializing_if = "flightdeck_model::GenAi::is_empty")]
    genai: &'a flightdeck_model::GenAi,
}

impl<'a> SpanView<'a> {
    fn of(s: &'a Span) -> Self {
        SpanView {
            span_id: s.span_id,
            parent_span_id: s.parent_span_id,
            name: &s.name,
            kind: s.kind,
            start_ns: s.start_time_unix_nano,
            end_ns: s.end_time_unix_nano,
            status: &s.status,
            scope: &s.scope,
            attributes: &s.attributes,
            events: &s.events,
            links: &s.links,
            trace_state: &s.trace_state,
            flags: s.flags,
            dropped_attributes_count: s.dropped_attributes_count,
            dropped_events_count: s.dropped_events_count,
            dropped_links_count: s.dropped_links_count,
            genai: &s.genai,
        }
    }
}

fn is_zero(v: &u32) -> bool {
    *v == 0
}

/// Orders spans depth-first (children by start time) and records each one's depth and children.
/// Spans whose parent is absent become roots. Iterative, so any depth is safe.
pub fn tree_order(spans: &[Span]) -> Vec<(usize, usize, Vec<usize>, bool)> {
    let index: HashMap<SpanId, usize> = spans
        .iter()
        .enumerate()
        .map(|(i, s)| (s.span_id, i))
        .collect();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); spans.len()];
    let mut roots = Vec::new();
    let mut missing = vec![false; spans.len()];
    for (i, span) in spans.iter().enumerate() {
        match span.parent_span_id.and_then(|p| index.get(&p).copied()) {
            Some(parent) if parent != i => children[parent].push(i),
            _ => {
                missing[i] = span.parent_span_id.is_some();
                roots.push(i);
            }
        }
    }
    let by_start = |v: &mut Vec<usize>| {
        v.sort_by_key(|&i| (spans[i].start_time_unix_nano, spans[i].span_id));
    };
    by_start(&mut roots);
    for list in &mut children {
        by_start(list);
    }
    let mut out = Vec::with_capacity(spans.len());
    let mut visited = vec![false; spans.len()];
    let mut stack: Vec<(usize, usize)> = roots.iter().rev().map(|&r| (r, 0)).collect();
    while let Some((i, depth)) = stack.pop() {
        if std::mem::replace(&mut visited[i], true) {
            continue; // a parent cycle in bad data
        }
        for &c in children[i].iter().rev() {
            stack.push((c, depth + 1));
        }
        out.push((i, depth, children[i].clone(), missing[i]));
    }
    // Spans only reachable through a cycle are still returned, as roots.
    for (i, seen) in visited.iter().enumerate() {
        if !seen {
            out.push((i, 0, Vec::new(), true));
        }
    }
    out
}

fn trace_json(trace_id: TraceId, spans: &[Span], logs: Vec<flightdeck_model::LogRecord>) -> Value {
    let mut resources: Vec<Arc<Resource>> = Vec::new();
    let mut resource_index = |r: &Arc<Resource>| -> usize {
        match resources
            .iter()
            .position(|x| Arc::ptr_eq(x, r) || **x == **r)
        {
            Some(i) => i,
            None => {
                resources.push(Arc::clone(r));
                resources.len() - 1
            }
        }
    };
    let start = spans
        .iter()
        .map(|s| s.start_time_unix_nano)
        .min()
        .unwrap_or(0);
    let end = spans
        .iter()
        .map(|s| s.end_time_unix_nano)
        .max()
        .unwrap_or(0);
    let mut services: Vec<&str> = spans.iter().map(|s| s.resource.service_name()).collect();
    services.sort_unstable();
    services.dedup();
    let nodes: Vec<SpanNode<'_>> = tree_order(spans)
        .into_iter()
        .map(|(i, depth, children, missing_parent)| {
            let s = &spans[i];
            SpanNode {
                span: SpanView::of(s),
                depth,
                children: children.iter().map(|&c| spans[c].span_id).collect(),
                missing_parent,
                resource_index: resource_index(&s.resource),
                service: s.resource.service_name(),
                duration_ms: s.duration_nanos() as f64 / 1e6,
            }
        })
        .collect();
    json!({
        "trace_id": trace_id,
        "start_ns": start,
        "end_ns": end,
        "duration_ms": end.saturating_sub(start) as f64 / 1e6,
        "span_count": spans.len(),
        "error_count": spans.iter().filter(|s| s.is_error()).count(),
        "services": services,
        "resources": resources,
        "spans": nodes,
        "logs": logs,
        "critical_path": flightdeck_analysis::critical_path(spans),
    })
}

/// Unattached log records returned with a span tree at most (the rest are counted).
const TREE_MAX_LOOSE_LOGS: usize = 200;

/// `GET /api/v1/traces/{trace_id}/tree`: the span tree without attributes, events, links or log
/// bodies — what a waterfall needs, a fraction of the full trace's size — plus the log records not
/// tied to a span. Fetch a span in full with [`get_span`].
pub async fn get_tree(
    State(state): State<AppState>,
    Path(trace_id): Path<String>,
) -> Result<Json<TreeView>, ApiError> {
    let trace_id = parse_trace_id(&trace_id)?;
    let (spans, logs) = state
        .query(move |s| Ok((s.trace(trace_id)?, s.trace_logs(trace_id)?)))
        .await?;
    if spans.is_empty() {
        return Err(ApiError::NotFound(format!("trace {trace_id} not found")));
    }
    Ok(Json(TreeView::new(trace_id, spans, logs)))
}

/// `GET /api/v1/traces/{trace_id}/critical_path`: the chain of spans that determined the trace's
/// latency, each with its own time and share, and the path as time segments.
pub async fn get_critical_path(
    State(state): State<AppState>,
    Path(trace_id): Path<String>,
) -> Result<Json<CriticalPath>, ApiError> {
    let trace_id = parse_trace_id(&trace_id)?;
    let spans = state.query(move |s| s.trace(trace_id)).await?;
    if spans.is_empty() {
        return Err(ApiError::NotFound(format!("trace {trace_id} not found")));
    }
    Ok(Json(flightdeck_analysis::critical_path(&spans)))
}

/// `GET /api/v1/traces/{trace_id}/spans/{span_id}`: one span with the same fields as in the full
/// trace (its place in the tree aside: the tree has it), with its resource, its log records and
/// its canonical content (messages, system instructions, tool definitions, retrieved documents)
/// whatever dialect it arrived in. Reads only that span, so it is as fast for a span of a
/// 10,000-span trace as of a small one.
pub async fn get_span(
    State(state): State<AppState>,
    Path((trace_id, span_id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let trace_id = parse_trace_id(&trace_id)?;
    let span_id: SpanId = span_id
        .parse()
        .map_err(|e| ApiError::BadRequest(format!("invalid span id {span_id:?}: {e}")))?;
    // The content is built next to the read, on the blocking thread: it may parse large JSON.
    let found = state
        .query(move |s| {
            let Some(span) = s.span(trace_id, span_id)? else {
                return Ok(None);
            };
            let logs: Vec<_> = s
                .trace_logs(trace_id)?
                .into_iter()
                .filter(|l| l.span_id == Some(span_id))
                .collect();
            let content = flightdeck_semconv::content(&span, &logs);
            Ok(Some((span, logs, content)))
        })
        .await?;
    let Some((span, logs, content)) = found else {
        return Err(ApiError::NotFound(format!(
            "span {span_id} not found in trace {trace_id}"
        )));
    };
    Ok(Json(json!({
        "trace_id": trace_id,
        "span": SpanDetail {
            span: SpanView::of(&span),
            service: span.resource.service_name(),
            duration_ms: span.duration_nanos() as f64 / 1e6,
        },
        "resource": span.resource,
        "logs": logs,
        "content": SpanContent {
            content,
            retrieval: span.genai.retrieval.as_ref(),
        },
    })))
}

/// The canonical content of a span in a [`get_span`] response: the messages, system
/// instructions and tool definitions in the current conventions' shapes (with where each came
/// from), and the retrieval view of a retrieval span.
#[derive(Serialize)]
struct SpanContent<'a> {
    #[serde(flatten)]
    content: flightdeck_semconv::Content,
    #[serde(skip_serializing_if = "Option::is_none")]
    retrieval: Option<&'a flightdeck_model::Retrieval>,
}

/// One span in a [`get_span`] response.
#[derive(Serialize)]
struct SpanDetail<'a> {
    #[serde(flatten)]
    span: SpanView<'a>,
    service: &'a str,
    duration_ms: f64,
}

pub(crate) fn parse_trace_id(text: &str) -> Result<TraceId, ApiError> {
    text.parse()
        .map_err(|e| ApiError::BadRequest(format!("invalid trace id {text:?}: {e}")))
}

/// A trace as a tree of span summaries (the response of [`get_tree`]).
#[derive(Serialize)]
pub struct TreeView {
    trace_id: TraceId,
    start_ns: u64,
    end_ns: u64,
    duration_ms: f64,
    span_count: usize,
    error_count: usize,
    services: Vec<String>,
    log_count: usize,
    spans: Vec<TreeNode>,
    /// Log records with no span, or with a span that is not stored (at most 200).
    loose_logs: Vec<flightdeck_model::LogRecord>,
    loose_log_count: usize,
    /// Totals of the critical path; each span on it carries its `critical_ns`.
    critical_path: CriticalSummary,
}

/// The critical path in the tree view: totals only (the spans carry their part), so the tree
/// stays small; [`get_critical_path`] has the path in full.
#[derive(Serialize)]
struct CriticalSummary {
    total_ns: u64,
    unattributed_ns: u64,
    spans: usize,
}

/// One span in a [`TreeView`]: identity, timing, status and the GenAI fields operators scan for,
/// with counts of what [`get_span`] returns in full. Zero counts and an unset status are left out.
#[derive(Serialize)]
struct TreeNode {
    span_id: SpanId,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent_span_id: Option<SpanId>,
    depth: usize,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    missing_parent: bool,
    name: String,
    kind: flightdeck_model::SpanKind,
    start_ns: u64,
    end_ns: u64,
    #[serde(skip_serializing_if = "is_unset")]
    status: flightdeck_model::Status,
    service: String,
    #[serde(skip_serializing_if = "is_zero_usize")]
    event_count: usize,
    #[serde(skip_serializing_if = "is_zero_usize")]
    link_count: usize,
    #[serde(skip_serializing_if = "is_zero_usize")]
    log_count: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    genai: Option<GenAiBrief>,
    /// Time on the critical path spent in this span itself (left out when not on the path).
    #[serde(skip_serializing_if = "Option::is_none")]
    critical_ns: Option<u64>,
}

fn is_unset(status: &flightdeck_model::Status) -> bool {
    *status == flightdeck_model::Status::default()
}

fn is_zero_usize(v: &usize) -> bool {
    *v == 0
}

/// The GenAI fields a tree node carries (the full view comes with the span).
#[derive(Serialize)]
struct GenAiBrief {
    #[serde(skip_serializing_if = "Option::is_none")]
    operation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    provider: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_model: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    response_model: Option<String>,
    #[serde(skip_serializing_if = "flightdeck_model::Usage::is_empty")]
    usage: flightdeck_model::Usage,
    #[serde(skip_serializing_if = "Option::is_none")]
    agent_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    conversation_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    time_to_first_chunk: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cost_total: Option<f64>,
}

impl GenAiBrief {
    fn of(g: flightdeck_model::GenAi) -> Option<Self> {
        (!g.is_empty()).then(|| GenAiBrief {
            operation: g.operation,
            provider: g.provider,
            request_model: g.request_model,
            response_model: g.response_model,
            usage: g.usage,
            agent_name: g.agent_name,
            tool_name: g.tool_name,
            conversation_id: g.conversation_id,
            error_type: g.error_type,
            time_to_first_chunk: g.time_to_first_chunk,
            cost_total: g.cost.map(|c| c.total),
        })
    }
}

impl TreeView {
    fn new(trace_id: TraceId, spans: Vec<Span>, logs: Vec<flightdeck_model::LogRecord>) -> Self {
        let start_ns = spans
            .iter()
            .map(|s| s.start_time_unix_nano)
            .min()
            .unwrap_or(0);
        let end_ns = spans
            .iter()
            .map(|s| s.end_time_unix_nano)
            .max()
            .unwrap_or(0);
        let mut services: Vec<String> = spans
            .iter()
            .map(|s| s.resource.service_name().to_owned())
            .collect();
        services.sort_unstable();
        services.dedup();
        let mut logs_per_span: HashMap<SpanId, usize> = HashMap::new();
        let ids: std::collections::HashSet<SpanId> = spans.iter().map(|s| s.span_id).collect();
        let log_count = logs.len();
        let mut loose_logs = Vec::new();
        let mut loose_log_count = 0;
        for log in logs {
            match log.span_id.filter(|id| ids.contains(id)) {
                Some(id) => *logs_per_span.entry(id).or_default() += 1,
                None => {
                    loose_log_count += 1;
                    if loose_logs.len() < TREE_MAX_LOOSE_LOGS {
                        loose_logs.push(log);
                    }
                }
            }
        }
        let error_count = spans.iter().filter(|s| s.is_error()).count();
        let path = flightdeck_analysis::critical_path(&spans);
        let on_path: HashMap<SpanId, u64> =
            path.spans.iter().map(|c| (c.span_id, c.self_ns)).collect();
        let order = tree_order(&spans);
        let mut slots: Vec<Option<Span>> = spans.into_iter().map(Some).collect();
        let nodes = order
            .into_iter()
            .filter_map(|(i, depth, _, missing_parent)| {
                let s = slots[i].take()?;
                Some(TreeNode {
                    span_id: s.span_id,
                    parent_span_id: s.parent_span_id,
                    depth,
                    missing_parent,
                    service: s.resource.service_name().to_owned(),
                    name: s.name,
                    kind: s.kind,
                    start_ns: s.start_time_unix_nano,
                    end_ns: s.end_time_unix_nano,
                    status: s.status,
                    event_count: s.events.len(),
                    link_count: s.links.len(),
                    log_count: logs_per_span.get(&s.span_id).copied().unwrap_or(0),
                    critical_ns: on_path.get(&s.span_id).copied(),
                    genai: GenAiBrief::of(s.genai),
                })
            })
            .collect::<Vec<_>>();
        TreeView {
            trace_id,
            start_ns,
            end_ns,
            duration_ms: end_ns.saturating_sub(start_ns) as f64 / 1e6,
            span_count: nodes.len(),
            error_count,
            services,
            log_count,
            spans: nodes,
            loose_logs,
            loose_log_count,
            critical_path: CriticalSummary {
                total_ns: path.total_ns,
                unattributed_ns: path.unattributed_ns,
                spans: path.spans.len(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flightdeck_model::*;

    fn span(id: u8, parent: Option<u8>, start: u64) -> Span {
        Span {
            trace_id: TraceId::from_array([1; 16]).unwrap(),
            span_id: SpanId::from_array([id; 8]).unwrap(),
            parent_span_id: parent.map(|p| SpanId::from_array([p; 8]).unwrap()),
            trace_state: String::new(),
            flags: 0,
            name: format!("s{id}"),
            kind: SpanKind::Internal,
            start_time_unix_nano: start,
            end_time_unix_nano: start + 10,
            attributes: Attributes::new(),
            dropped_attributes_count: 0,
            events: vec![],
            dropped_events_count: 0,
            links: vec![],
            dropped_links_count: 0,
            status: Status::default(),
            resource: Arc::default(),
            scope: Arc::default(),
            genai: GenAi::default(),
        }
    }

    /// Depth-first order with children by start time; orphans and cycles still appear once.
    #[test]
    fn orders_tree_depth_first() {
        let spans = vec![
            span(3, Some(1), 30),
            span(1, None, 0),
            span(2, Some(1), 20),
            span(4, Some(2), 25),
            span(5, Some(9), 5), // parent missing
            span(6, Some(7), 1), // cycle 6 <-> 7
            span(7, Some(6), 2),
        ];
        let order: Vec<(String, usize)> = tree_order(&spans)
            .into_iter()
            .map(|(i, d, _, _)| (spans[i].name.clone(), d))
            .collect();
        let names: Vec<&str> = order.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names[..5], ["s1", "s2", "s4", "s3", "s5"]);
        assert_eq!(order[2].1, 2);
        assert_eq!(order.len(), 7);
    }
}
