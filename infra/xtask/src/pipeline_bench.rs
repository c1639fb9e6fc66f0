//! `bench pipeline` and `bench peers`: the consumer pipeline's throughput on one
//! core (the criterion benchmark `consumer_pipeline`), and the same Lambda SQS
//! event handled by Powertools for AWS Lambda (Python) from PyPI and by a bare
//! `lambda_runtime` handler with `serde_json` in the same run, so each ratio is
//! measured on the same machine within the same minutes.
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::bench_peer;
use crate::criterion_results::{bench_dir, mean_nanos};
use crate::process::{cargo, run};

/// Runs the criterion benchmark and prints `pipeline: <N> msg/s (<µs> per message)`,
/// then the same with the worker's log lines at `info`, one a record (`pipeline
/// logged: ...`); returns messages per second of both, and the event file handled.
pub fn pipeline() -> Result<(Rates, PathBuf)> {
    let event = run_benchmarks(&[PIPELINE, LOGGED])?;
    let (per_second, micros) = criterion_rate(PIPELINE, &event)?;
    println!("pipeline: {per_second:.0} msg/s ({micros:.2} µs per message)");
    let (logged, logged_micros) = criterion_rate(LOGGED, &event)?;
    println!("pipeline logged: {logged:.0} msg/s ({logged_micros:.2} µs per message, a JSON line a record at info)");
    Ok((Rates { plain: per_second, logged }, event))
}

/// The pipeline's messages per second, without and with its log lines.
pub struct Rates {
    plain: f64,
    logged: f64,
}

/// The benchmark functions of `consumer_pipeline`: the pipeline, the same with log
/// lines, the bare `lambda_runtime` peer.
const PIPELINE: &str = "sqs_batch_of_10";
const LOGGED: &str = "sqs_batch_of_10_logged";
const BARE: &str = "bare_lambda_runtime";

/// Runs the benchmark functions `names` of `consumer_pipeline` in one run; returns
/// the event file they handled.
fn run_benchmarks(names: &[&str]) -> Result<PathBuf> {
    let dir = bench_dir();
    std::fs::create_dir_all(&dir)?;
    let event = dir.join("pipeline-event.json");
    let filter = format!("^consumer_pipeline/({})$", names.join("|"));
    run(cargo()
        .args(["bench", "-p", "platform-consumer", "--bench", "consumer_pipeline", "--", &filter])
        .env("CRITERION_HOME", &dir)
        .env("PIPELINE_EVENT_FILE", &event))?;
    Ok(event)
}

/// Messages per second and µs per message of the benchmark function `name`, from
/// criterion's estimates of its last run over `event`.
fn criterion_rate(name: &str, event: &Path) -> Result<(f64, f64)> {
    let nanos_per_batch = mean_nanos("consumer_pipeline", name)?;
    let records = records_in(event)?;
    let micros = nanos_per_batch / records as f64 / 1_000.0;
    Ok((1_000_000.0 / micros, micros))
}

/// Runs [`pipeline`], then the bare `lambda_runtime` peer (`benches/bare_peer`)
/// and Powertools on the same event three ways (the least a handler can do, the
/// same with a log line a record, and typed and fingerprinted as the platform's
/// consumer does every record: see `infra/bench/powertools_pipeline.py`), and
/// prints each ratio.
pub fn peers() -> Result<()> {
    let (Rates { plain: ours, logged }, event) = pipeline()?;
    run_benchmarks(&[BARE])?;
    let (bare, bare_micros) = criterion_rate(BARE, &event)?;
    println!("bare lambda_runtime: {bare:.0} msg/s ({bare_micros:.2} µs per message)");
    let lines = bench_peer::run("powertools_pipeline.py", &[event.as_os_str(), "5".as_ref()])?;
    let rate_of = |label| bench_peer::figure(&lines, label, "N msg/s");
    let minimal = rate_of("powertools")?;
    let minimal_logged = rate_of("powertools logged")?;
    let typed = rate_of("powertools typed")?;
    println!(
        "peers: platform {ours:.0} msg/s, Powertools for AWS Lambda (Python) {minimal:.0} msg/s, ratio {:.2}",
        ours / minimal
    );
    println!(
        "peers logged: platform {logged:.0} msg/s, Powertools with its Logger's line a record {minimal_logged:.0} msg/s, ratio {:.2}",
        logged / minimal_logged
    );
    println!(
        "peers typed: platform {ours:.0} msg/s, Powertools typed and fingerprinted {typed:.0} msg/s, ratio {:.2}",
        ours / typed
    );
    println!(
        "peers bare: platform {ours:.0} msg/s, bare lambda_runtime and serde_json {bare:.0} msg/s, ratio {:.2}",
        ours / bare
    );
    Ok(())
}

fn records_in(event: &Path) -> Result<usize> {
    let text = std::fs::read_to_string(event).with_context(|| format!("reading {}", event.display()))?;
    let v: serde_json::Value = serde_json::from_str(&text)?;
    v["Records"].as_array().map(Vec::len).filter(|n| *n > 0).context("the benchmark's event has no records")
}
