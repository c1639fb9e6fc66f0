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
use platform::service_aws::ServiceAws;
use platform::store::TableCounters;

async fn init() -> Result<Router, Error> {
    let config = Config::from_env(&Env::process())?;
    let (aws, verifier) =
        ServiceAws::connect_verified(&config.service, movers::table_schema(), &config.identity).await?;
    let state = AppState {
        verifier,
        service: MoversService::new(Arc::new(DynamoMoverStore::new(aws.table.clone()))),
        counters: Arc::new(TableCounters::new(aws.table.clone())),
        mails_per_account: movers::app::mails_per_account(config.movers_per_account_per_hour),
    };
    Ok(router(state, movers::graphql::endpoint(config.introspection)))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    platform_gateway::serve(movers::catalog::catalog(), init()).await
}
