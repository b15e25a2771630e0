//! `flightdeck config check`: validates a configuration file without starting anything.

use std::path::PathBuf;

use anyhow::Context as _;

use crate::config::Config;

/// Arguments of `flightdeck config check`.
#[derive(Debug, Clone, clap::Args)]
pub struct CheckArgs {
    /// The TOML file to check.
    pub file: PathBuf,
}

/// Parses the file (unknown keys are errors naming the key), then validates every section the
/// way `serve` would (patterns compile, policies are sound, destinations are valid URLs, hash keys
/// are present), and prints a summary. Fails with the first problem found.
pub fn check(args: &CheckArgs) -> anyhow::Result<String> {
    let config = Config::from_file(&args.file)?;
    let invalid = || format!("invalid config file {}", args.file.display());
    let shared = crate::pipeline::shared(&config).with_context(invalid)?;
    config.pipeline.build(&shared).with_context(invalid)?;
    Ok(format!(
        "{}: ok\n  listen: OTLP/gRPC {}, OTLP/HTTP {}, API {}\n  data: {}\n  pipeline: {}",
        args.file.display(),
        config.listen.otlp_grpc_addr,
        config.listen.otlp_http_addr,
        config.listen.http_addr,
        config.store.data_dir.display(),
        crate::pipeline::describe(&config.pipeline),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> anyhow::Result<String> {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("flightdeck.toml");
        std::fs::write(&file, text).unwrap();
        check(&CheckArgs { file })
    }

    /// A valid file passes and the summary shows the pipeline as it will run.
    #[test]
    fn valid_file_is_summarized() {
        let out = run(r#"
            [pipeline.sample]
            decision_wait = "5s"
            [[pipeline.sample.policies]]
            type = "error"
            [[pipeline.sample.policies]]
            type = "probabilistic"
            rate = 0.1
            [[pipeline.forward]]
            name = "tempo"
            endpoint = "http://tempo:4317"
        "#)
        .unwrap();
        assert!(
            out.contains("pipeline: normalize → enrich → redact → sample (2 policies, 5s window) → store + forward to tempo (grpc)"),
            "{out}"
        );
    }

    /// Problems are reported with the file and the setting named: an unknown key, a bad regex,
    /// an unknown processor.
    #[test]
    fn problems_name_the_setting() {
        let e = format!(
            "{:#}",
            run("[pipeline.redact]\nmask_text = \"x\"\n").unwrap_err()
        );
        assert!(
            e.contains("mask_text") && e.contains("flightdeck.toml"),
            "{e}"
        );
        let e = format!(
            "{:#}",
            run("[[pipeline.redact.rules]]\nname = \"emp\"\npattern = \"[\"\n").unwrap_err()
        );
        assert!(e.contains("rules[0] (emp): invalid pattern"), "{e}");
        let e = format!(
            "{:#}",
            run("[pipeline]\nprocessors = [\"cost\"]\n").unwrap_err()
        );
        assert!(e.contains("unknown processor \"cost\""), "{e}");
    }
}
