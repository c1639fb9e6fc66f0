//! The store's error enum: SDK failures are translated here, never leaked to domains.
use thiserror::Error;

/// A store failure.
#[derive(Debug, Error)]
pub enum StoreError {
    /// A conditional write lost: the item changed (stale version) or already exists.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The table does not match what the code declares.
    #[error("table `{table}` does not match the declared schema: {}", differences.join("; "))]
    SchemaMismatch {
        /// The table name.
        table: String,
        /// Each difference found.
        differences: Vec<String>,
    },
    /// An item could not be mapped to or from its type.
    #[error("item mapping: {0}")]
    Mapping(String),
    /// A migration failed or its lock could not be taken.
    #[error("migration: {0}")]
    Migration(String),
    /// DynamoDB could not be reached or failed.
    #[error("dynamodb: {0}")]
    Backend(String),
}

impl StoreError {
    /// Translates an SDK error; a failed condition (also inside a transaction)
    /// becomes `Conflict(what)`.
    pub fn from_sdk<E, R>(err: aws_sdk_dynamodb::error::SdkError<E, R>, what: &str) -> Self
    where
        E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug + Send + Sync + 'static,
    {
        let code = err.as_service_error().and_then(|e| e.code()).map(str::to_owned);
        match code.as_deref() {
            Some("ConditionalCheckFailedException") => StoreError::Conflict(what.to_owned()),
            Some("TransactionCanceledException")
                if err
                    .as_service_error()
                    .and_then(|e| e.message())
                    .is_some_and(|m| m.contains("ConditionalCheckFailed")) =>
            {
                StoreError::Conflict(what.to_owned())
            }
            _ => StoreError::Backend(format!("{what}: {}", aws_sdk_dynamodb::error::DisplayErrorContext(err))),
        }
    }
}

impl From<serde_dynamo::Error> for StoreError {
    fn from(e: serde_dynamo::Error) -> Self {
        StoreError::Mapping(e.to_string())
    }
}
