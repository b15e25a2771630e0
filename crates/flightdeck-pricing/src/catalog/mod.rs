//! The model catalog: the shipped dataset plus user overrides, looked up by provider, model
//! and time.
//!
//! Lookups go through a bounded cache keyed by the (provider, model) strings exactly as they
//! appear on spans, so the ingest path pays one hash lookup per call; name normalization and
//! pattern matching run only on a miss.

mod data;
mod overrides;

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use serde::Serialize;

pub use data::{ModelEntry, Origin, SourceInfo, SourceRef};
pub use overrides::OverrideError;

use crate::cost::{CostDetail, CostOptions, TokenUsage, cost_detail};
use crate::names::{self, FIRST_PARTY_PROVIDERS, SELF_HOSTED_PROVIDERS};
use crate::rates::{Rate, Rates, ResolvedRates, Unit};
use data::{Constraint, Dataset, Period, PriceTime};
use overrides::Rule;

/// The catalog file shipped with the crate (see `scripts/refresh_prices.py`).
const EMBEDDED: &str = include_str!("../../data/catalog.json");

/// Distinct (provider, model) pairs whose lookup result is kept.
const CACHE_CAPACITY: usize = 8_192;
/// Distinct unpriced (provider, model) pairs remembered.
const UNPRICED_CAPACITY: usize = 1_000;
/// Longer provider or model names are not looked up (no real one comes close; Bedrock ARNs are
/// under 200 bytes) and are cut to this length in the unpriced list, so neither the cache nor the
/// list can hold large strings.
const MAX_NAME_BYTES: usize = 256;

/// The shipped catalog cannot be loaded.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CatalogError {
    /// The catalog JSON is malformed.
    #[error("model catalog: {0}")]
    Json(#[source] Arc<serde_json::Error>),
    /// An entry is invalid.
    #[error("model catalog: {entry}: {message}")]
    Entry {
        /// The provider or `provider/model`.
        entry: String,
        /// What is wrong.
        message: String,
    },
}

impl From<serde_json::Error> for CatalogError {
    fn from(e: serde_json::Error) -> Self {
        CatalogError::Json(Arc::new(e))
    }
}

/// The embedded dataset, parsed once per process.
fn embedded() -> Result<Arc<Dataset>, CatalogError> {
    static DATASET: OnceLock<Result<Arc<Dataset>, CatalogError>> = OnceLock::new();
    DATASET
        .get_or_init(|| Dataset::parse(EMBEDDED).map(Arc::new))
        .clone()
}

/// Which entry a lookup resolved to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Idx {
    Dataset(u32),
    Custom(u32),
}

/// The result of a (provider, model) lookup: the user's override, and the entry it falls back
/// to (the dataset's, or the $0 entry of a local runtime).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Resolution {
    custom: Option<u32>,
    base: Option<Idx>,
}

/// How a span's provider name maps to the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ProviderRes {
    Dataset(usize),
    SelfHosted(usize),
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct CacheKey {
    provider: Option<Box<str>>,
    model: Box<str>,
}

impl Hash for CacheKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_key(self.provider.as_deref(), &self.model, state);
    }
}

/// The borrowed form of [`CacheKey`], so a cache hit allocates nothing.
#[derive(Debug, Clone, Copy)]
struct CacheKeyRef<'a> {
    provider: Option<&'a str>,
    model: &'a str,
}

impl Hash for CacheKeyRef<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_key(self.provider, self.model, state);
    }
}

fn hash_key<H: Hasher>(provider: Option<&str>, model: &str, state: &mut H) {
    provider.hash(state);
    model.hash(state);
}

impl equivalent::Equivalent<CacheKey> for CacheKeyRef<'_> {
    fn equivalent(&self, key: &CacheKey) -> bool {
        self.provider == key.provider.as_deref() && self.model == &*key.model
    }
}

/// A model (provider, model) pair seen with usage but without a price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnpricedModel {
    /// `gen_ai.provider.name`, if the span had one.
    pub provider: Option<String>,
    /// The model name as on the span.
    pub model: String,
    /// Calls seen since start.
    pub calls: u64,
}

#[derive(Debug, Default)]
struct UnpricedLog {
    /// Model → calls per provider (a model rarely comes from more than one).
    seen: HashMap<String, Vec<(Option<String>, u64)>>,
    /// Distinct (provider, model) pairs in `seen`.
    pairs: usize,
    /// Calls of pairs not remembered because the log was full.
    overflow: u64,
}

