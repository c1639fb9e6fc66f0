//! The SQS consumer of worker Lambdas: decode each record, verify on whose behalf
//! it runs, claim its id in the idempotency ledger, route it by name to its
//! handler, publish what the handler emits (correlated to the record), answer the
//! saga step waiting for a task (its task token), and report only the failed
//! records; and the worker that runs it as an SQS-triggered Lambda function.
//!
//! A crate of its own, apart from `platform`, because it is the hot path: the
//! release profile builds it at opt-level 3 while the rest of the platform (SDK
//! calls that wait on the network) is built for size, and gateways do not link it.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod acting;
mod batch;
mod canary;
mod event_reader;
mod fingerprint;
mod handler;
mod lanes;
pub mod preread_event;
mod publish_gate;
mod queue_event;
mod record;
mod routes;
#[cfg(any(test, feature = "testing"))]
pub mod test_records;
pub mod worker;

pub use acting::{Accepts, user_not_system};
pub use batch::{Consumer, DEFAULT_CONCURRENCY, RecordOutcome};
pub use canary::version;
pub use fingerprint::{canonical_fingerprint, fingerprint};
pub use handler::{Emit, HandlerError, HandlerResult, Reply};
#[cfg(any(test, feature = "testing"))]
pub use platform::idempotency::MemoryLedger;
pub use platform::idempotency::{Claim, ConsumerParts, IdempotencyLedger, LedgerError};
pub use publish_gate::DEFAULT_PUBLISH_WAIT;
pub use queue_event::{MessageAttributes, QueueEvent, QueueRecord, StringAttribute, SystemAttributes};
pub use record::{DecodeError, Incoming, Unwrapped, decode_record};
pub use routes::Routes;
