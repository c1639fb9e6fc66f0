//! CloudWatch Embedded Metric Format (EMF): one JSON line per batch that CloudWatch
//! turns into metrics — records handled, failed, duplicated, and handler latency.
use std::io::Write;
use std::sync::Mutex;

use serde_json::json;

/// The metric namespace of the platform.
pub const NAMESPACE: &str = "Updater/Platform";

/// What one batch did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct BatchMetrics {
    /// Records whose handler ran and succeeded.
    pub handled: u32,
    /// Records reported as failures.
    pub failed: u32,
    /// Records acknowledged as duplicates without running the handler.
    pub duplicated: u32,
    /// Handler latency of each record that ran, in milliseconds.
    pub latencies_ms: Vec<f64>,
}

impl BatchMetrics {
    /// The EMF document for this batch, with the `service` dimension.
    pub fn to_emf(&self, service: &str, timestamp_ms: i64) -> serde_json::Value {
        json!({
            "_aws": {
                "Timestamp": timestamp_ms,
                "CloudWatchMetrics": [{
                    "Namespace": NAMESPACE,
                    "Dimensions": [["service"]],
                    "Metrics": [
                        {"Name": "RecordsHandled", "Unit": "Count"},
                        {"Name": "RecordsFailed", "Unit": "Count"},
                        {"Name": "RecordsDuplicated", "Unit": "Count"},
                        {"Name": "HandlerLatency", "Unit": "Milliseconds"}
                    ]
                }]
            },
            "service": service,
            "RecordsHandled": self.handled,
            "RecordsFailed": self.failed,
            "RecordsDuplicated": self.duplicated,
            "HandlerLatency": self.latencies_ms,
        })
    }
}

/// Where EMF lines go: stdout in Lambda, a buffer in tests.
pub enum MetricsSink {
    /// Standard output (CloudWatch Logs picks the lines up).
    Stdout,
    /// An in-memory buffer of lines.
    Buffer(Mutex<Vec<String>>),
    /// Nowhere (benchmarks).
    Discard,
}

impl MetricsSink {
    /// Writes one batch's EMF line.
    pub fn emit(&self, service: &str, metrics: &BatchMetrics) {
        if let MetricsSink::Discard = self {
            return;
        }
        let ts = (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64;
        let line = metrics.to_emf(service, ts).to_string();
        match self {
            MetricsSink::Stdout => {
                let _ = writeln!(std::io::stdout().lock(), "{line}");
            }
            MetricsSink::Buffer(lines) => lines.lock().unwrap_or_else(|e| e.into_inner()).push(line),
            MetricsSink::Discard => {}
        }
    }

    /// The lines written to a buffer sink.
    pub fn lines(&self) -> Vec<String> {
        match self {
            MetricsSink::Buffer(lines) => lines.lock().unwrap_or_else(|e| e.into_inner()).clone(),
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emf_document_declares_every_metric_it_carries() {
        let m = BatchMetrics { handled: 2, failed: 1, duplicated: 3, latencies_ms: vec![1.5, 2.0] };
        let doc = m.to_emf("addressing", 1_700_000_000_000);
        let declared = doc["_aws"]["CloudWatchMetrics"][0]["Metrics"].as_array().unwrap();
        for metric in declared {
            let name = metric["Name"].as_str().unwrap();
            assert!(!doc[name].is_null(), "{name} declared but missing");
        }
        assert_eq!(doc["RecordsDuplicated"], 3);
        assert_eq!(doc["HandlerLatency"][1], 2.0);
        assert_eq!(doc["service"], "addressing");
    }
}
