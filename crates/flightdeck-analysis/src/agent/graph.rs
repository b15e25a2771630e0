//! The agent workflow graph: agents, workflows, tools, model calls and retrievals as nodes,
//! invocations as edges, for one trace or aggregated over many.

use std::collections::BTreeMap;

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use serde::Serialize;
use serde::ser::Serializer;

use flightdeck_model::{Span, SpanId, TraceId};

use crate::agent::AgentTree;
use crate::classify::{self, NodeKind};
use crate::tree::{NONE, ParentVia, SpanTree};

/// At most this many distinct nodes are kept; invocations of further nodes are folded into one
/// `(other)` node of their kind, so an aggregate over many traces stays bounded.
pub const MAX_NODES: usize = 10_000;
/// At most this many distinct edges are kept; invocations along further edges are counted in
/// [`Graph::dropped_edge_invocations`].
pub const MAX_EDGES: usize = 100_000;
/// Example spans kept per node and per edge.
pub const MAX_EXAMPLES: usize = 3;
/// Name of the node that stands for all nodes beyond [`MAX_NODES`].
pub const OTHER: &str = "(other)";

/// A node: its kind and name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeKey {
    /// What the node is.
    pub kind: NodeKind,
    /// Agent, workflow or tool name, model, or data source.
    pub name: String,
}

impl NodeKey {
    /// Builds a key.
    pub fn new(kind: NodeKind, name: impl Into<String>) -> NodeKey {
        NodeKey {
            kind,
            name: name.into(),
        }
    }

    /// The id used in JSON: `kind:name`, e.g. `agent:planner`.
    pub fn id(&self) -> String {
        format!("{}:{}", self.kind.as_str(), self.name)
    }
}

/// A node key borrowing its name from a span.
pub(crate) type BorrowedKey<'a> = (NodeKind, &'a str);

/// A span, named by trace and span id (examples for drilling down).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct SpanRef {
    /// The trace.
    pub trace_id: TraceId,
    /// The span.
    pub span_id: SpanId,
}

impl SpanRef {
    pub(crate) fn of(span: &Span) -> SpanRef {
        SpanRef {
            trace_id: span.trace_id,
            span_id: span.span_id,
        }
    }
}

/// Invocation statistics of a node or an edge.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct InvocationStats {
    /// Number of invocations (spans).
    pub count: u64,
    /// Invocations that failed (error status or `error.type`).
    pub errors: u64,
    /// Sum of their durations, ns.
    pub total_duration_ns: u64,
    /// Longest duration, ns.
    pub max_duration_ns: u64,
    /// Invocations that reached the node through a span link (a message queue or batch job)
    /// rather than a parent. Always 0 on nodes.
    pub via_link: u64,
    /// Up to [`MAX_EXAMPLES`] of the spans, the first ones seen.
    pub examples: Vec<SpanRef>,
}

impl InvocationStats {
    fn add_span(&mut self, span: &Span, via_link: bool) {
        let d = span.duration_nanos();
        self.count += 1;
        self.errors += u64::from(classify::is_failed(span));
        self.total_duration_ns = self.total_duration_ns.saturating_add(d);
        self.max_duration_ns = self.max_duration_ns.max(d);
        self.via_link += u64::from(via_link);
        if self.examples.len() < MAX_EXAMPLES {
            self.examples.push(SpanRef::of(span));
        }
    }

    fn merge(&mut self, other: &InvocationStats) {
        self.count += other.count;
        self.errors += other.errors;
        self.total_duration_ns = self
            .total_duration_ns
            .saturating_add(other.total_duration_ns);
        self.max_duration_ns = self.max_duration_ns.max(other.max_duration_ns);
        self.via_link += other.via_link;
        let room = MAX_EXAMPLES.saturating_sub(self.examples.len());
        self.examples
            .extend(other.examples.iter().take(room).copied());
    }
}

