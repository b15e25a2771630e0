//! OTLP receivers: gRPC ([`grpc::routes`]) and HTTP ([`http::router`]), protobuf and JSON, with
//! gzip / zstd / deflate, size caps and backpressure.
//!
//! Ingest decodes and validates; it does not interpret GenAI attributes or store anything. Decoded
//! spans and log records go to a [`Sink`] (the pipeline), which either accepts them into a bounded
//! queue or refuses at once; the client gets its answer only when the data is durable.
//!
//! ```no_run
//! # use std::sync::Arc;
//! # use flightdeck_ingest::*;
//! # fn sink() -> Arc<dyn Sink> { unimplemented!() }
//! let receiver = Receiver::new(sink(), Limits::default(), Arc::default());
//! let http = http::router(Arc::clone(&receiver));      // serve on :4318
//! let grpc = grpc::routes(receiver);                    // serve on :4317
//! ```

pub mod decode;
pub mod grpc;
pub mod http;
pub mod limits;
pub mod receiver;
pub mod sink;
pub mod stats;

pub use decode::Encoding;
pub use limits::{Limits, Truncations};
pub use receiver::{ExportError, Outcome, Receiver};
pub use sink::{Completer, Sink, SubmitError, Ticket};
pub use stats::{IngestSnapshot, IngestStats, Signal};
