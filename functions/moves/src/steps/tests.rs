//! Every step and compensation, given a booking in memory, when the step runs (and
//! runs again, as Step Functions retries it), then the booking, the crew ledger,
//! the payments and the bus show exactly one effect.
use std::sync::Arc;
use std::time::Duration;

use platform::bus::RecordingPublisher;
use platform::saga::{Persistence, RecordedCallback, RecordingCallbacks, StepError};
use platform_messages::contracts::addressing::PostalAddress;
use platform_messages::contracts::movers::{AddressState, AddressStatus, MoverView};
use platform_messages::dates::CalendarDate;

use super::*;
use crate::booking::{BookingRequest, BookingStatus, Deposit, DepositRequest};
use crate::error::MovesError;
use crate::payments::ChargeStatus;
use crate::ports::memory::{MemoryBookings, MemoryCrew, MemoryMovers, MemoryPayments};
use crate::saga_error::SagaError;

struct World {
    steps: Steps<MemoryBookings, MemoryCrew, MemoryMovers>,
    payments: Arc<MemoryPayments>,
    publisher: Arc<RecordingPublisher>,
    callbacks: Arc<RecordingCallbacks>,
}

/// A waiting step's retries, in milliseconds: at most 5 attempts.
fn quick_retries() -> Persistence {
    Persistence {
        first_pause: Duration::from_millis(1),
        max_pause: Duration::from_millis(4),
        reserve: Duration::ZERO,
        max_attempts: 5,
    }
}

/// A world with `crew` crew members a date and one pending booking, `bkg_1`, of 2.
fn given_a_pending_booking(crew: u32) -> (World, SagaBooking) {
    let payments = Arc::new(MemoryPayments::default());
    let publisher = Arc::new(RecordingPublisher::default());
    let callbacks = Arc::new(RecordingCallbacks::default());
    let steps = Steps {
        bookings: MemoryBookings::default(),
        capacity: MemoryCrew::new(crew),
        payments: payments.clone(),
        movers: MemoryMovers::default(),
        publisher: publisher.clone(),
        callbacks: callbacks.clone(),
        persistence: quick_retries(),
    };
    let request = BookingRequest {
        mover_id: "mov_1".into(),
        move_date: CalendarDate::parse("2031-05-02").unwrap(),
        crew_size: 2,
        deposit: DepositRequest { amount_cents: None, card_token: "tok_visa".into() },
    };
    let deposit = Deposit { amount_cents: 12_000, card_token: "tok_visa".into() };
    steps.bookings.put(Booking::pending("bkg_1".into(), &request, &deposit, &"usr_1".into(), Some("a@b.co")));
    let saga = SagaBooking {
        booking_id: "bkg_1".into(),
        mover_id: "mov_1".into(),
        owner_sub: "usr_1".into(),
        move_date: CalendarDate::parse("2031-05-02").unwrap(),
        crew_size: 2,
        deposit,
        traceparent: None,
    }
    .in_trace(platform_messages::Trace::start());
    (World { steps, payments, publisher, callbacks }, saga)
}

impl World {
    async fn booking(&self) -> Booking {
        self.steps.bookings.get("bkg_1").await.unwrap().expect("bkg_1")
    }

    async fn log(&self) -> Vec<String> {
        self.booking().await.steps.iter().map(|s| format!("{}:{}", s.name, s.status)).collect()
    }

    fn sent(&self) -> Vec<(String, uuid::Uuid)> {
        self.publisher.sent().iter().map(|m| (m.envelope.name.to_string(), m.envelope.id)).collect()
    }
}

