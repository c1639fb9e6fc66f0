//! The saga's step Lambda: one typed input per forward step and compensation
//! (`{"step": "reserve_crew", "booking": {...}}`), each idempotent, each keeping the
//! booking record current. Business failures are [`StepError`]s named for the state
//! machine's `Catch`; infrastructure failures are `Transient` (its `Retry`).
use std::sync::Arc;

use platform::bus::{Outgoing, Publish};
use platform::saga::{StepError, TaskCallbacks};
use platform_messages::Contract;
use platform_messages::contracts::addressing::{AddressSubmission, ReconcileAddress};
use platform_messages::contracts::moves::{MoveBooked, MoveBookedData, MoveCancelled, MoveCancelledData};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::booking::{Booking, BookingStatus, BookingStep, StepStatus};
use crate::booking_store::BookingStore;
use crate::capacity::{CrewCapacity, ReserveError};
use crate::mover_directory::MoverDirectory;
use crate::payments::{PaymentError, PaymentProvider};
use crate::saga::{STATES_TIMEOUT, SagaBooking, SagaError};

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

/// What a step reports back (kept in the execution history).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepDone {
    /// The step's name.
    pub step: String,
    /// What it did, in words.
    pub outcome: String,
}

/// What the steps work with.
pub struct Steps {
    /// Bookings.
    pub bookings: BookingStore,
    /// Crew capacity.
    pub capacity: CrewCapacity,
    /// The payment provider.
    pub payments: Arc<dyn PaymentProvider>,
    /// The movers projection.
    pub movers: MoverDirectory,
    /// The bus.
    pub publisher: Arc<dyn Publish>,
    /// Completes task tokens (a verification that cannot even be asked fails at once).
    pub callbacks: Arc<dyn TaskCallbacks>,
}

fn business(error: SagaError, cause: impl Into<String>) -> StepError {
    StepError::business(error.name(), cause)
}

fn transient(e: impl std::fmt::Display) -> StepError {
    StepError::transient(e.to_string())
}

fn done(step: &str, outcome: impl Into<String>) -> Result<StepDone, StepError> {
    Ok(StepDone { step: step.to_owned(), outcome: outcome.into() })
}

/// The message id a booking's outcome event gets: one per booking and name.
fn outcome_id(booking_id: &str, name: &str) -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_OID, format!("{booking_id}/{name}").as_bytes())
}

