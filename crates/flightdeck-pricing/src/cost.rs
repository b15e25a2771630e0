//! Cost of one call from its usage and prices.
//!
//! Usage is taken in the canonical **inclusive** form of the OpenTelemetry GenAI conventions:
//! `input_tokens` includes cache reads and cache writes, `output_tokens` includes reasoning, and
//! per-modality counts are subsets of those totals. The engine splits the tokens of a call into
//! disjoint cells (uncached text input, cached audio input, 1-hour cache writes, reasoning output,
//! ...). Each cell is priced once, at the most specific rate the model has for it, falling back
//! to the more general one (a cached audio token without an audio cache price is priced as a
//! cache read; a cache read without a cache price is priced as input; reasoning without its own
//! price is priced as output). So every token is counted exactly once, never twice and never
//! zero times, and the parts of the breakdown add up to the total.

use flightdeck_model::{Cost, Usage};
use serde::{Deserialize, Serialize};

use crate::rates::{ResolvedRates, Unit};

/// Token usage of one call, in the inclusive form, with the details prices can depend on.
///
/// Subsets: `cache_read_input_tokens + cache_write_input_tokens <= input_tokens`,
/// `cache_write_1h_input_tokens <= cache_write_input_tokens`,
/// `reasoning_output_tokens <= output_tokens`, each modality's input (output) count
/// `<= input_tokens` (`output_tokens`), and each modality's cache reads `<=` both its input count
/// and `cache_read_input_tokens`. Counts that break these rules are repaired, see
/// [`TokenUsage::repaired`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TokenUsage {
    /// All input tokens, cached ones included.
    pub input_tokens: u64,
    /// All output tokens, reasoning included.
    pub output_tokens: u64,
    /// Input tokens read from the provider's cache.
    pub cache_read_input_tokens: u64,
    /// Input tokens written to the provider's cache (all lifetimes).
    pub cache_write_input_tokens: u64,
    /// Of the cache writes, those with a 1-hour lifetime (Anthropic `ephemeral_1h_input_tokens`,
    /// Bedrock `cacheDetails` with `ttl = 1h`). The rest are priced at the 5-minute tier unless
    /// [`CostOptions::cache_write_ttl`] says otherwise.
    pub cache_write_1h_input_tokens: u64,
    /// Output tokens spent on reasoning.
    pub reasoning_output_tokens: u64,
    /// Audio input tokens (cached ones included).
    pub audio_input_tokens: u64,
    /// Image input tokens (cached ones included).
    pub image_input_tokens: u64,
    /// Video input tokens (cached ones included).
    pub video_input_tokens: u64,
    /// Audio input tokens read from the cache.
    pub audio_cache_read_input_tokens: u64,
    /// Image input tokens read from the cache.
    pub image_cache_read_input_tokens: u64,
    /// Video input tokens read from the cache.
    pub video_cache_read_input_tokens: u64,
    /// Audio output tokens.
    pub audio_output_tokens: u64,
    /// Image output tokens.
    pub image_output_tokens: u64,
    /// Video output tokens.
    pub video_output_tokens: u64,
}

fn count(v: Option<i64>) -> u64 {
    v.and_then(|v| u64::try_from(v).ok()).unwrap_or(0)
}

impl From<&Usage> for TokenUsage {
    /// Reads the span's usage; missing and negative counts are zero.
    fn from(u: &Usage) -> TokenUsage {
        TokenUsage {
            input_tokens: count(u.input_tokens),
            output_tokens: count(u.output_tokens),
            cache_read_input_tokens: count(u.cache_read_input_tokens),
            cache_write_input_tokens: count(u.cache_write_input_tokens),
            reasoning_output_tokens: count(u.reasoning_output_tokens),
            ..TokenUsage::default()
        }
    }
}

fn signed(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn some_if_positive(v: u64) -> Option<i64> {
    (v > 0).then(|| signed(v))
}

/// What [`TokenUsage::repaired`] had to change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct UsageRepair {
    /// Cache reads plus cache writes exceeded `input_tokens`: the input count was reported
    /// without the cached tokens (Anthropic's native `input_tokens`, Bedrock `inputTokens`), so
    /// the cached tokens were added to it.
    pub input_excluded_cache: bool,
    /// Reasoning exceeded `output_tokens`: the output count was reported without reasoning
    /// (Gemini `candidatesTokenCount`), so reasoning was added to it.
    pub output_excluded_reasoning: bool,
    /// A per-modality or cache-lifetime count exceeded its total and was cut down to it.
    pub clamped: bool,
}

