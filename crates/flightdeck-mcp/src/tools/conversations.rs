//! `list_conversations` and `get_conversation`: traces sharing `gen_ai.conversation.id`.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use crate::api::{Api, Query, segment};
use crate::args::{FilterArgs, RangeArgs, Unknown, bounded};
use crate::error::ToolError;
use crate::format::{self, Output};

/// What the agent reads in the tool list (`list_conversations`).
pub const LIST_DESCRIPTION: &str = "Conversations (sessions: traces sharing \
gen_ai.conversation.id) active in a time range (default: last 24h), newest activity first, \
with turns, model calls, tokens, cost, errors, models and users. Filter like search_traces \
(e.g. user, agent, model, status=error). Open one with get_conversation(conversation_id).";

/// What the agent reads in the tool list (`get_conversation`).
pub const GET_DESCRIPTION: &str = "One conversation: its totals and its turns (traces) oldest \
first, each with trace_id, start, root span, duration, errors, tokens and cost. Drill into a \
turn with get_trace(trace_id).";

/// Arguments of `list_conversations`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ListArgs {
    #[serde(flatten)]
    #[allow(missing_docs)]
    pub range: RangeArgs,
    #[serde(flatten)]
    #[allow(missing_docs)]
    pub filter: FilterArgs,
    /// Most conversations, 1-100 (default 20).
    #[schemars(range(min = 1, max = 100))]
    pub limit: Option<u32>,
    #[serde(flatten)]
    #[schemars(skip)]
    #[allow(missing_docs)]
    pub unknown: Unknown,
}

/// Arguments of `get_conversation`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetArgs {
    /// The conversation id (`gen_ai.conversation.id`), as list_conversations prints it.
    pub conversation_id: String,
    /// Most turns listed, 1-500 (default 100; the newest are cut first).
    #[schemars(range(min = 1, max = 500))]
    pub max_turns: Option<u32>,
}

/// Lists conversations.
pub async fn list(api: &Api, args: ListArgs) -> Result<String, ToolError> {
    args.unknown.check()?;
    let limit = bounded("limit", args.limit, 20, 100)?;
    let mut q = Query::new();
    args.range.push(&mut q, "24h");
    args.filter.push(&mut q)?;
    q.set("limit", limit.to_string());
    let body = api.get("/api/v1/conversations", &q).await?;
    let list = body["conversations"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let mut out = Output::default();
    out.line(super::scope_line(
        &format!("{} conversation(s), newest activity first", list.len()),
        &body,
        &q,
    ));
    if list.is_empty() {
        out.line(
            "none: no spans with gen_ai.conversation.id match; widen the range (`since`) or drop \
             filters",
        );
        return Ok(out.finish(""));
    }
    out.line(
        "conversation_id | first | last | turns | model calls | tokens in/out | cost | errors | models | users",
    );
    for c in list {
        out.line(summary_row(c));
    }
    out.line("next: get_conversation(conversation_id) for its turns");
    Ok(out.finish("lower `limit` or add filters"))
}

fn summary_row(c: &Value) -> String {
    format!(
        "{} | {} | {} | {} | {} | {}/{} | {} | {} | {} | {}",
        format::text(&c["conversation_id"]),
        format::time_of(&c["start_ns"]),
        format::time_of(&c["end_ns"]),
        format::int(&c["traces"]),
        format::int(&c["model_calls"]),
        format::int(&c["input_tokens"]),
        format::int(&c["output_tokens"]),
        format::usd_of(&c["cost_usd"]),
        format::int(&c["errors"]),
        format::text(&c["models"]),
        format::text(&c["users"]),
    )
}

/// Shows one conversation.
pub async fn get(api: &Api, args: GetArgs) -> Result<String, ToolError> {
    let id = args.conversation_id.trim();
    if id.is_empty() {
        return Err(ToolError::InvalidArgument(
            "`conversation_id` must not be empty".into(),
        ));
    }
    let max_turns = bounded("max_turns", args.max_turns, 100, 500)? as usize;
    let body = api
        .get(
            &format!("/api/v1/conversations/{}", segment(id)),
            &Query::new(),
        )
        .await
        .map_err(|e| {
            if e.is_not_found() {
                ToolError::NotFound(format!(
                    "conversation {id:?} not found; list_conversations lists the stored ones"
                ))
            } else {
                e.into()
            }
        })?;
    let mut out = Output::default();
    out.line("conversation_id | first | last | turns | model calls | tokens in/out | cost | errors | models | users");
    out.line(summary_row(&body["summary"]));
    let traces = body["traces"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    out.line(format!(
        "turns, oldest first: turn | {}",
        super::TRACE_HEADER
    ));
    for (i, t) in traces.iter().take(max_turns).enumerate() {
        out.line(format!("{} | {}", i + 1, super::trace_row(t)));
    }
    if traces.len() > max_turns {
        out.line(format!(
            "… {} later turn(s) not shown: raise `max_turns` (up to 500)",
            traces.len() - max_turns
        ));
    }
    out.line("next: get_trace(trace_id) for one turn");
    Ok(out.finish("lower `max_turns`"))
}
