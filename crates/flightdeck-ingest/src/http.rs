//! OTLP/HTTP: `POST /v1/traces`, `/v1/logs`, `/v1/metrics`, protobuf or JSON, optionally gzip-,
//! zstd- or deflate-compressed.

use std::io::Read;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsPartialSuccess, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceResponse;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceResponse,
};
use prost::Message;

use crate::decode::Encoding;
use crate::receiver::{ExportError, Outcome, Receiver};
use crate::stats::Signal;

const TRANSPORT: &str = "http";

/// The OTLP/HTTP routes, ready to be served on their own port.
pub fn router(receiver: Arc<Receiver>) -> Router {
    Router::new()
        .route("/v1/traces", post(traces))
        .route("/v1/logs", post(logs))
        .route("/v1/metrics", post(metrics))
        .with_state(receiver)
}

async fn traces(State(r): State<Arc<Receiver>>, headers: HeaderMap, body: Body) -> Response {
    export(r, Signal::Spans, headers, body).await
}

async fn logs(State(r): State<Arc<Receiver>>, headers: HeaderMap, body: Body) -> Response {
    export(r, Signal::Logs, headers, body).await
}

async fn metrics(State(r): State<Arc<Receiver>>, headers: HeaderMap, body: Body) -> Response {
    export(r, Signal::MetricPoints, headers, body).await
}

async fn export(
    receiver: Arc<Receiver>,
    signal: Signal,
    headers: HeaderMap,
    body: Body,
) -> Response {
    // Errors before we know the encoding are answered in JSON, which every client can read.
    let encoding = match content_type(&headers) {
        Ok(encoding) => encoding,
        Err(err) => return error_response(Encoding::Json, &err),
    };
    let body = match read_body(&receiver, signal, &headers, body).await {
        Ok(body) => body,
        Err(err) => return error_response(encoding, &err),
    };
    let result = match signal {
        Signal::Spans => receiver.traces_bytes(TRANSPORT, body, encoding).await,
        Signal::Logs => receiver.logs_bytes(TRANSPORT, body, encoding).await,
        Signal::MetricPoints => receiver.metrics_bytes(TRANSPORT, body, encoding).await,
    };
    match result {
        Ok(outcome) => success_response(signal, encoding, outcome),
        Err(err) => error_response(encoding, &err),
    }
}

fn content_type(headers: &HeaderMap) -> Result<Encoding, ExportError> {
    let value = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mime = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match mime.as_str() {
        "application/x-protobuf" | "application/protobuf" => Ok(Encoding::Protobuf),
        "application/json" => Ok(Encoding::Json),
        _ => Err(ExportError::Unsupported(format!(
            "unsupported content-type {value:?}: use application/x-protobuf or application/json"
        ))),
    }
}

async fn read_body(
    receiver: &Receiver,
    signal: Signal,
    headers: &HeaderMap,
    body: Body,
) -> Result<Bytes, ExportError> {
    let cap = receiver.limits().max_body_bytes;
    let stats = receiver.stats();
    let too_large = |what: &str| {
        let message = format!("request body {what} exceeds the {cap}-byte limit");
        stats.too_large(signal, TRANSPORT, &message);
        ExportError::TooLarge(message)
    };
    let raw = match Limited::new(body, cap).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(err)
            if err
                .downcast_ref::<http_body_util::LengthLimitError>()
                .is_some() =>
        {
            return Err(too_large("as sent"));
        }
        Err(err) => {
            let message = format!("failed to read request body: {err}");
            stats.bad_request(signal, TRANSPORT, &message);
            return Err(ExportError::BadRequest(message));
        }
    };
    stats.request(raw.len());
    let encoding = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("identity")
        .trim()
        .to_ascii_lowercase();
    let decompressed = match encoding.as_str() {
        "" | "identity" => return Ok(raw),
        "gzip" | "x-gzip" => inflate(flate2::read::GzDecoder::new(&raw[..]), cap),
        "deflate" => inflate(flate2::read::ZlibDecoder::new(&raw[..]), cap),
        "zstd" => match zstd::stream::read::Decoder::new(&raw[..]) {
            Ok(decoder) => inflate(decoder, cap),
            Err(e) => Err(Inflate::Corrupt(e.to_string())),
        },
        other => {
            let message =
                format!("unsupported content-encoding {other:?}: use gzip, zstd, deflate or none");
            stats.bad_request(signal, TRANSPORT, &message);
            return Err(ExportError::Unsupported(message));
        }
    };
    match decompressed {
        Ok(bytes) => Ok(bytes),
        Err(Inflate::TooLarge) => Err(too_large("after decompression")),
        Err(Inflate::Corrupt(why)) => {
            let message = format!("invalid {encoding} body: {why}");
            stats.bad_request(signal, TRANSPORT, &message);
            Err(ExportError::BadRequest(message))
        }
    }
}

