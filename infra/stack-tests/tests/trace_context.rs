//! One trace across every hop, through the deployed stack: a request to create a
//! mover with a W3C `traceparent` header continues that trace in every message it
//! causes (the gateway's, through the outbox relay; the addressing answers; the
//! movers worker's update), each message with a span of its own id, and the
//! notifications worker logs the same trace id as it mails the code. The spans the
//! functions export over OTLP form one tree: the gateway's request span under the
//! caller's, and every worker's record span under the span of the message it
//! handled, up to that request.
use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use platform_messages::{Trace, TraceParent};
use platform_testkit::{Probe, Received};
use reqwest::{Method, StatusCode};
use serde_json::json;
use stack_tests::exported_spans::{self, ExportedSpan};
use stack_tests::function_logs::wait_logged;
use stack_tests::{ANSWER_TIMEOUT, Api, PASSWORD, stack};

fn trace_of(r: &Received) -> Option<TraceParent> {
    r.attributes.get("traceparent").and_then(|t| t.parse().ok())
}

#[tokio::test]
async fn a_create_mover_request_shares_its_trace_with_every_hop_it_causes() {
    let stack = stack().await;
    let api = Api::new(&stack);
    let mut probe = Probe::subscribe(&stack, stack.output("EventsTopicArn").unwrap()).await.unwrap();
    let token = api.login("mover@updater.local", PASSWORD).await;
    let arrived = Trace::start().sent_as(&uuid::Uuid::new_v4());
    let number = 100 + (uuid::Uuid::new_v4().as_u128() % 9000) as u32;
    let body = json!({"name": "Ada Traced", "email": format!("ada.{}@example.com", uuid::Uuid::new_v4().simple()),
        "from_address": {"line1": format!("{number} North Main Street"), "city": "Springfield", "state": "IL", "zip": "62701"},
        "to_address": {"line1": format!("{number} Elm Street"), "city": "Chicago", "state": "IL", "zip": "60601"}});
    let traceparent = arrived.to_string();
    let headers = [("traceparent", traceparent.as_str())];
    let (status, _, mover) = api.send(Method::POST, "/movers", &token, Some(body), &headers).await;
    assert_eq!(status, StatusCode::CREATED, "{mover}");

    // Every hop: the gateway's messages, both addresses' answers, the mover's update.
    let wanted = ["mover.created", "address.received", "address.reconciled", "mover.updated"];
    let in_trace = |r: &Received| trace_of(r).is_some_and(|t| t.trace_id == arrived.trace_id);
    let deadline = Instant::now() + ANSWER_TIMEOUT;
    let seen = loop {
        let seen = probe.collect_for(Duration::from_secs(1), in_trace).await.unwrap();
        let names: BTreeSet<&str> = seen.iter().map(|r| r.envelope.name.as_str()).collect();
        if wanted.iter().all(|w| names.contains(w)) || Instant::now() > deadline {
            break seen;
        }
    };
    let names: BTreeSet<&str> = seen.iter().map(|r| r.envelope.name.as_str()).collect();
    assert!(wanted.iter().all(|w| names.contains(w)), "hops in the trace: {names:?}");
    for r in &seen {
        let trace = trace_of(r).unwrap();
        assert_eq!(
            trace.span_id,
            platform_messages::message_span(&r.envelope.id),
            "{} has a span of its own id",
            r.envelope.name
        );
    }
    // The conversation holds nothing outside the trace.
    let correlation = &seen[0].envelope.correlation_id;
    let all = probe.collect_for(Duration::from_secs(1), |r| &r.envelope.correlation_id == correlation).await.unwrap();
    let outside: Vec<_> = all.iter().filter(|r| !in_trace(r)).map(|r| r.envelope.name.to_string()).collect();
    assert!(outside.is_empty(), "messages of the conversation outside its trace: {outside:?}");

    let hex = arrived.trace_id_hex();
    let line = wait_logged(&stack, "NotificationsWorker", &[&hex], ANSWER_TIMEOUT).await.unwrap();
    assert!(line.contains("email_verification.requested"), "{line}");
    let logged: serde_json::Value = serde_json::from_str(line.trim()).unwrap();
    let function = logged["function_name"].as_str().unwrap_or_default();
    assert!(function.contains("NotificationsWorker") && logged["function_version"].is_string(), "{line}");
    probe.close().await.unwrap();

    // The exported spans: each worker's record span leads up, parent by parent, to
    // the gateway's request span, which is the child of the caller's span.
    let caller_span = format!("{:016x}", arrived.span_id);
    let rooted = |spans: &HashMap<String, ExportedSpan>, service: &str| {
        let records = spans.values().filter(|s| s.service == service && s.get("name") == Some("record"));
        let rooted = records.map(|record| exported_spans::ancestry(spans, record)).find(|chain| {
            let top = chain.last().unwrap();
            top.get("name") == Some("request") && top.get("parentSpanId") == Some(caller_span.as_str())
        });
        rooted
            .map(|chain| chain.iter().map(|s| format!("{}:{}", s.service, s.get("name").unwrap())).collect::<Vec<_>>())
    };
    let all = |spans: &HashMap<String, ExportedSpan>| {
        ["addressing", "movers", "notifications"]
            .iter()
            .map(|service| rooted(spans, service))
            .collect::<Option<Vec<_>>>()
    };
    let chains = exported_spans::wait_for(&hex, ANSWER_TIMEOUT, all).await.unwrap();
    let notified = &chains[2];
    assert_eq!(notified.first().map(String::as_str), Some("notifications:record"), "{chains:?}");
    assert_eq!(notified.last().map(String::as_str), Some("movers:request"), "{chains:?}");
    assert!(notified.iter().any(|s| s.ends_with(":send email_verification.requested")), "{notified:?}");
}

