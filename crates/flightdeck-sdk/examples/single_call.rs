//! One instrumented chat completion: one line for the call, a conventions-exact span and the
//! GenAI metrics for free.
//!
//! ```sh
//! cargo run -p flightdeck-sdk --example single_call
//! # against a running Flightdeck:
//! OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 cargo run -p flightdeck-sdk --example single_call
//! ```
#![allow(clippy::print_stdout)]

mod support;

use flightdeck_sdk::openai::ChatRequest;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let setup = support::setup("single-call-example").await?;

    let reply = setup
        .client
        .chat(
            ChatRequest::new("gpt-4o-mini")
                .system("You are a concise assistant.")
                .user("What is OpenTelemetry?"),
        )
        .await?;
    println!("reply: {}", reply.text().unwrap_or_default());

    setup.finish()
}