/// `s` cut to at most `max` bytes on a character boundary.
fn truncated(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// A lookup result: the entry that applies, with what it inherits from the catalog.
#[derive(Debug, Clone, Copy)]
pub struct ModelInfo<'a> {
    entry: &'a ModelEntry,
    custom: Option<&'a ModelEntry>,
    base: Option<&'a ModelEntry>,
}

impl<'a> ModelInfo<'a> {
    /// The entry: the user's override if there is one, else the catalog's.
    pub fn entry(&self) -> &'a ModelEntry {
        self.entry
    }

    /// The catalog entry under an override (or the entry itself when there is no override).
    pub fn base(&self) -> Option<&'a ModelEntry> {
        self.base
    }

    /// True when a user override applies.
    pub fn is_overridden(&self) -> bool {
        self.custom.is_some()
    }

    /// Maximum input tokens: the override's, else the catalog's.
    pub fn context_window(&self) -> Option<u64> {
        self.custom
            .and_then(|e| e.context_window)
            .or_else(|| self.base.and_then(|e| e.context_window))
    }

    /// Maximum output tokens: the override's, else the catalog's.
    pub fn max_output(&self) -> Option<u64> {
        self.custom
            .and_then(|e| e.max_output)
            .or_else(|| self.base.and_then(|e| e.max_output))
    }

    /// The prices in force at `at_unix_nano` for a request with the given properties: the
    /// override's when it has prices then, else the catalog's. `None` when neither has token
    /// prices.
    pub fn price(&self, at_unix_nano: u64, context: &[(&str, &str)]) -> Option<Price<'a>> {
        let at = PriceTime::from_unix_nanos(at_unix_nano);
        if let Some(entry) = self.custom {
            let rates = entry.rates_at(at, context);
            if rates.is_priced() {
                return Some(Price { rates, entry });
            }
        }
        let entry = self.base?;
        let rates = entry.rates_at(at, context);
        rates.is_priced().then_some(Price { rates, entry })
    }
}

/// The prices in force for one call.
#[derive(Debug, Clone, Copy)]
pub struct Price<'a> {
    rates: ResolvedRates<'a>,
    entry: &'a ModelEntry,
}

impl<'a> Price<'a> {
    /// The rates per unit.
    pub fn rates(&self) -> &ResolvedRates<'a> {
        &self.rates
    }

    /// The entry the rates come from.
    pub fn entry(&self) -> &'a ModelEntry {
        self.entry
    }

    /// Prices a call with this usage.
    pub fn cost(&self, usage: &TokenUsage, options: &CostOptions) -> CostDetail {
        cost_detail(usage, &self.rates, self.entry.label(), options)
    }
}

/// One catalog entry as listed by the API.
#[derive(Debug, Clone, Serialize)]
pub struct ListedModel {
    /// Catalog provider id.
    pub provider: String,
    /// Model id.
    pub model: String,
    /// Display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Where the entry comes from.
    pub origin: Origin,
    /// Maximum input tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context_window: Option<u64>,
    /// Maximum output tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_output: Option<u64>,
    /// Deprecated by the provider.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub deprecated: bool,
    /// Standard prices in force at the listing time (USD per million tokens; `request` per
    /// call); empty when the model has no token prices.
    pub prices: Rates,
}

/// A provider of the shipped catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListedProvider {
    /// Catalog provider id (`openai`, `google`, `aws`, ...).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Models it lists.
    pub models: usize,
}

/// The model catalog. Cheap to share behind an `Arc`; every method takes `&self`.
pub struct Catalog {
    dataset: Arc<Dataset>,
    /// Override entries, then one $0 entry per local runtime.
    custom: Vec<ModelEntry>,
    rules: Vec<Rule>,
    self_hosted_start: usize,
    cache: quick_cache::sync::Cache<CacheKey, Resolution>,
    unpriced: Mutex<UnpricedLog>,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog")
            .field("providers", &self.dataset.providers.len())
            .field("models", &self.dataset.models.len())
            .field("overrides", &self.rules.len())
            .finish_non_exhaustive()
    }
}

