//! The multi-agent workflow: a change request to `agent-orchestrator` runs a planner agent
//! (searches the code, writes a plan) and a coder agent (reads a file, applies a patch, runs the
//! tests; sometimes the tests keep failing and it repeats the same `run_tests` call until it
//! gives up), then hands the patch to `review-worker` through an in-process queue with the trace
//! context in the message headers; the worker's reviewer agent continues the same trace.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use flightdeck_sdk::Message;
use flightdeck_sdk::content::parse_arguments;
use flightdeck_sdk::openai::{ChatMessage, ChatRequest, Tool};
use flightdeck_sdk::propagation::{extract_map, inject_map};
use opentelemetry::KeyValue;
use opentelemetry::context::FutureExt as _;
use opentelemetry::trace::SpanKind;
use rand::Rng as _;
use rand::rngs::StdRng;
use serde_json::{Value, json};
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinSet;

use super::telemetry::{Service, identity};
use super::world::{
    AGENT_MODEL, Counters, Failure, QueueMessage, REVIEW_QUEUE, World, with_retries,
};

/// Model of the reviewer agent (called through the Anthropic Messages API).
pub const REVIEW_MODEL: &str = "claude-sonnet-4-5";
/// The reviewer's guidelines; with the instructions they form a prompt prefix long enough
/// (over 1,024 tokens) for the provider to cache, so reviews after the first read it from cache.
const REVIEW_GUIDELINES: [&str; 8] = [
    "Check that the change does what the task asks and nothing else.",
    "Check error handling: every failure is reported with what went wrong.",
    "Check that amounts, currencies and rounding follow the billing rules.",
    "Check that new behaviour has tests and that the tests can fail.",
    "Check names: a reader can tell what each function and variable is for.",
    "Check that no secret, token or personal data is logged.",
    "Check that database queries stay bounded and use the existing indexes.",
    "Check that user-facing text is clear and consistent with the product.",
];

/// The reviewer's system instructions.
fn review_instructions() -> String {
    let mut text = String::from(
        "You are the reviewer agent. Approve the patch or ask for changes, in one paragraph.\n",
    );
    for round in 1..=8 {
        for (i, rule) in REVIEW_GUIDELINES.iter().enumerate() {
            text.push_str(&format!("{round}.{}. {rule}\n", i + 1));
        }
    }
    text
}
/// Most test runs of the coder before it gives up.
const MAX_TEST_RUNS: u32 = 5;
/// Share of tasks in which the tests keep failing (the coder loops on `run_tests`).
const LOOP_SHARE: f64 = 0.25;
/// Reviews the worker runs at once.
const REVIEW_CONCURRENCY: usize = 16;

/// Change requests developers send.
const TASKS: [&str; 8] = [
    "Invoices show totals rounded the wrong way for amounts in JPY; fix the rounding.",
    "Add a retry with backoff to the webhook sender when the endpoint answers 503.",
    "The storage quota check counts deleted files; exclude them.",
    "Rotate API keys without downtime: keep the old key valid for 24 hours.",
    "The Slack integration posts alerts twice when a project is renamed.",
    "Return HTTP 429 with Retry-After instead of 500 when the rate limiter trips.",
    "Exports of large workspaces time out; prepare them in the background.",
    "SSO login fails when the identity provider sends the email claim in upper case.",
];

fn tool(name: &str, description: &str, parameters: Value) -> Tool {
    Tool::function(name, description, parameters)
}

