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

/// The secret name the template's functions read (its `SigningKeysSecretName` default).
pub fn secret_name(template: &Value) -> Result<String> {
    template["Parameters"]["SigningKeysSecretName"]["Default"]
        .as_str()
        .map(str::to_owned)
        .context("template.yaml: Parameters.SigningKeysSecretName.Default")
}

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

/// Creates a development key set in the emulator unless one is there.
pub fn ensure_local(bin: &Path, port: u16, template: &Value) -> Result<()> {
    ensure(bin, Target::Local(port), template)
}

/// Creates a key set unless one is there, and (re)publishes its JWKS.
pub fn ensure(bin: &Path, port: Target, template: &Value) -> Result<()> {
    let name = secret_name(template)?;
    if let Some(keys) = read(bin, port, &name) {
        return publish_jwks(bin, port, template, &keys);
    }
    let keys = KeySet::generate()?;
    output(aws(bin, port).args([
        "secretsmanager",
        "create-secret",
        "--name",
        &name,
        "--description",
        "auth signing keys (RS256); rotate with `cargo xtask keys rotate`",
        "--secret-string",
        &keys.to_json(),
    ]))?;
    eprintln!("created a development signing key `{}` in secret {name}", keys.active_kid);
    publish_jwks(bin, port, template, &keys)
}

/// Rotates the key set: a new active key, the previous kept.
pub fn rotate(bin: &Path, port: Target, template: &Value) -> Result<()> {
    let name = secret_name(template)?;
    let mut keys =
        read(bin, port, &name).with_context(|| format!("no key set in {name}: run `cargo xtask keys init` first"))?;
    let kid = keys.rotate()?.kid.clone();
    output(aws(bin, port).args([
        "secretsmanager",
        "put-secret-value",
        "--secret-id",
        &name,
        "--secret-string",
        &keys.to_json(),
    ]))?;
    publish_jwks(bin, port, template, &keys)?;
    println!("rotated: `{kid}` signs new tokens; the key set now holds {} key(s).", keys.keys.len());
    println!("Running functions pick it up at their next cold start (`cargo xtask deploy` forces one).");
    Ok(())
}
