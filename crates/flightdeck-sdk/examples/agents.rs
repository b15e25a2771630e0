//! Agents: a workflow with two agents; the planner calls a model that asks for a tool, runs
//! the tool, and calls the model again with the result; it then hands work to a writer agent
//! through a message queue, with the trace context in the message headers; the writer links
//! its span to the message it consumed.
//!
//! ```sh
//! cargo run -p flightdeck-sdk --example agents
//! ```
#![allow(clippy::print_stdout)]

mod support;

use std::collections::HashMap;

use flightdeck_sdk::openai::{ChatMessage, ChatRequest, Tool};
use flightdeck_sdk::opentelemetry::context::FutureExt as _;
use flightdeck_sdk::propagation::{inject_map, links_from_maps};
use serde_json::json;

fn get_weather(city: &str) -> serde_json::Value {
    json!({"city": city, "forecast": "light rain", "high_c": 14})
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let setup = support::setup("agents-example").await?;
    let genai = &setup.genai;
    let client = &setup.client;

    let workflow = genai.invoke_workflow("trip-planner").start();
    let mut queue: Vec<(HashMap<String, String>, String)> = Vec::new();

    // The planner agent: model → tool → model.
    let planner = genai
        .invoke_agent("planner")
        .with_parent(&workflow.context())
        .with_model("gpt-4o")
        .start();
    let plan = async {
        let weather = Tool::function(
            "get_weather",
            "Current weather for a city",
            json!({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}),
        );
        let request = ChatRequest::new("gpt-4o")
            .user("Plan a day in Paris.")
            .with_tool(weather.clone());
        let first = client.chat(request.clone()).await?;
        let mut messages = request.messages.clone();
        messages.push(first.choices[0].message.clone());
        for call in &first.choices[0].message.tool_calls {
            let args: serde_json::Value =
                serde_json::from_str(&call.function.arguments).unwrap_or_default();
            let mut tool = genai
                .execute_tool(call.function.name.clone())
                .with_tool_type("function")
                .with_call_id(call.id.clone())
                .with_agent_name("planner")
                .with_arguments(args.clone())
                .start();
            let result = get_weather(args["city"].as_str().unwrap_or("Paris"));
            tool.record_result(&result);
            tool.end();
            messages.push(ChatMessage::tool(call.id.clone(), result.to_string()));
        }
        let mut follow_up = ChatRequest::new("gpt-4o").with_tool(weather);
        follow_up.messages = messages;
        let answer = client.chat(follow_up).await?;
        Ok::<_, Box<dyn std::error::Error>>(answer.text().unwrap_or_default().to_owned())
    }
    .with_context(planner.context())
    .await?;

    // Hand the plan to the writer through a queue, with the planner's trace context.
    let mut headers = HashMap::new();
    inject_map(&planner.context(), &mut headers);
    queue.push((headers, plan));
    planner.end();

    // The writer consumes a batch of messages and links to their producers.
    let batch: Vec<HashMap<String, String>> = queue.iter().map(|(h, _)| h.clone()).collect();
    let writer = genai
        .invoke_agent("writer")
        .with_parent(&workflow.context())
        .with_links(links_from_maps(&batch))
        .start();
    let summary = client
        .chat(ChatRequest::new("gpt-4o-mini").user(format!("Summarize: {}", queue[0].1)))
        .with_context(writer.context())
        .await?;
    writer.end();
    workflow.end();
    println!("summary: {}", summary.text().unwrap_or_default());

    setup.finish()
}
