//! Decoding one SQS record into an envelope: raw delivery, or an SNS notification
//! wrapped in the body (when a subscription lacks `RawMessageDelivery`).
use aws_lambda_events::event::sqs::SqsMessage;
use platform_messages::{EnvelopeError, RawEnvelope, attribute};
use serde::Deserialize;
use thiserror::Error;

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

/// A decoded record: the envelope (its data still the JSON text it arrived as) and
/// the caller's token, if one rode along.
#[derive(Debug, Clone)]
pub struct Incoming {
    /// The envelope.
    pub envelope: RawEnvelope,
    /// The JWT from the `authorization` attribute (without `Bearer `).
    pub token: Option<String>,
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
    // The name of `attribute::AUTHORIZATION` (a test holds the two together).
    authorization: Option<SnsAttribute>,
}

#[derive(Deserialize)]
struct SnsAttribute {
    #[serde(rename = "Value")]
    value: String,
}

/// The wrapped envelope and token, when a body is an SNS notification.
fn unwrap_sns(body: &str) -> Option<(String, Option<String>)> {
    let notification: SnsNotification = serde_json::from_str(body).ok()?;
    if notification.kind != "Notification" {
        return None;
    }
    let token = notification.attributes.authorization.and_then(|a| bearer(&a.value));
    Some((notification.message, token))
}

/// Decodes a record's body and the `authorization` attribute. A raw envelope (the
/// platform's subscriptions deliver raw) is parsed once, its data kept as text;
/// only a body that is not one is tried as an SNS notification wrapping one.
pub fn decode_record(record: &SqsMessage) -> Result<Incoming, DecodeError> {
    let body = record.body.as_deref().ok_or(DecodeError::NoBody)?;
    let attribute_token = record
        .message_attributes
        .get(attribute::AUTHORIZATION)
        .and_then(|a| a.string_value.as_deref())
        .and_then(bearer);
    match RawEnvelope::decode_raw(body) {
        Ok(envelope) => Ok(Incoming { envelope, token: attribute_token }),
        Err(raw_error) => match unwrap_sns(body) {
            Some((message, wrapped_token)) => {
                Ok(Incoming { envelope: RawEnvelope::decode_raw(&message)?, token: attribute_token.or(wrapped_token) })
            }
            None => Err(raw_error.into()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lambda_events::event::sqs::SqsMessageAttribute;
    use platform_messages::{Envelope, event};
    use serde_json::json;

    fn record(body: &str) -> SqsMessage {
        let mut r = SqsMessage::default();
        r.message_id = Some("m-1".into());
        r.body = Some(body.into());
        r
    }

    #[test]
    fn raw_body_with_token_attribute() {
        let e = Envelope::new(event!("address.received"), json!({"ref": "a"}));
        let mut r = record(&e.to_json().unwrap());
        let mut attr = SqsMessageAttribute::default();
        attr.string_value = Some("Bearer t0k".into());
        attr.data_type = Some("String".into());
        r.message_attributes.insert("authorization".into(), attr);
        let got = decode_record(&r).unwrap();
        assert_eq!(got.envelope.to_value().unwrap(), e);
        assert_eq!(got.token.as_deref(), Some("t0k"));
    }

    #[test]
    fn sns_wrapped_body_is_unwrapped() {
        let e = Envelope::new(event!("address.received"), json!({"ref": "a"}));
        let wrapped = json!({
            "Type": "Notification", "MessageId": "x", "TopicArn": "arn:aws:sns:us-east-1:1:events",
            "Message": e.to_json().unwrap(),
            "MessageAttributes": {"authorization": {"Type": "String", "Value": "Bearer abc"}}
        });
        let got = decode_record(&record(&wrapped.to_string())).unwrap();
        assert_eq!(got.envelope.to_value().unwrap(), e);
        assert_eq!(got.token.as_deref(), Some("abc"));
        assert_eq!(attribute::AUTHORIZATION, "authorization", "the field SnsAttributes reads");
    }

    #[test]
    fn garbage_and_missing_bodies_are_errors_with_reasons() {
        assert!(matches!(decode_record(&SqsMessage::default()), Err(DecodeError::NoBody)));
        let err = decode_record(&record("{{garbage")).unwrap_err().to_string();
        assert!(err.contains("not a valid envelope"), "{err}");
        let wrapped_garbage = json!({"Type": "Notification", "Message": "nope"}).to_string();
        assert!(decode_record(&record(&wrapped_garbage)).is_err());
    }
}
