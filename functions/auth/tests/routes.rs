//! The auth routes against in-memory accounts and publisher: statuses, bodies, the
//! `user.authed` event, and every (role, route) pair against the permission table.
use std::sync::{Arc, OnceLock};

use auth::permissions::PERMISSIONS;
use auth::routes::{AppState, router};
use auth::seed::{LOCAL_PASSWORD, seed};
use auth::store::MemoryAccountStore;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use platform::bus::RecordingPublisher;
use platform_gateway::matrix::{RouteCheck, check};
use platform_identity::{Claims, KeySet, Role, StaticJwks, TokenSettings, Verifier};
use serde_json::{Value, json};
use tower::ServiceExt;

fn keys() -> &'static KeySet {
    static KEYS: OnceLock<KeySet> = OnceLock::new();
    KEYS.get_or_init(|| KeySet::generate().unwrap())
}

fn settings() -> TokenSettings {
    TokenSettings { issuer: "https://auth.test".into(), audience: "updater-api".into(), ttl_seconds: 900 }
}

struct App {
    router: Router,
    publisher: Arc<RecordingPublisher>,
}

async fn app() -> App {
    let publisher = Arc::new(RecordingPublisher::default());
    let accounts = Arc::new(MemoryAccountStore::default());
    seed(accounts.as_ref()).await.unwrap();
    let verifier = Verifier::new(&settings(), Arc::new(StaticJwks(keys().jwks().unwrap()))).await.unwrap();
    let state = AppState {
        verifier: Arc::new(verifier),
        keys: Arc::new(keys().clone()),
        tokens: settings(),
        accounts,
        publisher: publisher.clone(),
        counters: Arc::new(platform::store::MemoryCounters::default()),
        signups_per_source: auth::limits::signups_per_source(10),
    };
    App { router: platform_gateway::finish(router(state)), publisher }
}

async fn call(
    router: &Router,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let (status, body, _) = exchange(router, method, path, token, body).await;
    (status, body)
}

/// A request without a token; the status, the body and `Retry-After`.
async fn call_with_headers(
    router: &Router,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value, Option<String>) {
    exchange(router, method, path, None, body).await
}

async fn exchange(
    router: &Router,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value, Option<String>) {
    let mut req = Request::builder().method(method).uri(path);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let body = match body {
        Some(v) => {
            req = req.header(header::CONTENT_TYPE, "application/json");
            Body::from(v.to_string())
        }
        None => Body::empty(),
    };
    let resp = router.clone().oneshot(req.body(body).unwrap()).await.unwrap();
    let status = resp.status();
    let retry_after = resp.headers().get(header::RETRY_AFTER).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20).await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null), retry_after)
}

fn token_for(role: Role) -> String {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    keys().sign(&Claims::issue(&settings(), &format!("usr_{role}"), &format!("{role}@test"), vec![role], now)).unwrap()
}

