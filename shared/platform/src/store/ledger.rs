//! The idempotency ledger in the service's own table. Items: `pk = idempotency#<id>`,
//! `sk = idempotency`, with the payload fingerprint, a status, a lease for in-progress
//! claims, and `expires_at` (TTL) at least 14 days out.
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;

use super::error::StoreError;
use super::table::{Key, Table, epoch_seconds};
use crate::idempotency::{Claim, IdempotencyLedger, LedgerError};

/// How long a handled id is remembered: past the 14 days a message can live in a DLQ.
pub const RETENTION: Duration = Duration::from_secs(15 * 24 * 3600);

/// The ledger on DynamoDB, with conditional writes.
#[derive(Clone)]
pub struct DynamoLedger {
    table: Table,
    lease: Duration,
}

impl DynamoLedger {
    /// A ledger in `table` whose in-progress claims expire after `lease` (keep it at
    /// or under the queue's visibility timeout, so a crashed attempt is retried).
    pub fn new(table: Table, lease: Duration) -> Self {
        Self { table, lease }
    }

    fn key(id: &str) -> Key {
        Key::new(format!("idempotency#{id}"), "idempotency")
    }

    async fn read(&self, id: &str) -> Result<Option<(String, String)>, LedgerError> {
        let out = self
            .table
            .client()
            .get_item()
            .table_name(self.table.name())
            .set_key(Some(Self::key(id).item()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| LedgerError(StoreError::from_sdk(e, "read claim").to_string()))?;
        Ok(out.item.map(|item| {
            let s = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
            (s("status"), s("fingerprint"))
        }))
    }
}

#[async_trait]
impl IdempotencyLedger for DynamoLedger {
    async fn claim(&self, id: &str, fingerprint: &str) -> Result<Claim, LedgerError> {
        let now = SystemTime::now();
        let mut item = Self::key(id).item();
        item.insert("status".into(), AttributeValue::S("in_progress".into()));
        item.insert("fingerprint".into(), AttributeValue::S(fingerprint.into()));
        item.insert("lease_until".into(), AttributeValue::N(epoch_seconds(now + self.lease).to_string()));
        item.insert("expires_at".into(), AttributeValue::N(epoch_seconds(now + RETENTION).to_string()));
        let put = self
            .table
            .client()
            .put_item()
            .table_name(self.table.name())
            .set_item(Some(item))
            .condition_expression(
                "attribute_not_exists(pk) OR (#status = :in_progress AND lease_until < :now AND fingerprint = :fp)",
            )
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":in_progress", AttributeValue::S("in_progress".into()))
            .expression_attribute_values(":now", AttributeValue::N(epoch_seconds(now).to_string()))
            .expression_attribute_values(":fp", AttributeValue::S(fingerprint.into()))
            .send()
            .await;
        match put.map_err(|e| StoreError::from_sdk(e, "claim")) {
            Ok(_) => Ok(Claim::Acquired),
            Err(StoreError::Conflict(_)) => match self.read(id).await? {
                Some((_, fp)) if fp != fingerprint => Ok(Claim::Mismatch),
                Some((status, _)) if status == "completed" => Ok(Claim::Completed),
                // In progress with a live lease (or deleted in between): try later.
                _ => Ok(Claim::InFlight),
            },
            Err(e) => Err(LedgerError(e.to_string())),
        }
    }

    async fn complete(&self, id: &str, fingerprint: &str) -> Result<(), LedgerError> {
        self.table
            .client()
            .update_item()
            .table_name(self.table.name())
            .set_key(Some(Self::key(id).item()))
            .update_expression("SET #status = :completed REMOVE lease_until")
            .condition_expression("fingerprint = :fp")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":completed", AttributeValue::S("completed".into()))
            .expression_attribute_values(":fp", AttributeValue::S(fingerprint.into()))
            .send()
            .await
            .map_err(|e| LedgerError(StoreError::from_sdk(e, &format!("complete claim on {id}")).to_string()))?;
        Ok(())
    }

    async fn release(&self, id: &str) -> Result<(), LedgerError> {
        let deleted = self
            .table
            .client()
            .delete_item()
            .table_name(self.table.name())
            .set_key(Some(Self::key(id).item()))
            .condition_expression("#status = :in_progress")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":in_progress", AttributeValue::S("in_progress".into()))
            .send()
            .await;
        match deleted.map_err(|e| StoreError::from_sdk(e, "release")) {
            Ok(_) | Err(StoreError::Conflict(_)) => Ok(()),
            Err(e) => Err(LedgerError(e.to_string())),
        }
    }
}
