//! Consumer logic against the in-memory ledger and publisher: routing, failures
//! isolated per record, panics contained, duplicates skipped, correlation stamped.
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use platform::bus::RecordingPublisher;
use platform::consumer::{Consumer, Emit, HandlerError, MemoryLedger, RecordOutcome};
use platform::metrics::MetricsSink;
use platform_messages::contracts::addressing::{
    AddressReceived, AddressRejected, AddressRejectedData, AddressSubmission, PostalAddress,
};
use platform_messages::{Envelope, event};
use serde_json::{Value, json};

struct Fixture {
    consumer: Consumer,
    publisher: Arc<RecordingPublisher>,
    calls: Arc<AtomicUsize>,
}

/// A consumer whose `address.received` handler rejects every address, and
/// panics or fails when the ref says so.
fn fixture() -> Fixture {
    let publisher = Arc::new(RecordingPublisher::default());
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let consumer = Consumer::new("addressing", Arc::new(MemoryLedger::new(Duration::from_secs(30))), publisher.clone())
        .with_metrics(MetricsSink::Buffer(Default::default()))
        .on::<AddressReceived, _, _>(move |msg: Envelope<AddressSubmission>| {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                match msg.data.reference.as_str() {
                    "panic" => panic!("boom in handler"),
                    "fail" => Err(HandlerError::msg("the handler said no")),
                    _ => Emit::one::<AddressRejected>(&AddressRejectedData {
                        reference: msg.data.reference,
                        reasons: vec!["test".into()],
                    }),
                }
            }
        });
    Fixture { consumer, publisher, calls }
}

fn submission(reference: &str) -> Envelope<Value> {
    let data = AddressSubmission { reference: reference.into(), address: PostalAddress::default() };
    Envelope::new(event!("address.received"), serde_json::to_value(data).unwrap())
}

fn record(id: &str, body: &str) -> SqsMessage {
    let mut r = SqsMessage::default();
    r.message_id = Some(id.into());
    r.body = Some(body.into());
    r
}

fn batch(records: Vec<SqsMessage>) -> SqsEvent {
    let mut e = SqsEvent::default();
    e.records = records;
    e
}

fn failed_ids(resp: &aws_lambda_events::event::sqs::SqsBatchResponse) -> Vec<String> {
    resp.batch_item_failures.iter().map(|f| f.item_identifier.clone()).collect()
}

#[tokio::test]
async fn only_the_bad_records_of_a_batch_fail() {
    let f = fixture();
    let unknown = Envelope::new(event!("mover.created"), json!({}));
    let resp = f
        .consumer
        .handle_batch(batch(vec![
            record("ok-1", &submission("a").to_json().unwrap()),
            record("garbage", "{not json"),
            record("panics", &submission("panic").to_json().unwrap()),
            record("unknown", &unknown.to_json().unwrap()),
            record("errors", &submission("fail").to_json().unwrap()),
            record("bad-data", &Envelope::new(event!("address.received"), json!({"ref": 1})).to_json().unwrap()),
            record("ok-2", &submission("b").to_json().unwrap()),
        ]))
        .await;
    assert_eq!(failed_ids(&resp), ["garbage", "panics", "unknown", "errors", "bad-data"]);
    let refs: Vec<_> = f.publisher.sent().iter().map(|m| m.envelope.data["ref"].clone()).collect();
    assert_eq!(refs, [json!("a"), json!("b")]);
}

