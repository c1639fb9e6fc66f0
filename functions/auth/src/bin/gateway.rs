//! The auth gateway Lambda: wiring only.
use std::sync::Arc;

use auth::config::Config;
use auth::routes::{AppState, router};
use auth::signing_keys;
use auth::store::DynamoAccountStore;
use axum::Router;
use lambda_http::Error;
use platform::config::Env;
use platform::store::TableCounters;

async fn init() -> Result<Router, Error> {
    let config = Config::from_env(&Env::process())?;
    let (aws, keys, verifier) =
        signing_keys::connect(&config.service, &config.signing_keys_secret, &config.tokens).await?;
    Ok(router(AppState {
        verifier,
        keys: Arc::new(keys),
        tokens: config.tokens,
        accounts: Arc::new(DynamoAccountStore::new(aws.table.clone())),
        publisher: aws.publisher(),
        counters: Arc::new(TableCounters::new(aws.table.clone())),
        signups_per_source: auth::limits::signups_per_source(config.signups_per_source_per_hour),
    }))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    platform_gateway::serve(auth::catalog::catalog(), init()).await
}
