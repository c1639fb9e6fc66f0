//! The movers worker against in-memory movers: answers update address status,
//! stale answers change nothing, and the create task is idempotent by message id.
use std::sync::Arc;

use movers::service::MoversService;
use movers::store::{MemoryMoverStore, MoverStore};
use platform::bus::RecordingPublisher;
use platform::metrics::MetricsSink;
use platform_consumer::test_records::{record, with_token};
use platform_consumer::{Consumer, ConsumerParts, RecordOutcome};
use platform_identity::{Role, TestIssuer};
use platform_messages::contracts::addressing::{
    AddressReconciledData, AddressRejectedData, NormalizedAddress, PostalAddress,
};
use platform_messages::contracts::movers::{AddressStatus, CreateMoverData};
use platform_messages::{Envelope, event, task};
use serde_json::Value;

struct Fixture {
    consumer: Consumer,
    store: Arc<MemoryMoverStore>,
    publisher: Arc<RecordingPublisher>,
    issuer: TestIssuer,
}

fn fixture() -> Fixture {
    let store = Arc::new(MemoryMoverStore::default());
    let publisher = Arc::new(RecordingPublisher::default());
    let issuer = TestIssuer::new();
    let consumer = movers::worker::consumer(
        MoversService::new(store.clone()),
        ConsumerParts::in_memory(publisher.clone(), issuer.verifier()),
    )
    .with_metrics(MetricsSink::Discard);
    // The catalog is law: the worker handles exactly what the catalog consumes.
    movers::catalog::catalog().handlers_match(&consumer.handled_names()).unwrap();
    Fixture { consumer, store, publisher, issuer }
}

fn create_task() -> Envelope<Value> {
    let address = |line1: &str| PostalAddress {
        line1: line1.into(),
        city: "X".into(),
        state: "IL".into(),
        zip: "62701".into(),
        line2: None,
    };
    let data = CreateMoverData {
        owner_sub: "usr_ext".into(),
        name: "Grace".into(),
        email: "grace@example.com".into(),
        phone: None,
        move_date: None,
        from_address: Some(address("1 Old Rd")),
        to_address: Some(address("2 New St")),
    };
    Envelope::new(task!("movers.mover.create"), serde_json::to_value(data).unwrap())
}

fn reconciled(cause: &Envelope<Value>, reference: &str) -> Envelope<Value> {
    let data = AddressReconciledData {
        address_id: "adr_1".into(),
        reference: reference.into(),
        normalized: NormalizedAddress {
            street: "1 OLD RD".into(),
            unit: None,
            city: "X".into(),
            state: "IL".into(),
            zip: "62701".into(),
        },
        created: true,
    };
    Envelope::caused_by(cause, event!("address.reconciled"), serde_json::to_value(data).unwrap())
}

#[tokio::test]
async fn a_created_mover_gets_its_addresses_answered() {
    let f = fixture();
    let task = create_task();
    assert_eq!(f.consumer.handle_record(&record(&task)).await, RecordOutcome::Handled);
    let sent = f.store.outbox();
    let names: Vec<_> = sent.iter().map(|m| m.envelope.name.to_string()).collect();
    assert_eq!(names, ["mover.created", "address.received", "address.received", "email_verification.requested"]);
    let id = sent[0].envelope.data["id"].as_str().unwrap().to_owned();
    let from_submission = sent[1].envelope.clone();

    let answer = reconciled(&from_submission, &format!("{id}:from"));
    assert_eq!(f.consumer.handle_record(&record(&answer)).await, RecordOutcome::Handled);
    let mover = f.store.get(&id).await.unwrap().unwrap();
    assert_eq!(mover.version, 2);
    assert_eq!(mover.value.from_address.unwrap().state.status, AddressStatus::Reconciled);
    assert_eq!(mover.value.to_address.unwrap().state.status, AddressStatus::Pending);
    let update = f.store.outbox().last().unwrap().clone();
    assert_eq!((update.envelope.name.as_str(), update.envelope.data["version"].as_u64()), ("mover.updated", Some(2)));

    let rejected = AddressRejectedData { reference: format!("{id}:to"), reasons: vec!["unknown state".into()] };
    let rejection =
        Envelope::caused_by(&sent[2].envelope, event!("address.rejected"), serde_json::to_value(rejected).unwrap());
    assert_eq!(f.consumer.handle_record(&record(&rejection)).await, RecordOutcome::Handled);
    let mover = f.store.get(&id).await.unwrap().unwrap();
    assert_eq!(mover.value.to_address.unwrap().state.reasons, Some(vec!["unknown state".into()]));
}

#[tokio::test]
async fn an_answer_to_a_replaced_address_changes_nothing() {
    let f = fixture();
    let task = create_task();
    f.consumer.handle_record(&record(&task)).await;
    let id = f.store.outbox()[0].envelope.data["id"].as_str().unwrap().to_owned();
    // An answer caused by some other (older) submission of the same ref.
    let old = Envelope::new(event!("address.received"), Value::Null);
    let stale = reconciled(&old, &format!("{id}:from"));
    assert_eq!(f.consumer.handle_record(&record(&stale)).await, RecordOutcome::Handled);
    let mover = f.store.get(&id).await.unwrap().unwrap();
    assert_eq!((mover.version, mover.value.from_address.unwrap().state.status.as_str()), (1, "pending"));
    // Answers about refs that are not movers' are ignored too.
    let foreign = reconciled(&old, "order-77");
    assert_eq!(f.consumer.handle_record(&record(&foreign)).await, RecordOutcome::Handled);
}

#[tokio::test]
async fn the_create_task_is_idempotent_by_message_id() {
    let f = fixture();
    let task = create_task();
    f.consumer.handle_record(&record(&task)).await;
    assert_eq!(f.consumer.handle_record(&record(&task)).await, RecordOutcome::Duplicate);
    // Even past the ledger (a crash before it recorded completion), the same message
    // creates nothing new: the mover and its messages were written together, once.
    let fresh_ledger = movers::worker::consumer(
        MoversService::new(f.store.clone()),
        ConsumerParts::in_memory(f.publisher.clone(), f.issuer.verifier()),
    );
    assert_eq!(fresh_ledger.handle_record(&record(&task)).await, RecordOutcome::Handled);
    let names: Vec<_> = f.store.outbox().iter().map(|m| m.envelope.name.to_string()).collect();
    assert_eq!(
        names,
        ["mover.created", "address.received", "address.received", "email_verification.requested"],
        "announced once"
    );
    assert!(f.publisher.sent().is_empty(), "nothing goes around the outbox");
    let page = f.store.list(10, None, None).await.unwrap();
    assert_eq!(page.items.len(), 1, "one mover");
}

#[tokio::test]
async fn the_create_task_names_an_owner_only_for_the_system() {
    let f = fixture();
    let user = f.issuer.token("usr_someone", vec![Role::UserMover]);
    match f.consumer.handle_record(&with_token(&create_task(), &user)).await {
        RecordOutcome::Failed(reason) => assert!(reason.contains("taken only from the system"), "{reason}"),
        other => panic!("a user may not give movers away: {other:?}"),
    }
    assert!(f.store.outbox().is_empty());
    assert!(f.store.list(10, None, None).await.unwrap().items.is_empty(), "nothing written");

    let system = f.issuer.token("svc_partner", vec![Role::System]);
    assert_eq!(f.consumer.handle_record(&with_token(&create_task(), &system)).await, RecordOutcome::Handled);
    let owner = &f.store.list(10, None, None).await.unwrap().items[0].value.owner_sub;
    assert_eq!(owner, "usr_ext", "the owner named by the system");
}
