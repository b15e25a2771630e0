//! The normalizer: fills a span's typed GenAI view from whatever dialect its attributes and events
//! are in.
//!
//! One pass over the attributes puts every known key in its slot ([`scan`]); one pass over the
//! events gathers streaming and exception facts ([`events`]); then each canonical field is resolved
//! from its sources in priority order, current conventions first. When two sources of a field
//! disagree, the first wins and the disagreement is recorded in the [`NormalizeReport`].
//!
//! Attributes are never modified, so normalizing is idempotent: the view depends only on the
//! attributes, events, kind, times and status of the span.

mod events;
mod scan;
pub(crate) mod usage;

use std::borrow::Cow;
use std::fmt::Display;

use flightdeck_model::{
    AttrValue, Attributes, Event, GenAi, Retrieval, RetrievedDocument, Span, StatusCode,
};

use crate::dialect::Dialect;
use crate::names::{
    canonical_finish_reason, canonical_operation, canonical_provider, clean_error_type,
    is_inference, is_model_call, model_family,
};
use crate::report::{Conflict, Derivation, NormalizeReport};
use crate::table::K;
use events::EventFacts;
pub(crate) use scan::{DocField, Scan};

/// At most this many retrieved documents are kept in the retrieval view.
pub const MAX_DOCUMENTS: usize = 256;
/// Retrieved document content longer than this (in bytes) is cut on a character boundary in the
/// retrieval view; the attribute keeps the full text.
pub const MAX_DOCUMENT_CONTENT_BYTES: usize = 4096;

/// Fills the typed GenAI view of spans, from any dialect.
///
/// Stateless and cheap to clone; one instance can serve every thread.
#[derive(Debug, Clone, Default)]
pub struct Normalizer {}

impl Normalizer {
    /// Fills `span.genai` from the span's attributes and events. `cost` and `context_window_use`
    /// (filled by pricing) are kept.
    pub fn normalize(&self, span: &mut Span) {
        self.normalize_with_report(span);
    }

    /// Like [`Normalizer::normalize`], and returns what was noticed on the way: dialects,
    /// deprecated names, conflicts between sources, derived values.
    pub fn normalize_with_report(&self, span: &mut Span) -> NormalizeReport {
        let parts = Parts {
            attributes: &span.attributes,
            events: &span.events,
            name: &span.name,
            root: span.parent_span_id.is_none(),
            start: span.start_time_unix_nano,
            end: span.end_time_unix_nano,
            error: span.status.code == StatusCode::Error,
            scope_name: &span.scope.name,
        };
        analyze_into(&parts, &mut span.genai)
    }

    /// Normalizes every span of a batch.
    pub fn normalize_batch(&self, spans: &mut [Span]) {
        for span in spans {
            self.normalize(span);
        }
    }

    /// Computes the view and the report without touching the span.
    pub fn analyze(&self, span: &Span) -> (GenAi, NormalizeReport) {
        analyze(span)
    }
}

/// Vector stores whose query spans are retrievals (OpenLLMetry and OpenLIT spell them so).
const VECTOR_DBS: &[&str] = &[
    "pinecone",
    "qdrant",
    "chroma",
    "chromadb",
    "milvus",
    "weaviate",
    "lancedb",
    "marqo",
    "astra",
    "pgvector",
    "faiss",
    "vespa",
    "turbopuffer",
];

/// The parts of a span the normalizer reads.
pub(crate) struct Parts<'a> {
    pub attributes: &'a Attributes,
    pub events: &'a [Event],
    pub name: &'a str,
    pub root: bool,
    pub start: u64,
    pub end: u64,
    pub error: bool,
    pub scope_name: &'a str,
}

