//! One JSON object per log line, with the key names of Powertools for AWS Lambda so
//! that its users' queries and dashboards work unchanged: `level`, `message`,
//! `timestamp`, `service`, `cold_start`, `function_name` and `function_version` (in
//! Lambda), then the fields of every span the event is
//! in (`function_request_id`, `xray_trace_id`, `correlation_id`, `message_id`, ...:
//! flattened, the innermost winning) and the event's own fields, and `target`.
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::{JsonFields, Writer};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

/// Invocations begun by this process (see [`crate::invocation::within`]).
static INVOCATIONS: AtomicU64 = AtomicU64::new(0);

/// Counts an invocation's start: the first one is the cold start.
pub fn invocation_started() {
    INVOCATIONS.fetch_add(1, Ordering::Relaxed);
}

/// Whether the process is in its init or its first invocation.
pub fn cold_start() -> bool {
    INVOCATIONS.load(Ordering::Relaxed) <= 1
}

/// The formatter of the platform's log lines.
pub struct PowertoolsJson {
    /// The service the lines are of.
    pub service: String,
    /// The Lambda function and the version of it that runs (absent outside Lambda).
    pub function: Option<(String, String)>,
}

impl PowertoolsJson {
    /// The lines of `service`, naming the function and version Lambda runs this
    /// process as (`AWS_LAMBDA_FUNCTION_NAME`, `AWS_LAMBDA_FUNCTION_VERSION`).
    pub fn of(service: &str) -> Self {
        let name = std::env::var("AWS_LAMBDA_FUNCTION_NAME").ok();
        Self { service: service.to_owned(), function: name.map(|name| (name, crate::version::function_version())) }
    }
}

/// Collects an event's fields as JSON values.
struct Fields<'a>(&'a mut Map<String, Value>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name().to_owned(), Value::String(format!("{value:?}")));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), Value::String(value.to_owned()));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().to_owned(), Value::from(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_owned(), Value::from(value));
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().to_owned(), Value::from(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().to_owned(), Value::Bool(value));
    }
}

fn timestamp() -> String {
    let now = time::OffsetDateTime::now_utc();
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    now.format(&format).unwrap_or_default()
}

impl<S> FormatEvent<S, JsonFields> for PowertoolsJson
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, JsonFields>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let mut line = Map::new();
        line.insert("level".into(), Value::String(event.metadata().level().to_string()));
        line.insert("message".into(), Value::String(String::new()));
        line.insert("timestamp".into(), Value::String(timestamp()));
        line.insert("service".into(), Value::String(self.service.clone()));
        line.insert("cold_start".into(), Value::Bool(cold_start()));
        if let Some((name, version)) = &self.function {
            line.insert("function_name".into(), Value::String(name.clone()));
            line.insert("function_version".into(), Value::String(version.clone()));
        }
        if let Some(scope) = ctx.event_scope() {
            for span in scope.from_root() {
                let extensions = span.extensions();
                let Some(fields) = extensions.get::<FormattedFields<JsonFields>>() else { continue };
                if let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(fields) {
                    // `otel.kind` and the like are for the span export, not the line.
                    line.extend(fields.into_iter().filter(|(key, _)| !key.starts_with("otel.")));
                }
            }
        }
        event.record(&mut Fields(&mut line));
        line.insert("target".into(), Value::String(event.metadata().target().to_owned()));
        writeln!(writer, "{}", Value::Object(line))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tracing_subscriber::fmt::MakeWriter;

    use super::*;

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Buffer {
        type Writer = Buffer;
        fn make_writer(&'a self) -> Self::Writer {
            self.clone()
        }
    }

    #[test]
    fn a_line_has_powertools_keys_and_the_fields_of_its_spans() {
        let buffer = Buffer::default();
        let subscriber = tracing_subscriber::fmt()
            .fmt_fields(JsonFields::new())
            .event_format(PowertoolsJson {
                service: "addressing".into(),
                function: Some(("updater-AddressingWorker-1".into(), "7".into())),
            })
            .with_writer(buffer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("record", function_request_id = "req-1", correlation_id = "c-1");
            let _in = span.enter();
            tracing::warn!(reason = "slow", attempt = 2, "retrying");
        });
        let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        let line: Value = serde_json::from_str(text.trim()).unwrap();
        assert_eq!(line["level"], "WARN");
        assert_eq!(line["message"], "retrying");
        assert_eq!(line["service"], "addressing");
        assert_eq!(line["cold_start"], true);
        assert_eq!(
            (line["function_name"].as_str(), line["function_version"].as_str()),
            (Some("updater-AddressingWorker-1"), Some("7"))
        );
        assert_eq!(
            (line["function_request_id"].as_str(), line["correlation_id"].as_str()),
            (Some("req-1"), Some("c-1"))
        );
        assert_eq!((line["reason"].as_str(), line["attempt"].as_u64()), (Some("slow"), Some(2)));
        assert!(line["timestamp"].as_str().unwrap().ends_with('Z'), "{line}");
    }
}
