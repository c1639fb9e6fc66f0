//! Python virtual environments with pinned tools, created on first use and
//! refreshed when their requirements file changes: the emulator and template tools
//! (`localstack/requirements.txt`), the release build tools
//! (`infra/requirements-release.txt`), the benchmarks' Python peer
//! (`infra/requirements-bench.txt`) and the OpenAPI validator (`infra/requirements-docs.txt`).
use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result};

use crate::paths;
use crate::process::run;

fn ensure_env(name: &str, requirements: &str, marker: &str) -> Result<PathBuf> {
    let venv = paths::local().join(name);
    let bin = venv.join("bin");
    let requirements = paths::root().join(requirements);
    let wanted =
        std::fs::read_to_string(&requirements).with_context(|| format!("reading {}", requirements.display()))?;
    let stamp = venv.join(".requirements");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) && bin.join(marker).exists() {
        return Ok(bin);
    }
    eprintln!("Installing {} into {} ...", requirements.display(), venv.display());
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    run(Command::new(&python).args(["-m", "venv"]).arg(&venv))?;
    run(Command::new(bin.join("pip"))
        .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
        .arg(&requirements))?;
    std::fs::write(&stamp, wanted)?;
    Ok(bin)
}

/// The emulator (with the project's corrections, `emulator_patches`), cfn-lint and
/// the AWS CLI; returns the venv's `bin/`.
pub fn ensure() -> Result<PathBuf> {
    let bin = ensure_env("venv", "localstack/requirements.txt", "ministack")?;
    crate::emulator_patches::apply(&bin)?;
    Ok(bin)
}

/// cargo-lambda and zig; returns the venv's `bin/`.
pub fn ensure_release_tools() -> Result<PathBuf> {
    ensure_env("release-venv", "infra/requirements-release.txt", "cargo-lambda")
}

/// openapi-spec-validator, the reference validator of `docs/openapi.json`; returns the venv's `bin/`.
pub fn ensure_docs_tools() -> Result<PathBuf> {
    ensure_env("docs-venv", "infra/requirements-docs.txt", "openapi-spec-validator")
}

/// Powertools for AWS Lambda (Python), the peer of `bench peers`; returns the venv's `bin/`.
pub fn ensure_bench_tools() -> Result<PathBuf> {
    ensure_env("bench-venv", "infra/requirements-bench.txt", "python")
}
