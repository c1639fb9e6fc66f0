//! An in-memory publisher for domain unit tests: records what would be sent.
use std::sync::Mutex;

use async_trait::async_trait;

use super::outgoing::{Outgoing, Publish, PublishError};

/// Records published messages; can be told to fail (for tests of failure paths).
#[derive(Default)]
pub struct RecordingPublisher {
    sent: Mutex<Vec<Outgoing>>,
    fail: Mutex<bool>,
}

impl RecordingPublisher {
    /// Everything published so far.
    pub fn sent(&self) -> Vec<Outgoing> {
        self.sent.lock().expect("publisher lock").clone()
    }

    /// Makes later publications fail (or succeed again).
    pub fn set_failing(&self, failing: bool) {
        *self.fail.lock().expect("publisher lock") = failing;
    }
}

#[async_trait]
impl Publish for RecordingPublisher {
    async fn publish(&self, messages: Vec<Outgoing>) -> Result<(), PublishError> {
        for m in &messages {
            m.encode()?;
        }
        if *self.fail.lock().expect("publisher lock") {
            return Err(PublishError::Transport("recording publisher set to fail".into()));
        }
        self.sent.lock().expect("publisher lock").extend(messages);
        Ok(())
    }
}
