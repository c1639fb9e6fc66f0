//! The moves service's one error: what booking, reserving crew, charging and
//! starting the saga can fail with, in the domain's words. The saga's steps turn it
//! into a business error the state machine catches by name or a transient one it
//! retries (`From<MovesError> for StepError`); the gateway answers it with an HTTP
//! status (`From<MovesError> for ApiError`).
use std::time::Duration;

use platform::saga::StepError;
use platform::store::StoreError;
use platform_gateway::ApiError;

use crate::saga_error::SagaError;

/// What went wrong.
#[derive(Debug, thiserror::Error)]
pub enum MovesError {
    /// Not enough crew members left on the date.
    #[error("no crew of {wanted} left on {date}: {reserved} of {capacity} crew members are reserved")]
    NoCrew {
        /// The date.
        date: String,
        /// Asked for.
        wanted: u32,
        /// Already reserved.
        reserved: u32,
        /// Available in total.
        capacity: u32,
    },
    /// The card was declined: a business outcome.
    #[error("payment declined: {0}")]
    PaymentDeclined(String),
    /// The provider did not answer in time: the charge may or may not have happened.
    #[error("the payment provider did not answer within {0:?}")]
    PaymentTimeout(Duration),
    /// The provider could not be reached or failed: retry.
    #[error("the payment provider is unavailable: {0}")]
    PaymentUnavailable(String),
    /// A refund voided the deposit before (or while) it was charged: nothing is kept.
    #[error("{0}")]
    DepositVoided(&'static str),
    /// The booking record is missing.
    #[error("booking {0} does not exist")]
    BookingNotFound(String),
    /// Step Functions refused to start the saga.
    #[error("starting the booking saga failed: {0}")]
    SagaStart(String),
    /// The moves table failed.
    #[error("the moves table failed")]
    Store(#[from] StoreError),
}

impl MovesError {
    /// The name the state machine catches this by, when it is a business outcome
    /// rather than a failure to retry.
    pub fn saga_error(&self) -> Option<SagaError> {
        match self {
            MovesError::NoCrew { .. } => Some(SagaError::NoCrewAvailable),
            MovesError::PaymentDeclined(_) => Some(SagaError::PaymentDeclined),
            MovesError::PaymentTimeout(_) => Some(SagaError::PaymentTimeout),
            MovesError::DepositVoided(_) => Some(SagaError::DepositVoided),
            MovesError::BookingNotFound(_) => Some(SagaError::BookingNotFound),
            MovesError::PaymentUnavailable(_) | MovesError::SagaStart(_) | MovesError::Store(_) => None,
        }
    }
}

impl From<MovesError> for StepError {
    fn from(e: MovesError) -> Self {
        let cause = platform::error_chain::text(&e);
        match e.saga_error() {
            Some(name) => StepError::business(name.name(), cause),
            None => StepError::transient(cause),
        }
    }
}

impl From<MovesError> for ApiError {
    fn from(e: MovesError) -> Self {
        match e {
            MovesError::NoCrew { .. } => ApiError::conflict(e.to_string()),
            MovesError::BookingNotFound(id) => ApiError::not_found(format!("no booking `{id}`")),
            other => ApiError::internal(platform::error_chain::text(&other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn business_outcomes_are_caught_by_name_and_failures_are_retried() {
        let declined = StepError::from(MovesError::PaymentDeclined("no".into()));
        assert_eq!(declined.error_type, SagaError::PaymentDeclined.name());
        assert!(declined.message.contains("payment declined: no"), "{}", declined.message);
        let store = StepError::from(MovesError::Store(StoreError::Conflict("busy".into())));
        assert_eq!(store.error_type, StepError::transient("x").error_type);
        assert!(store.message.contains("busy"), "the cause keeps its source: {}", store.message);
        let voided = StepError::from(MovesError::DepositVoided("refunded first"));
        let named = (voided.error_type.as_str(), voided.message.as_str());
        assert_eq!(named, (SagaError::DepositVoided.name(), "refunded first"));
    }
}
