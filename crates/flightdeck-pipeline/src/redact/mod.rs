//! The `redact` processor: removes secrets and personal data from spans, span events, links, log
//! records, resources and the typed GenAI view before anything is stored or forwarded.
//!
//! Detectors (secrets, bearer tokens, private keys, emails, card numbers, phone numbers, IP
//! addresses, credential-named fields) and user regexes run over every string; GenAI message
//! structures (`gen_ai.input.messages`, tool-call arguments and results, legacy indexed prompt
//! attributes, structured log bodies) are walked value by value. Each rule masks, hashes (HMAC) or
//! drops. Every redaction is counted per rule, and a redacted span or log record carries
//! `flightdeck.redaction.count` and `flightdeck.redaction.rules`.

mod config;
mod detectors;
mod engine;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use flightdeck_model::{AttrValue, Attributes, LogRecord, Resource, Span};
use serde::Serialize;

pub use config::{DEFAULT_ALLOW, DetectorSetting, Detectors, Mode, RedactConfig, RuleConfig};
pub use detectors::Builtin;
pub use engine::RedactConfigError;

use engine::{Engine, MARKER_PREFIX, Scan};

use crate::processor::Processor;

/// Attribute a redacted span or log record carries: how many matches were replaced (int).
pub const REDACTION_COUNT_KEY: &str = "flightdeck.redaction.count";
/// Attribute a redacted span or log record carries: the names of the rules that matched.
pub const REDACTION_RULES_KEY: &str = "flightdeck.redaction.rules";

/// Counters of the redactor, registered once at build.
#[derive(Debug)]
pub struct RedactStats {
    per_rule: Vec<(String, AtomicU64)>,
    spans_redacted: AtomicU64,
    logs_redacted: AtomicU64,
    attributes_removed: AtomicU64,
}

/// A snapshot of [`RedactStats`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RedactSnapshot {
    /// Replacements per rule (every configured rule is listed, also at zero).
    pub redactions: Vec<RuleCount>,
    /// Spans with at least one redaction.
    pub spans_redacted: u64,
    /// Log records with at least one redaction.
    pub logs_redacted: u64,
    /// Attributes removed by `drop` rules and the deny list.
    pub attributes_removed: u64,
}

/// Redactions of one rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleCount {
    /// The rule.
    pub rule: String,
    /// Matches replaced (or attributes removed) so far.
    pub count: u64,
}

impl RedactStats {
    /// A snapshot of the counters.
    pub fn snapshot(&self) -> RedactSnapshot {
        RedactSnapshot {
            redactions: self
                .per_rule
                .iter()
                .map(|(rule, n)| RuleCount {
                    rule: rule.clone(),
                    count: n.load(Ordering::Relaxed),
                })
                .collect(),
            spans_redacted: self.spans_redacted.load(Ordering::Relaxed),
            logs_redacted: self.logs_redacted.load(Ordering::Relaxed),
            attributes_removed: self.attributes_removed.load(Ordering::Relaxed),
        }
    }

    /// Redactions of one rule so far (0 for an unknown rule).
    pub fn count(&self, rule: &str) -> u64 {
        self.per_rule
            .iter()
            .find(|(name, _)| name == rule)
            .map_or(0, |(_, n)| n.load(Ordering::Relaxed))
    }
}

/// The redaction processor.
#[derive(Debug)]
pub struct Redactor {
    engine: Engine,
    stats: Arc<RedactStats>,
}

/// Per-batch memo of redacted resources: spans of one request share their resource `Arc`.
#[derive(Default)]
struct Resources {
    seen: HashMap<*const Resource, (Option<Arc<Resource>>, u32, u64)>,
}

impl Redactor {
    /// Validates the configuration and compiles the rules.
    pub fn new(config: &RedactConfig) -> Result<Redactor, RedactConfigError> {
        let engine = Engine::build(config)?;
        let stats = Arc::new(RedactStats {
            per_rule: engine
                .rules
                .iter()
                .map(|r| (r.name.clone(), AtomicU64::new(0)))
                .collect(),
            spans_redacted: AtomicU64::new(0),
            logs_redacted: AtomicU64::new(0),
            attributes_removed: AtomicU64::new(0),
        });
        Ok(Redactor { engine, stats })
    }

    /// The counters.
    pub fn stats(&self) -> &Arc<RedactStats> {
        &self.stats
    }

    /// Redacts free text with the text rules (no structure, no attribute lists); `None` when
    /// nothing matched. Useful to check a rule set.
    pub fn redact_text(&self, text: &str) -> Option<String> {
        let mut tally = vec![0; self.engine.rules.len()];
        let mut scan = Scan::new(&mut tally);
        let out = self.engine.redact_text(text, &mut scan);
        self.flush(&tally, 0, 0);
        out
    }

    fn resource(
        &self,
        resource: &mut Arc<Resource>,
        memo: &mut Resources,
        tally: &mut [u64],
    ) -> (u32, u64) {
        let key = Arc::as_ptr(resource);
        let (replacement, count, rules) = memo.seen.entry(key).or_insert_with(|| {
            if !self.engine.might_change(&resource.attributes) {
                return (None, 0, 0);
            }
            let mut scan = Scan::new(tally);
            let mut attributes = resource.attributes.clone();
            self.engine.redact_attributes(&mut attributes, &mut scan);
            if scan.count == 0 && scan.removed == 0 {
                return (None, 0, 0);
            }
            self.stats
                .attributes_removed
                .fetch_add(u64::from(scan.removed), Ordering::Relaxed);
            let (count, rules) = (scan.count, scan.rules);
            let new = Resource {
                attributes,
                ..Resource::clone(resource)
            };
            (Some(Arc::new(new)), count, rules)
        });
        if let Some(new) = replacement {
            *resource = Arc::clone(new);
        }
        (*count, *rules)
    }

