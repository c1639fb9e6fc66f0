//! Helpers for the booking-saga tests: movers to book for, unique dates, bookings
//! followed until they settle, and the saga's execution history.
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_sfn::types::HistoryEventType;
use platform_testkit::Stack;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::Api;

/// A move date no other test uses (capacity is per date).
pub fn unique_date() -> String {
    let n = uuid::Uuid::new_v4().as_u128();
    format!("{}-{:02}-{:02}", 2100 + (n % 800), 1 + (n / 800) % 12, 1 + (n / 9600) % 28)
}

/// Creates a mover owned by `token`'s user, with its email proven (so that news
/// of its bookings are mailed); `rejected_to` gives it a destination the
/// addressing service rejects. Returns its id once the moves service knows it.
pub async fn create_mover(api: &Api, token: &str, rejected_to: bool) -> String {
    let number = 100 + (uuid::Uuid::new_v4().as_u128() % 9000) as u32;
    let to = if rejected_to {
        json!({"line1": "2 Nowhere Lane", "city": "Springfield", "state": "Atlantis", "zip": "1"})
    } else {
        json!({"line1": format!("{number} Elm Street"), "city": "Chicago", "state": "IL", "zip": "60601"})
    };
    let email = format!("ada.{}@example.com", uuid::Uuid::new_v4().simple());
    let body = json!({"name": "Ada Mover", "email": email,
        "from_address": {"line1": format!("{number} North Main Street"), "city": "Springfield", "state": "IL", "zip": "62701"},
        "to_address": to});
    let (status, _, mover) = api.send(Method::POST, "/movers", token, Some(body), &[]).await;
    assert_eq!(status, StatusCode::CREATED, "{mover}");
    let id = mover["id"].as_str().unwrap().to_owned();
    prove_email(api, token, &id, &email).await;
    id
}

/// The code of the last verification email to `email`.
pub async fn verification_code(stack: &Stack, email: &str) -> String {
    let emails = wait_email(stack, email, "verification code").await;
    let body = &emails.last().expect("a verification email").1;
    let code = body.split("code is ").nth(1).map(|rest| rest.chars().take_while(char::is_ascii_digit).collect());
    code.filter(|c: &String| c.len() == 6).unwrap_or_else(|| panic!("no code in {body}"))
}

