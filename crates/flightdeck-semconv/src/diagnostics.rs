//! Ingest diagnostics: what is wrong with the telemetry, per service and instrumentation scope.
//!
//! [`Diagnostics`] counts, for each (service, scope name, scope version): spans received, GenAI
//! spans, dialects, model calls missing a model / provider / usage, streaming calls missing time to
//! first chunk, deprecated names in use, spans with conflicting sources, and whether message content
//! is present (on spans, or in log records). It is fed by the ingest pipeline with each span and
//! the [`NormalizeReport`] the normalizer returned for it, and with each log record; aggregators
//! from several threads merge; [`Diagnostics::snapshot`] gives a serializable view with shares.
//!
//! Memory is bounded: at most [`Diagnostics::with_max_groups`] groups (default 1024); spans of
//! further groups are counted under the service and scope name `(other)`.

use std::collections::{BTreeMap, HashMap};

use flightdeck_model::{LogRecord, Span};
use serde::{Deserialize, Serialize};

use crate::deprecated::DeprecatedName;
use crate::dialect::Dialect;
use crate::names::{is_inference, is_model_call};
use crate::report::NormalizeReport;

const DIALECTS: usize = Dialect::ALL.len();
const DEPRECATED: usize = DeprecatedName::ALL.len();
/// The group that takes spans of groups beyond the limit.
const OTHER: &str = "(other)";

/// (service, scope name, scope version).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct GroupKey {
    service: String,
    scope_name: String,
    scope_version: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Counts {
    spans: u64,
    genai_spans: u64,
    model_calls: u64,
    streaming_calls: u64,
    missing_model: u64,
    missing_provider: u64,
    missing_usage: u64,
    missing_ttft: u64,
    dialects: [u64; DIALECTS],
    deprecated: [u64; DEPRECATED],
    spans_with_conflicts: u64,
    spans_with_content: u64,
    logs: u64,
    logs_with_content: u64,
}

impl Counts {
    fn add(&mut self, other: &Counts) {
        self.spans += other.spans;
        self.genai_spans += other.genai_spans;
        self.model_calls += other.model_calls;
        self.streaming_calls += other.streaming_calls;
        self.missing_model += other.missing_model;
        self.missing_provider += other.missing_provider;
        self.missing_usage += other.missing_usage;
        self.missing_ttft += other.missing_ttft;
        for (a, b) in self.dialects.iter_mut().zip(other.dialects) {
            *a += b;
        }
        for (a, b) in self.deprecated.iter_mut().zip(other.deprecated) {
            *a += b;
        }
        self.spans_with_conflicts += other.spans_with_conflicts;
        self.spans_with_content += other.spans_with_content;
        self.logs += other.logs;
        self.logs_with_content += other.logs_with_content;
    }
}

/// The ingest diagnostics aggregator. See the module documentation.
#[derive(Debug, Clone)]
pub struct Diagnostics {
    groups: Vec<(GroupKey, Counts)>,
    index: HashMap<GroupKey, usize>,
    max_groups: usize,
}

impl Default for Diagnostics {
    fn default() -> Self {
        Diagnostics::with_max_groups(1024)
    }
}

impl Diagnostics {
    /// An empty aggregator keeping at most `max_groups` groups (at least 1).
    pub fn with_max_groups(max_groups: usize) -> Diagnostics {
        Diagnostics {
            groups: Vec::new(),
            index: HashMap::new(),
            max_groups: max_groups.max(1),
        }
    }

