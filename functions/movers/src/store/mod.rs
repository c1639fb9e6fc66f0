//! Where movers live: one item per mover (`pk = mover#<id>`, `sk = mover`) with a
//! version for optimistic concurrency, listed newest first through the `by_created`
//! index (`kind = mover`, `created_key = <created_at>#<id>`). Every change is
//! written with its messages in the table's outbox, in one transaction.
use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use platform::bus::Outgoing;
use platform::store::{Key, StoreError, Table, Versioned};
use serde::{Deserialize, Serialize};

use crate::domain::Mover;

#[cfg(any(test, feature = "testing"))]
mod memory;
#[cfg(any(test, feature = "testing"))]
pub use memory::MemoryMoverStore;

/// Where a page ends; opaque to clients (base64url of JSON). The service accepts
/// one only when it names a mover the listing could have shown (see
/// `MoversService::list`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    created_key: String,
    id: String,
}

impl Cursor {
    /// The id of the mover the page ended with.
    pub fn mover_id(&self) -> &str {
        &self.id
    }

    /// Whether this cursor could have been given after `mover`.
    pub fn names(&self, mover: &Mover) -> bool {
        mover.id == self.id && self.created_key == created_key(mover)
    }

    /// The cursor that continues after `mover`.
    pub fn of(mover: &Mover) -> Self {
        Self { created_key: created_key(mover), id: mover.id.to_string() }
    }

    /// The cursor as clients see it.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).expect("a cursor serializes"))
    }

    /// Reads a client's cursor; `None` when it is not one of ours.
    pub fn decode(text: &str) -> Option<Self> {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(text).ok()?).ok()
    }
}

/// One page of movers.
#[derive(Debug, Clone)]
pub struct Page {
    /// Newest first.
    pub items: Vec<Versioned<Mover>>,
    /// Where the next page starts, if there is one.
    pub next: Option<Cursor>,
}

/// The movers port.
#[async_trait]
pub trait MoverStore: Send + Sync {
    /// A mover by id.
    async fn get(&self, id: &str) -> Result<Option<Versioned<Mover>>, StoreError>;
    /// Stores a new mover at version 1 with the messages announcing it, in one
    /// write; `Conflict` if the id exists.
    async fn insert(&self, mover: &Mover, messages: &[Outgoing]) -> Result<u64, StoreError>;
    /// Replaces a mover still at `expected`, with the messages announcing the
    /// change, in one write; `Conflict` when stale.
    async fn replace(&self, mover: &Mover, expected: u64, messages: &[Outgoing]) -> Result<u64, StoreError>;
    /// Movers newest first, optionally only those of `owner`.
    async fn list(&self, limit: u32, after: Option<Cursor>, owner: Option<&str>) -> Result<Page, StoreError>;
}

#[derive(Serialize, Deserialize)]
struct MoverItem {
    #[serde(flatten)]
    mover: Mover,
    kind: String,
    created_key: String,
}

impl MoverItem {
    fn of(mover: &Mover) -> Self {
        Self { mover: mover.clone(), kind: "mover".into(), created_key: created_key(mover) }
    }
}

fn created_key(mover: &Mover) -> String {
    format!("{:012}#{}", mover.created_at, mover.id)
}

fn key(id: &str) -> Key {
    Key::new(format!("mover#{id}"), "mover")
}

/// Movers in DynamoDB.
pub struct DynamoMoverStore {
    table: Table,
}

impl DynamoMoverStore {
    /// The store in `table`.
    pub fn new(table: Table) -> Self {
        Self { table }
    }
}

#[async_trait]
impl MoverStore for DynamoMoverStore {
    async fn get(&self, id: &str) -> Result<Option<Versioned<Mover>>, StoreError> {
        Ok(self.table.get::<MoverItem>(&key(id)).await?.map(|v| Versioned { value: v.value.mover, version: v.version }))
    }

    async fn insert(&self, mover: &Mover, messages: &[Outgoing]) -> Result<u64, StoreError> {
        self.table.insert_announced(&key(&mover.id), &MoverItem::of(mover), messages).await
    }

    async fn replace(&self, mover: &Mover, expected: u64, messages: &[Outgoing]) -> Result<u64, StoreError> {
        self.table.replace_announced(&key(&mover.id), &MoverItem::of(mover), expected, messages).await
    }

    async fn list(&self, limit: u32, after: Option<Cursor>, owner: Option<&str>) -> Result<Page, StoreError> {
        // Everyone's movers come from `by_created`; one owner's from `by_owner`, so
        // that a page of N holds N of theirs.
        let (index, partition, value) = match owner {
            Some(owner) => ("by_owner", "owner_sub", owner),
            None => ("by_created", "kind", "mover"),
        };
        let mut query = self
            .table
            .client()
            .query()
            .table_name(self.table.name())
            .index_name(index)
            .key_condition_expression("#partition = :partition")
            .expression_attribute_names("#partition", partition)
            .expression_attribute_values(":partition", AttributeValue::S(value.into()))
            .scan_index_forward(false)
            .limit(limit as i32);
        if let Some(c) = after {
            let k = key(&c.id);
            query = query
                .exclusive_start_key("pk", AttributeValue::S(k.pk))
                .exclusive_start_key("sk", AttributeValue::S(k.sk))
                .exclusive_start_key(partition, AttributeValue::S(value.into()))
                .exclusive_start_key("created_key", AttributeValue::S(c.created_key));
        }
        let out = query.send().await.map_err(|e| StoreError::from_sdk(e, "list movers"))?;
        let mut items = Vec::new();
        for item in out.items().iter().cloned() {
            let version = item.get("version").and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok()).unwrap_or(0);
            let parsed: MoverItem = serde_dynamo::from_item(item)?;
            items.push(Versioned { value: parsed.mover, version });
        }
        let next = out.last_evaluated_key().and_then(|k| {
            let s = |name: &str| k.get(name).and_then(|v| v.as_s().ok()).cloned();
            Some(Cursor { created_key: s("created_key")?, id: s("pk")?.strip_prefix("mover#")?.to_owned() })
        });
        Ok(Page { items, next })
    }
}
