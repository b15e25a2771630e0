//! The compact form of buffered spans and log records: a small binary encoding (varints,
//! length-prefixed strings, resources and scopes replaced by references to an interned copy),
//! compressed with LZ4 (several times faster than zstd's fastest level on this data, for a
//! somewhat larger result). A buffered span costs one to a few hundred bytes instead of a few
//! kilobytes of structs.
//!
//! The typed GenAI view is carried as JSON so that fields added to it later survive the trip
//! without touching this file.

use std::collections::HashMap;
use std::sync::Arc;

use flightdeck_model::{
    AttrValue, Attributes, Event, GenAi, KeyValue, Link, LogRecord, Resource, Scope, Span, SpanId,
    SpanKind, Status, StatusCode, TraceId,
};
use xxhash_rust::xxh3::xxh3_128;

/// Why a buffered chunk could not be read back (corruption; never expected).
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// The chunk ended early or holds an invalid tag.
    #[error("buffered chunk is malformed at byte {0}")]
    Malformed(usize),
    /// Decompression failed.
    #[error("buffered chunk does not decompress: {0}")]
    Decompress(lz4_flex::block::DecompressError),
    /// A resource or scope reference points nowhere.
    #[error("buffered chunk refers to an unknown resource or scope")]
    UnknownRef,
    /// The GenAI view does not parse.
    #[error("buffered chunk has an unreadable GenAI view: {0}")]
    GenAi(serde_json::Error),
}

/// Chunks smaller than this are stored uncompressed (compression gains little on them).
const COMPRESS_MIN: usize = 256;

// ---------------------------------------------------------------------------------------------
// Writing

/// Appends primitive values.
#[derive(Default)]
pub(crate) struct Writer {
    pub(crate) buf: Vec<u8>,
}

impl Writer {
    fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.buf.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.buf.push(v as u8);
    }

    fn zigzag(&mut self, v: i64) {
        self.varint(((v << 1) ^ (v >> 63)) as u64);
    }

    fn bytes(&mut self, b: &[u8]) {
        self.varint(b.len() as u64);
        self.buf.extend_from_slice(b);
    }

    fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }

    fn value(&mut self, v: &AttrValue) {
        match v {
            AttrValue::Empty => self.u8(0),
            AttrValue::Str(s) => {
                self.u8(1);
                self.str(s);
            }
            AttrValue::Bool(false) => self.u8(2),
            AttrValue::Bool(true) => self.u8(3),
            AttrValue::Int(i) => {
                self.u8(4);
                self.zigzag(*i);
            }
            AttrValue::Double(d) => {
                self.u8(5);
                self.buf.extend_from_slice(&d.to_le_bytes());
            }
            AttrValue::Bytes(b) => {
                self.u8(6);
                self.bytes(b);
            }
            AttrValue::Array(items) => {
                self.u8(7);
                self.varint(items.len() as u64);
                for item in items {
                    self.value(item);
                }
            }
            AttrValue::Map(entries) => {
                self.u8(8);
                self.entries(entries);
            }
        }
    }

    fn entries(&mut self, entries: &[KeyValue]) {
        self.varint(entries.len() as u64);
        for kv in entries {
            self.str(&kv.key);
            self.value(&kv.value);
        }
    }

    fn attributes(&mut self, a: &Attributes) {
        self.entries(&a.0);
    }
}

/// The content hash an interned resource or scope is known by.
pub(crate) type RefHash = u128;

/// Hashes a resource's content.
pub(crate) fn resource_hash(resource: &Resource) -> RefHash {
    let mut w = Writer::default();
    w.attributes(&resource.attributes);
    w.varint(u64::from(resource.dropped_attributes_count));
    w.str(&resource.schema_url);
    xxh3_128(&w.buf) ^ 1
}

/// Hashes a scope's content.
pub(crate) fn scope_hash(scope: &Scope) -> RefHash {
    let mut w = Writer::default();
    w.str(&scope.name);
    w.str(&scope.version);
    w.attributes(&scope.attributes);
    w.str(&scope.schema_url);
    xxh3_128(&w.buf) ^ 2
}

