//! Flightdeck's data for coding agents, over the Model Context Protocol (the official Rust SDK,
//! `rmcp`).
//!
//! The tools (search traces, get a trace or span, GenAI statistics, cost report, top
//! operations, conversations, ingest status, overview) are thin clients of the HTTP API: they
//! call it through a [`Backend`] and turn its JSON into compact, size-capped text with ids to
//! drill down. Two backends, one tool implementation:
//!
//! - [`HttpBackend`]: a running Flightdeck over the network, for `flightdeck mcp` on stdio
//!   ([`serve_stdio`]);
//! - [`RouterBackend`]: the API router in the same process, for `/mcp` on the `flightdeck serve`
//!   port ([`http_service`]).
//!
//! This crate reads nothing but the API, so redaction and limits the API applies hold for every
//! tool. It is not an API of its own: new questions get an API endpoint first, then a tool.
//!
//! ```no_run
//! use std::sync::Arc;
//! use flightdeck_mcp::{Api, HttpBackend, HttpOptions, RouterBackend};
//!
//! # async fn demo(api_router: axum::Router) -> Result<(), Box<dyn std::error::Error>> {
//! // stdio, reading a running server:
//! let api = Api::new(Arc::new(HttpBackend::new("http://127.0.0.1:4320")?));
//! flightdeck_mcp::serve_stdio(api).await?;
//!
//! // streamable HTTP at /mcp, reading the API router in-process:
//! let api = Api::new(Arc::new(RouterBackend::new(api_router.clone())));
//! let app = api_router.nest_service("/mcp", flightdeck_mcp::http_service(api, &HttpOptions::default()));
//! # Ok(()) }
//! ```

pub mod api;
pub mod args;
pub mod backend;
pub mod error;
pub mod format;
pub mod server;
pub mod tools;

use std::sync::Arc;

use rmcp::ServiceExt as _;
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};

pub use api::Api;
pub use backend::{Backend, BackendError, HttpBackend, RouterBackend};
pub use error::ToolError;
pub use server::FlightdeckMcp;

/// The streamable HTTP endpoint's service type (stateless: no sessions are kept).
pub type McpHttpService = StreamableHttpService<FlightdeckMcp, NeverSessionManager>;

/// Settings of the streamable HTTP endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpOptions {
    /// `Host` header values accepted (host or host:port), against DNS rebinding: a web page
    /// cannot reach the endpoint through a name that resolves to this machine. Empty accepts
    /// any host.
    pub allowed_hosts: Vec<String>,
}

impl Default for HttpOptions {
    /// Loopback names only.
    fn default() -> Self {
        HttpOptions {
            allowed_hosts: vec!["localhost".into(), "127.0.0.1".into(), "::1".into()],
        }
    }
}

/// The MCP streamable HTTP endpoint (mount it with `Router::nest_service("/mcp", ...)`).
/// Stateless and answered with plain JSON: each request is served on its own, so memory does
/// not grow with clients.
pub fn http_service(api: Api, options: &HttpOptions) -> McpHttpService {
    let server = FlightdeckMcp::new(api);
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_sse_keep_alive(None)
        .with_allowed_hosts(options.allowed_hosts.clone());
    StreamableHttpService::new(
        move || Ok(server.clone()),
        Arc::new(NeverSessionManager::default()),
        config,
    )
}

/// Why the stdio server stopped abnormally.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The client never completed the MCP handshake.
    #[error("the MCP client did not initialize the session: {0}")]
    Initialize(String),
    /// The server task failed.
    #[error("the MCP server task failed: {0}")]
    Task(String),
}

/// Serves MCP on standard input and output until the client disconnects.
pub async fn serve_stdio(api: Api) -> Result<(), ServeError> {
    let running = FlightdeckMcp::new(api)
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| ServeError::Initialize(e.to_string()))?;
    running
        .waiting()
        .await
        .map_err(|e| ServeError::Task(e.to_string()))?;
    Ok(())
}