impl<'a> Parts<'a> {
    pub fn of(span: &'a Span) -> Parts<'a> {
        Parts {
            attributes: &span.attributes,
            events: &span.events,
            name: &span.name,
            root: span.parent_span_id.is_none(),
            start: span.start_time_unix_nano,
            end: span.end_time_unix_nano,
            error: span.status.code == StatusCode::Error,
            scope_name: &span.scope.name,
        }
    }
}

pub(crate) fn analyze(span: &Span) -> (GenAi, NormalizeReport) {
    let mut genai = GenAi::default();
    let report = analyze_into(&Parts::of(span), &mut genai);
    (genai, report)
}

/// Fills `out` in place (keeping its `cost` and `context_window_use`) and returns the report.
fn analyze_into(span: &Parts<'_>, out: &mut GenAi) -> NormalizeReport {
    let (cost, context_window_use) = (out.cost.take(), out.context_window_use.take());
    let report = analyze_parts(span, out);
    out.cost = cost;
    out.context_window_use = context_window_use;
    report
}

fn analyze_parts(span: &Parts<'_>, out: &mut GenAi) -> NormalizeReport {
    let scan = Scan::new(span.attributes);
    let facts = events::gather(span.events);
    let mut report = NormalizeReport {
        dialects: scan.dialects,
        deprecated: scan.deprecated,
        content: scan.content || facts.content,
        ..NormalizeReport::default()
    };
    report.dialects.extend(facts.dialects);
    report.deprecated.extend(facts.deprecated);
    if span.scope_name.starts_with("openlit") {
        report.dialects.insert(Dialect::Openlit);
    }
    // Logfire's LLM integrations put the request and response payloads in `request_data` /
    // `response_data`; other Logfire spans carry only `logfire.*` keys and are not GenAI spans.
    if scan.logfire
        && (!report.dialects.is_empty()
            || scan.has(K::LOGFIRE_REQUEST_DATA)
            || scan.has(K::LOGFIRE_RESPONSE_DATA))
    {
        report.dialects.insert(Dialect::Logfire);
    }
    let vector_query = is_vector_query(&scan);
    if report.dialects.is_empty() && !vector_query {
        *out = GenAi::default();
        return report;
    }

    let mut r = Resolver {
        scan: &scan,
        span,
        facts: &facts,
        report: &mut report,
        invocation: None,
    };
    r.resolve(vector_query, out);
    report
}

fn is_vector_query(scan: &Scan<'_>) -> bool {
    if !scan.documents.is_empty() {
        return true;
    }
    let system = scan.str(K::DB_SYSTEM_NAME).or(scan.str(K::DB_SYSTEM));
    let Some(system) = system else {
        return false;
    };
    if !VECTOR_DBS.iter().any(|v| v.eq_ignore_ascii_case(system)) {
        return false;
    }
    let operation = scan.str(K::DB_OPERATION_NAME).or(scan.str(K::DB_OPERATION));
    operation.is_some_and(|op| {
        [
            "query",
            "search",
            "similarity_search",
            "hybrid_search",
            "select",
        ]
        .iter()
        .any(|q| q.eq_ignore_ascii_case(op))
    })
}

/// What the operation mappers need to know about the span.
#[derive(Clone, Copy, Default)]
struct Ctx {
    root: bool,
    vector_query: bool,
}

/// Maps a dialect's value to a canonical one.
type Mapper = fn(&str, Ctx) -> Option<Cow<'static, str>>;

/// OpenInference's `llm.invocation_parameters`, read lazily.
#[derive(Default)]
struct Invocation {
    model: Option<String>,
    stream: Option<bool>,
}

struct Resolver<'s, 'a> {
    scan: &'s Scan<'a>,
    span: &'s Parts<'a>,
    facts: &'s EventFacts<'a>,
    report: &'s mut NormalizeReport,
    invocation: Option<Invocation>,
}

impl Resolver<'_, '_> {
    fn resolve(&mut self, vector_query: bool, out: &mut GenAi) {
        let s = self.scan;
        let root = self.span.root;

        let provider = self.provider();
        let operation = self.operation(root, vector_query);
        let op = operation.as_deref();

        let request_model = self
            .pick_str(
                "gen_ai.request.model",
                &[
                    K::REQUEST_MODEL,
                    K::LLM_REQUEST_MODEL_NAME,
                    K::LLM_REQUEST_MODEL,
                    K::AI_MODEL_ID,
                    K::LF_MODEL,
                ],
            )
            .or_else(|| self.invocation().model.clone())
            .or_else(|| first_str(s, &[K::LLM_MODEL_NAME, K::EMBEDDING_MODEL_NAME]));
        let response_model = self
            .pick_str(
                "gen_ai.response.model",
                &[
                    K::RESPONSE_MODEL,
                    K::LLM_RESPONSE_MODEL_NAME,
                    K::LLM_RESPONSE_MODEL,
                    K::AI_RESPONSE_MODEL,
                ],
            )
            .or_else(|| first_str(s, &[K::LLM_MODEL_NAME, K::EMBEDDING_MODEL_NAME]));
        let model_family = response_model
            .as_deref()
            .or(request_model.as_deref())
            .map(model_family);

        let usage = self.usage(op, provider.as_deref());
        let streaming = self.streaming();
        let time_to_first_chunk = self.time_to_first_chunk();
        let finish_reasons = self.finish_reasons();

        let error_type = s
            .str(K::ERROR_TYPE)
            .map(|e| clean_error_type(e).to_owned())
            .or_else(|| {
                self.span
                    .error
                    .then_some(self.facts.exception_type)
                    .flatten()
                    .map(str::to_owned)
            });

        let traceloop_kind = s.str(K::TRACELOOP_SPAN_KIND);
        let vercel_agent = op == Some("invoke_agent") && s.has(K::AI_OPERATION_ID);
        let agent_name = self
            .pick_str("gen_ai.agent.name", &[K::AGENT_NAME, K::OI_AGENT_NAME])
            .or_else(|| {
                (traceloop_kind == Some("agent"))
                    .then(|| s.str(K::TRACELOOP_ENTITY_NAME))
                    .flatten()
                    .map(str::to_owned)
            })
            .or_else(|| {
                vercel_agent
                    .then(|| s.str(K::AI_FUNCTION_ID))
                    .flatten()
                    .map(str::to_owned)
            });
        let tool_name = self
            .pick_str(
                "gen_ai.tool.name",
                &[
                    K::TOOL_NAME,
                    K::OI_TOOL_NAME,
                    K::AI_TOOL_CALL_NAME,
                    K::TOAD_AGENT_TOOL,
                ],
            )
            .or_else(|| {
                (traceloop_kind == Some("tool"))
                    .then(|| s.str(K::TRACELOOP_ENTITY_NAME))
                    .flatten()
                    .map(str::to_owned)
            })
            .or_else(|| {
                (op == Some("execute_tool"))
                    .then(|| s.str(K::OI_TOOL_CALL_NAME))
                    .flatten()
                    .map(str::to_owned)
            });
        let tool_call_id = self.pick_str(
            "gen_ai.tool.call.id",
            &[
                K::TOOL_CALL_ID,
                K::OI_TOOL_CALL_ID,
                K::OI_TOOL_ID,
                K::AI_TOOL_CALL_ID,
            ],
        );

        let output_tokens_per_second =
            self.output_tokens_per_second(op, usage.output_tokens, streaming, time_to_first_chunk);
        let max_chunk_gap = (self.facts.chunk_count >= 2)
            .then_some(self.facts.max_chunk_gap_ns)
            .flatten()
            .map(|ns| {
                self.report
                    .derived
                    .insert(Derivation::MaxChunkGapFromEvents);
                ns as f64 / 1e9
            });

        let retrieval = (op == Some("retrieval")
            || vector_query
            || s.has(K::RETRIEVAL_DOCUMENTS)
            || !self.facts.documents.is_empty())
        .then(|| self.retrieval(op))
        .filter(|r| *r != Retrieval::default());

        let usage_missing = op.is_some_and(is_model_call)
            && usage.input_tokens.is_none()
            && usage.output_tokens.is_none()
            && !self.span.error
            && error_type.is_none();

        // Field by field: `out` lives in the span, so nothing large is built and moved.
        out.operation = operation.map(Cow::into_owned);
        out.provider = provider.map(Cow::into_owned);
        out.request_model = request_model;
        out.response_model = response_model;
        out.usage = usage;
        out.finish_reasons = finish_reasons;
        out.response_id = self.pick_str("gen_ai.response.id", &[K::RESPONSE_ID, K::AI_RESPONSE_ID]);
        out.conversation_id = self.pick_str(
            "gen_ai.conversation.id",
            &[
                K::CONVERSATION,
                K::SESSION_ID,
                K::LF_SESSION,
                K::AI_SESSION_ID,
                K::TRACELOOP_SESSION,
            ],
        );
        out.agent_name = agent_name;
        out.agent_id = s.str(K::AGENT_ID).map(str::to_owned);
        out.tool_name = tool_name;
        out.tool_type = s.str(K::TOOL_TYPE).map(str::to_owned);
        out.tool_call_id = tool_call_id;
        out.error_type = error_type;
        out.time_to_first_chunk = time_to_first_chunk;
        out.streaming = streaming;
        out.model_family = model_family;
        out.user_id = self.pick_str(
            "user.id",
            &[
                K::USER_ID,
                K::ENDUSER_ID,
                K::LF_USER,
                K::AI_USER_ID,
                K::TRACELOOP_USER,
                K::GEN_AI_USER,
                K::LLM_USER,
                K::OPENLIT_REQUEST_USER,
                K::TOAD_USER,
            ],
        );
        out.output_tokens_per_second = output_tokens_per_second;
        out.max_chunk_gap = max_chunk_gap;
        out.usage_missing = usage_missing;
        out.retrieval = retrieval;
    }

