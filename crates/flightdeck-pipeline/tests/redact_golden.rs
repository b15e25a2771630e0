//! Golden tests of redaction on real GenAI message structures: each file under
//! `tests/golden/redact/` names a captured sample from `tests/samples/`, secrets to seed into its
//! string values, and the hand-written expected values after the default redactor ran.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use flightdeck_ingest::{Encoding, Limits, decode};
use flightdeck_model::{AttrValue, Attributes, LogRecord, Span};
use flightdeck_pipeline::redact::REDACTION_COUNT_KEY;
use flightdeck_pipeline::{Processor, RedactConfig, Redactor};
use serde_json::Value;

fn golden_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/redact");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

/// Replaces `find` in every string value (recursively), counting replacements.
fn seed_value(value: &mut AttrValue, find: &str, replace: &str, hits: &mut usize) {
    match value {
        AttrValue::Str(s) if s.contains(find) => {
            *s = s.replace(find, replace);
            *hits += 1;
        }
        AttrValue::Array(items) => {
            for item in items {
                seed_value(item, find, replace, hits);
            }
        }
        AttrValue::Map(entries) => {
            for kv in entries {
                seed_value(&mut kv.value, find, replace, hits);
            }
        }
        _ => {}
    }
}

fn seed_attributes(attributes: &mut Attributes, find: &str, replace: &str, hits: &mut usize) {
    for kv in &mut attributes.0 {
        seed_value(&mut kv.value, find, replace, hits);
    }
}

fn count(attributes: &Attributes) -> i64 {
    attributes.get_i64(REDACTION_COUNT_KEY).unwrap_or(0)
}

/// Every golden case: seeds land where intended, the redacted values equal the expected ones
/// exactly (JSON held in strings stays valid JSON), untouched values stay byte-identical, and each
/// item's redaction count is as expected.
#[test]
fn redaction_golden_cases() {
    let files = golden_files();
    assert!(files.len() >= 4, "golden files missing");
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/samples");
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let golden: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let sample = std::fs::read(samples.join(golden["sample"].as_str().unwrap())).unwrap();
        let mut spans: Vec<Span> = Vec::new();
        let mut logs: Vec<LogRecord> = Vec::new();
        if golden["sample"].as_str().unwrap().ends_with(".logs.json") {
            let request = decode::decode_logs(&sample, Encoding::Json).unwrap();
            logs = decode::convert_logs(request, &Limits::default()).items;
        } else {
            let request = decode::decode_traces(&sample, Encoding::Json).unwrap();
            spans = decode::convert_traces(request, &Limits::default()).items;
        }
        for pair in golden["seed"].as_array().unwrap() {
            let (find, replace) = (pair[0].as_str().unwrap(), pair[1].as_str().unwrap());
            let mut hits = 0;
            for span in &mut spans {
                seed_attributes(&mut span.attributes, find, replace, &mut hits);
            }
            for log in &mut logs {
                seed_value(&mut log.body, find, replace, &mut hits);
                seed_attributes(&mut log.attributes, find, replace, &mut hits);
            }
            assert!(hits > 0, "{name}: seed {find:?} matched nothing");
        }

        let redactor = Redactor::new(&RedactConfig::default()).unwrap();
        redactor.process_spans(&mut spans);
        redactor.process_logs(&mut logs);

        for expect in golden["expect"].as_array().unwrap() {
            if let Some(i) = expect["span"].as_u64() {
                let span = &spans[i as usize];
                if let Some(key) = expect["attribute"].as_str() {
                    let got = span.attributes.get_str(key);
                    assert_eq!(
                        got,
                        expect["value"].as_str(),
                        "{name}: span {i} attribute {key}"
                    );
                    if let Some(text) = got.filter(|t| t.starts_with(['[', '{'])) {
                        serde_json::from_str::<Value>(text)
                            .unwrap_or_else(|e| panic!("{name}: {key} is no longer JSON: {e}"));
                    }
                }
                if let Some(n) = expect["redaction_count"].as_i64() {
                    assert_eq!(
                        count(&span.attributes),
                        n,
                        "{name}: span {i} redaction count"
                    );
                }
            }
            if let Some(i) = expect["log"].as_u64() {
                let log = &logs[i as usize];
                if !expect["body"].is_null() {
                    assert_eq!(log.body.to_json(), expect["body"], "{name}: log {i} body");
                }
                if let Some(n) = expect["redaction_count"].as_i64() {
                    assert_eq!(count(&log.attributes), n, "{name}: log {i} redaction count");
                }
            }
        }
    }
}
