//! `flightdeck querybench`: times the HTTP API's queries against a running server (for the
//! figures in the README). Parameters (a trace id, a model, a conversation, ...) are discovered
//! from the data, so it works on any store.

use std::time::Instant;

use anyhow::Context as _;
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use serde_json::Value;

use crate::client::{ApiArgs, get, write_stdout};

/// Flags of `flightdeck querybench`.
#[derive(Debug, Clone, clap::Args)]
pub struct QuerybenchArgs {
    /// Where the server's API is.
    #[command(flatten)]
    pub api: ApiArgs,
    /// Times each query is run (after one warm-up run).
    #[arg(long, default_value_t = 10)]
    pub iterations: usize,
}

async fn discover(api: &ApiArgs) -> anyhow::Result<Vec<(String, String)>> {
    let since = [("since".to_owned(), "30d".to_owned())];
    let traces = get(
        api,
        "/api/v1/traces",
        &[since[0].clone(), ("limit".into(), "1".into())],
    )
    .await?;
    let trace_id = traces["traces"][0]["trace_id"]
        .as_str()
        .context(
            "the store has no traces in the last 30 days; load some first (flightdeck loadgen)",
        )?
        .to_owned();
    // The previous trace, for the diff (the same one when there is only one).
    let cursor = traces["next_cursor"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let previous = get(
        api,
        "/api/v1/traces",
        &[
            since[0].clone(),
            ("limit".into(), "1".into()),
            ("cursor".into(), cursor.clone()),
        ],
    )
    .await;
    let trace_b = match (&previous, cursor.is_empty()) {
        (Ok(body), false) => body["traces"][0]["trace_id"]
            .as_str()
            .unwrap_or(&trace_id)
            .to_owned(),
        _ => trace_id.clone(),
    };
    let models = get(api, "/api/v1/models", &since).await?;
    let model = models["models"][0]["model"]
        .as_str()
        .unwrap_or("gpt-4o")
        .to_owned();
    let model_b = models["models"][1]["model"]
        .as_str()
        .unwrap_or(&model)
        .to_owned();
    let agents = get(
        api,
        "/api/v1/analytics",
        &[
            since[0].clone(),
            ("group_by".into(), "agent".into()),
            ("operation".into(), "invoke_agent".into()),
            ("limit".into(), "1".into()),
        ],
    )
    .await?;
    let agent = agents["rows"][0]["group"]["agent"]
        .as_str()
        .unwrap_or("planner")
        .to_owned();
    let conversations = get(
        api,
        "/api/v1/conversations",
        &[since[0].clone(), ("limit".into(), "1".into())],
    )
    .await?;
    let conversation = conversations["conversations"][0]["conversation_id"]
        .as_str()
        .unwrap_or("none")
        .to_owned();
    let stats = get(api, "/api/v1/stats", &[]).await?;
    let indexed = stats["indexed_attributes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect::<Vec<_>>()
        .join(",");
    Ok(vec![
        ("indexed".into(), indexed),
        ("trace_id".into(), trace_id),
        ("trace_b".into(), trace_b),
        ("model".into(), model),
        ("model_b".into(), model_b),
        ("agent".into(), agent),
        ("conversation".into(), conversation),
    ])
}

/// Query-string pairs.
type Query = Vec<(String, String)>;

/// The query suite: (label, path, query).
fn suite(found: &[(String, String)]) -> Vec<(String, String, Query)> {
    let value = |k: &str| {
        found
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let q = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<Vec<_>>()
    };
    let indexed = value("indexed");
    // The label of a query by attribute `key`: says whether the server indexes it.
    let by = |what: &str, key: &str| {
        let tag = if indexed.split(',').any(|k| k == key) {
            "indexed"
        } else {
            "not indexed"
        };
        format!("{what} {key} ({tag}), last 24 h")
    };
    let model = value("model");
    let (trace, trace_b) = (value("trace_id"), value("trace_b"));
    let hour_ago = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos()
        .saturating_sub(3_600_000_000_000))
    .to_string();
    vec![
        (
            "trace by id".into(),
            format!("/api/v1/traces/{}", value("trace_id")),
            vec![],
        ),
        (
            "search, last hour, newest 20".into(),
            "/api/v1/traces".into(),
            q(&[("since", "1h")]),
        ),
        (
            "search by model, last 24 h".into(),
            "/api/v1/traces".into(),
            q(&[("since", "24h"), ("model", &model)]),
        ),
        (
            "search errors, last 24 h".into(),
            "/api/v1/traces".into(),
            q(&[("since", "24h"), ("status", "error")]),
        ),
        (
            by("search by attribute", "tenant.id"),
            "/api/v1/traces".into(),
            q(&[("since", "24h"), ("attr", "tenant.id=tenant-3")]),
        ),
        (
            by("search by attribute", "user.id"),
            "/api/v1/traces".into(),
            q(&[("since", "24h"), ("attr", "user.id=user-7")]),
        ),
        (
            "services, last 24 h".into(),
            "/api/v1/services".into(),
            q(&[("since", "24h")]),
        ),
        (
            "operations, last 24 h".into(),
            "/api/v1/operations".into(),
            q(&[("since", "24h")]),
        ),
        (
            "models, last 24 h".into(),
            "/api/v1/models".into(),
            q(&[("since", "24h")]),
        ),
        (
            "per-model p99 latency, last hour".into(),
            "/api/v1/analytics".into(),
            q(&[("since", "1h"), ("group_by", "model")]),
        ),
        (
            "per-model p99 latency, last 24 h".into(),
            "/api/v1/analytics".into(),
            q(&[("since", "24h"), ("group_by", "model")]),
        ),
        (
            "model time series (5m), last 24 h".into(),
            "/api/v1/analytics".into(),
            q(&[("since", "24h"), ("group_by", "model"), ("step", "5m")]),
        ),
        (
            "cost by user, last 24 h".into(),
            "/api/v1/analytics".into(),
            q(&[("since", "24h"), ("group_by", "user"), ("order_by", "cost")]),
        ),
        (
            "by service version, last 24 h".into(),
            "/api/v1/analytics".into(),
            q(&[("since", "24h"), ("group_by", "service_version,operation")]),
        ),
        (
            by("by attribute", "tenant.id"),
            "/api/v1/analytics".into(),
            q(&[("since", "24h"), ("group_by", "attr:tenant.id")]),
        ),
        (
            by("by resource attribute", "host.name"),
            "/api/v1/analytics".into(),
            q(&[("since", "24h"), ("group_by", "attr:host.name")]),
        ),
        (
            "conversations, last 24 h".into(),
            "/api/v1/conversations".into(),
            q(&[("since", "24h")]),
        ),
        (
            "one conversation".into(),
            format!("/api/v1/conversations/{}", value("conversation")),
            vec![],
        ),
        (
            "unpriced models, last 7 d".into(),
            "/api/v1/models/unpriced".into(),
            vec![],
        ),
        (
            "trace tree with critical path".into(),
            format!("/api/v1/traces/{trace}/tree"),
            vec![],
        ),
        (
            "agent graph of a trace (links followed)".into(),
            format!("/api/v1/traces/{trace}/agents"),
            vec![],
        ),
        (
            "RAG view of a trace".into(),
            format!("/api/v1/traces/{trace}/rag"),
            vec![],
        ),
        (
            "diff of two traces".into(),
            "/api/v1/diff".into(),
            q(&[("a", &trace_b), ("b", &trace)]),
        ),
        (
            "agent graph, newest 100 traces, last 24 h".into(),
            "/api/v1/agents".into(),
            q(&[("since", "24h")]),
        ),
        (
            "agent graph of one agent, newest 1000, 24 h".into(),
            "/api/v1/agents".into(),
            q(&[
                ("since", "24h"),
                ("agent", &value("agent")),
                ("limit", "1000"),
            ]),
        ),
        (
            "retrieval stats, newest 10,000, last 24 h".into(),
            "/api/v1/retrieval".into(),
            q(&[("since", "24h")]),
        ),
        (
            "compare two models, last 24 h".into(),
            "/api/v1/compare".into(),
            q(&[
                ("since", "24h"),
                ("a.model", &model),
                ("b.model", &value("model_b")),
            ]),
        ),
        (
            "compare last hour with the one before".into(),
            "/api/v1/compare".into(),
            q(&[("a.since", "1h"), ("a.end", &hour_ago), ("b.since", "1h")]),
        ),
    ]
}

/// Runs the suite and prints p50 / p90 / max per query.
pub async fn run(args: QuerybenchArgs) -> anyhow::Result<()> {
    let found = discover(&args.api).await?;
    let stats = get(&args.api, "/api/v1/stats", &[]).await?;
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_header(vec!["query", "p50 ms", "p90 ms", "max ms", "result"]);
    for (label, path, query) in suite(&found) {
        let mut times = Vec::with_capacity(args.iterations);
        let mut summary = String::new();
        for i in 0..=args.iterations {
            let started = Instant::now();
            let result = get(&args.api, &path, &query).await;
            let elapsed = started.elapsed().as_secs_f64() * 1e3;
            match result {
                Ok(body) if i == 0 => summary = describe(&body),
                Ok(_) => times.push(elapsed),
                Err(e) if i == 0 => {
                    summary = format!("error: {e:#}");
                    break;
                }
                Err(_) => {}
            }
        }
        times.sort_by(f64::total_cmp);
        let pct = |p: f64| {
            times
                .get(((times.len() as f64 - 1.0) * p).round() as usize)
                .copied()
        };
        let fmt = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.1}"));
        table.add_row(vec![
            label,
            fmt(pct(0.5)),
            fmt(pct(0.9)),
            fmt(times.last().copied()),
            summary,
        ]);
    }
    write_stdout(&format!(
        "{} spans stored ({} MB on disk); {} timed runs per query after one warm-up\n{table}",
        stats["store"]["spans"],
        stats["store"]["bytes_on_disk"].as_u64().unwrap_or(0) / (1 << 20),
        args.iterations
    ))
}

fn describe(body: &Value) -> String {
    if let Some(nodes) = body["graph"]["nodes"].as_array() {
        return format!(
            "{} nodes, {} edges",
            nodes.len(),
            body["graph"]["edges"].as_array().map_or(0, Vec::len)
        );
    }
    if body["comparison"].is_object() {
        let c = &body["comparison"];
        return format!("{} vs {} calls", c["a_requests"], c["b_requests"]);
    }
    if body["matched"].is_u64() {
        return format!("{} spans matched", body["matched"]);
    }
    if body["overall"].is_object() {
        return format!("{} retrievals", body["overall"]["retrievals"]);
    }
    for key in [
        "spans",
        "traces",
        "rows",
        "models",
        "services",
        "operations",
        "conversations",
        "generations",
    ] {
        if let Some(items) = body[key].as_array() {
            return format!("{} {key}", items.len());
        }
    }
    "ok".into()
}