impl Steps {
    /// Runs one step.
    pub async fn run(&self, input: StepInput) -> Result<StepDone, StepError> {
        match input {
            StepInput::ReserveCrew { booking } => self.reserve_crew(&booking).await,
            StepInput::VerifyAddress { booking, address, task_token } => {
                self.verify_address(&booking, address, &task_token).await
            }
            StepInput::ChargeDeposit { booking } => self.charge_deposit(&booking).await,
            StepInput::AwaitConfirmation { booking, task_token } => {
                self.await_confirmation(&booking, &task_token).await
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
        F: FnMut(&mut Booking) -> bool,
    {
        match self.bookings.modify(booking_id, change).await {
            Ok(Some(b)) => Ok(b),
            Ok(None) => Err(business(SagaError::BookingNotFound, format!("booking {booking_id} does not exist"))),
            Err(e) => Err(transient(e)),
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

    async fn reserve_crew(&self, b: &SagaBooking) -> Result<StepDone, StepError> {
        match self.capacity.reserve(&b.move_date, &b.booking_id, b.crew_size).await {
            Ok(()) => {
                self.record(&b.booking_id, BookingStep::ReserveCrew).await?;
                done("reserve_crew", format!("{} crew members reserved on {}", b.crew_size, b.move_date))
            }
            Err(e @ ReserveError::NoCrew { .. }) => Err(business(SagaError::NoCrewAvailable, e.to_string())),
            Err(ReserveError::Store(e)) => Err(transient(e)),
        }
    }

    async fn verify_address(&self, b: &SagaBooking, which: Which, token: &str) -> Result<StepDone, StepError> {
        let mover = self.movers.get(&b.mover_id).await.map_err(transient)?;
        let state = mover.and_then(|m| match which {
            Which::From => m.from_address,
            Which::To => m.to_address,
        });
        let label = match which {
            Which::From => "from",
            Which::To => "to",
        };
        let Some(state) = state else {
            // Nothing to ask: fail the waiting state now rather than let it time out.
            let cause = format!("mover {} has no `{label}` address", b.mover_id);
            self.callbacks.fail(token, SagaError::AddressRejected.name(), &cause).await.map_err(transient)?;
            return done("verify_address", cause);
        };
        let data = AddressSubmission { reference: format!("{}:{label}", b.booking_id), address: state.submitted };
        let mut task = Outgoing::new::<ReconcileAddress>(&data).map_err(transient)?;
        task.envelope.correlation_id = b.booking_id.clone();
        task.envelope.task_token = Some(token.to_owned());
        self.publisher.publish(vec![task]).await.map_err(transient)?;
        done("verify_address", format!("asked the addressing service to reconcile the `{label}` address"))
    }

    async fn charge_deposit(&self, b: &SagaBooking) -> Result<StepDone, StepError> {
        // Reached only when both addresses were verified (the Parallel state succeeded).
        let booking = self.record(&b.booking_id, BookingStep::VerifyAddresses).await?;
        if booking.deposit_voided {
            return Err(business(SagaError::DepositVoided, "the deposit was voided by a refund; nothing charged"));
        }
        match self.payments.charge(&b.booking_id, b.deposit.amount_cents, &b.deposit.card_token).await {
            Ok(charge) => {
                // A refund that ran while the charge was on its way voided the deposit
                // first; seen here (a consistent read after the capture), the charge is
                // refunded now. Unseen, the void came after this read, so the refund's
                // own provider call comes after the capture and refunds it.
                let booking = self
                    .update(&b.booking_id, |bk| {
                        !bk.deposit_voided && bk.record_step(BookingStep::ChargeDeposit, StepStatus::Done)
                    })
                    .await?;
                if booking.deposit_voided {
                    let refund = self.payments.refund(&b.booking_id).await.map_err(transient)?;
                    tracing::warn!(booking_id = %b.booking_id, ?refund, "a charge landed after its refund; refunded it");
                    return Err(business(
                        SagaError::DepositVoided,
                        "the charge landed after the refund and was refunded",
                    ));
                }
                done("charge_deposit", format!("charged {} cents ({})", charge.amount_cents, charge.charge_id))
            }
            Err(e @ PaymentError::Declined(_)) => Err(business(SagaError::PaymentDeclined, e.to_string())),
            Err(e @ PaymentError::Timeout(_)) => Err(business(SagaError::PaymentTimeout, e.to_string())),
            Err(e @ PaymentError::Unavailable(_)) => Err(transient(e)),
        }
    }

    async fn await_confirmation(&self, b: &SagaBooking, token: &str) -> Result<StepDone, StepError> {
        self.update(&b.booking_id, |booking| {
            if booking.status != BookingStatus::Pending && booking.status != BookingStatus::AwaitingConfirmation {
                return false;
            }
            booking.status = BookingStatus::AwaitingConfirmation;
            booking.task_token = Some(token.to_owned());
            true
        })
        .await?;
        done("await_confirmation", "waiting for the customer")
    }

    async fn confirm_booking(&self, b: &SagaBooking) -> Result<StepDone, StepError> {
        let booking = self
            .update(&b.booking_id, |booking| {
                let mut changed = booking.record_step(BookingStep::AwaitConfirmation, StepStatus::Done);
                changed |= booking.record_step(BookingStep::ConfirmBooking, StepStatus::Done);
                if booking.status != BookingStatus::Booked {
                    booking.status = BookingStatus::Booked;
                    booking.task_token = None;
                    changed = true;
                }
                changed
            })
            .await?;
        let data = MoveBookedData {
            booking_id: booking.booking_id.clone(),
            mover_id: booking.mover_id.clone(),
            owner_sub: booking.owner_sub.clone(),
            contact_email: booking.contact_email.clone(),
            move_date: booking.move_date.clone(),
            crew_size: booking.crew_size,
            deposit_cents: booking.deposit_cents,
        };
        self.announce::<MoveBooked>(&booking.booking_id, &data).await?;
        done("confirm_booking", "booked; move.booked published")
    }

    async fn refund_deposit(&self, b: &SagaBooking) -> Result<StepDone, StepError> {
        // Void first, refund second: a charge still on its way sees the void (see
        // `charge_deposit`), or else lands before this refund asks the provider.
        self.update(&b.booking_id, |booking| !std::mem::replace(&mut booking.deposit_voided, true)).await?;
        let refund = self.payments.refund(&b.booking_id).await.map_err(transient)?;
        self.record_compensation(&b.booking_id, BookingStep::RefundDeposit).await?;
        done("refund_deposit", format!("{refund:?}"))
    }

    async fn release_crew(&self, b: &SagaBooking) -> Result<StepDone, StepError> {
        let held = self.capacity.release(&b.move_date, &b.booking_id).await.map_err(transient)?;
        self.record_compensation(&b.booking_id, BookingStep::ReleaseCrew).await?;
        done("release_crew", if held { "crew released" } else { "no crew was held" })
    }

    async fn cancel_booking(&self, b: &SagaBooking, failure: &Failure) -> Result<StepDone, StepError> {
        let mut error = String::new();
        let reason = cause_text(&failure.cause);
        let booking = self
            .update(&b.booking_id, |booking| {
                let failed = failed_step(booking);
                error = error_name(&failure.error, failed);
                let mut changed = booking.record_step(failed, StepStatus::Failed);
                if booking.status != BookingStatus::Cancelled {
                    booking.status = BookingStatus::Cancelled;
                    booking.error = Some(error.clone());
                    booking.reason = Some(reason.clone());
                    booking.task_token = None;
                    changed = true;
                }
                changed
            })
            .await?;
        let data = MoveCancelledData {
            booking_id: booking.booking_id.clone(),
            mover_id: booking.mover_id.clone(),
            owner_sub: booking.owner_sub.clone(),
            contact_email: booking.contact_email.clone(),
            move_date: booking.move_date.clone(),
            error: booking.error.clone().unwrap_or(error),
            reason: booking.reason.clone().unwrap_or(reason),
        };
        self.announce::<MoveCancelled>(&booking.booking_id, &data).await?;
        done("cancel_booking", format!("cancelled ({}); move.cancelled published", data.error))
    }

    async fn flag_compensation_failed(&self, b: &SagaBooking, failure: &Failure) -> Result<StepDone, StepError> {
        let cause = cause_text(&failure.cause);
        tracing::error!(
            alarm = "compensation_failed",
            booking_id = %b.booking_id,
            error = %failure.error,
            cause = %cause,
            "ALARM: a compensation of the booking saga kept failing; the booking needs an operator"
        );
        self.update(&b.booking_id, |booking| {
            if booking.status == BookingStatus::CompensationFailed {
                return false;
            }
            booking.status = BookingStatus::CompensationFailed;
            booking.error = Some(failure.error.clone());
            booking.reason = Some(cause.clone());
            booking.task_token = None;
            true
        })
        .await?;
        done("flag_compensation_failed", "booking marked compensation_failed")
    }

    /// Publishes a booking's outcome with an id derived from the booking, so a
    /// retried step publishes the same message (consumers drop the copy).
    async fn announce<C: Contract>(&self, booking_id: &str, data: &C::Data) -> Result<(), StepError> {
        let mut message = Outgoing::new::<C>(data).map_err(transient)?;
        message.envelope.id = outcome_id(booking_id, C::NAME.as_str());
        message.envelope.correlation_id = booking_id.to_owned();
        self.publisher.publish(vec![message]).await.map_err(transient)
    }
}

/// The forward step that failed: the first one the booking has not recorded done.
pub fn failed_step(booking: &Booking) -> BookingStep {
    BookingStep::FORWARD.into_iter().find(|step| !booking.done(*step)).unwrap_or(BookingStep::ConfirmBooking)
}

/// The stable error name of a failure: Step Functions' `States.Timeout` is named
/// after the step that waited too long.
pub fn error_name(error: &str, failed_step: BookingStep) -> String {
    match (error, failed_step) {
        (STATES_TIMEOUT, BookingStep::AwaitConfirmation) => "ConfirmationTimedOut".to_owned(),
        (STATES_TIMEOUT, BookingStep::VerifyAddresses) => "AddressVerificationTimedOut".to_owned(),
        (STATES_TIMEOUT, step) => format!("{}TimedOut", pascal(step.name())),
        (other, _) => other.to_owned(),
    }
}

fn pascal(step: &str) -> String {
    step.split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_uppercase().chain(c).collect::<String>()).unwrap_or_default()
        })
        .collect()
}

/// A Lambda error's cause is JSON (`{"errorType", "errorMessage"}`): its message;
/// any other cause as it is.
pub fn cause_text(cause: &str) -> String {
    serde_json::from_str::<serde_json::Value>(cause)
        .ok()
        .and_then(|v| v.get("errorMessage").and_then(|m| m.as_str()).map(str::to_owned))
        .unwrap_or_else(|| cause.to_owned())
}
