//! `flightdeck mock-llm`: the deterministic mock LLM provider (OpenAI- and Anthropic-compatible)
//! as a standalone server, for trying instrumented applications without a real provider.
//!
//! Settings come from an optional configuration file (TOML or JSON, the format of
//! `flightdeck_mockllm::MockLlmConfig`), overridden by flags; flags change the defaults of every
//! model.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use flightdeck_mockllm::{BehaviorOverride, MockLlm, MockLlmConfig};

/// How long in-flight requests (a hanging timeout, a slow stream) may finish after Ctrl-C.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// Flags of `flightdeck mock-llm`.
#[derive(Debug, Clone, clap::Args)]
pub struct MockLlmArgs {
    /// Address to listen on.
    #[arg(
        long,
        env = "FLIGHTDECK_MOCK_LLM_ADDR",
        default_value = "127.0.0.1:8080",
        value_name = "ADDR"
    )]
    pub addr: SocketAddr,
    /// Configuration file (TOML, or JSON when the name ends in `.json`): seed, defaults and
    /// per-model overrides; the flags below override it.
    #[arg(long, env = "FLIGHTDECK_MOCK_LLM_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Seed of every random decision: the same seed and request sequence give the same answers,
    /// failures and token counts [default: 0].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Models listed by /v1/models (any model name is accepted in requests); repeatable or
    /// comma-separated.
    #[arg(long = "model", value_name = "NAME", value_delimiter = ',')]
    pub models: Vec<String>,
    /// Fixed delay before anything is sent, e.g. 20ms [default: 20ms].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub base_latency: Option<Duration>,
    /// Further delay until the first token, e.g. 150ms [default: 150ms].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub time_to_first_token: Option<Duration>,
    /// Output speed after the first token; 0 = no delay between tokens [default: 80].
    #[arg(long, value_name = "N")]
    pub tokens_per_second: Option<f64>,
    /// Each delay is multiplied by a random factor in [1 - jitter, 1 + jitter] (0 to 1)
    /// [default: 0].
    #[arg(long, value_name = "FRACTION")]
    pub jitter: Option<f64>,
    /// Share of requests answered with HTTP 500 (0 to 1) [default: 0].
    #[arg(long, value_name = "FRACTION")]
    pub error_rate: Option<f64>,
    /// Share of requests answered with HTTP 429 and Retry-After (0 to 1) [default: 0].
    #[arg(long, value_name = "FRACTION")]
    pub rate_limit_rate: Option<f64>,
    /// Retry-After of 429 answers, whole seconds are sent [default: 1s].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub retry_after: Option<Duration>,
    /// Share of requests that hang for --timeout-hang and then get HTTP 504 (0 to 1)
    /// [default: 0].
    #[arg(long, value_name = "FRACTION")]
    pub timeout_rate: Option<f64>,
    /// How long a timed-out request hangs before its 504 [default: 120s].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout_hang: Option<Duration>,
    /// Share of streamed answers that fail midway with an error event (0 to 1) [default: 0].
    #[arg(long, value_name = "FRACTION")]
    pub stream_error_rate: Option<f64>,
    /// Context window in tokens; longer requests fail with the provider's context-length error
    /// [default: 128000].
    #[arg(long, value_name = "TOKENS")]
    pub context_window: Option<u64>,
    /// Fewest output tokens of a generated answer [default: 16].
    #[arg(long, value_name = "TOKENS")]
    pub min_output_tokens: Option<u32>,
    /// Most output tokens of a generated answer (max_tokens of a request caps it further)
    /// [default: 96].
    #[arg(long, value_name = "TOKENS")]
    pub max_output_tokens: Option<u32>,
    /// Embedding dimensions when a request does not ask for a number [default: 1536].
    #[arg(long, value_name = "N")]
    pub embedding_dimensions: Option<u32>,
    /// Smallest cacheable prompt prefix in tokens [default: 1024].
    #[arg(long, value_name = "TOKENS")]
    pub cache_min_tokens: Option<u64>,
    /// Largest request body accepted, in bytes [default: 16777216].
    #[arg(long, value_name = "BYTES")]
    pub max_request_bytes: Option<usize>,
}

fn parse_duration(s: &str) -> Result<Duration, humantime::DurationError> {
    humantime::parse_duration(s)
}

/// Reads a mock configuration file: JSON when the name ends in `.json`, TOML otherwise.
pub fn read_config(path: &Path) -> anyhow::Result<MockLlmConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("failed to read mock LLM config file {}", path.display()))?;
    let parsed = if path.extension().is_some_and(|e| e == "json") {
        serde_json::from_str(&text).map_err(anyhow::Error::from)
    } else {
        toml::from_str(&text).map_err(anyhow::Error::from)
    };
    parsed.with_context(|| format!("invalid mock LLM config file {}", path.display()))
}

