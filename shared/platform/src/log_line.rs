//! One JSON object per log line, with the key names of Powertools for AWS Lambda so
//! that its users' queries and dashboards work unchanged: `level`, `message`,
//! `timestamp`, `service`, `cold_start`, `function_name` and `function_version` (in
//! Lambda), then the fields of every span the event is
//! in (`function_request_id`, `xray_trace_id`, `correlation_id`, `message_id`, ...:
//! flattened, the innermost winning) and the event's own fields, and `target`; keys
//! in alphabetical order, each once.
//!
//! A layer of its own rather than `tracing-subscriber`'s JSON formatter: that one
//! keeps a span's fields as JSON text, parsed and written again at every
//! `Span::record` and at every line, and built each line as a `serde_json` map; a
//! worker logs a line a record, and the formatting cost it about 21 µs of the 26 µs
//! a record took (`cargo xtask bench pipeline`, its `pipeline logged` line). Here a
//! span keeps its fields as values, and a line is written straight into one reused
//! buffer (see its `json` module), then to the writer in one call.
use std::cell::RefCell;
use std::fmt;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};

use smallvec::SmallVec;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use self::json::{Entry, Value, entry, timestamp, write_line};

mod json;

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

/// The layer that writes the platform's log lines to `W` (standard output unless
/// [`PowertoolsJson::with_writer`] says otherwise).
pub struct PowertoolsJson<W = fn() -> std::io::Stdout> {
    service: String,
    function: Option<(String, String)>,
    writer: W,
}

impl PowertoolsJson {
    /// The lines of `service`, naming the function and version Lambda runs this
    /// process as (`AWS_LAMBDA_FUNCTION_NAME`, `AWS_LAMBDA_FUNCTION_VERSION`).
    pub fn of(service: &str) -> Self {
        let name = std::env::var("AWS_LAMBDA_FUNCTION_NAME").ok();
        Self::new(service, name.map(|name| (name, crate::version::function_version())))
    }

    /// The lines of `service`, of the Lambda `function` (name, version) when given.
    pub fn new(service: &str, function: Option<(String, String)>) -> Self {
        Self { service: service.to_owned(), function, writer: std::io::stdout }
    }
}

impl<W> PowertoolsJson<W> {
    /// The same lines, written to `writer`.
    pub fn with_writer<W2>(self, writer: W2) -> PowertoolsJson<W2> {
        PowertoolsJson { service: self.service, function: self.function, writer }
    }
}

/// A span's fields, kept by the registry beside the span.
struct SpanFields(Vec<(&'static str, Value<'static>)>);

/// Records fields into a list, a field recorded again replacing its value.
struct Collect<'a>(&'a mut Vec<(&'static str, Value<'static>)>);

impl Collect<'_> {
    fn set(&mut self, field: &Field, value: Value<'static>) {
        // As `tracing-subscriber`'s JSON fields: a raw identifier's name without its
        // `r#`, and the `log` crate's own metadata left out.
        let name = field.name();
        let name = name.strip_prefix("r#").unwrap_or(name);
        if name.starts_with("log.") {
            return;
        }
        match self.0.iter_mut().find(|(key, _)| *key == name) {
            Some(slot) => slot.1 = value,
            None => self.0.push((name, value)),
        }
    }
}

