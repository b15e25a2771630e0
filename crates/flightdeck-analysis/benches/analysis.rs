//! Cost of the per-trace analyses on a large agent trace, of aggregating agent graphs, and of a
//! cohort comparison.
//!
//! - `critical_path/10k_spans`, `agent_graph/10k_spans`, `agent_analyze/10k_spans`,
//!   `rag_views/10k_spans`, `diff/10k_vs_10k`: one 10,000-span trace (diffed against a re-run with
//!   changed timings and tokens and a few spans missing) of a workflow running
//!   agents that call models, tools (with HTTP spans beneath), retrievals and sub-agents, with
//!   parallel tool calls.
//! - `graph_merge/1000_graphs`: merging 1,000 per-trace graphs (about 40 spans each, drawn from
//!   a pool of agents, tools and models) into one.
//! - `cohort_compare/2x100k`: comparing two cohorts of 100,000 requests each.
//!
//! Run with `cargo bench -p flightdeck-analysis`.
//!
//! Last result (2-vCPU AMD EPYC VM shared with other builds, load average about 17, so wall
//! times are inflated about threefold; the CPU time per call, read from the thread's CPU
//! clock on the same data, is given second):
//!
//! | benchmark | criterion wall time | CPU time |
//! |---|---|---|
//! | critical_path/10k_spans | 8.4 ms | 1.6–4.4 ms |
//! | agent_graph/10k_spans | 11.0 ms | 1.7–3.5 ms |
//! | agent_analyze/10k_spans (graph + findings) | 11.4 ms | 2.3–4.3 ms |
//! | rag_views/10k_spans (all 1,797 generations) | 24.7 ms | 6.8–9.1 ms |
//! | diff/10k_vs_10k | 27.6 ms | 8.2–14.4 ms |
//! | graph_merge/1000_graphs | 19.1 ms | 4.8–5.6 ms |
//! | cohort_compare/2x100k | 135.7 ms | 38–43 ms |

#![allow(missing_docs)] // criterion_group! generates undocumented functions
#![allow(clippy::expect_used)] // a failed setup should abort the benchmark

use std::hint::black_box;
use std::sync::Arc;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use flightdeck_analysis::agent::{FindingConfig, Graph, analyze};
use flightdeck_analysis::cohort::{CompareConfig, RequestSample, compare_cohorts};
use flightdeck_analysis::critical_path;
use flightdeck_analysis::diff::{DiffConfig, diff_traces};
use flightdeck_analysis::rag::rag_views;
use flightdeck_model::{
    GenAi, KeyValue, Resource, Retrieval, RetrievedDocument, Scope, Span, SpanId, SpanKind, Status,
    TraceId, Usage,
};

/// A tiny deterministic generator (xorshift), so the benchmark data is the same every run.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

struct Builder {
    trace: TraceId,
    resource: Arc<Resource>,
    scope: Arc<Scope>,
    spans: Vec<Span>,
    next_id: u64,
}

impl Builder {
    fn new(trace: u128) -> Builder {
        Builder {
            trace: TraceId::from_int(trace).expect("non-zero trace id"),
            resource: Arc::new(Resource {
                attributes: vec![KeyValue::new("service.name", "agent-service")]
                    .into_iter()
                    .collect(),
                ..Resource::default()
            }),
            scope: Arc::new(Scope::default()),
            spans: Vec::new(),
            next_id: 1,
        }
    }

    fn add(
        &mut self,
        parent: Option<SpanId>,
        name: String,
        start: u64,
        end: u64,
        genai: GenAi,
    ) -> SpanId {
        let id = SpanId::from_int(self.next_id).expect("non-zero span id");
        self.next_id += 1;
        self.spans.push(Span {
            trace_id: self.trace,
            span_id: id,
            parent_span_id: parent,
            trace_state: String::new(),
            flags: 0,
            name,
            kind: SpanKind::Internal,
            start_time_unix_nano: start,
            end_time_unix_nano: end,
            attributes: Default::default(),
            dropped_attributes_count: 0,
            events: Vec::new(),
            dropped_events_count: 0,
            links: Vec::new(),
            dropped_links_count: 0,
            status: Status::default(),
            resource: self.resource.clone(),
            scope: self.scope.clone(),
            genai,
        });
        id
    }
}

