//! The MCP server: every tool registered in one place, with its stable name, description,
//! argument schema and annotations. The same [`FlightdeckMcp`] serves stdio and streamable HTTP.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolResult, Implementation, ServerCapabilities, ServerConfig};
use rmcp::{ServerHandler, tool, tool_handler, tool_router};

use crate::api::Api;
use crate::error::respond;
use crate::tools::{
    agent_graph, compare_cohorts, conversations, cost_report, diff_traces, genai_stats, get_span,
    get_trace, ingest_status, overview, search_traces, top_operations,
};

/// What the server tells the agent when it connects.
pub const INSTRUCTIONS: &str = "Flightdeck stores OpenTelemetry traces of LLM applications and \
agents (model calls, tools, agents, retrieval) and answers questions about latency, errors, \
tokens and cost. Start with overview (names of services and models), then narrow down: \
search_traces → get_trace (with the critical path) → get_span, or genai_stats / \
top_operations / cost_report for aggregates, compare_cohorts to tell whether a model, release or \
time window is better or worse beyond noise, diff_traces for what changed between two runs, \
agent_graph for what agents invoke and where they loop or stall, list_conversations for \
sessions, ingest_status when data looks missing. Time \
ranges: `since` (15m, 1h, 7d) or `start`/`end` (RFC 3339). Answers are compact text with ids to \
drill into and are cut at a fixed size with a note saying how to get the rest.";

/// The Flightdeck MCP server. Cheap to clone; holds no per-session state.
#[derive(Clone)]
pub struct FlightdeckMcp {
    api: Api,
}

impl FlightdeckMcp {
    /// A server whose tools read from `api`.
    pub fn new(api: Api) -> FlightdeckMcp {
        FlightdeckMcp { api }
    }

    /// The names of the registered tools, sorted.
    pub fn tool_names() -> Vec<String> {
        Self::tool_router()
            .list_all()
            .into_iter()
            .map(|t| t.name.into_owned())
            .collect()
    }
}

#[tool_router]
impl FlightdeckMcp {
    #[tool(
        name = "overview",
        description = overview::DESCRIPTION,
        annotations(title = "Overview", read_only_hint = true, open_world_hint = false)
    )]
    async fn overview(&self, Parameters(args): Parameters<overview::Args>) -> CallToolResult {
        respond(overview::run(&self.api, args).await)
    }

    #[tool(
        name = "search_traces",
        description = search_traces::DESCRIPTION,
        annotations(title = "Search traces", read_only_hint = true, open_world_hint = false)
    )]
    async fn search_traces(
        &self,
        Parameters(args): Parameters<search_traces::Args>,
    ) -> CallToolResult {
        respond(search_traces::run(&self.api, args).await)
    }

    #[tool(
        name = "get_trace",
        description = get_trace::DESCRIPTION,
        annotations(title = "Get a trace", read_only_hint = true, open_world_hint = false)
    )]
    async fn get_trace(&self, Parameters(args): Parameters<get_trace::Args>) -> CallToolResult {
        respond(get_trace::run(&self.api, args).await)
    }

    #[tool(
        name = "get_span",
        description = get_span::DESCRIPTION,
        annotations(title = "Get a span", read_only_hint = true, open_world_hint = false)
    )]
    async fn get_span(&self, Parameters(args): Parameters<get_span::Args>) -> CallToolResult {
        respond(get_span::run(&self.api, args).await)
    }

    #[tool(
        name = "genai_stats",
        description = genai_stats::DESCRIPTION,
        annotations(title = "GenAI statistics", read_only_hint = true, open_world_hint = false)
    )]
    async fn genai_stats(&self, Parameters(args): Parameters<genai_stats::Args>) -> CallToolResult {
        respond(genai_stats::run(&self.api, args).await)
    }

    #[tool(
        name = "cost_report",
        description = cost_report::DESCRIPTION,
        annotations(title = "Cost report", read_only_hint = true, open_world_hint = false)
    )]
    async fn cost_report(&self, Parameters(args): Parameters<cost_report::Args>) -> CallToolResult {
        respond(cost_report::run(&self.api, args).await)
    }

    #[tool(
        name = "top_operations",
        description = top_operations::DESCRIPTION,
        annotations(
            title = "Slowest, most expensive or most failing operations",
            read_only_hint = true,
            open_world_hint = false
        )
    )]
    async fn top_operations(
        &self,
        Parameters(args): Parameters<top_operations::Args>,
    ) -> CallToolResult {
        respond(top_operations::run(&self.api, args).await)
    }

    #[tool(
        name = "list_conversations",
        description = conversations::LIST_DESCRIPTION,
        annotations(title = "List conversations", read_only_hint = true, open_world_hint = false)
    )]
    async fn list_conversations(
        &self,
        Parameters(args): Parameters<conversations::ListArgs>,
    ) -> CallToolResult {
        respond(conversations::list(&self.api, args).await)
    }

    #[tool(
        name = "get_conversation",
        description = conversations::GET_DESCRIPTION,
        annotations(title = "Get a conversation", read_only_hint = true, open_world_hint = false)
    )]
    async fn get_conversation(
        &self,
        Parameters(args): Parameters<conversations::GetArgs>,
    ) -> CallToolResult {
        respond(conversations::get(&self.api, args).await)
    }

    #[tool(
        name = "compare_cohorts",
        description = compare_cohorts::DESCRIPTION,
        annotations(title = "Compare two cohorts", read_only_hint = true, open_world_hint = false)
    )]
    async fn compare_cohorts(
        &self,
        Parameters(args): Parameters<compare_cohorts::Args>,
    ) -> CallToolResult {
        respond(compare_cohorts::run(&self.api, args).await)
    }

    #[tool(
        name = "diff_traces",
        description = diff_traces::DESCRIPTION,
        annotations(title = "Diff two traces", read_only_hint = true, open_world_hint = false)
    )]
    async fn diff_traces(&self, Parameters(args): Parameters<diff_traces::Args>) -> CallToolResult {
        respond(diff_traces::run(&self.api, args).await)
    }

    #[tool(
        name = "agent_graph",
        description = agent_graph::DESCRIPTION,
        annotations(title = "Agent workflow graph", read_only_hint = true, open_world_hint = false)
    )]
    async fn agent_graph(&self, Parameters(args): Parameters<agent_graph::Args>) -> CallToolResult {
        respond(agent_graph::run(&self.api, args).await)
    }

    #[tool(
        name = "ingest_status",
        description = ingest_status::DESCRIPTION,
        annotations(title = "Ingest status", read_only_hint = true, open_world_hint = false)
    )]
    async fn ingest_status(
        &self,
        Parameters(args): Parameters<ingest_status::Args>,
    ) -> CallToolResult {
        respond(ingest_status::run(&self.api, args).await)
    }
}

#[tool_handler]
impl ServerHandler for FlightdeckMcp {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("flightdeck", env!("CARGO_PKG_VERSION")))
            .with_instructions(INSTRUCTIONS)
    }
}
