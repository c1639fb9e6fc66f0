//! The moves gateway Lambda: wiring only.
use axum::Router;
use lambda_http::Error;
use moves::booking_store::BookingStore;
use moves::capacity::CrewCapacity;
use moves::config::{Config, GatewayConfig};
use moves::mover_directory::MoverDirectory;
use moves::rest::{AppState, router};
use moves::saga::SagaStarter;
use platform::config::Env;
use platform::service_aws::ServiceAws;

async fn init() -> Result<Router, Error> {
    let env = Env::process();
    let config = Config::from_env(&env)?;
    let gateway = GatewayConfig::from_env(&env)?;
    let (aws, verifier) =
        ServiceAws::connect_verified(&config.service, moves::table_schema(), &gateway.identity).await?;
    let table = &aws.table;
    Ok(router(AppState {
        verifier,
        bookings: BookingStore::new(table.clone()),
        capacity: CrewCapacity::new(table.clone(), config.default_crew_capacity),
        movers: MoverDirectory::new(table.clone()),
        saga: SagaStarter::new(aws_sdk_sfn::Client::new(&aws.sdk), gateway.state_machine_arn),
        callbacks: aws.callbacks(),
    }))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    platform_gateway::serve(moves::catalog::catalog(), init()).await
}
