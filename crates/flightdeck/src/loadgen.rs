//! `flightdeck loadgen`: sends realistic GenAI OTLP traffic and checks that every span sent was
//! stored (sent = stored + reported rejections).

use std::io::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use bytes::Bytes;
use flightdeck_loadgen::{Dialect, Generator, TrafficConfig, span_count};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;
use prost::Message as _;
use serde_json::Value;

use crate::client::{ApiArgs, get, write_stdout};

/// Transport and encoding of the generated traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Protocol {
    /// OTLP/gRPC.
    Grpc,
    /// OTLP/HTTP with protobuf bodies.
    Http,
    /// OTLP/HTTP with JSON bodies.
    HttpJson,
}

/// Request compression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Compression {
    /// gzip (the OTLP default).
    Gzip,
    /// zstd.
    Zstd,
    /// No compression.
    None,
}

/// Flags of `flightdeck loadgen`.
#[derive(Debug, Clone, clap::Args)]
pub struct LoadgenArgs {
    /// OTLP endpoint: host:port of the gRPC receiver, or the base URL of the HTTP receiver.
    #[arg(long, default_value = "127.0.0.1:4317")]
    pub endpoint: String,
    /// Transport and encoding.
    #[arg(long, value_enum, default_value_t = Protocol::Grpc)]
    pub protocol: Protocol,
    /// Total spans to send (whole traces, so slightly more may be sent).
    #[arg(long, default_value_t = 200_000)]
    pub spans: u64,
    /// Target rate in spans per second across all connections; 0 sends as fast as possible.
    #[arg(long, default_value_t = 0)]
    pub rate: u64,
    /// Concurrent connections, each sending one request at a time.
    #[arg(long, default_value_t = 4)]
    pub connections: usize,
    /// Spans per export request (whole traces are packed until this is reached).
    #[arg(long, default_value_t = 20)]
    pub spans_per_request: usize,
    /// Include prompt and completion content (~2 KB per model call).
    #[arg(long)]
    pub content: bool,
    /// Attribute dialects: `current` conventions only, or a `mixed` set of instrumentations.
    #[arg(long, default_value = "current", value_parser = ["current", "mixed"])]
    pub dialect: String,
    /// Request compression.
    #[arg(long, value_enum, default_value_t = Compression::Gzip)]
    pub compression: Compression,
    /// Build every request before the clock starts, so generation cost is not measured.
    #[arg(long)]
    pub pregenerate: bool,
    /// Spread trace start times over this much time ending now (e.g. 24h), instead of
    /// real-time-like timestamps; for filling a store with hours of history.
    #[arg(long, value_name = "DURATION")]
    pub spread: Option<humantime::Duration>,
    /// Random seed (each connection derives its own).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Do not compare against the server's stored count afterwards.
    #[arg(long)]
    pub no_verify: bool,
    /// Where the server's API is, for the stored-count check.
    #[command(flatten)]
    pub api: ApiArgs,
}

#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    spans_sent: AtomicU64,
    spans_acked: AtomicU64,
    spans_rejected: AtomicU64,
    refusals: AtomicU64,
    failures: AtomicU64,
}

enum Body {
    Grpc(ExportTraceServiceRequest),
    Http(Bytes),
}

fn encode(args: &LoadgenArgs, request: ExportTraceServiceRequest) -> anyhow::Result<Body> {
    if args.protocol == Protocol::Grpc {
        return Ok(Body::Grpc(request));
    }
    let raw = match args.protocol {
        Protocol::HttpJson => serde_json::to_vec(&request)?,
        _ => request.encode_to_vec(),
    };
    let body = match args.compression {
        Compression::None => raw,
        Compression::Gzip => {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            enc.write_all(&raw)?;
            enc.finish()?
        }
        Compression::Zstd => zstd_compress(&raw)?,
    };
    Ok(Body::Http(Bytes::from(body)))
}

fn zstd_compress(raw: &[u8]) -> anyhow::Result<Vec<u8>> {
    Ok(zstd::bulk::compress(raw, 1)?)
}

