//! The `[pipeline.sample]` section.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// What a matching policy decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Keep the whole trace.
    #[default]
    Keep,
    /// Drop the whole trace (counted).
    Drop,
}

/// One sampling policy. Policies are evaluated in order when a trace is decided; the first that
/// matches decides. A trace no policy matches is dropped (counted under `unmatched`), so end the
/// list with a `probabilistic` policy to keep a share of the rest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum PolicyConfig {
    /// Matches traces with an error: a span with status ERROR or an `error.type` attribute.
    Error {
        /// Name in counters (default: the type).
        #[serde(default)]
        name: Option<String>,
        /// Keep (default) or drop matching traces.
        #[serde(default)]
        action: Action,
    },
    /// Matches traces with a span slower than a threshold, per operation.
    Latency {
        /// Name in counters (default: the type).
        #[serde(default)]
        name: Option<String>,
        /// Keep (default) or drop matching traces.
        #[serde(default)]
        action: Action,
        /// Threshold for spans of operations not listed in `operations`.
        #[serde(with = "humantime_serde")]
        threshold: Duration,
        /// Thresholds per operation: the key is a `gen_ai.operation.name` (`chat`,
        /// `execute_tool`, ...) or a span name.
        #[serde(default)]
        operations: BTreeMap<String, humantime_serde::Serde<Duration>>,
    },
    /// Matches traces whose GenAI spans cost at least this much in total (US dollars, from the
    /// cost the pipeline computed).
    Cost {
        /// Name in counters (default: the type).
        #[serde(default)]
        name: Option<String>,
        /// Keep (default) or drop matching traces.
        #[serde(default)]
        action: Action,
        /// Threshold in US dollars per trace.
        threshold_usd: f64,
    },
    /// Matches traces whose GenAI spans used at least this many tokens (input + output) in
    /// total.
    Tokens {
        /// Name in counters (default: the type).
        #[serde(default)]
        name: Option<String>,
        /// Keep (default) or drop matching traces.
        #[serde(default)]
        action: Action,
        /// Threshold in tokens per trace.
        threshold: u64,
    },
    /// Matches traces with a span of one of these models (request or response model).
    Model {
        /// Name in counters (default: the type).
        #[serde(default)]
        name: Option<String>,
        /// Keep (default) or drop matching traces.
        #[serde(default)]
        action: Action,
        /// Model names.
        models: Vec<String>,
    },
    /// Matches traces with a span from one of these services (`service.name`).
    Service {
        /// Name in counters (default: the type).
        #[serde(default)]
        name: Option<String>,
        /// Keep (default) or drop matching traces.
        #[serde(default)]
        action: Action,
        /// Service names.
        services: Vec<String>,
    },
    /// Matches traces with a span (or its resource) carrying an attribute, optionally with one
    /// of the given values (compared as text).
    Attribute {
        /// Name in counters (default: the type).
        #[serde(default)]
        name: Option<String>,
        /// Keep (default) or drop matching traces.
        #[serde(default)]
        action: Action,
        /// The attribute key.
        key: String,
        /// Accepted values; empty means "present with any value".
        #[serde(default)]
        values: Vec<String>,
    },
    /// Matches traces where a guardrail fired: a `content_filter` finish reason, a span event or
    /// log event with one of `events`, or an attribute whose key starts with one of
    /// `attribute_prefixes`.
    Guardrail {
        /// Name in counters (default: the type).
        #[serde(default)]
        name: Option<String>,
        /// Keep (default) or drop matching traces.
        #[serde(default)]
        action: Action,
        /// Event names that signal a guardrail hit.
        #[serde(default = "default_guardrail_events")]
        events: Vec<String>,
        /// Attribute key prefixes that signal a guardrail hit.
        #[serde(default = "default_guardrail_prefixes")]
        attribute_prefixes: Vec<String>,
    },
    /// Matches traces in which the redaction processor replaced something.
    Redaction {
        /// Name in counters (default: the type).
        #[serde(default)]
        name: Option<String>,
        /// Keep (default) or drop matching traces.
        #[serde(default)]
        action: Action,
    },
    /// Matches traces whose context carries a keep flag: a W3C `tracestate` member, or a true /
    /// positive attribute.
    KeepFlag {
        /// Name in counters (default: the type).
        #[serde(default)]
        name: Option<String>,
        /// Keep (default) or drop matching traces.
        #[serde(default)]
        action: Action,
        /// The `tracestate` member that flags a trace, as `key=value`.
        #[serde(default = "default_keep_tracestate")]
        tracestate: String,
        /// Attributes that flag a trace when true or a positive number.
        #[serde(default = "default_keep_attributes")]
        attributes: Vec<String>,
    },
    /// Keeps this share of the traces that reach it and drops the rest. The choice depends only
    /// on the trace id, so every Flightdeck instance decides a trace the same way.
    Probabilistic {
        /// Name in counters (default: the type).
        #[serde(default)]
        name: Option<String>,
        /// Share kept, 0.0–1.0.
        rate: f64,
    },
    /// Matches every trace.
    Always {
        /// Name in counters (default: the type).
        #[serde(default)]
        name: Option<String>,
        /// Keep (default) or drop.
        #[serde(default)]
        action: Action,
    },
}

