//! The official Python MCP SDK (`mcp` from PyPI) talks to a real `flightdeck serve` loaded with
//! a fixture: over stdio through `flightdeck mcp`, and over streamable HTTP at `/mcp`. The
//! client script (tests/python/mcp_client.py) lists the tools, calls each one, checks the
//! answers against hand-computed values and checks that bad arguments give clear MCP errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;

use common::{ServerProcess, python, python_script};
use serde_json::Value;

fn run_client(args: &[&str]) -> Value {
    let output = Command::new(python())
        .arg(python_script("mcp_client.py"))
        .args(args)
        .output()
        .expect("failed to run the Python MCP client");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "mcp_client.py {args:?} failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("mcp_client.py printed no JSON summary ({e}):\n{stdout}"))
}

/// Every tool answers correctly over stdio and over HTTP (with both protocol negotiations), and
/// bad arguments never crash the server.
#[test]
fn python_mcp_sdk_over_stdio_and_http() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), &[]);
    let loaded = run_client(&["load", &server.otlp_http]);
    // One of the nine spans has a 12-byte trace id: rejected, the rest stored.
    assert_eq!(loaded["traces"]["partialSuccess"]["rejectedSpans"], 1);

    let binary = env!("CARGO_BIN_EXE_flightdeck");
    let mcp_url = format!("{}/mcp", server.api);
    let runs: [&[&str]; 3] = [
        &["check", "stdio", binary, &server.api, "auto"],
        &["check", "http", &mcp_url, "auto"],
        &["check", "http", &mcp_url, "legacy"],
    ];
    for args in runs {
        let summary = run_client(args);
        assert_eq!(
            summary["failures"],
            serde_json::json!([]),
            "{args:?}: {summary}"
        );
        assert_eq!(
            summary["tools_called"].as_array().unwrap().len(),
            13,
            "{args:?}: {summary}"
        );
    }
    // The server is still healthy after every bad call.
    assert_eq!(server.get("/healthz")["status"], "ok");
}

/// `flightdeck mcp` pointed at an address where nothing listens starts anyway and answers
/// every tool call with an error naming the address, instead of crashing.
#[test]
fn stdio_server_without_a_running_flightdeck() {
    let port = common::free_port();
    let api = format!("http://127.0.0.1:{port}");
    let output = Command::new(python())
        .arg("-c")
        .arg(UNREACHABLE_CHECK)
        .arg(env!("CARGO_BIN_EXE_flightdeck"))
        .arg(&api)
        .output()
        .expect("failed to run the Python MCP client");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(result["is_error"], true);
    let text = result["text"].as_str().unwrap();
    assert!(
        text.contains(&format!("cannot reach the Flightdeck API at {api}")),
        "{text}"
    );
}

const UNREACHABLE_CHECK: &str = r#"
import asyncio, json, sys
from mcp import Client, StdioServerParameters

async def main():
    server = StdioServerParameters(command=sys.argv[1], args=["mcp", "--api", sys.argv[2]])
    async with Client(server) as client:
        result = await client.call_tool("overview", {})
        print(json.dumps({"is_error": result.is_error, "text": result.content[0].text}))

asyncio.run(main())
"#;
