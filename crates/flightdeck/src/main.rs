//! The `flightdeck` binary: one command per job (`serve`, queries, `loadgen`, ...).

use clap::{Parser, Subcommand};

use flightdeck::{
    analysis, client, config, config_check, demo, loadgen, mcp, mock_llm, querybench, serve,
};

/// mimalloc instead of the system allocator: with glibc's, a sixth of the server's CPU under
/// ingest load went to `malloc` and `free` (protobuf decoding, rows and log records allocate
/// many small strings on one thread and free them on another).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// How long mimalloc keeps freed memory before returning it to the OS, in milliseconds, unless
/// `MIMALLOC_PURGE_DELAY` says otherwise. Measured on 10 million plain spans over HTTP: 100 ms
/// sustained 95,100–98,500 spans/s at peaks of 824–846 MiB; 10 ms 91,700–92,900 at 796–798 MiB
/// (returning and faulting pages back in costs CPU); mimalloc's default of 1 s 95,300 at 860 MiB.
const PURGE_DELAY_MS: i64 = 100;

/// `mi_option_purge_delay` in mimalloc's option enum (`mimalloc.h`); the Rust binding does not
/// name it.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Sets mimalloc's purge delay (see [`PURGE_DELAY_MS`]).
#[allow(unsafe_code)]
fn tune_allocator() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: `mi_option_set` stores a value in mimalloc's option table; it takes no
        // pointers and is called before any other thread exists.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS) };
    }
}

