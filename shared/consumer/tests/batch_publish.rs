//! The messages of a batch's records go out together: one `publish_groups` call
//! for the records that reach their publication together, and a failed entry fails
//! its own record only (its ledger claim released, so the redelivery runs it again).
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use platform::bus::{Outgoing, Publish, PublishError, RecordingPublisher};
use platform::metrics::MetricsSink;
use platform_consumer::{Accepts, Consumer, ConsumerParts, Emit};
use platform_identity::TestIssuer;
use platform_messages::contracts::addressing::{
    AddressReceived, AddressRejected, AddressRejectedData, AddressSubmission, PostalAddress,
};
use platform_messages::{Envelope, event};

/// Like SNS `PublishBatch`: records the groups of each call, and fails the entry
/// of every message whose `ref` starts with `reject`.
#[derive(Default)]
struct Batching {
    sent: RecordingPublisher,
    calls: Mutex<Vec<usize>>,
}

#[async_trait]
impl Publish for Batching {
    async fn publish(&self, messages: Vec<Outgoing>) -> Result<(), PublishError> {
        self.publish_groups(vec![messages]).await.pop().unwrap()
    }

    async fn publish_groups(&self, groups: Vec<Vec<Outgoing>>) -> Vec<Result<(), PublishError>> {
        self.calls.lock().unwrap().push(groups.len());
        let mut results = Vec::new();
        for messages in groups {
            let rejected =
                messages.iter().any(|m| m.envelope.data["ref"].as_str().is_some_and(|r| r.starts_with("reject")));
            results.push(match rejected {
                true => Err(PublishError::Rejected { count: 1, detail: "3: InternalError".into() }),
                false => self.sent.publish(messages).await,
            });
        }
        results
    }
}

fn record(reference: &str) -> SqsMessage {
    let data = AddressSubmission { reference: reference.into(), address: PostalAddress::default() };
    let envelope = Envelope::new(event!("address.received"), serde_json::to_value(data).unwrap());
    let mut r = SqsMessage::default();
    r.message_id = Some(reference.into());
    r.body = Some(envelope.to_json().unwrap());
    r
}

fn consumer(publisher: Arc<Batching>) -> Consumer {
    let parts = ConsumerParts::in_memory(publisher, TestIssuer::new().verifier());
    Consumer::from_parts("addressing", parts)
        .with_metrics(MetricsSink::Discard)
        .with_publish_wait(Duration::from_secs(10))
        .on::<AddressReceived, _, _>(Accepts::SystemWork, |m: Envelope<AddressSubmission>, _| async move {
            Emit::one::<AddressRejected>(&AddressRejectedData { reference: m.data.reference, reasons: vec![] })
        })
}

fn refs(publisher: &Batching) -> Vec<String> {
    let mut refs: Vec<String> =
        publisher.sent.sent().iter().map(|m| m.envelope.data["ref"].as_str().unwrap().to_owned()).collect();
    refs.sort();
    refs
}

#[tokio::test]
async fn a_batch_publishes_once_and_a_failed_entry_fails_its_record_only() {
    let publisher = Arc::new(Batching::default());
    let consumer = consumer(publisher.clone());
    let mut event = SqsEvent::default();
    event.records = ["a", "b", "reject-c", "d", "e"].map(record).to_vec();
    let started = std::time::Instant::now();
    let response = consumer.handle_batch(event.clone()).await;
    assert!(started.elapsed() < Duration::from_secs(5), "nobody waited out the publish wait");
    let failed: Vec<_> = response.batch_item_failures.iter().map(|f| f.item_identifier.as_str()).collect();
    assert_eq!(failed, ["reject-c"]);
    assert_eq!(*publisher.calls.lock().unwrap(), vec![5], "one call for the five records");
    assert_eq!(refs(&publisher), ["a", "b", "d", "e"]);

    // The redelivery: the four published are duplicates, the failed one runs again.
    let response = consumer.handle_batch(event).await;
    assert_eq!(response.batch_item_failures.len(), 1);
    assert_eq!(*publisher.calls.lock().unwrap(), vec![5, 1], "only the failed record publishes again");
}

#[tokio::test]
async fn records_that_emit_nothing_or_fail_early_are_not_waited_for() {
    let publisher = Arc::new(Batching::default());
    let consumer = consumer(publisher.clone());
    let mut garbage = SqsMessage::default();
    garbage.message_id = Some("garbage".into());
    garbage.body = Some("{not json".into());
    let mut event = SqsEvent::default();
    event.records = vec![record("a"), garbage, record("b")];
    let started = std::time::Instant::now();
    let response = consumer.handle_batch(event).await;
    assert!(started.elapsed() < Duration::from_secs(5), "the garbage record was not waited for");
    assert_eq!(response.batch_item_failures.len(), 1);
    assert_eq!(refs(&publisher), ["a", "b"]);
}
