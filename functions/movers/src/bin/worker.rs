//! The movers worker Lambda: wiring only.
use std::sync::Arc;

use lambda_runtime::Error;
use movers::config::Config;
use movers::service::MoversService;
use movers::store::DynamoMoverStore;
use platform::bus::SnsPublisher;
use platform::config::Env;
use platform::consumer::Consumer;
use platform::store::{DynamoLedger, Table};

async fn init() -> Result<Consumer, Error> {
    let config = Config::from_env(&Env::process())?;
    let aws = platform::faults::aws_config().await;
    let table = Table::new(aws_sdk_dynamodb::Client::new(&aws), &config.service.table_name);
    movers::table_schema().verify(table.client(), table.name()).await?;
    let service = MoversService::new(Arc::new(DynamoMoverStore::new(table.clone())));
    Ok(movers::worker::consumer(
        service,
        Arc::new(DynamoLedger::new(table, config.service.idempotency_lease)),
        Arc::new(SnsPublisher::new(aws_sdk_sns::Client::new(&aws), config.service.topics)),
        config.identity.verifier(&aws).await?,
    ))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    platform::worker::serve(movers::catalog::catalog(), init()).await
}
