//! The booking saga's step Lambda, called in-process with the typed inputs Step
//! Functions sends, against a throw-away table in the emulator: every step and
//! compensation is idempotent (run twice, changes once), business failures carry
//! the error names the state machine catches, and bus effects are exact.
use std::sync::Arc;
use std::time::Duration;

use moves::booking::{Booking, BookingRequest, BookingStatus, Deposit, DepositRequest};
use moves::booking_store::BookingStore;
use moves::capacity::CrewCapacity;
use moves::error::MovesError;
use moves::mover_directory::MoverDirectory;
use moves::payments::{Charge, ChargeStatus, PaymentProvider, Refund, SandboxPayments};
use moves::saga::SagaBooking;
use moves::steps::{StepInput, Steps};
use platform::bus::RecordingPublisher;
use platform::saga::{Persistence, RecordedCallback, RecordingCallbacks, StepError};
use platform::store::Table;
use platform_messages::contracts::addressing::PostalAddress;
use platform_messages::contracts::movers::{AddressState, AddressStatus, MoverView};
use platform_messages::dates::CalendarDate;
use platform_testkit::create_table;
use serde_json::{Value, json};
use stack_tests::stack;

struct Fixture {
    steps: Steps,
    publisher: Arc<RecordingPublisher>,
    callbacks: Arc<RecordingCallbacks>,
    payments: SandboxPayments,
    capacity: CrewCapacity,
}

async fn fixture(crew_capacity: u32) -> Fixture {
    let stack = stack().await;
    let table = Table::new(stack.dynamodb(), create_table(&stack, false).await.unwrap());
    let publisher = Arc::new(RecordingPublisher::default());
    let callbacks = Arc::new(RecordingCallbacks::default());
    let payments = SandboxPayments::new(table.clone(), Duration::from_millis(50));
    let capacity = CrewCapacity::new(table.clone(), crew_capacity);
    let steps = Steps {
        bookings: BookingStore::new(table.clone()),
        capacity: capacity.clone(),
        payments: Arc::new(payments.clone()),
        movers: MoverDirectory::new(table),
        publisher: publisher.clone(),
        callbacks: callbacks.clone(),
        persistence: Persistence::default(),
    };
    Fixture { steps, publisher, callbacks, payments, capacity }
}

fn saga_booking(id: &str, crew_size: u32, card: &str) -> SagaBooking {
    SagaBooking {
        booking_id: id.into(),
        mover_id: "mov_1".into(),
        owner_sub: "usr_1".into(),
        move_date: CalendarDate::parse("2030-06-01").unwrap(),
        crew_size,
        deposit: Deposit { amount_cents: 5_000, card_token: card.into() },
        traceparent: None,
    }
}

async fn stored(f: &Fixture, b: &SagaBooking) {
    let request = BookingRequest {
        mover_id: b.mover_id.clone(),
        move_date: b.move_date,
        crew_size: b.crew_size,
        deposit: DepositRequest { amount_cents: None, card_token: b.deposit.card_token.clone() },
    };
    let booking = Booking::pending(b.booking_id.clone(), &request, &b.deposit, &b.owner_sub, Some("ada@example.com"));
    f.steps.bookings.create(&booking).await.unwrap();
}

/// Runs a step from the JSON Step Functions sends.
async fn run(f: &Fixture, input: Value) -> Result<moves::steps::StepDone, StepError> {
    let typed: StepInput = serde_json::from_value(input).expect("a typed step input");
    f.steps.run(typed).await
}

fn input(step: &str, b: &SagaBooking) -> Value {
    json!({"step": step, "booking": b})
}

