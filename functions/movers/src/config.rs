//! Configuration of the movers functions, read once at cold start.
use platform::config::{ConfigError, Env};
use platform::identity::VerifierConfig;
use platform::settings::ServiceSettings;

/// Settings shared by the movers gateway and worker.
#[derive(Debug, Clone)]
pub struct Config {
    /// The service's table, the bus and the idempotency lease.
    pub service: ServiceSettings,
    /// Token verification (`JWKS_PARAMETER`, `JWT_ISSUER`, `JWT_AUDIENCE`).
    pub identity: VerifierConfig,
    /// Whether GraphQL answers introspection: only where `PLATFORM_ENVIRONMENT`
    /// is `local`.
    pub introspection: bool,
    /// `MOVERS_PER_ACCOUNT_PER_HOUR` (default 20): movers created and codes
    /// requested by one user in an hour.
    pub movers_per_account_per_hour: u32,
}

impl Config {
    /// Reads the configuration; the error names the variable at fault.
    pub fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        Ok(Self {
            service: ServiceSettings::from_env(env)?,
            identity: VerifierConfig::from_env(env)?,
            introspection: env.parse_or("PLATFORM_ENVIRONMENT", String::new())? == "local",
            movers_per_account_per_hour: env.parse_or("MOVERS_PER_ACCOUNT_PER_HOUR", 20)?,
        })
    }
}
