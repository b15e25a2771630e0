//! Sending one encoded export request to a destination, over gRPC or HTTP.
//!
//! Bodies arrive already encoded (an `Export*ServiceRequest` in protobuf, possibly several
//! concatenated: protobuf merges repeated fields, so concatenation is batching). gRPC sends them
//! through a pass-through codec; nothing is decoded and re-encoded.

use std::marker::PhantomData;
use std::time::Duration;

use bytes::{Buf as _, BufMut as _, Bytes};
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceResponse;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceResponse;
use prost::Message;
use tonic::codec::{Codec, CompressionEncoding, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::transport::{Channel, Endpoint};

use super::config::{Compression, ForwardConfig, Protocol};

/// The signal of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signal {
    Traces,
    Logs,
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SendError {
    /// Connection, timeout or protocol trouble: retryable.
    #[error("{0}")]
    Transport(String),
    /// The destination answered with an error status.
    #[error("destination answered {status}: {message}")]
    Status {
        /// HTTP status or gRPC code, as text.
        status: String,
        /// What it said (cut to 200 characters).
        message: String,
        /// Whether the OTLP specification says to retry.
        retryable: bool,
        /// A delay the destination asked for.
        retry_after: Option<Duration>,
    },
}

impl SendError {
    pub(crate) fn retryable(&self) -> bool {
        match self {
            SendError::Transport(_) => true,
            SendError::Status { retryable, .. } => *retryable,
        }
    }

    pub(crate) fn retry_after(&self) -> Option<Duration> {
        match self {
            SendError::Transport(_) => None,
            SendError::Status { retry_after, .. } => *retry_after,
        }
    }
}

/// Why a destination cannot be set up.
#[derive(Debug, thiserror::Error)]
pub enum ForwardConfigError {
    /// The endpoint is not an `http://` URL.
    #[error("pipeline.forward[{index}].endpoint: {why}, got {endpoint:?}")]
    Endpoint {
        /// Position in `forward`.
        index: usize,
        /// The endpoint given.
        endpoint: String,
        /// What is wrong.
        why: &'static str,
    },
    /// A header name or value is not valid in HTTP / gRPC metadata.
    #[error("pipeline.forward[{index}].headers: invalid header {name:?}")]
    Header {
        /// Position in `forward`.
        index: usize,
        /// The header.
        name: String,
    },
    /// A size or duration is zero.
    #[error("pipeline.forward[{index}].{field}: must be greater than zero")]
    Zero {
        /// Position in `forward`.
        index: usize,
        /// The setting.
        field: &'static str,
    },
    /// Two destinations share a name.
    #[error("pipeline.forward[{index}]: the name {name:?} is already used; set `name`")]
    DuplicateName {
        /// Position in `forward`.
        index: usize,
        /// The name.
        name: String,
    },
}

/// Checks a destination's settings (used by `config check` too).
pub(crate) fn validate(index: usize, config: &ForwardConfig) -> Result<(), ForwardConfigError> {
    let endpoint_error = |why| ForwardConfigError::Endpoint {
        index,
        endpoint: config.endpoint.clone(),
        why,
    };
    let uri: http::Uri = config
        .endpoint
        .parse()
        .map_err(|_| endpoint_error("not a valid URL"))?;
    match uri.scheme_str() {
        Some("http") => {}
        Some("https") => return Err(endpoint_error("https is not supported yet; use http://")),
        _ => return Err(endpoint_error("must start with http://")),
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(endpoint_error("has no host"));
    }
    for (name, value) in &config.headers {
        let ok = http::HeaderName::from_bytes(name.as_bytes()).is_ok()
            && http::HeaderValue::from_str(value).is_ok()
            && name
                .parse::<tonic::metadata::MetadataKey<tonic::metadata::Ascii>>()
                .is_ok();
        if !ok {
            return Err(ForwardConfigError::Header {
                index,
                name: name.clone(),
            });
        }
    }
    for (field, zero) in [
        ("batch_max_items", config.batch_max_items == 0),
        ("queue_max_items", config.queue_max_items == 0),
        ("timeout", config.timeout.is_zero()),
        ("retry_initial_delay", config.retry_initial_delay.is_zero()),
    ] {
        if zero {
            return Err(ForwardConfigError::Zero { index, field });
        }
    }
    Ok(())
}

/// Passes pre-encoded bytes through; decodes the response with prost.
struct RawCodec<R>(PhantomData<R>);

struct RawEncoder;
struct ProstDecoder<R>(PhantomData<R>);

impl Encoder for RawEncoder {
    type Item = Bytes;
    type Error = tonic::Status;

    fn encode(&mut self, item: Bytes, dst: &mut EncodeBuf<'_>) -> Result<(), Self::Error> {
        dst.put(item);
        Ok(())
    }
}

impl<R: Message + Default> Decoder for ProstDecoder<R> {
    type Item = R;
    type Error = tonic::Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<R>, Self::Error> {
        let mut bytes = src.copy_to_bytes(src.remaining());
        R::decode(&mut bytes)
            .map(Some)
            .map_err(|e| tonic::Status::internal(format!("undecodable response: {e}")))
    }
}

impl<R: Message + Default + Send + 'static> Codec for RawCodec<R> {
    type Encode = Bytes;
    type Decode = R;
    type Encoder = RawEncoder;
    type Decoder = ProstDecoder<R>;

    fn encoder(&mut self) -> Self::Encoder {
        RawEncoder
    }

    fn decoder(&mut self) -> Self::Decoder {
        ProstDecoder(PhantomData)
    }
}

