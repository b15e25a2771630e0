//! The RAG view: which retrievals fed a generation, and retrieval statistics over many spans.
//!
//! # Which retrievals fed a generation
//!
//! A retrieval span `R` fed a generation span `G` (a `chat`, `text_completion` or
//! `generate_content` span) of the same trace when:
//!
//! 1. `R` ended at or before `G` started (its results could have been in the prompt), and
//! 2. `R` is not inside `G`, and
//! 3. `R` lies in the *nearest enclosing scope* of `G` that holds any such retrieval: walking up
//!    from `G`'s parent to the root, the first ancestor whose subtree contains a retrieval
//!    meeting 1 and 2 is the scope, and all such retrievals in its subtree are returned. When no
//!    ancestor has one, retrievals under other top-level spans of the trace (orphans, other
//!    roots) are considered, with no scope span.
//!
//! At most [`MAX_RETRIEVALS_PER_VIEW`] are returned: the ones that ended last, the others are
//! counted in [`RagView::omitted_retrievals`].
//!
//! So a retriever step and a model call under the same pipeline or agent span are paired; an
//! agent that retrieves, answers, retrieves again and answers again feeds both earlier
//! retrievals to its second answer; and a retrieval done by the caller before it invoked an agent
//! still counts for the agent's model calls when the agent itself retrieved nothing.

mod stats;

use serde::Serialize;

use flightdeck_model::{RetrievedDocument, Span, SpanId, TraceId};

use crate::classify;
use crate::tree::{Links, SpanTree};

/// At most this many retrievals are listed per generation (the most recent ones).
pub const MAX_RETRIEVALS_PER_VIEW: usize = 20;

pub use stats::{
    Bucket, DistributionSummary, MAX_SOURCES, RetrievalStats, RetrievalSummary, SourceSummary,
    UNKNOWN_SOURCE,
};

/// Why a RAG view could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RagError {
    /// No span of the trace has the requested id.
    #[error("span {0} is not in the trace")]
    SpanNotFound(SpanId),
    /// The span is not a generation span.
    #[error(
        "span {span_id} is not a generation span (chat, text_completion or generate_content), its operation is {operation}"
    )]
    NotAGeneration {
        /// The span.
        span_id: SpanId,
        /// Its GenAI operation, or `none`.
        operation: String,
    },
}

/// The retrievals that fed one generation span.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RagView {
    /// The trace.
    pub trace_id: TraceId,
    /// The generation span.
    pub generation_span_id: SpanId,
    /// Its name.
    pub generation_name: String,
    /// The model it called.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// When it started, ns since the epoch.
    pub generation_start_ns: u64,
    /// The ancestor whose subtree the retrievals come from (see the module docs); `None` when
    /// they come from elsewhere in the trace, or when there are none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope_span_id: Option<SpanId>,
    /// The retrievals, in start order.
    pub retrievals: Vec<RetrievalSource>,
    /// Retrievals that qualified but were left out because of [`MAX_RETRIEVALS_PER_VIEW`].
    pub omitted_retrievals: u64,
}

/// One retrieval that fed a generation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RetrievalSource {
    /// The retrieval span.
    pub span_id: SpanId,
    /// Its name.
    pub name: String,
    /// The data source (`gen_ai.data_source.id`, or the store / collection).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_source: Option<String>,
    /// The query text, when captured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// The requested number of results.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_k: Option<i64>,
    /// Documents returned, in rank order, with ids and relevance scores when reported.
    pub documents: Vec<RetrievedDocument>,
    /// Retrieval start, ns since the epoch.
    pub start_ns: u64,
    /// Retrieval end.
    pub end_ns: u64,
    /// Its duration.
    pub duration_ns: u64,
    /// Time from the retrieval's end to the generation's start.
    pub lead_ns: u64,
    /// True when the retrieval failed.
    pub failed: bool,
}

/// Euler-tour positions: the subtree of `i` is `tin[i] .. tin[i] + size[i]` in preorder.
struct Subtrees {
    tin: Vec<u32>,
    size: Vec<u32>,
    /// Retrieval spans sorted by `tin`.
    retrievals: Vec<u32>,
}

