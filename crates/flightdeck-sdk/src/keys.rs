//! Attribute keys, operation names and metric names of the OpenTelemetry GenAI semantic
//! conventions that this SDK emits, as constants, so that applications and tests can refer to
//! them without typing strings.

/// `gen_ai.operation.name`
pub const OPERATION_NAME: &str = "gen_ai.operation.name";
/// `gen_ai.provider.name`
pub const PROVIDER_NAME: &str = "gen_ai.provider.name";
/// `gen_ai.request.model`
pub const REQUEST_MODEL: &str = "gen_ai.request.model";
/// `gen_ai.request.max_tokens`
pub const REQUEST_MAX_TOKENS: &str = "gen_ai.request.max_tokens";
/// `gen_ai.request.choice.count`
pub const REQUEST_CHOICE_COUNT: &str = "gen_ai.request.choice.count";
/// `gen_ai.request.temperature`
pub const REQUEST_TEMPERATURE: &str = "gen_ai.request.temperature";
/// `gen_ai.request.top_p`
pub const REQUEST_TOP_P: &str = "gen_ai.request.top_p";
/// `gen_ai.request.top_k`
pub const REQUEST_TOP_K: &str = "gen_ai.request.top_k";
/// `gen_ai.request.stop_sequences`
pub const REQUEST_STOP_SEQUENCES: &str = "gen_ai.request.stop_sequences";
/// `gen_ai.request.frequency_penalty`
pub const REQUEST_FREQUENCY_PENALTY: &str = "gen_ai.request.frequency_penalty";
/// `gen_ai.request.presence_penalty`
pub const REQUEST_PRESENCE_PENALTY: &str = "gen_ai.request.presence_penalty";
/// `gen_ai.request.seed`
pub const REQUEST_SEED: &str = "gen_ai.request.seed";
/// `gen_ai.request.encoding_formats`
pub const REQUEST_ENCODING_FORMATS: &str = "gen_ai.request.encoding_formats";
/// `gen_ai.request.stream`
pub const REQUEST_STREAM: &str = "gen_ai.request.stream";
/// `gen_ai.request.reasoning.level`
pub const REQUEST_REASONING_LEVEL: &str = "gen_ai.request.reasoning.level";
/// `gen_ai.output.type`
pub const OUTPUT_TYPE: &str = "gen_ai.output.type";
/// `gen_ai.embeddings.dimension.count`
pub const EMBEDDINGS_DIMENSION_COUNT: &str = "gen_ai.embeddings.dimension.count";

/// `gen_ai.response.id`
pub const RESPONSE_ID: &str = "gen_ai.response.id";
/// `gen_ai.response.model`
pub const RESPONSE_MODEL: &str = "gen_ai.response.model";
/// `gen_ai.response.finish_reasons`
pub const RESPONSE_FINISH_REASONS: &str = "gen_ai.response.finish_reasons";
/// `gen_ai.response.time_to_first_chunk` (seconds)
pub const RESPONSE_TIME_TO_FIRST_CHUNK: &str = "gen_ai.response.time_to_first_chunk";

/// `gen_ai.usage.input_tokens` (inclusive of cached tokens)
pub const USAGE_INPUT_TOKENS: &str = "gen_ai.usage.input_tokens";
/// `gen_ai.usage.output_tokens` (inclusive of reasoning tokens)
pub const USAGE_OUTPUT_TOKENS: &str = "gen_ai.usage.output_tokens";
/// `gen_ai.usage.cache_read.input_tokens`
pub const USAGE_CACHE_READ_INPUT_TOKENS: &str = "gen_ai.usage.cache_read.input_tokens";
/// `gen_ai.usage.cache_write.input_tokens`
pub const USAGE_CACHE_WRITE_INPUT_TOKENS: &str = "gen_ai.usage.cache_write.input_tokens";
/// `gen_ai.usage.reasoning.output_tokens`
pub const USAGE_REASONING_OUTPUT_TOKENS: &str = "gen_ai.usage.reasoning.output_tokens";
/// `gen_ai.usage.text.input_tokens`
pub const USAGE_TEXT_INPUT_TOKENS: &str = "gen_ai.usage.text.input_tokens";
/// `gen_ai.usage.image.input_tokens`
pub const USAGE_IMAGE_INPUT_TOKENS: &str = "gen_ai.usage.image.input_tokens";
/// `gen_ai.usage.audio.input_tokens`
pub const USAGE_AUDIO_INPUT_TOKENS: &str = "gen_ai.usage.audio.input_tokens";
/// `gen_ai.usage.text.output_tokens`
pub const USAGE_TEXT_OUTPUT_TOKENS: &str = "gen_ai.usage.text.output_tokens";
/// `gen_ai.usage.image.output_tokens`
pub const USAGE_IMAGE_OUTPUT_TOKENS: &str = "gen_ai.usage.image.output_tokens";
/// `gen_ai.usage.audio.output_tokens`
pub const USAGE_AUDIO_OUTPUT_TOKENS: &str = "gen_ai.usage.audio.output_tokens";
/// `gen_ai.token.modality` (metric dimension)
pub const TOKEN_MODALITY: &str = "gen_ai.token.modality";
/// `gen_ai.token.type` (dimension of the legacy `gen_ai.client.token.usage` metric only)
pub const TOKEN_TYPE: &str = "gen_ai.token.type";

