//! Cohort comparison: two sets of requests (model A vs model B, before vs after a deploy, one
//! time window vs another) compared on latency, time to first token, tokens, cost and error
//! rate, with a verdict on whether each difference is larger than noise.
//!
//! The cohorts are defined by the caller (the store selects the requests); this module gets
//! one [`RequestSample`] per request and computes, per metric:
//!
//! - count, mean, p50, p95, p99 of each cohort (percentiles exact, interpolated like DuckDB's
//!   `quantile_cont`), and the absolute and relative deltas `b - a`;
//! - **distribution**: the Mann–Whitney U test (normal approximation, tie- and
//!   continuity-corrected) with its p-value and `prob_b_greater`, the probability that a random
//!   request of B has a larger value than one of A (ties one half; 0.5 means no shift);
//! - **mean**: a normal-approximation (Welch) interval and p-value for the difference of means;
//! - **p50 / p95 / p99**: a percentile-bootstrap interval for each percentile difference,
//!   drawn with a fixed seed so the same input always gives the same answer (and computed from
//!   order statistics, so its cost does not grow with the cohort size);
//!
//! and for the error rate a two-proportion z-test with a Wald interval.
//!
//! # Verdicts
//!
//! Lower is better for every metric. A statistic is `better` or `worse` only when the
//! difference is significant at level `alpha` (its interval excludes zero, or for the
//! distribution its p-value is below `alpha`) **and** large enough to matter (relative change
//! at least `min_relative_change`; for the distribution, `prob_b_greater` at least
//! `min_effect_size` away from 0.5). Otherwise it is `no_significant_change`, or
//! `not_enough_data` when a cohort has fewer than `min_samples` values, or (for a percentile
//! `p`) fewer than `min_tail_samples` values beyond it (p99 needs 500 values by default).
//! A metric's overall verdict is its distribution verdict; [`CohortComparison::changes`] lists
//! every statistic that came out `better` or `worse`.
//!
//! Many statistics are tested at once; with the default `alpha` of 0.01 about one in a hundred
//! unchanged statistics will still be flagged by chance.

mod stats;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use flightdeck_model::Span;

use crate::classify;

/// One request of a cohort.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct RequestSample {
    /// End-to-end latency in milliseconds.
    pub latency_ms: f64,
    /// Time to the first streamed token in milliseconds (streaming requests only).
    pub ttft_ms: Option<f64>,
    /// Input tokens.
    pub input_tokens: Option<u64>,
    /// Output tokens.
    pub output_tokens: Option<u64>,
    /// Cost in US dollars.
    pub cost_usd: Option<f64>,
    /// True when the request failed.
    pub error: bool,
}

impl RequestSample {
    /// The sample of one GenAI call span: its duration, TTFT, usage, cost and error state.
    pub fn from_span(span: &Span) -> RequestSample {
        let genai = &span.genai;
        let count = |v: Option<i64>| v.and_then(|v| u64::try_from(v).ok());
        RequestSample {
            latency_ms: span.duration_nanos() as f64 / 1e6,
            ttft_ms: genai.time_to_first_chunk.map(|s| s * 1e3),
            input_tokens: count(genai.usage.input_tokens),
            output_tokens: count(genai.usage.output_tokens),
            cost_usd: genai.cost.as_ref().map(|c| c.total),
            error: classify::is_failed(span),
        }
    }
}

/// The compared metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// End-to-end latency, ms.
    LatencyMs,
    /// Time to first token, ms.
    TtftMs,
    /// Input tokens per request.
    InputTokens,
    /// Output tokens per request.
    OutputTokens,
    /// Cost per request, USD.
    CostUsd,
}

impl Metric {
    /// All metrics, in report order.
    pub const ALL: [Metric; 5] = [
        Metric::LatencyMs,
        Metric::TtftMs,
        Metric::InputTokens,
        Metric::OutputTokens,
        Metric::CostUsd,
    ];

