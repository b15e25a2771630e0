//! The pipeline between ingest and store: [`Processor`]s (normalize, redact, and later enrich),
//! the tail [`sample`]r, [`forward`]ers to other OTLP backends, and the [`Runner`] that applies
//! them and feeds the store's single writer.
//!
//! Processors run on the ingest threads that decoded the data, in order; the writer thread groups
//! queued requests into one transaction and acknowledges each request only after the commit.
//!
//! ```no_run
//! # use std::sync::Arc;
//! use flightdeck_pipeline::{Normalize, Runner, RunnerConfig};
//! # fn store() -> Arc<dyn flightdeck_store::Store> { unimplemented!() }
//! let runner = Runner::start(vec![Box::new(Normalize::default())], store(), RunnerConfig::default())
//!     .unwrap();
//! // hand `runner` to flightdeck_ingest::Receiver::new as its Sink
//! runner.shutdown();
//! ```

pub mod processor;
pub mod redact;
pub mod runner;
pub mod sample;

pub use processor::{Normalize, Processor};
pub use redact::{RedactConfig, Redactor};
pub use runner::{Runner, RunnerConfig, WriterSnapshot, WriterStats};
pub use sample::{SampleConfig, TailSampler};

#[cfg(test)]
mod test_util;
