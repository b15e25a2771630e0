//! Retrieval statistics over many spans: latency, documents per retrieval and relevance scores,
//! overall and per data source, in bounded memory.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;
use sketches_ddsketch::{Config, DDSketch};

use flightdeck_model::Span;

use crate::classify;

/// At most this many data sources are tracked separately; retrievals of further sources are
/// counted under an `(other)` source (see [`RetrievalSummary::folded_retrievals`]).
pub const MAX_SOURCES: usize = 256;
/// The data source name used for retrievals that report none.
pub const UNKNOWN_SOURCE: &str = "(unknown)";
/// The data source name that collects sources beyond [`MAX_SOURCES`].
const OTHER_SOURCE: &str = "(other)";

/// Upper bounds (ms) of the latency histogram buckets; the last bucket is unbounded.
const LATENCY_BOUNDS_MS: &[f64] = &[
    5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1_000.0, 2_500.0, 5_000.0, 10_000.0,
];
/// Upper bounds of the documents-per-retrieval histogram buckets.
const DOCUMENT_BOUNDS: &[f64] = &[0.0, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0];
/// Upper bounds of the relevance-score histogram buckets (scores are usually similarities in
/// 0–1; anything above 1 lands in the unbounded bucket, anything below 0 in the first).
const SCORE_BOUNDS: &[f64] = &[0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0];

/// Relative accuracy of the quantile sketches.
const SKETCH_ALPHA: f64 = 0.01;
/// Bin cap of the quantile sketches (each sketch stays under ~40 KiB).
const SKETCH_MAX_BINS: u32 = 2048;
/// Values closer to zero than this count as zero in the sketches.
const SKETCH_MIN_VALUE: f64 = 1e-9;

/// A quantile sketch plus a fixed-bucket histogram of one quantity.
#[derive(Clone)]
struct Distribution {
    sketch: DDSketch,
    bounds: &'static [f64],
    counts: Vec<u64>,
}

impl Distribution {
    fn new(bounds: &'static [f64]) -> Distribution {
        Distribution {
            sketch: DDSketch::new(Config::new(SKETCH_ALPHA, SKETCH_MAX_BINS, SKETCH_MIN_VALUE)),
            bounds,
            counts: vec![0; bounds.len() + 1],
        }
    }

    fn add(&mut self, value: f64) {
        if !value.is_finite() {
            return;
        }
        self.sketch.add(value);
        let bucket = self.bounds.partition_point(|&b| b < value);
        self.counts[bucket] += 1;
    }

    fn merge(&mut self, other: &Distribution) {
        // Every sketch here is built with the same configuration, the only merge error.
        let _ = self.sketch.merge(&other.sketch);
        for (mine, theirs) in self.counts.iter_mut().zip(&other.counts) {
            *mine += theirs;
        }
    }

    fn summary(&self) -> DistributionSummary {
        let count = self.sketch.count() as u64;
        let q = |p: f64| self.sketch.quantile(p).ok().flatten();
        DistributionSummary {
            count,
            min: self.sketch.min(),
            max: self.sketch.max(),
            mean: self.sketch.sum().map(|s| s / count as f64),
            p50: q(0.5),
            p90: q(0.9),
            p99: q(0.99),
            histogram: self
                .counts
                .iter()
                .enumerate()
                .map(|(i, &count)| Bucket {
                    le: self.bounds.get(i).copied(),
                    count,
                })
                .collect(),
        }
    }
}

/// Per-source accumulators.
#[derive(Clone)]
struct SourceStats {
    retrievals: u64,
    errors: u64,
    empty_results: u64,
    latency_ms: Distribution,
    documents: Distribution,
    scores: Distribution,
}

impl SourceStats {
    fn new() -> SourceStats {
        SourceStats {
            retrievals: 0,
            errors: 0,
            empty_results: 0,
            latency_ms: Distribution::new(LATENCY_BOUNDS_MS),
            documents: Distribution::new(DOCUMENT_BOUNDS),
            scores: Distribution::new(SCORE_BOUNDS),
        }
    }

