//! Two traces side by side: which spans were added or are missing, which got slower or faster,
//! used more tokens, cost more, changed status or model.
//!
//! # Matching
//!
//! Spans are matched by structural signature: the path of names from the root, plus the
//! occurrence index among siblings with the same name (the third `execute_tool search` under an
//! agent matches the third one in the other run). Names are normalized first so that dynamic
//! parts do not break the match: UUIDs, hex ids of 8+ characters, numbers, and long mixed
//! letter-digit ids (`call_mszuSIzqtI65i1wAUOE8w5H4`) become placeholders, and a model call is
//! named by its operation alone (`chat`), so a run on another model still lines up and the
//! model change is reported instead.
//!
//! A span whose parent is unmatched is unmatched too; added and missing spans are reported by
//! their top-most span, with the size of the subtree.

use foldhash::{HashMap, HashMapExt};
use std::time::Duration;

use serde::Serialize;

use flightdeck_model::{Span, SpanId, StatusCode, TraceId};

use crate::classify;
use crate::tree::{Links, NONE, SpanTree};

/// Path components shown in [`SpanChange::path`] and [`SubtreeChange::path`] (the rest is
/// elided from the root side).
const PATH_COMPONENTS: usize = 8;

/// Thresholds of the diff.
#[derive(Debug, Clone, PartialEq)]
pub struct DiffConfig {
    /// A matched span is slower or faster only if its duration changed by at least this much...
    pub min_duration_change: Duration,
    /// ...and by at least this fraction of its duration in trace A.
    pub min_duration_ratio: f64,
    /// At most this many entries in each of `added`, `missing` and `changed`.
    pub max_entries: usize,
}

impl Default for DiffConfig {
    fn default() -> Self {
        DiffConfig {
            min_duration_change: Duration::from_millis(1),
            min_duration_ratio: 0.2,
            max_entries: 500,
        }
    }
}

/// The difference between trace A (the baseline) and trace B.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TraceDiff {
    /// Totals of trace A.
    pub a: TraceSide,
    /// Totals of trace B.
    pub b: TraceSide,
    /// Spans matched between the two.
    pub matched: u64,
    /// Spans only in B (all of them, not only the top-most).
    pub added_spans: u64,
    /// Spans only in A.
    pub missing_spans: u64,
    /// Matched spans that got slower beyond the thresholds.
    pub slower: u64,
    /// Matched spans that got faster beyond the thresholds.
    pub faster: u64,
    /// Subtrees only in B, by their top-most span, in B's tree order.
    pub added: Vec<SubtreeChange>,
    /// Subtrees only in A, by their top-most span, in A's tree order.
    pub missing: Vec<SubtreeChange>,
    /// Matched spans with any change, in A's tree order.
    pub changed: Vec<SpanChange>,
    /// Entries left out of the three lists because of [`DiffConfig::max_entries`].
    pub omitted: u64,
}

/// Totals of one side.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TraceSide {
    /// The trace (`None` for no spans).
    pub trace_id: Option<TraceId>,
    /// Spans.
    pub spans: u64,
    /// Latest end minus earliest start, ns.
    pub duration_ns: u64,
    /// Failed spans.
    pub errors: u64,
    /// Input tokens (model calls and custom operations; see the conversation module).
    pub input_tokens: u64,
    /// Output tokens.
    pub output_tokens: u64,
    /// Cost in US dollars.
    pub cost_usd: f64,
}

/// A subtree present on one side only.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubtreeChange {
    /// Its top-most span.
    pub span_id: SpanId,
    /// That span's name.
    pub name: String,
    /// Normalized path from the root, e.g. `POST /ask > invoke_agent planner > chat`.
    pub path: String,
    /// Spans in the subtree.
    pub spans: u64,
    /// Duration of the top-most span, ns.
    pub duration_ns: u64,
}

/// A matched span that changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpanChange {
    /// Normalized path from the root.
    pub path: String,
    /// The span's name in B.
    pub name: String,
    /// The span in A.
    pub a_span_id: SpanId,
    /// The span in B.
    pub b_span_id: SpanId,
    /// Duration change beyond the thresholds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<DurationChange>,
    /// Input token change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_tokens: Option<ValueChange<i64>>,
    /// Output token change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_tokens: Option<ValueChange<i64>>,
    /// Cost change, USD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_usd: Option<ValueChange<f64>>,
    /// Status change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<ValueChange<StatusCode>>,
    /// Model change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<ValueChange<String>>,
}