#[tokio::test]
async fn a_booking_request_shares_its_trace_with_the_saga_steps_and_their_messages() {
    let stack = stack().await;
    let api = Api::new(&stack);
    let mut tasks = Probe::subscribe(&stack, stack.output("TasksTopicArn").unwrap()).await.unwrap();
    let mut events = Probe::subscribe(&stack, stack.output("EventsTopicArn").unwrap()).await.unwrap();
    let token = api.fresh_user("TracedBooker").await;
    let mover = stack_tests::moves::create_mover(&api, &token, false).await;
    let arrived = Trace::start().sent_as(&uuid::Uuid::new_v4());
    let traceparent = arrived.to_string();
    let key = uuid::Uuid::new_v4().to_string();
    let headers = [("traceparent", traceparent.as_str()), ("Idempotency-Key", key.as_str())];
    // A declined card: the saga asks for both addresses, fails the charge, compensates, cancels.
    let body = stack_tests::moves::request(&mover, &stack_tests::moves::unique_date(), 2, "tok_decline");
    let (status, answer) = stack_tests::moves::book_with_headers(&api, &token, &headers, &body).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    let booking = answer["booking_id"].as_str().unwrap().to_owned();

    let in_trace = |r: &Received| trace_of(r).is_some_and(|t| t.trace_id == arrived.trace_id);
    let of_booking = |r: &Received| r.envelope.correlation_id == booking;
    let cancelled = events
        .wait_for(ANSWER_TIMEOUT, |r| of_booking(r) && r.envelope.name.as_str() == "move.cancelled")
        .await
        .unwrap();
    assert!(in_trace(&cancelled), "move.cancelled is in the request's trace: {:?}", trace_of(&cancelled));
    let asks = tasks.collect_for(Duration::from_secs(1), of_booking).await.unwrap();
    assert!(asks.len() >= 2 && asks.iter().all(in_trace), "both asks are in the request's trace: {asks:?}");
    let hex = arrived.trace_id_hex();
    let line = wait_logged(&stack, "MovesSteps", &[&hex], ANSWER_TIMEOUT).await.unwrap();
    assert!(line.contains("\"trace_id\""), "{line}");
    tasks.close().await.unwrap();
    events.close().await.unwrap();
}
