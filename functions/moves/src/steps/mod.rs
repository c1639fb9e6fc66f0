//! The saga's step Lambda: one typed input per forward step and compensation
//! (`{"step": "reserve_crew", "booking": {...}}`), each idempotent, each keeping the
//! booking record current. Business failures are [`StepError`]s named for the state
//! machine's `Catch`; infrastructure failures are `Transient` (its `Retry`).
//! Written against the ports of [`crate::ports`]; one file per step and its
//! compensation (`crew`, `addresses`, `deposit`, `confirmation`, `ending`), with
//! given/when/then tests on the in-memory adapters in `tests.rs`.
use std::sync::Arc;

use platform::bus::{Outgoing, Publish};
use platform::saga::{Persistence, StepError, TaskCallbacks};
use platform_messages::Contract;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::booking::{Booking, BookingStep, StepStatus};
use crate::booking_store::BookingStore;
use crate::capacity::CrewCapacity;
use crate::error::MovesError;
use crate::mover_directory::MoverDirectory;
use crate::payments::PaymentProvider;
use crate::ports::{Bookings, CrewLedger, MoverLookup};
use crate::saga::SagaBooking;

mod addresses;
mod confirmation;
mod crew;
mod deposit;
mod ending;

pub use ending::{cause_text, error_name, failed_step};

/// Which of the mover's addresses a verification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Which {
    /// The address moved from.
    From,
    /// The address moved to.
    To,
}

/// A caught error as Step Functions hands it to the next state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// The error name.
    #[serde(rename = "Error")]
    pub error: String,
    /// The cause (for a Lambda error, its JSON `{errorType, errorMessage}`).
    #[serde(rename = "Cause", default)]
    pub cause: String,
}

/// The input of the step Lambda. [`StepName`] names its variants as the state
/// machine does (`cargo xtask check` compares the two).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, strum::EnumDiscriminants)]
#[serde(tag = "step", rename_all = "snake_case")]
#[strum_discriminants(name(StepName), derive(strum::EnumIter, strum::IntoStaticStr))]
#[strum_discriminants(strum(serialize_all = "snake_case"))]
#[strum_discriminants(doc = "The name of each step and compensation, as the state machine's inputs say it.")]
pub enum StepInput {
    /// Reserve `crew_size` crew members on the move date.
    ReserveCrew {
        /// The booking.
        booking: SagaBooking,
    },
    /// Ask the addressing service to reconcile one address; it completes `task_token`.
    VerifyAddress {
        /// The booking.
        booking: SagaBooking,
        /// Which address.
        address: Which,
        /// The waiting state's token.
        task_token: String,
    },
    /// Charge the deposit.
    ChargeDeposit {
        /// The booking.
        booking: SagaBooking,
    },
    /// Store the token the confirm/cancel routes complete.
    AwaitConfirmation {
        /// The booking.
        booking: SagaBooking,
        /// The waiting state's token.
        task_token: String,
    },
    /// Mark the booking booked and publish `move.booked`.
    ConfirmBooking {
        /// The booking.
        booking: SagaBooking,
    },
    /// Compensation of ChargeDeposit.
    RefundDeposit {
        /// The booking.
        booking: SagaBooking,
        /// What the saga is compensating for.
        failure: Failure,
    },
    /// Compensation of ReserveCrew.
    ReleaseCrew {
        /// The booking.
        booking: SagaBooking,
        /// What the saga is compensating for.
        failure: Failure,
    },
    /// Mark the booking cancelled and publish `move.cancelled`.
    CancelBooking {
        /// The booking.
        booking: SagaBooking,
        /// What ended the saga.
        failure: Failure,
    },
    /// A compensation kept failing: mark the booking and raise the alarm.
    FlagCompensationFailed {
        /// The booking.
        booking: SagaBooking,
        /// What the compensation failed with.
        compensation_failure: Failure,
    },
}

impl StepInput {
    /// The booking every step is about.
    pub fn booking(&self) -> &SagaBooking {
        match self {
            Self::ReserveCrew { booking }
            | Self::VerifyAddress { booking, .. }
            | Self::ChargeDeposit { booking }
            | Self::AwaitConfirmation { booking, .. }
            | Self::ConfirmBooking { booking }
            | Self::RefundDeposit { booking, .. }
            | Self::ReleaseCrew { booking, .. }
            | Self::CancelBooking { booking, .. }
            | Self::FlagCompensationFailed { booking, .. } => booking,
        }
    }
}

/// What a step reports back (kept in the execution history).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepDone {
    /// The step's name.
    pub step: String,
    /// What it did, in words.
    pub outcome: String,
}

