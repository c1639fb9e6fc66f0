//! What a batch costs when every AWS call takes time: the real consumer, its
//! idempotency ledger and publisher answering each call after 5 ms (a DynamoDB
//! or SNS round trip), a handler that emits one message. A record's chain is
//! claim, publish, complete: about 15 ms. Records run side by side, so a batch
//! of 10 should cost about one record's chain, not ten.
//!
//! Run: `cargo xtask bench batch-latency` (or `cargo bench -p platform-consumer --bench batch_latency`).
//! Ends with `batch latency: batch of 10 <X> ms, one record <Y> ms, ratio <R>`.
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use platform::bus::{Outgoing, Publish, PublishError, RecordingPublisher};
use platform::metrics::MetricsSink;
use platform_consumer::{Accepts, Claim, Consumer, Emit, IdempotencyLedger, LedgerError, MemoryLedger};
use platform_messages::contracts::addressing::{
    AddressReceived, AddressRejected, AddressRejectedData, AddressSubmission, PostalAddress,
};
use platform_messages::{Envelope, event};

/// The time each AWS call takes.
const CALL: Duration = Duration::from_millis(5);
/// Batches timed per case; the median is reported.
const RUNS: usize = 30;

struct SlowLedger(MemoryLedger);

#[async_trait]
impl IdempotencyLedger for SlowLedger {
    async fn claim(&self, id: &str, fingerprint: &str) -> Result<Claim, LedgerError> {
        tokio::time::sleep(CALL).await;
        self.0.claim(id, fingerprint).await
    }
    async fn complete(&self, id: &str, fingerprint: &str) -> Result<(), LedgerError> {
        tokio::time::sleep(CALL).await;
        self.0.complete(id, fingerprint).await
    }
    async fn release(&self, id: &str) -> Result<(), LedgerError> {
        tokio::time::sleep(CALL).await;
        self.0.release(id).await
    }
}

/// SNS: one call of 5 ms per `PublishBatch`, counted.
#[derive(Default)]
struct SlowPublisher {
    sent: RecordingPublisher,
    calls: AtomicUsize,
}

#[async_trait]
impl Publish for SlowPublisher {
    async fn publish(&self, messages: Vec<Outgoing>) -> Result<(), PublishError> {
        self.publish_groups(vec![messages]).await.pop().unwrap_or(Ok(()))
    }

    async fn publish_groups(&self, groups: Vec<Vec<Outgoing>>) -> Vec<Result<(), PublishError>> {
        let requests = groups.iter().map(Vec::len).sum::<usize>().div_ceil(10);
        for _ in 0..requests {
            self.calls.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(CALL).await;
        }
        let mut results = Vec::new();
        for messages in groups {
            results.push(self.sent.publish(messages).await);
        }
        results
    }
}

fn consumer(concurrency: usize, publisher: Arc<SlowPublisher>) -> Consumer {
    let ledger = Arc::new(SlowLedger(MemoryLedger::new(Duration::from_secs(30))));
    Consumer::new("addressing", ledger, publisher, platform_identity::TestIssuer::new().verifier())
        .with_metrics(MetricsSink::Discard)
        .with_concurrency(concurrency)
        .on::<AddressReceived, _, _>(Accepts::SystemWork, |m: Envelope<AddressSubmission>, _| async move {
            Emit::one::<AddressRejected>(&AddressRejectedData { reference: m.data.reference, reasons: vec![] })
        })
}

fn batch(records: usize) -> SqsEvent {
    let mut event = SqsEvent::default();
    event.records = (0..records)
        .map(|n| {
            let data = AddressSubmission { reference: format!("mover-{n}:from"), address: PostalAddress::default() };
            let envelope = Envelope::new(event!("address.received"), serde_json::to_value(data).unwrap());
            let mut record = SqsMessage::default();
            record.message_id = Some(envelope.id.to_string());
            record.body = Some(envelope.to_json().unwrap());
            record
        })
        .collect();
    event
}

/// The median time of a batch of `records` (fresh message ids every run).
fn median_ms(runtime: &tokio::runtime::Runtime, consumer: &Consumer, records: usize) -> f64 {
    let mut times: Vec<f64> = (0..RUNS)
        .map(|_| {
            let event = batch(records);
            let started = Instant::now();
            let response = runtime.block_on(consumer.handle_batch(event));
            assert!(response.batch_item_failures.is_empty());
            started.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[RUNS / 2]
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    let publisher = Arc::new(SlowPublisher::default());
    let side_by_side = consumer(platform_consumer::DEFAULT_CONCURRENCY, publisher.clone());
    let one = median_ms(&runtime, &side_by_side, 1);
    let before = publisher.calls.load(Ordering::Relaxed);
    let ten = median_ms(&runtime, &side_by_side, 10);
    let publish_calls = (publisher.calls.load(Ordering::Relaxed) - before) as f64 / RUNS as f64;
    let in_turn = median_ms(&runtime, &consumer(1, Arc::new(SlowPublisher::default())), 10);
    println!("each AWS call {} ms; {RUNS} runs a case, medians", CALL.as_millis());
    println!("records one after another (concurrency 1): batch of 10 {in_turn:.1} ms");
    println!("PublishBatch calls per batch of 10 records: {publish_calls:.1}");
    println!("batch latency: batch of 10 {ten:.1} ms, one record {one:.1} ms, ratio {:.2}", ten / one);
}
