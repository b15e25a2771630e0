//! Retrieval spans (vector store or search index queries).

use std::borrow::Cow;
use std::sync::Arc;

use opentelemetry::KeyValue;
use opentelemetry::trace::SpanKind;

use crate::content::{self, RetrievedDocument};
use crate::genai::{Inner, shared};
use crate::keys::{self, operation};
use crate::spans::{Op, Recorder, Start, common_builder_methods, common_span_methods};

/// Builder of a retrieval span (`retrieval {data_source_id}`, kind `CLIENT`). Provider and
/// server are set only when given: the store queried is usually not the model provider.
pub struct RetrievalBuilder {
    start: Start,
    data_source: Cow<'static, str>,
    query: Option<String>,
}

impl std::fmt::Debug for RetrievalBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RetrievalBuilder")
            .field("data_source", &self.data_source)
            .finish_non_exhaustive()
    }
}

impl RetrievalBuilder {
    pub(crate) fn new(inner: Arc<Inner>, data_source: Cow<'static, str>) -> Self {
        let mut start = Start::new(inner, SpanKind::Client, Op::ClientOperation);
        start.both(
            keys::OPERATION_NAME,
            opentelemetry::StringValue::from(operation::RETRIEVAL),
        );
        if !data_source.is_empty() {
            start.span_str(keys::DATA_SOURCE_ID, data_source.clone());
        }
        RetrievalBuilder {
            start,
            data_source,
            query: None,
        }
    }

    common_builder_methods!();

    /// `gen_ai.provider.name` of the retrieval service.
    pub fn with_provider(mut self, provider: impl Into<Cow<'static, str>>) -> Self {
        self.start
            .both(keys::PROVIDER_NAME, shared(provider.into()));
        self
    }

    /// `server.address` and `server.port` of the store.
    pub fn with_server(mut self, address: impl Into<Cow<'static, str>>, port: u16) -> Self {
        self.start.server(Some((shared(address.into()), port)));
        self
    }

    /// `gen_ai.request.model` (e.g. the embedding model of the query).
    pub fn with_model(mut self, model: impl Into<Cow<'static, str>>) -> Self {
        self.start.both(keys::REQUEST_MODEL, shared(model.into()));
        self
    }

    /// `gen_ai.retrieval.top_k`.
    pub fn with_top_k(mut self, k: i64) -> Self {
        self.start
            .attrs
            .push(KeyValue::new(keys::RETRIEVAL_TOP_K, k));
        self
    }

    /// `gen_ai.retrieval.query.text` (content: recorded only with content capture on).
    pub fn with_query_text(mut self, query: impl Into<String>) -> Self {
        if self.start.inner.captures_content() {
            self.query = Some(query.into());
        }
        self
    }

    /// Starts the span.
    pub fn start(self) -> RetrievalSpan {
        let name = if self.data_source.is_empty() {
            Cow::Borrowed(operation::RETRIEVAL)
        } else {
            Cow::Owned(format!("{} {}", operation::RETRIEVAL, self.data_source))
        };
        let mut rec = self.start.start(name);
        if let Some(mut q) = self.query {
            content::truncate_in_place(&mut q, rec.inner.max_content_bytes);
            rec.set(KeyValue::new(keys::RETRIEVAL_QUERY_TEXT, q));
        }
        RetrievalSpan { rec }
    }
}

/// A running retrieval operation.
#[derive(Debug)]
pub struct RetrievalSpan {
    rec: Recorder,
}

impl RetrievalSpan {
    common_span_methods!();

    /// `gen_ai.retrieval.documents` (`[{"id","score"}]`; an opt-in attribute, recorded only
    /// with content capture on).
    pub fn record_documents(&mut self, documents: &[RetrievedDocument]) {
        if self.rec.recording && self.rec.inner.captures_content() {
            let json = content::to_json_truncated(documents, self.rec.inner.max_content_bytes);
            self.rec.set(KeyValue::new(keys::RETRIEVAL_DOCUMENTS, json));
        }
    }
}
