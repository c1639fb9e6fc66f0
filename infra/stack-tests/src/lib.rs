//! Tests against the deployed local stack live in `tests/`; `cargo xtask test`
//! starts an emulator on a free port, deploys template.yaml and runs them.
//! Helpers shared by those tests are here.
#![forbid(unsafe_code)]

pub mod exported_spans;
pub mod function_logs;
pub mod identity;
pub mod moves;
pub mod openapi_conformance;

use std::time::Duration;

use anyhow::Result;
use platform::bus::{Outgoing, Publish, SnsPublisher, Topics};
use platform_messages::contracts::addressing::{AddressSubmission, PostalAddress};
use platform_testkit::{Received, Stack};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// How long a test waits for the system to answer.
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

/// The stack, or a clear failure when not run through `cargo xtask test`.
pub async fn stack() -> Stack {
    match Stack::from_env().await {
        Ok(s) => s,
        Err(e) => panic!("{e:#}"),
    }
}

/// The platform's own publisher, pointed at the stack's topics.
pub fn publisher(stack: &Stack) -> Result<SnsPublisher> {
    Ok(SnsPublisher::new(
        stack.sns(),
        Topics {
            events: stack.output("EventsTopicArn")?.to_owned(),
            tasks: Some(stack.output("TasksTopicArn")?.to_owned()),
        },
    ))
}

/// Whether a received message answers the message `id` (its causation).
pub fn answers_to(id: uuid::Uuid) -> impl Fn(&Received) -> bool {
    let cause = id.to_string();
    move |r| r.envelope.causation_id.as_deref() == Some(cause.as_str())
}

/// Publishes one message.
pub async fn send(stack: &Stack, message: Outgoing) -> Result<()> {
    Ok(publisher(stack)?.publish(vec![message]).await?)
}

/// A submission with a street number unique to this call, so tests never share an address.
pub fn unique_submission(reference: &str) -> (AddressSubmission, u32) {
    let number = 10_000 + (uuid::Uuid::new_v4().as_u128() % 89_999) as u32;
    let submission = AddressSubmission {
        reference: reference.to_owned(),
        address: PostalAddress {
            line1: format!("{number} North Main Street Apt 4"),
            line2: None,
            city: "Springfield".into(),
            state: "Illinois".into(),
            zip: "62701".into(),
        },
    };
    (submission, number)
}

/// A postal address in Springfield, as the API takes it.
pub fn address(line1: &str, state: &str, zip: &str) -> Value {
    json!({"line1": line1, "city": "Springfield", "state": state, "zip": zip})
}

/// The password of the local accounts seeded by the auth service.
pub const PASSWORD: &str = "local-dev-password";

/// A client of the system's REST API.
pub struct Api {
    base: String,
    http: reqwest::Client,
}

impl Api {
    /// A client of the stack's API.
    pub fn new(stack: &Stack) -> Self {
        Self { base: stack.api_url().unwrap(), http: reqwest::Client::new() }
    }

    /// POSTs JSON; the status and the JSON answer.
    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        let (status, _, body) = self.post_with_headers(path, token, body).await;
        (status, body)
    }

    /// POSTs JSON; the status, the answer's headers and its JSON.
    pub async fn post_with_headers(
        &self,
        path: &str,
        token: Option<&str>,
        body: Value,
    ) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        let mut req = self.http.post(format!("{}{path}", self.base)).json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.unwrap();
        let (status, headers) = (resp.status(), resp.headers().clone());
        let body = resp.json().await.unwrap_or(Value::Null);
        openapi_conformance::check("POST", path, status, &headers, &body);
        (status, headers, body)
    }

    /// Sends any request with a JSON body and extra headers; the status, headers and JSON answer.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        let mut req = self.http.request(method.clone(), format!("{}{path}", self.base)).bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = req.send().await.unwrap();
        let (status, headers) = (resp.status(), resp.headers().clone());
        let body = resp.json().await.unwrap_or(Value::Null);
        openapi_conformance::check(method.as_str(), path, status, &headers, &body);
        (status, headers, body)
    }

    /// GETs a path.
    pub async fn get(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        let mut req = self.http.get(format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.unwrap()
    }

    /// Reads mover `id` until neither of its addresses is `pending` (at most `wait`).
    pub async fn wait_settled(&self, token: &str, id: &str, wait: Duration) -> Value {
        let deadline = std::time::Instant::now() + wait;
        loop {
            let (_, _, mover) = self.send(reqwest::Method::GET, &format!("/movers/{id}"), token, None, &[]).await;
            if !["from_address", "to_address"].iter().any(|k| mover[k]["status"] == "pending") {
                return mover;
            }
            assert!(std::time::Instant::now() < deadline, "addresses still pending after {wait:?}: {mover}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Signs up a new `user-mover` and returns its access token: a test whose
    /// limits (open bookings, failed logins) must not meet another test's.
    pub async fn fresh_user(&self, name: &str) -> String {
        let email = format!("{name}.{}@example.com", uuid::Uuid::new_v4().simple()).to_lowercase();
        let body = json!({"email": email, "password": "a-long-password", "name": name});
        let (status, answer) = self.post("/auth/signup", None, body).await;
        assert_eq!(status, StatusCode::CREATED, "signup of {email}: {answer}");
        self.login(&email, "a-long-password").await
    }

    /// Logs in and returns the access token.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let (status, body) = self.post("/auth/token", None, json!({"email": email, "password": password})).await;
        assert_eq!(status, StatusCode::OK, "login of {email}: {body}");
        body["access_token"].as_str().unwrap().to_owned()
    }
}
