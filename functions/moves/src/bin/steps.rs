//! The moves step Lambda (every step and compensation of the booking saga): wiring only.
use std::sync::Arc;

use lambda_runtime::Error;
use moves::booking_store::BookingStore;
use moves::capacity::CrewCapacity;
use moves::config::Config;
use moves::mover_directory::MoverDirectory;
use moves::payments::SandboxPayments;
use moves::steps::{StepInput, Steps};
use platform::config::Env;
use platform::saga::{Persistence, serve_step};
use platform::service_aws::ServiceAws;

async fn init() -> Result<Steps, Error> {
    let config = Config::from_env(&Env::process())?;
    let aws = ServiceAws::connect(&config.service, moves::table_schema()).await?;
    let table = &aws.table;
    Ok(Steps {
        bookings: BookingStore::new(table.clone()),
        capacity: CrewCapacity::new(table.clone(), config.default_crew_capacity),
        payments: Arc::new(SandboxPayments::new(table.clone(), config.payment_timeout)),
        movers: MoverDirectory::new(table.clone()),
        publisher: aws.publisher(),
        callbacks: aws.callbacks(),
        persistence: Persistence::default(),
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    serve_step(moves::catalog::catalog(), init(), |steps: Arc<Steps>, input: StepInput| async move {
        steps.run(input).await
    })
    .await
}
