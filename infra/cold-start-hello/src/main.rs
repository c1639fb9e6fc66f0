//! A bare `lambda_runtime` function (it echoes its event): the baseline of
//! `cargo xtask bench cold-start`, built with the same profile as the platform's.
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async move { Ok::<Value, Error>(event.payload) })).await
}