    /// The name used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::LatencyMs => "latency_ms",
            Metric::TtftMs => "ttft_ms",
            Metric::InputTokens => "input_tokens",
            Metric::OutputTokens => "output_tokens",
            Metric::CostUsd => "cost_usd",
        }
    }

    fn value(self, s: &RequestSample) -> Option<f64> {
        match self {
            Metric::LatencyMs => Some(s.latency_ms),
            Metric::TtftMs => s.ttft_ms,
            Metric::InputTokens => s.input_tokens.map(|v| v as f64),
            Metric::OutputTokens => s.output_tokens.map(|v| v as f64),
            Metric::CostUsd => s.cost_usd,
        }
        .filter(|v| v.is_finite())
    }
}

/// Settings of the comparison. The defaults suit dashboards; all are validated.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareConfig {
    /// Significance level, in (0, 0.5). Default 0.01.
    pub alpha: f64,
    /// Smallest relative change (`|b - a| / |a|`) reported as better or worse. Default 0.02.
    pub min_relative_change: f64,
    /// Smallest `|prob_b_greater - 0.5|` for a distribution shift to count. Default 0.02.
    pub min_effect_size: f64,
    /// Fewer values than this in either cohort gives `not_enough_data`. Default 20, at least 2.
    pub min_samples: usize,
    /// A percentile `p` needs at least this many values above it (`n (1 - p)`) in each
    /// cohort. Default 5.
    pub min_tail_samples: usize,
    /// Bootstrap draws per percentile. Default 2,000; 1–1,000,000.
    pub bootstrap_resamples: usize,
    /// Seed of the bootstrap. Default 0.
    pub seed: u64,
}

impl Default for CompareConfig {
    fn default() -> Self {
        CompareConfig {
            alpha: 0.01,
            min_relative_change: 0.02,
            min_effect_size: 0.02,
            min_samples: 20,
            min_tail_samples: 5,
            bootstrap_resamples: 2_000,
            seed: 0,
        }
    }
}

/// A comparison setting out of range.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CompareConfigError {
    /// `alpha` outside (0, 0.5).
    #[error("alpha must be between 0 and 0.5 (exclusive), got {0}")]
    Alpha(f64),
    /// A threshold that must be a finite non-negative number.
    #[error("{name} must be a finite number >= 0, got {value}")]
    Threshold {
        /// The setting.
        name: &'static str,
        /// Its value.
        value: f64,
    },
    /// `min_samples` below 2.
    #[error("min_samples must be at least 2, got {0}")]
    MinSamples(usize),
    /// `bootstrap_resamples` outside 1–1,000,000.
    #[error("bootstrap_resamples must be between 1 and 1000000, got {0}")]
    Resamples(usize),
}

impl CompareConfig {
    /// Checks every setting.
    pub fn validate(&self) -> Result<(), CompareConfigError> {
        if !(self.alpha > 0.0 && self.alpha < 0.5) {
            return Err(CompareConfigError::Alpha(self.alpha));
        }
        for (name, value) in [
            ("min_relative_change", self.min_relative_change),
            ("min_effect_size", self.min_effect_size),
        ] {
            if !(value.is_finite() && value >= 0.0) {
                return Err(CompareConfigError::Threshold { name, value });
            }
        }
        if self.min_samples < 2 {
            return Err(CompareConfigError::MinSamples(self.min_samples));
        }
        if !(1..=1_000_000).contains(&self.bootstrap_resamples) {
            return Err(CompareConfigError::Resamples(self.bootstrap_resamples));
        }
        Ok(())
    }
}

/// The outcome for one statistic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// B is significantly and materially lower than A.
    Better,
    /// B is significantly and materially higher than A.
    Worse,
    /// The difference is within noise or too small to matter.
    NoSignificantChange,
    /// Too few values to tell.
    NotEnoughData,
}

/// The comparison of two cohorts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CohortComparison {
    /// Requests in cohort A (the baseline).
    pub a_requests: u64,
    /// Requests in cohort B (the candidate).
    pub b_requests: u64,
    /// The significance level used.
    pub alpha: f64,
    /// Per metric, in [`Metric::ALL`] order.
    pub metrics: Vec<MetricComparison>,
    /// The error rate.
    pub error_rate: RateComparison,
    /// Every statistic whose verdict is `better` or `worse`, worse ones first.
    pub changes: Vec<Change>,
}