/// `gen_ai.conversation.id`
pub const CONVERSATION_ID: &str = "gen_ai.conversation.id";
/// `gen_ai.agent.id`
pub const AGENT_ID: &str = "gen_ai.agent.id";
/// `gen_ai.agent.name`
pub const AGENT_NAME: &str = "gen_ai.agent.name";
/// `gen_ai.agent.description`
pub const AGENT_DESCRIPTION: &str = "gen_ai.agent.description";
/// `gen_ai.agent.version`
pub const AGENT_VERSION: &str = "gen_ai.agent.version";
/// `gen_ai.workflow.name`
pub const WORKFLOW_NAME: &str = "gen_ai.workflow.name";
/// `gen_ai.prompt.name`
pub const PROMPT_NAME: &str = "gen_ai.prompt.name";
/// `gen_ai.prompt.version`
pub const PROMPT_VERSION: &str = "gen_ai.prompt.version";
/// `gen_ai.data_source.id`
pub const DATA_SOURCE_ID: &str = "gen_ai.data_source.id";

/// `gen_ai.tool.name`
pub const TOOL_NAME: &str = "gen_ai.tool.name";
/// `gen_ai.tool.type`
pub const TOOL_TYPE: &str = "gen_ai.tool.type";
/// `gen_ai.tool.call.id`
pub const TOOL_CALL_ID: &str = "gen_ai.tool.call.id";
/// `gen_ai.tool.description`
pub const TOOL_DESCRIPTION: &str = "gen_ai.tool.description";
/// `gen_ai.tool.call.arguments` (content; opt-in)
pub const TOOL_CALL_ARGUMENTS: &str = "gen_ai.tool.call.arguments";
/// `gen_ai.tool.call.result` (content; opt-in)
pub const TOOL_CALL_RESULT: &str = "gen_ai.tool.call.result";
/// `gen_ai.tool.definitions` (content; opt-in)
pub const TOOL_DEFINITIONS: &str = "gen_ai.tool.definitions";

/// `gen_ai.system_instructions` (content; opt-in)
pub const SYSTEM_INSTRUCTIONS: &str = "gen_ai.system_instructions";
/// `gen_ai.input.messages` (content; opt-in)
pub const INPUT_MESSAGES: &str = "gen_ai.input.messages";
/// `gen_ai.output.messages` (content; opt-in)
pub const OUTPUT_MESSAGES: &str = "gen_ai.output.messages";
/// `gen_ai.retrieval.query.text` (content; opt-in)
pub const RETRIEVAL_QUERY_TEXT: &str = "gen_ai.retrieval.query.text";
/// `gen_ai.retrieval.top_k`
pub const RETRIEVAL_TOP_K: &str = "gen_ai.retrieval.top_k";
/// `gen_ai.retrieval.documents` (content; opt-in)
pub const RETRIEVAL_DOCUMENTS: &str = "gen_ai.retrieval.documents";

/// `server.address`
pub const SERVER_ADDRESS: &str = "server.address";
/// `server.port`
pub const SERVER_PORT: &str = "server.port";
/// `error.type`
pub const ERROR_TYPE: &str = "error.type";

/// `openai.api.type`
pub const OPENAI_API_TYPE: &str = "openai.api.type";
/// `openai.request.service_tier`
pub const OPENAI_REQUEST_SERVICE_TIER: &str = "openai.request.service_tier";
/// `openai.response.service_tier`
pub const OPENAI_RESPONSE_SERVICE_TIER: &str = "openai.response.service_tier";
/// `openai.response.system_fingerprint`
pub const OPENAI_RESPONSE_SYSTEM_FINGERPRINT: &str = "openai.response.system_fingerprint";

/// `flightdeck.prompt.hash`: the lowercase hex SHA-256 of the canonical JSON of the system
/// instructions followed by the input messages (see [`crate::content::prompt_hash`]). Recorded
/// instead of (or next to) the text when prompt hashing is on. Not part of the conventions.
pub const PROMPT_HASH: &str = "flightdeck.prompt.hash";
/// `flightdeck.stream.cancelled`: `true` when the caller dropped a stream before it completed.
/// Not part of the conventions.
pub const STREAM_CANCELLED: &str = "flightdeck.stream.cancelled";

