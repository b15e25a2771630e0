//! The span tree every analysis walks: parent resolution (optionally through span links), cycle
//! breaking, children in start order and a parents-first traversal order.
//!
//! Built once per call in O(n log n) (the sort of each child list), with no recursion, so a
//! 10,000-deep chain is as safe as a flat trace.

use foldhash::{HashMap, HashMapExt};

use flightdeck_model::{Span, SpanId, TraceId};

/// How a span's parent was resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ParentVia {
    /// No parent among the given spans: a root, an orphan, or a span whose parent chain was a
    /// cycle that was cut here.
    None,
    /// The span's own `parent_span_id`.
    Parent,
    /// The span had no parent among the given spans and one of its links pointed to a given span
    /// (a message-queue consumer or a batch job).
    Link,
}

/// Whether to use span links to attach spans whose parent is absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Links {
    /// Only `parent_span_id` counts.
    Ignore,
    /// A span without a present parent hangs under the first of its links that resolves.
    Follow,
}

/// The resolved tree over a slice of spans. Indexes are positions in that slice.
pub(crate) struct SpanTree<'a> {
    spans: &'a [Span],
    parent: Vec<u32>,
    via: Vec<ParentVia>,
    /// CSR layout: the children of `i` are `child_list[child_start[i]..child_start[i + 1]]`,
    /// ordered by start time (then end time, then position).
    child_start: Vec<u32>,
    child_list: Vec<u32>,
    roots: Vec<u32>,
    /// Every span exactly once, each parent before its children (depth-first, children in start
    /// order, roots in start order).
    preorder: Vec<u32>,
}

/// Marker for "no parent" in the `parent` vector.
pub(crate) const NONE: u32 = u32::MAX;

impl<'a> SpanTree<'a> {
    /// Builds the tree. Spans beyond `u32::MAX - 1` are ignored (far above any stored trace).
    pub(crate) fn new(spans: &'a [Span], links: Links) -> SpanTree<'a> {
        let spans = &spans[..spans.len().min(NONE as usize - 1)];
        let n = spans.len();
        let mut index: HashMap<(TraceId, SpanId), u32> = HashMap::with_capacity(n);
        for (i, span) in spans.iter().enumerate() {
            // Duplicate ids (bad data): the first one is the one children attach to.
            index
                .entry((span.trace_id, span.span_id))
                .or_insert(i as u32);
        }

        let mut parent = vec![NONE; n];
        let mut via = vec![ParentVia::None; n];
        for (i, span) in spans.iter().enumerate() {
            let own = span
                .parent_span_id
                .and_then(|p| index.get(&(span.trace_id, p)).copied())
                .filter(|&p| p != i as u32);
            if let Some(p) = own {
                parent[i] = p;
                via[i] = ParentVia::Parent;
            } else if links == Links::Follow
                && let Some(p) = span
                    .links
                    .iter()
                    .filter_map(|l| index.get(&(l.trace_id, l.span_id)).copied())
                    .find(|&p| p != i as u32)
            {
                parent[i] = p;
                via[i] = ParentVia::Link;
            }
        }
        break_cycles(spans, &mut parent, &mut via);

        // Children in CSR form.
        let mut child_start = vec![0u32; n + 1];
        for &p in &parent {
            if p != NONE {
                child_start[p as usize + 1] += 1;
            }
        }
        for i in 0..n {
            child_start[i + 1] += child_start[i];
        }
        let mut fill = child_start.clone();
        let mut child_list = vec![0u32; child_start[n] as usize];
        for (i, &p) in parent.iter().enumerate() {
            if p != NONE {
                let slot = &mut fill[p as usize];
                child_list[*slot as usize] = i as u32;
                *slot += 1;
            }
        }
        let by_start = |a: &u32, b: &u32| {
            let (sa, sb) = (&spans[*a as usize], &spans[*b as usize]);
            (sa.start_time_unix_nano, sa.end_time_unix_nano, *a).cmp(&(
                sb.start_time_unix_nano,
                sb.end_time_unix_nano,
                *b,
            ))
        };
        for i in 0..n {
            let (s, e) = (child_start[i] as usize, child_start[i + 1] as usize);
            child_list[s..e].sort_unstable_by(by_start);
        }
        let mut roots: Vec<u32> = (0..n as u32)
            .filter(|&i| parent[i as usize] == NONE)
            .collect();
        roots.sort_unstable_by(by_start);

        let mut tree = SpanTree {
            spans,
            parent,
            via,
            child_start,
            child_list,
            roots,
            preorder: Vec::with_capacity(n),
        };
        let mut stack: Vec<u32> = tree.roots.iter().rev().copied().collect();
        while let Some(i) = stack.pop() {
            tree.preorder.push(i);
            stack.extend(tree.children(i).iter().rev().copied());
        }
        tree
    }

    /// The span at `i`.
    pub(crate) fn span(&self, i: u32) -> &'a Span {
        &self.spans[i as usize]
    }

