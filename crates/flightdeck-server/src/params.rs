//! Query-string parsing shared by the API areas: time ranges, filters, durations. Unknown
//! parameters are errors, so a typo never silently widens a query.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use flightdeck_model::StatusCode;
use flightdeck_store::{SpanFilter, TimeRange};

use crate::error::ApiError;

/// Parsed query parameters; each is taken once by name, and [`Params::finish`] rejects leftovers.
#[derive(Debug, Default)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

/// Nanoseconds since the epoch, now.
pub fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or_default()
}

impl Params {
    /// Parses a raw query string (`a=1&b=2&b=3`).
    pub fn parse(raw: Option<&str>) -> Result<Self, ApiError> {
        let pairs = match raw {
            None | Some("") => Vec::new(),
            Some(raw) => serde_urlencoded::from_str::<Vec<(String, String)>>(raw)
                .map_err(|e| ApiError::BadRequest(format!("malformed query string: {e}")))?,
        };
        Ok(Params { pairs })
    }

    /// Removes and returns the last value of `key`; empty values count as absent.
    pub fn take(&mut self, key: &str) -> Option<String> {
        let mut found = None;
        self.pairs.retain(|(k, v)| {
            if k == key {
                found = Some(v.clone());
                false
            } else {
                true
            }
        });
        found.filter(|v| !v.is_empty())
    }

    /// Removes and returns all values of `key`.
    pub fn take_all(&mut self, key: &str) -> Vec<String> {
        let mut found = Vec::new();
        self.pairs.retain(|(k, v)| {
            if k == key {
                found.push(v.clone());
                false
            } else {
                true
            }
        });
        found
    }

    /// Removes the parameters whose name starts with `prefix` and returns them with the prefix
    /// stripped (`a.model=x` → `model=x` for prefix `a.`).
    pub fn split_prefix(&mut self, prefix: &str) -> Params {
        let mut taken = Vec::new();
        self.pairs.retain(|(k, v)| match k.strip_prefix(prefix) {
            Some(rest) => {
                taken.push((rest.to_owned(), v.clone()));
                false
            }
            None => true,
        });
        Params { pairs: taken }
    }

    /// True when no parameter is left.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// These parameters on top of `base`: a key given here replaces the same key of `base`
    /// (any of `since`, `start`, `end` replaces all three), except `attr`, which adds up.
    pub fn over(&self, base: &Params) -> Params {
        const TIME: [&str; 3] = ["since", "start", "end"];
        let has = |key: &str| self.pairs.iter().any(|(k, _)| k == key);
        let own_time = TIME.iter().any(|k| has(k));
        let mut pairs: Vec<(String, String)> = base
            .pairs
            .iter()
            .filter(|(k, _)| {
                if TIME.contains(&k.as_str()) {
                    !own_time
                } else {
                    k == "attr" || !has(k)
                }
            })
            .cloned()
            .collect();
        pairs.extend(self.pairs.iter().cloned());
        Params { pairs }
    }

    /// A copy of the parameters.
    pub fn duplicate(&self) -> Params {
        Params {
            pairs: self.pairs.clone(),
        }
    }

    /// A number parameter within `[min, max]`.
    pub fn f64_in(&mut self, key: &str, default: f64, min: f64, max: f64) -> Result<f64, ApiError> {
        match self.take(key) {
            None => Ok(default),
            Some(v) => match v.parse::<f64>() {
                Ok(x) if (min..=max).contains(&x) => Ok(x),
                _ => Err(ApiError::BadRequest(format!(
                    "`{key}` must be a number from {min} to {max}, got {v:?}"
                ))),
            },
        }
    }

    /// Fails on any parameter not taken.
    pub fn finish(self) -> Result<(), ApiError> {
        match self.pairs.first() {
            None => Ok(()),
            Some((key, _)) => Err(ApiError::BadRequest(format!(
                "unknown query parameter `{key}`"
            ))),
        }
    }