    /// Keeps the first candidate and records every later one that disagrees.
    fn pick<T: PartialEq + Display>(
        &mut self,
        field: &'static str,
        candidates: impl IntoIterator<Item = (K, Option<T>)>,
    ) -> Option<T> {
        let mut kept: Option<(K, T)> = None;
        for (k, value) in candidates {
            let Some(value) = value else { continue };
            match &kept {
                None => kept = Some((k, value)),
                Some((kept_key, kept_value)) => {
                    if *kept_value != value {
                        self.report.conflicts.push(Conflict {
                            field: field.to_owned(),
                            kept_key: kept_key.key().to_owned(),
                            kept: kept_value.to_string(),
                            other_key: k.key().to_owned(),
                            other: value.to_string(),
                        });
                    }
                }
            }
        }
        kept.map(|(_, v)| v)
    }

    /// Like [`Resolver::pick`] for plain strings, written out: it runs a dozen times per span.
    fn pick_str(&mut self, field: &'static str, keys: &[K]) -> Option<String> {
        let s = self.scan;
        let mut rest = keys.iter();
        let (kept_key, kept) = rest.by_ref().find_map(|k| s.str(*k).map(|v| (*k, v)))?;
        for k in rest {
            if !s.has(*k) {
                continue;
            }
            if let Some(other) = s.str(*k)
                && other != kept
            {
                self.report.conflicts.push(Conflict {
                    field: field.to_owned(),
                    kept_key: kept_key.key().to_owned(),
                    kept: kept.to_owned(),
                    other_key: k.key().to_owned(),
                    other: other.to_owned(),
                });
            }
        }
        Some(kept.to_owned())
    }

    /// Like [`Resolver::pick`] for token counts, written out: it runs six times per span.
    fn pick_count(&mut self, field: &'static str, keys: &[K]) -> Option<i64> {
        let s = self.scan;
        let mut rest = keys.iter();
        let (kept_key, kept) = rest.by_ref().find_map(|k| {
            if s.has(*k) {
                s.count(*k).map(|v| (*k, v))
            } else {
                None
            }
        })?;
        for k in rest {
            if s.has(*k)
                && let Some(other) = s.count(*k)
                && other != kept
            {
                self.report.conflicts.push(Conflict {
                    field: field.to_owned(),
                    kept_key: kept_key.key().to_owned(),
                    kept: kept.to_string(),
                    other_key: k.key().to_owned(),
                    other: other.to_string(),
                });
            }
        }
        Some(kept)
    }

    fn invocation(&mut self) -> &Invocation {
        let scan = self.scan;
        self.invocation.get_or_insert_with(|| {
            let Some(text) = scan.str(K::LLM_INVOCATION_PARAMETERS) else {
                return Invocation::default();
            };
            let Ok(serde_json::Value::Object(map)) = serde_json::from_str(text) else {
                return Invocation::default();
            };
            Invocation {
                model: map
                    .get("model")
                    .or_else(|| map.get("model_name"))
                    .and_then(serde_json::Value::as_str)
                    .filter(|m| !m.is_empty())
                    .map(str::to_owned),
                stream: map.get("stream").and_then(serde_json::Value::as_bool),
            }
        })
    }

    /// Like [`Resolver::pick`], mapping each present value to its canonical form; absent keys
    /// cost one slot check.
    fn pick_mapped(
        &mut self,
        field: &'static str,
        candidates: &[(K, Mapper)],
        ctx: Ctx,
    ) -> Option<Cow<'static, str>> {
        let s = self.scan;
        let mut kept: Option<(K, Cow<'static, str>)> = None;
        for (k, map) in candidates {
            if !s.has(*k) {
                continue;
            }
            let Some(value) = s.str(*k).and_then(|raw| map(raw, ctx)) else {
                continue;
            };
            match &kept {
                None => kept = Some((*k, value)),
                Some((kept_key, kept_value)) => {
                    if *kept_value != value {
                        self.report.conflicts.push(Conflict {
                            field: field.to_owned(),
                            kept_key: kept_key.key().to_owned(),
                            kept: kept_value.to_string(),
                            other_key: k.key().to_owned(),
                            other: value.to_string(),
                        });
                    }
                }
            }
        }
        kept.map(|(_, v)| v)
    }

