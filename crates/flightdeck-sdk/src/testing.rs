//! In-memory telemetry for tests of instrumented applications: spans and metrics are kept in
//! memory and can be asserted on, with no collector or network.
//!
//! ```
//! use flightdeck_sdk::testing::TestTelemetry;
//! use flightdeck_sdk::Usage;
//!
//! let telemetry = TestTelemetry::new();
//! let genai = telemetry.genai().with_provider("openai").build();
//! let mut call = genai.chat("gpt-4o-mini").start();
//! call.record_usage(Usage::new(10, 5));
//! call.end();
//!
//! let span = telemetry.span("chat gpt-4o-mini").unwrap();
//! assert_eq!(span.attribute("gen_ai.usage.input_tokens"), Some(10.into()));
//! let tokens = telemetry.metric("gen_ai.client.inference.usage.input_tokens");
//! assert_eq!(tokens[0].sum, 10.0);
//! ```

use std::collections::BTreeMap;
use std::time::Duration;

use opentelemetry::Value;
use opentelemetry::trace::{SpanKind, Status};
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData};
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};

use crate::genai::{GenAi, GenAiBuilder};

/// A finished span, simplified for assertions.
#[derive(Debug, Clone)]
pub struct FinishedSpan {
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: SpanKind,
    /// Status.
    pub status: Status,
    /// Attributes in the order they were set.
    pub attributes: Vec<(String, Value)>,
    /// Links.
    pub links: Vec<opentelemetry::trace::SpanContext>,
    /// Hex trace id.
    pub trace_id: String,
    /// Hex span id.
    pub span_id: String,
    /// Hex parent span id (`0000000000000000` for roots).
    pub parent_span_id: String,
    /// The SDK's full record.
    pub data: SpanData,
}

impl FinishedSpan {
    fn from_data(data: SpanData) -> Self {
        FinishedSpan {
            name: data.name.to_string(),
            kind: data.span_kind.clone(),
            status: data.status.clone(),
            attributes: data
                .attributes
                .iter()
                .map(|kv| (kv.key.to_string(), kv.value.clone()))
                .collect(),
            links: data.links.iter().map(|l| l.span_context.clone()).collect(),
            trace_id: data.span_context.trace_id().to_string(),
            span_id: data.span_context.span_id().to_string(),
            parent_span_id: data.parent_span_id.to_string(),
            data,
        }
    }

    /// The value of attribute `key` (the last one if it was set twice).
    pub fn attribute(&self, key: &str) -> Option<Value> {
        self.attributes
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    }

    /// How many times attribute `key` was set.
    pub fn attribute_count(&self, key: &str) -> usize {
        self.attributes.iter().filter(|(k, _)| k == key).count()
    }
}

/// One data point of a metric.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricPoint {
    /// Metric name.
    pub name: String,
    /// Unit.
    pub unit: String,
    /// Attributes, sorted by key.
    pub attributes: BTreeMap<String, Value>,
    /// Counter value, or the sum of a histogram's measurements.
    pub sum: f64,
    /// Histogram measurement count (1 per add for counters is not tracked: 0).
    pub count: u64,
    /// Histogram bucket boundaries (empty for counters).
    pub bounds: Vec<f64>,
}

impl MetricPoint {
    /// The value of attribute `key`.
    pub fn attribute(&self, key: &str) -> Option<&Value> {
        self.attributes.get(key)
    }
}

/// Tracer and meter providers exporting to memory, and a [`GenAi`] builder wired to them.
#[derive(Debug)]
pub struct TestTelemetry {
    spans: InMemorySpanExporter,
    metrics: InMemoryMetricExporter,
    tracer_provider: SdkTracerProvider,
    meter_provider: SdkMeterProvider,
}

impl Default for TestTelemetry {
    fn default() -> Self {
        Self::new()
    }
}

