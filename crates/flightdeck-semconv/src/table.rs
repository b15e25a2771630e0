//! The attribute keys the normalizer reads, in every dialect, and a perfect-enough hash table to
//! find a key's entry in one probe.
//!
//! Each key gets its own slot so that the resolver can apply priorities and see conflicts. Keys that
//! carry an index (`gen_ai.prompt.3.content`) or a free suffix (`ai.telemetry.metadata.<key>`) are
//! not in the table; [`classify_prefix`] handles them.

use std::sync::LazyLock;

use crate::deprecated::DeprecatedName;
use crate::dialect::Dialect;

/// What the table knows about a key.
pub(crate) struct KeyInfo {
    pub key: &'static str,
    pub dialect: Option<Dialect>,
    pub deprecated: Option<DeprecatedName>,
}

const CUR: Option<Dialect> = Some(Dialect::OtelCurrent);
const LEG: Option<Dialect> = Some(Dialect::OtelLegacy);
const OLL: Option<Dialect> = Some(Dialect::Openllmetry);
const OI: Option<Dialect> = Some(Dialect::Openinference);
const LIT: Option<Dialect> = Some(Dialect::Openlit);
const VER: Option<Dialect> = Some(Dialect::VercelAi);
const LF: Option<Dialect> = Some(Dialect::Langfuse);
const LOG: Option<Dialect> = Some(Dialect::Logfire);
const TOAD: Option<Dialect> = Some(Dialect::ToadEye);
/// Keys several dialects share (or core conventions): they say nothing about the dialect.
const ANY: Option<Dialect> = None;

macro_rules! known_keys {
    ($($id:ident => $key:literal, $dialect:expr, $dep:expr;)*) => {
        /// One known key; the discriminant indexes [`KEYS`] and the resolver's slots.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[allow(
            non_camel_case_types,
            clippy::upper_case_acronyms,
            clippy::enum_variant_names
        )]
        #[repr(u8)]
        pub(crate) enum K { $($id),* }

        /// Every known key, indexed by [`K`].
        pub(crate) static KEYS: &[KeyInfo] = &[
            $(KeyInfo { key: $key, dialect: $dialect, deprecated: $dep }),*
        ];

        /// Every [`K`], in discriminant order (turns a table index back into a `K`).
        static KEY_IDS: &[K] = &[$(K::$id),*];
    };
}

use DeprecatedName as D;

