//! The `local` environment of samconfig.toml: one source for the local stack name,
//! artifact bucket and parameter overrides.
use anyhow::{Context, Result};

use crate::paths;

/// Deploy settings of one samconfig environment.
#[derive(Debug, Clone)]
pub struct DeployEnv {
    /// Stack name.
    pub stack_name: String,
    /// Artifact bucket.
    pub s3_bucket: String,
    /// `Key=Value` parameter overrides.
    pub parameter_overrides: Vec<String>,
}

impl DeployEnv {
    /// Sets parameter `key` to `value`, replacing samconfig's value if it has one.
    pub fn set(&mut self, key: &str, value: impl std::fmt::Display) {
        let prefix = format!("{key}=");
        self.parameter_overrides.retain(|o| !o.starts_with(&prefix));
        self.parameter_overrides.push(format!("{prefix}{value}"));
    }
}

/// The stack name of environment `env` (`default`: production in AWS).
pub fn stack_name(env: &str) -> Result<String> {
    let text = std::fs::read_to_string(paths::root().join("samconfig.toml"))?;
    let doc: toml::Table = text.parse().context("parsing samconfig.toml")?;
    doc.get(env)
        .and_then(|e| e.get("global")?.get("parameters")?.get("stack_name")?.as_str())
        .map(str::to_owned)
        .with_context(|| format!("samconfig.toml: [{env}.global.parameters] stack_name"))
}

/// Reads environment `env` (e.g. `local`).
pub fn load(env: &str) -> Result<DeployEnv> {
    let text = std::fs::read_to_string(paths::root().join("samconfig.toml"))?;
    let doc: toml::Table = text.parse().context("parsing samconfig.toml")?;
    let get = |section: &str, key: &str| -> Option<String> {
        doc.get(env)?.get(section)?.get("parameters")?.get(key)?.as_str().map(str::to_owned)
    };
    Ok(DeployEnv {
        stack_name: get("global", "stack_name")
            .with_context(|| format!("samconfig.toml: [{env}.global.parameters] stack_name"))?,
        s3_bucket: get("deploy", "s3_bucket")
            .with_context(|| format!("samconfig.toml: [{env}.deploy.parameters] s3_bucket"))?,
        parameter_overrides: get("deploy", "parameter_overrides")
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_owned)
            .collect(),
    })
}
