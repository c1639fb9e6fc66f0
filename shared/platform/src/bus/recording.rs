//! An in-memory publisher for domain unit tests: records what would be sent.
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;

use super::outgoing::{Outgoing, Publish, PublishError};

/// Records published messages; can be told to fail (for tests of failure paths).
#[derive(Default)]
pub struct RecordingPublisher {
    sent: Mutex<Vec<Outgoing>>,
    fail: Mutex<bool>,
    fail_next: AtomicUsize,
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

    /// Makes the next `calls` publications fail, then succeed again.
    pub fn fail_next(&self, calls: usize) {
        self.fail_next.store(calls, Ordering::SeqCst);
    }
}

#[async_trait]
impl Publish for RecordingPublisher {
    async fn publish(&self, messages: Vec<Outgoing>) -> Result<(), PublishError> {
        for m in &messages {
            m.encode()?;
        }
        let failing_next =
            self.fail_next.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok();
        if failing_next || *self.fail.lock().expect("publisher lock") {
            return Err(PublishError::Transport("recording publisher set to fail".into()));
        }
        self.sent.lock().expect("publisher lock").extend(messages);
        Ok(())
    }
}
