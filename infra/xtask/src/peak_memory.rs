//! A worker's peak memory after one real batch (part of `bench cold-start`): the
//! release binary starts with its deployed environment, polls a Runtime API on
//! loopback that hands it one SQS event of 10 `canary.sent` records (which every
//! worker handles: a claim in its table's ledger, a `canary.answered` published to
//! the local stack's topic, the claim completed), and once it has posted a response
//! with no failed record, its peak resident set (`VmHWM`) is read from `/proc`.
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use platform_messages::contracts::canary::{CanarySent, CanarySentData};
use platform_messages::{Contract, Envelope};
use serde_json::{Value, json};

/// How many records the batch has: a full standard batch.
const RECORDS: usize = 10;
/// A batch not answered by then is a failure.
const PATIENCE: Duration = Duration::from_secs(30);

/// The SQS event of `RECORDS` canary records, each a new message.
pub fn canary_batch() -> Result<String> {
    let records = (0..RECORDS)
        .map(|i| {
            let data = CanarySentData { canary_id: format!("peak-memory-{}", uuid::Uuid::new_v4()) };
            let body = Envelope::new(CanarySent::NAME, data).to_json()?;
            Ok(json!({
                "messageId": format!("peak-memory-{i}-{}", uuid::Uuid::new_v4()),
                "receiptHandle": "peak-memory",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "0"},
                "messageAttributes": {
                    "name": {"dataType": "String", "stringValue": CanarySent::NAME.to_string()},
                    "kind": {"dataType": "String", "stringValue": "event"}
                },
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:peak-memory",
                "awsRegion": "us-east-1"
            }))
        })
        .collect::<Result<Vec<Value>>>()?;
    Ok(json!({ "Records": records }).to_string())
}

/// Starts `binary` with `variables`, hands it one canary batch, and returns its peak
/// resident set in KiB once it answered the batch with no failed record.
pub fn after_one_batch(binary: &Path, variables: &BTreeMap<String, String>, port: u16) -> Result<u64> {
    let api = TcpListener::bind("127.0.0.1:0")?;
    let event = Arc::new(Mutex::new(Some(canary_batch()?)));
    let name = binary.file_name().and_then(|n| n.to_str()).unwrap_or("function").to_owned();
    let mut child = crate::lambda_process::command(binary, variables, port, api.local_addr()?, "peak-memory")
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("starting {}", binary.display()))?;
    let (answered, answer) = channel();
    // The Runtime API stops listening when the measure is over; each connection's
    // thread ends when the stopped process closes it.
    let stop = Arc::new(AtomicBool::new(false));
    api.set_nonblocking(true)?;
    let listening = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                match api.accept() {
                    Ok((stream, _)) if stream.set_nonblocking(false).is_ok() => {
                        let (event, answered) = (event.clone(), answered.clone());
                        std::thread::spawn(move || serve(stream, &event, &answered));
                    }
                    _ => std::thread::sleep(Duration::from_millis(1)),
                }
            }
        })
    };
    let deadline = Instant::now() + PATIENCE;
    let response = loop {
        if let Ok(response) = answer.recv_timeout(Duration::from_millis(20)) {
            break Ok(response);
        }
        if let Ok(Some(status)) = child.try_wait() {
            break Err(anyhow::anyhow!("{name} exited ({status}) before answering the batch"));
        }
        if Instant::now() > deadline {
            break Err(anyhow::anyhow!("{name} did not answer the batch within {PATIENCE:?}"));
        }
    };
    let peak = peak_kib(child.id());
    let _ = child.kill();
    let _ = child.wait();
    stop.store(true, Ordering::Relaxed);
    let _ = listening.join();
    let (path, body) = response?;
    check_answer(&path, &body).with_context(|| name.clone())?;
    peak
}