impl MockLlmArgs {
    /// The configuration: the file (or the defaults) with the flags applied, validated.
    pub fn resolve(&self) -> anyhow::Result<MockLlmConfig> {
        let mut config = match &self.config {
            Some(path) => read_config(path)?,
            None => MockLlmConfig::default(),
        };
        if let Some(seed) = self.seed {
            config.seed = seed;
        }
        if let Some(bytes) = self.max_request_bytes {
            config.max_request_bytes = bytes;
        }
        for model in &self.models {
            config.models.entry(model.clone()).or_default();
        }
        let flags = BehaviorOverride {
            base_latency: self.base_latency,
            time_to_first_token: self.time_to_first_token,
            tokens_per_second: self.tokens_per_second,
            jitter: self.jitter,
            error_rate: self.error_rate,
            rate_limit_rate: self.rate_limit_rate,
            retry_after: self.retry_after,
            timeout_rate: self.timeout_rate,
            timeout_hang: self.timeout_hang,
            stream_error_rate: self.stream_error_rate,
            context_window: self.context_window,
            min_output_tokens: self.min_output_tokens,
            max_output_tokens: self.max_output_tokens,
            embedding_dimensions: self.embedding_dimensions,
            cache_min_tokens: self.cache_min_tokens,
        };
        config.defaults = flags.apply(&config.defaults);
        config
            .validate()
            .context("invalid mock LLM configuration")?;
        Ok(config)
    }
}

/// Serves until Ctrl-C / SIGTERM, logging one line at start and one at stop.
pub async fn run(args: &MockLlmArgs) -> anyhow::Result<()> {
    let config = args.resolve()?;
    let seed = config.seed;
    let mock = MockLlm::builder()
        .with_config(config)
        .build()
        .context("invalid mock LLM configuration")?;
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .with_context(|| {
            format!(
                "failed to listen for the mock LLM on {} (is the port taken? choose another with --addr)",
                args.addr
            )
        })?;
    let addr = listener.local_addr()?;
    let started = Instant::now();
    tracing::info!(
        "mock LLM ready on http://{addr}: OpenAI base URL http://{addr}/v1 (chat/completions, embeddings, models), Anthropic base URL http://{addr} (v1/messages); seed {seed}"
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let mut server = tokio::spawn(mock.clone().serve_with_shutdown(listener, async {
        let _ = stopped.await;
    }));
    tokio::select! {
        _ = crate::serve::shutdown_signal() => {}
        result = &mut server => {
            result?.context("the mock LLM server failed")?;
            anyhow::bail!("the mock LLM server stopped unexpectedly");
        }
    }
    let _ = stop.send(());
    if tokio::time::timeout(SHUTDOWN_GRACE, &mut server)
        .await
        .is_err()
    {
        server.abort();
    }
    tracing::info!(
        "mock LLM stopped after {}: {} requests answered",
        humantime::format_duration(Duration::from_secs(started.elapsed().as_secs())),
        mock.requests()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser as _;

    #[derive(clap::Parser)]
    struct Cli {
        #[command(flatten)]
        args: MockLlmArgs,
    }

    fn parse(flags: &[&str]) -> MockLlmArgs {
        Cli::try_parse_from(std::iter::once("mock-llm").chain(flags.iter().copied()))
            .unwrap()
            .args
    }

    /// Flags override the file's defaults and keep its per-model overrides; `--model` adds
    /// listed models.
    #[test]
    fn flags_override_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mock.toml");
        std::fs::write(
            &path,
            "seed = 7\n[defaults]\ntokens_per_second = 50.0\nrate_limit_rate = 0.5\n\
             [models.\"gpt-4o-mini\"]\ncontext_window = 8192\n",
        )
        .unwrap();
        let args = parse(&[
            "--config",
            path.to_str().unwrap(),
            "--seed",
            "9",
            "--rate-limit-rate",
            "0.25",
            "--time-to-first-token",
            "300ms",
            "--model",
            "claude-sonnet-4-5",
        ]);
        let config = args.resolve().unwrap();
        assert_eq!(config.seed, 9);
        assert_eq!(config.defaults.rate_limit_rate, 0.25);
        assert_eq!(config.defaults.tokens_per_second, 50.0);
        assert_eq!(
            config.defaults.time_to_first_token,
            Duration::from_millis(300)
        );
        assert_eq!(config.behavior("gpt-4o-mini").context_window, 8192);
        assert_eq!(config.behavior("gpt-4o-mini").rate_limit_rate, 0.25);
        let models: Vec<&str> = config.models.keys().map(String::as_str).collect();
        assert_eq!(models, ["claude-sonnet-4-5", "gpt-4o-mini"]);
    }

    /// Without a file or flags the library defaults apply, on 127.0.0.1:8080.
    #[test]
    fn defaults_without_flags() {
        let args = parse(&[]);
        assert_eq!(args.addr.to_string(), "127.0.0.1:8080");
        assert_eq!(args.resolve().unwrap(), MockLlmConfig::default());
    }

    /// A JSON file is read as JSON; an out-of-range flag is refused naming the field.
    #[test]
    fn json_file_and_bad_flag() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mock.json");
        std::fs::write(&path, r#"{"seed": 3, "defaults": {"jitter": 0.1}}"#).unwrap();
        let config = parse(&["--config", path.to_str().unwrap()])
            .resolve()
            .unwrap();
        assert_eq!((config.seed, config.defaults.jitter), (3, 0.1));

        let bad = parse(&["--config", path.to_str().unwrap(), "--error-rate", "2"]);
        let err = format!("{:#}", bad.resolve().unwrap_err());
        assert!(
            err.contains("defaults.error_rate must be between 0 and 1, got 2"),
            "{err}"
        );
    }

    /// An unknown key in the file is an error naming the key and the file.
    #[test]
    fn unknown_key_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mock.toml");
        std::fs::write(&path, "[defaults]\ntokens_per_secnd = 5.0\n").unwrap();
        let err = format!(
            "{:#}",
            parse(&["--config", path.to_str().unwrap()])
                .resolve()
                .unwrap_err()
        );
        assert!(err.contains("tokens_per_secnd"), "{err}");
        assert!(err.contains("mock.toml"), "{err}");
    }
}