impl Visit for Collect<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.set(field, Value::Text(format!("{value:?}").into()));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.set(field, Value::Text(value.to_owned().into()));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.set(field, Value::I64(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.set(field, Value::U64(value));
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.set(field, Value::F64(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.set(field, Value::Bool(value));
    }
}

thread_local! {
    /// The line being written, reused from one line to the next.
    static LINE: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

impl<S, W> Layer<S> for PowertoolsJson<W>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + 'static,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        // Room for every declared field, those recorded later included: one allocation.
        let mut fields = Vec::with_capacity(attrs.metadata().fields().len());
        attrs.record(&mut Collect(&mut fields));
        span.extensions_mut().insert(SpanFields(fields));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut extensions = span.extensions_mut();
        if let Some(SpanFields(fields)) = extensions.get_mut::<SpanFields>() {
            values.record(&mut Collect(fields));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let metadata = event.metadata();
        let stamp = timestamp(time::OffsetDateTime::now_utc());
        // On the stack (a line's spans are few, its entries a few dozen): a line
        // allocates nothing but the event's own fields.
        let spans: SmallVec<[_; 4]> = ctx.event_scope(event).into_iter().flat_map(|scope| scope.from_root()).collect();
        let extensions: SmallVec<[_; 4]> = spans.iter().map(|span| span.extensions()).collect();
        let mut own = Vec::new();
        event.record(&mut Collect(&mut own));

        let fixed = [
            ("level", Value::text(metadata.level().as_str())),
            ("message", Value::text("")),
            ("timestamp", Value::text(std::str::from_utf8(&stamp).expect("an ASCII timestamp"))),
            ("service", Value::text(&self.service)),
            ("cold_start", Value::Bool(cold_start())),
        ];
        let function = self
            .function
            .as_ref()
            .map(|(name, version)| [("function_name", Value::text(name)), ("function_version", Value::text(version))]);
        let target = Value::text(metadata.target());

        let mut entries: SmallVec<[Entry<'_, '_>; 32]> = SmallVec::new();
        entries.extend(fixed.iter().chain(function.iter().flatten()).map(|(key, value)| entry(key, value)));
        for fields in extensions.iter().filter_map(|e| e.get::<SpanFields>()) {
            // `otel.kind` and the like are for the span export, not the line.
            entries.extend(fields.0.iter().filter(|(key, _)| !key.starts_with("otel.")).map(|(k, v)| entry(k, v)));
        }
        entries.extend(own.iter().map(|(key, value)| entry(key, value)));
        entries.push(entry("target", &target));

        LINE.with(|cell| {
            // A line written while another is (a writer that logs) gets a buffer of its own.
            let (mut reused, mut own) = (cell.try_borrow_mut(), Vec::new());
            let line = match &mut reused {
                Ok(line) => &mut **line,
                Err(_) => &mut own,
            };
            line.clear();
            write_line(line, &mut entries);
            let _ = self.writer.make_writer_for(metadata).write_all(line);
        });
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

    /// The lines `log` writes through the layer (of the service `addressing`, in the
    /// Lambda function `updater-AddressingWorker-1`, version 7).
    fn lines(log: impl FnOnce()) -> Vec<String> {
        use tracing_subscriber::layer::SubscriberExt;
        let buffer = Buffer::default();
        let function = Some(("updater-AddressingWorker-1".into(), "7".into()));
        let layer = PowertoolsJson::new("addressing", function).with_writer(buffer.clone());
        tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), log);
        let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        text.lines().map(str::to_owned).collect()
    }

    /// A line parsed, after checking that it is exactly what `serde_json` writes for
    /// its object: keys sorted, each once, values written alike.
    fn parsed(line: &str) -> serde_json::Value {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(serde_json::to_string(&value).unwrap(), line, "not serde_json's rendering");
        value
    }

    #[test]
    fn a_line_has_powertools_keys_and_the_fields_of_its_spans() {
        let lines = lines(|| {
            let span = tracing::info_span!("record", function_request_id = "req-1", correlation_id = "c-1");
            let _in = span.enter();
            tracing::warn!(reason = "slow", attempt = 2, "retrying");
        });
        let line = parsed(&lines[0]);
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
        assert_eq!(line["target"], module_path!());
    }

    #[test]
    fn the_innermost_span_wins_then_the_event_and_span_export_fields_stay_out() {
        let lines = lines(|| {
            let outer = tracing::info_span!("invocation", correlation_id = "outer", shared = 1, outer_only = true);
            let _o = outer.enter();
            let inner = tracing::info_span!("record", correlation_id = "inner", shared = 2, otel.kind = "consumer");
            let _i = inner.enter();
            tracing::info!(shared = 3, "done");
            tracing::info!(target: "custom", level = "mine", "a field named like a key of the line");
        });
        let line = parsed(&lines[0]);
        assert_eq!(line["correlation_id"], "inner");
        assert_eq!(line["shared"], 3);
        assert_eq!(line["outer_only"], true);
        assert!(line.get("otel.kind").is_none(), "{line}");
        let line = parsed(&lines[1]);
        assert_eq!((line["level"].as_str(), line["target"].as_str()), (Some("mine"), Some("custom")));
    }

    #[test]
    fn a_field_recorded_later_is_on_the_lines_after_it() {
        let lines = lines(|| {
            let span = tracing::info_span!("record", message_id = tracing::field::Empty, name = "first");
            let _in = span.enter();
            tracing::info!("before");
            span.record("message_id", "m-1");
            span.record("name", "second");
            tracing::info!("after");
        });
        let (before, after) = (parsed(&lines[0]), parsed(&lines[1]));
        assert!(before.get("message_id").is_none(), "{before}");
        assert_eq!(before["name"], "first");
        assert_eq!((after["message_id"].as_str(), after["name"].as_str()), (Some("m-1"), Some("second")));
    }

    #[test]
    fn numbers_are_written_as_serde_json_writes_them() {
        let lines = lines(|| {
            tracing::info!(ratio = 0.1_f64, nan = f64::NAN, big = u64::MAX, negative = i64::MIN, "numbers");
        });
        let line = parsed(&lines[0]);
        assert_eq!(line["ratio"], 0.1);
        assert!(line["nan"].is_null(), "{line}");
        assert_eq!((line["big"].as_u64(), line["negative"].as_i64()), (Some(u64::MAX), Some(i64::MIN)));
    }

    proptest::proptest! {
        #[test]
        fn any_text_is_escaped_and_read_back(text in ".*", odd in proptest::prelude::any::<String>()) {
            let lines = lines(|| {
                let span = tracing::info_span!("record", text = text.as_str());
                let _in = span.enter();
                tracing::info!(odd = ?odd, "{text}");
            });
            proptest::prop_assert_eq!(lines.len(), 1, "{:?}", lines);
            let line = parsed(&lines[0]);
            proptest::prop_assert_eq!(line["text"].as_str(), Some(text.as_str()));
            proptest::prop_assert_eq!(line["message"].as_str(), Some(text.as_str()));
            let shown = format!("{odd:?}");
            proptest::prop_assert_eq!(line["odd"].as_str(), Some(shown.as_str()));
        }
    }
}