    fn provider(&mut self) -> Option<Cow<'static, str>> {
        fn provider(raw: &str, _: Ctx) -> Option<Cow<'static, str>> {
            canonical_provider(raw)
        }
        const WITH_SYSTEM: [(K, Mapper); 5] = [
            (K::PROVIDER, provider),
            (K::SYSTEM, provider),
            (K::LLM_PROVIDER, provider),
            (K::LLM_SYSTEM, provider),
            (K::AI_MODEL_PROVIDER, provider),
        ];
        // OpenInference's `llm.system` names the API family; with `llm.provider` it is no provider.
        const WITHOUT_SYSTEM: [(K, Mapper); 4] = [
            (K::PROVIDER, provider),
            (K::SYSTEM, provider),
            (K::LLM_PROVIDER, provider),
            (K::AI_MODEL_PROVIDER, provider),
        ];
        let candidates: &[(K, Mapper)] = if self.scan.has(K::LLM_PROVIDER) {
            &WITHOUT_SYSTEM
        } else {
            &WITH_SYSTEM
        };
        self.pick_mapped("gen_ai.provider.name", candidates, Ctx::default())
    }

    fn operation(&mut self, root: bool, vector_query: bool) -> Option<Cow<'static, str>> {
        const CANDIDATES: [(K, Mapper); 6] = [
            (K::OPERATION, |raw, ctx| {
                canonical_operation(raw).map(|op| vectordb(op, ctx.vector_query))
            }),
            (K::LLM_REQUEST_TYPE, |raw, _| openllmetry_request_type(raw)),
            (K::OI_SPAN_KIND, |raw, ctx| {
                openinference_kind(raw, ctx.root)
            }),
            (K::TRACELOOP_SPAN_KIND, |raw, ctx| {
                traceloop_kind(raw, ctx.root)
            }),
            (K::LF_OBSERVATION_TYPE, |raw, ctx| {
                langfuse_type(raw, ctx.root)
            }),
            (K::AI_OPERATION_ID, |raw, _| vercel_operation(raw)),
        ];
        let s = self.scan;
        let ctx = Ctx { root, vector_query };
        let mut explicit = self.pick_mapped("gen_ai.operation.name", &CANDIDATES, ctx);
        if explicit.is_none() {
            // Older Vercel spans name the operation id only in `operation.name`.
            explicit = s
                .str(K::AI_OPERATION_NAME)
                .and_then(|name| name.split_whitespace().next())
                .filter(|id| id.starts_with("ai."))
                .and_then(vercel_operation);
        }
        if explicit.is_some() {
            return explicit;
        }
        // Fallbacks, most specific first; none of them records conflicts.
        if let Some(first) = self.span.name.split_whitespace().next()
            && let Some(known) = crate::names::WELL_KNOWN_OPERATIONS
                .iter()
                .find(|o| **o == first)
        {
            return Some(Cow::Borrowed(known));
        }
        if (self.report.dialects.contains(Dialect::Openllmetry)
            || self.report.dialects.contains(Dialect::OtelLegacy))
            && let Some((_, suffix)) = self.span.name.rsplit_once('.')
        {
            let op = match suffix {
                "chat" | "response" | "converse" | "messages" => Some("chat"),
                "completion" => Some("text_completion"),
                "embeddings" | "embedding" => Some("embeddings"),
                _ => None,
            };
            if let Some(op) = op {
                return Some(Cow::Borrowed(op));
            }
        }
        if vector_query || !self.facts.documents.is_empty() {
            return Some(Cow::Borrowed("retrieval"));
        }
        if s.has(K::EMBEDDING_MODEL_NAME) {
            return Some(Cow::Borrowed("embeddings"));
        }
        if [
            K::REQUEST_MODEL,
            K::RESPONSE_MODEL,
            K::LLM_MODEL_NAME,
            K::AI_MODEL_ID,
            K::LF_MODEL,
        ]
        .iter()
        .any(|k| s.has(*k))
        {
            return Some(Cow::Borrowed("chat"));
        }
        if s.has(K::TOOL_NAME) || s.has(K::TOOL_CALL_ID) {
            return Some(Cow::Borrowed("execute_tool"));
        }
        if s.has(K::AGENT_NAME) {
            return Some(Cow::Borrowed("invoke_agent"));
        }
        None
    }

    fn usage(&mut self, op: Option<&str>, provider: Option<&str>) -> flightdeck_model::Usage {
        let s = self.scan;
        let mut reported = usage::Reported {
            input: self.pick_count(
                "gen_ai.usage.input_tokens",
                &[
                    K::INPUT_TOKENS,
                    K::PROMPT_TOKENS,
                    K::TOKEN_COUNT_PROMPT,
                    K::AI_INPUT_TOKENS,
                    K::AI_PROMPT_TOKENS,
                ],
            ),
            output: self.pick_count(
                "gen_ai.usage.output_tokens",
                &[
                    K::OUTPUT_TOKENS,
                    K::COMPLETION_TOKENS,
                    K::TOKEN_COUNT_COMPLETION,
                    K::AI_OUTPUT_TOKENS,
                    K::AI_COMPLETION_TOKENS,
                ],
            ),
            cache_read: self.pick_count(
                "gen_ai.usage.cache_read.input_tokens",
                &[
                    K::CACHE_READ,
                    K::CACHE_READ_FLAT,
                    K::TOKEN_COUNT_CACHE_READ,
                    K::AI_CACHE_READ_TOKENS,
                    K::AI_CACHED_INPUT_TOKENS,
                    K::OPENLIT_CACHED,
                ],
            ),
            cache_write: self.pick_count(
                "gen_ai.usage.cache_write.input_tokens",
                &[
                    K::CACHE_WRITE,
                    K::CACHE_CREATION,
                    K::CACHE_WRITE_FLAT,
                    K::CACHE_CREATION_FLAT,
                    K::TOKEN_COUNT_CACHE_WRITE,
                    K::AI_CACHE_WRITE_TOKENS,
                    K::OPENLIT_CACHE_CREATION,
                ],
            ),
            reasoning: self.pick_count(
                "gen_ai.usage.reasoning.output_tokens",
                &[
                    K::REASONING,
                    K::REASONING_FLAT,
                    K::LLM_USAGE_REASONING,
                    K::TOKEN_COUNT_REASONING,
                    K::AI_OUTPUT_REASONING_TOKENS,
                    K::AI_REASONING_TOKENS,
                    K::OPENLIT_REASONING,
                ],
            ),
            total: self.pick_count(
                "gen_ai.usage.total_tokens",
                &[
                    K::TOTAL_TOKENS,
                    K::LLM_USAGE_TOTAL,
                    K::TOKEN_COUNT_TOTAL,
                    K::AI_TOTAL_TOKENS,
                ],
            ),
            ..usage::Reported::default()
        };
        if matches!(op, Some("embeddings" | "embed")) {
            reported.input_only = true;
            // Vercel `embed` spans count their input as `ai.usage.tokens`.
            if reported.input.is_none() {
                reported.input = s.count(K::AI_TOKENS);
            }
        }
        if let Some(no_cache) = s.count(K::AI_NO_CACHE_TOKENS) {
            // Rule 1: AI SDK 6 splits the input explicitly.
            let inclusive = no_cache
                .saturating_add(reported.cache_read.unwrap_or(0))
                .saturating_add(reported.cache_write.unwrap_or(0));
            if reported.input != Some(inclusive) {
                self.report
                    .derived
                    .insert(Derivation::InputTokensMadeInclusive);
            }
            reported.input = Some(inclusive);
        } else if self.report.dialects.contains(Dialect::VercelAi)
            && matches!(provider, Some("anthropic" | "aws.bedrock"))
            && (s.has(K::AI_INPUT_TOKENS) || s.has(K::AI_PROMPT_TOKENS))
        {
            // Rule 2: AI SDK ≤ 5 passes Anthropic's and Bedrock's exclusive counts through.
            reported.input_exclusive = true;
            if reported.cache_write.is_none() {
                reported.cache_write = s
                    .str(K::AI_PROVIDER_METADATA)
                    .and_then(usage::vercel_cache_write);
            }
        }
        if reported.input.is_none()
            && reported.output.is_none()
            && let Some(details) = s.str(K::LF_USAGE)
        {
            // Rule 3: Langfuse's own usage model.
            let lf = usage::langfuse(details);
            reported = usage::Reported {
                cache_read: reported.cache_read.or(lf.cache_read),
                cache_write: reported.cache_write.or(lf.cache_write),
                reasoning: reported.reasoning.or(lf.reasoning),
                total: reported.total.or(lf.total),
                input_only: reported.input_only,
                ..lf
            };
        }
        usage::canonical(reported, &mut self.report.derived)
    }

    fn streaming(&mut self) -> Option<bool> {
        let s = self.scan;
        let explicit = self.pick(
            "gen_ai.request.stream",
            [
                K::REQUEST_STREAM,
                K::IS_STREAMING,
                K::LLM_IS_STREAMING,
                K::OPENLIT_IS_STREAM,
            ]
            .map(|k| (k, s.bool(k))),
        );
        if explicit.is_some() {
            return explicit;
        }
        if s.has(K::LLM_INVOCATION_PARAMETERS)
            && let Some(stream) = self.invocation().stream
        {
            return Some(stream);
        }
        if let Some(id) = s.str(K::AI_OPERATION_ID)
            && (id.starts_with("ai.stream") || id.ends_with(".doStream"))
        {
            return Some(true);
        }
        (self.facts.first_chunk_ns.is_some()).then_some(true)
    }

    fn time_to_first_chunk(&mut self) -> Option<f64> {
        const KEYS: [K; 6] = [
            K::TTFC,
            K::VERCEL_TTFC,
            K::OPENLIT_TTFT,
            K::AI_MS_TO_FIRST_CHUNK,
            K::AI_STREAM_MS_TO_FIRST_CHUNK,
            K::LF_COMPLETION_START,
        ];
        let s = self.scan;
        if !KEYS.iter().any(|k| s.has(*k)) {
            return self.time_to_first_chunk_from_events();
        }
        let ms = |k: K| s.seconds(k).map(|ms| ms / 1000.0);
        let candidates = [
            (K::TTFC, s.seconds(K::TTFC)),
            (K::VERCEL_TTFC, s.seconds(K::VERCEL_TTFC)),
            (K::OPENLIT_TTFT, s.seconds(K::OPENLIT_TTFT)),
            (K::AI_MS_TO_FIRST_CHUNK, ms(K::AI_MS_TO_FIRST_CHUNK)),
            (
                K::AI_STREAM_MS_TO_FIRST_CHUNK,
                ms(K::AI_STREAM_MS_TO_FIRST_CHUNK),
            ),
            (
                K::LF_COMPLETION_START,
                s.str(K::LF_COMPLETION_START)
                    .and_then(|t| seconds_since(t, self.span.start)),
            ),
        ];
        let mut kept: Option<(K, f64)> = None;
        for (k, value) in candidates {
            let Some(value) = value else { continue };
            match kept {
                None => kept = Some((k, value)),
                // A millisecond of rounding between units is not a disagreement.
                Some((kept_key, kept_value)) if (kept_value - value).abs() > 1e-3 => {
                    self.report.conflicts.push(Conflict {
                        field: "gen_ai.response.time_to_first_chunk".to_owned(),
                        kept_key: kept_key.key().to_owned(),
                        kept: kept_value.to_string(),
                        other_key: k.key().to_owned(),
                        other: value.to_string(),
                    });
                }
                Some(_) => {}
            }
        }
        if let Some((_, value)) = kept {
            return Some(value);
        }
        self.time_to_first_chunk_from_events()
    }

    fn time_to_first_chunk_from_events(&mut self) -> Option<f64> {
        let first = self.facts.first_chunk_ns?;
        let start = self.span.start;
        (first >= start).then(|| {
            self.report
                .derived
                .insert(Derivation::TimeToFirstChunkFromEvents);
            (first - start) as f64 / 1e9
        })
    }

    fn finish_reasons(&mut self) -> Vec<String> {
        const SINGLE: [K; 6] = [
            K::FINISH_REASON_SINGULAR,
            K::LLM_RESPONSE_FINISH_REASON,
            K::LLM_FINISH_REASON,
            K::AI_FINISH_REASON,
            K::AI_FINISH_REASON_OLD,
            K::LLM_RESPONSE_STOP_REASON,
        ];
        let s = self.scan;
        let mut kept: Option<(&'static str, Vec<String>)> = None;
        if s.has(K::FINISH_REASONS) {
            let list = string_list(s.value(K::FINISH_REASONS));
            self.keep_list(&mut kept, K::FINISH_REASONS.key(), list);
        }
        for k in SINGLE {
            if let Some(reason) = s.str(k) {
                self.keep_list(&mut kept, k.key(), vec![canonical_finish_reason(reason)]);
            }
        }
        if !s.indexed_finish_reasons.is_empty() {
            let mut indexed: Vec<(u32, &AttrValue)> = s.indexed_finish_reasons.clone();
            indexed.sort_by_key(|(i, _)| *i);
            let list = indexed
                .iter()
                .filter_map(|(_, v)| v.as_str())
                .map(canonical_finish_reason)
                .collect();
            self.keep_list(&mut kept, "gen_ai.completion.{i}.finish_reason", list);
        }
        kept.map(|(_, v)| v).unwrap_or_default()
    }

    /// Keeps the first non-empty list of finish reasons and records later ones that differ.
    fn keep_list(
        &mut self,
        kept: &mut Option<(&'static str, Vec<String>)>,
        key: &'static str,
        list: Vec<String>,
    ) {
        if list.is_empty() {
            return;
        }
        match kept {
            None => *kept = Some((key, list)),
            Some((kept_key, kept_list)) => {
                if *kept_list != list {
                    self.report.conflicts.push(Conflict {
                        field: "gen_ai.response.finish_reasons".to_owned(),
                        kept_key: (*kept_key).to_owned(),
                        kept: kept_list.join(","),
                        other_key: key.to_owned(),
                        other: list.join(","),
                    });
                }
            }
        }
    }

    fn output_tokens_per_second(
        &mut self,
        op: Option<&str>,
        output_tokens: Option<i64>,
        streaming: Option<bool>,
        ttft: Option<f64>,
    ) -> Option<f64> {
        let s = self.scan;
        if let Some(reported) = [K::AI_AVG_OUTPUT_TPS, K::AI_AVG_COMPLETION_TPS, K::TOAD_TPS]
            .iter()
            .find_map(|k| s.seconds(*k))
        {
            return Some(reported);
        }
        if !op.is_some_and(is_inference) {
            return None;
        }
        let output = output_tokens.filter(|o| *o > 0)?;
        let duration = self.span.end.saturating_sub(self.span.start) as f64 / 1e9;
        let generating = match (streaming, ttft) {
            (Some(true), Some(ttft)) => duration - ttft,
            _ => duration,
        };
        (generating > 0.0).then(|| {
            self.report
                .derived
                .insert(Derivation::OutputTokensPerSecond);
            output as f64 / generating
        })
    }

    fn retrieval(&mut self, op: Option<&str>) -> Retrieval {
        let s = self.scan;
        let data_source = first_str(
            s,
            &[
                K::DATA_SOURCE,
                K::DB_COLLECTION,
                K::DB_NAMESPACE,
                K::DB_SYSTEM_NAME,
                K::DB_SYSTEM,
            ],
        );
        let oi_retriever = s
            .str(K::OI_SPAN_KIND)
            .is_some_and(|k| k.eq_ignore_ascii_case("RETRIEVER"));
        let query = first_str(s, &[K::RETRIEVAL_QUERY, K::OPENLIT_RETRIEVAL_QUERY]).or_else(|| {
            oi_retriever
                .then(|| s.str(K::INPUT_VALUE))
                .flatten()
                .map(str::to_owned)
        });
        let top_k = s
            .count(K::RETRIEVAL_TOP_K)
            .or_else(|| {
                (op == Some("retrieval"))
                    .then(|| s.count(K::REQUEST_TOP_K))
                    .flatten()
            })
            .or_else(|| s.count(K::DB_VECTOR_TOP_K));
        let documents = s
            .value(K::RETRIEVAL_DOCUMENTS)
            .map(documents_from_value)
            .filter(|d| !d.is_empty())
            .or_else(|| (!s.documents.is_empty()).then(|| documents_from_indexed(&s.documents)))
            .unwrap_or_else(|| documents_from_events(self.facts));
        Retrieval {
            data_source,
            query,
            top_k,
            documents,
        }
    }
}

fn first_str(scan: &Scan<'_>, keys: &[K]) -> Option<String> {
    keys.iter().find_map(|k| scan.str(*k)).map(str::to_owned)
}

/// OpenLIT's `vectordb` operation is a retrieval when the span is a vector-store query.
fn vectordb(op: Cow<'static, str>, vector_query: bool) -> Cow<'static, str> {
    if vector_query && op == "vectordb" {
        Cow::Borrowed("retrieval")
    } else {
        op
    }
}

fn openllmetry_request_type(value: &str) -> Option<Cow<'static, str>> {
    match value {
        "chat" => Some(Cow::Borrowed("chat")),
        "completion" => Some(Cow::Borrowed("text_completion")),
        "embedding" => Some(Cow::Borrowed("embeddings")),
        "rerank" => Some(Cow::Borrowed("rerank")),
        "unknown" => None,
        other => canonical_operation(other),
    }
}

/// OpenInference span kinds. A root `CHAIN` is the workflow entry point; nested chains are
/// intermediate steps (custom operation `task`).
fn openinference_kind(kind: &str, root: bool) -> Option<Cow<'static, str>> {
    let op = match kind.to_ascii_uppercase().as_str() {
        "LLM" => "chat",
        "EMBEDDING" => "embeddings",
        "TOOL" => "execute_tool",
        "AGENT" => "invoke_agent",
        "RETRIEVER" => "retrieval",
        "RERANKER" => "rerank",
        "CHAIN" if root => "invoke_workflow",
        "CHAIN" => "task",
        "GUARDRAIL" => "guardrail",
        "EVALUATOR" => "evaluation",
        "PROMPT" => "prompt",
        _ => return None,
    };
    Some(Cow::Borrowed(op))
}

