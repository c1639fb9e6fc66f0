//! The movers worker Lambda: wiring only.
use std::sync::Arc;

use lambda_runtime::Error;
use movers::config::Config;
use movers::service::MoversService;
use movers::store::DynamoMoverStore;
use platform::config::Env;
use platform::service_aws::ServiceAws;
use platform_consumer::Consumer;

async fn init() -> Result<Consumer, Error> {
    let config = Config::from_env(&Env::process())?;
    let (aws, verifier) =
        ServiceAws::connect_verified(&config.service, movers::table_schema(), &config.identity).await?;
    let service = MoversService::new(Arc::new(DynamoMoverStore::new(aws.table.clone())));
    Ok(movers::worker::consumer(service, aws.consumer_parts(verifier)))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    platform_consumer::worker::serve(movers::catalog::catalog(), init()).await
}