    /// An integer parameter within bounds.
    pub fn usize(&mut self, key: &str, default: usize, max: usize) -> Result<usize, ApiError> {
        match self.take(key) {
            None => Ok(default),
            Some(v) => match v.parse::<usize>() {
                Ok(n) if (1..=max).contains(&n) => Ok(n),
                _ => Err(ApiError::BadRequest(format!(
                    "`{key}` must be an integer from 1 to {max}, got {v:?}"
                ))),
            },
        }
    }

    /// A duration such as `250ms`, `1.5s`, `2m` or `1h30m`.
    pub fn duration(&mut self, key: &str) -> Result<Option<Duration>, ApiError> {
        self.take(key).map(|v| parse_duration(key, &v)).transpose()
    }

    /// The time range: `start` / `end` (RFC 3339 or epoch seconds, ms, µs or ns), or `since`
    /// (a duration back from now). Defaults to the last `default_since`.
    pub fn range(&mut self, default_since: Duration) -> Result<TimeRange, ApiError> {
        let default = TimeRange {
            start_ns: 0,
            end_ns: 0,
        };
        let range = self.range_or(default, default_since)?;
        Ok(range)
    }

    /// Like [`Params::range`], but `default` when no time parameter is given at all.
    pub fn range_or(
        &mut self,
        default: TimeRange,
        default_since: Duration,
    ) -> Result<TimeRange, ApiError> {
        let given = ["start", "end", "since"]
            .iter()
            .any(|k| self.pairs.iter().any(|(key, v)| key == k && !v.is_empty()));
        if !given && default.start_ns < default.end_ns {
            return Ok(default);
        }
        let now = now_ns();
        let start = self
            .take("start")
            .map(|v| parse_time("start", &v))
            .transpose()?;
        let end = self
            .take("end")
            .map(|v| parse_time("end", &v))
            .transpose()?;
        let since = self.duration("since")?;
        if since.is_some() && start.is_some() {
            return Err(ApiError::BadRequest(
                "give either `since` or `start`, not both".into(),
            ));
        }
        let end_ns = end.unwrap_or(now);
        let start_ns = match start {
            Some(start) => start,
            None => end_ns.saturating_sub(since.unwrap_or(default_since).as_nanos() as i64),
        };
        if start_ns >= end_ns {
            return Err(ApiError::BadRequest(
                "the time range is empty: `start` must be before `end`".into(),
            ));
        }
        Ok(TimeRange { start_ns, end_ns })
    }

    /// The span filters shared by search and aggregates.
    pub fn span_filter(&mut self) -> Result<SpanFilter, ApiError> {
        let status = match self.take("status").as_deref() {
            None => None,
            Some("error") => Some(StatusCode::Error),
            Some("ok") => Some(StatusCode::Ok),
            Some("unset") => Some(StatusCode::Unset),
            Some(other) => {
                return Err(ApiError::BadRequest(format!(
                    "`status` must be error, ok or unset, got {other:?}"
                )));
            }
        };
        let to_ns = |d: Option<Duration>| d.map(|d| d.as_nanos() as i64);
        let mut attributes = Vec::new();
        for pair in self.take_all("attr") {
            match pair.split_once('=') {
                Some((key, value)) if !key.is_empty() => {
                    attributes.push((key.to_owned(), value.to_owned()))
                }
                _ => {
                    return Err(ApiError::BadRequest(format!(
                        "`attr` must look like key=value, got {pair:?}"
                    )));
                }
            }
        }
        Ok(SpanFilter {
            service: self.take("service"),
            span_name: self.take("name"),
            status,
            min_duration_ns: to_ns(self.duration("min_duration")?),
            max_duration_ns: to_ns(self.duration("max_duration")?),
            operation: self.take("operation"),
            provider: self.take("provider"),
            model: self.take("model"),
            agent: self.take("agent"),
            tool: self.take("tool"),
            conversation_id: self.take("conversation"),
            user: self.take("user"),
            service_version: self.take("service_version"),
            error_type: self.take("error_type"),
            attributes,
        })
    }
}

