//! Typed span builders (one per operation) and the handles they start.
//!
//! Every builder sets the attributes the conventions want at span creation (operation,
//! provider, model, server, agent / tool names) on the OpenTelemetry `SpanBuilder`, so samplers
//! see them. The handle records response attributes, usage and errors while the operation runs;
//! ending it (explicitly, or by dropping it) sets the span status, ends the span and records
//! the metrics. A handle ends exactly once.

mod agent;
mod embeddings;
mod inference;
mod retrieval;
mod tool;
mod workflow;

pub use agent::{AgentBuilder, AgentSpan};
pub use embeddings::{EmbeddingsBuilder, EmbeddingsSpan};
pub use inference::{InferenceBuilder, InferenceSpan};
pub use retrieval::{RetrievalBuilder, RetrievalSpan};
pub use tool::{ToolBuilder, ToolSpan};
pub use workflow::{WorkflowBuilder, WorkflowSpan};

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Instant;

use opentelemetry::trace::{
    Link, SpanContext, SpanKind, Status, TraceContextExt as _, Tracer as _,
};
use opentelemetry::{Context, KeyValue, StringValue};

use crate::genai::{Inner, shared};
use crate::keys;
use crate::usage::Usage;

/// Which metrics an operation records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Inference,
    ClientOperation,
    AgentInternal,
    Tool,
    Workflow,
}

/// What every builder holds: the span to create and the metric attributes collected so far.
pub(crate) struct Start {
    pub(crate) inner: Arc<Inner>,
    pub(crate) kind: SpanKind,
    pub(crate) attrs: Vec<KeyValue>,
    pub(crate) metric_attrs: Vec<KeyValue>,
    pub(crate) parent: Option<Context>,
    pub(crate) links: Vec<Link>,
    pub(crate) op: Op,
}

impl Start {
    pub(crate) fn new(inner: Arc<Inner>, kind: SpanKind, op: Op) -> Start {
        Start {
            inner,
            kind,
            attrs: Vec::with_capacity(12),
            metric_attrs: Vec::with_capacity(8),
            parent: None,
            links: Vec::new(),
            op,
        }
    }

    /// Adds an attribute both to the span (at creation) and to the metrics.
    pub(crate) fn both(&mut self, key: &'static str, value: StringValue) {
        self.attrs.push(KeyValue::new(key, value.clone()));
        self.metric_attrs.push(KeyValue::new(key, value));
    }

    /// Adds a string attribute to the span only.
    pub(crate) fn span_str(&mut self, key: &'static str, value: Cow<'static, str>) {
        self.attrs.push(KeyValue::new(key, shared(value)));
    }

    /// Adds `server.address` / `server.port` (given or the instrumentation's default) to span
    /// and metrics.
    pub(crate) fn server(&mut self, given: Option<(StringValue, u16)>) {
        if let Some((address, port)) = given.or_else(|| self.inner.server.clone()) {
            self.both(keys::SERVER_ADDRESS, address);
            self.attrs
                .push(KeyValue::new(keys::SERVER_PORT, i64::from(port)));
            self.metric_attrs
                .push(KeyValue::new(keys::SERVER_PORT, i64::from(port)));
        }
    }

    /// Adds `gen_ai.provider.name` (given or the instrumentation's default) to span and metrics.
    pub(crate) fn provider(&mut self, given: Option<StringValue>) {
        if let Some(p) = given.or_else(|| self.inner.provider.clone()) {
            self.both(keys::PROVIDER_NAME, p);
        }
    }

    /// Starts the span.
    pub(crate) fn start(self, name: Cow<'static, str>) -> Recorder {
        let parent = self.parent.unwrap_or_else(Context::current);
        let builder = self
            .inner
            .tracer
            .span_builder(name)
            .with_kind(self.kind)
            .with_attributes(self.attrs)
            .with_links(self.links);
        let span = self.inner.tracer.build_with_context(builder, &parent);
        let cx = parent.with_span(span);
        let recording = cx.span().is_recording();
        Recorder {
            cx,
            inner: self.inner,
            op: self.op,
            started: Instant::now(),
            metric_attrs: self.metric_attrs,
            pending: Vec::new(),
            usage: None,
            ttft: None,
            error: None,
            ended: false,
            recording,
        }
    }
}