#[tokio::test]
async fn failure_reasons_say_what_went_wrong() {
    let f = fixture();
    let cases = [
        ("{not json", "undecodable record"),
        (&*submission("panic").to_json().unwrap(), "handler panicked: boom in handler"),
        (&*submission("fail").to_json().unwrap(), "handler error: the handler said no"),
        (&*Envelope::new(event!("mover.created"), json!({})).to_json().unwrap(), "no handler for `mover.created`"),
    ];
    for (body, reason) in cases {
        match f.consumer.handle_record(&record("r", body)).await {
            RecordOutcome::Failed(got) => assert!(got.contains(reason), "{got}"),
            other => panic!("expected failure, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn emitted_messages_are_correlated_to_the_handled_one() {
    let f = fixture();
    let mut incoming = submission("a");
    incoming.correlation_id = "conversation-7".into();
    let mut r = record("m", &incoming.to_json().unwrap());
    let mut auth = aws_lambda_events::event::sqs::SqsMessageAttribute::default();
    auth.string_value = Some("Bearer jwt-1".into());
    r.message_attributes.insert("authorization".into(), auth);
    assert_eq!(f.consumer.handle_record(&r).await, RecordOutcome::Handled);
    let sent = f.publisher.sent();
    assert_eq!(sent.len(), 1);
    let out = &sent[0];
    assert_eq!(out.envelope.name.as_str(), "address.rejected");
    assert_eq!(out.envelope.correlation_id, "conversation-7");
    assert_eq!(out.envelope.causation_id.as_deref(), Some(incoming.id.to_string().as_str()));
    assert_eq!(out.token.as_deref(), Some("jwt-1"));
}

#[tokio::test]
async fn a_redelivery_is_acknowledged_without_handling() {
    let f = fixture();
    let body = submission("a").to_json().unwrap();
    let resp = f.consumer.handle_batch(batch(vec![record("1", &body), record("2", &body)])).await;
    assert!(resp.batch_item_failures.is_empty());
    assert_eq!(f.calls.load(Ordering::SeqCst), 1);
    assert_eq!(f.publisher.sent().len(), 1);
    let metrics = f.consumer.metrics().lines();
    let doc: Value = serde_json::from_str(&metrics[0]).unwrap();
    assert_eq!((doc["RecordsHandled"].clone(), doc["RecordsDuplicated"].clone()), (json!(1), json!(1)));
}

#[tokio::test]
async fn the_same_id_with_another_payload_is_refused() {
    let f = fixture();
    let first = submission("a");
    let mut forged = submission("other");
    forged.id = first.id;
    assert_eq!(f.consumer.handle_record(&record("1", &first.to_json().unwrap())).await, RecordOutcome::Handled);
    match f.consumer.handle_record(&record("2", &forged.to_json().unwrap())).await {
        RecordOutcome::Failed(reason) => assert!(reason.contains("different payload"), "{reason}"),
        other => panic!("expected refusal, got {other:?}"),
    }
    assert_eq!(f.calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_failed_attempt_can_be_retried_and_a_publish_failure_is_a_failure() {
    let f = fixture();
    let body = submission("a").to_json().unwrap();
    f.publisher.set_failing(true);
    match f.consumer.handle_record(&record("1", &body)).await {
        RecordOutcome::Failed(reason) => assert!(reason.contains("publishing failed"), "{reason}"),
        other => panic!("expected failure, got {other:?}"),
    }
    f.publisher.set_failing(false);
    assert_eq!(f.consumer.handle_record(&record("1", &body)).await, RecordOutcome::Handled);
    assert_eq!(f.calls.load(Ordering::SeqCst), 2);
    assert_eq!(f.publisher.sent().len(), 1);
}

#[tokio::test]
async fn a_retried_handler_re_emits_the_same_message_ids() {
    let f = fixture();
    let body = submission("a").to_json().unwrap();
    f.publisher.set_failing(true);
    let _ = f.consumer.handle_record(&record("1", &body)).await;
    f.publisher.set_failing(false);
    let _ = f.consumer.handle_record(&record("1", &body)).await;
    let g = fixture();
    let _ = g.consumer.handle_record(&record("1", &body)).await;
    assert_eq!(f.publisher.sent()[0].envelope.id, g.publisher.sent()[0].envelope.id);
}

mod verification {
    use super::*;
    use platform_identity::{Claims, KeySet, Role, StaticJwks, TokenSettings, Verifier};
    use platform_messages::Actor;

    fn settings() -> TokenSettings {
        TokenSettings { issuer: "https://auth.test".into(), audience: "updater-api".into(), ttl_seconds: 900 }
    }

    async fn verifying_fixture(keys: &KeySet) -> Fixture {
        let verifier = Verifier::new(&settings(), Arc::new(StaticJwks(keys.jwks().unwrap()))).await.unwrap();
        let f = fixture();
        Fixture { consumer: f.consumer.with_verifier(Arc::new(verifier)), publisher: f.publisher, calls: f.calls }
    }

    fn with_token(envelope: &Envelope<Value>, token: &str) -> SqsMessage {
        let mut r = record("m", &envelope.to_json().unwrap());
        let mut auth = aws_lambda_events::event::sqs::SqsMessageAttribute::default();
        auth.string_value = Some(format!("Bearer {token}"));
        r.message_attributes.insert("authorization".into(), auth);
        r
    }

    #[tokio::test]
    async fn a_verified_token_becomes_the_actor() {
        let keys = KeySet::generate().unwrap();
        let f = verifying_fixture(&keys).await;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let token = keys.sign(&Claims::issue(&settings(), "usr_1", "a@b.co", vec![Role::UserMover], now)).unwrap();
        let mut incoming = submission("a");
        incoming.actor = Some(Actor { sub: "someone-else".into(), roles: vec!["system".into()] });
        assert_eq!(f.consumer.handle_record(&with_token(&incoming, &token)).await, RecordOutcome::Handled);
        let out = &f.publisher.sent()[0];
        assert_eq!(out.envelope.actor, Some(Actor { sub: "usr_1".into(), roles: vec!["user-mover".into()] }));
        assert_eq!(out.token.as_deref(), Some(token.as_str()));
    }

    #[tokio::test]
    async fn a_bad_token_fails_the_record_before_the_handler() {
        let keys = KeySet::generate().unwrap();
        let f = verifying_fixture(&keys).await;
        let other = KeySet::generate().unwrap();
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let forged = other.sign(&Claims::issue(&settings(), "usr_1", "a@b.co", vec![Role::System], now)).unwrap();
        match f.consumer.handle_record(&with_token(&submission("a"), &forged)).await {
            RecordOutcome::Failed(reason) => assert!(reason.contains("authorization token was refused"), "{reason}"),
            other => panic!("expected failure, got {other:?}"),
        }
        assert_eq!(f.calls.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn an_actor_without_a_token_is_not_trusted() {
        let keys = KeySet::generate().unwrap();
        let f = verifying_fixture(&keys).await;
        let mut incoming = submission("a");
        incoming.actor = Some(Actor { sub: "usr_claimed".into(), roles: vec!["system".into()] });
        assert_eq!(f.consumer.handle_record(&record("m", &incoming.to_json().unwrap())).await, RecordOutcome::Handled);
        assert_eq!(f.publisher.sent()[0].envelope.actor, None, "runs as the system");
    }
}