fn failure(error: &str) -> Failure {
    Failure { error: error.into(), cause: r#"{"errorType":"X","errorMessage":"why it failed"}"#.into() }
}

fn business_name(result: Result<StepDone, StepError>) -> String {
    result.expect_err("a business error").error_type
}

fn mover(from: Option<&str>) -> MoverView {
    let state = |line1: &str| AddressState {
        status: AddressStatus::Reconciled,
        submitted: PostalAddress {
            line1: line1.into(),
            line2: None,
            city: "Springfield".into(),
            state: "IL".into(),
            zip: "62701".into(),
        },
        address_id: None,
        normalized: None,
        reasons: None,
    };
    serde_json::from_value(serde_json::json!({
        "id": "mov_1", "version": 1, "owner_sub": "usr_1", "name": "Ada", "email_verified": false,
        "from_address": from.map(state), "to_address": state("2 Elm St"),
    }))
    .expect("a mover view")
}

#[tokio::test]
async fn reserve_crew_holds_the_crew_once_however_often_it_runs() {
    let (w, b) = given_a_pending_booking(4);
    for _ in 0..3 {
        w.steps.run(StepInput::ReserveCrew { booking: b.clone() }).await.unwrap();
    }
    assert_eq!(w.steps.capacity.holders("2031-05-02").get("bkg_1"), Some(&2));
    assert_eq!(w.log().await, ["reserve_crew:done"]);
}

#[tokio::test]
async fn reserve_crew_without_enough_crew_fails_by_name_and_holds_nothing() {
    let (w, b) = given_a_pending_booking(1);
    let error = business_name(w.steps.run(StepInput::ReserveCrew { booking: b }).await);
    assert_eq!(error, SagaError::NoCrewAvailable.name());
    assert!(w.steps.capacity.holders("2031-05-02").is_empty());
    assert!(w.log().await.is_empty());
}

#[tokio::test]
async fn release_crew_lets_the_crew_go_once_and_logs_the_failed_step_before_it() {
    let (w, b) = given_a_pending_booking(4);
    w.steps.run(StepInput::ReserveCrew { booking: b.clone() }).await.unwrap();
    let release = || StepInput::ReleaseCrew { booking: b.clone(), failure: failure("PaymentDeclined") };
    assert_eq!(w.steps.run(release()).await.unwrap().outcome, "crew released");
    assert_eq!(w.steps.run(release()).await.unwrap().outcome, "no crew was held");
    assert!(w.steps.capacity.holders("2031-05-02").is_empty());
    assert_eq!(w.log().await, ["reserve_crew:done", "verify_addresses:failed", "release_crew:done"]);
}

#[tokio::test]
async fn verify_address_asks_the_addressing_service_with_the_waiting_token() {
    let (w, b) = given_a_pending_booking(4);
    w.steps.movers.put(mover(Some("1 Main St")));
    let verify = StepInput::VerifyAddress { booking: b.clone(), address: Which::From, task_token: "tok-1".into() };
    w.steps.run(verify).await.unwrap();
    let sent = w.publisher.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].envelope.name.as_str(), "addressing.address.reconcile");
    assert_eq!(sent[0].envelope.task_token.as_deref(), Some("tok-1"));
    assert_eq!(sent[0].envelope.correlation_id, "bkg_1");
    assert_eq!(sent[0].envelope.data["ref"], "bkg_1:from");
    assert_eq!(sent[0].trace, b.trace(), "the ask continues the booking's trace");
    assert!(w.callbacks.seen().is_empty(), "the addressing service answers, not the step");
}

#[tokio::test]
async fn verify_address_rides_out_a_failing_bus_and_asks_again_under_the_same_id() {
    let (w, b) = given_a_pending_booking(4);
    w.steps.movers.put(mover(Some("1 Main St")));
    let verify = || StepInput::VerifyAddress { booking: b.clone(), address: Which::From, task_token: "tok-1".into() };
    w.publisher.fail_next(3);
    w.steps.run(verify()).await.expect("asked on the fourth try");
    w.steps.run(verify()).await.expect("asked again (a retried invocation)");
    let sent = w.sent();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0], sent[1], "one id: the copy is dropped");
    assert!(w.callbacks.seen().is_empty(), "the waiting state is not failed");
}

#[tokio::test]
async fn different_asks_under_one_token_have_ids_of_their_own() {
    let (w, b) = given_a_pending_booking(4);
    let mut both = mover(Some("1 Main St"));
    both.to_address = both.from_address.clone();
    w.steps.movers.put(both);
    for address in [Which::From, Which::To] {
        let verify = StepInput::VerifyAddress { booking: b.clone(), address, task_token: "tok-1".into() };
        w.steps.run(verify).await.unwrap();
    }
    let sent = w.sent();
    assert_eq!(sent.len(), 2);
    assert_ne!(sent[0].1, sent[1].1, "the `from` and `to` asks are two messages, not one id reused");
}

