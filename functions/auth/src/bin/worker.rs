//! The auth worker Lambda: wiring only.
use std::sync::Arc;

use auth::config::WorkerConfig;
use auth::signing_keys;
use auth::store::DynamoAccountStore;
use auth::worker::{WorkerState, consumer};
use lambda_runtime::Error;
use platform::config::Env;
use platform_consumer::Consumer;

async fn init() -> Result<Consumer, Error> {
    let config = WorkerConfig::from_env(&Env::process())?;
    // Tokens riding on the tasks are verified with the key set too.
    let (aws, keys, verifier) =
        signing_keys::connect(&config.service, &config.signing_keys_secret, &config.tokens).await?;
    let accounts = Arc::new(DynamoAccountStore::new(aws.table.clone()));
    let state = WorkerState { accounts, keys: Arc::new(keys), tokens: config.tokens };
    Ok(consumer(state, aws.consumer_parts(verifier)))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    platform_consumer::worker::serve(auth::catalog::catalog(), init()).await
}
