//! User overrides: a TOML file adding or replacing models (fine-tunes, self-hosted models at $0,
//! negotiated prices), with optional effective dates.
//!
//! ```toml
//! [[models]]
//! provider = "openai"                       # optional: absent = any provider
//! model = "ft:gpt-4o-mini:acme::abc"        # exact name (case-insensitive), or:
//! # match = { starts_with = "ft:gpt-4o-mini:acme:" }
//! context_window = 128000                   # optional; else the catalog's
//! max_output = 16384                        # optional; else the catalog's
//! effective_from = 2025-06-01               # optional; UTC day the prices start
//! prices = { input = 0.30, output = 1.20, cache_read = 0.15 }   # USD per million tokens
//! ```
//!
//! Several entries for the same provider and model with different `effective_from` form a price
//! history. Before the earliest `effective_from` the catalog's own prices apply.

use serde::Deserialize;

use super::data::{Constraint, ModelEntry, Origin, Period, epoch_day_of};
use crate::matcher::{MatchSpec, Matcher};
use crate::rates::Rates;

/// An override file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum OverrideError {
    /// The file could not be read.
    #[error("cannot read overrides file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML or has unknown keys / wrong types (the message names the
    /// line and the key).
    #[error("overrides file {origin}: {source}")]
    Parse {
        /// The file (or where the text came from).
        origin: String,
        /// The TOML error, with line and column.
        #[source]
        source: Box<toml::de::Error>,
    },
    /// An entry is inconsistent.
    #[error("overrides file {origin}: models[{index}] ({model}): {message}")]
    Entry {
        /// The file.
        origin: String,
        /// Position of the entry in `[[models]]`, from 0.
        index: usize,
        /// The entry's model or pattern.
        model: String,
        /// What is wrong.
        message: String,
    },
    /// The shipped catalog could not be loaded.
    #[error(transparent)]
    Catalog(#[from] super::CatalogError),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OverrideFile {
    #[serde(default)]
    models: Vec<OverrideModel>,
}

/// One `[[models]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OverrideModel {
    /// Provider (`gen_ai.provider.name` as on the spans, or a catalog provider id such as
    /// `google`, which covers every provider name that maps to it). Absent: any provider.
    #[serde(default)]
    provider: Option<String>,
    /// Exact model name, case-insensitive.
    #[serde(default)]
    model: Option<String>,
    /// A model name pattern (`{ starts_with = "..." }`, `{ regex = "..." }`, ...).
    #[serde(default, rename = "match")]
    matches: Option<MatchSpec>,
    /// Display name.
    #[serde(default)]
    name: Option<String>,
    /// Maximum input tokens.
    #[serde(default)]
    context_window: Option<u64>,
    /// Maximum output tokens.
    #[serde(default)]
    max_output: Option<u64>,
    /// UTC day from which these prices apply.
    #[serde(default)]
    effective_from: Option<DateValue>,
    /// Prices in USD per million tokens (`request`: USD per call).
    #[serde(default)]
    prices: Option<Rates>,
}

/// A TOML date (`2025-06-01`) or the same as a string.
#[derive(Debug, Deserialize)]
#[serde(untagged, expecting = "a date such as 2025-06-01")]
enum DateValue {
    Toml(toml::value::Datetime),
    Text(String),
}

impl DateValue {
    fn epoch_day(&self) -> Result<i64, String> {
        match self {
            DateValue::Text(s) => super::data::epoch_day(s),
            DateValue::Toml(dt) => match (dt.date, dt.time, dt.offset) {
                (Some(d), None, None) => {
                    let date = jiff::civil::Date::new(
                        i16::try_from(d.year)
                            .map_err(|_| format!("year {} out of range", d.year))?,
                        d.month as i8,
                        d.day as i8,
                    )
                    .map_err(|e| format!("invalid date {dt}: {e}"))?;
                    epoch_day_of(date)
                }
                _ => Err(format!(
                    "effective_from must be a date without time, got {dt}"
                )),
            },
        }
    }
}

/// An override rule: which provider it is for, and the entry it resolves to.
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    pub provider: Option<Box<str>>,
    pub entry: usize,
}

