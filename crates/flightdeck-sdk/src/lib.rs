//! OpenTelemetry instrumentation for Rust LLM applications and agents, following the
//! OpenTelemetry GenAI semantic conventions exactly.
//!
//! Built on the `opentelemetry` crates (API, SDK, `opentelemetry-otlp`); it depends on no other
//! Flightdeck crate and works with any OpenTelemetry backend.
//!
//! What it gives you:
//!
//! * [`GenAi`]: typed span builders for `chat` / `text_completion` / `generate_content`,
//!   `embeddings`, `retrieval`, `invoke_agent`, `execute_tool` and `invoke_workflow`, named
//!   `{operation} {name}` with the conventions' span kinds and with the sampling-relevant
//!   attributes set at span creation. Handles record response attributes, inclusive token
//!   usage ([`Usage`], with converters from OpenAI, Anthropic and Gemini usage objects) and
//!   errors (`error.type` + status `ERROR`), then end the span and record the metrics
//!   (`gen_ai.client.inference.duration`, `gen_ai.client.inference.usage.*`, ...).
//! * [`stream`]: a `futures::Stream` adapter per provider stream format that records time to
//!   first chunk, accumulates output, tool calls and usage, and ends the span on completion,
//!   error or early drop.
//! * [`openai::OpenAiClient`]: an instrumented OpenAI-compatible client (`chat`,
//!   `chat_stream`, `embeddings`).
//! * [`propagation`]: W3C `traceparent` / `tracestate` / `baggage` in HTTP and queue headers,
//!   and links for batch consumers.
//! * [`testing::TestTelemetry`]: in-memory spans and metrics for your tests;
//!   [`otlp::OtlpPipeline`]: OTLP/HTTP export in one call.
//!
//! Message content is **not** recorded unless content capture is switched on in code
//! ([`ContentCapture::SpanAttributes`]) or with
//! `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=SPAN_ONLY`. Nothing in this crate panics
//! on bad input.
//!
//! What it is not: an auto-instrumentation of third-party provider crates, or a log/event
//! emitter (content goes in span attributes only).
//!
//! ```
//! use flightdeck_sdk::testing::TestTelemetry;
//! use flightdeck_sdk::{Message, Usage};
//!
//! let telemetry = TestTelemetry::new();
//! let genai = telemetry.genai().with_provider("openai").with_server("api.openai.com", 443).build();
//!
//! let agent = genai.invoke_agent("planner").start();
//! let mut call = genai
//!     .chat("gpt-4o-mini")
//!     .with_parent(&agent.context())
//!     .with_temperature(0.2)
//!     .with_input_messages(vec![Message::user("Plan a trip")])
//!     .start();
//! call.set_response_model("gpt-4o-mini-2024-07-18");
//! call.set_finish_reasons(["stop"]);
//! call.record_usage(Usage::from_openai_json(&serde_json::json!({
//!     "prompt_tokens": 12, "completion_tokens": 30
//! })).unwrap_or_default());
//! call.end();
//! agent.end();
//!
//! let chat = telemetry.span("chat gpt-4o-mini").unwrap();
//! assert_eq!(chat.attribute("gen_ai.usage.output_tokens"), Some(30.into()));
//! assert_eq!(chat.attribute("gen_ai.input.messages"), None); // content capture is off
//! ```

pub mod content;
mod genai;
pub mod keys;
mod metrics;
pub mod openai;
pub mod otlp;
pub mod propagation;
mod spans;
pub mod stream;
pub mod testing;
mod usage;

pub use content::{
    ContentCapture, Message, OutputMessage, Part, RetrievedDocument, ToolDefinition,
};
pub use genai::{DEFAULT_MAX_CONTENT_BYTES, GenAi, GenAiBuilder, SCOPE_NAME};
pub use metrics::{
    AGENT_DURATION_BUCKETS, DURATION_BUCKETS, TOKEN_BUCKETS, WORKFLOW_DURATION_BUCKETS,
};
pub use spans::{
    AgentBuilder, AgentSpan, EmbeddingsBuilder, EmbeddingsSpan, InferenceBuilder, InferenceSpan,
    RetrievalBuilder, RetrievalSpan, ToolBuilder, ToolSpan, WorkflowBuilder, WorkflowSpan,
};
pub use usage::{
    AnthropicUsage, GeminiModalityCount, GeminiUsage, ModalityTokens, OpenAiTokenDetails,
    OpenAiUsage, Usage,
};

pub use opentelemetry;
pub use opentelemetry_sdk;