fn generator(args: &LoadgenArgs, worker: usize) -> Generator {
    // With --spread, every worker walks the whole period; ~17 spans per trace on average.
    let (base_time_ns, trace_interval_ns) = match args.spread {
        Some(spread) => {
            let spread = spread.as_nanos() as u64;
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or_default();
            let traces_per_worker = (args.spans / args.connections.max(1) as u64 / 17).max(1);
            (now.saturating_sub(spread), spread / traces_per_worker)
        }
        None => (0, 0),
    };
    Generator::new(TrafficConfig {
        base_time_ns,
        trace_interval_ns,
        content: args.content,
        dialect: if args.dialect == "mixed" {
            Dialect::Mixed
        } else {
            Dialect::Current
        },
        seed: args
            .seed
            .wrapping_mul(1_000_003)
            .wrapping_add(worker as u64),
        ..TrafficConfig::default()
    })
}

/// Runs the load and prints a report; fails if spans went missing.
pub async fn run(args: LoadgenArgs) -> anyhow::Result<()> {
    let args = Arc::new(args);
    let before = if args.no_verify {
        None
    } else {
        Some(get(&args.api, "/api/v1/stats", &[]).await.context(
            "cannot read the server's stats before the run (use --no-verify to skip the check)",
        )?)
    };
    let connections = args.connections.max(1);
    let per_worker = args.spans.div_ceil(connections as u64);

    // Optionally build everything up front.
    let mut prebuilt: Vec<Option<Vec<(Body, u64)>>> = (0..connections).map(|_| None).collect();
    if args.pregenerate {
        let started = Instant::now();
        let handles: Vec<_> = (0..connections)
            .map(|w| {
                let args = Arc::clone(&args);
                std::thread::spawn(move || -> anyhow::Result<Vec<(Body, u64)>> {
                    let mut generator = generator(&args, w);
                    let mut out = Vec::new();
                    let mut spans = 0;
                    while spans < per_worker {
                        let request = generator.request(args.spans_per_request);
                        let n = span_count(&request) as u64;
                        spans += n;
                        out.push((encode(&args, request)?, n));
                    }
                    Ok(out)
                })
            })
            .collect();
        for (w, handle) in handles.into_iter().enumerate() {
            let built = handle
                .join()
                .map_err(|_| anyhow::anyhow!("a generator thread panicked"))??;
            prebuilt[w] = Some(built);
        }
        tracing::info!("pre-generated requests in {:.1?}", started.elapsed());
    }

    let counters = Arc::new(Counters::default());
    let started = Instant::now();
    let cpu_before = flightdeck_server::process::cpu_seconds();
    let mut tasks = tokio::task::JoinSet::new();
    for (w, built) in prebuilt.into_iter().enumerate() {
        let args = Arc::clone(&args);
        let counters = Arc::clone(&counters);
        tasks.spawn(async move { worker(args, w, connections, per_worker, built, counters).await });
    }
    let progress = {
        let counters = Arc::clone(&counters);
        let total = per_worker * connections as u64;
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(5)).await;
                let acked = counters.spans_acked.load(Relaxed);
                tracing::info!(
                    "{acked}/{total} spans acknowledged ({:.0} spans/s)",
                    acked as f64 / started.elapsed().as_secs_f64()
                );
            }
        })
    };
    while let Some(result) = tasks.join_next().await {
        result??;
    }
    progress.abort();
    let elapsed = started.elapsed();
    let cpu = flightdeck_server::process::cpu_seconds() - cpu_before;

    let sent = counters.spans_sent.load(Relaxed);
    let acked = counters.spans_acked.load(Relaxed);
    let rejected = counters.spans_rejected.load(Relaxed);
    let mut report = vec![
        format!(
            "protocol:        {:?}, compression {:?}, {} connections, ~{} spans/request{}",
            args.protocol,
            args.compression,
            connections,
            args.spans_per_request,
            if args.content { ", with content" } else { "" }
        ),
        format!("requests:        {}", counters.requests.load(Relaxed)),
        format!("spans sent:      {sent}"),
        format!("spans acked:     {acked} ({rejected} rejected by the server as invalid)"),
        format!(
            "retries:         {} (server said busy), {} failed requests",
            counters.refusals.load(Relaxed),
            counters.failures.load(Relaxed)
        ),
        format!("elapsed:         {:.2} s", elapsed.as_secs_f64()),
        format!(
            "throughput:      {:.0} spans/s acknowledged (durable)",
            acked as f64 / elapsed.as_secs_f64()
        ),
        format!(
            "loadgen CPU:     {:.1} s ({:.0}% of one core)",
            cpu,
            100.0 * cpu / elapsed.as_secs_f64()
        ),
    ];
    let mut missing = 0;
    if let Some(before) = before {
        let after = get(&args.api, "/api/v1/stats", &[]).await?;
        let stored = |v: &Value| v["store"]["spans"].as_u64().unwrap_or(0);
        let delta = stored(&after).saturating_sub(stored(&before));
        missing = acked as i64 - delta as i64;
        report.push(format!(
            "server stored:   {delta} new spans ({})",
            if missing == 0 {
                "all acknowledged spans are stored".to_owned()
            } else {
                format!("{missing} acknowledged spans NOT stored")
            }
        ));
        if let (Some(cpu_after), Some(cpu_before)) = (
            after["process"]["cpu_seconds"].as_f64(),
            before["process"]["cpu_seconds"].as_f64(),
        ) {
            report.push(format!(
                "server CPU:      {:.1} s ({:.0}% of one core), RSS {} MiB",
                cpu_after - cpu_before,
                100.0 * (cpu_after - cpu_before) / elapsed.as_secs_f64(),
                after["process"]["rss_bytes"].as_u64().unwrap_or(0) / (1 << 20)
            ));
        }
    }
    write_stdout(&report.join("\n"))?;
    let failures = counters.failures.load(Relaxed);
    if failures > 0 {
        bail!("{failures} requests failed (see the warnings above)");
    }
    if missing != 0 {
        bail!(
            "{missing} acknowledged spans are missing from the store (other traffic during the run also changes the count)"
        );
    }
    Ok(())
}

