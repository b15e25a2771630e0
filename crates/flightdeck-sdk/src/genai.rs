//! [`GenAi`], the instrumentation entry point, and its builder.

use std::borrow::Cow;
use std::sync::Arc;

use opentelemetry::global::{self, BoxedTracer};
use opentelemetry::metrics::MeterProvider;
use opentelemetry::trace::{Tracer, TracerProvider};
use opentelemetry::{InstrumentationScope, StringValue};

use crate::content::{CAPTURE_CONTENT_ENV, ContentCapture};
use crate::keys::operation;
use crate::metrics::Instruments;
use crate::spans::{
    AgentBuilder, EmbeddingsBuilder, InferenceBuilder, RetrievalBuilder, ToolBuilder,
    WorkflowBuilder,
};

/// Name of the instrumentation scope of every span and metric this SDK emits.
pub const SCOPE_NAME: &str = "flightdeck-sdk";

/// Default cap on the bytes of one text value recorded as content (longer texts are truncated).
pub const DEFAULT_MAX_CONTENT_BYTES: usize = 16 * 1024;

/// Converts a name into a `StringValue` whose clones do not allocate.
pub(crate) fn shared(s: Cow<'static, str>) -> StringValue {
    match s {
        Cow::Borrowed(b) => StringValue::from(b),
        Cow::Owned(o) => StringValue::from(Arc::<str>::from(o)),
    }
}

/// Shared state of a [`GenAi`].
#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) tracer: BoxedTracer,
    pub(crate) instruments: Instruments,
    pub(crate) capture: ContentCapture,
    pub(crate) prompt_hash: bool,
    pub(crate) max_content_bytes: usize,
    pub(crate) provider: Option<StringValue>,
    pub(crate) server: Option<(StringValue, u16)>,
}

impl Inner {
    pub(crate) fn captures_content(&self) -> bool {
        self.capture == ContentCapture::SpanAttributes
    }
}

/// The GenAI instrumentation: creates spans for model calls, embeddings, retrieval, agents,
/// tools and workflows, and records the conventions' metrics when they end.
///
/// Cheap to clone (one `Arc`); build one per application (or per provider) and share it.
///
/// ```
/// use flightdeck_sdk::{GenAi, Usage};
/// let genai = GenAi::builder().with_provider("openai").build();
/// let mut call = genai.chat("gpt-4o-mini").with_temperature(0.2).start();
/// call.set_response_model("gpt-4o-mini-2024-07-18");
/// call.record_usage(Usage::new(12, 30));
/// call.end();
/// ```
#[derive(Debug, Clone)]
pub struct GenAi {
    pub(crate) inner: Arc<Inner>,
}

impl GenAi {
    /// A builder with the defaults: global tracer and meter providers, content capture from
    /// the environment (off when unset), no prompt hash, current metric names only.
    pub fn builder() -> GenAiBuilder {
        GenAiBuilder::default()
    }

    /// Whether message content is recorded; lets callers skip building content they would
    /// pass to `with_input_messages` and friends.
    pub fn captures_content(&self) -> bool {
        self.inner.captures_content()
    }

    /// Whether the prompt hash is recorded.
    pub fn hashes_prompts(&self) -> bool {
        self.inner.prompt_hash
    }

    /// A chat completion span (`chat {model}`, kind `CLIENT`).
    pub fn chat(&self, model: impl Into<Cow<'static, str>>) -> InferenceBuilder {
        InferenceBuilder::new(
            self.inner.clone(),
            Cow::Borrowed(operation::CHAT),
            model.into(),
        )
    }

    /// A legacy text completion span (`text_completion {model}`, kind `CLIENT`).
    pub fn text_completion(&self, model: impl Into<Cow<'static, str>>) -> InferenceBuilder {
        InferenceBuilder::new(
            self.inner.clone(),
            Cow::Borrowed(operation::TEXT_COMPLETION),
            model.into(),
        )
    }

    /// A multimodal generation span (`generate_content {model}`, kind `CLIENT`), as used for
    /// Gemini `generateContent`.
    pub fn generate_content(&self, model: impl Into<Cow<'static, str>>) -> InferenceBuilder {
        InferenceBuilder::new(
            self.inner.clone(),
            Cow::Borrowed(operation::GENERATE_CONTENT),
            model.into(),
        )
    }

    /// An inference span with a custom operation name (`{operation} {model}`).
    pub fn inference(
        &self,
        operation: impl Into<Cow<'static, str>>,
        model: impl Into<Cow<'static, str>>,
    ) -> InferenceBuilder {
        InferenceBuilder::new(self.inner.clone(), operation.into(), model.into())
    }

    /// An embeddings span (`embeddings {model}`, kind `CLIENT`).
    pub fn embeddings(&self, model: impl Into<Cow<'static, str>>) -> EmbeddingsBuilder {
        EmbeddingsBuilder::new(self.inner.clone(), model.into())
    }

    /// A retrieval span (`retrieval {data_source_id}`, kind `CLIENT`).
    pub fn retrieval(&self, data_source_id: impl Into<Cow<'static, str>>) -> RetrievalBuilder {
        RetrievalBuilder::new(self.inner.clone(), data_source_id.into())
    }

