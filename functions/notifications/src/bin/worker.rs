//! The notifications worker Lambda: wiring only.
use std::sync::Arc;

use lambda_runtime::Error;
use notifications::config::Config;
use notifications::handlers::{Notifier, consumer};
use notifications::journal::Journal;
use notifications::mailer::SesMailer;
use platform::bus::SnsPublisher;
use platform::config::Env;
use platform::consumer::Consumer;
use platform::store::{DynamoLedger, Table};

async fn init() -> Result<Consumer, Error> {
    let config = Config::from_env(&Env::process())?;
    let aws = platform::faults::aws_config().await;
    let table = Table::new(aws_sdk_dynamodb::Client::new(&aws), &config.service.table_name);
    notifications::table_schema().verify(table.client(), table.name()).await?;
    let notifier = Notifier {
        journal: Journal::new(table.clone()),
        mailer: Arc::new(SesMailer::new(aws_sdk_sesv2::Client::new(&aws), config.sender)),
    };
    Ok(consumer(
        notifier,
        Arc::new(DynamoLedger::new(table, config.service.idempotency_lease)),
        Arc::new(SnsPublisher::new(aws_sdk_sns::Client::new(&aws), config.service.topics)),
        config.identity.verifier(&aws).await?,
    ))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    platform::worker::serve(notifications::catalog::catalog(), init()).await
}
