//! The idempotency ledger port: a message id is claimed before its handler runs, so
//! a redelivery is acknowledged without running it again. The DynamoDB adapter is
//! `store::DynamoLedger`; `MemoryLedger` (the `testing` feature) serves unit tests.
use async_trait::async_trait;
use platform_messages::Envelope;
use serde_json::Value;
use sha2::{Digest, Sha256};
use thiserror::Error;

/// The result of claiming a message id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// This delivery owns the id now: run the handler.
    Acquired,
    /// The message was handled before: acknowledge, do nothing.
    Completed,
    /// Another delivery holds a live claim: fail this one so it is retried later.
    InFlight,
    /// The id was seen with a different payload: refuse.
    Mismatch,
}

/// The ledger could not be reached or answered unexpectedly.
#[derive(Debug, Error)]
#[error("idempotency ledger: {0}")]
pub struct LedgerError(pub String);

/// Records which message ids were handled.
#[async_trait]
pub trait IdempotencyLedger: Send + Sync {
    /// Claims `id` for a payload with `fingerprint`.
    async fn claim(&self, id: &str, fingerprint: &str) -> Result<Claim, LedgerError>;
    /// Marks a claimed id as handled.
    async fn complete(&self, id: &str, fingerprint: &str) -> Result<(), LedgerError>;
    /// Drops a claim after a failed attempt, so the next delivery retries at once.
    async fn release(&self, id: &str) -> Result<(), LedgerError>;
}

/// The fingerprint of a message's content: SHA-256 of its name and canonical data.
pub fn fingerprint(envelope: &Envelope<Value>) -> String {
    let mut hasher = Sha256::new();
    hasher.update(envelope.name.as_str().as_bytes());
    hasher.update([0]);
    // serde_json's map is ordered by key, so this rendering is canonical.
    hasher.update(envelope.data.to_string().as_bytes());
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_depends_on_name_and_data_not_metadata() {
        use platform_messages::event;
        let a = Envelope::new(event!("x.happened"), serde_json::json!({"b": 1, "a": 2}));
        let mut b = Envelope::new(event!("x.happened"), serde_json::json!({"a": 2, "b": 1}));
        b.correlation_id = "other".into();
        assert_eq!(fingerprint(&a), fingerprint(&b));
        let c = Envelope::new(event!("y.happened"), serde_json::json!({"a": 2, "b": 1}));
        assert_ne!(fingerprint(&a), fingerprint(&c));
        let d = Envelope::new(event!("x.happened"), serde_json::json!({"a": 3, "b": 1}));
        assert_ne!(fingerprint(&a), fingerprint(&d));
    }
}
