//! Configuration: an optional TOML file, overridden by `FLIGHTDECK_*` environment variables,
//! overridden by command-line flags.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use flightdeck_ingest::Limits;
use flightdeck_pipeline::{PipelineConfig, PricingConfig, RunnerConfig};
use flightdeck_store::StoreConfig;
use serde::{Deserialize, Serialize};

/// Where the servers listen.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Listen {
    /// OTLP/gRPC address.
    pub otlp_grpc_addr: SocketAddr,
    /// OTLP/HTTP address.
    pub otlp_http_addr: SocketAddr,
    /// HTTP API (and UI) address.
    pub http_addr: SocketAddr,
}

impl Default for Listen {
    fn default() -> Self {
        Listen {
            otlp_grpc_addr: SocketAddr::from(([127, 0, 0, 1], 4317)),
            otlp_http_addr: SocketAddr::from(([127, 0, 0, 1], 4318)),
            http_addr: SocketAddr::from(([127, 0, 0, 1], 4320)),
        }
    }
}

/// The MCP endpoint at `/mcp` on the HTTP port.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Mcp {
    /// `Host` header values `/mcp` accepts besides the loopback names (host or host:port), e.g.
    /// this machine's DNS name when the HTTP address is not loopback; `["*"]` accepts any host.
    /// A guard against DNS rebinding from web pages.
    pub allowed_hosts: Vec<String>,
}

/// The whole server configuration, as the TOML file spells it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Listening addresses.
    pub listen: Listen,
    /// The embedded store.
    pub store: StoreConfig,
    /// Request and attribute caps.
    pub limits: Limits,
    /// The queue between ingest and the store writer.
    pub queue: RunnerConfig,
    /// The cost engine.
    pub pricing: PricingConfig,
    /// Processors (normalize, enrich, redact, sample), local storage and forwarding.
    pub pipeline: PipelineConfig,
    /// The MCP endpoint.
    pub mcp: Mcp,
}

impl Config {
    /// Reads a TOML file; unknown keys are errors that name the key.
    pub fn from_file(path: &Path) -> anyhow::Result<Config> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("failed to read config file {}", path.display()))?;
        Self::from_toml(&text).with_context(|| format!("invalid config file {}", path.display()))
    }

    /// Parses TOML text.
    pub fn from_toml(text: &str) -> anyhow::Result<Config> {
        Ok(toml::from_str(text)?)
    }
}

/// Values given on the command line or in the environment; each one overrides the file.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Overrides {
    /// TOML configuration file (optional; flags and environment variables override it).
    #[arg(long, env = "FLIGHTDECK_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address for OTLP/gRPC [default: 127.0.0.1:4317].
    #[arg(long, env = "FLIGHTDECK_OTLP_GRPC_ADDR", value_name = "ADDR")]
    pub otlp_grpc_addr: Option<SocketAddr>,
    /// Address for OTLP/HTTP [default: 127.0.0.1:4318].
    #[arg(long, env = "FLIGHTDECK_OTLP_HTTP_ADDR", value_name = "ADDR")]
    pub otlp_http_addr: Option<SocketAddr>,
    /// Address for the HTTP API and web UI [default: 127.0.0.1:4320].
    #[arg(long, env = "FLIGHTDECK_HTTP_ADDR", value_name = "ADDR")]
    pub http_addr: Option<SocketAddr>,
    /// Data directory, created on first start [default: ./flightdeck-data].
    #[arg(long, env = "FLIGHTDECK_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Memory limit of the embedded database, e.g. 512MB or 2GB [default: 512MB].
    #[arg(long, env = "FLIGHTDECK_MEMORY_LIMIT", value_name = "SIZE")]
    pub memory_limit: Option<String>,
    /// Attribute to index (typed column and rollup dimension, for fast analytics and search by
    /// it), comma-separated or repeated, at most 8; replaces `store.indexed_attributes`. For
    /// low-cardinality keys such as tenant.id.
    #[arg(
        long = "index-attribute",
        env = "FLIGHTDECK_INDEXED_ATTRIBUTES",
        value_name = "KEY",
        value_delimiter = ','
    )]
    pub indexed_attributes: Vec<String>,
    /// TOML file adding or overriding model prices (fine-tuned, self-hosted, negotiated).
    #[arg(long, env = "FLIGHTDECK_PRICING_OVERRIDES", value_name = "FILE")]
    pub pricing_overrides: Option<PathBuf>,
    /// Extra `Host` names the MCP endpoint (/mcp) accepts besides loopback, comma-separated or
    /// repeated; `*` accepts any host.
    #[arg(
        long = "mcp-allowed-host",
        env = "FLIGHTDECK_MCP_ALLOWED_HOSTS",
        value_name = "HOST",
        value_delimiter = ','
    )]
    pub mcp_allowed_hosts: Vec<String>,
}

