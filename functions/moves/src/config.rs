//! Configuration of the moves functions, read once at cold start.
use std::time::Duration;

use platform::config::{ConfigError, Env};
use platform::identity::VerifierConfig;
use platform::settings::ServiceSettings;

/// Settings shared by the moves gateway, steps and worker.
#[derive(Debug, Clone)]
pub struct Config {
    /// The service's table, the bus and the idempotency lease.
    pub service: ServiceSettings,
    /// Crew members available per date unless a date says otherwise
    /// (`CREW_CAPACITY_PER_DATE`, default 12).
    pub default_crew_capacity: u32,
    /// How long the sandbox payment provider takes before it reports a timeout
    /// (`PAYMENT_TIMEOUT_MS`, default 2000).
    pub payment_timeout: Duration,
}

impl Config {
    /// Reads the configuration; the error names the variable at fault.
    pub fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        Ok(Self {
            service: ServiceSettings::from_env(env)?,
            default_crew_capacity: env.parse_or("CREW_CAPACITY_PER_DATE", 12u32)?,
            payment_timeout: Duration::from_millis(env.parse_or("PAYMENT_TIMEOUT_MS", 2000u64)?),
        })
    }
}

/// What the gateway needs on top: the verifier and the state machine.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// Token verification (`JWKS_PARAMETER`, `JWT_ISSUER`, `JWT_AUDIENCE`).
    pub identity: VerifierConfig,
    /// The booking saga (`BOOK_MOVE_STATE_MACHINE_ARN`).
    pub state_machine_arn: String,
}

impl GatewayConfig {
    /// Reads the gateway's extra settings.
    pub fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        Ok(Self {
            identity: VerifierConfig::from_env(env)?,
            state_machine_arn: env.required("BOOK_MOVE_STATE_MACHINE_ARN")?,
        })
    }
}
