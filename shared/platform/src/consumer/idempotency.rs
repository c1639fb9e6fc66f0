//! The idempotency ledger port: a message id is claimed before its handler runs, so
//! a redelivery is acknowledged without running it again. The DynamoDB adapter is
//! `store::DynamoLedger`; `MemoryLedger` serves domain unit tests.
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

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

#[derive(Debug, Clone)]
struct Entry {
    fingerprint: String,
    completed: bool,
    lease_until: Instant,
}

/// An in-memory ledger with the same rules as the DynamoDB one (unit tests only).
pub struct MemoryLedger {
    lease: Duration,
    entries: Mutex<HashMap<String, Entry>>,
}

impl MemoryLedger {
    /// A ledger whose claims expire after `lease`.
    pub fn new(lease: Duration) -> Self {
        Self { lease, entries: Mutex::new(HashMap::new()) }
    }
}

#[async_trait]
impl IdempotencyLedger for MemoryLedger {
    async fn claim(&self, id: &str, fingerprint: &str) -> Result<Claim, LedgerError> {
        let mut entries = self.entries.lock().map_err(|e| LedgerError(e.to_string()))?;
        let now = Instant::now();
        if let Some(e) = entries.get(id) {
            if e.fingerprint != fingerprint {
                return Ok(Claim::Mismatch);
            }
            if e.completed {
                return Ok(Claim::Completed);
            }
            if e.lease_until > now {
                return Ok(Claim::InFlight);
            }
        }
        let entry = Entry { fingerprint: fingerprint.to_owned(), completed: false, lease_until: now + self.lease };
        entries.insert(id.to_owned(), entry);
        Ok(Claim::Acquired)
    }

    async fn complete(&self, id: &str, fingerprint: &str) -> Result<(), LedgerError> {
        let mut entries = self.entries.lock().map_err(|e| LedgerError(e.to_string()))?;
        match entries.get_mut(id) {
            Some(e) if e.fingerprint == fingerprint => {
                e.completed = true;
                Ok(())
            }
            _ => Err(LedgerError(format!("no claim on {id} to complete"))),
        }
    }

    async fn release(&self, id: &str) -> Result<(), LedgerError> {
        let mut entries = self.entries.lock().map_err(|e| LedgerError(e.to_string()))?;
        if entries.get(id).is_some_and(|e| !e.completed) {
            entries.remove(id);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn claim_rules() {
        let l = MemoryLedger::new(Duration::from_secs(60));
        assert_eq!(l.claim("a", "f1").await.unwrap(), Claim::Acquired);
        assert_eq!(l.claim("a", "f1").await.unwrap(), Claim::InFlight);
        assert_eq!(l.claim("a", "f2").await.unwrap(), Claim::Mismatch);
        l.complete("a", "f1").await.unwrap();
        assert_eq!(l.claim("a", "f1").await.unwrap(), Claim::Completed);
        l.release("a").await.unwrap();
        assert_eq!(l.claim("a", "f1").await.unwrap(), Claim::Completed, "completed claims stay");
    }

    #[tokio::test]
    async fn expired_or_released_claims_can_be_retaken() {
        let l = MemoryLedger::new(Duration::from_millis(0));
        assert_eq!(l.claim("b", "f").await.unwrap(), Claim::Acquired);
        assert_eq!(l.claim("b", "f").await.unwrap(), Claim::Acquired, "lease expired");
        let l = MemoryLedger::new(Duration::from_secs(60));
        l.claim("c", "f").await.unwrap();
        l.release("c").await.unwrap();
        assert_eq!(l.claim("c", "f").await.unwrap(), Claim::Acquired);
    }

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