/// Resources and scopes a chunk refers to, by index.
#[derive(Default)]
pub(crate) struct Refs {
    /// Content hashes of the resources and scopes used, in index order.
    pub(crate) hashes: Vec<RefHash>,
    /// The objects themselves (to intern them when the chunk is stored).
    pub(crate) resources: Vec<(RefHash, Arc<Resource>)>,
    pub(crate) scopes: Vec<(RefHash, Arc<Scope>)>,
    index: HashMap<usize, u64>,
}

impl Refs {
    fn resource(&mut self, r: &Arc<Resource>, memo: &mut HashMap<usize, RefHash>) -> u64 {
        let ptr = Arc::as_ptr(r) as usize;
        if let Some(i) = self.index.get(&ptr) {
            return *i;
        }
        let hash = *memo.entry(ptr).or_insert_with(|| resource_hash(r));
        let (i, new) = self.push(hash, ptr);
        if new {
            self.resources.push((hash, Arc::clone(r)));
        }
        i
    }

    fn scope(&mut self, s: &Arc<Scope>, memo: &mut HashMap<usize, RefHash>) -> u64 {
        let ptr = Arc::as_ptr(s) as usize;
        if let Some(i) = self.index.get(&ptr) {
            return *i;
        }
        let hash = *memo.entry(ptr).or_insert_with(|| scope_hash(s));
        let (i, new) = self.push(hash, ptr);
        if new {
            self.scopes.push((hash, Arc::clone(s)));
        }
        i
    }

    /// The index of `hash`, adding it when new (second value: it was new).
    fn push(&mut self, hash: RefHash, ptr: usize) -> (u64, bool) {
        let (i, new) = match self.hashes.iter().position(|h| *h == hash) {
            Some(i) => (i, false),
            None => {
                self.hashes.push(hash);
                (self.hashes.len() - 1, true)
            }
        };
        self.index.insert(ptr, i as u64);
        (i as u64, new)
    }
}

/// One encoded, possibly compressed group of items of a single trace.
#[derive(Debug)]
pub(crate) struct Chunk {
    /// The payload.
    pub(crate) data: Box<[u8]>,
    /// Whether `data` is LZ4-compressed.
    pub(crate) compressed: bool,
    /// Length before compression.
    pub(crate) raw_len: usize,
    /// Resources and scopes referenced, by content hash (index order).
    pub(crate) refs: Box<[RefHash]>,
}

impl Chunk {
    /// Bytes this chunk holds on the heap.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.data.len() + self.refs.len() * std::mem::size_of::<RefHash>()
    }
}

fn compress(raw: &[u8]) -> Vec<u8> {
    lz4_flex::block::compress(raw)
}

/// Encodes spans and log records of one trace. `memo` caches content hashes per resource/scope
/// object for the whole request.
pub(crate) fn encode(
    spans: &[Span],
    logs: &[LogRecord],
    memo: &mut HashMap<usize, RefHash>,
) -> (Chunk, Refs) {
    // The encoding is smaller than the in-memory estimate; half of it avoids most regrowth.
    let estimate: usize = spans.iter().map(Span::approx_size).sum::<usize>()
        + logs.iter().map(LogRecord::approx_size).sum::<usize>();
    let mut w = Writer {
        buf: Vec::with_capacity(estimate / 2),
    };
    let mut refs = Refs::default();
    w.varint(spans.len() as u64);
    for span in spans {
        encode_span(&mut w, span, &mut refs, memo);
    }
    w.varint(logs.len() as u64);
    for log in logs {
        encode_log(&mut w, log, &mut refs, memo);
    }
    let raw = w.buf;
    let raw_len = raw.len();
    let packed = if raw_len >= COMPRESS_MIN {
        Some(compress(&raw)).filter(|p| p.len() < raw_len)
    } else {
        None
    };
    let (data, compressed) = match packed {
        Some(p) => (p, true),
        None => (raw, false),
    };
    let chunk = Chunk {
        data: data.into_boxed_slice(),
        compressed,
        raw_len,
        refs: refs.hashes.clone().into_boxed_slice(),
    };
    (chunk, refs)
}