/// The agent workflow graph of one trace, or the merge of many.
///
/// An edge `A → B` counts the spans of node `B` whose nearest agent or workflow ancestor is a
/// span of node `A`. A span whose parent is absent but that links to a given span (a queue
/// consumer, a batch job) has that span as its parent for this purpose. GenAI spans with no
/// agent or workflow above them are nodes without an incoming edge.
///
/// Nodes and edges are kept sorted (by kind, then name), so output is deterministic whatever
/// the order of the input and of merges.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Graph {
    traces: u64,
    nodes: BTreeMap<NodeKey, InvocationStats>,
    /// Nodes other than the `(other)` ones, counted against [`MAX_NODES`].
    named_nodes: usize,
    edges: BTreeMap<(NodeKey, NodeKey), InvocationStats>,
    folded_invocations: u64,
    dropped_edge_invocations: u64,
}

impl Graph {
    /// An empty graph.
    pub fn new() -> Graph {
        Graph::default()
    }

    /// The graph of the given spans: one trace, optionally with the traces its spans link to,
    /// or the spans of many traces at once (spans are keyed by trace and span id).
    pub fn from_spans(spans: &[Span]) -> Graph {
        Graph::from_tree(&AgentTree::new(spans))
    }

    pub(crate) fn from_tree(at: &AgentTree<'_>) -> Graph {
        let tree = &at.tree;
        // Accumulate under borrowed keys, then own them once per distinct node and edge.
        let mut nodes: HashMap<BorrowedKey<'_>, InvocationStats> = HashMap::new();
        let mut edges: HashMap<(BorrowedKey<'_>, BorrowedKey<'_>), InvocationStats> =
            HashMap::new();
        let mut traces: HashSet<TraceId> = HashSet::new();
        for &i in tree.preorder() {
            let span = tree.span(i);
            traces.insert(span.trace_id);
            let Some(node) = at.nodes[i as usize] else {
                continue;
            };
            nodes.entry(node).or_default().add_span(span, false);
            let inv = at.invokers[i as usize];
            if inv == NONE {
                continue;
            }
            let Some(from) = at.nodes[inv as usize] else {
                continue;
            };
            let via_link = at.via_link[i as usize];
            edges
                .entry((from, node))
                .or_default()
                .add_span(span, via_link);
        }
        let mut graph = Graph {
            traces: traces.len() as u64,
            ..Graph::default()
        };
        let mut nodes: Vec<_> = nodes.into_iter().collect();
        nodes.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        for ((kind, name), stats) in nodes {
            graph.add_node(NodeKey::new(kind, name), &stats);
        }
        let mut edges: Vec<_> = edges.into_iter().collect();
        edges.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        for ((from, to), stats) in edges {
            let (from, _) = graph.resolve(NodeKey::new(from.0, from.1));
            let (to, _) = graph.resolve(NodeKey::new(to.0, to.1));
            graph.add_edge(from, to, &stats);
        }
        graph
    }

    /// Adds another graph into this one (counts and durations add up, maxima combine).
    pub fn merge(&mut self, other: &Graph) {
        self.traces += other.traces;
        self.folded_invocations += other.folded_invocations;
        self.dropped_edge_invocations += other.dropped_edge_invocations;
        for (key, stats) in &other.nodes {
            match self.nodes.get_mut(key) {
                Some(mine) => mine.merge(stats),
                None => self.add_node(key.clone(), stats),
            }
        }
        for ((from, to), stats) in &other.edges {
            let key = (self.resolve(from.clone()).0, self.resolve(to.clone()).0);
            match self.edges.get_mut(&key) {
                Some(mine) => mine.merge(stats),
                None => self.add_edge(key.0, key.1, stats),
            }
        }
    }

    /// The part of the graph reachable from one node along edges (the node, everything it
    /// invoked directly or indirectly, and the edges between them): "what does agent planner
    /// do". Empty when the node is absent.
    pub fn reachable_from(&self, kind: NodeKind, name: &str) -> Graph {
        let start = NodeKey::new(kind, name);
        let mut sub = Graph {
            traces: self.traces,
            ..Graph::default()
        };
        let Some(stats) = self.nodes.get(&start) else {
            return sub;
        };
        sub.nodes.insert(start.clone(), stats.clone());
        let mut queue = vec![start];
        while let Some(from) = queue.pop() {
            let first = (from.clone(), NodeKey::new(NodeKind::Workflow, ""));
            for ((f, to), edge) in self.edges.range(first..) {
                if *f != from {
                    break;
                }
                sub.edges.insert((f.clone(), to.clone()), edge.clone());
                if !sub.nodes.contains_key(to)
                    && let Some(stats) = self.nodes.get(to)
                {
                    sub.nodes.insert(to.clone(), stats.clone());
                    queue.push(to.clone());
                }
            }
        }
        sub.named_nodes = sub.nodes.keys().filter(|k| k.name != OTHER).count();
        sub
    }

