//! An OTLP/HTTP collector on 127.0.0.1 for tests (feature `testing`): it keeps the
//! JSON bodies posted to `/v1/traces` and answers 200, on kept-alive connections,
//! until it is stopped.
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// A collector listening on a free port of 127.0.0.1.
pub struct LoopbackCollector {
    address: SocketAddr,
    bodies: Arc<Mutex<Vec<Value>>>,
    stopped: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl LoopbackCollector {
    /// Starts listening.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free loopback port");
        let address = listener.local_addr().expect("its address");
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let stopped = Arc::new(AtomicBool::new(false));
        let (kept, stop) = (bodies.clone(), stopped.clone());
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                if stop.load(Ordering::SeqCst) {
                    return;
                }
                tokio::spawn(serve(stream, kept.clone(), stop.clone()));
            }
        });
        Self { address, bodies, stopped, task }
    }

    /// The base endpoint to export to (`OTEL_EXPORTER_OTLP_ENDPOINT`).
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The bodies received so far.
    pub fn bodies(&self) -> Arc<Mutex<Vec<Value>>> {
        self.bodies.clone()
    }

    /// Every span received so far.
    pub fn spans(&self) -> Vec<Value> {
        let bodies = self.bodies.lock().unwrap_or_else(|p| p.into_inner());
        let resources = bodies.iter().filter_map(|b| b["resourceSpans"].as_array()).flatten();
        let scopes = resources.filter_map(|r| r["scopeSpans"].as_array()).flatten();
        scopes.filter_map(|s| s["spans"].as_array()).flatten().cloned().collect()
    }

    /// The resource of the first body received.
    pub fn resource(&self) -> Value {
        let bodies = self.bodies.lock().unwrap_or_else(|p| p.into_inner());
        bodies.first().map_or(Value::Null, |b| b["resourceSpans"][0]["resource"].clone())
    }

    /// Stops listening, and closes every kept connection at its next request, unanswered.
    pub async fn stop(self) {
        self.stopped.store(true, Ordering::SeqCst);
        self.task.abort();
        let _ = self.task.await;
    }
}

/// A string attribute of a received span (or event).
pub fn attribute<'a>(span: &'a Value, key: &str) -> Option<&'a str> {
    let found = span["attributes"].as_array()?.iter().find(|a| a["key"] == key)?;
    found["value"]["stringValue"].as_str()
}

/// Answers one connection's requests, one after another.
async fn serve(stream: TcpStream, kept: Arc<Mutex<Vec<Value>>>, stopped: Arc<AtomicBool>) {
    let mut stream = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if stream.read_line(&mut line).await.unwrap_or(0) == 0 || stopped.load(Ordering::SeqCst) {
            return;
        }
        let path = line.split(' ').nth(1).unwrap_or_default().to_owned();
        let mut length = 0usize;
        loop {
            line.clear();
            if stream.read_line(&mut line).await.unwrap_or(0) == 0 {
                return;
            }
            if line == "\r\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        if stream.read_exact(&mut body).await.is_err() {
            return;
        }
        let (status, parsed) = match (path.as_str(), serde_json::from_slice::<Value>(&body)) {
            ("/v1/traces", Ok(parsed)) => ("200 OK", Some(parsed)),
            ("/v1/traces", Err(_)) => ("400 Bad Request", None),
            _ => ("404 Not Found", None),
        };
        kept.lock().unwrap_or_else(|p| p.into_inner()).extend(parsed);
        let answer = format!("HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{{}}");
        if stream.get_mut().write_all(answer.as_bytes()).await.is_err() {
            return;
        }
    }
}
