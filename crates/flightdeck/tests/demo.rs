//! `flightdeck demo` as a user runs it: the real binary on free ports with a temporary data
//! directory. Within a bounded time every workload kind is visible through the HTTP API — RAG
//! with scored retrieval documents, the agents with the queue hop continuing the trace in
//! another service and a looping coder, the batch job linking to requests, failures with their
//! error types, two models and two service versions, users and conversations, no conformance
//! findings — and SIGTERM stops it cleanly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

struct Demo {
    child: Child,
    api: String,
    output: Arc<Mutex<String>>,
    readers: Vec<std::thread::JoinHandle<()>>,
}

impl Demo {
    fn start(dir: &std::path::Path) -> Demo {
        let port = || format!("127.0.0.1:{}", common::free_port());
        let http = port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_flightdeck"))
            .arg("demo")
            .arg("--data-dir")
            .arg(dir)
            .args(["--otlp-grpc-addr", &port()])
            .args(["--otlp-http-addr", &port()])
            .args(["--http-addr", &http])
            .args(["--rate", "6", "--batch-interval", "1s", "--seed", "11"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let output = Arc::new(Mutex::new(String::new()));
        let mut readers = Vec::new();
        let stdout: Box<dyn Read + Send> = Box::new(child.stdout.take().unwrap());
        let stderr: Box<dyn Read + Send> = Box::new(child.stderr.take().unwrap());
        for stream in [stdout, stderr] {
            let output = Arc::clone(&output);
            readers.push(std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let mut output = output.lock().unwrap();
                    output.push_str(&line);
                    output.push('\n');
                }
            }));
        }
        Demo {
            child,
            api: format!("http://{http}"),
            output,
            readers,
        }
    }

    fn output(&self) -> String {
        self.output.lock().unwrap().clone()
    }

    fn get(&self, path: &str) -> Value {
        let r = reqwest::blocking::get(format!("{}{path}", self.api)).unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
        r.json().unwrap()
    }

    fn trace_ids(&self, query: &str) -> Vec<String> {
        self.get(&format!("/api/v1/traces?since=1h&limit=50&{query}"))["traces"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["trace_id"].as_str().unwrap().to_owned())
            .collect()
    }

    fn trace(&self, id: &str) -> Value {
        self.get(&format!("/api/v1/traces/{id}"))
    }

    fn groups(&self, query: &str, dimension: &str) -> BTreeSet<String> {
        self.get(&format!("/api/v1/analytics?since=1h&{query}"))["rows"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["group"][dimension].as_str().map(str::to_owned))
            .collect()
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A condition checked through the API: `Err` says what is still missing.
type Check = fn(&Demo) -> Result<(), String>;

fn spans(trace: &Value) -> &Vec<Value> {
    trace["spans"].as_array().unwrap()
}

fn named<'a>(trace: &'a Value, name: &str) -> Vec<&'a Value> {
    spans(trace).iter().filter(|s| s["name"] == name).collect()
}