enum Inflate {
    TooLarge,
    Corrupt(String),
}

/// Decompresses without ever holding more than `cap + 1` output bytes.
fn inflate(reader: impl Read, cap: usize) -> Result<Bytes, Inflate> {
    let mut out = Vec::new();
    let mut limited = reader.take(cap as u64 + 1);
    limited
        .read_to_end(&mut out)
        .map_err(|e| Inflate::Corrupt(e.to_string()))?;
    if out.len() > cap {
        return Err(Inflate::TooLarge);
    }
    Ok(Bytes::from(out))
}

fn success_response(signal: Signal, encoding: Encoding, outcome: Outcome) -> Response {
    let partial = (outcome.rejected > 0 || outcome.message.is_some()).then(|| {
        (
            outcome.rejected as i64,
            outcome.message.clone().unwrap_or_default(),
        )
    });
    let body = match (signal, encoding) {
        (Signal::Spans, _) => encode(
            encoding,
            &ExportTraceServiceResponse {
                partial_success: partial.map(|(rejected_spans, error_message)| {
                    ExportTracePartialSuccess {
                        rejected_spans,
                        error_message,
                    }
                }),
            },
        ),
        (Signal::Logs, _) => encode(
            encoding,
            &ExportLogsServiceResponse {
                partial_success: partial.map(|(rejected_log_records, error_message)| {
                    ExportLogsPartialSuccess {
                        rejected_log_records,
                        error_message,
                    }
                }),
            },
        ),
        (Signal::MetricPoints, _) => encode(
            encoding,
            &ExportMetricsServiceResponse {
                partial_success: None,
            },
        ),
    };
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, mime(encoding))],
        body,
    )
        .into_response()
}

fn encode<M: Message + serde::Serialize>(encoding: Encoding, message: &M) -> Vec<u8> {
    match encoding {
        Encoding::Protobuf => message.encode_to_vec(),
        Encoding::Json => serde_json::to_vec(message).unwrap_or_else(|_| b"{}".to_vec()),
    }
}

fn mime(encoding: Encoding) -> HeaderValue {
    HeaderValue::from_static(match encoding {
        Encoding::Protobuf => "application/x-protobuf",
        Encoding::Json => "application/json",
    })
}

/// `google.rpc.Status`, the body OTLP/HTTP specifies for failures (details omitted).
#[derive(Clone, PartialEq, prost::Message, serde::Serialize)]
struct RpcStatus {
    #[prost(int32, tag = "1")]
    code: i32,
    #[prost(string, tag = "2")]
    message: String,
}

