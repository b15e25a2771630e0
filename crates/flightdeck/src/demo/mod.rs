//! `flightdeck demo`: the server, a mock LLM provider and a continuous, realistic workload
//! instrumented with `flightdeck-sdk`, all in one process, so the UI, API and MCP tools have
//! something to show within seconds.
//!
//! The workload (see each module):
//!
//! * [`rag`]: a support service answering questions from a knowledge base (embeddings,
//!   retrieval with scored documents, streamed chat), in two versions with two models;
//! * [`agents`]: planner → coder → reviewer agents with tool calls, a hop through an in-process
//!   queue with the trace context in the message headers, and a coder that sometimes loops;
//! * [`batch`]: a job whose runs link to the requests they processed;
//! * failures throughout: 429s (retried), timeouts, context-window overflows, stream errors.
//!
//! Spans go over OTLP/HTTP to the in-process server like any application's; message content
//! is captured so the UI can show conversations.

pub mod agents;
pub mod anthropic;
pub mod batch;
pub mod knowledge;
pub mod rag;
pub mod telemetry;
pub mod world;

use std::io::{IsTerminal as _, Write as _};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use flightdeck_mockllm::{Behavior, BehaviorOverride, MockLlm, MockLlmConfig};
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinSet;

use crate::config::Config;
use telemetry::{Endpoints, Service};
use world::{Counters, People, World};

/// Most requests in flight; ticks beyond it are skipped (and counted).
const MAX_IN_FLIGHT: usize = 256;
/// Capacity of the queue between the orchestrator and the review worker.
const QUEUE_CAPACITY: usize = 256;
/// Timeout of one model request (the mock's timeouts hang longer).
const MODEL_TIMEOUT: Duration = Duration::from_secs(4);
/// How long a timed-out request hangs in the mock before its 504.
const MOCK_TIMEOUT_HANG: Duration = Duration::from_secs(10);
/// Size of the log file some users paste (more than the 128k-token context window).
const ATTACHMENT_TOKENS: usize = 140_000;
/// How long requests in flight may finish at shutdown.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(15);

/// Flags of `flightdeck demo`.
#[derive(Debug, Clone, clap::Args)]
pub struct DemoArgs {
    /// Data directory of the demo's store, created if needed and kept afterwards (look at it
    /// again with `flightdeck serve --data-dir DIR`; delete it to start afresh).
    #[arg(long, default_value = "./flightdeck-demo-data", value_name = "DIR")]
    pub data_dir: PathBuf,
    /// Address for OTLP/gRPC (other applications can send here too).
    #[arg(long, default_value = "127.0.0.1:4317", value_name = "ADDR")]
    pub otlp_grpc_addr: SocketAddr,
    /// Address for OTLP/HTTP (the demo's services export here).
    #[arg(long, default_value = "127.0.0.1:4318", value_name = "ADDR")]
    pub otlp_http_addr: SocketAddr,
    /// Address for the HTTP API, web UI and MCP endpoint.
    #[arg(long, default_value = "127.0.0.1:4320", value_name = "ADDR")]
    pub http_addr: SocketAddr,
    /// Address of the in-process mock LLM provider (OpenAI- and Anthropic-compatible); port 0
    /// picks a free port.
    #[arg(long, default_value = "127.0.0.1:0", value_name = "ADDR")]
    pub mock_llm_addr: SocketAddr,
    /// User requests per second (RAG questions and agent tasks together), from 0.1 to 200.
    #[arg(long, default_value_t = 2.0, value_name = "N")]
    pub rate: f64,
    /// Stop after this long (e.g. 30s, 10m); without it the demo runs until Ctrl-C.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub duration: Option<Duration>,
    /// Time between runs of the batch job.
    #[arg(long, default_value = "5s", value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub batch_interval: Duration,
    /// Seed of the workload and of the mock provider: the same seed gives the same sequence
    /// of scenarios, users and model answers.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

/// The mock provider's behaviour in the demo: realistic latencies per model and a few
/// failures of every kind.
pub fn mock_config(seed: u64) -> MockLlmConfig {
    let defaults = Behavior {
        base_latency: Duration::from_millis(40),
        time_to_first_token: Duration::from_millis(250),
        tokens_per_second: 90.0,
        jitter: 0.35,
        error_rate: 0.005,
        rate_limit_rate: 0.03,
        retry_after: Duration::from_secs(1),
        timeout_rate: 0.0,
        timeout_hang: MOCK_TIMEOUT_HANG,
        stream_error_rate: 0.01,
        context_window: 128_000,
        min_output_tokens: 24,
        max_output_tokens: 120,
        embedding_dimensions: rag::EMBEDDING_DIMENSIONS,
        cache_min_tokens: 1024,
    };
    let mut config = MockLlmConfig {
        seed,
        defaults,
        ..MockLlmConfig::default()
    };
    let models = [
        (
            world::STABLE_MODEL,
            BehaviorOverride {
                time_to_first_token: Some(Duration::from_millis(350)),
                tokens_per_second: Some(85.0),
                timeout_rate: Some(0.01),
                ..BehaviorOverride::default()
            },
        ),
        (
            world::CANARY_MODEL,
            BehaviorOverride {
                time_to_first_token: Some(Duration::from_millis(220)),
                tokens_per_second: Some(140.0),
                max_output_tokens: Some(200),
                rate_limit_rate: Some(0.06),
                ..BehaviorOverride::default()
            },
        ),
        (
            world::AGENT_MODEL,
            BehaviorOverride {
                time_to_first_token: Some(Duration::from_millis(500)),
                tokens_per_second: Some(60.0),
                timeout_rate: Some(0.03),
                ..BehaviorOverride::default()
            },
        ),
        (
            agents::REVIEW_MODEL,
            BehaviorOverride {
                time_to_first_token: Some(Duration::from_millis(400)),
                tokens_per_second: Some(70.0),
                ..BehaviorOverride::default()
            },
        ),
        (
            world::EMBEDDING_MODEL,
            BehaviorOverride {
                base_latency: Some(Duration::from_millis(60)),
                rate_limit_rate: Some(0.01),
                context_window: Some(8191),
                ..BehaviorOverride::default()
            },
        ),
    ];
    for (name, behavior) in models {
        config.models.insert(name.to_owned(), behavior);
    }
    config
}

/// What the scheduler starts at a tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scenario {
    Rag,
    LongContextRag,
    Agents,
}