known_keys! {
    // current OpenTelemetry GenAI conventions
    OPERATION => "gen_ai.operation.name", CUR, None;
    PROVIDER => "gen_ai.provider.name", CUR, None;
    REQUEST_MODEL => "gen_ai.request.model", CUR, None;
    RESPONSE_MODEL => "gen_ai.response.model", CUR, None;
    RESPONSE_ID => "gen_ai.response.id", CUR, None;
    FINISH_REASONS => "gen_ai.response.finish_reasons", CUR, None;
    TTFC => "gen_ai.response.time_to_first_chunk", CUR, None;
    INPUT_TOKENS => "gen_ai.usage.input_tokens", CUR, None;
    OUTPUT_TOKENS => "gen_ai.usage.output_tokens", CUR, None;
    CACHE_READ => "gen_ai.usage.cache_read.input_tokens", CUR, None;
    CACHE_WRITE => "gen_ai.usage.cache_write.input_tokens", CUR, None;
    REASONING => "gen_ai.usage.reasoning.output_tokens", CUR, None;
    CONVERSATION => "gen_ai.conversation.id", CUR, None;
    AGENT_NAME => "gen_ai.agent.name", CUR, None;
    AGENT_ID => "gen_ai.agent.id", CUR, None;
    TOOL_NAME => "gen_ai.tool.name", CUR, None;
    TOOL_TYPE => "gen_ai.tool.type", CUR, None;
    TOOL_CALL_ID => "gen_ai.tool.call.id", CUR, None;
    TOOL_CALL_ARGUMENTS => "gen_ai.tool.call.arguments", CUR, None;
    TOOL_CALL_RESULT => "gen_ai.tool.call.result", CUR, None;
    REQUEST_STREAM => "gen_ai.request.stream", CUR, None;
    REQUEST_TOP_K => "gen_ai.request.top_k", CUR, None;
    DATA_SOURCE => "gen_ai.data_source.id", CUR, None;
    RETRIEVAL_QUERY => "gen_ai.retrieval.query.text", CUR, None;
    RETRIEVAL_TOP_K => "gen_ai.retrieval.top_k", CUR, None;
    RETRIEVAL_DOCUMENTS => "gen_ai.retrieval.documents", CUR, None;
    INPUT_MESSAGES => "gen_ai.input.messages", CUR, None;
    OUTPUT_MESSAGES => "gen_ai.output.messages", CUR, None;
    SYSTEM_INSTRUCTIONS => "gen_ai.system_instructions", CUR, None;
    TOOL_DEFINITIONS => "gen_ai.tool.definitions", CUR, None;
    WORKFLOW_NAME => "gen_ai.workflow.name", CUR, None;
    // current keys the view does not read: listed so they are classified in one probe
    REQUEST_TEMPERATURE => "gen_ai.request.temperature", CUR, None;
    REQUEST_TOP_P => "gen_ai.request.top_p", CUR, None;
    REQUEST_MAX_TOKENS => "gen_ai.request.max_tokens", CUR, None;
    REQUEST_SEED => "gen_ai.request.seed", CUR, None;
    REQUEST_STOP_SEQUENCES => "gen_ai.request.stop_sequences", CUR, None;
    REQUEST_FREQUENCY_PENALTY => "gen_ai.request.frequency_penalty", CUR, None;
    REQUEST_PRESENCE_PENALTY => "gen_ai.request.presence_penalty", CUR, None;
    REQUEST_CHOICE_COUNT => "gen_ai.request.choice.count", CUR, None;
    REQUEST_ENCODING_FORMATS => "gen_ai.request.encoding_formats", CUR, None;
    REQUEST_REASONING_LEVEL => "gen_ai.request.reasoning.level", CUR, None;
    OUTPUT_TYPE => "gen_ai.output.type", CUR, None;
    EMBEDDINGS_DIMENSION => "gen_ai.embeddings.dimension.count", CUR, None;
    RESPONSE_STATUS => "gen_ai.response.status", CUR, None;
    TOOL_DESCRIPTION => "gen_ai.tool.description", CUR, None;
    AGENT_DESCRIPTION => "gen_ai.agent.description", CUR, None;
    AGENT_VERSION => "gen_ai.agent.version", CUR, None;
    PROMPT_NAME => "gen_ai.prompt.name", CUR, None;
    SERVER_ADDRESS => "server.address", ANY, None;
    SERVER_PORT => "server.port", ANY, None;
    OPENAI_API_TYPE => "openai.api.type", ANY, None;
    OPENAI_SERVICE_TIER => "openai.response.service_tier", ANY, None;
    OPENAI_SYSTEM_FINGERPRINT => "openai.response.system_fingerprint", ANY, None;
    // core conventions used on GenAI spans
    ERROR_TYPE => "error.type", ANY, None;
    USER_ID => "user.id", ANY, None;
    ENDUSER_ID => "enduser.id", ANY, Some(D::EnduserId);
    SESSION_ID => "session.id", ANY, None;
    DB_COLLECTION => "db.collection.name", ANY, None;
    DB_NAMESPACE => "db.namespace", ANY, None;
    DB_SYSTEM_NAME => "db.system.name", ANY, None;
    DB_SYSTEM => "db.system", ANY, Some(D::DbSystem);
    DB_OPERATION_NAME => "db.operation.name", ANY, None;
    DB_OPERATION => "db.operation", ANY, Some(D::DbOperation);
    // older OpenTelemetry GenAI conventions
    SYSTEM => "gen_ai.system", LEG, Some(D::GenAiSystem);
    PROMPT_TOKENS => "gen_ai.usage.prompt_tokens", LEG, Some(D::UsagePromptTokens);
    COMPLETION_TOKENS => "gen_ai.usage.completion_tokens", LEG, Some(D::UsageCompletionTokens);
    CACHE_CREATION => "gen_ai.usage.cache_creation.input_tokens", LEG, Some(D::UsageCacheCreation);
    PROMPT => "gen_ai.prompt", LEG, Some(D::Prompt);
    COMPLETION => "gen_ai.completion", LEG, Some(D::Completion);
    OPENAI_SEED => "gen_ai.openai.request.seed", LEG, Some(D::OpenaiRequestSeed);
    OPENAI_RESPONSE_FORMAT => "gen_ai.openai.request.response_format", LEG, Some(D::OpenaiResponseFormat);
    OPENAI_REQUEST_TIER => "gen_ai.openai.request.service_tier", LEG, Some(D::OpenaiRequestServiceTier);
    OPENAI_RESPONSE_TIER => "gen_ai.openai.response.service_tier", LEG, Some(D::OpenaiResponseServiceTier);
    OPENAI_FINGERPRINT => "gen_ai.openai.response.system_fingerprint", LEG, Some(D::OpenaiSystemFingerprint);
    // usage spellings several libraries share
    TOTAL_TOKENS => "gen_ai.usage.total_tokens", ANY, None;
    CACHE_WRITE_FLAT => "gen_ai.usage.cache_write_input_tokens", ANY, None;
    // OpenLLMetry / Traceloop
    LLM_REQUEST_TYPE => "llm.request.type", OLL, None;
    LLM_USAGE_TOTAL => "llm.usage.total_tokens", OLL, None;
    CACHE_READ_FLAT => "gen_ai.usage.cache_read_input_tokens", OLL, None;
    CACHE_CREATION_FLAT => "gen_ai.usage.cache_creation_input_tokens", OLL, None;
    REASONING_FLAT => "gen_ai.usage.reasoning_tokens", OLL, None;
    LLM_USAGE_REASONING => "llm.usage.reasoning_tokens", OLL, None;
    IS_STREAMING => "gen_ai.is_streaming", OLL, None;
    LLM_IS_STREAMING => "llm.is_streaming", OLL, None;
    GEN_AI_USER => "gen_ai.user", OLL, None;
    LLM_USER => "llm.user", OLL, None;
    FINISH_REASON_SINGULAR => "gen_ai.response.finish_reason", OLL, None;
    LLM_RESPONSE_FINISH_REASON => "llm.response.finish_reason", OLL, None;
    LLM_RESPONSE_STOP_REASON => "llm.response.stop_reason", OLL, None;
    LLM_REQUEST_MODEL => "llm.request.model", OLL, None;
    LLM_RESPONSE_MODEL => "llm.response.model", OLL, None;
    OPENAI_API_BASE => "gen_ai.openai.api_base", OLL, None;
    TRACELOOP_SPAN_KIND => "traceloop.span.kind", OLL, None;
    TRACELOOP_ENTITY_NAME => "traceloop.entity.name", OLL, None;
    TRACELOOP_WORKFLOW_NAME => "traceloop.workflow.name", OLL, None;
    TRACELOOP_ENTITY_INPUT => "traceloop.entity.input", OLL, None;
    TRACELOOP_ENTITY_OUTPUT => "traceloop.entity.output", OLL, None;
    TRACELOOP_SESSION => "traceloop.association.properties.session_id", OLL, None;
    TRACELOOP_USER => "traceloop.association.properties.user_id", OLL, None;
    DB_VECTOR_TOP_K => "db.vector.query.top_k", OLL, None;
    // OpenInference
    OI_SPAN_KIND => "openinference.span.kind", OI, None;
    LLM_MODEL_NAME => "llm.model_name", OI, None;
    LLM_REQUEST_MODEL_NAME => "llm.request.model_name", OI, None;
    LLM_RESPONSE_MODEL_NAME => "llm.response.model_name", OI, None;
    LLM_PROVIDER => "llm.provider", OI, None;
    LLM_SYSTEM => "llm.system", OI, None;
    LLM_INVOCATION_PARAMETERS => "llm.invocation_parameters", OI, None;
    TOKEN_COUNT_PROMPT => "llm.token_count.prompt", OI, None;
    TOKEN_COUNT_COMPLETION => "llm.token_count.completion", OI, None;
    TOKEN_COUNT_TOTAL => "llm.token_count.total", OI, None;
    TOKEN_COUNT_CACHE_READ => "llm.token_count.prompt_details.cache_read", OI, None;
    TOKEN_COUNT_CACHE_WRITE => "llm.token_count.prompt_details.cache_write", OI, None;
    TOKEN_COUNT_REASONING => "llm.token_count.completion_details.reasoning", OI, None;
    LLM_FINISH_REASON => "llm.finish_reason", OI, None;
    INPUT_VALUE => "input.value", OI, None;
    OUTPUT_VALUE => "output.value", OI, None;
    INPUT_MIME_TYPE => "input.mime_type", OI, None;
    OUTPUT_MIME_TYPE => "output.mime_type", OI, None;
    EMBEDDING_MODEL_NAME => "embedding.model_name", OI, None;
    OI_TOOL_NAME => "tool.name", OI, None;
    OI_TOOL_ID => "tool.id", OI, None;
    OI_TOOL_CALL_ID => "tool_call.id", OI, None;
    OI_TOOL_CALL_NAME => "tool_call.function.name", OI, None;
    OI_AGENT_NAME => "agent.name", OI, None;
    // OpenLIT
    OPENLIT_APPLICATION => "gen_ai.application_name", LIT, None;
    OPENLIT_ENVIRONMENT => "gen_ai.environment", LIT, None;
    OPENLIT_SDK_VERSION => "gen_ai.sdk.version", LIT, None;
    OPENLIT_ENDPOINT => "gen_ai.endpoint", LIT, None;
    OPENLIT_COST => "gen_ai.usage.cost", LIT, None;
    OPENLIT_CACHED => "gen_ai.usage.prompt_tokens_details.cached_tokens", LIT, None;
    OPENLIT_CACHE_CREATION => "gen_ai.usage.prompt_tokens_details.cache_creation_tokens", LIT, None;
    OPENLIT_REASONING => "gen_ai.usage.completion_tokens_details.reasoning", LIT, None;
    OPENLIT_REQUEST_USER => "gen_ai.request.user", LIT, None;
    OPENLIT_IS_STREAM => "gen_ai.request.is_stream", LIT, None;
    OPENLIT_TTFT => "gen_ai.server.time_to_first_token", LIT, None;
    OPENLIT_RETRIEVAL_QUERY => "gen_ai.retrieval.query", LIT, None;
    // Vercel AI SDK
    AI_OPERATION_ID => "ai.operationId", VER, None;
    AI_MODEL_ID => "ai.model.id", VER, None;
    AI_MODEL_PROVIDER => "ai.model.provider", VER, None;
    AI_RESPONSE_MODEL => "ai.response.model", VER, None;
    AI_RESPONSE_ID => "ai.response.id", VER, None;
    AI_PROMPT_TOKENS => "ai.usage.promptTokens", VER, None;
    AI_COMPLETION_TOKENS => "ai.usage.completionTokens", VER, None;
    AI_INPUT_TOKENS => "ai.usage.inputTokens", VER, None;
    AI_OUTPUT_TOKENS => "ai.usage.outputTokens", VER, None;
    AI_TOTAL_TOKENS => "ai.usage.totalTokens", VER, None;
    AI_TOKENS => "ai.usage.tokens", VER, None;
    AI_REASONING_TOKENS => "ai.usage.reasoningTokens", VER, None;
    AI_CACHED_INPUT_TOKENS => "ai.usage.cachedInputTokens", VER, None;
    AI_NO_CACHE_TOKENS => "ai.usage.inputTokenDetails.noCacheTokens", VER, None;
    AI_CACHE_READ_TOKENS => "ai.usage.inputTokenDetails.cacheReadTokens", VER, None;
    AI_CACHE_WRITE_TOKENS => "ai.usage.inputTokenDetails.cacheWriteTokens", VER, None;
    AI_OUTPUT_REASONING_TOKENS => "ai.usage.outputTokenDetails.reasoningTokens", VER, None;
    AI_FINISH_REASON => "ai.response.finishReason", VER, None;
    AI_FINISH_REASON_OLD => "ai.finishReason", VER, None;
    AI_MS_TO_FIRST_CHUNK => "ai.response.msToFirstChunk", VER, None;
    AI_STREAM_MS_TO_FIRST_CHUNK => "ai.stream.msToFirstChunk", VER, None;
    AI_AVG_OUTPUT_TPS => "ai.response.avgOutputTokensPerSecond", VER, None;
    AI_AVG_COMPLETION_TPS => "ai.response.avgCompletionTokensPerSecond", VER, None;
    AI_FUNCTION_ID => "ai.telemetry.functionId", VER, None;
    AI_SESSION_ID => "ai.telemetry.metadata.sessionId", VER, None;
    AI_USER_ID => "ai.telemetry.metadata.userId", VER, None;
    AI_TOOL_CALL_NAME => "ai.toolCall.name", VER, None;
    AI_TOOL_CALL_ID => "ai.toolCall.id", VER, None;
    AI_PROVIDER_METADATA => "ai.response.providerMetadata", VER, None;
    AI_OPERATION_NAME => "operation.name", ANY, None;
    VERCEL_TTFC => "gen_ai.client.operation.time_to_first_chunk", VER, None;
    // Langfuse
    LF_OBSERVATION_TYPE => "langfuse.observation.type", LF, None;
    LF_MODEL => "langfuse.observation.model.name", LF, None;
    LF_USAGE => "langfuse.observation.usage_details", LF, None;
    LF_COMPLETION_START => "langfuse.observation.completion_start_time", LF, None;
    LF_SESSION => "langfuse.session.id", LF, None;
    LF_USER => "langfuse.user.id", LF, None;
    // Logfire
    LOGFIRE_REQUEST_DATA => "request_data", ANY, None;
    LOGFIRE_RESPONSE_DATA => "response_data", ANY, None;
    LOGFIRE_COST => "operation.cost", LOG, None;
    // toad-eye
    TOAD_USER => "toad_eye.user_id", TOAD, None;
    TOAD_TPS => "gen_ai.toad_eye.throughput.tokens_per_second", TOAD, None;
    TOAD_AGENT_LOOP => "gen_ai.agent.loop_count", TOAD, Some(D::ToadEyeAgentLoopCount);
    TOAD_AGENT_TOOL => "gen_ai.agent.tool.name", TOAD, Some(D::ToadEyeAgentToolName);
}

