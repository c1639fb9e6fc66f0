//! The auth functions' configuration, read once at cold start.
use platform::config::{ConfigError, Env};
use platform::settings::ServiceSettings;
use platform_identity::TokenSettings;

/// `JWT_ISSUER`, `JWT_AUDIENCE`, `TOKEN_TTL_SECONDS` (default 900, 60 to 86400).
fn token_settings<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<TokenSettings, ConfigError> {
    let ttl_seconds: i64 = env.parse_or("TOKEN_TTL_SECONDS", 900)?;
    if !(60..=86_400).contains(&ttl_seconds) {
        return Err(ConfigError::Invalid {
            name: "TOKEN_TTL_SECONDS".into(),
            value: ttl_seconds.to_string(),
            reason: "must be between 60 and 86400".into(),
        });
    }
    Ok(TokenSettings { issuer: env.required("JWT_ISSUER")?, audience: env.required("JWT_AUDIENCE")?, ttl_seconds })
}

/// Settings of the auth gateway.
#[derive(Debug, Clone)]
pub struct Config {
    /// The users table (`TABLE_NAME`) and the bus (`EVENTS_TOPIC_ARN`).
    pub service: ServiceSettings,
    /// Secret holding the signing key set (`SIGNING_KEYS_SECRET`, name or ARN).
    pub signing_keys_secret: String,
    /// `JWT_ISSUER`, `JWT_AUDIENCE`, `TOKEN_TTL_SECONDS` (default 900).
    pub tokens: TokenSettings,
    /// `SIGNUPS_PER_SOURCE_PER_HOUR` (default 10).
    pub signups_per_source_per_hour: u32,
}

impl Config {
    /// Reads the configuration; the error names the variable at fault.
    pub fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        Ok(Self {
            service: ServiceSettings::from_env(env)?,
            signing_keys_secret: env.required("SIGNING_KEYS_SECRET")?,
            tokens: token_settings(env)?,
            signups_per_source_per_hour: env.parse_or("SIGNUPS_PER_SOURCE_PER_HOUR", 10)?,
        })
    }
}

/// Settings of the auth worker (`auth.user.authorize`).
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// The users table, the bus and the idempotency lease.
    pub service: ServiceSettings,
    /// Secret holding the signing key set (`SIGNING_KEYS_SECRET`, name or ARN).
    pub signing_keys_secret: String,
    /// The tokens it issues.
    pub tokens: TokenSettings,
}

impl WorkerConfig {
    /// Reads the configuration; the error names the variable at fault.
    pub fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        Ok(Self {
            service: ServiceSettings::from_env(env)?,
            signing_keys_secret: env.required("SIGNING_KEYS_SECRET")?,
            tokens: token_settings(env)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(pairs: &[(&str, &str)]) -> Result<WorkerConfig, ConfigError> {
        let env = Env::from_fn(|n: &str| pairs.iter().find(|(k, _)| *k == n).map(|(_, v)| v.to_string()));
        WorkerConfig::from_env(&env)
    }

    #[test]
    fn the_worker_reads_its_table_keys_and_token_settings() {
        let base = [("TABLE_NAME", "t"), ("EVENTS_TOPIC_ARN", "arn:e"), ("SIGNING_KEYS_SECRET", "keys")];
        assert_eq!(read(&base).unwrap_err(), ConfigError::Missing("JWT_ISSUER".into()));
        let issuer = [("JWT_ISSUER", "i"), ("JWT_AUDIENCE", "a")];
        let short = read(&[&base[..], &issuer, &[("TOKEN_TTL_SECONDS", "30")]].concat()).unwrap_err();
        assert!(matches!(short, ConfigError::Invalid { ref name, .. } if name == "TOKEN_TTL_SECONDS"), "{short:?}");
        let config = read(&[&base[..], &issuer, &[("TOKEN_TTL_SECONDS", "600")]].concat()).unwrap();
        assert_eq!((config.signing_keys_secret.as_str(), config.tokens.ttl_seconds), ("keys", 600));
        assert_eq!((config.service.table_name.as_str(), config.tokens.issuer.as_str()), ("t", "i"));
    }
}
