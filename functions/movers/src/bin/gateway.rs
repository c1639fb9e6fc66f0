//! The movers gateway Lambda: wiring only.
use std::sync::Arc;

use axum::Router;
use lambda_http::Error;
use movers::config::Config;
use movers::rest::{AppState, router};
use movers::service::MoversService;
use movers::store::DynamoMoverStore;
use platform::config::Env;
use platform::store::{Table, TableCounters};

async fn init() -> Result<Router, Error> {
    let config = Config::from_env(&Env::process())?;
    let aws = platform::faults::aws_config().await;
    let table = Table::new(aws_sdk_dynamodb::Client::new(&aws), &config.service.table_name);
    movers::table_schema().verify(table.client(), table.name()).await?;
    Ok(router(AppState {
        verifier: config.identity.verifier(&aws).await?,
        service: MoversService::new(Arc::new(DynamoMoverStore::new(table.clone()))),
        graphql: movers::graphql::endpoint(config.introspection),
        counters: Arc::new(TableCounters::new(table)),
        mails_per_account: movers::rest::mails_per_account(config.movers_per_account_per_hour),
    }))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    platform_gateway::serve(movers::catalog::SERVICE, init()).await
}