    /// Number of spans in the tree.
    pub(crate) fn len(&self) -> usize {
        self.spans.len()
    }

    /// The resolved parent of `i`.
    pub(crate) fn parent(&self, i: u32) -> Option<u32> {
        let p = self.parent[i as usize];
        (p != NONE).then_some(p)
    }

    /// How the parent of `i` was resolved.
    pub(crate) fn via(&self, i: u32) -> ParentVia {
        self.via[i as usize]
    }

    /// Children of `i` in start order.
    pub(crate) fn children(&self, i: u32) -> &[u32] {
        let (s, e) = (
            self.child_start[i as usize] as usize,
            self.child_start[i as usize + 1] as usize,
        );
        &self.child_list[s..e]
    }

    /// Spans without a parent, in start order.
    pub(crate) fn roots(&self) -> &[u32] {
        &self.roots
    }

    /// All spans, parents before children.
    pub(crate) fn preorder(&self) -> &[u32] {
        &self.preorder
    }
}

/// Cuts every cycle in the parent relation (bad data: A's parent is B, B's parent is A). The span
/// of the cycle that started first (then the lowest position) becomes a root. Linear: every span
/// is walked once.
fn break_cycles(spans: &[Span], parent: &mut [u32], via: &mut [ParentVia]) {
    const UNSEEN: u8 = 0;
    const ON_WALK: u8 = 1;
    const DONE: u8 = 2;
    let mut state = vec![UNSEEN; parent.len()];
    let mut walk: Vec<u32> = Vec::new();
    for start in 0..parent.len() {
        if state[start] != UNSEEN {
            continue;
        }
        walk.clear();
        let mut cur = start as u32;
        loop {
            match state[cur as usize] {
                UNSEEN => {
                    state[cur as usize] = ON_WALK;
                    walk.push(cur);
                    let p = parent[cur as usize];
                    if p == NONE {
                        break;
                    }
                    cur = p;
                }
                ON_WALK => {
                    // `cur` closes a cycle: the cycle is the tail of the walk starting at `cur`.
                    let from = walk.iter().position(|&x| x == cur).unwrap_or(0);
                    let cut = walk[from..]
                        .iter()
                        .copied()
                        .min_by_key(|&x| (spans[x as usize].start_time_unix_nano, x))
                        .unwrap_or(cur);
                    parent[cut as usize] = NONE;
                    via[cut as usize] = ParentVia::None;
                    break;
                }
                _ => break,
            }
        }
        for &x in &walk {
            state[x as usize] = DONE;
        }
    }
}

/// Shared helpers for building spans in tests and benchmarks of this crate.
#[cfg(test)]
pub(crate) mod testing {
    use std::sync::Arc;

    use flightdeck_model::{
        GenAi, KeyValue, Link, Resource, Scope, Span, SpanId, SpanKind, Status, StatusCode, TraceId,
    };

    /// The trace id used by single-trace tests.
    pub(crate) fn trace(n: u64) -> TraceId {
        TraceId::from_int(n as u128).unwrap()
    }

    /// Span id `n`.
    pub(crate) fn sid(n: u64) -> SpanId {
        SpanId::from_int(n).unwrap()
    }

    /// A span of trace 1 with id `id`, parent `parent` (0 = none), times in nanoseconds.
    pub(crate) fn span(id: u64, parent: u64, name: &str, start: u64, end: u64) -> Span {
        Span {
            trace_id: trace(1),
            span_id: sid(id),
            parent_span_id: (parent != 0).then(|| sid(parent)),
            trace_state: String::new(),
            flags: 0,
            name: name.to_owned(),
            kind: SpanKind::Internal,
            start_time_unix_nano: start,
            end_time_unix_nano: end,
            attributes: Default::default(),
            dropped_attributes_count: 0,
            events: Vec::new(),
            dropped_events_count: 0,
            links: Vec::new(),
            dropped_links_count: 0,
            status: Status::default(),
            resource: Arc::new(Resource {
                attributes: vec![KeyValue::new("service.name", "svc")]
                    .into_iter()
                    .collect(),
                ..Resource::default()
            }),
            scope: Arc::new(Scope::default()),
            genai: GenAi::default(),
        }
    }

    /// Sets the GenAI operation.
    pub(crate) fn op(mut s: Span, operation: &str) -> Span {
        s.genai.operation = Some(operation.to_owned());
        s
    }

    /// An `invoke_agent` span for agent `agent`.
    pub(crate) fn agent(id: u64, parent: u64, agent: &str, start: u64, end: u64) -> Span {
        let mut s = op(
            span(id, parent, &format!("invoke_agent {agent}"), start, end),
            "invoke_agent",
        );
        s.genai.agent_name = Some(agent.to_owned());
        s
    }

