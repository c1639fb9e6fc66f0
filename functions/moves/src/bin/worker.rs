//! The moves worker Lambda: wiring only.
use std::sync::Arc;

use lambda_runtime::Error;
use moves::config::Config;
use moves::mover_directory::MoverDirectory;
use platform::bus::SnsPublisher;
use platform::config::Env;
use platform::consumer::Consumer;
use platform::identity::VerifierConfig;
use platform::store::{DynamoLedger, Table};

async fn init() -> Result<Consumer, Error> {
    let env = Env::process();
    let config = Config::from_env(&env)?;
    let aws = platform::faults::aws_config().await;
    let table = Table::new(aws_sdk_dynamodb::Client::new(&aws), &config.service.table_name);
    moves::table_schema().verify(table.client(), table.name()).await?;
    Ok(moves::worker::consumer(
        MoverDirectory::new(table.clone()),
        Arc::new(DynamoLedger::new(table, config.service.idempotency_lease)),
        Arc::new(SnsPublisher::new(aws_sdk_sns::Client::new(&aws), config.service.topics)),
        VerifierConfig::from_env(&env)?.verifier(&aws).await?,
    ))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    platform::worker::serve(moves::catalog::catalog(), init()).await
}
