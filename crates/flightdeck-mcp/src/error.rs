//! Tool errors and their one mapping to MCP: a tool result with `isError: true` and a message
//! the agent can act on (argument-shape errors are turned into the same form by `rmcp`).

use rmcp::model::{CallToolResult, ContentBlock};

use crate::backend::BackendError;

/// What a tool call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    /// An argument is malformed or out of range; the message names it.
    #[error("{0}")]
    InvalidArgument(String),
    /// The thing asked for does not exist; the message names it.
    #[error("{0}")]
    NotFound(String),
    /// The API call failed.
    #[error(transparent)]
    Backend(#[from] BackendError),
}

/// A tool's outcome as an MCP result: the text, or the error message flagged as an error.
pub fn respond(result: Result<String, ToolError>) -> CallToolResult {
    match result {
        Ok(text) => CallToolResult::success(vec![ContentBlock::text(text)]),
        Err(e) => {
            if matches!(
                e,
                ToolError::Backend(
                    BackendError::Failed { .. } | BackendError::InvalidResponse { .. }
                )
            ) {
                tracing::warn!(error = %e, "mcp tool failed");
            }
            CallToolResult::error(vec![ContentBlock::text(e.to_string())])
        }
    }
}