/// The scenario of tick `n`: the first ticks show each kind once, then 67% RAG questions
/// (3% of all with a pasted log file that overflows the context window) and 30% agent tasks.
fn scenario(n: u64, rng: &mut StdRng) -> Scenario {
    match n {
        0 | 2 => Scenario::Rag,
        1 => Scenario::Agents,
        3 => Scenario::LongContextRag,
        _ => {
            let r: f64 = rng.random();
            if r < 0.03 {
                Scenario::LongContextRag
            } else if r < 0.33 {
                Scenario::Agents
            } else {
                Scenario::Rag
            }
        }
    }
}

/// An address to connect to for a bound one (the unspecified address becomes loopback).
fn connectable(addr: SocketAddr) -> SocketAddr {
    if addr.ip().is_unspecified() {
        SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), addr.port())
    } else {
        addr
    }
}

/// Refuses to start when an address is taken or two are the same (before the store is
/// opened), naming the flag to change.
fn check_addresses(args: &DemoArgs) -> anyhow::Result<()> {
    let addresses = [
        ("OTLP/gRPC", "--otlp-grpc-addr", args.otlp_grpc_addr),
        ("OTLP/HTTP", "--otlp-http-addr", args.otlp_http_addr),
        ("HTTP API and UI", "--http-addr", args.http_addr),
        ("mock LLM", "--mock-llm-addr", args.mock_llm_addr),
    ];
    for (i, (what, flag, addr)) in addresses.iter().enumerate() {
        if addr.port() == 0 {
            continue;
        }
        if let Some((other, _, _)) = addresses[..i].iter().find(|(_, _, a)| a == addr) {
            bail!(
                "the {what} address {addr} is also the {other} address; choose another with {flag}"
            );
        }
        if let Err(e) = std::net::TcpListener::bind(addr) {
            bail!(
                "cannot listen for {what} on {addr}: {e} (is `flightdeck serve` or another demo running? stop it, or choose another address with {flag})"
            );
        }
    }
    Ok(())
}

