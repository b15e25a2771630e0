//! Flightdeck's own write-ahead log: acknowledged writes are appended here (and fsynced) before
//! the loader puts them into DuckDB in large transactions.
//!
//! Not a general-purpose log: one appender at a time, records are whole [`WriteBatch`] lists,
//! and segments are deleted once DuckDB holds everything in them.
//!
//! # On disk
//!
//! `<data_dir>/wal/` holds segment files named after the sequence number of their first record
//! (`00000000000000000042.wal`, 20 digits so that names sort in order). A segment starts with the
//! 8-byte magic `FDWAL\0\0\x02` (the last byte is the format version), followed by records:
//!
//! | bytes | field |
//! |---|---|
//! | 4 | body length, little-endian |
//! | 4 | CRC-32 of the body |
//! | 4 | CRC-32 of the 8 bytes before |
//! | 8 | body: sequence number |
//! | 4 | body: uncompressed payload length |
//! | … | body: payload, LZ4 block-compressed ([`codec`] encoding of the batches) |
//!
//! Only the last record of the last segment can be incomplete (each write is fsynced before the
//! next starts): a torn tail is truncated with a warning; any other damage is an error.
//!
//! ```no_run
//! # fn main() -> Result<(), flightdeck_store::StoreError> {
//! // Every record still in the log (decompressed payloads), without changing anything.
//! for (seq, payload) in flightdeck_store::wal::read_payloads("./flightdeck-data".as_ref())? {
//!     println!("record {seq}: {} bytes", payload.len());
//! }
//! # Ok(())
//! # }
//! ```

mod codec;

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::StoreError;
use crate::rows::WriteBatch;

/// Segment magic; the last byte is the format version (of framing and payload encoding).
const MAGIC: &[u8; 8] = b"FDWAL\0\0\x02";
/// Length, body CRC, header CRC.
const FRAME_HEADER: usize = 12;
/// Sequence number, uncompressed length.
const BODY_HEADER: usize = 12;
/// Largest uncompressed payload a record may have (the decompression cap).
const MAX_PAYLOAD: usize = 1 << 30;
/// A write is split into records of about this much payload.
const RECORD_TARGET: usize = 16 << 20;
/// Segments are rolled over past this size.
pub(crate) const SEGMENT_BYTES: u64 = 64 << 20;
const EXTENSION: &str = "wal";

/// The log directory inside a data directory.
pub fn log_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("wal")
}

/// Appends the log's binary encoding of one batch to `out`: a record's payload (before
/// compression) is a sequence of these.
pub fn encode_payload(batch: &WriteBatch, out: &mut Vec<u8>) {
    codec::encode(batch, out);
}

/// Decodes a record payload (as [`read_payloads`] returns them) into its batches.
pub fn decode_payload(payload: &[u8]) -> Result<Vec<WriteBatch>, StoreError> {
    codec::decode(payload).map_err(|e| StoreError::Corrupt(format!("log record payload: {e}")))
}

/// Every record in the log of `data_dir` with its sequence number and decompressed payload, in
/// order, without modifying anything (a torn tail is skipped). For inspection and tests.
pub fn read_payloads(data_dir: &Path) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
    let mut out = Vec::new();
    let segments = list_segments(&log_dir(data_dir))?;
    let count = segments.len();
    for (index, (_, path)) in segments.into_iter().enumerate() {
        let bytes = read_segment(&path)?;
        scan(&path, &bytes, index + 1 == count, |frame| {
            out.push((frame.seq, frame.decompress(&path)?));
            Ok(())
        })?;
    }
    Ok(out)
}

/// One write (or part of a large one), encoded and compressed as the log stores it, before it
/// gets its sequence number. Public for benchmarks and inspection; the store appends records
/// itself.
#[derive(Debug)]
pub struct Record {
    frame: Vec<u8>,
    payload_len: usize,
}

/// Buffers [`Record::encode`] reuses between calls.
#[derive(Debug, Default)]
pub struct Scratch {
    payload: Vec<u8>,
    compressed: Vec<u8>,
}

impl Scratch {
    /// Empty buffers.
    pub const fn new() -> Scratch {
        Scratch {
            payload: Vec::new(),
            compressed: Vec::new(),
        }
    }
}

