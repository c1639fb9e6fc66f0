//! The worker's routes: both the event and the task reconcile the submitted address
//! and answer with `address.reconciled` or `address.rejected`.
use std::sync::Arc;

use platform::bus::Publish;
use platform::consumer::{Consumer, Emit, HandlerError, HandlerResult, IdempotencyLedger};
use platform_messages::Envelope;
use platform_messages::contracts::addressing::{
    AddressReceived, AddressReconciled, AddressRejected, AddressSubmission, ReconcileAddress,
};

use crate::catalog::SERVICE;
use crate::reconcile::{AddressBook, Outcome, reconcile};

async fn answer(book: Arc<dyn AddressBook>, message: Envelope<AddressSubmission>) -> HandlerResult {
    let outcome = reconcile(book.as_ref(), &message.id.to_string(), message.data).await.map_err(HandlerError::new)?;
    match outcome {
        Outcome::Reconciled(data) => Emit::one::<AddressReconciled>(&data),
        Outcome::Rejected(data) => Emit::one::<AddressRejected>(&data),
    }
}

/// The addressing consumer with both routes.
pub fn consumer(
    book: Arc<dyn AddressBook>,
    ledger: Arc<dyn IdempotencyLedger>,
    publisher: Arc<dyn Publish>,
) -> Consumer {
    let for_event = book.clone();
    Consumer::new(SERVICE, ledger, publisher)
        .on::<AddressReceived, _, _>(move |m| answer(for_event.clone(), m))
        .on::<ReconcileAddress, _, _>(move |m| answer(book.clone(), m))
}