/// A RAG request: embeddings, a retrieval with 4 `kb-` documents scored in 0..=1 best first,
/// a streamed chat with time to first chunk and captured messages, under the HTTP span.
fn check_rag(demo: &Demo) -> Result<(), String> {
    for id in demo.trace_ids("operation=retrieval&service=support-rag&status=unset") {
        let trace = demo.trace(&id);
        let root = &spans(&trace)[0];
        let retrieval = named(&trace, "retrieval support-kb");
        let chat = spans(&trace)
            .iter()
            .find(|s| s["genai"]["operation"] == "chat" && s["status"]["code"] == "unset");
        let (Some(retrieval), Some(chat)) = (retrieval.first(), chat) else {
            continue;
        };
        assert_eq!(root["name"], "POST /v1/answer");
        assert_eq!(root["kind"], "server");
        assert_eq!(named(&trace, "embeddings text-embedding-3-small").len(), 1);
        let docs: Vec<Value> = serde_json::from_str(
            retrieval["attributes"]["gen_ai.retrieval.documents"]
                .as_str()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(docs.len(), 4);
        let scores: Vec<f64> = docs.iter().map(|d| d["score"].as_f64().unwrap()).collect();
        assert!(scores.iter().all(|s| (0.0..=1.0).contains(s)), "{scores:?}");
        assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
        assert!(
            docs.iter()
                .all(|d| d["id"].as_str().unwrap().starts_with("kb-"))
        );
        assert_eq!(chat["attributes"]["gen_ai.request.stream"], true);
        assert!(chat["genai"]["time_to_first_chunk"].as_f64().unwrap() > 0.0);
        assert!(chat["attributes"]["gen_ai.input.messages"].is_string());
        assert!(chat["attributes"]["gen_ai.output.messages"].is_string());
        assert_eq!(chat["parent_span_id"], root["span_id"]);
        return Ok(());
    }
    Err("no successful RAG request with retrieval documents yet".into())
}

/// The agents: planner and coder in `agent-orchestrator`, the `send code-review` producer
/// span, and `process code-review` in `review-worker` as its child in the same trace, with the
/// reviewer agent under it.
fn check_agents(demo: &Demo) -> Result<(), String> {
    for id in demo.trace_ids("agent=reviewer") {
        let trace = demo.trace(&id);
        let (Some(producer), Some(consumer)) = (
            named(&trace, "send code-review").first().copied(),
            named(&trace, "process code-review").first().copied(),
        ) else {
            continue;
        };
        assert_eq!(producer["kind"], "producer");
        assert_eq!(producer["service"], "agent-orchestrator");
        assert_eq!(consumer["kind"], "consumer");
        assert_eq!(consumer["service"], "review-worker");
        assert_eq!(consumer["parent_span_id"], producer["span_id"]);
        let reviewer = named(&trace, "invoke_agent reviewer")[0];
        assert_eq!(reviewer["parent_span_id"], consumer["span_id"]);
        // The reviewer's model is called through the Anthropic Messages API (its `end_turn`
        // is stored as the conventions' `stop`).
        let Some(call) = named(&trace, "chat claude-sonnet-4-5")
            .into_iter()
            .find(|c| c["genai"]["usage"]["input_tokens"].is_u64())
        else {
            continue;
        };
        assert_eq!(call["parent_span_id"], reviewer["span_id"]);
        assert_eq!(call["genai"]["provider"], "anthropic", "{call:#}");
        assert_eq!(call["genai"]["finish_reasons"], serde_json::json!(["stop"]));
        assert!(
            call["genai"]["cost"]["total"].as_f64().unwrap() > 0.0,
            "{call:#}"
        );
        assert_eq!(named(&trace, "invoke_agent planner").len(), 1);
        assert_eq!(named(&trace, "invoke_agent coder").len(), 1);
        // The user's identity travelled in the baggage header through the queue.
        let user = spans(&trace)[0]["attributes"]["user.id"].clone();
        assert!(user.is_string());
        assert_eq!(reviewer["attributes"]["user.id"], user);
        return Ok(());
    }
    Err("no agent task reviewed through the queue yet".into())
}

/// Reviews after the first read the reviewer's long instructions from Anthropic's prompt cache:
/// cache reads are counted in the input tokens and priced at the cache-read rate.
fn check_anthropic_cache(demo: &Demo) -> Result<(), String> {
    let rows = demo.get("/api/v1/analytics?since=1h&provider=anthropic&group_by=model");
    let Some(row) = rows["rows"].as_array().unwrap().first() else {
        return Err("no Anthropic call yet".into());
    };
    assert_eq!(row["group"]["model"], "claude-sonnet-4-5");
    let (input, cached) = (
        row["tokens"]["input"].as_i64().unwrap(),
        row["tokens"]["cache_read"].as_i64().unwrap(),
    );
    if cached == 0 {
        return Err(format!(
            "no Anthropic cache read yet ({input} input tokens)"
        ));
    }
    assert!(cached < input, "{row:#}");
    assert!(row["cost"]["cache_read"].as_f64().unwrap() > 0.0, "{row:#}");
    Ok(())
}

/// A coder that looped: three or more identical `run_tests` calls in one trace.
fn check_loop(demo: &Demo) -> Result<(), String> {
    for id in demo.trace_ids("tool=run_tests") {
        let trace = demo.trace(&id);
        let mut calls: HashMap<String, usize> = HashMap::new();
        for span in named(&trace, "execute_tool run_tests") {
            let args = span["attributes"]["gen_ai.tool.call.arguments"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            *calls.entry(args).or_default() += 1;
        }
        if calls.values().any(|n| *n >= 3) {
            return Ok(());
        }
    }
    Err("no looping coder yet".into())
}

/// The batch job: a `score-answers` trace of its own whose root links to answered requests.
fn check_batch(demo: &Demo) -> Result<(), String> {
    let Some(id) = demo.trace_ids("name=score-answers").into_iter().next() else {
        return Err("no batch run yet".into());
    };
    let trace = demo.trace(&id);
    let root = &spans(&trace)[0];
    assert_eq!(root["name"], "score-answers");
    assert_eq!(root["service"], "feedback-batch");
    let links = root["links"].as_array().unwrap();
    assert!(!links.is_empty());
    assert_eq!(root["attributes"]["batch.size"], links.len());
    let linked = demo.trace(links[0]["trace_id"].as_str().unwrap());
    assert_ne!(linked["trace_id"], trace["trace_id"]);
    assert_eq!(spans(&linked)[0]["span_id"], links[0]["span_id"]);
    assert_eq!(spans(&linked)[0]["name"], "POST /v1/answer");
    Ok(())
}

/// Failures with their error types, and a 429 that was retried in the same request.
fn check_failures(demo: &Demo) -> Result<(), String> {
    let types = demo.groups("group_by=error_type", "error_type");
    let missing: Vec<&str> = ["rate_limit_exceeded", "timeout", "context_length_exceeded"]
        .into_iter()
        .filter(|t| !types.contains(*t))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "error types not seen yet: {missing:?} (seen {types:?})"
        ));
    }
    for id in demo.trace_ids("error_type=rate_limit_exceeded&service=support-rag") {
        let trace = demo.trace(&id);
        let chats: Vec<&Value> = spans(&trace)
            .iter()
            .filter(|s| s["genai"]["operation"] == "chat")
            .collect();
        if chats.len() >= 2 && chats[0]["genai"]["error_type"] == "rate_limit_exceeded" {
            return Ok(());
        }
    }
    Err("no retried 429 yet".into())
}

