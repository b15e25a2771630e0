//! Attribute keys of the current OpenTelemetry GenAI semantic conventions.

/// `gen_ai.operation.name`
pub const OPERATION_NAME: &str = "gen_ai.operation.name";
/// `gen_ai.provider.name`
pub const PROVIDER_NAME: &str = "gen_ai.provider.name";
/// `gen_ai.request.model`
pub const REQUEST_MODEL: &str = "gen_ai.request.model";
/// `gen_ai.response.model`
pub const RESPONSE_MODEL: &str = "gen_ai.response.model";
/// `gen_ai.response.id`
pub const RESPONSE_ID: &str = "gen_ai.response.id";
/// `gen_ai.response.finish_reasons`
pub const RESPONSE_FINISH_REASONS: &str = "gen_ai.response.finish_reasons";
/// `gen_ai.response.time_to_first_chunk` (seconds)
pub const RESPONSE_TIME_TO_FIRST_CHUNK: &str = "gen_ai.response.time_to_first_chunk";
/// `gen_ai.usage.input_tokens`
pub const USAGE_INPUT_TOKENS: &str = "gen_ai.usage.input_tokens";
/// `gen_ai.usage.output_tokens`
pub const USAGE_OUTPUT_TOKENS: &str = "gen_ai.usage.output_tokens";
/// `gen_ai.usage.cache_read.input_tokens`
pub const USAGE_CACHE_READ_INPUT_TOKENS: &str = "gen_ai.usage.cache_read.input_tokens";
/// `gen_ai.usage.cache_write.input_tokens`
pub const USAGE_CACHE_WRITE_INPUT_TOKENS: &str = "gen_ai.usage.cache_write.input_tokens";
/// `gen_ai.usage.reasoning.output_tokens`
pub const USAGE_REASONING_OUTPUT_TOKENS: &str = "gen_ai.usage.reasoning.output_tokens";
/// `gen_ai.conversation.id`
pub const CONVERSATION_ID: &str = "gen_ai.conversation.id";
/// `gen_ai.agent.name`
pub const AGENT_NAME: &str = "gen_ai.agent.name";
/// `gen_ai.agent.id`
pub const AGENT_ID: &str = "gen_ai.agent.id";
/// `gen_ai.tool.name`
pub const TOOL_NAME: &str = "gen_ai.tool.name";
/// `gen_ai.tool.type`
pub const TOOL_TYPE: &str = "gen_ai.tool.type";
/// `gen_ai.tool.call.id`
pub const TOOL_CALL_ID: &str = "gen_ai.tool.call.id";
/// `error.type`
pub const ERROR_TYPE: &str = "error.type";
