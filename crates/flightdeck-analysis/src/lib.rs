//! Per-trace analyses and comparisons of GenAI traces: pure functions over
//! [`flightdeck_model::Span`]s that the store and the API call. No I/O happens here.
//!
//! | module | question it answers |
//! |---|---|
//! | [`critical_path`](mod@critical_path) | which chain of spans determined the trace's latency, and each span's share |
//! | [`agent`] | the graph of agents, workflows, tools, model calls and retrievals (one trace or merged over many, following span links across traces); loops, agent cycles and stalls |
//! | [`rag`] | which retrievals (data source, query, documents, scores) fed a model call; retrieval latency and score distributions |
//! | [`conversation`] | all turns of a `gen_ai.conversation.id`, in order, with totals |
//! | [`cohort`] | is cohort B better or worse than cohort A on latency, TTFT, tokens, cost and errors, beyond noise |
//! | [`diff`] | what changed between two runs: spans added, missing, slower, more tokens, other status or model |
//!
//! Every function takes the spans it needs (the caller fetches them), tolerates bad data
//! (orphans, cycles, clock skew, duplicate ids, inverted timestamps) without panicking, runs
//! without recursion, keeps memory bounded, and returns a `serde::Serialize` result whose JSON
//! is what the API returns. Output order is deterministic.
//!
//! Not here: fetching spans, choosing cohorts (the store's job), pricing (the pricing crate
//! fills `genai.cost`) and rendering.
//!
//! ```
//! use std::sync::Arc;
//! use flightdeck_analysis::{agent, critical_path};
//! use flightdeck_model::{GenAi, Resource, Scope, Span, SpanId, SpanKind, TraceId};
//!
//! fn span(id: u64, parent: u64, name: &str, operation: &str, start: u64, end: u64) -> Span {
//!     Span {
//!         trace_id: TraceId::from_int(1).unwrap(),
//!         span_id: SpanId::from_int(id).unwrap(),
//!         parent_span_id: SpanId::from_int(parent),
//!         trace_state: String::new(),
//!         flags: 0,
//!         name: name.into(),
//!         kind: SpanKind::Internal,
//!         start_time_unix_nano: start,
//!         end_time_unix_nano: end,
//!         attributes: Default::default(),
//!         dropped_attributes_count: 0,
//!         events: vec![],
//!         dropped_events_count: 0,
//!         links: vec![],
//!         dropped_links_count: 0,
//!         status: Default::default(),
//!         resource: Arc::new(Resource::default()),
//!         scope: Arc::new(Scope::default()),
//!         genai: GenAi { operation: Some(operation.into()), ..GenAi::default() },
//!     }
//! }
//!
//! let mut planner = span(1, 0, "invoke_agent planner", "invoke_agent", 0, 100);
//! planner.genai.agent_name = Some("planner".into());
//! let mut search = span(2, 1, "execute_tool search", "execute_tool", 10, 70);
//! search.genai.tool_name = Some("search".into());
//! let spans = vec![planner, search];
//!
//! // 10 ns of the agent, 60 ns of the tool, 30 ns of the agent again.
//! let path = critical_path(&spans);
//! assert_eq!(path.spans[1].self_ns, 60);
//!
//! let analysis = agent::analyze(&spans, &agent::FindingConfig::default());
//! let json = serde_json::to_value(&analysis.graph).unwrap();
//! assert_eq!(json["edges"][0]["from"], "agent:planner");
//! assert_eq!(json["edges"][0]["to"], "tool:search");
//! ```

pub mod agent;
mod classify;
pub mod cohort;
pub mod conversation;
pub mod critical_path;
pub mod diff;
pub mod rag;
mod tree;

pub use classify::NodeKind;
pub use critical_path::{CriticalPath, CriticalSegment, CriticalSpan, critical_path};
