//! Each record's log lines carry the Lambda request it ran in, the X-Ray segment of
//! its sender, its W3C trace and the message's ids. A test binary of its
//! own: tracing caches which call sites a subscriber wants per process, and tests on
//! other threads without a subscriber would race it.
use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use platform::bus::RecordingPublisher;
use platform::metrics::MetricsSink;
use platform_consumer::{Accepts, Consumer, Emit, MemoryLedger, test_records};
use platform_identity::TestIssuer;
use platform_messages::contracts::addressing::{AddressReceived, AddressSubmission, PostalAddress};
use platform_messages::{Envelope, Trace, event};

/// A log sink for one test.
#[derive(Clone, Default)]
struct Logs(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn each_record_logs_the_lambda_request_it_ran_in_and_its_traces() {
    let logs = Logs::default();
    let sink = logs.clone();
    // The lines a worker writes (`platform::telemetry::init` installs the same).
    let subscriber = platform::telemetry::log_subscriber("addressing", "info", move || sink.clone());
    let _logging = tracing::subscriber::set_default(subscriber);
    let issuer = TestIssuer::new();
    let consumer = Consumer::new(
        "addressing",
        Arc::new(MemoryLedger::new(Duration::from_secs(30))),
        Arc::new(RecordingPublisher::default()),
        issuer.verifier(),
    )
    .with_metrics(MetricsSink::Buffer(Default::default()))
    .on::<AddressReceived, _, _>(Accepts::SystemWork, |_m: Envelope<AddressSubmission>, _| async { Ok(Emit::none()) });
    let context = platform::invocation::test_context("req-7", Duration::from_secs(30));
    let data = AddressSubmission { reference: "a".into(), address: PostalAddress::default() };
    let mut envelope = Envelope::new(event!("address.received"), serde_json::to_value(data).unwrap());
    envelope.causation_id = Some("cause-3".into());
    let mut record = SqsMessage::default();
    record.message_id = Some("ok".into());
    record.body = Some(envelope.to_json().unwrap());
    let sent = Trace::start().sent_as(&uuid::Uuid::new_v4());
    let mut traced =
        test_records::with_traceparent(&Envelope::new(event!("address.received"), envelope.data.clone()), &sent);
    traced.message_id = Some("traced".into());
    let xray = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
    traced.attributes.insert("AWSTraceHeader".into(), xray.into());
    let mut event = SqsEvent::default();
    event.records = vec![record, traced];
    platform::invocation::within(&context, consumer.handle_batch(event)).await;
    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    let handled = text.lines().find(|l| l.contains("\"handled\"")).unwrap_or_else(|| panic!("no `handled` in {text}"));
    assert!(handled.contains("\"function_request_id\":\"req-7\""), "{handled}");
    let untraced: Vec<&str> = text.lines().filter(|l| l.contains("\"handled\"")).collect();
    assert_eq!(untraced.len(), 2, "{text}");
    let traced =
        untraced.iter().find(|l| l.contains("\"sqs_message_id\":\"traced\"")).expect("the traced record's line");
    assert!(traced.contains(&format!("\"xray_trace_id\":\"{xray}\"")), "the sender's segment: {traced}");
    assert!(traced.contains(&format!("\"trace_id\":\"{}\"", sent.trace_id_hex())), "its W3C trace: {traced}");
    let plain = untraced.iter().find(|l| l.contains("\"sqs_message_id\":\"ok\"")).unwrap();
    let conversation = Trace::of_conversation(&envelope.correlation_id).id_hex();
    assert!(plain.contains(&format!("\"trace_id\":\"{conversation}\"")), "its conversation's trace: {plain}");
    // The message's own ids, as the envelope carries them.
    let line: serde_json::Value = serde_json::from_str(plain).unwrap();
    assert_eq!(line["message_id"], envelope.id.to_string(), "{plain}");
    assert_eq!(line["name"], "address.received", "{plain}");
    assert_eq!(line["correlation_id"], envelope.correlation_id.as_str(), "{plain}");
    assert_eq!(line["causation_id"], "cause-3", "{plain}");
}
