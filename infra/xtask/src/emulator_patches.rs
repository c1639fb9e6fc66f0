//! Corrections to the pinned emulator's own code, where it departs from AWS in a
//! way that loses work and no deploy-time setting can route around it. Each one
//! is an exact text replacement in one file of the installed `ministack` package,
//! applied every time the emulator's venv is ensured: a file already corrected is
//! left alone, and a file where the expected text is not found exactly once fails
//! loudly (a new ministack version: review the patch, drop it if fixed upstream).
//!
//! - Step Functions hands the *same* context object to every branch of a
//!   `Parallel` state, and a `.waitForTaskToken` Task writes its token there
//!   before evaluating its `Parameters`: two branches entering together can both
//!   read the later branch's token (one token, two waits, one of them never
//!   answered). AWS gives each branch its own context, as ministack's `Map` does.
//! - Step Functions makes a task token once per state entry, before the `Retry`
//!   loop, so every retry of a wait reuses the token the timed-out attempt was
//!   given. AWS makes a new token per attempt; a retried ask is a new ask.
//! - CloudFormation applies the SAM transform without the stack's parameter values,
//!   so what SAM resolves from parameters (`DeploymentPreference.Enabled`) takes
//!   their defaults. AWS hands the transform the values the deploy passed.
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// One exact replacement in one file of the emulator's package.
struct Patch {
    /// What it corrects, for the log line and the error.
    name: &'static str,
    /// Path below the venv's `site-packages/`.
    file: &'static str,
    /// Text that must occur exactly once in the file as installed.
    find: &'static str,
    /// Its replacement; its presence marks the file as already corrected.
    replace: &'static str,
}

const PATCHES: &[Patch] = &[
    Patch {
        name: "each Parallel branch gets its own copy of the context",
        file: "ministack/services/stepfunctions.py",
        find: "                branch.get(\"StartAt\"),\n                effective, execution, ctx)\n",
        replace: "                branch.get(\"StartAt\"),\n                effective, execution,\n                \
                  copy.deepcopy(ctx))  # updater: a context per branch, as in AWS\n",
    },
    Patch {
        name: "no task token made before the Retry loop",
        file: "ministack/services/stepfunctions.py",
        find: "    if is_callback:\n        ctx[\"Task\"] = {\"Token\": new_uuid()}\n\n    retriers = state_def.get(\"Retry\", [])\n",
        replace: "    # updater: the task token is made per attempt, in the loop below\n    \
                  retriers = state_def.get(\"Retry\", [])\n",
    },
    Patch {
        name: "a new task token per attempt",
        file: "ministack/services/stepfunctions.py",
        find: "        ctx[\"State\"][\"RetryCount\"] = sum(retry_counts.values())\n        \
               if query_language != \"JSONata\":\n",
        replace: "        ctx[\"State\"][\"RetryCount\"] = sum(retry_counts.values())\n        \
                  if is_callback:  # updater: a new token per attempt, as in AWS\n            \
                  ctx[\"Task\"] = {\"Token\": new_uuid()}\n        \
                  if query_language != \"JSONata\":\n",
    },
    Patch {
        name: "the SAM transform sees the stack's parameter values",
        file: "ministack/services/cloudformation/engine.py",
        find: "        return _sam_transform(copy.deepcopy(template), {}, _NO_IAM_POLICY_LOADER)\n",
        replace: "        return _sam_transform(  # updater: with the parameter values, as in AWS\n            \
                  copy.deepcopy(template), _transform_parameters(template, provided_params, previous_params),\n            \
                  _NO_IAM_POLICY_LOADER)\n",
    },
];

/// Applies every patch to the emulator installed in the venv whose `bin/` is given.
pub fn apply(bin: &Path) -> Result<()> {
    let site_packages = site_packages(bin)?;
    for patch in PATCHES {
        let path = site_packages.join(patch.file);
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        if let Some(patched) = patched(&text, patch)? {
            std::fs::write(&path, patched).with_context(|| format!("writing {}", path.display()))?;
            eprintln!("emulator patch: {} ({})", patch.name, patch.file);
        }
    }
    Ok(())
}

/// The corrected text, or `None` when the file already carries the correction.
fn patched(text: &str, patch: &Patch) -> Result<Option<String>> {
    if text.contains(patch.replace) {
        return Ok(None);
    }
    match text.matches(patch.find).count() {
        1 => Ok(Some(text.replacen(patch.find, patch.replace, 1))),
        n => bail!(
            "emulator patch \"{}\": expected its text once in {}, found it {n} times; the pinned \
             ministack changed: review infra/xtask/src/emulator_patches.rs",
            patch.name,
            patch.file
        ),
    }
}

/// `<venv>/lib/python3.X/site-packages`, whatever the venv's Python version.
fn site_packages(bin: &Path) -> Result<PathBuf> {
    let lib = bin.parent().context("venv bin/ has no parent")?.join("lib");
    for entry in std::fs::read_dir(&lib).with_context(|| format!("reading {}", lib.display()))? {
        let candidate = entry?.path().join("site-packages");
        if candidate.join("ministack").is_dir() {
            return Ok(candidate);
        }
    }
    bail!("no site-packages with ministack under {}", lib.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    const INSTALLED_TASK: &str = "def _execute_task(state_def, raw_input, execution, ctx):\n    \
        is_callback = True\n    if is_callback:\n        ctx[\"Task\"] = {\"Token\": new_uuid()}\n\n    \
        retriers = state_def.get(\"Retry\", [])\n    while True:\n        \
        ctx[\"State\"][\"RetryCount\"] = sum(retry_counts.values())\n        \
        if query_language != \"JSONata\":\n            pass\n";

    fn apply_all(mut text: String) -> Result<String> {
        // The two patches of the task token, on a sketch of `_execute_task` as installed.
        for patch in PATCHES.iter().filter(|p| p.name.contains("task token")) {
            if let Some(next) = patched(&text, patch)? {
                text = next;
            }
        }
        Ok(text)
    }

    #[test]
    fn the_token_moves_into_the_retry_loop() {
        let text = apply_all(INSTALLED_TASK.to_owned()).unwrap();
        let token = text.find("ctx[\"Task\"] = {\"Token\"").unwrap();
        assert_eq!(text.matches("ctx[\"Task\"] = {\"Token\"").count(), 1, "{text}");
        assert!(token > text.find("while True:").unwrap(), "token made before the loop:\n{text}");
    }

    #[test]
    fn a_corrected_file_is_left_alone() {
        let once = apply_all(INSTALLED_TASK.to_owned()).unwrap();
        assert_eq!(apply_all(once.clone()).unwrap(), once);
    }

    #[test]
    fn an_unknown_version_is_refused_not_skipped() {
        let changed = INSTALLED_TASK.replace("retriers = state_def", "retriers = definition");
        let error = apply_all(changed).unwrap_err().to_string();
        assert!(error.contains("found it 0 times"), "{error}");
    }
}
