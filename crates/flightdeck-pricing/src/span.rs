//! Enrichment of one span: cost, context-window use and the context-length-error flag, from the
//! span's typed GenAI view and its attributes. Used at ingest, and again by the recompute
//! command over stored spans after prices change.

use flightdeck_model::{Attributes, Cost, GenAi};
use serde::Serialize;

use crate::catalog::Catalog;
use crate::context::{context_window_use, is_context_length_error};
use crate::cost::{CostOptions, TokenUsage, UsageRepair};

/// Per-modality usage attributes of the GenAI conventions (subsets of the input / output
/// totals), read in addition to the five counts of [`flightdeck_model::Usage`].
const MODALITY_KEYS: [&str; 9] = [
    "gen_ai.usage.audio.input_tokens",
    "gen_ai.usage.image.input_tokens",
    "gen_ai.usage.video.input_tokens",
    "gen_ai.usage.audio.cache_read.input_tokens",
    "gen_ai.usage.image.cache_read.input_tokens",
    "gen_ai.usage.video.cache_read.input_tokens",
    "gen_ai.usage.audio.output_tokens",
    "gen_ai.usage.image.output_tokens",
    "gen_ai.usage.video.output_tokens",
];

/// Attributes naming the service tier a call was served at (their value selects tier prices).
const SERVICE_TIER_KEYS: [&str; 2] = [
    "openai.response.service_tier",
    "openai.request.service_tier",
];

impl TokenUsage {
    /// The usage of a span: the typed counts plus the per-modality attributes.
    pub fn from_span(genai: &GenAi, attributes: &Attributes) -> TokenUsage {
        let mut u = TokenUsage::from(&genai.usage);
        let get = |i: usize| {
            attributes
                .get_i64(MODALITY_KEYS[i])
                .and_then(|v| u64::try_from(v).ok())
                .unwrap_or(0)
        };
        u.audio_input_tokens = get(0);
        u.image_input_tokens = get(1);
        u.video_input_tokens = get(2);
        u.audio_cache_read_input_tokens = get(3);
        u.image_cache_read_input_tokens = get(4);
        u.video_cache_read_input_tokens = get(5);
        u.audio_output_tokens = get(6);
        u.image_output_tokens = get(7);
        u.video_output_tokens = get(8);
        u
    }
}

/// What pricing adds to a span.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct SpanPricing {
    /// The cost, when the span has usage and the model a price.
    pub cost: Option<Cost>,
    /// Input tokens ÷ the model's context window, when both are known.
    pub context_window_use: Option<f64>,
    /// The call failed because its input did not fit the context window.
    pub context_length_exceeded: bool,
    /// The span has usage but its model has no price (it is listed by
    /// [`Catalog::unpriced_models`]).
    pub unpriced: bool,
    /// Tokens the model has no applicable price for (counted at $0).
    pub unpriced_tokens: u64,
    /// What had to be changed to make the usage consistent.
    pub usage_repair: UsageRepair,
}

impl Catalog {
    /// Prices one span. The model is the response model (the exact snapshot that answered),
    /// else the request model; prices are those in force at the span's start.
    pub fn price_span(
        &self,
        genai: &GenAi,
        attributes: &Attributes,
        start_time_unix_nano: u64,
        status_message: &str,
        options: &CostOptions,
    ) -> SpanPricing {
        let mut out = SpanPricing {
            context_length_exceeded: is_context_length_error(
                genai.error_type.as_deref(),
                Some(status_message).filter(|m| !m.is_empty()),
            ),
            ..SpanPricing::default()
        };
        let provider = genai.provider.as_deref();
        let models = [
            genai.response_model.as_deref(),
            genai.request_model.as_deref(),
        ];
        let Some(model) = models
            .iter()
            .flatten()
            .copied()
            .find(|m| self.model(provider, m).is_some())
            .or_else(|| models.iter().flatten().copied().next())
        else {
            return out;
        };

        let usage = TokenUsage::from_span(genai, attributes);
        if let Some(window) = self.context_window(provider, model) {
            out.context_window_use = context_window_use(usage.repaired().0.input_tokens, window);
        }
        if genai.usage.input_tokens.is_none() && genai.usage.output_tokens.is_none() {
            return out;
        }

        let tier = SERVICE_TIER_KEYS
            .iter()
            .find_map(|k| attributes.get_str(k))
            .filter(|t| !t.is_empty());
        let context: &[(&str, &str)] = match &tier {
            Some(t) => &[("service_tier", t)],
            None => &[],
        };
        match self.cost(
            provider,
            model,
            &usage,
            start_time_unix_nano,
            context,
            options,
        ) {
            Some(detail) => {
                out.cost = Some(detail.cost);
                out.unpriced_tokens = detail.unpriced_tokens;
                out.usage_repair = detail.repair;
            }
            None => out.unpriced = true,
        }
        out
    }
}