/// A value in A and in B (`None` when not reported).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueChange<T> {
    /// In A.
    pub a: Option<T>,
    /// In B.
    pub b: Option<T>,
}

/// A duration that changed beyond the thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DurationChange {
    /// Duration in A, ns.
    pub a_ns: u64,
    /// Duration in B, ns.
    pub b_ns: u64,
    /// `b_ns - a_ns`.
    pub delta_ns: i64,
    /// `b_ns / a_ns` (`None` when `a_ns` is 0).
    pub ratio: Option<f64>,
    /// `slower` or `faster`.
    pub direction: Direction,
}

/// Which way a duration moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// B took longer.
    Slower,
    /// B was quicker.
    Faster,
}

/// Compares trace `b` against trace `a`.
///
/// ```
/// use flightdeck_analysis::diff::{DiffConfig, diff_traces};
/// let d = diff_traces(&[], &[], &DiffConfig::default());
/// assert_eq!(d.matched, 0);
/// ```
pub fn diff_traces(a: &[Span], b: &[Span], config: &DiffConfig) -> TraceDiff {
    let ta = SpanTree::new(a, Links::Ignore);
    let tb = SpanTree::new(b, Links::Ignore);
    let (names_a, names_b) = (names(&ta), names(&tb));

    // Signatures of A: (parent signature, name, occurrence) -> signature, one per span.
    let mut interner: HashMap<(u32, &str, u32), u32> = HashMap::with_capacity(ta.len());
    let mut sig_a = vec![NONE; ta.len()];
    let mut span_of_sig: Vec<u32> = Vec::with_capacity(ta.len());
    let mut occurrence: HashMap<(u32, &str), u32> = HashMap::new();
    for &i in ta.preorder() {
        let parent = ta.parent(i).map_or(NONE, |p| sig_a[p as usize]);
        let name = names_a[i as usize].as_str();
        let k = next_occurrence(&mut occurrence, ta.parent(i), name);
        let sig = span_of_sig.len() as u32;
        interner.insert((parent, name, k), sig);
        span_of_sig.push(i);
        sig_a[i as usize] = sig;
    }

    // Match B against them.
    let mut match_of_b = vec![NONE; tb.len()];
    let mut matched_a = vec![false; ta.len()];
    let mut occurrence: HashMap<(u32, &str), u32> = HashMap::new();
    for &i in tb.preorder() {
        let name = names_b[i as usize].as_str();
        let k = next_occurrence(&mut occurrence, tb.parent(i), name);
        let parent_sig = match tb.parent(i) {
            None => NONE,
            Some(p) => match match_of_b[p as usize] {
                NONE => continue, // under an added span: added too
                pa => sig_a[pa as usize],
            },
        };
        if let Some(&sig) = interner.get(&(parent_sig, name, k)) {
            let ia = span_of_sig[sig as usize];
            match_of_b[i as usize] = ia;
            matched_a[ia as usize] = true;
        }
    }

    let mut diff = TraceDiff {
        a: side(a),
        b: side(b),
        matched: matched_a.iter().filter(|m| **m).count() as u64,
        added_spans: match_of_b.iter().filter(|m| **m == NONE).count() as u64,
        missing_spans: matched_a.iter().filter(|m| !**m).count() as u64,
        slower: 0,
        faster: 0,
        added: Vec::new(),
        missing: Vec::new(),
        changed: Vec::new(),
        omitted: 0,
    };

    let sizes_b = subtree_sizes(&tb);
    for &i in tb.preorder() {
        let top = tb.parent(i).is_none_or(|p| match_of_b[p as usize] != NONE);
        if match_of_b[i as usize] == NONE && top {
            push_capped(
                &mut diff.added,
                &mut diff.omitted,
                config.max_entries,
                || subtree(&tb, &names_b, &sizes_b, i),
            );
        }
    }
    let sizes_a = subtree_sizes(&ta);
    let mut b_of_a = vec![NONE; ta.len()];
    for (ib, &ia) in match_of_b.iter().enumerate() {
        if ia != NONE {
            b_of_a[ia as usize] = ib as u32;
        }
    }
    for &i in ta.preorder() {
        let ib = b_of_a[i as usize];
        if ib == NONE {
            if ta.parent(i).is_none_or(|p| matched_a[p as usize]) {
                push_capped(
                    &mut diff.missing,
                    &mut diff.omitted,
                    config.max_entries,
                    || subtree(&ta, &names_a, &sizes_a, i),
                );
            }
            continue;
        }
        let Some(change) = compare(&ta, &names_a, i, tb.span(ib), config) else {
            continue;
        };
        match change.duration.map(|d| d.direction) {
            Some(Direction::Slower) => diff.slower += 1,
            Some(Direction::Faster) => diff.faster += 1,
            None => {}
        }
        push_capped(
            &mut diff.changed,
            &mut diff.omitted,
            config.max_entries,
            || change,
        );
    }
    diff
}

