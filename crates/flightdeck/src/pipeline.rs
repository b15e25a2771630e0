//! Building and starting the `[pipeline]`: processors, tail sampler, forwarders, store writer.

use std::sync::Arc;

use anyhow::Context as _;
use flightdeck_pipeline::{PipelineConfig, Runner, Shared};
use flightdeck_store::Writer;

use crate::config::Config;

/// One line describing the pipeline a configuration sets up, e.g.
/// `normalize → enrich → redact → sample (3 policies, 10s window) → store + forward to tempo (grpc)`.
pub fn describe(config: &PipelineConfig) -> String {
    let mut parts: Vec<String> = Vec::new();
    for stage in config.stages() {
        match (stage.as_str(), &config.sample) {
            ("sample", Some(sample)) => parts.push(format!(
                "sample ({} {}, {} window)",
                sample.policies.len(),
                if sample.policies.len() == 1 {
                    "policy"
                } else {
                    "policies"
                },
                humantime::format_duration(sample.decision_wait)
            )),
            _ => parts.push(stage),
        }
    }
    let mut outputs = Vec::new();
    if config.store {
        outputs.push("store".to_owned());
    }
    if !config.forward.is_empty() {
        let destinations: Vec<String> = config
            .forward
            .iter()
            .map(|f| format!("{} ({})", f.display_name(), f.protocol.as_str()))
            .collect();
        outputs.push(format!("forward to {}", destinations.join(", ")));
    }
    parts.push(outputs.join(" + "));
    parts.join(" → ")
}

/// The state the stages share with the API: fresh diagnostics and the cost engine over the
/// `[pricing]` catalog.
pub fn shared(config: &Config) -> anyhow::Result<Shared> {
    Ok(Shared::new(&config.pricing)?)
}

/// Validates the `[pipeline]` section and starts the runner over `store`.
pub fn start(
    config: &Config,
    shared: &Shared,
    store: Arc<dyn Writer>,
) -> anyhow::Result<Arc<Runner>> {
    let pipeline = config
        .pipeline
        .build(shared)
        .context("invalid [pipeline] configuration")?;
    let runner = Runner::with_pipeline(pipeline, Some(store), config.queue.clone())
        .context("failed to start the pipeline")?;
    tracing::info!("pipeline: {}", describe(&config.pipeline));
    Ok(runner)
}
