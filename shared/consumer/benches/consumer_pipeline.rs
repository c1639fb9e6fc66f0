//! The consumer pipeline on one core: a Lambda SQS event of 10 records with
//! ~1.2 KB envelopes is read from JSON as a worker reads it, each record decoded, claimed, routed to a
//! trivial handler, and the batch response serialized.
//!
//! Run: `cargo xtask bench pipeline` (or `cargo bench -p platform-consumer --bench
//! consumer_pipeline -- sqs_batch_of_10`); `cargo xtask bench peers` hands the same
//! event, written to `PIPELINE_EVENT_FILE`, to Powertools for AWS Lambda (Python),
//! and runs it through the bare `lambda_runtime` peer of [`bare_peer`]
//! (`bare_lambda_runtime`).
mod bare_peer;

use std::sync::Arc;

use async_trait::async_trait;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use platform::bus::RecordingPublisher;
use platform::metrics::MetricsSink;
use platform_consumer::{Accepts, Claim, Consumer, Emit, IdempotencyLedger, LedgerError, QueueEvent};
use platform_messages::contracts::addressing::{AddressReceived, AddressSubmission, PostalAddress};
use platform_messages::{Envelope, event};
use serde_json::json;

/// Claims every id: the benchmark measures the pipeline, not a ledger.
struct AlwaysAcquire;

#[async_trait]
impl IdempotencyLedger for AlwaysAcquire {
    async fn claim(&self, _: &str, _: &str) -> Result<Claim, LedgerError> {
        Ok(Claim::Acquired)
    }
    async fn complete(&self, _: &str, _: &str) -> Result<(), LedgerError> {
        Ok(())
    }
    async fn release(&self, _: &str) -> Result<(), LedgerError> {
        Ok(())
    }
}

fn envelope(i: usize) -> String {
    let submission = AddressSubmission {
        reference: format!("mover-{i:06}:from"),
        address: PostalAddress {
            line1: format!("{} North Main Street Apartment {}", 100 + i, i),
            line2: Some("Building C, rear entrance by the loading dock".into()),
            city: "Springfield".into(),
            state: "Illinois".into(),
            zip: "62701-1234".into(),
        },
    };
    let mut e = Envelope::new(event!("address.received"), serde_json::to_value(submission).unwrap());
    // System work: an actor would need a verified token riding along.
    e.causation_id = Some(uuid::Uuid::new_v4().to_string());
    let mut v = serde_json::to_value(&e).unwrap();
    // Pad the payload to ~1.2 KB, the size the benchmark is specified for.
    let size = v.to_string().len();
    v["data"]["notes"] = json!("n".repeat(1200usize.saturating_sub(size + 12)));
    v.to_string()
}

fn lambda_event() -> String {
    let records: Vec<_> = (0..10)
        .map(|i| {
            json!({
                "messageId": uuid::Uuid::new_v4(), "receiptHandle": "AQEB...", "body": envelope(i),
                "attributes": {
                    "ApproximateReceiveCount": "1", "SentTimestamp": "1795676751561",
                    "SenderId": "AIDAIENQZJOLO23YVJ4VO", "ApproximateFirstReceiveTimestamp": "1795676751573"
                },
                "messageAttributes": {
                    "name": {"dataType": "String", "stringValue": "address.received"},
                    "kind": {"dataType": "String", "stringValue": "event"}
                },
                "md5OfBody": format!("{i:032x}"), "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:addressing", "awsRegion": "us-east-1"
            })
        })
        .collect();
    json!({ "Records": records }).to_string()
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let verifier = platform_identity::TestIssuer::new().verifier();
    let consumer = Consumer::new("bench", Arc::new(AlwaysAcquire), Arc::new(RecordingPublisher::default()), verifier)
        .with_metrics(MetricsSink::Discard)
        .on::<AddressReceived, _, _>(Accepts::SystemWork, |_, _| async { Ok(Emit::none()) });
    let payload = lambda_event();
    if let Some(path) = std::env::var_os("PIPELINE_EVENT_FILE") {
        std::fs::write(path, &payload).expect("writing the benchmark's event");
    }
    let envelope_bytes = envelope(0).len();
    eprintln!("batch of 10 records, envelope {envelope_bytes} bytes, event {} bytes", payload.len());

    // Within an invocation, as a worker runs it: its ids and a deadline far off.
    let context = platform::invocation::test_context("bench-request", std::time::Duration::from_secs(3600));
    let mut group = c.benchmark_group("consumer_pipeline");
    group.throughput(Throughput::Elements(10));
    let handle_batch = || {
        // As a worker reads it (`platform_consumer::preread_event`): the fast reader first.
        let event = QueueEvent::from_json(&payload).unwrap();
        let response = runtime.block_on(platform::invocation::within(&context, consumer.handle_batch(event)));
        assert!(response.batch_item_failures.is_empty());
        serde_json::to_vec(&response).unwrap()
    };
    group.bench_function("sqs_batch_of_10", |b| b.iter(handle_batch));
    // As a deployed worker runs it: its JSON log lines at `info` (one a record),
    // written to `/dev/null` (as the Powertools peer writes its own).
    let dev_null = std::fs::OpenOptions::new().write(true).open("/dev/null").expect("opening /dev/null");
    let logs = platform::telemetry::log_subscriber("bench", "info", std::sync::Mutex::new(dev_null));
    tracing::subscriber::with_default(logs, || {
        group.bench_function("sqs_batch_of_10_logged", |b| b.iter(handle_batch));
    });
    group.bench_function("bare_lambda_runtime", |b| {
        b.iter(|| {
            let response = runtime.block_on(bare_peer::handle(&payload)).unwrap();
            assert!(response.batch_item_failures.is_empty());
            serde_json::to_vec(&response).unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
