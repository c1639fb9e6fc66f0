//! How a saga ends when it does not book: CancelBooking (cancelled, with a stable
//! error name and the reason, and `move.cancelled` published once) and
//! FlagCompensationFailed (a compensation kept failing: the booking needs an operator).
use platform::saga::StepError;
use platform_messages::contracts::moves::{MoveCancelled, MoveCancelledData};

use super::{Failure, StepDone, Steps, done};
use crate::booking::{Booking, BookingStatus, BookingStep, StepStatus};
use crate::ports::{Bookings, CrewLedger, MoverLookup};
use crate::saga::SagaBooking;
use crate::saga_error::STATES_TIMEOUT;

impl<B: Bookings, C: CrewLedger, M: MoverLookup> Steps<B, C, M> {
    pub(super) async fn cancel_booking(&self, b: &SagaBooking, failure: &Failure) -> Result<StepDone, StepError> {
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
            move_date: booking.move_date,
            error: booking.error.clone().unwrap_or(error),
            reason: booking.reason.clone().unwrap_or(reason),
        };
        self.announce::<MoveCancelled>(b, &data).await?;
        done("cancel_booking", format!("cancelled ({}); move.cancelled published", data.error))
    }

    pub(super) async fn flag_compensation_failed(
        &self,
        b: &SagaBooking,
        failure: &Failure,
    ) -> Result<StepDone, StepError> {
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