/// The answer is the batch's response and names no failed record.
pub fn check_answer(path: &str, body: &str) -> Result<()> {
    if !path.ends_with("/response") {
        bail!("it reported an invocation error ({path}): {body}");
    }
    let answer: Value = serde_json::from_str(body).with_context(|| format!("its response is not JSON: {body}"))?;
    match answer.get("batchItemFailures").and_then(Value::as_array).map_or(0, Vec::len) {
        0 => Ok(()),
        _ => bail!("records of the batch failed: {body}"),
    }
}

/// Answers the runtime's requests on one connection: the first poll gets the
/// batch, a later one waits (the process is measured and stopped meanwhile), and
/// the posted result goes to `answered`.
fn serve(stream: TcpStream, event: &Mutex<Option<String>>, answered: &Sender<(String, String)>) {
    let Ok(mut writer) = stream.try_clone() else { return };
    let mut reader = BufReader::new(stream);
    while let Ok(Some((line, body))) = read_request(&mut reader) {
        let path = line.split_whitespace().nth(1).unwrap_or_default().to_owned();
        if line.starts_with("GET ") && path.ends_with("/invocation/next") {
            let Some(event) = event.lock().map(|mut e| e.take()).unwrap_or_default() else {
                // Held open, unanswered, until the measured process is stopped: a
                // closed connection would end it first, and the peak of an exited
                // process can no longer be read.
                let _ = std::io::copy(&mut reader, &mut std::io::sink());
                return;
            };
            let deadline = std::time::SystemTime::now() + PATIENCE;
            let deadline_ms = deadline.duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
                 Lambda-Runtime-Aws-Request-Id: peak-memory\r\nLambda-Runtime-Deadline-Ms: {deadline_ms}\r\n\
                 Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:000000000000:function:peak-memory\r\n\
                 Lambda-Runtime-Trace-Id: Root=1-00000000-000000000000000000000000;Sampled=0\r\n\r\n",
                event.len()
            );
            if writer.write_all(head.as_bytes()).and_then(|_| writer.write_all(event.as_bytes())).is_err() {
                return;
            }
        } else if line.starts_with("POST ") {
            let _ = writer.write_all(b"HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\n{}");
            let _ = answered.send((path, body));
        }
    }
}

/// One HTTP/1.1 request: its request line and body; `None` when the peer closed.
fn read_request(reader: &mut BufReader<TcpStream>) -> Result<Option<(String, String)>> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let mut length = 0usize;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header)?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((key, value)) = header.split_once(':')
            && key.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().context("a Content-Length")?;
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body)?;
    Ok(Some((line.trim_end().to_owned(), String::from_utf8_lossy(&body).into_owned())))
}

/// The peak resident set of process `pid` in KiB (`VmHWM` of `/proc/<pid>/status`).
pub fn peak_kib(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).context("reading /proc")?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no VmHWM in /proc/<pid>/status")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_batch_is_ten_canary_records_that_the_consumer_reads() {
        let event = canary_batch().unwrap();
        let read = platform_consumer::QueueEvent::from_json(&event).unwrap();
        assert_eq!(read.records.len(), RECORDS);
        for record in &read.records {
            let envelope = platform_messages::RawEnvelope::decode_raw(record.body.as_deref().unwrap()).unwrap();
            assert_eq!(envelope.name.as_str(), "canary.sent");
        }
    }

    #[test]
    fn only_a_response_without_failed_records_passes() {
        assert!(check_answer("/2018-06-01/runtime/invocation/x/response", r#"{"batchItemFailures":[]}"#).is_ok());
        assert!(check_answer("/2018-06-01/runtime/invocation/x/response", "{}").is_ok());
        let failed = r#"{"batchItemFailures":[{"itemIdentifier":"a"}]}"#;
        assert!(check_answer("/2018-06-01/runtime/invocation/x/response", failed).is_err());
        assert!(check_answer("/2018-06-01/runtime/invocation/x/error", "{}").is_err());
    }

    #[test]
    fn the_peak_of_this_process_is_read_from_proc() {
        let kib = peak_kib(std::process::id()).unwrap();
        assert!(kib > 100, "{kib} KiB");
    }
}
