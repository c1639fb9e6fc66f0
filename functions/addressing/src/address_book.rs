//! The DynamoDB address book: one item per address (`pk = address#<id>`,
//! `sk = address`) with its normalized parts, the set of references, and the id of
//! the message that created it.
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use platform::store::{Key, StoreError, Table};
use platform_messages::contracts::addressing::NormalizedAddress;
use serde::Serialize;

use crate::reconcile::AddressBook;

/// The address book in the service's table.
pub struct DynamoAddressBook {
    table: Table,
}

impl DynamoAddressBook {
    /// The book in `table`.
    pub fn new(table: Table) -> Self {
        Self { table }
    }
}

#[derive(Serialize)]
struct AddressItem<'a> {
    #[serde(flatten)]
    address: &'a NormalizedAddress,
    created_by: &'a str,
}

fn key(address_id: &str) -> Key {
    Key::new(format!("address#{address_id}"), "address")
}

#[async_trait]
impl AddressBook for DynamoAddressBook {
    async fn record(
        &self,
        address_id: &str,
        address: &NormalizedAddress,
        reference: &str,
        message_id: &str,
    ) -> Result<bool, StoreError> {
        let key = key(address_id);
        match self.table.insert(&key, &AddressItem { address, created_by: message_id }).await {
            Ok(_) | Err(StoreError::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
        // Whoever created it, add the reference; the creator is read back atomically.
        let out = self
            .table
            .client()
            .update_item()
            .table_name(self.table.name())
            .key("pk", AttributeValue::S(key.pk.clone()))
            .key("sk", AttributeValue::S(key.sk.clone()))
            .update_expression("ADD refs :r")
            .expression_attribute_values(":r", AttributeValue::Ss(vec![reference.to_owned()]))
            .return_values(ReturnValue::AllNew)
            .send()
            .await
            .map_err(|e| {
                StoreError::Backend(format!(
                    "add reference to {address_id}: {}",
                    aws_sdk_dynamodb::error::DisplayErrorContext(e)
                ))
            })?;
        let creator =
            out.attributes().and_then(|a| a.get("created_by")).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
        Ok(creator == message_id)
    }
}
