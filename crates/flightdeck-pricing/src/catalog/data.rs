//! The shipped catalog: its file format (`data/catalog.json`, written by
//! `scripts/refresh_prices.py`), and the in-memory entries it is compiled into.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use super::CatalogError;
use crate::matcher::{MatchSpec, Matcher};
use crate::rates::{Rates, ResolvedRates, UNIT_COUNT};

/// Where the shipped data comes from, as recorded in the catalog file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceInfo {
    /// The dataset every price comes from.
    pub prices: SourceRef,
    /// The date the data was converted (`YYYY-MM-DD`).
    pub retrieved: String,
    /// The dataset output limits (and missing context windows) come from, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<SourceRef>,
}

/// One source dataset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceRef {
    /// Dataset name.
    pub name: String,
    /// Release used.
    pub version: String,
    /// Home page.
    pub url: String,
    /// License (SPDX id); the full text ships next to the data.
    pub license: String,
    /// Copyright line.
    pub copyright: String,
    /// The fields taken from it, when not all of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    source: SourceInfo,
    providers: Vec<ProviderFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProviderFile {
    id: String,
    name: String,
    #[serde(default)]
    provider_match: Option<MatchSpec>,
    #[serde(default)]
    model_match: Option<MatchSpec>,
    #[serde(default)]
    fallback_providers: Vec<String>,
    models: Vec<ModelFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelFile {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(rename = "match")]
    matches: MatchSpec,
    #[serde(default)]
    context_window: Option<u64>,
    #[serde(default)]
    max_output: Option<u64>,
    #[serde(default)]
    deprecated: bool,
    prices: Vec<PeriodFile>,
    #[serde(default)]
    variants: Vec<VariantFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PeriodFile {
    #[serde(default)]
    start_date: Option<String>,
    #[serde(default)]
    time_of_day: Option<TimeOfDayFile>,
    rates: Rates,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VariantFile {
    when: BTreeMap<String, String>,
    #[serde(default)]
    start_date: Option<String>,
    #[serde(default)]
    time_of_day: Option<TimeOfDayFile>,
    rates: Rates,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TimeOfDayFile {
    start: String,
    end: String,
}

/// A point in time, as prices need it: the UTC day and the second within it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PriceTime {
    pub day: i64,
    pub second: u32,
}

impl PriceTime {
    pub(crate) fn from_unix_nanos(nanos: u64) -> PriceTime {
        let secs = nanos / 1_000_000_000;
        PriceTime {
            day: (secs / 86_400) as i64,
            second: (secs % 86_400) as u32,
        }
    }
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date.
pub(crate) fn epoch_day(date: &str) -> Result<i64, String> {
    let parsed: jiff::civil::Date = date
        .parse()
        .map_err(|e| format!("invalid date {date:?}: {e}"))?;
    epoch_day_of(parsed)
}

pub(crate) fn epoch_day_of(date: jiff::civil::Date) -> Result<i64, String> {
    let span = jiff::civil::date(1970, 1, 1)
        .until(date)
        .map_err(|e| format!("date {date} out of range: {e}"))?;
    Ok(i64::from(span.get_days()))
}

fn second_of_day(time: &str) -> Result<u32, String> {
    let parsed: jiff::civil::Time = time
        .parse()
        .map_err(|e| format!("invalid time of day {time:?}: {e}"))?;
    Ok(u32::from(parsed.hour().unsigned_abs()) * 3600
        + u32::from(parsed.minute().unsigned_abs()) * 60
        + u32::from(parsed.second().unsigned_abs()))
}

/// When prices apply: from a UTC day on, and/or during a daily UTC window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Constraint {
    pub start_day: Option<i64>,
    /// `[start, end)` seconds of the UTC day; `end < start` wraps past midnight.
    pub time_of_day: Option<(u32, u32)>,
}

impl Constraint {
    fn parse(start: Option<&str>, tod: Option<&TimeOfDayFile>) -> Result<Constraint, String> {
        Ok(Constraint {
            start_day: start.map(epoch_day).transpose()?,
            time_of_day: tod
                .map(|t| Ok::<_, String>((second_of_day(&t.start)?, second_of_day(&t.end)?)))
                .transpose()?,
        })
    }

    pub(crate) fn is_active(&self, at: PriceTime) -> bool {
        if let Some(day) = self.start_day
            && at.day < day
        {
            return false;
        }
        match self.time_of_day {
            None => true,
            Some((start, end)) if end < start => at.second >= start || at.second < end,
            Some((start, end)) => at.second >= start && at.second < end,
        }
    }
}

/// Prices valid under a constraint.
#[derive(Debug, Clone)]
pub(crate) struct Period {
    pub when: Constraint,
    pub rates: Rates,
}

/// Prices for requests with given properties (`processing = batch`, `service_tier = flex`).
#[derive(Debug, Clone)]
pub(crate) struct Variant {
    pub conditions: Box<[(Box<str>, Box<str>)]>,
    pub when: Constraint,
    pub rates: Rates,
}

/// Where a catalog entry comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// The shipped dataset.
    Dataset,
    /// The user's override file.
    Override,
    /// A local runtime (Ollama, vLLM, ...), priced at $0.
    SelfHosted,
}

/// One model of the catalog.
#[derive(Debug, Clone)]
pub struct ModelEntry {
    pub(crate) provider: Box<str>,
    pub(crate) id: Box<str>,
    pub(crate) name: Option<Box<str>>,
    pub(crate) label: Box<str>,
    pub(crate) matcher: Option<Matcher>,
    pub(crate) context_window: Option<u64>,
    pub(crate) max_output: Option<u64>,
    pub(crate) deprecated: bool,
    pub(crate) origin: Origin,
    pub(crate) periods: Box<[Period]>,
    pub(crate) variants: Box<[Variant]>,
}

impl ModelEntry {
    /// The catalog provider id (`openai`, `google`, `aws`, ...; for overrides, as written).
    pub fn provider(&self) -> &str {
        &self.provider
    }

    /// The model id in the catalog (for overrides, the model or pattern as written).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Display name.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// What [`flightdeck_model::Cost::priced_as`] says for this entry: `openai/gpt-4o`, or
    /// `override:openai/ft:gpt-4o-mini:acme::abc`, or `self-hosted:ollama`.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Maximum input tokens.
    pub fn context_window(&self) -> Option<u64> {
        self.context_window
    }

    /// Maximum output tokens.
    pub fn max_output(&self) -> Option<u64> {
        self.max_output
    }

    /// The provider has deprecated the model (it still works).
    pub fn deprecated(&self) -> bool {
        self.deprecated
    }

    /// Where the entry comes from.
    pub fn origin(&self) -> Origin {
        self.origin
    }

    /// The dataset rule: the last period whose constraint holds, else the first period.
    fn dataset_period(&self, at: PriceTime) -> Option<&Period> {
        self.periods
            .iter()
            .rev()
            .find(|p| p.when.is_active(at))
            .or_else(|| self.periods.first())
    }

    /// The override rule: the latest period already started; none before the first one.
    fn override_period(&self, at: PriceTime) -> Option<&Period> {
        self.periods.iter().rev().find(|p| p.when.is_active(at))
    }

    /// The rates in force at `at` for a request with these properties. Empty when the entry
    /// has no prices then.
    pub(crate) fn rates_at(&self, at: PriceTime, context: &[(&str, &str)]) -> ResolvedRates<'_> {
        let period = match self.origin {
            Origin::Override => self.override_period(at),
            Origin::Dataset | Origin::SelfHosted => self.dataset_period(at),
        };
        let Some(period) = period else {
            return ResolvedRates {
                rates: [None; UNIT_COUNT],
            };
        };
        let mut resolved = ResolvedRates::of(&period.rates);
        if !context.is_empty() {
            let mut taken = [false; UNIT_COUNT];
            for variant in &self.variants {
                let applies = variant.when.is_active(at)
                    && variant
                        .conditions
                        .iter()
                        .all(|(k, v)| context.iter().any(|(ck, cv)| ck == &&**k && cv == &&**v));
                if applies {
                    resolved.overlay_missing(&variant.rates, &mut taken);
                }
            }
        }
        resolved
    }

    /// True when the entry names this (lowercased) model.
    pub(crate) fn is_match(&self, name: &str) -> bool {
        self.matcher.as_ref().is_some_and(|m| m.is_match(name))
    }
}

