//! Agent loops and stalls, found in the span tree of a trace.

use foldhash::{HashMap, HashMapExt};
use std::time::Duration;

use serde::Serialize;

use flightdeck_model::{SpanId, TraceId};

use crate::agent::AgentTree;
use crate::classify::{self, NodeKind};
use crate::tree::{NONE, ParentVia};

/// Span ids kept per finding.
pub const MAX_FINDING_SPANS: usize = 20;
/// How far up the chain of agent invocations a cycle is looked for.
const MAX_CYCLE_DEPTH: usize = 256;

/// Thresholds of the loop and stall detectors.
#[derive(Debug, Clone, PartialEq)]
pub struct FindingConfig {
    /// A tool or agent invoked more than this many times by one agent (or workflow) invocation
    /// is reported as a repeated invocation.
    pub max_repeats: u64,
    /// A stall is a stretch of at least this long inside an agent or workflow span during which
    /// none of its children ran...
    pub stall_min_gap: Duration,
    /// ...that is also at least this share (0.0–1.0) of the agent or workflow span.
    pub stall_min_share: f64,
    /// At most this many findings are returned (the rest are counted).
    pub max_findings: usize,
}

impl Default for FindingConfig {
    fn default() -> Self {
        FindingConfig {
            max_repeats: 10,
            stall_min_gap: Duration::from_secs(10),
            stall_min_share: 0.25,
            max_findings: 100,
        }
    }
}

/// Something suspicious in an agent run.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Finding {
    /// One agent or workflow invocation invoked the same tool or agent more often than
    /// [`FindingConfig::max_repeats`]: a likely loop.
    RepeatedInvocation {
        /// The trace of the invoking span.
        trace_id: TraceId,
        /// The agent or workflow span that made the invocations.
        invoker_span_id: SpanId,
        /// The invoking node, e.g. `agent:planner`.
        invoker: String,
        /// The repeatedly invoked node, e.g. `tool:search`.
        target: String,
        /// How many times it was invoked.
        count: u64,
        /// The invocations, the first [`MAX_FINDING_SPANS`] in start order.
        span_ids: Vec<SpanId>,
    },
    /// An agent invoked itself again, directly or through other agents (`A → B → A`).
    AgentCycle {
        /// The trace where the cycle was first seen.
        trace_id: TraceId,
        /// The nodes along the cycle, starting and ending with the repeated agent.
        cycle: Vec<String>,
        /// The invocation spans along the first occurrence, outermost first.
        span_ids: Vec<SpanId>,
        /// How many times the cycle was entered in the input.
        occurrences: u64,
    },
    /// An agent or workflow invocation (`invoke_agent`, `invoke_workflow`) with children, and a
    /// long stretch during which none of them ran (waiting on something that is not traced, or
    /// hung).
    Stall {
        /// The trace.
        trace_id: TraceId,
        /// The agent or workflow span.
        span_id: SpanId,
        /// Its node, e.g. `agent:planner`.
        node: String,
        /// Start of the idle stretch, ns since the epoch.
        gap_start_ns: u64,
        /// End of the idle stretch.
        gap_end_ns: u64,
        /// Its length.
        gap_ns: u64,
        /// `gap_ns` divided by the span's duration.
        share: f64,
        /// The child that ended when the stretch began (`None` when it began at the span's
        /// start).
        after_span_id: Option<SpanId>,
    },
}

/// Finds repeated invocations, agent cycles and stalls. Returns the findings (at most
/// `config.max_findings`) and the number left out.
pub(crate) fn find(at: &AgentTree<'_>, config: &FindingConfig) -> (Vec<Finding>, u64) {
    let mut findings = repeated(at, config);
    findings.extend(cycles(at));
    findings.extend(stalls(at, config));
    let omitted = findings.len().saturating_sub(config.max_findings) as u64;
    findings.truncate(config.max_findings);
    (findings, omitted)
}

fn node_id(kind: NodeKind, name: &str) -> String {
    format!("{}:{name}", kind.as_str())
}

