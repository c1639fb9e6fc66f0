//! Work-arounds for what the local emulator's CloudFormation leaves out, applied
//! after each local deploy so the stack matches what AWS would create. Each one
//! is a no-op on a stack that is already right.
//!
//! - `AWS::DynamoDB::Table` `TimeToLiveSpecification` is ignored by ministack's
//!   provisioner (1.5.33): TTL is enabled with `UpdateTimeToLive` instead.
use std::path::Path;

use anyhow::Result;
use serde_yaml::Value;

use crate::emulator::{aws_cli, physical_id};
use crate::process::output;
use crate::template::resources;

/// Enables the TTL that the template declares on each table, where it is off.
pub fn apply(bin: &Path, port: u16, stack: &str, template: &Value) -> Result<()> {
    for (id, r) in resources(template) {
        let ttl = &r["Properties"]["TimeToLiveSpecification"];
        if r["Type"] != "AWS::DynamoDB::Table" || ttl["Enabled"] != Value::Bool(true) {
            continue;
        }
        let Some(attribute) = ttl["AttributeName"].as_str() else { continue };
        let table = physical_id(bin, port, stack, &id)?;
        let table = table.as_str();
        let status = output(aws_cli(bin, port).args([
            "dynamodb",
            "describe-time-to-live",
            "--table-name",
            table,
            "--query",
            "TimeToLiveDescription.TimeToLiveStatus",
            "--output",
            "text",
        ]))?;
        if status.trim() != "ENABLED" {
            output(aws_cli(bin, port).args([
                "dynamodb",
                "update-time-to-live",
                "--table-name",
                table,
                "--time-to-live-specification",
                &format!("Enabled=true,AttributeName={attribute}"),
            ]))?;
            eprintln!("emulator gap: enabled TTL `{attribute}` on {id} ({table})");
        }
    }
    Ok(())
}