fn push_capped<T>(list: &mut Vec<T>, omitted: &mut u64, cap: usize, item: impl FnOnce() -> T) {
    if list.len() < cap {
        list.push(item());
    } else {
        *omitted += 1;
    }
}

/// The occurrence index of `name` among the children of `parent` seen so far (roots share one
/// sibling group).
fn next_occurrence<'n>(
    seen: &mut HashMap<(u32, &'n str), u32>,
    parent: Option<u32>,
    name: &'n str,
) -> u32 {
    let slot = seen.entry((parent.unwrap_or(NONE), name)).or_insert(0);
    let k = *slot;
    *slot += 1;
    k
}

fn side(spans: &[Span]) -> TraceSide {
    let mut s = TraceSide {
        trace_id: spans.first().map(|x| x.trace_id),
        spans: spans.len() as u64,
        duration_ns: 0,
        errors: 0,
        input_tokens: 0,
        output_tokens: 0,
        cost_usd: 0.0,
    };
    let start = spans.iter().map(|x| x.start_time_unix_nano).min();
    let end = spans.iter().map(|x| x.end_time_unix_nano).max();
    if let (Some(start), Some(end)) = (start, end) {
        s.duration_ns = end.saturating_sub(start);
    }
    let tokens = |v: Option<i64>| v.map_or(0, |v| u64::try_from(v).unwrap_or(0));
    for span in spans {
        s.errors += u64::from(classify::is_failed(span));
        if classify::counts_usage(span) {
            s.input_tokens += tokens(span.genai.usage.input_tokens);
            s.output_tokens += tokens(span.genai.usage.output_tokens);
            s.cost_usd += span.genai.cost.as_ref().map_or(0.0, |c| c.total);
        }
    }
    s
}

fn subtree_sizes(tree: &SpanTree<'_>) -> Vec<u64> {
    let mut size = vec![1u64; tree.len()];
    for &i in tree.preorder().iter().rev() {
        if let Some(p) = tree.parent(i) {
            size[p as usize] += size[i as usize];
        }
    }
    size
}

fn subtree(tree: &SpanTree<'_>, names: &[String], sizes: &[u64], i: u32) -> SubtreeChange {
    let s = tree.span(i);
    SubtreeChange {
        span_id: s.span_id,
        name: s.name.clone(),
        path: path(tree, names, i),
        spans: sizes[i as usize],
        duration_ns: s.duration_nanos(),
    }
}

/// The normalized names from the root to `i`, the last [`PATH_COMPONENTS`] of them.
fn path(tree: &SpanTree<'_>, names: &[String], i: u32) -> String {
    let mut parts: Vec<&str> = Vec::with_capacity(PATH_COMPONENTS);
    let mut cur = Some(i);
    let mut elided = false;
    while let Some(x) = cur {
        if parts.len() == PATH_COMPONENTS {
            elided = true;
            break;
        }
        parts.push(&names[x as usize]);
        cur = tree.parent(x);
    }
    parts.reverse();
    let joined = parts.join(" > ");
    if elided {
        format!("… > {joined}")
    } else {
        joined
    }
}

