//! The pipeline between ingest and store: [`Processor`]s (normalize, enrich, redact),
//! the tail [`sample`]r, [`forward`]ers to other OTLP backends, and the [`Runner`] that applies
//! them and feeds the store's single writer.
//!
//! Processors run on the ingest threads that decoded the data, in order. Without sampling, the
//! writer thread groups queued requests into one transaction and acknowledges each request only
//! after the commit. With sampling, exports are acknowledged once the sampler holds them, and kept
//! traces are written later through the same writer. Forwarders get the same processed stream.
//! It is not for decoding (that is `flightdeck-ingest`) nor for queries (`flightdeck-store`).
//!
//! ```no_run
//! # use std::sync::Arc;
//! use flightdeck_pipeline::{PipelineConfig, Runner, RunnerConfig};
//! # fn store() -> Arc<dyn flightdeck_store::Writer> { unimplemented!() }
//! let shared = flightdeck_pipeline::Shared::new(&Default::default()).unwrap();
//! let config: PipelineConfig = toml::from_str(r#"
//!     [sample]
//!     decision_wait = "10s"
//!     [[sample.policies]]
//!     type = "error"
//!     [[sample.policies]]
//!     type = "probabilistic"
//!     rate = 0.1
//! "#).unwrap();
//! let runner = Runner::with_pipeline(config.build(&shared).unwrap(), Some(store()), RunnerConfig::default())
//!     .unwrap();
//! // hand `runner` to flightdeck_ingest::Receiver::new as its Sink;
//! // runner.pipeline_stats().snapshot() has every counter
//! runner.shutdown();
//! ```

pub mod config;
pub mod enrich;
pub mod forward;
pub mod processor;
pub mod redact;
pub mod runner;
pub mod sample;
pub mod stats;

pub use config::{PipelineConfig, PipelineConfigError, Shared};
pub use enrich::{Enrich, PricingConfig};
pub use forward::{ForwardConfig, Forwarder};
pub use processor::{DiagnosticsHandle, Normalize, Processor};
pub use redact::{RedactConfig, Redactor};
pub use runner::{Pipeline, Runner, RunnerConfig, StartError, WriterSnapshot, WriterStats};
pub use sample::{SampleConfig, TailSampler};
pub use stats::{PipelineSnapshot, PipelineStats};

#[cfg(test)]
mod test_util;
