//! ChargeDeposit and its compensation RefundDeposit: the deposit is charged once
//! per booking, and a refund voids it first, so a charge that lands late is refunded.
use platform::saga::StepError;

use super::{StepDone, Steps, done};
use crate::booking::{BookingStep, StepStatus};
use crate::error::MovesError;
use crate::ports::{Bookings, CrewLedger, MoverLookup};
use crate::saga::SagaBooking;

impl<B: Bookings, C: CrewLedger, M: MoverLookup> Steps<B, C, M> {
    pub(super) async fn charge_deposit(&self, b: &SagaBooking) -> Result<StepDone, StepError> {
        // Reached only when both addresses were verified (the Parallel state succeeded).
        let booking = self.record(&b.booking_id, BookingStep::VerifyAddresses).await?;
        if booking.deposit_voided {
            return Err(MovesError::DepositVoided("the deposit was voided by a refund; nothing charged").into());
        }
        let charge = self.payments.charge(&b.booking_id, b.deposit.amount_cents, &b.deposit.card_token).await?;
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
            let refund = self.payments.refund(&b.booking_id).await?;
            tracing::warn!(booking_id = %b.booking_id, ?refund, "a charge landed after its refund; refunded it");
            return Err(MovesError::DepositVoided("the charge landed after the refund and was refunded").into());
        }
        done("charge_deposit", format!("charged {} cents ({})", charge.amount_cents, charge.charge_id))
    }

    pub(super) async fn refund_deposit(&self, b: &SagaBooking) -> Result<StepDone, StepError> {
        // Void first, refund second: a charge still on its way sees the void (see
        // `charge_deposit`), or else lands before this refund asks the provider.
        self.update(&b.booking_id, |booking| !std::mem::replace(&mut booking.deposit_voided, true)).await?;
        let refund = self.payments.refund(&b.booking_id).await?;
        self.record_compensation(&b.booking_id, BookingStep::RefundDeposit).await?;
        done("refund_deposit", format!("{refund:?}"))
    }
}
