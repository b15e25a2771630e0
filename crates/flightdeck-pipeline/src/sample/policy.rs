//! Compiled sampling policies: what each span and log record contributes to its trace's summary,
//! and the decision over a finished summary.
//!
//! Span-level conditions (an error, a slow span, a model, a flag) are evaluated as items arrive
//! and kept as one bit per policy; trace-level sums (cost, tokens) are accumulated. Deciding is
//! then a walk over the policies with no access to the buffered spans.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use flightdeck_model::{AttrValue, Attributes, LogRecord, Span, StatusCode, TraceId};
use xxhash_rust::xxh3::xxh3_64;

use super::config::{Action, PolicyConfig};
use crate::redact::REDACTION_COUNT_KEY;

/// Most policies one sampler can have (their matches fit a bitmask).
pub const MAX_POLICIES: usize = 63;

/// Why a sampling configuration is invalid.
#[derive(Debug, thiserror::Error)]
pub enum SampleConfigError {
    /// No policies: every trace would be dropped.
    #[error(
        "pipeline.sample.policies: at least one policy is needed (a sampler without policies would drop everything)"
    )]
    NoPolicies,
    /// Too many policies.
    #[error("pipeline.sample.policies: at most {MAX_POLICIES} policies are supported, got {0}")]
    TooMany(usize),
    /// A policy setting is out of range or empty.
    #[error("pipeline.sample.policies[{index}] ({name}): {why}")]
    Invalid {
        /// Position in `policies`.
        index: usize,
        /// The policy's name.
        name: String,
        /// What is wrong.
        why: String,
    },
    /// Two policies share a name (counters would be ambiguous).
    #[error("pipeline.sample.policies[{index}]: the name {name:?} is already used; set `name`")]
    DuplicateName {
        /// Position in `policies`.
        index: usize,
        /// The name.
        name: String,
    },
    /// A limit is zero.
    #[error("pipeline.sample.{0}: must be greater than zero")]
    Zero(&'static str),
}

/// What the policies know about a trace so far.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Summary {
    /// Span-level policies that matched some item (bit = policy index).
    pub(crate) matched: u64,
    /// Total cost of GenAI spans, US dollars.
    pub(crate) cost_usd: f64,
    /// Total input + output tokens of GenAI spans.
    pub(crate) tokens: u64,
}

impl Summary {
    /// Adds another summary of the same trace.
    pub(crate) fn merge(&mut self, other: &Summary) {
        self.matched |= other.matched;
        self.cost_usd += other.cost_usd;
        self.tokens = self.tokens.saturating_add(other.tokens);
    }
}

#[derive(Debug)]
enum Rule {
    Error,
    Latency {
        default_nanos: u64,
        per_operation: HashMap<String, u64>,
    },
    Cost(f64),
    Tokens(u64),
    Model(HashSet<String>),
    Service(HashSet<String>),
    Attribute {
        key: String,
        values: Vec<String>,
    },
    Guardrail {
        events: Vec<String>,
        prefixes: Vec<String>,
    },
    Redaction,
    KeepFlag {
        member: (String, String),
        attributes: Vec<String>,
    },
    Probabilistic(f64),
    Always,
}

#[derive(Debug)]
struct Policy {
    name: String,
    kind: &'static str,
    action: Action,
    rule: Rule,
}

/// The compiled policy list.
#[derive(Debug)]
pub(crate) struct Policies {
    list: Vec<Policy>,
}

