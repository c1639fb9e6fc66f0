//! The black-box end-to-end test: only what a client of the platform can do, over
//! the REST API, so it runs against any stack — the local one in `cargo xtask test`,
//! a preview or production in AWS through `cargo xtask e2e --stack <name>`. One
//! flow crosses every hop of the platform: the auth gateway signs a new user up and
//! issues a token, the movers gateway writes a mover and its outbox, the relay
//! publishes to the bus, the addressing worker answers each address through its
//! queue, and the movers worker records the answers.
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;
use stack_tests::{Api, address, stack};

/// How long the addresses may take to settle: a cold start of each function on the
/// way, in AWS or on a busy emulator.
const SETTLE: Duration = Duration::from_secs(90);

#[tokio::test]
async fn a_new_user_creates_a_mover_whose_addresses_are_answered_through_the_bus() {
    let stack = stack().await;
    let api = Api::new(&stack);
    let token = api.fresh_user("EndToEnd").await;

    let number = 100 + (uuid::Uuid::new_v4().as_u128() % 9000) as u32;
    let body = json!({"name": "Eve", "email": "eve@example.com", "move_date": "2999-05-01",
        "from_address": address(&format!("{number} North Main Street Apt 4"), "Illinois", "62701"),
        "to_address": address("2 Nowhere Lane", "Atlantis", "1")});
    let key = uuid::Uuid::new_v4().to_string();
    let headers = [("Idempotency-Key", key.as_str())];
    let (status, _, created) = api.send(Method::POST, "/movers", &token, Some(body.clone()), &headers).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().expect("the mover's id").to_owned();

    // A client retrying with the same key gets the same mover, not a second one.
    let (status, _, again) = api.send(Method::POST, "/movers", &token, Some(body), &headers).await;
    assert!(status.is_success(), "{status}: {again}");
    assert_eq!(again["id"], id.as_str(), "a retry with the same Idempotency-Key named another mover");

    let mover = api.wait_settled(&token, &id, SETTLE).await;
    assert_eq!(mover["from_address"]["status"], "reconciled", "{mover}");
    assert_eq!(mover["from_address"]["normalized"]["street"], format!("{number} N MAIN ST"), "{mover}");
    assert_eq!(mover["to_address"]["status"], "rejected", "{mover}");

    // Without a token the API answers 401, whatever the stack.
    let anonymous = api.get(&format!("/movers/{id}"), None).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}
