//! A gateway request's span exported over OTLP: it continues the caller's
//! `traceparent`, and without one it starts the trace that the messages it sends
//! continue (each a span of its own id under the request's). A test binary of its
//! own: the subscriber and the export are installed once per process.
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::routing::post;
use lambda_http::Context;
use platform::traces::ExportSettings;
use platform_gateway::Authenticated;
use platform_identity::{Role, TestIssuer, Verifier};
use platform_messages::contracts::auth::{UserAuthed, UserAuthedData};
use platform_messages::{TraceParent, message_span};
use platform_testkit::otlp_collector::{OtlpCollector, attribute};
use serde_json::Value;
use tower::ServiceExt;

/// Sends one message on the caller's behalf and answers with its id and traceparent.
async fn send(who: Authenticated) -> String {
    let data = UserAuthedData { user_id: who.caller.sub.clone(), roles: vec![], token: "x".into(), reference: None };
    let message = who.on_behalf::<UserAuthed>(&data).unwrap();
    format!("{} {}", message.envelope.id, message.attributes().get("traceparent").unwrap())
}

async fn call(router: Router, token: &str, traceparent: Option<&str>) -> (String, TraceParent) {
    let mut request = axum::http::Request::post("/send").header("authorization", format!("Bearer {token}"));
    if let Some(traceparent) = traceparent {
        request = request.header("traceparent", traceparent);
    }
    let mut request = request.body(Body::empty()).unwrap();
    let context: Context = platform::invocation::test_context("req-gw", Duration::from_secs(30));
    request.extensions_mut().insert(context);
    let response = router.oneshot(request).await.unwrap();
    assert_eq!(response.status(), 200);
    let body = String::from_utf8(axum::body::to_bytes(response.into_body(), 4096).await.unwrap().to_vec()).unwrap();
    let (id, traceparent) = body.split_once(' ').unwrap();
    (id.to_owned(), traceparent.parse().unwrap())
}

#[tokio::test]
async fn a_request_span_continues_the_callers_trace_or_starts_the_one_its_messages_continue() {
    let collector = OtlpCollector::start().unwrap();
    let endpoint = collector.endpoint().to_owned();
    let settings =
        ExportSettings::from_lookup("movers", |name| (name == "OTEL_EXPORTER_OTLP_ENDPOINT").then(|| endpoint.clone()));
    platform::telemetry::init_with("movers", settings);
    let issuer = TestIssuer::new();
    let verifier: Arc<Verifier> = issuer.verifier();
    let router = platform_gateway::finish(Router::new().route("/send", post(send)).with_state(verifier));
    let token = issuer.token("usr_1", vec![Role::UserClient]);

    let caller = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let (continued_id, continued) = call(router.clone(), &token, Some(caller)).await;
    let (started_id, started) = call(router, &token, None).await;

    let spans: Vec<Value> = collector.spans().into_iter().map(|(_, span)| span).collect();
    let requests: Vec<&Value> = spans.iter().filter(|s| s["name"] == "request").collect();
    assert_eq!(requests.len(), 2, "{spans:#?}");
    let of_trace = |trace: &str| requests.iter().find(|s| s["traceId"] == trace).copied();
    let first = of_trace("4bf92f3577b34da6a3ce929d0e0e4736").expect("the caller's trace continued");
    assert_eq!((first["parentSpanId"].as_str(), first["kind"].as_u64()), (Some("00f067aa0ba902b7"), Some(2)));
    assert_eq!(attribute(first, "function_request_id"), Some("req-gw"));
    assert_eq!(attribute(first, "path"), Some("/send"));
    assert_eq!(continued.trace_id_hex(), "4bf92f3577b34da6a3ce929d0e0e4736");

    let second = of_trace(&started.trace_id_hex()).expect("the message continues the request's trace");
    assert!(second.get("parentSpanId").is_none(), "a new trace starts at the request: {second}");
    for (id, sent, request) in [(&continued_id, &continued, first), (&started_id, &started, second)] {
        let message = spans.iter().find(|s| attribute(s, "message_id") == Some(id.as_str()));
        let message = message.unwrap_or_else(|| panic!("no span of message {id} in {spans:#?}"));
        assert_eq!(message["name"], "send user.authed");
        assert_eq!(message["parentSpanId"], request["spanId"], "sent while answering the request");
        assert_eq!(message["spanId"], format!("{:016x}", sent.span_id));
        assert_eq!(sent.span_id, message_span(&id.parse().unwrap()), "the message's own span");
    }
}