    /// Number of traces the graph was built from.
    pub fn traces(&self) -> u64 {
        self.traces
    }

    /// The nodes, sorted by kind then name.
    pub fn nodes(&self) -> impl Iterator<Item = (&NodeKey, &InvocationStats)> {
        self.nodes.iter()
    }

    /// The edges `(from, to)`, sorted by source then target.
    pub fn edges(&self) -> impl Iterator<Item = (&NodeKey, &NodeKey, &InvocationStats)> {
        self.edges.iter().map(|((f, t), s)| (f, t, s))
    }

    /// The statistics of one node.
    pub fn node(&self, kind: NodeKind, name: &str) -> Option<&InvocationStats> {
        self.nodes.get(&NodeKey::new(kind, name))
    }

    /// The statistics of one edge.
    pub fn edge(&self, from: (NodeKind, &str), to: (NodeKind, &str)) -> Option<&InvocationStats> {
        self.edges
            .get(&(NodeKey::new(from.0, from.1), NodeKey::new(to.0, to.1)))
    }

    /// Invocations counted under an `(other)` node because the node cap was reached.
    pub fn folded_invocations(&self) -> u64 {
        self.folded_invocations
    }

    /// Invocations whose edge was not kept because the edge cap was reached.
    pub fn dropped_edge_invocations(&self) -> u64 {
        self.dropped_edge_invocations
    }

    /// The key under which `key` is kept: itself, or `(other)` when it is new and the node cap
    /// is reached (then the flag is true).
    fn resolve(&self, key: NodeKey) -> (NodeKey, bool) {
        if self.named_nodes >= MAX_NODES && !self.nodes.contains_key(&key) {
            let folded = key.name != OTHER;
            (NodeKey::new(key.kind, OTHER), folded)
        } else {
            (key, false)
        }
    }

    fn add_node(&mut self, key: NodeKey, stats: &InvocationStats) {
        let (key, folded) = self.resolve(key);
        if folded {
            self.folded_invocations += stats.count;
        }
        if key.name != OTHER && !self.nodes.contains_key(&key) {
            self.named_nodes += 1;
        }
        self.nodes.entry(key).or_default().merge(stats);
    }

    fn add_edge(&mut self, from: NodeKey, to: NodeKey, stats: &InvocationStats) {
        if self.edges.len() >= MAX_EDGES && !self.edges.contains_key(&(from.clone(), to.clone())) {
            self.dropped_edge_invocations += stats.count;
            return;
        }
        self.edges.entry((from, to)).or_default().merge(stats);
    }
}

/// For every span, the position of its nearest ancestor that is an agent or workflow span
/// (`NONE` when there is none), and whether the way up to it crosses a span link. Follows the
/// tree's parents, including link parents.
pub(crate) fn nearest_invokers(tree: &SpanTree<'_>) -> (Vec<u32>, Vec<bool>) {
    let mut inv = vec![NONE; tree.len()];
    let mut via_link = vec![false; tree.len()];
    for &i in tree.preorder() {
        if let Some(p) = tree.parent(i) {
            let linked = tree.via(i) == ParentVia::Link;
            (inv[i as usize], via_link[i as usize]) = if classify::is_invoker(tree.span(p)) {
                (p, linked)
            } else {
                (inv[p as usize], linked || via_link[p as usize])
            };
        }
    }
    (inv, via_link)
}

#[derive(Serialize)]
struct NodeView<'a> {
    id: String,
    kind: NodeKind,
    name: &'a str,
    invocations: u64,
    errors: u64,
    total_duration_ns: u64,
    max_duration_ns: u64,
    examples: &'a [SpanRef],
}

#[derive(Serialize)]
struct EdgeView<'a> {
    from: String,
    to: String,
    count: u64,
    errors: u64,
    total_duration_ns: u64,
    max_duration_ns: u64,
    via_link: u64,
    examples: &'a [SpanRef],
}

#[derive(Serialize)]
struct GraphView<'a> {
    traces: u64,
    nodes: Vec<NodeView<'a>>,
    edges: Vec<EdgeView<'a>>,
    folded_invocations: u64,
    dropped_edge_invocations: u64,
}

