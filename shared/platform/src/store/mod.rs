//! The DynamoDB store of a service's own table: startup schema check, versioned
//! items with optimistic concurrency, changes written with the messages that
//! announce them (the outbox), the idempotency ledger, and data migrations.
mod announced;
mod error;
mod ledger;
mod migrations;
mod schema;
mod table;

pub use error::StoreError;
pub use ledger::DynamoLedger;
pub use migrations::{Migration, MigrationFuture, migrate};
pub use schema::{IndexSchema, TableSchema};
pub use table::{Key, Table, Versioned, epoch_seconds};
