//! `flightdeck serve`: the OTLP receivers, the pipeline, the store and the HTTP API in one process.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context as _;
use flightdeck_ingest::{IngestStats, Receiver};
use flightdeck_pipeline::Runner;
use flightdeck_server::{AppOptions, AppState};
use flightdeck_store::{DuckDbStore, Store};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::config::Config;

/// A started server: its bound addresses and what is needed to stop it cleanly.
pub struct Running {
    /// Bound OTLP/gRPC address.
    pub otlp_grpc_addr: SocketAddr,
    /// Bound OTLP/HTTP address.
    pub otlp_http_addr: SocketAddr,
    /// Bound HTTP API address.
    pub http_addr: SocketAddr,
    /// Shared ingest counters.
    pub ingest: Arc<IngestStats>,
    shutdown: watch::Sender<bool>,
    tasks: JoinSet<anyhow::Result<()>>,
    runner: Arc<Runner>,
    store: Arc<DuckDbStore>,
    started: Instant,
}

async fn bind(addr: SocketAddr, what: &str) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .with_context(|| format!("failed to listen for {what} on {addr}"))
}

/// Opens the store, starts the pipeline and binds all listeners.
pub async fn start(config: &Config) -> anyhow::Result<Running> {
    let started = Instant::now();
    let store_config = config.store.clone();
    let store = tokio::task::spawn_blocking(move || DuckDbStore::open(&store_config))
        .await?
        .with_context(|| {
            format!(
                "failed to open the database in {}",
                config.store.data_dir.display()
            )
        })?;
    let store = Arc::new(store);
    let shared = crate::pipeline::shared(config)?;
    let runner = crate::pipeline::start(
        config,
        &shared,
        Arc::clone(&store) as Arc<dyn flightdeck_store::Writer>,
    )?;
    let ingest = Arc::new(IngestStats::default());
    let receiver = Receiver::new(
        Arc::clone(&runner) as Arc<dyn flightdeck_ingest::Sink>,
        config.limits.clone(),
        Arc::clone(&ingest),
    );

    let grpc_listener = bind(config.listen.otlp_grpc_addr, "OTLP/gRPC").await?;
    let otlp_http_listener = bind(config.listen.otlp_http_addr, "OTLP/HTTP").await?;
    let http_listener = bind(config.listen.http_addr, "the HTTP API").await?;
    let (shutdown, _) = watch::channel(false);
    let stop_signal = |shutdown: &watch::Sender<bool>| {
        let mut rx = shutdown.subscribe();
        async move {
            let _ = rx.wait_for(|stop| *stop).await;
        }
    };

    let mut running = Running {
        otlp_grpc_addr: grpc_listener.local_addr()?,
        otlp_http_addr: otlp_http_listener.local_addr()?,
        http_addr: http_listener.local_addr()?,
        ingest: Arc::clone(&ingest),
        shutdown,
        tasks: JoinSet::new(),
        runner: Arc::clone(&runner),
        store: Arc::clone(&store),
        started,
    };

    let grpc = tonic::transport::Server::builder()
        .add_routes(flightdeck_ingest::grpc::routes(Arc::clone(&receiver)))
        .serve_with_incoming_shutdown(
            tonic::transport::server::TcpIncoming::from(grpc_listener),
            stop_signal(&running.shutdown),
        );
    running
        .tasks
        .spawn(async move { grpc.await.context("OTLP/gRPC server failed") });

    let otlp_http = axum::serve(
        otlp_http_listener,
        flightdeck_ingest::http::router(receiver),
    )
    .with_graceful_shutdown(stop_signal(&running.shutdown));
    running
        .tasks
        .spawn(async move { otlp_http.await.context("OTLP/HTTP server failed") });

    let state = AppState {
        store: store as Arc<dyn Store>,
        ingest,
        writer: Arc::clone(runner.stats()),
        diagnostics: shared.diagnostics,
        enrich: shared.enrich,
        pipeline: runner.pipeline_stats(),
        started,
    };
    let options = AppOptions {
        mcp: mcp_options(config),
    };
    let api = axum::serve(http_listener, flightdeck_server::app_with(state, &options))
        .with_graceful_shutdown(stop_signal(&running.shutdown));
    running
        .tasks
        .spawn(async move { api.await.context("HTTP API server failed") });
    Ok(running)
}

