//! One `[[pipeline.forward]]` entry.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How to talk to the destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// OTLP/gRPC (`TraceService/Export`, `LogsService/Export`).
    #[default]
    Grpc,
    /// OTLP/HTTP with protobuf bodies (`POST {endpoint}/v1/traces`, `/v1/logs`).
    Http,
}

impl Protocol {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Grpc => "grpc",
            Protocol::Http => "http",
        }
    }
}

/// Request compression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    /// gzip (the OTLP exporters' common default).
    #[default]
    Gzip,
    /// No compression.
    None,
}

/// A destination the processed stream is sent to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForwardConfig {
    /// Name in counters and logs (default: the endpoint).
    #[serde(default)]
    pub name: Option<String>,
    /// Base URL: `http://tempo:4317` for gRPC, `http://collector:4318` for HTTP (`/v1/traces` and
    /// `/v1/logs` are appended). Only `http://` is supported.
    pub endpoint: String,
    /// `grpc` (default) or `http`.
    #[serde(default)]
    pub protocol: Protocol,
    /// Extra request headers (gRPC metadata), e.g. an API key.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// `gzip` (default) or `none`.
    #[serde(default)]
    pub compression: Compression,
    /// Forward log records too (traces are always forwarded).
    #[serde(default = "yes")]
    pub logs: bool,
    /// Timeout of one export request.
    #[serde(default = "default_timeout", with = "humantime_serde")]
    pub timeout: Duration,
    /// Most spans (or log records) in one export request.
    #[serde(default = "default_batch_items")]
    pub batch_max_items: usize,
    /// Longest an item waits for its batch to fill before the batch is sent anyway.
    #[serde(default = "default_batch_delay", with = "humantime_serde")]
    pub batch_delay: Duration,
    /// Most spans and log records waiting to be sent; past it, new data for this destination is
    /// dropped and counted (the other destinations and the local store are not affected).
    #[serde(default = "default_queue_items")]
    pub queue_max_items: usize,
    /// First retry delay after a retryable failure; it doubles (with jitter) up to
    /// `retry_max_delay`. A `Retry-After` from the destination is honoured.
    #[serde(default = "default_retry_initial", with = "humantime_serde")]
    pub retry_initial_delay: Duration,
    /// Longest delay between retries.
    #[serde(default = "default_retry_max", with = "humantime_serde")]
    pub retry_max_delay: Duration,
    /// How long one batch is retried before it is dropped and counted.
    #[serde(default = "default_retry_elapsed", with = "humantime_serde")]
    pub retry_max_elapsed: Duration,
    /// At shutdown, how long to keep sending what is queued before dropping (and counting) the
    /// rest.
    #[serde(default = "default_shutdown", with = "humantime_serde")]
    pub shutdown_timeout: Duration,
}

fn yes() -> bool {
    true
}
fn default_timeout() -> Duration {
    Duration::from_secs(10)
}
fn default_batch_items() -> usize {
    2048
}
fn default_batch_delay() -> Duration {
    Duration::from_millis(500)
}
fn default_queue_items() -> usize {
    100_000
}
fn default_retry_initial() -> Duration {
    Duration::from_millis(500)
}
fn default_retry_max() -> Duration {
    Duration::from_secs(30)
}
fn default_retry_elapsed() -> Duration {
    Duration::from_secs(300)
}
fn default_shutdown() -> Duration {
    Duration::from_secs(5)
}

impl ForwardConfig {
    /// A destination with default settings.
    pub fn new(endpoint: impl Into<String>, protocol: Protocol) -> ForwardConfig {
        ForwardConfig {
            name: None,
            endpoint: endpoint.into(),
            protocol,
            headers: BTreeMap::new(),
            compression: Compression::Gzip,
            logs: true,
            timeout: default_timeout(),
            batch_max_items: default_batch_items(),
            batch_delay: default_batch_delay(),
            queue_max_items: default_queue_items(),
            retry_initial_delay: default_retry_initial(),
            retry_max_delay: default_retry_max(),
            retry_max_elapsed: default_retry_elapsed(),
            shutdown_timeout: default_shutdown(),
        }
    }

    /// The name in counters: the configured one, else the endpoint.
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.endpoint)
    }
}
