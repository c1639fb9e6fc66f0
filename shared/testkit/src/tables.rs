//! Throw-away tables in the emulator for adapter tests, in the platform's
//! single-table layout.
use anyhow::Result;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType, TimeToLiveSpecification,
};

use crate::stack::Stack;

/// Creates a `pk`/`sk` table named `test-<uuid>`, with TTL on `expires_at` when `ttl`.
pub async fn create_table(stack: &Stack, ttl: bool) -> Result<String> {
    let ddb = stack.dynamodb();
    let name = format!("test-{}", uuid::Uuid::new_v4().simple());
    let attr =
        |n: &str| AttributeDefinition::builder().attribute_name(n).attribute_type(ScalarAttributeType::S).build();
    let key = |n: &str, t: KeyType| KeySchemaElement::builder().attribute_name(n).key_type(t).build();
    ddb.create_table()
        .table_name(&name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attr("pk")?)
        .attribute_definitions(attr("sk")?)
        .key_schema(key("pk", KeyType::Hash)?)
        .key_schema(key("sk", KeyType::Range)?)
        .send()
        .await?;
    if ttl {
        ddb.update_time_to_live()
            .table_name(&name)
            .time_to_live_specification(
                TimeToLiveSpecification::builder().enabled(true).attribute_name("expires_at").build()?,
            )
            .send()
            .await?;
    }
    Ok(name)
}
