//! The move-booking saga on the deployed local stack (Step Functions, the step
//! Lambda, the addressing service through the bus, the sandbox payment provider):
//! the happy path, a failure at each step with exactly its compensations, the last
//! crew raced for, and replayed requests. Timings are printed for the closing note.
use std::time::{Duration, Instant};

use platform_testkit::Probe;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use stack_tests::moves::*;
use stack_tests::{Api, PASSWORD, stack};

const SETTLE: Duration = Duration::from_secs(45);

/// The step log of a booking whose confirmation never came (cancel or timeout).
const WAITED_THEN_COMPENSATED: [&str; 6] = [
    "reserve_crew:done",
    "verify_addresses:done",
    "charge_deposit:done",
    "await_confirmation:failed",
    "refund_deposit:done",
    "release_crew:done",
];

struct Booking {
    id: String,
    date: String,
    started: Instant,
}

/// Logs in as the local mover, creates a mover and books it with `card` on a fresh date.
async fn start(api: &Api, rejected_to: bool, crew: u32, card: &str) -> (String, Booking) {
    let token = api.fresh_user("Booker").await;
    let mover = create_mover(api, &token, rejected_to).await;
    let date = unique_date();
    let started = Instant::now();
    let (status, body) =
        book(api, &token, &uuid::Uuid::new_v4().to_string(), &request(&mover, &date, crew, card)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body["status"], "pending");
    let id = body["booking_id"].as_str().unwrap().to_owned();
    (token, Booking { id, date, started })
}

/// Asserts a cancelled booking: the error, the recorded steps, the compensations
/// entered exactly once each (and no others), crew and payment back to nothing.
async fn assert_cancelled(
    api: &Api,
    b: &Booking,
    booking: &Value,
    error: &str,
    expect_steps: &[&str],
    compensations: &[&str],
) {
    let stack = stack().await;
    assert_eq!(booking["status"], "cancelled", "{booking}");
    assert_eq!(booking["error"], error, "{booking}");
    assert!(!booking["reason"].as_str().unwrap_or("").is_empty(), "{booking}");
    assert_eq!(steps(booking), expect_steps, "{booking}");
    let (status, states) = execution_ended(&stack, &b.id, Duration::from_secs(10)).await;
    assert_eq!(status, "SUCCEEDED", "{states:?}");
    for c in ["RefundDeposit", "ReleaseCrew"] {
        let want = usize::from(compensations.contains(&c));
        assert_eq!(entered(&states, c), want, "{c} in {states:?}");
    }
    assert_eq!(entered(&states, "CancelBooking"), 1, "{states:?}");
    assert_eq!(states.last().map(String::as_str), Some("Cancelled"));
    let system = api.login("system@updater.local", PASSWORD).await;
    assert_eq!(reserved(api, &system, &b.date).await, 0, "crew capacity back where it was");
    let emails = wait_email(&stack, booking["contact_email"].as_str().unwrap(), "was cancelled").await;
    assert_eq!(emails.len(), 1, "{emails:?}");
    assert!(emails[0].1.contains(&b.id), "{emails:?}");
    let charge = charge_status(&stack, &b.id).await;
    assert!(matches!(charge.as_deref(), None | Some("refunded")), "payment back where it was: {charge:?}");
    eprintln!("{error}: {} cancelled after {:?}; states {states:?}", b.id, b.started.elapsed());
}

