//! The CLI's query commands: thin clients of the HTTP API that print tables (or JSON).

use anyhow::{Context as _, bail};
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use serde_json::Value;

/// Flags shared by every query command.
#[derive(Debug, Clone, clap::Args)]
pub struct ApiArgs {
    /// Base URL of a running Flightdeck's HTTP API.
    #[arg(
        long,
        env = "FLIGHTDECK_API",
        default_value = "http://127.0.0.1:4320",
        value_name = "URL"
    )]
    pub api: String,
    /// Print the API's JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// The time range of a query.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct RangeArgs {
    /// Look back this far from now, e.g. 15m, 1h, 7d [default: 1h].
    #[arg(long, value_name = "DURATION", conflicts_with = "start")]
    pub since: Option<String>,
    /// Range start: RFC 3339 or an epoch timestamp.
    #[arg(long, value_name = "TIME")]
    pub start: Option<String>,
    /// Range end: RFC 3339 or an epoch timestamp [default: now].
    #[arg(long, value_name = "TIME")]
    pub end: Option<String>,
}

impl RangeArgs {
    pub(crate) fn push(&self, q: &mut Vec<(String, String)>) {
        push_opt(q, "since", &self.since);
        push_opt(q, "start", &self.start);
        push_opt(q, "end", &self.end);
    }
}

/// Span filters: a trace matches when one span matches all of them.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct FilterArgs {
    /// Service name.
    #[arg(long)]
    pub service: Option<String>,
    /// Exact span name.
    #[arg(long)]
    pub name: Option<String>,
    /// Span status: error, ok or unset.
    #[arg(long)]
    pub status: Option<String>,
    /// Minimum span duration, e.g. 500ms.
    #[arg(long, value_name = "DURATION")]
    pub min_duration: Option<String>,
    /// Maximum span duration, e.g. 2s.
    #[arg(long, value_name = "DURATION")]
    pub max_duration: Option<String>,
    /// GenAI operation: chat, embeddings, execute_tool, invoke_agent, ...
    #[arg(long)]
    pub operation: Option<String>,
    /// GenAI provider, e.g. openai.
    #[arg(long)]
    pub provider: Option<String>,
    /// Request or response model.
    #[arg(long)]
    pub model: Option<String>,
    /// Agent name or id.
    #[arg(long)]
    pub agent: Option<String>,
    /// Tool name.
    #[arg(long)]
    pub tool: Option<String>,
    /// Conversation (session) id.
    #[arg(long)]
    pub conversation: Option<String>,
    /// End user id.
    #[arg(long)]
    pub user: Option<String>,
    /// Service version.
    #[arg(long)]
    pub service_version: Option<String>,
    /// Error type (`error.type`).
    #[arg(long)]
    pub error_type: Option<String>,
    /// Attribute equality, key=value (repeatable; span or resource attributes).
    #[arg(long = "attr", value_name = "KEY=VALUE")]
    pub attrs: Vec<String>,
}

impl FilterArgs {
    pub(crate) fn push(&self, q: &mut Vec<(String, String)>) {
        push_opt(q, "service", &self.service);
        push_opt(q, "name", &self.name);
        push_opt(q, "status", &self.status);
        push_opt(q, "min_duration", &self.min_duration);
        push_opt(q, "max_duration", &self.max_duration);
        push_opt(q, "operation", &self.operation);
        push_opt(q, "provider", &self.provider);
        push_opt(q, "model", &self.model);
        push_opt(q, "agent", &self.agent);
        push_opt(q, "tool", &self.tool);
        push_opt(q, "conversation", &self.conversation);
        push_opt(q, "user", &self.user);
        push_opt(q, "service_version", &self.service_version);
        push_opt(q, "error_type", &self.error_type);
        for a in &self.attrs {
            q.push(("attr".into(), a.clone()));
        }
    }
}

pub(crate) fn push_opt(q: &mut Vec<(String, String)>, key: &str, value: &Option<String>) {
    if let Some(v) = value {
        q.push((key.into(), v.clone()));
    }
}