const MS: u64 = 1_000_000;
const AGENTS: [&str; 6] = [
    "planner",
    "researcher",
    "writer",
    "critic",
    "coder",
    "router",
];
const TOOLS: [&str; 8] = [
    "search", "fetch", "calc", "sql", "python", "browse", "email", "calendar",
];
const MODELS: [&str; 3] = ["gpt-4o", "gpt-4o-mini", "claude-sonnet"];

fn op(operation: &str) -> GenAi {
    GenAi {
        operation: Some(operation.to_owned()),
        ..GenAi::default()
    }
}

/// One agent invocation starting at `t`: steps of (retrieval?) model call, then 1–3 tool calls in
/// parallel, sometimes a sub-agent. Returns the end time.
fn agent_run(
    b: &mut Builder,
    g: &mut Gen,
    parent: SpanId,
    t: u64,
    depth: u32,
    budget: usize,
) -> u64 {
    let name = AGENTS[g.below(AGENTS.len() as u64) as usize];
    let agent = b.add(
        Some(parent),
        format!("invoke_agent {name}"),
        t,
        t, // end patched below
        GenAi {
            agent_name: Some(name.to_owned()),
            ..op("invoke_agent")
        },
    );
    let agent_index = b.spans.len() - 1;
    let mut t = t + MS;
    let steps = 3 + g.below(5);
    for _ in 0..steps {
        if b.spans.len() >= budget {
            break;
        }
        if g.below(3) == 0 {
            let d = 20 * MS + g.below(80) * MS;
            b.add(
                Some(agent),
                "retrieval kb".to_owned(),
                t,
                t + d,
                GenAi {
                    retrieval: Some(Retrieval {
                        data_source: Some("kb".to_owned()),
                        query: Some("q".to_owned()),
                        top_k: Some(3),
                        documents: (0..3)
                            .map(|k| RetrievedDocument {
                                id: Some(format!("doc-{k}")),
                                score: Some(0.5 + 0.1 * k as f64),
                                content: None,
                            })
                            .collect(),
                    }),
                    ..op("retrieval")
                },
            );
            t += d;
        }
        let model = MODELS[g.below(MODELS.len() as u64) as usize];
        let d = 200 * MS + g.below(1_500) * MS;
        b.add(
            Some(agent),
            format!("chat {model}"),
            t,
            t + d,
            GenAi {
                request_model: Some(model.to_owned()),
                usage: Usage {
                    input_tokens: Some(500 + g.below(3_000) as i64),
                    output_tokens: Some(50 + g.below(500) as i64),
                    ..Usage::default()
                },
                ..op("chat")
            },
        );
        t += d;
        let parallel = 1 + g.below(3);
        let mut step_end = t;
        for _ in 0..parallel {
            let tool = TOOLS[g.below(TOOLS.len() as u64) as usize];
            let start = t + g.below(5) * MS;
            let d = 10 * MS + g.below(400) * MS;
            let id = b.add(
                Some(agent),
                format!("execute_tool {tool}"),
                start,
                start + d,
                GenAi {
                    tool_name: Some(tool.to_owned()),
                    ..op("execute_tool")
                },
            );
            b.add(
                Some(id),
                format!("GET /api/{tool}/{}", g.below(100_000)),
                start + MS,
                start + d - MS,
                GenAi::default(),
            );
            step_end = step_end.max(start + d);
        }
        t = step_end;
        if depth < 3 && g.below(4) == 0 && b.spans.len() < budget {
            t = agent_run(b, g, agent, t, depth + 1, budget);
        }
    }
    t += MS;
    b.spans[agent_index].end_time_unix_nano = t;
    t
}

