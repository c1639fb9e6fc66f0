//! Spans exported over OTLP/HTTP to a collector on loopback: a handled record's span
//! continues the trace it arrived in (its parent the message's span), the message
//! its handler sends is a span of its own id under the record's, and a collector
//! that is down fails nothing. A test binary of its own: the subscriber and the
//! export are installed once per process.
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use platform::bus::RecordingPublisher;
use platform::metrics::MetricsSink;
use platform::traces::ExportSettings;
use platform_consumer::{Accepts, Consumer, Emit, MemoryLedger, test_records};
use platform_identity::TestIssuer;
use platform_messages::contracts::addressing::{
    AddressReceived, AddressRejected, AddressRejectedData, AddressSubmission, PostalAddress,
};
use platform_messages::{Envelope, Trace, TraceParent, event, message_span};
use platform_testkit::otlp_collector::{OtlpCollector, attribute};
use serde_json::Value;

fn invocation() -> lambda_runtime::Context {
    platform::invocation::test_context("req-otlp", Duration::from_secs(30))
}

fn record(envelope: &Envelope<Value>, traceparent: Option<&TraceParent>) -> SqsMessage {
    match traceparent {
        Some(traceparent) => test_records::with_traceparent(envelope, traceparent),
        None => test_records::record(envelope),
    }
}

#[tokio::test]
async fn a_handled_record_and_the_message_it_sends_are_exported_in_the_trace_it_arrived_in() {
    let collector = OtlpCollector::start().unwrap();
    let endpoint = collector.endpoint().to_owned();
    let settings = ExportSettings::from_lookup("addressing", |name| match name {
        "OTEL_EXPORTER_OTLP_ENDPOINT" => Some(endpoint.clone()),
        "OTEL_EXPORTER_OTLP_TIMEOUT" => Some("2000".into()),
        _ => None,
    });
    platform::telemetry::init_with("addressing", settings);
    assert!(platform::traces::enabled());

    let publisher = Arc::new(RecordingPublisher::default());
    let consumer = Consumer::new(
        "addressing",
        Arc::new(MemoryLedger::new(Duration::from_secs(30))),
        publisher.clone(),
        TestIssuer::new().verifier(),
    )
    .with_metrics(MetricsSink::Buffer(Default::default()))
    .on::<AddressReceived, _, _>(Accepts::SystemWork, |m: Envelope<AddressSubmission>, _| async move {
        Emit::one::<AddressRejected>(&AddressRejectedData { reference: m.data.reference, reasons: vec!["no".into()] })
    });
    let data = serde_json::to_value(AddressSubmission { reference: "a".into(), address: PostalAddress::default() });
    let traced = Envelope::new(event!("address.received"), data.unwrap());
    let untraced = Envelope::new(event!("address.received"), traced.data.clone());
    let arrived = Trace::start().sent_as(&traced.id);
    let mut event = SqsEvent::default();
    event.records = vec![record(&traced, Some(&arrived)), record(&untraced, None)];
    let response = platform::invocation::within(&invocation(), consumer.handle_batch(event)).await;
    assert!(response.batch_item_failures.is_empty());

    // Flushed before `within` returned: nothing to wait for.
    let exported = collector.spans();
    assert!(exported.iter().all(|(service, _)| service == "addressing"), "the resource's service.name");
    let spans: Vec<Value> = exported.into_iter().map(|(_, span)| span).collect();
    let record_of = |id: &uuid::Uuid| {
        let found = spans.iter().find(|s| s["name"] == "record" && attribute(s, "message_id") == Some(&id.to_string()));
        found.unwrap_or_else(|| panic!("no record span of {id} in {spans:#?}")).clone()
    };
    let record_span = record_of(&traced.id);
    assert_eq!(record_span["traceId"], arrived.trace_id_hex(), "the trace it arrived in");
    assert_eq!(record_span["parentSpanId"], format!("{:016x}", arrived.span_id), "the sender's message span");
    assert_eq!(record_span["kind"], 5, "a consumer span");
    assert_eq!(attribute(&record_span, "function_request_id"), Some("req-otlp"));
    assert_eq!(attribute(&record_span, "correlation_id"), Some(traced.correlation_id.as_str()));
    let sent = publisher.sent();
    let reply = sent.iter().find(|m| m.envelope.causation_id == Some(traced.id.to_string())).unwrap();
    let send_span = spans.iter().find(|s| attribute(s, "message_id") == Some(&reply.envelope.id.to_string()));
    let send_span = send_span.unwrap_or_else(|| panic!("no span of the sent message in {spans:#?}"));
    assert_eq!(send_span["name"], "send address.rejected");
    assert_eq!((&send_span["traceId"], send_span["kind"].as_u64()), (&record_span["traceId"], Some(4)));
    assert_eq!(send_span["parentSpanId"], record_span["spanId"], "sent by the record's handling");
    assert_eq!(send_span["spanId"], format!("{:016x}", message_span(&reply.envelope.id)));
    let on_the_wire: TraceParent = reply.attributes().get("traceparent").unwrap().parse().unwrap();
    assert_eq!(
        format!("{:016x}", on_the_wire.span_id),
        send_span["spanId"].as_str().unwrap(),
        "what the receiver names"
    );

    let conversation = record_of(&untraced.id);
    assert_eq!(
        conversation["traceId"],
        Trace::of_conversation(&untraced.correlation_id).id_hex(),
        "its conversation's"
    );
    assert_eq!(conversation["parentSpanId"], format!("{:016x}", message_span(&untraced.id)));

    // A collector that is down costs the batch nothing but a logged warning.
    let received = collector.bodies().len();
    collector.stop();
    let again = Envelope::new(event!("address.received"), traced.data.clone());
    let mut event = SqsEvent::default();
    event.records = vec![record(&again, None)];
    let started = Instant::now();
    let response = platform::invocation::within(&invocation(), consumer.handle_batch(event)).await;
    assert!(response.batch_item_failures.is_empty());
    assert!(started.elapsed() < Duration::from_secs(2), "no wait for a closed port: {:?}", started.elapsed());
    let after = collector.bodies().len();
    assert!(received == 1 && after == 1, "the second export reached no collector ({after} bodies)");
}