/// Well-known values of `gen_ai.operation.name`.
pub mod operation {
    /// Chat completion.
    pub const CHAT: &str = "chat";
    /// Multimodal content generation (Gemini `generateContent`).
    pub const GENERATE_CONTENT: &str = "generate_content";
    /// Legacy text completion.
    pub const TEXT_COMPLETION: &str = "text_completion";
    /// Embeddings.
    pub const EMBEDDINGS: &str = "embeddings";
    /// Retrieval from a vector store or search index.
    pub const RETRIEVAL: &str = "retrieval";
    /// Agent invocation.
    pub const INVOKE_AGENT: &str = "invoke_agent";
    /// Tool execution.
    pub const EXECUTE_TOOL: &str = "execute_tool";
    /// Multi-agent workflow entry point.
    pub const INVOKE_WORKFLOW: &str = "invoke_workflow";
}

/// Well-known values of `gen_ai.provider.name`.
pub mod provider {
    /// OpenAI.
    pub const OPENAI: &str = "openai";
    /// Anthropic.
    pub const ANTHROPIC: &str = "anthropic";
    /// Google Gemini API (AI Studio, `generativelanguage.googleapis.com`).
    pub const GCP_GEMINI: &str = "gcp.gemini";
    /// Google Vertex AI.
    pub const GCP_VERTEX_AI: &str = "gcp.vertex_ai";
    /// AWS Bedrock.
    pub const AWS_BEDROCK: &str = "aws.bedrock";
    /// Azure OpenAI.
    pub const AZURE_AI_OPENAI: &str = "azure.ai.openai";
    /// Mistral AI.
    pub const MISTRAL_AI: &str = "mistral_ai";
}

/// Metric names emitted by this SDK.
pub mod metric {
    /// Inference operation duration (seconds).
    pub const INFERENCE_DURATION: &str = "gen_ai.client.inference.duration";
    /// Time from request to first streamed chunk (seconds).
    pub const INFERENCE_TIME_TO_FIRST_CHUNK: &str = "gen_ai.client.inference.time_to_first_chunk";
    /// Time between consecutive streamed chunks after the first (seconds).
    pub const INFERENCE_TIME_PER_OUTPUT_CHUNK: &str =
        "gen_ai.client.inference.time_per_output_chunk";
    /// Input tokens counter (inclusive of cached tokens), by modality.
    pub const INFERENCE_USAGE_INPUT_TOKENS: &str = "gen_ai.client.inference.usage.input_tokens";
    /// Output tokens counter (inclusive of reasoning tokens), by modality.
    pub const INFERENCE_USAGE_OUTPUT_TOKENS: &str = "gen_ai.client.inference.usage.output_tokens";
    /// Cache-read input tokens counter.
    pub const INFERENCE_USAGE_CACHE_READ_INPUT_TOKENS: &str =
        "gen_ai.client.inference.usage.cache_read.input_tokens";
    /// Cache-write input tokens counter.
    pub const INFERENCE_USAGE_CACHE_WRITE_INPUT_TOKENS: &str =
        "gen_ai.client.inference.usage.cache_write.input_tokens";
    /// Reasoning output tokens counter.
    pub const INFERENCE_USAGE_REASONING_OUTPUT_TOKENS: &str =
        "gen_ai.client.inference.usage.reasoning.output_tokens";
    /// Per-operation input token distribution.
    pub const INFERENCE_OPERATION_INPUT_TOKENS: &str =
        "gen_ai.client.inference.operation.input_tokens";
    /// Per-operation output token distribution.
    pub const INFERENCE_OPERATION_OUTPUT_TOKENS: &str =
        "gen_ai.client.inference.operation.output_tokens";
    /// Duration of non-inference client operations (embeddings, retrieval, remote agents).
    pub const CLIENT_OPERATION_DURATION: &str = "gen_ai.client.operation.duration";
    /// In-process agent invocation duration.
    pub const INVOKE_AGENT_DURATION: &str = "gen_ai.invoke_agent.duration";
    /// Tool execution duration.
    pub const EXECUTE_TOOL_DURATION: &str = "gen_ai.execute_tool.duration";
    /// Workflow duration.
    pub const INVOKE_WORKFLOW_DURATION: &str = "gen_ai.invoke_workflow.duration";
    /// Legacy (opt-in): token usage histogram with `gen_ai.token.type`.
    pub const LEGACY_TOKEN_USAGE: &str = "gen_ai.client.token.usage";
    /// Legacy (opt-in): time to first chunk under its v1.41 name.
    pub const LEGACY_TIME_TO_FIRST_CHUNK: &str = "gen_ai.client.operation.time_to_first_chunk";
    /// Legacy (opt-in): time per output chunk under its v1.41 name.
    pub const LEGACY_TIME_PER_OUTPUT_CHUNK: &str = "gen_ai.client.operation.time_per_output_chunk";
}
