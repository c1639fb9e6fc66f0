//! The moves worker Lambda: wiring only.
use lambda_runtime::Error;
use moves::config::Config;
use moves::mover_directory::MoverDirectory;
use platform::config::Env;
use platform::identity::VerifierConfig;
use platform::service_aws::ServiceAws;
use platform_consumer::Consumer;

async fn init() -> Result<Consumer, Error> {
    let env = Env::process();
    let config = Config::from_env(&env)?;
    let identity = VerifierConfig::from_env(&env)?;
    let (aws, verifier) = ServiceAws::connect_verified(&config.service, moves::table_schema(), &identity).await?;
    let parts = aws.consumer_parts(verifier);
    Ok(moves::worker::consumer(MoverDirectory::new(aws.table.clone()), parts))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    platform_consumer::worker::serve(moves::catalog::catalog(), init()).await
}
