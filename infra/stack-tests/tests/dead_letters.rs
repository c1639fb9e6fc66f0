//! Poison messages: a garbage body and an unknown name reach the addressing queue,
//! fail in the deployed worker, and end in its DLQ after `MaxReceiveCount`
//! deliveries — while good messages next to them are answered normally.
use std::time::{Duration, Instant};

use aws_sdk_sns::types::MessageAttributeValue;
use platform::bus::Outgoing;
use platform_messages::contracts::addressing::AddressReceived;
use platform_messages::{Envelope, event};
use platform_testkit::Probe;
use stack_tests::{ANSWER_TIMEOUT, send, stack, unique_submission};

/// Visibility 30 s x 3 receives, plus slack for the emulator's polling.
const DEAD_LETTER_TIMEOUT: Duration = Duration::from_secs(180);

async fn wait_in_dlq(stack: &platform_testkit::Stack, marker: &str) -> String {
    let sqs = stack.sqs();
    let dlq = stack.output("AddressingDlqUrl").unwrap();
    let deadline = Instant::now() + DEAD_LETTER_TIMEOUT;
    while Instant::now() < deadline {
        let out = sqs
            .receive_message()
            .queue_url(dlq)
            .max_number_of_messages(10)
            .wait_time_seconds(2)
            .visibility_timeout(1)
            .send()
            .await
            .unwrap();
        for m in out.messages() {
            let body = m.body().unwrap_or_default();
            if body.contains(marker) {
                sqs.delete_message().queue_url(dlq).receipt_handle(m.receipt_handle().unwrap()).send().await.unwrap();
                return body.to_owned();
            }
        }
    }
    panic!("{marker} did not reach the DLQ within {DEAD_LETTER_TIMEOUT:?}");
}

#[tokio::test]
async fn poison_messages_end_in_the_dlq_and_nothing_else_is_affected() {
    let stack = stack().await;
    let mut probe = Probe::subscribe(&stack, stack.output("EventsTopicArn").unwrap()).await.unwrap();
    let marker = format!("garbage-{}", uuid::Uuid::new_v4());
    let attr = |v: &str| MessageAttributeValue::builder().data_type("String").string_value(v).build().unwrap();
    // Passes the subscription filter (name = address.received) but is no envelope.
    stack
        .sns()
        .publish()
        .topic_arn(stack.output("EventsTopicArn").unwrap())
        .message(format!("{{\"this is\": \"{marker}\""))
        .message_attributes("name", attr("address.received"))
        .send()
        .await
        .unwrap();
    // A valid envelope whose name the service does not handle, sent straight to its queue.
    let unknown = Envelope::new(event!("mover.created"), serde_json::json!({"marker": format!("unknown-{marker}")}));
    stack
        .sqs()
        .send_message()
        .queue_url(stack.output("AddressingQueueUrl").unwrap())
        .message_body(unknown.to_json().unwrap())
        .send()
        .await
        .unwrap();
    // A good message in the same stretch of time.
    let (submission, _) = unique_submission("beside-garbage");
    let good = Outgoing::new::<AddressReceived>(&submission).unwrap();
    let good_id = good.envelope.id.to_string();
    send(&stack, good).await.unwrap();

    let answer =
        probe.wait_for(ANSWER_TIMEOUT, |r| r.envelope.causation_id.as_deref() == Some(good_id.as_str())).await.unwrap();
    assert_eq!(answer.envelope.name.as_str(), "address.reconciled");

    let garbage = wait_in_dlq(&stack, &marker).await;
    assert!(garbage.starts_with("{\"this is\""), "the DLQ keeps the body as sent: {garbage}");
    let unknown_body = wait_in_dlq(&stack, &format!("unknown-{marker}")).await;
    assert!(unknown_body.contains("mover.created"));
    probe.close().await.unwrap();
}

#[tokio::test]
async fn a_message_with_a_forged_token_is_dead_lettered_not_handled() {
    let stack = stack().await;
    let mut probe = Probe::subscribe(&stack, stack.output("EventsTopicArn").unwrap()).await.unwrap();
    let (submission, _) = unique_submission("forged-token");
    let mut message = Outgoing::new::<AddressReceived>(&submission).unwrap();
    // A token of the right shape that no key of the auth service signed.
    message.token = Some("eyJhbGciOiJSUzI1NiIsImtpZCI6ImstZm9yZ2VkIn0.eyJzdWIiOiJ4In0.c2lnbmF0dXJl".into());
    let id = message.envelope.id.to_string();
    send(&stack, message).await.unwrap();
    let body = wait_in_dlq(&stack, &id).await;
    assert!(body.contains("forged-token"));
    let answers = probe
        .collect_for(Duration::from_secs(1), |r| r.envelope.causation_id.as_deref() == Some(id.as_str()))
        .await
        .unwrap();
    assert!(answers.is_empty(), "a refused token gets no answer: {answers:?}");
    probe.close().await.unwrap();
}