fn encode_span(w: &mut Writer, span: &Span, refs: &mut Refs, memo: &mut HashMap<usize, RefHash>) {
    w.buf.extend_from_slice(span.span_id.as_bytes());
    match span.parent_span_id {
        Some(parent) => {
            w.u8(1);
            w.buf.extend_from_slice(parent.as_bytes());
        }
        None => w.u8(0),
    }
    w.str(&span.trace_state);
    w.varint(u64::from(span.flags));
    w.str(&span.name);
    w.u8(span.kind.to_otlp() as u8);
    let start = span.start_time_unix_nano;
    w.varint(start);
    w.zigzag(span.end_time_unix_nano.wrapping_sub(start) as i64);
    w.attributes(&span.attributes);
    w.varint(u64::from(span.dropped_attributes_count));
    w.varint(span.events.len() as u64);
    for e in &span.events {
        w.zigzag(e.time_unix_nano.wrapping_sub(start) as i64);
        w.str(&e.name);
        w.attributes(&e.attributes);
        w.varint(u64::from(e.dropped_attributes_count));
    }
    w.varint(u64::from(span.dropped_events_count));
    w.varint(span.links.len() as u64);
    for l in &span.links {
        w.buf.extend_from_slice(l.trace_id.as_bytes());
        w.buf.extend_from_slice(l.span_id.as_bytes());
        w.str(&l.trace_state);
        w.attributes(&l.attributes);
        w.varint(u64::from(l.dropped_attributes_count));
        w.varint(u64::from(l.flags));
    }
    w.varint(u64::from(span.dropped_links_count));
    w.u8(span.status.code.to_otlp() as u8);
    w.str(&span.status.message);
    let r = refs.resource(&span.resource, memo);
    w.varint(r);
    let s = refs.scope(&span.scope, memo);
    w.varint(s);
    if span.genai.is_empty() {
        w.varint(0);
    } else {
        w.bytes(&serde_json::to_vec(&span.genai).unwrap_or_default());
    }
}

fn encode_log(
    w: &mut Writer,
    log: &LogRecord,
    refs: &mut Refs,
    memo: &mut HashMap<usize, RefHash>,
) {
    w.varint(log.time_unix_nano);
    w.varint(log.observed_time_unix_nano);
    w.zigzag(i64::from(log.severity_number));
    w.str(&log.severity_text);
    w.str(&log.event_name);
    w.value(&log.body);
    w.attributes(&log.attributes);
    w.varint(u64::from(log.dropped_attributes_count));
    w.varint(u64::from(log.flags));
    match log.span_id {
        Some(id) => {
            w.u8(1);
            w.buf.extend_from_slice(id.as_bytes());
        }
        None => w.u8(0),
    }
    let r = refs.resource(&log.resource, memo);
    w.varint(r);
    let s = refs.scope(&log.scope, memo);
    w.varint(s);
}

