//! One test per provider usage shape: a realistic native usage object goes through its
//! converter and the shipped catalog, and the cost is checked against a hand computation (prices
//! in US dollars per million tokens, as the catalog lists them on the test date).

#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers of tests

use flightdeck_model::{Attributes, Cost, GenAi, KeyValue, Usage};
use flightdeck_pricing::shapes::{UsageShape, usage_from_json};
use flightdeck_pricing::{Catalog, CostOptions, TokenUsage};
use serde_json::json;

/// 2026-06-01T12:00:00Z.
const AT: u64 = 1_780_315_200 * 1_000_000_000;

fn price(provider: &str, model: &str, shape: UsageShape, native: serde_json::Value) -> Cost {
    let usage = usage_from_json(shape, &native).unwrap();
    let catalog = Catalog::builtin().unwrap();
    let detail = catalog
        .cost(
            Some(provider),
            model,
            &usage,
            AT,
            &[],
            &CostOptions::default(),
        )
        .unwrap_or_else(|| panic!("{provider} {model} has a price"));
    assert_eq!(detail.unpriced_tokens, 0);
    assert!(
        detail.repair.is_clean(),
        "converted usage is consistent: {:?}",
        detail.repair
    );
    detail.cost
}

fn assert_close(actual: f64, expected: f64, what: &str) {
    assert!(
        (actual - expected).abs() <= 1e-9 * expected.abs().max(1e-6),
        "{what}: got {actual}, expected {expected}"
    );
}

/// Checks every part and that the parts add up to the total.
fn assert_cost(
    c: &Cost,
    input: f64,
    cache_read: f64,
    cache_write: f64,
    output: f64,
    reasoning: f64,
) {
    assert_close(c.input, input, "input");
    assert_close(c.cache_read, cache_read, "cache_read");
    assert_close(c.cache_write, cache_write, "cache_write");
    assert_close(c.output, output, "output");
    assert_close(c.reasoning, reasoning, "reasoning");
    assert_close(
        c.total,
        input + cache_read + cache_write + output + reasoning,
        "total",
    );
}

/// OpenAI Chat Completions: `prompt_tokens` already includes `cached_tokens`.
#[test]
fn openai_chat_cached_prompt() {
    let c = price(
        "openai",
        "gpt-4o-2024-08-06",
        UsageShape::OpenAiChat,
        json!({"prompt_tokens": 12480, "completion_tokens": 730, "total_tokens": 13210,
               "prompt_tokens_details": {"cached_tokens": 10240, "audio_tokens": 0},
               "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                   "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}}),
    );
    // gpt-4o: input 2.50, cached 1.25, output 10.
    // uncached (12480 − 10240) = 2240 × 2.50 = $0.0056
    // cached 10240 × 1.25 = $0.0128
    // output 730 × 10 = $0.0073                              total $0.0257
    assert_cost(&c, 0.0056, 0.0128, 0.0, 0.0073, 0.0);
    assert_close(c.total, 0.0257, "total");
    assert_eq!(c.priced_as, "openai/gpt-4o");
}

/// OpenAI Responses with a reasoning model: `output_tokens` includes `reasoning_tokens`.
#[test]
fn openai_responses_reasoning() {
    let c = price(
        "openai",
        "o4-mini-2025-04-16",
        UsageShape::OpenAiResponses,
        json!({"input_tokens": 3200, "input_tokens_details": {"cached_tokens": 1024},
               "output_tokens": 2150, "output_tokens_details": {"reasoning_tokens": 1792},
               "total_tokens": 5350}),
    );
    // o4-mini: input 1.10, cached 0.275, output 4.40 (reasoning priced as output).
    // uncached 2176 × 1.10 = $0.0023936
    // cached 1024 × 0.275 = $0.0002816
    // visible output (2150 − 1792) = 358 × 4.40 = $0.0015752
    // reasoning 1792 × 4.40 = $0.0078848                    total $0.0121352
    assert_cost(&c, 0.0023936, 0.0002816, 0.0, 0.0015752, 0.0078848);
    assert_close(c.total, 0.0121352, "total");
}

