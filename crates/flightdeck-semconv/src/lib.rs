//! The GenAI semantic layer: sees every instrumentation's spans as spans of the current
//! OpenTelemetry GenAI semantic conventions.
//!
//! - [`Normalizer`] fills a span's typed [`GenAi`](flightdeck_model::GenAi) view from whatever
//!   dialect its attributes and events are in (current and older OpenTelemetry conventions,
//!   OpenLLMetry / Traceloop, OpenInference, OpenLIT, Vercel AI SDK, Langfuse, Logfire, toad-eye),
//!   and reports what it noticed ([`NormalizeReport`]: dialects, deprecated names, conflicts,
//!   derived values). It runs on every ingested span, so it is one pass over the attributes.
//! - [`content()`] builds the canonical `gen_ai.input.messages` / `gen_ai.output.messages` /
//!   `gen_ai.system_instructions` / `gen_ai.tool.definitions` JSON of a span at read time, from its
//!   attributes, its events and the log records joined to it.
//! - [`Diagnostics`] aggregates, per service and instrumentation scope, what is wrong with the
//!   telemetry (missing model, usage, provider, TTFT; deprecated names; dialects; content).
//! - [`findings()`] checks one span against the current conventions and says what does not
//!   conform, with stable codes.
//!
//! Everything here is pure: no I/O, no clocks. Attributes are never modified; the typed view is
//! computed from them, so normalizing twice gives the same result.
//!
//! This crate is not the place for prices (that is `flightdeck-pricing`) or storage.
//!
//! ```
//! use flightdeck_semconv::{Dialect, Normalizer};
//! # use flightdeck_model::*;
//! # use std::sync::Arc;
//! # let mut span = Span {
//! #     trace_id: TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap(),
//! #     span_id: SpanId::from_hex("00f067aa0ba902b7").unwrap(), parent_span_id: None,
//! #     trace_state: String::new(), flags: 0, name: "ChatCompletion".into(), kind: SpanKind::Internal,
//! #     start_time_unix_nano: 1, end_time_unix_nano: 2, attributes: Attributes::new(),
//! #     dropped_attributes_count: 0, events: vec![], dropped_events_count: 0, links: vec![],
//! #     dropped_links_count: 0, status: Status::default(), resource: Arc::default(),
//! #     scope: Arc::default(), genai: GenAi::default() };
//! // An OpenInference span: no `gen_ai.*` attribute at all.
//! span.attributes.set("openinference.span.kind", "LLM");
//! span.attributes.set("llm.system", "openai");
//! span.attributes.set("llm.model_name", "gpt-4o-mini-2024-07-18");
//! span.attributes.set("llm.token_count.prompt", 21i64);
//! let report = Normalizer::default().normalize_with_report(&mut span);
//! assert_eq!(span.genai.operation.as_deref(), Some("chat"));
//! assert_eq!(span.genai.provider.as_deref(), Some("openai"));
//! assert_eq!(span.genai.model_family.as_deref(), Some("gpt-4o-mini"));
//! assert_eq!(span.genai.usage.input_tokens, Some(21));
//! assert!(report.dialects.contains(Dialect::Openinference));
//! ```

pub mod content;
pub mod deprecated;
pub mod diagnostics;
pub mod dialect;
pub mod findings;
pub mod keys;
pub mod names;
mod normalize;
pub mod report;
mod table;

pub use content::{Content, ContentSource, ContentSources, content};
pub use deprecated::{DeprecatedName, DeprecatedSet, NameKind};
pub use diagnostics::{ContentPresence, Diagnostics, DiagnosticsSnapshot, GroupSnapshot, Share};

pub use dialect::{Dialect, DialectSet};
pub use findings::{Finding, Severity, findings};

pub use normalize::{MAX_DOCUMENT_CONTENT_BYTES, MAX_DOCUMENTS, Normalizer, extract_current};
pub use report::{Conflict, Derivation, DerivationSet, NormalizeReport};
