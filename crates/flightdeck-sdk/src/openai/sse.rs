//! A server-sent events decoder with a size cap per event.
//!
//! Written here rather than taken from a crate because the client must bound memory: a
//! misbehaving server that never ends an event must produce an error, not an ever-growing
//! buffer, and the available SSE crates have no such limit.

/// One event: its `event:` name (if any) and its `data:` lines joined by `\n`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SseEvent {
    pub(crate) event: Option<String>,
    pub(crate) data: String,
}

/// The decoder could not continue.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum SseError {
    /// One event (or line) grew past the cap.
    #[error("stream event exceeds {0} bytes")]
    TooLarge(usize),
    /// A line was not UTF-8.
    #[error("stream event is not valid utf-8")]
    NotUtf8,
}

/// Incremental decoder: feed bytes, get complete events.
#[derive(Debug)]
pub(crate) struct SseDecoder {
    line: Vec<u8>,
    data: String,
    has_data: bool,
    event: Option<String>,
    max: usize,
}

impl SseDecoder {
    pub(crate) fn new(max_event_bytes: usize) -> Self {
        SseDecoder {
            line: Vec::new(),
            data: String::new(),
            has_data: false,
            event: None,
            max: max_event_bytes,
        }
    }

    /// Feeds bytes; complete events are appended to `out`.
    pub(crate) fn push(&mut self, bytes: &[u8], out: &mut Vec<SseEvent>) -> Result<(), SseError> {
        for &b in bytes {
            if b == b'\n' {
                let mut line = std::mem::take(&mut self.line);
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                self.line_done(&line, out)?;
                line.clear();
                self.line = line;
            } else {
                if self.line.len() + self.data.len() >= self.max {
                    return Err(SseError::TooLarge(self.max));
                }
                self.line.push(b);
            }
        }
        Ok(())
    }

    /// Ends the input: a final event without its blank line is still delivered.
    pub(crate) fn finish(&mut self, out: &mut Vec<SseEvent>) -> Result<(), SseError> {
        if !self.line.is_empty() {
            let line = std::mem::take(&mut self.line);
            self.line_done(&line, out)?;
        }
        self.line_done(&[], out)
    }

    fn line_done(&mut self, line: &[u8], out: &mut Vec<SseEvent>) -> Result<(), SseError> {
        if line.is_empty() {
            if self.has_data {
                out.push(SseEvent {
                    event: self.event.take(),
                    data: std::mem::take(&mut self.data),
                });
                self.has_data = false;
            }
            self.event = None;
            return Ok(());
        }
        let line = std::str::from_utf8(line).map_err(|_| SseError::NotUtf8)?;
        if line.starts_with(':') {
            return Ok(());
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        match field {
            "data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            "event" => self.event = Some(value.to_owned()),
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(chunks: &[&[u8]]) -> Result<Vec<SseEvent>, SseError> {
        let mut d = SseDecoder::new(1024);
        let mut out = Vec::new();
        for c in chunks {
            d.push(c, &mut out)?;
        }
        d.finish(&mut out)?;
        Ok(out)
    }

    /// Events split across arbitrary byte boundaries, CRLF endings, comments and multi-line
    /// data decode as the SSE specification says.
    #[test]
    fn events_across_chunks() {
        let out = decode(&[
            b"event: message_start\r\ndata: {\"a\"",
            b":1}\r\n\r\n: keep-alive\n\ndata: x\ndata: y\n\ndata: [DONE]",
        ])
        .unwrap();
        assert_eq!(
            out,
            vec![
                SseEvent {
                    event: Some("message_start".into()),
                    data: "{\"a\":1}".into()
                },
                SseEvent {
                    event: None,
                    data: "x\ny".into()
                },
                SseEvent {
                    event: None,
                    data: "[DONE]".into()
                },
            ]
        );
    }

    /// An event that never ends is cut off at the cap with an error.
    #[test]
    fn oversized_event_is_an_error() {
        let big = vec![b'a'; 2000];
        assert_eq!(
            decode(&[b"data: ", &big]).unwrap_err(),
            SseError::TooLarge(1024)
        );
    }

    /// Invalid UTF-8 is an error, not a panic.
    #[test]
    fn invalid_utf8_is_an_error() {
        assert_eq!(
            decode(&[b"data: \xff\xfe\n\n"]).unwrap_err(),
            SseError::NotUtf8
        );
    }
}
