//! The movers gateway against in-memory movers and their outbox: REST and CQRS over
//! the same domain, conditional updates, bad input, and every (role, route) pair.
mod common;

use axum::http::StatusCode;
use common::{App, app, call, call_with, token};
use movers::permissions::{MoverPermission, PERMISSIONS};
use platform_gateway::matrix::{RouteCheck, check};
use platform_identity::Role;
use serde_json::{Value, json};

fn address(line1: &str) -> Value {
    json!({"line1": line1, "line2": null, "city": "Springfield", "state": "IL", "zip": "62701"})
}

fn new_mover() -> Value {
    json!({"name": "Ada", "email": "ada@example.com", "phone": "+1 555 010 0100", "move_date": "2999-06-01",
           "from_address": address("1 Old Rd"), "to_address": address("2 New St")})
}

#[tokio::test]
async fn create_read_and_conditional_update() {
    let app = app().await;
    let mover = token(Role::UserMover, "usr_ada");
    let (status, created, etag) = call(&app, "POST", "/movers", &mover, Some(new_mover()), None).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!((created["version"].as_u64(), etag.as_deref()), (Some(1), Some("\"1\"")));
    assert_eq!(created["from_address"]["status"], "pending");
    assert_eq!(created["owner_sub"], "usr_ada");
    let id = created["id"].as_str().unwrap().to_owned();

    let names: Vec<_> = app.outbox().iter().map(|m| m.envelope.name.to_string()).collect();
    assert_eq!(names, ["mover.created", "address.received", "address.received", "email_verification.requested"]);
    let sent = app.outbox();
    assert_eq!(sent[1].envelope.data["ref"], format!("{id}:from"));
    assert_eq!(sent[2].envelope.data["ref"], format!("{id}:to"));
    assert!(sent.iter().all(|m| m.token.as_deref() == Some(mover.as_str())), "sent on behalf of the caller");
    assert!(sent.iter().all(|m| m.envelope.correlation_id == sent[0].envelope.id.to_string()));

    let (status, read, etag) = call(&app, "GET", &format!("/movers/{id}"), &mover, None, None).await;
    assert_eq!((status, etag.as_deref()), (StatusCode::OK, Some("\"1\"")));
    assert_eq!(read["email"], "ada@example.com");

    let path = format!("/movers/{id}");
    let patch = json!({"name": "Ada L."});
    assert_eq!(
        call(&app, "PATCH", &path, &mover, Some(patch.clone()), None).await.0,
        StatusCode::PRECONDITION_REQUIRED
    );
    assert_eq!(call(&app, "PATCH", &path, &mover, Some(patch.clone()), Some("\"7\"")).await.0, StatusCode::CONFLICT);
    let (status, updated, etag) = call(&app, "PATCH", &path, &mover, Some(patch.clone()), Some("\"1\"")).await;
    assert_eq!((status, etag.as_deref(), updated["name"].as_str()), (StatusCode::OK, Some("\"2\""), Some("Ada L.")));
    assert_eq!(call(&app, "PATCH", &path, &mover, Some(patch), Some("\"1\"")).await.0, StatusCode::CONFLICT, "stale");
    assert_eq!(app.outbox().last().unwrap().envelope.data["version"], 2);
}

#[tokio::test]
async fn cqrs_commands_run_the_same_domain() {
    let app = app().await;
    let mover = token(Role::UserMover, "usr_ada");
    let (_, created, _) = call(&app, "POST", "/movers", &mover, Some(new_mover()), None).await;
    let id = created["id"].as_str().unwrap();
    let (status, out, _) = call(
        &app,
        "POST",
        "/movers/commands",
        &mover,
        Some(json!({"command": "ChangeMoveDate", "mover_id": id, "move_date": "2999-07-01"})),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out, json!({"mover_id": id, "version": 2, "events": ["mover.updated"]}));
    let (status, out, _) = call(&app, "POST", "/movers/commands", &mover, Some(json!({"command": "SubmitAddress", "mover_id": id, "kind": "to", "address": address("3 Other Ave"), "expected_version": 2})), None).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["events"], json!(["mover.updated", "address.received"]));
    let (status, out, _) = call(
        &app,
        "POST",
        "/movers/commands",
        &mover,
        Some(json!({"command": "ChangeMoveDate", "mover_id": id, "move_date": "2999-08-01", "expected_version": 1})),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{out}");
    let (status, out, _) =
        call(&app, "POST", "/movers/commands", &mover, Some(json!({"command": "Teleport", "mover_id": id})), None)
            .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        out["error"]["message"].as_str().unwrap().contains("known commands: ChangeMoveDate, SubmitAddress"),
        "{out}"
    );
    let (status, out, _) = call(
        &app,
        "POST",
        "/movers/commands",
        &mover,
        Some(json!({"command": "ChangeMoveDate", "mover_id": id, "move_date": "yesterday"})),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(out["error"]["message"].as_str().unwrap().starts_with("`move_date`"), "{out}");
}