/// Parses an override file into entries (one per provider + model/pattern) and their rules.
pub(crate) fn parse(text: &str, origin: &str) -> Result<Vec<(Rule, ModelEntry)>, OverrideError> {
    let file: OverrideFile = toml::from_str(text).map_err(|e| OverrideError::Parse {
        origin: origin.to_owned(),
        source: Box::new(e),
    })?;

    // Entries grouped by (provider, model or pattern), in file order.
    let mut groups: Vec<Group> = Vec::new();
    for (index, m) in file.models.into_iter().enumerate() {
        let what = m
            .model
            .clone()
            .or_else(|| m.matches.as_ref().map(describe))
            .unwrap_or_else(|| "?".to_owned());
        let entry_error = |message: &str| OverrideError::Entry {
            origin: origin.to_owned(),
            index,
            model: what.clone(),
            message: message.to_owned(),
        };
        let key = match (&m.model, &m.matches) {
            (Some(model), None) if !model.trim().is_empty() => {
                Key::Model(model.trim().to_lowercase())
            }
            (None, Some(spec)) => Key::Pattern(spec.clone()),
            (Some(_), Some(_)) => {
                return Err(entry_error("set either `model` or `match`, not both"));
            }
            _ => {
                return Err(entry_error(
                    "set `model` (an exact name) or `match` (a pattern)",
                ));
            }
        };
        if m.prices.as_ref().is_some_and(Rates::is_empty) {
            return Err(entry_error(
                "`prices` is empty; give at least one price or leave it out",
            ));
        }
        let provider = m
            .provider
            .as_deref()
            .map(|p| p.trim().to_lowercase())
            .filter(|p| !p.is_empty());
        match groups
            .iter_mut()
            .find(|g| g.provider == provider && g.key == key)
        {
            Some(g) => g.entries.push((index, m)),
            None => groups.push(Group {
                provider,
                key,
                entries: vec![(index, m)],
            }),
        }
    }

    let mut out = Vec::with_capacity(groups.len());
    for g in groups {
        out.push(build_group(g.provider, g.key, g.entries, origin)?);
    }
    Ok(out)
}

/// The entries of one provider + model (or pattern), with their positions in the file.
struct Group {
    provider: Option<String>,
    key: Key,
    entries: Vec<(usize, OverrideModel)>,
}

#[derive(Debug, Clone, PartialEq)]
enum Key {
    Model(String),
    Pattern(MatchSpec),
}

fn describe(spec: &MatchSpec) -> String {
    serde_json::to_string(spec).unwrap_or_else(|_| format!("{spec:?}"))
}