/// JSON shape: `{"traces", "nodes": [{"id": "agent:planner", "kind", "name", "invocations",
/// "errors", "total_duration_ns", "max_duration_ns", "examples"}], "edges": [{"from", "to",
/// "count", "errors", "total_duration_ns", "max_duration_ns", "via_link", "examples"}],
/// "folded_invocations", "dropped_edge_invocations"}`.
impl Serialize for Graph {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        GraphView {
            traces: self.traces,
            nodes: self
                .nodes
                .iter()
                .map(|(k, s)| NodeView {
                    id: k.id(),
                    kind: k.kind,
                    name: &k.name,
                    invocations: s.count,
                    errors: s.errors,
                    total_duration_ns: s.total_duration_ns,
                    max_duration_ns: s.max_duration_ns,
                    examples: &s.examples,
                })
                .collect(),
            edges: self
                .edges
                .iter()
                .map(|((f, t), s)| EdgeView {
                    from: f.id(),
                    to: t.id(),
                    count: s.count,
                    errors: s.errors,
                    total_duration_ns: s.total_duration_ns,
                    max_duration_ns: s.max_duration_ns,
                    via_link: s.via_link,
                    examples: &s.examples,
                })
                .collect(),
            folded_invocations: self.folded_invocations,
            dropped_edge_invocations: self.dropped_edge_invocations,
        }
        .serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::testing::*;
    use NodeKind::*;

    /// A planner agent calling a model twice and a tool three times (one failing), with the
    /// tool calling a sub-agent through a non-GenAI span: edges, counts, durations and errors
    /// add up to hand-computed values.
    fn planner_trace() -> Vec<Span> {
        vec![
            span(1, 0, "POST /ask", 0, 1_000),
            agent(2, 1, "planner", 10, 990),
            chat(3, 2, "gpt-4o", 20, 120, (100, 10)),
            tool(4, 2, "search", 130, 230),
            failed(tool(5, 2, "search", 240, 300)),
            tool(6, 2, "search", 310, 330),
            chat(7, 2, "gpt-4o", 340, 540, (200, 20)),
            tool(8, 2, "delegate", 550, 900),
            span(9, 8, "HTTP POST", 560, 890),
            agent(10, 9, "researcher", 570, 880),
            chat(11, 10, "gpt-4o-mini", 580, 870, (50, 5)),
        ]
    }

    /// Edges go from the nearest agent ancestor, through non-GenAI spans and tools, with
    /// counts, total/max durations and errors.
    #[test]
    fn single_trace_graph() {
        let g = Graph::from_spans(&planner_trace());
        assert_eq!(g.traces(), 1);
        let keys: Vec<String> = g.nodes().map(|(k, _)| k.id()).collect();
        assert_eq!(
            keys,
            vec![
                "agent:planner",
                "agent:researcher",
                "tool:delegate",
                "tool:search",
                "model:gpt-4o",
                "model:gpt-4o-mini"
            ]
        );
        let search = g.edge((Agent, "planner"), (Tool, "search")).unwrap();
        assert_eq!(search.count, 3);
        assert_eq!(search.errors, 1);
        assert_eq!(search.total_duration_ns, 100 + 60 + 20);
        assert_eq!(search.max_duration_ns, 100);
        let model = g.edge((Agent, "planner"), (Model, "gpt-4o")).unwrap();
        assert_eq!((model.count, model.total_duration_ns), (2, 300));
        // The researcher is invoked by the planner (via tool `delegate`), not by the tool.
        assert_eq!(
            g.edge((Agent, "planner"), (Agent, "researcher"))
                .unwrap()
                .count,
            1
        );
        assert!(g.edge((Tool, "delegate"), (Agent, "researcher")).is_none());
        assert_eq!(
            g.edge((Agent, "researcher"), (Model, "gpt-4o-mini"))
                .unwrap()
                .count,
            1
        );
        // The top-level agent has no incoming edge; 5 edges in total.
        assert_eq!(g.edges().count(), 5);
        assert_eq!(g.node(Agent, "planner").unwrap().count, 1);
        assert_eq!(g.node(Tool, "search").unwrap().examples.len(), 3);
    }

