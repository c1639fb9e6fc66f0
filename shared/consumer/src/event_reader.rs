//! The Lambda SQS event read in one pass by [`platform_messages::json_scan`]: each record's
//! body is unescaped once, eight bytes at a time, and every field the consumer
//! does not read is skipped unbuilt. Its result equals the `Deserialize` impl's
//! (a property test holds them together); whatever it refuses, including forms
//! `serde_json` accepts and this reader does not try (a record as an array),
//! goes to `serde_json`, which has the last word and the error message.
use platform_messages::json_scan::{Once, ScanError, Scanner};

use super::queue_event::{MessageAttributes, QueueEvent, QueueRecord, StringAttribute, SystemAttributes};

impl QueueEvent {
    /// Reads the event's JSON text: the fast reader, else `serde_json`.
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        Self::read_fast(text).or_else(|_| serde_json::from_str(text))
    }

    /// The fast reader alone (what [`QueueEvent::from_json`] tries first).
    pub fn read_fast(text: &str) -> Result<Self, ScanError> {
        let mut s = Scanner::new(text);
        let mut records = Once::default();
        s.object(|s, key| match key {
            "Records" => {
                let mut list = Vec::with_capacity(10);
                s.array(|s| record(s).map(|r| list.push(r)))?;
                records.set(s, list)
            }
            _ => s.skip(),
        })?;
        s.end()?;
        Ok(QueueEvent { records: records.0.unwrap_or_default() })
    }
}

fn string(s: &mut Scanner<'_>) -> Result<Option<String>, ScanError> {
    Ok(s.optional_string()?.map(|v| v.into_owned()))
}

fn record(s: &mut Scanner<'_>) -> Result<QueueRecord, ScanError> {
    let (mut id, mut body, mut md5) = (Once::default(), Once::default(), Once::default());
    let (mut attributes, mut message_attributes) = (Once::default(), Once::default());
    s.object(|s, key| match key {
        "messageId" => string(s).and_then(|v| id.set(s, v)),
        "body" => string(s).and_then(|v| body.set(s, v)),
        "md5OfBody" => string(s).and_then(|v| md5.set(s, v)),
        "attributes" => system_attributes(s).and_then(|v| attributes.set(s, v)),
        "messageAttributes" => message_attributes_of(s).and_then(|v| message_attributes.set(s, v)),
        _ => s.skip(),
    })?;
    Ok(QueueRecord {
        message_id: id.0.flatten(),
        body: body.0.flatten(),
        md5_of_body: md5.0.flatten(),
        attributes: attributes.0.unwrap_or_default(),
        message_attributes: message_attributes.0.unwrap_or_default(),
    })
}

fn system_attributes(s: &mut Scanner<'_>) -> Result<SystemAttributes, ScanError> {
    let (mut group, mut xray) = (Once::default(), Once::default());
    s.object(|s, key| match key {
        "MessageGroupId" => string(s).and_then(|v| group.set(s, v)),
        "AWSTraceHeader" => string(s).and_then(|v| xray.set(s, v)),
        _ => s.skip(),
    })?;
    Ok(SystemAttributes { message_group_id: group.0.flatten(), aws_trace_header: xray.0.flatten() })
}

fn message_attributes_of(s: &mut Scanner<'_>) -> Result<MessageAttributes, ScanError> {
    let (mut authorization, mut traceparent) = (Once::default(), Once::default());
    s.object(|s, key| match key {
        "authorization" => optional_attribute(s).and_then(|v| authorization.set(s, v)),
        "traceparent" => optional_attribute(s).and_then(|v| traceparent.set(s, v)),
        _ => s.skip(),
    })?;
    Ok(MessageAttributes { authorization: authorization.0.flatten(), traceparent: traceparent.0.flatten() })
}

