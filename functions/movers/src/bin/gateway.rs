//! The movers gateway Lambda: wiring only.
use std::sync::Arc;

use axum::Router;
use lambda_http::Error;
use movers::app::AppState;
use movers::config::Config;
use movers::gateway::router;
use movers::service::MoversService;
use movers::store::DynamoMoverStore;
use platform::config::Env;
use platform::store::{Table, TableCounters};

async fn init() -> Result<Router, Error> {
    let config = Config::from_env(&Env::process())?;
    let aws = platform::faults::aws_config().await;
    let table = Table::new(aws_sdk_dynamodb::Client::new(&aws), &config.service.table_name);
    movers::table_schema().verify(table.client(), table.name()).await?;
    let state = AppState {
        verifier: config.identity.verifier(&aws).await?,
        service: MoversService::new(Arc::new(DynamoMoverStore::new(table.clone()))),
        counters: Arc::new(TableCounters::new(table)),
        mails_per_account: movers::app::mails_per_account(config.movers_per_account_per_hour),
    };
    Ok(router(state, movers::graphql::endpoint(config.introspection)))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    platform_gateway::serve(movers::catalog::catalog(), init()).await
}