/// Number of known keys.
pub(crate) const KEY_COUNT: usize = K::TOAD_AGENT_TOOL as usize + 1;

// The scan's slot array has 256 entries indexed by `K as u8`.
const _: () = assert!(KEY_COUNT <= 256);

impl K {
    /// The key's entry.
    pub fn info(self) -> &'static KeyInfo {
        &KEYS[self as usize]
    }

    /// The key as sent on the wire.
    pub fn key(self) -> &'static str {
        self.info().key
    }
}

const EMPTY: u16 = u16::MAX;

/// Open-addressing table from a key's hash to its index in [`KEYS`].
pub(crate) struct Table {
    mask: usize,
    /// (tag of the hash, index in KEYS)
    slots: Vec<(u32, u16)>,
    /// Per key, what the scan records when it sees it, packed: see [`Flags`].
    flags: Vec<Flags>,
}

/// What a key says about a span, packed for the scan loop: dialect bits (as in
/// [`crate::DialectSet`]), whether it carries content, and its deprecated name.
#[derive(Clone, Copy)]
pub(crate) struct Flags {
    pub dialects: u16,
    pub content: bool,
    pub deprecated: Option<DeprecatedName>,
}

static TABLE: LazyLock<Table> = LazyLock::new(|| {
    let capacity = (KEYS.len() * 8).next_power_of_two();
    let mask = capacity - 1;
    let mut slots = vec![(0u32, EMPTY); capacity];
    for (index, info) in KEYS.iter().enumerate() {
        let hash = hash(info.key);
        let mut at = slot_of(hash, mask);
        while slots[at].1 != EMPTY {
            at = (at + 1) & mask;
        }
        // KEYS has at most 256 entries (K is repr(u8)), so the index fits.
        slots[at] = (tag_of(hash), index as u16);
    }
    let flags = (0..KEYS.len())
        .map(|index| {
            let info = &KEYS[index];
            let mut dialects = crate::DialectSet::EMPTY;
            if let Some(d) = info.dialect {
                dialects.insert(d);
            }
            Flags {
                dialects: dialects.bits(),
                content: is_content_key(KEY_IDS[index]),
                deprecated: info.deprecated,
            }
        })
        .collect();
    Table { mask, slots, flags }
});

