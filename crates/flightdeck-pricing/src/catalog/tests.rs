//! Lookups, prices and overrides against the shipped catalog.

use super::*;

/// 2026-06-01T00:00:00Z.
const JUNE_2026: u64 = 1_780_272_000 * 1_000_000_000;
/// 2026-06-01T12:00:00Z.
const JUNE_2026_NOON: u64 = 1_780_315_200 * 1_000_000_000;
/// 2026-11-01T00:00:00Z, after the batch and service-tier prices of 2026-10-14 start.
const NOV_2026: u64 = 1_793_491_200 * 1_000_000_000;

fn builtin() -> Catalog {
    Catalog::builtin().unwrap()
}

fn label(c: &Catalog, provider: Option<&str>, model: &str) -> Option<String> {
    c.model(provider, model)
        .map(|m| m.entry().label().to_owned())
}

fn input_rate(c: &Catalog, provider: Option<&str>, model: &str, at: u64) -> f64 {
    c.price(provider, model, at, &[])
        .unwrap()
        .rates()
        .get(Unit::Input)
        .unwrap()
        .base()
}

/// The catalog can be shared between ingest threads.
#[test]
fn catalog_is_send_and_sync() {
    fn shared<T: Send + Sync>() {}
    shared::<Catalog>();
}

/// The shipped data parses and is big enough to be the real dataset, with its attribution.
#[test]
fn embedded_catalog_loads() {
    let c = builtin();
    assert_eq!(c.source().prices.name, "genai-prices");
    assert_eq!(c.source().prices.license, "MIT");
    let providers = c.providers();
    assert!(
        providers
            .iter()
            .any(|p| p.id == "anthropic" && p.models > 10)
    );
    assert!(c.list(JUNE_2026).len() > 1000);
}

/// Each major provider's OpenTelemetry name finds its own price list.
#[test]
fn otel_provider_names() {
    let c = builtin();
    let cases = [
        ("openai", "gpt-4o", "openai/gpt-4o"),
        (
            "anthropic",
            "claude-sonnet-4-5",
            "anthropic/claude-sonnet-4-5",
        ),
        ("gcp.gemini", "gemini-2.5-pro", "google/gemini-2.5-pro"),
        (
            "gcp.vertex_ai",
            "gemini-2.5-flash",
            "google/gemini-2.5-flash",
        ),
        (
            "aws.bedrock",
            "amazon.nova-pro-v1:0",
            "aws/amazon.nova-pro-v1:0",
        ),
        ("azure.ai.inference", "Phi-4", "azure/phi-4"),
        (
            "mistral_ai",
            "mistral-large-latest",
            "mistral/mistral-large",
        ),
        ("x_ai", "grok-4", "x-ai/grok-4-0709"),
        ("deepseek", "deepseek-chat", "deepseek/deepseek-chat"),
        (
            "groq",
            "llama-3.3-70b-versatile",
            "groq/llama-3.3-70b-versatile",
        ),
        ("cohere", "command-r-plus", "cohere/command-r-plus"),
        ("perplexity", "sonar-pro", "perplexity/sonar-pro"),
    ];
    for (provider, model, want) in cases {
        assert_eq!(
            label(&c, Some(provider), model).as_deref(),
            Some(want),
            "{provider} {model}"
        );
    }
}

/// Dated snapshots, resource paths and Vertex `@` versions resolve to the right entry; a
/// snapshot with its own price keeps it.
#[test]
fn snapshots_and_paths() {
    let c = builtin();
    let cases = [
        (Some("openai"), "gpt-4o-2024-08-06", "openai/gpt-4o"),
        (
            Some("openai"),
            "gpt-4o-2024-05-13",
            "openai/gpt-4o-2024-05-13",
        ),
        (
            Some("openai"),
            "GPT-4.1-mini-2025-04-14",
            "openai/gpt-4.1-mini",
        ),
        (
            Some("anthropic"),
            "claude-3-5-sonnet-20241022",
            "anthropic/claude-3-5-sonnet",
        ),
        (
            Some("gcp.vertex_ai"),
            "publishers/google/models/gemini-2.0-flash-001",
            "google/gemini-2.0-flash",
        ),
        (
            Some("gcp.gemini"),
            "models/gemini-1.5-pro-002",
            "google/gemini-1.5-pro",
        ),
        (
            Some("gcp.vertex_ai"),
            "claude-sonnet-4-5@20250929",
            "google/claude-sonnet-4-5",
        ),
        (
            Some("aws.bedrock"),
            "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
            "aws/regional.anthropic.claude-3-7-sonnet-20250219-v1:0",
        ),
    ];
    for (provider, model, want) in cases {
        assert_eq!(
            label(&c, provider, model).as_deref(),
            Some(want),
            "{provider:?} {model}"
        );
    }
    // gpt-4o-2024-05-13 costs more than gpt-4o: the snapshot's own price is used.
    assert_eq!(
        input_rate(&c, Some("openai"), "gpt-4o-2024-05-13", JUNE_2026),
        5.0
    );
    assert_eq!(
        input_rate(&c, Some("openai"), "gpt-4o-2024-08-06", JUNE_2026),
        2.5
    );
}

