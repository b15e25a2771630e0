//! One handle on every pipeline counter, for `GET /api/v1/pipeline`.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use crate::forward::{ForwardSnapshot, Forwarder};
use crate::processor::Processor;
use crate::sample::{SampleSnapshot, TailSampler};

/// Cheap to clone (all `Arc`s): the server keeps one in its state. `Default` is an empty pipeline
/// (for tests of the API without a runner).
#[derive(Clone, Default)]
pub struct PipelineStats {
    processors: Vec<Arc<dyn Processor>>,
    sampler: Option<Arc<TailSampler>>,
    forwarders: Vec<Arc<Forwarder>>,
    store: bool,
}

impl std::fmt::Debug for PipelineStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PipelineStats")
            .field(
                "processors",
                &self.processors.iter().map(|p| p.name()).collect::<Vec<_>>(),
            )
            .field("sampler", &self.sampler.is_some())
            .field("forwarders", &self.forwarders.len())
            .field("store", &self.store)
            .finish()
    }
}

/// One processor in a snapshot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProcessorSnapshot {
    /// Its id (`normalize`, `redact`, ...).
    pub name: &'static str,
    /// Its counters, when it keeps any (for `redact`: redactions per rule, spans and log records
    /// redacted, attributes removed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stats: Option<serde_json::Value>,
}

/// The sampler in a snapshot: its limits and its counters.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SamplerView {
    /// The decision window, ms.
    pub decision_wait_ms: u64,
    /// The trace cap.
    pub max_traces: usize,
    /// The byte cap.
    pub max_buffered_bytes: u64,
    /// The counters.
    #[serde(flatten)]
    pub counters: SampleSnapshot,
}

/// Everything `GET /api/v1/pipeline` shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PipelineSnapshot {
    /// Whether data is written to the local store.
    pub store: bool,
    /// Processors, in order.
    pub processors: Vec<ProcessorSnapshot>,
    /// The tail sampler; `null` when sampling is off (everything is kept).
    pub sampler: Option<SamplerView>,
    /// Forwarding destinations.
    pub forwarders: Vec<ForwardSnapshot>,
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl PipelineStats {
    /// A handle over the given components.
    pub fn new(
        processors: Vec<Arc<dyn Processor>>,
        sampler: Option<Arc<TailSampler>>,
        forwarders: Vec<Arc<Forwarder>>,
        store: bool,
    ) -> PipelineStats {
        PipelineStats {
            processors,
            sampler,
            forwarders,
            store,
        }
    }

    /// Reads every counter now.
    pub fn snapshot(&self) -> PipelineSnapshot {
        PipelineSnapshot {
            store: self.store,
            processors: self
                .processors
                .iter()
                .map(|p| ProcessorSnapshot {
                    name: p.name(),
                    stats: p.stats(),
                })
                .collect(),
            sampler: self.sampler.as_ref().map(|s| {
                let config = s.config();
                SamplerView {
                    decision_wait_ms: millis(config.decision_wait),
                    max_traces: config.max_traces,
                    max_buffered_bytes: config.max_buffered_bytes,
                    counters: s.stats().snapshot(),
                }
            }),
            forwarders: self.forwarders.iter().map(|f| f.snapshot()).collect(),
        }
    }
}
