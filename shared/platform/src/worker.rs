//! Runs a consumer as an SQS-triggered Lambda function.
use std::sync::Arc;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{Error, LambdaEvent, service_fn};

use crate::consumer::Consumer;

/// Serves SQS batches with `consumer` until the runtime stops.
pub async fn run(consumer: Consumer) -> Result<(), Error> {
    let consumer = Arc::new(consumer);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| {
        let consumer = consumer.clone();
        async move { Ok::<SqsBatchResponse, Error>(consumer.handle_batch(event.payload).await) }
    }))
    .await
}
