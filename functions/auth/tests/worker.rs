//! The auth worker in memory: `auth.user.authorize` from a system gets the user's
//! token (verifiable, for that user, once per task), and every other request is
//! refused with its reason as an answer; a forged identity is never believed.
use std::sync::Arc;

use auth::accounts::Account;
use auth::store::{AccountStore, MemoryAccountStore};
use auth::worker::{WorkerState, consumer};
use platform::bus::RecordingPublisher;
use platform::metrics::MetricsSink;
use platform_consumer::test_records::{record, with_token};
use platform_consumer::{Consumer, ConsumerParts, RecordOutcome};
use platform_identity::{Role, TestIssuer};
use platform_messages::{Envelope, task};
use serde_json::{Value, json};

struct Fixture {
    consumer: Consumer,
    publisher: Arc<RecordingPublisher>,
    issuer: TestIssuer,
}

async fn fixture() -> Fixture {
    let accounts = Arc::new(MemoryAccountStore::default());
    for (user_id, disabled) in [("usr_ada", false), ("usr_gone", true)] {
        let account = Account {
            user_id: user_id.into(),
            email: format!("{user_id}@example.com"),
            name: "Ada".into(),
            roles: vec![Role::UserMover],
            password_hash: "not-used".into(),
            created_at: 0,
            disabled,
        };
        accounts.create(&account).await.unwrap();
    }
    let publisher = Arc::new(RecordingPublisher::default());
    let issuer = TestIssuer::new();
    let state = WorkerState { accounts, keys: Arc::new(issuer.keys.clone()), tokens: issuer.settings.clone() };
    let consumer = consumer(state, ConsumerParts::in_memory(publisher.clone(), issuer.verifier()))
        .with_metrics(MetricsSink::Discard);
    auth::catalog::catalog().handlers_match(&consumer.handled_names()).unwrap();
    Fixture { consumer, publisher, issuer }
}

fn authorize(reference: &str, user_id: &str) -> Envelope<Value> {
    Envelope::new(task!("auth.user.authorize"), json!({"ref": reference, "user_id": user_id}))
}

/// The one answer published for `task`.
fn answer(f: &Fixture, task: &Envelope<Value>) -> Envelope<Value> {
    let caused: Vec<_> =
        f.publisher.sent().into_iter().filter(|o| o.envelope.causation_id == Some(task.id.to_string())).collect();
    assert_eq!(caused.len(), 1, "one answer: {caused:?}");
    caused[0].envelope.clone()
}

#[tokio::test]
async fn a_system_gets_a_token_for_a_known_user_once_per_task() {
    let f = fixture().await;
    let task = authorize("crm-1", "usr_ada");
    assert_eq!(f.consumer.handle_record(&record(&task)).await, RecordOutcome::Handled);
    assert_eq!(f.consumer.handle_record(&record(&task)).await, RecordOutcome::Duplicate);
    let authed = answer(&f, &task);
    assert_eq!(authed.name.as_str(), "user.authed");
    assert_eq!((authed.data["ref"].as_str(), authed.data["user_id"].as_str()), (Some("crm-1"), Some("usr_ada")));
    assert_eq!(authed.data["roles"], json!(["user-mover"]));
    let caller = f.issuer.verifier().verify(authed.data["token"].as_str().unwrap()).await.unwrap();
    assert_eq!((caller.sub.as_str(), caller.roles.as_slice()), ("usr_ada", &[Role::UserMover][..]));

    // A token with the system role is a system too.
    let task = authorize("crm-2", "usr_ada");
    let system = f.issuer.token("usr_crm", vec![Role::System]);
    assert_eq!(f.consumer.handle_record(&with_token(&task, &system)).await, RecordOutcome::Handled);
    assert_eq!(answer(&f, &task).name.as_str(), "user.authed");
}

#[tokio::test]
async fn every_other_request_is_refused_as_an_answer_with_its_reason() {
    let f = fixture().await;
    let mover = f.issuer.token("usr_ada", vec![Role::UserMover]);
    let cases = [
        (with_token(&authorize("r1", "usr_ada"), &mover), "only a system may ask"),
        (record(&authorize("r2", "usr_nobody")), "unknown user"),
        (record(&authorize("r3", "usr_gone")), "the account is disabled"),
        (record(&authorize(&"r".repeat(257), "usr_ada")), "ref is over 256 characters"),
    ];
    for (record, reason) in cases {
        assert_eq!(f.consumer.handle_record(&record).await, RecordOutcome::Handled, "{reason}");
        let task: Envelope<Value> = Envelope::decode(record.body.as_deref().unwrap()).unwrap();
        let refused = answer(&f, &task);
        assert_eq!(refused.name.as_str(), "user.refused", "{reason}");
        assert!(refused.data["reason"].as_str().unwrap().contains(reason), "{reason}: {}", refused.data);
        assert_eq!(refused.data["ref"], task.data["ref"]);
        assert_eq!(refused.data["user_id"], task.data["user_id"]);
    }
}

#[tokio::test]
async fn a_forged_identity_fails_its_record_and_answers_nothing() {
    let f = fixture().await;
    let forged = TestIssuer::new().token("usr_crm", vec![Role::System]);
    let outcome = f.consumer.handle_record(&with_token(&authorize("r", "usr_ada"), &forged)).await;
    assert!(matches!(&outcome, RecordOutcome::Failed(r) if r.contains("token was refused")), "{outcome:?}");
    let mut claimed = authorize("r", "usr_ada");
    claimed.actor = Some(platform_messages::Actor { sub: "usr_crm".into(), roles: vec!["system".into()] });
    let outcome = f.consumer.handle_record(&record(&claimed)).await;
    assert!(matches!(&outcome, RecordOutcome::Failed(r) if r.contains("no authorization token")), "{outcome:?}");
    assert!(f.publisher.sent().is_empty(), "{:?}", f.publisher.sent());
}

#[tokio::test]
async fn a_malformed_task_fails_its_record_with_the_reason() {
    let f = fixture().await;
    let task = Envelope::new(task!("auth.user.authorize"), json!({"ref": "r", "user": "usr_ada"}));
    let outcome = f.consumer.handle_record(&record(&task)).await;
    assert!(matches!(&outcome, RecordOutcome::Failed(r) if r.contains("user_id")), "{outcome:?}");
    assert!(f.publisher.sent().is_empty());
}