impl Record {
    /// Encodes batches into records of about 16 MiB of payload each (usually one).
    pub fn encode(
        batches: &[WriteBatch],
        scratch: &mut Scratch,
    ) -> Result<Vec<Record>, StoreError> {
        let mut records = Vec::with_capacity(1);
        let payload = &mut scratch.payload;
        payload.clear();
        for (index, batch) in batches.iter().enumerate() {
            let before = payload.len();
            codec::encode(batch, payload);
            if payload.len() > MAX_PAYLOAD && before > 0 {
                // This batch would make the record too large: it starts the next one.
                records.push(Record::compress(
                    &payload[..before],
                    &mut scratch.compressed,
                ));
                payload.drain(..before);
            }
            if payload.len() > MAX_PAYLOAD {
                return Err(StoreError::TooLarge {
                    bytes: payload.len(),
                    limit: MAX_PAYLOAD,
                });
            }
            if payload.len() >= RECORD_TARGET || index + 1 == batches.len() {
                records.push(Record::compress(payload, &mut scratch.compressed));
                payload.clear();
            }
        }
        Ok(records)
    }

    /// Compresses into `buffer` (sized for the worst case once, then reused), then copies the
    /// frame out at its exact size: queued records hold no slack.
    fn compress(payload: &[u8], buffer: &mut Vec<u8>) -> Record {
        buffer.resize(lz4_flex::block::get_maximum_output_size(payload.len()), 0);
        let compressed = lz4_flex::block::compress_into(payload, buffer);
        #[allow(clippy::expect_used)] // the output buffer has the maximum size LZ4 can need
        let compressed = compressed.expect("lz4 output buffer has the maximum size");
        let start = FRAME_HEADER + BODY_HEADER;
        let mut frame = Vec::with_capacity(start + compressed);
        frame.resize(start, 0);
        frame.extend_from_slice(&buffer[..compressed]);
        Record {
            frame,
            payload_len: payload.len(),
        }
    }

    /// Uncompressed payload size.
    pub fn payload_len(&self) -> usize {
        self.payload_len
    }

    /// The batches back (decompressed and decoded).
    pub fn decode(&self) -> Result<Vec<WriteBatch>, StoreError> {
        let compressed = &self.frame[FRAME_HEADER + BODY_HEADER..];
        let payload = lz4_flex::block::decompress(compressed, self.payload_len)
            .map_err(|e| StoreError::Corrupt(format!("log record: decompression failed: {e}")))?;
        decode_payload(&payload)
    }

    /// Bytes the record takes in the log, framing included.
    pub fn len(&self) -> usize {
        self.frame.len()
    }

    /// Never true: a record has at least its header.
    pub fn is_empty(&self) -> bool {
        self.frame.is_empty()
    }

    /// Fills in the sequence number and the checksums.
    fn seal(&mut self, seq: u64) {
        let f = &mut self.frame;
        f[FRAME_HEADER..FRAME_HEADER + 8].copy_from_slice(&seq.to_le_bytes());
        // `payload_len` is at most MAX_PAYLOAD, so it fits in a u32.
        f[FRAME_HEADER + 8..FRAME_HEADER + 12]
            .copy_from_slice(&(self.payload_len as u32).to_le_bytes());
        let body_len = (f.len() - FRAME_HEADER) as u32;
        let body_crc = crc32fast::hash(&f[FRAME_HEADER..]);
        f[0..4].copy_from_slice(&body_len.to_le_bytes());
        f[4..8].copy_from_slice(&body_crc.to_le_bytes());
        let header_crc = crc32fast::hash(&f[0..8]);
        f[8..12].copy_from_slice(&header_crc.to_le_bytes());
    }
}

/// The appending side of the log. Not synchronized: the store keeps it behind a mutex, and
/// assigns sequence numbers in the order records reach the queue.
pub(crate) struct Log {
    dir: PathBuf,
    active: Option<Segment>,
    /// Segments no longer appended to, oldest first, with their last sequence number.
    sealed: Vec<(PathBuf, u64)>,
    next_seq: u64,
    /// Set when a failed write could not be undone or a sync failed: nothing more is appended.
    broken: Option<String>,
    segment_bytes: u64,
}