impl Catalog {
    /// The shipped catalog, without overrides.
    pub fn builtin() -> Result<Catalog, CatalogError> {
        Ok(Catalog::assemble(embedded()?, Vec::new()))
    }

    /// The shipped catalog with the overrides in `text` (TOML; `origin` names it in errors).
    pub fn with_overrides(text: &str, origin: &str) -> Result<Catalog, OverrideError> {
        let entries = overrides::parse(text, origin)?;
        Ok(Catalog::assemble(embedded()?, entries))
    }

    /// The shipped catalog with the overrides of a TOML file.
    pub fn with_overrides_file(path: &Path) -> Result<Catalog, OverrideError> {
        let text = std::fs::read_to_string(path).map_err(|source| OverrideError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Catalog::with_overrides(&text, &path.display().to_string())
    }

    fn assemble(dataset: Arc<Dataset>, entries: Vec<(Rule, ModelEntry)>) -> Catalog {
        let mut custom = Vec::with_capacity(entries.len() + SELF_HOSTED_PROVIDERS.len());
        let mut rules = Vec::with_capacity(entries.len());
        for (mut rule, entry) in entries {
            rule.entry = custom.len();
            rules.push(rule);
            custom.push(entry);
        }
        let self_hosted_start = custom.len();
        for provider in SELF_HOSTED_PROVIDERS {
            custom.push(self_hosted_entry(provider));
        }
        Catalog {
            dataset,
            custom,
            rules,
            self_hosted_start,
            cache: quick_cache::sync::Cache::new(CACHE_CAPACITY),
            unpriced: Mutex::new(UnpricedLog::default()),
        }
    }

    /// Where the shipped data comes from.
    pub fn source(&self) -> &SourceInfo {
        &self.dataset.source
    }

    /// The entry for a model. `provider` is `gen_ai.provider.name` (or `None` when unknown);
    /// `model` is the model name as on the span.
    pub fn model(&self, provider: Option<&str>, model: &str) -> Option<ModelInfo<'_>> {
        let r = self.resolve(provider, model);
        let custom = r.custom.map(|i| &self.custom[i as usize]);
        let base = r.base.map(|i| self.entry(i));
        Some(ModelInfo {
            entry: custom.or(base)?,
            custom,
            base,
        })
    }

    /// Maximum input tokens of a model.
    pub fn context_window(&self, provider: Option<&str>, model: &str) -> Option<u64> {
        self.model(provider, model)?.context_window()
    }

    /// Maximum output tokens of a model.
    pub fn max_output(&self, provider: Option<&str>, model: &str) -> Option<u64> {
        self.model(provider, model)?.max_output()
    }

