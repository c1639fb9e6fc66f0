//! The moves gateway Lambda: wiring only.
use std::sync::Arc;

use axum::Router;
use lambda_http::Error;
use moves::booking_store::BookingStore;
use moves::capacity::CrewCapacity;
use moves::config::{Config, GatewayConfig};
use moves::mover_directory::MoverDirectory;
use moves::rest::{AppState, router};
use moves::saga::SagaStarter;
use platform::config::Env;
use platform::saga::SfnCallbacks;
use platform::store::Table;

async fn init() -> Result<Router, Error> {
    let env = Env::process();
    let config = Config::from_env(&env)?;
    let gateway = GatewayConfig::from_env(&env)?;
    let aws = platform::faults::aws_config().await;
    let table = Table::new(aws_sdk_dynamodb::Client::new(&aws), &config.service.table_name);
    moves::table_schema().verify(table.client(), table.name()).await?;
    let sfn = aws_sdk_sfn::Client::new(&aws);
    Ok(router(AppState {
        verifier: gateway.identity.verifier(&aws).await?,
        bookings: BookingStore::new(table.clone()),
        capacity: CrewCapacity::new(table.clone(), config.default_crew_capacity),
        movers: MoverDirectory::new(table),
        saga: SagaStarter::new(sfn.clone(), gateway.state_machine_arn),
        callbacks: Arc::new(SfnCallbacks::new(sfn)),
    }))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    platform_gateway::serve(moves::catalog::catalog(), init()).await
}
