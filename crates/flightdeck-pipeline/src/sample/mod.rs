//! The tail sampler: holds each trace's spans (and log records) for a decision window after its
//! last item, then keeps or drops the whole trace by policies.
//!
//! - Buffered items are held encoded and compressed ([`codec`]), with resources interned once.
//! - Memory is bounded by `max_traces` and `max_buffered_bytes`: past either, the oldest undecided
//!   traces are decided early (by the same policies) and counted — never dropped unseen.
//! - Late items of a decided trace follow the remembered decision.
//! - Every decision, kept and dropped trace, span and log record is counted per policy.
//!
//! The sampler itself runs no threads and reads time from an injected [`Clock`]: the runner calls
//! [`TailSampler::accept`] on ingest threads and [`TailSampler::tick`] from its ticker thread,
//! and writes what they return.

mod clock;
mod codec;
mod config;
mod policy;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use flightdeck_model::{LogRecord, Resource, Scope, Span, TraceId};
use serde::Serialize;

pub use clock::{Clock, ManualClock, SystemClock};
pub use codec::CodecError;
pub use config::{Action, PolicyConfig, SampleConfig};
pub use policy::{MAX_POLICIES, SampleConfigError};

use codec::{Chunk, Lookup, RefHash};
use policy::{Policies, Summary};

/// Spans and log records the sampler passes on: kept traces, and late items of kept traces.
#[derive(Debug, Default)]
pub struct Released {
    /// Spans to store / forward.
    pub spans: Vec<Span>,
    /// Log records to store / forward.
    pub logs: Vec<LogRecord>,
}

impl Released {
    /// True when there is nothing to pass on.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty() && self.logs.is_empty()
    }
}

/// Counters of one policy (the last entry of a snapshot is `unmatched`: traces no policy
/// matched, which are dropped).
#[derive(Debug, Default)]
struct PolicyCounters {
    kept_traces: AtomicU64,
    dropped_traces: AtomicU64,
    kept_spans: AtomicU64,
    dropped_spans: AtomicU64,
    kept_logs: AtomicU64,
    dropped_logs: AtomicU64,
}

/// Counters of the sampler, registered once at build.
#[derive(Debug)]
pub struct SampleStats {
    names: Vec<(String, &'static str)>,
    policies: Vec<PolicyCounters>,
    buffered_traces: AtomicU64,
    buffered_spans: AtomicU64,
    buffered_logs: AtomicU64,
    buffered_bytes: AtomicU64,
    decisions: AtomicU64,
    early_decisions: AtomicU64,
    shutdown_decisions: AtomicU64,
    late_spans_kept: AtomicU64,
    late_spans_dropped: AtomicU64,
    late_logs_kept: AtomicU64,
    late_logs_dropped: AtomicU64,
    untraced_logs: AtomicU64,
    decode_errors: AtomicU64,
    spans_lost: AtomicU64,
}

/// What is buffered right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Buffered {
    /// Undecided traces.
    pub traces: u64,
    /// Their spans.
    pub spans: u64,
    /// Their log records.
    pub logs: u64,
    /// Bytes held (compressed items, interned resources, bookkeeping).
    pub bytes: u64,
}

/// Totals of traces, spans and log records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Traces.
    pub traces: u64,
    /// Spans.
    pub spans: u64,
    /// Log records.
    pub logs: u64,
}

/// Decisions of one policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicySnapshot {
    /// The policy's name (`unmatched` for traces no policy matched).
    pub name: String,
    /// The policy's type.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// What it kept.
    pub kept: Counts,
    /// What it dropped.
    pub dropped: Counts,
}

/// Late items: arrived after their trace was decided, and followed the decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Late {
    /// Spans passed on because their trace was kept.
    pub spans_kept: u64,
    /// Spans dropped because their trace was dropped.
    pub spans_dropped: u64,
    /// Log records passed on.
    pub logs_kept: u64,
    /// Log records dropped.
    pub logs_dropped: u64,
}

