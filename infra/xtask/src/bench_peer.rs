//! A benchmark's Python peer (`infra/bench/*.py`), run from the benchmarks' venv
//! (`infra/requirements-bench.txt`), and the figures read from the lines it prints
//! (`<label>: <number> <unit> ...`).
use std::ffi::OsStr;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::paths;

/// Runs `infra/bench/<script>` with `args` and returns what it printed (its lines
/// are echoed first); fails with its standard error when it fails.
pub fn run(script: &str, args: &[&OsStr]) -> Result<String> {
    let bin = crate::venv::ensure_bench_tools()?;
    let script = paths::root().join("infra/bench").join(script);
    let output = Command::new(bin.join("python"))
        .arg(&script)
        .args(args)
        .output()
        .with_context(|| format!("running {}", script.display()))?;
    if !output.status.success() {
        bail!("{} failed:\n{}", script.display(), String::from_utf8_lossy(&output.stderr));
    }
    let lines = String::from_utf8(output.stdout)?;
    print!("{lines}");
    Ok(lines)
}

/// The number on the line `<label>: <number> ...` of `lines`; `unit` names what
/// was expected in the error when there is none.
pub fn figure(lines: &str, label: &str, unit: &str) -> Result<f64> {
    lines
        .lines()
        .find_map(|line| line.strip_prefix(label)?.strip_prefix(": ")?.split_whitespace().next()?.parse().ok())
        .with_context(|| format!("no `{label}: <{unit}>` line in the peer's output: {lines}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_figure_is_read_by_its_own_label() {
        let lines = "powertools: 73796 msg/s (13.55 us per message)\npowertools logged: 16453 msg/s (60.78 us per \
                     message)\npowertools typed: 19243 msg/s (51.97 us per message)\npyjwt sign: 912.40 us per token\n";
        assert_eq!(figure(lines, "powertools", "N msg/s").unwrap(), 73796.0);
        assert_eq!(figure(lines, "powertools logged", "N msg/s").unwrap(), 16453.0);
        assert_eq!(figure(lines, "powertools typed", "N msg/s").unwrap(), 19243.0);
        assert_eq!(figure(lines, "pyjwt sign", "us").unwrap(), 912.4);
        let error = figure("powertools: 1 msg/s\n", "powertools typed", "N msg/s").unwrap_err().to_string();
        assert!(error.contains("no `powertools typed: <N msg/s>` line"), "{error}");
    }
}
