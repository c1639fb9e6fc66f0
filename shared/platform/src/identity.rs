//! The token verifier of workers and gateways, configured from the environment:
//! `JWKS_PARAMETER` (the SSM parameter with the auth service's JWKS),
//! `JWT_ISSUER` and `JWT_AUDIENCE`.
use std::sync::Arc;

use platform_identity::{IdentityError, SsmJwks, TokenSettings, Verifier};

use crate::config::{ConfigError, Env};

/// Where the verifier's keys and expectations come from.
#[derive(Debug, Clone)]
pub struct VerifierConfig {
    /// The SSM parameter holding the JWKS.
    pub jwks_parameter: String,
    /// Accepted issuer and audience.
    pub tokens: TokenSettings,
}

impl VerifierConfig {
    /// Reads `JWKS_PARAMETER`, `JWT_ISSUER`, `JWT_AUDIENCE`.
    pub fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        Ok(Self {
            jwks_parameter: env.required("JWKS_PARAMETER")?,
            tokens: TokenSettings {
                issuer: env.required("JWT_ISSUER")?,
                audience: env.required("JWT_AUDIENCE")?,
                ttl_seconds: 0,
            },
        })
    }

    /// Loads the keys and builds the verifier (at cold start).
    pub async fn verifier(&self, aws: &aws_config::SdkConfig) -> Result<Arc<Verifier>, IdentityError> {
        let source = Arc::new(SsmJwks::new(aws_sdk_ssm::Client::new(aws), &self.jwks_parameter));
        Ok(Arc::new(Verifier::new(&self.tokens, source).await?))
    }
}
