//! Statistics for comparing two samples: percentiles, Welch's mean difference, the
//! Mann–Whitney U test, a two-proportion z-test and a bootstrap of percentile differences.
//!
//! All functions take data sorted ascending with no NaN, and are deterministic.

use std::f64::consts::SQRT_2;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Beta, Distribution};

use super::RankTest;

/// The `p` percentile (0.0–1.0) of sorted data, interpolating linearly between the two nearest
/// ranks (the definition of DuckDB's `quantile_cont` and numpy's default).
pub(crate) fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let frac = h - lo as f64;
    let low = sorted[lo];
    Some(match sorted.get(lo + 1) {
        Some(&high) if frac > 0.0 => low + frac * (high - low),
        _ => low,
    })
}

/// Mean and unbiased sample variance (Welford's algorithm, stable for large values).
pub(crate) fn mean_variance(xs: &[f64]) -> Option<(f64, f64)> {
    if xs.is_empty() {
        return None;
    }
    let (mut mean, mut m2) = (0.0, 0.0);
    for (i, &x) in xs.iter().enumerate() {
        let d = x - mean;
        mean += d / (i + 1) as f64;
        m2 += d * (x - mean);
    }
    let var = if xs.len() > 1 {
        m2 / (xs.len() - 1) as f64
    } else {
        0.0
    };
    Some((mean, var))
}

/// Two-sided p-value of a standard normal statistic.
pub(crate) fn two_sided_p(z: f64) -> f64 {
    if z.is_nan() {
        return 1.0;
    }
    libm::erfc(z.abs() / SQRT_2).min(1.0)
}

