//! Where things are: the repository root and the git-ignored `.local/` work area.
//! The root is found at run time, from the working directory up, so one binary
//! serves whichever checkout it is run in (two checkouts may share a target
//! directory, and a throw-away copy runs the binary of the repository it came from).
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Whether `dir` is the root of this repository: a workspace with this tool in it.
fn is_root(dir: &Path) -> bool {
    dir.join("Cargo.toml").is_file() && dir.join("infra/xtask/Cargo.toml").is_file()
}

/// The nearest repository root at or above `start`.
fn root_above(start: &Path) -> Option<PathBuf> {
    start.ancestors().find(|d| is_root(d)).map(Path::to_path_buf)
}

/// The repository root (the workspace root) the command runs in; exits with one
/// line when there is none.
pub fn root() -> PathBuf {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let cwd = std::env::current_dir().ok();
        let found = cwd.as_deref().and_then(root_above).or_else(|| root_above(Path::new(env!("CARGO_MANIFEST_DIR"))));
        match found {
            Some(root) => root.canonicalize().unwrap_or(root),
            None => {
                eprintln!("error: run cargo xtask inside the repository (no Cargo.toml with infra/xtask above here)");
                std::process::exit(2);
            }
        }
    })
    .clone()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_is_found_from_any_folder_inside_it_and_not_outside() {
        let root = root();
        assert!(is_root(&root));
        assert_eq!(root_above(&root.join("functions/movers/src")).as_deref(), Some(root.as_path()));
        assert_eq!(root_above(Path::new("/")), None);
    }
}