/// Builds the five services (exporters are created on a blocking thread).
async fn services(endpoints: Endpoints) -> anyhow::Result<[Service; 5]> {
    tokio::task::spawn_blocking(move || {
        Ok([
            Service::new(world::RAG_SERVICE, world::STABLE_VERSION, &endpoints)?,
            Service::new(world::RAG_SERVICE, world::CANARY_VERSION, &endpoints)?,
            Service::new(world::ORCHESTRATOR_SERVICE, "2.3.1", &endpoints)?,
            Service::new(world::REVIEWER_SERVICE, "2.3.1", &endpoints)?,
            Service::new(world::BATCH_SERVICE, "0.9.0", &endpoints)?,
        ])
    })
    .await?
}

#[allow(clippy::print_stdout)] // the command's output
fn banner(args: &DemoArgs, running: &crate::serve::Running, mock: &SocketAddr) {
    let http = connectable(running.http_addr);
    let duration = match args.duration {
        Some(d) => format!("for {}", humantime::format_duration(d)),
        None => "until Ctrl-C".to_owned(),
    };
    println!(
        "Flightdeck demo: a RAG support service (versions {} and {}, models {} and {}), \
         planner → coder → reviewer agents with a queue hop, and a batch job, with 429s, \
         timeouts and context-window errors, at {} requests/s {duration}.\n\
         \n  web UI    http://{http}\n  API       http://{http}/api/v1/traces?since=15m\n  \
         MCP       http://{http}/mcp  (or `flightdeck mcp --api http://{http}`)\n  \
         OTLP      gRPC {}  HTTP http://{}\n  mock LLM  http://{mock}/v1  (OpenAI and Anthropic APIs)\n  \
         data      {}\n",
        world::STABLE_VERSION,
        world::CANARY_VERSION,
        world::STABLE_MODEL,
        world::CANARY_MODEL,
        args.rate,
        running.otlp_grpc_addr,
        running.otlp_http_addr,
        running.database_path().display(),
    );
}

fn progress_line(counters: &Counters, stored: u64, elapsed: Duration) -> String {
    let skipped = match Counters::get(&counters.skipped) {
        0 => String::new(),
        n => format!(" ({n} skipped: too many in flight)"),
    };
    format!(
        "[{}] sent {} questions, {} agent tasks ({} reviewed), {} batch runs{skipped}; {} failed; {} spans stored",
        humantime::format_duration(Duration::from_secs(elapsed.as_secs())),
        Counters::get(&counters.rag),
        Counters::get(&counters.agents),
        Counters::get(&counters.reviews),
        Counters::get(&counters.batches),
        Counters::get(&counters.failed),
        stored,
    )
}

/// Prints progress: one updating line on a terminal, a line every 10 s otherwise.
struct Progress {
    terminal: bool,
    last_line: Instant,
}

impl Progress {
    fn interval(&self) -> Duration {
        if self.terminal {
            Duration::from_secs(1)
        } else {
            Duration::from_secs(10)
        }
    }

    #[allow(clippy::print_stdout)] // the command's output
    fn show(&mut self, line: &str) {
        let mut out = std::io::stdout().lock();
        if self.terminal {
            let _ = write!(out, "\r\x1b[2K{line}");
        } else {
            let _ = writeln!(out, "{line}");
        }
        let _ = out.flush();
        self.last_line = Instant::now();
    }

    #[allow(clippy::print_stdout)] // the command's output
    fn finish(&self) {
        if self.terminal {
            println!();
        }
    }
}

