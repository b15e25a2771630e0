//! Compact text for agents: numbers, times and durations in few tokens, and an output buffer
//! with a hard size cap that says how to get what it left out.

use std::fmt::Write as _;
use std::time::{Duration, UNIX_EPOCH};

use serde_json::Value;

/// Most bytes a tool result holds (about 5,000 tokens of text).
pub const MAX_OUTPUT_CHARS: usize = 20_000;

/// A tool's text result, cut at a size cap.
#[derive(Debug)]
pub struct Output {
    text: String,
    max_chars: usize,
    /// Lines refused because the cap was reached.
    dropped: usize,
}

impl Default for Output {
    fn default() -> Self {
        Output::with_cap(MAX_OUTPUT_CHARS)
    }
}

impl Output {
    /// A buffer of at most `max_chars` bytes (plus the truncation note).
    pub fn with_cap(max_chars: usize) -> Output {
        Output {
            text: String::new(),
            max_chars,
            dropped: 0,
        }
    }

    /// Appends one line, unless the cap was reached (then it is counted as dropped). Lines
    /// longer than the remaining room are cut on a character boundary.
    pub fn line(&mut self, line: impl AsRef<str>) {
        let line = line.as_ref();
        if self.dropped > 0 {
            self.dropped += 1;
            return;
        }
        let room = self.max_chars.saturating_sub(self.text.len());
        if line.len() < room {
            self.text.push_str(line);
            self.text.push('\n');
        } else {
            let cut = floor_char_boundary(line, room);
            if cut > 0 {
                self.text.push_str(&line[..cut]);
                self.text.push_str("…\n");
            }
            self.dropped += 1;
        }
    }

    /// True once a line had to be dropped or cut.
    pub fn is_full(&self) -> bool {
        self.dropped > 0
    }

    /// The text, with a note saying what was left out and `how_to_get_more` when the cap was
    /// reached.
    pub fn finish(mut self, how_to_get_more: &str) -> String {
        if self.dropped > 0 {
            let _ = write!(
                self.text,
                "[output truncated: {} more line(s) not shown; {how_to_get_more}]",
                self.dropped
            );
        }
        self.text.trim_end().to_owned()
    }
}

/// The largest index `<= at` that is a character boundary of `s`.
pub fn floor_char_boundary(s: &str, at: usize) -> usize {
    if at >= s.len() {
        return s.len();
    }
    (0..=at).rev().find(|&i| s.is_char_boundary(i)).unwrap_or(0)
}

/// Cuts `s` to at most `max` characters, saying how many were left out.
pub fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_owned(),
        Some((cut, _)) => format!("{}…(+{} chars)", &s[..cut], s[cut..].chars().count()),
    }
}

/// Nanoseconds since the epoch as RFC 3339 UTC with milliseconds.
pub fn time(ns: i64) -> String {
    let t = UNIX_EPOCH + Duration::from_nanos(ns.max(0) as u64);
    humantime::format_rfc3339_millis(t).to_string()
}

/// A JSON number of nanoseconds since the epoch as RFC 3339, `-` when absent.
pub fn time_of(v: &Value) -> String {
    v.as_i64().map_or_else(|| "-".to_owned(), time)
}

/// Milliseconds in a short human form: `0.42ms`, `13.2ms`, `1.52s`, `2m03s`, `1h05m`.
pub fn ms(ms: f64) -> String {
    if !ms.is_finite() || ms < 0.0 {
        return "-".to_owned();
    }
    if ms < 1.0 {
        format!("{ms:.2}ms")
    } else if ms < 1_000.0 {
        format!("{ms:.1}ms")
    } else if ms < 60_000.0 {
        format!("{:.2}s", ms / 1_000.0)
    } else if ms < 3_600_000.0 {
        let s = (ms / 1_000.0).round() as u64;
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        let m = (ms / 60_000.0).round() as u64;
        format!("{}h{:02}m", m / 60, m % 60)
    }
}

/// A JSON number of milliseconds in short form, `-` when absent.
pub fn ms_of(v: &Value) -> String {
    v.as_f64().map_or_else(|| "-".to_owned(), ms)
}

