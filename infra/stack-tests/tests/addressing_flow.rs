//! The addressing service as deployed from template.yaml: events and tasks in on
//! SNS, answers out on the events topic, observed by a probe queue of the test's own.
use std::time::Duration;

use platform::bus::Outgoing;
use platform_messages::contracts::addressing::{AddressReceived, AddressSubmission, PostalAddress, ReconcileAddress};
use platform_messages::{Envelope, event};
use platform_testkit::Probe;
use stack_tests::{ANSWER_TIMEOUT, Api, PASSWORD, answers_to, send, stack, unique_submission};

#[tokio::test]
async fn an_address_received_event_is_answered_with_address_reconciled() {
    let stack = stack().await;
    let mut probe = Probe::subscribe(&stack, stack.output("EventsTopicArn").unwrap()).await.unwrap();
    let api = Api::new(&stack);
    let token = api.login("mover@updater.local", PASSWORD).await;
    let me: serde_json::Value = api.get("/auth/me", Some(&token)).await.json().await.unwrap();
    let (submission, number) = unique_submission("event-path");
    let mut message = Outgoing::new::<AddressReceived>(&submission).unwrap();
    message.envelope.correlation_id = "corr-event-path".into();
    message.token = Some(token.clone());
    let id = message.envelope.id;
    send(&stack, message).await.unwrap();

    let answer = probe.wait_for(ANSWER_TIMEOUT, answers_to(id)).await.unwrap();
    assert_eq!(answer.envelope.name, event!("address.reconciled").into());
    assert_eq!(answer.envelope.correlation_id, "corr-event-path");
    let data = &answer.envelope.data;
    assert_eq!(data["ref"], "event-path");
    assert_eq!(data["normalized"]["street"], format!("{number} N MAIN ST"));
    assert_eq!(data["normalized"]["unit"], "APT 4");
    assert_eq!(data["normalized"]["state"], "IL");
    assert_eq!(data["created"], true);
    assert!(data["address_id"].as_str().unwrap().starts_with("adr_"));
    assert_eq!(answer.attributes.get("name").map(String::as_str), Some("address.reconciled"));
    assert_eq!(answer.attributes.get("kind").map(String::as_str), Some("event"));
    assert_eq!(answer.attributes.get("correlation_id").map(String::as_str), Some("corr-event-path"));
    assert_eq!(
        answer.attributes.get("authorization"),
        Some(&format!("Bearer {token}")),
        "work done on behalf of a caller carries the caller's token"
    );
    let actor = answer.envelope.actor.as_ref().expect("the verified caller is the actor");
    assert_eq!(
        (actor.sub.as_str(), actor.roles.as_slice()),
        (me["sub"].as_str().unwrap(), &["user-mover".to_owned()][..])
    );
    probe.close().await.unwrap();
}

#[tokio::test]
async fn the_reconcile_task_takes_the_tasks_topic_and_gets_the_same_answer() {
    let stack = stack().await;
    let mut probe = Probe::subscribe(&stack, stack.output("EventsTopicArn").unwrap()).await.unwrap();
    let (submission, number) = unique_submission("task-path");
    let message = Outgoing::new::<ReconcileAddress>(&submission).unwrap();
    assert_eq!(message.attributes().get("service"), Some("addressing"));
    let id = message.envelope.id;
    send(&stack, message).await.unwrap();

    let answer = probe.wait_for(ANSWER_TIMEOUT, answers_to(id)).await.unwrap();
    assert_eq!(answer.envelope.name.as_str(), "address.reconciled");
    assert_eq!(answer.envelope.data["normalized"]["street"], format!("{number} N MAIN ST"));
    assert_eq!(answer.envelope.data["ref"], "task-path");
    probe.close().await.unwrap();
}

#[tokio::test]
async fn two_spellings_of_one_address_get_one_address_id() {
    let stack = stack().await;
    let mut probe = Probe::subscribe(&stack, stack.output("EventsTopicArn").unwrap()).await.unwrap();
    let (first, number) = unique_submission("spelling-1");
    let second = AddressSubmission {
        reference: "spelling-2".into(),
        address: PostalAddress {
            line1: format!("{number} n. main st."),
            line2: Some("Apartment #4".into()),
            city: "SPRINGFIELD".into(),
            state: "il".into(),
            zip: "62701-0001".into(),
        },
    };
    let a = Outgoing::new::<AddressReceived>(&first).unwrap();
    let b = Outgoing::new::<AddressReceived>(&second).unwrap();
    let (a_id, b_id) = (a.envelope.id, b.envelope.id);
    send(&stack, a).await.unwrap();
    let first_answer = probe.wait_for(ANSWER_TIMEOUT, answers_to(a_id)).await.unwrap();
    send(&stack, b).await.unwrap();
    let second_answer = probe.wait_for(ANSWER_TIMEOUT, answers_to(b_id)).await.unwrap();

    assert_eq!(first_answer.envelope.data["address_id"], second_answer.envelope.data["address_id"]);
    assert_eq!(first_answer.envelope.data["created"], true);
    assert_eq!(second_answer.envelope.data["created"], false);
    probe.close().await.unwrap();
}