impl TestTelemetry {
    /// Providers whose spans are exported as they end and whose metrics are collected on
    /// demand.
    pub fn new() -> Self {
        let spans = InMemorySpanExporter::default();
        let metrics = InMemoryMetricExporter::default();
        let tracer_provider = SdkTracerProvider::builder()
            .with_simple_exporter(spans.clone())
            .build();
        let meter_provider = SdkMeterProvider::builder()
            .with_reader(
                PeriodicReader::builder(metrics.clone())
                    .with_interval(Duration::from_secs(3600))
                    .build(),
            )
            .build();
        TestTelemetry {
            spans,
            metrics,
            tracer_provider,
            meter_provider,
        }
    }

    /// A [`GenAi`] builder using these providers; add settings and `build()`.
    pub fn genai(&self) -> GenAiBuilder {
        GenAi::builder()
            .with_tracer_provider(&self.tracer_provider)
            .with_meter_provider(&self.meter_provider)
    }

    /// The tracer provider.
    pub fn tracer_provider(&self) -> &SdkTracerProvider {
        &self.tracer_provider
    }

    /// The meter provider.
    pub fn meter_provider(&self) -> &SdkMeterProvider {
        &self.meter_provider
    }

    /// Finished spans, in the order they ended.
    pub fn spans(&self) -> Vec<FinishedSpan> {
        self.spans
            .get_finished_spans()
            .unwrap_or_default()
            .into_iter()
            .map(FinishedSpan::from_data)
            .collect()
    }

    /// The first finished span named `name`.
    pub fn span(&self, name: &str) -> Option<FinishedSpan> {
        self.spans().into_iter().find(|s| s.name == name)
    }

    /// Forgets the finished spans.
    pub fn reset_spans(&self) {
        self.spans.reset();
    }

    /// Collects the metrics now and returns every data point (cumulative since start).
    pub fn metric_points(&self) -> Vec<MetricPoint> {
        self.metrics.reset();
        if self.meter_provider.force_flush().is_err() {
            return Vec::new();
        }
        let mut out = Vec::new();
        for rm in self.metrics.get_finished_metrics().unwrap_or_default() {
            for sm in rm.scope_metrics() {
                for m in sm.metrics() {
                    push_points(m, &mut out);
                }
            }
        }
        out
    }

    /// The data points of metric `name`.
    pub fn metric(&self, name: &str) -> Vec<MetricPoint> {
        self.metric_points()
            .into_iter()
            .filter(|p| p.name == name)
            .collect()
    }
}

fn attrs<'a>(it: impl Iterator<Item = &'a opentelemetry::KeyValue>) -> BTreeMap<String, Value> {
    it.map(|kv| (kv.key.to_string(), kv.value.clone()))
        .collect()
}

fn push_points(m: &opentelemetry_sdk::metrics::data::Metric, out: &mut Vec<MetricPoint>) {
    let base = |attributes, sum, count, bounds| MetricPoint {
        name: m.name().to_owned(),
        unit: m.unit().to_owned(),
        attributes,
        sum,
        count,
        bounds,
    };
    // Integer data is converted to f64 for uniform assertions; test values are far below 2^53.
    #[allow(clippy::cast_precision_loss)]
    match m.data() {
        AggregatedMetrics::U64(MetricData::Sum(s)) => {
            for p in s.data_points() {
                out.push(base(attrs(p.attributes()), p.value() as f64, 0, Vec::new()));
            }
        }
        AggregatedMetrics::F64(MetricData::Sum(s)) => {
            for p in s.data_points() {
                out.push(base(attrs(p.attributes()), p.value(), 0, Vec::new()));
            }
        }
        AggregatedMetrics::U64(MetricData::Histogram(h)) => {
            for p in h.data_points() {
                out.push(base(
                    attrs(p.attributes()),
                    p.sum() as f64,
                    p.count(),
                    p.bounds().collect(),
                ));
            }
        }
        AggregatedMetrics::F64(MetricData::Histogram(h)) => {
            for p in h.data_points() {
                out.push(base(
                    attrs(p.attributes()),
                    p.sum(),
                    p.count(),
                    p.bounds().collect(),
                ));
            }
        }
        _ => {}
    }
}