impl Overrides {
    /// Loads the file (if any) and applies the overrides.
    pub fn resolve(&self) -> anyhow::Result<Config> {
        let mut config = match &self.config {
            Some(path) => Config::from_file(path)?,
            None => Config::default(),
        };
        if let Some(v) = self.otlp_grpc_addr {
            config.listen.otlp_grpc_addr = v;
        }
        if let Some(v) = self.otlp_http_addr {
            config.listen.otlp_http_addr = v;
        }
        if let Some(v) = self.http_addr {
            config.listen.http_addr = v;
        }
        if let Some(v) = &self.data_dir {
            config.store.data_dir = v.clone();
        }
        if let Some(v) = &self.memory_limit {
            config.store.memory_limit = v.clone();
        }
        if !self.indexed_attributes.is_empty() {
            config.store.indexed_attributes = self.indexed_attributes.clone();
        }
        if let Some(v) = &self.pricing_overrides {
            config.pricing.overrides = Some(v.clone());
        }
        if !self.mcp_allowed_hosts.is_empty() {
            config.mcp.allowed_hosts = self.mcp_allowed_hosts.clone();
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Flags override the file; untouched settings keep the file's or the default values.
    #[test]
    fn flags_override_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.toml");
        std::fs::write(
            &path,
            "[listen]\nhttp_addr = \"0.0.0.0:9000\"\notlp_http_addr = \"0.0.0.0:9001\"\n[store]\ndata_dir = \"/x\"\n",
        )
        .unwrap();
        let overrides = Overrides {
            config: Some(path),
            http_addr: Some("127.0.0.1:1234".parse().unwrap()),
            ..Overrides::default()
        };
        let config = overrides.resolve().unwrap();
        assert_eq!(config.listen.http_addr.to_string(), "127.0.0.1:1234");
        assert_eq!(config.listen.otlp_http_addr.to_string(), "0.0.0.0:9001");
        assert_eq!(config.listen.otlp_grpc_addr.to_string(), "127.0.0.1:4317");
        assert_eq!(config.store.data_dir, PathBuf::from("/x"));
    }

    /// Extra MCP hosts come from the file, and the flag (or its environment variable) replaces
    /// them.
    #[test]
    fn mcp_hosts_from_file_and_flag() {
        let config = Config::from_toml("[mcp]\nallowed_hosts = [\"a.example\"]\n").unwrap();
        assert_eq!(config.mcp.allowed_hosts, ["a.example"]);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.toml");
        std::fs::write(&path, "[mcp]\nallowed_hosts = [\"a.example\"]\n").unwrap();
        let overrides = Overrides {
            config: Some(path),
            mcp_allowed_hosts: vec!["b.example".into(), "c.example".into()],
            ..Overrides::default()
        };
        assert_eq!(
            overrides.resolve().unwrap().mcp.allowed_hosts,
            ["b.example", "c.example"]
        );
    }

    /// Indexed attributes come from the file, and the flag replaces them.
    #[test]
    fn indexed_attributes_from_file_and_flag() {
        let config = Config::from_toml("[store]\nindexed_attributes = [\"tenant.id\"]\n").unwrap();
        assert_eq!(config.store.indexed_attributes, ["tenant.id"]);
        let overrides = Overrides {
            indexed_attributes: vec!["team".into(), "feature".into()],
            ..Overrides::default()
        };
        assert_eq!(
            overrides.resolve().unwrap().store.indexed_attributes,
            ["team", "feature"]
        );
    }

    /// An unknown key is an error that names the key.
    #[test]
    fn unknown_keys_are_named() {
        let err = Config::from_toml("[listen]\nhtp_addr = \"x\"\n").unwrap_err();
        assert!(format!("{err:#}").contains("htp_addr"), "{err:#}");
    }
}