#[tokio::test]
async fn happy_path_books_the_move_publishes_move_booked_and_keeps_the_crew_and_the_charge() {
    let stack = stack().await;
    let mut probe = Probe::subscribe(&stack, stack.output("EventsTopicArn").unwrap()).await.unwrap();
    let api = Api::new(&stack);
    let (token, b) = start(&api, false, 2, "tok_visa").await;

    let waiting = wait_status(&api, &token, &b.id, &["awaiting_confirmation", "cancelled"], SETTLE).await;
    let to_waiting = b.started.elapsed();
    assert_eq!(steps(&waiting), ["reserve_crew:done", "verify_addresses:done", "charge_deposit:done"], "{waiting}");
    let confirmed_at = Instant::now();
    let (status, _, body) = api.send(Method::POST, &format!("/moves/{}/confirm", b.id), &token, None, &[]).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body["requested"], "confirm");
    let booked = wait_status(&api, &token, &b.id, &["booked", "cancelled"], SETTLE).await;
    let to_booked = confirmed_at.elapsed();
    assert_eq!(booked["status"], "booked", "{booked}");
    assert_eq!(
        steps(&booked),
        [
            "reserve_crew:done",
            "verify_addresses:done",
            "charge_deposit:done",
            "await_confirmation:done",
            "confirm_booking:done"
        ]
    );

    let event = probe
        .wait_for(Duration::from_secs(10), |r| {
            r.envelope.name.as_str() == "move.booked" && r.envelope.data["booking_id"] == b.id.as_str()
        })
        .await
        .unwrap();
    assert_eq!(event.envelope.data["crew_size"], 2);
    assert_eq!(event.envelope.correlation_id, b.id);
    let (status, states) = execution_ended(&stack, &b.id, Duration::from_secs(10)).await;
    assert_eq!(status, "SUCCEEDED");
    assert_eq!(
        states,
        ["ReserveCrew", "VerifyAddresses", "ChargeDeposit", "AwaitConfirmation", "ConfirmBooking", "Booked"]
    );
    let system = api.login("system@updater.local", PASSWORD).await;
    assert_eq!(reserved(&api, &system, &b.date).await, 2);
    assert_eq!(charge_status(&stack, &b.id).await.as_deref(), Some("captured"));
    let emails = wait_email(&stack, booked["contact_email"].as_str().unwrap(), "is booked").await;
    assert_eq!(emails.len(), 1, "{emails:?}");
    let cents = quote(&api, &token, &b.date, 2).await;
    let dollars = format!("${}.{:02}", cents / 100, cents % 100);
    assert!(emails[0].1.contains(&b.id) && emails[0].1.contains(&dollars), "{dollars}: {emails:?}");
    assert_eq!(charge_amount(&stack, &b.id).await, Some(cents), "the service's price was charged");
    // Confirming twice is refused: the saga no longer waits.
    let (status, _, body) = api.send(Method::POST, &format!("/moves/{}/confirm", b.id), &token, None, &[]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    eprintln!(
        "happy path: POST /moves -> awaiting_confirmation {to_waiting:?}; confirm -> booked {to_booked:?}; states {states:?}"
    );
    probe.close().await.unwrap();
}

#[tokio::test]
async fn no_crew_left_cancels_without_compensations() {
    let stack = stack().await;
    let api = Api::new(&stack);
    let system = api.login("system@updater.local", PASSWORD).await;
    let token = api.fresh_user("Booker").await;
    let mover = create_mover(&api, &token, false).await;
    let date = unique_date();
    let (status, _, c) = api
        .send(Method::PUT, &format!("/moves/capacity/{date}"), &system, Some(json!({"crew_capacity": 1})), &[])
        .await;
    assert_eq!(status, StatusCode::OK, "{c}");
    let started = Instant::now();
    let (status, body) =
        book(&api, &token, &uuid::Uuid::new_v4().to_string(), &request(&mover, &date, 2, "tok_visa")).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let b = Booking { id: body["booking_id"].as_str().unwrap().to_owned(), date, started };
    let done = wait_status(&api, &token, &b.id, &["cancelled", "awaiting_confirmation"], SETTLE).await;
    assert_cancelled(&api, &b, &done, "NoCrewAvailable", &["reserve_crew:failed"], &[]).await;
}

#[tokio::test]
async fn a_rejected_address_releases_the_crew() {
    let api = Api::new(&stack().await);
    let (token, b) = start(&api, true, 2, "tok_visa").await;
    let done = wait_status(&api, &token, &b.id, &["cancelled", "awaiting_confirmation"], SETTLE).await;
    assert_cancelled(
        &api,
        &b,
        &done,
        "AddressRejected",
        &["reserve_crew:done", "verify_addresses:failed", "release_crew:done"],
        &["ReleaseCrew"],
    )
    .await;
    assert!(done["reason"].as_str().unwrap().contains("ATLANTIS"), "{done}");
}

#[tokio::test]
async fn a_declined_card_releases_the_crew_and_charges_nothing() {
    let stack = stack().await;
    let api = Api::new(&stack);
    let (token, b) = start(&api, false, 1, "tok_decline").await;
    let done = wait_status(&api, &token, &b.id, &["cancelled", "awaiting_confirmation"], SETTLE).await;
    assert_cancelled(
        &api,
        &b,
        &done,
        "PaymentDeclined",
        &["reserve_crew:done", "verify_addresses:done", "charge_deposit:failed", "release_crew:done"],
        &["ReleaseCrew"],
    )
    .await;
    assert_eq!(charge_status(&stack, &b.id).await, None);
}

