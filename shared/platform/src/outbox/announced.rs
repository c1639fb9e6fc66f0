//! Writes that announce themselves: an item change and the messages that announce
//! it, as outbox items, in one DynamoDB transaction (see [the outbox](super)). Either
//! the change and all its messages are written, or nothing is.
use std::time::SystemTime;

use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use serde::Serialize;

use super::item::{OutboxItem, outbox_key};
use crate::bus::Outgoing;
use crate::store::{Key, StoreError, Table, epoch_seconds};

/// DynamoDB's limit on the items of one transaction.
const MAX_TRANSACTION_ITEMS: usize = 100;

fn put(
    table: &str,
    item: std::collections::HashMap<String, AttributeValue>,
    condition: &str,
) -> Result<TransactWriteItem, StoreError> {
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression(condition)
        .build()
        .map_err(|e| StoreError::Mapping(e.to_string()))?;
    Ok(TransactWriteItem::builder().put(put).build())
}

impl Table {
    /// Inserts `value` at version 1 with `messages` in its outbox; `Conflict` if the key exists.
    pub async fn insert_announced<T: Serialize>(
        &self,
        key: &Key,
        value: &T,
        messages: &[Outgoing],
    ) -> Result<u64, StoreError> {
        let change = put(self.name(), Self::to_item(key, value, 1)?, "attribute_not_exists(pk)")?;
        self.commit(change, key, messages).await?;
        Ok(1)
    }

    /// Replaces `value` at `expected_version` with `messages` in its outbox; returns
    /// the new version. A stale version (or a missing item) is a `Conflict`.
    pub async fn replace_announced<T: Serialize>(
        &self,
        key: &Key,
        value: &T,
        expected_version: u64,
        messages: &[Outgoing],
    ) -> Result<u64, StoreError> {
        let next = expected_version + 1;
        let change = Put::builder()
            .table_name(self.name())
            .set_item(Some(Self::to_item(key, value, next)?))
            .condition_expression("version = :expected")
            .expression_attribute_values(":expected", AttributeValue::N(expected_version.to_string()))
            .build()
            .map_err(|e| StoreError::Mapping(e.to_string()))?;
        self.commit(TransactWriteItem::builder().put(change).build(), key, messages).await?;
        Ok(next)
    }

    async fn commit(&self, change: TransactWriteItem, key: &Key, messages: &[Outgoing]) -> Result<(), StoreError> {
        if messages.len() + 1 > MAX_TRANSACTION_ITEMS {
            return Err(StoreError::Mapping(format!(
                "{} messages are more than one transaction holds",
                messages.len()
            )));
        }
        let now = epoch_seconds(SystemTime::now());
        let mut items = vec![change];
        for message in messages {
            let item = Self::to_item(&outbox_key(&message.envelope.id), &OutboxItem::of(message, now)?, 1)?;
            items.push(put(self.name(), item, "attribute_not_exists(pk)")?);
        }
        let what = format!("{}/{} changed meanwhile, or a message of it was already written", key.pk, key.sk);
        self.client()
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
            .map_err(|e| StoreError::from_transaction(e, &what))?;
        Ok(())
    }
}
