//! Configuration of the notifications worker, read once at cold start.
use std::time::Duration;

use platform::bus::Topics;
use platform::config::{ConfigError, Env};

/// The worker's settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// The notifications table (`TABLE_NAME`).
    pub table_name: String,
    /// The bus (`EVENTS_TOPIC_ARN`).
    pub topics: Topics,
    /// The verified SES identity emails are sent from (`SENDER_EMAIL`).
    pub sender: String,
    /// Lease of an idempotency claim (`IDEMPOTENCY_LEASE_SECONDS`, default 30).
    pub idempotency_lease: Duration,
}

impl Config {
    /// Reads the configuration; the error names the variable at fault.
    pub fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        Ok(Self {
            table_name: env.required("TABLE_NAME")?,
            topics: Topics::from_env(env)?,
            sender: env.required("SENDER_EMAIL")?,
            idempotency_lease: Duration::from_secs(env.parse_or("IDEMPOTENCY_LEASE_SECONDS", 30u64)?),
        })
    }
}
