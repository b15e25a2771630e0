//! The critical path of a trace: the chain of spans that determined its end-to-end latency.
//!
//! The classic backward walk: start at the end of the root with a cursor; repeatedly step into
//! the child that finished last at or before the cursor, and when a child's own walk is done,
//! move the cursor to that child's start. Time of a span not covered by the chosen children is
//! the span's own time on the path. Children that ran in parallel with a chosen child (they end
//! after the cursor) are skipped: they did not delay anything.
//!
//! Bad data is handled as follows:
//! - Several roots, or orphans whose parent was not stored, are all treated as top-level spans
//!   under one virtual window `[earliest root start, latest root end]`; time in that window that
//!   no top-level span covers is reported as unattributed (segments with no span).
//! - Clock skew: a child is clipped to its parent's interval before the walk, so a child that
//!   starts before or ends after its parent counts only for the overlap.
//! - A span whose end precedes its start has zero duration.
//! - Parent cycles are cut (see the tree module), so every span is visited once.
//!
//! The walk is iterative (an explicit stack), O(n log n) for the sort of each child list.

use serde::Serialize;

use flightdeck_model::{Span, SpanId, TraceId};

use crate::tree::{Links, NONE, SpanTree};

/// The critical path of one trace.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CriticalPath {
    /// The trace (of the first top-level span); `None` for an empty input.
    pub trace_id: Option<TraceId>,
    /// Start of the analysed window: the earliest start of a top-level span, ns since the epoch.
    pub start_ns: u64,
    /// End of the window: the latest end of a top-level span.
    pub end_ns: u64,
    /// `end_ns - start_ns`: the end-to-end latency being explained.
    pub total_ns: u64,
    /// Time in the window covered by no top-level span (between disconnected roots).
    pub unattributed_ns: u64,
    /// The spans on the path, in the order the path reaches them (by their first segment), each
    /// with the time it contributes itself.
    pub spans: Vec<CriticalSpan>,
    /// The path as contiguous time segments, in time order; they tile `[start_ns, end_ns]`.
    pub segments: Vec<CriticalSegment>,
}

/// One span on the critical path.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CriticalSpan {
    /// The span.
    pub span_id: SpanId,
    /// Its name.
    pub name: String,
    /// `service.name` of its resource.
    pub service: String,
    /// Its GenAI operation, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// Nanoseconds of the path spent in this span itself (not in a child on the path).
    pub self_ns: u64,
    /// `self_ns / total_ns` (0 when the total is 0).
    pub share: f64,
    /// Number of separate segments this span contributes (before, between and after children).
    pub segments: u32,
}

/// A contiguous piece of the critical path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CriticalSegment {
    /// The span doing the work; `None` for time no top-level span covered.
    pub span_id: Option<SpanId>,
    /// Segment start, ns since the epoch.
    pub start_ns: u64,
    /// Segment end.
    pub end_ns: u64,
}

/// One frame of the backward walk.
struct Frame {
    /// Position of the span, or `NONE` for the virtual window over the top-level spans.
    node: u32,
    /// Time up to which this span's path is still unexplained.
    cursor: u64,
    /// Next position in the span's children sorted by end time, latest first.
    next_child: usize,
}

