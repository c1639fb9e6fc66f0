//! `cargo xtask health [--port N]`: runs the deployed canary once against the local
//! stack (the `Canary` function's `live` alias, invoked as AWS's schedule would) and
//! prints its report, ending with `health: <k>/<n> services answered in <ms> ms`.
//! Fails when a service did not answer. `cargo xtask test` runs it on its stack.
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::emulator::{aws_cli, physical_id};
use crate::process::output;

/// Invokes the canary on the stack `stack` of the emulator on `port`; its report.
pub fn run(bin: &Path, port: u16, stack: &str) -> Result<Value> {
    let function = physical_id(bin, port, stack, "Canary")?;
    let answer = std::env::temp_dir().join(format!("canary-{port}-{}.json", std::process::id()));
    output(
        aws_cli(bin, port)
            .args([
                "lambda",
                "invoke",
                "--cli-read-timeout",
                "90",
                "--function-name",
                &format!("{function}:live"),
                "--payload",
                "{}",
            ])
            .arg(&answer),
    )?;
    let text = std::fs::read_to_string(&answer).with_context(|| format!("reading {}", answer.display()))?;
    let _ = std::fs::remove_file(&answer);
    serde_json::from_str(&text).with_context(|| format!("the canary answered: {text}"))
}

/// The report's last line, and whether every service answered.
pub fn summary(report: &Value) -> Result<(String, bool)> {
    let answered = report["answered"].as_object().context("the canary's report has no `answered`")?;
    let missing = report["missing"].as_array().context("the canary's report has no `missing`")?;
    let total = answered.len() + missing.len();
    let line = format!(
        "health: {}/{total} services answered in {} ms",
        answered.len(),
        report["elapsed_ms"].as_u64().unwrap_or_default()
    );
    Ok((line, missing.is_empty()))
}

/// Prints each service's answer (or its absence) and the summary; fails on an absence.
pub fn print(report: &Value) -> Result<()> {
    for (service, answer) in report["answered"].as_object().into_iter().flatten() {
        println!("  {service}: version {} after {} ms", answer["version"].as_str().unwrap_or("?"), answer["after_ms"]);
    }
    for service in report["missing"].as_array().into_iter().flatten() {
        println!("  {}: no answer", service.as_str().unwrap_or("?"));
    }
    let (line, all) = summary(report)?;
    println!("{line}");
    if !all {
        bail!("the canary did not hear from every service");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_summary_counts_answers_against_all_expected() {
        let report = json!({"canary_id": "c", "elapsed_ms": 812,
            "answered": {"movers": {"version": "1/0.1.0", "after_ms": 300}, "moves": {"version": "1/0.1.0", "after_ms": 810}},
            "missing": ["notifications"]});
        assert_eq!(summary(&report).unwrap(), ("health: 2/3 services answered in 812 ms".to_owned(), false));
        assert!(print(&report).is_err(), "a missing service fails the command");
        assert!(summary(&json!({"missing": []})).is_err(), "a report without answers is refused");
    }
}
