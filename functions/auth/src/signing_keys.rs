//! The signing key set, read from AWS Secrets Manager at cold start by every auth
//! function (the gateway signs logins, the worker answers `auth.user.authorize`).
use aws_config::SdkConfig;
use platform_identity::KeySet;

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