/// Flightdeck: OpenTelemetry-native observability for LLM applications and agents.
///
/// Point any OpenTelemetry SDK or GenAI instrumentation at it (OTLP gRPC :4317, OTLP HTTP :4318)
/// and ask about latency, tokens, errors and traces through the HTTP API (:4320) or these
/// commands.
#[derive(Debug, Parser)]
#[command(name = "flightdeck", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server: OTLP receivers, embedded store and HTTP API (no setup needed).
    Serve(config::Overrides),
    /// Run the server with a mock LLM provider and a realistic instrumented workload (RAG,
    /// agents with a queue hop, a batch job, failures) to explore the UI, API and MCP tools.
    ///
    /// Everything runs in this process with its own data directory; it prints where to look,
    /// shows progress, and stops on Ctrl-C or after --duration.
    Demo(demo::DemoArgs),
    /// Run the mock LLM provider: OpenAI-compatible (/v1/chat/completions with streaming,
    /// /v1/embeddings, /v1/models) and Anthropic-compatible (/v1/messages), with configurable
    /// latency, time to first token, tokens per second, errors, 429s, timeouts and context
    /// windows; deterministic for a seed.
    MockLlm(mock_llm::MockLlmArgs),
    /// Search traces (newest first) on a running server.
    Search {
        #[command(flatten)]
        api: client::ApiArgs,
        #[command(flatten)]
        range: client::RangeArgs,
        #[command(flatten)]
        filter: client::FilterArgs,
        /// Traces per page.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Continue from a cursor printed by the previous page.
        #[arg(long)]
        cursor: Option<String>,
    },
    /// Show one trace as a tree.
    Trace {
        #[command(flatten)]
        api: client::ApiArgs,
        /// The trace id: 32 hex characters.
        trace_id: String,
    },
    /// List services seen in a time range.
    Services {
        #[command(flatten)]
        api: client::ApiArgs,
        #[command(flatten)]
        range: client::RangeArgs,
    },
    /// List span names (operations) per service seen in a time range.
    Operations {
        #[command(flatten)]
        api: client::ApiArgs,
        #[command(flatten)]
        range: client::RangeArgs,
        /// Only this service.
        #[arg(long)]
        service: Option<String>,
    },
    /// List GenAI models seen in a time range.
    Models {
        #[command(flatten)]
        api: client::ApiArgs,
        #[command(flatten)]
        range: client::RangeArgs,
    },
    /// GenAI analytics: requests, errors, latency and TTFT percentiles, tokens, cost, cache hits,
    /// by any dimensions, optionally as a time series.
    Analytics {
        #[command(flatten)]
        api: client::ApiArgs,
        #[command(flatten)]
        range: client::RangeArgs,
        #[command(flatten)]
        filter: client::FilterArgs,
        /// Comma-separated dimensions: provider, model, response_model, model_family, operation,
        /// service, service_version, agent, tool, user, conversation, error_type, attr:<key>;
        /// `none` for one total row.
        #[arg(long, default_value = "provider,model,operation")]
        group_by: String,
        /// Bucket width for a time series, e.g. 1m.
        #[arg(long, value_name = "DURATION")]
        step: Option<String>,
        /// Rank groups by requests, errors, cost, latency or tokens.
        #[arg(long, default_value = "requests")]
        order_by: String,
        /// Most groups shown.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// List conversations, or show one conversation's turns with totals.
    Conversations {
        #[command(flatten)]
        api: client::ApiArgs,
        #[command(flatten)]
        range: client::RangeArgs,
        #[command(flatten)]
        filter: client::FilterArgs,
        /// Show this conversation (`gen_ai.conversation.id`) instead of listing.
        id: Option<String>,
    },
    /// Compare two cohorts of model calls (model vs model, version vs version, window vs
    /// window): latency, TTFT, tokens, cost and error rate, each with a verdict on whether the
    /// difference is beyond noise.
    ///
    /// Examples:
    ///   flightdeck compare --since 24h --a model=gpt-4o --b model=gpt-4o-mini
    ///   flightdeck compare --operation chat --a service_version=1.4.0 --b service_version=1.5.0
    ///   flightdeck compare --a since=2h --a end=2026-11-21T10:00:00Z --b since=1h
    #[command(verbatim_doc_comment)]
    Compare(analysis::CompareArgs),
    /// Show what changed between two traces: spans added and missing, slower and faster, token,
    /// cost, status and model changes.
    Diff(analysis::DiffArgs),
    /// Show the agent workflow graph (agents, workflows, tools, model calls, retrievals; who
    /// invoked whom, how often, how long, how many failed) with loops, agent cycles and stalls:
    /// of one trace, or merged over the traces of a time range.
    ///
    /// Examples:
    ///   flightdeck agents 4bf92f3577b34da6a3ce929d0e0e4736
    ///   flightdeck agents --since 24h --agent planner --focus agent:planner
    #[command(verbatim_doc_comment)]
    Agents(analysis::AgentsArgs),
    /// Model prices: look up a model, list unpriced models, recompute stored costs.
    Pricing {
        #[command(flatten)]
        api: client::ApiArgs,
        #[command(subcommand)]
        command: client::PricingCommand,
    },
    /// Ingest, writer and store counters of a running server.
    Stats {
        #[command(flatten)]
        api: client::ApiArgs,
    },
    /// What is wrong with the telemetry arriving: per service and instrumentation, the dialects
    /// seen, the share of spans missing model / provider / usage / time to first chunk,
    /// deprecated attribute names, content presence, conformance findings with example spans,
    /// unpriced models and recent rejections with their reasons.
    Diagnostics {
        #[command(flatten)]
        api: client::ApiArgs,
        #[command(flatten)]
        range: client::RangeArgs,
    },
    /// Send realistic GenAI OTLP traffic and check that every span sent was stored.
    Loadgen(loadgen::LoadgenArgs),
    /// Time the API's queries against a running server (benchmark figures).
    Querybench(querybench::QuerybenchArgs),
    /// Serve the MCP tools on stdin/stdout for a coding agent, reading a running server.
    ///
    /// Add it to the agent's MCP configuration as the command `flightdeck mcp` (with `--api` or
    /// FLIGHTDECK_API when the server is not on 127.0.0.1:4320). `flightdeck serve` also serves
    /// MCP over streamable HTTP at /mcp on its HTTP port.
    Mcp(mcp::McpArgs),
    /// Configuration file tools.
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Validate a configuration file without starting anything (unknown keys, patterns,
    /// policies, destinations); prints a summary, or the first problem found.
    Check(config_check::CheckArgs),
}

fn init_logging(default: &str) {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_env("FLIGHTDECK_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr)
        .init();
}

fn main() -> anyhow::Result<()> {
    tune_allocator();
    let cli = Cli::parse();
    // The MCP stdio server talks to an agent; its stderr stays quiet unless something is wrong.
    init_logging(match cli.command {
        Command::Mcp(_) => "warn",
        _ => "info,h2=warn,hyper=warn,tower=warn",
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("flightdeck")
        .build()?;
    runtime.block_on(run(cli.command))
}

async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve(overrides) => serve::run(overrides.resolve()?).await,
        Command::Demo(args) => demo::run(args).await,
        Command::MockLlm(args) => mock_llm::run(&args).await,
        Command::Search {
            api,
            range,
            filter,
            limit,
            cursor,
        } => client::search(&api, &range, &filter, limit, cursor).await,
        Command::Trace { api, trace_id } => client::trace(&api, &trace_id).await,
        Command::Services { api, range } => client::services(&api, &range).await,
        Command::Operations {
            api,
            range,
            service,
        } => client::operations(&api, &range, service).await,
        Command::Models { api, range } => client::models(&api, &range).await,
        Command::Analytics {
            api,
            range,
            filter,
            group_by,
            step,
            order_by,
            limit,
        } => client::analytics(&api, &range, &filter, &group_by, step, &order_by, limit).await,
        Command::Conversations {
            api,
            range,
            filter,
            id,
        } => client::conversations(&api, &range, &filter, id).await,
        Command::Compare(args) => analysis::compare(&args).await,
        Command::Diff(args) => analysis::diff(&args).await,
        Command::Agents(args) => analysis::agents(&args).await,
        Command::Pricing { api, command } => client::pricing(&api, &command).await,
        Command::Stats { api } => client::stats(&api).await,
        Command::Diagnostics { api, range } => client::diagnostics(&api, &range).await,
        Command::Loadgen(args) => loadgen::run(args).await,
        Command::Querybench(args) => querybench::run(args).await,
        Command::Mcp(args) => mcp::run(&args).await,
        Command::Config(ConfigCommand::Check(args)) => {
            let summary = config_check::check(&args)?;
            #[allow(clippy::print_stdout)] // the command's output
            {
                println!("{summary}");
            }
            Ok(())
        }
    }
}
