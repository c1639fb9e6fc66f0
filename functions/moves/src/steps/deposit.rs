//! ChargeDeposit and its compensation RefundDeposit: the deposit is charged once
//! per booking, and a refund voids it first, so a charge that lands late is refunded.
use platform::saga::StepError;

use super::{StepDone, Steps, business, done, transient};
use crate::booking::{BookingStep, StepStatus};
use crate::payments::PaymentError;
use crate::ports::{Bookings, CrewLedger, MoverLookup};
use crate::saga::{SagaBooking, SagaError};

impl<B: Bookings, C: CrewLedger, M: MoverLookup> Steps<B, C, M> {
    pub(super) async fn charge_deposit(&self, b: &SagaBooking) -> Result<StepDone, StepError> {
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

    pub(super) async fn refund_deposit(&self, b: &SagaBooking) -> Result<StepDone, StepError> {
        // Void first, refund second: a charge still on its way sees the void (see
        // `charge_deposit`), or else lands before this refund asks the provider.
        self.update(&b.booking_id, |booking| !std::mem::replace(&mut booking.deposit_voided, true)).await?;
        let refund = self.payments.refund(&b.booking_id).await.map_err(transient)?;
        self.record_compensation(&b.booking_id, BookingStep::RefundDeposit).await?;
        done("refund_deposit", format!("{refund:?}"))
    }
}