impl Subtrees {
    fn new(tree: &SpanTree<'_>) -> Subtrees {
        let n = tree.len();
        let mut tin = vec![0u32; n];
        for (pos, &i) in tree.preorder().iter().enumerate() {
            tin[i as usize] = pos as u32;
        }
        let mut size = vec![1u32; n];
        for &i in tree.preorder().iter().rev() {
            if let Some(p) = tree.parent(i) {
                size[p as usize] += size[i as usize];
            }
        }
        let retrievals: Vec<u32> = tree
            .preorder()
            .iter()
            .copied()
            .filter(|&i| classify::is_retrieval(tree.span(i)))
            .collect();
        Subtrees {
            tin,
            size,
            retrievals,
        }
    }

    /// Retrievals with preorder position in `from..to` that meet the timing and not-inside
    /// rules for generation `g`.
    fn feeding<'s>(
        &'s self,
        tree: &'s SpanTree<'_>,
        g: u32,
        from: u32,
        to: u32,
    ) -> impl Iterator<Item = u32> + 's {
        let g_start = tree.span(g).start_time_unix_nano;
        let (g_from, g_to) = (
            self.tin[g as usize],
            self.tin[g as usize] + self.size[g as usize],
        );
        let first = self
            .retrievals
            .partition_point(|&r| self.tin[r as usize] < from);
        self.retrievals[first..]
            .iter()
            .copied()
            .take_while(move |&r| self.tin[r as usize] < to)
            .filter(move |&r| {
                let t = self.tin[r as usize];
                !(g_from..g_to).contains(&t) && tree.span(r).end_time_unix_nano <= g_start
            })
    }
}

/// The retrievals that fed generation span `generation` of a trace (see the module docs for the
/// rule).
///
/// ```
/// use flightdeck_analysis::rag::{RagError, rag_view};
/// use flightdeck_model::SpanId;
/// let id = SpanId::from_int(7).unwrap();
/// assert_eq!(rag_view(&[], id), Err(RagError::SpanNotFound(id)));
/// ```
pub fn rag_view(spans: &[Span], generation: SpanId) -> Result<RagView, RagError> {
    let tree = SpanTree::new(spans, Links::Ignore);
    let g = tree
        .preorder()
        .iter()
        .copied()
        .find(|&i| tree.span(i).span_id == generation)
        .ok_or(RagError::SpanNotFound(generation))?;
    let span = tree.span(g);
    match classify::operation(span) {
        Some(op) if classify::is_generation(op) => {}
        other => {
            return Err(RagError::NotAGeneration {
                span_id: generation,
                operation: other.unwrap_or("none").to_owned(),
            });
        }
    }
    let subtrees = Subtrees::new(&tree);
    Ok(view_of(&tree, &subtrees, g))
}

/// The RAG views of every generation span of a trace that was fed by at least one retrieval,
/// in start order.
pub fn rag_views(spans: &[Span]) -> Vec<RagView> {
    let tree = SpanTree::new(spans, Links::Ignore);
    let subtrees = Subtrees::new(&tree);
    if subtrees.retrievals.is_empty() {
        return Vec::new();
    }
    let mut generations: Vec<u32> = tree
        .preorder()
        .iter()
        .copied()
        .filter(|&i| classify::operation(tree.span(i)).is_some_and(classify::is_generation))
        .collect();
    generations.sort_by_key(|&i| (tree.span(i).start_time_unix_nano, subtrees.tin[i as usize]));
    generations
        .into_iter()
        .map(|g| view_of(&tree, &subtrees, g))
        .filter(|v| !v.retrievals.is_empty())
        .collect()
}