async fn worker(
    args: Arc<LoadgenArgs>,
    index: usize,
    connections: usize,
    quota: u64,
    prebuilt: Option<Vec<(Body, u64)>>,
    counters: Arc<Counters>,
) -> anyhow::Result<()> {
    let mut generator = generator(&args, index);
    let mut prebuilt = prebuilt.map(|v| v.into_iter());
    let mut grpc = if args.protocol == Protocol::Grpc {
        let url = if args.endpoint.starts_with("http") {
            args.endpoint.clone()
        } else {
            format!("http://{}", args.endpoint)
        };
        let mut client = TraceServiceClient::connect(url.clone())
            .await
            .with_context(|| format!("failed to connect to OTLP/gRPC at {url}"))?
            .max_decoding_message_size(64 << 20);
        client = match args.compression {
            Compression::Gzip => client.send_compressed(tonic::codec::CompressionEncoding::Gzip),
            Compression::Zstd => client.send_compressed(tonic::codec::CompressionEncoding::Zstd),
            Compression::None => client,
        };
        Some(client)
    } else {
        None
    };
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .build()?;
    let url = format!(
        "{}/v1/traces",
        if args.endpoint.starts_with("http") {
            args.endpoint.trim_end_matches('/').to_owned()
        } else {
            format!("http://{}", args.endpoint)
        }
    );
    let per_worker_rate = (args.rate as f64 / connections as f64).max(0.0);
    let started = Instant::now();
    let mut sent = 0u64;
    while sent < quota {
        let (body, n) = match prebuilt.as_mut() {
            Some(iter) => match iter.next() {
                Some(item) => item,
                None => break,
            },
            None => {
                let request = generator.request(args.spans_per_request);
                let n = span_count(&request) as u64;
                (encode(&args, request)?, n)
            }
        };
        if per_worker_rate > 0.0 {
            let due = Duration::from_secs_f64(sent as f64 / per_worker_rate);
            if let Some(wait) = due.checked_sub(started.elapsed()) {
                tokio::time::sleep(wait).await;
            }
        }
        sent += n;
        counters.spans_sent.fetch_add(n, Relaxed);
        let mut backoff = Duration::from_millis(50);
        loop {
            counters.requests.fetch_add(1, Relaxed);
            let outcome = match (&body, grpc.as_mut()) {
                (Body::Grpc(request), Some(client)) => send_grpc(client, request.clone()).await,
                (Body::Http(bytes), _) => send_http(&http, &url, &args, bytes.clone()).await,
                _ => unreachable!("body kind follows the protocol"),
            };
            match outcome {
                Sent::Ok { rejected } => {
                    counters.spans_acked.fetch_add(n - rejected.min(n), Relaxed);
                    counters.spans_rejected.fetch_add(rejected.min(n), Relaxed);
                    break;
                }
                Sent::Retry(after) => {
                    counters.refusals.fetch_add(1, Relaxed);
                    tokio::time::sleep(after.unwrap_or(backoff)).await;
                    backoff = (backoff * 2).min(Duration::from_secs(2));
                }
                Sent::Failed(why) => {
                    counters.failures.fetch_add(1, Relaxed);
                    tracing::warn!("request failed: {why}");
                    break;
                }
            }
        }
    }
    Ok(())
}

