//! An in-memory idempotency ledger with the DynamoDB ledger's rules, for tests (the
//! `testing` feature; never in a production build).
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::{Claim, IdempotencyLedger, LedgerError};

#[derive(Debug, Clone)]
struct Entry {
    fingerprint: String,
    completed: bool,
    lease_until: Instant,
}

/// An in-memory ledger with the same rules as the DynamoDB one.
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
}