/// A provider of the shipped dataset.
#[derive(Debug)]
pub(crate) struct ProviderEntry {
    pub id: Box<str>,
    pub name: Box<str>,
    pub provider_match: Option<Matcher>,
    pub model_match: Option<Matcher>,
    pub fallbacks: Vec<usize>,
    pub models: Range<usize>,
}

/// The shipped dataset, compiled.
#[derive(Debug)]
pub(crate) struct Dataset {
    pub source: SourceInfo,
    pub providers: Vec<ProviderEntry>,
    pub models: Vec<ModelEntry>,
}

impl Dataset {
    /// Parses and compiles the catalog JSON.
    pub(crate) fn parse(json: &str) -> Result<Dataset, CatalogError> {
        let file: CatalogFile = serde_json::from_str(json)?;
        let mut providers = Vec::with_capacity(file.providers.len());
        let mut models = Vec::new();
        for p in &file.providers {
            let start = models.len();
            for m in &p.models {
                models.push(compile_model(&p.id, m)?);
            }
            let invalid = |e| CatalogError::Entry {
                entry: format!("provider {}", p.id),
                message: format!("{e}"),
            };
            providers.push(ProviderEntry {
                id: p.id.as_str().into(),
                name: p.name.as_str().into(),
                provider_match: p
                    .provider_match
                    .as_ref()
                    .map(Matcher::compile)
                    .transpose()
                    .map_err(invalid)?,
                model_match: p
                    .model_match
                    .as_ref()
                    .map(Matcher::compile)
                    .transpose()
                    .map_err(invalid)?,
                fallbacks: Vec::new(),
                models: start..models.len(),
            });
        }
        for (i, p) in file.providers.iter().enumerate() {
            for fallback in &p.fallback_providers {
                let Some(j) = providers.iter().position(|q| &*q.id == fallback) else {
                    return Err(CatalogError::Entry {
                        entry: format!("provider {}", p.id),
                        message: format!("unknown fallback provider {fallback:?}"),
                    });
                };
                providers[i].fallbacks.push(j);
            }
        }
        Ok(Dataset {
            source: file.source,
            providers,
            models,
        })
    }
}

