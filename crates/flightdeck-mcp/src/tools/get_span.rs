//! `get_span`: everything about one span.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use super::spans::{TraceView, write_detail};
use crate::api::{Api, Query, segment};
use crate::args::{bounded, hex_id};
use crate::error::ToolError;
use crate::format::{self, Output};

/// What the agent reads in the tool list.
pub const DESCRIPTION: &str = "Everything about one span: name, kind, service, timing, status \
and error, parent and children (ids), the typed GenAI view (operation, model, tokens, TTFT, \
finish reasons, agent, tool, conversation), the conversation it carried (system instructions, \
input and output messages with tool calls, in the current conventions whatever instrumentation \
sent them), all attributes, events (exceptions), links, resource and log records. Long values (e.g. prompt content) are cut to `max_value_chars`; raise \
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
    let detail = api
        .get(
            &format!(
                "/api/v1/traces/{}/spans/{}",
                segment(&trace_id),
                segment(&span_id)
            ),
            &Query::new(),
        )
        .await?;
    let mut out = Output::default();
    write_content(&mut out, &detail["content"], max_chars);
    write_detail(&mut out, &view, span, max_chars);
    Ok(out.finish("lower `max_value_chars`"))
}

/// Writes the span's canonical content, one line per instruction or message part, before the
/// detail block (it is what an agent debugging a model call reads first).
fn write_content(out: &mut Output, content: &Value, max_chars: usize) {
    let instructions = parts_of(&content["system_instructions"]);
    let messages: Vec<&Value> = ["input_messages", "output_messages"]
        .iter()
        .flat_map(|k| content[*k].as_array().into_iter().flatten())
        .collect();
    if instructions.is_empty() && messages.is_empty() {
        return;
    }
    out.line("messages:");
    for part in instructions {
        out.line(format!("  system: {}", part_text(part, max_chars)));
    }
    for message in messages {
        let role = message["role"].as_str().unwrap_or("?");
        for part in parts_of(&message["parts"]) {
            out.line(format!("  {role}: {}", part_text(part, max_chars)));
        }
        if let Some(reason) = message["finish_reason"].as_str() {
            out.line(format!("  ({role} finished: {reason})"));
        }
    }
}

fn parts_of(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or(&[])
}

/// One message part as text: the content of text parts, `call name(arguments)` for tool calls,
/// `result of id: response` for tool results, the part type and its fields otherwise.
fn part_text(part: &Value, max_chars: usize) -> String {
    let field = |k: &str| match &part[k] {
        Value::String(s) => format::clip(s, max_chars),
        Value::Null => String::new(),
        other => format::clip(&other.to_string(), max_chars),
    };
    match part["type"].as_str().unwrap_or("") {
        "text" | "reasoning" => field("content"),
        "tool_call" => format!(
            "call {}({}) id={}",
            field("name"),
            field("arguments"),
            field("id")
        ),
        "tool_call_response" => format!("result of {}: {}", field("id"), field("response")),
        other => format!("[{other}] {}", format::clip(&part.to_string(), max_chars)),
    }
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
