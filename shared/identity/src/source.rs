//! Where verifiers get the public keys: the JWKS JSON in an SSM parameter (written
//! by the key tooling next to the private key set), or a fixed set.
use async_trait::async_trait;
use jsonwebtoken::jwk::JwkSet;

use crate::error::IdentityError;

/// A source of the current JWKS.
#[async_trait]
pub trait JwksSource: Send + Sync {
    /// Fetches the current key set.
    async fn fetch(&self) -> Result<JwkSet, IdentityError>;
}

/// A fixed key set (the auth service verifies with its own keys; tests).
pub struct StaticJwks(pub JwkSet);

#[async_trait]
impl JwksSource for StaticJwks {
    async fn fetch(&self) -> Result<JwkSet, IdentityError> {
        Ok(self.0.clone())
    }
}

/// The JWKS JSON kept in an SSM parameter.
pub struct SsmJwks {
    client: aws_sdk_ssm::Client,
    parameter: String,
}

impl SsmJwks {
    /// Reads `parameter` through `client`.
    pub fn new(client: aws_sdk_ssm::Client, parameter: impl Into<String>) -> Self {
        Self { client, parameter: parameter.into() }
    }
}

#[async_trait]
impl JwksSource for SsmJwks {
    async fn fetch(&self) -> Result<JwkSet, IdentityError> {
        let out = self.client.get_parameter().name(&self.parameter).send().await.map_err(|e| {
            IdentityError::Jwks(format!("reading {}: {}", self.parameter, aws_sdk_ssm::error::DisplayErrorContext(e)))
        })?;
        let value = out.parameter().and_then(|p| p.value()).unwrap_or_default();
        serde_json::from_str(value).map_err(|e| IdentityError::Jwks(format!("{} is not a JWKS: {e}", self.parameter)))
    }
}