/// Keys whose value is message content (opt-in data).
fn is_content_key(k: K) -> bool {
    matches!(
        k,
        K::INPUT_MESSAGES
            | K::OUTPUT_MESSAGES
            | K::SYSTEM_INSTRUCTIONS
            | K::TOOL_CALL_ARGUMENTS
            | K::TOOL_CALL_RESULT
            | K::RETRIEVAL_QUERY
            | K::PROMPT
            | K::COMPLETION
            | K::INPUT_VALUE
            | K::OUTPUT_VALUE
            | K::TRACELOOP_ENTITY_INPUT
            | K::TRACELOOP_ENTITY_OUTPUT
            | K::OPENLIT_RETRIEVAL_QUERY
            | K::LOGFIRE_REQUEST_DATA
            | K::LOGFIRE_RESPONSE_DATA
    )
}

/// A fast hash for short ASCII keys: the length and the first and last 8 bytes, multiplied
/// once. Keys sharing all three only cost an extra probe: the key is always compared.
#[inline]
fn hash(key: &str) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let bytes = key.as_bytes();
    let len = bytes.len();
    let (first, last) = if len >= 8 {
        let mut a = [0u8; 8];
        let mut b = [0u8; 8];
        a.copy_from_slice(&bytes[..8]);
        b.copy_from_slice(&bytes[len - 8..]);
        (u64::from_le_bytes(a), u64::from_le_bytes(b))
    } else {
        let mut a = [0u8; 8];
        a[..len].copy_from_slice(bytes);
        (u64::from_le_bytes(a), 0)
    };
    // The high bits of the product depend on every input bit: the slot is taken from them.
    (first ^ last.rotate_left(23) ^ (len as u64).rotate_left(47)).wrapping_mul(K)
}