#[tokio::test]
async fn a_waiting_step_whose_bus_stays_down_hands_a_transient_failure_to_the_state() {
    let (w, b) = given_a_pending_booking(4);
    w.steps.movers.put(mover(Some("1 Main St")));
    w.publisher.set_failing(true);
    let verify = StepInput::VerifyAddress { booking: b, address: Which::From, task_token: "tok-1".into() };
    let error = w.steps.run(verify).await.expect_err("the bus is down");
    assert!(error.is_transient(), "{error}");
    assert!(w.publisher.sent().is_empty() && w.callbacks.seen().is_empty());
}

#[tokio::test]
async fn verify_address_of_a_missing_address_fails_the_waiting_state_at_once() {
    let (w, b) = given_a_pending_booking(4);
    w.steps.movers.put(mover(None));
    let verify = StepInput::VerifyAddress { booking: b, address: Which::From, task_token: "tok-1".into() };
    w.steps.run(verify).await.unwrap();
    assert!(w.publisher.sent().is_empty(), "nothing to reconcile");
    match w.callbacks.seen().as_slice() {
        [RecordedCallback::Failure(token, error, _)] => {
            assert_eq!((token.as_str(), error.as_str()), ("tok-1", SagaError::AddressRejected.name()));
        }
        other => panic!("one failure expected: {other:?}"),
    }
}

#[tokio::test]
async fn charge_deposit_charges_once_and_records_both_verifications_and_the_charge() {
    let (w, b) = given_a_pending_booking(4);
    for _ in 0..2 {
        w.steps.run(StepInput::ChargeDeposit { booking: b.clone() }).await.unwrap();
    }
    let charge = w.payments.charge_of("bkg_1").expect("charged");
    assert_eq!((charge.amount_cents, charge.status), (12_000, ChargeStatus::Captured));
    assert_eq!(w.log().await, ["verify_addresses:done", "charge_deposit:done"]);
}

#[tokio::test]
async fn a_declined_or_unanswered_charge_fails_by_name_and_a_provider_outage_is_transient() {
    let (w, b) = given_a_pending_booking(4);
    let charge = || StepInput::ChargeDeposit { booking: b.clone() };
    w.payments.fail_next(MovesError::PaymentDeclined("no".into()));
    assert_eq!(business_name(w.steps.run(charge()).await), SagaError::PaymentDeclined.name());
    w.payments.fail_next(MovesError::PaymentUnavailable("down".into()));
    assert_eq!(business_name(w.steps.run(charge()).await), "Transient");
    w.payments.fail_next(MovesError::PaymentTimeout(Duration::from_secs(1)));
    assert_eq!(business_name(w.steps.run(charge()).await), SagaError::PaymentTimeout.name());
    assert_eq!(w.payments.charge_of("bkg_1").map(|c| c.status), Some(ChargeStatus::Captured), "a timeout may charge");
    assert!(!w.log().await.contains(&"charge_deposit:done".to_owned()));
}

#[tokio::test]
async fn refund_deposit_voids_then_refunds_once_and_a_late_charge_is_not_kept() {
    let (w, b) = given_a_pending_booking(4);
    w.steps.run(StepInput::ReserveCrew { booking: b.clone() }).await.unwrap();
    w.steps.run(StepInput::ChargeDeposit { booking: b.clone() }).await.unwrap();
    let refund = || StepInput::RefundDeposit { booking: b.clone(), failure: failure("States.Timeout") };
    assert_eq!(w.steps.run(refund()).await.unwrap().outcome, "Refunded");
    assert_eq!(w.steps.run(refund()).await.unwrap().outcome, "AlreadyRefunded");
    assert_eq!(w.payments.charge_of("bkg_1").unwrap().status, ChargeStatus::Refunded);
    assert!(w.booking().await.deposit_voided);
    let log = ["reserve_crew:done", "verify_addresses:done", "charge_deposit:done", "await_confirmation:failed"];
    assert_eq!(w.log().await, [&log[..], &["refund_deposit:done"]].concat());

    // A charge step that runs after the refund (a retry arriving late) charges nothing.
    let calls = w.payments.charge_calls();
    let late = w.steps.run(StepInput::ChargeDeposit { booking: b.clone() }).await;
    assert_eq!(business_name(late), SagaError::DepositVoided.name());
    assert_eq!(w.payments.charge_calls(), calls, "the provider was not asked");
}

