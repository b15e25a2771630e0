//! Attribute keys of the current OpenTelemetry GenAI semantic conventions (and the core keys GenAI
//! spans use).

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
/// `gen_ai.agent.description`
pub const AGENT_DESCRIPTION: &str = "gen_ai.agent.description";
/// `gen_ai.agent.version`
pub const AGENT_VERSION: &str = "gen_ai.agent.version";
/// `gen_ai.workflow.name`
pub const WORKFLOW_NAME: &str = "gen_ai.workflow.name";
/// `gen_ai.data_source.id`
pub const DATA_SOURCE_ID: &str = "gen_ai.data_source.id";
/// `gen_ai.request.stream`
pub const REQUEST_STREAM: &str = "gen_ai.request.stream";
/// `gen_ai.request.top_k`
pub const REQUEST_TOP_K: &str = "gen_ai.request.top_k";
/// `gen_ai.retrieval.top_k`
pub const RETRIEVAL_TOP_K: &str = "gen_ai.retrieval.top_k";
/// `gen_ai.retrieval.query.text`
pub const RETRIEVAL_QUERY_TEXT: &str = "gen_ai.retrieval.query.text";
/// `gen_ai.retrieval.documents`
pub const RETRIEVAL_DOCUMENTS: &str = "gen_ai.retrieval.documents";
/// `gen_ai.input.messages`
pub const INPUT_MESSAGES: &str = "gen_ai.input.messages";
/// `gen_ai.output.messages`
pub const OUTPUT_MESSAGES: &str = "gen_ai.output.messages";
/// `gen_ai.system_instructions`
pub const SYSTEM_INSTRUCTIONS: &str = "gen_ai.system_instructions";
/// `gen_ai.tool.definitions`
pub const TOOL_DEFINITIONS: &str = "gen_ai.tool.definitions";
/// `gen_ai.tool.call.arguments`
pub const TOOL_CALL_ARGUMENTS: &str = "gen_ai.tool.call.arguments";
/// `gen_ai.tool.call.result`
pub const TOOL_CALL_RESULT: &str = "gen_ai.tool.call.result";
/// `gen_ai.memory.store.id`
pub const MEMORY_STORE_ID: &str = "gen_ai.memory.store.id";
/// `gen_ai.output.type`
pub const OUTPUT_TYPE: &str = "gen_ai.output.type";
/// `server.address`
pub const SERVER_ADDRESS: &str = "server.address";
/// `server.port`
pub const SERVER_PORT: &str = "server.port";
/// The event carrying a whole inference's details (content included).
pub const DETAILS_EVENT: &str = "gen_ai.client.inference.operation.details";