/// A trace of about `n` spans: one workflow invoking agents one after another.
fn agent_trace(n: usize, trace: u128, seed: u64) -> Vec<Span> {
    let mut b = Builder::new(trace);
    let mut g = Gen(seed);
    let root = b.add(None, "POST /v1/run".to_owned(), 0, 0, GenAi::default());
    let workflow = b.add(
        Some(root),
        "invoke_workflow trip".to_owned(),
        MS,
        MS,
        op("invoke_workflow"),
    );
    let mut t = 2 * MS;
    while b.spans.len() < n {
        t = agent_run(&mut b, &mut g, workflow, t, 0, n);
    }
    b.spans.truncate(n);
    // Close the root and the workflow around everything.
    let end = b
        .spans
        .iter()
        .map(|s| s.end_time_unix_nano)
        .max()
        .unwrap_or(t)
        + MS;
    b.spans[1].end_time_unix_nano = end - MS / 2;
    b.spans[0].end_time_unix_nano = end;
    b.spans
}

/// The same run again, in another trace: every 7th span took 30% longer, every 11th model
/// call used 100 more input tokens, and every 97th span is gone.
fn rerun(trace: &[Span]) -> Vec<Span> {
    let id = TraceId::from_int(2).expect("non-zero trace id");
    trace
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 97 != 50)
        .map(|(i, s)| {
            let mut s = s.clone();
            s.trace_id = id;
            if i % 7 == 0 {
                s.end_time_unix_nano += s.duration_nanos() * 3 / 10;
            }
            if i % 11 == 0
                && let Some(t) = s.genai.usage.input_tokens.as_mut()
            {
                *t += 100;
            }
            s
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let trace = agent_trace(10_000, 1, 42);
    let other = rerun(&trace);

    let mut group = c.benchmark_group("per_trace");
    group.throughput(Throughput::Elements(trace.len() as u64));
    group.bench_function("critical_path/10k_spans", |b| {
        b.iter(|| critical_path(black_box(&trace)))
    });
    group.bench_function("agent_graph/10k_spans", |b| {
        b.iter(|| Graph::from_spans(black_box(&trace)))
    });
    let config = FindingConfig::default();
    group.bench_function("agent_analyze/10k_spans", |b| {
        b.iter(|| analyze(black_box(&trace), &config))
    });
    group.bench_function("rag_views/10k_spans", |b| {
        b.iter(|| rag_views(black_box(&trace)))
    });
    let diff_config = DiffConfig::default();
    group.bench_function("diff/10k_vs_10k", |b| {
        b.iter(|| diff_traces(black_box(&trace), black_box(&other), &diff_config))
    });
    group.finish();

    let graphs: Vec<Graph> = (0..1_000u64)
        .map(|k| Graph::from_spans(&agent_trace(40, u128::from(k) + 10, k + 1)))
        .collect();
    let mut group = c.benchmark_group("aggregate");
    group.throughput(Throughput::Elements(graphs.len() as u64));
    group.bench_function("graph_merge/1000_graphs", |b| {
        b.iter_batched(
            Graph::new,
            |mut total| {
                for g in &graphs {
                    total.merge(g);
                }
                total
            },
            BatchSize::SmallInput,
        )
    });

    let mut g = Gen(7);
    let mut cohort = |shift: f64| -> Vec<RequestSample> {
        (0..100_000)
            .map(|_| {
                let latency = (200 + g.below(2_000)) as f64 * shift;
                RequestSample {
                    latency_ms: latency,
                    ttft_ms: Some(latency / 4.0),
                    input_tokens: Some(500 + g.below(3_000)),
                    output_tokens: Some(50 + g.below(500)),
                    cost_usd: Some(0.0001 * g.below(100) as f64),
                    error: g.below(50) == 0,
                }
            })
            .collect()
    };
    let (a, b) = (cohort(1.0), cohort(1.05));
    let compare = CompareConfig::default();
    group.throughput(Throughput::Elements(200_000));
    group.bench_function("cohort_compare/2x100k", |bench| {
        bench.iter(|| compare_cohorts(black_box(&a), black_box(&b), &compare))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
