//! `bench pipeline` and `bench peers`: the consumer pipeline's throughput on one
//! core (the criterion benchmark `consumer_pipeline`), and the same Lambda SQS
//! event handled by Powertools for AWS Lambda (Python) from PyPI in the same run,
//! so the ratio is measured on the same machine within the same minutes.
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::paths;
use crate::process::{cargo, run};

/// Where criterion keeps its estimates, and where the benchmark writes its event.
fn bench_dir() -> PathBuf {
    paths::target().join("criterion")
}

/// Runs the criterion benchmark and prints `pipeline: <N> msg/s (<µs> per message)`;
/// returns messages per second and the event file it handled.
pub fn pipeline() -> Result<(f64, PathBuf)> {
    let dir = bench_dir();
    std::fs::create_dir_all(&dir)?;
    let event = dir.join("pipeline-event.json");
    run(cargo()
        .args(["bench", "-p", "platform-consumer", "--bench", "consumer_pipeline", "--", "sqs_batch_of_10"])
        .env("CRITERION_HOME", &dir)
        .env("PIPELINE_EVENT_FILE", &event))?;
    let estimates = dir.join("consumer_pipeline/sqs_batch_of_10/new/estimates.json");
    let nanos_per_batch = mean_nanos(&estimates)?;
    let records = records_in(&event)?;
    let micros = nanos_per_batch / records as f64 / 1_000.0;
    let per_second = 1_000_000.0 / micros;
    println!("pipeline: {per_second:.0} msg/s ({micros:.2} µs per message)");
    Ok((per_second, event))
}

/// Runs [`pipeline`], then Powertools on the same event, and prints both and the ratio.
pub fn peers() -> Result<()> {
    let (ours, event) = pipeline()?;
    let bin = crate::venv::ensure_bench_tools()?;
    let script = paths::root().join("infra/bench/powertools_pipeline.py");
    let output = Command::new(bin.join("python"))
        .arg(&script)
        .arg(&event)
        .arg("5")
        .output()
        .with_context(|| format!("running {}", script.display()))?;
    if !output.status.success() {
        bail!("the Powertools benchmark failed:\n{}", String::from_utf8_lossy(&output.stderr));
    }
    let line = String::from_utf8(output.stdout)?;
    print!("{line}");
    let theirs: f64 = line
        .strip_prefix("powertools: ")
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .with_context(|| format!("unexpected output of the Powertools benchmark: {line}"))?;
    println!(
        "peers: platform {ours:.0} msg/s, Powertools for AWS Lambda (Python) {theirs:.0} msg/s, ratio {:.2}",
        ours / theirs
    );
    Ok(())
}

fn mean_nanos(estimates: &Path) -> Result<f64> {
    let text = std::fs::read_to_string(estimates).with_context(|| format!("reading {}", estimates.display()))?;
    let v: serde_json::Value = serde_json::from_str(&text)?;
    v["mean"]["point_estimate"].as_f64().with_context(|| format!("no mean in {}", estimates.display()))
}

fn records_in(event: &Path) -> Result<usize> {
    let text = std::fs::read_to_string(event).with_context(|| format!("reading {}", event.display()))?;
    let v: serde_json::Value = serde_json::from_str(&text)?;
    v["Records"].as_array().map(Vec::len).filter(|n| *n > 0).context("the benchmark's event has no records")
}
