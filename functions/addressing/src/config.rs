//! The worker's configuration, read once at cold start.
use platform::config::{ConfigError, Env};
use platform::identity::VerifierConfig;
use platform::settings::ServiceSettings;

/// Settings of the addressing worker.
#[derive(Debug, Clone)]
pub struct Config {
    /// The service's table, the bus and the idempotency lease.
    pub service: ServiceSettings,
    /// How tokens riding on messages are verified (`JWKS_PARAMETER`, `JWT_ISSUER`, `JWT_AUDIENCE`).
    pub identity: VerifierConfig,
}

impl Config {
    /// Reads the configuration; the error names the variable at fault.
    pub fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        Ok(Self { service: ServiceSettings::from_env(env)?, identity: VerifierConfig::from_env(env)? })
    }
}
