//! Tool execution spans (`execute_tool`).

use std::borrow::Cow;
use std::sync::Arc;

use opentelemetry::KeyValue;
use opentelemetry::trace::SpanKind;

use crate::content;
use crate::genai::{Inner, shared};
use crate::keys::{self, operation};
use crate::spans::{Op, Recorder, Start, common_builder_methods, common_span_methods};

/// Builder of a tool execution span (`execute_tool {tool_name}`, kind `INTERNAL`).
pub struct ToolBuilder {
    start: Start,
    name: Cow<'static, str>,
    arguments: Option<serde_json::Value>,
}

impl std::fmt::Debug for ToolBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ToolBuilder")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl ToolBuilder {
    pub(crate) fn new(inner: Arc<Inner>, name: Cow<'static, str>) -> Self {
        let mut start = Start::new(inner, SpanKind::Internal, Op::Tool);
        start
            .attrs
            .push(KeyValue::new(keys::OPERATION_NAME, operation::EXECUTE_TOOL));
        start.both(keys::TOOL_NAME, shared(name.clone()));
        ToolBuilder {
            start,
            name,
            arguments: None,
        }
    }

    common_builder_methods!();

    /// `gen_ai.tool.type` (`function`, `extension`, `datastore`).
    pub fn with_tool_type(mut self, tool_type: impl Into<Cow<'static, str>>) -> Self {
        self.start.both(keys::TOOL_TYPE, shared(tool_type.into()));
        self
    }

    /// `gen_ai.tool.call.id`.
    pub fn with_call_id(mut self, id: impl Into<Cow<'static, str>>) -> Self {
        self.start.span_str(keys::TOOL_CALL_ID, id.into());
        self
    }

    /// `gen_ai.tool.description`.
    pub fn with_description(mut self, description: impl Into<Cow<'static, str>>) -> Self {
        self.start
            .span_str(keys::TOOL_DESCRIPTION, description.into());
        self
    }

    /// `gen_ai.agent.name` of the agent calling the tool.
    pub fn with_agent_name(mut self, agent: impl Into<Cow<'static, str>>) -> Self {
        self.start.both(keys::AGENT_NAME, shared(agent.into()));
        self
    }

    /// `gen_ai.conversation.id`.
    pub fn with_conversation_id(mut self, id: impl Into<Cow<'static, str>>) -> Self {
        self.start.span_str(keys::CONVERSATION_ID, id.into());
        self
    }

    /// `gen_ai.tool.call.arguments` (content capture only).
    pub fn with_arguments(mut self, arguments: serde_json::Value) -> Self {
        if self.start.inner.captures_content() {
            self.arguments = Some(arguments);
        }
        self
    }

    /// Starts the span.
    pub fn start(self) -> ToolSpan {
        let name = Cow::Owned(format!("{} {}", operation::EXECUTE_TOOL, self.name));
        let mut rec = self.start.start(name);
        if let (Some(args), true) = (&self.arguments, rec.recording) {
            let json = content::to_json_truncated(args, rec.inner.max_content_bytes);
            rec.set(KeyValue::new(keys::TOOL_CALL_ARGUMENTS, json));
        }
        ToolSpan { rec }
    }
}

/// A running tool execution.
#[derive(Debug)]
pub struct ToolSpan {
    rec: Recorder,
}

impl ToolSpan {
    common_span_methods!();

    /// `gen_ai.tool.call.result` (content capture only).
    pub fn record_result(&mut self, result: &serde_json::Value) {
        if self.rec.recording && self.rec.inner.captures_content() {
            let json = content::to_json_truncated(result, self.rec.inner.max_content_bytes);
            self.rec.set(KeyValue::new(keys::TOOL_CALL_RESULT, json));
        }
    }
}
