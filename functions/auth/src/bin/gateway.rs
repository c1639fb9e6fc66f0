//! The auth gateway Lambda: wiring only.
use std::sync::Arc;

use auth::config::Config;
use auth::routes::{AppState, router};
use auth::store::DynamoAccountStore;
use auth::{signing_keys, table_schema};
use axum::Router;
use lambda_http::Error;
use platform::config::Env;
use platform::service_aws::ServiceAws;
use platform::store::TableCounters;
use platform_identity::Verifier;

async fn init() -> Result<Router, Error> {
    let config = Config::from_env(&Env::process())?;
    // The key set is read while the table is checked.
    let secret = &config.signing_keys_secret;
    let (aws, keys) = ServiceAws::connect_alongside(&config.service, table_schema(), |sdk| async move {
        signing_keys::read(&sdk, secret).await
    })
    .await?;
    let verifier = Verifier::for_key_set(&config.tokens, &keys)?;
    Ok(router(AppState {
        verifier: Arc::new(verifier),
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
