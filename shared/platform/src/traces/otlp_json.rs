//! The OTLP/HTTP JSON body of an export (`ExportTraceServiceRequest` in
//! OpenTelemetry's JSON mapping): trace and span ids as lowercase hex, times as
//! nanoseconds since the epoch in strings, 64-bit integers in strings.
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::buffer::{AttributeValue, FinishedSpan};

/// The scope the platform's spans are reported under.
const SCOPE: &str = "platform";

/// The export request of `spans`, all of the process `resource` describes.
pub fn request(resource: &[(String, String)], spans: &[FinishedSpan]) -> Vec<u8> {
    let resource: Vec<Value> = resource.iter().map(|(k, v)| attribute(k, &AttributeValue::Text(v.clone()))).collect();
    let body = json!({
        "resourceSpans": [{
            "resource": {"attributes": resource},
            "scopeSpans": [{"scope": {"name": SCOPE}, "spans": spans.iter().map(span).collect::<Vec<_>>()}],
        }]
    });
    serde_json::to_vec(&body).expect("a JSON value renders")
}

fn span(span: &FinishedSpan) -> Value {
    let mut out = json!({
        "traceId": format!("{:032x}", span.trace_id),
        "spanId": format!("{:016x}", span.span_id),
        "name": span.name,
        "kind": span.kind as u8,
        "startTimeUnixNano": nanos(span.start),
        "endTimeUnixNano": nanos(span.end),
        "attributes": attributes(&span.attributes),
    });
    if let Some(parent) = span.parent_span_id {
        out["parentSpanId"] = json!(format!("{parent:016x}"));
    }
    if !span.events.is_empty() {
        let events = span
            .events
            .iter()
            .map(|e| json!({"timeUnixNano": nanos(e.time), "name": e.name, "attributes": attributes(&e.attributes)}));
        out["events"] = Value::Array(events.collect());
    }
    if let Some(message) = &span.error {
        // STATUS_CODE_ERROR
        out["status"] = json!({"code": 2, "message": message});
    }
    out
}

fn attributes(attributes: &[(String, AttributeValue)]) -> Vec<Value> {
    attributes.iter().map(|(key, value)| attribute(key, value)).collect()
}

fn attribute(key: &str, value: &AttributeValue) -> Value {
    let value = match value {
        AttributeValue::Text(s) => json!({"stringValue": s}),
        AttributeValue::Int(i) => json!({"intValue": i.to_string()}),
        AttributeValue::Float(f) => json!({"doubleValue": f}),
        AttributeValue::Bool(b) => json!({"boolValue": b}),
    };
    json!({"key": key, "value": value})
}

fn nanos(time: SystemTime) -> String {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos()).to_string()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::traces::buffer::{Kind, SpanEvent};

    #[test]
    fn a_span_is_encoded_in_otlps_json_mapping() {
        let start = UNIX_EPOCH + Duration::from_nanos(1_700_000_000_123_456_789);
        let span = FinishedSpan {
            trace_id: 0x4bf92f3577b34da6a3ce929d0e0e4736,
            span_id: 0x00f067aa0ba902b7,
            parent_span_id: Some(0xab),
            name: "record".into(),
            kind: Kind::Consumer,
            start,
            end: start + Duration::from_millis(2),
            attributes: vec![("message_id".into(), "m-1".into()), ("attempt".into(), AttributeValue::Int(2))],
            events: vec![SpanEvent { name: "record failed".into(), time: start, attributes: vec![] }],
            error: Some("handler error: no".into()),
        };
        let body: Value =
            serde_json::from_slice(&request(&[("service.name".into(), "movers".into())], &[span])).unwrap();
        let resource = &body["resourceSpans"][0]["resource"]["attributes"][0];
        assert_eq!(resource, &json!({"key": "service.name", "value": {"stringValue": "movers"}}));
        let s = &body["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
        assert_eq!(s["traceId"], "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(
            (s["spanId"].as_str(), s["parentSpanId"].as_str()),
            (Some("00f067aa0ba902b7"), Some("00000000000000ab"))
        );
        assert_eq!((s["kind"].as_u64(), s["name"].as_str()), (Some(5), Some("record")));
        assert_eq!(s["startTimeUnixNano"], "1700000000123456789");
        assert_eq!(s["endTimeUnixNano"], "1700000000125456789");
        assert_eq!(s["attributes"][1], json!({"key": "attempt", "value": {"intValue": "2"}}));
        assert_eq!(s["events"][0]["name"], "record failed");
        assert_eq!(s["status"], json!({"code": 2, "message": "handler error: no"}));
    }

    #[test]
    fn a_root_span_has_no_parent_and_a_span_without_error_no_status() {
        let span = FinishedSpan {
            trace_id: 1,
            span_id: 2,
            parent_span_id: None,
            name: "request".into(),
            kind: Kind::Server,
            start: UNIX_EPOCH,
            end: UNIX_EPOCH,
            attributes: vec![],
            events: vec![],
            error: None,
        };
        let body: Value = serde_json::from_slice(&request(&[], &[span])).unwrap();
        let s = &body["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
        assert!(s.get("parentSpanId").is_none() && s.get("status").is_none() && s.get("events").is_none(), "{s}");
        assert_eq!(s["traceId"], "00000000000000000000000000000001");
    }
}
