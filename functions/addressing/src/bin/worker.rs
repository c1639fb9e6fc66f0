//! The addressing worker Lambda: wiring only.
use std::sync::Arc;
use std::time::Duration;

use addressing::address_book::DynamoAddressBook;
use addressing::config::Config;
use addressing::{MIGRATIONS, handlers, table_schema};
use lambda_runtime::Error;
use platform::config::Env;
use platform::consumer::Consumer;
use platform::service_aws::ServiceAws;
use platform::store::migrate;

async fn init() -> Result<Consumer, Error> {
    let config = Config::from_env(&Env::process())?;
    let (aws, verifier) = ServiceAws::connect_verified(&config.service, table_schema(), &config.identity).await?;
    migrate(&aws.table, MIGRATIONS, Duration::from_secs(60), Duration::from_secs(20)).await?;
    let book = Arc::new(DynamoAddressBook::new(aws.table.clone()));
    Ok(handlers::consumer(book, aws.consumer_parts(verifier)).with_task_callbacks(aws.callbacks()))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    platform::worker::serve(addressing::catalog::catalog(), init()).await
}
