//! Provider and model names as they appear on spans, mapped to what the catalog knows.
//!
//! Provider names are the OpenTelemetry `gen_ai.provider.name` values (plus the older
//! `gen_ai.system` spellings still emitted by many instrumentations). Model names arrive in many
//! forms for the same model: dated snapshots (`gpt-4o-2024-08-06`, `claude-3-5-sonnet@20240620`),
//! resource paths (`models/gemini-2.5-pro`, `publishers/google/models/...`, Bedrock ARNs),
//! router prefixes (`openai/gpt-4o`), fine-tunes (`ft:gpt-4o-mini:acme::abc`). [`candidates`]
//! lists the names to try, most specific first.

/// OpenTelemetry provider names (and legacy `gen_ai.system` values) → catalog provider id.
const PROVIDER_ALIASES: &[(&str, &str)] = &[
    ("openai", "openai"),
    ("anthropic", "anthropic"),
    ("gcp.gemini", "google"),
    ("gcp.vertex_ai", "google"),
    ("gcp.gen_ai", "google"),
    ("vertex_ai", "google"),
    ("vertexai", "google"),
    ("gemini", "google"),
    ("google_genai", "google"),
    ("aws.bedrock", "aws"),
    ("aws_bedrock", "aws"),
    ("bedrock", "aws"),
    ("azure.ai.openai", "azure"),
    ("azure.ai.inference", "azure"),
    ("az.ai.openai", "azure"),
    ("az.ai.inference", "azure"),
    ("azure_openai", "azure"),
    ("azure_ai", "azure"),
    ("mistral_ai", "mistral"),
    ("mistralai", "mistral"),
    ("x_ai", "x-ai"),
    ("xai", "x-ai"),
    ("moonshot_ai", "moonshotai"),
    ("moonshot", "moonshotai"),
    ("together_ai", "together"),
    ("togetherai", "together"),
    ("fireworks_ai", "fireworks"),
    ("voyage", "voyageai"),
    ("voyage_ai", "voyageai"),
    ("zhipu", "zhipuai"),
    ("z_ai", "zai"),
];

/// Providers that run models on the user's own hardware: priced at $0 unless an override says
/// otherwise, and never priced from a hosted provider's list.
pub const SELF_HOSTED_PROVIDERS: &[&str] = &[
    "ollama",
    "vllm",
    "lm_studio",
    "lmstudio",
    "llama.cpp",
    "llama_cpp",
    "llamacpp",
    "localai",
    "tgi",
    "text_generation_inference",
    "sglang",
    "mlx",
];

/// Providers searched, in this order, when neither the span's provider nor a model-name rule
/// finds the model: the vendors' own price lists, not resellers'.
pub(crate) const FIRST_PARTY_PROVIDERS: &[&str] = &[
    "openai",
    "anthropic",
    "google",
    "aws",
    "azure",
    "mistral",
    "x-ai",
    "deepseek",
    "cohere",
    "perplexity",
    "moonshotai",
    "voyageai",
];

/// The catalog provider id a span provider name maps to through the fixed alias table.
pub(crate) fn provider_alias(provider: &str) -> Option<&'static str> {
    PROVIDER_ALIASES
        .iter()
        .find(|(name, _)| *name == provider)
        .map(|(_, id)| *id)
}

/// True for providers that serve models on the user's own hardware.
pub fn is_self_hosted(provider: &str) -> bool {
    SELF_HOSTED_PROVIDERS.contains(&provider)
}

/// A name to look up, with the provider it implies (a router prefix or a Bedrock id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Candidate {
    pub name: String,
    pub provider_hint: Option<String>,
}

/// Bedrock region prefixes of cross-region inference profiles.
const BEDROCK_REGIONS: &[&str] = &[
    "us", "eu", "apac", "au", "jp", "ca", "us-gov", "global", "in",
];
/// Model vendors on Bedrock (`anthropic.claude-...`, `meta.llama3-...`).
const BEDROCK_VENDORS: &[&str] = &[
    "anthropic",
    "amazon",
    "meta",
    "mistral",
    "cohere",
    "ai21",
    "deepseek",
    "qwen",
    "openai",
    "writer",
    "twelvelabs",
    "stability",
    "moonshot",
    "minimax",
];

/// True for Bedrock model ids (`anthropic.claude-...`, `us.anthropic.claude-...`).
fn is_bedrock_id(name: &str) -> bool {
    let mut parts = name.splitn(3, '.');
    let (Some(a), Some(b)) = (parts.next(), parts.next()) else {
        return false;
    };
    BEDROCK_VENDORS.contains(&a) || (BEDROCK_REGIONS.contains(&a) && BEDROCK_VENDORS.contains(&b))
}