#[tokio::test]
async fn the_same_message_delivered_twice_is_answered_once() {
    let stack = stack().await;
    let mut probe = Probe::subscribe(&stack, stack.output("EventsTopicArn").unwrap()).await.unwrap();
    let (submission, _) = unique_submission("duplicate");
    let message = Outgoing::new::<AddressReceived>(&submission).unwrap();
    let id = message.envelope.id;
    send(&stack, message.clone()).await.unwrap();
    send(&stack, message).await.unwrap();

    probe.wait_for(ANSWER_TIMEOUT, answers_to(id)).await.unwrap();
    let answers = probe.collect_for(Duration::from_secs(6), answers_to(id)).await.unwrap();
    assert_eq!(answers.len(), 1, "one answer for one message id, got {answers:?}");
    probe.close().await.unwrap();
}

#[tokio::test]
async fn an_invalid_address_is_rejected_with_reasons_and_not_dead_lettered() {
    let stack = stack().await;
    let mut probe = Probe::subscribe(&stack, stack.output("EventsTopicArn").unwrap()).await.unwrap();
    let submission = AddressSubmission {
        reference: "invalid".into(),
        address: PostalAddress {
            line1: "1 Elm St".into(),
            line2: None,
            city: "".into(),
            state: "Atlantis".into(),
            zip: "123".into(),
        },
    };
    let message = Outgoing::new::<AddressReceived>(&submission).unwrap();
    let id = message.envelope.id;
    send(&stack, message).await.unwrap();

    let answer = probe.wait_for(ANSWER_TIMEOUT, answers_to(id)).await.unwrap();
    assert_eq!(answer.envelope.name.as_str(), "address.rejected");
    let reasons: Vec<String> = serde_json::from_value(answer.envelope.data["reasons"].clone()).unwrap();
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("unknown state `ATLANTIS`")), "{reasons:?}");
    probe.close().await.unwrap();
}

#[tokio::test]
async fn a_message_from_another_language_is_understood() {
    let stack = stack().await;
    let mut probe = Probe::subscribe(&stack, stack.output("EventsTopicArn").unwrap()).await.unwrap();
    let (submission, _) = unique_submission("foreign");
    // What a publisher in another language writes: hand-made JSON, SNS attributes by name.
    let id = uuid::Uuid::new_v4();
    let body = serde_json::json!({
        "id": id, "name": "address.received", "kind": "event", "occurred_at": "2026-11-26T10:00:00+01:00",
        "correlation_id": "from-python", "causation_id": null, "actor": null, "schema": 1,
        "data": submission,
    });
    let attr = |v: &str| {
        aws_sdk_sns::types::MessageAttributeValue::builder().data_type("String").string_value(v).build().unwrap()
    };
    stack
        .sns()
        .publish()
        .topic_arn(stack.output("EventsTopicArn").unwrap())
        .message(body.to_string())
        .message_attributes("name", attr("address.received"))
        .message_attributes("kind", attr("event"))
        .message_attributes("correlation_id", attr("from-python"))
        .send()
        .await
        .unwrap();
    let answer = probe.wait_for(ANSWER_TIMEOUT, answers_to(id)).await.unwrap();
    assert_eq!(answer.envelope.correlation_id, "from-python");
    let _: Envelope = answer.envelope;
    probe.close().await.unwrap();
}

#[tokio::test]
async fn an_address_is_looked_up_by_id_over_the_bus_and_an_unknown_id_is_answered_not_found() {
    use platform_messages::contracts::addressing::{GetAddress, GetAddressData};
    let stack = stack().await;
    let mut probe = Probe::subscribe(&stack, stack.output("EventsTopicArn").unwrap()).await.unwrap();
    let (submission, number) = unique_submission("lookup");
    let reconcile = Outgoing::new::<ReconcileAddress>(&submission).unwrap();
    let reconcile_id = reconcile.envelope.id;
    send(&stack, reconcile).await.unwrap();
    let reconciled = probe.wait_for(ANSWER_TIMEOUT, answers_to(reconcile_id)).await.unwrap();
    let address_id = reconciled.envelope.data["address_id"].as_str().unwrap().to_owned();

    // Black-box: the task goes on the tasks topic with the wire format's attributes.
    let get =
        Outgoing::new::<GetAddress>(&GetAddressData { reference: "my-lookup".into(), address_id: address_id.clone() })
            .unwrap();
    assert_eq!(get.attributes().get("service"), Some("addressing"));
    let get_id = get.envelope.id;
    send(&stack, get).await.unwrap();
    let answer = probe.wait_for(ANSWER_TIMEOUT, answers_to(get_id)).await.unwrap();
    assert_eq!(answer.envelope.name.as_str(), "address.retrieved");
    let data = &answer.envelope.data;
    assert_eq!((data["ref"].as_str(), data["address_id"].as_str()), (Some("my-lookup"), Some(address_id.as_str())));
    assert_eq!(data["found"], true);
    assert_eq!(data["normalized"], reconciled.envelope.data["normalized"], "the address as reconciled");
    assert_eq!(data["normalized"]["street"], format!("{number} N MAIN ST"));

    let unknown = Outgoing::new::<GetAddress>(&GetAddressData {
        reference: "nobody".into(),
        address_id: "adr_0000000000000000000000000000".into(),
    })
    .unwrap();
    let unknown_id = unknown.envelope.id;
    send(&stack, unknown).await.unwrap();
    let answer = probe.wait_for(ANSWER_TIMEOUT, answers_to(unknown_id)).await.unwrap();
    let data = &answer.envelope.data;
    assert_eq!((data["found"].as_bool(), data["ref"].as_str()), (Some(false), Some("nobody")));
    assert!(data["normalized"].is_null(), "{data}");
    probe.close().await.unwrap();
}
