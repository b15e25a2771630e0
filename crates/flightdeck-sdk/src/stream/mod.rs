//! Instrumented streams: a `futures::Stream` adapter that keeps an [`InferenceSpan`] open while
//! a response streams in.
//!
//! The span is started before the request is sent (by the caller), so time to first chunk is
//! measured from request issue to the first chunk. Each chunk goes through a
//! [`StreamFormat`], which feeds a [`StreamAccumulator`] (response id and model, text and tool
//! calls per choice, finish reasons, usage). The span ends:
//!
//! * when the stream returns `None` — completed, status unset;
//! * at the first `Err` item, or after an error event inside the stream (OpenAI `{"error":…}`,
//!   Anthropic `event: error`) — status `ERROR`, `error.type` set, choices without a finish
//!   reason get `error` in `gen_ai.response.finish_reasons`, and what was received is recorded;
//! * when the caller drops the stream early — status **unset** (the caller chose to stop; it
//!   is not a failure of the operation and must not inflate error rates), with
//!   `flightdeck.stream.cancelled = true` and everything received so far (usage, output, TTFT).
//!
//! Memory is bounded: at most [`MAX_CHOICES`] choices and [`MAX_TOOL_CALLS`] tool calls per
//! choice are tracked, and text is kept only when content capture is on, up to the
//! instrumentation's content byte cap.

mod formats;

pub use formats::{AnthropicMessages, GeminiGenerateContent, OpenAiChat};

use std::borrow::Cow;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};
use std::time::Instant;

use futures::Stream;
use opentelemetry::KeyValue;

use crate::content::{self, Message, Part};
use crate::keys;
use crate::spans::InferenceSpan;
use crate::usage::Usage;

/// Most choices tracked per stream.
pub const MAX_CHOICES: usize = 16;
/// Most tool calls tracked per choice.
pub const MAX_TOOL_CALLS: usize = 64;
/// Most extra attributes a format may add.
const MAX_EXTRA_ATTRIBUTES: usize = 8;

/// Reads one chunk of a provider's stream into a [`StreamAccumulator`].
///
/// Implemented for closures `FnMut(&T, &mut StreamAccumulator)`, so any chunk type can be
/// instrumented:
///
/// ```
/// use flightdeck_sdk::stream::StreamAccumulator;
/// struct MyChunk { text: String, done: bool }
/// let format = |chunk: &MyChunk, acc: &mut StreamAccumulator| {
///     acc.push_text(0, &chunk.text);
///     if chunk.done { acc.set_finish_reason(0, "stop"); }
/// };
/// # let _ = format;
/// ```
pub trait StreamFormat<T> {
    /// Observes one chunk.
    fn observe(&mut self, chunk: &T, acc: &mut StreamAccumulator);
}

impl<T, F: FnMut(&T, &mut StreamAccumulator)> StreamFormat<T> for F {
    fn observe(&mut self, chunk: &T, acc: &mut StreamAccumulator) {
        self(chunk, acc)
    }
}

#[derive(Debug, Default)]
struct ToolCallAcc {
    index: u32,
    id: Option<String>,
    name: String,
    arguments: String,
}

#[derive(Debug, Default)]
struct ChoiceAcc {
    index: u32,
    role: Option<String>,
    text: String,
    reasoning: String,
    tool_calls: Vec<ToolCallAcc>,
    finish_reason: Option<String>,
}

/// What a stream has delivered so far. Formats write into it; the stream wrapper turns it into
/// span attributes when the span ends.
#[derive(Debug)]
pub struct StreamAccumulator {
    capture: bool,
    max_bytes: usize,
    response_id: Option<String>,
    response_model: Option<String>,
    choices: Vec<ChoiceAcc>,
    usage: Option<Usage>,
    error: Option<(String, String)>,
    extra: Vec<KeyValue>,
    chunks: u64,
}

