//! The spans an invocation finished, kept in memory until [`super::flush`] sends
//! them: the OpenTelemetry SDK's tracer hands each finished span to a processor
//! that converts it and pushes it here, without any export of its own.
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use opentelemetry::trace::{SpanKind, Status, TracerProvider};
use opentelemetry::{Array, Value};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider, Span, SpanData, SpanProcessor};

/// At most this many spans wait for a flush; more are dropped (and counted), so a
/// runaway loop cannot grow a worker's memory.
const MAX_SPANS: usize = 4096;

/// What a span did, as OTLP numbers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Work inside the process.
    Internal = 1,
    /// A request answered (a gateway's request, a step's invocation).
    Server = 2,
    /// A call made.
    Client = 3,
    /// A message sent.
    Producer = 4,
    /// A message handled (a queue record).
    Consumer = 5,
}

/// An attribute value, as OTLP's `AnyValue` carries it.
#[derive(Debug, Clone, PartialEq)]
pub enum AttributeValue {
    /// A string.
    Text(String),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Bool(bool),
}

impl From<&str> for AttributeValue {
    fn from(text: &str) -> Self {
        Self::Text(text.to_owned())
    }
}

/// A span event (a log line inside the span).
#[derive(Debug, Clone, PartialEq)]
pub struct SpanEvent {
    /// Its message.
    pub name: String,
    /// When.
    pub time: SystemTime,
    /// Its fields.
    pub attributes: Vec<(String, AttributeValue)>,
}

/// A finished span, ready to encode.
#[derive(Debug, Clone, PartialEq)]
pub struct FinishedSpan {
    /// The trace (never zero).
    pub trace_id: u128,
    /// The span (never zero).
    pub span_id: u64,
    /// The parent span, if any (remote or local).
    pub parent_span_id: Option<u64>,
    /// Its name (`record`, `request`, `step`, `send <message>`, ...).
    pub name: String,
    /// What it did.
    pub kind: Kind,
    /// When it started.
    pub start: SystemTime,
    /// When it ended.
    pub end: SystemTime,
    /// Its fields.
    pub attributes: Vec<(String, AttributeValue)>,
    /// The events inside it.
    pub events: Vec<SpanEvent>,
    /// Why it failed, when its status is an error.
    pub error: Option<String>,
}

/// The spans waiting for a flush, shared by the tracer's processor and the flush.
#[derive(Debug, Clone, Default)]
pub struct SpanBuffer(Arc<Mutex<Pending>>);

#[derive(Debug, Default)]
struct Pending {
    spans: Vec<FinishedSpan>,
    dropped: usize,
}

impl SpanBuffer {
    /// The tracer of `service` whose finished spans come here.
    pub fn tracer(&self, service: &str) -> SdkTracer {
        let provider = SdkTracerProvider::builder().with_span_processor(Collect(self.clone())).build();
        provider.tracer(service.to_owned())
    }

    /// Keeps `span` for the next flush (or counts it dropped when too many wait).
    pub fn push(&self, span: FinishedSpan) {
        let mut pending = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if pending.spans.len() < MAX_SPANS {
            pending.spans.push(span);
        } else {
            pending.dropped += 1;
        }
    }

    /// The spans kept so far and how many were dropped, leaving the buffer empty.
    pub fn take(&self) -> (Vec<FinishedSpan>, usize) {
        let mut pending = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        (std::mem::take(&mut pending.spans), std::mem::take(&mut pending.dropped))
    }
}

/// The SDK's span processor that keeps each finished span in a [`SpanBuffer`].
#[derive(Debug)]
struct Collect(SpanBuffer);

impl SpanProcessor for Collect {
    fn on_start(&self, _: &mut Span, _: &opentelemetry::Context) {}

    fn on_end(&self, span: SpanData) {
        if span.span_context.is_sampled() {
            self.0.push(finished(span));
        }
    }

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _: Duration) -> OTelSdkResult {
        Ok(())
    }
}

fn finished(span: SpanData) -> FinishedSpan {
    let parent = u64::from_be_bytes(span.parent_span_id.to_bytes());
    let events = span
        .events
        .events
        .into_iter()
        .map(|e| SpanEvent { name: e.name.into_owned(), time: e.timestamp, attributes: attributes(e.attributes) })
        .collect();
    FinishedSpan {
        trace_id: u128::from_be_bytes(span.span_context.trace_id().to_bytes()),
        span_id: u64::from_be_bytes(span.span_context.span_id().to_bytes()),
        parent_span_id: (parent != 0).then_some(parent),
        name: span.name.into_owned(),
        kind: match span.span_kind {
            SpanKind::Server => Kind::Server,
            SpanKind::Client => Kind::Client,
            SpanKind::Producer => Kind::Producer,
            SpanKind::Consumer => Kind::Consumer,
            SpanKind::Internal => Kind::Internal,
        },
        start: span.start_time,
        end: span.end_time,
        attributes: attributes(span.attributes),
        events,
        error: match span.status {
            Status::Error { description } => Some(description.into_owned()),
            _ => None,
        },
    }
}

fn attributes(values: Vec<opentelemetry::KeyValue>) -> Vec<(String, AttributeValue)> {
    values.into_iter().map(|kv| (kv.key.as_str().to_owned(), value(kv.value))).collect()
}

fn value(value: Value) -> AttributeValue {
    match value {
        Value::Bool(b) => AttributeValue::Bool(b),
        Value::I64(i) => AttributeValue::Int(i),
        Value::F64(f) => AttributeValue::Float(f),
        Value::String(s) => AttributeValue::Text(s.as_str().to_owned()),
        Value::Array(Array::String(items)) => {
            AttributeValue::Text(items.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(","))
        }
        other => AttributeValue::Text(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(id: u64) -> FinishedSpan {
        FinishedSpan {
            trace_id: 1,
            span_id: id,
            parent_span_id: None,
            name: "s".into(),
            kind: Kind::Internal,
            start: SystemTime::UNIX_EPOCH,
            end: SystemTime::UNIX_EPOCH,
            attributes: vec![],
            events: vec![],
            error: None,
        }
    }

    #[test]
    fn a_take_empties_the_buffer_and_too_many_spans_are_counted_not_kept() {
        let buffer = SpanBuffer::default();
        for id in 1..=(MAX_SPANS as u64 + 3) {
            buffer.push(span(id));
        }
        let (spans, dropped) = buffer.take();
        assert_eq!((spans.len(), dropped), (MAX_SPANS, 3));
        assert_eq!(buffer.take(), (vec![], 0));
    }

    #[test]
    fn the_sdk_tracer_hands_its_finished_spans_to_the_buffer() {
        use opentelemetry::trace::{Span as _, Tracer as _};
        let buffer = SpanBuffer::default();
        let mut started = buffer.tracer("svc").start("work");
        started.set_attribute(opentelemetry::KeyValue::new("n", 3));
        started.set_status(Status::error("broke"));
        started.end();
        let (spans, _) = buffer.take();
        assert_eq!(spans.len(), 1);
        assert_eq!((spans[0].name.as_str(), spans[0].error.as_deref()), ("work", Some("broke")));
        assert_eq!(spans[0].attributes, vec![("n".to_owned(), AttributeValue::Int(3))]);
        assert!(spans[0].trace_id != 0 && spans[0].span_id != 0 && spans[0].parent_span_id.is_none());
    }
}
