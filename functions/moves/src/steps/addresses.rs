//! VerifyAddress (one per address, both in parallel): the addressing service is
//! asked to reconcile the address and answers the waiting state itself. The ask's
//! message id is derived from the token and the ask's data, so a repeated ask (a
//! retry after a publish whose answer was lost) is dropped by the addressing service
//! as a copy, while a different ask under one token (the other address of the
//! booking, or an address changed since) is a message of its own, never refused as
//! a reused id.
use platform::bus::Outgoing;
use platform::saga::StepError;
use platform_messages::contracts::addressing::{AddressSubmission, ReconcileAddress};
use uuid::Uuid;

use super::{StepDone, Steps, Which, done, transient};
use crate::error::MovesError;
use crate::ports::{Bookings, CrewLedger, MoverLookup};
use crate::saga::SagaBooking;
use crate::saga_error::SagaError;

impl<B: Bookings, C: CrewLedger, M: MoverLookup> Steps<B, C, M> {
    pub(super) async fn verify_address(
        &self,
        b: &SagaBooking,
        which: Which,
        token: &str,
    ) -> Result<StepDone, StepError> {
        let mover = self.movers.mover(&b.mover_id).await.map_err(MovesError::from)?;
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
        task.envelope.id = ask_id(token, &task.envelope.data.to_string());
        task.envelope.correlation_id = b.booking_id.to_string();
        task.envelope.task_token = Some(token.to_owned());
        task.trace = b.trace();
        self.publisher.publish(vec![task]).await.map_err(transient)?;
        done("verify_address", format!("asked the addressing service to reconcile the `{label}` address"))
    }
}

/// The id of the ask made under `token` with `data` (its JSON).
fn ask_id(token: &str, data: &str) -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_OID, format!("{token}\n{data}").as_bytes())
}