fn push_capped(dst: &mut String, src: &str, max: usize) {
    if dst.len() >= max {
        return;
    }
    let room = max - dst.len();
    if src.len() <= room {
        dst.push_str(src);
    } else {
        let mut cut = room;
        while cut > 0 && !src.is_char_boundary(cut) {
            cut -= 1;
        }
        dst.push_str(&src[..cut]);
        dst.push('…');
    }
}

impl StreamAccumulator {
    /// An accumulator; text is kept only when `capture` is true, up to `max_bytes` per text.
    pub fn new(capture: bool, max_bytes: usize) -> Self {
        StreamAccumulator {
            capture,
            max_bytes,
            response_id: None,
            response_model: None,
            choices: Vec::new(),
            usage: None,
            error: None,
            extra: Vec::new(),
            chunks: 0,
        }
    }

    /// Whether text is being kept (content capture on).
    pub fn captures_content(&self) -> bool {
        self.capture
    }

    fn choice(&mut self, index: u32) -> Option<&mut ChoiceAcc> {
        if let Some(pos) = self.choices.iter().position(|c| c.index == index) {
            return self.choices.get_mut(pos);
        }
        if self.choices.len() >= MAX_CHOICES {
            return None;
        }
        self.choices.push(ChoiceAcc {
            index,
            ..ChoiceAcc::default()
        });
        self.choices.last_mut()
    }

    /// `gen_ai.response.id` (the first one seen wins).
    pub fn set_response_id(&mut self, id: &str) {
        if self.response_id.is_none() && !id.is_empty() {
            self.response_id = Some(id.to_owned());
        }
    }

    /// `gen_ai.response.model` (the first one seen wins).
    pub fn set_response_model(&mut self, model: &str) {
        if self.response_model.is_none() && !model.is_empty() {
            self.response_model = Some(model.to_owned());
        }
    }

    /// The response model seen so far.
    pub fn response_model(&self) -> Option<&str> {
        self.response_model.as_deref()
    }

    /// Role of a choice's message (default `assistant`).
    pub fn set_role(&mut self, choice: u32, role: &str) {
        if let Some(c) = self.choice(choice)
            && c.role.is_none()
        {
            c.role = Some(role.to_owned());
        }
    }

    /// Appends output text to a choice (kept only with content capture on).
    pub fn push_text(&mut self, choice: u32, text: &str) {
        let (capture, max) = (self.capture, self.max_bytes);
        if let Some(c) = self.choice(choice)
            && capture
        {
            push_capped(&mut c.text, text, max);
        }
    }

    /// Appends reasoning text to a choice (kept only with content capture on).
    pub fn push_reasoning(&mut self, choice: u32, text: &str) {
        let (capture, max) = (self.capture, self.max_bytes);
        if let Some(c) = self.choice(choice)
            && capture
        {
            push_capped(&mut c.reasoning, text, max);
        }
    }

    /// Adds to tool call `index` of a choice: its id and name when first given, then argument
    /// fragments (kept only with content capture on).
    pub fn push_tool_call(
        &mut self,
        choice: u32,
        index: u32,
        id: Option<&str>,
        name: Option<&str>,
        arguments: &str,
    ) {
        let (capture, max) = (self.capture, self.max_bytes);
        let Some(c) = self.choice(choice) else {
            return;
        };
        let call = match c.tool_calls.iter().position(|t| t.index == index) {
            Some(pos) => &mut c.tool_calls[pos],
            None if c.tool_calls.len() < MAX_TOOL_CALLS => {
                c.tool_calls.push(ToolCallAcc {
                    index,
                    ..ToolCallAcc::default()
                });
                let last = c.tool_calls.len() - 1;
                &mut c.tool_calls[last]
            }
            None => return,
        };
        if let (None, Some(id)) = (&call.id, id) {
            call.id = Some(id.to_owned());
        }
        if let Some(name) = name
            && call.name.is_empty()
        {
            call.name = name.to_owned();
        }
        if capture {
            push_capped(&mut call.arguments, arguments, max);
        }
    }