#[tokio::test]
async fn a_payment_timeout_refunds_the_ambiguous_charge_and_releases_the_crew() {
    let stack = stack().await;
    let api = Api::new(&stack);
    let (token, b) = start(&api, false, 1, "tok_timeout").await;
    let done = wait_status(&api, &token, &b.id, &["cancelled", "awaiting_confirmation"], SETTLE).await;
    assert_cancelled(
        &api,
        &b,
        &done,
        "PaymentTimeout",
        &[
            "reserve_crew:done",
            "verify_addresses:done",
            "charge_deposit:failed",
            "refund_deposit:done",
            "release_crew:done",
        ],
        &["RefundDeposit", "ReleaseCrew"],
    )
    .await;
    assert_eq!(charge_status(&stack, &b.id).await.as_deref(), Some("refunded"));
}

#[tokio::test]
async fn a_customer_cancel_refunds_and_releases() {
    let stack = stack().await;
    let api = Api::new(&stack);
    let (token, b) = start(&api, false, 3, "tok_visa").await;
    wait_status(&api, &token, &b.id, &["awaiting_confirmation"], SETTLE).await;
    let (status, _, body) = api.send(Method::POST, &format!("/moves/{}/cancel", b.id), &token, None, &[]).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let done = wait_status(&api, &token, &b.id, &["cancelled", "booked"], SETTLE).await;
    assert_cancelled(
        &api,
        &b,
        &done,
        "ConfirmationCancelled",
        &WAITED_THEN_COMPENSATED,
        &["RefundDeposit", "ReleaseCrew"],
    )
    .await;
    assert_eq!(charge_status(&stack, &b.id).await.as_deref(), Some("refunded"));
}

#[tokio::test]
async fn an_unconfirmed_booking_times_out_and_is_compensated() {
    let stack = stack().await;
    let api = Api::new(&stack);
    let (token, b) = start(&api, false, 1, "tok_visa").await;
    wait_status(&api, &token, &b.id, &["awaiting_confirmation"], SETTLE).await;
    let done = wait_status(&api, &token, &b.id, &["cancelled", "booked"], SETTLE).await;
    assert_cancelled(
        &api,
        &b,
        &done,
        "ConfirmationTimedOut",
        &WAITED_THEN_COMPENSATED,
        &["RefundDeposit", "ReleaseCrew"],
    )
    .await;
}

#[tokio::test]
async fn a_compensation_that_keeps_failing_fails_the_execution_and_flags_the_booking() {
    let stack = stack().await;
    let api = Api::new(&stack);
    let (token, b) = start(&api, false, 1, "tok_refund_fails").await;
    wait_status(&api, &token, &b.id, &["awaiting_confirmation"], SETTLE).await;
    let (status, _, body) = api.send(Method::POST, &format!("/moves/{}/cancel", b.id), &token, None, &[]).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let done = wait_status(&api, &token, &b.id, &["compensation_failed", "cancelled"], SETTLE).await;
    assert_eq!(done["status"], "compensation_failed", "{done}");
    let (status, states) = execution_ended(&stack, &b.id, Duration::from_secs(10)).await;
    assert_eq!(status, "FAILED", "{states:?}");
    assert_eq!(states.last().map(String::as_str), Some("CompensationFailed"), "{states:?}");
    assert_eq!(entered(&states, "CancelBooking"), 0, "never reported as a clean cancel: {states:?}");
    eprintln!("compensation failure: {} FAILED after {:?}; states {states:?}", b.id, b.started.elapsed());
}