struct Segment {
    file: File,
    path: PathBuf,
    len: u64,
    last_seq: Option<u64>,
}

impl Log {
    /// Opens the log in `data_dir/wal` (creating it), checks every segment and hands each
    /// record with a sequence number above `loaded_seq` to `replay`, in order. A torn tail of the
    /// last segment is truncated with a warning; other damage is [`StoreError::Corrupt`].
    /// Existing segments are sealed: new records go to a new segment.
    pub(crate) fn open(
        data_dir: &Path,
        loaded_seq: u64,
        segment_bytes: u64,
        mut replay: impl FnMut(u64, Vec<WriteBatch>) -> Result<(), StoreError>,
    ) -> Result<Log, StoreError> {
        let dir = log_dir(data_dir);
        if !dir.is_dir() {
            std::fs::create_dir_all(&dir).map_err(|source| log_error(&dir, source))?;
            sync_dir(data_dir)?;
        }
        let segments = list_segments(&dir)?;
        let count = segments.len();
        let mut sealed = Vec::with_capacity(count);
        let mut last_seen = loaded_seq;
        for (index, (first_seq, path)) in segments.into_iter().enumerate() {
            let last_segment = index + 1 == count;
            let bytes = read_segment(&path)?;
            if bytes.len() < MAGIC.len() && last_segment && MAGIC.starts_with(&bytes) {
                tracing::warn!(path = %path.display(), "removing a log segment whose creation was interrupted");
                remove(&path)?;
                continue;
            }
            let mut last_in_segment = None;
            let end = scan(&path, &bytes, last_segment, |frame| {
                if frame.seq < first_seq || last_in_segment.is_some_and(|last| frame.seq <= last) {
                    return Err(corrupt(
                        &path,
                        frame.offset,
                        "sequence numbers out of order",
                    ));
                }
                last_in_segment = Some(frame.seq);
                if frame.seq > loaded_seq {
                    let payload = frame.decompress(&path)?;
                    let batches = codec::decode(&payload)
                        .map_err(|e| corrupt(&path, frame.offset, &e.to_string()))?;
                    replay(frame.seq, batches)?;
                }
                Ok(())
            })?;
            if end < bytes.len() {
                tracing::warn!(
                    path = %path.display(),
                    offset = end,
                    bytes = bytes.len() - end,
                    "truncating an incomplete record at the end of the log (a write interrupted by a crash, never acknowledged)"
                );
                truncate(&path, end as u64)?;
            }
            match last_in_segment {
                Some(last) => {
                    last_seen = last_seen.max(last);
                    sealed.push((path, last));
                }
                None => sealed.push((path, 0)),
            }
        }
        Ok(Log {
            dir,
            active: None,
            sealed,
            next_seq: last_seen + 1,
            broken: None,
            segment_bytes,
        })
    }

    /// Appends records and makes them durable (fdatasync) before returning the sequence number
    /// of the last one. On failure nothing of them counts as written.
    pub(crate) fn append(&mut self, records: &mut [Record]) -> Result<u64, StoreError> {
        if let Some(reason) = &self.broken {
            return Err(log_error(
                &self.dir,
                std::io::Error::other(format!(
                    "the log stopped accepting writes after an earlier failure ({reason}); restart the server"
                )),
            ));
        }
        if self
            .active
            .as_ref()
            .is_none_or(|s| s.len >= self.segment_bytes && s.last_seq.is_some())
        {
            self.roll()?;
        }
        let Some(segment) = self.active.as_mut() else {
            return Err(log_error(
                &self.dir,
                std::io::Error::other("no active segment"),
            ));
        };
        let mut seq = self.next_seq;
        let mut written = 0;
        let mut result = Ok(());
        for record in records.iter_mut() {
            record.seal(seq);
            if let Err(e) = segment.file.write_all(&record.frame) {
                result = Err(e);
                break;
            }
            written += record.frame.len() as u64;
            seq += 1;
        }
        if let Err(e) = result {
            // Undo the partial write so that later records do not follow garbage.
            if let Err(undo) = segment.file.set_len(segment.len) {
                self.broken = Some(format!("could not truncate after a failed write: {undo}"));
            }
            return Err(log_error(&segment.path, e));
        }
        if let Err(e) = segment.file.sync_data() {
            // After a failed sync the state of the file is unknown (Linux may drop the dirty
            // pages): accept nothing more.
            self.broken = Some(format!("sync failed: {e}"));
            return Err(log_error(&segment.path, e));
        }
        segment.len += written;
        let last = seq - 1;
        segment.last_seq = Some(last);
        self.next_seq = seq;
        Ok(last)
    }

