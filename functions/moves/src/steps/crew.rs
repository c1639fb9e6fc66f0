//! ReserveCrew and its compensation ReleaseCrew: the date's crew, held by the booking.
use platform::saga::StepError;

use super::{StepDone, Steps, done};
use crate::booking::BookingStep;
use crate::error::MovesError;
use crate::ports::{Bookings, CrewLedger, MoverLookup};
use crate::saga::SagaBooking;

impl<B: Bookings, C: CrewLedger, M: MoverLookup> Steps<B, C, M> {
    pub(super) async fn reserve_crew(&self, b: &SagaBooking) -> Result<StepDone, StepError> {
        self.capacity.reserve(&b.move_date.to_string(), &b.booking_id, b.crew_size).await?;
        self.record(&b.booking_id, BookingStep::ReserveCrew).await?;
        done("reserve_crew", format!("{} crew members reserved on {}", b.crew_size, b.move_date))
    }

    pub(super) async fn release_crew(&self, b: &SagaBooking) -> Result<StepDone, StepError> {
        let held = self.capacity.release(&b.move_date.to_string(), &b.booking_id).await.map_err(MovesError::from)?;
        self.record_compensation(&b.booking_id, BookingStep::ReleaseCrew).await?;
        done("release_crew", if held { "crew released" } else { "no crew was held" })
    }
}
