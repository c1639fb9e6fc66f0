//! The platform's end-to-end canary through the deployed stack: one `canary.sent`
//! on the events topic reaches every service's queue through the real filters, and
//! every worker answers `canary.answered` with its service name and version, once.
use std::collections::BTreeMap;
use std::time::Duration;

use platform::bus::Outgoing;
use platform_messages::contracts::canary::{CanarySent, CanarySentData};
use platform_testkit::Probe;
use stack_tests::{ANSWER_TIMEOUT, send, stack};

/// Every service with a worker, in name order: the canary must hear from each.
const SERVICES: [&str; 5] = ["addressing", "auth", "movers", "moves", "notifications"];

#[tokio::test]
async fn every_worker_answers_the_canary_with_its_name_and_version() {
    let stack = stack().await;
    let mut probe = Probe::subscribe(&stack, stack.output("EventsTopicArn").unwrap()).await.unwrap();
    let canary_id = format!("canary-{}", uuid::Uuid::new_v4().simple());
    let sent = Outgoing::new::<CanarySent>(&CanarySentData { canary_id: canary_id.clone() }).unwrap();
    let id = sent.envelope.id.to_string();
    send(&stack, sent).await.unwrap();

    let is_answer = |r: &platform_testkit::Received| {
        r.envelope.name.as_str() == "canary.answered" && r.envelope.data["canary_id"] == canary_id.as_str()
    };
    // Everything the probe has seen so far that answers this canary, by service.
    let by_service = |seen: Vec<platform_testkit::Received>| {
        let mut answers: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for answer in seen {
            assert_eq!(answer.envelope.causation_id.as_deref(), Some(id.as_str()), "an answer names its cause");
            let data = &answer.envelope.data;
            answers.entry(data["service"].as_str().unwrap().to_owned()).or_default().push(data["version"].to_string());
        }
        answers
    };
    let deadline = std::time::Instant::now() + ANSWER_TIMEOUT;
    while by_service(probe.collect_for(Duration::from_secs(1), is_answer).await.unwrap()).len() < SERVICES.len()
        && std::time::Instant::now() < deadline
    {}
    // A moment more, so that a second answer from one service would be seen.
    let answers = by_service(probe.collect_for(Duration::from_secs(2), is_answer).await.unwrap());
    let answered: Vec<&str> = answers.keys().map(String::as_str).collect();
    assert_eq!(answered, SERVICES, "services that answered: {answers:?}");
    for (service, versions) in &answers {
        assert_eq!(versions.len(), 1, "{service} answered {versions:?}");
        let (function, build) =
            versions[0].trim_matches('"').split_once('/').expect("<function version>/<crate version>");
        assert!(function == "$LATEST" || function.parse::<u32>().is_ok(), "{service}: function version {function}");
        assert_eq!(build, env!("CARGO_PKG_VERSION"), "{service}");
    }
    probe.close().await.unwrap();
}