/// What the steps work with: ports (see [`crate::ports`]), on DynamoDB unless
/// given others (in-memory ones in the unit tests).
pub struct Steps<B = BookingStore, C = CrewCapacity, M = MoverDirectory> {
    /// Bookings.
    pub bookings: B,
    /// Crew capacity.
    pub capacity: C,
    /// The payment provider.
    pub payments: Arc<dyn PaymentProvider>,
    /// The movers projection.
    pub movers: M,
    /// The bus.
    pub publisher: Arc<dyn Publish>,
    /// Completes task tokens (a verification that cannot even be asked fails at once).
    pub callbacks: Arc<dyn TaskCallbacks>,
    /// How the waiting steps (VerifyAddress, AwaitConfirmation) retry their own
    /// transient failures before their state's `Retry` sees one.
    pub persistence: Persistence,
}

/// A failure of something outside the domain (the bus, a callback): retried.
fn transient<E: std::error::Error + 'static>(e: E) -> StepError {
    StepError::transient(platform::error_chain::text(&e))
}

fn done(step: &str, outcome: impl Into<String>) -> Result<StepDone, StepError> {
    Ok(StepDone { step: step.to_owned(), outcome: outcome.into() })
}

/// The message id a booking's outcome event gets: one per booking and name.
fn outcome_id(booking_id: &str, name: &str) -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_OID, format!("{booking_id}/{name}").as_bytes())
}

impl<B: Bookings, C: CrewLedger, M: MoverLookup> Steps<B, C, M> {
    /// Runs one step.
    pub async fn run(&self, input: StepInput) -> Result<StepDone, StepError> {
        platform::saga::in_trace(input.booking().traceparent.as_ref());
        match input {
            StepInput::ReserveCrew { booking } => self.reserve_crew(&booking).await,
            StepInput::VerifyAddress { booking, address, task_token } => {
                let verify = || self.verify_address(&booking, address, &task_token);
                self.persistence.run("verify_address", verify).await
            }
            StepInput::ChargeDeposit { booking } => self.charge_deposit(&booking).await,
            StepInput::AwaitConfirmation { booking, task_token } => {
                let wait = || self.await_confirmation(&booking, &task_token);
                self.persistence.run("await_confirmation", wait).await
            }
            StepInput::ConfirmBooking { booking } => self.confirm_booking(&booking).await,
            StepInput::RefundDeposit { booking, .. } => self.refund_deposit(&booking).await,
            StepInput::ReleaseCrew { booking, .. } => self.release_crew(&booking).await,
            StepInput::CancelBooking { booking, failure } => self.cancel_booking(&booking, &failure).await,
            StepInput::FlagCompensationFailed { booking, compensation_failure } => {
                self.flag_compensation_failed(&booking, &compensation_failure).await
            }
        }
    }

    /// Edits the booking; a missing booking is a business error (nothing to book).
    async fn update<F>(&self, booking_id: &str, change: F) -> Result<Booking, StepError>
    where
        F: FnMut(&mut Booking) -> bool + Send,
    {
        match self.bookings.modify(booking_id, change).await {
            Ok(Some(b)) => Ok(b),
            Ok(None) => Err(MovesError::BookingNotFound(booking_id.to_owned()).into()),
            Err(e) => Err(MovesError::Store(e).into()),
        }
    }

    async fn record(&self, booking_id: &str, step: BookingStep) -> Result<Booking, StepError> {
        self.update(booking_id, |b| b.record_step(step, StepStatus::Done)).await
    }

    /// Records a compensation done, after the forward step that failed (so the log
    /// reads in the order things happened).
    async fn record_compensation(&self, booking_id: &str, step: BookingStep) -> Result<Booking, StepError> {
        self.update(booking_id, |b| {
            let failed = failed_step(b);
            let noted = b.record_step(failed, StepStatus::Failed);
            b.record_step(step, StepStatus::Done) || noted
        })
        .await
    }

    /// Publishes a booking's outcome with an id derived from the booking, so a
    /// retried step publishes the same message (consumers drop the copy).
    /// It continues the trace the booking was asked in.
    async fn announce<K: Contract>(&self, b: &SagaBooking, data: &K::Data) -> Result<(), StepError> {
        let mut message = Outgoing::new::<K>(data).map_err(transient)?;
        message.envelope.id = outcome_id(&b.booking_id, K::NAME.as_str());
        message.envelope.correlation_id = b.booking_id.to_string();
        message.trace = b.trace();
        self.publisher.publish(vec![message]).await.map_err(transient)
    }
}

#[cfg(test)]
mod tests;
