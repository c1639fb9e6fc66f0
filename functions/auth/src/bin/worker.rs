//! The auth worker Lambda: wiring only.
use std::sync::Arc;

use auth::config::WorkerConfig;
use auth::store::DynamoAccountStore;
use auth::worker::{WorkerState, consumer};
use auth::{signing_keys, table_schema};
use lambda_runtime::Error;
use platform::config::Env;
use platform::service_aws::ServiceAws;
use platform_consumer::Consumer;
use platform_identity::Verifier;

async fn init() -> Result<Consumer, Error> {
    let config = WorkerConfig::from_env(&Env::process())?;
    // The key set is read while the table is checked; tokens riding on the tasks
    // are verified with it too.
    let secret = &config.signing_keys_secret;
    let (aws, keys) = ServiceAws::connect_alongside(&config.service, table_schema(), |sdk| async move {
        signing_keys::read(&sdk, secret).await
    })
    .await?;
    let verifier = Arc::new(Verifier::for_key_set(&config.tokens, &keys)?);
    let accounts = Arc::new(DynamoAccountStore::new(aws.table.clone()));
    let state = WorkerState { accounts, keys: Arc::new(keys), tokens: config.tokens };
    Ok(consumer(state, aws.consumer_parts(verifier)))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    platform_consumer::worker::serve(auth::catalog::catalog(), init()).await
}
