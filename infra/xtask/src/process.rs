//! Running commands: echo them, fail with the command named when they fail.
use std::process::Command;

use anyhow::{Context, Result, bail};

/// Runs `cmd`, inheriting output; fails if it exits non-zero.
pub fn run(cmd: &mut Command) -> Result<()> {
    eprintln!("$ {}", show(cmd));
    let status = cmd.status().with_context(|| format!("starting {}", show(cmd)))?;
    if !status.success() {
        bail!("`{}` failed with {status}", show(cmd));
    }
    Ok(())
}

/// Runs `cmd` and returns its standard output; fails with its standard error.
pub fn output(cmd: &mut Command) -> Result<String> {
    let out = cmd.output().with_context(|| format!("starting {}", show(cmd)))?;
    if !out.status.success() {
        bail!("`{}` failed with {}: {}", show(cmd), out.status, String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8(out.stdout)?)
}

fn show(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

/// A `cargo` command at the repository root, with the environment it would have had
/// outside `cargo xtask`: `cargo run` prepends the target's build directories to
/// `LD_LIBRARY_PATH`, and build scripts watching that variable would rebuild
/// (ring, aws-lc-sys) on every switch between `cargo xtask` and a plain `cargo`.
pub fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(crate::paths::root());
    let target = crate::paths::target();
    if let Some(value) = std::env::var_os("LD_LIBRARY_PATH") {
        let kept: Vec<_> = std::env::split_paths(&value).filter(|p| !p.starts_with(&target)).collect();
        if kept.is_empty() {
            cmd.env_remove("LD_LIBRARY_PATH");
        } else {
            cmd.env("LD_LIBRARY_PATH", std::env::join_paths(kept).expect("paths from the environment"));
        }
    }
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("CARGO_PKG_")
            || key == "CARGO_MANIFEST_DIR"
            || key == "CARGO_MANIFEST_PATH"
        {
            cmd.env_remove(key);
        }
    }
    cmd
}