    fn redact_span(&self, span: &mut Span, memo: &mut Resources, tally: &mut [u64]) -> u32 {
        let (resource_count, resource_rules) = self.resource(&mut span.resource, memo, tally);
        let mut scan = Scan::new(tally);
        self.engine.redact_fixed_text(&mut span.name, &mut scan);
        self.engine
            .redact_attributes(&mut span.attributes, &mut scan);
        for event in &mut span.events {
            self.engine
                .redact_attributes(&mut event.attributes, &mut scan);
        }
        for link in &mut span.links {
            self.engine
                .redact_attributes(&mut link.attributes, &mut scan);
        }
        self.engine
            .redact_fixed_text(&mut span.status.message, &mut scan);
        let genai = &mut span.genai;
        self.engine.redact_field(&mut genai.user_id, &mut scan);
        if let Some(retrieval) = genai.retrieval.as_mut() {
            self.engine.redact_field(&mut retrieval.query, &mut scan);
            for doc in &mut retrieval.documents {
                self.engine.redact_field(&mut doc.content, &mut scan);
            }
        }
        let (count, rules, removed) = (scan.count, scan.rules, scan.removed);
        if count + resource_count > 0 {
            self.mark(
                &mut span.attributes,
                count + resource_count,
                rules | resource_rules,
            );
        }
        self.stats
            .attributes_removed
            .fetch_add(u64::from(removed), Ordering::Relaxed);
        count + resource_count
    }

    fn redact_log(&self, log: &mut LogRecord, memo: &mut Resources, tally: &mut [u64]) -> u32 {
        let (resource_count, resource_rules) = self.resource(&mut log.resource, memo, tally);
        let mut scan = Scan::new(tally);
        self.engine.redact_body(&mut log.body, &mut scan);
        self.engine
            .redact_attributes(&mut log.attributes, &mut scan);
        let (count, rules, removed) = (scan.count, scan.rules, scan.removed);
        if count + resource_count > 0 {
            self.mark(
                &mut log.attributes,
                count + resource_count,
                rules | resource_rules,
            );
        }
        self.stats
            .attributes_removed
            .fetch_add(u64::from(removed), Ordering::Relaxed);
        count + resource_count
    }

    /// Records on the item that it was redacted, merging with marks an earlier redactor (another
    /// Flightdeck upstream) left.
    fn mark(&self, attributes: &mut Attributes, count: u32, rules: u64) {
        let previous = attributes.get_i64(REDACTION_COUNT_KEY).unwrap_or(0).max(0);
        attributes.set(REDACTION_COUNT_KEY, previous + i64::from(count));
        let mut names: Vec<AttrValue> = match attributes.remove(REDACTION_RULES_KEY) {
            Some(AttrValue::Array(items)) => items,
            _ => Vec::new(),
        };
        for (i, rule) in self.engine.rules.iter().enumerate() {
            if rules & (1u64 << i) != 0 && !names.iter().any(|n| n.as_str() == Some(&rule.name)) {
                names.push(AttrValue::Str(rule.name.clone()));
            }
        }
        attributes.set(REDACTION_RULES_KEY, AttrValue::Array(names));
        debug_assert!(REDACTION_RULES_KEY.starts_with(MARKER_PREFIX));
    }

    fn flush(&self, tally: &[u64], spans: u64, logs: u64) {
        for ((_, counter), n) in self.stats.per_rule.iter().zip(tally) {
            if *n > 0 {
                counter.fetch_add(*n, Ordering::Relaxed);
            }
        }
        if spans > 0 {
            self.stats
                .spans_redacted
                .fetch_add(spans, Ordering::Relaxed);
        }
        if logs > 0 {
            self.stats.logs_redacted.fetch_add(logs, Ordering::Relaxed);
        }
    }
}

impl Processor for Redactor {
    fn name(&self) -> &'static str {
        "redact"
    }

    fn process_spans(&self, spans: &mut Vec<Span>) {
        let mut tally = vec![0; self.engine.rules.len()];
        let mut memo = Resources::default();
        let mut redacted = 0;
        for span in spans.iter_mut() {
            if self.redact_span(span, &mut memo, &mut tally) > 0 {
                redacted += 1;
            }
        }
        self.flush(&tally, redacted, 0);
    }

    fn process_logs(&self, logs: &mut Vec<LogRecord>) {
        let mut tally = vec![0; self.engine.rules.len()];
        let mut memo = Resources::default();
        let mut redacted = 0;
        for log in logs.iter_mut() {
            if self.redact_log(log, &mut memo, &mut tally) > 0 {
                redacted += 1;
            }
        }
        self.flush(&tally, 0, redacted);
    }

    fn stats(&self) -> Option<serde_json::Value> {
        serde_json::to_value(self.stats.snapshot()).ok()
    }
}