/// OpenAI Realtime: per-modality input, cache and output prices.
#[test]
fn openai_realtime_audio() {
    let c = price(
        "openai",
        "gpt-realtime",
        UsageShape::OpenAiRealtime,
        json!({"total_tokens": 4050, "input_tokens": 2900, "output_tokens": 1150,
               "input_token_details": {"text_tokens": 900, "audio_tokens": 2000, "image_tokens": 0,
                   "cached_tokens": 1600,
                   "cached_tokens_details": {"text_tokens": 400, "audio_tokens": 1200, "image_tokens": 0}},
               "output_token_details": {"text_tokens": 150, "audio_tokens": 1000}}),
    );
    // gpt-realtime: text in 4, cached text 0.40, audio in 32, cached audio 0.40, text out 16,
    // audio out 64.
    // uncached audio (2000 − 1200) = 800 × 32 = $0.0256
    // uncached text (2900 − 1600 − 800) = 500 × 4 = $0.002   input $0.0276
    // cached audio 1200 × 0.40 = $0.00048; cached text 400 × 0.40 = $0.00016   cache $0.00064
    // audio out 1000 × 64 = $0.064; text out 150 × 16 = $0.0024               output $0.0664
    assert_cost(&c, 0.0276, 0.00064, 0.0, 0.0664, 0.0);
    assert_close(c.total, 0.09464, "total");
}

/// Anthropic: `input_tokens` excludes cache reads and writes; writes split 5-minute / 1-hour.
#[test]
fn anthropic_cache_tiers() {
    let c = price(
        "anthropic",
        "claude-sonnet-4-5-20250929",
        UsageShape::Anthropic,
        json!({"input_tokens": 1840, "output_tokens": 1024,
               "cache_read_input_tokens": 48000, "cache_creation_input_tokens": 6000,
               "cache_creation": {"ephemeral_5m_input_tokens": 2000, "ephemeral_1h_input_tokens": 4000},
               "service_tier": "standard"}),
    );
    // Claude Sonnet 4.5: input 3, cache read 0.30, 5m write 3.75, 1h write 6, output 15.
    // Total input 1840 + 48000 + 6000 = 55840 (< 200k: base tier).
    // uncached 1840 × 3 = $0.00552
    // cache read 48000 × 0.30 = $0.0144
    // writes 2000 × 3.75 + 4000 × 6 = $0.0075 + $0.024 = $0.0315
    // output 1024 × 15 = $0.01536                            total $0.06678
    assert_cost(&c, 0.00552, 0.0144, 0.0315, 0.01536, 0.0);
    assert_close(c.total, 0.06678, "total");
}

/// Anthropic above 200k total input: every token at the long-context price, the threshold
/// counting cached tokens too.
#[test]
fn anthropic_long_context_tier() {
    let c = price(
        "anthropic",
        "claude-sonnet-4-5",
        UsageShape::Anthropic,
        json!({"input_tokens": 150000, "cache_read_input_tokens": 60000, "output_tokens": 2000}),
    );
    // 150000 + 60000 = 210000 > 200000: input 6, cache read 0.60, output 22.50.
    // 150000 × 6 = $0.9; 60000 × 0.60 = $0.036; 2000 × 22.50 = $0.045   total $0.981
    assert_cost(&c, 0.9, 0.036, 0.0, 0.045, 0.0);
}

