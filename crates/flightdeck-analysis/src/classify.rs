//! What a span is, in GenAI terms: which graph node it makes, whether it invokes others, whether
//! its token usage counts towards totals.

use serde::Serialize;

use flightdeck_model::Span;

/// The kind of a node in the agent workflow graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    /// A multi-agent workflow (`invoke_workflow`), named by `gen_ai.workflow.name`.
    Workflow,
    /// An agent (`invoke_agent`, `create_agent`), named by `gen_ai.agent.name` (else its id).
    Agent,
    /// A tool (`execute_tool`), named by `gen_ai.tool.name`.
    Tool,
    /// A model call (`chat`, `text_completion`, `generate_content`, `embeddings`), named by the
    /// model.
    Model,
    /// A retrieval (`retrieval`), named by its data source.
    Retrieval,
}

impl NodeKind {
    /// The lowercase name used in node ids and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::Workflow => "workflow",
            NodeKind::Agent => "agent",
            NodeKind::Tool => "tool",
            NodeKind::Model => "model",
            NodeKind::Retrieval => "retrieval",
        }
    }
}

/// Name given to a node whose span carries no usable name.
pub(crate) const UNNAMED: &str = "(unnamed)";

/// `gen_ai.workflow.name`, which the typed view does not carry.
pub(crate) const WORKFLOW_NAME: &str = "gen_ai.workflow.name";
/// `gen_ai.data_source.id`, read when the retrieval view has no data source.
pub(crate) const DATA_SOURCE_ID: &str = "gen_ai.data_source.id";

/// The GenAI operation of a span, if any.
pub(crate) fn operation(span: &Span) -> Option<&str> {
    span.genai.operation.as_deref()
}

/// True for operations that call a model (and therefore report token usage).
pub(crate) fn is_model_call(op: &str) -> bool {
    matches!(
        op,
        "chat" | "text_completion" | "generate_content" | "embeddings"
    )
}

/// True for operations that generate text (the consumers of retrieved context).
pub(crate) fn is_generation(op: &str) -> bool {
    matches!(op, "chat" | "text_completion" | "generate_content")
}

/// True for a retrieval span: operation `retrieval`, or a filled retrieval view.
pub(crate) fn is_retrieval(span: &Span) -> bool {
    operation(span) == Some("retrieval") || span.genai.retrieval.is_some()
}

/// True for spans that invoke other GenAI work: agents and workflows.
pub(crate) fn is_invoker(span: &Span) -> bool {
    matches!(
        operation(span),
        Some("invoke_agent" | "create_agent" | "invoke_workflow")
    )
}

/// True when the span's own token usage and cost count towards totals. Agent, workflow, tool
/// and planning spans may repeat the usage of the model calls beneath them, so only the other
/// spans (model calls, and custom operations) are counted; this avoids counting a call twice.
pub(crate) fn counts_usage(span: &Span) -> bool {
    !matches!(
        operation(span),
        Some("invoke_agent" | "create_agent" | "invoke_workflow" | "execute_tool" | "plan")
    )
}

/// True for a failed span: error status, or an `error.type` on a GenAI span.
pub(crate) fn is_failed(span: &Span) -> bool {
    span.is_error() || span.genai.error_type.is_some()
}

/// The graph node a span makes, if it is an agent, workflow, tool, model call or retrieval.
pub(crate) fn node_of(span: &Span) -> Option<(NodeKind, &str)> {
    let genai = &span.genai;
    let op = operation(span);
    let (kind, name) = match op {
        Some("invoke_agent" | "create_agent") => (
            NodeKind::Agent,
            genai
                .agent_name
                .as_deref()
                .or(genai.agent_id.as_deref())
                .or_else(|| name_suffix(span, op)),
        ),
        Some("invoke_workflow") => (
            NodeKind::Workflow,
            span.attributes
                .get_str(WORKFLOW_NAME)
                .or_else(|| name_suffix(span, op)),
        ),
        Some("execute_tool") => (
            NodeKind::Tool,
            genai.tool_name.as_deref().or_else(|| name_suffix(span, op)),
        ),
        Some(o) if is_model_call(o) => (
            NodeKind::Model,
            genai.model().or_else(|| name_suffix(span, op)),
        ),
        _ if is_retrieval(span) => (
            NodeKind::Retrieval,
            data_source(span).or_else(|| name_suffix(span, op)),
        ),
        _ => return None,
    };
    Some((kind, name.filter(|n| !n.is_empty()).unwrap_or(UNNAMED)))
}

