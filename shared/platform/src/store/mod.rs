//! The DynamoDB store of a service's own table: startup schema check, versioned
//! items with optimistic concurrency, the idempotency ledger, attempt counters for
//! the limits at the edges, and data migrations. (Changes written with the messages
//! that announce them are [`crate::outbox`]'s.)
mod counters;
mod error;
mod ledger;
mod migrations;
mod reset;
mod schema;
mod table;

#[cfg(any(test, feature = "testing"))]
pub use counters::MemoryCounters;
pub use counters::{Counters, Limit, Standing, TableCounters};
pub use error::StoreError;
pub use ledger::DynamoLedger;
pub use migrations::{MIGRATIONS_PK, Migration, MigrationFuture, migrate, pending};
pub use reset::{Reset, reset};
pub use schema::{IndexSchema, TableSchema};
pub use table::{Key, Table, Versioned, epoch_seconds};