fn build_group(
    provider: Option<String>,
    key: Key,
    entries: Vec<(usize, OverrideModel)>,
    origin: &str,
) -> Result<(Rule, ModelEntry), OverrideError> {
    let (id, spec) = match &key {
        Key::Model(m) => (m.clone(), MatchSpec::Equals(m.clone())),
        Key::Pattern(spec) => (describe(spec), spec.clone()),
    };
    let first_index = entries.first().map_or(0, |(i, _)| *i);
    let entry_error = |index: usize, message: String| OverrideError::Entry {
        origin: origin.to_owned(),
        index,
        model: id.clone(),
        message,
    };
    let matcher = Matcher::compile(&spec).map_err(|e| entry_error(first_index, e.to_string()))?;

    let mut periods: Vec<Period> = Vec::new();
    let mut name = None;
    let mut context_window = None;
    let mut max_output = None;
    let mut dated: Vec<(Option<i64>, usize, OverrideModel)> = Vec::with_capacity(entries.len());
    for (index, m) in entries {
        let day = m
            .effective_from
            .as_ref()
            .map(DateValue::epoch_day)
            .transpose()
            .map_err(|e| entry_error(index, e))?;
        dated.push((day, index, m));
    }
    // Oldest first; entries without a date apply since always.
    dated.sort_by_key(|(day, index, _)| (day.unwrap_or(i64::MIN), *index));
    for (day, index, m) in dated {
        if let Some(rates) = m.prices {
            if periods.iter().any(|p| p.when.start_day == day) {
                return Err(entry_error(
                    index,
                    "another entry for this model has prices with the same effective_from".into(),
                ));
            }
            periods.push(Period {
                when: Constraint {
                    start_day: day,
                    time_of_day: None,
                },
                rates,
            });
        }
        name = m.name.or(name);
        context_window = m.context_window.or(context_window);
        max_output = m.max_output.or(max_output);
    }

    let label = format!("override:{}/{}", provider.as_deref().unwrap_or("*"), id);
    Ok((
        Rule {
            provider: provider.as_deref().map(Into::into),
            entry: 0,
        },
        ModelEntry {
            provider: provider.as_deref().unwrap_or("*").into(),
            id: id.as_str().into(),
            name: name.map(Into::into),
            label: label.into(),
            matcher: Some(matcher),
            context_window,
            max_output,
            deprecated: false,
            origin: Origin::Override,
            periods: periods.into_boxed_slice(),
            variants: Box::new([]),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::data::PriceTime;
    use crate::rates::Unit;

    /// A full entry parses; dates in TOML or string form give the same day.
    #[test]
    fn parses_entries_and_dates() {
        let text = r#"
            [[models]]
            provider = "OpenAI"
            model = "ft:gpt-4o-mini:acme::abc"
            context_window = 128000
            prices = { input = 0.3, output = 1.2 }

            [[models]]
            provider = "openai"
            model = "FT:gpt-4o-mini:acme::abc"
            effective_from = 2000-01-01
            prices = { input = 0.2, output = 0.8 }

            [[models]]
            match = { starts_with = "llama" }
            effective_from = "2000-01-01"
            prices = { input = 0, output = 0 }
        "#;
        let entries = parse(text, "test.toml").unwrap();
        assert_eq!(
            entries.len(),
            2,
            "same provider+model entries form one history"
        );
        let (rule, ft) = &entries[0];
        assert_eq!(rule.provider.as_deref(), Some("openai"));
        assert_eq!(ft.label(), "override:openai/ft:gpt-4o-mini:acme::abc");
        assert_eq!(ft.context_window(), Some(128_000));
        assert!(ft.is_match("ft:gpt-4o-mini:acme::abc"));
        let before = PriceTime {
            day: 100,
            second: 0,
        };
        let after = PriceTime {
            day: 10_957,
            second: 0,
        };
        let input = |at| ft.rates_at(at, &[]).get(Unit::Input).unwrap().base();
        assert_eq!(input(before), 0.3);
        assert_eq!(input(after), 0.2);

        let (rule, llama) = &entries[1];
        assert_eq!(rule.provider, None);
        assert!(llama.is_match("llama3.1:8b"));
        // Before its effective date the override has no prices (the catalog's apply).
        assert!(!llama.rates_at(before, &[]).is_priced());
        assert!(llama.rates_at(after, &[]).is_priced());
    }

    /// Mistakes are errors naming the file, line or entry, and the key.
    #[test]
    fn strict_errors() {
        let err = parse(
            "[[models]]\nmodel = \"x\"\nprices = { inptu = 1 }\n",
            "o.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("o.toml") && err.contains("line 3") && err.contains("inptu"),
            "{err}"
        );

        let err = parse("[[models]]\nmodel = \"x\"\ncontext_windw = 5\n", "o.toml")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 3") && err.contains("context_windw"),
            "{err}"
        );

        let err = parse("[[models]]\nprovider = \"openai\"\n", "o.toml")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("models[0]") && err.contains("set `model`"),
            "{err}"
        );

        let err = parse(
            "[[models]]\nmodel = \"x\"\nmatch = { equals = \"x\" }\n",
            "o.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("not both"), "{err}");

        let err = parse(
            "[[models]]\nmodel = \"x\"\nprices = { input = 1 }\n[[models]]\nmodel = \"x\"\nprices = { input = 2 }\n",
            "o.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("models[1]") && err.contains("same effective_from"),
            "{err}"
        );

        let err = parse("[[models]]\nmodel = \"x\"\neffective_from = 2025-06-01T10:00:00\nprices = { input = 1 }\n", "o.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("without time"), "{err}");

        let err = parse(
            "[[models]]\nmodel = \"x\"\nprices = { input = -2 }\n",
            "o.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("line 3") && err.contains(">= 0"), "{err}");

        let err = parse(
            "[[models]]\nmatch = { regex = \"(\" }\nprices = { input = 1 }\n",
            "o.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("invalid regex"), "{err}");
    }
}