/// One metric compared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricComparison {
    /// The metric.
    pub metric: Metric,
    /// The metric's verdict: that of the distribution test (Mann–Whitney).
    pub verdict: Verdict,
    /// Cohort A.
    pub a: Summary,
    /// Cohort B.
    pub b: Summary,
    /// Mann–Whitney U test; `None` when a cohort has no value.
    pub distribution: Option<RankTest>,
    /// Difference of means.
    pub mean: Delta,
    /// Difference of medians.
    pub p50: Delta,
    /// Difference of 95th percentiles.
    pub p95: Delta,
    /// Difference of 99th percentiles.
    pub p99: Delta,
}

/// Descriptive statistics of one cohort for one metric; `None` with no values.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Summary {
    /// Values (requests that reported the metric).
    pub count: u64,
    /// Mean.
    pub mean: Option<f64>,
    /// Median.
    pub p50: Option<f64>,
    /// 95th percentile.
    pub p95: Option<f64>,
    /// 99th percentile.
    pub p99: Option<f64>,
}

/// A difference `b - a` of one statistic.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Delta {
    /// The statistic in cohort A.
    pub a: Option<f64>,
    /// The statistic in cohort B.
    pub b: Option<f64>,
    /// `b - a`.
    pub absolute: Option<f64>,
    /// `(b - a) / |a|`; `None` when `a` is 0 or unknown.
    pub relative: Option<f64>,
    /// Lower end of the `1 - alpha` confidence interval of `b - a`.
    pub ci_low: Option<f64>,
    /// Upper end of that interval.
    pub ci_high: Option<f64>,
    /// Two-sided p-value, for the mean (the percentile intervals come from the bootstrap).
    pub p_value: Option<f64>,
    /// The outcome.
    pub verdict: Verdict,
}

/// The Mann–Whitney U test of B against A.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RankTest {
    /// U of cohort B: pairs (a, b) with b > a, ties one half.
    pub u: f64,
    /// Normal-approximation z; positive when B tends higher.
    pub z: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// Probability that a random B value exceeds a random A value (ties one half).
    pub prob_b_greater: f64,
}

/// The error rates compared.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RateComparison {
    /// Failed requests in A.
    pub a_errors: u64,
    /// Requests in A.
    pub a_requests: u64,
    /// `a_errors / a_requests` (`None` with no requests).
    pub a_rate: Option<f64>,
    /// Failed requests in B.
    pub b_errors: u64,
    /// Requests in B.
    pub b_requests: u64,
    /// `b_errors / b_requests`.
    pub b_rate: Option<f64>,
    /// `b_rate - a_rate` with its interval, p-value and verdict.
    pub delta: Delta,
    /// The pooled two-proportion z statistic.
    pub z: Option<f64>,
}

/// A statistic that changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// `latency_ms`, `ttft_ms`, `input_tokens`, `output_tokens`, `cost_usd` or `error_rate`.
    pub metric: &'static str,
    /// `distribution`, `mean`, `p50`, `p95`, `p99` or `rate`.
    pub statistic: &'static str,
    /// `better` or `worse`.
    pub verdict: Verdict,
    /// The statistic in A (for `distribution`, the median).
    pub a: Option<f64>,
    /// The statistic in B.
    pub b: Option<f64>,
    /// `(b - a) / |a|`.
    pub relative: Option<f64>,
}

