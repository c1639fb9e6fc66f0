//! The worker's routes: both the event and the task reconcile the submitted address
//! and answer with `address.reconciled` or `address.rejected`; `addressing.address.get`
//! is answered with `address.retrieved`. A task sent by a saga
//! step (it carries a task token) is also answered directly: success with the
//! reconciled address, or the business error `AddressRejected`.
use std::sync::Arc;

use platform_consumer::{Accepts, Consumer, ConsumerParts, Emit, HandlerError, HandlerResult};
use platform_messages::Envelope;
use platform_messages::contracts::addressing::{
    AddressReceived, AddressReconciled, AddressRejected, AddressRetrieved, AddressRetrievedData, AddressSubmission,
    GetAddress, GetAddressData, RECONCILE_REJECTED_ERROR, ReconcileAddress,
};

use crate::catalog::SERVICE;

use crate::reconcile::{AddressBook, Outcome, reconcile};

async fn answer(book: Arc<dyn AddressBook>, message: Envelope<AddressSubmission>) -> HandlerResult {
    let outcome = reconcile(book.as_ref(), &message.id.to_string(), message.data).await.map_err(HandlerError::new)?;
    match outcome {
        Outcome::Reconciled(data) => Emit::one::<AddressReconciled>(&data)?.reply_success(&data),
        Outcome::Rejected(data) => {
            let cause = format!("address `{}` rejected: {}", data.reference, data.reasons.join("; "));
            Ok(Emit::one::<AddressRejected>(&data)?.reply_failure(RECONCILE_REJECTED_ERROR, cause))
        }
    }
}

/// An address looked up by id: `address.retrieved`, found or not (a missing address
/// is an answer, not a failure).
async fn retrieve(book: Arc<dyn AddressBook>, message: Envelope<GetAddressData>) -> HandlerResult {
    let GetAddressData { reference, address_id } = message.data;
    let normalized = book.find(&address_id).await.map_err(HandlerError::new)?;
    Emit::one::<AddressRetrieved>(&AddressRetrievedData {
        reference,
        address_id,
        found: normalized.is_some(),
        normalized,
    })
}

/// The addressing consumer with its routes.
pub fn consumer(book: Arc<dyn AddressBook>, parts: ConsumerParts) -> Consumer {
    Consumer::from_parts(SERVICE, parts)
        .with_state(book)
        .on::<AddressReceived, _, _>(Accepts::SystemWork, |book, m, _| answer(book, m))
        .on::<ReconcileAddress, _, _>(Accepts::SystemWork, |book, m, _| answer(book, m))
        .on::<GetAddress, _, _>(Accepts::SystemWork, |book, m, _| retrieve(book, m))
        .build()
}
