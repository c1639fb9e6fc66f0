//! The outbox relay Lambda of any service table (`TABLE_NAME`, `EVENTS_TOPIC_ARN`,
//! `TASKS_TOPIC_ARN`): wiring only.
use std::sync::Arc;

use lambda_runtime::Error;
use platform::bus::{SnsPublisher, Topics};
use platform::config::Env;
use platform::outbox::{Relay, serve_relay};
use platform::store::Table;

async fn init() -> Result<Relay, Error> {
    let env = Env::process();
    let table = env.required("TABLE_NAME")?;
    let topics = Topics::from_env(&env)?;
    let aws = platform::sdk_config::aws_config().await?;
    let table = Table::new(aws_sdk_dynamodb::Client::new(&aws), table);
    Ok(Relay::new(table, Arc::new(SnsPublisher::new(aws_sdk_sns::Client::new(&aws), topics))))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    serve_relay("outbox-relay", init()).await
}
