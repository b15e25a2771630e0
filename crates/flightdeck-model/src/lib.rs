//! The data model shared by every Flightdeck crate: trace and span ids, attribute values, spans
//! with their resource and scope, log records, and the typed GenAI view of a span.
//!
//! This crate does no I/O and knows nothing about wire formats or storage; decoding lives in
//! `flightdeck-ingest`, the conventions that fill [`GenAi`] live in `flightdeck-semconv`.
//!
//! ```
//! use flightdeck_model::{Attributes, KeyValue, TraceId};
//!
//! let id: TraceId = "4bf92f3577b34da6a3ce929d0e0e4736".parse().unwrap();
//! let attrs: Attributes = vec![KeyValue::new("gen_ai.request.model", "gpt-4o")].into_iter().collect();
//! assert_eq!(attrs.get_str("gen_ai.request.model"), Some("gpt-4o"));
//! assert_eq!(id.to_string().len(), 32);
//! ```

pub mod genai;
pub mod ids;
pub mod log;
pub mod span;
pub mod value;

pub use genai::{Cost, GenAi, Retrieval, RetrievedDocument, Usage};
pub use ids::{IdError, SpanId, TraceId};
pub use log::LogRecord;
pub use span::{Event, Link, Resource, Scope, Span, SpanKind, Status, StatusCode};
pub use value::{AttrValue, Attributes, KeyValue};