    /// True when nothing was observed.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    fn counts(&mut self, service: &str, scope_name: &str, scope_version: &str) -> &mut Counts {
        // Spans of one request share their resource and scope: try the most recent group first.
        let last = self.groups.len().checked_sub(1);
        let position = match last {
            Some(i)
                if self.groups[i].0.service == service
                    && self.groups[i].0.scope_name == scope_name
                    && self.groups[i].0.scope_version == scope_version =>
            {
                i
            }
            _ => {
                let key = GroupKey {
                    service: service.to_owned(),
                    scope_name: scope_name.to_owned(),
                    scope_version: scope_version.to_owned(),
                };
                self.position(key)
            }
        };
        &mut self.groups[position].1
    }

    fn position(&mut self, key: GroupKey) -> usize {
        if let Some(&i) = self.index.get(&key) {
            return i;
        }
        let key = if self.groups.len() + 1 >= self.max_groups {
            GroupKey {
                service: OTHER.to_owned(),
                scope_name: OTHER.to_owned(),
                scope_version: String::new(),
            }
        } else {
            key
        };
        if let Some(&i) = self.index.get(&key) {
            return i;
        }
        self.groups.push((key.clone(), Counts::default()));
        let i = self.groups.len() - 1;
        self.index.insert(key, i);
        i
    }

    /// Counts one span, normalized, with the report the normalizer returned for it.
    pub fn observe(&mut self, span: &Span, report: &NormalizeReport) {
        let counts = self.counts(
            span.resource.service_name(),
            &span.scope.name,
            &span.scope.version,
        );
        counts.spans += 1;
        let genai = &span.genai;
        if report.dialects.is_empty() && genai.is_empty() {
            return;
        }
        counts.genai_spans += 1;
        for dialect in report.dialects.iter() {
            counts.dialects[dialect.index()] += 1;
        }
        for name in report.deprecated.iter() {
            counts.deprecated[name as usize] += 1;
        }
        if !report.conflicts.is_empty() {
            counts.spans_with_conflicts += 1;
        }
        if report.content {
            counts.spans_with_content += 1;
        }
        let operation = genai.operation.as_deref().unwrap_or_default();
        if is_model_call(operation) {
            counts.model_calls += 1;
            if genai.model().is_none() {
                counts.missing_model += 1;
            }
            if genai.provider.is_none() {
                counts.missing_provider += 1;
            }
            if genai.usage_missing {
                counts.missing_usage += 1;
            }
        }
        if is_inference(operation) && genai.streaming == Some(true) {
            counts.streaming_calls += 1;
            if genai.time_to_first_chunk.is_none() {
                counts.missing_ttft += 1;
            }
        }
    }

    /// Counts one log record: GenAI content events and deprecated event names.
    pub fn observe_log(&mut self, log: &LogRecord) {
        let counts = self.counts(
            log.resource.service_name(),
            &log.scope.name,
            &log.scope.version,
        );
        counts.logs += 1;
        if let Some(name) = DeprecatedName::from_event_name(&log.event_name) {
            counts.deprecated[name as usize] += 1;
            counts.dialects[Dialect::OtelLegacy.index()] += 1;
            if !matches!(log.body, flightdeck_model::AttrValue::Empty) {
                counts.logs_with_content += 1;
            }
        } else if log.event_name == crate::keys::DETAILS_EVENT {
            counts.dialects[Dialect::OtelCurrent.index()] += 1;
            let has = |k| log.attributes.contains(k);
            if has(crate::keys::INPUT_MESSAGES)
                || has(crate::keys::OUTPUT_MESSAGES)
                || has(crate::keys::SYSTEM_INSTRUCTIONS)
            {
                counts.logs_with_content += 1;
            }
        }
    }

    /// Adds everything `other` counted.
    pub fn merge(&mut self, other: &Diagnostics) {
        for (key, counts) in &other.groups {
            let position = self.position(key.clone());
            self.groups[position].1.add(counts);
        }
    }

    /// Adds the counts of a snapshot (e.g. one kept across a restart).
    pub fn merge_snapshot(&mut self, snapshot: &DiagnosticsSnapshot) {
        for group in &snapshot.groups {
            let key = GroupKey {
                service: group.service.clone(),
                scope_name: group.scope_name.clone(),
                scope_version: group.scope_version.clone(),
            };
            let position = self.position(key);
            self.groups[position].1.add(&group.counts());
        }
    }

    /// A serializable view, groups sorted by service, scope name and version.
    pub fn snapshot(&self) -> DiagnosticsSnapshot {
        let mut groups: Vec<GroupSnapshot> = self
            .groups
            .iter()
            .map(|(key, c)| GroupSnapshot {
                service: key.service.clone(),
                scope_name: key.scope_name.clone(),
                scope_version: key.scope_version.clone(),
                spans: c.spans,
                genai_spans: c.genai_spans,
                model_calls: c.model_calls,
                streaming_calls: c.streaming_calls,
                dialects: Dialect::ALL
                    .iter()
                    .zip(c.dialects)
                    .filter(|(_, n)| *n > 0)
                    .map(|(d, n)| (d.as_str().to_owned(), n))
                    .collect(),
                missing_model: Share::new(c.missing_model, c.model_calls),
                missing_provider: Share::new(c.missing_provider, c.model_calls),
                missing_usage: Share::new(c.missing_usage, c.model_calls),
                missing_time_to_first_chunk: Share::new(c.missing_ttft, c.streaming_calls),
                deprecated: DeprecatedName::ALL
                    .iter()
                    .zip(c.deprecated)
                    .filter(|(_, n)| *n > 0)
                    .map(|(d, n)| (d.name().to_owned(), n))
                    .collect(),
                spans_with_conflicts: c.spans_with_conflicts,
                content: ContentPresence {
                    present: c.spans_with_content > 0 || c.logs_with_content > 0,
                    spans_with_content: c.spans_with_content,
                    logs: c.logs,
                    logs_with_content: c.logs_with_content,
                },
            })
            .collect();
        groups.sort_by(|a, b| {
            (&a.service, &a.scope_name, &a.scope_version).cmp(&(
                &b.service,
                &b.scope_name,
                &b.scope_version,
            ))
        });
        DiagnosticsSnapshot { groups }
    }
}