enum Sent {
    Ok { rejected: u64 },
    Retry(Option<Duration>),
    Failed(String),
}

async fn send_grpc(
    client: &mut TraceServiceClient<tonic::transport::Channel>,
    request: ExportTraceServiceRequest,
) -> Sent {
    match client.export(request).await {
        Ok(response) => Sent::Ok {
            rejected: response
                .into_inner()
                .partial_success
                .map(|p| p.rejected_spans.max(0) as u64)
                .unwrap_or(0),
        },
        Err(status) if status.code() == tonic::Code::Unavailable => Sent::Retry(None),
        Err(status) => Sent::Failed(format!("{:?}: {}", status.code(), status.message())),
    }
}

async fn send_http(client: &reqwest::Client, url: &str, args: &LoadgenArgs, body: Bytes) -> Sent {
    let mut request = client.post(url).header(
        "content-type",
        if args.protocol == Protocol::HttpJson {
            "application/json"
        } else {
            "application/x-protobuf"
        },
    );
    match args.compression {
        Compression::Gzip => request = request.header("content-encoding", "gzip"),
        Compression::Zstd => request = request.header("content-encoding", "zstd"),
        Compression::None => {}
    }
    let response = match request.body(body).send().await {
        Ok(r) => r,
        Err(e) => return Sent::Failed(e.to_string()),
    };
    let status = response.status();
    if status.as_u16() == 429 || status.as_u16() == 503 {
        let after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .map(Duration::from_secs);
        return Sent::Retry(after);
    }
    let bytes = match response.bytes().await {
        Ok(b) => b,
        Err(e) => return Sent::Failed(e.to_string()),
    };
    if !status.is_success() {
        return Sent::Failed(format!("{status}: {}", String::from_utf8_lossy(&bytes)));
    }
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceResponse;
    let rejected = if args.protocol == Protocol::HttpJson {
        serde_json::from_slice::<Value>(&bytes)
            .ok()
            .and_then(|v| {
                let r = &v["partialSuccess"]["rejectedSpans"];
                r.as_u64()
                    .or_else(|| r.as_str().and_then(|s| s.parse().ok()))
            })
            .unwrap_or(0)
    } else {
        ExportTraceServiceResponse::decode(bytes)
            .ok()
            .and_then(|r| r.partial_success)
            .map(|p| p.rejected_spans.max(0) as u64)
            .unwrap_or(0)
    };
    Sent::Ok { rejected }
}
