//! The transactional outbox: a change to a service's table and the messages that
//! announce it are written in one DynamoDB transaction (the messages as outbox
//! items in the same table, [`Table::insert_announced`](crate::store::Table::insert_announced)
//! and [`Table::replace_announced`](crate::store::Table::replace_announced)), and a
//! relay Lambda fed by the table's stream publishes them to SNS with the ids fixed at
//! write time, then deletes them. So a change is never left unannounced, a message
//! is never sent for a change that did not happen, and a relay retry duplicates
//! nothing downstream (consumers deduplicate on the id).
mod announced;
mod item;
mod relay;

pub use item::{OUTBOX_PREFIX, OutboxItem, outbox_key};
pub use relay::{Relay, RelayError, serve_relay};