/// A snapshot of [`SampleStats`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SampleSnapshot {
    /// Held now.
    pub buffered: Buffered,
    /// Traces decided so far.
    pub decisions: u64,
    /// Of those, decided before their window ended because a memory cap was hit.
    pub early_decisions: u64,
    /// Of those, decided at shutdown.
    pub shutdown_decisions: u64,
    /// Kept in total.
    pub kept: Counts,
    /// Dropped in total (by policy decision, including late items).
    pub dropped: Counts,
    /// Late items.
    pub late: Late,
    /// Log records without a trace id, passed on unsampled.
    pub untraced_logs: u64,
    /// Per policy, in order, then `unmatched`.
    pub policies: Vec<PolicySnapshot>,
    /// Buffered chunks that could not be read back (their spans are counted in `spans_lost`).
    pub decode_errors: u64,
    /// Spans lost to decode errors (expected 0).
    pub spans_lost: u64,
}

fn load(a: &AtomicU64) -> u64 {
    a.load(Ordering::Relaxed)
}

impl SampleStats {
    /// A snapshot of the counters.
    pub fn snapshot(&self) -> SampleSnapshot {
        let mut kept = Counts::default();
        let mut dropped = Counts::default();
        let policies = self
            .names
            .iter()
            .zip(&self.policies)
            .map(|((name, kind), c)| {
                let k = Counts {
                    traces: load(&c.kept_traces),
                    spans: load(&c.kept_spans),
                    logs: load(&c.kept_logs),
                };
                let d = Counts {
                    traces: load(&c.dropped_traces),
                    spans: load(&c.dropped_spans),
                    logs: load(&c.dropped_logs),
                };
                kept.traces += k.traces;
                kept.spans += k.spans;
                kept.logs += k.logs;
                dropped.traces += d.traces;
                dropped.spans += d.spans;
                dropped.logs += d.logs;
                PolicySnapshot {
                    name: name.clone(),
                    kind,
                    kept: k,
                    dropped: d,
                }
            })
            .collect();
        let late = Late {
            spans_kept: load(&self.late_spans_kept),
            spans_dropped: load(&self.late_spans_dropped),
            logs_kept: load(&self.late_logs_kept),
            logs_dropped: load(&self.late_logs_dropped),
        };
        kept.spans += late.spans_kept;
        kept.logs += late.logs_kept;
        dropped.spans += late.spans_dropped;
        dropped.logs += late.logs_dropped;
        SampleSnapshot {
            buffered: Buffered {
                traces: load(&self.buffered_traces),
                spans: load(&self.buffered_spans),
                logs: load(&self.buffered_logs),
                bytes: load(&self.buffered_bytes),
            },
            decisions: load(&self.decisions),
            early_decisions: load(&self.early_decisions),
            shutdown_decisions: load(&self.shutdown_decisions),
            kept,
            dropped,
            late,
            untraced_logs: load(&self.untraced_logs),
            policies,
            decode_errors: load(&self.decode_errors),
            spans_lost: load(&self.spans_lost),
        }
    }
}

/// One undecided trace.
#[derive(Debug)]
struct Entry {
    seq: u64,
    last_seen: Duration,
    chunks: Vec<Chunk>,
    summary: Summary,
    spans: u64,
    logs: u64,
    bytes: usize,
}

/// Bookkeeping bytes per buffered trace: the map slot, the entry, its two queue entries.
const ENTRY_OVERHEAD: usize = std::mem::size_of::<(TraceId, Entry)>()
    + 16
    + std::mem::size_of::<(Duration, TraceId)>()
    + std::mem::size_of::<(u64, TraceId)>();
/// Bookkeeping bytes per chunk, on top of its payload: the struct and allocator slack.
const CHUNK_OVERHEAD: usize = std::mem::size_of::<Chunk>() + 32;

/// An interned resource or scope with the number of chunks that refer to it.
struct Interned<T> {
    value: Arc<T>,
    refs: u32,
    bytes: usize,
}