#[tokio::test]
async fn two_bookings_racing_for_the_last_crew_one_wins() {
    let stack = stack().await;
    let api = Api::new(&stack);
    let system = api.login("system@updater.local", PASSWORD).await;
    let token = api.fresh_user("Booker").await;
    let (first, second) = (create_mover(&api, &token, false).await, create_mover(&api, &token, false).await);
    let date = unique_date();
    let (status, _, c) = api
        .send(Method::PUT, &format!("/moves/capacity/{date}"), &system, Some(json!({"crew_capacity": 3})), &[])
        .await;
    assert_eq!(status, StatusCode::OK, "{c}");
    let (key_a, key_b) = (uuid::Uuid::new_v4().to_string(), uuid::Uuid::new_v4().to_string());
    let (body_a, body_b) = (request(&first, &date, 2, "tok_visa"), request(&second, &date, 2, "tok_visa"));
    let (a, b) = tokio::join!(book(&api, &token, &key_a, &body_a), book(&api, &token, &key_b, &body_b));
    assert_eq!((a.0, b.0), (StatusCode::ACCEPTED, StatusCode::ACCEPTED), "{a:?} {b:?}");
    let mut outcomes = Vec::new();
    for answer in [a.1, b.1] {
        let id = answer["booking_id"].as_str().unwrap();
        let done = wait_status(&api, &token, id, &["awaiting_confirmation", "cancelled"], SETTLE).await;
        outcomes.push((done["status"].as_str().unwrap().to_owned(), done["error"].clone()));
    }
    outcomes.sort_by(|x, y| x.0.cmp(&y.0));
    assert_eq!(outcomes[0].0, "awaiting_confirmation", "{outcomes:?}");
    assert_eq!(outcomes[1], ("cancelled".to_owned(), json!("NoCrewAvailable")), "{outcomes:?}");
    assert_eq!(reserved(&api, &system, &date).await, 2, "only the winner holds crew");
}

#[tokio::test]
async fn the_same_idempotency_key_returns_the_same_booking_and_runs_one_saga() {
    let stack = stack().await;
    let api = Api::new(&stack);
    let token = api.fresh_user("Booker").await;
    let mover = create_mover(&api, &token, false).await;
    let key = uuid::Uuid::new_v4().to_string();
    let body = request(&mover, &unique_date(), 1, "tok_visa");
    let (s1, first) = book(&api, &token, &key, &body).await;
    let (s2, second) = book(&api, &token, &key, &body).await;
    assert_eq!((s1, s2), (StatusCode::ACCEPTED, StatusCode::ACCEPTED), "{first} {second}");
    assert_eq!(first["booking_id"], second["booking_id"]);
    let id = first["booking_id"].as_str().unwrap();

    let executions = stack
        .sfn()
        .list_executions()
        .state_machine_arn(stack.output("BookMoveStateMachineArn").unwrap())
        .max_results(1000)
        .send()
        .await
        .unwrap();
    let named: Vec<_> = executions.executions().iter().filter(|e| e.name() == id).collect();
    assert_eq!(named.len(), 1, "one execution named by the booking id");

    let mut other = body.clone();
    other["crew_size"] = json!(2);
    let (status, answer) = book(&api, &token, &key, &other).await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert!(answer["error"]["message"].as_str().unwrap().contains("Idempotency-Key"), "{answer}");
}