    fn add(&mut self, span: &Span) {
        self.retrievals += 1;
        self.errors += u64::from(classify::is_failed(span));
        self.latency_ms.add(span.duration_nanos() as f64 / 1e6);
        let documents = span
            .genai
            .retrieval
            .as_ref()
            .map(|r| r.documents.as_slice())
            .unwrap_or_default();
        self.empty_results += u64::from(documents.is_empty());
        self.documents.add(documents.len() as f64);
        for score in documents.iter().filter_map(|d| d.score) {
            self.scores.add(score);
        }
    }

    fn merge(&mut self, other: &SourceStats) {
        self.retrievals += other.retrievals;
        self.errors += other.errors;
        self.empty_results += other.empty_results;
        self.latency_ms.merge(&other.latency_ms);
        self.documents.merge(&other.documents);
        self.scores.merge(&other.scores);
    }

    fn summary(&self, data_source: Option<&str>) -> SourceSummary {
        SourceSummary {
            data_source: data_source.map(str::to_owned),
            retrievals: self.retrievals,
            errors: self.errors,
            empty_results: self.empty_results,
            latency_ms: self.latency_ms.summary(),
            documents_per_retrieval: self.documents.summary(),
            scores: self.scores.summary(),
        }
    }
}

/// An accumulator of retrieval statistics over any number of spans, overall and by data source.
/// Memory is bounded: at most [`MAX_SOURCES`] sources, each with fixed-size histograms and
/// quantile sketches of at most a few tens of KiB.
///
/// Quantiles come from DDSketch sketches and are within 1% relative error; counts, minima,
/// maxima, means and histograms are exact.
///
/// ```
/// use flightdeck_analysis::rag::RetrievalStats;
/// let mut stats = RetrievalStats::new();
/// stats.add_spans(&[]);
/// assert_eq!(stats.summary().overall.retrievals, 0);
/// ```
#[derive(Clone)]
pub struct RetrievalStats {
    overall: SourceStats,
    by_source: BTreeMap<String, SourceStats>,
    folded: u64,
}

impl Default for RetrievalStats {
    fn default() -> Self {
        RetrievalStats::new()
    }
}

impl fmt::Debug for RetrievalStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetrievalStats")
            .field("retrievals", &self.overall.retrievals)
            .field("sources", &self.by_source.len())
            .field("folded", &self.folded)
            .finish()
    }
}

impl RetrievalStats {
    /// An empty accumulator.
    pub fn new() -> RetrievalStats {
        RetrievalStats {
            overall: SourceStats::new(),
            by_source: BTreeMap::new(),
            folded: 0,
        }
    }

    /// Adds one span if it is a retrieval span; returns whether it was.
    pub fn add(&mut self, span: &Span) -> bool {
        if !classify::is_retrieval(span) {
            return false;
        }
        self.overall.add(span);
        let source = classify::data_source(span).unwrap_or(UNKNOWN_SOURCE);
        if let Some(stats) = self.by_source.get_mut(source) {
            stats.add(span);
        } else {
            let (slot, folded) = self.source_slot(source);
            slot.add(span);
            self.folded += u64::from(folded);
        }
        true
    }

    /// Adds every retrieval span among `spans`; returns how many there were.
    pub fn add_spans(&mut self, spans: &[Span]) -> u64 {
        spans.iter().map(|s| u64::from(self.add(s))).sum()
    }

    /// Adds another accumulator into this one.
    pub fn merge(&mut self, other: &RetrievalStats) {
        self.overall.merge(&other.overall);
        self.folded += other.folded;
        for (source, stats) in &other.by_source {
            let (slot, folded) = self.source_slot(source);
            slot.merge(stats);
            if folded {
                self.folded += stats.retrievals;
            }
        }
    }

    /// The accumulator of `source`, created if there is room, else the `(other)` one (then the
    /// flag is true).
    fn source_slot(&mut self, source: &str) -> (&mut SourceStats, bool) {
        let fold = !self.by_source.contains_key(source) && self.by_source.len() >= MAX_SOURCES;
        let key = if fold { OTHER_SOURCE } else { source };
        let slot = self
            .by_source
            .entry(key.to_owned())
            .or_insert_with(SourceStats::new);
        (slot, fold)
    }

