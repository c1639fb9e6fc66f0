//! The moves worker: keeps the movers projection current from `mover.created` and
//! `mover.updated` (an older version never overwrites a newer one).
use std::sync::Arc;

use platform::bus::Publish;
use platform::consumer::{Accepts, Consumer, Emit, HandlerError, HandlerResult, IdempotencyLedger};
use platform_identity::Verifier;
use platform_messages::Envelope;
use platform_messages::contracts::movers::{MoverCreated, MoverUpdated, MoverView};

use crate::catalog::SERVICE;
use crate::mover_directory::MoverDirectory;

async fn remember(directory: MoverDirectory, message: Envelope<MoverView>) -> HandlerResult {
    let applied = directory.apply(&message.data).await.map_err(HandlerError::new)?;
    tracing::info!(mover_id = %message.data.id, version = message.data.version, applied, "mover projection");
    Ok(Emit::none())
}

/// The moves consumer.
pub fn consumer(
    directory: MoverDirectory,
    ledger: Arc<dyn IdempotencyLedger>,
    publisher: Arc<dyn Publish>,
    verifier: Arc<Verifier>,
) -> Consumer {
    let on_update = directory.clone();
    Consumer::new(SERVICE, ledger, publisher, verifier)
        .on::<MoverCreated, _, _>(Accepts::SystemWork, move |m, _| remember(directory.clone(), m))
        .on::<MoverUpdated, _, _>(Accepts::SystemWork, move |m, _| remember(on_update.clone(), m))
}
