//! OTLP/gRPC: the `TraceService`, `LogsService` and `MetricsService` export methods, with gzip and
//! zstd accepted.
//!
//! Messages are received as raw bytes (a pass-through codec) and decoded by the same code as
//! OTLP/HTTP, so malformed protobuf is `INVALID_ARGUMENT` with the same message, and decoding runs
//! on a blocking thread rather than on the async runtime.

use std::convert::Infallible;
use std::marker::PhantomData;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Buf, BufMut, Bytes};
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsPartialSuccess, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceResponse;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceResponse,
};
use prost::Message;
use tonic::codec::{Codec, CompressionEncoding, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::codegen::{BoxFuture, EnabledCompressionEncodings, Service, StdError, http};
use tonic::server::{Grpc, NamedService, UnaryService};
use tonic::{Request, Response, Status};

use crate::decode::Encoding;
use crate::receiver::{ExportError, Outcome, Receiver};

const TRANSPORT: &str = "grpc";

/// The three OTLP gRPC services, configured with the receiver's size cap.
pub fn routes(receiver: Arc<Receiver>) -> tonic::service::Routes {
    tonic::service::Routes::new(Otlp::<Traces>::new(Arc::clone(&receiver)))
        .add_service(Otlp::<Logs>::new(Arc::clone(&receiver)))
        .add_service(Otlp::<Metrics>::new(receiver))
}

/// Maps an export error to a gRPC status: the one place this mapping lives. Backpressure and write
/// failures are `UNAVAILABLE`, which OTLP exporters retry with backoff.
fn status(error: ExportError) -> Status {
    match error {
        ExportError::BadRequest(m) | ExportError::Unsupported(m) => Status::invalid_argument(m),
        ExportError::TooLarge(m) => Status::resource_exhausted(m),
        e @ ExportError::Busy { .. } => Status::unavailable(e.to_string()),
        ExportError::Unavailable(m) => Status::unavailable(m),
    }
}

fn partial(outcome: &Outcome) -> Option<(i64, String)> {
    (outcome.rejected > 0 || outcome.message.is_some()).then(|| {
        (
            outcome.rejected as i64,
            outcome.message.clone().unwrap_or_default(),
        )
    })
}

/// One OTLP signal's gRPC service: its name and how an export is handled.
trait Signal: Send + Sync + 'static {
    const SERVICE: &'static str;
    fn export(receiver: Arc<Receiver>, body: Bytes) -> BoxFuture<Vec<u8>, Status>;
}

struct Traces;
struct Logs;
struct Metrics;

impl Signal for Traces {
    const SERVICE: &'static str = "opentelemetry.proto.collector.trace.v1.TraceService";
    fn export(receiver: Arc<Receiver>, body: Bytes) -> BoxFuture<Vec<u8>, Status> {
        Box::pin(async move {
            let outcome = receiver
                .traces_bytes(TRANSPORT, body, Encoding::Protobuf)
                .await
                .map_err(status)?;
            Ok(ExportTraceServiceResponse {
                partial_success: partial(&outcome).map(|(rejected_spans, error_message)| {
                    ExportTracePartialSuccess {
                        rejected_spans,
                        error_message,
                    }
                }),
            }
            .encode_to_vec())
        })
    }
}

impl Signal for Logs {
    const SERVICE: &'static str = "opentelemetry.proto.collector.logs.v1.LogsService";
    fn export(receiver: Arc<Receiver>, body: Bytes) -> BoxFuture<Vec<u8>, Status> {
        Box::pin(async move {
            let outcome = receiver
                .logs_bytes(TRANSPORT, body, Encoding::Protobuf)
                .await
                .map_err(status)?;
            Ok(ExportLogsServiceResponse {
                partial_success: partial(&outcome).map(|(rejected_log_records, error_message)| {
                    ExportLogsPartialSuccess {
                        rejected_log_records,
                        error_message,
                    }
                }),
            }
            .encode_to_vec())
        })
    }
}