/// GETs `path` from the API and returns the JSON, turning API errors into readable messages.
pub async fn get(api: &ApiArgs, path: &str, query: &[(String, String)]) -> anyhow::Result<Value> {
    request(api, reqwest::Method::GET, path, query).await
}

/// POSTs to `path` of the API and returns the JSON.
pub async fn post(api: &ApiArgs, path: &str, query: &[(String, String)]) -> anyhow::Result<Value> {
    request(api, reqwest::Method::POST, path, query).await
}

async fn request(
    api: &ApiArgs,
    method: reqwest::Method,
    path: &str,
    query: &[(String, String)],
) -> anyhow::Result<Value> {
    let url = format!("{}{}", api.api.trim_end_matches('/'), path);
    let response = reqwest::Client::new()
        .request(method, &url)
        .query(query)
        .send()
        .await
        .with_context(|| {
            format!(
                "failed to reach Flightdeck at {} (is `flightdeck serve` running?)",
                api.api
            )
        })?;
    let status = response.status();
    let body: Value = response
        .json()
        .await
        .with_context(|| format!("{url} did not return JSON"))?;
    if !status.is_success() {
        let message = body["error"]["message"].as_str().unwrap_or("unknown error");
        bail!("{status}: {message}");
    }
    Ok(body)
}

pub(crate) fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_header(header.to_vec());
    t
}

