//! Where the criterion benchmarks that `cargo xtask bench` runs keep their
//! results (and the files they write for their peers), and the mean of one.
use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::paths;

/// Criterion's home for `cargo xtask bench` (its `CRITERION_HOME`).
pub fn bench_dir() -> PathBuf {
    paths::target().join("criterion")
}

/// The mean time, in nanoseconds, of the benchmark function `group/name` in its
/// last run.
pub fn mean_nanos(group: &str, name: &str) -> Result<f64> {
    let estimates = bench_dir().join(format!("{group}/{name}/new/estimates.json"));
    let text = std::fs::read_to_string(&estimates).with_context(|| format!("reading {}", estimates.display()))?;
    let v: serde_json::Value = serde_json::from_str(&text)?;
    v["mean"]["point_estimate"].as_f64().with_context(|| format!("no mean in {}", estimates.display()))
}