/// A started span: records attributes, usage and errors; ends once.
pub(crate) struct Recorder {
    cx: Context,
    pub(crate) inner: Arc<Inner>,
    op: Op,
    pub(crate) started: Instant,
    pub(crate) metric_attrs: Vec<KeyValue>,
    /// Attributes set on the span when it ends, one per key (later values replace earlier).
    pending: Vec<KeyValue>,
    pub(crate) usage: Option<Usage>,
    /// Time to first chunk (seconds), recorded as a metric when the span ends.
    pub(crate) ttft: Option<f64>,
    error: Option<(StringValue, Cow<'static, str>)>,
    ended: bool,
    pub(crate) recording: bool,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("span_context", self.cx.span().span_context())
            .field("op", &self.op)
            .field("ended", &self.ended)
            .finish_non_exhaustive()
    }
}

impl Recorder {
    pub(crate) fn context(&self) -> Context {
        self.cx.clone()
    }

    pub(crate) fn span_context(&self) -> SpanContext {
        self.cx.span().span_context().clone()
    }

    /// Sets (or replaces) an attribute written when the span ends.
    pub(crate) fn set(&mut self, kv: KeyValue) {
        if !self.recording {
            return;
        }
        match self.pending.iter_mut().find(|p| p.key == kv.key) {
            Some(slot) => *slot = kv,
            None => self.pending.push(kv),
        }
    }

    /// Sets (or replaces) an attribute that is also a metric dimension.
    pub(crate) fn set_metric_dimension(&mut self, key: &'static str, value: StringValue) {
        match self.metric_attrs.iter_mut().find(|p| p.key.as_str() == key) {
            Some(slot) => slot.value = value.clone().into(),
            None => self.metric_attrs.push(KeyValue::new(key, value.clone())),
        }
        self.set(KeyValue::new(key, value));
    }

    pub(crate) fn set_error(&mut self, error_type: Cow<'static, str>, message: Cow<'static, str>) {
        self.error = Some((shared(error_type), message));
    }

    pub(crate) fn has_error(&self) -> bool {
        self.error.is_some()
    }

    /// Ends the span and records the metrics; does nothing the second time.
    pub(crate) fn finish(&mut self) {
        if self.ended {
            return;
        }
        self.ended = true;
        let seconds = self.started.elapsed().as_secs_f64();
        let usage = self.usage.unwrap_or_default();
        if self.usage.is_some() {
            usage_attributes(&usage, &mut self.pending);
        }
        if let Some(ttft) = self.ttft {
            self.inner
                .instruments
                .record_time_to_first_chunk(&self.metric_attrs, ttft);
        }
        let error = self
            .error
            .as_ref()
            .map(|(error_type, _)| KeyValue::new(keys::ERROR_TYPE, error_type.clone()));
        if let Some(e) = &error {
            self.pending.push(e.clone());
        }
        let span = self.cx.span();
        if self.recording {
            span.set_attributes(self.pending.drain(..));
        }
        if let Some((_, message)) = self.error.take() {
            span.set_status(Status::Error {
                description: message,
            });
        }
        let instruments = &self.inner.instruments;
        let attrs = &mut self.metric_attrs;
        match self.op {
            Op::Inference => instruments.record_inference(attrs, error, seconds, &usage),
            Op::ClientOperation => {
                instruments.record_client_operation(attrs, error, seconds, usage.input_tokens)
            }
            Op::AgentInternal => {
                attrs.extend(error);
                instruments.record_agent(attrs, seconds);
            }
            Op::Tool => {
                attrs.extend(error);
                instruments.record_tool(attrs, seconds);
            }
            Op::Workflow => {
                attrs.extend(error);
                instruments.record_workflow(attrs, seconds);
            }
        }
        span.end();
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.finish();
    }
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The `gen_ai.usage.*` span attributes of `usage`.
fn usage_attributes(usage: &Usage, out: &mut Vec<KeyValue>) {
    let scalar = [
        (keys::USAGE_INPUT_TOKENS, usage.input_tokens),
        (keys::USAGE_OUTPUT_TOKENS, usage.output_tokens),
        (
            keys::USAGE_CACHE_READ_INPUT_TOKENS,
            usage.cache_read_input_tokens,
        ),
        (
            keys::USAGE_CACHE_WRITE_INPUT_TOKENS,
            usage.cache_write_input_tokens,
        ),
        (
            keys::USAGE_REASONING_OUTPUT_TOKENS,
            usage.reasoning_output_tokens,
        ),
        (keys::USAGE_TEXT_INPUT_TOKENS, usage.input_modalities.text),
        (keys::USAGE_IMAGE_INPUT_TOKENS, usage.input_modalities.image),
        (keys::USAGE_AUDIO_INPUT_TOKENS, usage.input_modalities.audio),
        (keys::USAGE_TEXT_OUTPUT_TOKENS, usage.output_modalities.text),
        (
            keys::USAGE_IMAGE_OUTPUT_TOKENS,
            usage.output_modalities.image,
        ),
        (
            keys::USAGE_AUDIO_OUTPUT_TOKENS,
            usage.output_modalities.audio,
        ),
    ];
    for (key, value) in scalar {
        if let Some(v) = value {
            out.push(KeyValue::new(key, to_i64(v)));
        }
    }
}

/// `error.type` for an error value: its type name, a low-cardinality identifier.
pub(crate) fn error_type_of<E: ?Sized>() -> Cow<'static, str> {
    Cow::Borrowed(std::any::type_name::<E>())
}

