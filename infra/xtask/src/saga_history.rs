//! `cargo xtask saga <booking_id>`: the execution of a booking saga in the local
//! stack, summarized: its status, then each state entered (with the time since the
//! start), each task failure with its error name, and how it ended.
use std::collections::BTreeMap;

use anyhow::{Context, Result};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::emulator::aws_cli;
use crate::process::output;

fn at(event: &Value) -> Option<OffsetDateTime> {
    match &event["timestamp"] {
        Value::String(s) => OffsetDateTime::parse(s, &Rfc3339).ok(),
        Value::Number(n) => OffsetDateTime::from_unix_timestamp_nanos((n.as_f64()? * 1e9) as i128).ok(),
        _ => None,
    }
}

/// One line per event worth reading, from a `GetExecutionHistory` answer.
pub fn summarize(history: &Value) -> Vec<String> {
    let events = history["events"].as_array().cloned().unwrap_or_default();
    let start = events.first().and_then(at);
    let since = |e: &Value| match (start, at(e)) {
        (Some(s), Some(t)) => format!("{:>6} ms", (t - s).whole_milliseconds()),
        _ => "       ".into(),
    };
    let mut lines = Vec::new();
    for e in &events {
        let kind = e["type"].as_str().unwrap_or("");
        if kind.ends_with("StateEntered") {
            lines.push(format!(
                "{}  enter {}",
                since(e),
                e["stateEnteredEventDetails"]["name"].as_str().unwrap_or("?")
            ));
        } else if kind == "TaskFailed" {
            let d = &e["taskFailedEventDetails"];
            lines.push(format!("{}    failed: {}", since(e), d["error"].as_str().unwrap_or("?")));
        } else if kind.starts_with("Execution") && kind != "ExecutionStarted" {
            lines.push(format!("{}  {kind}", since(e)));
        }
    }
    lines
}

/// Prints the summary of the booking's execution on the stack at `port`.
pub fn print(bin: &std::path::Path, port: u16, outputs: &BTreeMap<String, String>, booking_id: &str) -> Result<()> {
    let machine = outputs.get("BookMoveStateMachineArn").context("the stack has no BookMoveStateMachineArn output")?;
    let arn = format!("{}:{booking_id}", machine.replace(":stateMachine:", ":execution:"));
    let text = output(
        aws_cli(bin, port)
            .args(["stepfunctions", "get-execution-history", "--execution-arn", &arn])
            .args(["--output", "json"]),
    )?;
    let history: Value = serde_json::from_str(&text)?;
    println!("{booking_id}:");
    for line in summarize(&history) {
        println!("{line}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn states_failures_and_the_end_are_listed_with_their_times() {
        let history = json!({"events": [
            {"type": "ExecutionStarted", "timestamp": "2026-11-26T10:00:00Z"},
            {"type": "TaskStateEntered", "timestamp": "2026-11-26T10:00:00.150Z", "stateEnteredEventDetails": {"name": "ReserveCrew"}},
            {"type": "TaskFailed", "timestamp": "2026-11-26T10:00:00.300Z", "taskFailedEventDetails": {"error": "NoCrewAvailable"}},
            {"type": "TaskStateEntered", "timestamp": "2026-11-26T10:00:00.400Z", "stateEnteredEventDetails": {"name": "CancelBooking"}},
            {"type": "ExecutionSucceeded", "timestamp": "2026-11-26T10:00:00.500Z"}]});
        let lines = summarize(&history);
        assert_eq!(lines.len(), 4, "{lines:?}");
        assert!(lines[0].ends_with("150 ms  enter ReserveCrew"), "{lines:?}");
        assert!(lines[1].contains("failed: NoCrewAvailable"), "{lines:?}");
        assert!(lines[3].ends_with("500 ms  ExecutionSucceeded"), "{lines:?}");
    }
}
