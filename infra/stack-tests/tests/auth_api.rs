//! The auth service through the deployed REST API, as a client would use it.
use std::time::Duration;

use platform_identity::Role;
use platform_testkit::Probe;
use reqwest::StatusCode;
use serde_json::{Value, json};
use stack_tests::identity::jwks_verifier;
use stack_tests::{Api, PASSWORD, stack};

fn unique_email() -> String {
    format!("Mover.{}@Example.com", uuid::Uuid::new_v4().simple())
}

#[tokio::test]
async fn signup_token_me_and_the_jwks_verifies_the_token() {
    let stack = stack().await;
    let api = Api::new(&stack);
    let email = unique_email();
    let (status, body) =
        api.post("/auth/signup", None, json!({"email": email, "password": "a-long-password", "name": "Ada"})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let user_id = body["user_id"].as_str().unwrap().to_owned();

    let token = api.login(&email.to_lowercase(), "a-long-password").await;
    let me: Value = api.get("/auth/me", Some(&token)).await.json().await.unwrap();
    assert_eq!(me, json!({"sub": user_id, "email": email, "roles": ["user-mover"]}));

    let verifier = jwks_verifier(&api).await.unwrap();
    let caller = verifier.verify(&token).await.unwrap();
    assert_eq!((caller.sub.as_str(), caller.roles.as_slice()), (user_id.as_str(), &[Role::UserMover][..]));
}

#[tokio::test]
async fn a_login_publishes_user_authed_with_the_token() {
    let stack = stack().await;
    let mut probe = Probe::subscribe(&stack, stack.output("EventsTopicArn").unwrap()).await.unwrap();
    let api = Api::new(&stack);
    let token = api.login("client@updater.local", PASSWORD).await;
    let event = probe
        .wait_for(Duration::from_secs(20), |r| {
            r.envelope.name.as_str() == "user.authed" && r.envelope.data["token"] == token.as_str()
        })
        .await
        .unwrap();
    assert_eq!(event.envelope.data["roles"], json!(["user-client"]));
    assert_eq!(event.attributes.get("authorization"), Some(&format!("Bearer {token}")));
    assert_eq!(event.envelope.actor.as_ref().unwrap().sub, event.envelope.data["user_id"].as_str().unwrap());
    probe.close().await.unwrap();
}

#[tokio::test]
async fn bad_signups_and_wrong_passwords_get_the_documented_statuses() {
    let stack = stack().await;
    let api = Api::new(&stack);
    let email = unique_email();
    let cases = [
        (
            json!({"email": "not-an-email", "password": "a-long-password", "name": "A"}),
            StatusCode::BAD_REQUEST,
            "`email`",
        ),
        (json!({"email": unique_email(), "password": "short", "name": "A"}), StatusCode::BAD_REQUEST, "`password`"),
        (json!({"email": unique_email(), "password": "a-long-password"}), StatusCode::BAD_REQUEST, "`name`"),
        (
            json!({"email": "MOVER@UPDATER.LOCAL", "password": "a-long-password", "name": "A"}),
            StatusCode::CONFLICT,
            "already exists",
        ),
    ];
    for (body, status, fragment) in cases {
        let (got, resp) = api.post("/auth/signup", None, body.clone()).await;
        assert_eq!(got, status, "{body}: {resp}");
        assert!(resp["error"]["message"].as_str().unwrap().contains(fragment), "{resp}");
    }
    let (wrong_password, a) =
        api.post("/auth/token", None, json!({"email": "mover@updater.local", "password": "not-the-password"})).await;
    let (unknown_email, b) = api.post("/auth/token", None, json!({"email": email, "password": PASSWORD})).await;
    assert_eq!((wrong_password, unknown_email), (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED));
    assert_eq!(a, b, "the same answer for an unknown email and a wrong password");

    let anonymous = api.get("/auth/me", None).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.headers()["www-authenticate"], "Bearer");
    let forged = api.get("/auth/me", Some("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.")).await;
    assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_seeded_accounts_log_in_with_their_roles() {
    let stack = stack().await;
    let api = Api::new(&stack);
    for (email, role) in [
        ("system@updater.local", "system"),
        ("mover@updater.local", "user-mover"),
        ("client@updater.local", "user-client"),
        ("business@updater.local", "user-business"),
    ] {
        let token = api.login(email, PASSWORD).await;
        let me: Value = api.get("/auth/me", Some(&token)).await.json().await.unwrap();
        assert_eq!(me["roles"], json!([role]), "{email}");
    }
}

#[tokio::test]
async fn only_system_may_create_accounts() {
    let stack = stack().await;
    let api = Api::new(&stack);
    let body =
        || json!({"email": unique_email(), "password": "a-long-password", "name": "Biz", "roles": ["user-business"]});
    for email in ["mover@updater.local", "client@updater.local", "business@updater.local"] {
        let token = api.login(email, PASSWORD).await;
        let (status, resp) = api.post("/auth/users", Some(&token), body()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{email}: {resp}");
    }
    let (status, _) = api.post("/auth/users", None, body()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let system = api.login("system@updater.local", PASSWORD).await;
    let created = body();
    let (status, resp) = api.post("/auth/users", Some(&system), created.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{resp}");
    let token = api.login(created["email"].as_str().unwrap(), "a-long-password").await;
    let me: Value = api.get("/auth/me", Some(&token)).await.json().await.unwrap();
    assert_eq!(me["roles"], json!(["user-business"]));
}

#[tokio::test]
async fn failed_logins_lock_the_account_with_retry_after_even_for_the_right_password() {
    let stack = stack().await;
    let api = Api::new(&stack);
    let email = unique_email();
    let (status, body) =
        api.post("/auth/signup", None, json!({"email": email, "password": "a-long-password", "name": "Lock"})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let attempt = |password: &'static str| {
        let (api, email) = (&api, &email);
        async move {
            let body = json!({"email": email, "password": password});
            let (status, headers, body) = api.post_with_headers("/auth/token", None, body).await;
            (status, headers.get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned), body)
        }
    };
    for n in 1..=5 {
        let (status, _, body) = attempt("a-wrong-password").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "failure {n}: {body}");
    }
    let (status, retry_after, body) = attempt("a-long-password").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "the right password waits too: {body}");
    let seconds: u64 = retry_after.expect("Retry-After").parse().unwrap();
    assert!((1..=900).contains(&seconds), "{seconds}");
    // The counter lives in the auth table, with its TTL.
    let counted = stack
        .dynamodb()
        .scan()
        .table_name(stack.output("AuthTableName").unwrap())
        .filter_expression("pk = :pk")
        .expression_attribute_values(
            ":pk",
            aws_sdk_dynamodb::types::AttributeValue::S(format!("limit#login-account#{}", email.to_lowercase())),
        )
        .send()
        .await
        .unwrap();
    let item = &counted.items()[0];
    assert_eq!(item["attempts"].as_n().unwrap(), "5");
    assert!(
        item["expires_at"].as_n().unwrap().parse::<i64>().unwrap() > time::OffsetDateTime::now_utc().unix_timestamp()
    );
}
