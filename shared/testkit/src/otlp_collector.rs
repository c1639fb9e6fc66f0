//! An OTLP/HTTP collector on 127.0.0.1 for tests: functions export their spans to
//! it, and it keeps each JSON body posted to `/v1/traces`, in memory or appended as
//! one line of a file (what `cargo xtask test` hands the stack tests as
//! [`crate::OTLP_SPANS_ENV`]). Once stopped (or dropped) it accepts no connection
//! and closes each kept one at its next request, unanswered: a collector that is down.
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use serde_json::Value;

/// Where the received bodies go.
#[derive(Clone)]
enum Sink {
    Memory(Arc<Mutex<Vec<Value>>>),
    File(Arc<Mutex<File>>),
}

impl Sink {
    fn keep(&self, body: Value) -> bool {
        match self {
            Sink::Memory(bodies) => {
                bodies.lock().unwrap_or_else(|p| p.into_inner()).push(body);
                true
            }
            Sink::File(file) => writeln!(file.lock().unwrap_or_else(|p| p.into_inner()), "{body}").is_ok(),
        }
    }
}

/// A collector listening on a free loopback port.
pub struct OtlpCollector {
    endpoint: String,
    sink: Sink,
    file: Option<PathBuf>,
    stopped: Arc<AtomicBool>,
}

impl OtlpCollector {
    /// A collector that keeps the bodies in memory ([`OtlpCollector::bodies`]).
    pub fn start() -> Result<Self> {
        Self::listen(Sink::Memory(Arc::default()), None)
    }

    /// A collector that appends each body as a line of `file` (emptied first).
    pub fn start_writing(file: &Path) -> Result<Self> {
        let out = File::create(file).with_context(|| format!("creating {}", file.display()))?;
        Self::listen(Sink::File(Arc::new(Mutex::new(out))), Some(file.to_owned()))
    }

    fn listen(sink: Sink, file: Option<PathBuf>) -> Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").context("a loopback port for the OTLP collector")?;
        let endpoint = format!("http://{}", listener.local_addr()?);
        let stopped = Arc::new(AtomicBool::new(false));
        let (keep, stop) = (sink.clone(), stopped.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop.load(Ordering::SeqCst) {
                    return;
                }
                if let Ok(stream) = stream {
                    let (keep, stop) = (keep.clone(), stop.clone());
                    std::thread::spawn(move || serve(stream, &keep, &stop));
                }
            }
        });
        Ok(Self { endpoint, sink, file, stopped })
    }

    /// The base endpoint to export to (`OTEL_EXPORTER_OTLP_ENDPOINT`).
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The file the bodies go to, when they go to one.
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    /// The bodies received so far (none when they go to a file).
    pub fn bodies(&self) -> Vec<Value> {
        match &self.sink {
            Sink::Memory(bodies) => bodies.lock().unwrap_or_else(|p| p.into_inner()).clone(),
            Sink::File(_) => vec![],
        }
    }

    /// Every span received so far, with the `service.name` that exported it.
    pub fn spans(&self) -> Vec<(String, Value)> {
        self.bodies().iter().flat_map(spans_of).collect()
    }

    /// Stops (see the module's header); what it received stays readable.
    pub fn stop(&self) {
        if !self.stopped.swap(true, Ordering::SeqCst) {
            // Wakes the accepting thread, which then sees the flag and returns.
            let _ = TcpStream::connect(self.endpoint.trim_start_matches("http://"));
        }
    }
}

impl Drop for OtlpCollector {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The spans of one OTLP JSON body, each with the `service.name` of its resource.
pub fn spans_of(body: &Value) -> Vec<(String, Value)> {
    let mut spans = Vec::new();
    for resource in body["resourceSpans"].as_array().into_iter().flatten() {
        let service = attribute(&resource["resource"], "service.name").unwrap_or_default().to_owned();
        let scopes = resource["scopeSpans"].as_array().into_iter().flatten();
        for span in scopes.filter_map(|s| s["spans"].as_array()).flatten() {
            spans.push((service.clone(), span.clone()));
        }
    }
    spans
}

/// A string attribute of a span, an event or a resource.
pub fn attribute<'a>(item: &'a Value, key: &str) -> Option<&'a str> {
    let found = item["attributes"].as_array()?.iter().find(|a| a["key"] == key)?;
    found["value"]["stringValue"].as_str()
}

