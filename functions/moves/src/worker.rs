//! The moves worker: keeps the movers projection current from `mover.created` and
//! `mover.updated` (an older version never overwrites a newer one).
use platform::bus::Origin;
use platform_consumer::{Accepts, Consumer, ConsumerParts, Emit, HandlerError, HandlerResult};
use platform_messages::Envelope;
use platform_messages::contracts::movers::{MoverCreated, MoverUpdated, MoverView};

use crate::catalog::SERVICE;
use crate::mover_directory::MoverDirectory;

async fn remember(directory: MoverDirectory, message: Envelope<MoverView>, _: Origin) -> HandlerResult {
    let applied = directory.apply(&message.data).await.map_err(HandlerError::new)?;
    tracing::info!(mover_id = %message.data.id, version = message.data.version, applied, "mover projection");
    Ok(Emit::none())
}

/// The moves consumer.
pub fn consumer(directory: MoverDirectory, parts: ConsumerParts) -> Consumer {
    Consumer::from_parts(SERVICE, parts)
        .with_state(directory)
        .on::<MoverCreated, _, _>(Accepts::SystemWork, remember)
        .on::<MoverUpdated, _, _>(Accepts::SystemWork, remember)
        .build()
}
