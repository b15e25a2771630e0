//! Workflow spans (`invoke_workflow`), the entry point of multi-agent workflows.

use std::borrow::Cow;
use std::sync::Arc;

use opentelemetry::KeyValue;
use opentelemetry::trace::SpanKind;

use crate::content::{self, Message};
use crate::genai::{Inner, shared};
use crate::keys::{self, operation};
use crate::spans::{Op, Recorder, Start, common_builder_methods, common_span_methods};

/// Builder of a workflow span (`invoke_workflow {name}`, kind `INTERNAL`).
pub struct WorkflowBuilder {
    start: Start,
    name: Cow<'static, str>,
    input: Option<Vec<Message>>,
}

impl std::fmt::Debug for WorkflowBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkflowBuilder")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl WorkflowBuilder {
    pub(crate) fn new(inner: Arc<Inner>, name: Cow<'static, str>) -> Self {
        let mut start = Start::new(inner, SpanKind::Internal, Op::Workflow);
        start.attrs.push(KeyValue::new(
            keys::OPERATION_NAME,
            operation::INVOKE_WORKFLOW,
        ));
        if !name.is_empty() {
            start.both(keys::WORKFLOW_NAME, shared(name.clone()));
        }
        WorkflowBuilder {
            start,
            name,
            input: None,
        }
    }

    common_builder_methods!();

    /// `gen_ai.conversation.id`.
    pub fn with_conversation_id(mut self, id: impl Into<Cow<'static, str>>) -> Self {
        self.start.span_str(keys::CONVERSATION_ID, id.into());
        self
    }

    /// The workflow's input (`gen_ai.input.messages`; content capture only).
    pub fn with_input_messages(mut self, messages: Vec<Message>) -> Self {
        if self.start.inner.captures_content() {
            self.input = Some(messages);
        }
        self
    }

    /// Starts the span.
    pub fn start(self) -> WorkflowSpan {
        let name = if self.name.is_empty() {
            Cow::Borrowed(operation::INVOKE_WORKFLOW)
        } else {
            Cow::Owned(format!("{} {}", operation::INVOKE_WORKFLOW, self.name))
        };
        let mut rec = self.start.start(name);
        if let (Some(input), true) = (&self.input, rec.recording) {
            let json = content::to_json_truncated(input, rec.inner.max_content_bytes);
            rec.set(KeyValue::new(keys::INPUT_MESSAGES, json));
        }
        WorkflowSpan { rec }
    }
}

/// A running workflow.
#[derive(Debug)]
pub struct WorkflowSpan {
    rec: Recorder,
}

impl WorkflowSpan {
    common_span_methods!();

    /// The workflow's output (`gen_ai.output.messages`; content capture only).
    pub fn set_output_messages(&mut self, messages: &[Message]) {
        if self.rec.recording && self.rec.inner.captures_content() {
            let json = content::to_json_truncated(messages, self.rec.inner.max_content_bytes);
            self.rec.set(KeyValue::new(keys::OUTPUT_MESSAGES, json));
        }
    }
}