/// The `z` with `P(Z > z) = tail` for a standard normal `Z`, for `tail` in (0, 0.5]; found by
/// bisection on `erfc`, exact to double precision.
pub(crate) fn upper_normal_quantile(tail: f64) -> f64 {
    let (mut lo, mut hi) = (0.0f64, 40.0f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if 0.5 * libm::erfc(mid / SQRT_2) > tail {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// A difference with its confidence interval and p-value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Estimate {
    pub(crate) delta: f64,
    pub(crate) low: f64,
    pub(crate) high: f64,
    pub(crate) p_value: f64,
}

/// Difference of means `mean(b) - mean(a)` with a normal-approximation (Welch) interval.
pub(crate) fn welch(a: &[f64], b: &[f64], z_crit: f64) -> Option<Estimate> {
    let (ma, va) = mean_variance(a)?;
    let (mb, vb) = mean_variance(b)?;
    let delta = mb - ma;
    let se = (va / a.len() as f64 + vb / b.len() as f64).sqrt();
    let p_value = if se > 0.0 {
        two_sided_p(delta / se)
    } else if delta == 0.0 {
        1.0
    } else {
        0.0
    };
    Some(Estimate {
        delta,
        low: delta - z_crit * se,
        high: delta + z_crit * se,
        p_value,
    })
}

/// The Mann–Whitney U test with the normal approximation, from sorted samples in O(n).
pub(crate) fn mann_whitney(a: &[f64], b: &[f64]) -> Option<RankTest> {
    let (na, nb) = (a.len() as f64, b.len() as f64);
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let n = na + nb;
    // Walk both sorted samples in step, giving each run of equal values its average rank.
    let (mut i, mut j) = (0usize, 0usize);
    let (mut rank, mut rank_sum_b, mut ties) = (0.0f64, 0.0f64, 0.0f64);
    while i < a.len() || j < b.len() {
        let v = match (a.get(i), b.get(j)) {
            (Some(&x), Some(&y)) => x.min(y),
            (Some(&x), None) => x,
            (None, Some(&y)) => y,
            (None, None) => break,
        };
        let i0 = i;
        while i < a.len() && a[i] == v {
            i += 1;
        }
        let j0 = j;
        while j < b.len() && b[j] == v {
            j += 1;
        }
        let t = ((i - i0) + (j - j0)) as f64;
        let average = rank + (t + 1.0) / 2.0;
        rank_sum_b += (j - j0) as f64 * average;
        ties += t * t * t - t;
        rank += t;
    }
    let u = rank_sum_b - nb * (nb + 1.0) / 2.0;
    let mu = na * nb / 2.0;
    let sigma = (na * nb / 12.0 * ((n + 1.0) - ties / (n * (n - 1.0)))).sqrt();
    let z = if sigma > 0.0 {
        let d = u - mu;
        d.signum() * (d.abs() - 0.5).max(0.0) / sigma
    } else {
        0.0
    };
    Some(RankTest {
        u,
        z,
        p_value: two_sided_p(z),
        prob_b_greater: u / (na * nb),
    })
}

/// Difference of two proportions `x_b / n_b - x_a / n_a`: pooled z-test p-value, unpooled
/// (Wald) interval.
pub(crate) fn two_proportions(
    xa: u64,
    na: u64,
    xb: u64,
    nb: u64,
    z_crit: f64,
) -> Option<(Estimate, f64)> {
    if na == 0 || nb == 0 {
        return None;
    }
    let (na, nb) = (na as f64, nb as f64);
    let (pa, pb) = (xa as f64 / na, xb as f64 / nb);
    let delta = pb - pa;
    let pooled = (xa + xb) as f64 / (na + nb);
    let se0 = (pooled * (1.0 - pooled) * (1.0 / na + 1.0 / nb)).sqrt();
    let z = if se0 > 0.0 { delta / se0 } else { 0.0 };
    let se = (pa * (1.0 - pa) / na + pb * (1.0 - pb) / nb).sqrt();
    Some((
        Estimate {
            delta,
            low: delta - z_crit * se,
            high: delta + z_crit * se,
            p_value: two_sided_p(z),
        },
        z,
    ))
}

/// Draws the `p` percentile of bootstrap resamples of sorted data in O(1) per draw.
///
/// A resample of `n` values drawn with replacement is `x[ceil(n U_i)]` for `n` uniform `U_i`,
/// and that map is monotone, so the resample's `k`-th smallest value is `x[ceil(n U_(k))]`,
/// where the `k`-th smallest of `n` uniforms `U_(k)` follows Beta(k, n - k + 1). The next one
/// is `U_(k+1) = U_(k) + (1 - U_(k)) W` with `W` ~ Beta(1, n - k), the smallest of the
/// remaining `n - k` uniforms above `U_(k)`. Drawing these two gives the interpolated
/// percentile of a resample exactly as resampling all `n` values would, without doing so.
pub(crate) struct ResampledPercentile<'a> {
    sorted: &'a [f64],
    k: usize,
    frac: f64,
    kth: Beta<f64>,
}

impl<'a> ResampledPercentile<'a> {
    pub(crate) fn new(sorted: &'a [f64], p: f64) -> Option<ResampledPercentile<'a>> {
        let n = sorted.len();
        if n == 0 {
            return None;
        }
        let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
        let lo = h.floor() as usize;
        let k = lo + 1; // 1-based rank
        let kth = Beta::new(k as f64, (n - k + 1) as f64).ok()?;
        Some(ResampledPercentile {
            sorted,
            k,
            frac: h - lo as f64,
            kth,
        })
    }

    fn value_at(&self, u: f64) -> f64 {
        let n = self.sorted.len();
        let index = ((n as f64 * u).ceil() as usize).clamp(1, n) - 1;
        self.sorted[index]
    }

    pub(crate) fn draw(&self, rng: &mut ChaCha8Rng) -> f64 {
        let n = self.sorted.len();
        let u_k = self.kth.sample(rng);
        let low = self.value_at(u_k);
        if self.frac == 0.0 || self.k >= n {
            return low;
        }
        // Smallest of n - k uniforms: 1 - V^(1 / (n - k)), V uniform on (0, 1].
        let v: f64 = 1.0 - rng.random::<f64>();
        let w = 1.0 - v.powf(1.0 / (n - self.k) as f64);
        let high = self.value_at(u_k + (1.0 - u_k) * w);
        low + self.frac * (high - low)
    }
}

/// Percentile-bootstrap interval of `percentile(b, p) - percentile(a, p)` at `confidence`,
/// with `resamples` draws; also the share of draws at or below zero and at or above zero.
pub(crate) fn bootstrap_percentile_delta(
    a: &[f64],
    b: &[f64],
    p: f64,
    resamples: usize,
    confidence: f64,
    rng: &mut ChaCha8Rng,
) -> Option<(f64, f64)> {
    let ra = ResampledPercentile::new(a, p)?;
    let rb = ResampledPercentile::new(b, p)?;
    let mut deltas: Vec<f64> = (0..resamples.max(1))
        .map(|_| rb.draw(rng) - ra.draw(rng))
        .collect();
    deltas.sort_unstable_by(f64::total_cmp);
    let tail = (1.0 - confidence) / 2.0;
    Some((percentile(&deltas, tail)?, percentile(&deltas, 1.0 - tail)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// Percentiles interpolate between ranks as DuckDB's quantile_cont does.
    #[test]
    fn percentiles() {
        let xs = [1.0, 2.0, 3.0, 4.0];
        // h = 3 * 0.5 = 1.5 -> 2 + 0.5 * (3 - 2)
        assert_eq!(percentile(&xs, 0.5), Some(2.5));
        // h = 3 * 0.95 = 2.85 -> 3 + 0.85 * 1
        assert!((percentile(&xs, 0.95).unwrap() - 3.85).abs() < 1e-12);
        assert_eq!(percentile(&xs, 0.0), Some(1.0));
        assert_eq!(percentile(&xs, 1.0), Some(4.0));
        assert_eq!(percentile(&[7.0], 0.99), Some(7.0));
        assert_eq!(percentile(&[], 0.5), None);
    }

    /// Mean and sample variance of 2, 4, 4, 4, 5, 5, 7, 9: mean 5, variance 32 / 7.
    #[test]
    fn mean_and_variance() {
        let (m, v) = mean_variance(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]).unwrap();
        assert!((m - 5.0).abs() < 1e-12);
        assert!((v - 32.0 / 7.0).abs() < 1e-12);
    }

    /// The normal tail and its inverse agree with table values (z 1.959964 for 2.5%, 2.575829
    /// for 0.5%; two-sided p of 1.96 is 0.04999579).
    #[test]
    fn normal_tail() {
        assert!((upper_normal_quantile(0.025) - 1.959_963_985).abs() < 1e-8);
        assert!((upper_normal_quantile(0.005) - 2.575_829_304).abs() < 1e-8);
        assert!((two_sided_p(1.96) - 0.049_995_790).abs() < 1e-8);
        assert_eq!(two_sided_p(0.0), 1.0);
    }

    /// Mann–Whitney on a small hand-ranked example with a tie.
    #[test]
    fn mann_whitney_by_hand() {
        // a = 1, 2, 4; b = 3, 4, 5, 6. Pooled ranks: 1->1, 2->2, 3->3, 4,4->4.5, 5->6, 6->7.
        // Rank sum of b = 3 + 4.5 + 6 + 7 = 20.5; U_b = 20.5 - 4 * 5 / 2 = 10.5.
        // mu = 6; ties: one pair -> 2^3 - 2 = 6; sigma^2 = 12/12 * (8 - 6 / 42) = 7.857142...
        // z = (4.5 - 0.5) / sqrt(7.857142) = 1.42698...
        let t = mann_whitney(&[1.0, 2.0, 4.0], &[3.0, 4.0, 5.0, 6.0]).unwrap();
        assert_eq!(t.u, 10.5);
        assert!((t.z - 4.0 / (8.0f64 - 6.0 / 42.0).sqrt()).abs() < 1e-12);
        assert!((t.prob_b_greater - 10.5 / 12.0).abs() < 1e-12);
        assert!((t.p_value - two_sided_p(t.z)).abs() < 1e-15);

        let same = mann_whitney(&[1.0, 1.0], &[1.0, 1.0, 1.0]).unwrap();
        assert_eq!((same.z, same.p_value, same.prob_b_greater), (0.0, 1.0, 0.5));
    }

    /// Two-proportion test: 10/100 vs 25/100. Pooled p = 0.175, se0 = sqrt(0.175 * 0.825 *
    /// 0.02) = 0.053735; z = 0.15 / 0.053735 = 2.79145.
    #[test]
    fn proportions_by_hand() {
        let (e, z) = two_proportions(10, 100, 25, 100, 1.96).unwrap();
        assert!((e.delta - 0.15).abs() < 1e-12);
        let se0 = (0.175f64 * 0.825 * 0.02).sqrt();
        assert!((z - 0.15 / se0).abs() < 1e-12);
        let se = (0.1f64 * 0.9 / 100.0 + 0.25 * 0.75 / 100.0).sqrt();
        assert!((e.low - (0.15 - 1.96 * se)).abs() < 1e-12);
        let (none, z0) = two_proportions(0, 50, 0, 60, 1.96).unwrap();
        assert_eq!((none.p_value, z0), (1.0, 0.0));
    }

    /// Welch: means 2 and 5 of samples with variance 1 (n = 3 each): se = sqrt(2 / 3).
    #[test]
    fn welch_by_hand() {
        let e = welch(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0], 2.0).unwrap();
        let se = (2.0f64 / 3.0).sqrt();
        assert!((e.delta - 3.0).abs() < 1e-12);
        assert!((e.high - (3.0 + 2.0 * se)).abs() < 1e-12);
        assert!((e.p_value - two_sided_p(3.0 / se)).abs() < 1e-15);
    }

    /// Kolmogorov–Smirnov distance between two samples (both sorted).
    fn ks_distance(x: &[f64], y: &[f64]) -> f64 {
        let (mut i, mut j, mut d) = (0usize, 0usize, 0.0f64);
        while i < x.len() && j < y.len() {
            let v = x[i].min(y[j]);
            while i < x.len() && x[i] <= v {
                i += 1;
            }
            while j < y.len() && y[j] <= v {
                j += 1;
            }
            d = d.max((i as f64 / x.len() as f64 - j as f64 / y.len() as f64).abs());
        }
        d
    }

    /// The order-statistic shortcut draws resample percentiles with the same distribution as
    /// resampling every value: over 20,000 draws on 25 values, the distributions of the drawn
    /// medians and p90s are within a Kolmogorov–Smirnov distance of 0.025 of brute-force
    /// resampling (the 0.1% critical value for two samples of 20,000 is about 0.0195), and
    /// their means agree.
    #[test]
    fn shortcut_matches_brute_force_bootstrap() {
        let mut sorted: Vec<f64> = (0..25)
            .map(|i| ((i * i) % 17) as f64 + i as f64 * 0.1)
            .collect();
        sorted.sort_unstable_by(f64::total_cmp);
        for p in [0.5, 0.9] {
            let mut rng = ChaCha8Rng::seed_from_u64(1);
            let shortcut = ResampledPercentile::new(&sorted, p).unwrap();
            let mut fast: Vec<f64> = (0..20_000).map(|_| shortcut.draw(&mut rng)).collect();
            let mut slow: Vec<f64> = (0..20_000)
                .map(|_| {
                    let mut r: Vec<f64> = (0..sorted.len())
                        .map(|_| sorted[rng.random_range(0..sorted.len())])
                        .collect();
                    r.sort_unstable_by(f64::total_cmp);
                    percentile(&r, p).unwrap()
                })
                .collect();
            fast.sort_unstable_by(f64::total_cmp);
            slow.sort_unstable_by(f64::total_cmp);
            let d = ks_distance(&fast, &slow);
            assert!(d < 0.025, "p {p}: KS distance {d}");
            let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
            assert!((mean(&fast) - mean(&slow)).abs() < 0.1, "p {p}");
        }
    }

    /// A wrong shortcut would be caught: the KS distance between draws of the median and of
    /// the p90 of the same data is far above the tolerance used above.
    #[test]
    fn ks_distance_separates_different_distributions() {
        let sorted: Vec<f64> = (0..25).map(f64::from).collect();
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let draw = |p, rng: &mut ChaCha8Rng| {
            let r = ResampledPercentile::new(&sorted, p).unwrap();
            let mut v: Vec<f64> = (0..5_000).map(|_| r.draw(rng)).collect();
            v.sort_unstable_by(f64::total_cmp);
            v
        };
        let (m, h) = (draw(0.5, &mut rng), draw(0.6, &mut rng));
        assert!(ks_distance(&m, &h) > 0.2);
    }

    /// The bootstrap interval of a percentile difference covers the true shift of a shifted
    /// copy and is the same for the same seed.
    #[test]
    fn bootstrap_interval() {
        let a: Vec<f64> = (0..200).map(|i| i as f64).collect();
        let b: Vec<f64> = a.iter().map(|x| x + 50.0).collect();
        let run = |seed| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            bootstrap_percentile_delta(&a, &b, 0.5, 2_000, 0.99, &mut rng).unwrap()
        };
        let (low, high) = run(7);
        assert!(low > 0.0 && low < 50.0 && high > 50.0, "{low} {high}");
        assert_eq!(run(7), (low, high));
    }
}