/// Nanoseconds as a short duration.
pub fn ns(ns: i64) -> String {
    ms(ns as f64 / 1e6)
}

/// US dollars: `$0`, `$0.000123`, `$0.0193`, `$12.35` (6 decimals below $1, trailing zeros
/// dropped; cents above).
pub fn usd(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        "$0".to_owned()
    } else if v.abs() < 1.0 {
        let s = format!("{v:.6}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        if s == "0" || s == "-0" {
            "<$0.000001".to_owned()
        } else {
            format!("${s}")
        }
    } else {
        format!("${v:.2}")
    }
}

/// A JSON number of US dollars, `-` when absent.
pub fn usd_of(v: &Value) -> String {
    v.as_f64().map_or_else(|| "-".to_owned(), usd)
}

/// A ratio as a percentage with one decimal: `4.5%`.
pub fn pct(ratio: f64) -> String {
    if !ratio.is_finite() {
        return "-".to_owned();
    }
    format!("{:.1}%", ratio * 100.0)
}

/// Bytes as `512B`, `3.4KiB`, `7.3MiB`, `1.2GiB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n}B");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1}{}", UNITS[unit])
}

/// Any JSON scalar as short text (`-` for null, strings unquoted); arrays joined with `,`
/// (`-` when empty).
pub fn text(v: &Value) -> String {
    match v {
        Value::Null => "-".to_owned(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i.to_string(),
            (None, Some(f)) => trim_float(f),
            _ => n.to_string(),
        },
        Value::Array(items) if items.is_empty() => "-".to_owned(),
        Value::Array(items) => items.iter().map(text).collect::<Vec<_>>().join(","),
        Value::Object(_) => v.to_string(),
    }
}

/// A float with at most 4 decimals and no trailing zeros: `0.2`, `1536`, `0.0001`.
pub fn trim_float(f: f64) -> String {
    let s = format!("{f:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

/// An integer field of a JSON object, 0 when absent.
pub fn int(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Durations, money, sizes and times are short and exact to the shown precision.
    #[test]
    fn formats_numbers() {
        assert_eq!(ms(0.42), "0.42ms");
        assert_eq!(ms(13.24), "13.2ms");
        assert_eq!(ms(1_520.0), "1.52s");
        assert_eq!(ms(123_000.0), "2m03s");
        assert_eq!(ms(3_900_000.0), "1h05m");
        assert_eq!(ns(81_883_177_942), "1m22s");
        assert_eq!(usd(0.0), "$0");
        assert_eq!(usd(0.000_123_4), "$0.000123");
        assert_eq!(usd(0.019_34), "$0.01934");
        assert_eq!(usd(0.000_000_1), "<$0.000001");
        assert_eq!(usd(12.345_6), "$12.35");
        assert_eq!(pct(0.044_88), "4.5%");
        assert_eq!(bytes(7_618_680), "7.3MiB");
        assert_eq!(bytes(512), "512B");
        assert_eq!(time(1_795_301_215_717_851_333), "2026-11-21T22:46:55.717Z");
        assert_eq!(text(&json!(0.2)), "0.2");
        assert_eq!(text(&json!(["stop", "length"])), "stop,length");
        assert_eq!(text(&json!(null)), "-");
        assert_eq!(text(&json!([])), "-");
    }

    /// Clipping keeps whole characters and says how much was cut.
    #[test]
    fn clips_on_char_boundaries() {
        assert_eq!(clip("héllo", 2), "hé…(+3 chars)");
        assert_eq!(clip("short", 10), "short");
    }

    /// The buffer stops at its cap, counts what it dropped and ends with the hint.
    #[test]
    fn output_stops_at_cap() {
        let mut out = Output::with_cap(25);
        out.line("0123456789");
        out.line("abcdefghij");
        out.line("this line does not fit");
        out.line("nor this one");
        assert!(out.is_full());
        let text = out.finish("use a filter");
        assert!(text.starts_with("0123456789\nabcdefghij\nthi…\n"), "{text}");
        assert!(
            text.ends_with("2 more line(s) not shown; use a filter]"),
            "{text}"
        );
        let mut out = Output::with_cap(100);
        out.line("fits");
        assert_eq!(out.finish("unused"), "fits");
    }
}
