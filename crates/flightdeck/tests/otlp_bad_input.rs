//! Bad input at the OTLP receivers: clear errors, nothing stored from a bad request, partial
//! success for bad items, caps enforced without inflating bombs, and the server keeps serving.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write as _;
use std::net::SocketAddr;

use flightdeck::config::Config;
use flightdeck::serve::{Running, start};
use flightdeck_loadgen::{Generator, TrafficConfig, span_count};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message as _;
use serde_json::Value;

async fn server(dir: &tempfile::TempDir, max_body: usize) -> Running {
    let mut config = Config::default();
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    config.listen.otlp_grpc_addr = any;
    config.listen.otlp_http_addr = any;
    config.listen.http_addr = any;
    config.store.data_dir = dir.path().to_owned();
    config.limits.max_body_bytes = max_body;
    start(&config).await.unwrap()
}

async fn post(
    running: &Running,
    body: Vec<u8>,
    content_type: &str,
    encoding: Option<&str>,
) -> (u16, Vec<u8>) {
    let mut req = reqwest::Client::new()
        .post(format!("http://{}/v1/traces", running.otlp_http_addr))
        .header("content-type", content_type);
    if let Some(e) = encoding {
        req = req.header("content-encoding", e);
    }
    let r = req.body(body).send().await.unwrap();
    (r.status().as_u16(), r.bytes().await.unwrap().to_vec())
}

async fn stored_spans(running: &Running) -> u64 {
    let v: Value = reqwest::get(format!("http://{}/api/v1/stats", running.http_addr))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["store"]["spans"].as_u64().unwrap()
}

fn good_request() -> ExportTraceServiceRequest {
    Generator::new(TrafficConfig::default()).request(20)
}

/// Malformed protobuf and JSON are refused with 400 and a message that names the problem; nothing
/// is stored, and a good request right after succeeds.
#[tokio::test(flavor = "multi_thread")]
async fn malformed_bodies_are_refused_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let running = server(&dir, 1 << 20).await;

    let (status, body) = post(
        &running,
        vec![0x0a, 0xff, 0xff, 0xff, 0x0f],
        "application/x-protobuf",
        None,
    )
    .await;
    assert_eq!(status, 400);
    let status_msg = flightdeck_rpc_status_message(&body);
    assert!(
        status_msg.contains("invalid protobuf ExportTraceServiceRequest"),
        "{status_msg}"
    );

    let (status, body) = post(
        &running,
        br#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":7}]}]}]}"#.to_vec(),
        "application/json",
        None,
    )
    .await;
    assert_eq!(status, 400);
    let v: Value = serde_json::from_slice(&body).unwrap();
    let msg = v["message"].as_str().unwrap();
    assert!(
        msg.contains("resourceSpans[0].scopeSpans[0].spans[0].name"),
        "{msg}"
    );

    let (status, _) = post(&running, b"{}".to_vec(), "text/plain", None).await;
    assert_eq!(status, 415);
    assert_eq!(stored_spans(&running).await, 0);

    let request = good_request();
    let n = span_count(&request) as u64;
    let (status, _) = post(
        &running,
        request.encode_to_vec(),
        "application/x-protobuf",
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(stored_spans(&running).await, n);
    running.stop().await.unwrap();
}

/// Sends arbitrary bytes as the message of a gRPC trace export.
async fn raw_grpc_export(running: &Running, payload: Vec<u8>) -> tonic::Status {
    use bytes::{Buf, BufMut, Bytes};
    use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
    #[derive(Clone, Default)]
    struct Raw;
    impl Codec for Raw {
        type Encode = Vec<u8>;
        type Decode = Bytes;
        type Encoder = Raw;
        type Decoder = Raw;
        fn encoder(&mut self) -> Raw {
            Raw
        }
        fn decoder(&mut self) -> Raw {
            Raw
        }
    }
    impl Encoder for Raw {
        type Item = Vec<u8>;
        type Error = tonic::Status;
        fn encode(&mut self, item: Vec<u8>, dst: &mut EncodeBuf<'_>) -> Result<(), tonic::Status> {
            dst.put_slice(&item);
            Ok(())
        }
    }
    impl Decoder for Raw {
        type Item = Bytes;
        type Error = tonic::Status;
        fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Bytes>, tonic::Status> {
            Ok(Some(src.copy_to_bytes(src.remaining())))
        }
    }
    let channel =
        tonic::transport::Endpoint::from_shared(format!("http://{}", running.otlp_grpc_addr))
            .unwrap()
            .connect()
            .await
            .unwrap();
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready().await.unwrap();
    let path = http::uri::PathAndQuery::from_static(
        "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
    );
    grpc.unary::<Vec<u8>, Bytes, Raw>(tonic::Request::new(payload), path, Raw)
        .await
        .unwrap_err()
}

fn flightdeck_rpc_status_message(body: &[u8]) -> String {
    // google.rpc.Status: field 2 is the message.
    #[derive(Clone, PartialEq, prost::Message)]
    struct RpcStatus {
        #[prost(int32, tag = "1")]
        code: i32,
        #[prost(string, tag = "2")]
        message: String,
    }
    RpcStatus::decode(body).unwrap().message
}

