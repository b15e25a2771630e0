//! `get_span`: everything about one span.

use schemars::JsonSchema;
use serde::Deserialize;

use super::spans::{TraceView, write_detail};
use crate::api::{Api, Query, segment};
use crate::args::{bounded, hex_id};
use crate::error::ToolError;
use crate::format::Output;

/// What the agent reads in the tool list.
pub const DESCRIPTION: &str = "Everything about one span: name, kind, service, timing, status \
and error, parent and children (ids), the typed GenAI view (operation, model, tokens, TTFT, \
finish reasons, agent, tool, conversation), all attributes, events (exceptions), links, \
resource and log records. Long values (e.g. prompt content) are cut to `max_value_chars`; raise \
it to read more. Get the ids from get_trace.";

/// Arguments of `get_span`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// The trace id: 32 hex characters.
    pub trace_id: String,
    /// The span id: 16 hex characters.
    pub span_id: String,
    /// Longest attribute value shown, in characters, 1-100000 (default 500).
    #[schemars(range(min = 1, max = 100000))]
    pub max_value_chars: Option<u32>,
}

/// Reads the span.
pub async fn run(api: &Api, args: Args) -> Result<String, ToolError> {
    let trace_id = hex_id("trace_id", &args.trace_id, 32)?;
    let span_id = hex_id("span_id", &args.span_id, 16)?;
    let max_chars = bounded("max_value_chars", args.max_value_chars, 500, 100_000)? as usize;
    let body = fetch_trace(api, &trace_id).await?;
    let view = TraceView::new(&body);
    let span = view.span(&span_id).ok_or_else(|| {
        ToolError::NotFound(format!(
            "span {span_id} is not in trace {trace_id}; get_trace lists its span ids"
        ))
    })?;
    let mut out = Output::default();
    write_detail(&mut out, &view, span, max_chars);
    Ok(out.finish("lower `max_value_chars`"))
}

/// GETs a trace, turning 404 into a message that says what to do.
pub async fn fetch_trace(api: &Api, trace_id: &str) -> Result<serde_json::Value, ToolError> {
    api.get(
        &format!("/api/v1/traces/{}", segment(trace_id)),
        &Query::new(),
    )
    .await
    .map_err(|e| {
        if e.is_not_found() {
            ToolError::NotFound(format!(
                "trace {trace_id} not found: it may not have arrived yet or may have been deleted; \
                 search_traces finds stored traces"
            ))
        } else {
            e.into()
        }
    })
}