pub(crate) fn text(v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(text).collect::<Vec<_>>().join(", "),
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() => format!("{f:.1}"),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

pub(crate) fn ns_to_time(v: &Value) -> String {
    v.as_i64()
        .map(|ns| {
            humantime::format_rfc3339_millis(
                std::time::UNIX_EPOCH + std::time::Duration::from_nanos(ns.max(0) as u64),
            )
            .to_string()
        })
        .unwrap_or_else(|| "-".into())
}

pub(crate) fn print(
    api: &ApiArgs,
    body: &Value,
    render: impl FnOnce(&Value) -> String,
) -> anyhow::Result<()> {
    let out = if api.json {
        serde_json::to_string_pretty(body)?
    } else {
        render(body)
    };
    write_stdout(&out)
}

/// Writes a line to standard output (the CLI's output; libraries never print).
pub fn write_stdout(text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")?;
    Ok(())
}

/// `flightdeck search`.
pub async fn search(
    api: &ApiArgs,
    range: &RangeArgs,
    filter: &FilterArgs,
    limit: usize,
    cursor: Option<String>,
) -> anyhow::Result<()> {
    let mut q = Vec::new();
    range.push(&mut q);
    filter.push(&mut q);
    q.push(("limit".into(), limit.to_string()));
    push_opt(&mut q, "cursor", &cursor);
    let body = get(api, "/api/v1/traces", &q).await?;
    print(api, &body, |body| {
        let mut t = table(&[
            "trace id",
            "start",
            "root",
            "service",
            "duration ms",
            "spans",
            "errors",
            "tokens in/out",
        ]);
        for tr in body["traces"].as_array().into_iter().flatten() {
            t.add_row(vec![
                text(&tr["trace_id"]),
                ns_to_time(&tr["start_ns"]),
                text(&tr["root_name"]),
                text(&tr["root_service"]),
                format!("{:.1}", tr["duration_ns"].as_f64().unwrap_or(0.0) / 1e6),
                text(&tr["span_count"]),
                text(&tr["error_count"]),
                format!(
                    "{}/{}",
                    text(&tr["input_tokens"]),
                    text(&tr["output_tokens"])
                ),
            ]);
        }
        let mut out = t.to_string();
        if let Some(c) = body["next_cursor"].as_str() {
            out.push_str(&format!("\nmore: --cursor {c}"));
        }
        out
    })
}

/// `flightdeck trace <id>`.
pub async fn trace(api: &ApiArgs, trace_id: &str) -> anyhow::Result<()> {
    let body = get(api, &format!("/api/v1/traces/{trace_id}"), &[]).await?;
    print(api, &body, |body| {
        let start = body["start_ns"].as_f64().unwrap_or(0.0);
        let mut t = table(&[
            "span",
            "service",
            "+start ms",
            "duration ms",
            "status",
            "genai",
        ]);
        for s in body["spans"].as_array().into_iter().flatten() {
            let depth = s["depth"].as_u64().unwrap_or(0) as usize;
            let g = &s["genai"];
            let genai = if g.is_null() {
                String::new()
            } else {
                let mut parts = vec![text(&g["operation"])];
                if let Some(m) = g["request_model"].as_str().or(g["response_model"].as_str()) {
                    parts.push(m.to_owned());
                }
                if let Some(u) = g.get("usage") {
                    parts.push(format!(
                        "{}→{} tok",
                        text(&u["input_tokens"]),
                        text(&u["output_tokens"])
                    ));
                }
                parts.join(" ")
            };
            t.add_row(vec![
                format!("{}{}", "  ".repeat(depth.min(20)), text(&s["name"])),
                text(&s["service"]),
                format!(
                    "{:.1}",
                    (s["start_ns"].as_f64().unwrap_or(0.0) - start) / 1e6
                ),
                format!("{:.1}", s["duration_ms"].as_f64().unwrap_or(0.0)),
                text(&s["status"]["code"]),
                genai,
            ]);
        }
        format!(
            "trace {}  {} spans, {} errors, {:.1} ms\n{t}",
            text(&body["trace_id"]),
            text(&body["span_count"]),
            text(&body["error_count"]),
            body["duration_ms"].as_f64().unwrap_or(0.0)
        )
    })
}

/// `flightdeck services`.
pub async fn services(api: &ApiArgs, range: &RangeArgs) -> anyhow::Result<()> {
    let mut q = Vec::new();
    range.push(&mut q);
    let body = get(api, "/api/v1/services", &q).await?;
    print(api, &body, |body| {
        let mut t = table(&["service", "spans"]);
        for s in body["services"].as_array().into_iter().flatten() {
            t.add_row(vec![text(&s["service"]), text(&s["spans"])]);
        }
        t.to_string()
    })
}

/// `flightdeck operations`.
pub async fn operations(
    api: &ApiArgs,
    range: &RangeArgs,
    service: Option<String>,
) -> anyhow::Result<()> {
    let mut q = Vec::new();
    range.push(&mut q);
    push_opt(&mut q, "service", &service);
    let body = get(api, "/api/v1/operations", &q).await?;
    print(api, &body, |body| {
        let mut t = table(&["service", "span name", "genai operation", "spans"]);
        for s in body["operations"].as_array().into_iter().flatten() {
            t.add_row(vec![
                text(&s["service"]),
                text(&s["name"]),
                text(&s["genai_operation"]),
                text(&s["spans"]),
            ]);
        }
        t.to_string()
    })
}

/// `flightdeck models`.
pub async fn models(api: &ApiArgs, range: &RangeArgs) -> anyhow::Result<()> {
    let mut q = Vec::new();
    range.push(&mut q);
    let body = get(api, "/api/v1/models", &q).await?;
    print(api, &body, |body| {
        let mut t = table(&[
            "provider",
            "model",
            "response models",
            "operations",
            "spans",
        ]);
        for m in body["models"].as_array().into_iter().flatten() {
            t.add_row(vec![
                text(&m["provider"]),
                text(&m["model"]),
                text(&m["response_models"]),
                text(&m["operations"]),
                text(&m["spans"]),
            ]);
        }
        t.to_string()
    })
}

/// `flightdeck analytics`: breakdowns and time series.
pub async fn analytics(
    api: &ApiArgs,
    range: &RangeArgs,
    filter: &FilterArgs,
    group_by: &str,
    step: Option<String>,
    order_by: &str,
    limit: usize,
) -> anyhow::Result<()> {
    let mut q = Vec::new();
    range.push(&mut q);
    filter.push(&mut q);
    q.push(("group_by".into(), group_by.into()));
    q.push(("order_by".into(), order_by.into()));
    q.push(("limit".into(), limit.to_string()));
    push_opt(&mut q, "step", &step);
    let body = get(api, "/api/v1/analytics", &q).await?;
    print(api, &body, |body| {
        let dims: Vec<String> = body["group_by"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|d| d.as_str().map(str::to_owned))
            .collect();
        let mut header: Vec<&str> = Vec::new();
        if !body["step_ns"].is_null() {
            header.push("bucket");
        }
        header.extend(dims.iter().map(String::as_str));
        header.extend([
            "requests",
            "error %",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "ttft p50 ms",
            "tokens in",
            "tokens out",
            "cache hit",
            "cost $",
        ]);
        let mut t = table(&header);
        for r in body["rows"].as_array().into_iter().flatten() {
            let mut row = Vec::new();
            if !body["step_ns"].is_null() {
                row.push(ns_to_time(&r["bucket_start_ns"]));
            }
            row.extend(dims.iter().map(|d| text(&r["group"][d])));
            row.extend([
                text(&r["requests"]),
                format!("{:.1}", r["error_rate"].as_f64().unwrap_or(0.0) * 100.0),
                text(&r["latency_ms"]["p50"]),
                text(&r["latency_ms"]["p95"]),
                text(&r["latency_ms"]["p99"]),
                text(&r["ttft_ms"]["p50"]),
                text(&r["tokens"]["input"]),
                text(&r["tokens"]["output"]),
                r["cache_hit_ratio"]
                    .as_f64()
                    .map_or("-".into(), |v| format!("{:.0}%", v * 100.0)),
                format!("{:.4}", r["cost"]["total"].as_f64().unwrap_or(0.0)),
            ]);
            t.add_row(row);
        }
        t.to_string()
    })
}

/// `flightdeck conversations [ID]`.
pub async fn conversations(
    api: &ApiArgs,
    range: &RangeArgs,
    filter: &FilterArgs,
    id: Option<String>,
) -> anyhow::Result<()> {
    let conversation_row = |t: &mut Table, c: &Value| {
        t.add_row(vec![
            text(&c["conversation_id"]),
            ns_to_time(&c["start_ns"]),
            text(&c["traces"]),
            text(&c["model_calls"]),
            format!("{}/{}", text(&c["input_tokens"]), text(&c["output_tokens"])),
            format!("{:.4}", c["cost_usd"].as_f64().unwrap_or(0.0)),
            text(&c["errors"]),
            text(&c["models"]),
        ]);
    };
    let header = [
        "conversation",
        "started",
        "turns",
        "model calls",
        "tokens in/out",
        "cost $",
        "errors",
        "models",
    ];
    match id {
        Some(id) => {
            let body = get(api, &format!("/api/v1/conversations/{id}"), &[]).await?;
            print(api, &body, |body| {
                let mut summary = table(&header);
                conversation_row(&mut summary, &body["summary"]);
                let mut turns = table(&[
                    "trace id",
                    "start",
                    "root",
                    "duration ms",
                    "errors",
                    "tokens in/out",
                    "cost $",
                ]);
                for tr in body["traces"].as_array().into_iter().flatten() {
                    turns.add_row(vec![
                        text(&tr["trace_id"]),
                        ns_to_time(&tr["start_ns"]),
                        text(&tr["root_name"]),
                        format!("{:.1}", tr["duration_ns"].as_f64().unwrap_or(0.0) / 1e6),
                        text(&tr["error_count"]),
                        format!(
                            "{}/{}",
                            text(&tr["input_tokens"]),
                            text(&tr["output_tokens"])
                        ),
                        format!("{:.4}", tr["cost_usd"].as_f64().unwrap_or(0.0)),
                    ]);
                }
                format!("{summary}\n{turns}")
            })
        }
        None => {
            let mut q = Vec::new();
            range.push(&mut q);
            filter.push(&mut q);
            let body = get(api, "/api/v1/conversations", &q).await?;
            print(api, &body, |body| {
                let mut t = table(&header);
                for c in body["conversations"].as_array().into_iter().flatten() {
                    conversation_row(&mut t, c);
                }
                t.to_string()
            })
        }
    }
}

/// What `flightdeck pricing` does.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum PricingCommand {
    /// Show the catalog entry (prices per million tokens, context window) a model resolves to.
    Lookup {
        /// Provider (`gen_ai.provider.name`), e.g. openai.
        #[arg(long)]
        provider: Option<String>,
        /// Model name as sent, e.g. gpt-4o-2024-08-06.
        model: String,
    },
    /// List models used with token usage but missing from the catalog (add them to the
    /// overrides file).
    Unpriced {
        /// Time range (default: the last 7 days).
        #[command(flatten)]
        range: RangeArgs,
    },
    /// Recompute the cost of stored model calls with the server's current catalog and overrides
    /// (all time unless a range is given).
    Recompute {
        /// Time range (default: all time).
        #[command(flatten)]
        range: RangeArgs,
    },
}

