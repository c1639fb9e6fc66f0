//! AwaitConfirmation (the booking keeps the waiting state's token for the confirm
//! and cancel routes) and ConfirmBooking (booked, and `move.booked` published once).
use platform::saga::StepError;
use platform_messages::contracts::moves::{MoveBooked, MoveBookedData};

use super::{StepDone, Steps, done};
use crate::booking::{BookingStatus, BookingStep, StepStatus};
use crate::ports::{Bookings, CrewLedger, MoverLookup};
use crate::saga::SagaBooking;

impl<B: Bookings, C: CrewLedger, M: MoverLookup> Steps<B, C, M> {
    pub(super) async fn await_confirmation(&self, b: &SagaBooking, token: &str) -> Result<StepDone, StepError> {
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

    pub(super) async fn confirm_booking(&self, b: &SagaBooking) -> Result<StepDone, StepError> {
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
            move_date: booking.move_date,
            crew_size: booking.crew_size,
            deposit_cents: booking.deposit_cents,
        };
        self.announce::<MoveBooked>(b, &data).await?;
        done("confirm_booking", "booked; move.booked published")
    }
}
