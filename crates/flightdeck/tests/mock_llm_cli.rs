//! `flightdeck mock-llm` as a user runs it: the real binary with a config file and flags,
//! driven with a real HTTP client (OpenAI chat plain and streamed with usage, Anthropic
//! streaming, a 429 with Retry-After, the model list); SIGTERM stops it with one log line.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// (event name, JSON data) of each SSE event; `[DONE]` as a string.
fn sse(body: &str) -> Vec<(Option<String>, Value)> {
    let mut out = Vec::new();
    for block in body.split("\n\n") {
        let mut event = None;
        for line in block.lines() {
            if let Some(e) = line.strip_prefix("event: ") {
                event = Some(e.to_owned());
            } else if let Some(d) = line.strip_prefix("data: ") {
                let data = serde_json::from_str(d).unwrap_or(Value::String(d.to_owned()));
                out.push((event.clone(), data));
            }
        }
    }
    out
}

/// Chat (plain and streamed), Anthropic streaming, a 429 and the model list over HTTP.
#[test]
fn mock_llm_command_serves_both_apis() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("mock.toml");
    std::fs::write(
        &config,
        "seed = 5\n[models.limited]\nrate_limit_rate = 1.0\nretry_after = \"3s\"\n",
    )
    .unwrap();
    let addr = format!("127.0.0.1:{}", common::free_port());
    let mut child = Command::new(env!("CARGO_BIN_EXE_flightdeck"))
        .args(["mock-llm", "--addr", &addr, "--config"])
        .arg(&config)
        .args([
            "--base-latency",
            "0ms",
            "--time-to-first-token",
            "0ms",
            "--tokens-per-second",
            "0",
            "--model",
            "gpt-4o-mini",
        ])
        .env_remove("FLIGHTDECK_MOCK_LLM_ADDR")
        .env_remove("FLIGHTDECK_MOCK_LLM_CONFIG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let log = Arc::new(Mutex::new(String::new()));
    let reader = {
        let log = Arc::clone(&log);
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut log = log.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        })
    };
    let base = format!("http://{addr}");
    let http = reqwest::blocking::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while http
        .get(format!("{base}/health"))
        .send()
        .map(|r| !r.status().is_success())
        .unwrap_or(true)
    {
        assert!(
            Instant::now() < deadline,
            "not ready:\n{}",
            log.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        log.lock().unwrap().contains(&format!(
            "mock LLM ready on {base}: OpenAI base URL {base}/v1"
        )),
        "{}",
        log.lock().unwrap()
    );

    // Plain chat: "Hello there" is 11 characters → 3 tokens, plus 3 per message = 6.
    let messages = json!([{"role": "user", "content": "Hello there"}]);
    let reply: Value = http
        .post(format!("{base}/v1/chat/completions"))
        .json(&json!({"model": "gpt-4o-mini", "messages": messages}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let text = reply["choices"][0]["message"]["content"].as_str().unwrap();
    let words = text.split_whitespace().count() as u64;
    assert_eq!(reply["usage"]["prompt_tokens"], 6);
    assert_eq!(reply["usage"]["completion_tokens"], words);
    assert_eq!(reply["usage"]["total_tokens"], 6 + words);
    assert_eq!(reply["choices"][0]["finish_reason"], "stop");

    // Streamed chat with usage: text deltas, then a chunk with usage and no choices, then [DONE].
    let body = http
        .post(format!("{base}/v1/chat/completions"))
        .json(
            &json!({"model": "gpt-4o-mini", "messages": messages, "stream": true,
                      "stream_options": {"include_usage": true}}),
        )
        .send()
        .unwrap()
        .text()
        .unwrap();
    let events = sse(&body);
    assert_eq!(events.last().unwrap().1, Value::String("[DONE]".into()));
    let usage_chunk = &events[events.len() - 2].1;
    assert_eq!(usage_chunk["choices"], json!([]));
    assert_eq!(usage_chunk["usage"]["prompt_tokens"], 6);
    let streamed: String = events
        .iter()
        .filter_map(|(_, d)| d["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert_eq!(
        usage_chunk["usage"]["completion_tokens"],
        streamed.split_whitespace().count() as u64
    );

    // Anthropic streaming: the documented event sequence, usage in message_delta.
    let body = http
        .post(format!("{base}/v1/messages"))
        .json(
            &json!({"model": "claude-sonnet-4-5", "max_tokens": 200, "stream": true,
                      "messages": messages}),
        )
        .send()
        .unwrap()
        .text()
        .unwrap();
    let events = sse(&body);
    let names: Vec<&str> = events.iter().map(|(e, _)| e.as_deref().unwrap()).collect();
    assert_eq!(
        names[..3],
        ["message_start", "content_block_start", "ping"],
        "{body}"
    );
    assert_eq!(
        names[names.len() - 3..],
        ["content_block_stop", "message_delta", "message_stop"]
    );
    let deltas: Vec<&str> = events
        .iter()
        .filter(|(e, _)| e.as_deref() == Some("content_block_delta"))
        .map(|(_, d)| d["delta"]["text"].as_str().unwrap())
        .collect();
    assert_eq!(deltas.len(), names.len() - 6);
    assert_eq!(events[0].1["message"]["usage"]["input_tokens"], 6);
    assert_eq!(
        events[events.len() - 2].1["usage"]["output_tokens"],
        deltas.len() as u64
    );

    // The model configured to be rate limited: 429, Retry-After 3, OpenAI's error code.
    let limited = http
        .post(format!("{base}/v1/chat/completions"))
        .json(&json!({"model": "limited", "messages": messages}))
        .send()
        .unwrap();
    assert_eq!(limited.status(), 429);
    assert_eq!(limited.headers()["retry-after"], "3");
    let error: Value = limited.json().unwrap();
    assert_eq!(error["error"]["code"], "rate_limit_exceeded");

    // /v1/models lists the configured models (file and flag).
    let models: Value = http
        .get(format!("{base}/v1/models"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let mut ids: Vec<&str> = models["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, ["gpt-4o-mini", "limited"]);

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    reader.join().unwrap();
    let log = log.lock().unwrap().clone();
    assert!(exit.success(), "{exit:?}\n{log}");
    // Four completions/messages requests were answered (the list and health are not counted).
    assert!(
        log.contains("mock LLM stopped after") && log.contains(": 4 requests answered"),
        "{log}"
    );
}