#[tokio::test]
async fn bad_input_is_a_4xx_naming_the_problem_and_writes_nothing() {
    let app = app().await;
    let mover = token(Role::UserMover, "usr_ada");
    let with = |k: &str, v: Value| {
        let mut b = new_mover();
        b[k] = v;
        b
    };
    let cases = [
        (json!({"email": "a@b.co"}), StatusCode::BAD_REQUEST, "missing field `name`"),
        (with("move_date", json!("2999-02-30")), StatusCode::BAD_REQUEST, "`move_date`"),
        (with("move_date", json!("2001-01-01")), StatusCode::BAD_REQUEST, "must not be in the past"),
        (with("email", json!("nope")), StatusCode::BAD_REQUEST, "`email`"),
        (with("name", json!(42)), StatusCode::BAD_REQUEST, "`name`: invalid type"),
        (with("favourite_color", json!("blue")), StatusCode::BAD_REQUEST, "unknown field `favourite_color`"),
        (with("from_address", json!("1 Main St")), StatusCode::BAD_REQUEST, "`from_address`"),
        (with("name", json!("x".repeat(70_000))), StatusCode::PAYLOAD_TOO_LARGE, "over"),
        (with("name", json!("x".repeat(201))), StatusCode::BAD_REQUEST, "`name`: must be 1 to 200"),
        (with("name", json!("Ada\nClaim your prize")), StatusCode::BAD_REQUEST, "`name`: must be one line"),
        (with("from_address", address(&"x".repeat(5_000))), StatusCode::BAD_REQUEST, "`from_address.line1`"),
        (
            with("to_address", address(&"x".repeat(101))),
            StatusCode::BAD_REQUEST,
            "`to_address.line1`: must be 1 to 100",
        ),
        (with("phone", json!(format!("+1 {}", " ".repeat(40)))), StatusCode::BAD_REQUEST, "`phone`"),
    ];
    for (body, status, fragment) in cases {
        let (got, resp, _) = call(&app, "POST", "/movers", &mover, Some(body.clone()), None).await;
        assert_eq!(got, status, "{resp}");
        assert!(resp["error"]["message"].as_str().unwrap().contains(fragment), "{fragment}: {resp}");
    }
    assert!(app.outbox().is_empty(), "nothing published");
    let (_, list, _) = call(&app, "GET", "/movers", &token(Role::System, "usr_sys"), None, None).await;
    assert_eq!(list["items"], json!([]), "nothing written");
}

