//! The platform's DynamoDB and SQS adapters against the emulator's real APIs:
//! idempotency claims under concurrency, optimistic concurrency, the schema check,
//! migrations under a lock, and a batch with one panicking record.
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use aws_sdk_dynamodb::types::AttributeValue;
use platform::metrics::MetricsSink;
use platform::store::{DynamoLedger, IndexSchema, Key, Migration, StoreError, Table, TableSchema, migrate};
use platform_consumer::{Accepts, Claim, Consumer, Emit, HandlerError, IdempotencyLedger};
use platform_messages::contracts::addressing::{AddressReceived, AddressRejected, AddressRejectedData};
use platform_messages::{Envelope, event};
use platform_testkit::{Probe, create_table};
use serde::{Deserialize, Serialize};
use stack_tests::{ANSWER_TIMEOUT, publisher, stack, unique_submission};

async fn table(ttl: bool) -> (platform_testkit::Stack, Table) {
    let stack = stack().await;
    let name = create_table(&stack, ttl).await.unwrap();
    let table = Table::new(stack.dynamodb(), name);
    (stack, table)
}

#[tokio::test]
async fn concurrent_claims_of_one_message_id_give_one_owner() {
    let (_stack, table) = table(true).await;
    let ledger = Arc::new(DynamoLedger::new(table, Duration::from_secs(30)));
    let claims = futures_join(8, |_| {
        let ledger = ledger.clone();
        async move { ledger.claim("m-1", "fp").await.unwrap() }
    })
    .await;
    assert_eq!(claims.iter().filter(|c| **c == Claim::Acquired).count(), 1, "{claims:?}");
    assert!(claims.iter().all(|c| matches!(c, Claim::Acquired | Claim::InFlight)));
    assert_eq!(ledger.claim("m-1", "other").await.unwrap(), Claim::Mismatch);
    ledger.complete("m-1", "fp").await.unwrap();
    assert_eq!(ledger.claim("m-1", "fp").await.unwrap(), Claim::Completed);
}

#[tokio::test]
async fn a_released_or_expired_claim_can_be_retaken_and_ttl_is_set() {
    let (stack, table) = table(true).await;
    let ledger = DynamoLedger::new(table.clone(), Duration::from_secs(0));
    assert_eq!(ledger.claim("m-2", "fp").await.unwrap(), Claim::Acquired);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(ledger.claim("m-2", "fp").await.unwrap(), Claim::Acquired, "expired lease");
    ledger.release("m-2").await.unwrap();
    let ledger = DynamoLedger::new(table.clone(), Duration::from_secs(60));
    assert_eq!(ledger.claim("m-2", "fp").await.unwrap(), Claim::Acquired, "released claim");
    let item = stack
        .dynamodb()
        .get_item()
        .table_name(table.name())
        .key("pk", AttributeValue::S("idempotency#m-2".into()))
        .key("sk", AttributeValue::S("idempotency".into()))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    let expires: i64 = item["expires_at"].as_n().unwrap().parse().unwrap();
    let now = platform::store::epoch_seconds(std::time::SystemTime::now());
    assert!(expires - now >= 14 * 24 * 3600, "kept at least 14 days");
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Mover {
    name: String,
}

#[tokio::test]
async fn a_stale_write_is_a_conflict() {
    let (_stack, table) = table(true).await;
    let key = Key::new("mover#1", "mover");
    assert_eq!(table.insert(&key, &Mover { name: "a".into() }).await.unwrap(), 1);
    assert!(matches!(table.insert(&key, &Mover { name: "b".into() }).await, Err(StoreError::Conflict(_))));
    assert_eq!(table.replace(&key, &Mover { name: "b".into() }, 1).await.unwrap(), 2);
    let stale = table.replace(&key, &Mover { name: "c".into() }, 1).await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
    let read = table.get::<Mover>(&key).await.unwrap().unwrap();
    assert_eq!((read.value.name.as_str(), read.version), ("b", 2));
    assert!(table.get::<Mover>(&Key::new("mover#2", "mover")).await.unwrap().is_none());
}

#[tokio::test]
async fn the_schema_check_names_each_difference() {
    let (stack, table) = table(false).await;
    let declared = TableSchema::single_table();
    let err = declared.verify(&stack.dynamodb(), table.name()).await.unwrap_err().to_string();
    assert!(err.contains("TTL attribute is disabled but the code declares `expires_at`"), "{err}");
    let mut with_index = declared.clone();
    with_index.ttl_attribute = None;
    with_index.indexes.push(IndexSchema { name: "by_email", partition_key: "email", sort_key: None });
    let err = with_index.verify(&stack.dynamodb(), table.name()).await.unwrap_err().to_string();
    assert!(err.contains("index `by_email` is missing"), "{err}");
    let (stack, good) = self::table(true).await;
    declared.verify(&stack.dynamodb(), good.name()).await.unwrap();
    let missing = declared.verify(&stack.dynamodb(), "no-such-table").await.unwrap_err().to_string();
    assert!(missing.contains("no-such-table"), "{missing}");
}

fn bump(table: &Table) -> platform::store::MigrationFuture<'_> {
    Box::pin(async move {
        table
            .client()
            .update_item()
            .table_name(table.name())
            .key("pk", AttributeValue::S("counter".into()))
            .key("sk", AttributeValue::S("counter".into()))
            .update_expression("ADD runs :one")
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .send()
            .await
            .map_err(|e| StoreError::backend(e.to_string()))?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        Ok(())
    })
}

