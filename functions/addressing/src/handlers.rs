//! The worker's routes: both the event and the task reconcile the submitted address
//! and answer with `address.reconciled` or `address.rejected`. A task sent by a saga
//! step (it carries a task token) is also answered directly: success with the
//! reconciled address, or the business error `AddressRejected`.
use std::sync::Arc;

use platform::consumer::{Accepts, Consumer, ConsumerParts, Emit, HandlerError, HandlerResult};
use platform_messages::Envelope;
use platform_messages::contracts::addressing::{
    AddressReceived, AddressReconciled, AddressRejected, AddressSubmission, RECONCILE_REJECTED_ERROR, ReconcileAddress,
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

/// The addressing consumer with both routes.
pub fn consumer(book: Arc<dyn AddressBook>, parts: ConsumerParts) -> Consumer {
    Consumer::from_parts(SERVICE, parts)
        .with_state(book)
        .on::<AddressReceived, _, _>(Accepts::SystemWork, |book, m, _| answer(book, m))
        .on::<ReconcileAddress, _, _>(Accepts::SystemWork, |book, m, _| answer(book, m))
        .build()
}
