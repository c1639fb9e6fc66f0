//! Attempt counters in a service's own table, for the limits at its edges (logins
//! per account and per source, signups per source, movers created per account):
//! one item per key and fixed window (`pk = limit#<name>#<key>`, `sk = <window
//! start>`), counted with an atomic `ADD` and expired by the table's TTL once its
//! window has passed.
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};

use super::error::StoreError;
use super::table::{Key, Table};

/// A limit: at most `max` attempts per `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// What is counted (`login-account`, `signup-source`, ...), part of the key.
    pub name: &'static str,
    /// Attempts allowed in one window.
    pub max: u32,
    /// The window's length.
    pub window: Duration,
}

/// Where a key stands in the current window of a limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    /// Attempts counted in this window (including the one just added).
    pub count: u32,
    /// Seconds until the window ends (at least 1).
    pub retry_after: u64,
}

impl Standing {
    /// Whether the count is over `limit.max`.
    pub fn over(&self, limit: &Limit) -> bool {
        self.count > limit.max
    }
}

impl Limit {
    fn window_of(&self, now: i64) -> (i64, u64) {
        let length = self.window.as_secs().max(1) as i64;
        let start = now - now.rem_euclid(length);
        (start, (start + length - now).max(1) as u64)
    }

    fn key(&self, key: &str, start: i64) -> Key {
        Key::new(format!("limit#{}#{key}", self.name), format!("window#{start}"))
    }
}

/// Counts attempts per key and window.
#[async_trait]
pub trait Counters: Send + Sync {
    /// Counts one more attempt of `key` under `limit` at `now` (epoch seconds).
    async fn add(&self, limit: &Limit, key: &str, now: i64) -> Result<Standing, StoreError>;
    /// The attempts of `key` under `limit` in the window of `now`, without counting one.
    async fn read(&self, limit: &Limit, key: &str, now: i64) -> Result<Standing, StoreError>;
    /// Forgets the attempts of `key` in the current window (e.g. after a good login).
    async fn clear(&self, limit: &Limit, key: &str, now: i64) -> Result<(), StoreError>;
}

/// Counters in a service's table (with TTL on `expires_at`).
#[derive(Clone, Debug)]
pub struct TableCounters {
    table: Table,
}

impl TableCounters {
    /// Counters in `table`.
    pub fn new(table: Table) -> Self {
        Self { table }
    }
}

#[async_trait]
impl Counters for TableCounters {
    async fn add(&self, limit: &Limit, key: &str, now: i64) -> Result<Standing, StoreError> {
        let (start, retry_after) = limit.window_of(now);
        let expires = start + limit.window.as_secs() as i64 + 60;
        let out = self
            .table
            .client()
            .update_item()
            .table_name(self.table.name())
            .set_key(Some(limit.key(key, start).item()))
            .update_expression("ADD attempts :one SET expires_at = if_not_exists(expires_at, :expires)")
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(":expires", AttributeValue::N(expires.to_string()))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(|e| StoreError::from_sdk(e, "counter"))?;
        let count = out
            .attributes()
            .and_then(|a| a.get("attempts"))
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| StoreError::Mapping("the counter has no `attempts`".into()))?;
        Ok(Standing { count, retry_after })
    }

    async fn read(&self, limit: &Limit, key: &str, now: i64) -> Result<Standing, StoreError> {
        let (start, retry_after) = limit.window_of(now);
        let out = self
            .table
            .client()
            .get_item()
            .table_name(self.table.name())
            .set_key(Some(limit.key(key, start).item()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| StoreError::from_sdk(e, "counter"))?;
        let count = out
            .item()
            .and_then(|i| i.get("attempts"))
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        Ok(Standing { count, retry_after })
    }

    async fn clear(&self, limit: &Limit, key: &str, now: i64) -> Result<(), StoreError> {
        let (start, _) = limit.window_of(now);
        self.table.delete(&limit.key(key, start)).await
    }
}

/// Counters in memory, for the domain's unit tests (the `testing` feature).
#[cfg(any(test, feature = "testing"))]
#[derive(Debug, Default)]
pub struct MemoryCounters(std::sync::Mutex<std::collections::HashMap<Key, u32>>);

#[cfg(any(test, feature = "testing"))]
#[async_trait]
impl Counters for MemoryCounters {
    async fn add(&self, limit: &Limit, key: &str, now: i64) -> Result<Standing, StoreError> {
        let (start, retry_after) = limit.window_of(now);
        let mut counts = self.0.lock().map_err(|e| StoreError::backend(e.to_string()))?;
        let count = counts.entry(limit.key(key, start)).or_default();
        *count += 1;
        Ok(Standing { count: *count, retry_after })
    }

    async fn read(&self, limit: &Limit, key: &str, now: i64) -> Result<Standing, StoreError> {
        let (start, retry_after) = limit.window_of(now);
        let counts = self.0.lock().map_err(|e| StoreError::backend(e.to_string()))?;
        Ok(Standing { count: counts.get(&limit.key(key, start)).copied().unwrap_or(0), retry_after })
    }

    async fn clear(&self, limit: &Limit, key: &str, now: i64) -> Result<(), StoreError> {
        let (start, _) = limit.window_of(now);
        self.0.lock().map_err(|e| StoreError::backend(e.to_string()))?.remove(&limit.key(key, start));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOGINS: Limit = Limit { name: "login", max: 2, window: Duration::from_secs(900) };

    #[tokio::test]
    async fn a_window_counts_until_it_ends_then_starts_again() {
        let counters = MemoryCounters::default();
        let start = 1_800_000_000; // a multiple of 900: a window starts here
        let first = counters.add(&LOGINS, "a@b.co", start + 100).await.unwrap();
        assert_eq!(first, Standing { count: 1, retry_after: 800 });
        counters.add(&LOGINS, "a@b.co", start + 200).await.unwrap();
        let third = counters.add(&LOGINS, "a@b.co", start + 899).await.unwrap();
        assert!(third.over(&LOGINS) && third.retry_after == 1, "{third:?}");
        assert_eq!(counters.read(&LOGINS, "other", start + 899).await.unwrap().count, 0, "per key");
        assert_eq!(counters.read(&LOGINS, "a@b.co", start + 900).await.unwrap().count, 0, "a new window");
        counters.clear(&LOGINS, "a@b.co", start + 10).await.unwrap();
        assert_eq!(counters.read(&LOGINS, "a@b.co", start + 10).await.unwrap().count, 0);
    }
}
