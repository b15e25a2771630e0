//! Embeddings spans.

use std::borrow::Cow;
use std::sync::Arc;

use opentelemetry::trace::SpanKind;
use opentelemetry::{Array, KeyValue, StringValue, Value};

use crate::genai::{Inner, shared};
use crate::keys::{self, operation};
use crate::spans::{Op, Recorder, Start, common_builder_methods, common_span_methods};
use crate::usage::Usage;

/// Builder of an embeddings span (`embeddings {model}`, kind `CLIENT`).
pub struct EmbeddingsBuilder {
    start: Start,
    model: Cow<'static, str>,
    provider: Option<StringValue>,
    server: Option<(StringValue, u16)>,
}

impl std::fmt::Debug for EmbeddingsBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddingsBuilder")
            .field("model", &self.model)
            .finish_non_exhaustive()
    }
}

impl EmbeddingsBuilder {
    pub(crate) fn new(inner: Arc<Inner>, model: Cow<'static, str>) -> Self {
        let mut start = Start::new(inner, SpanKind::Client, Op::ClientOperation);
        start.both(
            keys::OPERATION_NAME,
            StringValue::from(operation::EMBEDDINGS),
        );
        if !model.is_empty() {
            start.both(keys::REQUEST_MODEL, shared(model.clone()));
        }
        EmbeddingsBuilder {
            start,
            model,
            provider: None,
            server: None,
        }
    }

    common_builder_methods!();

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

    /// `gen_ai.request.encoding_formats` (`float`, `base64`, `binary`).
    pub fn with_encoding_formats<I, S>(mut self, formats: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<StringValue>,
    {
        let formats: Vec<StringValue> = formats.into_iter().map(Into::into).collect();
        self.start.attrs.push(KeyValue::new(
            keys::REQUEST_ENCODING_FORMATS,
            Value::Array(Array::String(formats)),
        ));
        self
    }

    /// `gen_ai.embeddings.dimension.count` when the request asks for a dimension.
    pub fn with_dimension_count(mut self, dimensions: i64) -> Self {
        self.start
            .attrs
            .push(KeyValue::new(keys::EMBEDDINGS_DIMENSION_COUNT, dimensions));
        self
    }

    /// Starts the span.
    pub fn start(self) -> EmbeddingsSpan {
        let mut start = self.start;
        start.provider(self.provider);
        start.server(self.server);
        let name = if self.model.is_empty() {
            Cow::Borrowed(operation::EMBEDDINGS)
        } else {
            Cow::Owned(format!("{} {}", operation::EMBEDDINGS, self.model))
        };
        EmbeddingsSpan {
            rec: start.start(name),
        }
    }
}

/// A running embeddings operation.
#[derive(Debug)]
pub struct EmbeddingsSpan {
    rec: Recorder,
}

impl EmbeddingsSpan {
    common_span_methods!();

    /// `gen_ai.response.model` (also a metric dimension).
    pub fn set_response_model(&mut self, model: impl Into<Cow<'static, str>>) {
        self.rec
            .set_metric_dimension(keys::RESPONSE_MODEL, shared(model.into()));
    }

    /// `gen_ai.usage.input_tokens`.
    pub fn record_input_tokens(&mut self, tokens: u64) {
        self.rec.usage = Some(Usage {
            input_tokens: Some(tokens),
            ..Usage::default()
        });
    }

    /// `gen_ai.embeddings.dimension.count` of the returned vectors.
    pub fn set_dimension_count(&mut self, dimensions: i64) {
        self.rec
            .set(KeyValue::new(keys::EMBEDDINGS_DIMENSION_COUNT, dimensions));
    }
}
