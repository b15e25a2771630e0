//! One call to export GenAI telemetry over OTLP/HTTP (protobuf) to Flightdeck or any
//! OpenTelemetry collector.
//!
//! ```no_run
//! let otlp = flightdeck_sdk::otlp::OtlpPipeline::install("http://127.0.0.1:4318", "my-app")?;
//! let genai = otlp.genai().with_provider("openai").build();
//! // ... instrumented work ...
//! otlp.shutdown()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::time::Duration;

use opentelemetry_otlp::{MetricExporter, Protocol, SpanExporter, WithExportConfig as _};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::trace::SdkTracerProvider;

use crate::genai::{GenAi, GenAiBuilder};

/// Setting up the exporters failed.
#[derive(Debug, thiserror::Error)]
pub enum OtlpInstallError {
    /// An exporter could not be built.
    #[error("otlp {signal} exporter for {endpoint} could not be built: {source}")]
    Exporter {
        /// `traces` or `metrics`.
        signal: &'static str,
        /// The endpoint.
        endpoint: String,
        /// Cause.
        #[source]
        source: opentelemetry_otlp::ExporterBuildError,
    },
}

/// Shutting down lost data.
#[derive(Debug, thiserror::Error)]
#[error("otlp shutdown failed: {0}")]
pub struct OtlpShutdownError(String);

/// Tracer and meter providers exporting over OTLP/HTTP with batching.
#[derive(Debug)]
pub struct OtlpPipeline {
    tracer_provider: SdkTracerProvider,
    meter_provider: SdkMeterProvider,
}

impl OtlpPipeline {
    /// Exports spans to `{endpoint}/v1/traces` and metrics (every 10 s) to
    /// `{endpoint}/v1/metrics`, with `service.name` = `service_name`. `endpoint` is the
    /// OTLP/HTTP base URL (Flightdeck: `http://127.0.0.1:4318`).
    pub fn install(endpoint: &str, service_name: &str) -> Result<OtlpPipeline, OtlpInstallError> {
        Self::install_with_interval(endpoint, service_name, Duration::from_secs(10))
    }

    /// [`Self::install`] with a metric export interval.
    pub fn install_with_interval(
        endpoint: &str,
        service_name: &str,
        metric_interval: Duration,
    ) -> Result<OtlpPipeline, OtlpInstallError> {
        let resource = Resource::builder()
            .with_service_name(service_name.to_owned())
            .build();
        Self::install_with_resource(endpoint, resource, metric_interval)
    }

    /// [`Self::install`] with the resource to report (e.g. `service.version`,
    /// `deployment.environment.name`) and a metric export interval:
    ///
    /// ```no_run
    /// use opentelemetry::KeyValue;
    /// use opentelemetry_sdk::Resource;
    ///
    /// let resource = Resource::builder()
    ///     .with_service_name("my-app")
    ///     .with_attribute(KeyValue::new("service.version", "1.4.2"))
    ///     .build();
    /// let otlp = flightdeck_sdk::otlp::OtlpPipeline::install_with_resource(
    ///     "http://127.0.0.1:4318",
    ///     resource,
    ///     std::time::Duration::from_secs(10),
    /// )?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// `Resource::builder()` also reads `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES`.
    pub fn install_with_resource(
        endpoint: &str,
        resource: Resource,
        metric_interval: Duration,
    ) -> Result<OtlpPipeline, OtlpInstallError> {
        let base = endpoint.trim_end_matches('/');
        let traces_url = format!("{base}/v1/traces");
        let metrics_url = format!("{base}/v1/metrics");
        let spans = SpanExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpBinary)
            .with_endpoint(traces_url.clone())
            .build()
            .map_err(|source| OtlpInstallError::Exporter {
                signal: "traces",
                endpoint: traces_url,
                source,
            })?;
        let metrics = MetricExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpBinary)
            .with_endpoint(metrics_url.clone())
            .build()
            .map_err(|source| OtlpInstallError::Exporter {
                signal: "metrics",
                endpoint: metrics_url,
                source,
            })?;
        let tracer_provider = SdkTracerProvider::builder()
            .with_batch_exporter(spans)
            .with_resource(resource.clone())
            .build();
        let meter_provider = SdkMeterProvider::builder()
            .with_reader(
                PeriodicReader::builder(metrics)
                    .with_interval(metric_interval)
                    .build(),
            )
            .with_resource(resource)
            .build();
        Ok(OtlpPipeline {
            tracer_provider,
            meter_provider,
        })
    }

    /// A [`GenAi`] builder using these providers.
    pub fn genai(&self) -> GenAiBuilder {
        GenAi::builder()
            .with_tracer_provider(&self.tracer_provider)
            .with_meter_provider(&self.meter_provider)
    }

    /// The tracer provider (e.g. to install as the global one).
    pub fn tracer_provider(&self) -> &SdkTracerProvider {
        &self.tracer_provider
    }

    /// The meter provider.
    pub fn meter_provider(&self) -> &SdkMeterProvider {
        &self.meter_provider
    }

    /// Exports what is buffered now.
    pub fn flush(&self) -> Result<(), OtlpShutdownError> {
        let t = self.tracer_provider.force_flush();
        let m = self.meter_provider.force_flush();
        t.and(m).map_err(|e| OtlpShutdownError(e.to_string()))
    }

    /// Flushes and stops both providers.
    pub fn shutdown(self) -> Result<(), OtlpShutdownError> {
        let t = self.tracer_provider.shutdown();
        let m = self.meter_provider.shutdown();
        t.and(m).map_err(|e| OtlpShutdownError(e.to_string()))
    }
}
