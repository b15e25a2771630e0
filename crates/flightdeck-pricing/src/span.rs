//! Enrichment of one span: cost, context-window use and the context-length-error flag, from the
//! span's typed GenAI view and its attributes. Used at ingest, and again by the recompute
//! command over stored spans after prices change.

use flightdeck_model::{Attributes, Cost, GenAi};
use serde::Serialize;

use crate::catalog::Catalog;
use crate::context::{context_window_use, is_context_length_error};
use crate::cost::{CostOptions, TokenUsage, UsageRepair};

/// Per-modality usage attributes of the GenAI conventions (subsets of the input / output
/// totals), read in addition to the five counts of [`flightdeck_model::Usage`]; the keys without
/// their `gen_ai.usage.` prefix.
const MODALITY_KEYS: [&str; 9] = [
    "audio.input_tokens",
    "image.input_tokens",
    "video.input_tokens",
    "audio.cache_read.input_tokens",
    "image.cache_read.input_tokens",
    "video.cache_read.input_tokens",
    "audio.output_tokens",
    "image.output_tokens",
    "video.output_tokens",
];

/// Attributes naming the service tier a call was served at (their value selects tier prices);
/// the response's tier wins over the requested one.
const SERVICE_TIER_KEYS: [&str; 2] = [
    "openai.response.service_tier",
    "openai.request.service_tier",
];

impl TokenUsage {
    /// The usage of a span: the typed counts plus the per-modality attributes.
    pub fn from_span(genai: &GenAi, attributes: &Attributes) -> TokenUsage {
        let mut u = TokenUsage::from(&genai.usage);
        // One pass over the attributes; most spans have none of these keys.
        for kv in attributes.iter() {
            let Some(rest) = kv.key.strip_prefix("gen_ai.usage.") else {
                continue;
            };
            let Some(i) = MODALITY_KEYS.iter().position(|k| *k == rest) else {
                continue;
            };
            let count = kv
                .value
                .as_i64()
                .and_then(|v| u64::try_from(v).ok())
                .unwrap_or(0);
            let slot = match i {
                0 => &mut u.audio_input_tokens,
                1 => &mut u.image_input_tokens,
                2 => &mut u.video_input_tokens,
                3 => &mut u.audio_cache_read_input_tokens,
                4 => &mut u.image_cache_read_input_tokens,
                5 => &mut u.video_cache_read_input_tokens,
                6 => &mut u.audio_output_tokens,
                7 => &mut u.image_output_tokens,
                _ => &mut u.video_output_tokens,
            };
            *slot = count;
        }
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
        let mut names = [
            genai.response_model.as_deref(),
            genai.request_model.as_deref(),
        ]
        .into_iter()
        .flatten();
        let Some(first) = names.next() else {
            return out;
        };
        // The response model (the exact snapshot) when the catalog knows it, else the request
        // model; one cached lookup each.
        let found = self
            .model(provider, first)
            .map(|info| (first, info))
            .or_else(|| names.find_map(|m| self.model(provider, m).map(|info| (m, info))));

        let usage = TokenUsage::from_span(genai, attributes);
        if let Some(window) = found.and_then(|(_, info)| info.context_window()) {
            out.context_window_use = context_window_use(usage.repaired().0.input_tokens, window);
        }
        if genai.usage.input_tokens.is_none() && genai.usage.output_tokens.is_none() {
            return out;
        }

        let tier = SERVICE_TIER_KEYS.iter().find_map(|k| attributes.get_str(k));
        let context: &[(&str, &str)] = match &tier {
            Some(t) => &[("service_tier", t)],
            None => &[],
        };
        match found.and_then(|(_, info)| info.price(start_time_unix_nano, context)) {
            Some(price) => {
                let detail = price.cost(&usage, options);
                out.cost = Some(detail.cost);
                out.unpriced_tokens = detail.unpriced_tokens;
                out.usage_repair = detail.repair;
            }
            None => {
                self.note_unpriced(provider, found.map_or(first, |(m, _)| m));
                out.unpriced = true;
            }
        }
        out
    }
}