/// `flightdeck pricing ...`.
pub async fn pricing(api: &ApiArgs, command: &PricingCommand) -> anyhow::Result<()> {
    match command {
        PricingCommand::Lookup { provider, model } => {
            let mut q = vec![("model".to_owned(), model.clone())];
            push_opt(&mut q, "provider", provider);
            let body = get(api, "/api/v1/pricing/lookup", &q).await?;
            print(api, &body, |b| {
                let prices = &b["entry"]["prices"];
                let mut t = table(&[
                    "priced as",
                    "context window",
                    "max output",
                    "prices (USD per million tokens)",
                ]);
                t.add_row(vec![
                    text(&b["priced_as"]),
                    text(&b["context_window"]),
                    text(&b["max_output"]),
                    serde_json::to_string(prices).unwrap_or_default(),
                ]);
                t.to_string()
            })
        }
        PricingCommand::Unpriced { range } => {
            let mut q = Vec::new();
            range.push(&mut q);
            let body = get(api, "/api/v1/models/unpriced", &q).await?;
            print(api, &body, |b| {
                let mut t = table(&[
                    "provider",
                    "model",
                    "calls",
                    "input tokens",
                    "output tokens",
                    "last seen",
                ]);
                for m in b["models"].as_array().into_iter().flatten() {
                    t.add_row(vec![
                        text(&m["provider"]),
                        text(&m["model"]),
                        text(&m["calls"]),
                        text(&m["input_tokens"]),
                        text(&m["output_tokens"]),
                        ns_to_time(&m["last_seen_ns"]),
                    ]);
                }
                t.to_string()
            })
        }
        PricingCommand::Recompute { range } => {
            let mut q = Vec::new();
            range.push(&mut q);
            let body = post(api, "/api/v1/pricing/recompute", &q).await?;
            print(api, &body, |b| {
                format!(
                    "examined {} model calls, updated {} in {} ms",
                    text(&b["spans_examined"]),
                    text(&b["spans_updated"]),
                    text(&b["duration_ms"])
                )
            })
        }
    }
}

