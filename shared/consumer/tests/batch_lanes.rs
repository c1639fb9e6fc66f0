//! A batch's records run side by side, and a FIFO group's records run in order,
//! the rest of a group failing unrun after one of them failed.
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use platform::bus::RecordingPublisher;
use platform::metrics::MetricsSink;
use platform_consumer::{Accepts, Consumer, ConsumerParts, Emit, HandlerError};
use platform_identity::TestIssuer;
use platform_messages::contracts::addressing::{AddressReceived, AddressSubmission, PostalAddress};
use platform_messages::{Envelope, event};

fn record(reference: &str, group: Option<&str>) -> SqsMessage {
    let data = AddressSubmission { reference: reference.into(), address: PostalAddress::default() };
    let envelope = Envelope::new(event!("address.received"), serde_json::to_value(data).unwrap());
    let mut r = SqsMessage::default();
    r.message_id = Some(reference.into());
    r.body = Some(envelope.to_json().unwrap());
    if let Some(g) = group {
        r.attributes.insert("MessageGroupId".into(), g.into());
    }
    r
}

fn batch(records: Vec<SqsMessage>) -> SqsEvent {
    let mut e = SqsEvent::default();
    e.records = records;
    e
}

fn failed(response: &SqsBatchResponse) -> Vec<&str> {
    response.batch_item_failures.iter().map(|f| f.item_identifier.as_str()).collect()
}

/// A consumer whose handler first waits at `barrier` (when given), then notes the
/// record's ref in `ran` and fails the refs that start with `fail`.
fn consumer(barrier: Option<Arc<tokio::sync::Barrier>>, ran: Arc<Mutex<Vec<String>>>) -> Consumer {
    let parts = ConsumerParts::in_memory(Arc::new(RecordingPublisher::default()), TestIssuer::new().verifier());
    Consumer::from_parts("addressing", parts)
        .with_metrics(MetricsSink::Discard)
        .with_state((barrier, ran))
        .on::<AddressReceived, _, _>(
            Accepts::SystemWork,
            |(barrier, ran), m: Envelope<AddressSubmission>, _| async move {
                if let Some(barrier) = barrier {
                    barrier.wait().await;
                }
                ran.lock().unwrap().push(m.data.reference.clone());
                if m.data.reference.starts_with("fail") {
                    Err(HandlerError::msg("told to fail"))
                } else {
                    Ok(Emit::none())
                }
            },
        )
        .build()
}

#[tokio::test]
async fn a_batch_of_ten_runs_its_records_side_by_side() {
    // Each handler waits until all ten have started: one after another, none would finish.
    let ran = Arc::new(Mutex::new(Vec::new()));
    let worker = consumer(Some(Arc::new(tokio::sync::Barrier::new(10))), ran.clone());
    let records = (0..10).map(|n| record(&format!("r{n}"), None)).collect();
    let response = tokio::time::timeout(Duration::from_secs(10), worker.handle_batch(batch(records)))
        .await
        .expect("the records did not run side by side");
    assert!(response.batch_item_failures.is_empty(), "{:?}", failed(&response));
    assert_eq!(ran.lock().unwrap().len(), 10);
}

#[tokio::test]
async fn concurrency_one_runs_a_batch_in_order() {
    let ran = Arc::new(Mutex::new(Vec::new()));
    let worker = consumer(None, ran.clone()).with_concurrency(1);
    let refs = ["r0", "r1", "r2", "r3"];
    worker.handle_batch(batch(refs.iter().map(|r| record(r, None)).collect())).await;
    assert_eq!(*ran.lock().unwrap(), refs);
}

#[tokio::test]
async fn a_fifo_group_runs_in_order_and_stops_at_its_first_failure() {
    let ran = Arc::new(Mutex::new(Vec::new()));
    let worker = consumer(None, ran.clone());
    let records = vec![
        record("a1", Some("a")),
        record("b1", Some("b")),
        record("fail-a2", Some("a")),
        record("b2", Some("b")),
        record("a3", Some("a")),
        record("fail-c1", None),
        record("d1", None),
    ];
    let response = worker.handle_batch(batch(records)).await;
    assert_eq!(failed(&response), ["fail-a2", "a3", "fail-c1"], "reported in the batch's order");
    let ran = ran.lock().unwrap().clone();
    assert!(!ran.contains(&"a3".to_owned()), "a3 waits for its group's failed message: {ran:?}");
    let order = |group: &str| {
        ran.iter().filter(|r| r.trim_start_matches("fail-").starts_with(group)).cloned().collect::<Vec<_>>()
    };
    assert_eq!(order("a"), ["a1", "fail-a2"]);
    assert_eq!(order("b"), ["b1", "b2"]);
    assert!(ran.contains(&"d1".to_owned()) && ran.contains(&"fail-c1".to_owned()), "{ran:?}");
}
