//! What every function of a service connects to at cold start: the AWS SDK
//! configuration (with the chaos faults when the stack was deployed with them),
//! the service's own table, checked against its declared shape before any work,
//! the verifier of callers' tokens (its key set fetched while the table is
//! checked), and from those the bus, the idempotency ledger and the saga callbacks.
//! Every SDK client is made from the one `SdkConfig`, so they share one HTTP client
//! and its connections, opened at cold start and kept for the first invocation.
use std::sync::Arc;

use aws_config::SdkConfig;

use crate::bus::SnsPublisher;
use crate::idempotency::ConsumerParts;
use crate::identity::VerifierConfig;
use crate::saga::SfnCallbacks;
use crate::settings::ServiceSettings;
use crate::store::{DynamoLedger, Table, TableSchema};
use platform_identity::Verifier;

/// A failure to connect at cold start (the function then does not start).
pub type ConnectError = Box<dyn std::error::Error + Send + Sync>;

/// A service's AWS connections.
#[derive(Clone, Debug)]
pub struct ServiceAws {
    /// The SDK configuration, for the clients only this function needs.
    pub sdk: SdkConfig,
    /// The service's own table.
    pub table: Table,
    settings: ServiceSettings,
}

impl ServiceAws {
    /// Connects to the table and bus of `settings`, and fails unless the table has
    /// the shape `schema` declares.
    pub async fn connect(settings: &ServiceSettings, schema: TableSchema) -> Result<Self, ConnectError> {
        let sdk = crate::sdk_config::aws_config().await?;
        let table = Table::new(aws_sdk_dynamodb::Client::new(&sdk), &settings.table_name);
        schema.ready(&table).await?;
        Ok(Self { sdk, table, settings: settings.clone() })
    }

    /// Connects like [`ServiceAws::connect`] while `alongside` makes another cold-start
    /// round trip with the same SDK configuration (a key set, a secret): the two
    /// overlap instead of adding up.
    pub async fn connect_alongside<T, F, Fut>(
        settings: &ServiceSettings,
        schema: TableSchema,
        alongside: F,
    ) -> Result<(Self, T), ConnectError>
    where
        F: FnOnce(SdkConfig) -> Fut,
        Fut: std::future::Future<Output = Result<T, ConnectError>>,
    {
        let sdk = crate::sdk_config::aws_config().await?;
        let table = Table::new(aws_sdk_dynamodb::Client::new(&sdk), &settings.table_name);
        // Boxed: `alongside` makes SDK requests (~5 KB a future), which would make
        // every function's init future as large (the table check boxes its own).
        let (checked, other) = tokio::join!(schema.ready(&table), Box::pin(alongside(sdk.clone())));
        checked?;
        Ok((Self { sdk, table, settings: settings.clone() }, other?))
    }

    /// Connects like [`ServiceAws::connect`] and fetches the key set that verifies
    /// callers' tokens (`identity`) at the same time.
    pub async fn connect_verified(
        settings: &ServiceSettings,
        schema: TableSchema,
        identity: &VerifierConfig,
    ) -> Result<(Self, Arc<Verifier>), ConnectError> {
        Self::connect_alongside(settings, schema, |sdk| async move { Ok(identity.verifier(&sdk).await?) }).await
    }

    /// Publishes to the service's topics.
    pub fn publisher(&self) -> Arc<SnsPublisher> {
        Arc::new(SnsPublisher::new(aws_sdk_sns::Client::new(&self.sdk), self.settings.topics.clone()))
    }

    /// Completes saga task tokens.
    pub fn callbacks(&self) -> Arc<SfnCallbacks> {
        Arc::new(SfnCallbacks::new(aws_sdk_sfn::Client::new(&self.sdk)))
    }

    /// What the service's consumer is built on: the ledger in its table, its
    /// publisher, and `verifier` (see [`ServiceAws::connect_verified`]).
    pub fn consumer_parts(&self, verifier: Arc<Verifier>) -> ConsumerParts {
        ConsumerParts {
            ledger: Arc::new(DynamoLedger::new(self.table.clone(), self.settings.idempotency_lease)),
            publisher: self.publisher(),
            verifier,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::env;

    #[test]
    fn an_init_future_holds_its_requests_on_the_heap() {
        // A worker's `main` holds its init future on its stack, moved through each
        // caller: with the table check's and the key set's requests inline, a
        // worker's `serve` future was 127 KB (clippy's `large_futures`), and the
        // addressing worker's start touched 507 pages; with them boxed, 411.
        let settings = ServiceSettings::from_env(&env(&[("TABLE_NAME", "t"), ("EVENTS_TOPIC_ARN", "arn:e")])).unwrap();
        let schema =
            TableSchema { partition_key: "pk", sort_key: None, ttl_attribute: None, indexes: vec![], migrations: &[] };
        let connecting = ServiceAws::connect_alongside(&settings, schema, |sdk| async move {
            let client = aws_sdk_ssm::Client::new(&sdk);
            client.get_parameter().name("p").send().await.map_err(ConnectError::from)
        });
        let size = std::mem::size_of_val(&connecting);
        assert!(size < 4 * 1024, "connecting is {size} bytes");
    }
}
