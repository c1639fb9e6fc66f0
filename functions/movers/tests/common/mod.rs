//! The movers gateway with in-memory movers (and their outbox), and tokens for any role.
#![allow(dead_code)]
use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use movers::app::AppState;
use movers::gateway::router;
use movers::service::MoversService;
use movers::store::MemoryMoverStore;
use platform::bus::Outgoing;
use platform_identity::{Claims, KeySet, Role, StaticJwks, TokenSettings, Verifier};
use serde_json::Value;
use tower::ServiceExt;

pub fn keys() -> &'static KeySet {
    static KEYS: OnceLock<KeySet> = OnceLock::new();
    KEYS.get_or_init(|| KeySet::generate().unwrap())
}

pub fn settings() -> TokenSettings {
    TokenSettings { issuer: "https://auth.test".into(), audience: "updater-api".into(), ttl_seconds: 900 }
}

pub fn token(role: Role, sub: &str) -> String {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    keys().sign(&Claims::issue(&settings(), sub, &format!("{sub}@test"), vec![role], now)).unwrap()
}

pub struct App {
    pub router: Router,
    pub store: Arc<MemoryMoverStore>,
}

impl App {
    /// The messages written with the changes, in order.
    pub fn outbox(&self) -> Vec<Outgoing> {
        self.store.outbox()
    }
}

pub async fn app() -> App {
    let store = Arc::new(MemoryMoverStore::default());
    let verifier = Verifier::new(&settings(), Arc::new(StaticJwks(keys().jwks().unwrap()))).await.unwrap();
    let state = AppState {
        verifier: Arc::new(verifier),
        service: MoversService::new(store.clone()),
        counters: Arc::new(platform::store::MemoryCounters::default()),
        mails_per_account: movers::app::mails_per_account(20),
    };
    App { router: platform_gateway::finish(router(state, movers::graphql::endpoint(false))), store }
}

pub async fn call(
    app: &App,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
    if_match: Option<&str>,
) -> (StatusCode, Value, Option<String>) {
    let headers: Vec<(&str, &str)> = if_match.map(|v| ("if-match", v)).into_iter().collect();
    call_with(app, method, path, token, body, &headers).await
}

/// A call with any extra headers.
pub async fn call_with(
    app: &App,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> (StatusCode, Value, Option<String>) {
    let mut req = Request::builder().method(method).uri(path).header(header::AUTHORIZATION, format!("Bearer {token}"));
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let body = match body {
        Some(v) => {
            req = req.header(header::CONTENT_TYPE, "application/json");
            Body::from(v.to_string())
        }
        None => Body::empty(),
    };
    let resp = app.router.clone().oneshot(req.body(body).unwrap()).await.unwrap();
    let status = resp.status();
    // The ETag, or for a 429 its Retry-After.
    let etag = resp
        .headers()
        .get(header::ETAG)
        .or_else(|| resp.headers().get(header::RETRY_AFTER))
        .map(|v| v.to_str().unwrap().to_owned());
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20).await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null), etag)
}