fn repeated(at: &AgentTree<'_>, config: &FindingConfig) -> Vec<Finding> {
    let (tree, invokers) = (&at.tree, &at.invokers);
    // (invoker, target) -> (count, first spans); spans arrive in preorder, so siblings in start
    // order.
    let mut counts: HashMap<(u32, NodeKind, &str), (u64, Vec<SpanId>)> = HashMap::new();
    for &i in tree.preorder() {
        let inv = invokers[i as usize];
        if inv == NONE {
            continue;
        }
        let span = tree.span(i);
        let Some((kind, name)) = at.nodes[i as usize] else {
            continue;
        };
        if !matches!(kind, NodeKind::Tool | NodeKind::Agent | NodeKind::Workflow) {
            continue;
        }
        let entry = counts.entry((inv, kind, name)).or_default();
        entry.0 += 1;
        if entry.1.len() < MAX_FINDING_SPANS {
            entry.1.push(span.span_id);
        }
    }
    let mut hits: Vec<_> = counts
        .into_iter()
        .filter(|(_, (count, _))| *count > config.max_repeats)
        .collect();
    hits.sort_unstable_by(|a, b| {
        let start = |x: u32| tree.span(x).start_time_unix_nano;
        (b.1.0, start(a.0.0), a.0.0, a.0.1, a.0.2).cmp(&(a.1.0, start(b.0.0), b.0.0, b.0.1, b.0.2))
    });
    hits.into_iter()
        .map(|((inv, kind, name), (count, span_ids))| {
            let invoker = tree.span(inv);
            Finding::RepeatedInvocation {
                trace_id: invoker.trace_id,
                invoker_span_id: invoker.span_id,
                invoker: at.nodes[inv as usize]
                    .map(|(k, n)| node_id(k, n))
                    .unwrap_or_default(),
                target: node_id(kind, name),
                count,
                span_ids,
            }
        })
        .collect()
}

fn cycles(at: &AgentTree<'_>) -> Vec<Finding> {
    let (tree, invokers) = (&at.tree, &at.invokers);
    let mut found: Vec<Finding> = Vec::new();
    let mut by_members: HashMap<Vec<String>, usize> = HashMap::new();
    let mut chain: Vec<u32> = Vec::new();
    for &i in tree.preorder() {
        let Some((NodeKind::Agent, name)) = at.nodes[i as usize] else {
            continue;
        };
        // Walk up the invocation chain to the nearest earlier invocation of the same agent.
        chain.clear();
        chain.push(i);
        let mut cur = invokers[i as usize];
        let mut closed = false;
        while cur != NONE && chain.len() <= MAX_CYCLE_DEPTH {
            chain.push(cur);
            if at.nodes[cur as usize] == Some((NodeKind::Agent, name)) {
                closed = true;
                break;
            }
            cur = invokers[cur as usize];
        }
        if !closed {
            continue;
        }
        chain.reverse(); // outermost first: [A, ..., A]
        let members: Vec<String> = chain[..chain.len() - 1]
            .iter()
            .map(|&x| {
                at.nodes[x as usize]
                    .map(|(k, n)| node_id(k, n))
                    .unwrap_or_default()
            })
            .collect();
        // The same loop entered at another member (B → A → B for A → B → A) is one cycle.
        let key = min_rotation(&members);
        match by_members.get(&key) {
            Some(&slot) => {
                if let Finding::AgentCycle { occurrences, .. } = &mut found[slot] {
                    *occurrences += 1;
                }
            }
            None => {
                by_members.insert(key, found.len());
                let mut cycle = members.clone();
                cycle.push(members[0].clone());
                found.push(Finding::AgentCycle {
                    trace_id: tree.span(chain[0]).trace_id,
                    cycle,
                    span_ids: chain
                        .iter()
                        .take(MAX_FINDING_SPANS)
                        .map(|&x| tree.span(x).span_id)
                        .collect(),
                    occurrences: 1,
                });
            }
        }
    }
    found
}

