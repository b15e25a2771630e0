//! The cost engine: a model catalog (prices, context windows, output limits) and the cost of a
//! GenAI call computed from its token usage.
//!
//! - [`Catalog`]: the shipped catalog (converted from Pydantic's open `genai-prices` data, with
//!   output limits from LiteLLM's; see the crate README for the refresh command) plus optional
//!   user overrides from a TOML file. Lookups by (`gen_ai.provider.name`, model, time) resolve
//!   dated snapshots, resource paths, router prefixes and fine-tunes, and are cached in a
//!   bounded map for the ingest hot path.
//! - [`cost()`]: the price of a call from usage in the canonical **inclusive** form
//!   ([`TokenUsage`]), with a breakdown (uncached input, cache read, cache write, output,
//!   reasoning) whose parts add up to the total. Every token is priced exactly once.
//! - [`shapes`]: converters from each provider's native usage object to [`TokenUsage`].
//! - [`context`]: context-window use and recognition of context-length errors.
//! - [`Catalog::price_span`]: all of the above for one span, for ingest and for recomputing
//!   stored spans after a price change.
//!
//! This crate does no I/O apart from reading an override file when asked to, and knows nothing
//! about storage or the pipeline.
//!
//! ```
//! use flightdeck_pricing::{Catalog, CostOptions, TokenUsage};
//!
//! let catalog = Catalog::builtin().unwrap();
//! // 2026-06-01T00:00:00Z: prices have effective dates.
//! let at = 1_780_272_000 * 1_000_000_000;
//! let usage = TokenUsage {
//!     input_tokens: 10_000,
//!     cache_read_input_tokens: 8_000,
//!     output_tokens: 500,
//!     ..TokenUsage::default()
//! };
//! let price = catalog.price(Some("openai"), "gpt-4o-2024-08-06", at, &[]).unwrap();
//! let cost = price.cost(&usage, &CostOptions::default()).cost;
//! // gpt-4o: $2.50 / M input, $1.25 / M cached input, $10 / M output.
//! // 2000 × 2.5 + 8000 × 1.25 + 500 × 10 = 5000 + 10000 + 5000 = 20000 µ$ → $0.02
//! assert!((cost.total - 0.02).abs() < 1e-12);
//! assert_eq!(cost.priced_as, "openai/gpt-4o");
//! assert_eq!(catalog.context_window(Some("openai"), "gpt-4o"), Some(128_000));
//! ```

mod catalog;
pub mod context;
mod cost;
mod matcher;
mod names;
pub mod rates;
pub mod shapes;
mod span;

pub use catalog::{
    Catalog, CatalogError, ListedModel, ListedProvider, ModelEntry, ModelInfo, Origin,
    OverrideError, Price, SourceInfo, SourceRef, UnpricedModel,
};
pub use context::{context_window_use, is_context_length_error};
pub use cost::{CacheTtl, CostDetail, CostOptions, TokenUsage, UsageRepair, cost, cost_detail};
pub use matcher::{MatchError, MatchSpec};
pub use names::{SELF_HOSTED_PROVIDERS, is_self_hosted, model_family};
pub use rates::{Rate, RateError, Rates, ResolvedRates, Tier, Unit};
pub use span::SpanPricing;