    /// The statistics: overall, then per data source sorted by name.
    pub fn summary(&self) -> RetrievalSummary {
        RetrievalSummary {
            overall: self.overall.summary(None),
            by_source: self
                .by_source
                .iter()
                .map(|(source, stats)| stats.summary(Some(source)))
                .collect(),
            folded_retrievals: self.folded,
        }
    }
}

/// Retrieval statistics, as the API returns them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RetrievalSummary {
    /// Over all retrievals.
    pub overall: SourceSummary,
    /// Per data source, sorted by name.
    pub by_source: Vec<SourceSummary>,
    /// Retrievals of data sources beyond [`MAX_SOURCES`], counted under the `(other)` source.
    pub folded_retrievals: u64,
}

/// Statistics of the retrievals of one data source (or all of them).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceSummary {
    /// The data source; `None` for the overall statistics.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_source: Option<String>,
    /// Number of retrievals.
    pub retrievals: u64,
    /// Failed retrievals.
    pub errors: u64,
    /// Retrievals that returned no documents (or did not report any).
    pub empty_results: u64,
    /// Retrieval latency in milliseconds.
    pub latency_ms: DistributionSummary,
    /// Documents returned per retrieval.
    pub documents_per_retrieval: DistributionSummary,
    /// Relevance scores of the returned documents that reported one.
    pub scores: DistributionSummary,
}

/// Summary of a distribution. Fields are `None` when there is no value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DistributionSummary {
    /// Number of values.
    pub count: u64,
    /// Smallest value (exact).
    pub min: Option<f64>,
    /// Largest value (exact).
    pub max: Option<f64>,
    /// Mean (exact).
    pub mean: Option<f64>,
    /// Median (within 1%).
    pub p50: Option<f64>,
    /// 90th percentile (within 1%).
    pub p90: Option<f64>,
    /// 99th percentile (within 1%).
    pub p99: Option<f64>,
    /// Counts per bucket.
    pub histogram: Vec<Bucket>,
}