fn traceloop_kind(kind: &str, _root: bool) -> Option<Cow<'static, str>> {
    let op = match kind {
        "workflow" => "invoke_workflow",
        "agent" => "invoke_agent",
        "tool" => "execute_tool",
        "task" => "task",
        _ => return None,
    };
    Some(Cow::Borrowed(op))
}

fn langfuse_type(kind: &str, root: bool) -> Option<Cow<'static, str>> {
    let op = match kind {
        "generation" => "chat",
        "embedding" => "embeddings",
        "agent" => "invoke_agent",
        "tool" => "execute_tool",
        "chain" if root => "invoke_workflow",
        "chain" => "task",
        "retriever" => "retrieval",
        "evaluator" => "evaluation",
        "guardrail" => "guardrail",
        _ => return None,
    };
    Some(Cow::Borrowed(op))
}

/// Vercel AI SDK operation ids. The outer `generateText` / `streamText` / `*Object` spans drive a
/// multi-step agent loop (`invoke_agent`, as the SDK's own GenAI integration names them); the
/// inner `doGenerate` / `doStream` spans are the model calls. The outer `embed` span wraps the
/// `doEmbed` calls and gets the custom operation `embed` so its usage is not counted twice.
fn vercel_operation(id: &str) -> Option<Cow<'static, str>> {
    let id = id.strip_prefix("ai.")?;
    let op = match id {
        "generateText" | "streamText" | "generateObject" | "streamObject" => "invoke_agent",
        "embed" | "embedMany" => "embed",
        "embed.doEmbed" | "embedMany.doEmbed" => "embeddings",
        "toolCall" => "execute_tool",
        _ if id.ends_with(".doGenerate") || id.ends_with(".doStream") => "chat",
        _ if id.starts_with("rerank") => "rerank",
        _ => return None,
    };
    Some(Cow::Borrowed(op))
}