/// The outcome of deciding a trace: which policy decided (`None`: no policy matched) and
/// whether the trace is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Verdict {
    pub(crate) policy: Option<usize>,
    pub(crate) keep: bool,
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl Policies {
    /// Validates and compiles the policies.
    pub(crate) fn build(configs: &[PolicyConfig]) -> Result<Policies, SampleConfigError> {
        if configs.is_empty() {
            return Err(SampleConfigError::NoPolicies);
        }
        if configs.len() > MAX_POLICIES {
            return Err(SampleConfigError::TooMany(configs.len()));
        }
        let mut list = Vec::with_capacity(configs.len());
        for (index, config) in configs.iter().enumerate() {
            let name = config.name().to_owned();
            let invalid = |why: &str| SampleConfigError::Invalid {
                index,
                name: name.clone(),
                why: why.to_owned(),
            };
            if name == "unmatched" || list.iter().any(|p: &Policy| p.name == name) {
                return Err(SampleConfigError::DuplicateName { index, name });
            }
            let (action, rule) = match config {
                PolicyConfig::Error { action, .. } => (*action, Rule::Error),
                PolicyConfig::Latency {
                    action,
                    threshold,
                    operations,
                    ..
                } => (
                    *action,
                    Rule::Latency {
                        default_nanos: nanos(*threshold),
                        per_operation: operations
                            .iter()
                            .map(|(op, d)| (op.clone(), nanos(**d)))
                            .collect(),
                    },
                ),
                PolicyConfig::Cost {
                    action,
                    threshold_usd,
                    ..
                } => {
                    if !threshold_usd.is_finite() || *threshold_usd < 0.0 {
                        return Err(invalid("threshold_usd must be a non-negative number"));
                    }
                    (*action, Rule::Cost(*threshold_usd))
                }
                PolicyConfig::Tokens {
                    action, threshold, ..
                } => (*action, Rule::Tokens(*threshold)),
                PolicyConfig::Model { action, models, .. } => {
                    if models.is_empty() {
                        return Err(invalid("models must not be empty"));
                    }
                    (*action, Rule::Model(models.iter().cloned().collect()))
                }
                PolicyConfig::Service {
                    action, services, ..
                } => {
                    if services.is_empty() {
                        return Err(invalid("services must not be empty"));
                    }
                    (*action, Rule::Service(services.iter().cloned().collect()))
                }
                PolicyConfig::Attribute {
                    action,
                    key,
                    values,
                    ..
                } => {
                    if key.is_empty() {
                        return Err(invalid("key must not be empty"));
                    }
                    (
                        *action,
                        Rule::Attribute {
                            key: key.clone(),
                            values: values.clone(),
                        },
                    )
                }
                PolicyConfig::Guardrail {
                    action,
                    events,
                    attribute_prefixes,
                    ..
                } => (
                    *action,
                    Rule::Guardrail {
                        events: events.clone(),
                        prefixes: attribute_prefixes.clone(),
                    },
                ),
                PolicyConfig::Redaction { action, .. } => (*action, Rule::Redaction),
                PolicyConfig::KeepFlag {
                    action,
                    tracestate,
                    attributes,
                    ..
                } => {
                    let Some((key, value)) = tracestate.split_once('=') else {
                        return Err(invalid("tracestate must be written key=value"));
                    };
                    (
                        *action,
                        Rule::KeepFlag {
                            member: (key.trim().to_owned(), value.trim().to_owned()),
                            attributes: attributes.clone(),
                        },
                    )
                }
                PolicyConfig::Probabilistic { rate, .. } => {
                    if !(0.0..=1.0).contains(rate) {
                        return Err(invalid("rate must be between 0.0 and 1.0"));
                    }
                    (Action::Keep, Rule::Probabilistic(*rate))
                }
                PolicyConfig::Always { action, .. } => (*action, Rule::Always),
            };
            list.push(Policy {
                name,
                kind: config.kind(),
                action,
                rule,
            });
        }
        Ok(Policies { list })
    }

    /// Number of policies.
    pub(crate) fn len(&self) -> usize {
        self.list.len()
    }

    /// Names and types, in order.
    pub(crate) fn names(&self) -> impl Iterator<Item = (&str, &'static str)> {
        self.list.iter().map(|p| (p.name.as_str(), p.kind))
    }

    /// Adds what one span tells about its trace.
    pub(crate) fn observe_span(&self, span: &Span, summary: &mut Summary) {
        if let Some(cost) = &span.genai.cost
            && cost.total.is_finite()
            && cost.total > 0.0
        {
            summary.cost_usd += cost.total;
        }
        let usage = &span.genai.usage;
        let tokens =
            usage.input_tokens.unwrap_or(0).max(0) + usage.output_tokens.unwrap_or(0).max(0);
        summary.tokens = summary.tokens.saturating_add(tokens as u64);
        for (i, policy) in self.list.iter().enumerate() {
            if summary.matched & (1 << i) == 0 && span_matches(&policy.rule, span) {
                summary.matched |= 1 << i;
            }
        }
    }

    /// Adds what one log record tells about its trace.
    pub(crate) fn observe_log(&self, log: &LogRecord, summary: &mut Summary) {
        for (i, policy) in self.list.iter().enumerate() {
            if summary.matched & (1 << i) == 0 && log_matches(&policy.rule, log) {
                summary.matched |= 1 << i;
            }
        }
    }

    /// Decides a trace: the first matching policy wins.
    pub(crate) fn decide(&self, trace: TraceId, summary: &Summary) -> Verdict {
        for (i, policy) in self.list.iter().enumerate() {
            let matched = match &policy.rule {
                Rule::Cost(threshold) => summary.cost_usd >= *threshold,
                Rule::Tokens(threshold) => summary.tokens >= *threshold,
                Rule::Always => true,
                Rule::Probabilistic(rate) => {
                    return Verdict {
                        policy: Some(i),
                        keep: sampled(trace, *rate),
                    };
                }
                _ => summary.matched & (1 << i) != 0,
            };
            if matched {
                return Verdict {
                    policy: Some(i),
                    keep: policy.action == Action::Keep,
                };
            }
        }
        Verdict {
            policy: None,
            keep: false,
        }
    }
}