impl UsageRepair {
    /// True when nothing was changed.
    pub fn is_clean(&self) -> bool {
        *self == UsageRepair::default()
    }
}

impl TokenUsage {
    /// The span-level usage (the five counts the model keeps); zero detail counts are omitted,
    /// input and output are always set.
    pub fn to_usage(&self) -> Usage {
        Usage {
            input_tokens: Some(signed(self.input_tokens)),
            output_tokens: Some(signed(self.output_tokens)),
            cache_read_input_tokens: some_if_positive(self.cache_read_input_tokens),
            cache_write_input_tokens: some_if_positive(self.cache_write_input_tokens),
            reasoning_output_tokens: some_if_positive(self.reasoning_output_tokens),
        }
    }

    /// True when every count is zero.
    pub fn is_empty(&self) -> bool {
        *self == TokenUsage::default()
    }

    /// The usage made consistent with the inclusive rules, and what had to change.
    ///
    /// A subset larger than its total can only mean the total was reported in a provider's
    /// exclusive form, so the subset is added to it (this is how Anthropic-shaped input counts
    /// that slipped through unconverted still cost the right amount). Per-modality and 1-hour
    /// counts that exceed their totals are cut down to them.
    pub fn repaired(&self) -> (TokenUsage, UsageRepair) {
        let mut u = *self;
        let mut repair = UsageRepair::default();
        let cached = u
            .cache_read_input_tokens
            .saturating_add(u.cache_write_input_tokens);
        if cached > u.input_tokens {
            u.input_tokens = u.input_tokens.saturating_add(cached);
            repair.input_excluded_cache = true;
        }
        if u.reasoning_output_tokens > u.output_tokens {
            u.output_tokens = u.output_tokens.saturating_add(u.reasoning_output_tokens);
            repair.output_excluded_reasoning = true;
        }
        let mut clamp = |v: &mut u64, max: u64| {
            if *v > max {
                *v = max;
                repair.clamped = true;
            }
        };
        clamp(
            &mut u.cache_write_1h_input_tokens,
            u.cache_write_input_tokens,
        );
        let (input, cache_read, output) =
            (u.input_tokens, u.cache_read_input_tokens, u.output_tokens);
        clamp(&mut u.audio_input_tokens, input);
        clamp(&mut u.image_input_tokens, input);
        clamp(&mut u.video_input_tokens, input);
        let audio = u.audio_input_tokens.min(cache_read);
        let image = u.image_input_tokens.min(cache_read);
        let video = u.video_input_tokens.min(cache_read);
        clamp(&mut u.audio_cache_read_input_tokens, audio);
        clamp(&mut u.image_cache_read_input_tokens, image);
        clamp(&mut u.video_cache_read_input_tokens, video);
        clamp(&mut u.audio_output_tokens, output);
        clamp(&mut u.image_output_tokens, output);
        clamp(&mut u.video_output_tokens, output);
        (u, repair)
    }
}

/// The lifetime of cache writes whose lifetime the usage does not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CacheTtl {
    /// Five minutes: the providers' default (Anthropic `cache_control: {type: "ephemeral"}`).
    #[default]
    FiveMinutes,
    /// One hour (Anthropic `ttl: "1h"`).
    OneHour,
}

/// Choices the usage alone does not determine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CostOptions {
    /// Lifetime of cache writes not reported as 1-hour ones.
    pub cache_write_ttl: CacheTtl,
}

/// The tokens of a call split into disjoint cells; the cells add up to input + output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Cells {
    input: [u64; 4],      // uncached: other (text), audio, image, video
    cache_read: [u64; 4], // cached: other, audio, image, video
    cache_write_5m: u64,
    cache_write_1h: u64,
    output: [u64; 4], // other (text), audio, image, video — reasoning excluded
    reasoning: u64,
}

