//! The demo services' telemetry: one tracer and meter provider per service instance (its own
//! resource with `service.name` and `service.version`), exporting OTLP/HTTP to the in-process
//! server, and a processor that copies the request's identity (user, tenant, conversation)
//! from baggage onto every span, so model calls made through the instrumented client carry it
//! too.

use std::time::Duration;

use anyhow::Context as _;
use flightdeck_sdk::openai::OpenAiClient;
use flightdeck_sdk::{ContentCapture, GenAi};
use opentelemetry::baggage::BaggageExt as _;
use opentelemetry::trace::{
    Span as _, SpanKind, Status, TraceContextExt as _, Tracer as _, TracerProvider as _,
};
use opentelemetry::{Context, InstrumentationScope, KeyValue};
use opentelemetry_otlp::{MetricExporter, Protocol, SpanExporter, WithExportConfig as _};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::trace::{
    BatchConfigBuilder, BatchSpanProcessor, SdkTracer, SdkTracerProvider, SpanData, SpanProcessor,
};

/// Baggage entries copied onto every span as attributes.
pub const IDENTITY_KEYS: [&str; 3] = ["user.id", "tenant.id", "gen_ai.conversation.id"];

/// Instrumentation scope of the demo's own (non-GenAI) spans: HTTP handlers, queue, batch.
const SCOPE: &str = "flightdeck-demo";

/// Copies [`IDENTITY_KEYS`] from the parent context's baggage onto each span when it starts.
#[derive(Debug)]
struct IdentityFromBaggage;

impl SpanProcessor for IdentityFromBaggage {
    fn on_start(&self, span: &mut opentelemetry_sdk::trace::Span, cx: &Context) {
        let baggage = cx.baggage();
        for key in IDENTITY_KEYS {
            if let Some(value) = baggage.get(key) {
                span.set_attribute(KeyValue::new(key, value.clone()));
            }
        }
    }

    fn on_end(&self, _span: SpanData) {}

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }
}

/// A context carrying the request's identity as baggage (propagated to the mock provider and
/// through the queue in the `baggage` header, and copied onto spans).
pub fn identity(user: &str, tenant: &str, conversation: &str) -> Context {
    Context::new().with_baggage([
        KeyValue::new(IDENTITY_KEYS[0], user.to_owned()),
        KeyValue::new(IDENTITY_KEYS[1], tenant.to_owned()),
        KeyValue::new(IDENTITY_KEYS[2], conversation.to_owned()),
    ])
}

/// One instrumented service instance.
#[derive(Debug)]
pub struct Service {
    tracer_provider: SdkTracerProvider,
    meter_provider: SdkMeterProvider,
    tracer: SdkTracer,
    /// GenAI instrumentation (content capture on).
    pub genai: GenAi,
    /// The instrumented OpenAI-compatible client, pointed at the mock provider.
    pub client: OpenAiClient,
}

/// How the services export and reach the model provider.
#[derive(Debug, Clone)]
pub struct Endpoints {
    /// OTLP/HTTP base URL, e.g. `http://127.0.0.1:4318`.
    pub otlp_http: String,
    /// OpenAI-compatible base URL of the mock provider, e.g. `http://127.0.0.1:8080/v1`.
    pub openai_base_url: String,
    /// Timeout of one model request.
    pub model_timeout: Duration,
}