const MIGRATIONS: &[Migration] = &[
    Migration { version: 1, description: "first bump", apply: bump },
    Migration { version: 2, description: "second bump", apply: bump },
];

#[tokio::test]
async fn concurrent_cold_starts_apply_each_migration_once() {
    let (stack, table) = table(true).await;
    let table = Arc::new(table);
    let results = futures_join(5, |_| {
        let table = table.clone();
        async move { migrate(&table, MIGRATIONS, Duration::from_secs(30), Duration::from_secs(30)).await.unwrap() }
    })
    .await;
    let applied: Vec<u32> = results.into_iter().flatten().collect();
    assert_eq!(applied, vec![1, 2], "one caller applied both, in order");
    let counter = stack
        .dynamodb()
        .get_item()
        .table_name(table.name())
        .key("pk", AttributeValue::S("counter".into()))
        .key("sk", AttributeValue::S("counter".into()))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    assert_eq!(counter["runs"].as_n().unwrap(), "2");
    assert!(migrate(&table, MIGRATIONS, Duration::from_secs(30), Duration::from_secs(1)).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_panicking_record_fails_alone_in_a_real_batch() {
    let (stack, table) = table(true).await;
    let sqs = stack.sqs();
    let url = sqs
        .create_queue()
        .queue_name(format!("batch-{}", uuid::Uuid::new_v4().simple()))
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let mut probe = Probe::subscribe(&stack, stack.output("EventsTopicArn").unwrap()).await.unwrap();
    let mut sent = HashMap::new();
    for reference in ["ok-1", "panic", "ok-2"] {
        let (submission, _) = unique_submission(reference);
        let envelope = Envelope::new(event!("address.received"), serde_json::to_value(submission).unwrap());
        sent.insert(reference, envelope.id.to_string());
        sqs.send_message().queue_url(&url).message_body(envelope.to_json().unwrap()).send().await.unwrap();
    }
    let mut records = Vec::new();
    while records.len() < 3 {
        let out =
            sqs.receive_message().queue_url(&url).max_number_of_messages(10).wait_time_seconds(1).send().await.unwrap();
        for m in out.messages() {
            let mut r = SqsMessage::default();
            r.message_id = m.message_id().map(str::to_owned);
            r.receipt_handle = m.receipt_handle().map(str::to_owned);
            r.body = m.body().map(str::to_owned);
            records.push(r);
        }
    }
    let consumer = Consumer::new(
        "addressing",
        Arc::new(DynamoLedger::new(table, Duration::from_secs(30))),
        Arc::new(publisher(&stack).unwrap()),
        platform_identity::TestIssuer::new().verifier(),
    )
    .with_metrics(MetricsSink::Buffer(Default::default()))
    .on::<AddressReceived, _, _>(Accepts::SystemWork, |m, _| async move {
        if m.data.reference == "panic" {
            panic!("a bug in one record");
        }
        if m.data.reference.is_empty() {
            return Err(HandlerError::msg("unreachable"));
        }
        Emit::one::<AddressRejected>(&AddressRejectedData { reference: m.data.reference, reasons: vec![] })
    });
    let mut event = SqsEvent::default();
    event.records = records.clone();
    let response = consumer.handle_batch(event).await;

    let panicked: Vec<_> = records
        .iter()
        .filter(|r| r.body.as_deref().unwrap().contains(&sent["panic"]))
        .map(|r| r.message_id.clone().unwrap())
        .collect();
    let failed: Vec<_> = response.batch_item_failures.iter().map(|f| f.item_identifier.clone()).collect();
    assert_eq!(failed, panicked);
    for reference in ["ok-1", "ok-2"] {
        let cause = sent[reference].clone();
        probe.wait_for(ANSWER_TIMEOUT, |r| r.envelope.causation_id.as_deref() == Some(cause.as_str())).await.unwrap();
    }
    let metrics: serde_json::Value = serde_json::from_str(&consumer.metrics().lines()[0]).unwrap();
    assert_eq!((metrics["RecordsHandled"].as_u64(), metrics["RecordsFailed"].as_u64()), (Some(2), Some(1)));
    probe.close().await.unwrap();
    sqs.delete_queue().queue_url(&url).send().await.unwrap();
}

async fn futures_join<T, F, Fut>(n: usize, make: F) -> Vec<T>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let handles: Vec<_> = (0..n).map(|i| tokio::spawn(make(i))).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}
