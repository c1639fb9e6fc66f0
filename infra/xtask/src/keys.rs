//! The auth service's signing keys in Secrets Manager, and their public JWKS in SSM
//! Parameter Store for every verifier. Locally, `up` and `test` create a
//! development key set in the emulator before deploying; `cargo xtask
//! keys rotate` adds a new active key and keeps the previous one verifying. Key
//! material never touches the repository or the template.
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result};
use platform_identity::KeySet;
use serde_yaml::Value;

use crate::process::output;

fn publish_jwks(bin: &Path, port: Target, template: &Value, keys: &KeySet) -> Result<()> {
    let parameter = template["Parameters"]["JwksParameterName"]["Default"]
        .as_str()
        .context("template.yaml: Parameters.JwksParameterName.Default")?;
    let jwks = serde_json::to_string(&keys.jwks()?)?;
    output(aws(bin, port).args([
        "ssm",
        "put-parameter",
        "--name",
        parameter,
        "--type",
        "String",
        "--overwrite",
        "--value",
        &jwks,
    ]))?;
    Ok(())
}

/// The name of the secret that holds the key set; the template is given its full
/// ARN (`SigningKeysSecretArn`), so the auth gateway may read that secret only.
pub const SECRET_NAME: &str = "updater/auth/signing-keys";

/// Which account the key commands act on.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    /// The emulator on this port.
    Local(u16),
    /// The AWS account of the caller's usual credentials and region.
    Aws,
}

fn aws(bin: &Path, target: Target) -> Command {
    match target {
        Target::Local(port) => crate::emulator::aws_cli(bin, port),
        Target::Aws => {
            let mut cmd = Command::new(bin.join("aws"));
            cmd.env("AWS_PAGER", "");
            cmd
        }
    }
}

fn read(bin: &Path, port: Target, name: &str) -> Option<KeySet> {
    let json = output(aws(bin, port).args([
        "secretsmanager",
        "get-secret-value",
        "--secret-id",
        name,
        "--query",
        "SecretString",
        "--output",
        "text",
    ]))
    .ok()?;
    KeySet::from_json(json.trim()).ok()
}

/// Creates a development key set in the emulator unless one is there; its ARN.
pub fn ensure_local(bin: &Path, port: u16, template: &Value) -> Result<String> {
    ensure(bin, Target::Local(port), template)
}

/// The full ARN of the key set's secret.
fn secret_arn(bin: &Path, port: Target) -> Result<String> {
    let arn = output(aws(bin, port).args([
        "secretsmanager",
        "describe-secret",
        "--secret-id",
        SECRET_NAME,
        "--query",
        "ARN",
        "--output",
        "text",
    ]))?;
    Ok(arn.trim().to_owned())
}

/// Creates a key set unless one is there, (re)publishes its JWKS, and answers the
/// secret's full ARN (the template's `SigningKeysSecretArn`).
pub fn ensure(bin: &Path, port: Target, template: &Value) -> Result<String> {
    let name = SECRET_NAME;
    if let Some(keys) = read(bin, port, name) {
        publish_jwks(bin, port, template, &keys)?;
        return secret_arn(bin, port);
    }
    let keys = KeySet::generate()?;
    output(aws(bin, port).args([
        "secretsmanager",
        "create-secret",
        "--name",
        name,
        "--description",
        "auth signing keys (RS256); rotate with `cargo xtask keys rotate`",
        "--secret-string",
        &keys.to_json(),
    ]))?;
    eprintln!("created a development signing key `{}` in secret {name}", keys.active_kid);
    publish_jwks(bin, port, template, &keys)?;
    secret_arn(bin, port)
}

/// Rotates the key set: a new active key, the previous kept.
pub fn rotate(bin: &Path, port: Target, template: &Value) -> Result<()> {
    let name = SECRET_NAME;
    let mut keys =
        read(bin, port, name).with_context(|| format!("no key set in {name}: run `cargo xtask keys init` first"))?;
    let kid = keys.rotate()?.kid.clone();
    output(aws(bin, port).args([
        "secretsmanager",
        "put-secret-value",
        "--secret-id",
        name,
        "--secret-string",
        &keys.to_json(),
    ]))?;
    publish_jwks(bin, port, template, &keys)?;
    println!("rotated: `{kid}` signs new tokens; the key set now holds {} key(s).", keys.keys.len());
    println!("Running functions pick it up at their next cold start (`cargo xtask deploy` forces one).");
    Ok(())
}
