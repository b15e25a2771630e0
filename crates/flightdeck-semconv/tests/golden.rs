//! Golden tests: every captured sample in `tests/samples/` (traces, with their logs when there are
//! any) → the normalized GenAI view, the normalizer's report, the canonical content and the
//! conformance findings of each span, compared with `tests/golden/<sample>.json`.
//!
//! Regenerate with `UPDATE_GOLDEN=1 cargo test -p flightdeck-semconv --test golden`, then check
//! every changed line against the sample before committing.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers: a failure is a test failure

use std::path::{Path, PathBuf};

use flightdeck_ingest::{Limits, decode};
use flightdeck_model::{LogRecord, Span};
use flightdeck_semconv::{Normalizer, content, findings};
use serde_json::{Value, json};

fn samples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/samples")
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn load_spans(path: &Path) -> Vec<Span> {
    let body = std::fs::read(path).unwrap();
    let request = decode::decode_traces(&body, decode::Encoding::Json).unwrap();
    let converted = decode::convert_traces(request, &Limits::default());
    assert_eq!(converted.rejected, 0, "{}", path.display());
    converted.items
}

fn load_logs(path: &Path) -> Vec<LogRecord> {
    if !path.exists() {
        return Vec::new();
    }
    let body = std::fs::read(path).unwrap();
    let request = decode::decode_logs(&body, decode::Encoding::Json).unwrap();
    decode::convert_logs(request, &Limits::default()).items
}

/// What the golden file records for one span.
fn expected_view(span: &Span, logs: &[LogRecord]) -> Value {
    let mut span = span.clone();
    let report = Normalizer::default().normalize_with_report(&mut span);
    let findings: Vec<Value> = findings(&span)
        .into_iter()
        .map(|f| json!({"code": f.code, "severity": f.severity, "attribute": f.attribute}))
        .collect();
    json!({
        "name": span.name,
        "span_id": span.span_id.to_string(),
        "genai": span.genai,
        "report": report,
        "content": content(&span, logs),
        "findings": findings,
    })
}

/// Every sample's spans normalize to the checked-in golden view, and normalizing is idempotent.
#[test]
fn samples_match_golden_files() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(samples_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".traces.json"))
        .collect();
    entries.sort();
    assert!(entries.len() >= 30, "samples missing: {}", entries.len());
    let mut failures = Vec::new();
    for traces in entries {
        let file = traces.file_name().unwrap().to_string_lossy().into_owned();
        let stem = file.trim_end_matches(".traces.json").to_owned();
        let spans = load_spans(&traces);
        let logs = load_logs(&samples_dir().join(format!("{stem}.logs.json")));
        let views: Vec<Value> = spans.iter().map(|s| expected_view(s, &logs)).collect();
        // idempotence: a second pass over a normalized span changes nothing
        for span in &spans {
            let mut once = span.clone();
            Normalizer::default().normalize(&mut once);
            let mut twice = once.clone();
            Normalizer::default().normalize(&mut twice);
            assert_eq!(once, twice, "{stem}: not idempotent");
        }
        let actual = json!({"sample": stem, "spans": views});
        let golden = golden_dir().join(format!("{stem}.json"));
        if update {
            let text = serde_json::to_string_pretty(&actual).unwrap() + "\n";
            std::fs::write(&golden, text).unwrap();
            continue;
        }
        let expected: Value = match std::fs::read_to_string(&golden) {
            Ok(text) => serde_json::from_str(&text).unwrap(),
            Err(_) => {
                failures.push(format!("{stem}: no golden file {}", golden.display()));
                continue;
            }
        };
        if expected != actual {
            failures.push(format!(
                "{stem}: differs from {}\n--- actual ---\n{}",
                golden.display(),
                serde_json::to_string_pretty(&actual).unwrap()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