/// Reads a string array, also accepting a single string or a JSON-encoded array; values are
/// normalized finish reasons.
fn string_list(value: Option<&AttrValue>) -> Vec<String> {
    match value {
        Some(AttrValue::Array(items)) => items
            .iter()
            .filter_map(|v| match v {
                AttrValue::Str(s) => Some(canonical_finish_reason(s)),
                AttrValue::Empty => None,
                other => Some(other.to_display_string()),
            })
            .collect(),
        Some(AttrValue::Str(s)) if s.trim_ascii_start().starts_with('[') => {
            serde_json::from_str::<Vec<String>>(s)
                .map(|v| v.iter().map(|r| canonical_finish_reason(r)).collect())
                .unwrap_or_else(|_| vec![s.clone()])
        }
        Some(AttrValue::Str(s)) if !s.trim_ascii().is_empty() => {
            vec![canonical_finish_reason(s.trim_ascii())]
        }
        _ => Vec::new(),
    }
}

/// Seconds from `start_ns` to an RFC 3339 timestamp (Langfuse's completion start time, possibly
/// JSON-quoted by older SDKs).
fn seconds_since(timestamp: &str, start_ns: u64) -> Option<f64> {
    let t = timestamp.trim().trim_matches('"');
    let t = t
        .strip_suffix("+00:00")
        .map(|head| format!("{head}Z"))
        .unwrap_or_else(|| t.to_owned());
    let at = humantime::parse_rfc3339_weak(&t).ok()?;
    let ns = at.duration_since(std::time::UNIX_EPOCH).ok()?.as_nanos();
    let ns = u64::try_from(ns).ok()?;
    (ns >= start_ns).then(|| (ns - start_ns) as f64 / 1e9)
}