/// Proves mover `id`'s email as its owner would (the code from the verification
/// email, confirmed through the API) and waits until the moves service knows it.
pub async fn prove_email(api: &Api, token: &str, id: &str, email: &str) {
    let stack = crate::stack().await;
    let code = verification_code(&stack, email).await;
    let path = format!("/movers/{id}/email/verify");
    let (status, _, proven) = api.send(Method::POST, &path, token, Some(json!({"code": code})), &[]).await;
    assert_eq!((status, proven["email_verified"].as_bool()), (StatusCode::OK, Some(true)), "{proven}");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let known = stack
            .dynamodb()
            .get_item()
            .table_name(stack.output("MovesTableName").unwrap())
            .key("pk", AttributeValue::S(format!("MOVER#{id}")))
            .key("sk", AttributeValue::S("MOVER".into()))
            .consistent_read(true)
            .send()
            .await
            .unwrap()
            .item
            .and_then(|i| i.get("email_verified").and_then(|v| v.as_bool().ok()).copied());
        if known == Some(true) {
            return;
        }
        assert!(Instant::now() < deadline, "the moves service never heard that {id}'s email is proven");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// `POST /moves`, retried while the moves service does not know the mover yet (it
/// learns of new movers from `mover.created`).
pub async fn book(api: &Api, token: &str, key: &str, body: &Value) -> (StatusCode, Value) {
    book_with_headers(api, token, &[("Idempotency-Key", key)], body).await
}

/// [`book`] with the request `headers` given (the `Idempotency-Key` among them).
pub async fn book_with_headers(api: &Api, token: &str, headers: &[(&str, &str)], body: &Value) -> (StatusCode, Value) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, _, answer) = api.send(Method::POST, "/moves", token, Some(body.clone()), headers).await;
        if status != StatusCode::NOT_FOUND || Instant::now() > deadline {
            return (status, answer);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A booking request body (the deposit's amount left to the service's price).
pub fn request(mover_id: &str, date: &str, crew_size: u32, card_token: &str) -> Value {
    json!({"mover_id": mover_id, "move_date": date, "crew_size": crew_size,
           "deposit": {"card_token": card_token}})
}

/// The deposit `GET /moves/quote` prices for a move, in cents.
pub async fn quote(api: &Api, token: &str, date: &str, crew_size: u32) -> u64 {
    let path = format!("/moves/quote?move_date={date}&crew_size={crew_size}");
    let (status, _, quote) = api.send(Method::GET, &path, token, None, &[]).await;
    assert_eq!(status, StatusCode::OK, "{quote}");
    assert_eq!(quote["currency"], "USD", "{quote}");
    quote["deposit_cents"].as_u64().expect("deposit_cents")
}

/// Reads the booking until its status is one of `statuses`.
pub async fn wait_status(api: &Api, token: &str, booking_id: &str, statuses: &[&str], timeout: Duration) -> Value {
    let deadline = Instant::now() + timeout;
    loop {
        let (status, _, booking) = api.send(Method::GET, &format!("/moves/{booking_id}"), token, None, &[]).await;
        assert_eq!(status, StatusCode::OK, "{booking}");
        if statuses.iter().any(|s| booking["status"] == *s) {
            return booking;
        }
        assert!(Instant::now() < deadline, "booking never reached {statuses:?}: {booking}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `name:status` of each recorded step, in order.
pub fn steps(booking: &Value) -> Vec<String> {
    booking["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| format!("{}:{}", s["name"].as_str().unwrap_or(""), s["status"].as_str().unwrap_or("")))
        .collect()
}

/// The saga's execution of a booking: its status and the states it entered, in order.
pub async fn execution(stack: &Stack, booking_id: &str) -> (String, Vec<String>) {
    let machine = stack.output("BookMoveStateMachineArn").unwrap();
    let arn = format!("{}:{booking_id}", machine.replace(":stateMachine:", ":execution:"));
    let sfn = stack.sfn();
    let described = sfn.describe_execution().execution_arn(&arn).send().await.unwrap();
    let history = sfn.get_execution_history().execution_arn(&arn).max_results(1000).send().await.unwrap();
    let entered = history
        .events()
        .iter()
        .filter(|e| {
            matches!(
                e.r#type(),
                HistoryEventType::TaskStateEntered
                    | HistoryEventType::ParallelStateEntered
                    | HistoryEventType::SucceedStateEntered
                    | HistoryEventType::FailStateEntered
            )
        })
        .filter_map(|e| e.state_entered_event_details().map(|d| d.name().to_owned()))
        .collect();
    (described.status().as_str().to_owned(), entered)
}

/// [`execution`] once the booking's execution has ended (or `RUNNING` after
/// `timeout`): a step that wrote the booking's last status still has to answer
/// before its execution moves on.
pub async fn execution_ended(stack: &Stack, booking_id: &str, timeout: Duration) -> (String, Vec<String>) {
    let deadline = Instant::now() + timeout;
    loop {
        let (status, states) = execution(stack, booking_id).await;
        if status != "RUNNING" || Instant::now() > deadline {
            return (status, states);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// How many times the saga entered `state`.
pub fn entered(states: &[String], state: &str) -> usize {
    states.iter().filter(|s| *s == state).count()
}

/// Crew members reserved on `date`, as the system sees it.
pub async fn reserved(api: &Api, system: &str, date: &str) -> u64 {
    let (status, _, c) = api.send(Method::GET, &format!("/moves/capacity/{date}"), system, None, &[]).await;
    assert_eq!(status, StatusCode::OK, "{c}");
    c["reserved"].as_u64().unwrap()
}

/// The sandbox payment provider's record of a booking's charge: its status
/// (`captured`, `refunded`), or `None` when nothing was charged.
pub async fn charge_status(stack: &Stack, booking_id: &str) -> Option<String> {
    charge(stack, booking_id).await?.get("status").and_then(|s| s.as_s().ok()).cloned()
}

/// The amount, in cents, the sandbox provider charged for a booking.
pub async fn charge_amount(stack: &Stack, booking_id: &str) -> Option<u64> {
    charge(stack, booking_id).await?.get("amount_cents").and_then(|s| s.as_n().ok()).and_then(|n| n.parse().ok())
}

async fn charge(stack: &Stack, booking_id: &str) -> Option<std::collections::HashMap<String, AttributeValue>> {
    stack
        .dynamodb()
        .get_item()
        .table_name(stack.output("MovesTableName").unwrap())
        .key("pk", AttributeValue::S(format!("PAYMENT#{booking_id}")))
        .key("sk", AttributeValue::S("CHARGE".into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
}

/// The emails the emulator's SES accepted for `to` (ministack's inspection
/// endpoint `/_ministack/ses/messages`): `(subject, body)` pairs, oldest first.
pub async fn emails_to(stack: &Stack, to: &str) -> Vec<(String, String)> {
    let endpoint = stack.endpoint().expect("AWS_ENDPOINT_URL is set by cargo xtask test");
    let all: Value = reqwest::get(format!("{endpoint}/_ministack/ses/messages")).await.unwrap().json().await.unwrap();
    all["messages"]
        .as_object()
        .into_iter()
        .flat_map(|accounts| accounts.values())
        .flat_map(|messages| messages.as_array().cloned().unwrap_or_default())
        .filter(|m| m["To"].as_array().is_some_and(|t| t.iter().any(|a| a == to)))
        .map(|m| (m["Subject"].as_str().unwrap_or("").to_owned(), m["BodyText"].as_str().unwrap_or("").to_owned()))
        .collect()
}

/// Waits until `to` got an email whose subject contains `subject`; returns every
/// such email seen then (a test asserts there is exactly one).
pub async fn wait_email(stack: &Stack, to: &str, subject: &str) -> Vec<(String, String)> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let matching: Vec<_> = emails_to(stack, to).await.into_iter().filter(|(s, _)| s.contains(subject)).collect();
        if !matching.is_empty() {
            return matching;
        }
        assert!(Instant::now() < deadline, "no email `{subject}` to {to}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
