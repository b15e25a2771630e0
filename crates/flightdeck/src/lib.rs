//! The `flightdeck` command: configuration, the `serve` wiring, the CLI's API client, the MCP
//! stdio server and the load generator. `main.rs` only parses arguments and dispatches here; tests start servers in-process
//! through [`serve::start`].

pub mod analysis;
pub mod client;
pub mod config;
pub mod config_check;
pub mod loadgen;
pub mod mcp;
pub mod pipeline;
pub mod querybench;
pub mod serve;
