//! Forwarders against real OTLP receivers (Flightdeck's own gRPC and HTTP ingest servers, whose
//! sink records what arrives).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use flightdeck_ingest::{Limits, Receiver, Sink, SubmitError, Ticket};
use flightdeck_model::{AttrValue, LogRecord, Span};

use super::*;
use crate::test_util::{log, span};

/// Records what arrives; refuses the first `busy` submissions with "queue full".
#[derive(Default)]
struct Recorder {
    spans: Mutex<Vec<Span>>,
    logs: Mutex<Vec<LogRecord>>,
    busy: AtomicUsize,
    refused: AtomicUsize,
}

impl Sink for Recorder {
    fn submit_spans(&self, spans: Vec<Span>) -> Result<Ticket, SubmitError> {
        if self.busy.load(Ordering::SeqCst) > self.refused.load(Ordering::SeqCst) {
            self.refused.fetch_add(1, Ordering::SeqCst);
            return Err(SubmitError::Busy {
                retry_after: Duration::from_secs(1),
            });
        }
        self.spans.lock().unwrap().extend(spans);
        Ok(Ticket::done())
    }
    fn submit_logs(&self, logs: Vec<LogRecord>) -> Result<Ticket, SubmitError> {
        self.logs.lock().unwrap().extend(logs);
        Ok(Ticket::done())
    }
}

/// An OTLP receiver on free ports, served from its own runtime.
struct Destination {
    recorder: Arc<Recorder>,
    grpc: SocketAddr,
    http: SocketAddr,
    _runtime: tokio::runtime::Runtime,
}

fn destination(busy: usize) -> Destination {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let recorder = Arc::new(Recorder {
        busy: AtomicUsize::new(busy),
        ..Recorder::default()
    });
    let receiver = Receiver::new(
        Arc::clone(&recorder) as Arc<dyn Sink>,
        Limits::default(),
        Arc::default(),
    );
    let (grpc, http) = runtime.block_on(async {
        let grpc_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let http_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addrs = (
            grpc_listener.local_addr().unwrap(),
            http_listener.local_addr().unwrap(),
        );
        let routes = flightdeck_ingest::grpc::routes(Arc::clone(&receiver));
        tokio::spawn(
            tonic::transport::Server::builder()
                .add_routes(routes)
                .serve_with_incoming(tonic::transport::server::TcpIncoming::from(grpc_listener)),
        );
        tokio::spawn(async move {
            axum::serve(http_listener, flightdeck_ingest::http::router(receiver))
                .await
                .unwrap()
        });
        addrs
    });
    Destination {
        recorder,
        grpc,
        http,
        _runtime: runtime,
    }
}

fn spans(n: u8) -> Vec<Span> {
    (1..=n)
        .map(|i| {
            span(
                i,
                i,
                vec![flightdeck_model::KeyValue::new("n", i64::from(i))],
            )
        })
        .collect()
}

fn quick(endpoint: String, protocol: Protocol) -> ForwardConfig {
    ForwardConfig {
        batch_delay: Duration::from_millis(20),
        timeout: Duration::from_secs(2),
        retry_initial_delay: Duration::from_millis(50),
        retry_max_delay: Duration::from_millis(200),
        ..ForwardConfig::new(endpoint, protocol)
    }
}

/// Spans and log records forwarded over gRPC (gzip) and over HTTP (uncompressed) arrive
/// complete and equal to what was sent, batched into few requests; counters match.
#[test]
fn forwards_over_grpc_and_http() {
    for protocol in [Protocol::Grpc, Protocol::Http] {
        let dest = destination(0);
        let addr = match protocol {
            Protocol::Grpc => dest.grpc,
            Protocol::Http => dest.http,
        };
        let mut config = quick(format!("http://{addr}"), protocol);
        if protocol == Protocol::Http {
            config.compression = Compression::None;
        }
        let forwarder = Forwarder::start(0, config).unwrap();
        let sent = spans(30);
        for chunk in sent.chunks(7) {
            forwarder.enqueue(Encoded::traces(chunk));
        }
        let logs = vec![log(Some(1), AttrValue::Str("hello".into()))];
        forwarder.enqueue(Encoded::logs(&logs));
        wait_until(
            "the destination to receive everything",
            Duration::from_secs(20),
            || {
                dest.recorder.spans.lock().unwrap().len() == 30
                    && dest.recorder.logs.lock().unwrap().len() == 1
            },
        );
        forwarder.shutdown();
        let mut got = dest.recorder.spans.lock().unwrap().clone();
        got.sort_by_key(|s| s.trace_id);
        assert_eq!(got, sent, "{protocol:?}");
        assert_eq!(*dest.recorder.logs.lock().unwrap(), logs);
        let snap = forwarder.snapshot();
        assert_eq!(snap.spans_sent, 30);
        assert_eq!(snap.logs_sent, 1);
        assert_eq!(snap.queued_items, 0);
        assert!(
            snap.requests >= 2 && snap.requests <= 6,
            "{}",
            snap.requests
        );
        assert_eq!(
            snap.dropped,
            Dropped {
                queue_full: 0,
                failed: 0,
                shutdown: 0
            }
        );
    }
}

