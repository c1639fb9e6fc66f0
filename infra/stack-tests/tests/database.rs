//! Resetting a service's table and asking which migrations are pending, against a
//! throw-away table of the emulator (what `cargo xtask db` does to a service's table).
use aws_sdk_dynamodb::types::AttributeValue;
use platform::store::{Migration, MigrationFuture, Table, TableSchema, pending, reset};
use platform_testkit::create_table;
use stack_tests::stack;

/// Writes the item `pk`/`sk`.
async fn put(table: &Table, pk: &str, sk: &str) -> Result<(), platform::store::StoreError> {
    let item = [("pk", pk), ("sk", sk)].map(|(k, v)| (k.to_owned(), AttributeValue::S(v.to_owned())));
    let put = table.client().put_item().table_name(table.name()).set_item(Some(item.into_iter().collect()));
    put.send().await.map_err(|e| platform::store::StoreError::backend(e.to_string()))?;
    Ok(())
}

/// Migration 1: writes the item `seed/v1`.
fn seed(table: &Table) -> MigrationFuture<'_> {
    Box::pin(put(table, "seed", "v1"))
}

/// Migration 2: changes nothing.
fn nothing(_: &Table) -> MigrationFuture<'_> {
    Box::pin(async { Ok(()) })
}

static ONE: [Migration; 1] = [Migration { version: 1, description: "seed the table", apply: seed }];
static TWO: [Migration; 2] = [
    Migration { version: 1, description: "seed the table", apply: seed },
    Migration { version: 2, description: "change nothing", apply: nothing },
];

async fn count(table: &Table, pk: &str) -> usize {
    let out = table
        .client()
        .query()
        .table_name(table.name())
        .key_condition_expression("pk = :pk")
        .expression_attribute_values(":pk", AttributeValue::S(pk.into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap();
    out.items().len()
}

#[tokio::test]
async fn a_reset_empties_the_table_and_runs_the_migrations_again_unless_the_schema_is_kept() {
    let stack = stack().await;
    let table = Table::new(stack.dynamodb(), create_table(&stack, true).await.unwrap());
    let schema = TableSchema::single_table().with_migrations(&ONE);
    schema.ready(&table).await.unwrap();
    assert_eq!(count(&table, "seed").await, 1, "the cold start applied migration 1");
    assert!(pending(&table, &ONE).await.unwrap().is_empty());
    assert_eq!(pending(&table, &TWO).await.unwrap(), [&TWO[1]], "a new migration is pending");
    for i in 0..30 {
        put(&table, &format!("data#{i}"), "item").await.unwrap();
    }

    let kept = reset(&table, &schema, true).await.unwrap();
    assert_eq!((kept.deleted, kept.kept, kept.applied.as_slice()), (31, 1, [].as_slice()), "{kept:?}");
    assert_eq!(count(&table, "seed").await, 0, "the data is gone, the migration is not run again");
    assert_eq!(count(&table, "data#7").await, 0);

    let rebuilt = reset(&table, &schema, false).await.unwrap();
    assert_eq!((rebuilt.deleted, rebuilt.applied.as_slice()), (1, [1].as_slice()), "{rebuilt:?}");
    assert_eq!(count(&table, "seed").await, 1, "migration 1 ran again on the empty table");
    assert!(pending(&table, &ONE).await.unwrap().is_empty());
}
