//! Deploying the real `template.yaml` to the emulator: build the functions for the
//! host, point each function's `CodeUri` at its `bootstrap`, then
//! `aws cloudformation package` + `deploy` (the emulator applies the SAM transform).
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};
use serde_yaml::Value;

use crate::emulator::aws_cli;
use crate::paths;
use crate::process::{output, run};
use crate::samconfig::DeployEnv;
use crate::template::{Function, functions, resources, template};

/// Builds every target of the workspace for the host (debug profile). Building all
/// targets resolves features exactly as `cargo test --workspace` does, so the
/// function binaries and the tests share one build of each dependency.
pub fn build_all() -> Result<()> {
    run(crate::process::cargo().args(["build", "--workspace", "--all-targets"]))
}

fn stage_bootstrap(function: &Function, dir: &Path) -> Result<PathBuf> {
    let code = dir.join(&function.logical_id);
    std::fs::create_dir_all(&code)?;
    let built = paths::target().join("debug").join(&function.binary);
    let bootstrap = code.join("bootstrap");
    // Debug info is not needed to run; stripping makes the upload several times smaller.
    let stripped = Command::new("strip")
        .args(["--strip-debug", "-o"])
        .arg(&bootstrap)
        .arg(&built)
        .status()
        .is_ok_and(|s| s.success());
    if !stripped {
        std::fs::copy(&built, &bootstrap).with_context(|| format!("copying {}", built.display()))?;
    }
    Ok(code)
}

/// Packages and deploys the stack with the function binaries built by
/// [`build_all`]; returns its outputs.
pub fn deploy(bin: &Path, port: u16, env: &DeployEnv) -> Result<BTreeMap<String, String>> {
    let original = template()?;
    let mut template = original.clone();
    let functions = functions(&template);
    let dir = paths::local().join(format!("build-{port}"));
    std::fs::create_dir_all(&dir)?;
    for f in &functions {
        let code = stage_bootstrap(f, &dir)?;
        template["Resources"][f.logical_id.as_str()]["Properties"]["CodeUri"] =
            Value::String(code.display().to_string());
    }
    // The staged template lives elsewhere: relative definition files must stay found.
    for (id, resource) in resources(&original) {
        if let Some(uri) = resource["Properties"]["DefinitionUri"].as_str() {
            template["Resources"][id.as_str()]["Properties"]["DefinitionUri"] =
                Value::String(paths::root().join(uri).display().to_string());
        }
    }
    let staged = dir.join("template.yaml");
    std::fs::write(&staged, serde_yaml::to_string(&template)?)?;

    let secret = crate::keys::ensure_local(bin, port, &original)?;
    if output(aws_cli(bin, port).args(["s3api", "head-bucket", "--bucket", &env.s3_bucket])).is_err() {
        run(aws_cli(bin, port).args(["s3api", "create-bucket", "--bucket", &env.s3_bucket]))?;
    }
    let packaged = dir.join("packaged.yaml");
    output(
        aws_cli(bin, port)
            .args(["cloudformation", "package", "--s3-bucket", &env.s3_bucket, "--template-file"])
            .arg(&staged)
            .arg("--output-template-file")
            .arg(&packaged),
    )?;
    run(aws_cli(bin, port)
        .args(["cloudformation", "deploy", "--no-fail-on-empty-changeset", "--stack-name", &env.stack_name])
        .args(["--s3-bucket", &env.s3_bucket])
        .args(["--capabilities", "CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND", "--template-file"])
        .arg(&packaged)
        .arg("--parameter-overrides")
        .args(&env.parameter_overrides)
        .args(otlp_endpoint(env))
        .arg(format!("SigningKeysSecretArn={secret}")))?;
    crate::emulator_gaps::apply(bin, port, &env.stack_name, &original)?;
    crate::local_accounts::seed(bin, port, &env.stack_name)?;
    outputs(bin, port, &env.stack_name)
}

/// Where the local functions export their spans, unless `env` says: the shell's
/// `OTEL_EXPORTER_OTLP_ENDPOINT` (a local collector, e.g. Jaeger's
/// `http://127.0.0.1:4318`), or nowhere. Passed on every deploy, so that a stack
/// deployed with it and then without stops exporting.
fn otlp_endpoint(env: &DeployEnv) -> Option<String> {
    let chosen = env.parameter_overrides.iter().any(|o| o.starts_with("OtlpEndpoint="));
    (!chosen).then(|| format!("OtlpEndpoint={}", std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT").unwrap_or_default()))
}

/// The outputs of a deployed stack.
pub fn outputs(bin: &Path, port: u16, stack: &str) -> Result<BTreeMap<String, String>> {
    let json = output(aws_cli(bin, port).args([
        "cloudformation",
        "describe-stacks",
        "--stack-name",
        stack,
        "--output",
        "json",
    ]))?;
    let v: serde_json::Value = serde_json::from_str(&json)?;
    let mut map = BTreeMap::new();
    for o in v["Stacks"][0]["Outputs"].as_array().into_iter().flatten() {
        if let (Some(k), Some(val)) = (o["OutputKey"].as_str(), o["OutputValue"].as_str()) {
            map.insert(k.to_owned(), val.to_owned());
        }
    }
    Ok(map)
}