/// The names to try for a (lowercased, trimmed) model name, most specific first, without
/// duplicates. At most a handful; computed only on a cache miss.
pub(crate) fn candidates(model: &str) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::with_capacity(6);
    let mut push = |name: &str, hint: Option<&str>| {
        if !name.is_empty() && !out.iter().any(|c| c.name == name) {
            out.push(Candidate {
                name: name.to_owned(),
                provider_hint: hint.map(str::to_owned),
            });
        }
    };

    let bedrock = |n: &str| is_bedrock_id(n).then_some("aws");
    push(model, bedrock(model));

    // Resource paths: `models/x`, `projects/p/locations/l/publishers/google/models/x`, ARNs.
    let mut name = model;
    if let Some(i) = name.rfind("models/") {
        name = &name[i + "models/".len()..];
    } else if name.starts_with("arn:")
        && let Some(i) = name.rfind('/')
    {
        name = &name[i + 1..];
    }
    push(name, bedrock(name));

    // Router prefix: `openai/gpt-4o` → gpt-4o at openai.
    let mut hint = None;
    if let Some((vendor, rest)) = name.split_once('/') {
        hint = Some(vendor);
        name = rest;
        push(name, hint);
    }

    // Compact dates (`-20251211`) in their dashed form, as the catalog writes most snapshots.
    if let Some(dashed) = dash_compact_date(name) {
        push(&dashed, hint);
    }

    // Fine-tunes price as their base model unless an entry says otherwise.
    if let Some(base) = fine_tune_base(name) {
        name = base;
        push(name, hint);
    }

    // Model family: strip snapshot and version suffixes one at a time.
    for _ in 0..4 {
        match strip_version_suffix(name) {
            Some(shorter) => {
                name = shorter;
                push(name, hint.or(bedrock(name)));
            }
            None => break,
        }
    }
    out
}

/// `ft:gpt-4o-mini-2024-07-18:acme::abc` → `gpt-4o-mini-2024-07-18`; Azure
/// `gpt-4o-mini-2024-07-18.ft-0123` → `gpt-4o-mini-2024-07-18`.
pub(crate) fn fine_tune_base(name: &str) -> Option<&str> {
    if let Some(rest) = name.strip_prefix("ft:") {
        let base = rest.split(':').next().unwrap_or(rest);
        return (!base.is_empty()).then_some(base);
    }
    name.find(".ft-")
        .map(|i| &name[..i])
        .filter(|b| !b.is_empty())
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn plausible_date(y: &str, m: &str, d: &str) -> bool {
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<u32>(), m.parse::<u32>(), d.parse::<u32>()) else {
        return false;
    };
    (2000..2100).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d)
}

/// `gpt-5.2-20251211` → `gpt-5.2-2025-12-11`.
fn dash_compact_date(name: &str) -> Option<String> {
    let (head, tail) = name.rsplit_once('-')?;
    if tail.len() == 8 && all_digits(tail) && plausible_date(&tail[..4], &tail[4..6], &tail[6..]) {
        Some(format!(
            "{head}-{}-{}-{}",
            &tail[..4],
            &tail[4..6],
            &tail[6..]
        ))
    } else {
        None
    }
}

/// One snapshot / version suffix removed: `-2024-08-06`, `-20240806`, `@20240806`, `-latest`,
/// `-001`, `-0613`, `:free`, and on Bedrock ids `:0` and `-v2` (elsewhere `-v3` names a model,
/// as in `deepseek-v3`, and stays).
pub(crate) fn strip_version_suffix(name: &str) -> Option<&str> {
    // `-YYYY-MM-DD`
    if name.len() > 11 {
        let (head, tail) = name.split_at(name.len() - 11);
        let b = tail.as_bytes();
        if b[0] == b'-'
            && b[5] == b'-'
            && b[8] == b'-'
            && plausible_date(&tail[1..5], &tail[6..8], &tail[9..11])
        {
            return Some(head);
        }
    }
    // `:tag` (router and runtime variants: `:free`, `:beta`, `:thinking`, Bedrock `:0`).
    if let Some((head, tag)) = name.rsplit_once(':')
        && !head.is_empty()
        && !tag.is_empty()
        && !tag.contains('/')
    {
        return Some(head);
    }
    let (head, tail) = name.rsplit_once(['-', '@'])?;
    if head.is_empty() {
        return None;
    }
    let strip = tail == "latest"
        || (tail.len() == 8
            && all_digits(tail)
            && plausible_date(&tail[..4], &tail[4..6], &tail[6..]))
        || (tail.len() == 3 && all_digits(tail))
        || (tail.len() == 4 && all_digits(tail) && plausible_date("2000", &tail[..2], &tail[2..]))
        || (tail.len() >= 2
            && tail.starts_with('v')
            && all_digits(&tail[1..])
            && is_bedrock_id(head));
    strip.then_some(head)
}