/// The lexicographically smallest rotation of a cycle's members.
fn min_rotation(members: &[String]) -> Vec<String> {
    (0..members.len())
        .map(|r| {
            members[r..]
                .iter()
                .chain(&members[..r])
                .cloned()
                .collect::<Vec<_>>()
        })
        .min()
        .unwrap_or_default()
}

fn stalls(at: &AgentTree<'_>, config: &FindingConfig) -> Vec<Finding> {
    let tree = &at.tree;
    let min_gap = u64::try_from(config.stall_min_gap.as_nanos()).unwrap_or(u64::MAX);
    let mut found = Vec::new();
    for &i in tree.preorder() {
        let span = tree.span(i);
        // Only agent and workflow invocations with children: a span without any (a remote
        // agent, `create_agent`) gives no evidence of being idle rather than busy elsewhere.
        let has_children = tree
            .children(i)
            .iter()
            .any(|&c| tree.via(c) == ParentVia::Parent);
        if !matches!(
            classify::operation(span),
            Some("invoke_agent" | "invoke_workflow")
        ) || !has_children
        {
            continue;
        }
        let (s, e) = (
            span.start_time_unix_nano,
            span.end_time_unix_nano.max(span.start_time_unix_nano),
        );
        // Sweep the children (in start order, clipped to the span) for the longest idle stretch.
        let mut cursor = s;
        let mut last_child: Option<u32> = None;
        let mut best: Option<(u64, u64, Option<u32>)> = None;
        let mut consider = |from: u64, to: u64, after: Option<u32>| {
            if to > from && best.is_none_or(|(a, b, _)| to - from > b - a) {
                best = Some((from, to, after));
            }
        };
        for &c in tree.children(i) {
            if tree.via(c) != ParentVia::Parent {
                continue; // linked consumers run on their own schedule
            }
            let child = tree.span(c);
            let cs = child.start_time_unix_nano.clamp(s, e);
            let ce = child.end_time_unix_nano.clamp(cs, e);
            consider(cursor, cs, last_child);
            if ce >= cursor {
                cursor = ce;
                last_child = Some(c);
            }
        }
        consider(cursor, e, last_child);
        let Some((from, to, after)) = best else {
            continue;
        };
        let gap = to - from;
        let share = gap as f64 / (e - s) as f64;
        if gap >= min_gap && share >= config.stall_min_share {
            found.push(Finding::Stall {
                trace_id: span.trace_id,
                span_id: span.span_id,
                node: at.nodes[i as usize]
                    .map(|(k, n)| node_id(k, n))
                    .unwrap_or_default(),
                gap_start_ns: from,
                gap_end_ns: to,
                gap_ns: gap,
                share,
                after_span_id: after.map(|c| tree.span(c).span_id),
            });
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::testing::*;
    use flightdeck_model::Span;

    const S: u64 = 1_000_000_000;

    fn run(spans: &[Span], config: &FindingConfig) -> (Vec<Finding>, u64) {
        find(&AgentTree::new(spans), config)
    }

    /// An agent calling the same tool 12 times (threshold 10) is reported once with the count
    /// and the span ids in start order; a tool called 10 times is not.
    #[test]
    fn repeated_tool() {
        let mut spans = vec![agent(1, 0, "planner", 0, 100 * S)];
        for k in 0..12 {
            spans.push(tool(100 + k, 1, "search", k * S, k * S + 1));
        }
        for k in 0..10 {
            spans.push(tool(200 + k, 1, "calc", 50 * S + k, 50 * S + k + 1));
        }
        let config = FindingConfig {
            stall_min_gap: Duration::from_secs(1_000),
            ..FindingConfig::default()
        };
        let (findings, omitted) = run(&spans, &config);
        assert_eq!(omitted, 0);
        assert_eq!(findings.len(), 1, "{findings:#?}");
        let Finding::RepeatedInvocation {
            invoker,
            target,
            count,
            span_ids,
            invoker_span_id,
            ..
        } = &findings[0]
        else {
            panic!("{findings:?}")
        };
        assert_eq!(
            (invoker.as_str(), target.as_str(), *count),
            ("agent:planner", "tool:search", 12)
        );
        assert_eq!(invoker_span_id.to_int(), 1);
        assert_eq!(span_ids.len(), 12);
        assert_eq!(span_ids[0].to_int(), 100);
        assert_eq!(span_ids[11].to_int(), 111);
    }

    /// A → B → A → B → A is one cycle (A, B) entered three times, however it is rotated.
    #[test]
    fn agent_cycle() {
        let spans = vec![
            agent(1, 0, "A", 0, 100),
            agent(2, 1, "B", 1, 99),
            tool(3, 2, "handoff", 2, 98),
            agent(4, 3, "A", 3, 97),
            agent(5, 4, "B", 4, 96),
            agent(6, 5, "A", 5, 95),
            agent(7, 0, "C", 200, 300),
        ];
        let (findings, _) = run(&spans, &FindingConfig::default());
        assert_eq!(findings.len(), 1, "{findings:#?}");
        let Finding::AgentCycle {
            cycle,
            span_ids,
            occurrences,
            ..
        } = &findings[0]
        else {
            panic!("{findings:?}")
        };
        assert_eq!(cycle, &["agent:A", "agent:B", "agent:A"]);
        assert_eq!(
            span_ids.iter().map(|s| s.to_int()).collect::<Vec<_>>(),
            vec![1, 2, 4]
        );
        // Re-entries at span 4 (A), 5 (B) and 6 (A).
        assert_eq!(*occurrences, 3);
    }

    /// An agent that ran 60 s with children only in its first and last 5 s stalls for 50 s
    /// after the first child; a busy agent does not.
    #[test]
    fn stall() {
        let spans = vec![
            agent(1, 0, "slow", 0, 60 * S),
            chat(2, 1, "m", 0, 3 * S, (1, 1)),
            chat(3, 1, "m", 2 * S, 5 * S, (1, 1)),
            tool(4, 1, "t", 55 * S, 60 * S),
            agent(5, 0, "busy", 100 * S, 130 * S),
            chat(6, 5, "m", 100 * S, 129 * S, (1, 1)),
        ];
        let (findings, _) = run(&spans, &FindingConfig::default());
        assert_eq!(findings.len(), 1, "{findings:#?}");
        let Finding::Stall {
            span_id,
            node,
            gap_start_ns,
            gap_end_ns,
            gap_ns,
            share,
            after_span_id,
            ..
        } = &findings[0]
        else {
            panic!("{findings:?}")
        };
        assert_eq!(span_id.to_int(), 1);
        assert_eq!(node, "agent:slow");
        assert_eq!(
            (*gap_start_ns, *gap_end_ns, *gap_ns),
            (5 * S, 55 * S, 50 * S)
        );
        assert!((share - 50.0 / 60.0).abs() < 1e-12);
        assert_eq!(after_span_id.map(|s| s.to_int()), Some(3));
    }

    /// A stall at the start of an agent has no preceding child; an agent span without any
    /// children (a remote agent) is not reported, having no evidence of idling.
    #[test]
    fn stall_at_start_and_childless_agent() {
        let spans = vec![
            agent(1, 0, "late", 0, 20 * S),
            tool(2, 1, "t", 15 * S, 20 * S),
            agent(3, 0, "remote", 0, 60 * S),
        ];
        let (findings, _) = run(&spans, &FindingConfig::default());
        assert!(
            matches!(
                &findings[..],
                [Finding::Stall { span_id, gap_ns, after_span_id: None, .. }]
                    if *gap_ns == 15 * S && span_id.to_int() == 1
            ),
            "{findings:#?}"
        );
    }

    /// The findings cap keeps the first ones and counts the rest.
    #[test]
    fn findings_are_capped() {
        let mut spans: Vec<Span> = (1..=5).map(|k| agent(k, 0, "idle", 0, 20 * S)).collect();
        spans.extend((1..=5).map(|k| tool(10 + k, k, "t", 19 * S, 20 * S)));
        let config = FindingConfig {
            max_findings: 2,
            ..FindingConfig::default()
        };
        let (findings, omitted) = run(&spans, &config);
        assert_eq!((findings.len(), omitted), (2, 3));
    }
}
