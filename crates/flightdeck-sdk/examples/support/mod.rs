//! Shared setup of the examples: a model server (the mock provider in-process, or the API at
//! `OPENAI_BASE_URL`) and telemetry (OTLP to `OTEL_EXPORTER_OTLP_ENDPOINT`, e.g. a running
//! `flightdeck serve` at `http://127.0.0.1:4318`, or in memory, printed as a tree at the end).
// Not every example uses every field.
#![allow(dead_code)]

use std::collections::HashMap;
use std::error::Error;

use flightdeck_mockllm::{Behavior, MockLlm, RunningMockLlm};
use flightdeck_sdk::openai::OpenAiClient;
use flightdeck_sdk::opentelemetry::Value;
use flightdeck_sdk::otlp::OtlpPipeline;
use flightdeck_sdk::testing::{FinishedSpan, TestTelemetry};
use flightdeck_sdk::{ContentCapture, GenAi, GenAiBuilder};

enum Telemetry {
    Otlp(OtlpPipeline),
    Memory(TestTelemetry),
}

/// What an example needs.
pub struct Setup {
    pub genai: GenAi,
    pub client: OpenAiClient,
    telemetry: Telemetry,
    _mock: Option<RunningMockLlm>,
}

fn configure(builder: GenAiBuilder) -> GenAi {
    // Content capture follows OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT; the
    // examples turn it on when the variable is unset so the output shows it.
    let builder = if std::env::var_os(flightdeck_sdk::content::CAPTURE_CONTENT_ENV).is_none() {
        builder.with_content_capture(ContentCapture::SpanAttributes)
    } else {
        builder
    };
    builder.with_provider("openai").build()
}

pub async fn setup(service: &str) -> Result<Setup, Box<dyn Error>> {
    let (base_url, mock) = match std::env::var("OPENAI_BASE_URL") {
        Ok(url) => (url, None),
        Err(_) => {
            let mut behavior = Behavior::instant();
            behavior.time_to_first_token = std::time::Duration::from_millis(120);
            behavior.tokens_per_second = 400.0;
            let running = MockLlm::builder()
                .with_seed(1)
                .with_defaults(behavior)
                .build()?
                .spawn("127.0.0.1:0")
                .await?;
            (running.openai_base_url(), Some(running))
        }
    };
    let telemetry = match std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT") {
        Ok(endpoint) => Telemetry::Otlp(OtlpPipeline::install(&endpoint, service)?),
        Err(_) => Telemetry::Memory(TestTelemetry::new()),
    };
    let genai = match &telemetry {
        Telemetry::Otlp(p) => configure(p.genai()),
        Telemetry::Memory(t) => configure(t.genai()),
    };
    let mut client = OpenAiClient::builder(base_url).with_genai(genai.clone());
    if let Ok(key) = std::env::var("OPENAI_API_KEY") {
        client = client.with_api_key(key);
    }
    Ok(Setup {
        genai,
        client: client.build()?,
        telemetry,
        _mock: mock,
    })
}

fn summary(span: &FinishedSpan) -> String {
    let mut parts = Vec::new();
    for key in [
        "gen_ai.usage.input_tokens",
        "gen_ai.usage.output_tokens",
        "gen_ai.response.time_to_first_chunk",
        "gen_ai.response.finish_reasons",
        "error.type",
    ] {
        if let Some(v) = span.attribute(key) {
            let short = key.rsplit('.').next().unwrap_or(key);
            let v = match v {
                Value::F64(f) => format!("{f:.3}s"),
                other => other.to_string(),
            };
            parts.push(format!("{short}={v}"));
        }
    }
    let ms = span
        .data
        .end_time
        .duration_since(span.data.start_time)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(0.0);
    format!("{} ({ms:.1} ms) {}", span.name, parts.join(" "))
}

impl Setup {
    /// Prints the spans (in memory) or flushes them to the collector (OTLP).
    pub fn finish(self) -> Result<(), Box<dyn Error>> {
        match self.telemetry {
            Telemetry::Otlp(p) => {
                p.shutdown()?;
                println!("telemetry sent over OTLP");
            }
            Telemetry::Memory(t) => {
                let spans = t.spans();
                let mut children: HashMap<String, Vec<&FinishedSpan>> = HashMap::new();
                for s in &spans {
                    children
                        .entry(s.parent_span_id.clone())
                        .or_default()
                        .push(s);
                }
                fn walk(id: &str, depth: usize, children: &HashMap<String, Vec<&FinishedSpan>>) {
                    let mut list = children.get(id).cloned().unwrap_or_default();
                    list.sort_by_key(|s| s.data.start_time);
                    for s in list {
                        println!("{}{}", "  ".repeat(depth), summary(s));
                        walk(&s.span_id, depth + 1, children);
                    }
                }
                println!("\nspans:");
                let ids: std::collections::HashSet<&str> =
                    spans.iter().map(|s| s.span_id.as_str()).collect();
                let roots: Vec<&str> = children
                    .keys()
                    .filter(|p| !ids.contains(p.as_str()))
                    .map(String::as_str)
                    .collect();
                for root in roots {
                    walk(root, 0, &children);
                }
            }
        }
        Ok(())
    }
}