    /// Finish reason of a choice.
    pub fn set_finish_reason(&mut self, choice: u32, reason: &str) {
        if let Some(c) = self.choice(choice) {
            c.finish_reason = Some(reason.to_owned());
        }
    }

    /// Replaces the usage (for providers that report cumulative usage).
    pub fn set_usage(&mut self, usage: Usage) {
        self.usage = Some(usage);
    }

    /// Merges partial usage into what is known.
    pub fn merge_usage(&mut self, usage: &Usage) {
        self.usage.get_or_insert_with(Usage::default).merge(usage);
    }

    /// The usage known so far.
    pub fn usage(&self) -> Option<Usage> {
        self.usage
    }

    /// Reports an error delivered inside the stream (an error event); the span ends failed.
    pub fn set_error(&mut self, error_type: &str, message: &str) {
        if self.error.is_none() {
            self.error = Some((error_type.to_owned(), message.to_owned()));
        }
    }

    /// Whether an error event was seen.
    pub fn has_error(&self) -> bool {
        self.error.is_some()
    }

    /// Adds (or replaces) a provider-specific attribute (e.g.
    /// `openai.response.system_fingerprint`); at most a few are kept.
    pub fn set_attribute(&mut self, attribute: KeyValue) {
        if let Some(slot) = self.extra.iter_mut().find(|k| k.key == attribute.key) {
            *slot = attribute;
        } else if self.extra.len() < MAX_EXTRA_ATTRIBUTES {
            self.extra.push(attribute);
        }
    }

    /// Chunks observed.
    pub fn chunks(&self) -> u64 {
        self.chunks
    }

    /// Finish reasons in choice order; choices without one get `error` when `failed`.
    fn finish_reasons(&self, failed: bool) -> Vec<String> {
        let mut choices: Vec<&ChoiceAcc> = self.choices.iter().collect();
        choices.sort_by_key(|c| c.index);
        choices
            .iter()
            .filter_map(|c| match (&c.finish_reason, failed) {
                (Some(r), _) => Some(r.clone()),
                (None, true) => Some("error".to_owned()),
                (None, false) => None,
            })
            .collect()
    }

    /// Output messages, one per choice that produced something.
    fn output_messages(&mut self) -> Vec<Message> {
        self.choices.sort_by_key(|c| c.index);
        let mut out = Vec::with_capacity(self.choices.len());
        for c in &mut self.choices {
            let mut parts = Vec::new();
            if !c.reasoning.is_empty() {
                parts.push(Part::Reasoning {
                    content: std::mem::take(&mut c.reasoning),
                });
            }
            if !c.text.is_empty() {
                parts.push(Part::Text {
                    content: std::mem::take(&mut c.text),
                });
            }
            c.tool_calls.sort_by_key(|t| t.index);
            for t in c.tool_calls.drain(..) {
                parts.push(Part::ToolCall {
                    id: t.id,
                    name: t.name,
                    arguments: content::parse_arguments(&t.arguments),
                });
            }
            if parts.is_empty() {
                continue;
            }
            out.push(Message {
                role: c.role.take().unwrap_or_else(|| "assistant".to_owned()),
                parts,
                name: None,
            });
        }
        out
    }
}

/// How a stream ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Completed,
    Failed,
    Cancelled,
}

/// A stream of chunks instrumented with an [`InferenceSpan`]; see the [module](self) docs for
/// when and how the span ends. Items pass through unchanged.
pub struct InstrumentedStream<S, F, E> {
    inner: Pin<Box<S>>,
    span: Option<InferenceSpan>,
    format: F,
    acc: StreamAccumulator,
    last_chunk: Option<Instant>,
    classify: fn(&E) -> Cow<'static, str>,
    /// The inner stream returned `None`; it is not polled again (some streams panic then).
    exhausted: bool,
}

impl<S, F, E> std::fmt::Debug for InstrumentedStream<S, F, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InstrumentedStream")
            .field("span", &self.span)
            .field("acc", &self.acc)
            .finish_non_exhaustive()
    }
}

