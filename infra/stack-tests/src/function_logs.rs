//! The deployed functions' own log lines, read back through CloudWatch Logs (the
//! emulator writes each function's output to `/aws/lambda/<function name>`, as AWS
//! does): proof that a function did something that leaves no other trace, such as
//! acknowledging a duplicate delivery.
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use platform_testkit::Stack;

/// The log group of the stack's function whose logical id is `function`
/// (`NotificationsWorker`).
async fn log_group(logs: &aws_sdk_cloudwatchlogs::Client, function: &str) -> Result<String> {
    let groups = logs.describe_log_groups().log_group_name_prefix("/aws/lambda/").send().await?;
    groups
        .log_groups()
        .iter()
        .filter_map(|g| g.log_group_name())
        .find(|name| name.contains(&format!("-{function}-")))
        .map(str::to_owned)
        .with_context(|| format!("no log group of {function} yet"))
}

/// Waits until `function` has logged a line containing every one of `needles`,
/// and returns it; fails after `timeout`.
pub async fn wait_logged(stack: &Stack, function: &str, needles: &[&str], timeout: Duration) -> Result<String> {
    let logs = aws_sdk_cloudwatchlogs::Client::new(&stack.aws);
    let deadline = Instant::now() + timeout;
    let pattern = format!("\"{}\"", needles.first().context("at least one needle")?);
    loop {
        if let Ok(group) = log_group(&logs, function).await {
            let mut pages =
                logs.filter_log_events().log_group_name(&group).filter_pattern(&pattern).into_paginator().send();
            while let Some(page) = pages.next().await {
                let page = page?;
                let mut lines = page.events().iter().filter_map(|e| e.message());
                if let Some(line) = lines.find(|m| needles.iter().all(|n| m.contains(n))) {
                    return Ok(line.to_owned());
                }
            }
        }
        if Instant::now() > deadline {
            bail!("{function} logged no line with {needles:?} within {timeout:?}");
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}