/// The model family of a model name: snapshot, version and fine-tune suffixes removed, resource
/// path and router prefix dropped (`gpt-4o-2024-08-06` → `gpt-4o`,
/// `anthropic.claude-3-5-sonnet-20240620-v1:0` → `anthropic.claude-3-5-sonnet`,
/// `models/gemini-1.5-pro-002` → `gemini-1.5-pro`).
pub fn model_family(model: &str) -> String {
    let lower = model.trim().to_lowercase();
    let mut name = lower.as_str();
    if let Some(i) = name.rfind("models/") {
        name = &name[i + "models/".len()..];
    } else if name.starts_with("arn:")
        && let Some(i) = name.rfind('/')
    {
        name = &name[i + 1..];
    }
    if let Some((_, rest)) = name.split_once('/') {
        name = rest;
    }
    if let Some(base) = fine_tune_base(name) {
        name = base;
    }
    for _ in 0..4 {
        match strip_version_suffix(name) {
            Some(shorter) => name = shorter,
            None => break,
        }
    }
    name.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(model: &str) -> Vec<String> {
        candidates(model).into_iter().map(|c| c.name).collect()
    }

    /// Dated snapshots list the snapshot first, then the family.
    #[test]
    fn snapshots_fall_back_to_family() {
        assert_eq!(names("gpt-4o-2024-08-06"), ["gpt-4o-2024-08-06", "gpt-4o"]);
        assert_eq!(
            names("claude-3-5-sonnet@20240620"),
            ["claude-3-5-sonnet@20240620", "claude-3-5-sonnet"]
        );
        assert_eq!(
            names("gpt-5.2-20251211"),
            ["gpt-5.2-20251211", "gpt-5.2-2025-12-11", "gpt-5.2"]
        );
        assert_eq!(names("gpt-4-0613"), ["gpt-4-0613", "gpt-4"]);
        assert_eq!(names("gpt-4o"), ["gpt-4o"]);
        // A model number is not a date or a version.
        assert_eq!(names("gpt-4.1-mini"), ["gpt-4.1-mini"]);
    }

    /// Resource paths, ARNs and router prefixes reduce to the model name with the right hint.
    #[test]
    fn paths_and_prefixes() {
        assert_eq!(
            names("projects/p/locations/us-central1/publishers/google/models/gemini-1.5-pro-002"),
            [
                "projects/p/locations/us-central1/publishers/google/models/gemini-1.5-pro-002",
                "gemini-1.5-pro-002",
                "gemini-1.5-pro"
            ]
        );
        let c = candidates("openai/gpt-4o-mini");
        assert_eq!(c[1].name, "gpt-4o-mini");
        assert_eq!(c[1].provider_hint.as_deref(), Some("openai"));
        let c = candidates(
            "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-sonnet-20240620-v1:0",
        );
        assert_eq!(c[1].name, "anthropic.claude-3-5-sonnet-20240620-v1:0");
        assert_eq!(c[1].provider_hint.as_deref(), Some("aws"));
        assert_eq!(
            c.last().unwrap().name,
            "anthropic.claude-3-5-sonnet",
            "{c:?}"
        );
    }

    /// Fine-tuned ids fall back to their base model (OpenAI and Azure spellings).
    #[test]
    fn fine_tunes() {
        assert_eq!(
            names("ft:gpt-4o-mini:acme::abc"),
            ["ft:gpt-4o-mini:acme::abc", "gpt-4o-mini"]
        );
        assert_eq!(
            names("ft:gpt-4o-mini-2024-07-18:acme:exp:abc"),
            [
                "ft:gpt-4o-mini-2024-07-18:acme:exp:abc",
                "gpt-4o-mini-2024-07-18",
                "gpt-4o-mini"
            ]
        );
        assert_eq!(
            fine_tune_base("gpt-4o-mini-2024-07-18.ft-0123abc"),
            Some("gpt-4o-mini-2024-07-18")
        );
        assert_eq!(fine_tune_base("ft:"), None);
    }

    /// The family helper gives the base model for the common spellings.
    #[test]
    fn families() {
        assert_eq!(model_family("GPT-4o-2024-08-06"), "gpt-4o");
        assert_eq!(
            model_family("us.anthropic.claude-3-5-sonnet-20241022-v2:0"),
            "us.anthropic.claude-3-5-sonnet"
        );
        assert_eq!(model_family("models/gemini-1.5-pro-002"), "gemini-1.5-pro");
        assert_eq!(model_family("openai/gpt-4o-mini"), "gpt-4o-mini");
        assert_eq!(
            model_family("claude-sonnet-4-5-latest"),
            "claude-sonnet-4-5"
        );
        assert_eq!(model_family("llama3.1:8b"), "llama3.1");
        assert_eq!(model_family("deepseek-v3"), "deepseek-v3");
        assert_eq!(
            model_family("amazon.titan-text-express-v1"),
            "amazon.titan-text-express"
        );
    }

    /// Provider spellings map to catalog ids; local runtimes are recognized.
    #[test]
    fn providers() {
        assert_eq!(provider_alias("gcp.vertex_ai"), Some("google"));
        assert_eq!(provider_alias("aws.bedrock"), Some("aws"));
        assert_eq!(provider_alias("x_ai"), Some("x-ai"));
        assert_eq!(provider_alias("ibm.watsonx.ai"), None);
        assert!(is_self_hosted("ollama"));
        assert!(!is_self_hosted("openai"));
    }
}