fn parse_duration(key: &str, value: &str) -> Result<Duration, ApiError> {
    humantime::parse_duration(value).map_err(|e| {
        ApiError::BadRequest(format!(
            "`{key}` must be a duration like 250ms, 5s or 1h, got {value:?} ({e})"
        ))
    })
}

/// Parses RFC 3339, or an integer epoch timestamp whose unit is told by its magnitude.
fn parse_time(key: &str, value: &str) -> Result<i64, ApiError> {
    if let Ok(n) = value.parse::<i64>() {
        let ns = match n.unsigned_abs() {
            0..=99_999_999_999 => n.saturating_mul(1_000_000_000), // seconds
            100_000_000_000..=99_999_999_999_999 => n.saturating_mul(1_000_000), // ms
            100_000_000_000_000..=99_999_999_999_999_999 => n.saturating_mul(1_000), // µs
            _ => n,
        };
        return Ok(ns);
    }
    humantime::parse_rfc3339_weak(value)
        .map_err(|e| {
            ApiError::BadRequest(format!(
                "`{key}` must be RFC 3339 (2026-01-02T03:04:05Z) or an epoch timestamp, got {value:?} ({e})"
            ))
        })
        .map(|t| {
            t.duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos() as i64)
                .unwrap_or_default()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Epoch timestamps in any unit and RFC 3339 give the same instant.
    #[test]
    fn parses_times_in_every_unit() {
        let ns = 1_795_301_215_000_000_000i64;
        assert_eq!(parse_time("t", "1795301215").unwrap(), ns);
        assert_eq!(parse_time("t", "1795301215000").unwrap(), ns);
        assert_eq!(parse_time("t", "1795301215000000").unwrap(), ns);
        assert_eq!(parse_time("t", "1795301215000000000").unwrap(), ns);
        assert_eq!(parse_time("t", "2026-11-21T22:46:55Z").unwrap(), ns);
        assert!(parse_time("t", "yesterday").is_err());
    }

    /// Prefixed parameters split off; cohort keys replace shared ones (time keys as a group),
    /// `attr` adds up.
    #[test]
    fn prefixed_cohort_parameters() {
        let mut p = Params::parse(Some(
            "since=1h&model=m&attr=k%3D1&a.model=x&a.start=5&b.attr=j%3D2",
        ))
        .unwrap();
        let a = p.split_prefix("a.");
        let b = p.split_prefix("b.");
        assert_eq!(
            a.over(&p).pairs,
            vec![
                ("attr".to_owned(), "k=1".to_owned()),
                ("model".to_owned(), "x".to_owned()),
                ("start".to_owned(), "5".to_owned()),
            ]
        );
        assert_eq!(
            b.over(&p).pairs,
            vec![
                ("since".to_owned(), "1h".to_owned()),
                ("model".to_owned(), "m".to_owned()),
                ("attr".to_owned(), "k=1".to_owned()),
                ("attr".to_owned(), "j=2".to_owned()),
            ]
        );
        assert_eq!(p.pairs.len(), 3);
        let mut q = Params::parse(Some("alpha=2")).unwrap();
        assert!(
            q.f64_in("alpha", 0.01, 0.0, 0.5)
                .unwrap_err()
                .to_string()
                .contains("`alpha`")
        );
    }

    /// Unknown parameters and malformed filters are refused with the parameter named.
    #[test]
    fn rejects_unknown_and_malformed() {
        let mut p = Params::parse(Some("servce=x")).unwrap();
        let _ = p.span_filter().unwrap();
        assert_eq!(
            p.finish().unwrap_err().to_string(),
            "unknown query parameter `servce`"
        );
        let mut p = Params::parse(Some("status=broken")).unwrap();
        assert!(
            p.span_filter()
                .unwrap_err()
                .to_string()
                .contains("`status`")
        );
        let mut p = Params::parse(Some("attr=a%3Db&attr=c%3Dd%3De")).unwrap();
        let f = p.span_filter().unwrap();
        assert_eq!(
            f.attributes,
            vec![("a".into(), "b".into()), ("c".into(), "d=e".into())]
        );
    }
}
