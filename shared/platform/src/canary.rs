//! The end-to-end canary: sends `canary.sent` on the events topic, reads the
//! `canary.answered` of every service from a queue of its own (subscribed to that
//! name only) until each expected service answered or the wait is over, and reports
//! who answered, in what time, as EMF metrics (`CanaryServicesAnswered`,
//! `CanaryServicesMissing`, `CanaryLatency`) that an alarm watches. Scheduled in AWS;
//! `cargo xtask health` invokes it on the local stack.
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use platform_messages::contracts::canary::{CanaryAnswered, CanarySent, CanarySentData};
use platform_messages::{Catalog, CatalogEntry, Envelope};
use serde::Serialize;
use serde_json::{Value, json};

use crate::bus::{Outgoing, Publish};
use crate::metrics::NAMESPACE;

/// What the canary says on the bus: it sends `canary.sent`, it hears `canary.answered`.
pub fn catalog() -> Catalog {
    Catalog {
        service: "canary",
        consumes: vec![CatalogEntry::of::<CanaryAnswered>()],
        publishes: vec![CatalogEntry::of::<CanarySent>()],
    }
}

/// One run's outcome.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Report {
    /// The run's id, in `canary.sent` and every answer.
    pub canary_id: String,
    /// The services that answered: their version and how long after the send.
    pub answered: BTreeMap<String, Answer>,
    /// The expected services that did not answer in time.
    pub missing: Vec<String>,
    /// The whole run, in milliseconds.
    pub elapsed_ms: u64,
}

/// One service's answer.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Answer {
    /// `<function version>/<build>`.
    pub version: String,
    /// Milliseconds from the send to the answer's arrival.
    pub after_ms: u64,
}

impl Report {
    /// The EMF document of the run (dimensionless: one canary per stack).
    pub fn to_emf(&self, timestamp_ms: i64) -> Value {
        json!({
            "_aws": {
                "Timestamp": timestamp_ms,
                "CloudWatchMetrics": [{
                    "Namespace": NAMESPACE,
                    "Dimensions": [[]],
                    "Metrics": [
                        {"Name": "CanaryServicesAnswered", "Unit": "Count"},
                        {"Name": "CanaryServicesMissing", "Unit": "Count"},
                        {"Name": "CanaryLatency", "Unit": "Milliseconds"}
                    ]
                }]
            },
            "CanaryServicesAnswered": self.answered.len(),
            "CanaryServicesMissing": self.missing.len(),
            "CanaryLatency": self.elapsed_ms,
            "missing": self.missing,
        })
    }
}

/// The canary: its publisher, its queue and whom it waits for.
pub struct Canary {
    /// Sends `canary.sent`.
    pub publisher: Arc<dyn Publish>,
    /// Reads the answers.
    pub sqs: aws_sdk_sqs::Client,
    /// The canary's own queue.
    pub queue_url: String,
    /// The services that must answer.
    pub expected: BTreeSet<String>,
    /// How long to wait for them.
    pub wait: Duration,
}

impl Canary {
    /// One run: send, then read answers until every expected service answered or
    /// the wait is over. Everything else found on the queue is dropped, so two runs at
    /// once (a schedule and a manual one) may each miss the other's answers.
    pub async fn run(&self) -> Result<Report, String> {
        let started = Instant::now();
        let canary_id = uuid::Uuid::new_v4().to_string();
        let sent =
            Outgoing::new::<CanarySent>(&CanarySentData { canary_id: canary_id.clone() }).map_err(|e| e.to_string())?;
        self.publisher.publish(vec![sent]).await.map_err(|e| format!("sending the canary: {e}"))?;
        let mut answered = BTreeMap::new();
        while started.elapsed() < self.wait && !self.expected.iter().all(|s| answered.contains_key(s)) {
            let left = self.wait.saturating_sub(started.elapsed());
            let received = self
                .sqs
                .receive_message()
                .queue_url(&self.queue_url)
                .max_number_of_messages(10)
                .wait_time_seconds(left.as_secs().clamp(1, 2) as i32)
                .send()
                .await
                .map_err(|e| format!("reading the canary's queue: {}", crate::error_chain::text(&e)))?;
            for message in received.messages() {
                if let Some((service, version)) = answer_of(message.body().unwrap_or_default(), &canary_id) {
                    let after_ms = started.elapsed().as_millis() as u64;
                    answered.entry(service).or_insert(Answer { version, after_ms });
                }
                // Answers to other runs (one that ended, a test's) are dropped too: left on
                // the queue they would be received again and again, into its DLQ.
                if let Some(handle) = message.receipt_handle() {
                    let _ = self.sqs.delete_message().queue_url(&self.queue_url).receipt_handle(handle).send().await;
                }
            }
        }
        let missing = self.expected.iter().filter(|s| !answered.contains_key(*s)).cloned().collect();
        Ok(Report { canary_id, answered, missing, elapsed_ms: started.elapsed().as_millis() as u64 })
    }
}

/// `(service, version)` of a `canary.answered` body for run `canary_id`.
fn answer_of(body: &str, canary_id: &str) -> Option<(String, String)> {
    let envelope = Envelope::decode(body).ok()?;
    let data = &envelope.data;
    if envelope.name.as_str() != "canary.answered" || data["canary_id"] != canary_id {
        return None;
    }
    Some((data["service"].as_str()?.to_owned(), data["version"].as_str()?.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use platform_messages::contracts::canary::CanaryAnsweredData;

    fn answer(canary_id: &str, service: &str) -> String {
        let data =
            CanaryAnsweredData { canary_id: canary_id.into(), service: service.into(), version: "7/0.1.0".into() };
        Outgoing::new::<CanaryAnswered>(&data).unwrap().envelope.to_json().unwrap()
    }

    #[test]
    fn only_this_runs_answers_count() {
        assert_eq!(answer_of(&answer("run-1", "movers"), "run-1"), Some(("movers".into(), "7/0.1.0".into())));
        assert_eq!(answer_of(&answer("run-0", "movers"), "run-1"), None, "another run's answer");
        assert_eq!(answer_of("not an envelope", "run-1"), None);
    }

    #[test]
    fn the_metrics_count_the_answered_and_the_missing() {
        let report = Report {
            canary_id: "c".into(),
            answered: BTreeMap::from([("movers".into(), Answer { version: "1/0.1.0".into(), after_ms: 40 })]),
            missing: vec!["moves".into()],
            elapsed_ms: 2_000,
        };
        let emf = report.to_emf(1);
        assert_eq!((emf["CanaryServicesAnswered"].as_u64(), emf["CanaryServicesMissing"].as_u64()), (Some(1), Some(1)));
        assert_eq!(emf["_aws"]["CloudWatchMetrics"][0]["Namespace"], NAMESPACE);
    }
}
