//! The addressing worker Lambda: wiring only.
use std::sync::Arc;
use std::time::Duration;

use addressing::address_book::DynamoAddressBook;
use addressing::config::Config;
use addressing::{MIGRATIONS, handlers, table_schema};
use platform::bus::SnsPublisher;
use platform::config::Env;
use platform::store::{DynamoLedger, Table, migrate};
use platform::{telemetry, worker};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    telemetry::init();
    let config = Config::from_env(&Env::process())?;
    let aws = aws_config::load_from_env().await;
    let table = Table::new(aws_sdk_dynamodb::Client::new(&aws), &config.table_name);
    table_schema().verify(table.client(), table.name()).await?;
    migrate(&table, MIGRATIONS, Duration::from_secs(60), Duration::from_secs(20)).await?;

    let consumer = handlers::consumer(
        Arc::new(DynamoAddressBook::new(table.clone())),
        Arc::new(DynamoLedger::new(table, config.idempotency_lease)),
        Arc::new(SnsPublisher::new(aws_sdk_sns::Client::new(&aws), config.topics)),
    );
    worker::run(consumer).await
}
