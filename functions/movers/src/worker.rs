//! The movers worker: answers from the addressing service update the mover's
//! address status (stale answers are ignored), and `movers.mover.create` creates
//! movers for other systems (only the system: the task names the owner),
//! idempotently by message id.
use platform::bus::Origin;
use platform_consumer::{Accepts, Consumer, ConsumerParts, Emit, HandlerError, HandlerResult, user_not_system};
use platform_messages::Envelope;
use platform_messages::contracts::addressing::{
    AddressReconciled, AddressReconciledData, AddressRejected, AddressRejectedData,
};
use platform_messages::contracts::movers::{CreateMover, CreateMoverData};

use crate::catalog::SERVICE;
use crate::domain::{AddressResult, MoverInput};
use crate::error::MoverError;
use crate::service::MoversService;

fn handler_error(e: MoverError) -> HandlerError {
    HandlerError::new(e)
}

async fn answer(
    service: MoversService,
    reference: String,
    answering: Option<String>,
    result: AddressResult,
    origin: Origin,
) -> HandlerResult {
    let Some(answering) = answering else { return Ok(Emit::none()) };
    // The change and its `mover.updated` are written together; nothing is left to emit.
    match service.apply_answer(&reference, &answering, result, &origin).await.map_err(handler_error)? {
        Some(_) => Ok(Emit::none()),
        None => {
            tracing::info!(reference, "ignored a stale or foreign address answer");
            Ok(Emit::none())
        }
    }
}

async fn reconciled(service: MoversService, m: Envelope<AddressReconciledData>, origin: Origin) -> HandlerResult {
    let result = AddressResult::Reconciled { address_id: m.data.address_id, normalized: m.data.normalized };
    answer(service, m.data.reference, m.causation_id, result, origin).await
}

async fn rejected(service: MoversService, m: Envelope<AddressRejectedData>, origin: Origin) -> HandlerResult {
    let result = AddressResult::Rejected { reasons: m.data.reasons };
    answer(service, m.data.reference, m.causation_id, result, origin).await
}

async fn create(service: MoversService, m: Envelope<CreateMoverData>, origin: Origin) -> HandlerResult {
    // `owner_sub` gives the mover away: only the system may name it. The actor is
    // verified by the consumer (`None` is system work, carrying no user token).
    if let Some(actor) = user_not_system(m.actor.as_ref()) {
        return Err(HandlerError::msg(format!(
            "`movers.mover.create` names the owner and is taken only from the system, not from `{}`; refused",
            actor.sub
        )));
    }
    // The mover id and the time come from the message, so a redelivery recreates
    // exactly the same record and re-emits exactly the same messages.
    let id = format!("mov_{}", uuid::Uuid::new_v5(&m.id, b"movers.mover.create").simple());
    let d = m.data;
    let input = MoverInput {
        name: d.name,
        email: d.email,
        phone: d.phone,
        move_date: d.move_date,
        from_address: d.from_address,
        to_address: d.to_address,
    };
    service.create(id, &d.owner_sub, input, m.occurred_at.unix_timestamp(), &origin).await.map_err(handler_error)?;
    Ok(Emit::none())
}

/// The movers consumer with its three routes.
pub fn consumer(service: MoversService, parts: ConsumerParts) -> Consumer {
    Consumer::from_parts(SERVICE, parts)
        .with_state(service)
        .on::<AddressReconciled, _, _>(Accepts::SystemWork, reconciled)
        .on::<AddressRejected, _, _>(Accepts::SystemWork, rejected)
        .on::<CreateMover, _, _>(Accepts::SystemWork, create)
        .build()
}
