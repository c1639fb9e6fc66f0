//! `cargo xtask e2e [--stack NAME] [--region R] [--port N]`: the stack tests against
//! a deployed stack. By default the local stack that `cargo xtask up` runs, with
//! every stack test; with `--stack`, a stack in AWS (a pull request's preview,
//! production) whose outputs CloudFormation gives, with the black-box tests only
//! (`infra/stack-tests/tests/end_to_end.rs`: the REST API, nothing of the emulator),
//! using the caller's AWS credentials.
use std::collections::BTreeMap;
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::emulator::{Emulator, client_env};
use crate::process::{cargo, output, run};
use crate::{paths, venv};

/// The test target that needs nothing but the stack's API.
const BLACK_BOX_TESTS: &str = "end_to_end";

/// Runs the stack tests against the stack the arguments name.
pub fn command(stack: Option<&str>, region: Option<&str>, local_port: u16) -> Result<()> {
    match stack {
        Some(stack) => remote(stack, region),
        None => local(local_port),
    }
}

/// Every stack test against the stack of `cargo xtask up`.
fn local(port: u16) -> Result<()> {
    if Emulator::attach(port).is_none() {
        bail!("no local stack on port {port}: start one with `cargo xtask up`, or name a stack with --stack");
    }
    crate::local_stack::outputs(port)?; // written by `up`, or a clear error
    let file = paths::local().join(format!("stack-{port}.json"));
    run(cargo().args(["test", "-p", "stack-tests"]).envs(client_env(port)).env(platform_testkit::OUTPUTS_ENV, &file))
}

/// The outputs of stack `name` in AWS (your credentials, `region` or your default).
pub fn stack_outputs(name: &str, region: Option<&str>) -> Result<BTreeMap<String, String>> {
    let bin = venv::ensure()?;
    let mut describe = Command::new(bin.join("aws"));
    describe.args(["cloudformation", "describe-stacks", "--stack-name", name, "--output", "json"]);
    if let Some(region) = region {
        describe.args(["--region", region]);
    }
    // The emulator's endpoint must not leak into a run against AWS.
    describe.env_remove("AWS_ENDPOINT_URL");
    let described: Value = serde_json::from_str(&output(&mut describe)?).context("parsing describe-stacks")?;
    outputs_of(&described).with_context(|| format!("stack {name} has no outputs"))
}

/// The black-box tests against stack `name` in AWS.
fn remote(name: &str, region: Option<&str>) -> Result<()> {
    let outputs = stack_outputs(name, region)?;
    let file = paths::local().join(format!("stack-remote-{name}.json"));
    std::fs::write(&file, serde_json::to_string_pretty(&outputs)?)?;
    let mut tests = cargo();
    tests
        .args(["test", "-p", "stack-tests", "--test", BLACK_BOX_TESTS])
        .env_remove("AWS_ENDPOINT_URL")
        .env(platform_testkit::OUTPUTS_ENV, &file)
        .env(platform_testkit::REMOTE_ENV, name);
    if let Some(region) = region {
        tests.env("AWS_REGION", region);
    }
    run(&mut tests)
}

/// `OutputKey → OutputValue` of the first stack `describe-stacks` returned.
fn outputs_of(described: &Value) -> Option<BTreeMap<String, String>> {
    let outputs = described["Stacks"][0]["Outputs"].as_array()?;
    let pairs = outputs
        .iter()
        .filter_map(|o| Some((o["OutputKey"].as_str()?.to_owned(), o["OutputValue"].as_str()?.to_owned())));
    Some(pairs.collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_outputs_of_describe_stacks_become_the_tests_outputs() {
        let described = json!({"Stacks": [{"StackName": "updater-pr-7", "Outputs": [
            {"OutputKey": "ApiUrl", "OutputValue": "https://abc.execute-api.eu-west-1.amazonaws.com/v1"},
            {"OutputKey": "EventsTopicArn", "OutputValue": "arn:aws:sns:eu-west-1:1:updater-pr-7-events", "Description": "x"}
        ]}]});
        let outputs = outputs_of(&described).unwrap();
        assert_eq!(outputs["ApiUrl"], "https://abc.execute-api.eu-west-1.amazonaws.com/v1");
        assert_eq!(outputs.len(), 2);
        assert!(outputs_of(&json!({"Stacks": [{"StackName": "s"}]})).is_none(), "a stack without outputs");
    }
}
