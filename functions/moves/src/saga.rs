//! The booking saga as the gateway sees it: its input, starting it (named by the
//! booking id, so a second start runs nothing), and the names of its errors.
use aws_sdk_sfn::Client;
use platform_messages::dates::CalendarDate;
use platform_messages::ids::{BookingId, MoverId};
use serde::{Deserialize, Serialize};

use crate::booking::Deposit;
use crate::error::MovesError;

/// The execution input: everything the steps need about the booking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SagaBooking {
    /// Booking id (the execution name).
    pub booking_id: BookingId,
    /// The mover.
    pub mover_id: MoverId,
    /// The booking's owner.
    pub owner_sub: String,
    /// Move date.
    pub move_date: CalendarDate,
    /// People in the crew.
    pub crew_size: u32,
    /// The deposit to charge.
    pub deposit: Deposit,
}

/// The execution input document: `{"booking": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SagaInput {
    /// The booking.
    pub booking: SagaBooking,
}

/// The business errors the saga's steps fail with, named as the state machine's
/// `Catch` clauses match them (`cargo xtask check` compares the two).
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumIter, strum::IntoStaticStr)]
pub enum SagaError {
    /// ReserveCrew: not enough crew left on the date.
    NoCrewAvailable,
    /// VerifyAddresses: an address was rejected (or the mover has none). The
    /// addressing service answers the waiting step with this name too.
    AddressRejected,
    /// ChargeDeposit: the card was declined.
    PaymentDeclined,
    /// ChargeDeposit: the provider did not answer in time.
    PaymentTimeout,
    /// ChargeDeposit ran after the saga had already refunded (voided) the deposit: a
    /// late charge, refunded at once. The saga has moved on; no state catches it.
    DepositVoided,
    /// AwaitConfirmation: the customer cancelled.
    ConfirmationCancelled,
    /// The booking record is missing (a bug or a deleted record).
    BookingNotFound,
}

/// How the state machine meets one of the steps' errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caught {
    /// A `Catch` names it (its own path through the compensations).
    ByName,
    /// The catch-all (`States.ALL`) compensates for it.
    ByAnyError,
    /// It comes after the saga moved on: nothing waits for it.
    Never,
}

impl SagaError {
    /// The name the state machine matches.
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// How the state machine meets it.
    pub fn caught(self) -> Caught {
        match self {
            SagaError::NoCrewAvailable | SagaError::PaymentDeclined | SagaError::PaymentTimeout => Caught::ByName,
            SagaError::AddressRejected | SagaError::ConfirmationCancelled | SagaError::BookingNotFound => {
                Caught::ByAnyError
            }
            SagaError::DepositVoided => Caught::Never,
        }
    }
}

/// Step Functions' own timeout error.
pub const STATES_TIMEOUT: &str = "States.Timeout";
/// The error the saga ends with when a compensation kept failing (its `Fail` state).
pub const COMPENSATION_FAILED: &str = "CompensationFailed";

/// Starts booking sagas on Step Functions.
#[derive(Clone, Debug)]
pub struct SagaStarter {
    client: Client,
    state_machine_arn: String,
}

impl SagaStarter {
    /// The starter of the state machine `state_machine_arn`.
    pub fn new(client: Client, state_machine_arn: impl Into<String>) -> Self {
        Self { client, state_machine_arn: state_machine_arn.into() }
    }

    /// Starts the saga named by the booking id; an execution of that name that
    /// exists already is left alone. Returns whether this call started it.
    pub async fn start(&self, input: &SagaInput) -> Result<bool, MovesError> {
        let body = serde_json::to_string(input).map_err(|e| MovesError::SagaStart(e.to_string()))?;
        let sent = self
            .client
            .start_execution()
            .state_machine_arn(&self.state_machine_arn)
            .name(input.booking.booking_id.as_str())
            .input(body)
            .send()
            .await;
        match sent {
            Ok(_) => Ok(true),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_execution_already_exists()) => Ok(false),
            Err(e) => Err(MovesError::SagaStart(format!("{}", aws_sdk_sfn::error::DisplayErrorContext(e)))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_rejected_by_the_name_the_addressing_service_answers_with() {
        use platform_messages::contracts::addressing::RECONCILE_REJECTED_ERROR;
        assert_eq!(SagaError::AddressRejected.name(), RECONCILE_REJECTED_ERROR);
    }
}