#[tokio::test]
async fn reserve_and_release_are_idempotent_and_the_last_crew_is_refused() {
    let f = fixture(3).await;
    let (a, b) = (saga_booking("bkg_a", 2, "tok_visa"), saga_booking("bkg_b", 2, "tok_visa"));
    stored(&f, &a).await;
    stored(&f, &b).await;
    run(&f, input("reserve_crew", &a)).await.unwrap();
    run(&f, input("reserve_crew", &a)).await.unwrap();
    assert_eq!(f.capacity.get(&a.move_date.to_string()).await.unwrap().reserved(), 2, "reserved once");

    let refused = run(&f, input("reserve_crew", &b)).await.unwrap_err();
    assert_eq!(refused.error_type, "NoCrewAvailable");
    assert!(refused.message.contains("2 of 3"), "{refused}");

    let failure = json!({"Error": "PaymentDeclined", "Cause": "declined"});
    let release = json!({"step": "release_crew", "booking": a, "failure": failure});
    assert_eq!(run(&f, release.clone()).await.unwrap().outcome, "crew released");
    assert_eq!(run(&f, release).await.unwrap().outcome, "no crew was held");
    assert_eq!(f.capacity.get(&a.move_date.to_string()).await.unwrap().reserved(), 0);
    let booking = f.steps.bookings.get("bkg_a").await.unwrap().unwrap();
    let names: Vec<_> = booking.steps.iter().map(|s| format!("{}:{}", s.name, s.status)).collect();
    assert_eq!(names, ["reserve_crew:done", "verify_addresses:failed", "release_crew:done"]);
}

#[tokio::test]
async fn charge_and_refund_happen_once_and_the_sandbox_cards_behave() {
    let f = fixture(10).await;
    let visa = saga_booking("bkg_visa", 1, "tok_visa");
    stored(&f, &visa).await;
    run(&f, input("charge_deposit", &visa)).await.unwrap();
    run(&f, input("charge_deposit", &visa)).await.unwrap();
    let charge = f.payments.charge_of("bkg_visa").await.unwrap().unwrap();
    assert_eq!((charge.status, charge.amount_cents), (ChargeStatus::Captured, 5_000));

    let failure = json!({"Error": "ConfirmationCancelled", "Cause": "cancelled by usr_1"});
    let refund = json!({"step": "refund_deposit", "booking": visa, "failure": failure});
    assert_eq!(run(&f, refund.clone()).await.unwrap().outcome, "Refunded");
    assert_eq!(run(&f, refund).await.unwrap().outcome, "AlreadyRefunded");
    assert_eq!(f.payments.charge_of("bkg_visa").await.unwrap().unwrap().status, ChargeStatus::Refunded);

    let declined = saga_booking("bkg_decline", 1, "tok_decline");
    stored(&f, &declined).await;
    assert_eq!(run(&f, input("charge_deposit", &declined)).await.unwrap_err().error_type, "PaymentDeclined");
    assert_eq!(f.payments.charge_of("bkg_decline").await.unwrap(), None);

    let slow = saga_booking("bkg_timeout", 1, "tok_timeout");
    stored(&f, &slow).await;
    assert_eq!(run(&f, input("charge_deposit", &slow)).await.unwrap_err().error_type, "PaymentTimeout");
    assert_eq!(
        f.payments.charge_of("bkg_timeout").await.unwrap().unwrap().status,
        ChargeStatus::Captured,
        "ambiguous: captured"
    );
}

