//! The addressing worker Lambda: wiring only.
use std::sync::Arc;
use std::time::Duration;

use addressing::address_book::DynamoAddressBook;
use addressing::config::Config;
use addressing::{MIGRATIONS, handlers, table_schema};
use lambda_runtime::Error;
use platform::bus::SnsPublisher;
use platform::config::Env;
use platform::consumer::Consumer;
use platform::saga::SfnCallbacks;
use platform::store::{DynamoLedger, Table, migrate};

async fn init() -> Result<Consumer, Error> {
    let config = Config::from_env(&Env::process())?;
    let aws = platform::faults::aws_config().await;
    let table = Table::new(aws_sdk_dynamodb::Client::new(&aws), &config.service.table_name);
    table_schema().verify(table.client(), table.name()).await?;
    migrate(&table, MIGRATIONS, Duration::from_secs(60), Duration::from_secs(20)).await?;
    let verifier = config.identity.verifier(&aws).await?;
    Ok(handlers::consumer(
        Arc::new(DynamoAddressBook::new(table.clone())),
        Arc::new(DynamoLedger::new(table, config.service.idempotency_lease)),
        Arc::new(SnsPublisher::new(aws_sdk_sns::Client::new(&aws), config.service.topics)),
        verifier,
    )
    .with_task_callbacks(Arc::new(SfnCallbacks::new(aws_sdk_sfn::Client::new(&aws)))))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    platform::worker::serve(addressing::catalog::catalog(), init()).await
}