/// Without a provider (or with one the catalog does not know), the model name alone finds the
/// vendor's own entry, including Bedrock ids and router prefixes.
#[test]
fn unknown_or_missing_provider() {
    let c = builtin();
    for (provider, model, want) in [
        (None, "gpt-4o", "openai/gpt-4o"),
        (
            None,
            "text-embedding-3-small",
            "openai/text-embedding-3-small",
        ),
        (
            None,
            "claude-3-5-haiku-latest",
            "anthropic/claude-3-5-haiku-latest",
        ),
        (
            None,
            "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
            "aws/regional.anthropic.claude-3-7-sonnet-20250219-v1:0",
        ),
        (None, "openai/gpt-4o-mini", "openai/gpt-4o-mini"),
        (Some("my-gateway"), "gpt-4o", "openai/gpt-4o"),
        (Some(""), "gpt-4o", "openai/gpt-4o"),
    ] {
        assert_eq!(
            label(&c, provider, model).as_deref(),
            Some(want),
            "{provider:?} {model}"
        );
    }
    // A router's own list wins when the router is the provider.
    assert_eq!(
        label(&c, Some("openrouter"), "openai/gpt-4o-mini").as_deref(),
        Some("openrouter/openai/gpt-4o-mini")
    );
    assert_eq!(label(&c, None, "no-such-model-xyz"), None);
    assert_eq!(label(&c, Some("openai"), "  "), None);
}

/// Fine-tuned ids price as their base model unless the catalog has a fine-tune price.
#[test]
fn fine_tunes_fall_back_to_base() {
    let c = builtin();
    assert_eq!(
        label(&c, Some("openai"), "ft:gpt-4o-mini:acme::abc123").as_deref(),
        Some("openai/gpt-4o-mini")
    );
    // The catalog lists dated fine-tunes of gpt-4o-mini at their own (higher) price.
    assert_eq!(
        label(&c, Some("openai"), "ft:gpt-4o-mini-2024-07-18:acme::abc123").as_deref(),
        Some("openai/ft:gpt-4o-mini")
    );
    assert_eq!(
        input_rate(
            &c,
            Some("openai"),
            "ft:gpt-4o-mini-2024-07-18:acme::abc123",
            JUNE_2026
        ),
        0.3
    );
}

/// Local runtimes cost $0 and are never priced from a hosted provider's list.
#[test]
fn self_hosted_is_free() {
    let c = builtin();
    let usage = TokenUsage {
        input_tokens: 5_000,
        output_tokens: 1_000,
        ..TokenUsage::default()
    };
    let d = c
        .cost(
            Some("ollama"),
            "gpt-oss:20b",
            &usage,
            JUNE_2026,
            &[],
            &CostOptions::default(),
        )
        .unwrap();
    assert_eq!(d.cost.total, 0.0);
    assert_eq!(d.cost.priced_as, "self-hosted:ollama");
    assert_eq!(d.unpriced_tokens, 0);
}

/// Deepseek's off-peak prices follow the UTC time of day (00:30–16:30 is peak).
#[test]
fn time_of_day_prices() {
    let c = builtin();
    assert_eq!(
        input_rate(&c, Some("deepseek"), "deepseek-chat", JUNE_2026),
        0.135
    );
    assert_eq!(
        input_rate(&c, Some("deepseek"), "deepseek-chat", JUNE_2026_NOON),
        0.27
    );
}