/// Computes the critical path of the spans of one trace.
///
/// ```
/// # use flightdeck_analysis::critical_path;
/// let path = critical_path(&[]);
/// assert_eq!(path.total_ns, 0);
/// assert!(path.spans.is_empty());
/// ```
pub fn critical_path(spans: &[Span]) -> CriticalPath {
    let tree = SpanTree::new(spans, Links::Ignore);
    let n = tree.len();

    // Effective intervals, clipped top-down into the parent's interval.
    let mut start = vec![0u64; n];
    let mut end = vec![0u64; n];
    for &i in tree.preorder() {
        let s = tree.span(i);
        let (raw_start, raw_end) = (
            s.start_time_unix_nano,
            s.end_time_unix_nano.max(s.start_time_unix_nano),
        );
        let (a, b) = match tree.parent(i) {
            None => (raw_start, raw_end),
            Some(p) => {
                let (ps, pe) = (start[p as usize], end[p as usize]);
                let a = raw_start.clamp(ps, pe);
                (a, raw_end.clamp(a, pe))
            }
        };
        start[i as usize] = a;
        end[i as usize] = b;
    }

    let roots = tree.roots();
    let window_start = roots.iter().map(|&r| start[r as usize]).min().unwrap_or(0);
    let window_end = roots.iter().map(|&r| end[r as usize]).max().unwrap_or(0);

    // Children (and the top-level spans) sorted by end time, latest first; on equal ends the one
    // that started first, since it accounts for more of the waiting.
    let by_end_desc = |a: &u32, b: &u32| {
        (end[*b as usize], start[*a as usize], *a).cmp(&(end[*a as usize], start[*b as usize], *b))
    };
    let mut top: Vec<u32> = roots.to_vec();
    top.sort_unstable_by(by_end_desc);
    // Children of span `i` by end: `by_end[offset[i]..offset[i + 1]]`.
    let mut offset = Vec::with_capacity(n + 1);
    let mut by_end: Vec<u32> = Vec::with_capacity(n);
    offset.push(0usize);
    for i in 0..n as u32 {
        let from = by_end.len();
        by_end.extend_from_slice(tree.children(i));
        by_end[from..].sort_unstable_by(by_end_desc);
        offset.push(by_end.len());
    }
    let children_by_end = |node: u32| -> &[u32] {
        match node {
            NONE => &top,
            i => &by_end[offset[i as usize]..offset[i as usize + 1]],
        }
    };

    // The walk collects segments `(span or NONE, start, end)` backwards in time.
    let mut segments: Vec<(u32, u64, u64)> = Vec::new();
    let mut push = |node: u32, a: u64, b: u64| {
        if b <= a {
            return;
        }
        match segments.last_mut() {
            // Collected backwards: the previous segment is the one right after this one.
            Some(next) if next.0 == node && next.1 == b => next.1 = a,
            _ => segments.push((node, a, b)),
        }
    };
    let mut stack = vec![Frame {
        node: NONE,
        cursor: window_end,
        next_child: 0,
    }];
    while let Some(frame) = stack.last_mut() {
        let children = children_by_end(frame.node);
        while frame.next_child < children.len()
            && end[children[frame.next_child] as usize] > frame.cursor
        {
            frame.next_child += 1;
        }
        if let Some(&child) = children.get(frame.next_child) {
            let (cs, ce) = (start[child as usize], end[child as usize]);
            push(frame.node, ce, frame.cursor);
            frame.cursor = cs;
            frame.next_child += 1;
            stack.push(Frame {
                node: child,
                cursor: ce,
                next_child: 0,
            });
        } else {
            let own_start = match frame.node {
                NONE => window_start,
                i => start[i as usize],
            };
            push(frame.node, own_start, frame.cursor);
            stack.pop();
        }
    }
    segments.reverse();

    // Per-span totals, in the order the path reaches each span.
    let total_ns = window_end - window_start;
    let mut unattributed_ns = 0;
    let mut slot_of = vec![NONE; n];
    let mut on_path: Vec<CriticalSpan> = Vec::new();
    for &(node, a, b) in &segments {
        if node == NONE {
            unattributed_ns += b - a;
            continue;
        }
        if slot_of[node as usize] == NONE {
            slot_of[node as usize] = on_path.len() as u32;
            let s = tree.span(node);
            on_path.push(CriticalSpan {
                span_id: s.span_id,
                name: s.name.clone(),
                service: s.resource.service_name().to_owned(),
                operation: s.genai.operation.clone(),
                self_ns: 0,
                share: 0.0,
                segments: 0,
            });
        }
        let entry = &mut on_path[slot_of[node as usize] as usize];
        entry.self_ns += b - a;
        entry.segments += 1;
    }
    for s in &mut on_path {
        s.share = share(s.self_ns, total_ns);
    }
    let segments = segments
        .into_iter()
        .map(|(node, a, b)| CriticalSegment {
            span_id: (node != NONE).then(|| tree.span(node).span_id),
            start_ns: a,
            end_ns: b,
        })
        .collect();

    CriticalPath {
        trace_id: roots.first().map(|&r| tree.span(r).trace_id),
        start_ns: window_start,
        end_ns: window_end,
        total_ns,
        unattributed_ns,
        spans: on_path,
        segments,
    }
}