#[derive(Default)]
struct State {
    traces: HashMap<TraceId, Entry>,
    /// Traces in creation order (stale pairs are skipped): who is decided early.
    by_age: VecDeque<(u64, TraceId)>,
    /// (deadline, trace) in nondecreasing deadline order (stale pairs are skipped).
    due: VecDeque<(Duration, TraceId)>,
    decided: HashMap<TraceId, bool>,
    decided_order: VecDeque<TraceId>,
    resources: HashMap<RefHash, Interned<Resource>>,
    scopes: HashMap<RefHash, Interned<Scope>>,
    bytes: usize,
    spans: u64,
    logs: u64,
    next_seq: u64,
}

/// A trace taken out of the buffer to be passed on, with the resources its chunks refer to.
struct Taken {
    trace: TraceId,
    chunks: Vec<Chunk>,
    spans: u64,
    resources: Vec<(RefHash, Arc<Resource>)>,
    scopes: Vec<(RefHash, Arc<Scope>)>,
}

impl Lookup for Taken {
    fn resource(&self, hash: RefHash) -> Option<Arc<Resource>> {
        self.resources
            .iter()
            .find(|(h, _)| *h == hash)
            .map(|(_, r)| Arc::clone(r))
    }
    fn scope(&self, hash: RefHash) -> Option<Arc<Scope>> {
        self.scopes
            .iter()
            .find(|(h, _)| *h == hash)
            .map(|(_, s)| Arc::clone(s))
    }
}

/// Items of one trace from one request, encoded outside the lock.
struct Prepared {
    trace: TraceId,
    spans: Vec<Span>,
    logs: Vec<LogRecord>,
    chunk: Chunk,
    refs: codec::Refs,
    summary: Summary,
}

/// Why a decision was taken now.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Why {
    Due,
    Early,
    Shutdown,
}

/// The tail sampler.
pub struct TailSampler {
    config: SampleConfig,
    policies: Policies,
    clock: Arc<dyn Clock>,
    state: Mutex<State>,
    stats: Arc<SampleStats>,
}

impl std::fmt::Debug for TailSampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TailSampler")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

