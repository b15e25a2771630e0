#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs::OpenOptions;
use std::io::Write as _;

use super::*;
use crate::test_util;

/// What a log replayed: sequence numbers and batches.
type Replayed = Vec<(u64, Vec<WriteBatch>)>;

/// Opens the log of `dir` and collects what it replays above `loaded`.
fn open(dir: &Path, loaded: u64, segment_bytes: u64) -> Result<(Log, Replayed), StoreError> {
    let mut replayed = Vec::new();
    let log = Log::open(dir, loaded, segment_bytes, |seq, batches| {
        replayed.push((seq, batches));
        Ok(())
    })?;
    Ok((log, replayed))
}

fn append(log: &mut Log, batches: &[WriteBatch]) -> u64 {
    let mut records = Record::encode(batches, &mut Scratch::default()).unwrap();
    log.append(&mut records).unwrap()
}

fn segments(dir: &Path) -> Vec<PathBuf> {
    list_segments(&log_dir(dir))
        .unwrap()
        .into_iter()
        .map(|(_, p)| p)
        .collect()
}

/// Every field of every row type survives encode → decode unchanged, including a GenAI view with
/// all fields set and spans without one.
#[test]
fn codec_round_trips_every_field() {
    let keys: std::sync::Arc<[String]> = ["tenant.id", "host.name", "absent"]
        .map(String::from)
        .into();
    let batches = vec![
        test_util::batch(200, 0),
        WriteBatch::default(),
        test_util::batch(20, 3),
        WriteBatch::from_spans_indexing(&test_util::spans(20, 5), &keys),
    ];
    let indexed = &batches[3].spans[0].indexed;
    assert!(indexed[0].is_some() && indexed[1].is_some() && indexed[2].is_none());
    assert!(batches[0].spans.iter().any(|s| s.genai.retrieval.is_some()));
    assert!(batches[0].spans.iter().any(|s| s.genai.is_empty()));
    let mut payload = Vec::new();
    for batch in &batches {
        codec::encode(batch, &mut payload);
    }
    assert_eq!(codec::decode(&payload).unwrap(), batches);
    // A payload cut anywhere does not decode (and does not panic).
    for cut in [1, payload.len() / 2, payload.len() - 1] {
        assert!(codec::decode(&payload[..cut]).is_err(), "cut at {cut}");
    }
}

/// Records written to the log come back in order with their sequence numbers after a reopen;
/// records at or below the loaded sequence number are not replayed.
#[test]
fn records_round_trip_through_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let written: Vec<Vec<WriteBatch>> = (0..4)
        .map(|i| vec![test_util::batch(30, i), test_util::batch(5, 10 + i)])
        .collect();
    let (mut log, replayed) = open(dir.path(), 0, SEGMENT_BYTES).unwrap();
    assert!(replayed.is_empty());
    for (i, batches) in written.iter().enumerate() {
        assert_eq!(append(&mut log, batches), i as u64 + 1);
    }
    drop(log);

    let (log, replayed) = open(dir.path(), 0, SEGMENT_BYTES).unwrap();
    assert_eq!(replayed.len(), 4);
    for (i, (seq, batches)) in replayed.iter().enumerate() {
        assert_eq!(*seq, i as u64 + 1);
        assert_eq!(batches, &written[i]);
    }
    assert_eq!(log.last_seq(), 4);
    drop(log);

    let (mut log, replayed) = open(dir.path(), 3, SEGMENT_BYTES).unwrap();
    assert_eq!(replayed.len(), 1);
    assert_eq!(replayed[0].0, 4);
    assert_eq!(append(&mut log, &written[0]), 5, "numbering continues");
    assert_eq!(read_payloads(dir.path()).unwrap().len(), 5);
}

/// A large write is split into several records; all of them replay, in order.
#[test]
fn large_writes_span_several_records() {
    let dir = tempfile::tempdir().unwrap();
    let batch = test_util::batch(200, 1);
    let mut one = Vec::new();
    codec::encode(&batch, &mut one);
    let copies = RECORD_TARGET / one.len() + 2;
    let batches = vec![batch; copies];
    let (mut log, _) = open(dir.path(), 0, SEGMENT_BYTES).unwrap();
    assert_eq!(append(&mut log, &batches), 2);
    drop(log);
    let (_, replayed) = open(dir.path(), 0, SEGMENT_BYTES).unwrap();
    let seqs: Vec<u64> = replayed.iter().map(|(seq, _)| *seq).collect();
    assert_eq!(seqs, [1, 2]);
    let back: Vec<WriteBatch> = replayed.into_iter().flat_map(|(_, b)| b).collect();
    assert_eq!(back, batches);
}

/// What a crash during a write leaves at the end of the last segment (part of a record, or a
/// zero-filled extension) is truncated at open; the records before it replay and appending
/// continues after them.
#[test]
fn torn_tail_is_truncated() {
    let batches = vec![test_util::batch(20, 1)];
    let mut frame = Record::encode(&batches, &mut Scratch::default())
        .unwrap()
        .remove(0);
    frame.seal(3);
    let frame = frame.frame;
    let tails: Vec<(&str, Vec<u8>)> = vec![
        ("half a header", frame[..5].to_vec()),
        (
            "a header and part of the body",
            frame[..frame.len() / 2].to_vec(),
        ),
        ("the whole record, last byte wrong", {
            let mut f = frame.clone();
            *f.last_mut().unwrap() ^= 0xff;
            f
        }),
        ("zeros", vec![0; 4096]),
    ];
    for (what, tail) in tails {
        let dir = tempfile::tempdir().unwrap();
        let (mut log, _) = open(dir.path(), 0, SEGMENT_BYTES).unwrap();
        append(&mut log, &batches);
        append(&mut log, &batches);
        drop(log);
        let path = segments(dir.path()).remove(0);
        let good_len = std::fs::metadata(&path).unwrap().len();
        OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(&tail)
            .unwrap();

        let (mut log, replayed) = open(dir.path(), 0, SEGMENT_BYTES).unwrap();
        assert_eq!(replayed.len(), 2, "{what}");
        assert_eq!(std::fs::metadata(&path).unwrap().len(), good_len, "{what}");
        assert_eq!(append(&mut log, &batches), 3, "{what}");
        drop(log);
        let (_, replayed) = open(dir.path(), 0, SEGMENT_BYTES).unwrap();
        assert_eq!(replayed.len(), 3, "{what}");
    }
}

