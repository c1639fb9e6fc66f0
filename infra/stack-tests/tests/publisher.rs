//! The SNS publisher against the emulator: batches over 10 messages are chunked,
//! and a message over the size limit stops the whole call before anything is sent.
use std::collections::HashSet;
use std::time::Duration;

use platform::bus::{MAX_MESSAGE_BYTES, Outgoing, Publish, PublishError};
use platform_messages::{Envelope, event, task};
use platform_testkit::Probe;
use stack_tests::{publisher, stack};

fn message(marker: &str, i: usize) -> Outgoing {
    // `probe.tested`: a name no service subscribes to, so only the probe sees it.
    Outgoing {
        envelope: Envelope::new(event!("probe.tested"), serde_json::json!({"marker": marker, "i": i})),
        token: None,
        trace: None,
    }
}

#[tokio::test]
async fn thirteen_messages_arrive_through_two_batches() {
    let stack = stack().await;
    let mut probe = Probe::subscribe(&stack, stack.output("EventsTopicArn").unwrap()).await.unwrap();
    let marker = uuid::Uuid::new_v4().to_string();
    let messages: Vec<_> = (0..13).map(|i| message(&marker, i)).collect();
    publisher(&stack).unwrap().publish(messages).await.unwrap();
    let mine = |r: &platform_testkit::Received| r.envelope.data["marker"] == marker.as_str();
    let got = probe.collect_for(Duration::from_secs(4), mine).await.unwrap();
    let indexes: HashSet<_> = got.iter().map(|r| r.envelope.data["i"].as_u64().unwrap()).collect();
    assert_eq!(indexes.len(), 13, "{indexes:?}");
    probe.close().await.unwrap();
}

#[tokio::test]
async fn an_oversized_message_is_refused_and_nothing_is_sent() {
    let stack = stack().await;
    let mut probe = Probe::subscribe(&stack, stack.output("EventsTopicArn").unwrap()).await.unwrap();
    let marker = uuid::Uuid::new_v4().to_string();
    let mut big = message(&marker, 1);
    big.envelope.data["padding"] = serde_json::json!("x".repeat(MAX_MESSAGE_BYTES));
    let err = publisher(&stack).unwrap().publish(vec![message(&marker, 0), big]).await.unwrap_err();
    assert!(matches!(err, PublishError::TooLarge { .. }), "{err}");
    assert!(err.to_string().contains("over the 262144-byte SNS limit"), "{err}");
    let mine = |r: &platform_testkit::Received| r.envelope.data["marker"] == marker.as_str();
    assert!(probe.collect_for(Duration::from_secs(3), mine).await.unwrap().is_empty());
    probe.close().await.unwrap();
}

#[tokio::test]
async fn tasks_go_to_the_tasks_topic_with_their_service() {
    let stack = stack().await;
    let mut probe = Probe::subscribe(&stack, stack.output("TasksTopicArn").unwrap()).await.unwrap();
    let marker = uuid::Uuid::new_v4().to_string();
    let task = Outgoing {
        envelope: Envelope::new(task!("nobody.probe.run"), serde_json::json!({"marker": marker})),
        token: None,
        trace: None,
    };
    publisher(&stack).unwrap().publish(vec![task]).await.unwrap();
    let got = probe.wait_for(Duration::from_secs(10), |r| r.envelope.data["marker"] == marker.as_str()).await.unwrap();
    assert_eq!(got.attributes.get("service").map(String::as_str), Some("nobody"));
    assert_eq!(got.attributes.get("kind").map(String::as_str), Some("task"));
    probe.close().await.unwrap();
}