/// Compares cohort `b` (the candidate) against cohort `a` (the baseline).
///
/// ```
/// use flightdeck_analysis::cohort::{CompareConfig, RequestSample, Verdict, compare_cohorts};
/// let a: Vec<RequestSample> = (0..100)
///     .map(|i| RequestSample { latency_ms: 100.0 + i as f64, ..Default::default() })
///     .collect();
/// let report = compare_cohorts(&a, &a, &CompareConfig::default()).unwrap();
/// assert_eq!(report.metrics[0].verdict, Verdict::NoSignificantChange);
/// ```
pub fn compare_cohorts(
    a: &[RequestSample],
    b: &[RequestSample],
    config: &CompareConfig,
) -> Result<CohortComparison, CompareConfigError> {
    config.validate()?;
    let z_crit = stats::upper_normal_quantile(config.alpha / 2.0);
    let metrics: Vec<MetricComparison> = Metric::ALL
        .iter()
        .enumerate()
        .map(|(index, &metric)| {
            let values = |cohort: &[RequestSample]| {
                let mut v: Vec<f64> = cohort.iter().filter_map(|s| metric.value(s)).collect();
                v.sort_unstable_by(f64::total_cmp);
                v
            };
            compare_metric(metric, index as u64, &values(a), &values(b), config, z_crit)
        })
        .collect();
    let error_rate = compare_errors(a, b, config, z_crit);

    let mut changes: Vec<Change> = Vec::new();
    for m in &metrics {
        let name = m.metric.as_str();
        if matches!(m.verdict, Verdict::Better | Verdict::Worse) {
            changes.push(Change {
                metric: name,
                statistic: "distribution",
                verdict: m.verdict,
                a: m.a.p50,
                b: m.b.p50,
                relative: relative(m.a.p50, m.b.p50),
            });
        }
        for (statistic, d) in [
            ("mean", &m.mean),
            ("p50", &m.p50),
            ("p95", &m.p95),
            ("p99", &m.p99),
        ] {
            if matches!(d.verdict, Verdict::Better | Verdict::Worse) {
                changes.push(Change {
                    metric: name,
                    statistic,
                    verdict: d.verdict,
                    a: d.a,
                    b: d.b,
                    relative: d.relative,
                });
            }
        }
    }
    if matches!(error_rate.delta.verdict, Verdict::Better | Verdict::Worse) {
        changes.push(Change {
            metric: "error_rate",
            statistic: "rate",
            verdict: error_rate.delta.verdict,
            a: error_rate.a_rate,
            b: error_rate.b_rate,
            relative: error_rate.delta.relative,
        });
    }
    // Stable: worse first, otherwise in metric order.
    changes.sort_by_key(|c| c.verdict != Verdict::Worse);

    Ok(CohortComparison {
        a_requests: a.len() as u64,
        b_requests: b.len() as u64,
        alpha: config.alpha,
        metrics,
        error_rate,
        changes,
    })
}

fn relative(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if a != 0.0 => Some((b - a) / a.abs()),
        _ => None,
    }
}

/// Better or worse when significant and material, else no change.
fn verdict(
    significant: bool,
    absolute: f64,
    relative: Option<f64>,
    config: &CompareConfig,
) -> Verdict {
    let material = match relative {
        Some(r) => r.abs() >= config.min_relative_change,
        None => absolute != 0.0,
    };
    if !(significant && material) {
        Verdict::NoSignificantChange
    } else if absolute > 0.0 {
        Verdict::Worse
    } else {
        Verdict::Better
    }
}

fn summary(sorted: &[f64]) -> Summary {
    Summary {
        count: sorted.len() as u64,
        mean: stats::mean_variance(sorted).map(|(m, _)| m),
        p50: stats::percentile(sorted, 0.5),
        p95: stats::percentile(sorted, 0.95),
        p99: stats::percentile(sorted, 0.99),
    }
}

fn not_enough(a: Option<f64>, b: Option<f64>) -> Delta {
    Delta {
        a,
        b,
        absolute: a.zip(b).map(|(a, b)| b - a),
        relative: relative(a, b),
        ci_low: None,
        ci_high: None,
        p_value: None,
        verdict: Verdict::NotEnoughData,
    }
}

