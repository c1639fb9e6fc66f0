//! The moves gateway's permission table, pair by pair: every role against every
//! route that needs a permission, in process, over a throw-away table in the
//! emulator (no booking is started: the mover booked for is unknown).
use std::sync::Arc;

use moves::booking_store::BookingStore;
use moves::capacity::CrewCapacity;
use moves::mover_directory::MoverDirectory;
use moves::permissions::{MovePermission, PERMISSIONS};
use moves::rest::{AppState, router};
use moves::saga::SagaStarter;
use platform::saga::RecordingCallbacks;
use platform::store::Table;
use platform_gateway::matrix::{RouteCheck, check};
use platform_identity::{Claims, KeySet, Role, StaticJwks, TokenSettings, Verifier};
use platform_testkit::create_table;
use serde_json::json;
use stack_tests::stack;

#[tokio::test]
async fn every_role_and_route_pair_follows_the_permission_table() {
    use MovePermission::*;
    let stack = stack().await;
    let table = Table::new(stack.dynamodb(), create_table(&stack, false).await.unwrap());
    let keys = KeySet::generate().unwrap();
    let settings =
        TokenSettings { issuer: "https://auth.test".into(), audience: "updater-api".into(), ttl_seconds: 900 };
    let verifier = Verifier::new(&settings, Arc::new(StaticJwks(keys.jwks().unwrap()))).await.unwrap();
    let app = platform_gateway::finish(router(AppState {
        verifier: Arc::new(verifier),
        bookings: BookingStore::new(table.clone()),
        capacity: CrewCapacity::new(table.clone(), 12),
        movers: MoverDirectory::new(table),
        saga: SagaStarter::new(stack.sfn(), stack.output("BookMoveStateMachineArn").unwrap()),
        callbacks: Arc::new(RecordingCallbacks::default()),
    }));
    let token = |role: Role| {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let sub = format!("usr_{role}");
        keys.sign(&Claims::issue(&settings, &sub, &format!("{sub}@test"), vec![role], now)).unwrap()
    };
    let booking = json!({"mover_id": "mov_unknown", "move_date": "2999-01-01", "crew_size": 1,
                         "deposit": {"card_token": "tok_visa"}});
    let routes = [
        RouteCheck { method: "POST", path: "/moves", body: Some(booking), permission: Some(ManageOwn) },
        RouteCheck {
            method: "GET",
            path: "/moves/quote?move_date=2999-01-01&crew_size=2",
            body: None,
            permission: Some(ManageOwn),
        },
        RouteCheck { method: "GET", path: "/moves/capacity/2999-01-01", body: None, permission: Some(SetCapacity) },
        RouteCheck {
            method: "PUT",
            path: "/moves/capacity/2999-01-01",
            body: Some(json!({"crew_capacity": 4})),
            permission: Some(SetCapacity),
        },
        // Reading, confirming and cancelling answer 404 for a booking one may not see.
        RouteCheck { method: "GET", path: "/moves/bkg_missing", body: None, permission: None },
        RouteCheck { method: "POST", path: "/moves/bkg_missing/confirm", body: None, permission: None },
        RouteCheck { method: "POST", path: "/moves/bkg_missing/cancel", body: None, permission: None },
    ];
    let wrong = check(&app, &routes, |role, p| PERMISSIONS.allows(&[role], p), token).await;
    assert!(wrong.is_empty(), "{wrong:#?}");
}
