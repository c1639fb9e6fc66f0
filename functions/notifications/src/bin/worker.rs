//! The notifications worker Lambda: wiring only.
use std::sync::Arc;

use lambda_runtime::Error;
use notifications::config::Config;
use notifications::handlers::{Notifier, consumer};
use notifications::journal::Journal;
use notifications::mailer::SesMailer;
use platform::config::Env;
use platform::service_aws::ServiceAws;
use platform_consumer::Consumer;

async fn init() -> Result<Consumer, Error> {
    let config = Config::from_env(&Env::process())?;
    let (aws, verifier) =
        ServiceAws::connect_verified(&config.service, notifications::table_schema(), &config.identity).await?;
    let notifier = Notifier {
        journal: Journal::new(aws.table.clone()),
        mailer: Arc::new(SesMailer::new(aws_sdk_sesv2::Client::new(&aws.sdk), config.sender)),
    };
    Ok(consumer(notifier, aws.consumer_parts(verifier)))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    platform_consumer::worker::serve(notifications::catalog::catalog(), init()).await
}
