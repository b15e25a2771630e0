//! Prices: the priced units, a rate (flat or with long-context tiers) and a set of rates.
//!
//! Token rates are US dollars per million tokens; the `request` rate is US dollars per call.
//! The same parser reads the shipped catalog (JSON) and user overrides (TOML), so both reject an
//! unknown price name, a negative or non-finite price, and tiers out of order, naming the key.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

/// One priced quantity of a call.
///
/// Token units form a hierarchy: `cache_read_audio` tokens are also `cache_read` tokens and
/// `input_audio` tokens, which are all `input` tokens. A token is priced once, at the most
/// specific unit the model has a price for (see [`crate::cost`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Unit {
    /// Input tokens.
    Input,
    /// Output tokens.
    Output,
    /// Input tokens read from the provider's prompt cache.
    CacheRead,
    /// Input tokens written to the prompt cache (the default, 5-minute, tier).
    CacheWrite,
    /// Input tokens written to the prompt cache with a 5-minute lifetime, when priced apart.
    CacheWrite5m,
    /// Input tokens written to the prompt cache with a 1-hour lifetime.
    CacheWrite1h,
    /// Output tokens spent on reasoning, when priced apart from output.
    Reasoning,
    /// Audio input tokens.
    InputAudio,
    /// Image input tokens.
    InputImage,
    /// Video input tokens.
    InputVideo,
    /// Audio input tokens read from the cache.
    CacheReadAudio,
    /// Image input tokens read from the cache.
    CacheReadImage,
    /// Video input tokens read from the cache.
    CacheReadVideo,
    /// Audio output tokens.
    OutputAudio,
    /// Image output tokens.
    OutputImage,
    /// Video output tokens.
    OutputVideo,
    /// A fixed fee per call (US dollars per request, not per million).
    Request,
}

/// How many [`Unit`]s there are.
pub const UNIT_COUNT: usize = 17;

impl Unit {
    /// Every unit, in declaration order (the index of a unit is its position here).
    pub const ALL: [Unit; UNIT_COUNT] = [
        Unit::Input,
        Unit::Output,
        Unit::CacheRead,
        Unit::CacheWrite,
        Unit::CacheWrite5m,
        Unit::CacheWrite1h,
        Unit::Reasoning,
        Unit::InputAudio,
        Unit::InputImage,
        Unit::InputVideo,
        Unit::CacheReadAudio,
        Unit::CacheReadImage,
        Unit::CacheReadVideo,
        Unit::OutputAudio,
        Unit::OutputImage,
        Unit::OutputVideo,
        Unit::Request,
    ];

    /// Every price name, in the order of [`Unit::ALL`].
    pub const KEYS: [&'static str; UNIT_COUNT] = [
        "input",
        "output",
        "cache_read",
        "cache_write",
        "cache_write_5m",
        "cache_write_1h",
        "reasoning",
        "input_audio",
        "input_image",
        "input_video",
        "cache_read_audio",
        "cache_read_image",
        "cache_read_video",
        "output_audio",
        "output_image",
        "output_video",
        "request",
    ];

    /// The price name used in the catalog and in override files (`cache_read`, `input_audio`, ...).
    pub fn key(self) -> &'static str {
        Self::KEYS[self as usize]
    }

    /// The unit with this price name.
    pub fn from_key(key: &str) -> Option<Unit> {
        Self::KEYS
            .iter()
            .position(|k| *k == key)
            .map(|i| Self::ALL[i])
    }
}

/// One step of a long-context price: from `start` input tokens on, every token of the call costs
/// `price`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    /// The threshold: the tier applies when the call's total input tokens exceed this.
    pub start: u64,
    /// US dollars per million tokens (per call for `request`).
    pub price: f64,
}

/// A price: flat, or with long-context tiers.
///
/// Tiers are cliffs, as providers bill them: when the call's total input tokens (cached ones
/// included) exceed a tier's start, the tier's price applies to all tokens of this unit, not only
/// to those above the threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct Rate {
    base: f64,
    tiers: Box<[Tier]>,
}

impl Rate {
    /// A flat price.
    pub fn flat(price: f64) -> Result<Rate, RateError> {
        Rate::tiered(price, Vec::new())
    }

    /// Free: $0.
    pub fn zero() -> Rate {
        Rate {
            base: 0.0,
            tiers: Box::default(),
        }
    }

