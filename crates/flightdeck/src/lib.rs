//! The `flightdeck` command: configuration, the `serve` wiring, the CLI's API client, the MCP
//! stdio server, the load generator, the mock LLM provider and the demo. `main.rs` only parses
//! arguments and dispatches here; tests start servers in-process through [`serve::start`].

pub mod analysis;
pub mod client;
pub mod config;
pub mod config_check;
pub mod demo;
pub mod loadgen;
pub mod mcp;
pub mod mock_llm;
pub mod pipeline;
pub mod querybench;
pub mod serve;
