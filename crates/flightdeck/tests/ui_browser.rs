//! The web UI in a real browser: Debian's Chromium, driven by `playwright-core` (npm, pinned in
//! `tests/ui/package-lock.json`), against a real `flightdeck serve` holding realistic traffic from
//! `flightdeck loadgen`. The browser side is `tests/ui/browser.test.mjs`: it sends its own fixture
//! traces over OTLP/HTTP (the captured instrumentation samples, hand-built agent traces, one trace
//! of 10,000 spans), loads every page, checks the key content and the absence of console errors,
//! clicks from the trace list into a trace and into a span, measures the big trace page, and saves
//! screenshots to `tests/ui/screenshots/`.
//!
//! `scripts/test.sh` installs the npm package; `.ci/run` installs Chromium.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::ServerProcess;

fn ui_tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/ui")
}

fn chromium() -> PathBuf {
    let path = std::env::var_os("FLIGHTDECK_TEST_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        path.exists(),
        "Chromium not found at {}: install Debian's `chromium` (`.ci/run` does) or set \
         FLIGHTDECK_TEST_CHROMIUM",
        path.display()
    );
    path
}

fn check_node_modules() {
    let package = ui_tests_dir().join("node_modules/playwright-core/package.json");
    assert!(
        package.exists(),
        "{} is missing: run the tests with scripts/test.sh, which runs `npm ci` in tests/ui",
        package.display()
    );
}

/// Every page renders its key content with no console error; the list → trace → span path works;
/// the 10,000-span trace page opens and stays responsive (its timings are printed and saved).
#[test]
fn web_ui_in_a_real_browser() {
    check_node_modules();
    let chromium = chromium();
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), &["--index-attribute", "tenant.id"]);
    let empty_dir = tempfile::tempdir().unwrap();
    let empty = ServerProcess::start(empty_dir.path(), &[]);

    // Background traffic: agents, model calls (some streamed, some failing), tools, retrieval,
    // in every attribute dialect, with content. loadgen fails unless every span was stored.
    let loadgen = Command::new(env!("CARGO_BIN_EXE_flightdeck"))
        .args([
            "loadgen",
            "--spans",
            "3000",
            "--content",
            "--dialect",
            "mixed",
        ])
        .args(["--endpoint", &server.grpc, "--api", &server.api])
        .output()
        .expect("failed to run flightdeck loadgen");
    assert!(
        loadgen.status.success(),
        "loadgen failed: {}\n{}",
        String::from_utf8_lossy(&loadgen.stdout),
        String::from_utf8_lossy(&loadgen.stderr)
    );

    let output = Command::new("node")
        .args(["--test", "--test-concurrency=1", "--test-reporter=spec"])
        .arg("browser.test.mjs")
        .current_dir(ui_tests_dir())
        .env("FLIGHTDECK_UI_URL", &server.api)
        .env("FLIGHTDECK_UI_OTLP_HTTP", &server.otlp_http)
        .env("FLIGHTDECK_UI_EMPTY_URL", &empty.api)
        .env("FLIGHTDECK_UI_CHROMIUM", &chromium)
        .output()
        .expect("failed to run node: is Node.js 20+ installed?");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    eprintln!("{stdout}");
    eprintln!("{stderr}");
    assert!(
        output.status.success(),
        "browser tests failed (screenshots in tests/ui/screenshots/):\n{stdout}\n{stderr}\nserver log:\n{}",
        server.log()
    );
}