fn compare_metric(
    metric: Metric,
    index: u64,
    a: &[f64],
    b: &[f64],
    config: &CompareConfig,
    z_crit: f64,
) -> MetricComparison {
    let (sa, sb) = (summary(a), summary(b));
    let enough = a.len() >= config.min_samples && b.len() >= config.min_samples;

    let distribution = stats::mann_whitney(a, b);
    let distribution_verdict = match distribution {
        Some(t) if enough => {
            let shift = t.prob_b_greater - 0.5;
            if t.p_value < config.alpha && shift.abs() >= config.min_effect_size {
                if shift > 0.0 {
                    Verdict::Worse
                } else {
                    Verdict::Better
                }
            } else {
                Verdict::NoSignificantChange
            }
        }
        _ => Verdict::NotEnoughData,
    };

    let mean = match stats::welch(a, b, z_crit) {
        Some(e) if enough => {
            let rel = relative(sa.mean, sb.mean);
            Delta {
                a: sa.mean,
                b: sb.mean,
                absolute: Some(e.delta),
                relative: rel,
                ci_low: Some(e.low),
                ci_high: Some(e.high),
                p_value: Some(e.p_value),
                verdict: verdict(e.low > 0.0 || e.high < 0.0, e.delta, rel, config),
            }
        }
        _ => not_enough(sa.mean, sb.mean),
    };

    let percentile_delta = |p: f64, stream: u64, va: Option<f64>, vb: Option<f64>| -> Delta {
        let tail_ok = |n: usize| n as f64 * (1.0 - p) >= config.min_tail_samples as f64;
        let (Some(va), Some(vb)) = (va, vb) else {
            return not_enough(va, vb);
        };
        if !(enough && tail_ok(a.len()) && tail_ok(b.len())) {
            return not_enough(Some(va), Some(vb));
        }
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
        rng.set_stream(index * 4 + stream);
        let Some((low, high)) = stats::bootstrap_percentile_delta(
            a,
            b,
            p,
            config.bootstrap_resamples,
            1.0 - config.alpha,
            &mut rng,
        ) else {
            return not_enough(Some(va), Some(vb));
        };
        let (absolute, rel) = (vb - va, relative(Some(va), Some(vb)));
        Delta {
            a: Some(va),
            b: Some(vb),
            absolute: Some(absolute),
            relative: rel,
            ci_low: Some(low),
            ci_high: Some(high),
            p_value: None,
            verdict: verdict(low > 0.0 || high < 0.0, absolute, rel, config),
        }
    };

    MetricComparison {
        metric,
        verdict: distribution_verdict,
        a: sa,
        b: sb,
        distribution,
        mean,
        p50: percentile_delta(0.5, 0, sa.p50, sb.p50),
        p95: percentile_delta(0.95, 1, sa.p95, sb.p95),
        p99: percentile_delta(0.99, 2, sa.p99, sb.p99),
    }
}

