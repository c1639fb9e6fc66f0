//! Task callbacks recorded in memory, for unit tests of handlers, consumers and
//! saga steps (the `testing` feature; never in a production build).
use std::sync::Mutex;

use async_trait::async_trait;
use serde_json::Value;

use super::callbacks::{CallbackError, TaskCallbacks};

/// One completion a [`RecordingCallbacks`] saw.
#[derive(Debug, Clone, PartialEq)]
pub enum RecordedCallback {
    /// `succeed(token, output)`.
    Success(String, Value),
    /// `fail(token, error, cause)`.
    Failure(String, String, String),
}

/// Records completions in memory (for unit tests of handlers and consumers).
#[derive(Debug, Default)]
pub struct RecordingCallbacks {
    seen: Mutex<Vec<RecordedCallback>>,
}

impl RecordingCallbacks {
    /// What was completed so far, in order.
    pub fn seen(&self) -> Vec<RecordedCallback> {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

#[async_trait]
impl TaskCallbacks for RecordingCallbacks {
    async fn succeed(&self, token: &str, output: &Value) -> Result<(), CallbackError> {
        if let Ok(mut seen) = self.seen.lock() {
            seen.push(RecordedCallback::Success(token.to_owned(), output.clone()));
        }
        Ok(())
    }

    async fn fail(&self, token: &str, error: &str, cause: &str) -> Result<(), CallbackError> {
        if let Ok(mut seen) = self.seen.lock() {
            seen.push(RecordedCallback::Failure(token.to_owned(), error.to_owned(), cause.to_owned()));
        }
        Ok(())
    }
}
