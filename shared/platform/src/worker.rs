//! Runs a consumer as an SQS-triggered Lambda function. A failed cold start is
//! logged with its reason (the missing variable, the schema difference, ...) and
//! stops the process, so Lambda reports an init error instead of taking traffic.
use std::future::Future;
use std::sync::Arc;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{Error, LambdaEvent, service_fn};

use crate::consumer::Consumer;

/// Builds the consumer with `init` (once, at cold start), then serves SQS batches.
pub async fn serve<F>(service: &str, init: F) -> Result<(), Error>
where
    F: Future<Output = Result<Consumer, Error>>,
{
    crate::telemetry::init();
    let consumer = match init.await {
        Ok(c) => Arc::new(c),
        Err(e) => {
            tracing::error!(service, error = %e, "cold start failed");
            eprintln!("{service}: cold start failed: {e}");
            std::process::exit(1);
        }
    };
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| {
        let consumer = consumer.clone();
        async move { Ok::<SqsBatchResponse, Error>(consumer.handle_batch(event.payload).await) }
    }))
    .await
}