fn compare_errors(
    a: &[RequestSample],
    b: &[RequestSample],
    config: &CompareConfig,
    z_crit: f64,
) -> RateComparison {
    let errors = |c: &[RequestSample]| c.iter().filter(|s| s.error).count() as u64;
    let (xa, na, xb, nb) = (errors(a), a.len() as u64, errors(b), b.len() as u64);
    let rate = |x: u64, n: u64| (n > 0).then(|| x as f64 / n as f64);
    let (ra, rb) = (rate(xa, na), rate(xb, nb));
    let enough = a.len() >= config.min_samples && b.len() >= config.min_samples;
    let (delta, z) = match stats::two_proportions(xa, na, xb, nb, z_crit) {
        Some((e, z)) if enough => {
            let rel = relative(ra, rb);
            (
                Delta {
                    a: ra,
                    b: rb,
                    absolute: Some(e.delta),
                    relative: rel,
                    ci_low: Some(e.low),
                    ci_high: Some(e.high),
                    p_value: Some(e.p_value),
                    verdict: verdict(e.p_value < config.alpha, e.delta, rel, config),
                },
                Some(z),
            )
        }
        _ => (not_enough(ra, rb), None),
    };
    RateComparison {
        a_errors: xa,
        a_requests: na,
        a_rate: ra,
        b_errors: xb,
        b_requests: nb,
        b_rate: rb,
        delta,
        z,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    /// `n` requests with log-normal-ish latencies around `median_ms`, TTFT a fifth of it,
    /// tokens and cost, and every `error_every`-th request failed (0 = none).
    fn cohort(
        n: usize,
        median_ms: f64,
        output_tokens: u64,
        error_every: usize,
        seed: u64,
    ) -> Vec<RequestSample> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        (0..n)
            .map(|i| {
                // Sum of uniforms: a smooth, skewed-enough spread of +-50%.
                let spread: f64 = (0..4).map(|_| rng.random::<f64>()).sum::<f64>() / 4.0;
                let latency = median_ms * (0.5 + spread);
                RequestSample {
                    latency_ms: latency,
                    ttft_ms: Some(latency / 5.0),
                    input_tokens: Some(1_000 + rng.random_range(0..100)),
                    output_tokens: Some(output_tokens + rng.random_range(0..20)),
                    cost_usd: Some(0.001 * (1.0 + spread)),
                    error: error_every > 0 && i % error_every == 0,
                }
            })
            .collect()
    }

    fn metric(c: &CohortComparison, m: Metric) -> &MetricComparison {
        c.metrics.iter().find(|x| x.metric == m).unwrap()
    }

    /// Two cohorts drawn from the same distribution: no statistic is better or worse.
    #[test]
    fn same_distribution_no_change() {
        let a = cohort(2_000, 800.0, 200, 50, 1);
        let b = cohort(2_000, 800.0, 200, 50, 2);
        let c = compare_cohorts(&a, &b, &CompareConfig::default()).unwrap();
        assert!(c.changes.is_empty(), "{:#?}", c.changes);
        for m in &c.metrics {
            assert_eq!(m.verdict, Verdict::NoSignificantChange, "{m:#?}");
            assert_eq!(m.p99.verdict, Verdict::NoSignificantChange, "{m:#?}");
        }
        assert_eq!(c.error_rate.delta.verdict, Verdict::NoSignificantChange);
        assert_eq!((c.error_rate.a_errors, c.error_rate.b_errors), (40, 40));
    }

    /// Identical cohorts: deltas are exactly zero and p-values 1.
    #[test]
    fn identical_cohorts() {
        let a = cohort(500, 300.0, 100, 10, 3);
        let c = compare_cohorts(&a, &a, &CompareConfig::default()).unwrap();
        let lat = metric(&c, Metric::LatencyMs);
        assert_eq!(lat.p50.absolute, Some(0.0));
        assert_eq!(lat.distribution.unwrap().prob_b_greater, 0.5);
        assert!(lat.distribution.unwrap().p_value > 0.99);
        assert_eq!(lat.mean.p_value, Some(1.0));
        assert!(c.changes.is_empty());
    }

    /// B is 30% slower with twice the error rate and 25% fewer output tokens: latency and TTFT
    /// are worse in distribution and every percentile, output tokens better, errors worse; the
    /// unchanged input tokens are not flagged.
    #[test]
    fn clear_shift_is_detected() {
        let a = cohort(3_000, 1_000.0, 400, 20, 4);
        let b = cohort(3_000, 1_300.0, 300, 10, 5);
        let c = compare_cohorts(&a, &b, &CompareConfig::default()).unwrap();
        let lat = metric(&c, Metric::LatencyMs);
        assert_eq!(lat.verdict, Verdict::Worse);
        for d in [&lat.mean, &lat.p50, &lat.p95, &lat.p99] {
            assert_eq!(d.verdict, Verdict::Worse, "{d:#?}");
            assert!(d.ci_low.unwrap() > 0.0);
        }
        // Median latency is about 1000 vs 1300 ms.
        assert!(
            (lat.p50.relative.unwrap() - 0.3).abs() < 0.05,
            "{:?}",
            lat.p50
        );
        assert_eq!(metric(&c, Metric::TtftMs).verdict, Verdict::Worse);
        assert_eq!(metric(&c, Metric::OutputTokens).verdict, Verdict::Better);
        assert_eq!(
            metric(&c, Metric::InputTokens).verdict,
            Verdict::NoSignificantChange
        );
        // 150 / 3000 = 5% vs 300 / 3000 = 10%.
        assert_eq!(c.error_rate.a_errors, 150);
        assert_eq!(c.error_rate.b_errors, 300);
        assert_eq!(c.error_rate.delta.verdict, Verdict::Worse);
        assert!((c.error_rate.delta.absolute.unwrap() - 0.05).abs() < 1e-12);
        assert_eq!(c.changes[0].verdict, Verdict::Worse);
        assert!(
            c.changes
                .iter()
                .any(|x| x.metric == "output_tokens" && x.verdict == Verdict::Better)
        );
    }

    /// A tiny but real shift on a large cohort is significant yet below the 2% materiality
    /// threshold, so it is not flagged; with the threshold at 0 it is.
    #[test]
    fn materiality_threshold() {
        let a: Vec<RequestSample> = (0..20_000)
            .map(|i| RequestSample {
                latency_ms: 1_000.0 + (i % 1000) as f64,
                ..Default::default()
            })
            .collect();
        let b: Vec<RequestSample> = a
            .iter()
            .map(|s| RequestSample {
                latency_ms: s.latency_ms * 1.01,
                ..*s
            })
            .collect();
        let c = compare_cohorts(&a, &b, &CompareConfig::default()).unwrap();
        assert_eq!(
            metric(&c, Metric::LatencyMs).mean.verdict,
            Verdict::NoSignificantChange
        );
        let strict = CompareConfig {
            min_relative_change: 0.0,
            min_effect_size: 0.0,
            ..CompareConfig::default()
        };
        let c = compare_cohorts(&a, &b, &strict).unwrap();
        assert_eq!(metric(&c, Metric::LatencyMs).mean.verdict, Verdict::Worse);
    }

    /// Small cohorts and missing metrics give not_enough_data; p99 needs 500 values by
    /// default while p50 needs only min_samples.
    #[test]
    fn not_enough_data() {
        let a = cohort(10, 100.0, 10, 0, 6);
        let c = compare_cohorts(&a, &a, &CompareConfig::default()).unwrap();
        assert!(
            c.metrics
                .iter()
                .all(|m| m.verdict == Verdict::NotEnoughData)
        );
        assert_eq!(c.error_rate.delta.verdict, Verdict::NotEnoughData);

        let a = cohort(100, 100.0, 10, 0, 7);
        let b = cohort(100, 200.0, 10, 0, 8);
        let c = compare_cohorts(&a, &b, &CompareConfig::default()).unwrap();
        let lat = metric(&c, Metric::LatencyMs);
        assert_eq!(lat.p50.verdict, Verdict::Worse);
        assert_eq!(lat.p99.verdict, Verdict::NotEnoughData);
        assert!(lat.p99.a.is_some() && lat.p99.ci_low.is_none());

        let no_ttft: Vec<RequestSample> = a
            .iter()
            .map(|s| RequestSample {
                ttft_ms: None,
                ..*s
            })
            .collect();
        let c = compare_cohorts(&no_ttft, &no_ttft, &CompareConfig::default()).unwrap();
        let ttft = metric(&c, Metric::TtftMs);
        assert_eq!((ttft.a.count, ttft.verdict), (0, Verdict::NotEnoughData));
        assert!(ttft.distribution.is_none());
    }

    /// The same input and seed give the same intervals; bad settings are rejected by name.
    #[test]
    fn deterministic_and_validated() {
        let a = cohort(1_000, 500.0, 50, 0, 9);
        let b = cohort(1_000, 520.0, 50, 0, 10);
        let config = CompareConfig::default();
        assert_eq!(
            compare_cohorts(&a, &b, &config),
            compare_cohorts(&a, &b, &config)
        );
        let bad = CompareConfig {
            alpha: 0.7,
            ..CompareConfig::default()
        };
        assert_eq!(
            compare_cohorts(&a, &b, &bad).unwrap_err().to_string(),
            "alpha must be between 0 and 0.5 (exclusive), got 0.7"
        );
        let bad = CompareConfig {
            min_effect_size: f64::NAN,
            ..CompareConfig::default()
        };
        assert!(matches!(
            bad.validate(),
            Err(CompareConfigError::Threshold {
                name: "min_effect_size",
                ..
            })
        ));
    }

    /// A sample from a span reads duration, TTFT (seconds to ms), usage, cost and errors.
    #[test]
    fn sample_from_span() {
        use crate::tree::testing::*;
        let mut s = failed(chat(1, 0, "m", 1_000_000, 251_000_000, (120, 30)));
        s.genai.time_to_first_chunk = Some(0.05);
        s.genai.usage.input_tokens = Some(-1);
        let r = RequestSample::from_span(&s);
        assert_eq!(r.latency_ms, 250.0);
        assert_eq!(r.ttft_ms, Some(50.0));
        assert_eq!((r.input_tokens, r.output_tokens), (None, Some(30)));
        assert!(r.error);
    }
}