/// Damage anywhere but the tail of the last segment is a clear error naming the file, never a
/// truncation or a panic: a flipped byte in a record with records after it, a torn tail in a
/// segment that is not the last, a foreign file, a newer format version.
#[test]
fn corruption_is_an_error() {
    let batches = vec![test_util::batch(20, 1)];
    let setup = |segment_bytes: u64| {
        let dir = tempfile::tempdir().unwrap();
        let (mut log, _) = open(dir.path(), 0, segment_bytes).unwrap();
        for _ in 0..3 {
            append(&mut log, &batches);
        }
        drop(log);
        dir
    };
    let expect_corrupt = |dir: &Path, needle: &str| match open(dir, 0, SEGMENT_BYTES) {
        Err(StoreError::Corrupt(message)) => {
            assert!(message.contains(needle), "{message}");
            assert!(message.contains(".wal"), "{message}");
        }
        Err(e) => panic!("expected a corruption error, got {e}"),
        Ok(_) => panic!("expected a corruption error"),
    };

    // A flipped payload byte in the first of three records.
    let dir = setup(SEGMENT_BYTES);
    let path = segments(dir.path()).remove(0);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[MAGIC.len() + FRAME_HEADER + BODY_HEADER + 10] ^= 0x01;
    std::fs::write(&path, &bytes).unwrap();
    expect_corrupt(dir.path(), "checksum mismatch");

    // A flipped length byte (header checksum catches it).
    let dir = setup(SEGMENT_BYTES);
    let path = segments(dir.path()).remove(0);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[MAGIC.len() + 1] ^= 0x01;
    std::fs::write(&path, &bytes).unwrap();
    expect_corrupt(dir.path(), "header checksum");

    // One record per segment: a cut first segment is not a torn tail.
    let dir = setup(1);
    let first = segments(dir.path()).remove(0);
    let len = std::fs::metadata(&first).unwrap().len();
    OpenOptions::new()
        .write(true)
        .open(&first)
        .unwrap()
        .set_len(len - 3)
        .unwrap();
    expect_corrupt(dir.path(), "past the end");

    // Not a log segment.
    let dir = setup(SEGMENT_BYTES);
    let path = segments(dir.path()).remove(0);
    std::fs::write(&path, b"hello, world").unwrap();
    expect_corrupt(dir.path(), "not a Flightdeck log segment");

    // A future format version.
    let dir = setup(SEGMENT_BYTES);
    let path = segments(dir.path()).remove(0);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[7] = 9;
    std::fs::write(&path, &bytes).unwrap();
    expect_corrupt(dir.path(), "version 9");
}

/// A segment whose creation was interrupted (part of the magic) is removed; other files in the
/// log directory are left alone.
#[test]
fn interrupted_segment_creation_is_removed() {
    let dir = tempfile::tempdir().unwrap();
    let (mut log, _) = open(dir.path(), 0, SEGMENT_BYTES).unwrap();
    append(&mut log, &[test_util::batch(5, 1)]);
    drop(log);
    let wal = log_dir(dir.path());
    std::fs::write(wal.join(format!("{:020}.wal", 2)), &MAGIC[..3]).unwrap();
    std::fs::write(wal.join("notes.txt"), b"keep me").unwrap();
    let (_, replayed) = open(dir.path(), 0, SEGMENT_BYTES).unwrap();
    assert_eq!(replayed.len(), 1);
    assert_eq!(segments(dir.path()).len(), 1);
    assert!(wal.join("notes.txt").exists());
}

/// Segments roll over at the size limit; sealed segments are handed out for deletion once all
/// their records are loaded, the active one only when everything is.
#[test]
fn segments_roll_over_and_loaded_ones_are_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let (mut log, _) = open(dir.path(), 0, 1).unwrap();
    for _ in 0..5 {
        append(&mut log, &[test_util::batch(5, 1)]);
    }
    assert_eq!(segments(dir.path()).len(), 5);
    assert!(log.take_loaded(0).is_empty());
    delete(log.take_loaded(3));
    let left = segments(dir.path());
    assert_eq!(left.len(), 2);
    assert!(left[0].ends_with(format!("{:020}.wal", 4)));
    let paths = log.take_all_if_loaded(4);
    assert_eq!(paths.len(), 1, "sealed segment 4 only: 5 is not loaded");
    delete(paths);
    assert_eq!(log.take_all_if_loaded(4).len(), 0);
    delete(log.take_all_if_loaded(5));
    assert!(segments(dir.path()).is_empty());
    // Appending after everything was deleted starts a new segment.
    assert_eq!(append(&mut log, &[test_util::batch(5, 1)]), 6);
    drop(log);
    let (_, replayed) = open(dir.path(), 5, 1).unwrap();
    assert_eq!(replayed.iter().map(|(s, _)| *s).collect::<Vec<_>>(), [6]);
}
