//! The Python virtual environment with the pinned emulator and template tools
//! (`localstack/requirements.txt`), created on first use and refreshed when the
//! requirements change.
use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result};

use crate::paths;
use crate::process::run;

/// The venv's `bin/` directory, ready to use.
pub fn ensure() -> Result<PathBuf> {
    let venv = paths::local().join("venv");
    let bin = venv.join("bin");
    let requirements = paths::root().join("localstack/requirements.txt");
    let wanted = std::fs::read_to_string(&requirements).context("reading localstack/requirements.txt")?;
    let stamp = venv.join(".requirements");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) && bin.join("ministack").exists() {
        return Ok(bin);
    }
    eprintln!("Installing the emulator and template tools into {} ...", venv.display());
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    run(Command::new(&python).args(["-m", "venv"]).arg(&venv))?;
    run(Command::new(bin.join("pip"))
        .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
        .arg(&requirements))?;
    std::fs::write(&stamp, wanted)?;
    Ok(bin)
}