/// A destination that answers "busy" is retried (honouring its retry delay) until it accepts.
#[test]
fn retries_until_the_destination_accepts() {
    let dest = destination(2);
    let forwarder =
        Forwarder::start(0, quick(format!("http://{}", dest.grpc), Protocol::Grpc)).unwrap();
    forwarder.enqueue(Encoded::traces(&spans(5)));
    wait_until("delivery after retries", Duration::from_secs(20), || {
        dest.recorder.spans.lock().unwrap().len() == 5
    });
    forwarder.shutdown();
    let snap = forwarder.snapshot();
    assert_eq!(snap.retries, 2);
    assert_eq!(snap.spans_sent, 5);
    assert_eq!(dest.recorder.refused.load(Ordering::SeqCst), 2);
}

/// A permanent error (the destination rejects the body as malformed) is not retried: the batch
/// is dropped and counted, with the reason kept.
#[test]
fn permanent_errors_are_counted_not_retried() {
    let dest = destination(0);
    let forwarder =
        Forwarder::start(0, quick(format!("http://{}", dest.http), Protocol::Http)).unwrap();
    forwarder.enqueue(Encoded {
        signal: Signal::Traces,
        body: Bytes::from_static(&[0xff, 0xff, 0xff]),
        items: 3,
    });
    wait_until("the failure to be counted", Duration::from_secs(20), || {
        forwarder.snapshot().dropped.failed == 3
    });
    forwarder.shutdown();
    let snap = forwarder.snapshot();
    assert_eq!(snap.retries, 0);
    assert!(snap.last_error.unwrap().contains("400"));
}

/// A destination that stays down: the queue fills, further data is dropped and counted as
/// queue-full, and at shutdown what is still queued is dropped and counted — every item is
/// accounted for, and shutdown does not hang on retries.
#[test]
fn a_down_destination_loses_nothing_uncounted() {
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = ForwardConfig {
        queue_max_items: 10,
        shutdown_timeout: Duration::from_millis(300),
        ..quick(format!("http://127.0.0.1:{port}"), Protocol::Grpc)
    };
    let forwarder = Forwarder::start(0, config).unwrap();
    let mut enqueued = 0;
    for _ in 0..10 {
        let piece = spans(4);
        enqueued += piece.len() as u64;
        forwarder.enqueue(Encoded::traces(&piece));
    }
    wait_until("a retry", Duration::from_secs(20), || {
        forwarder.snapshot().retries > 0
    });
    let started = std::time::Instant::now();
    forwarder.shutdown();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let snap = forwarder.snapshot();
    assert!(snap.dropped.queue_full > 0);
    assert_eq!(snap.spans_sent, 0);
    assert_eq!(
        snap.dropped.queue_full + snap.dropped.failed + snap.dropped.shutdown,
        enqueued
    );
    assert_eq!(snap.queued_items, 0);
}

/// Invalid destinations are refused with the setting named.
#[test]
fn invalid_destinations_are_named() {
    let err = |config: ForwardConfig| Forwarder::start(2, config).unwrap_err().to_string();
    assert!(err(ForwardConfig::new("tempo:4317", Protocol::Grpc)).contains("forward[2].endpoint"));
    assert!(err(ForwardConfig::new("https://x:4317", Protocol::Grpc)).contains("https"));
    let mut bad_header = ForwardConfig::new("http://x:4317", Protocol::Grpc);
    bad_header.headers.insert("bad header".into(), "v".into());
    assert!(err(bad_header).contains("invalid header \"bad header\""));
    let dup = validate_all(&[
        ForwardConfig::new("http://a:1", Protocol::Grpc),
        ForwardConfig::new("http://a:1", Protocol::Http),
    ])
    .unwrap_err()
    .to_string();
    assert!(dup.contains("forward[1]"), "{dup}");
}