    /// Seals the active segment (if any) and starts a new one named after the next sequence
    /// number, durably (file and directory entry).
    fn roll(&mut self) -> Result<(), StoreError> {
        if let Some(old) = self.active.take() {
            match old.last_seq {
                Some(last) => self.sealed.push((old.path, last)),
                None => remove(&old.path)?,
            }
        }
        let path = self.dir.join(format!("{:020}.{EXTENSION}", self.next_seq));
        let mut file = OpenOptions::new()
            .create_new(true)
            .append(true)
            .open(&path)
            .map_err(|e| log_error(&path, e))?;
        file.write_all(MAGIC)
            .and_then(|()| file.sync_data())
            .map_err(|e| log_error(&path, e))?;
        sync_dir(&self.dir)?;
        self.active = Some(Segment {
            file,
            path,
            len: MAGIC.len() as u64,
            last_seq: None,
        });
        Ok(())
    }

    /// Sequence number of the last record written (0 when there has never been one).
    pub(crate) fn last_seq(&self) -> u64 {
        self.next_seq - 1
    }

    /// Removes sealed segments whose records are all loaded (sequence ≤ `loaded_seq`) from the
    /// list and returns their paths, for the caller to delete outside the lock.
    pub(crate) fn take_loaded(&mut self, loaded_seq: u64) -> Vec<PathBuf> {
        let keep = self
            .sealed
            .iter()
            .position(|(_, last)| *last > loaded_seq)
            .unwrap_or(self.sealed.len());
        self.sealed.drain(..keep).map(|(path, _)| path).collect()
    }

    /// When everything is loaded, closes the active segment too and returns every segment path
    /// (to delete); otherwise only the loaded sealed ones.
    pub(crate) fn take_all_if_loaded(&mut self, loaded_seq: u64) -> Vec<PathBuf> {
        let mut paths = self.take_loaded(loaded_seq);
        if self.sealed.is_empty()
            && self
                .active
                .as_ref()
                .is_some_and(|s| s.last_seq.is_none_or(|last| last <= loaded_seq))
            && let Some(segment) = self.active.take()
        {
            paths.push(segment.path);
        }
        paths
    }
}

/// Deletes loaded segment files; failures are logged (the files are skipped at the next start
/// because their records are loaded).
pub(crate) fn delete(paths: Vec<PathBuf>) {
    for path in paths {
        if let Err(e) = std::fs::remove_file(&path) {
            tracing::warn!(path = %path.display(), error = %e, "failed to delete a loaded log segment");
        }
    }
}

/// A record as found in a segment.
struct Frame<'a> {
    offset: usize,
    seq: u64,
    payload_len: usize,
    compressed: &'a [u8],
}

impl Frame<'_> {
    fn decompress(&self, path: &Path) -> Result<Vec<u8>, StoreError> {
        let payload = lz4_flex::block::decompress(self.compressed, self.payload_len)
            .map_err(|e| corrupt(path, self.offset, &format!("decompression failed: {e}")))?;
        if payload.len() != self.payload_len {
            return Err(corrupt(path, self.offset, "payload length mismatch"));
        }
        Ok(payload)
    }
}