/// Batch and service-tier prices apply from their start date when the request asks for them;
/// standard prices otherwise.
#[test]
fn variants_by_request_properties() {
    let c = builtin();
    let rate = |at, ctx: &[(&str, &str)]| {
        c.price(Some("openai"), "gpt-5", at, ctx)
            .unwrap()
            .rates()
            .get(Unit::Input)
            .unwrap()
            .base()
    };
    assert_eq!(rate(NOV_2026, &[]), 1.25);
    assert_eq!(rate(NOV_2026, &[("service_tier", "flex")]), 0.625);
    assert_eq!(rate(NOV_2026, &[("service_tier", "priority")]), 2.5);
    assert_eq!(rate(NOV_2026, &[("service_tier", "default")]), 1.25);
    assert_eq!(rate(NOV_2026, &[("processing", "batch")]), 0.625);
    // Before the tier prices start, the standard price applies.
    assert_eq!(rate(JUNE_2026, &[("service_tier", "flex")]), 1.25);
}

/// Context windows and output limits come from the catalog (output limits from LiteLLM's data).
#[test]
fn limits() {
    let c = builtin();
    assert_eq!(c.context_window(Some("openai"), "gpt-4o"), Some(128_000));
    assert_eq!(c.max_output(Some("openai"), "gpt-4o"), Some(16_384));
    assert_eq!(
        c.context_window(Some("anthropic"), "claude-sonnet-4-5-20250929"),
        Some(200_000)
    );
    assert_eq!(c.context_window(None, "no-such-model-xyz"), None);
}

/// Overrides win over the catalog, inherit what they do not set, follow their effective dates,
/// and can be limited to one provider.
#[test]
fn overrides() {
    let text = r#"
        [[models]]
        provider = "openai"
        model = "gpt-4o"
        effective_from = 2026-03-01
        prices = { input = 2.0, output = 8.0, cache_read = 1.0 }

        [[models]]
        provider = "openai"
        match = { starts_with = "ft:gpt-4o-mini:acme:" }
        context_window = 64000
        prices = { input = 0.5, output = 2.0 }

        [[models]]
        provider = "vllm"
        model = "meta-llama/llama-3.1-70b-instruct"
        prices = { input = 0.2, output = 0.2 }

        [[models]]
        provider = "google"
        model = "my-tuned-gemini"
        context_window = 32000
        prices = { input = 1, output = 1 }
    "#;
    let c = Catalog::with_overrides(text, "test.toml").unwrap();
    // Negotiated price from 2026-03-01 on; list price before.
    let march_2025 = 1_740_787_200 * 1_000_000_000; // 2025-03-01T00:00:00Z
    assert_eq!(input_rate(&c, Some("openai"), "gpt-4o", JUNE_2026), 2.0);
    assert_eq!(input_rate(&c, Some("openai"), "gpt-4o", march_2025), 2.5);
    let price = c
        .price(Some("openai"), "gpt-4o-2024-08-06", JUNE_2026, &[])
        .unwrap();
    assert_eq!(price.entry().label(), "override:openai/gpt-4o");
    // Not for another provider.
    assert_eq!(
        input_rate(&c, Some("azure.ai.openai"), "gpt-4o", JUNE_2026),
        2.5
    );
    // The override keeps the catalog's limits when it sets none.
    let info = c.model(Some("openai"), "gpt-4o").unwrap();
    assert!(info.is_overridden());
    assert_eq!(info.context_window(), Some(128_000));
    // A fine-tune pattern, with its own window.
    assert_eq!(
        c.context_window(Some("openai"), "ft:gpt-4o-mini:acme::xyz"),
        Some(64_000)
    );
    assert_eq!(
        input_rate(&c, Some("openai"), "ft:gpt-4o-mini:acme::xyz", JUNE_2026),
        0.5
    );
    // A priced self-hosted model; other models of that runtime stay free.
    assert_eq!(
        input_rate(
            &c,
            Some("vllm"),
            "meta-llama/Llama-3.1-70B-Instruct",
            JUNE_2026
        ),
        0.2
    );
    assert_eq!(input_rate(&c, Some("vllm"), "qwen2.5-7b", JUNE_2026), 0.0);
    // A catalog provider id covers every OpenTelemetry name that maps to it.
    assert_eq!(
        input_rate(&c, Some("gcp.vertex_ai"), "my-tuned-gemini", JUNE_2026),
        1.0
    );
    assert_eq!(
        c.context_window(Some("gcp.gemini"), "my-tuned-gemini"),
        Some(32_000)
    );
}

