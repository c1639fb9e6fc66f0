//! Spans exported over OTLP: when the standard `OTEL_EXPORTER_OTLP_ENDPOINT` (or
//! `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set, the request, record and step spans
//! (and every span inside them) go through `tracing-opentelemetry` and the
//! OpenTelemetry SDK's tracer into a buffer, and [`flush`] posts them as OTLP/HTTP
//! JSON at the end of each invocation, before its response: Lambda freezes the
//! process after it, so nothing may wait for a background export. Unset, nothing is
//! built or buffered.
//!
//! Every hop joins one trace: a span takes the W3C context the work arrived in as
//! its parent ([`continue_trace`]), and each message sent is a span of its own id
//! ([`message_sent`], parent: the span that sent it), which is the parent the
//! receiver's record span names.
mod buffer;
mod otlp_json;
mod send;
mod settings;

use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use platform_messages::{Trace, TraceParent};
use tracing_opentelemetry::OpenTelemetrySpanExt;
use uuid::Uuid;

pub use settings::{ExportSettings, SettingsError};

/// The export of this process, once [`install`]ed.
static EXPORT: OnceLock<Export> = OnceLock::new();

struct Export {
    settings: ExportSettings,
    buffer: buffer::SpanBuffer,
    client: send::Client,
}

/// Starts buffering the spans of `service` for `settings`' collector: the
/// `tracing` layer to add to the subscriber. Called once, by `telemetry::init`;
/// a second call returns `None` and changes nothing.
pub fn install<S>(service: &str, settings: ExportSettings) -> Option<impl tracing_subscriber::Layer<S>>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    let buffer = buffer::SpanBuffer::default();
    let tracer = buffer.tracer(service);
    let export = Export { settings, buffer, client: send::Client::new() };
    EXPORT.set(export).ok()?;
    Some(
        tracing_opentelemetry::layer()
            .with_tracer(tracer)
            .with_location(false)
            .with_threads(false)
            .with_target(false)
            // A span's parent may be set after it is entered (a record's context is
            // known once its body is read); its OpenTelemetry span starts when it closes.
            .with_context_activation(false),
    )
}

/// Whether spans are exported (an endpoint was configured and installed).
pub fn enabled() -> bool {
    EXPORT.get().is_some()
}

/// Time kept for the response after an export that runs up to the invocation's deadline.
const RESPONSE_MARGIN: Duration = Duration::from_millis(100);

/// Posts the spans finished so far to the collector, giving up in time to answer
/// before `deadline`; a failure is logged, never passed on (the invocation's work
/// is done). Without an export, does nothing.
pub async fn flush(deadline: SystemTime) {
    let Some(export) = EXPORT.get() else { return };
    let (spans, dropped) = export.buffer.take();
    if dropped > 0 {
        tracing::warn!(dropped, "spans dropped: more finished in one invocation than the buffer keeps");
    }
    if spans.is_empty() {
        return;
    }
    let body = otlp_json::request(&export.settings.resource, &spans);
    let left = deadline.duration_since(SystemTime::now()).unwrap_or_default().saturating_sub(RESPONSE_MARGIN);
    if let Err(e) = export.client.post(&export.settings, body, export.settings.timeout.min(left)).await {
        tracing::warn!(error = %e, spans = spans.len(), "could not export the invocation's spans");
    }
}

/// Makes the current span a child of `parent` (the context its work arrived in),
/// so it joins that trace. Without an export, or once the span has started (it has
/// a child, or its context was asked for), does nothing.
pub fn continue_trace(parent: &TraceParent) {
    if !enabled() {
        return;
    }
    let remote = SpanContext::new(
        TraceId::from(parent.trace_id),
        SpanId::from(parent.span_id),
        TraceFlags::new(parent.flags),
        true,
        TraceState::default(),
    );
    let _ = tracing::Span::current().set_parent(opentelemetry::Context::new().with_remote_span_context(remote));
}

/// The trace context of the current span, when spans are exported: what the work
/// it starts continues (a request that arrived without a `traceparent`).
pub fn current() -> Option<TraceParent> {
    if !enabled() {
        return None;
    }
    let context = tracing::Span::current().context();
    let span = context.span();
    let span = span.span_context();
    span.is_valid().then(|| TraceParent {
        trace_id: u128::from_be_bytes(span.trace_id().to_bytes()),
        span_id: u64::from_be_bytes(span.span_id().to_bytes()),
        flags: span.trace_flags().to_u8(),
    })
}

/// Records that message `name` (`message_id`) was sent in `trace`, as a span of its
/// own id (what its `traceparent` names): a producer span, child of the current span
/// when both are in the same trace. Without an export, does nothing (not even the
/// id's text is made).
pub fn message_sent(trace: Trace, message_id: &Uuid, name: &str) {
    let Some(export) = EXPORT.get() else { return };
    let sent = trace.sent_as(message_id);
    let parent = current().filter(|p| p.trace_id == sent.trace_id).map(|p| p.span_id);
    let now = SystemTime::now();
    export.buffer.push(buffer::FinishedSpan {
        trace_id: sent.trace_id,
        span_id: sent.span_id,
        parent_span_id: parent,
        name: format!("send {name}"),
        kind: buffer::Kind::Producer,
        start: now,
        end: now,
        attributes: vec![("message_id".into(), message_id.to_string().as_str().into()), ("name".into(), name.into())],
        events: vec![],
        error: None,
    });
}
