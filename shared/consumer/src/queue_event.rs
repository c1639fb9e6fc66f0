//! The Lambda SQS event as the consumer reads it: the record's id, body, FIFO group,
//! X-Ray trace header and `authorization` and `traceparent` attributes, parsed once
//! from the invocation's JSON; every other field (receipt handle, checksums, ARNs,
//! the other attributes) is skipped without being stored. `aws_lambda_events`' `SqsEvent` converts into it, for
//! tests and callers that build events themselves.
use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use serde::Deserialize;

/// A batch of SQS records.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct QueueEvent {
    /// The records, in delivery order.
    #[serde(rename = "Records", default)]
    pub records: Vec<QueueRecord>,
}

/// One SQS record.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueRecord {
    /// The SQS message id (what a partial batch failure names).
    #[serde(default)]
    pub message_id: Option<String>,
    /// The body: an envelope, or an SNS notification wrapping one.
    #[serde(default)]
    pub body: Option<String>,
    /// The MD5 digest of the body, as SQS computed it (copies of one message share it).
    #[serde(default)]
    pub md5_of_body: Option<String>,
    /// The system attributes the consumer reads.
    #[serde(default)]
    pub attributes: SystemAttributes,
    /// The message attributes the consumer reads.
    #[serde(default)]
    pub message_attributes: MessageAttributes,
}

/// The SQS system attributes the consumer reads.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SystemAttributes {
    /// A FIFO record's group.
    #[serde(rename = "MessageGroupId", default)]
    pub message_group_id: Option<String>,
    /// The X-Ray trace header of the sender's segment (with active tracing in
    /// AWS), which the record's log lines name as their `xray_trace_id`.
    #[serde(rename = "AWSTraceHeader", default)]
    pub aws_trace_header: Option<String>,
}

/// The message attributes the consumer reads (the wire format's `authorization`
/// and `traceparent`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MessageAttributes {
    /// The caller's `Bearer` token, if one rides along.
    #[serde(default)]
    pub authorization: Option<StringAttribute>,
    /// The W3C trace context the message was sent in.
    #[serde(default)]
    pub traceparent: Option<StringAttribute>,
}

/// A message attribute of data type `String`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StringAttribute {
    /// Its value.
    #[serde(default)]
    pub string_value: Option<String>,
}

impl From<&SqsMessage> for QueueRecord {
    fn from(m: &SqsMessage) -> Self {
        let string = |name: &str| {
            m.message_attributes.get(name).map(|a| StringAttribute { string_value: a.string_value.clone() })
        };
        let authorization = string(platform_messages::attribute::AUTHORIZATION);
        let traceparent = string(platform_messages::attribute::TRACEPARENT);
        QueueRecord {
            message_id: m.message_id.clone(),
            body: m.body.clone(),
            md5_of_body: m.md5_of_body.clone(),
            attributes: SystemAttributes {
                message_group_id: m.attributes.get("MessageGroupId").cloned(),
                aws_trace_header: m.attributes.get("AWSTraceHeader").cloned(),
            },
            message_attributes: MessageAttributes { authorization, traceparent },
        }
    }
}

impl From<SqsMessage> for QueueRecord {
    fn from(m: SqsMessage) -> Self {
        QueueRecord::from(&m)
    }
}

impl From<SqsEvent> for QueueEvent {
    fn from(e: SqsEvent) -> Self {
        QueueEvent { records: e.records.iter().map(QueueRecord::from).collect() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fields_the_consumer_reads_are_parsed_and_the_rest_skipped() {
        let event = r#"{"Records": [{
            "messageId": "m-1", "receiptHandle": "AQEB", "body": "{\"a\": 1}",
            "attributes": {"ApproximateReceiveCount": "2", "MessageGroupId": "g-1", "SentTimestamp": "1",
                           "AWSTraceHeader": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"},
            "messageAttributes": {
                "authorization": {"stringValue": "Bearer t0k", "stringListValues": [], "binaryListValues": [], "dataType": "String"},
                "name": {"stringValue": "x.happened", "dataType": "String"}
            },
            "md5OfBody": "x", "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:1:q", "awsRegion": "us-east-1"
        }, {"messageId": "m-2"}]}"#;
        let parsed: QueueEvent = serde_json::from_str(event).unwrap();
        let first = &parsed.records[0];
        assert_eq!((first.message_id.as_deref(), first.body.as_deref()), (Some("m-1"), Some(r#"{"a": 1}"#)));
        assert_eq!(first.attributes.message_group_id.as_deref(), Some("g-1"));
        let xray = first.attributes.aws_trace_header.as_deref().unwrap();
        assert!(xray.starts_with("Root=1-5759e988-") && xray.ends_with("Sampled=1"));
        let token = first.message_attributes.authorization.as_ref().and_then(|a| a.string_value.as_deref());
        assert_eq!(token, Some("Bearer t0k"));
        let second = &parsed.records[1];
        assert!(second.body.is_none() && second.attributes.message_group_id.is_none());
    }

    #[test]
    fn an_sqs_event_of_aws_lambda_events_converts_with_the_same_fields() {
        let text = r#"{"Records": [{"messageId": "m-1", "body": "b", "attributes": {"MessageGroupId": "g", "AWSTraceHeader": "Root=1-a"},
            "messageAttributes": {"authorization": {"stringValue": "Bearer t", "dataType": "String"}}}]}"#;
        let ours: QueueEvent = serde_json::from_str(text).unwrap();
        let converted = QueueEvent::from(serde_json::from_str::<SqsEvent>(text).unwrap());
        assert_eq!(format!("{ours:?}"), format!("{converted:?}"));
    }
}