/// The data source of a retrieval span.
pub(crate) fn data_source(span: &Span) -> Option<&str> {
    span.genai
        .retrieval
        .as_ref()
        .and_then(|r| r.data_source.as_deref())
        .or_else(|| span.attributes.get_str(DATA_SOURCE_ID))
}

/// The part of a conventional span name after `"{operation} "`.
fn name_suffix<'s>(span: &'s Span, op: Option<&str>) -> Option<&'s str> {
    let rest = span.name.strip_prefix(op?)?.strip_prefix(' ')?.trim();
    (!rest.is_empty()).then_some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::testing::*;
    use flightdeck_model::{KeyValue, Retrieval};

    /// Each operation maps to its node kind and name, with the fallbacks used when the typed
    /// attribute is missing.
    #[test]
    fn nodes_and_names() {
        assert_eq!(
            node_of(&agent(1, 0, "planner", 0, 1)),
            Some((NodeKind::Agent, "planner"))
        );
        let mut nameless = op(span(1, 0, "invoke_agent", 0, 1), "invoke_agent");
        assert_eq!(node_of(&nameless), Some((NodeKind::Agent, UNNAMED)));
        nameless.name = "invoke_agent  booker ".into();
        assert_eq!(node_of(&nameless), Some((NodeKind::Agent, "booker")));

        let mut wf = op(span(1, 0, "invoke_workflow trip", 0, 1), "invoke_workflow");
        assert_eq!(node_of(&wf), Some((NodeKind::Workflow, "trip")));
        wf.attributes = vec![KeyValue::new("gen_ai.workflow.name", "crew")]
            .into_iter()
            .collect();
        assert_eq!(node_of(&wf), Some((NodeKind::Workflow, "crew")));

        assert_eq!(
            node_of(&tool(1, 0, "search", 0, 1)),
            Some((NodeKind::Tool, "search"))
        );
        assert_eq!(
            node_of(&chat(1, 0, "gpt-4o", 0, 1, (1, 1))),
            Some((NodeKind::Model, "gpt-4o"))
        );
        let mut emb = op(span(1, 0, "embeddings", 0, 1), "embeddings");
        emb.genai.response_model = Some("text-embedding-3-small".into());
        assert_eq!(
            node_of(&emb),
            Some((NodeKind::Model, "text-embedding-3-small"))
        );

        let mut r = op(span(1, 0, "retrieval kb", 0, 1), "retrieval");
        assert_eq!(node_of(&r), Some((NodeKind::Retrieval, "kb")));
        r.genai.retrieval = Some(Retrieval {
            data_source: Some("docs-index".into()),
            ..Retrieval::default()
        });
        assert_eq!(node_of(&r), Some((NodeKind::Retrieval, "docs-index")));

        assert_eq!(node_of(&span(1, 0, "GET /", 0, 1)), None);
        assert_eq!(node_of(&op(span(1, 0, "plan", 0, 1), "plan")), None);
    }

    /// Usage counts for model calls and custom operations, never for agent/tool wrappers.
    #[test]
    fn usage_rule() {
        assert!(counts_usage(&chat(1, 0, "m", 0, 1, (1, 1))));
        assert!(counts_usage(&op(span(1, 0, "x", 0, 1), "rerank")));
        assert!(counts_usage(&span(1, 0, "plain", 0, 1)));
        assert!(!counts_usage(&agent(1, 0, "a", 0, 1)));
        assert!(!counts_usage(&tool(1, 0, "t", 0, 1)));
    }
}