/// Answers one connection's requests, one after another, until it closes or the
/// collector stops.
fn serve(stream: TcpStream, sink: &Sink, stopped: &AtomicBool) {
    let Ok(mut writer) = stream.try_clone() else { return };
    let mut reader = BufReader::new(stream);
    while let Some((path, body)) = read_request(&mut reader) {
        if stopped.load(Ordering::SeqCst) {
            return;
        }
        let status = match serde_json::from_slice::<Value>(&body) {
            Ok(value) if path == "/v1/traces" => {
                if sink.keep(value) {
                    "200 OK"
                } else {
                    "500 Internal Server Error"
                }
            }
            Ok(_) => "404 Not Found",
            Err(_) => "400 Bad Request",
        };
        let answer = format!("HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{{}}");
        if writer.write_all(answer.as_bytes()).is_err() {
            return;
        }
    }
}

/// The path and body of the next request; `None` at the end of the connection or
/// on a request it cannot read.
fn read_request(reader: &mut impl BufRead) -> Option<(String, Vec<u8>)> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let path = line.split(' ').nth(1)?.to_owned();
    let mut length = 0;
    loop {
        line.clear();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().ok()?;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((path, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(endpoint: &str, path: &str, body: &str) -> String {
        let mut stream = TcpStream::connect(endpoint.trim_start_matches("http://")).unwrap();
        let request = format!("POST {path} HTTP/1.1\r\nhost: x\r\ncontent-length: {}\r\n\r\n{body}", body.len());
        stream.write_all(request.as_bytes()).unwrap();
        let mut status = String::new();
        BufReader::new(stream).read_line(&mut status).unwrap();
        status
    }

    const BODY: &str = r#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"movers"}}]},"scopeSpans":[{"spans":[{"name":"request"}]}]}]}"#;

    #[test]
    fn posted_bodies_are_kept_one_per_line_and_others_refused() {
        let file = std::env::temp_dir().join(format!("otlp-collector-{}.jsonl", std::process::id()));
        let collector = OtlpCollector::start_writing(&file).unwrap();
        assert!(post(collector.endpoint(), "/v1/traces", BODY).contains("200"));
        assert!(post(collector.endpoint(), "/v1/traces", "not json").contains("400"));
        assert!(post(collector.endpoint(), "/v1/logs", "{}").contains("404"));
        let kept: Value = serde_json::from_str(std::fs::read_to_string(&file).unwrap().trim()).unwrap();
        assert_eq!(spans_of(&kept), [("movers".to_owned(), serde_json::json!({"name": "request"}))]);
        let endpoint = collector.endpoint().to_owned();
        collector.stop();
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert!(TcpStream::connect(endpoint.trim_start_matches("http://")).is_err(), "stopped listening");
        std::fs::remove_file(file).unwrap();
    }

    #[test]
    fn in_memory_bodies_are_read_back_and_a_stopped_collector_answers_no_kept_connection() {
        let collector = OtlpCollector::start().unwrap();
        let mut kept = TcpStream::connect(collector.endpoint().trim_start_matches("http://")).unwrap();
        assert!(post(collector.endpoint(), "/v1/traces", BODY).contains("200"));
        assert_eq!(collector.spans().len(), 1);
        assert_eq!(collector.bodies().len(), 1);
        collector.stop();
        let request = format!("POST /v1/traces HTTP/1.1\r\ncontent-length: {}\r\n\r\n{BODY}", BODY.len());
        kept.write_all(request.as_bytes()).unwrap();
        let mut answer = String::new();
        let read = BufReader::new(kept).read_line(&mut answer).unwrap_or(0);
        assert_eq!(read, 0, "closed unanswered: {answer}");
        assert_eq!(collector.bodies().len(), 1, "what came before stays readable");
    }
}
