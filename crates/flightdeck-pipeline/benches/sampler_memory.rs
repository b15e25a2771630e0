//! Memory of the tail sampler's buffer: holds one million realistic GenAI spans (trace trees of
//! 5–30 spans, 20–30 attributes each, no message content; then a second run with content) with a
//! window long enough that nothing is decided, and prints the buffer's own accounting and the
//! growth of the process's resident memory.
//!
//! Run: `cargo bench -p flightdeck-pipeline --bench sampler_memory` (or `--workspace`). Last
//! result: see the "Performance" section of the README (numbers, command and hardware).

#![allow(missing_docs)]
#![allow(clippy::expect_used, clippy::print_stdout)] // a benchmark report

use std::sync::Arc;
use std::time::{Duration, Instant};

use flightdeck_ingest::{Limits, decode};
use flightdeck_loadgen::{Generator, TrafficConfig};
use flightdeck_pipeline::sample::{ManualClock, PolicyConfig, SampleConfig};
use flightdeck_pipeline::{Normalize, Processor, TailSampler};

fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

fn run(content: bool, target_spans: u64) {
    let config = SampleConfig {
        decision_wait: Duration::from_secs(3600),
        max_traces: 10_000_000,
        max_buffered_bytes: 8 << 30,
        policies: vec![PolicyConfig::Probabilistic {
            name: None,
            rate: 0.1,
        }],
        ..SampleConfig::default()
    };
    let sampler = TailSampler::new(&config, Arc::new(ManualClock::default())).expect("sampler");
    let mut generator = Generator::new(TrafficConfig {
        content,
        base_time_ns: 1,
        ..TrafficConfig::default()
    });
    let limits = Limits::default();
    let normalize = Normalize::default();
    let before = rss_bytes();
    let started = Instant::now();
    let mut spans_in = 0u64;
    let mut wire_bytes = 0u64;
    while spans_in < target_spans {
        let request = generator.request(50);
        wire_bytes += prost::Message::encoded_len(&request) as u64;
        let mut spans = decode::convert_traces(request, &limits).items;
        normalize.process_spans(&mut spans);
        spans_in += spans.len() as u64;
        sampler.accept(spans, Vec::new());
    }
    let elapsed = started.elapsed();
    let after = rss_bytes();
    let snap = sampler.stats().snapshot();
    let label = if content { "with content" } else { "meta only" };
    println!(
        "sampler buffer, {label}: {} spans in {} traces; accounted {:.1} MiB ({:.0} B/span); \
         RSS grew {:.1} MiB ({:.0} B/span); OTLP protobuf in: {:.0} B/span; {:.0} spans/s into the buffer (incl. decode + normalize)",
        snap.buffered.spans,
        snap.buffered.traces,
        snap.buffered.bytes as f64 / (1 << 20) as f64,
        snap.buffered.bytes as f64 / snap.buffered.spans as f64,
        after.saturating_sub(before) as f64 / (1 << 20) as f64,
        after.saturating_sub(before) as f64 / snap.buffered.spans as f64,
        wire_bytes as f64 / spans_in as f64,
        spans_in as f64 / elapsed.as_secs_f64(),
    );
    assert_eq!(snap.early_decisions, 0, "nothing may be decided early here");
}

fn main() {
    // `cargo bench` passes `--bench`; under `cargo test` (no flag) run a quick smoke version.
    if std::env::args().any(|a| a == "--bench") {
        run(false, 1_000_000);
        run(true, 200_000);
    } else {
        run(false, 5_000);
    }
}
