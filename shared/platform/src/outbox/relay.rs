//! The outbox relay: a Lambda fed by a service table's stream. Each new outbox item
//! is published with the id it was written with, then deleted; other records of the
//! table are not its business. When an item cannot be published (SNS fails), the
//! invocation fails, so the stream hands the whole batch back and nothing is skipped
//! (AWS and the emulator agree on that, while the emulator ignores partial batch
//! responses of stream mappings); items already published go out again with the same
//! ids, which consumers acknowledge as duplicates. An item that is not a message at
//! all can never be published: it is logged as an alarm and skipped, so it cannot
//! block the table's stream.
use std::future::Future;
use std::sync::Arc;

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_dynamo::AttributeValue;
use tracing::{error, info, warn};

use super::item::{OUTBOX_PREFIX, OutboxItem};
use crate::bus::Publish;
use crate::store::{Key, Table};

/// Publishes a table's outbox items.
pub struct Relay {
    table: Table,
    publisher: Arc<dyn Publish>,
}

/// The partition key of a stream record, if it is a newly written outbox item.
fn new_outbox_item(record: &EventRecord) -> Option<String> {
    if record.event_name != "INSERT" {
        return None;
    }
    match record.change.keys.get("pk") {
        Some(AttributeValue::S(pk)) if pk.starts_with(OUTBOX_PREFIX) => Some(pk.clone()),
        _ => None,
    }
}

impl Relay {
    /// The relay of `table`'s outbox, publishing through `publisher`.
    pub fn new(table: Table, publisher: Arc<dyn Publish>) -> Self {
        Self { table, publisher }
    }

    /// Relays one stream batch: `Ok` with how many messages it published, or the
    /// reason the batch must be handed back.
    pub async fn handle(&self, event: Event) -> Result<usize, RelayError> {
        let mut published = 0;
        for record in &event.records {
            let Some(pk) = new_outbox_item(record) else { continue };
            let item: OutboxItem = match serde_dynamo::from_item(record.change.new_image.clone()) {
                Ok(item) => item,
                Err(e) => {
                    error!(outbox = %pk, alarm = "outbox_item_unreadable", error = %e, "ALARM: skipped an outbox item that is no message");
                    continue;
                }
            };
            let message = match item.message() {
                Ok(message) => message,
                Err(reason) => {
                    error!(outbox = %pk, alarm = "outbox_item_unreadable", reason = %reason, "ALARM: skipped an outbox item that is no message");
                    continue;
                }
            };
            let (id, name) = (message.envelope.id, message.envelope.name.to_string());
            self.publisher.publish(vec![message]).await.map_err(|e| RelayError {
                outbox: pk.clone(),
                sequence_number: record.change.sequence_number.clone(),
                reason: e.to_string(),
            })?;
            info!(message_id = %id, name = %name, "outbox message published");
            published += 1;
            // Published is what counts: an item left behind is published again at most
            // (same id) and expires with the table's TTL.
            if let Err(e) = self.table.delete(&Key::new(pk.as_str(), "OUTBOX")).await {
                warn!(outbox = %pk, error = %e, "published, but the outbox item could not be deleted");
            }
        }
        Ok(published)
    }
}

/// Why a batch goes back to the stream.
#[derive(Debug, thiserror::Error)]
#[error("outbox item {outbox} (sequence number {sequence_number:?}) could not be published: {reason}")]
pub struct RelayError {
    /// The outbox item's key.
    pub outbox: String,
    /// Its stream record.
    pub sequence_number: Option<String>,
    /// What failed.
    pub reason: String,
}

/// Serves the relay as a Lambda, after `init` built it once at cold start.
pub async fn serve_relay<F>(service: &str, init: F) -> Result<(), Error>
where
    F: Future<Output = Result<Relay, Error>>,
{
    let relay = Arc::new(crate::startup::cold_start(service, init).await);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Event>| {
        let relay = relay.clone();
        async move {
            let handled = crate::invocation::within(&event.context, Box::pin(relay.handle(event.payload))).await;
            let published = handled.inspect_err(|e| error!(error = %e, "batch handed back"))?;
            Ok::<usize, Error>(published)
        }
    }))
    .await
}
