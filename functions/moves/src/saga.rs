//! The booking saga as the gateway sees it: its input, starting it (named by the
//! booking id, so a second start runs nothing), and the names of its errors.
use aws_sdk_sfn::Client;
use serde::{Deserialize, Serialize};

use crate::booking::Deposit;

/// The execution input: everything the steps need about the booking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SagaBooking {
    /// Booking id (the execution name).
    pub booking_id: String,
    /// The mover.
    pub mover_id: String,
    /// The booking's owner.
    pub owner_sub: String,
    /// Move date.
    pub move_date: String,
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

/// The error names the state machine matches.
pub mod errors {
    /// ReserveCrew: not enough crew left on the date.
    pub const NO_CREW_AVAILABLE: &str = "NoCrewAvailable";
    /// VerifyAddresses: an address was rejected (or the mover has none).
    pub const ADDRESS_REJECTED: &str = "AddressRejected";
    /// ChargeDeposit: the card was declined.
    pub const PAYMENT_DECLINED: &str = "PaymentDeclined";
    /// ChargeDeposit: the provider did not answer in time.
    pub const PAYMENT_TIMEOUT: &str = "PaymentTimeout";
    /// ChargeDeposit ran after the saga had already refunded (voided) the deposit: a
    /// late charge, refunded at once. The saga has moved on; no state catches it.
    pub const DEPOSIT_VOIDED: &str = "DepositVoided";
    /// AwaitConfirmation: the customer cancelled.
    pub const CONFIRMATION_CANCELLED: &str = "ConfirmationCancelled";
    /// The booking record is missing (a bug or a deleted record).
    pub const BOOKING_NOT_FOUND: &str = "BookingNotFound";
    /// Step Functions' own timeout error.
    pub const STATES_TIMEOUT: &str = "States.Timeout";
}

/// Why a saga could not be started.
#[derive(Debug, thiserror::Error)]
#[error("starting the booking saga failed: {0}")]
pub struct StartError(String);

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
    pub async fn start(&self, input: &SagaInput) -> Result<bool, StartError> {
        let body = serde_json::to_string(input).map_err(|e| StartError(e.to_string()))?;
        let sent = self
            .client
            .start_execution()
            .state_machine_arn(&self.state_machine_arn)
            .name(&input.booking.booking_id)
            .input(body)
            .send()
            .await;
        match sent {
            Ok(_) => Ok(true),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_execution_already_exists()) => Ok(false),
            Err(e) => Err(StartError(format!("{}", aws_sdk_sfn::error::DisplayErrorContext(e)))),
        }
    }
}