fn compare(
    ta: &SpanTree<'_>,
    names_a: &[String],
    ia: u32,
    b: &Span,
    config: &DiffConfig,
) -> Option<SpanChange> {
    let a = ta.span(ia);
    let (da, db) = (a.duration_nanos(), b.duration_nanos());
    let delta = i128::from(db) - i128::from(da);
    let min_abs = config.min_duration_change.as_nanos() as i128;
    let big_enough = delta.unsigned_abs() as i128 >= min_abs
        && (da == 0 || delta.unsigned_abs() as f64 >= config.min_duration_ratio * da as f64);
    let duration = (delta != 0 && big_enough).then(|| DurationChange {
        a_ns: da,
        b_ns: db,
        delta_ns: i64::try_from(delta).unwrap_or(if delta > 0 { i64::MAX } else { i64::MIN }),
        ratio: (da > 0).then(|| db as f64 / da as f64),
        direction: if delta > 0 {
            Direction::Slower
        } else {
            Direction::Faster
        },
    });
    let changed = |x: Option<i64>, y: Option<i64>| (x != y).then_some(ValueChange { a: x, b: y });
    let (ua, ub) = (&a.genai.usage, &b.genai.usage);
    let (ca, cb) = (
        a.genai.cost.as_ref().map(|c| c.total),
        b.genai.cost.as_ref().map(|c| c.total),
    );
    let cost_changed = match (ca, cb) {
        (Some(x), Some(y)) => (x - y).abs() > 1e-12,
        (x, y) => x.is_some() != y.is_some(),
    };
    let (ma, mb) = (a.genai.model(), b.genai.model());
    let change = SpanChange {
        path: path(ta, names_a, ia),
        name: b.name.clone(),
        a_span_id: a.span_id,
        b_span_id: b.span_id,
        duration,
        input_tokens: changed(ua.input_tokens, ub.input_tokens),
        output_tokens: changed(ua.output_tokens, ub.output_tokens),
        cost_usd: cost_changed.then_some(ValueChange { a: ca, b: cb }),
        status: (a.status.code != b.status.code).then_some(ValueChange {
            a: Some(a.status.code),
            b: Some(b.status.code),
        }),
        model: (ma != mb).then(|| ValueChange {
            a: ma.map(str::to_owned),
            b: mb.map(str::to_owned),
        }),
    };
    let any = change.duration.is_some()
        || change.input_tokens.is_some()
        || change.output_tokens.is_some()
        || change.cost_usd.is_some()
        || change.status.is_some()
        || change.model.is_some();
    any.then_some(change)
}

/// The normalized name of every span of a tree.
fn names(tree: &SpanTree<'_>) -> Vec<String> {
    (0..tree.len() as u32)
        .map(|i| signature_name(tree.span(i)))
        .collect()
}

/// The name a span is matched by (see the module docs).
pub(crate) fn signature_name(span: &Span) -> String {
    if let Some(op) = classify::operation(span).filter(|op| classify::is_model_call(op)) {
        return op.to_owned();
    }
    normalize_name(&span.name)
}

/// Characters that separate tokens of a span name.
fn is_separator(c: char) -> bool {
    c.is_whitespace() || "/?&=:,;#@()[]{}<>\"'|".contains(c)
}

/// Replaces the dynamic parts of a name with placeholders: `{uuid}`, `{hex}`, `{n}`, `{id}`.
pub(crate) fn normalize_name(name: &str) -> String {
    // Every placeholder stands for something with a digit in it.
    if !name.bytes().any(|c| c.is_ascii_digit()) {
        return name.to_owned();
    }
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    while !rest.is_empty() {
        let token_len = rest.find(is_separator).unwrap_or(rest.len());
        if token_len == 0 {
            // One separator character, copied as is.
            let c_len = rest.chars().next().map_or(1, char::len_utf8);
            out.push_str(&rest[..c_len]);
            rest = &rest[c_len..];
            continue;
        }
        normalize_token(&rest[..token_len], &mut out);
        rest = &rest[token_len..];
    }
    out
}

fn normalize_token(token: &str, out: &mut String) {
    // UUIDs anywhere in the token first (their 4-character groups would survive part rules).
    let mut rest = token;
    while let Some(at) = find_uuid(rest) {
        normalize_parts(&rest[..at], out);
        out.push_str("{uuid}");
        rest = &rest[at + 36..];
    }
    normalize_parts(rest, out);
}

