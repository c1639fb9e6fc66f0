//! A task carrying a saga's task token: the consumer completes the token with the
//! handler's reply after publishing, once per message, and refuses without a
//! callbacks port (instead of silently leaving the saga waiting).
use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::event::sqs::SqsMessage;
use platform::bus::RecordingPublisher;
use platform::metrics::MetricsSink;
use platform::saga::{RecordedCallback, RecordingCallbacks};
use platform_consumer::{Accepts, Consumer, Emit, MemoryLedger, RecordOutcome};
use platform_messages::contracts::addressing::{
    AddressRejected, AddressRejectedData, AddressSubmission, PostalAddress, ReconcileAddress,
};
use platform_messages::{Envelope, task};
use serde_json::json;

fn consumer(callbacks: Option<Arc<RecordingCallbacks>>) -> (Consumer, Arc<RecordingPublisher>) {
    let publisher = Arc::new(RecordingPublisher::default());
    let ledger = Arc::new(MemoryLedger::new(Duration::from_secs(30)));
    let mut consumer =
        Consumer::new("addressing", ledger, publisher.clone(), platform_identity::TestIssuer::new().verifier())
            .with_metrics(MetricsSink::Discard)
            .on::<ReconcileAddress, _, _>(Accepts::SystemWork, |msg: Envelope<AddressSubmission>, _| async move {
                match msg.data.reference.as_str() {
                    "reject" => Ok(Emit::one::<AddressRejected>(&AddressRejectedData {
                        reference: msg.data.reference.clone(),
                        reasons: vec!["no such street".into()],
                    })?
                    .reply_failure("AddressRejected", "no such street")),
                    "silent" => Ok(Emit::none()),
                    other => Emit::none().reply_success(&json!({"ref": other})),
                }
            });
    if let Some(callbacks) = callbacks {
        consumer = consumer.with_task_callbacks(callbacks);
    }
    (consumer, publisher)
}

fn task_record(reference: &str, token: Option<&str>) -> SqsMessage {
    let data = AddressSubmission { reference: reference.into(), address: PostalAddress::default() };
    let mut envelope = Envelope::new(task!("addressing.address.reconcile"), serde_json::to_value(data).unwrap());
    envelope.task_token = token.map(str::to_owned);
    let mut r = SqsMessage::default();
    r.message_id = Some(format!("sqs-{reference}"));
    r.body = Some(envelope.to_json().unwrap());
    r
}

#[tokio::test]
async fn success_failure_and_default_replies_complete_the_token_once() {
    let callbacks = Arc::new(RecordingCallbacks::default());
    let (consumer, publisher) = consumer(Some(callbacks.clone()));
    let ok = task_record("ok", Some("t-ok"));
    assert_eq!(consumer.handle_record(&ok).await, RecordOutcome::Handled);
    assert_eq!(consumer.handle_record(&task_record("reject", Some("t-no"))).await, RecordOutcome::Handled);
    assert_eq!(consumer.handle_record(&task_record("silent", Some("t-empty"))).await, RecordOutcome::Handled);
    // A redelivery of a handled task does not answer twice.
    assert_eq!(consumer.handle_record(&ok).await, RecordOutcome::Duplicate);

    assert_eq!(
        callbacks.seen(),
        vec![
            RecordedCallback::Success("t-ok".into(), json!({"ref": "ok"})),
            RecordedCallback::Failure("t-no".into(), "AddressRejected".into(), "no such street".into()),
            RecordedCallback::Success("t-empty".into(), json!({})),
        ]
    );
    // The rejection was also published, without the token.
    let published = publisher.sent();
    assert_eq!(published.len(), 1);
    assert_eq!(published[0].envelope.task_token, None);
}

#[tokio::test]
async fn without_a_token_nothing_is_completed() {
    let callbacks = Arc::new(RecordingCallbacks::default());
    let (consumer, _) = consumer(Some(callbacks.clone()));
    assert_eq!(consumer.handle_record(&task_record("ok", None)).await, RecordOutcome::Handled);
    assert!(callbacks.seen().is_empty());
}

#[tokio::test]
async fn a_token_without_a_callbacks_port_fails_the_record() {
    let (consumer, _) = consumer(None);
    match consumer.handle_record(&task_record("ok", Some("t"))).await {
        RecordOutcome::Failed(reason) => assert!(reason.contains("cannot complete tokens"), "{reason}"),
        other => panic!("expected a failure, got {other:?}"),
    }
}
