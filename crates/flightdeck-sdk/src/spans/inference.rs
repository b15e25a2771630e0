//! Inference spans: `chat`, `text_completion`, `generate_content`.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use futures::Stream;
use opentelemetry::trace::SpanKind;
use opentelemetry::{Array, KeyValue, StringValue, Value};

use crate::content::{self, Message, Part, ToolDefinition};
use crate::genai::{Inner, shared};
use crate::keys;
use crate::spans::{Op, Recorder, Start, common_builder_methods, common_span_methods};
use crate::stream::{InstrumentedStream, StreamFormat};
use crate::usage::Usage;

/// Builder of an inference span; nothing is emitted until [`InferenceBuilder::start`].
pub struct InferenceBuilder {
    start: Start,
    operation: Cow<'static, str>,
    model: Cow<'static, str>,
    provider: Option<StringValue>,
    server: Option<(StringValue, u16)>,
    streaming: bool,
    input: Option<Vec<Message>>,
    system: Option<Vec<Part>>,
    tools: Option<Vec<ToolDefinition>>,
}

impl std::fmt::Debug for InferenceBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InferenceBuilder")
            .field("operation", &self.operation)
            .field("model", &self.model)
            .finish_non_exhaustive()
    }
}

impl InferenceBuilder {
    pub(crate) fn new(
        inner: Arc<Inner>,
        operation: Cow<'static, str>,
        model: Cow<'static, str>,
    ) -> Self {
        let mut start = Start::new(inner, SpanKind::Client, Op::Inference);
        start.both(keys::OPERATION_NAME, shared(operation.clone()));
        if !model.is_empty() {
            start.both(keys::REQUEST_MODEL, shared(model.clone()));
        }
        InferenceBuilder {
            start,
            operation,
            model,
            provider: None,
            server: None,
            streaming: false,
            input: None,
            system: None,
            tools: None,
        }
    }

    common_builder_methods!();

    /// Span kind `INTERNAL` instead of `CLIENT`, for models running in-process.
    pub fn in_process(mut self) -> Self {
        self.start.kind = SpanKind::Internal;
        self
    }

    /// `gen_ai.provider.name` (overrides the instrumentation's default).
    pub fn with_provider(mut self, provider: impl Into<Cow<'static, str>>) -> Self {
        self.provider = Some(shared(provider.into()));
        self
    }

    /// `server.address` and `server.port` (override the instrumentation's default).
    pub fn with_server(mut self, address: impl Into<Cow<'static, str>>, port: u16) -> Self {
        self.server = Some((shared(address.into()), port));
        self
    }

    /// `gen_ai.request.stream = true`: the response will be streamed.
    pub fn streaming(mut self) -> Self {
        self.streaming = true;
        self
    }

    /// `gen_ai.request.temperature`.
    pub fn with_temperature(mut self, v: f64) -> Self {
        self.start
            .attrs
            .push(KeyValue::new(keys::REQUEST_TEMPERATURE, v));
        self
    }

    /// `gen_ai.request.top_p`.
    pub fn with_top_p(mut self, v: f64) -> Self {
        self.start.attrs.push(KeyValue::new(keys::REQUEST_TOP_P, v));
        self
    }

    /// `gen_ai.request.top_k`.
    pub fn with_top_k(mut self, v: i64) -> Self {
        self.start.attrs.push(KeyValue::new(keys::REQUEST_TOP_K, v));
        self
    }

    /// `gen_ai.request.max_tokens`.
    pub fn with_max_tokens(mut self, v: i64) -> Self {
        self.start
            .attrs
            .push(KeyValue::new(keys::REQUEST_MAX_TOKENS, v));
        self
    }

    /// `gen_ai.request.seed`.
    pub fn with_seed(mut self, v: i64) -> Self {
        self.start.attrs.push(KeyValue::new(keys::REQUEST_SEED, v));
        self
    }

    /// `gen_ai.request.frequency_penalty`.
    pub fn with_frequency_penalty(mut self, v: f64) -> Self {
        self.start
            .attrs
            .push(KeyValue::new(keys::REQUEST_FREQUENCY_PENALTY, v));
        self
    }

    /// `gen_ai.request.presence_penalty`.
    pub fn with_presence_penalty(mut self, v: f64) -> Self {
        self.start
            .attrs
            .push(KeyValue::new(keys::REQUEST_PRESENCE_PENALTY, v));
        self
    }

