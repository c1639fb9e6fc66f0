//! SQS records for the in-memory tests of a service's consumer (feature `testing`):
//! an envelope as the queue delivers it, with or without the caller's token.
use aws_lambda_events::event::sqs::{SqsMessage, SqsMessageAttribute};
use platform_messages::Envelope;
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
    let mut r = record(envelope);
    let mut auth = SqsMessageAttribute::default();
    auth.string_value = Some(format!("Bearer {token}"));
    auth.data_type = Some("String".into());
    r.message_attributes.insert("authorization".into(), auth);
    r
}
