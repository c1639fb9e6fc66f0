//! The SQS consumer of worker Lambdas: decode each record, verify on whose behalf
//! it runs, claim its id in the
//! idempotency ledger, route it by name to its handler, publish what the handler
//! emits (correlated to the record), answer the saga step waiting for a task (its
//! task token), and report only the failed records.
mod acting;
mod batch;
mod canary;
mod event_reader;
mod handler;
mod idempotency;
mod lanes;
#[cfg(any(test, feature = "testing"))]
mod memory_ledger;
mod publish_gate;
mod queue_event;
mod record;
mod routes;
#[cfg(any(test, feature = "testing"))]
pub mod test_records;

pub use acting::{Accepts, user_not_system};
pub use batch::{Consumer, ConsumerParts, DEFAULT_CONCURRENCY, RecordOutcome};
pub use canary::version;
pub use handler::{Emit, HandlerError, HandlerResult, Reply};
pub use idempotency::{Claim, IdempotencyLedger, LedgerError, canonical_fingerprint, fingerprint};
#[cfg(any(test, feature = "testing"))]
pub use memory_ledger::MemoryLedger;
pub use publish_gate::DEFAULT_PUBLISH_WAIT;
pub use queue_event::{MessageAttributes, QueueEvent, QueueRecord, StringAttribute, SystemAttributes};
pub use record::{DecodeError, Incoming, Unwrapped, decode_record};
pub use routes::Routes;