    /// An in-process agent invocation (`invoke_agent {name}`, kind `INTERNAL`; an empty name
    /// gives the span name `invoke_agent`). Use [`AgentBuilder::remote`] for hosted agents.
    pub fn invoke_agent(&self, name: impl Into<Cow<'static, str>>) -> AgentBuilder {
        AgentBuilder::new(self.inner.clone(), name.into())
    }

    /// A tool execution (`execute_tool {tool_name}`, kind `INTERNAL`).
    pub fn execute_tool(&self, tool_name: impl Into<Cow<'static, str>>) -> ToolBuilder {
        ToolBuilder::new(self.inner.clone(), tool_name.into())
    }

    /// A workflow invocation (`invoke_workflow {name}`, kind `INTERNAL`).
    pub fn invoke_workflow(&self, name: impl Into<Cow<'static, str>>) -> WorkflowBuilder {
        WorkflowBuilder::new(self.inner.clone(), name.into())
    }
}

/// Builder of [`GenAi`].
#[derive(Default)]
pub struct GenAiBuilder {
    tracer: Option<BoxedTracer>,
    meter: Option<opentelemetry::metrics::Meter>,
    capture: Option<ContentCapture>,
    prompt_hash: bool,
    legacy_metrics: bool,
    max_content_bytes: Option<usize>,
    provider: Option<Cow<'static, str>>,
    server: Option<(Cow<'static, str>, u16)>,
}

impl std::fmt::Debug for GenAiBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GenAiBuilder")
            .field("capture", &self.capture)
            .field("prompt_hash", &self.prompt_hash)
            .field("legacy_metrics", &self.legacy_metrics)
            .field("provider", &self.provider)
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}

fn scope() -> InstrumentationScope {
    InstrumentationScope::builder(SCOPE_NAME)
        .with_version(env!("CARGO_PKG_VERSION"))
        .build()
}

impl GenAiBuilder {
    /// Emit spans through this tracer provider instead of the global one.
    pub fn with_tracer_provider<P, T, S>(mut self, provider: &P) -> Self
    where
        P: TracerProvider<Tracer = T>,
        T: Tracer<Span = S> + Send + Sync + 'static,
        S: opentelemetry::trace::Span + Send + Sync + 'static,
    {
        self.tracer = Some(BoxedTracer::new(Box::new(
            provider.tracer_with_scope(scope()),
        )));
        self
    }

    /// Record metrics through this meter provider instead of the global one.
    pub fn with_meter_provider<M: MeterProvider>(mut self, provider: &M) -> Self {
        self.meter = Some(provider.meter_with_scope(scope()));
        self
    }

    /// Content capture mode. Set in code, it overrides
    /// `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`.
    pub fn with_content_capture(mut self, capture: ContentCapture) -> Self {
        self.capture = Some(capture);
        self
    }

    /// Record `flightdeck.prompt.hash` (a stable SHA-256 of the system instructions and input
    /// messages) on inference spans, whether or not content is captured. With capture off this
    /// identifies repeated prompts without recording their text.
    pub fn with_prompt_hash(mut self, on: bool) -> Self {
        self.prompt_hash = on;
        self
    }

    /// Also emit the metric names of semantic conventions v1.41 and earlier
    /// (`gen_ai.client.token.usage`, `gen_ai.client.operation.duration` for inference,
    /// `gen_ai.client.operation.time_to_first_chunk`, `...time_per_output_chunk`), for
    /// dashboards that still expect them. Off by default.
    pub fn with_legacy_metrics(mut self, on: bool) -> Self {
        self.legacy_metrics = on;
        self
    }

    /// Cap on the bytes of any one text recorded as content (default 16 KiB); longer texts are
    /// truncated with `…` and the JSON stays valid.
    pub fn with_max_content_bytes(mut self, bytes: usize) -> Self {
        self.max_content_bytes = Some(bytes);
        self
    }

    /// Default `gen_ai.provider.name` for spans that do not set one (e.g. `openai`).
    pub fn with_provider(mut self, provider: impl Into<Cow<'static, str>>) -> Self {
        self.provider = Some(provider.into());
        self
    }

    /// Default `server.address` and `server.port` for client spans that do not set them.
    pub fn with_server(mut self, address: impl Into<Cow<'static, str>>, port: u16) -> Self {
        self.server = Some((address.into(), port));
        self
    }

    /// Builds the instrumentation: registers the metric instruments once and reads
    /// `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT` if capture was not set in code.
    pub fn build(self) -> GenAi {
        let capture = self.capture.unwrap_or_else(|| {
            std::env::var(CAPTURE_CONTENT_ENV)
                .ok()
                .and_then(|v| ContentCapture::from_env_value(&v))
                .unwrap_or_default()
        });
        let meter = self
            .meter
            .unwrap_or_else(|| global::meter_with_scope(scope()));
        let tracer = self
            .tracer
            .unwrap_or_else(|| global::tracer_with_scope(scope()));
        GenAi {
            inner: Arc::new(Inner {
                tracer,
                instruments: Instruments::new(&meter, self.legacy_metrics),
                capture,
                prompt_hash: self.prompt_hash,
                max_content_bytes: self.max_content_bytes.unwrap_or(DEFAULT_MAX_CONTENT_BYTES),
                provider: self.provider.map(shared),
                server: self.server.map(|(a, p)| (shared(a), p)),
            }),
        }
    }
}
