//! Helpers for end-to-end tests: a real `flightdeck serve` process (or an in-process server) on
//! free ports, and small HTTP helpers.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Picks a port that is free right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `flightdeck serve` child process.
pub struct ServerProcess {
    pub child: Child,
    pub grpc: String,
    pub otlp_http: String,
    pub api: String,
    pub data_dir: PathBuf,
    pub log: Arc<Mutex<String>>,
}

impl ServerProcess {
    /// Starts the binary on free ports with `data_dir`, extra args, and waits until it is healthy.
    pub fn start(data_dir: &Path, extra_args: &[&str]) -> ServerProcess {
        let (g, h, a) = (free_port(), free_port(), free_port());
        let mut child = Command::new(env!("CARGO_BIN_EXE_flightdeck"))
            .arg("serve")
            .args(extra_args)
            .env("FLIGHTDECK_OTLP_GRPC_ADDR", format!("127.0.0.1:{g}"))
            .env("FLIGHTDECK_OTLP_HTTP_ADDR", format!("127.0.0.1:{h}"))
            .env("FLIGHTDECK_HTTP_ADDR", format!("127.0.0.1:{a}"))
            .env("FLIGHTDECK_DATA_DIR", data_dir)
            .env_remove("FLIGHTDECK_CONFIG")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("failed to start flightdeck serve");
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().unwrap();
        {
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    let mut log = log.lock().unwrap();
                    log.push_str(&line);
                    log.push('\n');
                }
            });
        }
        let server = ServerProcess {
            child,
            grpc: format!("127.0.0.1:{g}"),
            otlp_http: format!("http://127.0.0.1:{h}"),
            api: format!("http://127.0.0.1:{a}"),
            data_dir: data_dir.to_owned(),
            log,
        };
        server.wait_healthy();
        server
    }

    fn wait_healthy(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        let client = reqwest::blocking::Client::new();
        while Instant::now() < deadline {
            if let Ok(r) = client.get(format!("{}/healthz", self.api)).send()
                && r.status().is_success()
                && self.log().contains("ready")
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("server did not become healthy; log:\n{}", self.log());
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// SIGKILL, no chance to flush.
    pub fn kill_hard(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM and wait; returns the exit status and the log.
    pub fn terminate(mut self) -> (std::process::ExitStatus, String) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let exit = self.child.wait().unwrap();
        std::thread::sleep(Duration::from_millis(100)); // let the log reader drain
        (exit, self.log())
    }

    pub fn get(&self, path: &str) -> Value {
        let r = reqwest::blocking::get(format!("{}{}", self.api, path)).unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
        r.json().unwrap()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A path under the shared samples directory.
pub fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/samples")
        .join(name)
}

/// The Python interpreter of the test venv (created by `scripts/test.sh`).
pub fn python() -> PathBuf {
    match std::env::var_os("FLIGHTDECK_TEST_PYTHON") {
        Some(path) => PathBuf::from(path),
        None => panic!(
            "FLIGHTDECK_TEST_PYTHON is not set: run the tests with scripts/test.sh, which creates \
             the Python venv with the OpenTelemetry SDK and points this variable at it"
        ),
    }
}

/// A script under tests/python.
pub fn python_script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/python")
        .join(name)
}
