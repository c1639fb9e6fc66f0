//! The moves service's own copy of the movers it books for, kept from
//! `mover.created` / `mover.updated` (the movers table belongs to the movers
//! service). An older version never overwrites a newer one.
use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use platform::store::{Key, StoreError, Table};
use platform_messages::contracts::movers::MoverView;

/// Movers known to the moves service.
#[derive(Clone, Debug)]
pub struct MoverDirectory {
    table: Table,
}

fn key(mover_id: &str) -> Key {
    Key::new(format!("MOVER#{mover_id}"), "MOVER")
}

impl MoverDirectory {
    /// The directory in `table`.
    pub fn new(table: Table) -> Self {
        Self { table }
    }

    /// Stores `mover` unless a newer or equal version is stored; returns whether it did.
    pub async fn apply(&self, mover: &MoverView) -> Result<bool, StoreError> {
        let k = key(&mover.id);
        let mut item: HashMap<String, AttributeValue> = serde_dynamo::to_item(mover)?;
        item.insert("pk".into(), AttributeValue::S(k.pk.clone()));
        item.insert("sk".into(), AttributeValue::S(k.sk.clone()));
        let written = self
            .table
            .client()
            .put_item()
            .table_name(self.table.name())
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk) OR version < :v")
            .expression_attribute_values(":v", AttributeValue::N(mover.version.to_string()))
            .send()
            .await
            .map_err(|e| StoreError::from_sdk(e, &format!("mover {} v{}", mover.id, mover.version)));
        match written {
            Ok(_) => Ok(true),
            Err(StoreError::Conflict(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// The latest known state of a mover.
    pub async fn get(&self, mover_id: &str) -> Result<Option<MoverView>, StoreError> {
        Ok(self.table.get::<MoverView>(&key(mover_id)).await?.map(|v| v.value))
    }
}