#[tokio::test]
async fn bad_requests_and_strangers_get_clear_4xx() {
    let stack = stack().await;
    let api = Api::new(&stack);
    let token = api.fresh_user("Booker").await;
    let mover = create_mover(&api, &token, false).await;
    let date = unique_date();
    let good = request(&mover, &date, 1, "tok_visa");

    let (status, _, body) = api.send(Method::POST, "/moves", &token, Some(good.clone()), &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("Idempotency-Key"), "{body}");
    for (field, value, fragment) in [
        ("crew_size", json!(0), "`crew_size`"),
        ("move_date", json!("2001-01-01"), "`move_date`"),
        ("mover_id", json!("someone"), "`mover_id`"),
    ] {
        let mut bad = good.clone();
        bad[field] = value;
        let (status, body) = book(&api, &token, "bad-1", &bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{field}: {body}");
        assert!(body["error"]["message"].as_str().unwrap().contains(fragment), "{body}");
    }

    // Another mover user may neither book for this mover nor see or resume its bookings.
    let email = format!("stranger-{}@example.com", uuid::Uuid::new_v4().simple());
    let (status, _) =
        api.post("/auth/signup", None, json!({"email": email, "password": "a-long-password", "name": "Eve"})).await;
    assert_eq!(status, StatusCode::CREATED);
    let stranger = api.login(&email, "a-long-password").await;
    let (status, body) = book(&api, &stranger, "eve-1", &good).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    let (status, booked) = book(&api, &token, &uuid::Uuid::new_v4().to_string(), &good).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{booked}");
    let id = booked["booking_id"].as_str().unwrap();
    let (status, _, _) = api.send(Method::GET, &format!("/moves/{id}"), &stranger, None, &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = api.send(Method::POST, &format!("/moves/{id}/cancel"), &stranger, None, &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A business user sees it without contact data; the owner with.
    let business = api.login("business@updater.local", PASSWORD).await;
    let (status, _, seen) = api.send(Method::GET, &format!("/moves/{id}"), &business, None, &[]).await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    assert!(seen.get("contact_email").is_none(), "{seen}");
    let (_, _, own) = api.send(Method::GET, &format!("/moves/{id}"), &token, None, &[]).await;
    assert!(own["contact_email"].as_str().unwrap().ends_with("@example.com"), "{own}");
    // A client reads in full but neither books nor resumes; a business user does not resume either.
    let client = api.login("client@updater.local", PASSWORD).await;
    let (status, _, read) = api.send(Method::GET, &format!("/moves/{id}"), &client, None, &[]).await;
    assert_eq!(status, StatusCode::OK, "{read}");
    assert!(read["contact_email"].is_string(), "{read}");
    let (status, body) = book(&api, &client, "client-1", &good).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    for who in [&client, &business] {
        let (status, _, _) = api.send(Method::POST, &format!("/moves/{id}/confirm"), who, None, &[]).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    // Only the system sets capacity; a booking not awaiting confirmation cannot be confirmed.
    let (status, _, _) =
        api.send(Method::PUT, &format!("/moves/capacity/{date}"), &token, Some(json!({"crew_capacity": 9})), &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = api.send(Method::GET, "/moves/bkg_missing", &token, None, &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_owner_holds_at_most_three_open_bookings_and_a_replay_still_answers() {
    let stack = stack().await;
    let api = Api::new(&stack);
    let token = api.fresh_user("Busy").await;
    let mover = create_mover(&api, &token, false).await;
    let mut open = Vec::new();
    for _ in 0..3 {
        let (key, body) = (uuid::Uuid::new_v4().to_string(), request(&mover, &unique_date(), 1, "tok_visa"));
        let (status, answer) = book(&api, &token, &key, &body).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
        open.push((key, body, answer["booking_id"].as_str().unwrap().to_owned()));
    }
    let (status, refused) =
        book(&api, &token, &uuid::Uuid::new_v4().to_string(), &request(&mover, &unique_date(), 1, "tok_visa")).await;
    assert_eq!(status, StatusCode::CONFLICT, "a fourth open booking: {refused}");
    assert!(refused["error"]["message"].as_str().unwrap().contains("3 bookings are already open"), "{refused}");

    // A replay of an open booking is answered, not refused.
    let (key, body, id) = &open[0];
    let (status, replayed) = book(&api, &token, key, body).await;
    assert_eq!((status, replayed["booking_id"].as_str()), (StatusCode::ACCEPTED, Some(id.as_str())), "{replayed}");
    let id = id.as_str();

    // Once one is cancelled, there is room again.
    let (status, _, body) = api.send(Method::POST, &format!("/moves/{id}/cancel"), &token, None, &[]).await;
    if status == StatusCode::CONFLICT {
        // Not yet waiting for confirmation: wait, then cancel.
        wait_status(&api, &token, id, &["awaiting_confirmation", "cancelled"], SETTLE).await;
        api.send(Method::POST, &format!("/moves/{id}/cancel"), &token, None, &[]).await;
    } else {
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    }
    wait_status(&api, &token, id, &["cancelled"], SETTLE).await;
    let (status, body) =
        book(&api, &token, &uuid::Uuid::new_v4().to_string(), &request(&mover, &unique_date(), 1, "tok_visa")).await;
    assert_eq!(status, StatusCode::ACCEPTED, "room after a cancellation: {body}");
}

/// A gradual deploy moves the saga with the rest: every step it calls is the steps
/// function's `live` alias, never the function itself (which would be `$LATEST`).
#[tokio::test]
async fn the_saga_calls_its_steps_through_the_live_alias() {
    let stack = stack().await;
    let machine = stack
        .sfn()
        .describe_state_machine()
        .state_machine_arn(stack.output("BookMoveStateMachineArn").unwrap())
        .send()
        .await
        .unwrap();
    let definition: serde_json::Value = serde_json::from_str(machine.definition()).unwrap();
    let mut functions = Vec::new();
    collect_function_names(&definition, &mut functions);
    assert!(!functions.is_empty(), "no Lambda step found in {definition}");
    for name in functions {
        assert!(name.contains(":function:") && name.ends_with(":live"), "a step calls {name}, not the live alias");
    }
}

fn collect_function_names(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(name) = map.get("FunctionName").and_then(serde_json::Value::as_str) {
                out.push(name.to_owned());
            }
            map.values().for_each(|v| collect_function_names(v, out));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_function_names(v, out)),
        _ => {}
    }
}
