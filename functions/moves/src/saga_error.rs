//! The names of the booking saga's errors as its state machine knows them: the
//! business errors its steps fail with (matched by `Catch` clauses) and the names
//! Step Functions gives its own (`cargo xtask check` compares both with
//! `statemachines/book-move.asl.json`).

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_rejected_by_the_name_the_addressing_service_answers_with() {
        use platform_messages::contracts::addressing::RECONCILE_REJECTED_ERROR;
        assert_eq!(SagaError::AddressRejected.name(), RECONCILE_REJECTED_ERROR);
    }
}