/// `count` out of `of`, and the share (0.0 when `of` is 0).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Share {
    /// How many.
    pub count: u64,
    /// Out of how many.
    pub of: u64,
    /// `count / of`, 0.0 when `of` is 0.
    pub share: f64,
}

impl Share {
    fn new(count: u64, of: u64) -> Share {
        Share {
            count,
            of,
            share: if of == 0 {
                0.0
            } else {
                count as f64 / of as f64
            },
        }
    }
}

/// Whether message content reaches Flightdeck, and how.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContentPresence {
    /// True when any span or log record of the group carried content.
    pub present: bool,
    /// GenAI spans whose attributes or events carry content.
    pub spans_with_content: u64,
    /// Log records received.
    pub logs: u64,
    /// GenAI event log records that carry content.
    pub logs_with_content: u64,
}

/// The diagnostics of one (service, scope name, scope version).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupSnapshot {
    /// `service.name` of the resource.
    pub service: String,
    /// Instrumentation scope name.
    pub scope_name: String,
    /// Instrumentation scope version.
    pub scope_version: String,
    /// Spans received.
    pub spans: u64,
    /// Spans with GenAI attributes in any dialect.
    pub genai_spans: u64,
    /// Spans calling a model (`chat`, `text_completion`, `generate_content`, `embeddings`).
    pub model_calls: u64,
    /// Streaming inference calls.
    pub streaming_calls: u64,
    /// Spans per dialect detected (a span may speak several).
    pub dialects: BTreeMap<String, u64>,
    /// Model calls naming no model.
    pub missing_model: Share,
    /// Model calls naming no provider.
    pub missing_provider: Share,
    /// Model calls without token usage (failed calls are not counted as missing).
    pub missing_usage: Share,
    /// Streaming inference calls without time to first chunk.
    pub missing_time_to_first_chunk: Share,
    /// Spans or log records per deprecated name in use.
    pub deprecated: BTreeMap<String, u64>,
    /// Spans whose sources disagreed on a field.
    pub spans_with_conflicts: u64,
    /// Content presence.
    pub content: ContentPresence,
}

impl GroupSnapshot {
    fn counts(&self) -> Counts {
        let mut c = Counts {
            spans: self.spans,
            genai_spans: self.genai_spans,
            model_calls: self.model_calls,
            streaming_calls: self.streaming_calls,
            missing_model: self.missing_model.count,
            missing_provider: self.missing_provider.count,
            missing_usage: self.missing_usage.count,
            missing_ttft: self.missing_time_to_first_chunk.count,
            spans_with_conflicts: self.spans_with_conflicts,
            spans_with_content: self.content.spans_with_content,
            logs: self.content.logs,
            logs_with_content: self.content.logs_with_content,
            ..Counts::default()
        };
        for (i, d) in Dialect::ALL.iter().enumerate() {
            c.dialects[i] = self.dialects.get(d.as_str()).copied().unwrap_or(0);
        }
        for (i, d) in DeprecatedName::ALL.iter().enumerate() {
            c.deprecated[i] = self.deprecated.get(d.name()).copied().unwrap_or(0);
        }
        c
    }
}

/// All groups.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DiagnosticsSnapshot {
    /// One entry per (service, scope name, scope version).
    pub groups: Vec<GroupSnapshot>,
}
