//! Streaming: the client's instrumented stream (usage always requested, time to first chunk
//! measured from the request), an early drop, and a custom stream instrumented by hand with a
//! closure as its format.
//!
//! ```sh
//! cargo run -p flightdeck-sdk --example streaming
//! ```
#![allow(clippy::print_stdout)]

mod support;

use std::io::Write as _;

use flightdeck_sdk::openai::ChatRequest;
use flightdeck_sdk::stream::StreamAccumulator;
use flightdeck_sdk::{Message, Usage};
use futures::StreamExt as _;

/// A chunk of some provider SDK this crate knows nothing about.
struct MyChunk {
    text: &'static str,
    done: bool,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let setup = support::setup("streaming-example").await?;

    // 1. Stream to the end.
    let mut stream = setup
        .client
        .chat_stream(ChatRequest::new("gpt-4o-mini").user("Tell me a short story."))
        .await?;
    while let Some(chunk) = stream.next().await {
        for choice in chunk?.choices {
            print!("{}", choice.delta.content.unwrap_or_default());
        }
        std::io::stdout().flush()?;
    }
    println!();
    drop(stream);

    // 2. Stop early: the span ends now, marked `flightdeck.stream.cancelled`.
    let mut stream = setup
        .client
        .chat_stream(ChatRequest::new("gpt-4o").user("Another story, please."))
        .await?;
    let _first = stream.next().await;
    drop(stream);

    // 3. Any stream, instrumented by hand: start the span before sending the request, then
    //    wrap the response stream with a format that reads each chunk.
    let span = setup
        .genai
        .chat("in-house-model")
        .with_provider("in_house")
        .with_input_messages(vec![Message::user("hi")])
        .streaming()
        .start();
    let chunks = futures::stream::iter([
        Ok::<_, std::io::Error>(MyChunk {
            text: "Hello",
            done: false,
        }),
        Ok(MyChunk {
            text: " world",
            done: true,
        }),
    ]);
    let format = |chunk: &MyChunk, acc: &mut StreamAccumulator| {
        acc.push_text(0, chunk.text);
        if chunk.done {
            acc.set_finish_reason(0, "stop");
            acc.set_usage(Usage::new(1, 2));
        }
    };
    let texts: Vec<_> = span
        .stream(chunks, format)
        .map(|c| c.map(|c| c.text))
        .collect()
        .await;
    println!("custom stream: {texts:?}");

    setup.finish()
}
