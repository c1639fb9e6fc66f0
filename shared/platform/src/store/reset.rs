//! Emptying a service's table for a fresh start (local and preview stacks only: the
//! operator tool refuses production): every item is deleted, then the table's
//! migrations run again, as the first cold start on a new table would run them.
//! Keeping the schema keeps the migrations' records, so nothing is run again.
use std::time::Duration;

use aws_sdk_dynamodb::types::{AttributeValue, DeleteRequest, WriteRequest};

use super::error::StoreError;
use super::migrations::{MIGRATIONS_PK, migrate};
use super::schema::TableSchema;
use super::table::Table;

/// What a reset did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reset {
    /// Items deleted.
    pub deleted: usize,
    /// Items kept (the migrations' records, when the schema is kept).
    pub kept: usize,
    /// Migration versions applied again.
    pub applied: Vec<u32>,
}

/// Deletes every item of `table` (but the migrations' records when `keep_schema`),
/// then applies the migrations `schema` declares that are not recorded.
pub async fn reset(table: &Table, schema: &TableSchema, keep_schema: bool) -> Result<Reset, StoreError> {
    let keys = item_keys(table, schema).await?;
    let (kept, doomed): (Vec<_>, Vec<_>) = keys.into_iter().partition(|key| {
        keep_schema
            && key.get(schema.partition_key).and_then(|v| v.as_s().ok()).map(String::as_str) == Some(MIGRATIONS_PK)
    });
    for chunk in doomed.chunks(25) {
        delete_all(table, chunk.to_vec()).await?;
    }
    let applied = migrate(table, schema.migrations, Duration::from_secs(60), Duration::from_secs(20)).await?;
    Ok(Reset { deleted: doomed.len(), kept: kept.len(), applied })
}

type ItemKey = std::collections::HashMap<String, AttributeValue>;

/// The keys of every item, read with a consistent scan.
async fn item_keys(table: &Table, schema: &TableSchema) -> Result<Vec<ItemKey>, StoreError> {
    let mut names = vec![schema.partition_key];
    names.extend(schema.sort_key);
    let projection: Vec<String> = (0..names.len()).map(|i| format!("#k{i}")).collect();
    let mut scan = table
        .client()
        .scan()
        .table_name(table.name())
        .consistent_read(true)
        .projection_expression(projection.join(", "));
    for (placeholder, name) in projection.iter().zip(&names) {
        scan = scan.expression_attribute_names(placeholder, *name);
    }
    let mut pages = scan.into_paginator().send();
    let mut keys = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| StoreError::from_sdk(e, &format!("scan `{}`", table.name())))?;
        keys.extend(page.items().iter().cloned());
    }
    Ok(keys)
}

/// Deletes up to 25 items, sending again what DynamoDB left unprocessed.
async fn delete_all(table: &Table, keys: Vec<ItemKey>) -> Result<(), StoreError> {
    let mut requests: Vec<WriteRequest> = keys
        .into_iter()
        .map(|key| {
            let delete =
                DeleteRequest::builder().set_key(Some(key)).build().map_err(|e| StoreError::backend(e.to_string()))?;
            Ok(WriteRequest::builder().delete_request(delete).build())
        })
        .collect::<Result<_, StoreError>>()?;
    let mut pause = Duration::from_millis(50);
    while !requests.is_empty() {
        let out = table
            .client()
            .batch_write_item()
            .request_items(table.name(), requests)
            .send()
            .await
            .map_err(|e| StoreError::from_sdk(e, &format!("delete items of `{}`", table.name())))?;
        requests = out.unprocessed_items().and_then(|u| u.get(table.name())).cloned().unwrap_or_default();
        if !requests.is_empty() {
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(2));
        }
    }
    Ok(())
}