/// Maps an export error to its HTTP status: the one place this mapping lives.
fn error_response(encoding: Encoding, error: &ExportError) -> Response {
    let (status, grpc_code) = match error {
        ExportError::BadRequest(_) => (StatusCode::BAD_REQUEST, 3),
        ExportError::Unsupported(_) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, 3),
        ExportError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, 8),
        ExportError::Busy { .. } => (StatusCode::TOO_MANY_REQUESTS, 14),
        ExportError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, 14),
    };
    let body = encode(
        encoding,
        &RpcStatus {
            code: grpc_code,
            message: error.to_string(),
        },
    );
    let mut response = (status, [(header::CONTENT_TYPE, mime(encoding))], body).into_response();
    let retry_after = match error {
        ExportError::Busy { retry_after } => Some(retry_after.as_secs().max(1)),
        ExportError::Unavailable(_) => Some(1),
        _ => None,
    };
    if let Some(seconds) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use axum::body::Body;
    use axum::http::Request;
    use flightdeck_model::{LogRecord, Span};
    use tower::ServiceExt as _;

    use super::*;
    use crate::sink::{Sink, SubmitError, Ticket};

    /// A pipeline that is always full.
    struct Full;
    impl Sink for Full {
        fn submit_spans(&self, _: Vec<Span>) -> Result<Ticket, SubmitError> {
            Err(SubmitError::Busy {
                retry_after: Duration::from_secs(2),
            })
        }
        fn submit_logs(&self, _: Vec<LogRecord>) -> Result<Ticket, SubmitError> {
            Err(SubmitError::Unavailable("disk full".into()))
        }
    }

    /// A full queue is 429 with Retry-After; a failed write is 503; both count the items.
    #[tokio::test]
    async fn backpressure_maps_to_retryable_statuses() {
        let receiver = Receiver::new(Arc::new(Full), crate::Limits::default(), Arc::default());
        let request = flightdeck_loadgen::Generator::new(Default::default()).request(5);
        let response = router(Arc::clone(&receiver))
            .oneshot(
                Request::post("/v1/traces")
                    .header("content-type", "application/x-protobuf")
                    .body(Body::from(request.encode_to_vec()))
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "2");

        let logs =
            br#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"x"}}]}]}]}"#;
        let response = router(Arc::clone(&receiver))
            .oneshot(
                Request::post("/v1/logs")
                    .header("content-type", "application/json")
                    .body(Body::from(&logs[..]))
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        let stats = receiver.stats().snapshot();
        assert!(stats.spans.refused_busy >= 5);
        assert_eq!(stats.logs.failed, 1);
    }

    /// A pipeline whose submits take a while, counting how many run at once.
    #[derive(Default)]
    struct Slow {
        running: std::sync::atomic::AtomicUsize,
        most: std::sync::atomic::AtomicUsize,
    }
    impl Sink for Slow {
        fn submit_spans(&self, _: Vec<Span>) -> Result<Ticket, SubmitError> {
            use std::sync::atomic::Ordering::SeqCst;
            let now = self.running.fetch_add(1, SeqCst) + 1;
            self.most.fetch_max(now, SeqCst);
            std::thread::sleep(Duration::from_millis(20));
            self.running.fetch_sub(1, SeqCst);
            Ok(Ticket::done())
        }
        fn submit_logs(&self, _: Vec<LogRecord>) -> Result<Ticket, SubmitError> {
            Ok(Ticket::done())
        }
    }

    /// Many exports at once are all accepted, but at most two per core are processed at a time.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn processing_is_bounded_by_the_cores() {
        let sink = Arc::new(Slow::default());
        let receiver = Receiver::new(
            Arc::clone(&sink) as Arc<dyn Sink>,
            crate::Limits::default(),
            Arc::default(),
        );
        let body = flightdeck_loadgen::Generator::new(Default::default())
            .request(5)
            .encode_to_vec();
        let exports = (0..24).map(|_| {
            let request = Request::post("/v1/traces")
                .header("content-type", "application/x-protobuf")
                .body(Body::from(body.clone()))
                .unwrap();
            tokio::spawn(router(Arc::clone(&receiver)).oneshot(request))
        });
        for export in exports.collect::<Vec<_>>() {
            assert_eq!(export.await.unwrap().unwrap().status(), StatusCode::OK);
        }
        let most = sink.most.load(std::sync::atomic::Ordering::SeqCst);
        let bound = crate::receiver::max_workers();
        assert!((1..=bound).contains(&most), "{most} at once, bound {bound}");
    }
}
