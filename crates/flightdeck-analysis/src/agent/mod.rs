//! Agent workflow analysis: the graph of agents, workflows, tools, model calls and retrievals,
//! and findings about loops and stalls.
//!
//! Everything here follows span links: a span whose parent is not among the given spans but
//! that links to one (a message-queue consumer, a batch job) hangs under the linked span. To
//! follow context across traces, pass the spans of the linked traces too
//! ([`linked_traces`] lists the ones referenced but missing).

mod findings;
mod graph;

use std::collections::BTreeSet;

use serde::Serialize;

use flightdeck_model::{Span, TraceId};

use crate::tree::{Links, SpanTree};

pub use findings::{Finding, FindingConfig, MAX_FINDING_SPANS};
pub use graph::{
    Graph, InvocationStats, MAX_EDGES, MAX_EXAMPLES, MAX_NODES, NodeKey, OTHER, SpanRef,
};

/// The span attributes the graph and the findings read (besides the typed GenAI view, ids,
/// times, status and links): a store may leave out every other attribute and all events.
pub const ATTRIBUTES_READ: &[&str] = &[
    crate::classify::WORKFLOW_NAME,
    crate::classify::DATA_SOURCE_ID,
];

/// The span tree (links followed) with, per span, its nearest agent or workflow ancestor and its
/// graph node: computed once, shared by the graph and the findings.
pub(crate) struct AgentTree<'a> {
    pub(crate) tree: SpanTree<'a>,
    pub(crate) invokers: Vec<u32>,
    /// Whether the way up to the invoker crosses a span link.
    pub(crate) via_link: Vec<bool>,
    pub(crate) nodes: Vec<Option<graph::BorrowedKey<'a>>>,
}

impl<'a> AgentTree<'a> {
    pub(crate) fn new(spans: &'a [Span]) -> AgentTree<'a> {
        let tree = SpanTree::new(spans, Links::Follow);
        let (invokers, via_link) = graph::nearest_invokers(&tree);
        let nodes = (0..tree.len() as u32)
            .map(|i| crate::classify::node_of(tree.span(i)))
            .collect();
        AgentTree {
            tree,
            invokers,
            via_link,
            nodes,
        }
    }
}

/// The graph of a trace and the findings about it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentAnalysis {
    /// The agent workflow graph.
    pub graph: Graph,
    /// Repeated invocations, agent cycles and stalls, in that order.
    pub findings: Vec<Finding>,
    /// Findings left out because of [`FindingConfig::max_findings`].
    pub omitted_findings: u64,
}

/// Builds the graph and looks for loops and stalls, walking the spans once.
///
/// ```
/// use flightdeck_analysis::agent::{FindingConfig, analyze};
/// let analysis = analyze(&[], &FindingConfig::default());
/// assert!(analysis.findings.is_empty());
/// assert_eq!(analysis.graph.traces(), 0);
/// ```
pub fn analyze(spans: &[Span], config: &FindingConfig) -> AgentAnalysis {
    let at = AgentTree::new(spans);
    let graph = Graph::from_tree(&at);
    let (findings, omitted_findings) = findings::find(&at, config);
    AgentAnalysis {
        graph,
        findings,
        omitted_findings,
    }
}

/// Traces referenced by the links of spans that have no parent among `spans`, and that are not
/// themselves in `spans`: fetch these and analyse them together to follow context across a
/// message queue. Sorted, without duplicates.
pub fn linked_traces(spans: &[Span]) -> Vec<TraceId> {
    let tree = SpanTree::new(spans, Links::Ignore);
    let present: BTreeSet<TraceId> = spans.iter().map(|s| s.trace_id).collect();
    let wanted: BTreeSet<TraceId> = tree
        .roots()
        .iter()
        .flat_map(|&r| tree.span(r).links.iter().map(|l| l.trace_id))
        .filter(|t| !present.contains(t))
        .collect();
    wanted.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::testing::*;

    /// Only the links of parentless spans to absent traces are listed, once each.
    #[test]
    fn linked_traces_lists_missing_producers() {
        let spans = vec![
            linked(span(1, 0, "consume", 0, 10), 7, 1),
            linked(linked(span(2, 0, "batch", 0, 10), 5, 9), 7, 2),
            linked(span(3, 1, "child with link", 1, 2), 9, 1),
            linked(span(4, 0, "self-trace link", 0, 1), 1, 1),
        ];
        assert_eq!(linked_traces(&spans), vec![trace(5), trace(7)]);
    }
}