// ---------------------------------------------------------------------------------------------
// Reading

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn err(&self) -> CodecError {
        CodecError::Malformed(self.pos)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], CodecError> {
        let end = self.pos.checked_add(n).ok_or_else(|| self.err())?;
        let out = self.buf.get(self.pos..end).ok_or_else(|| self.err())?;
        self.pos = end;
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8, CodecError> {
        Ok(self.take(1)?[0])
    }

    fn varint(&mut self) -> Result<u64, CodecError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.u8()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(self.err())
    }

    fn u32(&mut self) -> Result<u32, CodecError> {
        u32::try_from(self.varint()?).map_err(|_| self.err())
    }

    fn len(&mut self) -> Result<usize, CodecError> {
        let n = usize::try_from(self.varint()?).map_err(|_| self.err())?;
        // Every element takes at least one byte: a count past the end is corruption, and
        // checking it here keeps allocations bounded by the input.
        if n > self.buf.len() - self.pos.min(self.buf.len()) {
            return Err(self.err());
        }
        Ok(n)
    }

    fn zigzag(&mut self) -> Result<i64, CodecError> {
        let v = self.varint()?;
        Ok(((v >> 1) as i64) ^ -((v & 1) as i64))
    }

    fn bytes(&mut self) -> Result<&'a [u8], CodecError> {
        let n = self.len()?;
        self.take(n)
    }

    fn string(&mut self) -> Result<String, CodecError> {
        let b = self.bytes()?;
        String::from_utf8(b.to_vec()).map_err(|_| self.err())
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], CodecError> {
        let b = self.take(N)?;
        b.try_into().map_err(|_| self.err())
    }

    fn value(&mut self, depth: usize) -> Result<AttrValue, CodecError> {
        if depth > 64 {
            return Err(self.err());
        }
        Ok(match self.u8()? {
            0 => AttrValue::Empty,
            1 => AttrValue::Str(self.string()?),
            2 => AttrValue::Bool(false),
            3 => AttrValue::Bool(true),
            4 => AttrValue::Int(self.zigzag()?),
            5 => AttrValue::Double(f64::from_le_bytes(self.array::<8>()?)),
            6 => AttrValue::Bytes(self.bytes()?.to_vec()),
            7 => {
                let n = self.len()?;
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(self.value(depth + 1)?);
                }
                AttrValue::Array(items)
            }
            8 => AttrValue::Map(self.entries(depth + 1)?),
            _ => return Err(self.err()),
        })
    }

    fn entries(&mut self, depth: usize) -> Result<Vec<KeyValue>, CodecError> {
        let n = self.len()?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let key = self.string()?;
            let value = self.value(depth)?;
            out.push(KeyValue { key, value });
        }
        Ok(out)
    }

    fn attributes(&mut self) -> Result<Attributes, CodecError> {
        Ok(Attributes(self.entries(0)?))
    }

    fn span_id(&mut self) -> Result<SpanId, CodecError> {
        SpanId::from_array(self.array::<8>()?).map_err(|_| self.err())
    }
}

/// Looks up interned resources and scopes by content hash.
pub(crate) trait Lookup {
    /// The interned resource.
    fn resource(&self, hash: RefHash) -> Option<Arc<Resource>>;
    /// The interned scope.
    fn scope(&self, hash: RefHash) -> Option<Arc<Scope>>;
}

