//! The deployed stack: its outputs (written by `cargo xtask test` or `cargo xtask
//! e2e`) and SDK clients built from the environment (`AWS_ENDPOINT_URL` points at the
//! emulator). A stack in AWS is reached only when `cargo xtask e2e --stack` says so
//! ([`REMOTE_ENV`]), and then only by the black-box tests.
use std::collections::HashMap;

use anyhow::{Context, Result, bail};

/// The variable naming the JSON file of stack outputs.
pub const OUTPUTS_ENV: &str = "UPDATER_STACK_OUTPUTS";

/// Set by `cargo xtask test` to the file where the collector the local functions
/// export their spans to keeps them (one OTLP/HTTP JSON body per line).
pub const OTLP_SPANS_ENV: &str = "PLATFORM_OTLP_SPANS";

/// Set (to the stack's name) by `cargo xtask e2e --stack` when the stack is in AWS.
pub const REMOTE_ENV: &str = "UPDATER_REMOTE_STACK";

/// A deployed stack seen by a test.
#[derive(Clone)]
pub struct Stack {
    outputs: HashMap<String, String>,
    /// The shared SDK configuration.
    pub aws: aws_config::SdkConfig,
}

impl Stack {
    /// Reads the outputs and builds the SDK configuration; fails with a hint when the
    /// test was not started through `cargo xtask test`.
    pub async fn from_env() -> Result<Self> {
        let Ok(path) = std::env::var(OUTPUTS_ENV) else {
            bail!(
                "{OUTPUTS_ENV} is not set: run these tests with `cargo xtask test`, which starts and deploys the local stack"
            );
        };
        if std::env::var("AWS_ENDPOINT_URL").is_err() && !Self::is_remote() {
            bail!(
                "AWS_ENDPOINT_URL is not set: these tests talk to the local emulator, or to a stack in AWS \
                 only through `cargo xtask e2e --stack <name>`"
            );
        }
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
        let outputs = serde_json::from_str(&text).with_context(|| format!("parsing {path}"))?;
        let aws = aws_config::load_from_env().await;
        Ok(Self { outputs, aws })
    }

    /// One output by name, e.g. `AddressingQueueUrl`.
    pub fn output(&self, name: &str) -> Result<&str> {
        self.outputs.get(name).map(String::as_str).with_context(|| format!("stack output {name} is missing"))
    }

    /// Whether the stack is in AWS (`cargo xtask e2e --stack`), not on the emulator.
    pub fn is_remote() -> bool {
        std::env::var_os(REMOTE_ENV).is_some()
    }

    /// The base URL of the system's REST API (no trailing slash): the stack's
    /// `ApiUrl` in AWS, the emulator's route to the API locally.
    pub fn api_url(&self) -> Result<String> {
        if Self::is_remote() {
            return Ok(self.output("ApiUrl")?.trim_end_matches('/').to_owned());
        }
        let endpoint = std::env::var("AWS_ENDPOINT_URL").context("AWS_ENDPOINT_URL")?;
        Ok(format!(
            "{}/_aws/execute-api/{}/{}",
            endpoint.trim_end_matches('/'),
            self.output("ApiId")?,
            self.output("ApiStage")?
        ))
    }

    /// A parameter default of template.yaml (e.g. `JwtIssuer`).
    pub fn template_default(name: &str) -> Result<String> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../template.yaml");
        let template: serde_yaml::Value = serde_yaml::from_str(&std::fs::read_to_string(path)?)?;
        template["Parameters"][name]["Default"]
            .as_str()
            .map(str::to_owned)
            .or_else(|| template["Parameters"][name]["Default"].as_i64().map(|n| n.to_string()))
            .with_context(|| format!("template.yaml has no default for {name}"))
    }

    /// An SNS client.
    pub fn sns(&self) -> aws_sdk_sns::Client {
        aws_sdk_sns::Client::new(&self.aws)
    }

    /// An SQS client.
    pub fn sqs(&self) -> aws_sdk_sqs::Client {
        aws_sdk_sqs::Client::new(&self.aws)
    }

    /// A DynamoDB client.
    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&self.aws)
    }

    /// A Step Functions client.
    pub fn sfn(&self) -> aws_sdk_sfn::Client {
        aws_sdk_sfn::Client::new(&self.aws)
    }

    /// The emulator's endpoint (`AWS_ENDPOINT_URL`).
    pub fn endpoint(&self) -> Option<String> {
        std::env::var("AWS_ENDPOINT_URL").ok()
    }
}
