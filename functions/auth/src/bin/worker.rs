//! The auth worker Lambda: wiring only.
use std::sync::Arc;

use auth::config::WorkerConfig;
use auth::store::DynamoAccountStore;
use auth::worker::{WorkerState, consumer};
use auth::{signing_keys, table_schema};
use lambda_runtime::Error;
use platform::config::Env;
use platform::consumer::Consumer;
use platform::service_aws::ServiceAws;
use platform_identity::Verifier;

async fn init() -> Result<Consumer, Error> {
    let config = WorkerConfig::from_env(&Env::process())?;
    let aws = ServiceAws::connect(&config.service, table_schema()).await?;
    // Tokens riding on the tasks are verified with the service's own key set.
    let keys = signing_keys::read(&aws.sdk, &config.signing_keys_secret).await?;
    let verifier = Arc::new(Verifier::for_key_set(&config.tokens, &keys)?);
    let accounts = Arc::new(DynamoAccountStore::new(aws.table.clone()));
    let state = WorkerState { accounts, keys: Arc::new(keys), tokens: config.tokens };
    Ok(consumer(state, aws.consumer_parts(verifier)))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    platform::worker::serve(auth::catalog::catalog(), init()).await
}