fn search_code() -> Tool {
    tool(
        "search_code",
        "Full-text search over the repository",
        json!({"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]}),
    )
}

fn read_file() -> Tool {
    tool(
        "read_file",
        "Read a file of the repository",
        json!({"type": "object", "properties": {"path": {"type": "string", "enum": ["src/billing/invoice.rs", "src/api/limits.rs"]}}, "required": ["path"]}),
    )
}

fn apply_patch() -> Tool {
    tool(
        "apply_patch",
        "Apply a unified diff to the working tree",
        json!({"type": "object", "properties": {"path": {"type": "string"}, "diff": {"type": "string"}}, "required": ["path", "diff"]}),
    )
}

fn run_tests() -> Tool {
    tool(
        "run_tests",
        "Run a test suite and report failures",
        json!({"type": "object", "properties": {"suite": {"type": "string", "enum": ["all", "unit", "integration"]}}, "required": ["suite"]}),
    )
}

/// What running a tool gave.
struct ToolRun {
    result: Value,
    latency: Duration,
}

/// One model turn that may call tools: the calls are executed (each an `execute_tool` span)
/// and their results appended to the request's messages. Runs inside the agent's span.
async fn model_turn(
    service: &Service,
    agent: &'static str,
    request: &mut ChatRequest,
    mut execute: impl FnMut(&str, &Value) -> ToolRun,
) -> Result<usize, Failure> {
    let response = with_retries(|| service.client.chat(request.clone()))
        .await
        .map_err(|e| Failure::from(&e))?;
    let message = response
        .choices
        .into_iter()
        .next()
        .map(|c| c.message)
        .unwrap_or_default();
    let calls = message.tool_calls.clone();
    request.messages.push(message);
    for call in &calls {
        let arguments = parse_arguments(&call.function.arguments);
        let mut span = service
            .genai
            .execute_tool(call.function.name.clone())
            .with_tool_type("function")
            .with_call_id(call.id.clone())
            .with_agent_name(agent)
            .with_arguments(arguments.clone())
            .start();
        let run = execute(&call.function.name, &arguments);
        tokio::time::sleep(run.latency).await;
        span.record_result(&run.result);
        span.end();
        request
            .messages
            .push(ChatMessage::tool(call.id.clone(), run.result.to_string()));
    }
    Ok(calls.len())
}

/// A final answer without tools; its text.
async fn final_answer(service: &Service, request: &mut ChatRequest) -> Result<String, Failure> {
    request.tools.clear();
    let response = with_retries(|| service.client.chat(request.clone()))
        .await
        .map_err(|e| Failure::from(&e))?;
    Ok(response.text().unwrap_or_default().to_owned())
}

fn millis(rng: &mut StdRng, lo: u64, hi: u64) -> Duration {
    Duration::from_millis(rng.random_range(lo..=hi))
}

/// The planner: searches the code, then writes a plan.
async fn plan(service: &Service, task: &str, rng: &mut StdRng) -> Result<String, Failure> {
    let mut request = ChatRequest::new(AGENT_MODEL)
        .system("You are the planner agent. Search the code, then write a short numbered plan.")
        .user(task)
        .with_tool(search_code());
    model_turn(service, "planner", &mut request, |_, args| ToolRun {
        result: json!({"query": args.get("query"), "matches": [
            {"path": "src/billing/invoice.rs", "line": 118},
            {"path": "src/api/limits.rs", "line": 42}
        ]}),
        latency: millis(rng, 30, 120),
    })
    .await?;
    final_answer(service, &mut request).await
}

/// The coder: reads, patches, runs the tests until they pass or [`MAX_TEST_RUNS`] is reached.
async fn code(
    service: &Service,
    plan: &str,
    failing_runs: u32,
    rng: &mut StdRng,
) -> Result<String, Failure> {
    let mut request = ChatRequest::new(AGENT_MODEL)
        .system(
            "You are the coder agent. Follow the plan, change the code and make the tests pass.",
        )
        .user(format!("Plan:\n{plan}"))
        .with_tool(read_file());
    model_turn(service, "coder", &mut request, |_, args| ToolRun {
        result: json!({"path": args.get("path"), "lines": 214, "content": "fn total(items: &[Item]) -> Money { ... }"}),
        latency: millis(rng, 5, 20),
    })
    .await?;
    request.tools = vec![apply_patch()];
    request = request.message(ChatMessage::user("Apply the change with apply_patch."));
    model_turn(service, "coder", &mut request, |_, args| ToolRun {
        result: json!({"path": args.get("path"), "applied": true, "hunks": 2}),
        latency: millis(rng, 20, 60),
    })
    .await?;
    request.tools = vec![run_tests()];
    request = request.message(ChatMessage::user("Run the test suite with run_tests."));
    let mut runs = 0;
    loop {
        runs += 1;
        let passes = runs > failing_runs;
        model_turn(service, "coder", &mut request, |_, args| ToolRun {
            result: if passes {
                json!({"suite": args.get("suite"), "passed": 214, "failed": 0})
            } else {
                json!({"suite": args.get("suite"), "passed": 212, "failed": 2,
                       "failures": ["billing::invoice::rounds_jpy_totals", "billing::invoice::rounds_half_even"]})
            },
            latency: millis(rng, 300, 800),
        })
        .await?;
        if passes {
            break;
        }
        if runs >= MAX_TEST_RUNS {
            return Err(Failure::app(
                "max_iterations_exceeded",
                format!("tests still failing after {runs} runs of run_tests"),
                500,
            ));
        }
        request = request.message(ChatMessage::user(
            "The tests failed. Fix the code and run the tests again with run_tests.",
        ));
    }
    final_answer(service, &mut request).await
}

/// Handles one change request; returns whether it failed.
pub async fn handle(world: &World, rng: &mut StdRng, task_number: u64) -> bool {
    let service = &world.orchestrator;
    let (user, tenant) = super::world::USERS[rng.random_range(0..super::world::USERS.len())];
    let conversation = format!("task-{}-{task_number}", world.run);
    let task = TASKS[rng.random_range(0..TASKS.len())];
    let failing_runs = if rng.random_bool(LOOP_SHARE) {
        rng.random_range(2..=MAX_TEST_RUNS + 1)
    } else {
        u32::from(rng.random_bool(0.3))
    };
    let cx = identity(user, tenant, &conversation);
    let root = service.span(
        "POST /v1/tasks",
        SpanKind::Server,
        &cx,
        vec![
            KeyValue::new("http.request.method", "POST"),
            KeyValue::new("http.route", "/v1/tasks"),
            KeyValue::new("url.path", "/v1/tasks"),
            KeyValue::new("url.scheme", "http"),
        ],
    );
    let mut workflow = service
        .genai
        .invoke_workflow("code-change")
        .with_parent(&root.context())
        .with_conversation_id(conversation.clone())
        .with_input_messages(vec![Message::user(task)])
        .start();

    let result = async {
        let mut planner = service
            .genai
            .invoke_agent("planner")
            .with_parent(&workflow.context())
            .with_model(AGENT_MODEL)
            .with_description("Breaks a change request into steps")
            .with_conversation_id(conversation.clone())
            .start();
        let plan = match plan(service, task, rng)
            .with_context(planner.context())
            .await
        {
            Ok(p) => p,
            Err(f) => {
                planner.set_error(f.error_type.clone(), f.message.clone());
                planner.end();
                return Err(f);
            }
        };
        planner.set_output_messages(&[Message::assistant(plan.clone())]);
        planner.end();

        let mut coder = service
            .genai
            .invoke_agent("coder")
            .with_parent(&workflow.context())
            .with_model(AGENT_MODEL)
            .with_description("Changes the code and runs the tests")
            .with_conversation_id(conversation.clone())
            .start();
        let patch = match code(service, &plan, failing_runs, rng)
            .with_context(coder.context())
            .await
        {
            Ok(p) => p,
            Err(f) => {
                coder.set_error(f.error_type.clone(), f.message.clone());
                coder.end();
                return Err(f);
            }
        };
        coder.set_output_messages(&[Message::assistant(patch.clone())]);
        coder.end();

        publish(world, &workflow.context(), patch, &conversation)
    }
    .await;

    let failed = match result {
        Ok(()) => {
            workflow.set_output_messages(&[Message::assistant("Patch ready; sent to review.")]);
            root.set_attribute(KeyValue::new("http.response.status_code", 202));
            false
        }
        Err(f) => {
            workflow.set_error(f.error_type.clone(), f.message.clone());
            root.set_attribute(KeyValue::new(
                "http.response.status_code",
                i64::from(f.http_status),
            ));
            root.fail(&f.error_type, &f.message);
            true
        }
    };
    workflow.end();
    root.end();
    failed
}

fn messaging_attributes(operation: &'static str, name: &'static str) -> Vec<KeyValue> {
    vec![
        KeyValue::new("messaging.system", "in_process"),
        KeyValue::new("messaging.destination.name", REVIEW_QUEUE),
        KeyValue::new("messaging.operation.type", operation),
        KeyValue::new("messaging.operation.name", name),
    ]
}

/// Sends the patch to the review queue with the trace context of a producer span.
fn publish(
    world: &World,
    parent: &opentelemetry::Context,
    patch: String,
    conversation: &str,
) -> Result<(), Failure> {
    let producer = world.orchestrator.span(
        format!("send {REVIEW_QUEUE}"),
        SpanKind::Producer,
        parent,
        messaging_attributes("send", "send"),
    );
    let mut headers = HashMap::new();
    inject_map(&producer.context(), &mut headers);
    let message = QueueMessage {
        headers,
        body: patch,
        conversation: conversation.to_owned(),
    };
    let result = world.queue.try_send(message).map_err(|_| {
        Failure::app(
            "queue_full",
            format!("the {REVIEW_QUEUE} queue is full"),
            503,
        )
    });
    if let Err(f) = &result {
        producer.fail(&f.error_type, &f.message);
    }
    producer.end();
    result
}

/// Reviews one patch taken from the queue, continuing the producer's trace.
async fn review(world: &World, message: QueueMessage) {
    let service = &world.reviewer;
    let parent = extract_map(&message.headers);
    let consumer = service.span(
        format!("process {REVIEW_QUEUE}"),
        SpanKind::Consumer,
        &parent,
        messaging_attributes("process", "process"),
    );
    let mut reviewer = service
        .genai
        .invoke_agent("reviewer")
        .with_parent(&consumer.context())
        .with_model(REVIEW_MODEL)
        .with_description("Reviews patches before they are merged")
        .with_conversation_id(message.conversation.clone())
        .start();
    let user = format!("Patch summary:\n{}", message.body);
    let context = reviewer.context();
    let instructions = review_instructions();
    let result = with_retries(|| {
        world
            .anthropic
            .chat(&service.genai, &context, REVIEW_MODEL, &instructions, &user)
    })
    .await;
    match result {
        Ok(text) => {
            reviewer.set_output_messages(&[Message::assistant(text)]);
        }
        Err(e) => {
            let f = Failure::from(&e);
            reviewer.set_error(f.error_type.clone(), f.message.clone());
            consumer.fail(&f.error_type, &f.message);
            Counters::bump(&world.counters.failed);
        }
    }
    reviewer.end();
    consumer.end();
    Counters::bump(&world.counters.reviews);
}

/// The review worker: takes messages from the queue and reviews them (a few at once) until
/// `stop` turns true, then reviews what is still queued and returns.
pub async fn review_worker(
    world: Arc<World>,
    mut queue: mpsc::Receiver<QueueMessage>,
    mut stop: watch::Receiver<bool>,
) {
    let slots = Arc::new(Semaphore::new(REVIEW_CONCURRENCY));
    let mut reviews = JoinSet::new();
    loop {
        let message = tokio::select! {
            m = queue.recv() => m,
            _ = stop.wait_for(|s| *s) => None,
        };
        let Some(message) = message else { break };
        let Ok(slot) = Arc::clone(&slots).acquire_owned().await else {
            break;
        };
        let world = Arc::clone(&world);
        reviews.spawn(async move {
            review(&world, message).await;
            drop(slot);
        });
        while reviews.try_join_next().is_some() {}
    }
    while let Ok(message) = queue.try_recv() {
        let world = Arc::clone(&world);
        reviews.spawn(async move { review(&world, message).await });
    }
    while reviews.join_next().await.is_some() {}
}
