//! What every function of a service reads at cold start: its own table, the bus,
//! and the lease of an idempotency claim.
use std::time::Duration;

use crate::bus::Topics;
use crate::config::{ConfigError, Env};

/// What every function of a service reads: its own table, the bus, and the lease
/// of an idempotency claim.
#[derive(Debug, Clone)]
pub struct ServiceSettings {
    /// The service's own table (`TABLE_NAME`).
    pub table_name: String,
    /// The bus (`EVENTS_TOPIC_ARN`, and `TASKS_TOPIC_ARN` for a function that sends tasks).
    pub topics: Topics,
    /// Lease of an in-progress idempotency claim (`IDEMPOTENCY_LEASE_SECONDS`, default 30).
    pub idempotency_lease: Duration,
}

impl ServiceSettings {
    /// Reads the settings; the error names the variable at fault.
    pub fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        Ok(Self {
            table_name: env.required("TABLE_NAME")?,
            topics: Topics::from_env(env)?,
            idempotency_lease: Duration::from_secs(env.parse_or("IDEMPOTENCY_LEASE_SECONDS", 30u64)?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::env;

    #[test]
    fn service_settings_read_table_bus_and_lease() {
        let s = ServiceSettings::from_env(&env(&[("TABLE_NAME", "t"), ("EVENTS_TOPIC_ARN", "arn:e")])).unwrap();
        assert_eq!((s.table_name.as_str(), s.topics.events.as_str()), ("t", "arn:e"));
        assert_eq!((s.topics.tasks, s.idempotency_lease), (None, Duration::from_secs(30)));
        let missing = ServiceSettings::from_env(&env(&[("TABLE_NAME", "t")])).unwrap_err();
        assert_eq!(missing, ConfigError::Missing("EVENTS_TOPIC_ARN".into()));
    }
}
