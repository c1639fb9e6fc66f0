//! The moves step Lambda (every step and compensation of the booking saga): wiring only.
use std::sync::Arc;

use lambda_runtime::Error;
use moves::booking_store::BookingStore;
use moves::capacity::CrewCapacity;
use moves::config::Config;
use moves::mover_directory::MoverDirectory;
use moves::payments::SandboxPayments;
use moves::steps::{StepInput, Steps};
use platform::bus::SnsPublisher;
use platform::config::Env;
use platform::saga::{SfnCallbacks, serve_step};
use platform::store::Table;

async fn init() -> Result<Steps, Error> {
    let config = Config::from_env(&Env::process())?;
    let aws = platform::faults::aws_config().await;
    let table = Table::new(aws_sdk_dynamodb::Client::new(&aws), &config.service.table_name);
    moves::table_schema().verify(table.client(), table.name()).await?;
    Ok(Steps {
        bookings: BookingStore::new(table.clone()),
        capacity: CrewCapacity::new(table.clone(), config.default_crew_capacity),
        payments: Arc::new(SandboxPayments::new(table.clone(), config.payment_timeout)),
        movers: MoverDirectory::new(table),
        publisher: Arc::new(SnsPublisher::new(aws_sdk_sns::Client::new(&aws), config.service.topics)),
        callbacks: Arc::new(SfnCallbacks::new(aws_sdk_sfn::Client::new(&aws))),
    })
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    serve_step(moves::catalog::catalog(), init(), |steps: Arc<Steps>, input: StepInput| async move {
        steps.run(input).await
    })
    .await
}
