//! Reconciliation against an in-memory address book: stable ids across spellings,
//! one creator under races, rejections as outcomes.
use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

use addressing::reconcile::{AddressBook, AddressUse, Outcome, address_id, reconcile};
use async_trait::async_trait;
use platform::store::StoreError;
use platform_messages::contracts::addressing::{AddressSubmission, NormalizedAddress, PostalAddress};

#[derive(Default)]
struct MemoryBook(Mutex<HashMap<String, (String, BTreeSet<String>)>>);

#[async_trait]
impl AddressBook for MemoryBook {
    async fn record(&self, used: AddressUse<'_>) -> Result<bool, StoreError> {
        let AddressUse { address_id, reference, message_id, .. } = used;
        let mut book = self.0.lock().unwrap();
        let entry = book.entry(address_id.to_owned()).or_insert_with(|| (message_id.to_owned(), BTreeSet::new()));
        entry.1.insert(reference.to_owned());
        Ok(entry.0 == message_id)
    }

    async fn find(&self, _: &str) -> Result<Option<NormalizedAddress>, StoreError> {
        Ok(None)
    }
}

fn submission(reference: &str, line1: &str, city: &str, state: &str, zip: &str) -> AddressSubmission {
    AddressSubmission {
        reference: reference.into(),
        address: PostalAddress {
            line1: line1.into(),
            line2: None,
            city: city.into(),
            state: state.into(),
            zip: zip.into(),
        },
    }
}

fn reconciled(outcome: Outcome) -> platform_messages::contracts::addressing::AddressReconciledData {
    match outcome {
        Outcome::Reconciled(d) => d,
        other => panic!("expected reconciled, got {other:?}"),
    }
}

#[tokio::test]
async fn two_spellings_of_one_address_share_an_id_and_keep_both_refs() {
    let book = MemoryBook::default();
    let a = reconciled(
        reconcile(&book, "m1", submission("r1", "123 North Main Street Apt 4", "Springfield", "Illinois", "62701"))
            .await
            .unwrap(),
    );
    let b = reconciled(
        reconcile(&book, "m2", submission("r2", "123 N. Main St., Apartment 4", "SPRINGFIELD", "IL", "62701-1234"))
            .await
            .unwrap(),
    );
    assert_eq!(a.address_id, b.address_id);
    assert!(a.created && !b.created);
    assert_eq!(b.reference, "r2");
    let refs = book.0.lock().unwrap()[a.address_id.as_str()].1.clone();
    assert_eq!(refs, BTreeSet::from(["r1".to_owned(), "r2".to_owned()]));
}

#[tokio::test]
async fn a_retried_message_still_reports_that_it_created_the_address() {
    let book = MemoryBook::default();
    let s = submission("r1", "1 Elm St", "Town", "TX", "75001");
    assert!(reconciled(reconcile(&book, "m1", s.clone()).await.unwrap()).created);
    assert!(reconciled(reconcile(&book, "m1", s).await.unwrap()).created);
}

#[tokio::test]
async fn different_addresses_get_different_ids() {
    let base = NormalizedAddress {
        street: "1 ELM ST".into(),
        unit: None,
        city: "TOWN".into(),
        state: "TX".into(),
        zip: "75001".into(),
    };
    let variants = [
        NormalizedAddress { street: "2 ELM ST".into(), ..base.clone() },
        NormalizedAddress { unit: Some("APT 1".into()), ..base.clone() },
        NormalizedAddress { state: "OK".into(), ..base.clone() },
        NormalizedAddress { zip: "75002".into(), ..base.clone() },
    ];
    for v in variants {
        assert_ne!(address_id(&base), address_id(&v), "{v:?}");
    }
    assert_eq!(address_id(&base), address_id(&NormalizedAddress { zip: "75001-0001".into(), ..base.clone() }));
    assert!(address_id(&base).starts_with("adr_"));
}

#[tokio::test]
async fn an_invalid_address_is_rejected_with_reasons() {
    let book = MemoryBook::default();
    match reconcile(&book, "m1", submission("r9", "1 Elm St", "Town", "Texass", "7500")).await.unwrap() {
        Outcome::Rejected(r) => {
            assert_eq!(r.reference, "r9");
            assert_eq!(r.reasons.len(), 2, "{:?}", r.reasons);
        }
        other => panic!("expected rejection, got {other:?}"),
    }
    assert!(book.0.lock().unwrap().is_empty(), "nothing written for a rejection");
}
