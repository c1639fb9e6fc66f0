//! The idempotency ledger port: a message id is claimed before its handler runs, so
//! a redelivery is acknowledged without running it again. The DynamoDB adapter is
//! [`crate::store::DynamoLedger`]; `MemoryLedger` (the `testing` feature) serves
//! unit tests. The consumer itself is the crate `platform-consumer`.
use std::sync::Arc;

use async_trait::async_trait;
use platform_identity::Verifier;
use thiserror::Error;

use crate::bus::Publish;
#[cfg(any(test, feature = "testing"))]
mod memory_ledger;
#[cfg(any(test, feature = "testing"))]
pub use memory_ledger::MemoryLedger;

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

/// What every consumer is built on: its idempotency ledger, its publisher and
/// the verifier of the identities that records carry.
#[derive(Clone)]
pub struct ConsumerParts {
    /// Claims each message id once.
    pub ledger: Arc<dyn IdempotencyLedger>,
    /// Publishes what the handlers emit.
    pub publisher: Arc<dyn Publish>,
    /// Verifies the identity a record carries.
    pub verifier: Arc<Verifier>,
}

#[cfg(any(test, feature = "testing"))]
impl ConsumerParts {
    /// Parts for tests: a fresh in-memory ledger (30 s leases), `publisher`, and
    /// `verifier` (a test issuer's). The `testing` feature.
    pub fn in_memory(publisher: Arc<dyn Publish>, verifier: Arc<Verifier>) -> Self {
        let ledger = Arc::new(MemoryLedger::new(std::time::Duration::from_secs(30)));
        Self { ledger, publisher, verifier }
    }
}