fn find_uuid(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    (0..b.len().saturating_sub(35)).find(|&at| {
        b[at..at + 36].iter().enumerate().all(|(k, &c)| match k {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
    })
}

/// Splits on `-` and `_` and replaces numeric, long hex and long mixed letter-digit parts.
fn normalize_parts(s: &str, out: &mut String) {
    let mut start = 0;
    for (i, c) in s.char_indices() {
        if c == '-' || c == '_' {
            out.push_str(placeholder(&s[start..i]).unwrap_or(&s[start..i]));
            out.push(c);
            start = i + 1;
        }
    }
    out.push_str(placeholder(&s[start..]).unwrap_or(&s[start..]));
}

fn placeholder(part: &str) -> Option<&'static str> {
    let has_digit = part.bytes().any(|c| c.is_ascii_digit());
    if part.is_empty() || !has_digit {
        return None;
    }
    if part.bytes().all(|c| c.is_ascii_digit()) {
        Some("{n}")
    } else if part.len() >= 8 && part.bytes().all(|c| c.is_ascii_hexdigit()) {
        Some("{hex}")
    } else if part.len() >= 12
        && part.bytes().all(|c| c.is_ascii_alphanumeric())
        && part.bytes().any(|c| c.is_ascii_alphabetic())
    {
        Some("{id}")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::testing::*;
    use flightdeck_model::Cost;

    const MS: u64 = 1_000_000;

    /// Dynamic parts become placeholders; model names, versions and words stay.
    #[test]
    fn name_normalization() {
        let cases = [
            ("GET /users/12345/orders", "GET /users/{n}/orders"),
            (
                "GET /session/3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b",
                "GET /session/{uuid}",
            ),
            ("job-3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b", "job-{uuid}"),
            (
                "execute_tool call_mszuSIzqtI65i1wAUOE8w5H4",
                "execute_tool call_{id}",
            ),
            ("fetch 4bf92f3577b34da6", "fetch {hex}"),
            ("chat gpt-4o-2024-08-06", "chat gpt-4o-{n}-{n}-{n}"),
            ("invoke_agent planner", "invoke_agent planner"),
            ("gpt-3.5-turbo", "gpt-3.5-turbo"),
            ("POST /v1/chat/completions", "POST /v1/chat/completions"),
            ("déjà vu 42", "déjà vu {n}"),
            ("", ""),
        ];
        for (input, expected) in cases {
            assert_eq!(normalize_name(input), expected, "{input}");
        }
    }

    fn run_a() -> Vec<Span> {
        vec![
            span(1, 0, "POST /ask/1001", 0, 1_000 * MS),
            agent(2, 1, "planner", 10 * MS, 990 * MS),
            chat(3, 2, "gpt-4o", 20 * MS, 120 * MS, (100, 10)),
            tool(4, 2, "search", 130 * MS, 230 * MS),
            tool(5, 2, "search", 240 * MS, 300 * MS),
            span(6, 5, "GET /q", 250 * MS, 290 * MS),
            chat(7, 2, "gpt-4o", 340 * MS, 540 * MS, (200, 20)),
        ]
    }

    /// Run B: a third search (with its HTTP span) is added, the first model call went to another
    /// model (matched by operation, the model and cost change reported), the first search and
    /// the enclosing spans got slower, and the second model call failed with more input tokens.
    #[test]
    fn structural_diff() {
        let a = run_a();
        let mut b: Vec<Span> = vec![
            in_trace(span(11, 0, "POST /ask/2002", 0, 1_500 * MS), 2),
            in_trace(agent(12, 11, "planner", 10 * MS, 1_490 * MS), 2),
            in_trace(chat(13, 12, "claude-x", 20 * MS, 120 * MS, (100, 10)), 2),
            in_trace(tool(14, 12, "search", 130 * MS, 530 * MS), 2),
            in_trace(tool(15, 12, "search", 540 * MS, 600 * MS), 2),
            in_trace(span(16, 15, "GET /q", 550 * MS, 590 * MS), 2),
            in_trace(
                failed(chat(17, 12, "gpt-4o", 640 * MS, 840 * MS, (900, 20))),
                2,
            ),
            in_trace(tool(18, 12, "search", 850 * MS, 900 * MS), 2),
            in_trace(span(19, 18, "GET /q", 860 * MS, 890 * MS), 2),
        ];
        b[2].genai.cost = Some(Cost {
            total: 0.5,
            ..Cost::default()
        });
        let d = diff_traces(&a, &b, &DiffConfig::default());
        assert_eq!((d.matched, d.added_spans, d.missing_spans), (7, 2, 0));
        assert_eq!(d.a.duration_ns, 1_000 * MS);
        assert_eq!(d.b.duration_ns, 1_500 * MS);
        assert_eq!((d.a.input_tokens, d.b.input_tokens), (300, 1_000));

        assert_eq!(d.added.len(), 1);
        assert_eq!(d.added[0].span_id.to_int(), 18);
        assert_eq!(d.added[0].spans, 2);
        assert_eq!(
            d.added[0].path,
            "POST /ask/{n} > invoke_agent planner > execute_tool search"
        );

        let by_b: HashMap<u64, &SpanChange> = d
            .changed
            .iter()
            .map(|c| (c.b_span_id.to_int(), c))
            .collect();
        // Root and agent: 500 ms slower.
        assert_eq!(by_b[&11].duration.unwrap().delta_ns, 500 * MS as i64);
        assert_eq!(by_b[&11].duration.unwrap().direction, Direction::Slower);
        // First chat: other model, now priced.
        let c13 = by_b[&13];
        assert_eq!(c13.model.as_ref().unwrap().b.as_deref(), Some("claude-x"));
        assert_eq!(c13.cost_usd.as_ref().unwrap().b, Some(0.5));
        assert!(c13.duration.is_none());
        // First search: 100 -> 400 ms.
        let c14 = by_b[&14].duration.unwrap();
        assert_eq!((c14.a_ns, c14.b_ns), (100 * MS, 400 * MS));
        assert_eq!(c14.ratio, Some(4.0));
        // Second chat: failed, 900 input tokens instead of 200.
        let c17 = by_b[&17];
        assert_eq!(c17.status.as_ref().unwrap().b, Some(StatusCode::Error));
        assert_eq!(c17.input_tokens.as_ref().unwrap().a, Some(200));
        assert_eq!(c17.input_tokens.as_ref().unwrap().b, Some(900));
        assert!(c17.output_tokens.is_none());
        // The second search and its GET are unchanged.
        assert!(!by_b.contains_key(&15) && !by_b.contains_key(&16));
        assert_eq!((d.slower, d.faster), (3, 0));
        assert_eq!(d.changed.len(), 5);
    }

    /// Swapping the sides reports the added subtree as missing and slower as faster.
    #[test]
    fn swapped_sides() {
        let a = run_a();
        let mut b = run_a();
        b.truncate(4); // drop the second search, its GET and the second chat
        b[3].end_time_unix_nano = 180 * MS; // search 100 -> 50 ms
        let d = diff_traces(&a, &b, &DiffConfig::default());
        assert_eq!((d.matched, d.missing_spans, d.added_spans), (4, 3, 0));
        let missing: Vec<(u64, u64)> = d
            .missing
            .iter()
            .map(|m| (m.span_id.to_int(), m.spans))
            .collect();
        assert_eq!(missing, vec![(5, 2), (7, 1)]);
        assert_eq!((d.slower, d.faster), (0, 1));
        assert_eq!(d.changed[0].duration.unwrap().direction, Direction::Faster);
    }

    /// Small changes stay below the thresholds; the entry cap counts what it leaves out.
    #[test]
    fn thresholds_and_cap() {
        let a = run_a();
        let mut b = run_a();
        for s in &mut b {
            // +5% everywhere: above 1 ms for most spans but below the 20% ratio.
            s.end_time_unix_nano += (s.end_time_unix_nano - s.start_time_unix_nano) / 20;
        }
        let d = diff_traces(&a, &b, &DiffConfig::default());
        assert!(d.changed.is_empty(), "{:#?}", d.changed);

        let b: Vec<Span> = (1..=10u64)
            .map(|k| span(100 + k, 0, &format!("extra {k}"), 0, 1))
            .collect();
        let config = DiffConfig {
            max_entries: 3,
            ..DiffConfig::default()
        };
        let d = diff_traces(&a, &b, &config);
        assert_eq!(d.added.len(), 3);
        assert_eq!(d.missing.len(), 1);
        assert_eq!(d.omitted, 7);
        // "extra {n}" 10 times: one name, occurrences 0..9.
        assert_eq!(d.added[0].path, "extra {n}");
    }

    /// Deep paths are shortened from the root side.
    #[test]
    fn long_paths_are_elided() {
        let a: Vec<Span> = (1..=20u64)
            .map(|k| span(k, k - 1, "s", k, 100 - k))
            .collect();
        let d = diff_traces(&a, &a[..10], &DiffConfig::default());
        assert_eq!(d.missing.len(), 1);
        assert_eq!(d.missing[0].span_id.to_int(), 11);
        assert_eq!(d.missing[0].spans, 10);
        assert_eq!(d.missing[0].path, "… > s > s > s > s > s > s > s > s");
    }
}