fn view_of(tree: &SpanTree<'_>, subtrees: &Subtrees, g: u32) -> RagView {
    let mut scope: Option<u32> = None;
    let mut found: Vec<u32> = Vec::new();
    let mut cur = tree.parent(g);
    while let Some(a) = cur {
        let from = subtrees.tin[a as usize];
        found.extend(subtrees.feeding(tree, g, from, from + subtrees.size[a as usize]));
        if !found.is_empty() {
            scope = Some(a);
            break;
        }
        cur = tree.parent(a);
    }
    if found.is_empty() {
        found.extend(subtrees.feeding(tree, g, 0, tree.len() as u32));
    }
    let span = tree.span(g);
    let g_start = span.start_time_unix_nano;
    let omitted_retrievals = found.len().saturating_sub(MAX_RETRIEVALS_PER_VIEW) as u64;
    if omitted_retrievals > 0 {
        found.sort_unstable_by_key(|&r| {
            std::cmp::Reverse((tree.span(r).end_time_unix_nano, subtrees.tin[r as usize]))
        });
        found.truncate(MAX_RETRIEVALS_PER_VIEW);
    }
    found.sort_by_key(|&r| (tree.span(r).start_time_unix_nano, subtrees.tin[r as usize]));
    RagView {
        trace_id: span.trace_id,
        generation_span_id: span.span_id,
        generation_name: span.name.clone(),
        model: span.genai.model().map(str::to_owned),
        generation_start_ns: g_start,
        scope_span_id: scope.map(|a| tree.span(a).span_id),
        retrievals: found
            .into_iter()
            .map(|r| {
                let s = tree.span(r);
                let retrieval = s.genai.retrieval.as_ref();
                RetrievalSource {
                    span_id: s.span_id,
                    name: s.name.clone(),
                    data_source: classify::data_source(s).map(str::to_owned),
                    query: retrieval.and_then(|x| x.query.clone()),
                    top_k: retrieval.and_then(|x| x.top_k),
                    documents: retrieval.map(|x| x.documents.clone()).unwrap_or_default(),
                    start_ns: s.start_time_unix_nano,
                    end_ns: s.end_time_unix_nano,
                    duration_ns: s.duration_nanos(),
                    lead_ns: g_start.saturating_sub(s.end_time_unix_nano),
                    failed: classify::is_failed(s),
                }
            })
            .collect(),
        omitted_retrievals,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::tree::testing::*;
    use flightdeck_model::Retrieval;

    /// A retrieval span on `source` with documents `(id, score)`.
    pub(crate) fn retrieval(
        id: u64,
        parent: u64,
        source: &str,
        start: u64,
        end: u64,
        docs: &[(&str, f64)],
    ) -> Span {
        let mut s = op(
            span(id, parent, &format!("retrieval {source}"), start, end),
            "retrieval",
        );
        s.genai.retrieval = Some(Retrieval {
            data_source: Some(source.to_owned()),
            query: Some(format!("query {id}")),
            top_k: Some(docs.len() as i64),
            documents: docs
                .iter()
                .map(|(d, score)| RetrievedDocument {
                    id: Some((*d).to_owned()),
                    score: Some(*score),
                    content: None,
                })
                .collect(),
        });
        s
    }

    fn ids(view: &RagView) -> Vec<u64> {
        view.retrievals.iter().map(|r| r.span_id.to_int()).collect()
    }

    /// A pipeline that retrieves from two sources (one finishing after the model call starts)
    /// and then calls the model: only the retrieval that ended before the call fed it, with its
    /// data source, query, documents and lead time.
    #[test]
    fn pipeline_retrieve_then_generate() {
        let spans = vec![
            span(1, 0, "rag pipeline", 0, 1_000),
            retrieval(2, 1, "docs", 10, 100, &[("d1", 0.9), ("d2", 0.7)]),
            retrieval(3, 1, "late", 10, 300, &[("x", 0.5)]),
            chat(4, 1, "gpt-4o", 200, 900, (10, 10)),
        ];
        let view = rag_view(&spans, sid(4)).unwrap();
        assert_eq!(ids(&view), vec![2]);
        assert_eq!(view.scope_span_id, Some(sid(1)));
        assert_eq!(view.model.as_deref(), Some("gpt-4o"));
        let r = &view.retrievals[0];
        assert_eq!(r.data_source.as_deref(), Some("docs"));
        assert_eq!(r.query.as_deref(), Some("query 2"));
        assert_eq!(r.documents.len(), 2);
        assert_eq!(r.documents[1].score, Some(0.7));
        assert_eq!((r.duration_ns, r.lead_ns), (90, 100));
    }

    /// In an agent loop the second answer is fed by both retrievals of its agent, the first
    /// only by the first; a retrieval in another agent's subtree is not used while the agent
    /// has its own.
    #[test]
    fn nearest_scope_wins() {
        let spans = vec![
            span(1, 0, "root", 0, 1_000),
            agent(2, 1, "researcher", 10, 500),
            retrieval(3, 2, "kb", 20, 40, &[("a", 1.0)]),
            chat(4, 2, "m", 50, 100, (1, 1)),
            tool(5, 2, "lookup", 110, 200),
            retrieval(6, 5, "web", 120, 190, &[("b", 0.2)]),
            chat(7, 2, "m", 210, 300, (1, 1)),
            agent(8, 1, "writer", 510, 900),
            retrieval(9, 8, "style", 520, 530, &[]),
            chat(10, 8, "m", 600, 800, (1, 1)),
        ];
        assert_eq!(ids(&rag_view(&spans, sid(4)).unwrap()), vec![3]);
        assert_eq!(ids(&rag_view(&spans, sid(7)).unwrap()), vec![3, 6]);
        let writer = rag_view(&spans, sid(10)).unwrap();
        assert_eq!(ids(&writer), vec![9]);
        assert_eq!(writer.scope_span_id, Some(sid(8)));

        let all = rag_views(&spans);
        assert_eq!(
            all.iter()
                .map(|v| v.generation_span_id.to_int())
                .collect::<Vec<_>>(),
            vec![4, 7, 10]
        );
    }

    /// When the agent retrieved nothing itself, the caller's earlier retrieval counts; a
    /// retrieval inside the generation span does not; an orphan retrieval elsewhere in the trace
    /// is used as a last resort with no scope.
    #[test]
    fn wider_scopes() {
        let spans = vec![
            span(1, 0, "root", 0, 1_000),
            retrieval(2, 1, "kb", 10, 20, &[("a", 0.5)]),
            agent(3, 1, "answerer", 30, 900),
            chat(4, 3, "m", 40, 800, (1, 1)),
            retrieval(5, 4, "inside", 50, 60, &[]),
        ];
        let v = rag_view(&spans, sid(4)).unwrap();
        assert_eq!(ids(&v), vec![2]);
        assert_eq!(v.scope_span_id, Some(sid(1)));

        let spans = vec![
            chat(1, 0, "m", 100, 200, (1, 1)),
            retrieval(2, 42, "orphan", 10, 20, &[]),
        ];
        let v = rag_view(&spans, sid(1)).unwrap();
        assert_eq!(ids(&v), vec![2]);
        assert_eq!(v.scope_span_id, None);
    }

    /// Of 25 qualifying retrievals the 20 that ended last are listed, in start order, and 5 are
    /// counted as omitted.
    #[test]
    fn most_recent_retrievals_are_kept() {
        let mut spans = vec![span(1, 0, "root", 0, 10_000)];
        for k in 0..25u64 {
            spans.push(retrieval(10 + k, 1, "kb", 100 * k, 100 * k + 50, &[]));
        }
        spans.push(chat(2, 1, "m", 5_000, 6_000, (1, 1)));
        let v = rag_view(&spans, sid(2)).unwrap();
        assert_eq!(v.omitted_retrievals, 5);
        assert_eq!(ids(&v), (15..35).collect::<Vec<u64>>());
    }

    /// Asking for a missing span or a non-generation span is an error naming it.
    #[test]
    fn errors() {
        let spans = vec![tool(1, 0, "t", 0, 1)];
        assert_eq!(
            rag_view(&spans, sid(2)),
            Err(RagError::SpanNotFound(sid(2)))
        );
        let err = rag_view(&spans, sid(1)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "span 0000000000000001 is not a generation span (chat, text_completion or generate_content), its operation is execute_tool"
        );
    }
}
