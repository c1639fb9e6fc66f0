//! The addressing worker Lambda: wiring only.
use std::sync::Arc;

use addressing::address_book::DynamoAddressBook;
use addressing::config::Config;
use addressing::{handlers, table_schema};
use lambda_runtime::Error;
use platform::config::Env;
use platform::service_aws::ServiceAws;
use platform_consumer::Consumer;

async fn init() -> Result<Consumer, Error> {
    let config = Config::from_env(&Env::process())?;
    let (aws, verifier) = ServiceAws::connect_verified(&config.service, table_schema(), &config.identity).await?;
    let book = Arc::new(DynamoAddressBook::new(aws.table.clone()));
    Ok(handlers::consumer(book, aws.consumer_parts(verifier)).with_task_callbacks(aws.callbacks()))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    platform_consumer::worker::serve(addressing::catalog::catalog(), init()).await
}
