//! The pipeline between ingest and store: [`Processor`]s (normalize, and later enrich, redact,
//! sample, forward) and the [`Runner`] that applies them and feeds the store's single writer.
//!
//! Processors run on the ingest threads that decoded the data, in order; the writer thread groups
//! queued requests into one transaction and acknowledges each request only after the commit.
//!
//! ```no_run
//! # use std::sync::Arc;
//! use flightdeck_pipeline::{Normalize, Runner, RunnerConfig};
//! # fn store() -> Arc<dyn flightdeck_store::Writer> { unimplemented!() }
//! let runner = Runner::start(vec![Box::new(Normalize::default())], store(), RunnerConfig::default())
//!     .unwrap();
//! // hand `runner` to flightdeck_ingest::Receiver::new as its Sink
//! runner.shutdown();
//! ```

pub mod enrich;
pub mod processor;
pub mod runner;

pub use enrich::{Enrich, PricingConfig};
pub use processor::{DiagnosticsHandle, Normalize, Processor};
pub use runner::{Runner, RunnerConfig, WriterSnapshot, WriterStats};