fn lock(m: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    match m.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

impl TailSampler {
    /// Validates the configuration and compiles the policies.
    pub fn new(
        config: &SampleConfig,
        clock: Arc<dyn Clock>,
    ) -> Result<TailSampler, SampleConfigError> {
        if config.max_traces == 0 {
            return Err(SampleConfigError::Zero("max_traces"));
        }
        if config.max_buffered_bytes == 0 {
            return Err(SampleConfigError::Zero("max_buffered_bytes"));
        }
        if config.tick_interval.is_zero() {
            return Err(SampleConfigError::Zero("tick_interval"));
        }
        let policies = Policies::build(&config.policies)?;
        let mut names: Vec<(String, &'static str)> =
            policies.names().map(|(n, k)| (n.to_owned(), k)).collect();
        names.push(("unmatched".to_owned(), "unmatched"));
        let stats = Arc::new(SampleStats {
            policies: names.iter().map(|_| PolicyCounters::default()).collect(),
            names,
            buffered_traces: AtomicU64::new(0),
            buffered_spans: AtomicU64::new(0),
            buffered_logs: AtomicU64::new(0),
            buffered_bytes: AtomicU64::new(0),
            decisions: AtomicU64::new(0),
            early_decisions: AtomicU64::new(0),
            shutdown_decisions: AtomicU64::new(0),
            late_spans_kept: AtomicU64::new(0),
            late_spans_dropped: AtomicU64::new(0),
            late_logs_kept: AtomicU64::new(0),
            late_logs_dropped: AtomicU64::new(0),
            untraced_logs: AtomicU64::new(0),
            decode_errors: AtomicU64::new(0),
            spans_lost: AtomicU64::new(0),
        });
        Ok(TailSampler {
            config: config.clone(),
            policies,
            clock,
            state: Mutex::new(State::default()),
            stats,
        })
    }

    /// The counters.
    pub fn stats(&self) -> &Arc<SampleStats> {
        &self.stats
    }

    /// The configuration in force.
    pub fn config(&self) -> &SampleConfig {
        &self.config
    }

    /// Takes spans and log records in. Items of undecided traces are buffered; late items follow
    /// their trace's decision; log records without a trace id pass through. Returns what to pass
    /// on now: late items of kept traces, and traces decided early because a cap was hit.
    pub fn accept(&self, spans: Vec<Span>, logs: Vec<LogRecord>) -> Released {
        let now = self.clock.now();
        let mut out = Released::default();
        let prepared = self.prepare(spans, logs, &mut out);
        let mut taken = Vec::new();
        {
            let mut st = lock(&self.state);
            for p in prepared {
                if let Some(&keep) = st.decided.get(&p.trace) {
                    self.late(p, keep, &mut out);
                    continue;
                }
                self.insert(&mut st, p, now);
            }
            while st.traces.len() > self.config.max_traces
                || st.bytes as u64 > self.config.max_buffered_bytes
            {
                let Some(trace) = oldest(&mut st) else {
                    break;
                };
                if let Some(t) = self.decide(&mut st, trace, Why::Early) {
                    taken.push(t);
                }
            }
            self.publish(&st);
        }
        self.release(taken, &mut out);
        out
    }

    /// Decides every trace whose window has ended. Returns the kept traces' items.
    pub fn tick(&self) -> Released {
        let now = self.clock.now();
        let wait = self.config.decision_wait;
        let mut taken = Vec::new();
        {
            let mut st = lock(&self.state);
            while let Some(&(deadline, trace)) = st.due.front() {
                if deadline > now {
                    break;
                }
                st.due.pop_front();
                let ready = st
                    .traces
                    .get(&trace)
                    .is_some_and(|e| e.last_seen + wait <= now);
                if ready && let Some(t) = self.decide(&mut st, trace, Why::Due) {
                    taken.push(t);
                }
            }
            self.publish(&st);
        }
        let mut out = Released::default();
        self.release(taken, &mut out);
        out
    }

    /// Decides every buffered trace now, oldest first (shutdown). Returns the kept traces' items.
    pub fn flush(&self) -> Released {
        let mut taken = Vec::new();
        {
            let mut st = lock(&self.state);
            while let Some(trace) = oldest(&mut st) {
                if let Some(t) = self.decide(&mut st, trace, Why::Shutdown) {
                    taken.push(t);
                }
            }
            st.due.clear();
            self.publish(&st);
        }
        let mut out = Released::default();
        self.release(taken, &mut out);
        out
    }

    /// Groups items by trace, evaluates them against the policies and encodes each group.
    fn prepare(&self, spans: Vec<Span>, logs: Vec<LogRecord>, out: &mut Released) -> Vec<Prepared> {
        let mut groups: Vec<(TraceId, Vec<Span>, Vec<LogRecord>)> = Vec::new();
        let mut index: HashMap<TraceId, usize> = HashMap::new();
        let mut slot = |trace: TraceId, groups: &mut Vec<(TraceId, Vec<Span>, Vec<LogRecord>)>| {
            if let Some(last) = groups.len().checked_sub(1)
                && groups[last].0 == trace
            {
                return last;
            }
            *index.entry(trace).or_insert_with(|| {
                groups.push((trace, Vec::new(), Vec::new()));
                groups.len() - 1
            })
        };
        for span in spans {
            let i = slot(span.trace_id, &mut groups);
            groups[i].1.push(span);
        }
        for log in logs {
            match log.trace_id {
                Some(trace) => {
                    let i = slot(trace, &mut groups);
                    groups[i].2.push(log);
                }
                None => {
                    self.stats.untraced_logs.fetch_add(1, Ordering::Relaxed);
                    out.logs.push(log);
                }
            }
        }
        let mut memo = HashMap::new();
        groups
            .into_iter()
            .map(|(trace, spans, logs)| {
                let mut summary = Summary::default();
                for span in &spans {
                    self.policies.observe_span(span, &mut summary);
                }
                for log in &logs {
                    self.policies.observe_log(log, &mut summary);
                }
                let (chunk, refs) = codec::encode(&spans, &logs, &mut memo);
                Prepared {
                    trace,
                    spans,
                    logs,
                    chunk,
                    refs,
                    summary,
                }
            })
            .collect()
    }

    fn late(&self, p: Prepared, keep: bool, out: &mut Released) {
        let (spans, logs) = (p.spans.len() as u64, p.logs.len() as u64);
        if keep {
            self.stats
                .late_spans_kept
                .fetch_add(spans, Ordering::Relaxed);
            self.stats.late_logs_kept.fetch_add(logs, Ordering::Relaxed);
            out.spans.extend(p.spans);
            out.logs.extend(p.logs);
        } else {
            self.stats
                .late_spans_dropped
                .fetch_add(spans, Ordering::Relaxed);
            self.stats
                .late_logs_dropped
                .fetch_add(logs, Ordering::Relaxed);
        }
    }

    fn insert(&self, st: &mut State, p: Prepared, now: Duration) {
        for (hash, resource) in p.refs.resources {
            let entry = st.resources.entry(hash).or_insert_with(|| Interned {
                bytes: resource.attributes.heap_size() + std::mem::size_of::<Resource>() + 64,
                value: resource,
                refs: 0,
            });
            entry.refs += 1;
            if entry.refs == 1 {
                st.bytes += entry.bytes;
            }
        }
        for (hash, scope) in p.refs.scopes {
            let entry = st.scopes.entry(hash).or_insert_with(|| Interned {
                bytes: scope.attributes.heap_size()
                    + scope.name.len()
                    + std::mem::size_of::<Scope>()
                    + 64,
                value: scope,
                refs: 0,
            });
            entry.refs += 1;
            if entry.refs == 1 {
                st.bytes += entry.bytes;
            }
        }
        let chunk_bytes = p.chunk.heap_bytes() + CHUNK_OVERHEAD;
        let (spans, logs) = (p.spans.len() as u64, p.logs.len() as u64);
        let seq = st.next_seq;
        let mut created = false;
        let entry = st.traces.entry(p.trace).or_insert_with(|| {
            created = true;
            Entry {
                seq,
                last_seen: now,
                chunks: Vec::new(),
                summary: Summary::default(),
                spans: 0,
                logs: 0,
                bytes: ENTRY_OVERHEAD,
            }
        });
        entry.last_seen = now;
        entry.chunks.push(p.chunk);
        entry.summary.merge(&p.summary);
        entry.spans += spans;
        entry.logs += logs;
        entry.bytes += chunk_bytes;
        st.bytes += chunk_bytes + if created { ENTRY_OVERHEAD } else { 0 };
        st.spans += spans;
        st.logs += logs;
        if created {
            st.next_seq += 1;
            st.by_age.push_back((seq, p.trace));
        }
        st.due.push_back((now + self.config.decision_wait, p.trace));
        compact(st);
    }

    /// Removes a trace from the buffer and decides it. Returns it when kept.
    fn decide(&self, st: &mut State, trace: TraceId, why: Why) -> Option<Taken> {
        let entry = st.traces.remove(&trace)?;
        st.bytes -= entry.bytes;
        st.spans -= entry.spans;
        st.logs -= entry.logs;
        let verdict = self.policies.decide(trace, &entry.summary);
        let counters = &self.stats.policies[verdict.policy.unwrap_or(self.policies.len())];
        self.stats.decisions.fetch_add(1, Ordering::Relaxed);
        match why {
            Why::Due => {}
            Why::Early => {
                self.stats.early_decisions.fetch_add(1, Ordering::Relaxed);
            }
            Why::Shutdown => {
                self.stats
                    .shutdown_decisions
                    .fetch_add(1, Ordering::Relaxed);
            }
        }
        if verdict.keep {
            counters.kept_traces.fetch_add(1, Ordering::Relaxed);
            counters
                .kept_spans
                .fetch_add(entry.spans, Ordering::Relaxed);
            counters.kept_logs.fetch_add(entry.logs, Ordering::Relaxed);
        } else {
            counters.dropped_traces.fetch_add(1, Ordering::Relaxed);
            counters
                .dropped_spans
                .fetch_add(entry.spans, Ordering::Relaxed);
            counters
                .dropped_logs
                .fetch_add(entry.logs, Ordering::Relaxed);
        }
        remember(st, trace, verdict.keep, self.config.decision_cache);
        let mut taken = verdict.keep.then(|| Taken {
            trace,
            chunks: Vec::new(),
            spans: entry.spans,
            resources: Vec::new(),
            scopes: Vec::new(),
        });
        for chunk in entry.chunks {
            for hash in chunk.refs.iter() {
                if let Some(r) = st.resources.get_mut(hash) {
                    if let Some(t) = taken.as_mut()
                        && !t.resources.iter().any(|(h, _)| h == hash)
                    {
                        t.resources.push((*hash, Arc::clone(&r.value)));
                    }
                    r.refs -= 1;
                    if r.refs == 0 {
                        st.bytes -= r.bytes;
                        st.resources.remove(hash);
                    }
                } else if let Some(s) = st.scopes.get_mut(hash) {
                    if let Some(t) = taken.as_mut()
                        && !t.scopes.iter().any(|(h, _)| h == hash)
                    {
                        t.scopes.push((*hash, Arc::clone(&s.value)));
                    }
                    s.refs -= 1;
                    if s.refs == 0 {
                        st.bytes -= s.bytes;
                        st.scopes.remove(hash);
                    }
                }
            }
            if let Some(t) = taken.as_mut() {
                t.chunks.push(chunk);
            }
        }
        taken
    }

    /// Decodes kept traces (outside the lock).
    fn release(&self, taken: Vec<Taken>, out: &mut Released) {
        for t in taken {
            let (spans_before, logs_before) = (out.spans.len(), out.logs.len());
            let mut failed = false;
            for chunk in &t.chunks {
                if let Err(e) = codec::decode(t.trace, chunk, &t, &mut out.spans, &mut out.logs) {
                    tracing::error!(error = %e, trace = %t.trace, "a buffered trace could not be read back");
                    failed = true;
                    break;
                }
            }
            if failed {
                out.spans.truncate(spans_before);
                out.logs.truncate(logs_before);
                self.stats.decode_errors.fetch_add(1, Ordering::Relaxed);
                self.stats.spans_lost.fetch_add(t.spans, Ordering::Relaxed);
            }
        }
    }

    fn publish(&self, st: &State) {
        let s = &self.stats;
        s.buffered_traces
            .store(st.traces.len() as u64, Ordering::Relaxed);
        s.buffered_spans.store(st.spans, Ordering::Relaxed);
        s.buffered_logs.store(st.logs, Ordering::Relaxed);
        s.buffered_bytes.store(st.bytes as u64, Ordering::Relaxed);
    }
}

/// The oldest undecided trace, skipping stale queue entries.
fn oldest(st: &mut State) -> Option<TraceId> {
    while let Some((seq, trace)) = st.by_age.pop_front() {
        if st.traces.get(&trace).is_some_and(|e| e.seq == seq) {
            return Some(trace);
        }
    }
    None
}

fn remember(st: &mut State, trace: TraceId, keep: bool, capacity: usize) {
    if capacity == 0 {
        return;
    }
    if st.decided.insert(trace, keep).is_none() {
        st.decided_order.push_back(trace);
    }
    while st.decided_order.len() > capacity {
        if let Some(old) = st.decided_order.pop_front() {
            st.decided.remove(&old);
        }
    }
}

/// Drops stale queue entries once the queues grow well past the number of traces, so they stay
/// bounded whatever the arrival pattern. Of the due entries, only each live trace's latest (its
/// real deadline) is kept.
fn compact(st: &mut State) {
    let limit = 4 * st.traces.len().max(1024);
    if st.due.len() > limit {
        let traces = &st.traces;
        let mut seen = std::collections::HashSet::new();
        let mut latest: Vec<(Duration, TraceId)> = st
            .due
            .iter()
            .rev()
            .copied()
            .filter(|(_, t)| traces.contains_key(t) && seen.insert(*t))
            .collect();
        latest.reverse();
        st.due = latest.into();
    }
    if st.by_age.len() > limit {
        let traces = &st.traces;
        st.by_age
            .retain(|(seq, trace)| traces.get(trace).is_some_and(|e| e.seq == *seq));
    }
}