    /// An `execute_tool` span for tool `tool`.
    pub(crate) fn tool(id: u64, parent: u64, tool: &str, start: u64, end: u64) -> Span {
        let mut s = op(
            span(id, parent, &format!("execute_tool {tool}"), start, end),
            "execute_tool",
        );
        s.genai.tool_name = Some(tool.to_owned());
        s
    }

    /// A `chat` span for model `model` with token usage.
    pub(crate) fn chat(
        id: u64,
        parent: u64,
        model: &str,
        start: u64,
        end: u64,
        tokens: (i64, i64),
    ) -> Span {
        let mut s = op(
            span(id, parent, &format!("chat {model}"), start, end),
            "chat",
        );
        s.genai.request_model = Some(model.to_owned());
        s.genai.usage.input_tokens = Some(tokens.0);
        s.genai.usage.output_tokens = Some(tokens.1);
        s
    }

    /// Marks the span as failed.
    pub(crate) fn failed(mut s: Span) -> Span {
        s.status = Status {
            code: StatusCode::Error,
            message: "boom".into(),
        };
        s
    }

    /// Moves the span to trace `t`.
    pub(crate) fn in_trace(mut s: Span, t: u64) -> Span {
        s.trace_id = trace(t);
        s
    }

    /// Adds a link to span `span` of trace `t`.
    pub(crate) fn linked(mut s: Span, t: u64, span: u64) -> Span {
        s.links.push(Link {
            trace_id: trace(t),
            span_id: sid(span),
            trace_state: String::new(),
            attributes: Default::default(),
            dropped_attributes_count: 0,
            flags: 0,
        });
        s
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;

    fn ids(tree: &SpanTree<'_>, list: &[u32]) -> Vec<u64> {
        list.iter()
            .map(|&i| tree.span(i).span_id.to_int())
            .collect()
    }

    /// Children come out in start order, roots too, and the traversal visits parents first.
    #[test]
    fn children_and_preorder() {
        let spans = vec![
            span(3, 1, "c", 50, 60),
            span(1, 0, "root", 0, 100),
            span(2, 1, "b", 10, 40),
            span(4, 2, "d", 20, 30),
            span(9, 0, "other root", 5, 8),
        ];
        let tree = SpanTree::new(&spans, Links::Ignore);
        assert_eq!(ids(&tree, tree.roots()), vec![1, 9]);
        assert_eq!(ids(&tree, tree.children(1)), vec![2, 3]);
        assert_eq!(ids(&tree, tree.preorder()), vec![1, 2, 4, 3, 9]);
        assert_eq!(tree.parent(0), Some(1));
        assert_eq!(tree.via(0), ParentVia::Parent);
    }

    /// A parent cycle is cut at its earliest span, an orphan becomes a root, and every span is
    /// visited exactly once.
    #[test]
    fn cycles_are_cut_and_orphans_are_roots() {
        let spans = vec![
            span(1, 2, "a", 10, 20),
            span(2, 3, "b", 5, 20),
            span(3, 1, "c", 7, 20),
            span(4, 3, "d", 8, 9),
            span(5, 77, "orphan", 0, 1),
            span(6, 6, "self parent", 2, 3),
        ];
        let tree = SpanTree::new(&spans, Links::Ignore);
        // b starts first among the cycle a -> b -> c -> a, so b is cut loose.
        assert_eq!(ids(&tree, tree.roots()), vec![5, 6, 2]);
        assert_eq!(ids(&tree, tree.preorder()), vec![5, 6, 2, 1, 3, 4]);
    }

    /// A consumer span without a present parent attaches to the producer it links to, in another
    /// trace, only when links are followed.
    #[test]
    fn links_attach_parentless_spans() {
        let spans = vec![
            span(1, 0, "producer", 0, 10),
            in_trace(linked(span(2, 0, "consumer", 20, 30), 1, 1), 2),
        ];
        let tree = SpanTree::new(&spans, Links::Follow);
        assert_eq!(tree.parent(1), Some(0));
        assert_eq!(tree.via(1), ParentVia::Link);
        let tree = SpanTree::new(&spans, Links::Ignore);
        assert_eq!(tree.parent(1), None);
    }

    /// A 10,000-deep chain builds without recursion and keeps its order.
    #[test]
    fn deep_chain() {
        let spans: Vec<Span> = (1..=10_000u64)
            .map(|i| span(i, i - 1, "s", i, 20_000 - i))
            .collect();
        let tree = SpanTree::new(&spans, Links::Ignore);
        assert_eq!(tree.preorder().len(), 10_000);
        assert_eq!(tree.preorder()[9_999], 9_999);
    }
}