fn default_guardrail_events() -> Vec<String> {
    vec!["agent.threat.detection".into(), "gen_ai.guardrail".into()]
}

fn default_guardrail_prefixes() -> Vec<String> {
    vec!["gen_ai.guardrail.".into(), "agent.threat.detection.".into()]
}

fn default_keep_tracestate() -> String {
    "flightdeck=keep".into()
}

fn default_keep_attributes() -> Vec<String> {
    vec!["flightdeck.keep".into(), "sampling.priority".into()]
}

impl PolicyConfig {
    /// The type name, as written in the configuration.
    pub fn kind(&self) -> &'static str {
        match self {
            PolicyConfig::Error { .. } => "error",
            PolicyConfig::Latency { .. } => "latency",
            PolicyConfig::Cost { .. } => "cost",
            PolicyConfig::Tokens { .. } => "tokens",
            PolicyConfig::Model { .. } => "model",
            PolicyConfig::Service { .. } => "service",
            PolicyConfig::Attribute { .. } => "attribute",
            PolicyConfig::Guardrail { .. } => "guardrail",
            PolicyConfig::Redaction { .. } => "redaction",
            PolicyConfig::KeepFlag { .. } => "keep_flag",
            PolicyConfig::Probabilistic { .. } => "probabilistic",
            PolicyConfig::Always { .. } => "always",
        }
    }

    /// The name in counters: the configured one, else the type.
    pub fn name(&self) -> &str {
        let name = match self {
            PolicyConfig::Error { name, .. }
            | PolicyConfig::Latency { name, .. }
            | PolicyConfig::Cost { name, .. }
            | PolicyConfig::Tokens { name, .. }
            | PolicyConfig::Model { name, .. }
            | PolicyConfig::Service { name, .. }
            | PolicyConfig::Attribute { name, .. }
            | PolicyConfig::Guardrail { name, .. }
            | PolicyConfig::Redaction { name, .. }
            | PolicyConfig::KeepFlag { name, .. }
            | PolicyConfig::Probabilistic { name, .. }
            | PolicyConfig::Always { name, .. } => name,
        };
        name.as_deref().unwrap_or(self.kind())
    }
}

/// Settings of the tail sampler.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SampleConfig {
    /// How long after a trace's most recent span (or log record) the trace is decided.
    #[serde(with = "humantime_serde")]
    pub decision_wait: Duration,
    /// Most traces held undecided; past it, the oldest are decided early (counted).
    pub max_traces: usize,
    /// Most bytes held undecided (compressed spans plus bookkeeping); past it, the oldest traces
    /// are decided early (counted).
    pub max_buffered_bytes: u64,
    /// How many decided traces are remembered, so late spans follow their trace's decision.
    pub decision_cache: usize,
    /// How often due traces are looked for.
    #[serde(with = "humantime_serde")]
    pub tick_interval: Duration,
    /// The policies, in order; the first that matches decides.
    pub policies: Vec<PolicyConfig>,
}

impl Default for SampleConfig {
    fn default() -> Self {
        SampleConfig {
            decision_wait: Duration::from_secs(10),
            max_traces: 200_000,
            max_buffered_bytes: 512 << 20,
            decision_cache: 500_000,
            tick_interval: Duration::from_millis(200),
            policies: Vec::new(),
        }
    }
}