/// Runs the demo until Ctrl-C / SIGTERM or `--duration`.
pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    if !(args.rate.is_finite() && (0.1..=200.0).contains(&args.rate)) {
        bail!(
            "--rate must be from 0.1 to 200 requests per second, got {}",
            args.rate
        );
    }
    if args.batch_interval < Duration::from_millis(100) {
        bail!("--batch-interval must be at least 100ms");
    }
    check_addresses(&args)?;
    let mut config = Config::default();
    config.listen.otlp_grpc_addr = args.otlp_grpc_addr;
    config.listen.otlp_http_addr = args.otlp_http_addr;
    config.listen.http_addr = args.http_addr;
    config.store.data_dir = args.data_dir.clone();
    let running = crate::serve::start(&config).await?;

    let mock = MockLlm::builder()
        .with_config(mock_config(args.seed))
        .build()
        .context("invalid mock LLM configuration")?
        .spawn(&args.mock_llm_addr.to_string())
        .await
        .with_context(|| {
            format!(
                "failed to listen for the mock LLM on {}",
                args.mock_llm_addr
            )
        })?;
    let endpoints = Endpoints {
        otlp_http: format!("http://{}", connectable(running.otlp_http_addr)),
        openai_base_url: format!("http://{}/v1", connectable(mock.addr())),
        model_timeout: MODEL_TIMEOUT,
    };
    let anthropic = anthropic::AnthropicClient::new(
        &format!("http://{}", connectable(mock.addr())),
        MODEL_TIMEOUT,
    )?;
    let [rag_stable, rag_canary, orchestrator, reviewer, batch] = services(endpoints).await?;
    let index = rag::build_index(&rag_stable).await;
    let (queue, queue_rx) = mpsc::channel(QUEUE_CAPACITY);
    let run_id = format!(
        "{:06x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
            & 0xff_ffff
    );
    let world = Arc::new(World {
        rag_stable,
        rag_canary,
        orchestrator,
        reviewer,
        anthropic,
        batch,
        index,
        people: People::new(run_id.clone()),
        queue,
        pending_for_batch: Default::default(),
        counters: Counters::default(),
        attachment: world::log_attachment(ATTACHMENT_TOKENS),
        run: run_id,
    });
    let (stop_worker, stop_rx) = watch::channel(false);
    let worker = tokio::spawn(agents::review_worker(Arc::clone(&world), queue_rx, stop_rx));

    banner(&args, &running, &mock.addr());
    let started = Instant::now();
    let mut progress = Progress {
        terminal: std::io::stdout().is_terminal(),
        last_line: Instant::now(),
    };
    let mut tasks = JoinSet::new();
    let slots = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
    let mut ticks = tokio::time::interval(Duration::from_secs_f64(1.0 / args.rate));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut batch_ticks = tokio::time::interval(args.batch_interval);
    batch_ticks.tick().await; // the first tick is immediate; the first run comes one interval in
    let mut progress_ticks = tokio::time::interval(progress.interval());
    let deadline = async {
        match args.duration {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(deadline);
    let stop = crate::serve::shutdown_signal();
    tokio::pin!(stop);
    let mut scheduler = StdRng::seed_from_u64(args.seed);
    let mut n: u64 = 0;
    loop {
        tokio::select! {
            _ = &mut stop => break,
            _ = &mut deadline => break,
            _ = ticks.tick() => {
                let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
                    Counters::bump(&world.counters.skipped);
                    continue;
                };
                let kind = scenario(n, &mut scheduler);
                let mut rng = StdRng::seed_from_u64(args.seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
                let world = Arc::clone(&world);
                let number = n;
                tasks.spawn(async move {
                    let failed = match kind {
                        Scenario::Rag | Scenario::LongContextRag => {
                            Counters::bump(&world.counters.rag);
                            rag::handle(&world, &mut rng, kind == Scenario::LongContextRag).await
                        }
                        Scenario::Agents => {
                            Counters::bump(&world.counters.agents);
                            agents::handle(&world, &mut rng, number).await
                        }
                    };
                    if failed {
                        Counters::bump(&world.counters.failed);
                    }
                    drop(slot);
                });
                n += 1;
            }
            _ = batch_ticks.tick() => {
                let world = Arc::clone(&world);
                tasks.spawn(async move {
                    if batch::run_once(&world).await == Some(true) {
                        Counters::bump(&world.counters.failed);
                    }
                });
            }
            _ = progress_ticks.tick() => {
                progress.show(&progress_line(&world.counters, running.spans_written(), started.elapsed()));
            }
        }
        while tasks.try_join_next().is_some() {}
    }
    progress.finish();
    tracing::info!("demo stopping: waiting for requests in flight");

    // Drain: requests in flight finish (or are cut after DRAIN_TIMEOUT), the review worker
    // reviews what is queued, the services flush their spans, then the server stops.
    let drained = tokio::time::timeout(DRAIN_TIMEOUT, async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tasks.abort_all();
    }
    let _ = stop_worker.send(true);
    if tokio::time::timeout(DRAIN_TIMEOUT, worker).await.is_err() {
        tracing::warn!("demo: the review worker did not finish in time");
    }
    let flush = {
        let world = Arc::clone(&world);
        tokio::task::spawn_blocking(move || {
            world
                .services()
                .iter()
                .map(|s| s.shutdown())
                .collect::<anyhow::Result<Vec<()>>>()
        })
    };
    if let Err(e) = flush.await? {
        tracing::warn!("demo: {e:#}");
    }
    drop(mock);
    let summary = progress_line(&world.counters, running.spans_written(), started.elapsed());
    let data_dir = args.data_dir.display().to_string();
    let (spans, logs) = running.stop().await?;
    tracing::info!(
        "demo stopped cleanly: {summary}; {spans} spans and {logs} log records stored in this run; look at them again with `flightdeck serve --data-dir {data_dir}`"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first four ticks show every scenario; afterwards the mix is about 67/30/3.
    #[test]
    fn scenario_mix() {
        let mut rng = StdRng::seed_from_u64(1);
        let first: Vec<Scenario> = (0..4).map(|n| scenario(n, &mut rng)).collect();
        assert_eq!(
            first,
            [
                Scenario::Rag,
                Scenario::Agents,
                Scenario::Rag,
                Scenario::LongContextRag
            ]
        );
        let mut counts = [0u32; 3];
        for n in 4..10_004 {
            counts[match scenario(n, &mut rng) {
                Scenario::Rag => 0,
                Scenario::Agents => 1,
                Scenario::LongContextRag => 2,
            }] += 1;
        }
        // Expected 6700 / 3000 / 300 of 10,000; allow a few standard deviations.
        assert!((6400..=7000).contains(&counts[0]), "{counts:?}");
        assert!((2700..=3300).contains(&counts[1]), "{counts:?}");
        assert!((200..=400).contains(&counts[2]), "{counts:?}");
    }

    /// A taken port is refused naming the address and the flag; so is an address used twice.
    #[test]
    fn taken_or_duplicate_addresses_are_refused() {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = taken.local_addr().unwrap();
        let free = |listener: std::net::TcpListener| listener.local_addr().unwrap();
        let a = free(std::net::TcpListener::bind("127.0.0.1:0").unwrap());
        let b = free(std::net::TcpListener::bind("127.0.0.1:0").unwrap());
        let args = DemoArgs {
            data_dir: PathBuf::from("unused"),
            otlp_grpc_addr: a,
            otlp_http_addr: b,
            http_addr: addr,
            mock_llm_addr: "127.0.0.1:0".parse().unwrap(),
            rate: 1.0,
            duration: None,
            batch_interval: Duration::from_secs(5),
            seed: 1,
        };
        let err = check_addresses(&args).unwrap_err().to_string();
        assert!(err.contains(&format!("HTTP API and UI on {addr}")), "{err}");
        assert!(err.contains("--http-addr"), "{err}");

        let args = DemoArgs {
            http_addr: a,
            ..args
        };
        let err = check_addresses(&args).unwrap_err().to_string();
        assert_eq!(
            err,
            format!(
                "the HTTP API and UI address {a} is also the OTLP/gRPC address; choose another with --http-addr"
            )
        );
    }

    /// The progress line names every counter; skipped ticks appear only when there are some.
    #[test]
    fn progress_line_counts() {
        let counters = Counters::default();
        for _ in 0..3 {
            Counters::bump(&counters.rag);
        }
        Counters::bump(&counters.agents);
        Counters::bump(&counters.failed);
        assert_eq!(
            progress_line(&counters, 42, Duration::from_millis(61_500)),
            "[1m 1s] sent 3 questions, 1 agent tasks (0 reviewed), 0 batch runs; 1 failed; 42 spans stored"
        );
        Counters::bump(&counters.skipped);
        assert!(
            progress_line(&counters, 42, Duration::ZERO)
                .contains("0 batch runs (1 skipped: too many in flight); 1 failed")
        );
    }

    /// The demo's mock configuration is valid and lists the models the workload uses.
    #[test]
    fn mock_config_is_valid() {
        let config = mock_config(7);
        config.validate().unwrap();
        for model in [
            world::STABLE_MODEL,
            world::CANARY_MODEL,
            world::AGENT_MODEL,
            agents::REVIEW_MODEL,
            world::EMBEDDING_MODEL,
        ] {
            assert!(config.models.contains_key(model), "{model}");
        }
        // The pasted log file does not fit the chat models' window.
        assert!(ATTACHMENT_TOKENS as u64 > config.behavior(world::STABLE_MODEL).context_window);
        assert!(ATTACHMENT_TOKENS as u64 > config.behavior(world::CANARY_MODEL).context_window);
    }
}
