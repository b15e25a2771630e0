//! The `[pipeline]` section: which processors run, in which order, with which settings; whether
//! to store locally; where to forward. Every component is registered here by its stable id.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::enrich::{Enrich, PricingConfig};
use crate::forward::{self, ForwardConfig, ForwardConfigError};
use crate::processor::{DiagnosticsHandle, Normalize, Processor};
use crate::redact::{RedactConfig, RedactConfigError, Redactor};
use crate::runner::Pipeline;
use crate::sample::{Clock, SampleConfig, SampleConfigError, SystemClock, TailSampler};

/// Ids of the stages `processors` may list, in their usual order.
pub const STAGES: &[&str] = &["normalize", "enrich", "redact", "sample"];

/// What the stages share with the rest of the server: the ingest diagnostics the normalizer
/// records into, and the cost engine (also used by the API to look up and recompute prices).
#[derive(Clone)]
pub struct Shared {
    /// Where `normalize` records what it notices about each span and log.
    pub diagnostics: DiagnosticsHandle,
    /// The cost engine `enrich` runs.
    pub enrich: Enrich,
}

impl Shared {
    /// Fresh diagnostics and a cost engine over the catalog `pricing` describes.
    pub fn new(pricing: &PricingConfig) -> Result<Shared, PipelineConfigError> {
        let catalog = pricing.build().map_err(PipelineConfigError::Pricing)?;
        Ok(Shared {
            diagnostics: DiagnosticsHandle::default(),
            enrich: Enrich::new(Arc::new(catalog)),
        })
    }
}

/// The `[pipeline]` section of the server configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PipelineConfig {
    /// The stages, in order: any of `normalize`, `enrich`, `redact`, `sample` (`sample` must be
    /// last). Default: `["normalize", "enrich", "redact"]`, plus `"sample"` when
    /// `[pipeline.sample]` is set.
    pub processors: Option<Vec<String>>,
    /// Write to the local store. `false` makes Flightdeck a forwarding collector (needs at least
    /// one `[[pipeline.forward]]`).
    pub store: bool,
    /// Redaction settings.
    pub redact: Option<RedactConfig>,
    /// Tail-sampling settings; sampling is off (everything kept) unless this section is set.
    pub sample: Option<SampleConfig>,
    /// Destinations the processed stream is forwarded to.
    pub forward: Vec<ForwardConfig>,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        PipelineConfig {
            processors: None,
            store: true,
            redact: None,
            sample: None,
            forward: Vec::new(),
        }
    }
}

