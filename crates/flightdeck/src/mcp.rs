//! `flightdeck mcp`: the MCP server on stdin/stdout for a coding agent, reading a running
//! Flightdeck over its HTTP API.

use std::sync::Arc;

use anyhow::Context as _;
use flightdeck_mcp::{Api, Backend as _, HttpBackend};

/// Flags of `flightdeck mcp`.
#[derive(Debug, Clone, clap::Args)]
pub struct McpArgs {
    /// Base URL of a running Flightdeck's HTTP API.
    #[arg(
        long,
        env = "FLIGHTDECK_API",
        default_value = "http://127.0.0.1:4320",
        value_name = "URL"
    )]
    pub api: String,
}

/// Serves until the client closes standard input. An unreachable API is reported (on stderr)
/// but not fatal: the tools answer with the same message until the server is up.
pub async fn run(args: &McpArgs) -> anyhow::Result<()> {
    let backend = HttpBackend::new(&args.api)
        .with_context(|| format!("invalid API address {:?}", args.api))?;
    if let Err(e) = backend.get("/healthz").await {
        tracing::warn!("{e}");
    }
    flightdeck_mcp::serve_stdio(Api::new(Arc::new(backend)))
        .await
        .context("the MCP server failed")
}