impl Cells {
    /// Splits repaired usage (see [`TokenUsage::repaired`]); the split never goes negative.
    fn split(u: &TokenUsage, ttl: CacheTtl) -> Cells {
        let mut c = Cells::default();

        let mut cached = u.cache_read_input_tokens;
        for (i, n) in [
            u.audio_cache_read_input_tokens,
            u.image_cache_read_input_tokens,
            u.video_cache_read_input_tokens,
        ]
        .into_iter()
        .enumerate()
        {
            let n = n.min(cached);
            c.cache_read[i + 1] = n;
            cached -= n;
        }
        c.cache_read[0] = cached;

        let written = u.cache_write_input_tokens;
        c.cache_write_1h = match ttl {
            CacheTtl::FiveMinutes => u.cache_write_1h_input_tokens.min(written),
            CacheTtl::OneHour => written,
        };
        c.cache_write_5m = written - c.cache_write_1h;

        let mut uncached = u
            .input_tokens
            .saturating_sub(u.cache_read_input_tokens)
            .saturating_sub(written);
        for (i, total) in [
            u.audio_input_tokens,
            u.image_input_tokens,
            u.video_input_tokens,
        ]
        .into_iter()
        .enumerate()
        {
            let n = total.saturating_sub(c.cache_read[i + 1]).min(uncached);
            c.input[i + 1] = n;
            uncached -= n;
        }
        c.input[0] = uncached;

        c.reasoning = u.reasoning_output_tokens.min(u.output_tokens);
        let mut rest = u.output_tokens - c.reasoning;
        for (i, n) in [
            u.audio_output_tokens,
            u.image_output_tokens,
            u.video_output_tokens,
        ]
        .into_iter()
        .enumerate()
        {
            let n = n.min(rest);
            c.output[i + 1] = n;
            rest -= n;
        }
        c.output[0] = rest;
        c
    }
}

const INPUT_BY_MODALITY: [Unit; 4] = [
    Unit::Input,
    Unit::InputAudio,
    Unit::InputImage,
    Unit::InputVideo,
];
const CACHE_READ_BY_MODALITY: [Unit; 4] = [
    Unit::CacheRead,
    Unit::CacheReadAudio,
    Unit::CacheReadImage,
    Unit::CacheReadVideo,
];
const OUTPUT_BY_MODALITY: [Unit; 4] = [
    Unit::Output,
    Unit::OutputAudio,
    Unit::OutputImage,
    Unit::OutputVideo,
];

/// A cost with what could not be priced.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CostDetail {
    /// The cost and its breakdown.
    pub cost: Cost,
    /// Tokens for which the model has no applicable price (e.g. output tokens of a model priced
    /// only for input); they are counted at $0.
    pub unpriced_tokens: u64,
    /// What had to be changed to make the usage consistent.
    pub repair: UsageRepair,
}

/// Prices one call. `priced_as` names the catalog entry the rates come from.
///
/// Breakdown: `input` is uncached input of every modality plus any per-call fee; `cache_read`
/// and `cache_write` are the cached input; `reasoning` is reasoning output (at the reasoning
/// price when the model has one, else at the output price); `output` is the rest of the output.
/// Long-context tiers are chosen by the call's total input tokens.
pub fn cost(
    usage: &TokenUsage,
    rates: &ResolvedRates<'_>,
    priced_as: &str,
    options: &CostOptions,
) -> Cost {
    cost_detail(usage, rates, priced_as, options).cost
}