    /// The prices in force for a call at `at_unix_nano`, for a request with the given properties
    /// (`("service_tier", "flex")`, `("processing", "batch")`; empty for standard prices).
    /// `None` when the model is unknown or has no token prices.
    pub fn price(
        &self,
        provider: Option<&str>,
        model: &str,
        at_unix_nano: u64,
        context: &[(&str, &str)],
    ) -> Option<Price<'_>> {
        self.model(provider, model)?.price(at_unix_nano, context)
    }

    /// Prices a call. `None` when the model has no price; such (provider, model) pairs are
    /// remembered for [`Catalog::unpriced_models`].
    pub fn cost(
        &self,
        provider: Option<&str>,
        model: &str,
        usage: &TokenUsage,
        at_unix_nano: u64,
        context: &[(&str, &str)],
        options: &CostOptions,
    ) -> Option<CostDetail> {
        match self.price(provider, model, at_unix_nano, context) {
            Some(price) => Some(price.cost(usage, options)),
            None => {
                self.note_unpriced(provider, model);
                None
            }
        }
    }

    /// Models seen with usage but without a price, most calls first, so the user can add them.
    pub fn unpriced_models(&self) -> Vec<UnpricedModel> {
        let log = self.unpriced.lock().unwrap_or_else(|e| e.into_inner());
        let mut out: Vec<UnpricedModel> = log
            .seen
            .iter()
            .flat_map(|(model, providers)| {
                providers.iter().map(|(provider, calls)| UnpricedModel {
                    provider: provider.clone(),
                    model: model.clone(),
                    calls: *calls,
                })
            })
            .collect();
        out.sort_by(|a, b| {
            b.calls
                .cmp(&a.calls)
                .then_with(|| a.model.cmp(&b.model))
                .then_with(|| a.provider.cmp(&b.provider))
        });
        out
    }

    /// Unpriced calls not in [`Catalog::unpriced_models`] because the list was full
    /// (1000 distinct models).
    pub fn unpriced_calls_not_listed(&self) -> u64 {
        self.unpriced
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .overflow
    }

    /// Counts an unpriced call; allocates only for a pair not seen before.
    pub(crate) fn note_unpriced(&self, provider: Option<&str>, model: &str) {
        let provider = provider
            .map(|p| truncated(p.trim(), MAX_NAME_BYTES))
            .filter(|p| !p.is_empty());
        let model = truncated(model.trim(), MAX_NAME_BYTES);
        let mut log = self.unpriced.lock().unwrap_or_else(|e| e.into_inner());
        let full = log.pairs >= UNPRICED_CAPACITY;
        let log = &mut *log;
        if let Some(providers) = log.seen.get_mut(model) {
            if let Some((_, calls)) = providers.iter_mut().find(|(p, _)| p.as_deref() == provider) {
                *calls += 1;
            } else if full {
                log.overflow += 1;
            } else {
                providers.push((provider.map(str::to_owned), 1));
                log.pairs += 1;
            }
        } else if full {
            log.overflow += 1;
        } else {
            log.seen
                .insert(model.to_owned(), vec![(provider.map(str::to_owned), 1)]);
            log.pairs += 1;
        }
    }

    /// Every entry (overrides first, then the dataset) with its standard prices at
    /// `at_unix_nano`.
    pub fn list(&self, at_unix_nano: u64) -> Vec<ListedModel> {
        let at = PriceTime::from_unix_nanos(at_unix_nano);
        self.custom
            .iter()
            .chain(self.dataset.models.iter())
            .map(|e| {
                let resolved = e.rates_at(at, &[]);
                let mut prices = Rates::new();
                for unit in Unit::ALL {
                    if let Some(rate) = resolved.get(unit) {
                        prices = prices.with(unit, rate.clone());
                    }
                }
                ListedModel {
                    provider: e.provider().to_owned(),
                    model: e.id().to_owned(),
                    name: e.name().map(str::to_owned),
                    origin: e.origin(),
                    context_window: e.context_window(),
                    max_output: e.max_output(),
                    deprecated: e.deprecated(),
                    prices,
                }
            })
            .collect()
    }

    /// The providers of the shipped catalog, in catalog order.
    pub fn providers(&self) -> Vec<ListedProvider> {
        self.dataset
            .providers
            .iter()
            .map(|p| ListedProvider {
                id: p.id.to_string(),
                name: p.name.to_string(),
                models: p.models.len(),
            })
            .collect()
    }

    fn entry(&self, idx: Idx) -> &ModelEntry {
        match idx {
            Idx::Dataset(i) => &self.dataset.models[i as usize],
            Idx::Custom(i) => &self.custom[i as usize],
        }
    }

    /// The cached lookup.
    fn resolve(&self, provider: Option<&str>, model: &str) -> Resolution {
        if model.len() > MAX_NAME_BYTES || provider.is_some_and(|p| p.len() > MAX_NAME_BYTES) {
            return Resolution::default();
        }
        let key = CacheKeyRef { provider, model };
        if let Some(r) = self.cache.get(&key) {
            return r;
        }
        let r = self.resolve_uncached(provider, model);
        self.cache.insert(
            CacheKey {
                provider: provider.map(Into::into),
                model: model.into(),
            },
            r,
        );
        r
    }

    fn resolve_uncached(&self, provider: Option<&str>, model: &str) -> Resolution {
        let model = model.trim().to_lowercase();
        if model.is_empty() {
            return Resolution::default();
        }
        let provider = provider
            .map(|p| p.trim().to_lowercase())
            .filter(|p| !p.is_empty());
        let candidates = names::candidates(&model);
        let prov = provider
            .as_deref()
            .map_or(ProviderRes::Unknown, |p| self.resolve_provider(p));

        let custom = candidates
            .iter()
            .find_map(|c| self.find_override(provider.as_deref(), prov, &c.name))
            .map(|i| i as u32);

        let base = match prov {
            ProviderRes::SelfHosted(i) => Some(Idx::Custom(i as u32)),
            ProviderRes::Dataset(_) | ProviderRes::Unknown => {
                let in_given = |c: &names::Candidate| match prov {
                    ProviderRes::Dataset(pi) => self.find_in_provider(pi, &c.name),
                    _ => None,
                };
                let in_hinted = |c: &names::Candidate| {
                    let hint = c.provider_hint.as_deref()?;
                    match self.resolve_provider(hint) {
                        ProviderRes::Dataset(pi) => self.find_in_provider(pi, &c.name),
                        _ => None,
                    }
                };
                candidates
                    .iter()
                    .find_map(in_given)
                    .or_else(|| candidates.iter().find_map(in_hinted))
                    .or_else(|| {
                        candidates
                            .iter()
                            .find_map(|c| self.find_by_model_match(&c.name))
                    })
                    .or_else(|| {
                        candidates
                            .iter()
                            .find_map(|c| self.find_first_party(&c.name))
                    })
                    .map(|i| Idx::Dataset(i as u32))
            }
        };
        Resolution { custom, base }
    }

    /// Maps a (lowercased) span provider name to the catalog.
    fn resolve_provider(&self, provider: &str) -> ProviderRes {
        if let Some(i) = SELF_HOSTED_PROVIDERS.iter().position(|p| *p == provider) {
            return ProviderRes::SelfHosted(self.self_hosted_start + i);
        }
        let providers = &self.dataset.providers;
        let id = names::provider_alias(provider).unwrap_or(provider);
        providers
            .iter()
            .position(|p| &*p.id == id)
            .or_else(|| {
                providers.iter().position(|p| {
                    p.provider_match
                        .as_ref()
                        .is_some_and(|m| m.is_match(provider))
                })
            })
            .map_or(ProviderRes::Unknown, ProviderRes::Dataset)
    }

    /// The first override rule for this provider whose pattern matches the name.
    fn find_override(
        &self,
        provider: Option<&str>,
        prov: ProviderRes,
        name: &str,
    ) -> Option<usize> {
        self.rules
            .iter()
            .find(|rule| {
                let provider_ok = match rule.provider.as_deref() {
                    None => true,
                    Some(want) => {
                        provider == Some(want)
                            || matches!(prov, ProviderRes::Dataset(pi)
                                if &*self.dataset.providers[pi].id == want)
                    }
                };
                provider_ok && self.custom[rule.entry].is_match(name)
            })
            .map(|rule| rule.entry)
    }

    /// A model of a dataset provider (or of its fallback providers) matching the name.
    fn find_in_provider(&self, pi: usize, name: &str) -> Option<usize> {
        let providers = &self.dataset.providers;
        let models = &self.dataset.models;
        let find = |pi: usize| {
            let range = providers[pi].models.clone();
            models[range.clone()]
                .iter()
                .position(|m| m.is_match(name))
                .map(|i| range.start + i)
        };
        find(pi).or_else(|| providers[pi].fallbacks.iter().find_map(|f| find(*f)))
    }

    /// A model of a provider whose model-name rule (`claude` → anthropic) matches.
    fn find_by_model_match(&self, name: &str) -> Option<usize> {
        self.dataset
            .providers
            .iter()
            .enumerate()
            .filter(|(_, p)| p.model_match.as_ref().is_some_and(|m| m.is_match(name)))
            .find_map(|(pi, _)| self.find_in_provider(pi, name))
    }

    /// A model of one of the model vendors' own price lists.
    fn find_first_party(&self, name: &str) -> Option<usize> {
        FIRST_PARTY_PROVIDERS.iter().find_map(|id| {
            let pi = self.dataset.providers.iter().position(|p| &*p.id == *id)?;
            self.find_in_provider(pi, name)
        })
    }
}

/// The $0 entry of a local runtime.
fn self_hosted_entry(provider: &str) -> ModelEntry {
    ModelEntry {
        provider: provider.into(),
        id: "*".into(),
        name: None,
        label: format!("self-hosted:{provider}").into(),
        matcher: None,
        context_window: None,
        max_output: None,
        deprecated: false,
        origin: Origin::SelfHosted,
        periods: Box::new([Period {
            when: Constraint::default(),
            rates: Rates::new()
                .with(Unit::Input, Rate::zero())
                .with(Unit::Output, Rate::zero()),
        }]),
        variants: Box::new([]),
    }
}

#[cfg(test)]
mod tests;