#[tokio::test]
async fn verify_address_asks_the_addressing_service_with_the_token_or_fails_the_token() {
    let f = fixture(10).await;
    let b = saga_booking("bkg_v", 1, "tok_visa");
    stored(&f, &b).await;
    let unknown = json!({"step": "verify_address", "booking": b, "address": "from", "task_token": "tok-1"});
    run(&f, unknown).await.unwrap();
    assert!(f.publisher.sent().is_empty());
    match &f.callbacks.seen()[..] {
        [RecordedCallback::Failure(token, error, cause)] => {
            assert_eq!((token.as_str(), error.as_str()), ("tok-1", "AddressRejected"));
            assert!(cause.contains("no `from` address"), "{cause}");
        }
        other => panic!("expected one failure, got {other:?}"),
    }

    let submitted = PostalAddress {
        line1: "1 Main St".into(),
        city: "Springfield".into(),
        state: "IL".into(),
        zip: "62701".into(),
        line2: None,
    };
    let mover = MoverView {
        id: "mov_1".into(),
        version: 1,
        owner_sub: "usr_1".into(),
        name: "Ada".into(),
        email: None,
        email_verified: false,
        phone: None,
        move_date: None,
        from_address: Some(AddressState {
            status: AddressStatus::Pending,
            submitted: submitted.clone(),
            address_id: None,
            normalized: None,
            reasons: None,
        }),
        to_address: None,
    };
    assert!(f.steps.movers.apply(&mover).await.unwrap());
    assert!(!f.steps.movers.apply(&mover).await.unwrap(), "an equal version is not applied again");
    run(&f, json!({"step": "verify_address", "booking": b, "address": "from", "task_token": "tok-2"})).await.unwrap();
    let sent = f.publisher.sent();
    assert_eq!(sent.len(), 1);
    let task = &sent[0].envelope;
    assert_eq!(task.name.as_str(), "addressing.address.reconcile");
    assert_eq!(task.task_token.as_deref(), Some("tok-2"));
    assert_eq!(task.correlation_id, "bkg_v");
    assert_eq!(task.data["ref"], "bkg_v:from");
    assert_eq!(task.data["address"]["line1"], "1 Main St");

    // The bus fails twice: the waiting step retries in-process rather than fail a
    // state that would otherwise wait for its whole timeout; the ask keeps one id.
    f.publisher.fail_next(2);
    let retried = json!({"step": "verify_address", "booking": b, "address": "from", "task_token": "tok-3"});
    run(&f, retried.clone()).await.expect("asked despite two failed publications");
    run(&f, retried).await.expect("asked again");
    let asks: Vec<_> = f.publisher.sent()[1..].iter().map(|m| (m.envelope.id, m.envelope.task_token.clone())).collect();
    assert_eq!(asks.len(), 2);
    assert_eq!(asks[0], asks[1], "the same ask, dropped as a copy by the addressing service");
    assert_eq!(asks[0].1.as_deref(), Some("tok-3"));
    assert_ne!(asks[0].0, sent[0].envelope.id, "another token, another ask");
    assert_eq!(f.callbacks.seen().len(), 1, "only the first (addressless) token was failed");
}

#[tokio::test]
async fn cancel_names_the_failure_and_publishes_one_message_id() {
    let f = fixture(10).await;
    let b = saga_booking("bkg_c", 1, "tok_visa");
    stored(&f, &b).await;
    run(&f, input("reserve_crew", &b)).await.unwrap();
    run(&f, input("charge_deposit", &b)).await.unwrap();
    run(&f, json!({"step": "await_confirmation", "booking": b, "task_token": "tok-wait"})).await.unwrap();
    let waiting = f.steps.bookings.get("bkg_c").await.unwrap().unwrap();
    assert_eq!(
        (waiting.status, waiting.task_token.as_deref()),
        (BookingStatus::AwaitingConfirmation, Some("tok-wait"))
    );

    let cancel = json!({"step": "cancel_booking", "booking": b,
        "failure": {"Error": "States.Timeout", "Cause": "Task timed out waiting for callback"}});
    run(&f, cancel.clone()).await.unwrap();
    run(&f, cancel).await.unwrap();
    let cancelled = f.steps.bookings.get("bkg_c").await.unwrap().unwrap();
    assert_eq!(cancelled.status, BookingStatus::Cancelled);
    assert_eq!(cancelled.error.as_deref(), Some("ConfirmationTimedOut"));
    assert_eq!(cancelled.task_token, None);
    let sent = f.publisher.sent();
    assert_eq!(sent.len(), 2, "published by each run");
    assert_eq!(sent[0].envelope.id, sent[1].envelope.id, "with one message id, so consumers handle it once");
    assert_eq!(sent[0].envelope.name.as_str(), "move.cancelled");
    assert_eq!(sent[0].envelope.data["error"], "ConfirmationTimedOut");
}

