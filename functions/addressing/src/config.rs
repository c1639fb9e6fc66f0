//! The worker's configuration, read once at cold start.
use std::time::Duration;

use platform::bus::Topics;
use platform::config::{ConfigError, Env};
use platform::identity::VerifierConfig;

/// Settings of the addressing worker.
#[derive(Debug, Clone)]
pub struct Config {
    /// The service's own table (`TABLE_NAME`).
    pub table_name: String,
    /// The bus topics (`EVENTS_TOPIC_ARN`).
    pub topics: Topics,
    /// Lease of an in-progress idempotency claim (`IDEMPOTENCY_LEASE_SECONDS`, default 30).
    pub idempotency_lease: Duration,
    /// How tokens riding on messages are verified (`JWKS_PARAMETER`, `JWT_ISSUER`, `JWT_AUDIENCE`).
    pub identity: VerifierConfig,
}

impl Config {
    /// Reads the configuration; the error names the variable at fault.
    pub fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        Ok(Self {
            table_name: env.required("TABLE_NAME")?,
            topics: Topics::from_env(env)?,
            idempotency_lease: Duration::from_secs(env.parse_or("IDEMPOTENCY_LEASE_SECONDS", 30u64)?),
            identity: VerifierConfig::from_env(env)?,
        })
    }
}