fn type_name_of<E>(_: &E) -> Cow<'static, str> {
    Cow::Borrowed(std::any::type_name::<E>())
}

impl<S, F, E> InstrumentedStream<S, F, E> {
    pub(crate) fn new(span: InferenceSpan, stream: S, format: F) -> Self {
        let acc = StreamAccumulator::new(span.captures_content(), span.rec.inner.max_content_bytes);
        InstrumentedStream {
            inner: Box::pin(stream),
            span: Some(span),
            format,
            acc,
            last_chunk: None,
            classify: type_name_of::<E>,
            exhausted: false,
        }
    }

    /// How to derive `error.type` from a stream error (default: the error's type name).
    pub fn with_error_type(mut self, classify: fn(&E) -> Cow<'static, str>) -> Self {
        self.classify = classify;
        self
    }

    /// What has been accumulated so far.
    pub fn accumulator(&self) -> &StreamAccumulator {
        &self.acc
    }

    /// The span's context, to parent work done while streaming (`None` once it ended).
    pub fn context(&self) -> Option<opentelemetry::Context> {
        self.span.as_ref().map(InferenceSpan::context)
    }

    fn finish(&mut self, outcome: Outcome) {
        let Some(mut span) = self.span.take() else {
            return;
        };
        let acc = &mut self.acc;
        let outcome = if outcome == Outcome::Cancelled && acc.error.is_some() {
            Outcome::Failed
        } else {
            outcome
        };
        if let Some((error_type, message)) = acc.error.take() {
            span.set_error(error_type, message);
        }
        if let Some(id) = acc.response_id.take() {
            span.set_response_id(id);
        }
        if let Some(model) = acc.response_model.take() {
            span.set_response_model(model);
        }
        let reasons = acc.finish_reasons(outcome == Outcome::Failed || span.rec.has_error());
        if !reasons.is_empty() {
            span.set_finish_reasons(reasons);
        }
        if let Some(usage) = acc.usage {
            span.record_usage(usage);
        }
        if acc.capture {
            let messages = acc.output_messages();
            if !messages.is_empty() {
                span.set_output_messages(&messages);
            }
        }
        for kv in acc.extra.drain(..) {
            span.set_attribute(kv);
        }
        if outcome == Outcome::Cancelled {
            span.set_attribute(KeyValue::new(keys::STREAM_CANCELLED, true));
        }
        span.end();
    }
}

impl<S, T, E, F> Stream for InstrumentedStream<S, F, E>
where
    S: Stream<Item = Result<T, E>>,
    F: StreamFormat<T> + Unpin,
    E: std::fmt::Display,
{
    type Item = Result<T, E>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.exhausted {
            return Poll::Ready(None);
        }
        let item = match this.inner.as_mut().poll_next(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(item) => item,
        };
        match &item {
            Some(Ok(chunk)) => {
                if let Some(span) = &mut this.span {
                    let now = Instant::now();
                    match this.last_chunk {
                        None => span.set_time_to_first_chunk(now - span.rec.started),
                        Some(prev) => span.record_chunk_interval(now - prev),
                    }
                    this.last_chunk = Some(now);
                    this.acc.chunks += 1;
                    this.format.observe(chunk, &mut this.acc);
                    if !span.has_response_model()
                        && let Some(model) = this.acc.response_model.clone()
                    {
                        span.set_response_model(model);
                    }
                }
            }
            Some(Err(e)) => {
                if let Some(span) = &mut this.span {
                    span.set_error((this.classify)(e), e.to_string());
                }
                this.finish(Outcome::Failed);
            }
            None => {
                this.exhausted = true;
                this.finish(Outcome::Completed);
            }
        }
        Poll::Ready(item)
    }
}

impl<S, F, E> Drop for InstrumentedStream<S, F, E> {
    fn drop(&mut self) {
        self.finish(Outcome::Cancelled);
    }
}