/// One histogram bucket: the values above the previous bucket's bound, up to and including
/// `le`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Bucket {
    /// Upper bound (inclusive); `None` for the last, unbounded bucket.
    pub le: Option<f64>,
    /// Values in the bucket.
    pub count: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rag::tests::retrieval;
    use crate::tree::testing::*;

    const MS: u64 = 1_000_000;

    /// Three retrievals on two sources: counts, empties, errors, exact min/max/mean, histogram
    /// buckets and per-source split match hand-computed values.
    #[test]
    fn accumulates_by_source() {
        let spans = vec![
            retrieval(
                1,
                0,
                "kb",
                0,
                20 * MS,
                &[("a", 0.95), ("b", 0.55), ("c", 0.05)],
            ),
            retrieval(2, 0, "kb", 0, 80 * MS, &[("d", 0.85)]),
            failed(retrieval(3, 0, "web", 0, 400 * MS, &[])),
            chat(4, 0, "m", 0, 1, (1, 1)),
        ];
        let mut stats = RetrievalStats::new();
        assert_eq!(stats.add_spans(&spans), 3);
        let s = stats.summary();
        let all = &s.overall;
        assert_eq!((all.retrievals, all.errors, all.empty_results), (3, 1, 1));
        assert_eq!(all.latency_ms.min, Some(20.0));
        assert_eq!(all.latency_ms.max, Some(400.0));
        assert!((all.latency_ms.mean.unwrap() - 500.0 / 3.0).abs() < 1e-9);
        // 20 ms -> le 25, 80 ms -> le 100, 400 ms -> le 500.
        let nonzero: Vec<(Option<f64>, u64)> = all
            .latency_ms
            .histogram
            .iter()
            .filter(|b| b.count > 0)
            .map(|b| (b.le, b.count))
            .collect();
        assert_eq!(
            nonzero,
            vec![(Some(25.0), 1), (Some(100.0), 1), (Some(500.0), 1)]
        );
        // Documents per retrieval: 3, 1, 0.
        assert_eq!(all.documents_per_retrieval.count, 3);
        assert!((all.documents_per_retrieval.mean.unwrap() - 4.0 / 3.0).abs() < 1e-9);
        // Scores 0.95, 0.55, 0.05, 0.85: buckets le 1.0, 0.6, 0.1, 0.9.
        assert_eq!(all.scores.count, 4);
        let score_buckets: Vec<Option<f64>> = all
            .scores
            .histogram
            .iter()
            .filter(|b| b.count > 0)
            .map(|b| b.le)
            .collect();
        assert_eq!(
            score_buckets,
            vec![Some(0.1), Some(0.6), Some(0.9), Some(1.0)]
        );
        // p50 of 0.05, 0.55, 0.85, 0.95 is the second value (rank floor(0.5 * 3) = 1), within 1%.
        assert!((all.scores.p50.unwrap() - 0.55).abs() <= 0.55 * 0.01 + 1e-12);

        let sources: Vec<(&str, u64)> = s
            .by_source
            .iter()
            .map(|x| (x.data_source.as_deref().unwrap(), x.retrievals))
            .collect();
        assert_eq!(sources, vec![("kb", 2), ("web", 1)]);
        assert_eq!(s.by_source[1].errors, 1);
    }

    /// Quantiles of 1..=1000 ms latencies are within 1% of the exact ranks, and merging two
    /// halves gives the same summary as adding all spans to one accumulator.
    #[test]
    fn quantiles_and_merge() {
        let spans: Vec<Span> = (1..=1000u64)
            .map(|k| retrieval(k, 0, "kb", 0, k * MS, &[("d", k as f64 / 1000.0)]))
            .collect();
        let mut whole = RetrievalStats::new();
        whole.add_spans(&spans);
        let mut a = RetrievalStats::new();
        a.add_spans(&spans[..500]);
        let mut b = RetrievalStats::new();
        b.add_spans(&spans[500..]);
        a.merge(&b);
        let (merged, whole) = (a.summary().overall, whole.summary().overall);
        // Latencies are whole milliseconds, so even the sums are exact.
        assert_eq!(merged.latency_ms, whole.latency_ms);
        assert_eq!(merged.scores.histogram, whole.scores.histogram);
        assert_eq!(merged.scores.p90, whole.scores.p90);
        assert!((merged.scores.mean.unwrap() - 0.5005).abs() < 1e-12);
        let lat = whole.latency_ms;
        // Sketch rank for q is floor(q * 999): p50 -> 500 ms, p99 -> 990 ms.
        assert!((lat.p50.unwrap() - 500.0).abs() <= 5.0 + 1e-9, "{lat:?}");
        assert!((lat.p99.unwrap() - 990.0).abs() <= 9.9 + 1e-9, "{lat:?}");
        assert_eq!(lat.histogram.last().unwrap().count, 0);
        assert_eq!(lat.histogram[7].count, 500); // (500, 1000] ms
    }

    /// Past the source cap, new sources fold into `(other)`; retrievals with no source are
    /// `(unknown)`.
    #[test]
    fn source_cap() {
        let mut stats = RetrievalStats::new();
        for k in 0..MAX_SOURCES as u64 + 3 {
            stats.add(&retrieval(k + 1, 0, &format!("s{k:04}"), 0, MS, &[]));
        }
        let no_source = op(span(9999, 0, "search", 0, MS), "retrieval");
        // Unknown is a new source too: folded as well, since the cap is reached.
        stats.add(&no_source);
        let s = stats.summary();
        assert_eq!(s.by_source.len(), MAX_SOURCES + 1);
        assert_eq!(s.folded_retrievals, 4);
        let other = s
            .by_source
            .iter()
            .find(|x| x.data_source.as_deref() == Some("(other)"))
            .unwrap();
        assert_eq!(other.retrievals, 4);

        let mut small = RetrievalStats::new();
        small.add(&no_source);
        assert_eq!(
            small.summary().by_source[0].data_source.as_deref(),
            Some(UNKNOWN_SOURCE)
        );
    }
}
