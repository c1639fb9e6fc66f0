//! The signing key set, read from AWS Secrets Manager at cold start by every auth
//! function (the gateway signs logins, the worker answers `auth.user.authorize`),
//! and the cold-start connection they share: table, bus, key set and verifier.
use std::sync::Arc;

use aws_config::SdkConfig;
use platform::service_aws::{ConnectError, ServiceAws};
use platform::settings::ServiceSettings;
use platform_identity::{KeySet, TokenSettings, Verifier};

/// A failure to read or parse the key set (the function then does not start).
pub type KeysError = Box<dyn std::error::Error + Send + Sync>;

/// Reads the key set in `secret` (a name or an ARN).
pub async fn read(sdk: &SdkConfig, secret: &str) -> Result<KeySet, KeysError> {
    let value =
        aws_sdk_secretsmanager::Client::new(sdk).get_secret_value().secret_id(secret).send().await.map_err(|e| {
            format!("reading secret {secret}: {}", aws_sdk_secretsmanager::error::DisplayErrorContext(e))
        })?;
    Ok(KeySet::from_json(value.secret_string().unwrap_or_default())?)
}

/// What every auth function connects to at cold start: the service's table (checked)
/// and bus, the key set in `secret` (read while the table is checked), and the
/// verifier of the tokens those keys sign.
pub async fn connect(
    settings: &ServiceSettings,
    secret: &str,
    tokens: &TokenSettings,
) -> Result<(ServiceAws, KeySet, Arc<Verifier>), ConnectError> {
    let (aws, keys) =
        ServiceAws::connect_alongside(settings, crate::table_schema(), |sdk| async move { read(&sdk, secret).await })
            .await?;
    let verifier = Arc::new(Verifier::for_key_set(tokens, &keys)?);
    Ok((aws, keys, verifier))
}
