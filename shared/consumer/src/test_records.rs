//! SQS records for the in-memory tests of a service's consumer (feature `testing`):
//! an envelope as the queue delivers it, with or without the caller's token or
//! its trace context.
use aws_lambda_events::event::sqs::{SqsMessage, SqsMessageAttribute};
use platform_messages::{Envelope, TraceParent, attribute};
use serde_json::Value;

/// `envelope` as one SQS record, its message id the envelope's.
pub fn record(envelope: &Envelope<Value>) -> SqsMessage {
    let mut r = SqsMessage::default();
    r.message_id = Some(envelope.id.to_string());
    r.body = Some(envelope.to_json().expect("a test envelope renders"));
    r
}

/// `envelope` as one SQS record carrying `token` in its `authorization` attribute.
pub fn with_token(envelope: &Envelope<Value>, token: &str) -> SqsMessage {
    with_attribute(record(envelope), attribute::AUTHORIZATION, format!("Bearer {token}"))
}

/// `envelope` as one SQS record sent in `traceparent` (its `traceparent` attribute).
pub fn with_traceparent(envelope: &Envelope<Value>, traceparent: &TraceParent) -> SqsMessage {
    with_attribute(record(envelope), attribute::TRACEPARENT, traceparent.to_string())
}

/// `record` with the string message attribute `name`.
pub fn with_attribute(mut record: SqsMessage, name: &str, value: String) -> SqsMessage {
    let mut string = SqsMessageAttribute::default();
    (string.string_value, string.data_type) = (Some(value), Some("String".into()));
    record.message_attributes.insert(name.into(), string);
    record
}
