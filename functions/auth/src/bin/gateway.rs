//! The auth gateway Lambda: wiring only.
use std::sync::Arc;

use auth::config::Config;
use auth::routes::{AppState, router};
use auth::store::DynamoAccountStore;
use auth::{signing_keys, table_schema};
use axum::Router;
use lambda_http::Error;
use platform::bus::SnsPublisher;
use platform::config::Env;
use platform::store::{Table, TableCounters};
use platform_identity::Verifier;

async fn init() -> Result<Router, Error> {
    let config = Config::from_env(&Env::process())?;
    let aws = platform::sdk_config::aws_config().await?;
    let table = Table::new(aws_sdk_dynamodb::Client::new(&aws), &config.table_name);
    // The key set and the table check are two round trips: made side by side, the
    // key set's request boxed (the table check boxes its own) so that this init's
    // future does not hold it inline.
    let schema = table_schema();
    let (keys, checked) =
        tokio::join!(Box::pin(signing_keys::read(&aws, &config.signing_keys_secret)), schema.ready(&table));
    checked?;
    let keys = keys?;
    let verifier = Verifier::for_key_set(&config.tokens, &keys)?;

    let accounts = Arc::new(DynamoAccountStore::new(table.clone()));
    let counters = Arc::new(TableCounters::new(table));
    Ok(router(AppState {
        verifier: Arc::new(verifier),
        keys: Arc::new(keys),
        tokens: config.tokens,
        accounts,
        publisher: Arc::new(SnsPublisher::new(aws_sdk_sns::Client::new(&aws), config.topics)),
        counters,
        signups_per_source: auth::limits::signups_per_source(config.signups_per_source_per_hour),
    }))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    platform_gateway::serve(auth::catalog::catalog(), init()).await
}