impl Signal for Metrics {
    const SERVICE: &'static str = "opentelemetry.proto.collector.metrics.v1.MetricsService";
    fn export(receiver: Arc<Receiver>, body: Bytes) -> BoxFuture<Vec<u8>, Status> {
        Box::pin(async move {
            receiver
                .metrics_bytes(TRANSPORT, body, Encoding::Protobuf)
                .await
                .map_err(status)?;
            Ok(ExportMetricsServiceResponse {
                partial_success: None,
            }
            .encode_to_vec())
        })
    }
}

/// A gRPC service for one signal.
struct Otlp<S> {
    receiver: Arc<Receiver>,
    _signal: PhantomData<fn() -> S>,
}

impl<S> Clone for Otlp<S> {
    fn clone(&self) -> Self {
        Otlp {
            receiver: Arc::clone(&self.receiver),
            _signal: PhantomData,
        }
    }
}

impl<S: Signal> Otlp<S> {
    fn new(receiver: Arc<Receiver>) -> Self {
        Otlp {
            receiver,
            _signal: PhantomData,
        }
    }
}

impl<S: Signal> NamedService for Otlp<S> {
    const NAME: &'static str = S::SERVICE;
}

struct Export<S>(Arc<Receiver>, PhantomData<fn() -> S>);

impl<S: Signal> UnaryService<Bytes> for Export<S> {
    type Response = Vec<u8>;
    type Future = BoxFuture<Response<Vec<u8>>, Status>;

    fn call(&mut self, request: Request<Bytes>) -> Self::Future {
        let receiver = Arc::clone(&self.0);
        receiver.stats().request(request.get_ref().len());
        let export = S::export(receiver, request.into_inner());
        Box::pin(async move { export.await.map(Response::new) })
    }
}

impl<S, B> Service<http::Request<B>> for Otlp<S>
where
    S: Signal,
    B: http_body::Body + Send + 'static,
    B::Error: Into<StdError> + Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let receiver = Arc::clone(&self.receiver);
        let is_export = request.uri().path() == format!("/{}/Export", S::SERVICE);
        Box::pin(async move {
            if !is_export {
                return Ok(Status::unimplemented("only Export is served").into_http());
            }
            let mut encodings = EnabledCompressionEncodings::default();
            encodings.enable(CompressionEncoding::Gzip);
            encodings.enable(CompressionEncoding::Zstd);
            let max = receiver.limits().max_body_bytes;
            let mut grpc = Grpc::new(RawCodec)
                .apply_compression_config(encodings, EnabledCompressionEncodings::default())
                .apply_max_message_size_config(Some(max), None);
            let mut response = grpc
                .unary(Export::<S>(receiver, PhantomData), request)
                .await;
            // tonic reports a frame over the size cap as OUT_OF_RANGE, which OTLP clients retry
            // forever; the cap is RESOURCE_EXHAUSTED (not retryable without RetryInfo).
            let headers = response.headers_mut();
            if headers.get(Status::GRPC_STATUS).map(|v| v.as_bytes()) == Some(b"11") {
                headers.insert(
                    Status::GRPC_STATUS,
                    http::HeaderValue::from(tonic::Code::ResourceExhausted as i32),
                );
            }
            Ok(response)
        })
    }
}

/// Passes message bytes through untouched: requests are decoded by [`crate::decode`], responses
/// are encoded before they reach the codec.
#[derive(Debug, Clone, Copy, Default)]
struct RawCodec;

impl Codec for RawCodec {
    type Encode = Vec<u8>;
    type Decode = Bytes;
    type Encoder = RawCodec;
    type Decoder = RawCodec;

    fn encoder(&mut self) -> Self::Encoder {
        RawCodec
    }

    fn decoder(&mut self) -> Self::Decoder {
        RawCodec
    }
}

impl Encoder for RawCodec {
    type Item = Vec<u8>;
    type Error = Status;

    fn encode(&mut self, item: Vec<u8>, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put_slice(&item);
        Ok(())
    }
}

impl Decoder for RawCodec {
    type Item = Bytes;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Bytes>, Status> {
        Ok(Some(src.copy_to_bytes(src.remaining())))
    }
}