#[tokio::test]
async fn each_role_sees_what_the_table_says() {
    let app = app().await;
    let ada = token(Role::UserMover, "usr_ada");
    let (_, created, _) = call(&app, "POST", "/movers", &ada, Some(new_mover()), None).await;
    let path = format!("/movers/{}", created["id"].as_str().unwrap());
    let other_mover = token(Role::UserMover, "usr_bob");
    assert_eq!(call(&app, "GET", &path, &other_mover, None, None).await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        call(&app, "PATCH", &path, &other_mover, Some(json!({"name": "x"})), Some("\"1\"")).await.0,
        StatusCode::FORBIDDEN
    );
    let (_, bob_list, _) = call(&app, "GET", "/movers", &other_mover, None, None).await;
    assert_eq!(bob_list["items"], json!([]), "a mover lists only their own");
    let (status, seen, _) = call(&app, "GET", &path, &token(Role::UserBusiness, "usr_biz"), None, None).await;
    assert_eq!((status, seen["email"].clone(), seen["phone"].clone()), (StatusCode::OK, Value::Null, Value::Null));
    let (_, seen, _) = call(&app, "GET", &path, &token(Role::UserClient, "usr_cli"), None, None).await;
    assert_eq!(seen["email"], "ada@example.com");
    assert_eq!(
        call(&app, "PATCH", &path, &token(Role::UserClient, "usr_cli"), Some(json!({"name": "x"})), Some("\"1\""))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call(&app, "PATCH", &path, &token(Role::System, "usr_sys"), Some(json!({"name": "x"})), Some("\"1\"")).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn every_role_and_route_pair_follows_the_permission_table() {
    use MoverPermission::*;
    let app = app().await;
    let routes = [
        RouteCheck { method: "POST", path: "/movers", body: Some(new_mover()), permission: Some(CreateOwn) },
        RouteCheck { method: "GET", path: "/movers", body: None, permission: None },
    ];
    // Listing is open to every role, each seeing what its permissions allow.
    let wrong =
        check(&app.router, &routes, |role, p| PERMISSIONS.allows(&[role], p), |r| token(r, &format!("usr_{r}"))).await;
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_permission_table_pair_by_pair() {
    use MoverPermission::*;
    let expected = [
        (Role::System, [true, true, true, false, true]),
        (Role::UserMover, [true, true, false, false, false]),
        (Role::UserClient, [false, false, true, false, false]),
        (Role::UserBusiness, [false, false, false, true, false]),
    ];
    for (role, row) in expected {
        for (permission, allowed) in [CreateOwn, ManageOwn, ReadAll, ReadRedacted, UpdateAll].into_iter().zip(row) {
            assert_eq!(PERMISSIONS.allows(&[role], permission), allowed, "{role} {permission:?}");
        }
    }
}

#[tokio::test]
async fn commands_follow_the_permission_table_for_every_role() {
    let app = app().await;
    let owner = token(Role::UserMover, "usr_ada");
    let (_, created, _) = call(&app, "POST", "/movers", &owner, Some(new_mover()), None).await;
    let id = created["id"].as_str().unwrap();
    for role in Role::ALL {
        let t = token(role, &format!("usr_{role}"));
        let cmd = json!({"command": "ChangeMoveDate", "mover_id": id, "move_date": "2999-10-10"});
        let (status, body, _) = call(&app, "POST", "/movers/commands", &t, Some(cmd), None).await;
        // Only a caller who may change every mover (or owns it) may run commands on it.
        let allowed = PERMISSIONS.allows(&[role], MoverPermission::UpdateAll);
        assert_eq!(status == StatusCode::OK, allowed, "{role}: {status} {body}");
        if !allowed {
            assert_eq!(status, StatusCode::FORBIDDEN);
        }
    }
    let (status, _, _) = call(
        &app,
        "POST",
        "/movers/commands",
        &owner,
        Some(json!({"command": "ChangeMoveDate", "mover_id": id, "move_date": "2999-10-11"})),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "the owner may");
}

#[tokio::test]
async fn a_retried_create_with_its_idempotency_key_gets_the_same_mover_and_announces_it_once() {
    let app = app().await;
    let ada = token(Role::UserMover, "usr_ada");
    let key = [("idempotency-key", "create-ada-1")];
    let (status, first, _) = call_with(&app, "POST", "/movers", &ada, Some(new_mover()), &key).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let (status, again, _) = call_with(&app, "POST", "/movers", &ada, Some(new_mover()), &key).await;
    assert_eq!(status, StatusCode::CREATED, "{again}");
    assert_eq!(again["id"], first["id"], "the same mover back");
    let created: Vec<_> = app.outbox().into_iter().filter(|m| m.envelope.name.as_str() == "mover.created").collect();
    assert_eq!(created.len(), 1, "one mover.created, so one verification email");

    let mut other = new_mover();
    other["name"] = json!("Grace");
    let (status, refused, _) = call_with(&app, "POST", "/movers", &ada, Some(other), &key).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert!(refused["error"]["message"].as_str().unwrap().contains("another request"), "{refused}");

    // The key is the caller's: another user with the same key creates their own mover.
    let bob = token(Role::UserMover, "usr_bob");
    let (status, bobs, _) = call_with(&app, "POST", "/movers", &bob, Some(new_mover()), &key).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_ne!(bobs["id"], first["id"]);
    let long = "k".repeat(129);
    for bad_key in ["", "two words", long.as_str()] {
        let (status, bad, _) =
            call_with(&app, "POST", "/movers", &ada, Some(new_mover()), &[("idempotency-key", bad_key)]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(bad["error"]["message"].as_str().unwrap().contains("`Idempotency-Key`: must be 1 to 128"), "{bad}");
    }
}

/// The verification code the outbox mails for mover `id`.
fn code_for(app: &App, id: &str) -> String {
    let requested = app
        .outbox()
        .into_iter()
        .rev()
        .find(|m| m.envelope.name.as_str() == "email_verification.requested" && m.envelope.data["mover_id"] == id)
        .expect("a verification request");
    requested.envelope.data["code"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_email_is_proven_with_the_mailed_code_and_wrong_codes_run_out() {
    let app = app().await;
    let ada = token(Role::UserMover, "usr_ada");
    let (_, created, _) = call(&app, "POST", "/movers", &ada, Some(new_mover()), None).await;
    assert_eq!(created["email_verified"], false);
    let id = created["id"].as_str().unwrap();
    let code = code_for(&app, id);
    let wrong = if code == "000000" { "000001" } else { "000000" };
    let verify = |code: &str| {
        let (app, ada, path, body) = (&app, &ada, format!("/movers/{id}/email/verify"), json!({"code": code}));
        async move { call(app, "POST", &path, ada, Some(body), None).await }
    };
    let (status, refused, _) = verify(wrong).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert!(refused["error"]["message"].as_str().unwrap().contains("4 tries left"), "{refused}");

    // Another user may not prove it.
    let bob = token(Role::UserMover, "usr_bob");
    let path = format!("/movers/{id}/email/verify");
    let (status, _, _) = call(&app, "POST", &path, &bob, Some(json!({"code": code})), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (status, proven, _) = verify(&code).await;
    assert_eq!((status, proven["email_verified"].as_bool()), (StatusCode::OK, Some(true)), "{proven}");
    let verified: Vec<_> = app.outbox().into_iter().filter(|m| m.envelope.name.as_str() == "email.verified").collect();
    assert_eq!(verified.len(), 1);
    assert_eq!(verified[0].envelope.data["email"], "ada@example.com");
    let (status, again, _) = verify(&code).await;
    assert_eq!(status, StatusCode::CONFLICT, "a code works once: {again}");

    // A new email is unproven again, with a new code; wrong codes void it.
    let (_, current, etag) = call(&app, "GET", &format!("/movers/{id}"), &ada, None, None).await;
    let patch = json!({"email": "ada.new@example.com"});
    let (status, changed, _) = call(&app, "PATCH", &format!("/movers/{id}"), &ada, Some(patch), etag.as_deref()).await;
    assert_eq!((status, changed["email_verified"].as_bool()), (StatusCode::OK, Some(false)), "{current} {changed}");
    let new_code = code_for(&app, id);
    let wrong = if new_code == "000000" { "000001" } else { "000000" };
    for _ in 0..4 {
        assert_eq!(verify(wrong).await.0, StatusCode::BAD_REQUEST);
    }
    let (status, void, _) = verify(wrong).await;
    assert_eq!(status, StatusCode::CONFLICT, "{void}");
    let (status, still, _) = verify(&new_code).await;
    assert_eq!(status, StatusCode::CONFLICT, "void even for the right code: {still}");
    let (status, _, _) = call(&app, "POST", &format!("/movers/{id}/email/verification"), &ada, None, None).await;
    assert_eq!(status, StatusCode::ACCEPTED, "a new code can be asked for");
    let (status, proven, _) = verify(&code_for(&app, id)).await;
    assert_eq!((status, proven["email_verified"].as_bool()), (StatusCode::OK, Some(true)), "{proven}");
}

#[tokio::test]
async fn a_user_creates_at_most_twenty_movers_an_hour_and_the_system_is_not_limited() {
    let app = app().await;
    let ada = token(Role::UserMover, "usr_ada");
    for n in 0..20 {
        let (status, body, _) = call(&app, "POST", "/movers", &ada, Some(new_mover()), None).await;
        assert_eq!(status, StatusCode::CREATED, "mover {n}: {body}");
    }
    let (status, refused, retry_after) = call(&app, "POST", "/movers", &ada, Some(new_mover()), None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{refused}");
    assert_eq!(refused["error"]["code"], "too_many_requests");
    let seconds: u64 = retry_after.expect("Retry-After").parse().unwrap();
    assert!((1..=3600).contains(&seconds));
    let mailed = app.outbox().iter().filter(|m| m.envelope.name.as_str() == "email_verification.requested").count();
    assert_eq!(mailed, 20, "the refused request mailed nothing");

    let bob = token(Role::UserMover, "usr_bob");
    assert_eq!(call(&app, "POST", "/movers", &bob, Some(new_mover()), None).await.0, StatusCode::CREATED, "per user");
    let system = token(Role::System, "usr_sys");
    for _ in 0..25 {
        assert_eq!(call(&app, "POST", "/movers", &system, Some(new_mover()), None).await.0, StatusCode::CREATED);
    }
}
