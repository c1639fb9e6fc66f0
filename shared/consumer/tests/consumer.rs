//! Consumer logic against the in-memory ledger and publisher: routing, failures
//! isolated per record, panics contained, duplicates skipped, correlation stamped.
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use platform::bus::RecordingPublisher;
use platform::metrics::MetricsSink;
use platform_consumer::{
    Accepts, Claim, Consumer, Emit, HandlerError, IdempotencyLedger, MemoryLedger, RecordOutcome, fingerprint,
};
use platform_identity::TestIssuer;
use platform_messages::contracts::addressing::{
    AddressReceived, AddressRejected, AddressRejectedData, AddressSubmission, PostalAddress,
};
use platform_messages::{Envelope, event};
use serde_json::{Value, json};

struct Fixture {
    consumer: Consumer,
    publisher: Arc<RecordingPublisher>,
    calls: Arc<AtomicUsize>,
    issuer: TestIssuer,
    ledger: Arc<MemoryLedger>,
}

/// A consumer whose `address.received` handler rejects every address, and
/// panics or fails when the ref says so.
fn fixture() -> Fixture {
    fixture_accepting(Accepts::SystemWork)
}

fn fixture_accepting(accepts: Accepts) -> Fixture {
    let publisher = Arc::new(RecordingPublisher::default());
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let issuer = TestIssuer::new();
    let ledger = Arc::new(MemoryLedger::new(Duration::from_secs(30)));
    let consumer = Consumer::new("addressing", ledger.clone(), publisher.clone(), issuer.verifier())
        .with_metrics(MetricsSink::Buffer(Default::default()))
        .on::<AddressReceived, _, _>(accepts, move |msg: Envelope<AddressSubmission>, _| {
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
    Fixture { consumer, publisher, calls, issuer, ledger }
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

fn with_token(envelope: &Envelope<Value>, token: &str) -> SqsMessage {
    let mut r = record("m", &envelope.to_json().unwrap());
    let mut auth = aws_lambda_events::event::sqs::SqsMessageAttribute::default();
    auth.string_value = Some(format!("Bearer {token}"));
    r.message_attributes.insert("authorization".into(), auth);
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
    let token = f.issuer.token("usr_1", vec![platform_identity::Role::UserMover]);
    assert_eq!(f.consumer.handle_record(&with_token(&incoming, &token)).await, RecordOutcome::Handled);
    let sent = f.publisher.sent();
    assert_eq!(sent.len(), 1);
    let out = &sent[0];
    assert_eq!(out.envelope.name.as_str(), "address.rejected");
    assert_eq!(out.envelope.correlation_id, "conversation-7");
    assert_eq!(out.envelope.causation_id.as_deref(), Some(incoming.id.to_string().as_str()));
    assert_eq!(out.token.as_deref(), Some(token.as_str()));
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
async fn a_message_handled_under_its_canonical_fingerprint_is_a_duplicate_in_any_rendering() {
    // What an earlier release stored: the fingerprint of the data rendered canonically.
    let f = fixture();
    let message = submission("a");
    let id = message.id.to_string();
    let canonical = fingerprint("address.received", &message.data.to_string());
    assert_eq!(f.ledger.claim(&id, &canonical).await.unwrap(), Claim::Acquired);
    f.ledger.complete(&id, &canonical).await.unwrap();

    // Delivered again in another producer's rendering (spaces, keys reordered).
    let body = message.to_json().unwrap();
    let data = message.data.to_string();
    let reordered = format!(r#"{{ "address" : {}, "ref" : "a" }}"#, message.data["address"]);
    assert!(body.contains(&data));
    let other_rendering = body.replace(&data, &reordered);
    assert_eq!(f.consumer.handle_record(&record("2", &other_rendering)).await, RecordOutcome::Duplicate);
    assert_eq!(f.calls.load(Ordering::SeqCst), 0, "not handled again");
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
    use platform_identity::{Role, TestIssuer};
    use platform_messages::Actor;

    const DAY: i64 = 86_400;

    fn refusal(outcome: RecordOutcome) -> String {
        match outcome {
            RecordOutcome::Failed(reason) => reason,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    fn mover(sub: &str) -> Actor {
        Actor { sub: sub.into(), roles: vec!["user-mover".into()] }
    }

    #[tokio::test]
    async fn a_verified_token_becomes_the_actor_and_rides_on_what_the_handler_emits() {
        let f = fixture();
        let token = f.issuer.token("usr_1", vec![Role::UserMover]);
        assert_eq!(f.consumer.handle_record(&with_token(&submission("a"), &token)).await, RecordOutcome::Handled);
        let out = &f.publisher.sent()[0];
        assert_eq!(out.envelope.actor, Some(mover("usr_1")));
        assert_eq!(out.token.as_deref(), Some(token.as_str()));
        let mut claimed = submission("b");
        claimed.actor = Some(mover("usr_1"));
        assert_eq!(f.consumer.handle_record(&with_token(&claimed, &token)).await, RecordOutcome::Handled);
    }

    #[tokio::test]
    async fn a_token_that_expired_while_its_message_waited_is_accepted_and_its_time_inherited() {
        let f = fixture();
        let now = time::OffsetDateTime::now_utc();
        let mut waited = submission("a");
        waited.occurred_at = now - time::Duration::days(2);
        let token = f.issuer.token_issued_at("usr_1", vec![Role::UserMover], waited.occurred_at.unix_timestamp() - 5);
        assert_eq!(f.consumer.handle_record(&with_token(&waited, &token)).await, RecordOutcome::Handled);
        let out = &f.publisher.sent()[0];
        assert_eq!(out.envelope.actor, Some(mover("usr_1")));
        assert_eq!(out.envelope.authorized_at(), waited.occurred_at, "judged at the first message's time downstream");
    }

    #[tokio::test]
    async fn a_token_expired_when_its_message_was_sent_is_refused() {
        let f = fixture();
        let stale = f.issuer.token_issued_at("usr_1", vec![Role::UserMover], now() - DAY);
        let reason = refusal(f.consumer.handle_record(&with_token(&submission("a"), &stale)).await);
        assert!(reason.contains("token has expired"), "{reason}");
        let mut from_the_future = submission("b");
        from_the_future.occurred_at += time::Duration::hours(1);
        let token = f.issuer.token("usr_1", vec![Role::UserMover]);
        let reason = refusal(f.consumer.handle_record(&with_token(&from_the_future, &token)).await);
        assert!(reason.contains("in the future"), "{reason}");
        assert_eq!(f.calls.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn a_bad_token_fails_the_record_before_the_handler() {
        let f = fixture();
        let forged = TestIssuer::new().token("usr_1", vec![Role::System]);
        let reason = refusal(f.consumer.handle_record(&with_token(&submission("a"), &forged)).await);
        assert!(reason.contains("authorization token was refused"), "{reason}");
        assert_eq!(f.calls.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn an_actor_that_its_token_does_not_prove_is_refused() {
        let f = fixture();
        let token = f.issuer.token("usr_1", vec![Role::UserMover]);
        let mut escalated = submission("a");
        escalated.actor = Some(Actor { sub: "usr_1".into(), roles: vec!["system".into()] });
        let reason = refusal(f.consumer.handle_record(&with_token(&escalated, &token)).await);
        assert!(reason.contains("claims actor `usr_1`"), "{reason}");
        let mut someone_else = submission("b");
        someone_else.actor = Some(mover("usr_2"));
        refusal(f.consumer.handle_record(&with_token(&someone_else, &token)).await);
        assert_eq!(f.calls.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn an_actor_without_a_token_is_refused() {
        let f = fixture();
        let mut incoming = submission("a");
        incoming.actor = Some(Actor { sub: "usr_claimed".into(), roles: vec!["system".into()] });
        let reason = refusal(f.consumer.handle_record(&record("m", &incoming.to_json().unwrap())).await);
        assert!(reason.contains("carries no authorization token"), "{reason}");
        assert_eq!(f.calls.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn a_message_without_a_token_runs_as_the_system_only_where_the_route_accepts_system_work() {
        let f = fixture();
        assert_eq!(
            f.consumer.handle_record(&record("m", &submission("a").to_json().unwrap())).await,
            RecordOutcome::Handled
        );
        assert_eq!(f.publisher.sent()[0].envelope.actor, None, "runs as the system");
        assert_eq!(f.publisher.sent()[0].token, None);

        let user_only = fixture_accepting(Accepts::UserWorkOnly);
        let reason = refusal(user_only.consumer.handle_record(&record("m", &submission("a").to_json().unwrap())).await);
        assert!(reason.contains("work done for a user"), "{reason}");
        assert_eq!(user_only.calls.load(Ordering::SeqCst), 0);
        let token = user_only.issuer.token("usr_1", vec![Role::UserMover]);
        assert_eq!(
            user_only.consumer.handle_record(&with_token(&submission("b"), &token)).await,
            RecordOutcome::Handled
        );
    }

    fn now() -> i64 {
        time::OffsetDateTime::now_utc().unix_timestamp()
    }
}

#[tokio::test]
async fn records_are_not_started_when_the_invocation_is_about_to_time_out() {
    let f = fixture();
    let soon = std::time::SystemTime::now() + Duration::from_millis(300);
    let body = submission("a").to_json().unwrap();
    let resp = platform::deadline::until(soon, f.consumer.handle_batch(batch(vec![record("late", &body)]))).await;
    assert_eq!(failed_ids(&resp), ["late"], "left for a redelivery");
    assert_eq!(f.calls.load(Ordering::SeqCst), 0, "the handler never started");
    let later = std::time::SystemTime::now() + Duration::from_secs(60);
    let resp = platform::deadline::until(later, f.consumer.handle_batch(batch(vec![record("late", &body)]))).await;
    assert!(resp.batch_item_failures.is_empty(), "handled once there is time");
}

/// A payload whose decoding panics on `"boom"`: a panic in the part of a route that
/// runs before the handler's future (its data's decoding).
#[derive(serde::Serialize, schemars::JsonSchema)]
struct Touchy(String);

impl<'de> serde::Deserialize<'de> for Touchy {
    fn deserialize<D: serde::Deserializer<'de>>(decoder: D) -> Result<Self, D::Error> {
        let text = String::deserialize(decoder)?;
        assert_ne!(text, "boom", "boom in decoding");
        Ok(Touchy(text))
    }
}

struct TouchyArrived;
impl platform_messages::Contract for TouchyArrived {
    const NAME: platform_messages::MessageName = platform_messages::MessageName::Event(event!("touchy.arrived"));
    type Data = Touchy;
}

#[tokio::test]
async fn a_panic_while_decoding_the_data_fails_that_record_alone() {
    let f = fixture();
    let consumer = Consumer::new("addressing", f.ledger.clone(), f.publisher.clone(), f.issuer.verifier())
        .with_metrics(MetricsSink::Discard)
        .on::<TouchyArrived, _, _>(Accepts::SystemWork, |_, _| async { Ok(Emit::none()) });
    let body = |text: &str| Envelope::new(event!("touchy.arrived"), json!(text)).to_json().unwrap();
    let resp = consumer
        .handle_batch(batch(vec![
            record("calm-1", &body("calm")),
            record("boom", &body("boom")),
            record("calm-2", &body("calm")),
        ]))
        .await;
    assert_eq!(failed_ids(&resp), ["boom"]);
    match consumer.handle_record(&record("boom-again", &body("boom"))).await {
        RecordOutcome::Failed(reason) => {
            assert!(reason.contains("handler panicked") && reason.contains("boom in decoding"), "{reason}")
        }
        other => panic!("expected a failure, got {other:?}"),
    }
}