/// An override file that does not exist is an error naming the file.
#[test]
fn override_file_errors() {
    let err = Catalog::with_overrides_file(Path::new("/nonexistent/prices.toml"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("/nonexistent/prices.toml"), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("prices.toml");
    std::fs::write(&path, "[[models]]\nmodel = \"x\"\nprice = 1\n").unwrap();
    let err = Catalog::with_overrides_file(&path).unwrap_err().to_string();
    assert!(
        err.contains("prices.toml") && err.contains("unknown field `price`"),
        "{err}"
    );
}

/// Calls without a price are listed with their call counts, most frequent first; the list
/// stays bounded.
#[test]
fn unpriced_models_are_listed() {
    let c = builtin();
    let usage = TokenUsage {
        input_tokens: 10,
        output_tokens: 10,
        ..TokenUsage::default()
    };
    let opts = CostOptions::default();
    for _ in 0..3 {
        assert!(
            c.cost(
                Some("ibm.watsonx.ai"),
                "ibm/granite-13b",
                &usage,
                JUNE_2026,
                &[],
                &opts
            )
            .is_none()
        );
    }
    assert!(
        c.cost(None, "my-model", &usage, JUNE_2026, &[], &opts)
            .is_none()
    );
    assert!(
        c.cost(Some("openai"), "gpt-4o", &usage, JUNE_2026, &[], &opts)
            .is_some()
    );
    let listed = c.unpriced_models();
    assert_eq!(
        listed,
        vec![
            UnpricedModel {
                provider: Some("ibm.watsonx.ai".into()),
                model: "ibm/granite-13b".into(),
                calls: 3
            },
            UnpricedModel {
                provider: None,
                model: "my-model".into(),
                calls: 1
            },
        ]
    );
    for i in 0..(UNPRICED_CAPACITY + 50) {
        c.note_unpriced(None, &format!("m{i}"));
    }
    assert_eq!(c.unpriced_models().len(), UNPRICED_CAPACITY);
    // 2 pairs were listed before: 998 of the 1050 new ones fit, 52 are counted apart.
    assert_eq!(c.unpriced_calls_not_listed(), 52);
}

/// Models priced only in units the engine does not meter (audio hours) are unpriced, not free;
/// models the dataset lists as free cost $0.
#[test]
fn non_token_and_free_models() {
    let c = builtin();
    assert!(c.model(Some("openai"), "whisper-1").is_some());
    assert!(
        c.price(Some("openai"), "whisper-1", JUNE_2026, &[])
            .is_none()
    );
    let free = c
        .price(
            Some("openrouter"),
            "mistralai/mistral-small-3.2-24b-instruct:free",
            JUNE_2026,
            &[],
        )
        .unwrap();
    assert_eq!(free.rates().get(Unit::Input).unwrap().base(), 0.0);
}

/// Oversized names are neither looked up nor stored whole.
#[test]
fn oversized_names_are_bounded() {
    let c = builtin();
    let huge = format!("gpt-4o{}", "x".repeat(100_000));
    assert!(c.model(Some("openai"), &huge).is_none());
    assert_eq!(c.cache.len(), 0);
    let usage = TokenUsage {
        input_tokens: 1,
        ..TokenUsage::default()
    };
    assert!(
        c.cost(
            Some("openai"),
            &huge,
            &usage,
            JUNE_2026,
            &[],
            &CostOptions::default()
        )
        .is_none()
    );
    let listed = c.unpriced_models();
    assert_eq!(listed[0].model.len(), MAX_NAME_BYTES);
    assert!(truncated("aé", 2) == "a");
}

/// The lookup cache stays bounded however many distinct names arrive, and answers the same as
/// an uncached lookup.
#[test]
fn cache_is_bounded_and_consistent() {
    let c = builtin();
    for i in 0..(CACHE_CAPACITY + 500) {
        let _ = c.model(Some("openai"), &format!("unknown-model-{i}"));
    }
    assert!(c.cache.len() <= CACHE_CAPACITY, "{}", c.cache.len());
    let cached = c.resolve(Some("openai"), "gpt-4o-2024-08-06");
    let again = c.resolve(Some("openai"), "gpt-4o-2024-08-06");
    let fresh = c.resolve_uncached(Some("openai"), "gpt-4o-2024-08-06");
    assert_eq!(cached, fresh);
    assert_eq!(again, fresh);
}
