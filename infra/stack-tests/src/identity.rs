//! Tokens signed with the local auth service's own key set (read from the
//! emulator's Secrets Manager, where `cargo xtask test` put it), for any subject and
//! issue time: genuine tokens of the past that the stack must still honour; and a
//! verifier built from the API's public JWKS, as any other system would build it.
use std::sync::Arc;

use anyhow::{Context, Result};
use platform_identity::{Claims, KeySet, Role, StaticJwks, TokenSettings, Verifier};
use platform_testkit::Stack;

use crate::Api;

/// The token settings of the deployed stack (the template's defaults).
fn settings() -> Result<TokenSettings> {
    Ok(TokenSettings {
        issuer: Stack::template_default("JwtIssuer")?,
        audience: Stack::template_default("JwtAudience")?,
        ttl_seconds: Stack::template_default("TokenTtlSeconds")?.parse()?,
    })
}

/// A verifier of the stack's tokens from `GET /auth/jwks` alone.
pub async fn jwks_verifier(api: &Api) -> Result<Verifier> {
    let jwks: serde_json::Value = api.get("/auth/jwks", None).await.json().await?;
    Ok(Verifier::new(&settings()?, Arc::new(StaticJwks(serde_json::from_value(jwks)?))).await?)
}

/// Signs a token for `sub` with `roles`, issued at `iat`, as the local auth service would.
pub async fn genuine_token_issued_at(stack: &Stack, sub: &str, roles: Vec<Role>, iat: i64) -> Result<String> {
    let secret = aws_sdk_secretsmanager::Client::new(&stack.aws)
        .get_secret_value()
        .secret_id(stack.output("SigningKeysSecretArn")?)
        .send()
        .await
        .context("reading the local signing keys")?;
    let keys = KeySet::from_json(secret.secret_string().unwrap_or_default())?;
    Ok(keys.sign(&Claims::issue(&settings()?, sub, &format!("{sub}@example.com"), roles, iat))?)
}