/// `flightdeck stats`.
pub async fn stats(api: &ApiArgs) -> anyhow::Result<()> {
    let body = get(api, "/api/v1/stats", &[]).await?;
    print(api, &body, |body| {
        let mut t = table(&[
            "signal",
            "received",
            "accepted",
            "rejected (invalid)",
            "refused (busy)",
            "failed",
        ]);
        for signal in ["spans", "logs", "metric_points"] {
            let s = &body["ingest"][signal];
            t.add_row(vec![
                signal.to_owned(),
                text(&s["received"]),
                text(&s["accepted"]),
                text(&s["rejected_invalid"]),
                text(&s["refused_busy"]),
                text(&s["failed"]),
            ]);
        }
        format!(
            "flightdeck {} up {}s; stored: {} spans, {} log records, {} bytes on disk\n{t}",
            text(&body["version"]),
            text(&body["uptime_seconds"]),
            text(&body["store"]["spans"]),
            text(&body["store"]["logs"]),
            text(&body["store"]["bytes_on_disk"]),
        )
    })
}

fn share(v: &Value) -> String {
    match (v["count"].as_u64(), v["of"].as_u64()) {
        (Some(count), Some(of)) if of > 0 => {
            format!("{count}/{of} ({:.0}%)", count as f64 * 100.0 / of as f64)
        }
        _ => "-".into(),
    }
}