/// A connection to one destination.
pub(crate) enum Client {
    Grpc {
        channel: Channel,
        metadata: tonic::metadata::MetadataMap,
        gzip: bool,
    },
    Http {
        client: reqwest::Client,
        traces_url: String,
        logs_url: String,
        headers: http::HeaderMap,
        gzip: bool,
    },
}

fn cut(text: &str) -> String {
    text.chars().take(200).collect()
}

impl Client {
    /// Sets the client up. Must run inside a tokio runtime (the gRPC channel connects lazily in
    /// the background).
    pub(crate) fn new(config: &ForwardConfig) -> Result<Client, String> {
        let gzip = config.compression == Compression::Gzip;
        match config.protocol {
            Protocol::Grpc => {
                let endpoint = Endpoint::from_shared(config.endpoint.clone())
                    .map_err(|e| e.to_string())?
                    .timeout(config.timeout)
                    .connect_timeout(config.timeout);
                let mut metadata = tonic::metadata::MetadataMap::new();
                for (name, value) in &config.headers {
                    if let (Ok(k), Ok(v)) = (
                        name.parse::<tonic::metadata::MetadataKey<tonic::metadata::Ascii>>(),
                        value.parse(),
                    ) {
                        metadata.insert(k, v);
                    }
                }
                Ok(Client::Grpc {
                    channel: endpoint.connect_lazy(),
                    metadata,
                    gzip,
                })
            }
            Protocol::Http => {
                let client = reqwest::Client::builder()
                    .timeout(config.timeout)
                    .connect_timeout(config.timeout)
                    .build()
                    .map_err(|e| e.to_string())?;
                let base = config.endpoint.trim_end_matches('/');
                let mut headers = http::HeaderMap::new();
                for (name, value) in &config.headers {
                    if let (Ok(k), Ok(v)) = (
                        http::HeaderName::from_bytes(name.as_bytes()),
                        http::HeaderValue::from_str(value),
                    ) {
                        headers.insert(k, v);
                    }
                }
                Ok(Client::Http {
                    client,
                    traces_url: format!("{base}/v1/traces"),
                    logs_url: format!("{base}/v1/logs"),
                    headers,
                    gzip,
                })
            }
        }
    }

