//! The outbox relay: a Lambda fed by a service table's stream. Each new outbox item
//! is published with the id it was written with, then deleted; other records of the
//! table are not its business. A record that cannot be published is reported in
//! `batchItemFailures` (its sequence number), so the stream hands it, and the records
//! after it, to the relay again; what was already published goes out again with the
//! same id, which consumers acknowledge as a duplicate.
use std::future::Future;
use std::sync::Arc;

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
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

    /// Relays one stream batch; returns the records to hand back.
    pub async fn handle(&self, event: Event) -> DynamoDbEventResponse {
        let mut response = DynamoDbEventResponse::default();
        for record in &event.records {
            let Some(pk) = new_outbox_item(record) else { continue };
            if let Err(reason) = self.relay(&pk, record).await {
                error!(outbox = %pk, reason = %reason, "outbox item not published; the stream will retry it");
                let mut failure = DynamoDbBatchItemFailure::default();
                failure.item_identifier = record.change.sequence_number.clone();
                response.batch_item_failures.push(failure);
            }
        }
        response
    }

    async fn relay(&self, pk: &str, record: &EventRecord) -> Result<(), String> {
        let item: OutboxItem = serde_dynamo::from_item(record.change.new_image.clone())
            .map_err(|e| format!("the stream image is not an outbox item: {e}"))?;
        let message = item.message()?;
        let (id, name) = (message.envelope.id, message.envelope.name.to_string());
        self.publisher.publish(vec![message]).await.map_err(|e| e.to_string())?;
        info!(message_id = %id, name = %name, "outbox message published");
        // Published is what counts: an item left behind is published again at most
        // (same id) and expires with the table's TTL.
        if let Err(e) = self.table.delete(&Key::new(pk, "OUTBOX")).await {
            warn!(outbox = %pk, error = %e, "published, but the outbox item could not be deleted");
        }
        Ok(())
    }
}

/// Serves the relay as a Lambda, after `init` built it once at cold start.
pub async fn serve_relay<F>(service: &str, init: F) -> Result<(), Error>
where
    F: Future<Output = Result<Relay, Error>>,
{
    let relay = Arc::new(crate::startup::cold_start(service, init).await);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Event>| {
        let relay = relay.clone();
        async move { Ok::<DynamoDbEventResponse, Error>(relay.handle(event.payload).await) }
    }))
    .await
}