/// `flightdeck diagnostics`: why a trace "does not show up" or "shows no cost" — per service and
/// instrumentation scope: what arrived, in which dialects, what is missing, deprecated names in
/// use, content presence; conformance findings on recent spans; unpriced models; recent
/// rejections with their reasons.
pub async fn diagnostics(api: &ApiArgs, range: &RangeArgs) -> anyhow::Result<()> {
    let mut q = Vec::new();
    range.push(&mut q);
    let (diagnostics, findings) = tokio::try_join!(
        get(api, "/api/v1/diagnostics", &q),
        get(api, "/api/v1/diagnostics/findings", &q),
    )?;
    let body = serde_json::json!({ "diagnostics": diagnostics, "findings": findings });
    print(api, &body, |body| {
        let mut out = String::new();
        let groups = body["diagnostics"]["instrumentations"]["groups"].as_array();
        let mut t = table(&[
            "service",
            "instrumentation",
            "spans",
            "GenAI",
            "dialects",
            "no model",
            "no provider",
            "no usage",
            "no TTFT (streams)",
            "deprecated names",
            "content",
        ]);
        for g in groups.into_iter().flatten() {
            let dialects = g["dialects"]
                .as_object()
                .map(|d| {
                    d.iter()
                        .map(|(k, v)| format!("{k} {v}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default();
            let deprecated = g["deprecated"]
                .as_object()
                .map(|d| d.keys().cloned().collect::<Vec<_>>().join(", "))
                .unwrap_or_default();
            t.add_row(vec![
                text(&g["service"]),
                format!("{} {}", text(&g["scope_name"]), text(&g["scope_version"])),
                text(&g["spans"]),
                text(&g["genai_spans"]),
                dialects,
                share(&g["missing_model"]),
                share(&g["missing_provider"]),
                share(&g["missing_usage"]),
                share(&g["missing_time_to_first_chunk"]),
                deprecated,
                if g["content"]["present"] == true {
                    "yes".into()
                } else {
                    "no".into()
                },
            ]);
        }
        out.push_str(&format!("Instrumentations since start\n{t}\n"));

        let mut t = table(&["service", "instrumentation", "code", "spans", "example"]);
        let mut any = false;
        for scope in body["findings"]["scopes"].as_array().into_iter().flatten() {
            for f in scope["findings"].as_array().into_iter().flatten() {
                any = true;
                t.add_row(vec![
                    text(&scope["service"]),
                    format!(
                        "{} {}",
                        text(&scope["scope_name"]),
                        text(&scope["scope_version"])
                    ),
                    text(&f["code"]),
                    format!("{}/{}", text(&f["spans"]), text(&scope["spans_checked"])),
                    format!(
                        "{} (trace {} span {})",
                        text(&f["example_message"]),
                        text(&f["example_trace_id"]),
                        text(&f["example_span_id"])
                    ),
                ]);
            }
        }
        if any {
            out.push_str(&format!(
                "\nConformance findings on recent GenAI spans\n{t}\n"
            ));
        } else {
            out.push_str("\nConformance findings on recent GenAI spans: none\n");
        }

        let unpriced = body["diagnostics"]["unpriced_models"].as_array();
        let mut t = table(&["provider", "model", "calls"]);
        let mut any = false;
        for m in unpriced.into_iter().flatten() {
            any = true;
            t.add_row(vec![
                text(&m["provider"]),
                text(&m["model"]),
                text(&m["calls"]),
            ]);
        }
        if any {
            out.push_str(&format!(
                "\nModels without a price (add them to a pricing overrides file)\n{t}\n"
            ));
        }

        let ingest = &body["diagnostics"]["ingest"];
        out.push_str(&format!(
            "\nIngest: {} requests, {} malformed, {} too large; spans rejected {}, refused (busy) {}",
            text(&ingest["requests"]),
            text(&ingest["bad_requests"]),
            text(&ingest["too_large"]),
            text(&ingest["spans"]["rejected_invalid"]),
            text(&ingest["spans"]["refused_busy"]),
        ));
        for r in ingest["recent_rejections"].as_array().into_iter().flatten() {
            out.push_str(&format!(
                "\n  {} {} {}: {}",
                ns_to_time(&r["time_unix_nano"]),
                text(&r["transport"]),
                text(&r["signal"]),
                text(&r["message"])
            ));
        }
        out
    })
}