impl Service {
    /// Builds the providers (batched span export every second, metrics every 10 s) and the
    /// instrumented client of `name` at `version`.
    pub fn new(name: &str, version: &str, endpoints: &Endpoints) -> anyhow::Result<Service> {
        let base = endpoints.otlp_http.trim_end_matches('/');
        let spans = SpanExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpBinary)
            .with_endpoint(format!("{base}/v1/traces"))
            .build()
            .with_context(|| format!("failed to build the span exporter of {name}"))?;
        let metrics = MetricExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpBinary)
            .with_endpoint(format!("{base}/v1/metrics"))
            .build()
            .with_context(|| format!("failed to build the metric exporter of {name}"))?;
        let resource = Resource::builder()
            .with_service_name(name.to_owned())
            .with_attributes([
                KeyValue::new("service.version", version.to_owned()),
                KeyValue::new("deployment.environment.name", "demo"),
            ])
            .build();
        let batch = BatchSpanProcessor::builder(spans)
            .with_batch_config(
                BatchConfigBuilder::default()
                    .with_scheduled_delay(Duration::from_secs(1))
                    .with_max_queue_size(16_384)
                    .build(),
            )
            .build();
        let tracer_provider = SdkTracerProvider::builder()
            .with_span_processor(IdentityFromBaggage)
            .with_span_processor(batch)
            .with_resource(resource.clone())
            .build();
        let meter_provider = SdkMeterProvider::builder()
            .with_reader(
                PeriodicReader::builder(metrics)
                    .with_interval(Duration::from_secs(10))
                    .build(),
            )
            .with_resource(resource)
            .build();
        let tracer = tracer_provider.tracer_with_scope(
            InstrumentationScope::builder(SCOPE)
                .with_version(env!("CARGO_PKG_VERSION"))
                .build(),
        );
        let genai = GenAi::builder()
            .with_tracer_provider(&tracer_provider)
            .with_meter_provider(&meter_provider)
            .with_content_capture(ContentCapture::SpanAttributes)
            .with_provider("openai")
            .build();
        let client = OpenAiClient::builder(endpoints.openai_base_url.clone())
            .with_genai(genai.clone())
            .with_timeout(endpoints.model_timeout)
            .build()
            .with_context(|| format!("failed to build the model client of {name}"))?;
        Ok(Service {
            tracer_provider,
            meter_provider,
            tracer,
            genai,
            client,
        })
    }

    /// Starts a plain span (an HTTP handler, a queue operation, a batch run) under `parent`.
    pub fn span(
        &self,
        name: impl Into<std::borrow::Cow<'static, str>>,
        kind: SpanKind,
        parent: &Context,
        attributes: Vec<KeyValue>,
    ) -> AppSpan {
        self.span_with_links(name, kind, parent, attributes, Vec::new())
    }

    /// [`Self::span`] with links to other spans (e.g. the requests a batch processed).
    pub fn span_with_links(
        &self,
        name: impl Into<std::borrow::Cow<'static, str>>,
        kind: SpanKind,
        parent: &Context,
        attributes: Vec<KeyValue>,
        links: Vec<opentelemetry::trace::Link>,
    ) -> AppSpan {
        let builder = self
            .tracer
            .span_builder(name)
            .with_kind(kind)
            .with_attributes(attributes)
            .with_links(links);
        let span = self.tracer.build_with_context(builder, parent);
        AppSpan {
            cx: parent.with_span(span),
        }
    }

    /// Exports what is buffered and stops the providers (blocking: call off the async
    /// runtime's worker threads).
    pub fn shutdown(&self) -> anyhow::Result<()> {
        let traces = self.tracer_provider.shutdown();
        let metrics = self.meter_provider.shutdown();
        traces.context("failed to flush the demo's spans")?;
        metrics.context("failed to flush the demo's metrics")?;
        Ok(())
    }
}

/// A started plain span; ends on [`AppSpan::end`] (or when its last context is dropped).
#[derive(Debug)]
pub struct AppSpan {
    cx: Context,
}

impl AppSpan {
    /// A context with this span active, to parent children.
    pub fn context(&self) -> Context {
        self.cx.clone()
    }

    /// The span's trace and span ids.
    pub fn span_context(&self) -> opentelemetry::trace::SpanContext {
        self.cx.span().span_context().clone()
    }

    /// Sets an attribute.
    pub fn set_attribute(&self, attribute: KeyValue) {
        self.cx.span().set_attribute(attribute);
    }

    /// Marks the span failed with `error.type` and a status message.
    pub fn fail(&self, error_type: impl Into<String>, message: impl Into<String>) {
        let span = self.cx.span();
        span.set_attribute(KeyValue::new("error.type", error_type.into()));
        span.set_status(Status::error(message.into()));
    }

    /// Ends the span.
    pub fn end(self) {
        self.cx.span().end();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_sdk::trace::{InMemorySpanExporter, SimpleSpanProcessor};

    /// The identity in baggage lands on the span and its children; other baggage does not.
    #[test]
    fn identity_from_baggage_on_every_span() {
        let exporter = InMemorySpanExporter::default();
        let provider = SdkTracerProvider::builder()
            .with_span_processor(IdentityFromBaggage)
            .with_span_processor(SimpleSpanProcessor::new(exporter.clone()))
            .build();
        let tracer = provider.tracer("test");
        let made = identity("user-1", "acme", "conv-9");
        assert_eq!(made.baggage().len(), 3);
        assert_eq!(
            made.baggage()
                .get("gen_ai.conversation.id")
                .map(|v| v.as_str()),
            Some("conv-9")
        );
        let cx = Context::new().with_baggage([
            KeyValue::new("user.id", "user-1"),
            KeyValue::new("session.secret", "x"),
            KeyValue::new("tenant.id", "acme"),
            KeyValue::new("gen_ai.conversation.id", "conv-9"),
        ]);
        let parent = tracer.build_with_context(tracer.span_builder("parent"), &cx);
        let parent_cx = cx.with_span(parent);
        tracer
            .build_with_context(tracer.span_builder("child"), &parent_cx)
            .end();
        parent_cx.span().end();
        let spans = exporter.get_finished_spans().unwrap();
        assert_eq!(spans.len(), 2);
        for span in spans {
            let attrs: Vec<(String, String)> = span
                .attributes
                .iter()
                .map(|kv| (kv.key.to_string(), kv.value.to_string()))
                .collect();
            assert_eq!(
                attrs,
                [
                    ("user.id".to_owned(), "user-1".to_owned()),
                    ("tenant.id".to_owned(), "acme".to_owned()),
                    ("gen_ai.conversation.id".to_owned(), "conv-9".to_owned()),
                ],
                "{}",
                span.name
            );
        }
    }
}
