//! Decoding one SQS record into an envelope: raw delivery, or an SNS notification
//! wrapped in the body (when a subscription lacks `RawMessageDelivery`).
use platform_messages::{EnvelopeError, RawEnvelope, TraceParent};
use serde::Deserialize;
use thiserror::Error;

use super::queue_event::QueueRecord;

/// Why a record could not be decoded.
#[derive(Debug, Error)]
pub enum DecodeError {
    /// The record has no body.
    #[error("record has no body")]
    NoBody,
    /// The body (or the wrapped SNS message) is not a valid envelope.
    #[error(transparent)]
    Envelope(#[from] EnvelopeError),
}

/// A decoded record: the envelope (its data the JSON text it arrived in, borrowed
/// from the record) and the caller's token, if one rode along.
#[derive(Debug, Clone)]
pub struct Incoming<'a> {
    /// The envelope.
    pub envelope: RawEnvelope<'a>,
    /// The JWT from the `authorization` attribute (without `Bearer `).
    pub token: Option<String>,
    /// The trace context from the `traceparent` attribute; a malformed one is
    /// dropped (the handling is then in the trace of its correlation id), never the record.
    pub trace: Option<TraceParent>,
}

fn bearer(value: &str) -> Option<String> {
    let token = value.strip_prefix("Bearer ").unwrap_or(value).trim();
    (!token.is_empty()).then(|| token.to_owned())
}

/// The parts of an SNS notification (a body delivered without `RawMessageDelivery`)
/// that the consumer reads; everything else is skipped.
#[derive(Deserialize)]
struct SnsNotification {
    #[serde(rename = "Type")]
    kind: String,
    #[serde(rename = "Message")]
    message: String,
    #[serde(rename = "MessageAttributes", default)]
    attributes: SnsAttributes,
}

#[derive(Deserialize, Default)]
struct SnsAttributes {
    // The names of `attribute::AUTHORIZATION` and `TRACEPARENT` (a test holds them together).
    authorization: Option<SnsAttribute>,
    traceparent: Option<SnsAttribute>,
}

#[derive(Deserialize)]
struct SnsAttribute {
    #[serde(rename = "Value")]
    value: String,
}

/// The wrapped envelope, token and trace, when a body is an SNS notification.
fn unwrap_sns(body: &str) -> Option<(String, Option<String>, Option<TraceParent>)> {
    let notification: SnsNotification = serde_json::from_str(body).ok()?;
    if notification.kind != "Notification" {
        return None;
    }
    let token = notification.attributes.authorization.and_then(|a| bearer(&a.value));
    let trace = notification.attributes.traceparent.and_then(|a| a.value.parse().ok());
    Some((notification.message, token, trace))
}

/// Room for the envelope that an SNS notification wraps, so that the decoded
/// record can borrow from it (a raw body, the platform's delivery, needs none).
#[derive(Debug, Default)]
pub struct Unwrapped(Option<String>);

/// Decodes a record's body and the `authorization` attribute. A raw envelope (the
/// platform's subscriptions deliver raw) is parsed once, its data borrowed as text;
/// only a body that is not one is tried as an SNS notification wrapping one, whose
/// envelope is kept in `room`.
pub fn decode_record<'a>(record: &'a QueueRecord, room: &'a mut Unwrapped) -> Result<Incoming<'a>, DecodeError> {
    let body = record.body.as_deref().ok_or(DecodeError::NoBody)?;
    let attribute_token = record.message_attributes.authorization.as_ref().and_then(|a| a.string_value.as_deref());
    let attribute_token = attribute_token.and_then(bearer);
    let trace = record.message_attributes.traceparent.as_ref().and_then(|a| a.string_value.as_deref()?.parse().ok());
    match RawEnvelope::decode_raw(body) {
        Ok(envelope) => Ok(Incoming { envelope, token: attribute_token, trace }),
        Err(raw_error) => match unwrap_sns(body) {
            Some((message, wrapped_token, wrapped_trace)) => {
                let message = room.0.insert(message);
                let (token, trace) = (attribute_token.or(wrapped_token), trace.or(wrapped_trace));
                Ok(Incoming { envelope: RawEnvelope::decode_raw(message)?, token, trace })
            }
            None => Err(raw_error.into()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queue_event::StringAttribute;
    use platform_messages::attribute;
    use platform_messages::{Envelope, event};
    use serde_json::json;

    fn record(body: &str) -> QueueRecord {
        QueueRecord { message_id: Some("m-1".into()), body: Some(body.into()), ..Default::default() }
    }

    fn decoded(record: &QueueRecord) -> Result<(Envelope, Option<String>), DecodeError> {
        let mut room = Unwrapped::default();
        let incoming = decode_record(record, &mut room)?;
        Ok((incoming.envelope.to_value()?, incoming.token))
    }

    #[test]
    fn raw_body_with_token_attribute() {
        let e = Envelope::new(event!("address.received"), json!({"ref": "a"}));
        let mut r = record(&e.to_json().unwrap());
        r.message_attributes.authorization = Some(StringAttribute { string_value: Some("Bearer t0k".into()) });
        assert_eq!(decoded(&r).unwrap(), (e, Some("t0k".into())));
    }

    #[test]
    fn sns_wrapped_body_is_unwrapped() {
        let e = Envelope::new(event!("address.received"), json!({"ref": "a"}));
        let wrapped = json!({
            "Type": "Notification", "MessageId": "x", "TopicArn": "arn:aws:sns:us-east-1:1:events",
            "Message": e.to_json().unwrap(),
            "MessageAttributes": {"authorization": {"Type": "String", "Value": "Bearer abc"}}
        });
        assert_eq!(decoded(&record(&wrapped.to_string())).unwrap(), (e, Some("abc".into())));
        assert_eq!(attribute::AUTHORIZATION, "authorization", "the field SnsAttributes reads");
    }

    #[test]
    fn garbage_and_missing_bodies_are_errors_with_reasons() {
        assert!(matches!(decoded(&QueueRecord::default()), Err(DecodeError::NoBody)));
        let err = decoded(&record("{{garbage")).unwrap_err().to_string();
        assert!(err.contains("not a valid envelope"), "{err}");
        let wrapped_garbage = json!({"Type": "Notification", "Message": "nope"}).to_string();
        assert!(decoded(&record(&wrapped_garbage)).is_err());
    }
}
