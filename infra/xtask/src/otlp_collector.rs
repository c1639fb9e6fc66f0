//! An OTLP/HTTP collector on 127.0.0.1 for the stack the tests deploy: the local
//! functions export their spans to it (`OtlpEndpoint`), and it appends each JSON
//! body posted to `/v1/traces` as one line of a file the stack tests read
//! (`platform_testkit::OTLP_SPANS_ENV`). It stops listening when dropped.
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};

/// A running collector.
pub struct Collector {
    /// Its base endpoint (`http://127.0.0.1:<port>`).
    pub endpoint: String,
    /// The file the bodies are appended to.
    pub file: PathBuf,
    stopped: Arc<AtomicBool>,
}

impl Collector {
    /// Listens on a free loopback port, appending to `file` (emptied first).
    pub fn start(file: &Path) -> Result<Self> {
        std::fs::write(file, "").with_context(|| format!("creating {}", file.display()))?;
        let listener = TcpListener::bind("127.0.0.1:0").context("a loopback port for the OTLP collector")?;
        let endpoint = format!("http://{}", listener.local_addr()?);
        let stopped = Arc::new(AtomicBool::new(false));
        let out = Arc::new(Mutex::new(std::fs::OpenOptions::new().append(true).open(file)?));
        let stop = stopped.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop.load(Ordering::SeqCst) {
                    return;
                }
                if let Ok(stream) = stream {
                    let out = out.clone();
                    std::thread::spawn(move || serve(stream, &out));
                }
            }
        });
        Ok(Self { endpoint, file: file.to_owned(), stopped })
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        self.stopped.store(true, Ordering::SeqCst);
        // Wakes the accepting thread, which then sees the flag and returns.
        let _ = TcpStream::connect(self.endpoint.trim_start_matches("http://"));
    }
}

/// Answers one connection's requests, one after another, until it closes.
fn serve(stream: TcpStream, out: &Mutex<std::fs::File>) {
    let Ok(mut writer) = stream.try_clone() else { return };
    let mut reader = BufReader::new(stream);
    while let Some((path, body)) = read_request(&mut reader) {
        let status = match serde_json::from_slice::<serde_json::Value>(&body) {
            Ok(value) if path == "/v1/traces" => {
                let mut file = out.lock().unwrap_or_else(|p| p.into_inner());
                match writeln!(file, "{value}") {
                    Ok(()) => "200 OK",
                    Err(_) => "500 Internal Server Error",
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

    #[test]
    fn posted_bodies_are_kept_one_per_line_and_others_refused() {
        let file = std::env::temp_dir().join(format!("otlp-collector-{}.jsonl", std::process::id()));
        let collector = Collector::start(&file).unwrap();
        assert!(post(&collector.endpoint, "/v1/traces", r#"{"resourceSpans": []}"#).contains("200"));
        assert!(post(&collector.endpoint, "/v1/traces", "not json").contains("400"));
        assert!(post(&collector.endpoint, "/v1/logs", "{}").contains("404"));
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "{\"resourceSpans\":[]}\n");
        let endpoint = collector.endpoint.clone();
        drop(collector);
        std::thread::sleep(std::time::Duration::from_millis(50));
        let refused = TcpStream::connect(endpoint.trim_start_matches("http://"));
        assert!(refused.is_err(), "stopped listening");
        std::fs::remove_file(file).unwrap();
    }
}