fn compile_model(provider: &str, m: &ModelFile) -> Result<ModelEntry, CatalogError> {
    let entry_error = |message: String| CatalogError::Entry {
        entry: format!("{provider}/{}", m.id),
        message,
    };
    let matcher = Matcher::compile(&m.matches).map_err(|e| entry_error(e.to_string()))?;
    let periods = m
        .prices
        .iter()
        .map(|p| {
            Ok(Period {
                when: Constraint::parse(p.start_date.as_deref(), p.time_of_day.as_ref())?,
                rates: p.rates.clone(),
            })
        })
        .collect::<Result<Box<[_]>, String>>()
        .map_err(entry_error)?;
    let variants = m
        .variants
        .iter()
        .map(|v| {
            Ok(Variant {
                conditions: v
                    .when
                    .iter()
                    .map(|(k, v)| (k.as_str().into(), v.as_str().into()))
                    .collect(),
                when: Constraint::parse(v.start_date.as_deref(), v.time_of_day.as_ref())?,
                rates: v.rates.clone(),
            })
        })
        .collect::<Result<Box<[_]>, String>>()
        .map_err(entry_error)?;
    Ok(ModelEntry {
        provider: provider.into(),
        id: m.id.as_str().into(),
        name: m.name.as_deref().map(Into::into),
        label: format!("{provider}/{}", m.id).into(),
        matcher: Some(matcher),
        context_window: m.context_window,
        max_output: m.max_output,
        deprecated: m.deprecated,
        origin: Origin::Dataset,
        periods,
        variants,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rates::Unit;

    /// Dates convert to days since the epoch (2000-01-01 is day 10957: 30 years × 365 + 7 leap
    /// days), and nanosecond timestamps to the same day.
    #[test]
    fn epoch_days() {
        assert_eq!(epoch_day("1970-01-01").unwrap(), 0);
        assert_eq!(epoch_day("2000-01-01").unwrap(), 10_957);
        let noon_2000 = (10_957u64 * 86_400 + 12 * 3600) * 1_000_000_000;
        assert_eq!(
            PriceTime::from_unix_nanos(noon_2000),
            PriceTime {
                day: 10_957,
                second: 43_200
            }
        );
        assert!(
            epoch_day("2000-13-01")
                .unwrap_err()
                .contains("invalid date")
        );
    }

    /// Daily windows, including ones that wrap past midnight.
    #[test]
    fn time_of_day_windows() {
        let at = |second| PriceTime { day: 0, second };
        let day = Constraint {
            start_day: None,
            time_of_day: Some((1800, 59_400)),
        };
        assert!(day.is_active(at(1800)));
        assert!(!day.is_active(at(59_400)));
        let night = Constraint {
            start_day: None,
            time_of_day: Some((59_400, 1800)),
        };
        assert!(night.is_active(at(80_000)) && night.is_active(at(0)));
        assert!(!night.is_active(at(30_000)));
    }

    /// Period rule of the dataset: the last active period wins, else the first; variants overlay
    /// the rates they set when the request's properties match.
    #[test]
    fn periods_and_variants() {
        let json = r#"{"source":{"prices":{"name":"t","version":"1","url":"u","license":"MIT","copyright":"c"},"retrieved":"2026-01-01"},
          "providers":[{"id":"p","name":"P","models":[
            {"id":"m","match":{"equals":"m"},"prices":[
               {"rates":{"input":1,"output":2}},
               {"start_date":"2000-01-01","rates":{"input":3,"output":4}}],
             "variants":[{"when":{"processing":"batch"},"rates":{"input":0.5}}]}]}]}"#;
        let d = Dataset::parse(json).unwrap();
        let m = &d.models[0];
        let before = PriceTime { day: 10, second: 0 };
        let after = PriceTime {
            day: 10_957,
            second: 0,
        };
        let input = |r: ResolvedRates<'_>| r.get(Unit::Input).unwrap().base();
        assert_eq!(input(m.rates_at(before, &[])), 1.0);
        assert_eq!(input(m.rates_at(after, &[])), 3.0);
        let batch = m.rates_at(after, &[("processing", "batch")]);
        assert_eq!(input(batch), 0.5);
        assert_eq!(batch.get(Unit::Output).unwrap().base(), 4.0);
        assert_eq!(input(m.rates_at(after, &[("processing", "online")])), 3.0);
    }

    /// Unknown keys and unknown fallback providers are errors naming the entry.
    #[test]
    fn strict_file() {
        let bad = r#"{"source":{"prices":{"name":"t","version":"1","url":"u","license":"MIT","copyright":"c"},"retrieved":"x"},
          "providers":[{"id":"p","name":"P","models":[{"id":"m","match":{"equals":"m"},"prices":[],"colour":"red"}]}]}"#;
        let err = Dataset::parse(bad).unwrap_err().to_string();
        assert!(err.contains("unknown field `colour`"), "{err}");
        let bad = r#"{"source":{"prices":{"name":"t","version":"1","url":"u","license":"MIT","copyright":"c"},"retrieved":"x"},
          "providers":[{"id":"p","name":"P","fallback_providers":["q"],"models":[]}]}"#;
        let err = Dataset::parse(bad).unwrap_err().to_string();
        assert!(err.contains("provider p") && err.contains("\"q\""), "{err}");
    }
}
