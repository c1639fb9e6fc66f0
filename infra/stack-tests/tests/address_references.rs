//! No item grows with use: an address that 2,000 callers referenced keeps its own
//! item small (each reference is an item beside it), and the deployed service
//! still reconciles it.
use addressing::address_book::DynamoAddressBook;
use addressing::normalize::normalize;
use addressing::reconcile::{AddressBook, AddressUse, address_id};
use futures::StreamExt;
use platform::bus::Outgoing;
use platform::store::Table;
use platform_messages::contracts::addressing::{AddressReceived, AddressSubmission};
use platform_messages::event;
use platform_testkit::Probe;
use stack_tests::{ANSWER_TIMEOUT, send, stack, unique_submission};

#[tokio::test]
async fn an_address_with_two_thousand_references_still_reconciles_and_stays_small() {
    let stack = stack().await;
    let table_name = stack.output("AddressingTableName").unwrap().to_owned();
    let book = DynamoAddressBook::new(Table::new(stack.dynamodb(), &table_name));
    let (submission, _) = unique_submission("many-refs");
    let normalized = normalize(&submission.address).unwrap();
    let id = address_id(&normalized);

    // 2,000 callers' references, written as the worker writes them.
    let created: Vec<bool> = futures::stream::iter(0..2_000)
        .map(|n| {
            let (book, normalized, id) = (&book, &normalized, &id);
            async move {
                let (reference, message_id) = (format!("caller-{n}:from"), format!("msg-{n}"));
                let used =
                    AddressUse { address_id: id, address: normalized, reference: &reference, message_id: &message_id };
                book.record(used).await.unwrap()
            }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    assert_eq!(created.iter().filter(|c| **c).count(), 1, "one message created the address");
    assert_eq!(book.reference_count(&id).await.unwrap(), 2_000);

    // The deployed service answers one more.
    let mut probe = Probe::subscribe(&stack, stack.output("EventsTopicArn").unwrap()).await.unwrap();
    let one_more = AddressSubmission { reference: "caller-2000:to".into(), ..submission };
    let message = Outgoing::new::<AddressReceived>(&one_more).unwrap();
    let cause = message.envelope.id.to_string();
    send(&stack, message).await.unwrap();
    let answer =
        probe.wait_for(ANSWER_TIMEOUT, |r| r.envelope.causation_id.as_deref() == Some(cause.as_str())).await.unwrap();
    assert_eq!(answer.envelope.name, event!("address.reconciled").into());
    assert_eq!(
        (answer.envelope.data["address_id"].as_str(), answer.envelope.data["created"].as_bool()),
        (Some(id.as_str()), Some(false))
    );
    assert_eq!(book.reference_count(&id).await.unwrap(), 2_001);

    // The address's own item holds its parts, not its references.
    let item = stack
        .dynamodb()
        .get_item()
        .table_name(&table_name)
        .key("pk", aws_sdk_dynamodb::types::AttributeValue::S(format!("address#{id}")))
        .key("sk", aws_sdk_dynamodb::types::AttributeValue::S("address".into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    assert!(!item.contains_key("refs"), "{item:?}");
    let size: usize = item.iter().map(|(k, v)| k.len() + v.as_s().map_or(8, String::len)).sum();
    assert!(size < 1_024, "the address item is {size} bytes");
    probe.close().await.unwrap();
}
