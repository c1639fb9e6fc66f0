//! The booking saga as the gateway sees it: its input, starting it (named by the
//! booking id, so a second start runs nothing).
use aws_sdk_sfn::Client;
use platform_messages::dates::CalendarDate;
use platform_messages::ids::{BookingId, MoverId, UserId};
use platform_messages::{Trace, TraceParent};
use serde::{Deserialize, Serialize};

use crate::booking::Deposit;
use crate::error::MovesError;

/// The execution input: everything the steps need about the booking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SagaBooking {
    /// Booking id (the execution name).
    pub booking_id: BookingId,
    /// The mover.
    pub mover_id: MoverId,
    /// The booking's owner.
    pub owner_sub: UserId,
    /// Move date.
    pub move_date: CalendarDate,
    /// People in the crew.
    pub crew_size: u32,
    /// The deposit to charge.
    pub deposit: Deposit,
    /// Where the execution stands in the trace the booking was asked in (a span
    /// of the execution's own, see [`SagaBooking::in_trace`]); every message a
    /// step sends continues that trace. Absent in executions started before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceparent: Option<TraceParent>,
}

impl SagaBooking {
    /// Places the execution in `trace`, as a span named by the booking id (so a
    /// replayed request, starting nothing, names the same span).
    pub fn in_trace(mut self, trace: Trace) -> Self {
        let execution = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, format!("saga/{}", self.booking_id).as_bytes());
        platform::traces::message_sent(trace, &execution, "book-move execution");
        self.traceparent = Some(trace.sent_as(&execution));
        self
    }

    /// The trace the steps' messages are sent in.
    pub fn trace(&self) -> Option<Trace> {
        self.traceparent.map(|t| t.trace())
    }
}

/// The execution input document: `{"booking": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SagaInput {
    /// The booking.
    pub booking: SagaBooking,
}

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
    pub async fn start(&self, input: &SagaInput) -> Result<bool, MovesError> {
        let body = serde_json::to_string(input).map_err(|e| MovesError::SagaStart(e.to_string()))?;
        let sent = self
            .client
            .start_execution()
            .state_machine_arn(&self.state_machine_arn)
            .name(input.booking.booking_id.as_str())
            .input(body)
            .send()
            .await;
        match sent {
            Ok(_) => Ok(true),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_execution_already_exists()) => Ok(false),
            Err(e) => Err(MovesError::SagaStart(format!("{}", aws_sdk_sfn::error::DisplayErrorContext(e)))),
        }
    }
}