/// Spans with invalid ids are rejected one by one; the rest are stored and the response's
/// `partial_success` carries the count and the reason.
#[tokio::test(flavor = "multi_thread")]
async fn invalid_ids_give_partial_success() {
    let dir = tempfile::tempdir().unwrap();
    let running = server(&dir, 1 << 20).await;
    let mut request = good_request();
    let total = span_count(&request) as u64;
    let spans = &mut request.resource_spans[0].scope_spans[0].spans;
    spans[0].trace_id = vec![1; 12];
    spans[1].span_id = vec![0; 8];
    let (status, body) = post(
        &running,
        request.encode_to_vec(),
        "application/x-protobuf",
        None,
    )
    .await;
    assert_eq!(status, 200);
    let response =
        opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceResponse::decode(
            &body[..],
        )
        .unwrap();
    let partial = response.partial_success.unwrap();
    assert_eq!(partial.rejected_spans, 2);
    assert!(
        partial
            .error_message
            .contains("trace_id must be 16 bytes, got 12"),
        "{}",
        partial.error_message
    );
    assert!(
        partial
            .error_message
            .contains("span_id must not be all zeros"),
        "{}",
        partial.error_message
    );
    assert_eq!(stored_spans(&running).await, total - 2);

    // The same through OTLP/JSON, answered in JSON.
    let mut request = good_request();
    request.resource_spans[0].scope_spans[0].spans[0].trace_id = vec![1; 12];
    let (status, body) = post(
        &running,
        serde_json::to_vec(&request).unwrap(),
        "application/json",
        None,
    )
    .await;
    assert_eq!(status, 200);
    let v: Value = serde_json::from_slice(&body).unwrap();
    let rejected = &v["partialSuccess"]["rejectedSpans"];
    assert!(rejected == 1 || rejected == "1", "{v}");
    running.stop().await.unwrap();
}

/// Bodies over the cap, as sent or after decompression, get 413 without inflating the bomb.
#[tokio::test(flavor = "multi_thread")]
async fn oversized_bodies_and_gzip_bombs_get_413() {
    let dir = tempfile::tempdir().unwrap();
    let running = server(&dir, 64 * 1024).await;
    let (status, _) = post(
        &running,
        vec![0u8; 100 * 1024],
        "application/x-protobuf",
        None,
    )
    .await;
    assert_eq!(status, 413);

    // 1 GiB of zeros compresses to about 1 MB; the server must stop at the 64 KiB cap.
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..1024 {
        enc.write_all(&zeros).unwrap();
    }
    let bomb = enc.finish().unwrap();
    let bomb = bomb[..bomb.len().min(60 * 1024)].to_vec(); // stay under the raw cap
    let (status, body) = post(&running, bomb, "application/x-protobuf", Some("gzip")).await;
    assert_eq!(status, 413, "{}", String::from_utf8_lossy(&body));
    assert!(flightdeck_rpc_status_message(&body).contains("after decompression"));

    let (status, _) = post(
        &running,
        b"x".to_vec(),
        "application/x-protobuf",
        Some("br"),
    )
    .await;
    assert_eq!(status, 415);
    let (status, _) = post(
        &running,
        b"not gzip".to_vec(),
        "application/x-protobuf",
        Some("gzip"),
    )
    .await;
    assert_eq!(status, 400);

    let stats: Value = reqwest::get(format!("http://{}/api/v1/stats", running.http_addr))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["ingest"]["too_large"], 2);
    assert!(stats["ingest"]["recent_rejections"][0]["message"].is_string());
    running.stop().await.unwrap();
}

/// gRPC: a gzip bomb is RESOURCE_EXHAUSTED, a good request is stored, invalid ids are reported
/// in `partial_success`.
#[tokio::test(flavor = "multi_thread")]
async fn grpc_limits_and_partial_success() {
    use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;
    let dir = tempfile::tempdir().unwrap();
    let running = server(&dir, 256 * 1024).await;
    let mut client = TraceServiceClient::connect(format!("http://{}", running.otlp_grpc_addr))
        .await
        .unwrap()
        .send_compressed(tonic::codec::CompressionEncoding::Gzip);

    let mut big = good_request();
    big.resource_spans[0].scope_spans[0].spans[0].name = "x".repeat(1 << 20);
    let err = client.export(big.clone()).await.unwrap_err();
    assert_eq!(err.code(), tonic::Code::ResourceExhausted, "{err}");
    // Uncompressed and over the cap as sent.
    let mut plain = TraceServiceClient::connect(format!("http://{}", running.otlp_grpc_addr))
        .await
        .unwrap();
    let err = plain.export(big).await.unwrap_err();
    assert_eq!(err.code(), tonic::Code::ResourceExhausted, "{err}");

    // Malformed protobuf inside valid gRPC framing.
    let err = raw_grpc_export(&running, vec![0x0a, 0xff, 0xff, 0xff, 0x0f]).await;
    assert_eq!(err.code(), tonic::Code::InvalidArgument, "{err}");
    assert!(
        err.message()
            .contains("invalid protobuf ExportTraceServiceRequest"),
        "{err}"
    );

    let mut request = good_request();
    let total = span_count(&request) as u64;
    request.resource_spans[0].scope_spans[0].spans[0].span_id = vec![7; 3];
    let response = client.export(request).await.unwrap().into_inner();
    let partial = response.partial_success.unwrap();
    assert_eq!(partial.rejected_spans, 1);
    assert!(
        partial
            .error_message
            .contains("span_id must be 8 bytes, got 3")
    );
    assert_eq!(stored_spans(&running).await, total - 1);
    running.stop().await.unwrap();
}