    /// `gen_ai.request.choice.count`; set only when it is not 1, as the conventions ask.
    pub fn with_choice_count(mut self, n: i64) -> Self {
        if n != 1 {
            self.start
                .attrs
                .push(KeyValue::new(keys::REQUEST_CHOICE_COUNT, n));
        }
        self
    }

    /// `gen_ai.request.stop_sequences`.
    pub fn with_stop_sequences<I, S>(mut self, stops: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<StringValue>,
    {
        let stops: Vec<StringValue> = stops.into_iter().map(Into::into).collect();
        self.start.attrs.push(KeyValue::new(
            keys::REQUEST_STOP_SEQUENCES,
            Value::Array(Array::String(stops)),
        ));
        self
    }

    /// `gen_ai.request.reasoning.level` (e.g. OpenAI `reasoning.effort`).
    pub fn with_reasoning_level(mut self, level: impl Into<Cow<'static, str>>) -> Self {
        self.start
            .span_str(keys::REQUEST_REASONING_LEVEL, level.into());
        self
    }

    /// `gen_ai.output.type` (`text`, `json`, `image`, `speech`).
    pub fn with_output_type(mut self, output_type: impl Into<Cow<'static, str>>) -> Self {
        self.start.span_str(keys::OUTPUT_TYPE, output_type.into());
        self
    }

    /// `gen_ai.conversation.id` (only an id the application or library really has; never a
    /// synthesized one).
    pub fn with_conversation_id(mut self, id: impl Into<Cow<'static, str>>) -> Self {
        self.start.span_str(keys::CONVERSATION_ID, id.into());
        self
    }

    /// `gen_ai.prompt.name` (a named prompt template).
    pub fn with_prompt_name(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.start.span_str(keys::PROMPT_NAME, name.into());
        self
    }

    /// `gen_ai.prompt.version`.
    pub fn with_prompt_version(mut self, version: impl Into<Cow<'static, str>>) -> Self {
        self.start.span_str(keys::PROMPT_VERSION, version.into());
        self
    }

    /// The chat history sent (`gen_ai.input.messages`, recorded only with content capture on;
    /// also the input of the prompt hash).
    pub fn with_input_messages(mut self, messages: Vec<Message>) -> Self {
        if self.start.inner.captures_content() || self.start.inner.prompt_hash {
            self.input = Some(messages);
        }
        self
    }

    /// System instructions sent separately from the history (`gen_ai.system_instructions`,
    /// text parts; recorded only with content capture on).
    pub fn with_system_instructions(mut self, instructions: Vec<Part>) -> Self {
        if self.start.inner.captures_content() || self.start.inner.prompt_hash {
            self.system = Some(instructions);
        }
        self
    }

    /// Tools offered to the model (`gen_ai.tool.definitions`; recorded only with content
    /// capture on).
    pub fn with_tool_definitions(mut self, tools: Vec<ToolDefinition>) -> Self {
        if self.start.inner.captures_content() {
            self.tools = Some(tools);
        }
        self
    }

    /// Starts the span (`{operation} {model}`) with every attribute given so far.
    pub fn start(self) -> InferenceSpan {
        let mut start = self.start;
        start.provider(self.provider);
        start.server(self.server);
        if self.streaming {
            start.attrs.push(KeyValue::new(keys::REQUEST_STREAM, true));
        }
        let name = if self.model.is_empty() {
            self.operation
        } else {
            Cow::Owned(format!("{} {}", self.operation, self.model))
        };
        let mut rec = start.start(name);
        if rec.recording {
            let inner = rec.inner.clone();
            let max = inner.max_content_bytes;
            if inner.prompt_hash && (self.input.is_some() || self.system.is_some()) {
                let hash = content::prompt_hash(
                    self.system.as_deref().unwrap_or(&[]),
                    self.input.as_deref().unwrap_or(&[]),
                );
                rec.set(KeyValue::new(keys::PROMPT_HASH, hash));
            }
            if inner.captures_content() {
                if let Some(system) = &self.system {
                    let json = content::to_json_truncated(system, max);
                    rec.set(KeyValue::new(keys::SYSTEM_INSTRUCTIONS, json));
                }
                if let Some(input) = &self.input {
                    let json = content::to_json_truncated(input, max);
                    rec.set(KeyValue::new(keys::INPUT_MESSAGES, json));
                }
                if let Some(tools) = &self.tools {
                    let json = content::to_json_truncated(tools, max);
                    rec.set(KeyValue::new(keys::TOOL_DEFINITIONS, json));
                }
            }
        }
        InferenceSpan {
            rec,
            streaming: self.streaming,
            has_response_model: false,
        }
    }
}

/// A running inference operation. End it with [`InferenceSpan::end`] (or
/// [`InferenceSpan::fail`]); dropping it ends it too, with status unset.
#[derive(Debug)]
pub struct InferenceSpan {
    pub(crate) rec: Recorder,
    streaming: bool,
    has_response_model: bool,
}

impl InferenceSpan {
    common_span_methods!();

