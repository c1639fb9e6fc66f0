//! The store's error enum: SDK failures are translated here, never leaked to domains.
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_smithy_runtime_api::http::Response as HttpResponse;
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
    /// DynamoDB could not be reached or failed; the SDK's error, when there is one,
    /// is kept as the source (its whole chain is in the message too).
    #[error("dynamodb: {what}{}", source.as_deref().map(|s| format!(": {}", DisplayErrorContext(s))).unwrap_or_default())]
    Backend {
        /// What was being done.
        what: String,
        /// The SDK's error.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

impl StoreError {
    /// A failure without an SDK error behind it.
    pub fn backend(what: impl Into<String>) -> Self {
        StoreError::Backend { what: what.into(), source: None }
    }

    /// Translates an SDK error, keeping it as the source; a failed condition (the
    /// service's modeled `ConditionalCheckFailedException`) becomes `Conflict(what)`.
    pub fn from_sdk<E, R>(err: SdkError<E, R>, what: &str) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug + Send + Sync + 'static,
    {
        if err.as_service_error().and_then(|e| e.code()) == Some("ConditionalCheckFailedException") {
            return StoreError::Conflict(what.to_owned());
        }
        StoreError::Backend { what: what.to_owned(), source: Some(Box::new(err)) }
    }

    /// Translates the error of a transaction: cancelled because one of its
    /// conditions failed (its typed cancellation reasons say so) is `Conflict(what)`.
    pub fn from_transaction(err: SdkError<TransactWriteItemsError, HttpResponse>, what: &str) -> Self {
        let condition_failed = matches!(
            err.as_service_error(),
            Some(TransactWriteItemsError::TransactionCanceledException(c))
                if c.cancellation_reasons().iter().any(|r| r.code() == Some("ConditionalCheckFailed"))
        );
        if condition_failed { StoreError::Conflict(what.to_owned()) } else { StoreError::from_sdk(err, what) }
    }
}

impl From<serde_dynamo::Error> for StoreError {
    fn from(e: serde_dynamo::Error) -> Self {
        StoreError::Mapping(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_dynamodb::types::CancellationReason;
    use aws_sdk_dynamodb::types::error::TransactionCanceledException;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;

    use super::*;

    fn cancelled(reason: &str) -> SdkError<TransactWriteItemsError, HttpResponse> {
        let exception = TransactionCanceledException::builder()
            .message("Transaction cancelled, please refer cancellation reasons for specific reasons")
            .cancellation_reasons(CancellationReason::builder().code("None").build())
            .cancellation_reasons(CancellationReason::builder().code(reason).build())
            .build();
        let raw = HttpResponse::new(StatusCode::try_from(400).unwrap(), SdkBody::empty());
        SdkError::service_error(TransactWriteItemsError::TransactionCanceledException(exception), raw)
    }

    #[test]
    fn a_transaction_lost_to_a_condition_is_a_conflict_by_its_typed_reasons() {
        assert!(matches!(
            StoreError::from_transaction(cancelled("ConditionalCheckFailed"), "w"),
            StoreError::Conflict(_)
        ));
        let throttled = StoreError::from_transaction(cancelled("ThrottlingError"), "w");
        assert!(matches!(throttled, StoreError::Backend { .. }), "{throttled}");
    }

    #[test]
    fn a_backend_failure_keeps_the_sdk_error_as_its_source() {
        let err: SdkError<TransactWriteItemsError, HttpResponse> = SdkError::timeout_error("the call timed out");
        let store = StoreError::from_sdk(err, "put mover#1");
        assert!(std::error::Error::source(&store).is_some(), "the chain is kept");
        let text = store.to_string();
        assert!(text.starts_with("dynamodb: put mover#1: ") && text.contains("timed out"), "{text}");
    }
}