    /// The subgraph of the researcher holds it and what it invoked, not its caller or
    /// siblings.
    #[test]
    fn reachable_subgraph() {
        let g = Graph::from_spans(&planner_trace());
        let sub = g.reachable_from(Agent, "researcher");
        let nodes: Vec<String> = sub.nodes().map(|(k, _)| k.id()).collect();
        assert_eq!(nodes, vec!["agent:researcher", "model:gpt-4o-mini"]);
        assert_eq!(sub.edges().count(), 1);
        let planner = g.reachable_from(Agent, "planner");
        assert_eq!(planner.nodes().count(), 6);
        assert_eq!(planner.edges().count(), 5);
        assert_eq!(g.reachable_from(Tool, "nope").nodes().count(), 0);
    }

    /// Merging two graphs adds counts and durations, combines maxima, and is independent of
    /// merge order.
    #[test]
    fn merge_aggregates() {
        let a = Graph::from_spans(&planner_trace());
        let b = Graph::from_spans(&[
            agent(1, 0, "planner", 0, 1_000),
            tool(2, 1, "search", 0, 500),
            tool(3, 1, "calculator", 500, 600),
        ]);
        let mut ab = a.clone();
        ab.merge(&b);
        let mut ba = b.clone();
        ba.merge(&a);
        assert_eq!(ab.traces(), 2);
        let search = ab.edge((Agent, "planner"), (Tool, "search")).unwrap();
        assert_eq!(search.count, 4);
        assert_eq!(search.total_duration_ns, 180 + 500);
        assert_eq!(search.max_duration_ns, 500);
        assert_eq!(
            ab.node(Agent, "planner").unwrap().total_duration_ns,
            980 + 1000
        );
        let ids = |g: &Graph| {
            g.edges()
                .map(|(f, t, s)| (f.id(), t.id(), s.count))
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&ab), ids(&ba));
        assert_eq!(ids(&ab).len(), 6);
    }

    /// A queue consumer in another trace, with no parent but a link to the producer span under
    /// an agent, gets an edge from that agent, marked as crossing a link.
    #[test]
    fn links_are_followed() {
        let spans = vec![
            agent(1, 0, "dispatcher", 0, 100),
            span(2, 1, "publish jobs", 10, 20),
            in_trace(linked(span(3, 0, "consume jobs", 200, 400), 1, 2), 2),
            in_trace(agent(4, 3, "worker", 210, 390), 2),
        ];
        let g = Graph::from_spans(&spans);
        assert_eq!(g.traces(), 2);
        let e = g.edge((Agent, "dispatcher"), (Agent, "worker")).unwrap();
        assert_eq!((e.count, e.via_link), (1, 1));
    }

    /// The JSON form names nodes by `kind:name` ids and lists edges by those ids.
    #[test]
    fn json_shape() {
        let g = Graph::from_spans(&[agent(1, 0, "a", 0, 10), failed(tool(2, 1, "t", 1, 4))]);
        let v = serde_json::to_value(&g).unwrap();
        assert_eq!(v["nodes"][0]["id"], "agent:a");
        assert_eq!(v["nodes"][1]["kind"], "tool");
        assert_eq!(v["edges"][0]["from"], "agent:a");
        assert_eq!(v["edges"][0]["to"], "tool:t");
        assert_eq!(v["edges"][0]["errors"], 1);
        assert_eq!(v["edges"][0]["total_duration_ns"], 3);
    }

    /// Past the node cap, new nodes fold into `(other)` and the folded count is reported once.
    #[test]
    fn node_cap_folds() {
        let mut g = Graph::new();
        for i in 0..MAX_NODES as u64 + 5 {
            let name = format!("t{i}");
            g.merge(&Graph::from_spans(&[tool(i + 1, 0, &name, 0, 1)]));
        }
        assert_eq!(g.nodes().count(), MAX_NODES + 1);
        assert_eq!(g.node(Tool, OTHER).unwrap().count, 5);
        assert_eq!(g.folded_invocations(), 5);
        // Re-merging a capped graph does not fold its `(other)` node a second time.
        let mut copy = Graph::new();
        copy.merge(&g);
        assert_eq!(copy.folded_invocations(), 5);
        copy.merge(&g);
        assert_eq!(copy.folded_invocations(), 10);
        assert_eq!(copy.node(Tool, OTHER).unwrap().count, 10);
    }
}
