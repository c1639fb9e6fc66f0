//! Identity in flight, through the deployed stack: a genuine user token that expired
//! while its message waited (in the queue, or two days in the DLQ before a redrive)
//! still acts for its user; a message claiming an actor it cannot prove never acts.
use std::time::Duration;

use aws_sdk_sqs::types::MessageAttributeValue;
use platform::bus::Outgoing;
use platform_identity::Role;
use platform_messages::Actor;
use platform_messages::contracts::addressing::AddressReceived;
use platform_testkit::{DeadLetters, Probe, Stack};
use stack_tests::identity::genuine_token_issued_at;
use stack_tests::{ANSWER_TIMEOUT, answers_to, send, stack, unique_submission};

/// An `address.received` sent `age` ago on behalf of `sub`, with the token it had then.
async fn sent_long_ago(stack: &Stack, reference: &str, sub: &str, age: time::Duration) -> Outgoing {
    let (submission, _) = unique_submission(reference);
    let mut message = Outgoing::new::<AddressReceived>(&submission).unwrap();
    message.envelope.occurred_at -= age;
    let iat = message.envelope.occurred_at.unix_timestamp() - 30;
    message.token = Some(genuine_token_issued_at(stack, sub, vec![Role::UserMover], iat).await.unwrap());
    message.envelope.actor = Some(Actor { sub: sub.into(), roles: vec!["user-mover".into()] });
    message
}

#[tokio::test]
async fn a_token_that_expired_while_its_message_waited_still_acts_for_its_user() {
    let stack = stack().await;
    let mut probe = Probe::subscribe(&stack, stack.output("EventsTopicArn").unwrap()).await.unwrap();
    let message = sent_long_ago(&stack, "late-by-an-hour", "usr_late", time::Duration::hours(1)).await;
    let (id, token) = (message.envelope.id, message.token.clone().unwrap());
    send(&stack, message).await.unwrap();

    let answer = probe.wait_for(ANSWER_TIMEOUT, answers_to(id)).await.unwrap();
    assert_eq!(answer.envelope.name.as_str(), "address.reconciled");
    assert_eq!(answer.envelope.actor.as_ref().map(|a| a.sub.as_str()), Some("usr_late"));
    assert_eq!(answer.attributes.get("authorization"), Some(&format!("Bearer {token}")));
    assert!(answer.envelope.authorized_at.is_some(), "the answer carries when its user was authorized");
    probe.close().await.unwrap();
}

#[tokio::test]
async fn a_dead_letter_whose_token_expired_two_days_ago_is_redriven_and_handled() {
    let stack = stack().await;
    let mut probe = Probe::subscribe(&stack, stack.output("EventsTopicArn").unwrap()).await.unwrap();
    let message = sent_long_ago(&stack, "redriven", "usr_patient", time::Duration::days(2)).await;
    let id = message.envelope.id;
    // As it lies in the DLQ after its deliveries failed during an outage: body and attributes.
    let (body, attributes) = message.encode().unwrap();
    let sqs = stack.sqs();
    let dlq = stack.output("AddressingDlqUrl").unwrap();
    let mut put = sqs.send_message().queue_url(dlq).message_body(body);
    for (name, value) in attributes.pairs() {
        put = put.message_attributes(
            *name,
            MessageAttributeValue::builder().data_type("String").string_value(value).build().unwrap(),
        );
    }
    put.send().await.unwrap();

    let dead_letters = DeadLetters::new(sqs, dlq, stack.output("AddressingQueueUrl").unwrap());
    assert!(dead_letters.redrive().await.unwrap() >= 1, "the dead letter was redriven");
    let answer = probe.wait_for(ANSWER_TIMEOUT, answers_to(id)).await.unwrap();
    assert_eq!(answer.envelope.name.as_str(), "address.reconciled");
    assert_eq!(answer.envelope.actor.as_ref().map(|a| a.sub.as_str()), Some("usr_patient"));
    probe.close().await.unwrap();
}

#[tokio::test]
async fn a_claimed_actor_without_its_token_or_with_anothers_never_acts() {
    let stack = stack().await;
    let mut probe = Probe::subscribe(&stack, stack.output("EventsTopicArn").unwrap()).await.unwrap();
    let mut unproven = sent_long_ago(&stack, "unproven", "usr_claimed", time::Duration::minutes(1)).await;
    unproven.token = None;
    let mut escalated = sent_long_ago(&stack, "escalated", "usr_small", time::Duration::minutes(1)).await;
    escalated.envelope.actor = Some(Actor { sub: "usr_small".into(), roles: vec!["system".into()] });
    let ids = [unproven.envelope.id, escalated.envelope.id];
    send(&stack, unproven).await.unwrap();
    send(&stack, escalated).await.unwrap();
    // A control sent after them is answered, so the worker has seen the two by then.
    let control = sent_long_ago(&stack, "control", "usr_small", time::Duration::minutes(1)).await;
    let control_id = control.envelope.id;
    send(&stack, control).await.unwrap();
    probe.wait_for(ANSWER_TIMEOUT, answers_to(control_id)).await.unwrap();
    for id in ids {
        let answers = probe.collect_for(Duration::from_secs(3), answers_to(id)).await.unwrap();
        assert!(answers.is_empty(), "an unproven actor got an answer: {answers:?}");
    }
    probe.close().await.unwrap();
}