/// Gemini: `promptTokenCount` includes cached content; thoughts come on top of candidates.
#[test]
fn gemini_thinking_and_cache() {
    let c = price(
        "gcp.gemini",
        "gemini-2.5-pro",
        UsageShape::Gemini,
        json!({"promptTokenCount": 24000, "cachedContentTokenCount": 16000,
               "candidatesTokenCount": 900, "thoughtsTokenCount": 2100, "totalTokenCount": 27000,
               "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 24000}]}),
    );
    // Gemini 2.5 Pro (≤ 200k prompt): input 1.25, cached 0.125, output 10 (thinking included).
    // uncached 8000 × 1.25 = $0.01; cached 16000 × 0.125 = $0.002
    // answer 900 × 10 = $0.009; thoughts 2100 × 10 = $0.021         total $0.042
    assert_cost(&c, 0.01, 0.002, 0.0, 0.009, 0.021);
}

/// Gemini with audio input on Vertex: audio and cached audio have their own prices.
#[test]
fn gemini_audio_on_vertex() {
    let c = price(
        "gcp.vertex_ai",
        "gemini-2.5-flash",
        UsageShape::Gemini,
        json!({"promptTokenCount": 10000, "cachedContentTokenCount": 5000,
               "candidatesTokenCount": 500, "totalTokenCount": 10500,
               "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 4000}, {"modality": "AUDIO", "tokenCount": 6000}],
               "cacheTokensDetails": [{"modality": "TEXT", "tokenCount": 2000}, {"modality": "AUDIO", "tokenCount": 3000}],
               "candidatesTokensDetails": [{"modality": "TEXT", "tokenCount": 500}]}),
    );
    // Gemini 2.5 Flash: text in 0.30, cached text 0.03, audio in 1.00, cached audio 0.10, out 2.50.
    // uncached audio (6000 − 3000) = 3000 × 1 = $0.003
    // uncached text (10000 − 5000 − 3000) = 2000 × 0.30 = $0.0006     input $0.0036
    // cached audio 3000 × 0.10 = $0.0003; cached text 2000 × 0.03 = $0.00006   $0.00036
    // output 500 × 2.50 = $0.00125                                    total $0.00521
    assert_cost(&c, 0.0036, 0.00036, 0.0, 0.00125, 0.0);
}

/// Bedrock Converse: `inputTokens` excludes cache reads and writes.
#[test]
fn bedrock_converse_claude() {
    let c = price(
        "aws.bedrock",
        "anthropic.claude-sonnet-4-5-20250929-v1:0",
        UsageShape::BedrockConverse,
        json!({"inputTokens": 2500, "outputTokens": 800, "totalTokens": 26300,
               "cacheReadInputTokens": 20000, "cacheWriteInputTokens": 3000,
               "cacheDetails": [{"ttl": "5m", "inputTokens": 3000}]}),
    );
    // Bedrock in-region Claude Sonnet 4.5: input 3.30, cache read 0.33, cache write 4.125,
    // output 16.50.
    // 2500 × 3.30 = $0.00825; 20000 × 0.33 = $0.0066; 3000 × 4.125 = $0.012375;
    // 800 × 16.50 = $0.0132                                  total $0.040425
    assert_cost(&c, 0.00825, 0.0066, 0.012375, 0.0132, 0.0);
    assert_eq!(
        c.priced_as,
        "aws/regional.anthropic.claude-sonnet-4-5-20250929-v1:0"
    );
}

/// Cohere v2: the billed units are charged, not the consumed tokens.
#[test]
fn cohere_billed_units() {
    let c = price(
        "cohere",
        "command-r-plus-08-2024",
        UsageShape::Cohere,
        json!({"billed_units": {"input_tokens": 1530, "output_tokens": 412},
               "tokens": {"input_tokens": 1790, "output_tokens": 412}}),
    );
    // Command R+ (08-2024): input 2.50, output 10.
    // 1530 × 2.50 = $0.003825; 412 × 10 = $0.00412          total $0.007945
    assert_cost(&c, 0.003825, 0.0, 0.0, 0.00412, 0.0);
}

/// DeepSeek: cache hits and misses add up to `prompt_tokens`; noon UTC is the peak-price window.
#[test]
fn deepseek_cache_hits() {
    let c = price(
        "deepseek",
        "deepseek-chat",
        UsageShape::DeepSeek,
        json!({"prompt_tokens": 9000, "completion_tokens": 600, "total_tokens": 9600,
               "prompt_cache_hit_tokens": 7000, "prompt_cache_miss_tokens": 2000}),
    );
    // deepseek-chat, 00:30–16:30 UTC: input 0.27, cache hit 0.07, output 1.10.
    // 2000 × 0.27 = $0.00054; 7000 × 0.07 = $0.00049; 600 × 1.10 = $0.00066   total $0.00169
    assert_cost(&c, 0.00054, 0.00049, 0.0, 0.00066, 0.0);
}

/// xAI: `completion_tokens` excludes `reasoning_tokens`, which are billed as output too.
#[test]
fn xai_reasoning_outside_completion() {
    let c = price(
        "x_ai",
        "grok-3-mini",
        UsageShape::XAi,
        json!({"prompt_tokens": 1200, "completion_tokens": 150, "total_tokens": 2300,
               "prompt_tokens_details": {"text_tokens": 1200, "audio_tokens": 0, "image_tokens": 0, "cached_tokens": 800},
               "completion_tokens_details": {"reasoning_tokens": 950, "audio_tokens": 0}}),
    );
    // grok-3-mini: input 0.30, cached 0.075, output 0.50.
    // uncached 400 × 0.30 = $0.00012; cached 800 × 0.075 = $0.00006
    // answer 150 × 0.50 = $0.000075; reasoning 950 × 0.50 = $0.000475   total $0.00073
    assert_cost(&c, 0.00012, 0.00006, 0.0, 0.000075, 0.000475);
}

/// Mistral speaks the OpenAI Chat shape.
#[test]
fn mistral_openai_compatible() {
    let c = price(
        "mistral_ai",
        "mistral-large-latest",
        UsageShape::OpenAiChat,
        json!({"prompt_tokens": 3000, "completion_tokens": 500, "total_tokens": 3500}),
    );
    // Mistral Large: input 2, output 6. 3000 × 2 = $0.006; 500 × 6 = $0.003   total $0.009
    assert_cost(&c, 0.006, 0.0, 0.0, 0.003, 0.0);
}

fn span_genai(provider: &str, model: &str, usage: Usage) -> GenAi {
    GenAi {
        operation: Some("chat".into()),
        provider: Some(provider.into()),
        request_model: Some(model.into()),
        usage,
        ..GenAi::default()
    }
}

/// A span priced end to end: cost, context-window use, no error flag.
#[test]
fn span_with_inclusive_usage() {
    let catalog = Catalog::builtin().unwrap();
    let genai = span_genai(
        "anthropic",
        "claude-haiku-4-5",
        Usage {
            input_tokens: Some(50_000),
            output_tokens: Some(1_000),
            cache_read_input_tokens: Some(40_000),
            cache_write_input_tokens: Some(2_000),
            reasoning_output_tokens: None,
        },
    );
    let p = catalog.price_span(&genai, &Attributes::new(), AT, "", &CostOptions::default());
    // Claude Haiku 4.5: input 1, cache read 0.10, cache write 1.25, output 5.
    // uncached 8000 × 1 = $0.008; 40000 × 0.10 = $0.004; 2000 × 1.25 = $0.0025; 1000 × 5 = $0.005
    let cost = p.cost.unwrap();
    assert_cost(&cost, 0.008, 0.004, 0.0025, 0.005, 0.0);
    // 50000 / 200000
    assert_eq!(p.context_window_use, Some(0.25));
    assert!(!p.context_length_exceeded && !p.unpriced);
}

/// A span whose instrumentation copied Anthropic's exclusive input count into
/// `gen_ai.usage.input_tokens` still costs the right amount, and says it was repaired.
#[test]
fn span_with_exclusive_input_is_repaired() {
    let catalog = Catalog::builtin().unwrap();
    let genai = span_genai(
        "anthropic",
        "claude-haiku-4-5",
        Usage {
            input_tokens: Some(120),
            output_tokens: Some(300),
            cache_read_input_tokens: Some(30_000),
            cache_write_input_tokens: None,
            reasoning_output_tokens: None,
        },
    );
    let p = catalog.price_span(&genai, &Attributes::new(), AT, "", &CostOptions::default());
    // Input is 120 + 30000: uncached 120 × 1 = $0.00012; cached 30000 × 0.10 = $0.003;
    // output 300 × 5 = $0.0015.
    assert_cost(&p.cost.unwrap(), 0.00012, 0.003, 0.0, 0.0015, 0.0);
    assert!(p.usage_repair.input_excluded_cache);
}

/// A failed call with a context-length error is flagged; the window use is above 1; a flex-tier
/// attribute selects the flex price.
#[test]
fn span_context_length_error_and_service_tier() {
    let catalog = Catalog::builtin().unwrap();
    let mut genai = span_genai(
        "openai",
        "gpt-4o",
        Usage {
            input_tokens: Some(130_412),
            ..Usage::default()
        },
    );
    genai.error_type = Some("BadRequestError".into());
    let p = catalog.price_span(
        &genai,
        &Attributes::new(),
        AT,
        "This model's maximum context length is 128000 tokens. However, your messages resulted in 130412 tokens.",
        &CostOptions::default(),
    );
    assert!(p.context_length_exceeded);
    // 130412 / 128000
    assert_close(p.context_window_use.unwrap(), 1.01884375, "window use");

    // 2026-11-01: gpt-5 flex prices apply (input 0.625, output 5 instead of 1.25 / 10).
    let nov = 1_793_491_200 * 1_000_000_000;
    let genai = span_genai(
        "openai",
        "gpt-5",
        Usage {
            input_tokens: Some(1_000_000),
            output_tokens: Some(100_000),
            ..Usage::default()
        },
    );
    let attrs: Attributes = vec![KeyValue::new("openai.response.service_tier", "flex")]
        .into_iter()
        .collect();
    let p = catalog.price_span(&genai, &attrs, nov, "", &CostOptions::default());
    // 1M × 0.625 = $0.625; 100k × 5 = $0.5
    assert_cost(&p.cost.unwrap(), 0.625, 0.0, 0.0, 0.5, 0.0);
}

/// Per-modality usage attributes reach the cost.
#[test]
fn span_modality_attributes() {
    let catalog = Catalog::builtin().unwrap();
    let genai = span_genai(
        "gcp.gemini",
        "gemini-2.5-flash",
        Usage {
            input_tokens: Some(10_000),
            output_tokens: Some(100),
            ..Usage::default()
        },
    );
    let attrs: Attributes = vec![KeyValue::new("gen_ai.usage.audio.input_tokens", 4_000i64)]
        .into_iter()
        .collect();
    let p = catalog.price_span(&genai, &attrs, AT, "", &CostOptions::default());
    // audio 4000 × 1.00 = $0.004; text 6000 × 0.30 = $0.0018; output 100 × 2.50 = $0.00025
    assert_cost(&p.cost.unwrap(), 0.0058, 0.0, 0.0, 0.00025, 0.0);
}

/// A span without usage is not priced and not reported as unpriced; a span with usage of an
/// unknown model is reported.
#[test]
fn span_without_usage_or_price() {
    let catalog = Catalog::builtin().unwrap();
    let genai = span_genai("openai", "gpt-4o", Usage::default());
    let p = catalog.price_span(&genai, &Attributes::new(), AT, "", &CostOptions::default());
    assert_eq!(p.cost, None);
    assert!(!p.unpriced);

    let genai = span_genai(
        "ibm.watsonx.ai",
        "ibm/granite-3-8b-instruct",
        Usage {
            input_tokens: Some(10),
            output_tokens: Some(10),
            ..Usage::default()
        },
    );
    let p = catalog.price_span(&genai, &Attributes::new(), AT, "", &CostOptions::default());
    assert!(p.unpriced && p.cost.is_none());
    assert_eq!(
        catalog.unpriced_models()[0].model,
        "ibm/granite-3-8b-instruct"
    );
}

/// The override examples in the crate README are valid.
#[test]
fn readme_override_example_parses() {
    let readme = include_str!("../README.md");
    let start = readme.find("```toml\n").unwrap() + "```toml\n".len();
    let end = start + readme[start..].find("```").unwrap();
    let catalog = Catalog::with_overrides(&readme[start..end], "README.md").unwrap();
    let usage = TokenUsage {
        input_tokens: 1_000_000,
        ..TokenUsage::default()
    };
    let c = catalog
        .cost(
            Some("vllm"),
            "meta-llama/Llama-3.1-70B-Instruct",
            &usage,
            AT,
            &[],
            &CostOptions::default(),
        )
        .unwrap();
    // 1M × 0.20
    assert_close(c.cost.total, 0.2, "total");
}