/// Damage found at one place in a segment.
enum Damage {
    /// What a crash during the last write leaves: truncate it (only at the end of the log).
    Torn(&'static str),
    /// Anything else.
    Corrupt(&'static str),
}

/// Parses the frame at `offset` of a segment: `None` at the end, else the frame and its length.
fn parse(bytes: &[u8], offset: usize) -> Result<Option<(Frame<'_>, usize)>, Damage> {
    let rest = &bytes[offset..];
    if rest.is_empty() {
        return Ok(None);
    }
    let Some((header, after_header)) = rest.split_first_chunk::<FRAME_HEADER>() else {
        return Err(Damage::Torn("incomplete record header"));
    };
    let word = |b: &[u8], i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    if crc32fast::hash(&header[0..8]) != word(header, 8) {
        return Err(if rest.iter().all(|&b| b == 0) {
            Damage::Torn("zero-filled tail")
        } else {
            Damage::Corrupt("record header checksum mismatch")
        });
    }
    let body_len = word(header, 0) as usize;
    if body_len < BODY_HEADER {
        return Err(Damage::Corrupt("record shorter than its header"));
    }
    let Some(body) = after_header.get(..body_len) else {
        return Err(Damage::Torn("record extends past the end of the file"));
    };
    if crc32fast::hash(body) != word(header, 4) {
        return Err(if after_header.len() == body_len {
            Damage::Torn("checksum mismatch in the last record")
        } else {
            Damage::Corrupt("record checksum mismatch")
        });
    }
    let seq = u64::from(word(body, 0)) | (u64::from(word(body, 4)) << 32);
    let payload_len = word(body, 8) as usize;
    if payload_len > MAX_PAYLOAD {
        return Err(Damage::Corrupt("payload larger than the record limit"));
    }
    let frame = Frame {
        offset,
        seq,
        payload_len,
        compressed: &body[BODY_HEADER..],
    };
    Ok(Some((frame, FRAME_HEADER + body_len)))
}

/// Checks the magic and walks the records of one segment, handing each to `each`. Returns where
/// the valid records end: the file length, or the start of a torn tail (last segment only).
fn scan<'a>(
    path: &Path,
    bytes: &'a [u8],
    last_segment: bool,
    mut each: impl FnMut(Frame<'a>) -> Result<(), StoreError>,
) -> Result<usize, StoreError> {
    if !bytes.starts_with(MAGIC) {
        return Err(if bytes.starts_with(&MAGIC[..7]) {
            StoreError::Corrupt(format!(
                "{}: log format version {} is not supported by this build (expects {}); start \
                 the build that wrote it once to load it, or move the segment aside to discard \
                 what it holds",
                path.display(),
                bytes[7],
                MAGIC[7]
            ))
        } else {
            corrupt(path, 0, "not a Flightdeck log segment")
        });
    }
    let mut offset = MAGIC.len();
    loop {
        match parse(bytes, offset) {
            Ok(None) => return Ok(offset),
            Ok(Some((frame, frame_len))) => {
                each(frame)?;
                offset += frame_len;
            }
            Err(Damage::Torn(_)) if last_segment => return Ok(offset),
            Err(Damage::Torn(reason) | Damage::Corrupt(reason)) => {
                return Err(corrupt(path, offset, reason));
            }
        }
    }
}

/// Segment files in `dir`, by first sequence number. Other files are ignored.
fn list_segments(dir: &Path) -> Result<Vec<(u64, PathBuf)>, StoreError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(log_error(dir, e)),
    };
    let mut segments = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| log_error(dir, e))?.path();
        if path.extension().is_some_and(|e| e == EXTENSION)
            && let Some(first) = path
                .file_stem()
                .and_then(|s| s.to_str())
                .filter(|s| s.len() == 20)
                .and_then(|s| s.parse::<u64>().ok())
        {
            segments.push((first, path));
        }
    }
    segments.sort();
    Ok(segments)
}

fn read_segment(path: &Path) -> Result<Vec<u8>, StoreError> {
    std::fs::read(path).map_err(|e| log_error(path, e))
}

fn truncate(path: &Path, len: u64) -> Result<(), StoreError> {
    let file = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| log_error(path, e))?;
    file.set_len(len)
        .and_then(|()| file.sync_all())
        .map_err(|e| log_error(path, e))
}

fn remove(path: &Path) -> Result<(), StoreError> {
    std::fs::remove_file(path).map_err(|e| log_error(path, e))
}

/// Makes created and removed directory entries durable.
fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| log_error(dir, e))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

fn log_error(path: &Path, source: std::io::Error) -> StoreError {
    StoreError::Log {
        path: path.display().to_string(),
        source,
    }
}

fn corrupt(path: &Path, offset: usize, reason: &str) -> StoreError {
    StoreError::Corrupt(format!(
        "write-ahead log {} at byte {offset}: {reason}",
        path.display()
    ))
}

#[cfg(test)]
mod tests;
