//! Runs a consumer as an SQS-triggered Lambda function (cold start: see
//! [`platform::startup`]), each batch within the invocation's deadline (see
//! [`platform::deadline`]).
use std::future::Future;
use std::sync::Arc;

use aws_lambda_events::event::sqs::SqsBatchResponse;
use lambda_runtime::layers::TracingLayer;
use lambda_runtime::{Error, LambdaEvent, Runtime, service_fn};

use platform_messages::Catalog;

use crate::batch::Consumer;
use crate::preread_event::{PrereadLayer, event_of};
use crate::queue_event::QueueEvent;

/// Builds the consumer with `init` (once, at cold start), then serves SQS batches.
/// The catalog is law: a consumer whose handlers differ from what `catalog` says
/// the service consumes fails its cold start, naming each difference, and the
/// worker may send only what the catalog publishes.
pub async fn serve<F>(catalog: Catalog, init: F) -> Result<(), Error>
where
    F: Future<Output = Result<Consumer, Error>>,
{
    let checked = async {
        let consumer = init.await?;
        catalog.handlers_match(&consumer.handled_names())?;
        Ok::<Consumer, Error>(consumer)
    };
    let consumer = Arc::new(platform::startup::cold_start_of(&catalog, checked).await);
    // The event is read by the fast reader before the runtime's deserializer (which
    // then sees `null`), or by the deserializer when the fast reader refuses it.
    let handler = service_fn(move |event: LambdaEvent<Option<QueueEvent>>| {
        let consumer = consumer.clone();
        async move {
            let batch = consumer.handle_batch(event_of(event.payload)?);
            Ok::<SqsBatchResponse, Error>(platform::invocation::within(&event.context, batch).await)
        }
    });
    Runtime::new(handler).layer(PrereadLayer).layer(TracingLayer::new()).run().await
}
