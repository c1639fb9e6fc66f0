//! Movers in memory with the DynamoDB store's rules (versions, conflicts, pages), for
//! the routes' unit tests (the `testing` feature; never in a production build).
use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;
use platform::bus::Outgoing;
use platform::store::{StoreError, Versioned};

use super::{Cursor, MoverStore, Page, created_key};
use crate::domain::Mover;

/// Movers in memory, with the outbox their writes fill.
#[derive(Default)]
pub struct MemoryMoverStore {
    movers: Mutex<BTreeMap<String, Versioned<Mover>>>,
    outbox: Mutex<Vec<Outgoing>>,
}

impl MemoryMoverStore {
    /// Every message written with a change, in order.
    pub fn outbox(&self) -> Vec<Outgoing> {
        self.outbox.lock().map(|o| o.clone()).unwrap_or_default()
    }

    fn announce(&self, messages: &[Outgoing]) -> Result<(), StoreError> {
        let mut outbox = self.outbox.lock().map_err(|e| StoreError::backend(e.to_string()))?;
        if messages.iter().any(|m| outbox.iter().any(|o| o.envelope.id == m.envelope.id)) {
            return Err(StoreError::Conflict("a message of this change was already written".into()));
        }
        outbox.extend_from_slice(messages);
        Ok(())
    }
}

#[async_trait]
impl MoverStore for MemoryMoverStore {
    async fn get(&self, id: &str) -> Result<Option<Versioned<Mover>>, StoreError> {
        Ok(self.movers.lock().map_err(|e| StoreError::backend(e.to_string()))?.get(id).cloned())
    }

    async fn insert(&self, mover: &Mover, messages: &[Outgoing]) -> Result<u64, StoreError> {
        let mut all = self.movers.lock().map_err(|e| StoreError::backend(e.to_string()))?;
        if all.contains_key(mover.id.as_str()) {
            return Err(StoreError::Conflict(format!("{} exists", mover.id)));
        }
        self.announce(messages)?;
        all.insert(mover.id.to_string(), Versioned { value: mover.clone(), version: 1 });
        Ok(1)
    }

    async fn replace(&self, mover: &Mover, expected: u64, messages: &[Outgoing]) -> Result<u64, StoreError> {
        let mut all = self.movers.lock().map_err(|e| StoreError::backend(e.to_string()))?;
        match all.get(mover.id.as_str()) {
            Some(current) if current.version == expected => {
                self.announce(messages)?;
                all.insert(mover.id.to_string(), Versioned { value: mover.clone(), version: expected + 1 });
                Ok(expected + 1)
            }
            _ => Err(StoreError::Conflict(format!("{} is not at version {expected}", mover.id))),
        }
    }

    async fn list(&self, limit: u32, after: Option<Cursor>, owner: Option<&str>) -> Result<Page, StoreError> {
        let all = self.movers.lock().map_err(|e| StoreError::backend(e.to_string()))?;
        let mut sorted: Vec<_> =
            all.values().filter(|m| owner.is_none_or(|o| m.value.owner_sub == o)).cloned().collect();
        sorted.sort_by_key(|m| std::cmp::Reverse(created_key(&m.value)));
        let start = after
            .map_or(0, |c| sorted.iter().position(|m| created_key(&m.value) == c.created_key).map_or(0, |p| p + 1));
        let items: Vec<_> = sorted.into_iter().skip(start).take(limit as usize + 1).collect();
        let more = items.len() > limit as usize;
        let items: Vec<_> = items.into_iter().take(limit as usize).collect();
        let next = more
            .then(|| items.last())
            .flatten()
            .map(|m| Cursor { created_key: created_key(&m.value), id: m.value.id.to_string() });
        Ok(Page { items, next })
    }
}