    /// A price with long-context tiers; tiers must have increasing starts.
    pub fn tiered(base: f64, tiers: Vec<Tier>) -> Result<Rate, RateError> {
        check_price(base)?;
        for pair in tiers.windows(2) {
            if pair[1].start <= pair[0].start {
                return Err(RateError::TiersOutOfOrder {
                    previous: pair[0].start,
                    next: pair[1].start,
                });
            }
        }
        for tier in &tiers {
            check_price(tier.price)?;
        }
        Ok(Rate {
            base,
            tiers: tiers.into_boxed_slice(),
        })
    }

    /// The price below the first tier.
    pub fn base(&self) -> f64 {
        self.base
    }

    /// The long-context tiers, by increasing start.
    pub fn tiers(&self) -> &[Tier] {
        &self.tiers
    }

    /// The price that applies to a call with this many input tokens (cached ones included).
    pub fn at(&self, input_tokens: u64) -> f64 {
        self.tiers
            .iter()
            .rev()
            .find(|t| input_tokens > t.start)
            .map_or(self.base, |t| t.price)
    }
}

fn check_price(price: f64) -> Result<(), RateError> {
    if price.is_finite() && price >= 0.0 {
        Ok(())
    } else {
        Err(RateError::Invalid(price))
    }
}

/// A price that cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RateError {
    /// Negative, infinite or NaN.
    #[error("price must be a finite number >= 0, got {0}")]
    Invalid(f64),
    /// Tier starts must increase.
    #[error("tier starts must increase, got {next} after {previous}")]
    TiersOutOfOrder {
        /// The earlier tier's start.
        previous: u64,
        /// The later tier's start.
        next: u64,
    },
}

impl Serialize for Rate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.tiers.is_empty() {
            serializer.serialize_f64(self.base)
        } else {
            let mut map = serializer.serialize_map(Some(2))?;
            map.serialize_entry("base", &self.base)?;
            map.serialize_entry("tiers", &self.tiers)?;
            map.end()
        }
    }
}

impl<'de> Deserialize<'de> for Rate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RateVisitor;

        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct TieredRate {
            base: f64,
            #[serde(default)]
            tiers: Vec<Tier>,
        }

        impl<'de> Visitor<'de> for RateVisitor {
            type Value = Rate;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a price (number) or a table { base = ..., tiers = [{ start = ..., price = ... }] }")
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Rate, E> {
                Rate::flat(v).map_err(E::custom)
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Rate, E> {
                Rate::flat(v as f64).map_err(E::custom)
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Rate, E> {
                Rate::flat(v as f64).map_err(E::custom)
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Rate, A::Error> {
                let t = TieredRate::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Rate::tiered(t.base, t.tiers).map_err(de::Error::custom)
            }
        }

        deserializer.deserialize_any(RateVisitor)
    }
}

/// The prices of one model at one time: at most one [`Rate`] per [`Unit`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rates {
    rates: [Option<Rate>; UNIT_COUNT],
}

impl Rates {
    /// No prices.
    pub fn new() -> Rates {
        Rates::default()
    }

    /// Sets the price of a unit (builder style).
    pub fn with(mut self, unit: Unit, rate: Rate) -> Rates {
        self.rates[unit as usize] = Some(rate);
        self
    }

    /// The price of a unit, when the model has one.
    pub fn get(&self, unit: Unit) -> Option<&Rate> {
        self.rates[unit as usize].as_ref()
    }

    /// True when no unit has a price.
    pub fn is_empty(&self) -> bool {
        self.rates.iter().all(Option::is_none)
    }

    /// The priced units with their rates, in [`Unit::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = (Unit, &Rate)> {
        Unit::ALL
            .iter()
            .zip(self.rates.iter())
            .filter_map(|(u, r)| r.as_ref().map(|r| (*u, r)))
    }
}

impl Serialize for Rates {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for (unit, rate) in self.iter() {
            map.serialize_entry(unit.key(), rate)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Rates {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RatesVisitor;

        impl<'de> Visitor<'de> for RatesVisitor {
            type Value = Rates;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a table of prices (input, output, cache_read, ...)")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Rates, A::Error> {
                let mut rates = Rates::new();
                while let Some(key) = map.next_key::<String>()? {
                    let Some(unit) = Unit::from_key(&key) else {
                        return Err(de::Error::unknown_field(&key, &Unit::KEYS));
                    };
                    if rates.rates[unit as usize].is_some() {
                        return Err(de::Error::custom(format_args!("duplicate price `{key}`")));
                    }
                    rates.rates[unit as usize] = Some(map.next_value()?);
                }
                Ok(rates)
            }
        }

        deserializer.deserialize_map(RatesVisitor)
    }
}