/// The `/mcp` host check: loopback names, the HTTP address when it is a specific non-loopback
/// IP, and the configured extra hosts (`*` turns the check off).
fn mcp_options(config: &Config) -> flightdeck_mcp::HttpOptions {
    let mut options = flightdeck_mcp::HttpOptions::default();
    if config.mcp.allowed_hosts.iter().any(|h| h == "*") {
        options.allowed_hosts.clear();
        return options;
    }
    let ip = config.listen.http_addr.ip();
    if !ip.is_unspecified() && !ip.is_loopback() {
        options.allowed_hosts.push(ip.to_string());
    }
    options
        .allowed_hosts
        .extend(config.mcp.allowed_hosts.iter().cloned());
    options
}

impl Running {
    /// Path of the database file.
    pub fn database_path(&self) -> &std::path::Path {
        self.store.path()
    }

    /// Spans written to the store by this run so far.
    pub fn spans_written(&self) -> u64 {
        self.runner.stats().snapshot().spans_written
    }

    /// Stops accepting, finishes in-flight requests, writes everything queued, loads the
    /// write-ahead log into the database, checkpoints it and closes the store. Returns how many
    /// spans and log records this run stored.
    pub async fn stop(mut self) -> anyhow::Result<(u64, u64)> {
        let _ = self.shutdown.send(true);
        while let Some(result) = self.tasks.join_next().await {
            result??;
        }
        let runner = Arc::clone(&self.runner);
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || {
            runner.shutdown();
            store.checkpoint()?;
            store.close()
        })
        .await?
        .context("failed to flush the database")?;
        let written = self.runner.stats().snapshot();
        Ok((written.spans_written, written.logs_written))
    }

    /// Waits until a server task fails (they do not end on their own).
    async fn wait_for_failure(&mut self) -> anyhow::Result<()> {
        match self.tasks.join_next().await {
            Some(result) => result?,
            None => Ok(()),
        }
    }
}

/// Waits for Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}

/// Runs until Ctrl-C / SIGTERM, logging one line at start and one at stop.
pub async fn run(config: Config) -> anyhow::Result<()> {
    let mut running = start(&config).await?;
    let stored = tokio::task::spawn_blocking({
        let store = Arc::clone(&running.store);
        move || store.counts()
    })
    .await??;
    tracing::info!(
        "flightdeck {} ready: OTLP/gRPC {}, OTLP/HTTP http://{}, API and UI http://{}, data {} ({} spans stored)",
        env!("CARGO_PKG_VERSION"),
        running.otlp_grpc_addr,
        running.otlp_http_addr,
        running.http_addr,
        running.database_path().display(),
        stored.spans,
    );
    let failure = tokio::select! {
        _ = shutdown_signal() => None,
        result = running.wait_for_failure() => Some(result),
    };
    let uptime = running.started.elapsed();
    let (spans, logs) = running.stop().await?;
    if let Some(Err(e)) = failure {
        return Err(e);
    }
    tracing::info!(
        "flightdeck stopped cleanly after {}: {spans} spans and {logs} log records stored in this run",
        humantime::format_duration(std::time::Duration::from_secs(uptime.as_secs())),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `/mcp` accepts loopback names, a specific non-loopback HTTP address and configured hosts;
    /// `*` turns the check off.
    #[test]
    fn mcp_host_check() {
        let mut config = Config::default();
        assert_eq!(
            mcp_options(&config).allowed_hosts,
            ["localhost", "127.0.0.1", "::1"]
        );
        config.listen.http_addr = "10.0.0.5:4320".parse().unwrap();
        config.mcp.allowed_hosts = vec!["flightdeck.internal".into()];
        assert_eq!(
            mcp_options(&config).allowed_hosts,
            [
                "localhost",
                "127.0.0.1",
                "::1",
                "10.0.0.5",
                "flightdeck.internal"
            ]
        );
        config.listen.http_addr = "0.0.0.0:4320".parse().unwrap();
        config.mcp.allowed_hosts = vec!["*".into()];
        assert!(mcp_options(&config).allowed_hosts.is_empty());
    }
}
