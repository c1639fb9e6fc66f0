//! Tokens signed with the local auth service's own key set (read from the
//! emulator's Secrets Manager, where `cargo xtask test` put it), for any subject and
//! issue time: genuine tokens of the past that the stack must still honour.
use anyhow::{Context, Result};
use platform_identity::{Claims, KeySet, Role, TokenSettings};
use platform_testkit::Stack;

/// Signs a token for `sub` with `roles`, issued at `iat`, as the local auth service would.
pub async fn genuine_token_issued_at(stack: &Stack, sub: &str, roles: Vec<Role>, iat: i64) -> Result<String> {
    let secret = aws_sdk_secretsmanager::Client::new(&stack.aws)
        .get_secret_value()
        .secret_id(stack.output("SigningKeysSecretArn")?)
        .send()
        .await
        .context("reading the local signing keys")?;
    let keys = KeySet::from_json(secret.secret_string().unwrap_or_default())?;
    let settings = TokenSettings {
        issuer: Stack::template_default("JwtIssuer")?,
        audience: Stack::template_default("JwtAudience")?,
        ttl_seconds: Stack::template_default("TokenTtlSeconds")?.parse()?,
    };
    Ok(keys.sign(&Claims::issue(&settings, sub, &format!("{sub}@example.com"), roles, iat))?)
}