/// The slot of a hash: its top bits.
#[inline]
fn slot_of(hash: u64, mask: usize) -> usize {
    (hash >> 40) as usize & mask
}

/// The tag kept next to the slot to skip most mismatching compares.
#[inline]
fn tag_of(hash: u64) -> u32 {
    hash as u32
}

/// Byte equality by 8-byte words (the keys are short; a library call costs more than the loop).
#[inline]
fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let word = |s: &[u8], at: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&s[at..at + 8]);
        u64::from_le_bytes(w)
    };
    let len = a.len();
    if len < 8 {
        return a == b;
    }
    let mut at = 0;
    while at + 8 < len {
        if word(a, at) != word(b, at) {
            return false;
        }
        at += 8;
    }
    // The last word may overlap the previous one.
    word(a, len - 8) == word(b, len - 8)
}

/// The table (built on first use).
pub(crate) fn table() -> &'static Table {
    &TABLE
}

/// Finds a known key, with its flags.
#[inline]
pub(crate) fn lookup(table: &Table, key: &str) -> Option<(K, Flags)> {
    let hash = hash(key);
    let mut at = slot_of(hash, table.mask);
    loop {
        let (h, index) = table.slots[at];
        if index == EMPTY {
            return None;
        }
        if h == tag_of(hash) && same(KEYS[index as usize].key, key) {
            return Some((KEY_IDS[index as usize], table.flags[index as usize]));
        }
        at = (at + 1) & table.mask;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every table key is found and maps back to itself; unknown and near-miss keys are not found.
    #[test]
    fn every_key_is_found() {
        assert_eq!(KEYS.len(), KEY_COUNT);
        for (index, info) in KEYS.iter().enumerate() {
            let (k, _) = lookup(table(), info.key).unwrap();
            assert_eq!(k as usize, index, "{}", info.key);
            assert_eq!(k.key(), info.key);
        }
        assert!(lookup(table(), "gen_ai.operation.nam").is_none());
        assert!(lookup(table(), "http.request.method").is_none());
        assert!(lookup(table(), "").is_none());
    }

    /// The table needs few probes: at most 4 slots are visited for any key.
    #[test]
    fn probes_are_short() {
        let table = &*TABLE;
        for info in KEYS {
            let mut at = slot_of(hash(info.key), table.mask);
            let mut probes = 1;
            while KEYS[table.slots[at].1 as usize].key != info.key {
                at = (at + 1) & table.mask;
                probes += 1;
            }
            assert!(probes <= 4, "{} needs {probes} probes", info.key);
        }
    }

    /// No key is listed twice (a duplicate would shadow its twin's slot).
    #[test]
    fn keys_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for info in KEYS {
            assert!(seen.insert(info.key), "duplicate key {}", info.key);
        }
    }
}