    /// Sends one encoded request. Returns how many items the destination rejected
    /// (`partial_success`).
    pub(crate) async fn send(&self, signal: Signal, body: Bytes) -> Result<u64, SendError> {
        match self {
            Client::Grpc {
                channel,
                metadata,
                gzip,
            } => {
                let mut grpc = tonic::client::Grpc::new(channel.clone());
                if *gzip {
                    grpc = grpc.send_compressed(CompressionEncoding::Gzip);
                }
                grpc.ready()
                    .await
                    .map_err(|e| SendError::Transport(format!("connection failed: {e}")))?;
                let mut request = tonic::Request::new(body);
                *request.metadata_mut() = metadata.clone();
                let result = match signal {
                    Signal::Traces => grpc
                        .unary(
                            request,
                            http::uri::PathAndQuery::from_static(
                                "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
                            ),
                            RawCodec::<ExportTraceServiceResponse>(PhantomData),
                        )
                        .await
                        .map(|r| {
                            r.into_inner()
                                .partial_success
                                .map_or(0, |p| p.rejected_spans.max(0) as u64)
                        }),
                    Signal::Logs => grpc
                        .unary(
                            request,
                            http::uri::PathAndQuery::from_static(
                                "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
                            ),
                            RawCodec::<ExportLogsServiceResponse>(PhantomData),
                        )
                        .await
                        .map(|r| {
                            r.into_inner()
                                .partial_success
                                .map_or(0, |p| p.rejected_log_records.max(0) as u64)
                        }),
                };
                result.map_err(|status| {
                    use tonic::Code;
                    // OTLP: these codes are retryable; everything else is permanent.
                    let retryable = matches!(
                        status.code(),
                        Code::Cancelled
                            | Code::DeadlineExceeded
                            | Code::Aborted
                            | Code::OutOfRange
                            | Code::Unavailable
                            | Code::DataLoss
                            | Code::ResourceExhausted
                    );
                    SendError::Status {
                        status: format!("{:?}", status.code()),
                        message: cut(status.message()),
                        retryable,
                        retry_after: None,
                    }
                })
            }
            Client::Http {
                client,
                traces_url,
                logs_url,
                headers,
                gzip,
            } => {
                let url = match signal {
                    Signal::Traces => traces_url,
                    Signal::Logs => logs_url,
                };
                let mut request = client
                    .post(url.as_str())
                    .headers(headers.clone())
                    .header(http::header::CONTENT_TYPE, "application/x-protobuf");
                let body = if *gzip {
                    request = request.header(http::header::CONTENT_ENCODING, "gzip");
                    Bytes::from(gzip_bytes(&body))
                } else {
                    body
                };
                let response = request
                    .body(body)
                    .send()
                    .await
                    .map_err(|e| SendError::Transport(format!("request failed: {e}")))?;
                let status = response.status();
                let retry_after = response
                    .headers()
                    .get(http::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(Duration::from_secs);
                let bytes = response.bytes().await.map_err(|e| {
                    SendError::Transport(format!("reading the response failed: {e}"))
                })?;
                if status.is_success() {
                    let rejected = match signal {
                        Signal::Traces => ExportTraceServiceResponse::decode(bytes)
                            .ok()
                            .and_then(|r| r.partial_success)
                            .map_or(0, |p| p.rejected_spans.max(0) as u64),
                        Signal::Logs => ExportLogsServiceResponse::decode(bytes)
                            .ok()
                            .and_then(|r| r.partial_success)
                            .map_or(0, |p| p.rejected_log_records.max(0) as u64),
                    };
                    return Ok(rejected);
                }
                Err(SendError::Status {
                    status: status.as_u16().to_string(),
                    message: cut(&String::from_utf8_lossy(&bytes)),
                    // OTLP/HTTP: retry 429, 502, 503, 504 only.
                    retryable: matches!(status.as_u16(), 429 | 502 | 503 | 504),
                    retry_after,
                })
            }
        }
    }
}

fn gzip_bytes(data: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(data.len() / 4),
        flate2::Compression::fast(),
    );
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(data);
    encoder.finish().unwrap_or_default()
}
