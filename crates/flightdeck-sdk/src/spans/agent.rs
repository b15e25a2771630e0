//! Agent invocation spans (`invoke_agent`), in-process (`INTERNAL`) or remote (`CLIENT`).

use std::borrow::Cow;
use std::sync::Arc;

use opentelemetry::trace::SpanKind;
use opentelemetry::{Array, KeyValue, StringValue, Value};

use crate::content::{self, Message};
use crate::genai::{Inner, shared};
use crate::keys::{self, operation};
use crate::spans::{Op, Recorder, Start, common_builder_methods, common_span_methods};
use crate::usage::Usage;

/// Builder of an agent invocation span (`invoke_agent {name}`).
///
/// In-process agents (the default) get kind `INTERNAL` and, as the conventions require, no
/// provider, agent id, agent version or server attributes; [`AgentBuilder::remote`] makes a
/// `CLIENT` span for hosted agents, which carries them.
pub struct AgentBuilder {
    start: Start,
    name: Cow<'static, str>,
    remote: bool,
    model: Option<StringValue>,
    provider: Option<StringValue>,
    server: Option<(StringValue, u16)>,
    id: Option<Cow<'static, str>>,
    version: Option<Cow<'static, str>>,
    input: Option<Vec<Message>>,
}

impl std::fmt::Debug for AgentBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgentBuilder")
            .field("name", &self.name)
            .field("remote", &self.remote)
            .finish_non_exhaustive()
    }
}

impl AgentBuilder {
    pub(crate) fn new(inner: Arc<Inner>, name: Cow<'static, str>) -> Self {
        let mut start = Start::new(inner, SpanKind::Internal, Op::AgentInternal);
        start
            .attrs
            .push(KeyValue::new(keys::OPERATION_NAME, operation::INVOKE_AGENT));
        if !name.is_empty() {
            start.both(keys::AGENT_NAME, shared(name.clone()));
        }
        AgentBuilder {
            start,
            name,
            remote: false,
            model: None,
            provider: None,
            server: None,
            id: None,
            version: None,
            input: None,
        }
    }

    common_builder_methods!();

    /// A hosted agent called over the network: kind `CLIENT`, with provider, server, agent id
    /// and version; its duration goes to `gen_ai.client.operation.duration`.
    pub fn remote(mut self) -> Self {
        self.remote = true;
        self.start.kind = SpanKind::Client;
        self.start.op = Op::ClientOperation;
        self
    }

    /// `gen_ai.agent.description`.
    pub fn with_description(mut self, description: impl Into<Cow<'static, str>>) -> Self {
        self.start
            .span_str(keys::AGENT_DESCRIPTION, description.into());
        self
    }

    /// `gen_ai.request.model`, when the agent uses exactly one model.
    pub fn with_model(mut self, model: impl Into<Cow<'static, str>>) -> Self {
        self.model = Some(shared(model.into()));
        self
    }

    /// `gen_ai.conversation.id`.
    pub fn with_conversation_id(mut self, id: impl Into<Cow<'static, str>>) -> Self {
        self.start.span_str(keys::CONVERSATION_ID, id.into());
        self
    }

    /// `gen_ai.data_source.id`.
    pub fn with_data_source_id(mut self, id: impl Into<Cow<'static, str>>) -> Self {
        self.start.span_str(keys::DATA_SOURCE_ID, id.into());
        self
    }

    /// `gen_ai.provider.name` (remote agents only).
    pub fn with_provider(mut self, provider: impl Into<Cow<'static, str>>) -> Self {
        self.provider = Some(shared(provider.into()));
        self
    }

    /// `server.address` / `server.port` (remote agents only).
    pub fn with_server(mut self, address: impl Into<Cow<'static, str>>, port: u16) -> Self {
        self.server = Some((shared(address.into()), port));
        self
    }

    /// `gen_ai.agent.id`, a stable hosted-agent id (remote agents only).
    pub fn with_agent_id(mut self, id: impl Into<Cow<'static, str>>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// `gen_ai.agent.version` (remote agents only).
    pub fn with_version(mut self, version: impl Into<Cow<'static, str>>) -> Self {
        self.version = Some(version.into());
        self
    }

    /// The agent's input (`gen_ai.input.messages`; content capture only).
    pub fn with_input_messages(mut self, messages: Vec<Message>) -> Self {
        if self.start.inner.captures_content() {
            self.input = Some(messages);
        }
        self
    }

    /// Starts the span.
    pub fn start(self) -> AgentSpan {
        let mut start = self.start;
        if self.remote {
            start
                .metric_attrs
                .push(KeyValue::new(keys::OPERATION_NAME, operation::INVOKE_AGENT));
            start.provider(self.provider);
            start.server(self.server);
            if let Some(id) = self.id {
                start.span_str(keys::AGENT_ID, id);
            }
            if let Some(version) = self.version {
                start.span_str(keys::AGENT_VERSION, version);
            }
        }
        if let Some(model) = self.model {
            start.both(keys::REQUEST_MODEL, model);
        }
        let name = if self.name.is_empty() {
            Cow::Borrowed(operation::INVOKE_AGENT)
        } else {
            Cow::Owned(format!("{} {}", operation::INVOKE_AGENT, self.name))
        };
        let mut rec = start.start(name);
        if let (Some(input), true) = (&self.input, rec.recording) {
            let json = content::to_json_truncated(input, rec.inner.max_content_bytes);
            rec.set(KeyValue::new(keys::INPUT_MESSAGES, json));
        }
        AgentSpan { rec }
    }
}

/// A running agent invocation.
#[derive(Debug)]
pub struct AgentSpan {
    rec: Recorder,
}

impl AgentSpan {
    common_span_methods!();

    /// `gen_ai.usage.input_tokens` / `gen_ai.usage.output_tokens` summed over the agent's
    /// model calls.
    pub fn record_usage(&mut self, input_tokens: u64, output_tokens: u64) {
        self.rec.usage = Some(Usage::new(input_tokens, output_tokens));
    }

    /// `gen_ai.response.finish_reasons`.
    pub fn set_finish_reasons<I, S>(&mut self, reasons: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<StringValue>,
    {
        let reasons: Vec<StringValue> = reasons.into_iter().map(Into::into).collect();
        self.rec.set(KeyValue::new(
            keys::RESPONSE_FINISH_REASONS,
            Value::Array(Array::String(reasons)),
        ));
    }

    /// The agent's output (`gen_ai.output.messages`; content capture only).
    pub fn set_output_messages(&mut self, messages: &[Message]) {
        if self.rec.recording && self.rec.inner.captures_content() {
            let json = content::to_json_truncated(messages, self.rec.inner.max_content_bytes);
            self.rec.set(KeyValue::new(keys::OUTPUT_MESSAGES, json));
        }
    }
}