    /// `gen_ai.response.id`.
    pub fn set_response_id(&mut self, id: impl Into<Cow<'static, str>>) {
        self.rec
            .set(KeyValue::new(keys::RESPONSE_ID, shared(id.into())));
    }

    /// `gen_ai.response.model` (also a metric dimension).
    pub fn set_response_model(&mut self, model: impl Into<Cow<'static, str>>) {
        self.has_response_model = true;
        self.rec
            .set_metric_dimension(keys::RESPONSE_MODEL, shared(model.into()));
    }

    pub(crate) fn has_response_model(&self) -> bool {
        self.has_response_model
    }

    /// `gen_ai.response.finish_reasons`, one per choice in choice order.
    pub fn set_finish_reasons<I, S>(&mut self, reasons: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<StringValue>,
    {
        let reasons: Vec<StringValue> = reasons.into_iter().map(Into::into).collect();
        self.rec.set(KeyValue::new(
            keys::RESPONSE_FINISH_REASONS,
            Value::Array(Array::String(reasons)),
        ));
    }

    /// Token usage (inclusive; see [`Usage`]'s converters for provider objects). Written as
    /// `gen_ai.usage.*` when the span ends and counted in the token metrics.
    pub fn record_usage(&mut self, usage: Usage) {
        self.rec.usage = Some(usage);
    }

    /// The usage recorded so far.
    pub fn usage(&self) -> Option<Usage> {
        self.rec.usage
    }

    /// The model's output, one message per choice (`gen_ai.output.messages`; recorded only with
    /// content capture on).
    pub fn set_output_messages(&mut self, messages: &[Message]) {
        if self.rec.recording && self.rec.inner.captures_content() {
            let json = content::to_json_truncated(messages, self.rec.inner.max_content_bytes);
            self.rec.set(KeyValue::new(keys::OUTPUT_MESSAGES, json));
        }
    }

    /// Whether content capture is on for this span.
    pub fn captures_content(&self) -> bool {
        self.rec.inner.captures_content()
    }

    /// Records the arrival of the first chunk of a streamed response now
    /// (`gen_ai.response.time_to_first_chunk` and the time-to-first-chunk metric). The stream
    /// wrappers call this for you. Returns the time since the span started.
    pub fn record_first_chunk(&mut self) -> Duration {
        let ttft = self.rec.started.elapsed();
        self.set_time_to_first_chunk(ttft);
        ttft
    }

    /// Records a measured time to first chunk.
    pub fn set_time_to_first_chunk(&mut self, ttft: Duration) {
        let seconds = ttft.as_secs_f64();
        self.rec.ttft = Some(seconds);
        self.rec
            .set(KeyValue::new(keys::RESPONSE_TIME_TO_FIRST_CHUNK, seconds));
    }

    /// Records the time between two chunks after the first (time-per-output-chunk metric).
    pub fn record_chunk_interval(&mut self, interval: Duration) {
        self.rec
            .inner
            .instruments
            .record_time_per_output_chunk(&self.rec.metric_attrs, interval.as_secs_f64());
    }

    /// Wraps a stream of response chunks: records time to first chunk, accumulates output,
    /// tool calls and usage through `format`, and ends this span when the stream completes,
    /// fails or is dropped (see [`InstrumentedStream`]). Call it right after sending the request
    /// so the span covers the whole operation.
    pub fn stream<S, T, E, F>(mut self, stream: S, format: F) -> InstrumentedStream<S, F, E>
    where
        S: Stream<Item = Result<T, E>>,
        F: StreamFormat<T>,
        E: std::fmt::Display,
    {
        if !self.streaming {
            self.streaming = true;
            self.rec.set(KeyValue::new(keys::REQUEST_STREAM, true));
        }
        InstrumentedStream::new(self, stream, format)
    }
}