/// Decodes a chunk of `trace` back into spans and log records.
pub(crate) fn decode(
    trace: TraceId,
    chunk: &Chunk,
    lookup: &dyn Lookup,
    spans: &mut Vec<Span>,
    logs: &mut Vec<LogRecord>,
) -> Result<(), CodecError> {
    let raw;
    let data: &[u8] = if chunk.compressed {
        raw = lz4_flex::block::decompress(&chunk.data, chunk.raw_len)
            .map_err(CodecError::Decompress)?;
        &raw
    } else {
        &chunk.data
    };
    let mut r = Reader { buf: data, pos: 0 };
    let resource = |r: &Reader<'_>, i: u64| -> Result<Arc<Resource>, CodecError> {
        let hash = chunk
            .refs
            .get(usize::try_from(i).map_err(|_| r.err())?)
            .ok_or(CodecError::UnknownRef)?;
        lookup.resource(*hash).ok_or(CodecError::UnknownRef)
    };
    let scope = |r: &Reader<'_>, i: u64| -> Result<Arc<Scope>, CodecError> {
        let hash = chunk
            .refs
            .get(usize::try_from(i).map_err(|_| r.err())?)
            .ok_or(CodecError::UnknownRef)?;
        lookup.scope(*hash).ok_or(CodecError::UnknownRef)
    };

    let n = r.len()?;
    spans.reserve(n);
    for _ in 0..n {
        let span_id = r.span_id()?;
        let parent_span_id = match r.u8()? {
            0 => None,
            _ => Some(r.span_id()?),
        };
        let trace_state = r.string()?;
        let flags = r.u32()?;
        let name = r.string()?;
        let kind = SpanKind::from_otlp(i32::from(r.u8()?));
        let start = r.varint()?;
        let end = start.wrapping_add(r.zigzag()? as u64);
        let attributes = r.attributes()?;
        let dropped_attributes_count = r.u32()?;
        let n_events = r.len()?;
        let mut events = Vec::with_capacity(n_events);
        for _ in 0..n_events {
            events.push(Event {
                time_unix_nano: start.wrapping_add(r.zigzag()? as u64),
                name: r.string()?,
                attributes: r.attributes()?,
                dropped_attributes_count: r.u32()?,
            });
        }
        let dropped_events_count = r.u32()?;
        let n_links = r.len()?;
        let mut links = Vec::with_capacity(n_links);
        for _ in 0..n_links {
            let trace_id = TraceId::from_array(r.array::<16>()?).map_err(|_| r.err())?;
            links.push(Link {
                trace_id,
                span_id: r.span_id()?,
                trace_state: r.string()?,
                attributes: r.attributes()?,
                dropped_attributes_count: r.u32()?,
                flags: r.u32()?,
            });
        }
        let dropped_links_count = r.u32()?;
        let code = StatusCode::from_otlp(i32::from(r.u8()?));
        let message = r.string()?;
        let res = r.varint()?;
        let res = resource(&r, res)?;
        let sc = r.varint()?;
        let sc = scope(&r, sc)?;
        let genai_json = r.bytes()?;
        let genai = if genai_json.is_empty() {
            GenAi::default()
        } else {
            serde_json::from_slice(genai_json).map_err(CodecError::GenAi)?
        };
        spans.push(Span {
            trace_id: trace,
            span_id,
            parent_span_id,
            trace_state,
            flags,
            name,
            kind,
            start_time_unix_nano: start,
            end_time_unix_nano: end,
            attributes,
            dropped_attributes_count,
            events,
            dropped_events_count,
            links,
            dropped_links_count,
            status: Status { code, message },
            resource: res,
            scope: sc,
            genai,
        });
    }

    let n = r.len()?;
    logs.reserve(n);
    for _ in 0..n {
        let time_unix_nano = r.varint()?;
        let observed_time_unix_nano = r.varint()?;
        let severity_number = i32::try_from(r.zigzag()?).map_err(|_| r.err())?;
        let severity_text = r.string()?;
        let event_name = r.string()?;
        let body = r.value(0)?;
        let attributes = r.attributes()?;
        let dropped_attributes_count = r.u32()?;
        let flags = r.u32()?;
        let span_id = match r.u8()? {
            0 => None,
            _ => Some(r.span_id()?),
        };
        let res = r.varint()?;
        let res = resource(&r, res)?;
        let sc = r.varint()?;
        let sc = scope(&r, sc)?;
        logs.push(LogRecord {
            time_unix_nano,
            observed_time_unix_nano,
            severity_number,
            severity_text,
            event_name,
            body,
            attributes,
            dropped_attributes_count,
            flags,
            trace_id: Some(trace),
            span_id,
            resource: res,
            scope: sc,
        });
    }
    if r.pos != data.len() {
        return Err(r.err());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{log, span};

    struct Table(Vec<(RefHash, Arc<Resource>)>, Vec<(RefHash, Arc<Scope>)>);

    impl Lookup for Table {
        fn resource(&self, hash: RefHash) -> Option<Arc<Resource>> {
            self.0
                .iter()
                .find(|(h, _)| *h == hash)
                .map(|(_, r)| Arc::clone(r))
        }
        fn scope(&self, hash: RefHash) -> Option<Arc<Scope>> {
            self.1
                .iter()
                .find(|(h, _)| *h == hash)
                .map(|(_, s)| Arc::clone(s))
        }
    }

    /// Every field of spans and log records survives encode → compress → decode, including
    /// nested values, events, links, negative durations, the GenAI view and shared resources.
    #[test]
    fn round_trip_is_lossless() {
        let mut a = span(
            7,
            1,
            vec![
                KeyValue::new("s", "x".repeat(300)),
                KeyValue::new("i", -5i64),
                KeyValue::new("d", 2.5f64),
                KeyValue::new("b", true),
                KeyValue::new("bytes", AttrValue::Bytes(vec![0, 255])),
                KeyValue::new(
                    "nested",
                    AttrValue::Array(vec![AttrValue::Map(vec![KeyValue::new(
                        "k",
                        AttrValue::Empty,
                    )])]),
                ),
            ],
        );
        a.parent_span_id = Some(SpanId::from_array([3; 8]).unwrap());
        a.trace_state = "flightdeck=keep".into();
        a.flags = 0x301;
        a.kind = SpanKind::Client;
        a.end_time_unix_nano = 10; // before the start
        a.events.push(Event {
            time_unix_nano: 5,
            name: "exception".into(),
            attributes: vec![KeyValue::new("m", "boom")].into_iter().collect(),
            dropped_attributes_count: 2,
        });
        a.links.push(Link {
            trace_id: TraceId::from_array([9; 16]).unwrap(),
            span_id: SpanId::from_array([8; 8]).unwrap(),
            trace_state: "a=b".into(),
            attributes: Attributes::new(),
            dropped_attributes_count: 1,
            flags: 1,
        });
        a.dropped_events_count = 4;
        a.dropped_links_count = 5;
        a.dropped_attributes_count = 6;
        a.status = Status {
            code: StatusCode::Error,
            message: "bad".into(),
        };
        a.genai.operation = Some("chat".into());
        a.genai.usage.input_tokens = Some(12);
        let mut b = span(7, 2, vec![]);
        b.resource = Arc::clone(&a.resource);
        let mut l = log(Some(7), AttrValue::Str("body".into()));
        l.span_id = Some(SpanId::from_array([1; 8]).unwrap());
        l.event_name = "gen_ai.choice".into();
        l.severity_number = -3;
        let spans = vec![a, b];
        let logs = vec![l];

        let mut memo = HashMap::new();
        let (chunk, refs) = encode(&spans, &logs, &mut memo);
        assert!(chunk.compressed);
        assert_eq!(
            refs.resources.len(),
            1,
            "the shared resource is referenced once"
        );
        let table = Table(refs.resources, refs.scopes);
        let (mut out_spans, mut out_logs) = (Vec::new(), Vec::new());
        decode(
            spans[0].trace_id,
            &chunk,
            &table,
            &mut out_spans,
            &mut out_logs,
        )
        .unwrap();
        assert_eq!(out_spans, spans);
        assert_eq!(out_logs, logs);
    }

    /// Truncated or garbled chunks are errors, not panics or huge allocations.
    #[test]
    fn corrupt_chunks_are_errors() {
        let spans = vec![span(1, 1, vec![KeyValue::new("k", "v")])];
        let mut memo = HashMap::new();
        let (chunk, refs) = encode(&spans, &[], &mut memo);
        assert!(!chunk.compressed);
        let table = Table(refs.resources, refs.scopes);
        for cut in 0..chunk.data.len() {
            let broken = Chunk {
                data: chunk.data[..cut].into(),
                compressed: false,
                raw_len: cut,
                refs: chunk.refs.clone(),
            };
            let r = decode(spans[0].trace_id, &broken, &table, &mut vec![], &mut vec![]);
            assert!(r.is_err(), "cut at {cut}");
        }
        let huge = Chunk {
            data: vec![0xff, 0xff, 0xff, 0xff, 0x0f].into(),
            compressed: false,
            raw_len: 5,
            refs: Box::new([]),
        };
        assert!(decode(spans[0].trace_id, &huge, &table, &mut vec![], &mut vec![]).is_err());
    }
}
