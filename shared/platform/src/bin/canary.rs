//! The canary Lambda (`EVENTS_TOPIC_ARN`, `CANARY_QUEUE_URL`, `CANARY_SERVICES`: the
//! services that must answer, comma-separated; `CANARY_WAIT_SECONDS`): wiring only.
//! Each invocation is one run; it answers with the run's report and writes its EMF line.
use std::sync::Arc;
use std::time::Duration;

use lambda_runtime::{Error, LambdaEvent, service_fn};
use platform::bus::{SnsPublisher, Topics};
use platform::canary::{Canary, Report, catalog};
use platform::config::Env;
use serde_json::Value;

async fn init() -> Result<Canary, Error> {
    let env = Env::process();
    let aws = platform::sdk_config::aws_config().await?;
    let expected = env.required("CANARY_SERVICES")?.split(',').map(|s| s.trim().to_owned()).collect();
    Ok(Canary {
        publisher: Arc::new(SnsPublisher::new(aws_sdk_sns::Client::new(&aws), Topics::from_env(&env)?)),
        sqs: aws_sdk_sqs::Client::new(&aws),
        queue_url: env.required("CANARY_QUEUE_URL")?,
        expected,
        wait: Duration::from_secs(env.parse_or("CANARY_WAIT_SECONDS", 30)?),
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let canary = Arc::new(platform::startup::cold_start_of(&catalog(), init()).await);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let canary = canary.clone();
        async move {
            // A round asks every service (16 KB of future): awaited from the heap.
            let report: Report = platform::invocation::within(&event.context, Box::pin(canary.run())).await?;
            let now_ms = (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64;
            println!("{}", report.to_emf(now_ms));
            if !report.missing.is_empty() {
                tracing::warn!(missing = ?report.missing, "services did not answer the canary");
            }
            Ok::<Report, Error>(report)
        }
    }))
    .await
}
