//! A process that declared its service's catalog sends nothing else: the publisher
//! and the outbox both refuse an undeclared message, naming it (its own test binary,
//! because the declaration holds for the whole process).
use platform::bus::{Outgoing, Publish, RecordingPublisher, declare};
use platform::outbox::OutboxItem;
use platform_messages::contracts::addressing::{AddressReceived, AddressSubmission, PostalAddress, ReconcileAddress};
use platform_messages::{Catalog, CatalogEntry};

fn submission() -> AddressSubmission {
    let address = PostalAddress {
        line1: "1 Main St".into(),
        line2: None,
        city: "Springfield".into(),
        state: "IL".into(),
        zip: "62701".into(),
    };
    AddressSubmission { reference: "r1".into(), address }
}

#[tokio::test]
async fn a_declared_service_sends_only_what_its_catalog_publishes() {
    let undeclared = Outgoing::new::<ReconcileAddress>(&submission()).unwrap();
    let publisher = RecordingPublisher::default();
    publisher.publish(vec![undeclared.clone()]).await.expect("nothing declared yet: anything goes");

    declare(&Catalog { service: "movers", consumes: vec![], publishes: vec![CatalogEntry::of::<AddressReceived>()] });
    let refused = publisher.publish(vec![undeclared.clone()]).await.unwrap_err().to_string();
    assert!(refused.contains("`movers` sends `addressing.address.reconcile`"), "{refused}");
    assert_eq!(publisher.sent().len(), 1, "the refused message was not sent");
    let outbox = OutboxItem::of(&undeclared, 0).unwrap_err().to_string();
    assert!(outbox.contains("`movers` sends `addressing.address.reconcile`"), "{outbox}");

    let declared = Outgoing::new::<AddressReceived>(&submission()).unwrap();
    publisher.publish(vec![declared.clone()]).await.expect("a declared name is sent");
    OutboxItem::of(&declared, 0).expect("and written to the outbox");
    assert_eq!(publisher.sent().len(), 2);
}
