//! The port through which a service answers a saga step that waits for it with
//! `.waitForTaskToken`, and its Step Functions adapter.

use async_trait::async_trait;
use aws_sdk_sfn::Client;
use aws_sdk_sfn::error::SdkError;
use serde_json::Value;
use thiserror::Error;

use super::limits::{MAX_CAUSE_CHARS, MAX_ERROR_CHARS, cut};

/// Why a token could not be completed.
#[derive(Debug, Error)]
pub enum CallbackError {
    /// The saga no longer waits for this token (completed, timed out or stopped):
    /// nothing to do, and retrying will not help.
    #[error("the task token is no longer awaited: {0}")]
    Gone(String),
    /// Step Functions could not be reached or refused for another reason: retry.
    #[error("completing the task token failed: {0}")]
    Unavailable(String),
}

/// Completes task tokens.
#[async_trait]
pub trait TaskCallbacks: Send + Sync {
    /// The waiting step succeeds with `output`.
    async fn succeed(&self, token: &str, output: &Value) -> Result<(), CallbackError>;
    /// The waiting step fails with the business error `error` (matched by the
    /// state machine's `Catch`) and a human-readable `cause`.
    async fn fail(&self, token: &str, error: &str, cause: &str) -> Result<(), CallbackError>;
}

/// Step Functions `SendTaskSuccess` / `SendTaskFailure`.
#[derive(Clone, Debug)]
pub struct SfnCallbacks {
    client: Client,
}

impl SfnCallbacks {
    /// The adapter over an SDK client.
    pub fn new(client: Client) -> Self {
        Self { client }
    }
}

fn classify<E, R>(e: SdkError<E, R>) -> CallbackError
where
    E: aws_sdk_sfn::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let code = e.as_service_error().and_then(|s| s.code()).unwrap_or_default().to_owned();
    let text = format!("{}", aws_sdk_sfn::error::DisplayErrorContext(&e));
    match code.as_str() {
        "TaskTimedOut" | "TaskDoesNotExist" | "InvalidToken" => CallbackError::Gone(text),
        _ => CallbackError::Unavailable(text),
    }
}

#[async_trait]
impl TaskCallbacks for SfnCallbacks {
    async fn succeed(&self, token: &str, output: &Value) -> Result<(), CallbackError> {
        self.client.send_task_success().task_token(token).output(output.to_string()).send().await.map_err(classify)?;
        Ok(())
    }

    async fn fail(&self, token: &str, error: &str, cause: &str) -> Result<(), CallbackError> {
        self.client
            .send_task_failure()
            .task_token(token)
            .error(cut(error, MAX_ERROR_CHARS))
            .cause(cut(cause, MAX_CAUSE_CHARS))
            .send()
            .await
            .map_err(classify)?;
        Ok(())
    }
}
