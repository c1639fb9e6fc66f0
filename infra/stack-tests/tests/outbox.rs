//! The transactional outbox: changes and their messages are written in one
//! transaction, the relay publishes them with the ids fixed at write time and
//! clears them, and a client retrying `POST /movers` with its `Idempotency-Key`
//! gets the same mover, announced once.
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_lambda_events::event::dynamodb::Event;
use platform::bus::{Origin, RecordingPublisher};
use platform::outbox::{OutboxItem, Relay, outbox_key};
use platform::store::{Key, StoreError, Table};
use platform_messages::Actor;
use platform_messages::contracts::addressing::{AddressRejected, AddressRejectedData};
use platform_testkit::{Probe, create_table};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use stack_tests::{Api, stack};

fn rejected(reference: &str) -> AddressRejectedData {
    AddressRejectedData { reference: reference.into(), reasons: vec!["test".into()] }
}

/// A DynamoDB stream record of `item` at `key`, as Lambda receives it.
fn stream_record(event_name: &str, key: &Key, image: Value, sequence: &str) -> Value {
    json!({
        "eventID": sequence, "eventName": event_name, "eventVersion": "1.1", "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "ApproximateCreationDateTime": 1_795_000_000.0,
            "Keys": {"pk": {"S": key.pk}, "sk": {"S": key.sk}},
            "NewImage": image, "SequenceNumber": sequence, "SizeBytes": 100, "StreamViewType": "NEW_IMAGE"
        },
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/2026"
    })
}

#[tokio::test]
async fn a_change_and_its_messages_are_written_together_or_not_at_all() {
    let stack = stack().await;
    let table = Table::new(stack.dynamodb(), create_table(&stack, true).await.unwrap());
    let key = Key::new("thing#1", "thing");
    let origin = Origin::caller(Actor { sub: "usr_1".into(), roles: vec!["user-mover".into()] }, "t0k");
    let first = origin.message::<AddressRejected>(0, &rejected("a")).unwrap();
    table.insert_announced(&key, &json!({"n": 1}), std::slice::from_ref(&first)).await.unwrap();
    let stored = table.get::<OutboxItem>(&outbox_key(&first.envelope.id)).await.unwrap().unwrap().value;
    assert_eq!(stored.message().unwrap(), first, "the message as written, id and token included");

    // A stale change writes neither the change nor its message.
    let second = origin.message::<AddressRejected>(1, &rejected("b")).unwrap();
    let stale = table.replace_announced(&key, &json!({"n": 2}), 7, std::slice::from_ref(&second)).await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
    assert!(table.get::<OutboxItem>(&outbox_key(&second.envelope.id)).await.unwrap().is_none());
    // A message already written (a retried change) refuses the whole change.
    let again = table.replace_announced(&key, &json!({"n": 2}), 1, std::slice::from_ref(&first)).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    assert_eq!(table.get::<Value>(&key).await.unwrap().unwrap().value["n"], 1, "the change was not written");
    assert_eq!(table.replace_announced(&key, &json!({"n": 2}), 1, &[second]).await.unwrap(), 2);
}

#[tokio::test]
async fn the_relay_publishes_each_item_with_its_id_clears_it_and_hands_back_what_it_could_not_publish() {
    let stack = stack().await;
    let table = Table::new(stack.dynamodb(), create_table(&stack, true).await.unwrap());
    let publisher = Arc::new(RecordingPublisher::default());
    let relay = Relay::new(table.clone(), publisher.clone());
    let message = Origin::system().message::<AddressRejected>(0, &rejected("relayed")).unwrap();
    let key = outbox_key(&message.envelope.id);
    table.insert_announced(&Key::new("thing#2", "thing"), &json!({}), std::slice::from_ref(&message)).await.unwrap();
    let item = OutboxItem::of(&message, 0).unwrap();
    let image = json!({"pk": {"S": key.pk}, "sk": {"S": key.sk}, "body": {"S": item.body},
        "expires_at": {"N": item.expires_at.to_string()}, "version": {"N": "1"},
        "traceparent": {"S": item.traceparent.clone().unwrap()}});
    let event: Event = serde_json::from_value(json!({"Records": [
        stream_record("INSERT", &Key::new("thing#2", "thing"), json!({}), "100"),
        stream_record("INSERT", &key, image.clone(), "101"),
        stream_record("REMOVE", &key, json!({}), "102"),
        stream_record("INSERT", &Key::new("OUTBOX#broken", "OUTBOX"), json!({"body": {"S": "{not json"}}), "103"),
    ]}))
    .unwrap();

    assert_eq!(relay.handle(event.clone()).await.unwrap(), 1, "the broken item is skipped, not retried for ever");
    assert_eq!(publisher.sent(), vec![message.clone()], "published as written, once");
    assert!(table.get::<OutboxItem>(&key).await.unwrap().is_none(), "cleared once published");

    // The stream hands a batch back after a failure: the same id goes out again,
    // which consumers acknowledge as a duplicate.
    relay.handle(event).await.unwrap();
    let sent = publisher.sent();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[1].envelope.id, message.envelope.id);

    publisher.set_failing(true);
    let one: Event = serde_json::from_value(json!({"Records": [stream_record("INSERT", &key, image, "104")]})).unwrap();
    let handed_back = relay.handle(one).await.unwrap_err();
    assert_eq!(handed_back.sequence_number.as_deref(), Some("104"), "a publish that fails hands the batch back");
}

async fn count_created(probe: &mut Probe, id: &str, window: Duration) -> usize {
    probe
        .collect_for(window, |r| r.envelope.name.as_str() == "mover.created" && r.envelope.data["id"] == id)
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn a_create_retried_with_its_idempotency_key_is_one_mover_announced_once() {
    let stack = stack().await;
    let mut probe = Probe::subscribe(&stack, stack.output("EventsTopicArn").unwrap()).await.unwrap();
    let api = Api::new(&stack);
    let token = api.fresh_user("Mover").await;
    let key = format!("retry-{}", uuid::Uuid::new_v4());
    let body = json!({"name": "Retry", "email": "retry@example.com"});
    let headers = [("Idempotency-Key", key.as_str())];
    let (status, _, first) = api.send(Method::POST, "/movers", &token, Some(body.clone()), &headers).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let (status, _, again) = api.send(Method::POST, "/movers", &token, Some(body), &headers).await;
    assert_eq!(status, StatusCode::CREATED, "{again}");
    let id = first["id"].as_str().unwrap();
    assert_eq!(again["id"], id, "the same mover");
    let other = json!({"name": "Someone else", "email": "else@example.com"});
    let (status, _, refused) = api.send(Method::POST, "/movers", &token, Some(other), &headers).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");

    assert_eq!(count_created(&mut probe, id, Duration::from_secs(4)).await, 1, "announced once");
    // The relay cleared the outbox of what it published.
    let table = Table::new(stack.dynamodb(), stack.output("MoversTableName").unwrap());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = stack
            .dynamodb()
            .scan()
            .table_name(table.name())
            .filter_expression("begins_with(pk, :p)")
            .expression_attribute_values(":p", aws_sdk_dynamodb::types::AttributeValue::S("OUTBOX#".into()))
            .send()
            .await
            .unwrap()
            .items()
            .iter()
            .filter(|item| item.get("body").and_then(|b| b.as_s().ok()).is_some_and(|b| b.contains(id)))
            .count();
        if left == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "{left} outbox item(s) of {id} still there");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    probe.close().await.unwrap();
}
