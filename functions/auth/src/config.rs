//! The auth gateway's configuration, read once at cold start.
use platform::bus::Topics;
use platform::config::{ConfigError, Env};
use platform_identity::TokenSettings;

/// Settings of the auth gateway.
#[derive(Debug, Clone)]
pub struct Config {
    /// The users table (`TABLE_NAME`).
    pub table_name: String,
    /// The bus (`EVENTS_TOPIC_ARN`).
    pub topics: Topics,
    /// Secret holding the signing key set (`SIGNING_KEYS_SECRET`, name or ARN).
    pub signing_keys_secret: String,
    /// `JWT_ISSUER`, `JWT_AUDIENCE`, `TOKEN_TTL_SECONDS` (default 900).
    pub tokens: TokenSettings,
    /// `SEED_LOCAL_ACCOUNTS=true` creates one account per role (local stack only).
    pub seed_local_accounts: bool,
    /// `SIGNUPS_PER_SOURCE_PER_HOUR` (default 10).
    pub signups_per_source_per_hour: u32,
}

impl Config {
    /// Reads the configuration; the error names the variable at fault.
    pub fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        let ttl_seconds: i64 = env.parse_or("TOKEN_TTL_SECONDS", 900)?;
        if !(60..=86_400).contains(&ttl_seconds) {
            return Err(ConfigError::Invalid {
                name: "TOKEN_TTL_SECONDS".into(),
                value: ttl_seconds.to_string(),
                reason: "must be between 60 and 86400".into(),
            });
        }
        Ok(Self {
            table_name: env.required("TABLE_NAME")?,
            topics: Topics::from_env(env)?,
            signing_keys_secret: env.required("SIGNING_KEYS_SECRET")?,
            tokens: TokenSettings {
                issuer: env.required("JWT_ISSUER")?,
                audience: env.required("JWT_AUDIENCE")?,
                ttl_seconds,
            },
            seed_local_accounts: env.parse_or("SEED_LOCAL_ACCOUNTS", false)?,
            signups_per_source_per_hour: env.parse_or("SIGNUPS_PER_SOURCE_PER_HOUR", 10)?,
        })
    }
}