fn cut(text: &str) -> String {
    if text.len() <= MAX_DOCUMENT_CONTENT_BYTES {
        return text.to_owned();
    }
    let mut end = MAX_DOCUMENT_CONTENT_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

fn id_string(value: &AttrValue) -> Option<String> {
    match value {
        AttrValue::Str(s) if !s.is_empty() => Some(s.clone()),
        AttrValue::Int(i) => Some(i.to_string()),
        _ => None,
    }
}

fn json_id(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `gen_ai.retrieval.documents`: structured or a JSON string, `[{"id", "score", "content"?}]`.
fn documents_from_value(value: &AttrValue) -> Vec<RetrievedDocument> {
    let json = match value {
        AttrValue::Str(s) => {
            // The usual shape parses straight into documents, without building a JSON map
            // per document.
            if let Ok(docs) = serde_json::from_str::<Vec<DocumentJson>>(s) {
                return docs
                    .into_iter()
                    .take(MAX_DOCUMENTS)
                    .map(DocumentJson::into_document)
                    .collect();
            }
            match serde_json::from_str::<serde_json::Value>(s) {
                Ok(v) => v,
                Err(_) => return Vec::new(),
            }
        }
        other => other.to_json(),
    };
    let serde_json::Value::Array(items) = json else {
        return Vec::new();
    };
    items
        .iter()
        .take(MAX_DOCUMENTS)
        .filter_map(|item| {
            let obj = item.as_object()?;
            let content = ["content", "text", "document"]
                .iter()
                .find_map(|k| obj.get(*k).and_then(serde_json::Value::as_str))
                .map(cut);
            Some(RetrievedDocument {
                id: obj.get("id").and_then(json_id),
                score: obj
                    .get("score")
                    .and_then(serde_json::Value::as_f64)
                    .filter(|s| s.is_finite()),
                content,
            })
        })
        .collect()
}

/// One entry of `gen_ai.retrieval.documents` sent as a JSON string.
#[derive(serde::Deserialize)]
struct DocumentJson {
    #[serde(default)]
    id: Scalar,
    #[serde(default)]
    score: Scalar,
    #[serde(default)]
    content: Scalar,
    #[serde(default)]
    text: Scalar,
    #[serde(default)]
    document: Scalar,
}

impl DocumentJson {
    fn into_document(self) -> RetrievedDocument {
        let content = [self.content, self.text, self.document]
            .into_iter()
            .find_map(|v| match v {
                Scalar::Str(s) => Some(cut(&s)),
                _ => None,
            });
        RetrievedDocument {
            id: match self.id {
                Scalar::Str(s) if !s.is_empty() => Some(s),
                Scalar::Int(i) => Some(i.to_string()),
                _ => None,
            },
            score: match self.score {
                Scalar::Int(i) => Some(i as f64),
                Scalar::Float(f) if f.is_finite() => Some(f),
                _ => None,
            },
            content,
        }
    }
}

/// A JSON leaf read without building a `serde_json::Value`; objects and arrays are skipped.
#[derive(Default)]
enum Scalar {
    #[default]
    None,
    Str(String),
    Int(i64),
    Float(f64),
}

impl<'de> serde::Deserialize<'de> for Scalar {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Scalar;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_str<E>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar::Str(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<Scalar, E> {
                Ok(Scalar::Str(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar::Int(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Scalar, E> {
                Ok(i64::try_from(v).map_or(Scalar::Float(v as f64), Scalar::Int))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar::Float(v))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Scalar, E> {
                Ok(Scalar::None)
            }
            fn visit_unit<E>(self) -> Result<Scalar, E> {
                Ok(Scalar::None)
            }
            fn visit_none<E>(self) -> Result<Scalar, E> {
                Ok(Scalar::None)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Scalar, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(Scalar::None)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Scalar, A::Error> {
                while map
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(Scalar::None)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

fn documents_from_indexed(fields: &[(u32, DocField, &AttrValue)]) -> Vec<RetrievedDocument> {
    let mut sorted: Vec<&(u32, DocField, &AttrValue)> = fields.iter().collect();
    sorted.sort_by_key(|(i, _, _)| *i);
    let mut documents: Vec<RetrievedDocument> = Vec::new();
    let mut current: Option<u32> = None;
    for (index, field, value) in sorted {
        if current != Some(*index) {
            if documents.len() == MAX_DOCUMENTS {
                break;
            }
            documents.push(RetrievedDocument::default());
            current = Some(*index);
        }
        let Some(doc) = documents.last_mut() else {
            continue;
        };
        match field {
            DocField::Id => doc.id = id_string(value),
            DocField::Score => doc.score = value.as_f64().filter(|s| s.is_finite()),
            DocField::Content => doc.content = value.as_str().map(cut),
        }
    }
    documents
}

fn documents_from_events(facts: &EventFacts<'_>) -> Vec<RetrievedDocument> {
    facts
        .documents
        .iter()
        .take(MAX_DOCUMENTS)
        .map(|(id, score, content)| RetrievedDocument {
            id: id.and_then(id_string),
            score: score.and_then(AttrValue::as_f64).filter(|s| s.is_finite()),
            content: content.and_then(AttrValue::as_str).map(cut),
        })
        .collect()
}

/// Reads the typed GenAI view from a bare attribute list (no events, times or status): the view
/// [`Normalizer::analyze`] computes for a root span with these attributes and nothing else.
pub fn extract_current(attrs: &Attributes) -> GenAi {
    let mut genai = GenAi::default();
    analyze_into(
        &Parts {
            attributes: attrs,
            events: &[],
            name: "",
            root: true,
            start: 0,
            end: 0,
            error: false,
            scope_name: "",
        },
        &mut genai,
    );
    genai
}

#[cfg(test)]
mod tests {
    use super::*;
    use flightdeck_model::KeyValue;

    fn attrs(pairs: Vec<KeyValue>) -> Attributes {
        pairs.into_iter().collect()
    }

    /// Current-convention keys fill every typed field; negative counts are ignored.
    #[test]
    fn reads_current_conventions() {
        let a = attrs(vec![
            KeyValue::new("gen_ai.operation.name", "chat"),
            KeyValue::new("gen_ai.provider.name", "openai"),
            KeyValue::new("gen_ai.request.model", "gpt-4o-mini"),
            KeyValue::new("gen_ai.response.model", "gpt-4o-mini-2024-07-18"),
            KeyValue::new("gen_ai.usage.input_tokens", 21i64),
            KeyValue::new("gen_ai.usage.output_tokens", "8"),
            KeyValue::new("gen_ai.usage.cache_read.input_tokens", -1i64),
            KeyValue::new(
                "gen_ai.response.finish_reasons",
                AttrValue::Array(vec!["stop".into(), "length".into()]),
            ),
            KeyValue::new("gen_ai.response.time_to_first_chunk", 0.25f64),
            KeyValue::new("error.type", "RateLimitError"),
        ]);
        let g = extract_current(&a);
        assert_eq!(g.operation.as_deref(), Some("chat"));
        assert_eq!(g.model(), Some("gpt-4o-mini"));
        assert_eq!(g.model_family.as_deref(), Some("gpt-4o-mini"));
        assert_eq!(g.usage.input_tokens, Some(21));
        assert_eq!(g.usage.output_tokens, Some(8));
        assert_eq!(g.usage.cache_read_input_tokens, None);
        assert_eq!(g.finish_reasons, vec!["stop", "length"]);
        assert_eq!(g.time_to_first_chunk, Some(0.25));
        assert_eq!(g.error_type.as_deref(), Some("RateLimitError"));
        assert!(!g.usage_missing);
    }

    /// A plain HTTP span stays without a GenAI view even when it has `error.type`, `user.id` and
    /// `session.id`.
    #[test]
    fn non_genai_span_stays_empty() {
        let a = attrs(vec![
            KeyValue::new("http.request.method", "GET"),
            KeyValue::new("error.type", "500"),
            KeyValue::new("user.id", "u1"),
            KeyValue::new("session.id", "s1"),
        ]);
        assert!(extract_current(&a).is_empty());
    }

    /// A vector-store query span of OpenLLMetry's shape is a retrieval with its documents from
    /// result events.
    #[test]
    fn vector_store_query_is_retrieval() {
        let a = attrs(vec![
            KeyValue::new("db.system", "pinecone"),
            KeyValue::new("db.operation", "query"),
        ]);
        let g = extract_current(&a);
        assert_eq!(g.operation.as_deref(), Some("retrieval"));
        assert_eq!(
            g.retrieval.and_then(|r| r.data_source).as_deref(),
            Some("pinecone")
        );
    }

    /// Vercel operation ids classify outer agent loops, inner model calls and embeddings apart.
    #[test]
    fn vercel_operations() {
        assert_eq!(
            vercel_operation("ai.streamText").as_deref(),
            Some("invoke_agent")
        );
        assert_eq!(
            vercel_operation("ai.streamText.doStream").as_deref(),
            Some("chat")
        );
        assert_eq!(
            vercel_operation("ai.generateObject.doGenerate").as_deref(),
            Some("chat")
        );
        assert_eq!(vercel_operation("ai.embedMany").as_deref(), Some("embed"));
        assert_eq!(
            vercel_operation("ai.embedMany.doEmbed").as_deref(),
            Some("embeddings")
        );
        assert_eq!(
            vercel_operation("ai.toolCall").as_deref(),
            Some("execute_tool")
        );
        assert_eq!(vercel_operation("generateText"), None);
    }

    /// Langfuse's ISO completion start time, JSON-quoted or with a `+00:00` offset, gives seconds
    /// since the span start: 12:00:00.250 − 12:00:00.000 = 0.25 s.
    #[test]
    fn langfuse_completion_start() {
        // 2024-01-01T12:00:00Z in nanoseconds
        let start = 1_704_110_400_000_000_000u64;
        let plain = seconds_since("2024-01-01T12:00:00.250Z", start).unwrap();
        assert!((plain - 0.25).abs() < 1e-9);
        let quoted = seconds_since("\"2024-01-01T12:00:00.250+00:00\"", start).unwrap();
        assert!((quoted - 0.25).abs() < 1e-9);
        assert_eq!(seconds_since("yesterday", start), None);
    }
}
