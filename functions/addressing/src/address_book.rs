//! The DynamoDB address book: one item per address (`pk = address#<id>`,
//! `sk = address`) with its normalized parts and the id of the message that
//! created it, and one item per reference beside it (`sk = ref#<reference>`), so
//! that no item grows with the number of references.
use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use platform::store::{Key, StoreError, Table, epoch_seconds};
use platform_messages::contracts::addressing::NormalizedAddress;
use serde::{Deserialize, Serialize};

use crate::reconcile::{AddressBook, AddressUse};

/// The address book in the service's table.
pub struct DynamoAddressBook {
    table: Table,
}

impl DynamoAddressBook {
    /// The book in `table`.
    pub fn new(table: Table) -> Self {
        Self { table }
    }

    /// How many references an address has (each is an item of its own).
    pub async fn reference_count(&self, address_id: &str) -> Result<usize, StoreError> {
        let mut count = 0;
        let mut start = None;
        loop {
            let out = self
                .table
                .client()
                .query()
                .table_name(self.table.name())
                .key_condition_expression("pk = :pk AND begins_with(sk, :ref)")
                .expression_attribute_values(":pk", AttributeValue::S(key(address_id).pk))
                .expression_attribute_values(":ref", AttributeValue::S("ref#".into()))
                .select(aws_sdk_dynamodb::types::Select::Count)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| StoreError::from_sdk(e, "count references"))?;
            count += usize::try_from(out.count()).unwrap_or(0);
            start = out.last_evaluated_key().cloned();
            if start.is_none() {
                return Ok(count);
            }
        }
    }
}

#[derive(Serialize, Deserialize)]
struct AddressItem {
    #[serde(flatten)]
    address: NormalizedAddress,
    created_by: String,
}

#[derive(Serialize)]
struct ReferenceItem<'a> {
    reference: &'a str,
    recorded_at: i64,
}

fn key(address_id: &str) -> Key {
    Key::new(format!("address#{address_id}"), "address")
}

fn reference_key(address_id: &str, reference: &str) -> Key {
    Key::new(format!("address#{address_id}"), format!("ref#{reference}"))
}

#[async_trait]
impl AddressBook for DynamoAddressBook {
    async fn record(&self, used: AddressUse<'_>) -> Result<bool, StoreError> {
        let AddressUse { address_id, address, reference, message_id } = used;
        let key = key(address_id);
        let item = AddressItem { address: address.clone(), created_by: message_id.to_owned() };
        let created = match self.table.insert(&key, &item).await {
            Ok(_) => true,
            // Whoever created it: a retry of the creating message is still its creator.
            Err(StoreError::Conflict(_)) => self
                .table
                .get::<AddressItem>(&key)
                .await?
                .is_some_and(|existing| existing.value.created_by == message_id),
            Err(e) => return Err(e),
        };
        // The reference, as an item of its own (written again on a retry: the same item).
        let now = epoch_seconds(std::time::SystemTime::now());
        self.table.put(&reference_key(address_id, reference), &ReferenceItem { reference, recorded_at: now }).await?;
        Ok(created)
    }

    async fn find(&self, address_id: &str) -> Result<Option<NormalizedAddress>, StoreError> {
        Ok(self.table.get::<AddressItem>(&key(address_id)).await?.map(|found| found.value.address))
    }
}