#[tokio::test]
async fn await_confirmation_keeps_the_token_and_confirm_booking_books_and_announces_once() {
    let (w, b) = given_a_pending_booking(4);
    let wait = StepInput::AwaitConfirmation { booking: b.clone(), task_token: "tok-9".into() };
    w.steps.run(wait).await.unwrap();
    let waiting = w.booking().await;
    assert_eq!((waiting.status, waiting.task_token.as_deref()), (BookingStatus::AwaitingConfirmation, Some("tok-9")));

    for _ in 0..2 {
        w.steps.run(StepInput::ConfirmBooking { booking: b.clone() }).await.unwrap();
    }
    let booked = w.booking().await;
    assert_eq!((booked.status, booked.task_token), (BookingStatus::Booked, None));
    let sent = w.sent();
    assert_eq!(sent.len(), 2, "published on each run: {sent:?}");
    assert!(sent.iter().all(|m| *m == sent[0]) && sent[0].0 == "move.booked", "one id, so consumers drop the copy");
    let traces: Vec<_> = w.publisher.sent().iter().map(|m| m.trace).collect();
    assert!(b.trace().is_some() && traces.iter().all(|t| *t == b.trace()), "in the booking's trace: {traces:?}");
    assert_eq!(w.log().await, ["await_confirmation:done", "confirm_booking:done"]);
}

#[tokio::test]
async fn await_confirmation_rides_out_a_throttled_table() {
    let (w, b) = given_a_pending_booking(4);
    w.steps.bookings.fail_next_edits(4);
    let wait = StepInput::AwaitConfirmation { booking: b, task_token: "tok-9".into() };
    w.steps.run(wait).await.expect("stored on the fifth try");
    let waiting = w.booking().await;
    assert_eq!((waiting.status, waiting.task_token.as_deref()), (BookingStatus::AwaitingConfirmation, Some("tok-9")));
}

#[tokio::test]
async fn a_booked_booking_is_not_put_back_to_waiting() {
    let (w, b) = given_a_pending_booking(4);
    w.steps.run(StepInput::ConfirmBooking { booking: b.clone() }).await.unwrap();
    w.steps.run(StepInput::AwaitConfirmation { booking: b, task_token: "late".into() }).await.unwrap();
    let booking = w.booking().await;
    assert_eq!((booking.status, booking.task_token), (BookingStatus::Booked, None));
}

#[tokio::test]
async fn cancel_booking_names_the_error_after_the_step_that_failed_and_announces_once() {
    let (w, b) = given_a_pending_booking(4);
    w.steps.run(StepInput::ReserveCrew { booking: b.clone() }).await.unwrap();
    w.steps.run(StepInput::ChargeDeposit { booking: b.clone() }).await.unwrap();
    let cancel = || StepInput::CancelBooking { booking: b.clone(), failure: failure("States.Timeout") };
    for _ in 0..2 {
        w.steps.run(cancel()).await.unwrap();
    }
    let cancelled = w.booking().await;
    assert_eq!(cancelled.status, BookingStatus::Cancelled);
    assert_eq!(cancelled.error.as_deref(), Some("ConfirmationTimedOut"));
    assert_eq!(cancelled.reason.as_deref(), Some("why it failed"));
    let sent = w.sent();
    assert!(sent.len() == 2 && sent[0] == sent[1] && sent[0].0 == "move.cancelled", "{sent:?}");
    assert_eq!(w.log().await.last().map(String::as_str), Some("await_confirmation:failed"));
}

#[tokio::test]
async fn flag_compensation_failed_marks_the_booking_for_an_operator() {
    let (w, b) = given_a_pending_booking(4);
    let flag = StepInput::FlagCompensationFailed { booking: b, compensation_failure: failure("Transient") };
    w.steps.run(flag).await.unwrap();
    let flagged = w.booking().await;
    assert_eq!((flagged.status, flagged.error.as_deref()), (BookingStatus::CompensationFailed, Some("Transient")));
}

#[tokio::test]
async fn a_step_of_a_booking_that_does_not_exist_fails_by_name() {
    let (w, mut b) = given_a_pending_booking(4);
    b.booking_id = "bkg_missing".into();
    let error = business_name(w.steps.run(StepInput::ChargeDeposit { booking: b }).await);
    assert_eq!(error, SagaError::BookingNotFound.name());
    assert_eq!(w.payments.charge_calls(), 0);
}
