//! One thread per function, checked against the template: every function's `main`
//! runs on tokio's current-thread runtime. Lambda hands an instance one invocation at
//! a time and, below 1,769 MB, less than one vCPU: worker threads have nothing to do
//! there, and starting them cost each cold start about 1 ms of CPU (measured with
//! `cargo xtask bench cold-start`; see `docs/performance.md`).
use anyhow::{Context, Result};
use serde_yaml::Value;

use crate::paths;
use crate::template::{Function, functions};

/// The attribute every function's `main` carries.
const CURRENT_THREAD: &str = r#"#[tokio::main(flavor = "current_thread")]"#;

/// The source file of `function`'s binary: its crate's `[[bin]]` of that name, or
/// cargo's default place for it.
fn source_of(function: &Function) -> Result<std::path::PathBuf> {
    let folder = paths::root().join(&function.code_uri);
    let manifest: toml::Value = toml::from_str(&std::fs::read_to_string(folder.join("Cargo.toml"))?)?;
    let declared = manifest.get("bin").and_then(|bins| bins.as_array()).and_then(|bins| {
        bins.iter()
            .find(|bin| bin.get("name").and_then(|n| n.as_str()) == Some(function.binary.as_str()))
            .and_then(|bin| bin.get("path")?.as_str().map(str::to_owned))
    });
    Ok(folder.join(declared.unwrap_or_else(|| format!("src/bin/{}.rs", function.binary))))
}

/// What is wrong with a function's `main` source, if anything.
fn problem(binary: &str, source: &str) -> Option<String> {
    (!source.contains(CURRENT_THREAD)).then(|| format!("{binary}: its `main` is not `{CURRENT_THREAD}`"))
}

/// Fails naming each function whose `main` runs on another runtime.
pub fn check(template: &Value) -> Result<()> {
    let mut found = Vec::new();
    for function in functions(template) {
        let path = source_of(&function)?;
        let source = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        found.extend(problem(&function.binary, &source));
    }
    crate::check_verdict::verdict("runtime", &found, "runtime: every function runs on tokio's current-thread runtime")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_function_of_the_template_has_its_main_found_and_on_one_thread() {
        check(&crate::template::template().unwrap()).unwrap();
    }

    #[test]
    fn a_main_on_the_multi_thread_runtime_is_named() {
        let found = problem("x-worker", "#[tokio::main]\nasync fn main() {}").unwrap();
        assert!(found.starts_with("x-worker:"), "{found}");
        assert_eq!(problem("x-worker", &format!("{CURRENT_THREAD}\nasync fn main() {{}}")), None);
    }
}