fn optional_attribute(s: &mut Scanner<'_>) -> Result<Option<StringAttribute>, ScanError> {
    if s.null()? {
        return Ok(None);
    }
    let mut value = Once::default();
    s.object(|s, key| match key {
        "stringValue" => string(s).and_then(|v| value.set(s, v)),
        _ => s.skip(),
    })?;
    Ok(Some(StringAttribute { string_value: value.0.flatten() }))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::*;

    /// Both readers' results, comparable.
    fn both(text: &str) -> (Result<String, ScanError>, Result<String, String>) {
        let fast = QueueEvent::read_fast(text).map(|e| format!("{e:?}"));
        let serde = serde_json::from_str::<QueueEvent>(text).map(|e| format!("{e:?}")).map_err(|e| e.to_string());
        (fast, serde)
    }

    /// What the fast reader accepts, `serde_json` accepts, with the same result.
    fn agrees(text: &str) -> Result<(), TestCaseError> {
        if let (Ok(fast), serde) = both(text) {
            prop_assert_eq!(Ok(fast), serde, "{}", text);
        }
        Ok(())
    }

    fn lambda_record(body: &str) -> Value {
        json!({
            "messageId": "059f36b4-87a3-44ab-83d2-661975830a7d", "receiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a",
            "body": body,
            "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1545082649183", "MessageGroupId": "g-1",
                           "AWSTraceHeader": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"},
            "messageAttributes": {
                "authorization": {"stringValue": "Bearer t0k", "stringListValues": [], "binaryListValues": [], "dataType": "String"},
                "traceparent": {"stringValue": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "dataType": "String"},
                "name": {"stringValue": "address.received", "dataType": "String"}
            },
            "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3", "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-2:123456789012:my-queue", "awsRegion": "us-east-2"
        })
    }

    #[test]
    fn a_lambda_event_reads_as_serde_json_reads_it() {
        let envelope =
            json!({"id": "0191", "name": "address.received", "data": {"ref": "é\u{1F600}\"\\\n", "n": [1, 2.5e3]}});
        let event = json!({"Records": [lambda_record(&envelope.to_string()), {"messageId": "m-2"}, lambda_record("")]});
        let text = serde_json::to_string_pretty(&event).unwrap();
        let (fast, serde) = both(&text);
        assert_eq!(fast.unwrap(), serde.unwrap());
        let read = QueueEvent::read_fast(&text).unwrap();
        assert_eq!(read.records[0].body.as_deref(), Some(envelope.to_string().as_str()));
        assert_eq!(read.records[0].attributes.message_group_id.as_deref(), Some("g-1"));
        let token = read.records[0].message_attributes.authorization.as_ref().unwrap().string_value.as_deref();
        assert_eq!(token, Some("Bearer t0k"));
        assert!(read.records[1].body.is_none() && read.records[1].attributes.aws_trace_header.is_none());
    }

    #[test]
    fn nulls_missing_fields_and_empty_events_read_as_serde_json_reads_them() {
        for text in [
            "{}",
            r#"{"Records": []}"#,
            r#"{"Records": [{}], "other": {"x": [null, true, -1.5]}}"#,
            r#"{"Records": [{"body": null, "messageId": null, "messageAttributes": {"authorization": null}}]}"#,
            r#"{"Records": [{"messageAttributes": {"traceparent": {"stringValue": null}}, "attributes": {}}]}"#,
        ] {
            let (fast, serde) = both(text);
            assert_eq!(fast.unwrap(), serde.unwrap(), "{text}");
        }
    }

    #[test]
    fn what_serde_json_refuses_the_fast_reader_refuses() {
        for text in [
            r#"{"Records": [{"body": "a", "body": "b"}]}"#,
            r#"{"Records": [], "Records": []}"#,
            r#"{"Records": null}"#,
            r#"{"Records": [{"attributes": null}]}"#,
            r#"{"Records": [{"body": 5}]}"#,
            r#"{"Records": [{"body": "a"}]} trailing"#,
            r#"{"Records": [{"body": "a"}"#,
        ] {
            let (fast, serde) = both(text);
            assert!(fast.is_err() && serde.is_err(), "{text}: {fast:?} {serde:?}");
        }
    }

    #[test]
    fn forms_it_does_not_try_are_left_to_serde_json() {
        // serde's derive also reads a struct from an array of its fields.
        let text = r#"{"Records": [["m-1", "the body", null, {}, {}]]}"#;
        assert!(QueueEvent::read_fast(text).is_err());
        let event = QueueEvent::from_json(text).unwrap();
        assert_eq!(event.records[0].body.as_deref(), Some("the body"));
    }

    fn json_text() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[a-z\"\\\\/\u{0}-\u{1f}é😀 ]{0,40}",
            Just(r#"{"id":"x","data":{"k":"v\"w"}}"#.to_owned())
        ]
    }

    fn record_value() -> impl Strategy<Value = Value> {
        (json_text(), proptest::option::of(json_text()), any::<bool>(), any::<bool>(), json_text()).prop_map(
            |(body, group, with_token, with_null, extra)| {
                let mut r = lambda_record(&body);
                r["attributes"]["MessageGroupId"] = group.map_or(Value::Null, Value::String);
                if !with_token {
                    r["messageAttributes"].as_object_mut().unwrap().remove("authorization");
                }
                if with_null {
                    r["md5OfBody"] = Value::Null;
                }
                r[extra.as_str()] = json!({"nested": [extra.clone(), 1, {"deep": null}]});
                r
            },
        )
    }

    proptest! {
        #[test]
        fn any_event_reads_as_serde_json_reads_it(records in proptest::collection::vec(record_value(), 0..4), pretty: bool) {
            let event = json!({"Records": records});
            let text = if pretty { serde_json::to_string_pretty(&event) } else { serde_json::to_string(&event) }.unwrap();
            let (fast, serde) = both(&text);
            prop_assert_eq!(Ok(fast.unwrap()), serde);
        }

        #[test]
        fn a_damaged_event_is_refused_or_read_as_serde_json_reads_it(
            records in proptest::collection::vec(record_value(), 1..3),
            cut in any::<prop::sample::Index>(),
            byte in any::<u8>(),
        ) {
            let text = json!({"Records": records}).to_string();
            let at = cut.index(text.len());
            let mut damaged = text.as_bytes().to_vec();
            damaged[at] = byte;
            if let Ok(damaged) = String::from_utf8(damaged) {
                agrees(&damaged)?;
            }
            agrees(&text[..text.floor_char_boundary(at)])?;
        }
    }
}