#[tokio::test]
async fn signup_then_token_then_me() {
    let app = app().await;
    let (status, body) = call(
        &app.router,
        "POST",
        "/auth/signup",
        None,
        Some(json!({"email": "Ada@Example.com", "password": "a-long-password", "name": "Ada"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let user_id = body["user_id"].as_str().unwrap().to_owned();

    let (status, body) = call(
        &app.router,
        "POST",
        "/auth/token",
        None,
        Some(json!({"email": "ada@example.com", "password": "a-long-password"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!((body["token_type"].as_str(), body["expires_in"].as_i64()), (Some("Bearer"), Some(900)));
    let token = body["access_token"].as_str().unwrap().to_owned();

    let (status, me) = call(&app.router, "GET", "/auth/me", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me, json!({"sub": user_id, "email": "Ada@Example.com", "roles": ["user-mover"]}));

    let sent = app.publisher.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].envelope.name.as_str(), "user.authed");
    assert_eq!(sent[0].envelope.data["token"], token.as_str());
    assert_eq!(sent[0].envelope.data["user_id"], user_id.as_str());
    assert_eq!(sent[0].token.as_deref(), Some(token.as_str()));
    assert_eq!(sent[0].envelope.actor.as_ref().unwrap().sub, user_id);
}

#[tokio::test]
async fn bad_signups_get_the_documented_statuses() {
    let app = app().await;
    let cases = [
        (
            json!({"email": "not-an-email", "password": "a-long-password", "name": "A"}),
            StatusCode::BAD_REQUEST,
            "`email`",
        ),
        (
            json!({"email": "a@b.co", "password": "short", "name": "A"}),
            StatusCode::BAD_REQUEST,
            "`password`: must be 10 to 256",
        ),
        (json!({"email": "a@b.co", "password": "a-long-password"}), StatusCode::BAD_REQUEST, "missing field `name`"),
        (
            json!({"email": "a@b.co", "password": "a-long-password", "name": "A", "roles": ["system"]}),
            StatusCode::BAD_REQUEST,
            "unknown field `roles`",
        ),
        (
            json!({"email": 7, "password": "a-long-password", "name": "A"}),
            StatusCode::BAD_REQUEST,
            "`email`: invalid type",
        ),
        (
            json!({"email": "MOVER@updater.local", "password": "a-long-password", "name": "A"}),
            StatusCode::CONFLICT,
            "already exists",
        ),
    ];
    for (body, status, fragment) in cases {
        let (got, resp) = call(&app.router, "POST", "/auth/signup", None, Some(body.clone())).await;
        assert_eq!(got, status, "{body} -> {resp}");
        let message = resp["error"]["message"].as_str().unwrap();
        assert!(message.contains(fragment), "{body}: {message}");
    }
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_401() {
    let app = app().await;
    let (s1, b1) = call(
        &app.router,
        "POST",
        "/auth/token",
        None,
        Some(json!({"email": "mover@updater.local", "password": "wrong-password"})),
    )
    .await;
    let (s2, b2) = call(
        &app.router,
        "POST",
        "/auth/token",
        None,
        Some(json!({"email": "nobody@updater.local", "password": LOCAL_PASSWORD})),
    )
    .await;
    assert_eq!((s1, s2), (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED));
    assert_eq!(b1, b2);
    assert!(app.publisher.sent().is_empty());
}

#[tokio::test]
async fn transport_errors_are_json_with_the_right_status() {
    let app = app().await;
    let req = Request::builder()
        .method("POST")
        .uri("/auth/signup")
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from("x"))
        .unwrap();
    assert_eq!(app.router.clone().oneshot(req).await.unwrap().status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let big = json!({"email": "a@b.co", "password": "x".repeat(70_000), "name": "A"});
    assert_eq!(call(&app.router, "POST", "/auth/signup", None, Some(big)).await.0, StatusCode::PAYLOAD_TOO_LARGE);
    let (status, body) = call(&app.router, "GET", "/auth/nothing", None, None).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    let req = Request::builder().uri("/auth/me").body(Body::empty()).unwrap();
    let resp = app.router.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(resp.headers()[header::WWW_AUTHENTICATE], "Bearer");
}

#[tokio::test]
async fn only_system_creates_accounts_with_roles() {
    let app = app().await;
    let body =
        |email: &str| json!({"email": email, "password": "a-long-password", "name": "B", "roles": ["user-business"]});
    for role in [Role::UserMover, Role::UserClient, Role::UserBusiness] {
        let (status, _) =
            call(&app.router, "POST", "/auth/users", Some(&token_for(role)), Some(body(&format!("x-{role}@b.co"))))
                .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role}");
    }
    let (status, _) =
        call(&app.router, "POST", "/auth/users", Some(&token_for(Role::System)), Some(body("biz@b.co"))).await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, token) = call(
        &app.router,
        "POST",
        "/auth/token",
        None,
        Some(json!({"email": "biz@b.co", "password": "a-long-password"})),
    )
    .await;
    let (_, me) = call(&app.router, "GET", "/auth/me", token["access_token"].as_str(), None).await;
    assert_eq!(me["roles"], json!(["user-business"]));
}

#[tokio::test]
async fn every_role_and_route_pair_follows_the_permission_table() {
    use auth::permissions::AuthPermission::*;
    let app = app().await;
    let routes = [
        RouteCheck { method: "GET", path: "/auth/me", body: None, permission: Some(ReadSelf) },
        RouteCheck {
            method: "POST",
            path: "/auth/users",
            body: Some(
                json!({"email": "matrix@b.co", "password": "a-long-password", "name": "M", "roles": ["user-client"]}),
            ),
            permission: Some(CreateAccounts),
        },
        RouteCheck { method: "GET", path: "/auth/jwks", body: None, permission: None },
    ];
    let wrong = check(&app.router, &routes, |role, p| PERMISSIONS.allows(&[role], p), token_for).await;
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_permission_table_pair_by_pair() {
    use auth::permissions::AuthPermission::*;
    let expected = [
        (Role::System, ReadSelf, true),
        (Role::System, CreateAccounts, true),
        (Role::UserMover, ReadSelf, true),
        (Role::UserMover, CreateAccounts, false),
        (Role::UserClient, ReadSelf, true),
        (Role::UserClient, CreateAccounts, false),
        (Role::UserBusiness, ReadSelf, true),
        (Role::UserBusiness, CreateAccounts, false),
    ];
    for (role, permission, allowed) in expected {
        assert_eq!(PERMISSIONS.allows(&[role], permission), allowed, "{role} {permission:?}");
    }
}

#[tokio::test]
async fn failed_logins_lock_the_account_until_the_window_passes_even_for_the_right_password() {
    let app = app().await;
    let login = |password: &'static str| {
        let router = app.router.clone();
        async move {
            let body = json!({"email": "mover@updater.local", "password": password});
            call_with_headers(&router, "POST", "/auth/token", Some(body)).await
        }
    };
    for attempt in 1..=5 {
        let (status, body, _) = login("not-the-password").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {attempt}: {body}");
    }
    for password in ["not-the-password", "local-dev-password"] {
        let (status, body, retry_after) = login(password).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
        assert_eq!(body["error"]["code"], "too_many_requests");
        assert!(body["error"]["message"].as_str().unwrap().contains("failed logins for this account"), "{body}");
        let seconds: u64 = retry_after.expect("Retry-After").parse().unwrap();
        assert!((1..=900).contains(&seconds), "{seconds}");
    }
    // Another account is not locked by them.
    let body = json!({"email": "client@updater.local", "password": "local-dev-password"});
    let (status, body, _) = call_with_headers(&app.router, "POST", "/auth/token", Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn signups_from_one_source_are_throttled_and_keep_their_answers_below_the_limit() {
    let app = app().await;
    for i in 0..10 {
        let body = json!({"email": format!("new-{i}@example.com"), "password": "a-long-password", "name": "N"});
        let (status, body, _) = call_with_headers(&app.router, "POST", "/auth/signup", Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let body = json!({"email": "one-more@example.com", "password": "a-long-password", "name": "N"});
    let (status, body, retry_after) = call_with_headers(&app.router, "POST", "/auth/signup", Some(body)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(retry_after.is_some());
}