/// Two service versions with two models, several users, tenants and conversations.
fn check_cohorts(demo: &Demo) -> Result<(), String> {
    let rows = demo.get(
        "/api/v1/analytics?since=1h&service=support-rag&operation=chat&group_by=service_version,model",
    );
    let pairs: BTreeSet<(String, String)> = rows["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["group"]["service_version"].as_str().unwrap().to_owned(),
                r["group"]["model"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = BTreeSet::from([
        ("1.4.0".to_owned(), "gpt-4o-mini".to_owned()),
        ("1.5.0".to_owned(), "gpt-4.1-mini".to_owned()),
    ]);
    if pairs != expected {
        return Err(format!("versions and models so far: {pairs:?}"));
    }
    let users = demo.groups("group_by=user", "user");
    let tenants = demo.groups("group_by=attr:tenant.id", "attr:tenant.id");
    let conversations = demo.get("/api/v1/conversations?since=1h")["conversations"]
        .as_array()
        .unwrap()
        .len();
    if users.len() < 3 || tenants.len() < 2 || conversations < 3 {
        return Err(format!(
            "{} users, {} tenants, {conversations} conversations so far",
            users.len(),
            tenants.len()
        ));
    }
    Ok(())
}

/// Every SDK scope of the four services was checked and has no conformance finding.
fn check_findings(demo: &Demo) -> Result<(), String> {
    let findings = demo.get("/api/v1/diagnostics/findings?since=1h");
    let mut services = BTreeSet::new();
    for scope in findings["scopes"].as_array().unwrap() {
        assert_eq!(scope["scope_name"], "flightdeck-sdk", "{findings:#}");
        assert_eq!(scope["findings"], serde_json::json!([]), "{findings:#}");
        services.insert(scope["service"].as_str().unwrap().to_owned());
    }
    let expected: BTreeSet<String> = [
        "agent-orchestrator",
        "feedback-batch",
        "review-worker",
        "support-rag",
    ]
    .map(str::to_owned)
    .into();
    if services != expected {
        return Err(format!("findings checked for {services:?} so far"));
    }
    Ok(())
}

/// The demo shows every workload kind through the API and stops cleanly on SIGTERM.
#[test]
fn demo_runs_every_workload_and_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::start(dir.path());
    let http = reqwest::blocking::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !http
        .get(format!("{}/healthz", demo.api))
        .send()
        .is_ok_and(|r| r.status().is_success())
    {
        assert!(Instant::now() < deadline, "not healthy:\n{}", demo.output());
        std::thread::sleep(Duration::from_millis(200));
    }

    let checks: [(&str, Check); 8] = [
        ("rag", check_rag),
        ("agents", check_agents),
        ("anthropic", check_anthropic_cache),
        ("loop", check_loop),
        ("batch", check_batch),
        ("failures", check_failures),
        ("cohorts", check_cohorts),
        ("findings", check_findings),
    ];
    let mut passed = BTreeSet::new();
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let mut waiting = Vec::new();
        for (name, check) in &checks {
            if passed.contains(name) {
                continue;
            }
            match check(&demo) {
                Ok(()) => {
                    passed.insert(*name);
                }
                Err(why) => waiting.push(format!("{name}: {why}")),
            }
        }
        // Findings are re-checked at the end: new spans must not bring any.
        if waiting.is_empty() {
            check_findings(&demo).unwrap();
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still waiting for {waiting:#?}\noutput:\n{}",
            demo.output()
        );
        std::thread::sleep(Duration::from_secs(2));
    }

    let output = demo.output();
    assert!(
        output.contains(&format!("web UI    {}", demo.api)),
        "{output}"
    );
    assert!(
        output.contains(&format!("MCP       {}/mcp", demo.api)),
        "{output}"
    );
    assert!(output.contains("spans stored"), "{output}");

    let mut demo = demo;
    let status = Command::new("kill")
        .args(["-TERM", &demo.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = demo.child.wait().unwrap();
    for reader in std::mem::take(&mut demo.readers) {
        reader.join().unwrap();
    }
    let output = demo.output();
    assert!(exit.success(), "{exit:?}\n{output}");
    assert!(output.contains("demo stopped cleanly"), "{output}");
    assert!(dir.path().join("flightdeck.duckdb").exists());
}