/// True when the trace falls in the kept share: a hash of the trace id, read as a fraction of the
/// 53-bit range, is below the rate.
pub(crate) fn sampled(trace: TraceId, rate: f64) -> bool {
    if rate >= 1.0 {
        return true;
    }
    let fraction = (xxh3_64(trace.as_bytes()) >> 11) as f64 / (1u64 << 53) as f64;
    fraction < rate
}

fn truthy(value: &AttrValue) -> bool {
    match value {
        AttrValue::Bool(b) => *b,
        AttrValue::Int(i) => *i > 0,
        AttrValue::Double(d) => *d > 0.0,
        AttrValue::Str(s) => {
            s.eq_ignore_ascii_case("true") || s.trim().parse::<f64>().is_ok_and(|v| v > 0.0)
        }
        _ => false,
    }
}

fn value_in(value: &AttrValue, values: &[String]) -> bool {
    if values.is_empty() {
        return true;
    }
    match value {
        AttrValue::Str(s) => values.iter().any(|v| v == s),
        other => {
            let text = other.to_display_string();
            values.contains(&text)
        }
    }
}

fn has_prefix(attributes: &Attributes, prefixes: &[String]) -> bool {
    attributes
        .iter()
        .any(|kv| prefixes.iter().any(|p| kv.key.starts_with(p.as_str())))
}

fn redacted(attributes: &Attributes) -> bool {
    attributes
        .get_i64(REDACTION_COUNT_KEY)
        .is_some_and(|n| n > 0)
}

fn keep_flagged(attributes: &Attributes, keys: &[String]) -> bool {
    keys.iter().any(|k| attributes.get(k).is_some_and(truthy))
}

fn span_matches(rule: &Rule, span: &Span) -> bool {
    let attrs = &span.attributes;
    match rule {
        Rule::Error => {
            span.status.code == StatusCode::Error
                || attrs.get_str("error.type").is_some()
                || span.genai.error_type.is_some()
        }
        Rule::Latency {
            default_nanos,
            per_operation,
        } => {
            let operation = span
                .genai
                .operation
                .as_deref()
                .or_else(|| attrs.get_str("gen_ai.operation.name"));
            let threshold = operation
                .and_then(|op| per_operation.get(op))
                .or_else(|| per_operation.get(span.name.as_str()))
                .copied()
                .unwrap_or(*default_nanos);
            span.duration_nanos() > threshold
        }
        Rule::Model(models) => {
            let g = &span.genai;
            [
                g.request_model.as_deref(),
                g.response_model.as_deref(),
                g.model_family.as_deref(),
                attrs.get_str("gen_ai.request.model"),
                attrs.get_str("gen_ai.response.model"),
            ]
            .into_iter()
            .flatten()
            .any(|m| models.contains(m))
        }
        Rule::Service(services) => services.contains(span.resource.service_name()),
        Rule::Attribute { key, values } => [attrs, &span.resource.attributes]
            .into_iter()
            .any(|a| a.get(key).is_some_and(|v| value_in(v, values))),
        Rule::Guardrail { events, prefixes } => {
            span.genai
                .finish_reasons
                .iter()
                .any(|r| r == "content_filter")
                || attrs
                    .get("gen_ai.response.finish_reasons")
                    .and_then(AttrValue::as_array)
                    .is_some_and(|a| a.iter().any(|r| r.as_str() == Some("content_filter")))
                || span.events.iter().any(|e| events.contains(&e.name))
                || has_prefix(attrs, prefixes)
        }
        Rule::Redaction => redacted(attrs),
        Rule::KeepFlag { member, attributes } => {
            span.trace_state.split(',').any(|m| {
                m.split_once('=')
                    .is_some_and(|(k, v)| k.trim() == member.0 && v.trim() == member.1)
            }) || keep_flagged(attrs, attributes)
        }
        Rule::Cost(_) | Rule::Tokens(_) | Rule::Probabilistic(_) | Rule::Always => false,
    }
}

fn log_matches(rule: &Rule, log: &LogRecord) -> bool {
    let attrs = &log.attributes;
    match rule {
        // ERROR and above (OTLP severity numbers 17–24).
        Rule::Error => log.severity_number >= 17 || attrs.get_str("error.type").is_some(),
        Rule::Attribute { key, values } => attrs.get(key).is_some_and(|v| value_in(v, values)),
        Rule::Guardrail { events, prefixes } => {
            events.contains(&log.event_name) || has_prefix(attrs, prefixes)
        }
        Rule::Redaction => redacted(attrs),
        Rule::KeepFlag { attributes, .. } => keep_flagged(attrs, attributes),
        Rule::Service(services) => services.contains(log.resource.service_name()),
        Rule::Latency { .. }
        | Rule::Model(_)
        | Rule::Cost(_)
        | Rule::Tokens(_)
        | Rule::Probabilistic(_)
        | Rule::Always => false,
    }
}