fn share(part: u64, total: u64) -> f64 {
    if total == 0 {
        0.0
    } else {
        part as f64 / total as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::testing::*;

    /// (span id, self ns) pairs of the path, in path order.
    fn summary(path: &CriticalPath) -> Vec<(u64, u64)> {
        path.spans
            .iter()
            .map(|s| (s.span_id.to_int(), s.self_ns))
            .collect()
    }

    /// Segments tile the window without gaps or overlaps, and self times add up to the total.
    fn assert_tiles(path: &CriticalPath) {
        let mut t = path.start_ns;
        for seg in &path.segments {
            assert_eq!(seg.start_ns, t, "gap or overlap at {t}: {path:#?}");
            assert!(seg.end_ns > seg.start_ns);
            t = seg.end_ns;
        }
        assert_eq!(t, path.end_ns);
        let sum: u64 = path.spans.iter().map(|s| s.self_ns).sum();
        assert_eq!(sum + path.unattributed_ns, path.total_ns);
    }

    /// Two parallel branches: the one that finishes last is critical, the other is skipped, and
    /// the parent owns the time before and after.
    #[test]
    fn parallel_branches() {
        // root 0..100; A 10..60 and B 10..80 in parallel; C 85..95 after both.
        let spans = vec![
            span(1, 0, "root", 0, 100),
            span(2, 1, "A", 10, 60),
            span(3, 1, "B", 10, 80),
            span(4, 1, "C", 85, 95),
        ];
        let path = critical_path(&spans);
        assert_tiles(&path);
        // root 0..10 (10) + B 10..80 (70) + root 80..85 (5) + C 85..95 (10) + root 95..100 (5).
        assert_eq!(summary(&path), vec![(1, 20), (3, 70), (4, 10)]);
        assert_eq!(path.total_ns, 100);
        assert_eq!(path.spans[0].segments, 3);
        assert!((path.spans[1].share - 0.7).abs() < 1e-12);
        assert_eq!(path.unattributed_ns, 0);
    }

    /// Sequential work after a parallel fan-out: after the last-finishing child, the walk looks
    /// for a child that ended before that child started, skipping overlapping ones.
    #[test]
    fn sequential_after_overlap() {
        // root 0..100: X 0..30, Y 20..50 (overlaps X), Z 40..100 (overlaps Y).
        // Z is last; before Z's start (40) the latest finisher is X (30), since Y ends at 50.
        let spans = vec![
            span(1, 0, "root", 0, 100),
            span(2, 1, "X", 0, 30),
            span(3, 1, "Y", 20, 50),
            span(4, 1, "Z", 40, 100),
        ];
        let path = critical_path(&spans);
        assert_tiles(&path);
        // X 0..30, root 30..40, Z 40..100.
        assert_eq!(summary(&path), vec![(2, 30), (1, 10), (4, 60)]);
    }

    /// Nested grandchildren: the path descends into the critical child's own critical child.
    #[test]
    fn nested() {
        // root 0..100 > agent 10..90 > (chat 20..50, tool 50..85 > http 55..80)
        let spans = vec![
            span(1, 0, "root", 0, 100),
            agent(2, 1, "a", 10, 90),
            chat(3, 2, "m", 20, 50, (1, 1)),
            tool(4, 2, "t", 50, 85),
            span(5, 4, "GET", 55, 80),
        ];
        let path = critical_path(&spans);
        assert_tiles(&path);
        // root 0..10, agent 10..20, chat 20..50, tool 50..55, GET 55..80, tool 80..85,
        // agent 85..90, root 90..100.
        assert_eq!(
            summary(&path),
            vec![(1, 20), (2, 15), (3, 30), (4, 10), (5, 25)]
        );
        assert_eq!(path.segments.len(), 8);
        assert_eq!(path.spans[2].operation.as_deref(), Some("chat"));
        assert_eq!(path.spans[0].service, "svc");
    }

    /// Clock skew: a child starting before and ending after its parent counts only inside the
    /// parent; a child entirely outside contributes nothing.
    #[test]
    fn clock_skew_is_clipped() {
        let spans = vec![
            span(1, 0, "root", 100, 200),
            span(2, 1, "skewed", 50, 250),
            span(3, 1, "outside", 300, 400),
        ];
        let path = critical_path(&spans);
        assert_tiles(&path);
        assert_eq!((path.start_ns, path.end_ns), (100, 200));
        assert_eq!(summary(&path), vec![(2, 100)]);
    }

    /// Several roots and an orphan share one window; uncovered time between them is
    /// unattributed.
    #[test]
    fn multiple_roots_and_orphans() {
        // root A 0..40 with child 10..30, orphan 60..100 (parent 99 not stored).
        let spans = vec![
            span(1, 0, "A", 0, 40),
            span(2, 1, "a1", 10, 30),
            span(3, 99, "orphan", 60, 100),
        ];
        let path = critical_path(&spans);
        assert_tiles(&path);
        assert_eq!(path.total_ns, 100);
        assert_eq!(path.unattributed_ns, 20);
        // A 0..10, a1 10..30, A 30..40, gap 40..60, orphan 60..100.
        assert_eq!(summary(&path), vec![(1, 20), (2, 20), (3, 40)]);
        assert_eq!(path.segments[3].span_id, None);
        assert!((path.spans[2].share - 0.4).abs() < 1e-12);
    }

    /// Zero-duration spans, inverted timestamps and a parent cycle neither panic nor break the
    /// tiling.
    #[test]
    fn degenerate_input() {
        let spans = vec![
            span(1, 0, "root", 0, 10),
            span(2, 1, "instant", 5, 5),
            span(3, 1, "inverted", 8, 2),
            span(4, 5, "cycle a", 1, 4),
            span(5, 4, "cycle b", 2, 3),
        ];
        let path = critical_path(&spans);
        assert_tiles(&path);
        // Cycle a (1..4) is cut loose and becomes a second root inside 0..10; root ends last.
        assert_eq!(summary(&path), vec![(1, 10)]);

        let empty = critical_path(&[]);
        assert_eq!(empty.total_ns, 0);
        assert!(empty.segments.is_empty());
        let zero = critical_path(&[span(1, 0, "zero", 7, 7)]);
        assert_eq!(zero.total_ns, 0);
        assert!(zero.spans.is_empty());
    }

    /// A 10,000-deep chain (each span 1 ns inside its parent on both sides): no recursion
    /// overflow, and every span contributes exactly 2 ns except the innermost.
    #[test]
    fn deep_chain() {
        let depth = 10_000u64;
        let spans: Vec<Span> = (1..=depth)
            .map(|i| span(i, i - 1, "s", i, 3 * depth - i))
            .collect();
        let path = critical_path(&spans);
        assert_tiles(&path);
        assert_eq!(path.spans.len(), depth as usize);
        assert_eq!(path.spans[0].self_ns, 2);
        // Innermost span: depth..2*depth.
        assert_eq!(path.spans[depth as usize - 1].self_ns, depth);
    }
}