#[tokio::test]
async fn a_step_for_a_missing_booking_or_an_unknown_step_is_refused() {
    let f = fixture(10).await;
    let ghost = saga_booking("bkg_ghost", 1, "tok_visa");
    let err = run(&f, input("reserve_crew", &ghost)).await.unwrap_err();
    assert_eq!(err.error_type, "BookingNotFound");
    assert!(serde_json::from_value::<StepInput>(json!({"step": "teleport", "booking": ghost})).is_err());
}

/// A provider whose charge is held on its way (after the step asked for it, before
/// the capture), so a test can run the refund in between: the race of a late charge.
struct HeldCharge {
    sandbox: SandboxPayments,
    started: tokio::sync::Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
    release: tokio::sync::Mutex<Option<tokio::sync::oneshot::Receiver<()>>>,
}

#[async_trait::async_trait]
impl PaymentProvider for HeldCharge {
    async fn charge(&self, key: &str, amount_cents: u64, card_token: &str) -> Result<Charge, MovesError> {
        if let Some(started) = self.started.lock().await.take() {
            started.send(()).unwrap();
            self.release.lock().await.take().unwrap().await.unwrap();
        }
        self.sandbox.charge(key, amount_cents, card_token).await
    }

    async fn refund(&self, key: &str) -> Result<Refund, MovesError> {
        self.sandbox.refund(key).await
    }
}

#[tokio::test]
async fn a_charge_that_lands_after_its_refund_is_refunded() {
    let f = fixture(10).await;
    let (started_tx, started_rx) = tokio::sync::oneshot::channel();
    let (release_tx, release_rx) = tokio::sync::oneshot::channel();
    let held = HeldCharge {
        sandbox: f.payments.clone(),
        started: tokio::sync::Mutex::new(Some(started_tx)),
        release: tokio::sync::Mutex::new(Some(release_rx)),
    };
    let steps = Arc::new(Steps {
        bookings: f.steps.bookings.clone(),
        capacity: f.capacity.clone(),
        payments: Arc::new(held),
        movers: f.steps.movers.clone(),
        publisher: f.publisher.clone(),
        callbacks: f.callbacks.clone(),
        persistence: Persistence::default(),
    });
    let late = saga_booking("bkg_late", 1, "tok_visa");
    stored(&f, &late).await;

    // The charge is asked for, and stays on its way...
    let charging = {
        let (steps, late) = (steps.clone(), late.clone());
        tokio::spawn(async move { steps.run(serde_json::from_value(input("charge_deposit", &late)).unwrap()).await })
    };
    started_rx.await.unwrap();
    // ...while the saga, having given up on it, runs the refund: nothing is charged yet.
    let failure = json!({"Error": "States.Timeout", "Cause": "the charge took too long"});
    let refund = run(&f, json!({"step": "refund_deposit", "booking": late, "failure": failure})).await.unwrap();
    assert_eq!(refund.outcome, "NothingCharged");
    assert_eq!(f.payments.charge_of("bkg_late").await.unwrap(), None);

    // Then the charge lands: it sees the void and refunds itself.
    release_tx.send(()).unwrap();
    let landed = charging.await.unwrap().unwrap_err();
    assert_eq!(landed.error_type, "DepositVoided", "{landed}");
    let charge = f.payments.charge_of("bkg_late").await.unwrap().expect("the late charge was captured");
    assert_eq!(charge.status, ChargeStatus::Refunded, "no deposit is kept on a cancelled booking: {charge:?}");

    // And a charge asked for after the refund charges nothing at all.
    let again = run(&f, input("charge_deposit", &late)).await.unwrap_err();
    assert_eq!(again.error_type, "DepositVoided");
    assert_eq!(f.payments.charge_of("bkg_late").await.unwrap().unwrap().status, ChargeStatus::Refunded);
}
