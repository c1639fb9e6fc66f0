//! Where things are: the repository root and the git-ignored `.local/` work area.
use std::path::PathBuf;

/// The repository root (the workspace root).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repository root")
}

/// `.local/`: venv, emulator pid files and logs, build artifacts.
pub fn local() -> PathBuf {
    let dir = root().join(".local");
    std::fs::create_dir_all(&dir).expect("create .local");
    dir
}

/// The cargo target directory (honours `CARGO_TARGET_DIR`).
pub fn target() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root().join("target"))
}