/// Why a `[pipeline]` section is invalid.
#[derive(Debug, thiserror::Error)]
pub enum PipelineConfigError {
    /// `processors` names something that does not exist.
    #[error("pipeline.processors: unknown processor {name:?} (known: {known})")]
    UnknownProcessor {
        /// The name given.
        name: String,
        /// The known ids.
        known: String,
    },
    /// `processors` lists a stage twice.
    #[error("pipeline.processors: {0:?} is listed twice")]
    Duplicate(String),
    /// `sample` is not the last stage.
    #[error("pipeline.processors: \"sample\" must be the last processor")]
    SampleNotLast,
    /// A section is configured for a stage that is not in `processors`.
    #[error("pipeline.{0} is configured but {0:?} is not in pipeline.processors")]
    NotListed(&'static str),
    /// Neither storing nor forwarding.
    #[error(
        "pipeline.store = false needs at least one [[pipeline.forward]] destination, otherwise everything is discarded"
    )]
    Nowhere,
    /// The redaction settings are invalid.
    #[error(transparent)]
    Redact(#[from] RedactConfigError),
    /// The sampling settings are invalid.
    #[error(transparent)]
    Sample(#[from] SampleConfigError),
    /// A destination is invalid.
    #[error(transparent)]
    Forward(#[from] ForwardConfigError),
    /// The price catalog could not be loaded.
    #[error("failed to load the price catalog: {0}")]
    Pricing(String),
}

impl PipelineConfig {
    /// The stage ids in effect, in order.
    pub fn stages(&self) -> Vec<String> {
        match &self.processors {
            Some(list) => list.clone(),
            None => {
                let mut list = vec![
                    "normalize".to_owned(),
                    "enrich".to_owned(),
                    "redact".to_owned(),
                ];
                if self.sample.is_some() {
                    list.push("sample".to_owned());
                }
                list
            }
        }
    }

    /// Validates everything and builds the stages over `shared` (starts no threads; the sampler
    /// uses the real clock).
    pub fn build(&self, shared: &Shared) -> Result<Pipeline, PipelineConfigError> {
        self.build_with_clock(shared, Arc::new(SystemClock::default()))
    }

    /// Like [`PipelineConfig::build`], with the sampler reading time from `clock`.
    pub fn build_with_clock(
        &self,
        shared: &Shared,
        clock: Arc<dyn Clock>,
    ) -> Result<Pipeline, PipelineConfigError> {
        let stages = self.stages();
        for (i, name) in stages.iter().enumerate() {
            if !STAGES.contains(&name.as_str()) {
                return Err(PipelineConfigError::UnknownProcessor {
                    name: name.clone(),
                    known: STAGES.join(", "),
                });
            }
            if stages[..i].contains(name) {
                return Err(PipelineConfigError::Duplicate(name.clone()));
            }
            if name == "sample" && i + 1 != stages.len() {
                return Err(PipelineConfigError::SampleNotLast);
            }
        }
        let listed = |id: &str| stages.iter().any(|s| s == id);
        if self.redact.is_some() && !listed("redact") {
            return Err(PipelineConfigError::NotListed("redact"));
        }
        if self.sample.is_some() && !listed("sample") {
            return Err(PipelineConfigError::NotListed("sample"));
        }
        if !self.store && self.forward.is_empty() {
            return Err(PipelineConfigError::Nowhere);
        }
        forward::validate_all(&self.forward)?;

        let mut processors: Vec<Box<dyn Processor>> = Vec::new();
        let mut sampler = None;
        for name in &stages {
            match name.as_str() {
                "normalize" => processors.push(Box::new(Normalize::new(
                    Default::default(),
                    Arc::clone(&shared.diagnostics),
                ))),
                "enrich" => processors.push(Box::new(shared.enrich.clone())),
                "redact" => processors.push(Box::new(Redactor::new(
                    self.redact.as_ref().unwrap_or(&RedactConfig::default()),
                )?)),
                "sample" => {
                    let config = self.sample.clone().unwrap_or_default();
                    sampler = Some(TailSampler::new(&config, Arc::clone(&clock))?);
                }
                // Checked against STAGES above.
                _ => {}
            }
        }
        Ok(Pipeline {
            processors,
            sampler,
            forward: self.forward.clone(),
            store: self.store,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared() -> Shared {
        Shared::new(&PricingConfig::default()).unwrap()
    }

    fn parse(text: &str) -> PipelineConfig {
        toml::from_str(text).unwrap()
    }

    fn build_error(text: &str) -> String {
        parse(text).build(&shared()).unwrap_err().to_string()
    }

    /// With no configuration: normalize, enrich and redact run, sampling is off, data is stored.
    #[test]
    fn defaults_normalize_enrich_and_redact() {
        let p = PipelineConfig::default().build(&shared()).unwrap();
        let names: Vec<&str> = p.processors.iter().map(|p| p.name()).collect();
        assert_eq!(names, ["normalize", "enrich", "redact"]);
        assert!(p.sampler.is_none());
        assert!(p.store);
        assert!(p.forward.is_empty());
    }

    /// A `[pipeline.sample]` section turns sampling on as the last stage; an explicit list sets
    /// the order and can leave redaction out.
    #[test]
    fn sections_and_order() {
        let p = parse(
            r#"
            [sample]
            decision_wait = "2s"
            [[sample.policies]]
            type = "error"
            "#,
        )
        .build(&shared())
        .unwrap();
        assert!(p.sampler.is_some());
        let p = parse(r#"processors = ["redact", "normalize"]"#)
            .build(&shared())
            .unwrap();
        let names: Vec<&str> = p.processors.iter().map(|p| p.name()).collect();
        assert_eq!(names, ["redact", "normalize"]);
        let p = parse(r#"processors = ["normalize"]"#)
            .build(&shared())
            .unwrap();
        assert_eq!(p.processors.len(), 1);
    }

    /// Mistakes are errors that name the setting: unknown keys (by serde), unknown or repeated
    /// processors, `sample` not last, a section for an unlisted stage, nowhere to send data, and
    /// errors inside a section.
    #[test]
    fn mistakes_are_named() {
        let e = toml::from_str::<PipelineConfig>("procesors = []")
            .unwrap_err()
            .to_string();
        assert!(e.contains("procesors"), "{e}");
        let e = toml::from_str::<PipelineConfig>("[redact]\nmodes = \"mask\"")
            .unwrap_err()
            .to_string();
        assert!(e.contains("modes"), "{e}");
        assert!(
            build_error(r#"processors = ["normalise"]"#)
                .contains("unknown processor \"normalise\"")
        );
        assert!(build_error(r#"processors = ["redact", "redact"]"#).contains("listed twice"));
        assert!(
            build_error(
                "processors = [\"sample\", \"redact\"]\n[[sample.policies]]\ntype = \"error\""
            )
            .contains("must be the last")
        );
        assert!(
            build_error("processors = [\"normalize\"]\n[redact]\nmode = \"mask\"").contains(
                "pipeline.redact is configured but \"redact\" is not in pipeline.processors"
            )
        );
        assert!(build_error("store = false").contains("needs at least one [[pipeline.forward]]"));
        assert!(build_error("[sample]\ndecision_wait = \"1s\"").contains("at least one policy"));
        assert!(
            build_error("[[redact.rules]]\nname = \"x\"\npattern = \"(\"")
                .contains("rules[0] (x): invalid pattern")
        );
        assert!(
            build_error("[[forward]]\nendpoint = \"tempo:4317\"")
                .contains("pipeline.forward[0].endpoint")
        );
    }
}