/// Builder methods shared by all builders (`self.start` is a [`Start`]).
macro_rules! common_builder_methods {
    () => {
        /// Parent of the span (default: the current context).
        pub fn with_parent(mut self, parent: &opentelemetry::Context) -> Self {
            self.start.parent = Some(parent.clone());
            self
        }

        /// Links of the span, e.g. to the producers of a batch of messages
        /// ([`crate::propagation::links_from_maps`]).
        pub fn with_links(
            mut self,
            links: impl IntoIterator<Item = opentelemetry::trace::Link>,
        ) -> Self {
            self.start.links.extend(links);
            self
        }

        /// Another attribute set at span creation.
        pub fn with_attribute(mut self, attribute: opentelemetry::KeyValue) -> Self {
            self.start.attrs.push(attribute);
            self
        }
    };
}

/// Handle methods shared by all span handles (`self.rec` is a [`Recorder`]).
macro_rules! common_span_methods {
    () => {
        /// A context with this span as the active span, to parent child operations
        /// (`genai.execute_tool(..).with_parent(&span.context())`).
        pub fn context(&self) -> opentelemetry::Context {
            self.rec.context()
        }

        /// The span's context (trace and span ids).
        pub fn span_context(&self) -> opentelemetry::trace::SpanContext {
            self.rec.span_context()
        }

        /// Sets (or replaces) an attribute; written when the span ends.
        pub fn set_attribute(&mut self, attribute: opentelemetry::KeyValue) {
            self.rec.set(attribute);
        }

        /// Marks the operation as failed: `error.type` (a low-cardinality identifier such as
        /// a provider error code or an error type name) and the span status `ERROR` with
        /// `message`. The span still ends on [`Self::end`] or drop.
        pub fn set_error(
            &mut self,
            error_type: impl Into<std::borrow::Cow<'static, str>>,
            message: impl Into<std::borrow::Cow<'static, str>>,
        ) {
            self.rec.set_error(error_type.into(), message.into());
        }

        /// Marks the operation as failed with `error` (`error.type` = the error's type name,
        /// status message = its `Display`), and ends the span.
        pub fn fail<E: std::error::Error>(mut self, error: &E) {
            self.rec
                .set_error(crate::spans::error_type_of::<E>(), error.to_string().into());
            self.rec.finish();
        }

        /// Ends the span and records the metrics. Dropping the handle does the same.
        pub fn end(mut self) {
            self.rec.finish();
        }
    };
}

pub(crate) use common_builder_methods;
pub(crate) use common_span_methods;