/// Like [`cost`], also reporting unpriced tokens and usage repairs.
pub fn cost_detail(
    usage: &TokenUsage,
    rates: &ResolvedRates<'_>,
    priced_as: &str,
    options: &CostOptions,
) -> CostDetail {
    let (usage, repair) = usage.repaired();
    let cells = Cells::split(&usage, options.cache_write_ttl);
    let total_input = usage.input_tokens;
    let mut unpriced = 0u64;

    // The first unit in `chain` that has a rate prices the cell.
    let mut price = |tokens: u64, chain: &[Unit]| -> f64 {
        if tokens == 0 {
            return 0.0;
        }
        match chain.iter().find_map(|u| rates.get(*u)) {
            Some(rate) => tokens as f64 * rate.at(total_input) / 1_000_000.0,
            None => {
                unpriced = unpriced.saturating_add(tokens);
                0.0
            }
        }
    };

    let mut input = 0.0;
    for (m, unit) in INPUT_BY_MODALITY.iter().enumerate() {
        input += price(cells.input[m], &[*unit, Unit::Input]);
    }
    let mut cache_read = 0.0;
    for (m, unit) in CACHE_READ_BY_MODALITY.iter().enumerate() {
        cache_read += price(
            cells.cache_read[m],
            &[*unit, Unit::CacheRead, INPUT_BY_MODALITY[m], Unit::Input],
        );
    }
    let cache_write = price(
        cells.cache_write_5m,
        &[Unit::CacheWrite5m, Unit::CacheWrite, Unit::Input],
    ) + price(
        cells.cache_write_1h,
        &[Unit::CacheWrite1h, Unit::CacheWrite, Unit::Input],
    );
    let mut output = 0.0;
    for (m, unit) in OUTPUT_BY_MODALITY.iter().enumerate() {
        output += price(cells.output[m], &[*unit, Unit::Output]);
    }
    let reasoning = price(cells.reasoning, &[Unit::Reasoning, Unit::Output]);
    if let Some(fee) = rates.get(Unit::Request) {
        input += fee.at(total_input);
    }

    CostDetail {
        cost: Cost {
            total: input + cache_read + cache_write + output + reasoning,
            input,
            cache_read,
            cache_write,
            output,
            reasoning,
            priced_as: priced_as.to_owned(),
        },
        unpriced_tokens: unpriced,
        repair,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::rates::{Rate, Rates, Tier};

    fn flat(p: f64) -> Rate {
        Rate::flat(p).unwrap()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * b.abs().max(1.0)
    }

    /// A plain call: uncached input and output at their rates; the parts add up.
    #[test]
    fn plain_input_output() {
        let rates = Rates::new()
            .with(Unit::Input, flat(2.5))
            .with(Unit::Output, flat(10.0));
        let usage = TokenUsage {
            input_tokens: 1_000,
            output_tokens: 500,
            ..Default::default()
        };
        let c = cost(
            &usage,
            &ResolvedRates::of(&rates),
            "openai/gpt-4o",
            &CostOptions::default(),
        );
        // 1000 × 2.5/1M = 0.0025; 500 × 10/1M = 0.005
        assert!(close(c.input, 0.0025));
        assert!(close(c.output, 0.005));
        assert!(close(c.total, 0.0075));
        assert_eq!(c.priced_as, "openai/gpt-4o");
    }

    /// Cache reads and writes are carved out of input and priced at their own rates; 1-hour
    /// writes at the 1-hour rate; unsplit writes follow the caller's TTL choice.
    #[test]
    fn cache_tiers() {
        let rates = Rates::new()
            .with(Unit::Input, flat(3.0))
            .with(Unit::Output, flat(15.0))
            .with(Unit::CacheRead, flat(0.3))
            .with(Unit::CacheWrite, flat(3.75))
            .with(Unit::CacheWrite1h, flat(6.0));
        let usage = TokenUsage {
            input_tokens: 10_000,
            cache_read_input_tokens: 6_000,
            cache_write_input_tokens: 3_000,
            cache_write_1h_input_tokens: 1_000,
            output_tokens: 100,
            ..Default::default()
        };
        let r = ResolvedRates::of(&rates);
        let c = cost(&usage, &r, "x", &CostOptions::default());
        // uncached 10000−6000−3000 = 1000 × 3 = 0.003
        // cache read 6000 × 0.3 = 0.0018
        // cache write 2000 × 3.75 + 1000 × 6 = 0.0075 + 0.006 = 0.0135
        // output 100 × 15 = 0.0015
        assert!(close(c.input, 0.003));
        assert!(close(c.cache_read, 0.0018));
        assert!(close(c.cache_write, 0.0135));
        assert!(close(c.output, 0.0015));
        assert!(close(c.total, 0.0198));

        let one_hour = CostOptions {
            cache_write_ttl: CacheTtl::OneHour,
        };
        let c = cost(&usage, &r, "x", &one_hour);
        // all 3000 writes at 6 = 0.018
        assert!(close(c.cache_write, 0.018));
    }

    /// Without cache prices, cached tokens cost input price (charged once, not free, not twice);
    /// without a reasoning price, reasoning costs output price and shows in `reasoning`.
    #[test]
    fn fallbacks_price_every_token_once() {
        let rates = Rates::new()
            .with(Unit::Input, flat(1.0))
            .with(Unit::Output, flat(4.0));
        let usage = TokenUsage {
            input_tokens: 1_000_000,
            cache_read_input_tokens: 400_000,
            cache_write_input_tokens: 100_000,
            output_tokens: 200_000,
            reasoning_output_tokens: 150_000,
            ..Default::default()
        };
        let c = cost(
            &usage,
            &ResolvedRates::of(&rates),
            "x",
            &CostOptions::default(),
        );
        // input 500k × 1 = 0.5; cache read 400k × 1 = 0.4; cache write 100k × 1 = 0.1
        // output 50k × 4 = 0.2; reasoning 150k × 4 = 0.6; total 1.8 = 1M × 1 + 200k × 4
        assert!(close(c.input, 0.5));
        assert!(close(c.cache_read, 0.4));
        assert!(close(c.cache_write, 0.1));
        assert!(close(c.output, 0.2));
        assert!(close(c.reasoning, 0.6));
        assert!(close(c.total, 1.8));
    }

    /// Long-context tiers switch every unit by the call's total input, cached tokens included.
    #[test]
    fn long_context_tier_uses_total_input() {
        let tiered = |base: f64, above: f64| {
            Rate::tiered(
                base,
                vec![Tier {
                    start: 200_000,
                    price: above,
                }],
            )
            .unwrap()
        };
        let rates = Rates::new()
            .with(Unit::Input, tiered(1.25, 2.5))
            .with(Unit::CacheRead, tiered(0.125, 0.25))
            .with(Unit::Output, tiered(10.0, 15.0));
        // 150k uncached + 100k cached = 250k total input > 200k: every token at the upper tier.
        let usage = TokenUsage {
            input_tokens: 250_000,
            cache_read_input_tokens: 100_000,
            output_tokens: 2_000,
            ..Default::default()
        };
        let c = cost(
            &usage,
            &ResolvedRates::of(&rates),
            "x",
            &CostOptions::default(),
        );
        // 150000 × 2.5 = 0.375; 100000 × 0.25 = 0.025; 2000 × 15 = 0.03
        assert!(close(c.input, 0.375));
        assert!(close(c.cache_read, 0.025));
        assert!(close(c.output, 0.03));
        assert!(close(c.total, 0.43));
    }

    /// Per-modality prices apply to their tokens; cached audio takes the audio cache price.
    #[test]
    fn modality_prices() {
        let rates = Rates::new()
            .with(Unit::Input, flat(4.0))
            .with(Unit::Output, flat(16.0))
            .with(Unit::CacheRead, flat(0.4))
            .with(Unit::InputAudio, flat(32.0))
            .with(Unit::CacheReadAudio, flat(0.4))
            .with(Unit::OutputAudio, flat(64.0));
        let usage = TokenUsage {
            input_tokens: 5_000,
            audio_input_tokens: 3_000,
            cache_read_input_tokens: 2_500,
            audio_cache_read_input_tokens: 2_000,
            output_tokens: 1_200,
            audio_output_tokens: 1_000,
            ..Default::default()
        };
        let c = cost(
            &usage,
            &ResolvedRates::of(&rates),
            "x",
            &CostOptions::default(),
        );
        // uncached text: 5000 − 2500 cached − (3000 − 2000) uncached audio = 1500 × 4 = 0.006
        // uncached audio: 1000 × 32 = 0.032 → input 0.038
        // cached text 500 × 0.4 = 0.0002; cached audio 2000 × 0.4 = 0.0008 → 0.001
        // output text 200 × 16 = 0.0032; audio 1000 × 64 = 0.064 → 0.0672
        assert!(close(c.input, 0.038));
        assert!(close(c.cache_read, 0.001));
        assert!(close(c.output, 0.0672));
        assert!(close(c.total, 0.1062));
    }

    /// Exclusive counts that slipped through are repaired instead of losing the cached tokens.
    #[test]
    fn repairs_exclusive_input() {
        let usage = TokenUsage {
            input_tokens: 10,
            cache_read_input_tokens: 5_000,
            output_tokens: 20,
            reasoning_output_tokens: 30,
            ..Default::default()
        };
        let (fixed, repair) = usage.repaired();
        assert_eq!(fixed.input_tokens, 5_010);
        assert_eq!(fixed.output_tokens, 50);
        assert!(repair.input_excluded_cache && repair.output_excluded_reasoning);
        assert!(!repair.clamped);
    }

    /// A per-call fee is added to `input`; a model without an output price leaves output unpriced
    /// and says so.
    #[test]
    fn request_fee_and_unpriced_tokens() {
        let rates = Rates::new()
            .with(Unit::Input, flat(1.0))
            .with(Unit::Request, flat(0.005));
        let usage = TokenUsage {
            input_tokens: 1_000,
            output_tokens: 10,
            ..Default::default()
        };
        let d = cost_detail(
            &usage,
            &ResolvedRates::of(&rates),
            "x",
            &CostOptions::default(),
        );
        // 1000 × 1/1M + 0.005 = 0.006
        assert!(close(d.cost.input, 0.006));
        assert_eq!(d.cost.output, 0.0);
        assert_eq!(d.unpriced_tokens, 10);
    }

    /// The span usage converts both ways without losing the five counts.
    #[test]
    fn model_usage_round_trip() {
        let usage = Usage {
            input_tokens: Some(100),
            output_tokens: Some(50),
            cache_read_input_tokens: Some(40),
            cache_write_input_tokens: None,
            reasoning_output_tokens: Some(-3),
        };
        let t = TokenUsage::from(&usage);
        assert_eq!(t.input_tokens, 100);
        assert_eq!(t.cache_read_input_tokens, 40);
        assert_eq!(t.reasoning_output_tokens, 0);
        let back = t.to_usage();
        assert_eq!(back.input_tokens, Some(100));
        assert_eq!(back.cache_read_input_tokens, Some(40));
        assert_eq!(back.cache_write_input_tokens, None);
        assert_eq!(back.reasoning_output_tokens, None);
    }

    fn usage_strategy() -> impl Strategy<Value = TokenUsage> {
        let n = || 0u64..2_000_000;
        (
            (n(), n(), n(), n(), n(), n(), n(), n()),
            (n(), n(), n(), n(), n(), n(), n()),
        )
            .prop_map(|(a, b)| TokenUsage {
                input_tokens: a.0,
                output_tokens: a.1,
                cache_read_input_tokens: a.2,
                cache_write_input_tokens: a.3,
                cache_write_1h_input_tokens: a.4,
                reasoning_output_tokens: a.5,
                audio_input_tokens: a.6,
                image_input_tokens: a.7,
                video_input_tokens: b.0,
                audio_cache_read_input_tokens: b.1,
                image_cache_read_input_tokens: b.2,
                video_cache_read_input_tokens: b.3,
                audio_output_tokens: b.4,
                image_output_tokens: b.5,
                video_output_tokens: b.6,
            })
    }

    proptest! {
        /// For any usage, the cells cover every (repaired) token exactly once.
        #[test]
        fn cells_partition_tokens(usage in usage_strategy(), one_hour in any::<bool>()) {
            let (u, _) = usage.repaired();
            let ttl = if one_hour { CacheTtl::OneHour } else { CacheTtl::FiveMinutes };
            let c = Cells::split(&u, ttl);
            let inputs: u64 = c.input.iter().sum::<u64>() + c.cache_read.iter().sum::<u64>()
                + c.cache_write_5m + c.cache_write_1h;
            let outputs: u64 = c.output.iter().sum::<u64>() + c.reasoning;
            prop_assert_eq!(inputs, u.input_tokens);
            prop_assert_eq!(outputs, u.output_tokens);
            prop_assert_eq!(c.cache_read.iter().sum::<u64>(), u.cache_read_input_tokens);
            prop_assert_eq!(c.cache_write_5m + c.cache_write_1h, u.cache_write_input_tokens);
        }

        /// With one flat price for everything, cost = (input + output) × price, whatever the
        /// split; and the parts always add up to the total.
        #[test]
        fn uniform_price_counts_each_token_once(usage in usage_strategy()) {
            let rates = Rates::new().with(Unit::Input, flat(2.0)).with(Unit::Output, flat(2.0));
            let d = cost_detail(&usage, &ResolvedRates::of(&rates), "x", &CostOptions::default());
            let (u, _) = usage.repaired();
            let expected = (u.input_tokens + u.output_tokens) as f64 * 2.0 / 1e6;
            prop_assert!(close(d.cost.total, expected), "{} vs {}", d.cost.total, expected);
            let c = &d.cost;
            prop_assert_eq!(c.total, c.input + c.cache_read + c.cache_write + c.output + c.reasoning);
            prop_assert_eq!(d.unpriced_tokens, 0);
        }
    }
}
