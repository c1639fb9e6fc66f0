//! A service's table with versioned items: `insert` refuses an existing item,
//! `replace` succeeds only at the expected version (optimistic concurrency).
use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::StoreError;

/// Seconds since the Unix epoch, as DynamoDB TTL expects.
pub fn epoch_seconds(at: SystemTime) -> i64 {
    at.duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// The primary key of an item in the single-table layout.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    /// Partition key.
    pub pk: String,
    /// Sort key.
    pub sk: String,
}

impl Key {
    /// A key from its two parts.
    pub fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Self { pk: pk.into(), sk: sk.into() }
    }

    pub(crate) fn item(&self) -> HashMap<String, AttributeValue> {
        HashMap::from([
            ("pk".to_owned(), AttributeValue::S(self.pk.clone())),
            ("sk".to_owned(), AttributeValue::S(self.sk.clone())),
        ])
    }
}

/// A value read with its version.
#[derive(Debug, Clone, PartialEq)]
pub struct Versioned<T> {
    /// The value.
    pub value: T,
    /// Its version: 1 when inserted, +1 per replace.
    pub version: u64,
}

/// One service's own table.
#[derive(Clone, Debug)]
pub struct Table {
    client: Client,
    name: String,
}

impl Table {
    /// The table `name` through `client`.
    pub fn new(client: Client, name: impl Into<String>) -> Self {
        Self { client, name: name.into() }
    }

    /// The SDK client (for adapters that need other calls).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The table name.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn to_item<T: Serialize>(
        key: &Key,
        value: &T,
        version: u64,
    ) -> Result<HashMap<String, AttributeValue>, StoreError> {
        let mut item: HashMap<String, AttributeValue> = serde_dynamo::to_item(value)?;
        item.extend(key.item());
        item.insert("version".to_owned(), AttributeValue::N(version.to_string()));
        Ok(item)
    }

    /// Reads an item (strongly consistent).
    pub async fn get<T: DeserializeOwned>(&self, key: &Key) -> Result<Option<Versioned<T>>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.name)
            .set_key(Some(key.item()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| StoreError::from_sdk(e, &format!("get {}/{}", key.pk, key.sk)))?;
        let Some(item) = out.item else { return Ok(None) };
        let version = match item.get("version") {
            Some(AttributeValue::N(n)) => n.parse().map_err(|_| StoreError::Mapping(format!("bad version {n}")))?,
            _ => 0,
        };
        Ok(Some(Versioned { value: serde_dynamo::from_item(item)?, version }))
    }

    /// Writes a new item at version 1; `Conflict` if the key exists.
    pub async fn insert<T: Serialize>(&self, key: &Key, value: &T) -> Result<u64, StoreError> {
        self.client
            .put_item()
            .table_name(&self.name)
            .set_item(Some(Self::to_item(key, value, 1)?))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await
            .map_err(|e| StoreError::from_sdk(e, &format!("{}/{} already exists", key.pk, key.sk)))?;
        Ok(1)
    }

    /// Replaces an item that is still at `expected_version`; returns the new version.
    /// A stale version (or a missing item) is a `Conflict`.
    pub async fn replace<T: Serialize>(&self, key: &Key, value: &T, expected_version: u64) -> Result<u64, StoreError> {
        let next = expected_version + 1;
        self.client
            .put_item()
            .table_name(&self.name)
            .set_item(Some(Self::to_item(key, value, next)?))
            .condition_expression("version = :expected")
            .expression_attribute_values(":expected", AttributeValue::N(expected_version.to_string()))
            .send()
            .await
            .map_err(|e| {
                StoreError::from_sdk(e, &format!("{}/{} is no longer at version {expected_version}", key.pk, key.sk))
            })?;
        Ok(next)
    }

    /// Writes an item whatever is there (an idempotent record that is never edited,
    /// like a reference); version 1.
    pub async fn put<T: Serialize>(&self, key: &Key, value: &T) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.name)
            .set_item(Some(Self::to_item(key, value, 1)?))
            .send()
            .await
            .map_err(|e| StoreError::from_sdk(e, &format!("put {}/{}", key.pk, key.sk)))?;
        Ok(())
    }

    /// Deletes an item (nothing happens when it is missing).
    pub async fn delete(&self, key: &Key) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.name)
            .set_key(Some(key.item()))
            .send()
            .await
            .map_err(|e| StoreError::from_sdk(e, &format!("delete {}/{}", key.pk, key.sk)))?;
        Ok(())
    }

    /// Reads the item, lets `change` edit it, and writes it back at the version read,
    /// retrying on a concurrent change (up to 5 times). `change` returns whether it
    /// changed anything; nothing is written when it did not. `None` when the item is
    /// missing.
    pub async fn modify<T, F>(&self, key: &Key, mut change: F) -> Result<Option<Versioned<T>>, StoreError>
    where
        T: Serialize + DeserializeOwned,
        F: FnMut(&mut T) -> bool,
    {
        for _ in 0..5 {
            let Some(mut current) = self.get::<T>(key).await? else { return Ok(None) };
            if !change(&mut current.value) {
                return Ok(Some(current));
            }
            match self.replace(key, &current.value, current.version).await {
                Ok(version) => return Ok(Some(Versioned { value: current.value, version })),
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Conflict(format!("{}/{} kept changing", key.pk, key.sk)))
    }
}