/// The rates in force for one call: for each unit, a borrowed rate or none.
#[derive(Debug, Clone, Copy)]
pub struct ResolvedRates<'a> {
    pub(crate) rates: [Option<&'a Rate>; UNIT_COUNT],
}

impl<'a> ResolvedRates<'a> {
    /// The rates of a [`Rates`] as they are.
    pub fn of(rates: &'a Rates) -> ResolvedRates<'a> {
        ResolvedRates {
            rates: std::array::from_fn(|i| rates.rates[i].as_ref()),
        }
    }

    /// Overlays every rate `overlay` has, keeping the others.
    pub(crate) fn overlay_missing(&mut self, overlay: &'a Rates, taken: &mut [bool; UNIT_COUNT]) {
        for (i, rate) in overlay.rates.iter().enumerate() {
            if let Some(rate) = rate
                && !taken[i]
            {
                self.rates[i] = Some(rate);
                taken[i] = true;
            }
        }
    }

    /// The rate of a unit.
    pub fn get(&self, unit: Unit) -> Option<&'a Rate> {
        self.rates[unit as usize]
    }

    /// True when the call can be priced: at least one rate is known.
    pub fn is_priced(&self) -> bool {
        self.rates.iter().any(Option::is_some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every unit's key maps back to the unit, so the catalog and overrides can name them all.
    #[test]
    fn keys_round_trip() {
        for unit in Unit::ALL {
            assert_eq!(Unit::from_key(unit.key()), Some(unit));
            assert_eq!(Unit::ALL[unit as usize], unit);
        }
        assert_eq!(Unit::from_key("cache_creation"), None);
    }

    /// A tier applies only when total input exceeds its start, and then to every token (cliff).
    #[test]
    fn tiers_are_cliffs_on_total_input() {
        let rate = Rate::tiered(
            3.0,
            vec![
                Tier {
                    start: 200_000,
                    price: 6.0,
                },
                Tier {
                    start: 1_000_000,
                    price: 9.0,
                },
            ],
        )
        .unwrap();
        assert_eq!(rate.at(0), 3.0);
        assert_eq!(rate.at(200_000), 3.0);
        assert_eq!(rate.at(200_001), 6.0);
        assert_eq!(rate.at(1_000_001), 9.0);
    }

    /// Prices parse from numbers and tier tables; bad prices and unknown names are errors that
    /// name the problem.
    #[test]
    fn strict_parsing() {
        let rates: Rates = serde_json::from_str(
            r#"{"input": 3, "output": 15.5, "cache_read": {"base": 0.3, "tiers": [{"start": 200000, "price": 0.6}]}}"#,
        )
        .unwrap();
        assert_eq!(rates.get(Unit::Input).unwrap().at(10), 3.0);
        assert_eq!(rates.get(Unit::Output).unwrap().at(10), 15.5);
        assert_eq!(rates.get(Unit::CacheRead).unwrap().at(300_000), 0.6);
        assert!(rates.get(Unit::CacheWrite).is_none());

        let err = serde_json::from_str::<Rates>(r#"{"inptu": 3}"#).unwrap_err();
        assert!(err.to_string().contains("unknown field `inptu`"), "{err}");
        let err = serde_json::from_str::<Rates>(r#"{"input": -1}"#).unwrap_err();
        assert!(err.to_string().contains("finite number >= 0"), "{err}");
        let err = serde_json::from_str::<Rates>(
            r#"{"input": {"base": 1, "tiers": [{"start": 5, "price": 1}, {"start": 5, "price": 2}]}}"#,
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("tier starts must increase"),
            "{err}"
        );
        let err =
            serde_json::from_str::<Rates>(r#"{"input": {"base": 1, "tier": []}}"#).unwrap_err();
        assert!(err.to_string().contains("unknown field `tier`"), "{err}");
    }

    /// Serializing and parsing again gives the same rates (the API shows what the engine uses).
    #[test]
    fn serialize_round_trip() {
        let rates = Rates::new()
            .with(Unit::Input, Rate::flat(1.25).unwrap())
            .with(
                Unit::Output,
                Rate::tiered(
                    10.0,
                    vec![Tier {
                        start: 200_000,
                        price: 15.0,
                    }],
                )
                .unwrap(),
            );
        let text = serde_json::to_string(&rates).unwrap();
        assert_eq!(
            text,
            r#"{"input":1.25,"output":{"base":10.0,"tiers":[{"start":200000,"price":15.0}]}}"#
        );
        assert_eq!(serde_json::from_str::<Rates>(&text).unwrap(), rates);
    }
}
